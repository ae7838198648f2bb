/* capture_dns.c: the `dns-chains` analysis: for each name asked in a capture's DNS
 * responses, the CNAME chain it led through and the addresses at its end (both
 * ';'-separated). Names are compared and shown in lower case. */
#include "analyzer/analyzer.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 16            /* CNAME hops followed before a chain is cut */

struct dns_maps {
    GHashTable *cname;          /* name -> target (the first seen) */
    GHashTable *addresses;      /* name -> GPtrArray of addresses, in order seen */
    GHashTable *asked;          /* names asked (a set) */
};

static void add_address(struct dns_maps *m, const char *name, const char *addr)
{
    GPtrArray *list = g_hash_table_lookup(m->addresses, name);
    if (!list) {
        list = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_insert(m->addresses, g_strdup(name), list);
    }
    for (guint i = 0; i < list->len; i++)
        if (strcmp(list->pdata[i], addr) == 0)
            return;
    g_ptr_array_add(list, g_strdup(addr));
}

/* Addresses sort by family, then numerically. */
static gint compare_addresses(gconstpointer a, gconstpointer b)
{
    struct ip_addr x, y;
    const char *sa = *(const char *const *)a, *sb = *(const char *const *)b;
    if (ip_parse(sa, &x) < 0 || ip_parse(sb, &y) < 0)
        return strcmp(sa, sb);
    if (x.family != y.family)
        return x.family - y.family;
    return memcmp(x.bytes, y.bytes, x.family == 4 ? 4 : 16);
}

static enum tally_error load_answers(struct store *store, const struct filters *f,
                                     struct dns_maps *m, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT lower(qname), lower(name), type, data FROM dns_answer "
                  "WHERE qname IS NOT NULL");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " ORDER BY rowid");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read DNS answers");
        goto done;
    }
    if (f->source)
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":source"), f->source, -1,
                          SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *qname = (const char *)sqlite3_column_text(stmt, 0);
        const char *name = (const char *)sqlite3_column_text(stmt, 1);
        const char *type = (const char *)sqlite3_column_text(stmt, 2);
        const char *data = (const char *)sqlite3_column_text(stmt, 3);
        if (!g_hash_table_contains(m->asked, qname))
            g_hash_table_add(m->asked, g_strdup(qname));
        if (!name || !type || !data)
            continue;
        if (strcmp(type, "CNAME") == 0) {
            if (!g_hash_table_contains(m->cname, name))
                g_hash_table_insert(m->cname, g_strdup(name), g_ascii_strdown(data, -1));
        } else if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0) {
            add_address(m, name, data);
        }
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read DNS answers");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends the row for one asked name, when its answers say anything about it. */
static void add_chain(struct table *t, const struct dns_maps *m, const char *asked)
{
    struct strbuf chain, addresses;
    const char *cur = asked;
    const char *visited[MAX_CHAIN + 1];
    int hops = 0;
    strbuf_init(&chain);
    strbuf_init(&addresses);
    visited[0] = asked;
    while (hops < MAX_CHAIN) {
        const char *next = g_hash_table_lookup(m->cname, cur);
        int seen = 0;
        if (!next)
            break;
        for (int i = 0; i <= hops; i++)
            seen |= strcmp(visited[i], next) == 0;
        if (seen)
            break;                      /* a CNAME loop: the chain stops before it */
        strbuf_addf(&chain, "%s%s", chain.len ? ";" : "", next);
        visited[++hops] = next;
        cur = next;
    }
    GPtrArray *list = g_hash_table_lookup(m->addresses, cur);
    if (list) {
        g_ptr_array_sort(list, compare_addresses);
        for (guint i = 0; i < list->len; i++)
            strbuf_addf(&addresses, "%s%s", i ? ";" : "", (const char *)list->pdata[i]);
    }
    if (chain.len || addresses.len) {
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, asked);
        table_set_text(t, row, 1, chain.buf);
        table_set_text(t, row, 2, addresses.buf);
    }
    strbuf_release(&chain);
    strbuf_release(&addresses);
}

static enum tally_error dns_chains_run(struct store *store, const struct filters *f,
                                       struct table **out, struct tally_diag *diag)
{
    struct dns_maps m = {
        .cname = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        .addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_ptr_array_unref),
        .asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    *out = table_new("dns-chains", "DNS names, their CNAME chains and final addresses");
    table_add_column(*out, "name", COLUMN_TEXT);
    table_add_column(*out, "chain", COLUMN_TEXT);
    table_add_column(*out, "addresses", COLUMN_TEXT);
    enum tally_error err = load_answers(store, f, &m, diag);
    if (!err) {
        guint n;
        gpointer *names = g_hash_table_get_keys_as_array(m.asked, &n);
        xqsort(names, n, sizeof(*names), compare_names);
        for (guint i = 0; i < n; i++)
            add_chain(*out, &m, names[i]);
        g_free(names);
    }
    g_hash_table_destroy(m.cname);
    g_hash_table_destroy(m.addresses);
    g_hash_table_destroy(m.asked);
    return err;
}

static int dns_chains_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM dns_answer WHERE name IS NOT NULL LIMIT 1");
}

const struct analysis analysis_dns_chains = {
    .name = "dns-chains",
    .title = "DNS names asked in captures: CNAME chain and final addresses",
    .family = "capture",
    .filters = FILTER_SOURCE,
    .chart = { .kind = CHART_NONE, .category_col = 0, .series_col = -1, .value_col = -1 },
    .run = dns_chains_run,
    .run_clickhouse = clickhouse_dns_chains_run,
    .has_data = dns_chains_has_data,
};
