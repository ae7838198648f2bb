/* oracle_ranges.c: Oracle Cloud's published address ranges, public_ip_ranges.json
 * ({"last_updated_timestamp", "regions": [{"region", "cidrs": [{"cidr", "tags": [...]}]}]}):
 * each network is labelled oracle:REGION with its tags (OCI, OSN, OBJECT_STORAGE). */
#include "importers/label_common.h"

#include <string.h>

static int oracle_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len == 0 || head[0] != '{')
        return 0;
    return label_head_has(head, len, "\"regions\"") &&
           label_head_has(head, len, "\"cidrs\"") ? 90 : 0;
}

static enum tally_error oracle_region(struct import_ctx *ctx, const struct label_json *doc,
                                      json_t *region, size_t index)
{
    const char *name = label_json_string(region, "region");
    json_t *cidrs = json_object_get(region, "cidrs"), *cidr, *tag;
    enum tally_error err = TALLY_OK;
    size_t i, t;
    if (!*name || !json_is_array(cidrs))
        return label_bad(ctx, doc, *name ? name : NULL, "regions[%zu]: expected \"region\" "
                         "and a \"cidrs\" list", index);
    char *label = xasprintf("oracle:%s", name);
    json_array_foreach(cidrs, i, cidr) {
        struct strbuf tags;
        strbuf_init(&tags);
        json_array_foreach(json_object_get(cidr, "tags"), t, tag)
            if (json_string_value(tag))
                strbuf_addf(&tags, "%s%s", tags.len ? " " : "", json_string_value(tag));
        struct label_record rec = { .kind = LABEL_KIND_PROVIDER, .provider = "oracle",
                                    .label = label, .detail = tags.len ? tags.buf : NULL };
        const char *text = label_json_string(cidr, "cidr");
        err = *text ? label_add_prefix(ctx, doc, text, &rec)
                    : label_bad(ctx, doc, name, "regions[%zu].cidrs[%zu]: expected \"cidr\"",
                                index, i);
        strbuf_release(&tags);
        if (err)
            break;
    }
    free(label);
    return err;
}

static enum tally_error oracle_run(struct import_ctx *ctx)
{
    struct label_json doc;
    enum tally_error err = label_json_load(ctx, &doc);
    json_t *regions = err ? NULL : json_object_get(doc.root, "regions"), *region;
    size_t i;
    if (!err && !json_is_array(regions))
        err = label_bad(ctx, &doc, NULL, "expected Oracle public_ip_ranges.json with a "
                        "\"regions\" list");
    if (!err)
        json_array_foreach(regions, i, region)
            if ((err = oracle_region(ctx, &doc, region, i)))
                break;
    label_json_release(&doc);
    return err;
}

const struct importer importer_oracle_ranges = {
    .name = "oracle-ranges",
    .description = "Oracle Cloud public_ip_ranges.json: address ranges by region",
    .sniff = oracle_sniff,
    .run = oracle_run,
};
