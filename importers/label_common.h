/* label_common.h: what the importers of address labels share (cloud providers' range
 * files, AS and country databases): reading a JSON document whole, naming the line of a
 * bad value in it, and storing a labelled network. Internal to importers/. */
#ifndef TALLY_LABEL_COMMON_H
#define TALLY_LABEL_COMMON_H

#include <jansson.h>

#include "importers/importers.h"
#include "store/store_label.h"

/* A published range file is read whole: at most this many bytes (Azure's is ~5 MiB). */
#define LABEL_JSON_MAX (256ull << 20)

/* A JSON document read whole, with its text kept to find lines in. */
struct label_json {
    struct strbuf text;
    json_t *root;
};
/* Reads the input as one JSON object; a syntax error is "FILE:LINE: ...". */
enum tally_error label_json_load(struct import_ctx *ctx, struct label_json *doc);
void label_json_release(struct label_json *doc);
/* A malformed entry: "FILE:LINE: fmt" with the line where `near` (a string the entry
 * holds, or NULL) first appears in the text, else the whole file. Under --lenient it is
 * counted and skipped (TALLY_OK). */
enum tally_error label_bad(struct import_ctx *ctx, const struct label_json *doc,
                           const char *near, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The string member key of obj, or "" when it is missing or not a string. */
const char *label_json_string(json_t *obj, const char *key);
/* Stores `prefix` (a network such as 3.5.140.0/22) with the label; a prefix that is not
 * one is reported through label_bad(). */
enum tally_error label_add_prefix(struct import_ctx *ctx, const struct label_json *doc,
                                  const char *prefix, const struct label_record *base);
/* Reads a CSV file of ranges: a first line whose first field is `header` (any case) is
 * skipped, every other record goes to row(), which fills *lr (for label_csv_store()) and
 * returns 1, or returns 0 for a record it cannot read, after label_csv_bad() said why
 * (under --lenient it is counted and skipped). */
struct csv_record;
typedef int label_csv_row_fn(struct import_ctx *ctx, struct csv_record *rec,
                             struct label_record *lr, char **owned);
enum tally_error label_csv_read(struct import_ctx *ctx, const char *header,
                                label_csv_row_fn *row);
/* Says why a record is not a range: "FILE:LINE: fmt". */
void label_csv_bad(struct import_ctx *ctx, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether head (the first bytes of a file) holds the text `needle`. */
int label_head_has(const unsigned char *head, size_t len, const char *needle);

#endif
