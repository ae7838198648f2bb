/* query.c: what analyses share: running a SELECT into a table (with the filters bound),
 * asking whether a SELECT has rows, and running an analysis with its subtitle (the
 * filters in effect and the sources the data came from). */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>

int store_has_rows(struct store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int found = 0;
    if (store_is_clickhouse(store)) {
        struct clickhouse_rows rows;
        struct tally_diag diag;
        if (!clickhouse_select(store, sql, &rows, "", &diag))
            found = clickhouse_next_row(&rows);
        clickhouse_rows_release(&rows);
        return found;
    }
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK)
        found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

enum tally_error query_into_table(struct store *store, const char *sql,
                                  const struct filters *f, struct table *t,
                                  struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    if (store_is_clickhouse(store))
        return clickhouse_query_into_table(store, sql, t, diag);
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot run the analysis");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        size_t row = table_add_row(t);
        for (int c = 0; c < t->ncols && c < sqlite3_column_count(stmt); c++) {
            switch (sqlite3_column_type(stmt, c)) {
            case SQLITE_NULL:
                break;
            case SQLITE_INTEGER:
                table_set_int(t, row, c, sqlite3_column_int64(stmt, c));
                break;
            case SQLITE_FLOAT:
                table_set_real(t, row, c, sqlite3_column_double(stmt, c));
                break;
            default:
                table_set_textn(t, row, c, (const char *)sqlite3_column_text(stmt, c),
                                (size_t)sqlite3_column_bytes(stmt, c));
            }
        }
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot run the analysis");

done:
    sqlite3_finalize(stmt);
    return err;
}

/* The error for an analysis that has no ClickHouse query yet, naming those that have. */
static enum tally_error not_ported(const struct analysis *a, struct tally_diag *diag)
{
    struct strbuf ported;
    strbuf_init(&ported);
    for (int i = 0; analysis_table[i]; i++)
        if (analysis_table[i]->run_clickhouse)
            strbuf_addf(&ported, "%s%s", ported.len ? ", " : "", analysis_table[i]->name);
    diag_set(diag, TALLY_ERROR_UNSUPPORTED, "the %s analysis does not run on ClickHouse yet "
             "(those that do: %s); run it on a SQLite database (-d FILE.db)", a->name,
             ported.len ? ported.buf : "none");
    strbuf_release(&ported);
    return TALLY_ERROR_UNSUPPORTED;
}

enum tally_error analysis_run(const struct analysis *a, struct store *store,
                              const struct filters *filters, struct table **out,
                              struct tally_diag *diag)
{
    *out = NULL;
    int clickhouse = store_is_clickhouse(store);
    if (clickhouse && !a->run_clickhouse)
        return not_ported(a, diag);
    /* Address labels and certificates are kept in SQLite only. */
    if (clickhouse && (filters->label || filters->cert))
        return diag_set(diag, TALLY_ERROR_UNSUPPORTED, "--%s does not work on ClickHouse yet; "
                        "run it on a SQLite database (-d FILE.db)",
                        filters->label ? "label" : "cert");
    enum tally_error err = (clickhouse ? a->run_clickhouse : a->run)(store, filters, out, diag);
    if (err) {
        table_free(*out);
        *out = NULL;
        return err;
    }
    /* The subtitle says what produced the table: the analysis's own words or the
     * filters, then the sources. */
    char *what = (*out)->subtitle ? xstrdup((*out)->subtitle)
                                  : filters_describe(filters, a->filters);
    char *from = clickhouse ? clickhouse_provenance_describe(a, store, filters)
                            : provenance_describe(a, store, filters);
    if (*what || *from) {
        char *subtitle = xasprintf("%s%s%s", what, *what && *from ? "; " : "", from);
        table_set_subtitle(*out, subtitle);
        free(subtitle);
    }
    free(what);
    free(from);
    return TALLY_OK;
}

int analysis_has_data(const struct analysis *a, struct store *store)
{
    if (store_is_clickhouse(store))
        return clickhouse_has_data(a, store);
    return a->has_data(store);
}
