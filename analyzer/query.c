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

enum tally_error analysis_run(const struct analysis *a, struct store *store,
                              const struct filters *filters, struct table **out,
                              struct tally_diag *diag)
{
    *out = NULL;
    enum tally_error err = a->run(store, filters, out, diag);
    if (err) {
        table_free(*out);
        *out = NULL;
        return err;
    }
    /* The subtitle says what produced the table: the analysis's own words or the
     * filters, then the sources. */
    char *what = (*out)->subtitle ? xstrdup((*out)->subtitle)
                                  : filters_describe(filters, a->filters);
    char *from = provenance_describe(a, store, filters);
    if (*what || *from) {
        char *subtitle = xasprintf("%s%s%s", what, *what && *from ? "; " : "", from);
        table_set_subtitle(*out, subtitle);
        free(subtitle);
    }
    free(what);
    free(from);
    return TALLY_OK;
}
