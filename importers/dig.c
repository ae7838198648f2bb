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

enum dig_section { SECTION_NONE, SECTION_ANSWER, SECTION_OTHER };

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
    if (isdigit((unsigned char)*ttl) && names_split_record(line, 0, &name, &type, &data) &&
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
        if (!names_split_record(p, 0, &name, &type, &data)) {
            if ((err = import_bad_record(ctx, "expected a dig answer line NAME TTL CLASS TYPE "
                                         "DATA such as '4.3.2.1.in-addr.arpa. 300 IN PTR "
                                         "host.example.', found '%s'", found)))
                goto done;
            continue;
        }
        if (section == SECTION_OTHER)
            continue;
        if ((err = names_answer_line(ctx, aliases, NAME_ORIGIN_DIG, name, type, data,
                                     asked_reverse ? &asked : NULL, found)))
            goto done;
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
