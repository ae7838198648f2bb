/* provenance.c: where the data came from: the sources table (`tally sources`, the
 * workbook's Sources sheet, the report), what was imported by format (the Summary sheet),
 * the "from scan.oL, 2014-01-10" part of an analysis's subtitle, and the imports each
 * analysis read (the report, beside its chart). */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SOURCES_NAMED 2         /* sources named in a subtitle; beyond, a count */

enum tally_error sources_table(struct store *store, struct table **out,
                               struct tally_diag *diag)
{
    static const struct filters none;
    struct table *t = table_new("sources", "Sources: what was imported");
    table_add_id_column(t, "id");
    table_add_column(t, "path", COLUMN_TEXT);
    table_add_column(t, "format", COLUMN_TEXT);
    table_add_column(t, "tag", COLUMN_TEXT);
    table_add_column(t, "bytes", COLUMN_INTEGER);
    table_add_column(t, "sha256", COLUMN_TEXT);
    table_add_column(t, "imported_at", COLUMN_TEXT);
    table_add_column(t, "records", COLUMN_INTEGER);
    table_add_column(t, "skipped", COLUMN_INTEGER);
    table_add_column(t, "counts", COLUMN_TEXT);
    *out = t;
    return query_into_table(store, "SELECT id, path, format, tag, bytes, sha256, imported_at, "
                            "records, skipped, counts FROM source ORDER BY id", &none, t, diag);
}

enum tally_error summary_table(struct store *store, struct table **out,
                               struct tally_diag *diag)
{
    static const struct filters none;
    struct table *t = table_new("summary", "What was imported, by format");
    table_add_column(t, "format", COLUMN_TEXT);
    table_add_column(t, "sources", COLUMN_INTEGER);
    table_add_column(t, "records", COLUMN_INTEGER);
    table_add_column(t, "bytes", COLUMN_INTEGER);
    table_add_column(t, "first_imported", COLUMN_TEXT);
    table_add_column(t, "last_imported", COLUMN_TEXT);
    *out = t;
    return query_into_table(store, "SELECT format, COUNT(*), SUM(records), SUM(bytes), "
                            "MIN(imported_at), MAX(imported_at) FROM source GROUP BY format "
                            "ORDER BY format", &none, t, diag);
}

/* The store table an analysis reads, and its columns of the earliest and latest unix
 * seconds, for its subtitle. */
static const char *analysis_source_table(const struct analysis *a, const char **first_col,
                                         const char **last_col)
{
    *first_col = *last_col = a->time_col;
    if (a->time_last_col)
        *last_col = a->time_last_col;
    if (a->source_table)
        return a->source_table;
    if (a->family && strcmp(a->family, "scan") == 0) {
        /* Every observation is in a host set, which knows when its first and last were
         * seen: a few rows to read, not one per observation. */
        *first_col = "first_seen";
        *last_col = "last_seen";
        return "host_set";
    }
    if (a->family && strcmp(a->family, "capture") == 0)
        return "capture_summary";
    return NULL;
}

static void utc_day(long long t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(out, size, "%Y-%m-%d", &tm);
    else
        snprintf(out, size, "%lld", t);
}

char *provenance_describe(const struct analysis *a, struct store *store,
                          const struct filters *f)
{
    const char *first_col, *last_col, *table = analysis_source_table(a, &first_col, &last_col);
    struct strbuf sql, sb;
    sqlite3_stmt *stmt = NULL;
    char *names[SOURCES_NAMED];
    int n = 0;

    strbuf_init(&sb);
    if (!table || a->names_sources)
        return strbuf_detach(&sb);
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT path FROM source WHERE id IN (SELECT DISTINCT source_id FROM %s)",
                table);
    filters_sql_source(f, &sql, "id");
    strbuf_addstr(&sql, " ORDER BY id");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK) {
        filters_bind(stmt, f);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            const char *path = (const char *)sqlite3_column_text(stmt, 0);
            const char *base = path ? strrchr(path, '/') : NULL;
            if (n < SOURCES_NAMED)
                names[n] = xstrdup(base ? base + 1 : path ? path : "?");
            n++;
        }
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (n == 1)
        strbuf_addf(&sb, "from %s", names[0]);
    else if (n == 2)
        strbuf_addf(&sb, "from %s and %s", names[0], names[1]);
    else if (n > 2)
        strbuf_addf(&sb, "from %d sources", n);
    for (int i = 0; i < n && i < SOURCES_NAMED; i++)
        free(names[i]);

    if (n > 0 && first_col) {
        strbuf_reset(&sql);
        strbuf_addf(&sql, "SELECT MIN(%s), MAX(%s) FROM %s WHERE %s IS NOT NULL", first_col,
                    last_col, table, first_col);
        filters_sql_source(f, &sql, "source_id");
        if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK) {
            filters_bind(stmt, f);
            if (sqlite3_step(stmt) == SQLITE_ROW &&
                sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
                char lo[32], hi[32];
                utc_day(sqlite3_column_int64(stmt, 0), lo, sizeof lo);
                utc_day(sqlite3_column_int64(stmt, 1), hi, sizeof hi);
                if (strcmp(lo, hi) == 0)
                    strbuf_addf(&sb, ", %s", lo);
                else
                    strbuf_addf(&sb, ", %s to %s", lo, hi);
            }
        }
        sqlite3_finalize(stmt);
    }
    strbuf_release(&sql);
    return strbuf_detach(&sb);
}

enum tally_error provenance_sources(const struct analysis *a, struct store *store,
                                    const struct filters *f, struct table **out,
                                    struct tally_diag *diag)
{
    const char *first_col, *last_col, *table = analysis_source_table(a, &first_col, &last_col);
    struct strbuf sql;
    enum tally_error err;

    *out = NULL;
    if (!table || a->names_sources)
        return TALLY_OK;
    struct table *t = table_new("provenance", "The imports this analysis read");
    table_add_id_column(t, "id");
    table_add_column(t, "path", COLUMN_TEXT);
    table_add_column(t, "format", COLUMN_TEXT);
    table_add_column(t, "tag", COLUMN_TEXT);
    table_add_column(t, "imported_at", COLUMN_TEXT);
    table_add_column(t, "records", COLUMN_INTEGER);
    strbuf_init(&sql);
    if (store_is_clickhouse(store)) {
        /* There the scan rows are the observations themselves, --source quoted. */
        strbuf_addf(&sql, "SELECT id, path, format, tag, imported_at, records FROM source "
                    "WHERE id IN (SELECT DISTINCT source_id FROM %s)",
                    strcmp(table, "host_set") == 0 ? "observation" : table);
        if (f->source) {
            strbuf_addstr(&sql, " AND (toString(id) = ");
            clickhouse_quote(&sql, f->source);
            strbuf_addstr(&sql, " OR tag = ");
            clickhouse_quote(&sql, f->source);
            strbuf_addch(&sql, ')');
        }
    } else {
        strbuf_addf(&sql, "SELECT id, path, format, tag, imported_at, records FROM source "
                    "WHERE id IN (SELECT DISTINCT source_id FROM %s)", table);
        filters_sql_source(f, &sql, "id");
    }
    strbuf_addstr(&sql, " ORDER BY id");
    err = query_into_table(store, sql.buf, f, t, diag);
    strbuf_release(&sql);
    if (err)
        table_free(t);
    else
        *out = t;
    return err;
}
