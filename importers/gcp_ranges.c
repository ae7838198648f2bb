/* gcp_ranges.c: Google Cloud's published address ranges, cloud.json ({"syncToken",
 * "creationTime", "prefixes": [{"ipv4Prefix" or "ipv6Prefix", "service", "scope"}]}):
 * each prefix is labelled google:SCOPE (the region) with its service. */
#include "importers/label_common.h"

#include <string.h>

static int gcp_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len == 0 || head[0] != '{' || !label_head_has(head, len, "\"prefixes\""))
        return 0;
    return label_head_has(head, len, "\"scope\"") &&
           (label_head_has(head, len, "\"ipv4Prefix\"") ||
            label_head_has(head, len, "\"ipv6Prefix\"")) ? 90 : 0;
}

static enum tally_error gcp_run(struct import_ctx *ctx)
{
    struct label_json doc;
    enum tally_error err = label_json_load(ctx, &doc);
    json_t *entries = err ? NULL : json_object_get(doc.root, "prefixes"), *entry;
    size_t i;
    if (!err && !json_is_array(entries))
        err = label_bad(ctx, &doc, NULL, "expected Google Cloud cloud.json with a "
                        "\"prefixes\" list");
    if (err)
        goto done;
    json_array_foreach(entries, i, entry) {
        const char *prefix = label_json_string(entry, "ipv4Prefix");
        const char *scope = label_json_string(entry, "scope");
        const char *service = label_json_string(entry, "service");
        if (!*prefix)
            prefix = label_json_string(entry, "ipv6Prefix");
        if (!*prefix || !*scope) {
            if ((err = label_bad(ctx, &doc, *prefix ? prefix : NULL, "prefixes[%zu]: "
                                 "expected \"ipv4Prefix\" or \"ipv6Prefix\", and \"scope\"",
                                 i)))
                goto done;
            continue;
        }
        char *label = xasprintf("google:%s", scope);
        struct label_record rec = { .kind = LABEL_KIND_PROVIDER, .provider = "google",
                                    .label = label, .detail = *service ? service : NULL };
        err = label_add_prefix(ctx, &doc, prefix, &rec);
        free(label);
        if (err)
            goto done;
    }

done:
    label_json_release(&doc);
    return err;
}

const struct importer importer_gcp_ranges = {
    .name = "gcp-ranges",
    .description = "Google Cloud cloud.json: address ranges by region (scope) and service",
    .sniff = gcp_sniff,
    .run = gcp_run,
};
