/* massdns.c: massdns's simple text output (`-o S`), one answer per line:
 *   4.3.2.1.in-addr.arpa. PTR host.example.net.
 *   www.example.com. CNAME web.example.net.
 *   web.example.net. A 192.0.2.7
 * A PTR of a reverse name (or of the target of a CNAME from one: classless delegation)
 * becomes a host name of that address; an A or AAAA line makes its name a name of the
 * address; other types are read and passed over. */
#include "importers/names_common.h"

#include <string.h>

static int massdns_sniff(const unsigned char *head, size_t len, const char *path)
{
    char line[512], *name, *type, *data;
    size_t n = 0;
    (void)path;
    while (n < len && n + 1 < sizeof(line) && head[n] != '\n')
        n++;
    if (n == len && len >= sizeof(line) - 1)
        return 0;
    memcpy(line, head, n);
    line[n] = '\0';
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    /* dig's answer lines have a TTL and class between name and type. */
    if (!names_split_record(line, 1, &name, &type, &data))
        return 0;
    struct ip_addr addr;
    if (strcmp(type, "PTR") == 0 && host_reverse_addr(name, &addr) == 0)
        return 80;
    return strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0 ||
           strcmp(type, "CNAME") == 0 || strcmp(type, "PTR") == 0 ? 55 : 0;
}

static enum tally_error massdns_run(struct import_ctx *ctx)
{
    struct names_aliases *aliases = names_aliases_new();
    enum tally_error err = TALLY_OK;
    char *line;
    size_t len;
    int got;
    while ((got = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        char *name, *type, *data, found[96];
        if (input_last_line_unterminated(ctx->in)) {
            import_warn_cut_off(ctx);
            break;
        }
        snprintf(found, sizeof(found), "%.80s", line);
        if (line[strspn(line, " \t")] == '\0')
            continue;
        if (!names_split_record(line, 1, &name, &type, &data)) {
            if ((err = import_bad_record(ctx, "expected a massdns -o S line NAME. TYPE DATA "
                                         "such as '4.3.2.1.in-addr.arpa. PTR host.example.', "
                                         "found '%s'", found)))
                goto done;
            continue;
        }
        if ((err = names_answer_line(ctx, aliases, NAME_ORIGIN_MASSDNS, name, type, data,
                                     NULL, found)))
            goto done;
    }
    if (got < 0)
        err = input_error(ctx->in);

done:
    names_aliases_free(aliases);
    return err;
}

const struct importer importer_massdns = {
    .name = "massdns",
    .description = "massdns -o S simple output: PTR answers as host names (and A, AAAA)",
    .sniff = massdns_sniff,
    .run = massdns_run,
};
