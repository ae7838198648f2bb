/* capture_talkers.c: what the connections, probes and capture summary tell: `talkers`, the
 * hosts that sent and received the most bytes, and `capture-summary`, one metric per row
 * (packets, bytes, time span, link types, packets by protocol) over the captures imported. */
#include "analyzer/analyzer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TALKERS_DEFAULT_TOP 10

static enum tally_error talkers_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    struct strbuf sql, where;
    strbuf_init(&sql);
    strbuf_init(&where);
    strbuf_addstr(&where, " WHERE 1 = 1");
    filters_sql_ports(f, &where, NULL, "proto");
    filters_sql_source(f, &where, "source_id");
    /* A packet between two hosts counts for both; an unanswered probe for its sender. */
    strbuf_addf(&sql, "SELECT host, SUM(packets) AS packets, SUM(bytes) AS bytes FROM ("
                "SELECT orig AS host, orig_packets + resp_packets AS packets, "
                "orig_bytes + resp_bytes AS bytes FROM conn%s UNION ALL "
                "SELECT resp, orig_packets + resp_packets, orig_bytes + resp_bytes "
                "FROM conn%s UNION ALL "
                "SELECT scanner, packets, bytes FROM probe%s) "
                "GROUP BY host ORDER BY bytes DESC, packets DESC, host LIMIT %d",
                where.buf, where.buf, where.buf, f->top > 0 ? f->top : TALKERS_DEFAULT_TOP);
    *out = table_new("talkers", "Top talkers: bytes sent and received per host");
    table_add_column(*out, "host", COLUMN_TEXT);
    table_add_column(*out, "packets", COLUMN_INTEGER);
    table_add_column(*out, "bytes", COLUMN_INTEGER);
    enum tally_error err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    strbuf_release(&where);
    return err;
}

static int talkers_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM conn UNION ALL SELECT 1 FROM probe LIMIT 1");
}

const struct analysis analysis_talkers = {
    .name = "talkers",
    .title = "Hosts of a capture by bytes sent and received",
    .family = "capture",
    .filters = FILTER_PROTO | FILTER_SOURCE | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Host", .y_title = "Bytes (both directions)",
               .category_col = 0, .series_col = -1, .value_col = 2 },
    .run = talkers_run,
    .run_clickhouse = clickhouse_talkers_run,
    .has_data = talkers_has_data,
};

/* ---- capture-summary ---- */

const struct capture_metric capture_metrics[CAPTURE_NMETRICS] = {
    { "link_type", CAPTURE_LIST }, { "packets", CAPTURE_SUM }, { "bytes", CAPTURE_SUM },
    { "first_seen", CAPTURE_MIN_TIME }, { "last_seen", CAPTURE_MAX_TIME },
    { "duration", CAPTURE_SECONDS }, { "ipv4", CAPTURE_SUM }, { "ipv6", CAPTURE_SUM },
    { "tcp", CAPTURE_SUM }, { "udp", CAPTURE_SUM }, { "icmp", CAPTURE_SUM },
    { "icmpv6", CAPTURE_SUM }, { "other_ip", CAPTURE_SUM }, { "not_ip", CAPTURE_SUM },
    { "unsupported_link", CAPTURE_SUM }, { "malformed", CAPTURE_SUM },
    { "truncated", CAPTURE_SUM }, { "fragments", CAPTURE_SUM }, { "flows", CAPTURE_SUM },
    { "dns_queries", CAPTURE_SUM }, { "dns_responses", CAPTURE_SUM },
    { "dns_malformed", CAPTURE_SUM }, { "dns_other_opcode", CAPTURE_SUM },
    { "http_responses", CAPTURE_SUM }, { "tls_handshakes", CAPTURE_SUM },
    { "tls_hidden_certificates", CAPTURE_SUM }, { "snaplen", CAPTURE_MAX },
};

void capture_format_time(double t, char *out, size_t size)
{
    double whole = floor(t);
    long long usec = llround((t - whole) * 1e6);
    time_t secs = (time_t)whole;
    struct tm tm;
    char date[32];
    if (usec >= 1000000) {
        secs++;
        usec -= 1000000;
    }
    gmtime_r(&secs, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%06lldZ", date, usec);
}

static enum tally_error summary_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    struct strbuf sql, where;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_init(&where);
    strbuf_addstr(&where, "metric = ?1");
    filters_sql_source(f, &where, "source_id");
    strbuf_addf(&sql, "SELECT metric, SUM(value), MIN(value), MAX(value), "
                "(SELECT group_concat(v, ';') FROM (SELECT DISTINCT value AS v "
                "FROM capture_summary WHERE %s ORDER BY v)), COUNT(DISTINCT source_id) "
                "FROM capture_summary WHERE %s GROUP BY metric", where.buf, where.buf);
    *out = table_new("capture-summary", "Capture summary: packets, time span, protocols");
    table_add_column(*out, "metric", COLUMN_TEXT);
    table_add_column(*out, "value", COLUMN_TEXT);
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the capture summary");
        goto done;
    }
    if (f->source)
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":source"), f->source, -1,
                          SQLITE_TRANSIENT);
    for (size_t i = 0; i < CAPTURE_NMETRICS; i++) {
        char value[256];
        sqlite3_reset(stmt);
        sqlite3_bind_text(stmt, 1, capture_metrics[i].metric, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE)
            continue;
        if (rc != SQLITE_ROW) {
            err = store_fail(store, diag, "cannot read the capture summary");
            goto done;
        }
        if (i == 0) {
            size_t row = table_add_row(*out);
            table_set_text(*out, row, 0, "captures");
            snprintf(value, sizeof(value), "%d", sqlite3_column_int(stmt, 5));
            table_set_text(*out, row, 1, value);
        }
        switch (capture_metrics[i].how) {
        case CAPTURE_SUM:
            snprintf(value, sizeof(value), "%lld", (long long)sqlite3_column_int64(stmt, 1));
            break;
        case CAPTURE_MAX:
            snprintf(value, sizeof(value), "%lld", (long long)sqlite3_column_int64(stmt, 3));
            break;
        case CAPTURE_MIN_TIME:
            capture_format_time(sqlite3_column_double(stmt, 2), value, sizeof(value));
            break;
        case CAPTURE_MAX_TIME:
            capture_format_time(sqlite3_column_double(stmt, 3), value, sizeof(value));
            break;
        case CAPTURE_SECONDS:
            snprintf(value, sizeof(value), "%.6f", sqlite3_column_double(stmt, 1));
            break;
        case CAPTURE_LIST: {
            const unsigned char *text = sqlite3_column_text(stmt, 4);
            snprintf(value, sizeof(value), "%s", text ? (const char *)text : "");
            break;
        }
        }
        size_t row = table_add_row(*out);
        table_set_text(*out, row, 0, capture_metrics[i].metric);
        table_set_text(*out, row, 1, value);
    }

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    strbuf_release(&where);
    return err;
}

static int summary_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM capture_summary LIMIT 1");
}

const struct analysis analysis_capture_summary = {
    .name = "capture-summary",
    .title = "Captures: packets, bytes, time span, link types and protocols",
    .family = "capture",
    .filters = FILTER_SOURCE,
    .chart = { .kind = CHART_NONE, .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = summary_run,
    .run_clickhouse = clickhouse_capture_summary_run,
    .has_data = summary_has_data,
};
