/* masscan_ndjson.c: masscan's NDJSON output (-oD, masscan 1.0.5 and later): one object per
 * line, "rec_type" "status" or "banner", no header and no footer. */
#include "importers/masscan_json.h"

#include <ctype.h>
#include <string.h>

/* A last line without its newline that does not parse: masscan was stopped mid-write. */
static void warn_cut_off(struct import_ctx *ctx)
{
    import_warn(ctx, "%s:%ld: the last record is cut off: left out", input_path(ctx->in),
                input_line_number(ctx->in));
}

static enum tally_error ndjson_record(struct import_ctx *ctx, json_t *root)
{
    struct masscan_json_fields f = {0};
    json_t *type = json_object_get(root, "rec_type");
    json_t *data = json_object_get(root, "data");
    const char *kind;

    if (!json_is_string(type))
        return import_bad_record(ctx, "expected \"rec_type\" \"status\" or \"banner\"");
    if (!json_is_object(data))
        return import_bad_record(ctx, "expected a \"data\" object");
    f.ip = json_object_get(root, "ip");
    f.timestamp = json_object_get(root, "timestamp");
    f.port = json_object_get(root, "port");
    f.proto = json_object_get(root, "proto");
    kind = json_string_value(type);
    if (strcmp(kind, "status") == 0) {
        f.status = json_object_get(data, "status");
        if (!f.status)
            return import_bad_record(ctx, "expected \"status\" in a status record");
        f.reason = json_object_get(data, "reason");
        f.ttl = json_object_get(data, "ttl");
    } else if (strcmp(kind, "banner") == 0) {
        f.service = json_object_get(data, "service_name");
        f.banner = json_object_get(data, "banner");
        if (!f.service || !f.banner)
            return import_bad_record(ctx, "expected \"service_name\" and \"banner\" in a "
                                     "banner record");
    } else {
        return import_bad_record(ctx, "expected \"rec_type\" \"status\" or \"banner\"");
    }
    return masscan_json_store(ctx, &f);
}

static enum tally_error masscan_ndjson_run(struct import_ctx *ctx)
{
    enum tally_error err = TALLY_OK;
    json_error_t jerr;
    char *line;
    size_t len;
    int r;

    while ((r = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        json_t *root;
        size_t i = 0;

        while (i < len && isspace((unsigned char)line[i]))
            i++;
        if (i == len)
            continue;
        root = json_loadb(line + i, len - i, JSON_ALLOW_NUL, &jerr);
        if (!root) {
            if (input_last_line_unterminated(ctx->in)) {
                warn_cut_off(ctx);
                break;
            }
            err = import_bad_record(ctx, "expected a masscan NDJSON record (%s at column %d)",
                                    jerr.text, jerr.column);
        } else {
            err = json_is_object(root) ? ndjson_record(ctx, root)
                                       : import_bad_record(ctx, "expected a JSON object");
            json_decref(root);
        }
        if (err)
            return err;
        import_progress(ctx);
    }
    return r < 0 ? input_error(ctx->in) : TALLY_OK;   /* diag says why */
}

static int head_has(const unsigned char *head, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(head + i, what, n) == 0)
            return 1;
    return 0;
}

static int masscan_ndjson_sniff(const unsigned char *head, size_t len, const char *path)
{
    size_t i = 0, end;

    (void)path;
    while (i < len && isspace(head[i]))
        i++;
    if (i >= len || head[i] != '{')
        return 0;
    for (end = i; end < len && head[end] != '\n'; end++)
        ;
    head += i;
    len = end - i;
    if (!head_has(head, len, "\"ip\":"))
        return 0;
    if (head_has(head, len, "\"rec_type\":"))
        return 95;
    if (head_has(head, len, "\"port\":") && head_has(head, len, "\"proto\":") &&
        !head_has(head, len, "\"ports\":"))
        return 50;
    return 0;
}

const struct importer importer_masscan_ndjson = {
    .name = "ndjson",
    .description = "masscan -oD NDJSON, one status or banner record per line",
    .sniff = masscan_ndjson_sniff,
    .run = masscan_ndjson_run,
};
