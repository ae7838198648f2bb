/* dig.c: dig's output, `dig -x ADDRESS` (one run or many appended), whose answer lines
 *   171.16.21.107.in-addr.arpa. 291 IN PTR ec2-107-21-16-171.compute-1.amazonaws.com.
 * give host names; `+noall +answer` output (answer lines only) too. The TTL and class may
 * be left out (+nottlid, +noclass). The question a run asked names the address a PTR of
 * another owner (classless delegation) is for. An A or AAAA answer makes its name a name
 * of the address. Records of the authority and additional sections are read and passed
 * over. */
#include "importers/names_common.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum dig_section { SECTION_NONE, SECTION_ANSWER, SECTION_OTHER };

static int is_class(const char *t)
{
    return strcmp(t, "IN") == 0 || strcmp(t, "CH") == 0 || strcmp(t, "HS") == 0 ||
           strncmp(t, "CLASS", 5) == 0;
}

static int is_type(const char *t)
{
    if (!isupper((unsigned char)*t))
        return 0;
    for (; *t; t++)
        if (!isupper((unsigned char)*t) && !isdigit((unsigned char)*t))
            return 0;
    return 1;
}

/* A record line NAME [TTL] [CLASS] TYPE DATA into its parts (in place); 0 if not one. */
static int split_record(char *line, char **name, char **type, char **data)
{
    char *save = NULL, *field;
    *name = strtok_r(line, " \t", &save);
    field = strtok_r(NULL, " \t", &save);
    if (!*name || !field)
        return 0;
    if (isdigit((unsigned char)*field)) {
        for (const char *d = field; *d; d++)
            if (!isdigit((unsigned char)*d))
                return 0;
        field = strtok_r(NULL, " \t", &save);
    }
    if (field && is_class(field))
        field = strtok_r(NULL, " \t", &save);
    if (!field || !is_type(field))
        return 0;
    *type = field;
    *data = save ? save + strspn(save, " \t") : NULL;
    if (!*data || !**data)
        return 0;
    size_t n = strlen(*data);
    while (n && ((*data)[n - 1] == ' ' || (*data)[n - 1] == '\t'))
        (*data)[--n] = '\0';
    return 1;
}

static int dig_sniff(const unsigned char *head, size_t len, const char *path)
{
    static const char banner[] = "; <<>> DiG ";
    char line[512], *name, *type, *data;
    size_t n = 0;
    (void)path;
    while (n < len && isspace(head[n]))
        n++;
    if (len - n >= sizeof(banner) - 1 && memcmp(head + n, banner, sizeof(banner) - 1) == 0)
        return 100;
    size_t start = n;
    while (n < len && n - start + 1 < sizeof(line) && head[n] != '\n')
        n++;
    memcpy(line, head + start, n - start);
    line[n - start] = '\0';
    /* +noall +answer: a reverse name, a TTL, (a class) and PTR. */
    struct ip_addr addr;
    const char *ttl = line + strcspn(line, " \t");
    ttl += strspn(ttl, " \t");
    if (isdigit((unsigned char)*ttl) && split_record(line, &name, &type, &data) &&
        strcmp(type, "PTR") == 0 && host_reverse_addr(name, &addr) == 0)
        return 70;
    return 0;
}

static enum tally_error dig_run(struct import_ctx *ctx)
{
    struct names_aliases *aliases = names_aliases_new();
    enum dig_section section = SECTION_NONE;
    struct ip_addr asked;
    int asked_reverse = 0;
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
        char *p = line + strspn(line, " \t");
        if (*p == '\0')
            continue;
        if (*p == ';') {
            char question[NAMES_TEXT], *end;
            if (strncmp(p, "; <<>> DiG", 10) == 0) {          /* a new run */
                section = SECTION_NONE;
                asked_reverse = 0;
            } else if (strncmp(p, ";; ", 3) == 0 && strstr(p, " SECTION:")) {
                section = strstr(p, "ANSWER SECTION:") ? SECTION_ANSWER : SECTION_OTHER;
            } else if (p[1] != ';' && p[1] != ' ' && (end = strpbrk(p + 1, " \t")) &&
                       (size_t)(end - p) < sizeof(question)) {
                /* The question: ";171.16.21.107.in-addr.arpa. IN PTR". */
                memcpy(question, p + 1, (size_t)(end - p - 1));
                question[end - p - 1] = '\0';
                asked_reverse = host_reverse_addr(question, &asked) == 0;
            }
            continue;
        }
        snprintf(found, sizeof(found), "%.80s", p);
        if (!split_record(p, &name, &type, &data)) {
            if ((err = import_bad_record(ctx, "expected a dig answer line NAME TTL CLASS TYPE "
                                         "DATA such as '4.3.2.1.in-addr.arpa. 300 IN PTR "
                                         "host.example.', found '%s'", found)))
                goto done;
            continue;
        }
        if (section == SECTION_OTHER)
            continue;
        err = names_answer(ctx, aliases, NAME_ORIGIN_DIG, 1, name, type, data,
                           asked_reverse ? &asked : NULL, 0);
        if (err == TALLY_ERROR_DATA)
            err = import_bad_record(ctx, "expected a name or address after %s, found '%s'",
                                    type, found);
        if (err)
            goto done;
        import_progress(ctx);
    }
    if (got < 0)
        err = input_error(ctx->in);

done:
    names_aliases_free(aliases);
    return err;
}

const struct importer importer_dig = {
    .name = "dig",
    .description = "dig output (dig -x ADDRESS, one run or many): PTR answers as host names",
    .sniff = dig_sniff,
    .run = dig_run,
};
