/* capture_dns.c: the `dns-chains` analysis: for each name asked in a capture's DNS
 * responses, the CNAME chain it led through and the addresses at its end (both
 * ';'-separated). Names are compared and shown in lower case. */
#include "analyzer/dns_chain.h"

static enum tally_error load_answers(struct store *store, const struct filters *f,
                                     struct dns_chain_map *m, struct tally_diag *diag)
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
        dns_chain_ask(m, (const char *)sqlite3_column_text(stmt, 0));
        dns_chain_add(m, 0, (const char *)sqlite3_column_text(stmt, 1),
                      (const char *)sqlite3_column_text(stmt, 2),
                      (const char *)sqlite3_column_text(stmt, 3));
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read DNS answers");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

static enum tally_error dns_chains_run(struct store *store, const struct filters *f,
                                       struct table **out, struct tally_diag *diag)
{
    struct dns_chain_map *m = dns_chain_map_new();
    *out = table_new("dns-chains", "DNS names, their CNAME chains and final addresses");
    table_add_column(*out, "name", COLUMN_TEXT);
    table_add_column(*out, "chain", COLUMN_TEXT);
    table_add_column(*out, "addresses", COLUMN_TEXT);
    enum tally_error err = load_answers(store, f, m, diag);
    if (!err)
        dns_chain_rows(m, *out);
    dns_chain_map_free(m);
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
