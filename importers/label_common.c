/* label_common.c: reading a published range file (JSON, read whole with jansson), finding
 * the line of a bad entry in it, and storing labelled networks: what the importers of
 * address labels share. */
#include "importers/csv.h"
#include "importers/label_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tally_error label_json_load(struct import_ctx *ctx, struct label_json *doc)
{
    json_error_t error;
    strbuf_init(&doc->text);
    doc->root = NULL;
    enum tally_error err = import_read_whole(ctx, &doc->text, LABEL_JSON_MAX, "range file");
    if (err)
        return err;
    doc->root = json_loadb(doc->text.buf, doc->text.len, 0, &error);
    if (!doc->root || !json_is_object(doc->root)) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = doc->root ? 1 : error.line > 0 ? error.line : 1;
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "expected a JSON object, found %s",
                        doc->root ? "another JSON value" : error.text);
    }
    return TALLY_OK;
}

void label_json_release(struct label_json *doc)
{
    json_decref(doc->root);
    doc->root = NULL;
    strbuf_release(&doc->text);
}

/* The line on which `near` first appears between quotes, or 0. */
static long line_of(const struct label_json *doc, const char *near)
{
    if (!near || !*near || !doc->text.buf)
        return 0;
    size_t n = strlen(near);
    for (const char *p = doc->text.buf; (p = memchr(p, '"', doc->text.len -
                                                    (size_t)(p - doc->text.buf)));) {
        p++;
        if ((size_t)(doc->text.buf + doc->text.len - p) > n && memcmp(p, near, n) == 0 &&
            p[n] == '"') {
            long line = 1;
            for (const char *q = doc->text.buf; q < p; q++)
                line += *q == '\n';
            return line;
        }
        if (p >= doc->text.buf + doc->text.len)
            break;
    }
    return 0;
}

enum tally_error label_bad(struct import_ctx *ctx, const struct label_json *doc,
                           const char *near, const char *fmt, ...)
{
    va_list ap;
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    long line = line_of(doc, near);
    ctx->diag->line = line > 0 ? line : 1;
    va_start(ap, fmt);
    enum tally_error err = diag_setv(ctx->diag, TALLY_ERROR_DATA, fmt, ap);
    va_end(ap);
    return err;
}

const char *label_json_string(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

enum tally_error label_add_prefix(struct import_ctx *ctx, const struct label_json *doc,
                                  const char *prefix, const struct label_record *base)
{
    struct label_record rec = *base;
    if (label_parse_prefix(prefix, &rec.first, &rec.last) != 0)
        return label_bad(ctx, doc, prefix, "expected a network such as 192.0.2.0/24, "
                         "found '%.80s'", prefix);
    rec.network = prefix;
    enum tally_error err = store_add_label(ctx->store, &rec);
    if (err)
        return store_fail(ctx->store, ctx->diag, "cannot store a label");
    import_progress(ctx);
    return TALLY_OK;
}

int label_head_has(const unsigned char *head, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (head[i] == (unsigned char)needle[0] && memcmp(head + i, needle, n) == 0)
            return 1;
    return 0;
}

void label_csv_bad(struct import_ctx *ctx, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    ctx->diag->line = line;
    vsnprintf(ctx->diag->message, sizeof(ctx->diag->message), fmt, ap);
    va_end(ap);
}

enum tally_error label_csv_read(struct import_ctx *ctx, const char *header,
                                label_csv_row_fn *row)
{
    struct csv_reader *r = csv_open_input(ctx->in, ',', NULL);
    struct csv_record rec;
    enum tally_error err = TALLY_OK;
    int got;
    while ((got = csv_next(r, &rec, ctx->diag)) > 0) {
        char *first = csv_field(&rec, 0);
        if (rec.line == 1 && first && strcasecmp(first, header) == 0)
            continue;
        struct label_record lr = { 0 };
        char *owned[3] = { NULL };
        if (!row(ctx, &rec, &lr, owned)) {
            if (ctx->opt->lenient) {
                ctx->skipped++;
                continue;
            }
            err = TALLY_ERROR_DATA;
            goto done;
        }
        err = store_add_label(ctx->store, &lr);
        for (size_t i = 0; i < sizeof(owned) / sizeof(*owned); i++)
            free(owned[i]);
        if (err) {
            err = store_fail(ctx->store, ctx->diag, "cannot store a label");
            goto done;
        }
        import_progress(ctx);
    }
    if (got < 0)
        err = TALLY_ERROR_DATA;

done:
    csv_close(r);
    return err;
}
