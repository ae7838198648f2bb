/* csv.h: an RFC 4180 reader for the CSV files people export (Outlook calendars, the
 * LinkedIn data export): quoted fields that hold delimiters, doubled quotes and line
 * breaks, a UTF-8 byte-order mark, CRLF or LF. It reads lines from a struct input or from
 * a buffer in memory, and bounds every field and record.
 *
 * Ownership: the reader borrows its input or buffer; a record's fields point into the
 * reader and stay valid until the next csv_next() or csv_close(). */
#ifndef TALLY_CSV_H
#define TALLY_CSV_H

#include <stddef.h>

#include "util/util.h"

struct input;

#define CSV_MAX_FIELDS 512
#define CSV_MAX_RECORD (16u << 20)      /* bytes in one record, line breaks included */

struct csv_record {
    int nfields;
    char **fields;              /* NUL-terminated, quotes removed */
    long line;                  /* line the record starts on (1-based) */
};

struct csv_reader;

/* Reads records from in; `name` is used in diagnostics (the input's path when NULL). */
struct csv_reader *csv_open_input(struct input *in, char delimiter, const char *name);
/* Reads records from data[0, len), which the caller keeps alive. */
struct csv_reader *csv_open_memory(const char *data, size_t len, char delimiter,
                                   const char *name);
void csv_close(struct csv_reader *r);           /* accepts NULL */

/* Returns 1 with the next record, 0 at the end, -1 on malformed input (diag filled with
 * file, line and what was wrong). A quoted field still open when the input ends is a
 * cut-off last record: csv_next() returns 0 and csv_cut_off() says so. */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct tally_diag *diag);
int csv_cut_off(const struct csv_reader *r);
const char *csv_name(const struct csv_reader *r);

/* Index of the field named `name` in a header record (compared case-insensitively,
 * surrounding blanks ignored), or -1. */
int csv_find_field(const struct csv_record *header, const char *name);
/* The field at index i trimmed of surrounding blanks, or NULL when i is out of range or
 * the field is empty. Trims in place. */
char *csv_field(const struct csv_record *rec, int i);

#endif
