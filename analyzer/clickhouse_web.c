/* clickhouse_web.c: the web analyses on a ClickHouse database (apps, stacks, app-stack,
 * services): each service's winning Server product, stack and banner type are picked in
 * ClickHouse from the header and banner rows of the selected imports, ranked as the SQLite
 * summaries rank them (store/store_web.c), and only the counts come back. */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>

/* " AND <the import is committed and selected> AND <ports, proto>" */
static void where_selected(struct strbuf *sql, const struct filters *f)
{
    strbuf_addstr(sql, " AND ");
    clickhouse_sql_selected(sql, f);
    clickhouse_sql_ports(sql, f);
}

/* Appends a subquery of one row per service (proto, port, addr) of the selection with its
 * app, stack and service (NULL: none). Every header and banner row is an answer of a kind
 * (0 app, 1 stack, 2 banner type) with a rank (r1, r2, r3), the lowest winning, then the
 * first value in byte order:
 * - app: the Server header seen last (an unknown seen after every known one);
 * - stack: X-Powered-By before X-AspNet-Version ('ASP.NET'), then the one seen last;
 * - banner type: http.server, title and html count as http, X509 and X509CA as ssl; a
 *   real name before 'unknown' before vulnerability notes and errors. */
static void add_winners(struct strbuf *sql, const struct filters *f)
{
    strbuf_addstr(sql,
        "(SELECT proto, port, addr, "
        "if(countIf(kind = 0) > 0, argMinIf(value, (r1, r2, r3, value), kind = 0), NULL) "
        "AS app, "
        "if(countIf(kind = 1) > 0, argMinIf(value, (r1, r2, r3, value), kind = 1), NULL) "
        "AS stack, "
        "if(countIf(kind = 2) > 0, argMinIf(value, (r1, r2, r3, value), kind = 2), NULL) "
        "AS service FROM ("
        "SELECT proto, port, addr, toUInt8(name != 'server') AS kind, "
        "if(name = 'x-aspnet-version', 'ASP.NET', product) AS value, "
        "toUInt8(name = 'x-aspnet-version') AS r1, toUInt8(isNull(seen)) AS r2, "
        "-ifNull(seen, toInt64(0)) AS r3 FROM http_header "
        "WHERE name IN ('server', 'x-powered-by', 'x-aspnet-version')");
    where_selected(sql, f);
    strbuf_addstr(sql,
        " UNION ALL "
        "SELECT proto, port, addr, toUInt8(2) AS kind, "
        "multiIf(service IN ('http.server', 'title', 'html'), 'http', "
        "service IN ('X509', 'X509CA'), 'ssl', service) AS value, "
        "toUInt8(multiIf(value IN ('vuln', 'heartbleed', 'ticketbleed', 'error'), 2, "
        "value = 'unknown', 1, 0)) AS r1, toUInt8(0) AS r2, toInt64(0) AS r3 "
        "FROM banner WHERE 1");
    where_selected(sql, f);
    strbuf_addstr(sql, ") GROUP BY proto, port, addr)");
}

static struct table *new_table(const char *name, const char *title, const char *first,
                               const char *second)
{
    struct table *t = table_new(name, title);
    table_add_column(t, first, COLUMN_TEXT);
    if (second)
        table_add_column(t, second, COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    return t;
}

/* Services per product of the column col ("app" or "stack"), most first; with --top, the
 * first N, the table marked truncated when more were left out. */
static enum tally_error run_products(struct store *store, const struct filters *f,
                                     const char *col, struct table *t, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT assumeNotNull(%s) AS product, count() AS services FROM ", col);
    add_winners(&sql, f);
    strbuf_addf(&sql, " WHERE %s IS NOT NULL GROUP BY product ORDER BY services DESC, "
                "product", col);
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top + 1);
    enum tally_error err = clickhouse_select(store, sql.buf, &rows,
                                             "cannot count the web services", diag);
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 2) {
        if (f->top > 0 && t->nrows == (size_t)f->top) {
            t->truncated = 1;
            break;
        }
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, rows.field[0] ? rows.field[0] : "");
        table_set_int(t, row, 1, rows.field[1] ? strtoll(rows.field[1], NULL, 10) : 0);
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

enum tally_error clickhouse_apps_run(struct store *store, const struct filters *f,
                                     struct table **out, struct tally_diag *diag)
{
    *out = new_table("apps", "Application servers (HTTP Server header)", "app", NULL);
    return run_products(store, f, "app", *out, diag);
}

enum tally_error clickhouse_stacks_run(struct store *store, const struct filters *f,
                                       struct table **out, struct tally_diag *diag)
{
    *out = new_table("stacks", "Application stacks (HTTP X-Powered-By header)", "stack", NULL);
    return run_products(store, f, "stack", *out, diag);
}

enum tally_error clickhouse_app_stack_run(struct store *store, const struct filters *f,
                                          struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    *out = new_table("app-stack", "Application server to application stack mapping", "app",
                     "stack");
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT ifNull(app, '(none)') AS app_name, ifNull(stack, '(none)') "
                  "AS stack_name, count() AS services FROM ");
    add_winners(&sql, f);
    strbuf_addstr(&sql, " WHERE app IS NOT NULL OR stack IS NOT NULL GROUP BY app_name, "
                  "stack_name ORDER BY services DESC, app_name, stack_name");
    enum tally_error err = clickhouse_query_into_table(store, sql.buf, *out, diag);
    strbuf_release(&sql);
    return err;
}

enum tally_error clickhouse_services_run(struct store *store, const struct filters *f,
                                         struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    *out = table_new("services", "Banner services by port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "service", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT port, assumeNotNull(service) AS name, count() AS services "
                  "FROM ");
    add_winners(&sql, f);
    strbuf_addstr(&sql, " WHERE service IS NOT NULL GROUP BY port, name "
                  "ORDER BY port, services DESC, name");
    enum tally_error err = clickhouse_query_into_table(store, sql.buf, *out, diag);
    strbuf_release(&sql);
    return err;
}
