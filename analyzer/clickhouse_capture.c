/* clickhouse_capture.c: the capture analyses on a ClickHouse database (talkers,
 * capture-summary, dns-chains): the counting runs in ClickHouse over the rows of imports
 * whose source row exists, and only the result comes back, into the same table (columns,
 * order, cell text) capture_talkers.c and capture_dns.c fill from SQLite. */
#include "analyzer/dns_chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TALKERS_DEFAULT_TOP 10         /* as capture_talkers.c */

/* ---- talkers ---- */

enum tally_error clickhouse_talkers_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct strbuf sql, where;
    strbuf_init(&sql);
    strbuf_init(&where);
    strbuf_addstr(&where, " WHERE ");
    clickhouse_sql_selected(&where, f);
    if (f->proto) {
        strbuf_addstr(&where, " AND proto = ");
        clickhouse_quote(&where, f->proto);
    }
    /* A packet between two hosts counts for both; an unanswered probe for its sender. */
    strbuf_addf(&sql, "SELECT host, sum(p) AS total_packets, sum(b) AS total_bytes FROM ("
                "SELECT orig AS host, orig_packets + resp_packets AS p, "
                "orig_bytes + resp_bytes AS b FROM conn%s UNION ALL "
                "SELECT resp AS host, orig_packets + resp_packets AS p, "
                "orig_bytes + resp_bytes AS b FROM conn%s UNION ALL "
                "SELECT scanner AS host, packets AS p, bytes AS b FROM probe%s) "
                "GROUP BY host ORDER BY total_bytes DESC, total_packets DESC, host LIMIT %d",
                where.buf, where.buf, where.buf, f->top > 0 ? f->top : TALKERS_DEFAULT_TOP);
    *out = table_new("talkers", "Top talkers: bytes sent and received per host");
    table_add_column(*out, "host", COLUMN_TEXT);
    table_add_column(*out, "packets", COLUMN_INTEGER);
    table_add_column(*out, "bytes", COLUMN_INTEGER);
    enum tally_error err = clickhouse_query_into_table(store, sql.buf, *out, diag);
    strbuf_release(&sql);
    strbuf_release(&where);
    return err;
}

/* ---- capture-summary ---- */

/* One metric's aggregates over the captures, as the query returns them (text). */
struct metric_row {
    char *fields[6];            /* sum, min, max, list, captures, max as integer */
    int found;
};

/* The durations summed in C, one capture after another in the order SQLite sums them
 * (that of the imports), so that the total is the same double. */
