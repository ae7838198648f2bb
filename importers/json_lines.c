/* json_lines.c: the line loop and sniffing help of the one-JSON-object-per-line formats
 * (json_lines.h). */
#include "importers/json_lines.h"

#include <ctype.h>
#include <string.h>

/* The line loop: each object goes to record(), or as a document to record_doc() (then the
 * quick reader goes first, and jansson's tree is turned into a document). */
static enum tally_error lines_run(struct import_ctx *ctx, const char *what, size_t flags,
                                  json_record_fn record, json_doc_fn record_doc)
{
    enum tally_error err = TALLY_OK;
    json_error_t jerr;
    struct jdoc doc;
    char *line;
    size_t len;
    int r;

    jdoc_init(&doc);
    while ((r = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        size_t i = 0;
        while (i < len && isspace((unsigned char)line[i]))
            i++;
        if (i == len)
            continue;
        if (record_doc && jdoc_parse(&doc, line + i, len - i, 0) == 0) {
            err = record_doc(ctx, &doc);
            if (err)
                goto done;
            import_progress(ctx);
            continue;
        }
        json_t *root = json_loadb(line + i, len - i, flags, &jerr);
        if (!root) {
            if (input_last_line_unterminated(ctx->in)) {
                import_warn_cut_off(ctx);
                break;
            }
            err = import_bad_record(ctx, "expected %s (%s at column %d)", what, jerr.text,
                                    jerr.column);
        } else {
            if (!json_is_object(root)) {
                err = import_bad_record(ctx, "expected a JSON object");
            } else if (record_doc) {
                jdoc_from_jansson(&doc, root);
                err = record_doc(ctx, &doc);
            } else {
                err = record(ctx, root);
            }
            json_decref(root);
        }
        if (err)
            goto done;
        import_progress(ctx);
    }
    if (r < 0)
        err = input_error(ctx->in);   /* diag says why */
done:
    jdoc_release(&doc);
    return err;
}

enum tally_error json_lines_run(struct import_ctx *ctx, const char *what, size_t flags,
                                json_record_fn record)
{
    return lines_run(ctx, what, flags, record, NULL);
}

enum tally_error json_lines_run_doc(struct import_ctx *ctx, const char *what,
                                   json_doc_fn record)
{
    return lines_run(ctx, what, JSON_ALLOW_NUL, NULL, record);
}

int json_first_line(const unsigned char *head, size_t len, const unsigned char **line,
                    size_t *line_len)
{
    size_t i = 0, end;
    while (i < len && isspace(head[i]))
        i++;
    if (i >= len || head[i] != '{')
        return 0;
    for (end = i; end < len && head[end] != '\n'; end++)
        ;
    *line = head + i;
    *line_len = end - i;
    return 1;
}

int json_line_has(const unsigned char *text, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, what, n) == 0)
            return 1;
    return 0;
}
