/* json_lines.c: the line loop and sniffing help of the one-JSON-object-per-line formats
 * (json_lines.h). */
#include "importers/json_lines.h"

#include <ctype.h>
#include <string.h>

enum tally_error json_lines_run(struct import_ctx *ctx, const char *what, size_t flags,
                                json_record_fn record)
{
    enum tally_error err;
    json_error_t jerr;
    char *line;
    size_t len;
    int r;

    while ((r = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        size_t i = 0;
        while (i < len && isspace((unsigned char)line[i]))
            i++;
        if (i == len)
            continue;
        json_t *root = json_loadb(line + i, len - i, flags, &jerr);
        if (!root) {
            if (input_last_line_unterminated(ctx->in)) {
                import_warn_cut_off(ctx);
                break;
            }
            err = import_bad_record(ctx, "expected %s (%s at column %d)", what, jerr.text,
                                    jerr.column);
        } else {
            err = json_is_object(root) ? record(ctx, root)
                                       : import_bad_record(ctx, "expected a JSON object");
            json_decref(root);
        }
        if (err)
            return err;
        import_progress(ctx);
    }
    return r < 0 ? input_error(ctx->in) : TALLY_OK;   /* diag says why */
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