static enum tally_error sum_durations(struct store *store, const struct filters *f,
                                      double *total, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT value FROM capture_summary WHERE metric = 'duration' AND ");
    clickhouse_sql_selected(&sql, f);
    strbuf_addstr(&sql, " ORDER BY source_id");
    enum tally_error err = clickhouse_select(store, sql.buf, &rows,
                                             "cannot read the capture summary", diag);
    *total = 0;
    while (!err && clickhouse_next_row(&rows))
        if (rows.nfields > 0 && rows.field[0])
            *total += strtod(rows.field[0], NULL);
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

enum tally_error clickhouse_capture_summary_run(struct store *store, const struct filters *f,
                                                struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    struct metric_row found[CAPTURE_NMETRICS];
    memset(found, 0, sizeof(found));
    strbuf_init(&sql);
    /* Times are compared as numbers but come back as stored, for strtod to read exactly. */
    strbuf_addstr(&sql, "SELECT metric, sum(toInt64OrZero(value)), "
                  "argMin(value, toFloat64OrZero(value)), argMax(value, toFloat64OrZero(value)), "
                  "arrayStringConcat(arraySort(groupUniqArray(value)), ';'), "
                  "uniqExact(source_id), max(toInt64OrZero(value)) "
                  "FROM capture_summary WHERE ");
    clickhouse_sql_selected(&sql, f);
    strbuf_addstr(&sql, " GROUP BY metric");
    *out = table_new("capture-summary", "Capture summary: packets, time span, protocols");
    table_add_column(*out, "metric", COLUMN_TEXT);
    table_add_column(*out, "value", COLUMN_TEXT);
    enum tally_error err = clickhouse_select(store, sql.buf, &rows,
                                             "cannot read the capture summary", diag);
    while (!err && clickhouse_next_row(&rows)) {
        if (rows.nfields < 7 || !rows.field[0])
            continue;
        for (size_t i = 0; i < CAPTURE_NMETRICS; i++) {
            if (strcmp(capture_metrics[i].metric, rows.field[0]) != 0)
                continue;
            found[i].found = 1;
            for (int c = 0; c < 6; c++)
                found[i].fields[c] = rows.field[c + 1] ? rows.field[c + 1] : "";
        }
    }
    for (size_t i = 0; !err && i < CAPTURE_NMETRICS; i++) {
        char value[256];
        double seconds;
        if (!found[i].found)
            continue;
        if (i == 0) {
            size_t row = table_add_row(*out);
            table_set_text(*out, row, 0, "captures");
            table_set_text(*out, row, 1, found[i].fields[4]);
        }
        switch (capture_metrics[i].how) {
        case CAPTURE_SUM:
            snprintf(value, sizeof(value), "%s", found[i].fields[0]);
            break;
        case CAPTURE_MAX:
            snprintf(value, sizeof(value), "%s", found[i].fields[5]);
            break;
        case CAPTURE_MIN_TIME:
            capture_format_time(strtod(found[i].fields[1], NULL), value, sizeof(value));
            break;
        case CAPTURE_MAX_TIME:
            capture_format_time(strtod(found[i].fields[2], NULL), value, sizeof(value));
            break;
        case CAPTURE_SECONDS:
            if ((err = sum_durations(store, f, &seconds, diag)))
                continue;
            snprintf(value, sizeof(value), "%.6f", seconds);
            break;
        case CAPTURE_LIST:
            snprintf(value, sizeof(value), "%s", found[i].fields[3]);
            break;
        }
        size_t row = table_add_row(*out);
        table_set_text(*out, row, 0, capture_metrics[i].metric);
        table_set_text(*out, row, 1, value);
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

/* ---- dns-chains ---- */

/* Reads the rows of one query into m: the names asked (one field) or answers (name, type,
 * data). */
static enum tally_error load_answers(struct store *store, const char *sql,
                                     struct dns_chain_map *m, struct tally_diag *diag)
{
    struct clickhouse_rows rows;
    enum tally_error err = clickhouse_select(store, sql, &rows, "cannot read DNS answers",
                                             diag);
    while (!err && clickhouse_next_row(&rows)) {
        if (rows.nfields == 1)
            dns_chain_ask(m, rows.field[0]);
        else if (rows.nfields == 3)
            dns_chain_add(m, 0, rows.field[0], rows.field[1], rows.field[2]);
    }
    clickhouse_rows_release(&rows);
    return err;
}

enum tally_error clickhouse_dns_chains_run(struct store *store, const struct filters *f,
                                           struct table **out, struct tally_diag *diag)
{
    struct dns_chain_map *m = dns_chain_map_new();
    struct strbuf where, sql;
    strbuf_init(&where);
    strbuf_init(&sql);
    strbuf_addstr(&where, " WHERE qname IS NOT NULL AND ");
    clickhouse_sql_selected(&where, f);
    *out = table_new("dns-chains", "DNS names, their CNAME chains and final addresses");
    table_add_column(*out, "name", COLUMN_TEXT);
    table_add_column(*out, "chain", COLUMN_TEXT);
    table_add_column(*out, "addresses", COLUMN_TEXT);

    /* The names asked; each name's first CNAME target (in the order the answers were
     * stored: by import, then within it); the distinct addresses of each name. */
    strbuf_addf(&sql, "SELECT DISTINCT lower(qname) FROM dns_answer%s", where.buf);
    enum tally_error err = load_answers(store, sql.buf, m, diag);
    if (!err) {
        strbuf_reset(&sql);
        strbuf_addf(&sql, "SELECT lower(assumeNotNull(name)) AS n, 'CNAME', "
                    "argMin(lower(assumeNotNull(data)), bitShiftLeft(source_id, 40) + seq) "
                    "FROM dns_answer%s AND type = 'CNAME' AND name IS NOT NULL "
                    "AND data IS NOT NULL GROUP BY n", where.buf);
        err = load_answers(store, sql.buf, m, diag);
    }
    if (!err) {
        strbuf_reset(&sql);
        strbuf_addf(&sql, "SELECT DISTINCT lower(assumeNotNull(name)), type, "
                    "assumeNotNull(data) FROM dns_answer%s AND type IN ('A', 'AAAA') "
                    "AND name IS NOT NULL AND data IS NOT NULL", where.buf);
        err = load_answers(store, sql.buf, m, diag);
    }
    if (!err)
        dns_chain_rows(m, *out);
    dns_chain_map_free(m);
    strbuf_release(&where);
    strbuf_release(&sql);
    return err;
}

/* ---- has-data and provenance ---- */

/* Whether table holds a row of a committed import meeting cond. */
static int has_rows(struct store *store, const char *table, const char *cond)
{
    static const struct filters none;
    struct strbuf sql;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT 1 FROM %s WHERE %s AND ", table, cond);
    clickhouse_sql_selected(&sql, &none);
    strbuf_addstr(&sql, " LIMIT 1");
    int found = store_has_rows(store, sql.buf);
    strbuf_release(&sql);
    return found;
}

int clickhouse_capture_has_data(const struct analysis *a, struct store *store)
{
    if (a->run_clickhouse == clickhouse_talkers_run)
        return has_rows(store, "conn", "1") || has_rows(store, "probe", "1");
    if (a->run_clickhouse == clickhouse_capture_summary_run)
        return has_rows(store, "capture_summary", "1");
    if (a->run_clickhouse == clickhouse_dns_chains_run)
        return has_rows(store, "dns_answer", "name IS NOT NULL");
    return -1;
}

char *clickhouse_capture_provenance(const struct analysis *a, struct store *store,
                                    const struct filters *f)
{
    struct strbuf sb;
    if (!a->family || strcmp(a->family, "capture") != 0 || a->source_table ||
        a->names_sources)
        return NULL;
    /* As provenance.c words it: the imports with a capture summary, by name. */
    strbuf_init(&sb);
    clickhouse_name_sources(store, "capture_summary", f, &sb);
    return strbuf_detach(&sb);
}
