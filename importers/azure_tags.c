/* azure_tags.c: Microsoft Azure's Service Tags JSON ({"changeNumber", "cloud", "values":
 * [{"name", "properties": {"region", "systemService", "addressPrefixes": [...]}}]}): each
 * prefix is labelled azure:REGION (plain "azure" for a tag of no region) with the system
 * service, or the tag's name. A prefix is listed under many tags: one with a region and a
 * service outranks one that lacks either (AzureCloud, AzureCloud.eastus). */
#include "importers/label_common.h"

#include <string.h>

static int azure_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len == 0 || head[0] != '{' || !label_head_has(head, len, "\"changeNumber\""))
        return 0;
    return label_head_has(head, len, "\"values\"") &&
           label_head_has(head, len, "\"cloud\"") ? 90 : 0;
}

static enum tally_error azure_tag(struct import_ctx *ctx, const struct label_json *doc,
                                  json_t *tag, size_t index)
{
    json_t *props = json_object_get(tag, "properties");
    json_t *prefixes = json_object_get(props, "addressPrefixes"), *prefix;
    const char *name = label_json_string(tag, "name");
    const char *region = label_json_string(props, "region");
    const char *service = label_json_string(props, "systemService");
    enum tally_error err = TALLY_OK;
    size_t i;
    if (!json_is_array(prefixes))
        return label_bad(ctx, doc, *name ? name : NULL, "values[%zu]: expected "
                         "\"properties\" with an \"addressPrefixes\" list", index);
    char *label = *region ? xasprintf("azure:%s", region) : xstrdup("azure");
    struct label_record rec = { .kind = LABEL_KIND_PROVIDER, .provider = "azure",
                                .label = label, .detail = *service ? service : name,
                                .general = 2 * !*region + !*service };
    json_array_foreach(prefixes, i, prefix) {
        const char *text = json_string_value(prefix);
        err = text ? label_add_prefix(ctx, doc, text, &rec)
                   : label_bad(ctx, doc, name, "values[%zu]: expected networks as text in "
                               "\"addressPrefixes\"", index);
        if (err)
            break;
    }
    free(label);
    return err;
}

static enum tally_error azure_run(struct import_ctx *ctx)
{
    struct label_json doc;
    enum tally_error err = label_json_load(ctx, &doc);
    json_t *values = err ? NULL : json_object_get(doc.root, "values"), *tag;
    size_t i;
    if (!err && !json_is_array(values))
        err = label_bad(ctx, &doc, NULL, "expected Azure Service Tags with a \"values\" list");
    if (!err)
        json_array_foreach(values, i, tag)
            if ((err = azure_tag(ctx, &doc, tag, i)))
                break;
    label_json_release(&doc);
    return err;
}

const struct importer importer_azure_tags = {
    .name = "azure-tags",
    .description = "Azure Service Tags JSON: address ranges by region and service",
    .sniff = azure_sniff,
    .run = azure_run,
};
