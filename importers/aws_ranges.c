/* aws_ranges.c: Amazon Web Services' published address ranges, ip-ranges.json
 * ({"syncToken", "createDate", "prefixes": [{ip_prefix, region, service,
 * network_border_group}], "ipv6_prefixes": [{ipv6_prefix, ...}]}): each prefix is
 * labelled aws:REGION with its service. The same prefix is listed once under the
 * catch-all service AMAZON and again under EC2, S3, ...: the specific one outranks it. */
#include "importers/label_common.h"

#include <string.h>

static int aws_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len == 0 || head[0] != '{' || !label_head_has(head, len, "\"syncToken\""))
        return 0;
    return label_head_has(head, len, "\"ip_prefix\"") ||
           label_head_has(head, len, "\"ipv6_prefix\"") ? 90 : 0;
}

/* The entries of one list: key "prefixes" with "ip_prefix", or the IPv6 pair. */
static enum tally_error aws_list(struct import_ctx *ctx, const struct label_json *doc,
                                 const char *list, const char *key)
{
    json_t *entries = json_object_get(doc->root, list), *entry;
    size_t i;
    if (entries && !json_is_array(entries))
        return label_bad(ctx, doc, list, "expected \"%s\" to be a list", list);
    json_array_foreach(entries, i, entry) {
        const char *prefix = label_json_string(entry, key);
        const char *region = label_json_string(entry, "region");
        const char *service = label_json_string(entry, "service");
        const char *border = label_json_string(entry, "network_border_group");
        enum tally_error err;
        if (!*prefix || !*region) {
            err = label_bad(ctx, doc, *prefix ? prefix : NULL, "%s[%zu]: expected \"%s\" and "
                            "\"region\"", list, i, key);
            if (err)
                return err;
            continue;
        }
        char *label = xasprintf("aws:%s", region);
        /* The border group is named when it is not the region itself (a Local or
         * Wavelength Zone: us-east-1-bos-1). */
        char *detail = *border && strcmp(border, region) != 0
                           ? xasprintf("%s (%s)", *service ? service : "AMAZON", border)
                           : xstrdup(*service ? service : "AMAZON");
        struct label_record rec = { .kind = LABEL_KIND_PROVIDER, .provider = "aws",
                                    .label = label, .detail = detail,
                                    .general = strcmp(service, "AMAZON") == 0 };
        err = label_add_prefix(ctx, doc, prefix, &rec);
        free(label);
        free(detail);
        if (err)
            return err;
    }
    return TALLY_OK;
}

static enum tally_error aws_run(struct import_ctx *ctx)
{
    struct label_json doc;
    enum tally_error err = label_json_load(ctx, &doc);
    if (!err && !json_object_get(doc.root, "prefixes") &&
        !json_object_get(doc.root, "ipv6_prefixes"))
        err = label_bad(ctx, &doc, NULL, "expected AWS ip-ranges.json with \"prefixes\"");
    if (!err)
        err = aws_list(ctx, &doc, "prefixes", "ip_prefix");
    if (!err)
        err = aws_list(ctx, &doc, "ipv6_prefixes", "ipv6_prefix");
    label_json_release(&doc);
    return err;
}

const struct importer importer_aws_ranges = {
    .name = "aws-ranges",
    .description = "AWS ip-ranges.json: address ranges by region and service",
    .sniff = aws_sniff,
    .run = aws_run,
};
