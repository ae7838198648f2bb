/* iplocation_csv.c: the ip-location-db CSV ranges (published on the npm registry as
 * @ip-location-db/asn, .../geolite2-country, .../dbip-country, ...): lines of
 * "ip_range_start,ip_range_end,as_number,as_organisation" or
 * "ip_range_start,ip_range_end,country_code[,...]", inclusive ranges of one family, with no
 * header (a header naming those columns is skipped). AS numbers become labels "as13335"
 * with the organisation as detail; country codes are labels as they are ("AU"). */
#include "importers/csv.h"
#include "importers/label_common.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int all_digits(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int is_country(const char *s)
{
    return s && strlen(s) == 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]);
}

static int iplocation_sniff(const unsigned char *head, size_t len, const char *path)
{
    char line[512], *field[4] = { NULL };
    struct ip_addr a, b;
    size_t n = 0;
    int nf = 0;
    (void)path;
    while (n < len && n + 1 < sizeof(line) && head[n] != '\n' && head[n] != '\r')
        n++;
    memcpy(line, head, n);
    line[n] = '\0';
    if (strncasecmp(line, "ip_range_start,ip_range_end,", 28) == 0)
        return 90;
    for (char *p = line; p && nf < 4; nf++) {
        field[nf] = p;
        if ((p = strchr(p, ',')))
            *p++ = '\0';
    }
    if (nf < 3 || ip_parse(field[0], &a) != 0 || ip_parse(field[1], &b) != 0 ||
        a.family != b.family)
        return 0;
    return all_digits(field[2]) || is_country(field[2]) ? 80 : 0;
}

static int iplocation_row(struct import_ctx *ctx, struct csv_record *rec,
                          struct label_record *lr, char **owned)
{
    char *start = csv_field(rec, 0), *end = csv_field(rec, 1), *what = csv_field(rec, 2);
    int asn = all_digits(what);
    if (!start || !end || !(asn || is_country(what)) || ip_parse(start, &lr->first) ||
        ip_parse(end, &lr->last) || lr->first.family != lr->last.family ||
        memcmp(lr->first.bytes, lr->last.bytes, 16) > 0 || (asn && strlen(what) > 10)) {
        label_csv_bad(ctx, rec->line, "expected ip_range_start,ip_range_end,as_number,"
                      "as_organisation or ip_range_start,ip_range_end,country_code (first "
                      "address not after the last, one family), found '%.80s'",
                      start ? start : "");
        return 0;
    }
    owned[0] = xasprintf("%s-%s", start, end);
    owned[1] = asn ? xasprintf("as%s", what) : xstrdup(what);
    for (char *p = owned[1]; !asn && *p; p++)
        *p = (char)toupper((unsigned char)*p);
    lr->provider = "ip-location-db";
    lr->network = owned[0];
    lr->label = owned[1];
    lr->kind = asn ? LABEL_KIND_ASN : LABEL_KIND_COUNTRY;
    lr->detail = asn ? csv_field(rec, 3) : NULL;
    return 1;
}

static enum tally_error iplocation_run(struct import_ctx *ctx)
{
    return label_csv_read(ctx, "ip_range_start", iplocation_row);
}

const struct importer importer_iplocation_csv = {
    .name = "ip-location-db",
    .description = "ip-location-db CSV ranges: AS numbers and names, or country codes",
    .sniff = iplocation_sniff,
    .run = iplocation_run,
};
