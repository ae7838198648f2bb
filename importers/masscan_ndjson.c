/* masscan_ndjson.c: masscan's NDJSON output (-oD, masscan 1.0.5 and later): one object per
 * line, "rec_type" "status" or "banner", no header and no footer. */
#include "importers/json_lines.h"
#include "importers/masscan_json.h"

#include <ctype.h>
#include <string.h>

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
    return json_lines_run(ctx, "a masscan NDJSON record", JSON_ALLOW_NUL, ndjson_record);
}

static int masscan_ndjson_sniff(const unsigned char *head, size_t len, const char *path)
{
    const unsigned char *line;
    size_t n;

    (void)path;
    if (!json_first_line(head, len, &line, &n) || !json_line_has(line, n, "\"ip\":"))
        return 0;
    if (json_line_has(line, n, "\"rec_type\":"))
        return 95;
    if (json_line_has(line, n, "\"port\":") && json_line_has(line, n, "\"proto\":") &&
        !json_line_has(line, n, "\"ports\":"))
        return 50;
    return 0;
}

const struct importer importer_masscan_ndjson = {
    .name = "ndjson",
    .description = "masscan -oD NDJSON, one status or banner record per line",
    .sniff = masscan_ndjson_sniff,
    .run = masscan_ndjson_run,
};
