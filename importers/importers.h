/* importers.h: the file formats tally reads. Each format is one `const struct importer`
 * in its own file, listed once in importer_table (importers/registry.c). An importer reads
 * its input through struct input (plain, compressed or stdin alike) and hands records to
 * the store; it never writes SQL.
 *
 * Ownership: import_file() owns the input it opens; importers borrow ctx members. */
#ifndef TALLY_IMPORTERS_H
#define TALLY_IMPORTERS_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

/* ---- input: a file, stdin or a compressed stream, read through libarchive ---- */

struct input;

#define INPUT_HEAD_SIZE 8192            /* bytes given to sniff() */
#define INPUT_MAX_LINE (4u << 20)       /* longest line accepted: 4 MiB */
#define INPUT_MAX_BYTES (64ull << 30)   /* decompressed size cap: 64 GiB */
/* Compressed input stops once it has given more than INPUT_MAX_RATIO times the compressed
 * bytes read and more than INPUT_RATIO_FLOOR bytes (a decompression bomb). Real scan
 * results and captures compress by far less; $TALLY_RATIO_FLOOR_MIB lowers the floor for
 * tests. */
#define INPUT_MAX_RATIO 1000
#define INPUT_RATIO_FLOOR (1ull << 30)

/* Opens path ("-" = stdin), undoing .gz .xz .bz2 .zst .lz4 compression when present. */
enum tally_error input_open(const char *path, struct input **out, struct tally_diag *diag);
void input_close(struct input *in);     /* accepts NULL */
const char *input_path(const struct input *in);
/* The first bytes of the (decompressed) content without consuming them. */
const unsigned char *input_head(struct input *in, size_t *len);
/* Reads up to size bytes; returns bytes read, 0 at end; -1 on error (diag filled). */
long input_read(struct input *in, void *buf, size_t size, struct tally_diag *diag);
/* Next line without its "\n" (a "\r\n" ending is also removed): *line points into an
 * internal buffer valid until the next call, NUL-terminated, *len excludes it. Returns 1
 * for a line, 0 at end of input, -1 on error (diag filled; input_error() says which). */
int input_getline(struct input *in, char **line, size_t *len, struct tally_diag *diag);
/* The error behind the last -1 from input_getline() or input_read(): TALLY_ERROR_LIMIT
 * for a line or file over a limit, TALLY_ERROR_IO for a read that failed. */
enum tally_error input_error(const struct input *in);
long input_line_number(const struct input *in);   /* of the line last returned */
/* True when the line last returned was not ended by "\n" (the file stopped mid-line). */
int input_last_line_unterminated(const struct input *in);
unsigned long long input_bytes_read(const struct input *in);    /* of the content */
/* A stdio stream over the remaining input (for libpcap); closed by input_close(). */
FILE *input_stdio(struct input *in);
/* SHA-256 of every byte consumed so far, as 64 hex digits + NUL. */
void input_sha256(struct input *in, char out[65]);
/* The file's size when it is a regular file, else 0: for the progress bar. */
unsigned long long input_size_hint(const struct input *in);
/* How far into the file reading is: its bytes read so far, which for a compressed file
 * are fewer than the content's. */
unsigned long long input_bytes_done(const struct input *in);
/* Reads and discards the rest (so the content hash covers the whole file). */
enum tally_error input_drain(struct input *in, struct tally_diag *diag);

/* ---- the import context an importer runs in ---- */

struct import_options {
    const char *format;         /* -f, or NULL to sniff */
    const char *tag;            /* --tag */
    const char *owner;          /* --owner e-mail */
    const char *tz;             /* --tz, for times with no zone (default "UTC") */
    const char *masscan_version;/* --masscan-version for -oB app numbers, NULL = guess */
    const char *flow_timeout;   /* --flow-timeout for captures, NULL = the defaults */
    int lenient;                /* --lenient: skip malformed records */
    /* Progress, or NULL: called now and then while a file is read with the bytes read
     * and its size (0 when unknown), and once with finished = 1 when the reading ends. */
    void (*progress)(void *data, const char *path, unsigned long long done,
                     unsigned long long total, int finished);
    void *progress_data;        /* handed to progress */
};

struct import_ctx {
    struct input *in;
    struct store *store;
    const struct import_options *opt;
    struct tally_diag *diag;
    long long skipped;          /* malformed records skipped under --lenient */
    long long warnings;         /* e.g. a cut-off last record */
    char warning[512];          /* the first warning, for the summary */
};

