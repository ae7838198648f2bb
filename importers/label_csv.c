/* label_csv.c: address labels a user writes, as CSV "prefix,label[,detail]" (a header
 * line naming those columns is optional): "198.51.100.0/24,lab:rack-3,build farm". The
 * text before a ':' in the label names who it is from (a newer file of the same one
 * replaces the older for lookups); a label without one is from "csv". */
#include "importers/csv.h"
#include "importers/label_common.h"

#include <string.h>
#include <strings.h>

/* The first line's text up to its end, NUL-terminated, in buf. */
static void first_line(const unsigned char *head, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        head += 3, len -= 3;
    while (n < len && n + 1 < size && head[n] != '\n' && head[n] != '\r')
        n++;
    memcpy(buf, head, n);
    buf[n] = '\0';
}

static int label_csv_sniff(const unsigned char *head, size_t len, const char *path)
{
    char line[512], *comma;
    struct ip_addr first, last;
    (void)path;
    first_line(head, len, line, sizeof(line));
    if (strncasecmp(line, "prefix,label", 12) == 0)
        return 80;
    comma = strchr(line, ',');
    if (!comma || comma[1] == '\0' || comma[1] == ',')
        return 0;
    *comma = '\0';
    return label_parse_prefix(line, &first, &last) == 0 ? 60 : 0;
}

static int label_csv_row(struct import_ctx *ctx, struct csv_record *rec,
                         struct label_record *lr, char **owned)
{
    char *prefix = csv_field(rec, 0), *label = csv_field(rec, 1);
    if (!prefix || !label || rec->nfields > 3 ||
        label_parse_prefix(prefix, &lr->first, &lr->last) != 0) {
        label_csv_bad(ctx, rec->line, "expected prefix,label[,detail] such as "
                      "198.51.100.0/24,lab:rack-3, found '%.80s'", prefix ? prefix : "");
        return 0;
    }
    const char *colon = strchr(label, ':');
    owned[0] = colon ? xstrndup(label, (size_t)(colon - label)) : xstrdup("csv");
    lr->provider = owned[0];
    lr->kind = LABEL_KIND_PROVIDER;
    lr->label = label;
    lr->detail = csv_field(rec, 2);
    lr->network = prefix;
    return 1;
}

static enum tally_error label_csv_run(struct import_ctx *ctx)
{
    return label_csv_read(ctx, "prefix", label_csv_row);
}

const struct importer importer_label_csv = {
    .name = "label-csv",
    .description = "address labels as CSV prefix,label[,detail]",
    .sniff = label_csv_sniff,
    .run = label_csv_run,
};
