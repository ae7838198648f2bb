/* name_patterns.c: patterns of providers' default host names a user adds to the built-in
 * ones (analyzer/names.c), as CSV "provider,pattern" with that header line:
 *   provider,pattern
 *   hetzner,static.{d}.{c}.{b}.{a}.clients.your-server.de
 * The provider is named as address labels name it (the text before ':' in aws:us-east-1);
 * the pattern's syntax is in util/name_pattern.h. */
#include "importers/csv.h"
#include "importers/importers.h"
#include "store/store_names.h"
#include "util/name_pattern.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int name_patterns_sniff(const unsigned char *head, size_t len, const char *path)
{
    static const char header[] = "provider,pattern";
    (void)path;
    if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        head += 3, len -= 3;
    if (len < sizeof(header) - 1 || strncasecmp((const char *)head, header,
                                                sizeof(header) - 1) != 0)
        return 0;
    size_t n = sizeof(header) - 1;
    return n == len || head[n] == '\r' || head[n] == '\n' ? 90 : 0;
}

static int provider_ok(const char *p)
{
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    return 1;
}

static enum tally_error name_patterns_run(struct import_ctx *ctx)
{
    struct csv_reader *r = csv_open_input(ctx->in, ',', NULL);
    struct csv_record rec;
    enum tally_error err = TALLY_OK;
    int got, first = 1;
    while ((got = csv_next(r, &rec, ctx->diag)) > 0) {
        char *provider = csv_field(&rec, 0), *pattern = csv_field(&rec, 1);
        if (first && provider && strcasecmp(provider, "provider") == 0) {
            first = 0;
            continue;
        }
        first = 0;
        if (rec.nfields == 1 && !provider)
            continue;                           /* a blank line */
        const char *why = !provider || !provider_ok(provider) ? "a provider name"
                          : !pattern || rec.nfields > 2 ? "two fields"
                          : name_pattern_check(pattern);
        if (why) {
            ctx->diag->line = rec.line;
            snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
            if (ctx->opt->lenient) {
                ctx->skipped++;
                continue;
            }
            err = diag_set(ctx->diag, TALLY_ERROR_DATA, "expected provider,pattern such as "
                           "aws,ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com, found %s in "
                           "'%.80s'", why, pattern ? pattern : provider ? provider : "");
            goto done;
        }
        for (char *p = provider; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (store_add_name_pattern(ctx->store, provider, pattern)) {
            err = store_fail(ctx->store, ctx->diag, "cannot store a name pattern");
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

const struct importer importer_name_patterns = {
    .name = "name-patterns",
    .description = "default host name patterns as CSV provider,pattern (with that header)",
    .sniff = name_patterns_sniff,
    .run = name_patterns_run,
};