/* A malformed record at the current line: under --lenient counts it and returns TALLY_OK;
 * otherwise fills diag (with file and line) and returns TALLY_ERROR_DATA. */
enum tally_error import_bad_record(struct import_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same at a byte offset, for binary formats. */
enum tally_error import_bad_record_at(struct import_ctx *ctx, long long offset,
                                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a warning (shown once in the summary). */
void import_warn(struct import_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The warning for a last line without its newline: the writer was stopped mid-write
 * (masscan ends every record with one), so the line is left out. */
void import_warn_cut_off(struct import_ctx *ctx);
/* Reports progress to the caller's callback, if any (cheap; call per record). */
void import_progress(struct import_ctx *ctx);
/* Reads the rest of the input into sb, refusing more than max bytes with "a WHAT larger than
 * N MiB" (for formats read whole: calendars, LinkedIn CSV files). */
enum tally_error import_read_whole(struct import_ctx *ctx, struct strbuf *sb,
                                   unsigned long long max, const char *what);

/* ---- the registry ---- */

struct importer {
    const char *name;           /* -f NAME */
    const char *description;    /* one line for `tally import --help` */
    /* 0 = not this format ... 100 = certainly this format. */
    int (*sniff)(const unsigned char *head, size_t len, const char *path);
    enum tally_error (*run)(struct import_ctx *ctx);
    /* The options that change the rows it writes (enum importer_reads): the same content
     * imported again with other values of these is a new import. */
    unsigned reads;
};
enum importer_reads {
    IMPORTER_READS_OWNER        = 1 << 0,   /* --owner */
    IMPORTER_READS_TZ           = 1 << 1,   /* --tz */
    IMPORTER_READS_FLOW_TIMEOUT = 1 << 2    /* --flow-timeout */
};

/* Reads --flow-timeout text into the idle timeouts in seconds (the defaults where the text
 * is NULL, empty or silent on one); on a part it cannot read returns 0 and points *bad at
 * it within the text. */
int pcap_flow_timeouts(const char *text, long long *tcp, long long *udp, const char **bad);

extern const struct importer *const importer_table[];
const struct importer *importer_find(const char *name);
/* The importer whose sniff() scores highest (> 0), or NULL. */
const struct importer *importer_sniff(const unsigned char *head, size_t len, const char *path);

struct import_result {
    const char *format;
    int64_t source_id;
    int duplicate;              /* identical content was imported before */
    int empty;                  /* the file was empty: nothing imported, no source */
    struct store_counts counts;
    long long skipped;
    long long warnings;
    char warning[512];
    unsigned long long bytes;
    double seconds;
};
/* Imports one file in one transaction. */
enum tally_error import_file(struct store *store, const char *path,
                             const struct import_options *opt, struct import_result *result,
                             struct tally_diag *diag);

/* ---- shared decoders (importers/decode.c, importers/banner.c) ---- */

/* Decodes masscan's escaping in place ("\xHH" and, for JSON, "\u00HH" to one byte).
 * Returns the new length, or (size_t)-1 for a "\x" not followed by two hex digits
 * (masscan writes every escape whole). Other backslashes are kept. */
size_t masscan_unescape(char *text, size_t len);
/* Stores a banner and what it tells about the service's HTTP application and stack
 * (an "http.server" banner, or Server / X-Powered-By lines inside an "http" banner). */
enum tally_error import_banner(struct import_ctx *ctx, const struct banner_record *banner);
/* Finds HTTP response headers in data and stores server / x-powered-by /
 * x-aspnet-version for the service described by `service` (its name, value, product and
 * version ignored). */
enum tally_error import_http_headers(struct import_ctx *ctx, const struct header_record *service,
                                     const unsigned char *data, size_t len);
/* Stores header `name` with value (len bytes, any bytes: made valid UTF-8, trailing blanks
 * trimmed) for `service`, with the product and version read from it; a value that names
 * no product is not stored. */
enum tally_error import_http_header(struct import_ctx *ctx, const struct header_record *service,
                                    const char *name, const char *value, size_t len);
/* "nginx/1.4.4" -> product "nginx", version "1.4.4"; "Apache/2.2.22 (Ubuntu)" ->
 * "Apache", "2.2.22"; "Jetty(8.1.14)" -> "Jetty", "8.1.14". Both outputs are malloc'd;
 * version may be NULL. */
void http_split_product(const char *value, char **product, char **version);

#endif
