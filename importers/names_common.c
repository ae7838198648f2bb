/* names_common.c: DNS answers turned into host names, for the importers of reverse-DNS
 * results and the capture's DNS decoder. */
#include "importers/names_common.h"

#include <ctype.h>
#include <glib.h>
#include <string.h>
#include <strings.h>

#define MAX_ALIASES 100000      /* CNAMEs remembered per import: memory stays bounded */

struct names_aliases {
    GHashTable *map;            /* plain target name -> struct ip_addr */
};

struct names_aliases *names_aliases_new(void)
{
    struct names_aliases *a = xcalloc(1, sizeof(*a));
    a->map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return a;
}

void names_aliases_free(struct names_aliases *a)
{
    if (!a)
        return;
    g_hash_table_destroy(a->map);
    free(a);
}

/* The address owner names: its reverse name, an alias of one, or the fallback. */
static int owner_addr(struct names_aliases *aliases, const char *owner,
                      const struct ip_addr *fallback, struct ip_addr *addr)
{
    if (host_reverse_addr(owner, addr) == 0)
        return 0;
    const struct ip_addr *alias = aliases ? g_hash_table_lookup(aliases->map, owner) : NULL;
    if (!alias)
        alias = fallback;
    if (!alias)
        return -1;
    *addr = *alias;
    return 0;
}

enum tally_error names_answer(struct import_ctx *ctx, struct names_aliases *aliases,
                              const char *origin, int forward, const char *owner,
                              const char *type, const char *data,
                              const struct ip_addr *fallback, int64_t seen)
{
    char plain_owner[NAMES_TEXT], plain_data[NAMES_TEXT];
    struct name_record rec = { .origin = origin, .seen = seen, .rrtype = type };
    int ptr = strcasecmp(type, "PTR") == 0, cname = strcasecmp(type, "CNAME") == 0;
    int a = strcasecmp(type, "A") == 0, aaaa = strcasecmp(type, "AAAA") == 0;
    if (!ptr && !cname && !((a || aaaa) && forward))
        return TALLY_OK;
    if (host_name_plain(owner, strlen(owner), plain_owner, sizeof(plain_owner)) < 0)
        return TALLY_ERROR_DATA;
    if (a || aaaa) {
        if (ip_parse(data, &rec.addr) < 0 || rec.addr.family != (a ? 4 : 6))
            return TALLY_ERROR_DATA;
        rec.name = plain_owner;
        rec.rrtype = a ? "A" : "AAAA";
    } else {
        if (host_name_plain(data, strlen(data), plain_data, sizeof(plain_data)) < 0)
            return TALLY_ERROR_DATA;
        if (cname) {
            struct ip_addr from;
            if (aliases && owner_addr(aliases, plain_owner, NULL, &from) == 0 &&
                g_hash_table_size(aliases->map) < MAX_ALIASES &&
                !g_hash_table_contains(aliases->map, plain_data))
                g_hash_table_insert(aliases->map, g_strdup(plain_data),
                                    g_memdup2(&from, sizeof(from)));
            return TALLY_OK;
        }
        if (owner_addr(aliases, plain_owner, fallback, &rec.addr) < 0)
            return TALLY_OK;            /* a PTR that names no address */
        rec.name = plain_data;
        rec.rrtype = "PTR";
    }
    if (store_add_name(ctx->store, &rec))
        return store_fail(ctx->store, ctx->diag, "cannot store a host name");
    return TALLY_OK;
}

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

int names_split_record(char *line, int bare, char **name, char **type, char **data)
{
    char *save = NULL, *field;
    *name = strtok_r(line, " \t", &save);
    field = strtok_r(NULL, " \t", &save);
    if (!*name || !field)
        return 0;
    if (bare) {
        size_t n = strlen(*name);
        if (n < 2 || (*name)[n - 1] != '.')
            return 0;
    } else {
        if (isdigit((unsigned char)*field)) {
            for (const char *d = field; *d; d++)
                if (!isdigit((unsigned char)*d))
                    return 0;
            field = strtok_r(NULL, " \t", &save);
        }
        if (field && is_class(field))
            field = strtok_r(NULL, " \t", &save);
    }
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

enum tally_error names_answer_line(struct import_ctx *ctx, struct names_aliases *aliases,
                                   const char *origin, const char *name, const char *type,
                                   const char *data, const struct ip_addr *fallback,
                                   const char *found)
{
    enum tally_error err = names_answer(ctx, aliases, origin, 1, name, type, data, fallback, 0);
    if (err == TALLY_ERROR_DATA)
        err = import_bad_record(ctx, "expected a name or address after %s, found '%s'", type,
                                found);
    if (!err)
        import_progress(ctx);
    return err;
}
