/* dns_chain.c: CNAME chains and final addresses from the DNS answers of captures, held
 * in memory for dns-chains and tls-names (dns_chain.h). */
#include "analyzer/dns_chain.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 16            /* CNAME hops followed before a chain is cut */

struct dns_chain_map {
    GHashTable *cname;          /* "SCOPE name" -> target (the first met) */
    GHashTable *addresses;      /* "SCOPE name" -> GPtrArray of addresses, in order met */
    GHashTable *asked;          /* names asked (a set) */
};

struct dns_chain_map *dns_chain_map_new(void)
{
    struct dns_chain_map *m = xcalloc(1, sizeof(*m));
    m->cname = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)g_ptr_array_unref);
    m->asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return m;
}

void dns_chain_map_free(struct dns_chain_map *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->cname);
    g_hash_table_destroy(m->addresses);
    g_hash_table_destroy(m->asked);
    free(m);
}

static char *scoped_key(long long scope, const char *name)
{
    char *key = g_strdup_printf("%lld %s", scope, name);
    char *lower = g_ascii_strdown(key, -1);
    g_free(key);
    return lower;
}

void dns_chain_add(struct dns_chain_map *m, long long scope, const char *name,
                   const char *type, const char *data)
{
    if (!name || !type || !data)
        return;
    int is_cname = strcmp(type, "CNAME") == 0;
    if (!is_cname && strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0)
        return;
    char *key = scoped_key(scope, name);
    if (is_cname) {
        if (!g_hash_table_contains(m->cname, key))
            g_hash_table_insert(m->cname, g_strdup(key), g_ascii_strdown(data, -1));
    } else {
        GPtrArray *list = g_hash_table_lookup(m->addresses, key);
        if (!list) {
            list = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(m->addresses, g_strdup(key), list);
        }
        int seen = 0;
        for (guint i = 0; i < list->len && !seen; i++)
            seen = strcmp(list->pdata[i], data) == 0;
        if (!seen)
            g_ptr_array_add(list, g_strdup(data));
    }
    g_free(key);
}

void dns_chain_ask(struct dns_chain_map *m, const char *qname)
{
    if (!qname)
        return;
    g_hash_table_add(m->asked, g_ascii_strdown(qname, -1));
}

int dns_compare_addresses(const void *a, const void *b)
{
    struct ip_addr x, y;
    const char *sa = *(const char *const *)a, *sb = *(const char *const *)b;
    if (ip_parse(sa, &x) < 0 || ip_parse(sb, &y) < 0)
        return strcmp(sa, sb);
    if (x.family != y.family)
        return x.family - y.family;
    return memcmp(x.bytes, y.bytes, x.family == 4 ? 4 : 16);
}

static gint compare_address_items(gconstpointer a, gconstpointer b)
{
    return dns_compare_addresses(a, b);
}

int dns_chain_follow(const struct dns_chain_map *m, long long scope, const char *name,
                     struct strbuf *chain, struct strbuf *addresses)
{
    char *visited[MAX_CHAIN + 1];
    int hops = 0;
    visited[0] = g_ascii_strdown(name, -1);
    while (hops < MAX_CHAIN) {
        char *key = scoped_key(scope, visited[hops]);
        const char *next = g_hash_table_lookup(m->cname, key);
        int loop = 0;
        g_free(key);
        if (!next)
            break;
        for (int i = 0; i <= hops; i++)
            loop |= strcmp(visited[i], next) == 0;
        if (loop)
            break;                      /* a CNAME loop: the chain stops before it */
        strbuf_addf(chain, "%s%s", chain->len ? ";" : "", next);
        visited[++hops] = g_strdup(next);
    }
    char *key = scoped_key(scope, visited[hops]);
    GPtrArray *list = g_hash_table_lookup(m->addresses, key);
    g_free(key);
    if (list) {
        g_ptr_array_sort(list, compare_address_items);
        for (guint i = 0; i < list->len; i++)
            strbuf_addf(addresses, "%s%s", i ? ";" : "", (const char *)list->pdata[i]);
    }
    for (int i = 0; i <= hops; i++)
        g_free(visited[i]);
    return chain->len || addresses->len;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void dns_chain_rows(const struct dns_chain_map *m, struct table *t)
{
    struct strbuf chain, addresses;
    guint n;
    gpointer *names = g_hash_table_get_keys_as_array(m->asked, &n);
    strbuf_init(&chain);
    strbuf_init(&addresses);
    xqsort(names, n, sizeof(*names), compare_names);
    for (guint i = 0; i < n; i++) {
        strbuf_reset(&chain);
        strbuf_reset(&addresses);
        if (dns_chain_follow(m, 0, names[i], &chain, &addresses)) {
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, names[i]);
            table_set_text(t, row, 1, chain.buf);
            table_set_text(t, row, 2, addresses.buf);
        }
    }
    strbuf_release(&chain);
    strbuf_release(&addresses);
    g_free(names);
}
