/* query.c: what analyses share: SQL fragments for the filters, a subtitle that names them
 * and the sources the data came from, and running a SELECT into a table (binding :source
 * :proto :since :until :tz when the SQL names them). */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SOURCES_NAMED 2         /* sources named in a subtitle; beyond, a count */

void filters_sql_ports(const struct filters *f, struct strbuf *sql, const char *port_col,
                       const char *proto_col)
{
    if (port_col && f->nports > 0) {
        strbuf_addf(sql, " AND %s IN (", port_col);
        for (int i = 0; i < f->nports; i++)
            strbuf_addf(sql, "%s%u", i ? "," : "", f->ports[i]);
        strbuf_addstr(sql, ")");
    }
    if (proto_col && f->proto)
        strbuf_addf(sql, " AND %s = :proto", proto_col);
}

void filters_sql_source(const struct filters *f, struct strbuf *sql, const char *source_col)
{
    if (f->source)
        strbuf_addf(sql, " AND %s IN (SELECT id FROM source WHERE CAST(id AS TEXT) = :source "
                    "OR tag = :source)", source_col);
}

char *filters_describe(const struct filters *f, unsigned which)
{
    struct strbuf sb;
    strbuf_init(&sb);
    if ((which & FILTER_PORT) && f->nports > 0) {
        strbuf_addstr(&sb, f->nports > 1 ? "ports " : "port ");
        for (int i = 0; i < f->nports; i++)
            strbuf_addf(&sb, "%s%u", i ? "," : "", f->ports[i]);
        if (f->proto)
            strbuf_addf(&sb, "/%s", f->proto);
    } else if ((which & FILTER_PROTO) && f->proto) {
        strbuf_addf(&sb, "%s only", f->proto);
    }
    if (which & FILTER_PREFIX)
        strbuf_addf(&sb, "%s/%d subnets", sb.len ? ", " : "", f->prefix ? f->prefix : 24);
    if ((which & FILTER_DATES) && (f->since || f->until))
        strbuf_addf(&sb, "%s%s to %s", sb.len ? ", " : "", f->since ? f->since : "start",
                    f->until ? f->until : "end");
    if ((which & FILTER_TZ) && f->tz)
        strbuf_addf(&sb, "%s%s time", sb.len ? ", " : "", f->tz);
    if ((which & FILTER_SOURCE) && f->source)
        strbuf_addf(&sb, "%ssource %s", sb.len ? ", " : "", f->source);
    return strbuf_detach(&sb);
}

int store_has_rows(struct store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK)
        found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

static void bind_named(sqlite3_stmt *stmt, const char *name, const char *value)
{
    int index = sqlite3_bind_parameter_index(stmt, name);
    if (index > 0 && value)
        sqlite3_bind_text(stmt, index, value, -1, SQLITE_TRANSIENT);
}

void filters_bind(sqlite3_stmt *stmt, const struct filters *f)
{
    bind_named(stmt, ":source", f->source);
    bind_named(stmt, ":proto", f->proto);
    bind_named(stmt, ":since", f->since);
    bind_named(stmt, ":until", f->until);
    bind_named(stmt, ":tz", f->tz);
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

/* The store table (and time column) an analysis reads, for its subtitle. */
static const char *analysis_source_table(const struct analysis *a, const char **time_col)
{
    *time_col = a->time_col;
    if (a->source_table)
        return a->source_table;
    if (a->family && strcmp(a->family, "scan") == 0) {
        *time_col = "seen";
        return "observation";
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

/* "from cloud-scan.oL", "from a.oL and b.oL" or "from 3 sources", then the UTC days the
 * data spans when the table has a time column: the provenance of a chart in its
 * subtitle. Empty when nothing is known. */
static char *sources_describe(const struct analysis *a, struct store *store,
                              const struct filters *f)
{
    const char *time_col, *table = analysis_source_table(a, &time_col);
    struct strbuf sql, sb;
    sqlite3_stmt *stmt = NULL;
    char *names[SOURCES_NAMED];
    int n = 0;

    strbuf_init(&sb);
    if (!table)
        return strbuf_detach(&sb);
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT path FROM source WHERE id IN (SELECT DISTINCT source_id FROM %s)",
                table);
    filters_sql_source(f, &sql, "id");
    strbuf_addstr(&sql, " ORDER BY id");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK) {
        int index = sqlite3_bind_parameter_index(stmt, ":source");
        if (index > 0 && f->source)
            sqlite3_bind_text(stmt, index, f->source, -1, SQLITE_TRANSIENT);
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

    if (n > 0 && time_col) {
        strbuf_reset(&sql);
        strbuf_addf(&sql, "SELECT MIN(%s), MAX(%s) FROM %s WHERE %s IS NOT NULL", time_col,
                    time_col, table, time_col);
        filters_sql_source(f, &sql, "source_id");
        if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK) {
            int index = sqlite3_bind_parameter_index(stmt, ":source");
            if (index > 0 && f->source)
                sqlite3_bind_text(stmt, index, f->source, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
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
    char *from = sources_describe(a, store, filters);
    if (*what || *from) {
        char *subtitle = xasprintf("%s%s%s", what, *what && *from ? "; " : "", from);
        table_set_subtitle(*out, subtitle);
        free(subtitle);
    }
    free(what);
    free(from);
    return TALLY_OK;
}
