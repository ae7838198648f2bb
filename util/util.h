/* util.h: what every part of tally shares: the error enum, the diagnostic that carries
 * "file:line: what was expected" from library code up to the CLI, and small helpers for
 * text (UTF-8 repair, thousands separators, IP addresses).
 *
 * Ownership: functions returning char * return memory the caller frees with free(). */
#ifndef TALLY_UTIL_H
#define TALLY_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Library code returns one of these and never prints or exits; the CLI maps them to exit
 * codes (DATA -> 1, USAGE -> 2, IO/DATABASE/MEMORY -> 3). */
enum tally_error {
    TALLY_OK = 0,
    TALLY_ERROR_DATA,        /* the input is malformed */
    TALLY_ERROR_USAGE,       /* the caller asked for something impossible */
    TALLY_ERROR_IO,          /* reading or writing a file failed */
    TALLY_ERROR_DATABASE,    /* SQLite failed */
    TALLY_ERROR_MEMORY,      /* out of memory */
    TALLY_ERROR_UNSUPPORTED, /* valid input tally does not handle */
    TALLY_ERROR_DUPLICATE,   /* this content was imported before (not a failure) */
    TALLY_ERROR_LIMIT,       /* an input exceeded a safety limit */
    TALLY_ERROR_COUNT
};

const char *tally_strerror(enum tally_error err);
int tally_exit_code(enum tally_error err);

/* Where an error happened and what was expected. A library function that fails fills
 * this in; `line` is 0 when no line applies, `offset` is -1 when no byte offset applies. */
struct tally_diag {
    char file[512];
    long line;
    long long offset;
    char message[512];
};

void diag_clear(struct tally_diag *diag);
/* Sets message (printf-style) and returns err so callers can `return diag_set(...)`. */
enum tally_error diag_set(struct tally_diag *diag, enum tally_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum tally_error diag_setv(struct tally_diag *diag, enum tally_error err, const char *fmt,
                           va_list ap);
/* "FILE:LINE: message", "FILE: byte N: message", "FILE: message" or "message". */
void diag_format(const struct tally_diag *diag, char *out, size_t size);

/* Memory that aborts on exhaustion: tally cannot do anything useful without it. */
/* Makes the heap prefer huge pages: on a virtual machine a page fault per 4 KiB costs more
 * than filling the page, and an analysis at scale fills hundreds of megabytes. */
void memory_use_huge_pages(void);
/* Gives the heap's free pages back to the system: after a step that freed much in small
 * blocks (an analysis's host sets), which the next step's large arrays cannot reuse. */
void memory_release(void);
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qsort() for an array that may be empty, and so NULL: qsort() must not be handed NULL. */
void xqsort(void *items, size_t n, size_t size, int (*compare)(const void *, const void *));
/* The indexes 0..n-1 (n below 2^32) ordered by key[index], smallest first, equal keys in
 * index order; the caller frees the array. Linear in n, for the millions of rows qsort()
 * sorts slowly. */
uint32_t *order_by_key(const uint64_t *key, size_t n);

/* A growable byte string. Always NUL-terminated; `len` excludes the NUL. */
struct strbuf {
    char *buf;
    size_t len;
    size_t alloc;
};
void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *strbuf_detach(struct strbuf *sb);

/* Copy of `len` bytes as valid UTF-8: invalid sequences become U+FFFD, NUL becomes U+2400. */
char *utf8_repair(const char *data, size_t len);
int utf8_is_valid(const char *data, size_t len);
/* Converts Windows-1252 bytes to UTF-8. */
char *cp1252_to_utf8(const char *data, size_t len);

/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_encode(const unsigned char *bytes, size_t n, char *out);
/* 1234567 -> "1,234,567". */
void format_thousands(long long value, char *out, size_t size);

/* An IPv4 or IPv6 address in network order. */
struct ip_addr {
    int family;                /* 4 or 6 */
    uint8_t bytes[16];         /* IPv4 uses the first 4 */
};
/* Parses dotted IPv4 or any IPv6 text form; returns 0 on success, -1 otherwise. */
int ip_parse(const char *text, struct ip_addr *out);
/* Canonical text (RFC 5952 for IPv6) into out (at least 46 bytes). */
void ip_format(const struct ip_addr *addr, char *out, size_t size);
/* The IPv4 address as a number (inline: it runs once per subnet of millions). */
static inline uint32_t ip_v4_value(const struct ip_addr *addr)
{
    const uint8_t *b = addr->bytes;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
void ip_from_v4(uint32_t value, struct ip_addr *out);
/* "198.51.100.0/24" for the prefix of addr; prefix within 0..32 or 0..128. */
void ip_format_prefix(const struct ip_addr *addr, int prefix, char *out, size_t size);

#endif
