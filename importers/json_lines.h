/* json_lines.h: what the importers of one-JSON-object-per-line formats (masscan -oD,
 * ZGrab2) share: the line loop and the first-line test of their sniffers. Internal to
 * importers/ (the public contract is importers.h). */
#ifndef TALLY_JSON_LINES_H
#define TALLY_JSON_LINES_H

#include <jansson.h>

#include "importers/importers.h"
#include "importers/json_doc.h"

/* Stores what one parsed object says; the object is borrowed for the call. */
typedef enum tally_error (*json_record_fn)(struct import_ctx *ctx, json_t *object);

/* Reads every line of the input as one JSON object (jansson flags `flags`) and hands it
 * to record(). Blank lines are passed over; a line that is not a JSON object is a
 * malformed record ("expected WHAT ..."), but a last line cut off mid-write is a warning. */
enum tally_error json_lines_run(struct import_ctx *ctx, const char *what, size_t flags,
                                json_record_fn record);

/* Stores what one record says; the document is borrowed for the call. */
typedef enum tally_error (*json_doc_fn)(struct import_ctx *ctx, const struct jdoc *doc);

/* As json_lines_run() with JSON_ALLOW_NUL, handing each object to record() as a document:
 * read by the quick reader (json_doc.h) when it can, else by jansson. */
enum tally_error json_lines_run_doc(struct import_ctx *ctx, const char *what,
                                   json_doc_fn record);

/* The first line of head after leading white space, when it starts an object: sets
 * *line and *len and returns 1; else returns 0. */
int json_first_line(const unsigned char *head, size_t len, const unsigned char **line,
                    size_t *line_len);
/* Whether text[0, len) contains the string what. */
int json_line_has(const unsigned char *text, size_t len, const char *what);

#endif
