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

static enum tally_error bad(struct import_ctx *ctx, long line, const char *found)
{
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    ctx->diag->line = line;
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    return diag_set(ctx->diag, TALLY_ERROR_DATA, "expected ip_range_start,ip_range_end,"
                    "as_number,as_organisation or ip_range_start,ip_range_end,country_code "
                    "(first address not after the last, one family), found '%.80s'", found);
}

static enum tally_error iplocation_run(struct import_ctx *ctx)
{
    struct csv_reader *r = csv_open_input(ctx->in, ',', NULL);
    struct csv_record rec;
    enum tally_error err = TALLY_OK;
    int got;
    while ((got = csv_next(r, &rec, ctx->diag)) > 0) {
        char *start = csv_field(&rec, 0), *end = csv_field(&rec, 1);
        char *what = csv_field(&rec, 2), *org = csv_field(&rec, 3);
        struct label_record lr = { .provider = "ip-location-db" };
        if (rec.line == 1 && start && strcasecmp(start, "ip_range_start") == 0)
            continue;
        int asn = all_digits(what);
        if (!start || !end || !(asn || is_country(what)) || ip_parse(start, &lr.first) ||
            ip_parse(end, &lr.last) || lr.first.family != lr.last.family ||
            memcmp(lr.first.bytes, lr.last.bytes, 16) > 0 || (asn && strlen(what) > 10)) {
            if ((err = bad(ctx, rec.line, start ? start : "")))
                goto done;
            continue;
        }
        char *network = xasprintf("%s-%s", start, end);
        char *label = asn ? xasprintf("as%s", what) : xstrdup(what);
        for (char *p = label; !asn && *p; p++)
            *p = (char)toupper((unsigned char)*p);
        lr.network = network;
        lr.label = label;
        lr.kind = asn ? LABEL_KIND_ASN : LABEL_KIND_COUNTRY;
        lr.detail = asn ? org : NULL;
        err = store_add_label(ctx->store, &lr);
        free(network);
        free(label);
        if (err) {
            err = store_fail(ctx->store, ctx->diag, "cannot store a label");
            goto done;
        }
        import_progress(ctx);
    }
    if (got < 0)
        err = TALLY_ERROR_DATA;

done:
    csv_close(r);
    return err;
}

const struct importer importer_iplocation_csv = {
    .name = "ip-location-db",
    .description = "ip-location-db CSV ranges: AS numbers and names, or country codes",
    .sniff = iplocation_sniff,
    .run = iplocation_run,
};
