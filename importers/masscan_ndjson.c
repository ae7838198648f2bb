/* masscan_ndjson.c: masscan's NDJSON output (-oD, masscan 1.0.5 and later): one object per
 * line, "rec_type" "status" or "banner", no header and no footer. */
#include "importers/json_lines.h"
#include "importers/masscan_json.h"

#include <ctype.h>
#include <string.h>

static enum tally_error ndjson_record(struct import_ctx *ctx, const struct jdoc *doc)
{
    static const struct jdoc_key record_keys[] = {
        JDOC_KEY("rec_type"), JDOC_KEY("data"), JDOC_KEY("ip"), JDOC_KEY("timestamp"),
        JDOC_KEY("port"), JDOC_KEY("proto"),
    };
    static const struct jdoc_key data_keys[] = {
        JDOC_KEY("status"), JDOC_KEY("reason"), JDOC_KEY("ttl"), JDOC_KEY("service_name"),
        JDOC_KEY("banner"),
    };
    const struct jdoc_node *rec[6], *data[5];
    struct masscan_json_fields f = {0};

    jdoc_members(doc, jdoc_root(doc), record_keys, 6, rec);
    if (!rec[0] || rec[0]->type != JDOC_STRING)
        return import_bad_record(ctx, "expected \"rec_type\" \"status\" or \"banner\"");
    if (!rec[1] || rec[1]->type != JDOC_OBJECT)
        return import_bad_record(ctx, "expected a \"data\" object");
    jdoc_members(doc, rec[1], data_keys, 5, data);
    f.ip = rec[2];
    f.timestamp = rec[3];
    f.port = rec[4];
    f.proto = rec[5];
    if (strcmp(rec[0]->str, "status") == 0) {
        f.status = data[0];
        if (!f.status)
            return import_bad_record(ctx, "expected \"status\" in a status record");
        f.reason = data[1];
        f.ttl = data[2];
    } else if (strcmp(rec[0]->str, "banner") == 0) {
        f.service = data[3];
        f.banner = data[4];
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
    return json_lines_run_doc(ctx, "a masscan NDJSON record", ndjson_record);
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
