/* capture_tls.c: the `tls-names` analysis: for each server name (SNI) clients sent in the
 * TLS handshakes of captures (store/store_tls.c), the servers that answered it, the
 * connections and the distinct JA3 and JA4 client fingerprints; beside it, when the same
 * capture resolved the name, its DNS CNAME chain and final addresses (as dns-chains). Names
 * are compared and shown in lower case. */
#include "analyzer/dns_chain.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* The DNS answers of the captures with TLS connections, each capture its own scope. */
static enum tally_error dns_load(struct store *store, struct dns_chain_map *m,
                                 struct tally_diag *diag)
{
    static const char sql[] =
        "SELECT source_id, lower(name), type, lower(data) FROM dns_answer "
        "WHERE name IS NOT NULL AND data IS NOT NULL AND type IN ('CNAME', 'A', 'AAAA') "
        "AND source_id IN (SELECT DISTINCT source_id FROM tls_client) ORDER BY rowid";
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot read DNS answers");
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        dns_chain_add(m, sqlite3_column_int64(stmt, 0),
                      (const char *)sqlite3_column_text(stmt, 1),
                      (const char *)sqlite3_column_text(stmt, 2),
                      (const char *)sqlite3_column_text(stmt, 3));
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read DNS answers");
    sqlite3_finalize(stmt);
    return err;
}

/* "a,b,c" (group_concat) as the addresses sorted, ';'-separated. */
static void sorted_addresses(const char *list, struct strbuf *out)
{
    gchar **parts = g_strsplit(list ? list : "", ",", -1);
    guint n = g_strv_length(parts);
    if (n)
        xqsort(parts, n, sizeof(*parts), dns_compare_addresses);
    for (guint i = 0; i < n; i++)
        strbuf_addf(out, "%s%s", i ? ";" : "", parts[i]);
    g_strfreev(parts);
}

static int compare_ids(const void *a, const void *b)
{
    long long x = atoll(*(const char *const *)a), y = atoll(*(const char *const *)b);
    return x < y ? -1 : x > y;
}

/* The DNS chain of name from the first of the sources ("1,3": group_concat) that resolved
 * it; cells left empty when none did. */
static void set_chain(struct table *t, size_t row, const struct dns_chain_map *m,
                      const char *name,
                      const char *sources)
{
    struct strbuf chain, addresses;
    gchar **ids = g_strsplit(sources ? sources : "", ",", -1);
    guint n = g_strv_length(ids);
    strbuf_init(&chain);
    strbuf_init(&addresses);
    if (n)
        xqsort(ids, n, sizeof(*ids), compare_ids);
    for (guint i = 0; i < n; i++) {
        if (dns_chain_follow(m, atoll(ids[i]), name, &chain, &addresses)) {
            table_set_text(t, row, 6, chain.buf);
            table_set_text(t, row, 7, addresses.buf);
            break;
        }
    }
    strbuf_release(&chain);
    strbuf_release(&addresses);
    g_strfreev(ids);
}

static enum tally_error tls_names_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct dns_chain_map *m = dns_chain_map_new();
    struct strbuf sql, cell;
    sqlite3_stmt *stmt = NULL;
    int rc;
    strbuf_init(&sql);
    strbuf_init(&cell);
    strbuf_addstr(&sql, "SELECT lower(sni) AS name, COUNT(DISTINCT server), "
                  "group_concat(DISTINCT server), COUNT(*) AS connections, "
                  "COUNT(DISTINCT ja3), COUNT(DISTINCT ja4), group_concat(DISTINCT source_id) "
                  "FROM tls_client WHERE sni IS NOT NULL");
    filters_sql_ports(f, &sql, "port", NULL);
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " GROUP BY name ORDER BY connections DESC, name");
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top);
    *out = table_new("tls-names", "TLS server names: servers, connections, fingerprints");
    table_add_column(*out, "sni", COLUMN_TEXT);
    table_add_column(*out, "servers", COLUMN_INTEGER);
    table_add_column(*out, "addresses", COLUMN_TEXT);
    table_add_column(*out, "connections", COLUMN_INTEGER);
    table_add_column(*out, "ja3", COLUMN_INTEGER);
    table_add_column(*out, "ja4", COLUMN_INTEGER);
    table_add_column(*out, "dns_chain", COLUMN_TEXT);
    table_add_column(*out, "dns_addresses", COLUMN_TEXT);
    enum tally_error err = dns_load(store, m, diag);
    if (err)
        goto done;
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the TLS connections");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        size_t row = table_add_row(*out);
        table_set_text(*out, row, 0, name);
        table_set_int(*out, row, 1, sqlite3_column_int64(stmt, 1));
        strbuf_reset(&cell);
        sorted_addresses((const char *)sqlite3_column_text(stmt, 2), &cell);
        table_set_text(*out, row, 2, cell.buf);
        for (int c = 3; c <= 5; c++)
            table_set_int(*out, row, c, sqlite3_column_int64(stmt, c));
        set_chain(*out, row, m, name, (const char *)sqlite3_column_text(stmt, 6));
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the TLS connections");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    strbuf_release(&cell);
    dns_chain_map_free(m);
    return err;
}

static int tls_names_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM tls_client WHERE sni IS NOT NULL LIMIT 1");
}

const struct analysis analysis_tls_names = {
    .name = "tls-names",
    .title = "TLS server names clients asked for in captures: servers, connections, DNS",
    .family = "capture",
    .filters = FILTER_PORT | FILTER_SOURCE | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Server name (SNI)", .y_title = "Connections",
               .category_col = 0, .series_col = -1, .value_col = 3 },
    .run = tls_names_run,
    .has_data = tls_names_has_data,
    .source_table = "tls_client",
    .time_col = "seen",
};
