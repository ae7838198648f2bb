/* web_apps.c: what runs on the scanned web services, from the HTTP headers and banners the
 * store kept: `apps` (services per Server product), `stacks` (per X-Powered-By product),
 * `app-stack` (per pair, for a Sankey diagram) and `services` (banner types per port).
 *
 * A service is one (addr, proto, port), counted once however many scans or banners saw it.
 * When its headers disagree (two scans, two X-Powered-By lines) the most recent wins, then
 * the first product by name. A service with X-AspNet-Version and no X-Powered-By has the
 * stack "ASP.NET"; one with a Server header and no stack has the stack "(none)". */
#include "analyzer/analyzer.h"

#include <stdlib.h>

#define NONE "'(none)'"

/* The http_header rows of the given names that the filters let through. */
static void header_where(const struct filters *f, struct strbuf *sql, const char *names)
{
    strbuf_addf(sql, " FROM http_header WHERE name IN (%s)", names);
    filters_sql_ports(f, sql, "port", "proto");
    filters_sql_source(f, sql, "source_id");
}

/* CTE "app(addr, proto, port, product)": one Server product per service. */
static void cte_app(const struct filters *f, struct strbuf *sql)
{
    strbuf_addstr(sql, "app AS (SELECT addr, proto, port, product FROM (SELECT addr, proto, "
                  "port, product, ROW_NUMBER() OVER (PARTITION BY addr, proto, port "
                  "ORDER BY seen DESC, product) AS n");
    header_where(f, sql, "'server'");
    strbuf_addstr(sql, ") WHERE n = 1)");
}

/* CTE "stack(addr, proto, port, product)": one stack per service, X-Powered-By first. */
static void cte_stack(const struct filters *f, struct strbuf *sql)
{
    strbuf_addstr(sql, "stack AS (SELECT addr, proto, port, value AS product FROM (SELECT "
                  "addr, proto, port, CASE name WHEN 'x-aspnet-version' THEN 'ASP.NET' ELSE "
                  "product END AS value, ROW_NUMBER() OVER (PARTITION BY addr, proto, port "
                  "ORDER BY name = 'x-aspnet-version', seen DESC, product) AS n");
    header_where(f, sql, "'x-powered-by', 'x-aspnet-version'");
    strbuf_addstr(sql, ") WHERE n = 1)");
}

/* Runs "grouped ORDER BY order [LIMIT top]" into t; marks t truncated when --top left
 * groups out. */
static enum tally_error run_grouped(struct store *store, const struct filters *f,
                                    const struct strbuf *grouped, const char *order,
                                    struct table *t, struct tally_diag *diag)
{
    struct strbuf sql;
    struct table *count = NULL;
    enum tally_error err;

    strbuf_init(&sql);
    strbuf_addf(&sql, "%s ORDER BY %s", grouped->buf, order);
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top);
    err = query_into_table(store, sql.buf, f, t, diag);
    if (err || f->top <= 0 || t->nrows < (size_t)f->top)
        goto done;
    count = table_new("count", "groups");
    table_add_column(count, "groups", COLUMN_INTEGER);
    strbuf_reset(&sql);
    strbuf_addf(&sql, "SELECT COUNT(*) FROM (%s)", grouped->buf);
    err = query_into_table(store, sql.buf, f, count, diag);
    if (!err && count->nrows == 1 && table_number(count, 0, 0) > (double)t->nrows)
        t->truncated = 1;

done:
    table_free(count);
    strbuf_release(&sql);
    return err;
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

/* Services per product of one CTE ("app" or "stack", which cte writes), most first. */
static enum tally_error run_products(struct store *store, const struct filters *f,
                                     void (*cte)(const struct filters *, struct strbuf *),
                                     const char *cte_name, struct table *t,
                                     struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err;

    strbuf_init(&sql);
    strbuf_addstr(&sql, "WITH ");
    cte(f, &sql);
    strbuf_addf(&sql, " SELECT product, COUNT(*) AS services FROM %s GROUP BY product",
                cte_name);
    err = run_grouped(store, f, &sql, "services DESC, product", t, diag);
    strbuf_release(&sql);
    return err;
}

static enum tally_error apps_run(struct store *store, const struct filters *f,
                                 struct table **out, struct tally_diag *diag)
{
    *out = new_table("apps", "Application servers (HTTP Server header)", "app", NULL);
    return run_products(store, f, cte_app, "app", *out, diag);
}

static enum tally_error stacks_run(struct store *store, const struct filters *f,
                                   struct table **out, struct tally_diag *diag)
{
    *out = new_table("stacks", "Application stacks (HTTP X-Powered-By header)", "stack", NULL);
    return run_products(store, f, cte_stack, "stack", *out, diag);
}

static enum tally_error app_stack_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err;

    strbuf_init(&sql);
    strbuf_addstr(&sql, "WITH ");
    cte_app(f, &sql);
    strbuf_addstr(&sql, ", ");
    cte_stack(f, &sql);
    strbuf_addstr(&sql, ", svc AS (SELECT addr, proto, port FROM app UNION "
                  "SELECT addr, proto, port FROM stack) "
                  "SELECT COALESCE(app.product, " NONE ") AS app_name, "
                  "COALESCE(stack.product, " NONE ") AS stack_name, COUNT(*) AS services "
                  "FROM svc LEFT JOIN app USING (addr, proto, port) "
                  "LEFT JOIN stack USING (addr, proto, port) "
                  "GROUP BY app_name, stack_name ORDER BY services DESC, app_name, stack_name");
    *out = new_table("app-stack", "Application server to application stack mapping", "app",
                     "stack");
    err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

/* One banner type per service: HTTP's extra banners count as http, certificates as ssl,
 * and a real protocol name beats "unknown", which beats vulnerability notes. */
static enum tally_error services_run(struct store *store, const struct filters *f,
                                     struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err;

    strbuf_init(&sql);
    strbuf_addstr(&sql, "WITH named AS (SELECT addr, proto, port, "
                  "CASE WHEN service IN ('http.server', 'title', 'html') THEN 'http' "
                  "WHEN service IN ('X509', 'X509CA') THEN 'ssl' ELSE service END AS name, "
                  "CASE WHEN service IN ('vuln', 'heartbleed', 'ticketbleed', 'error') THEN 2 "
                  "WHEN service = 'unknown' THEN 1 ELSE 0 END AS rank FROM banner WHERE 1");
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, "), one AS (SELECT port, name, ROW_NUMBER() OVER (PARTITION BY addr, "
                  "proto, port ORDER BY rank, name) AS n FROM named) "
                  "SELECT port, name, COUNT(*) AS services FROM one WHERE n = 1 "
                  "GROUP BY port, name ORDER BY port, services DESC, name");
    *out = table_new("services", "Banner services by port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "service", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

static int apps_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM http_header WHERE name = 'server' LIMIT 1");
}

static int stacks_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM http_header WHERE name IN ('x-powered-by', "
                          "'x-aspnet-version') LIMIT 1");
}

static int app_stack_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM http_header LIMIT 1");
}

static int services_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM banner LIMIT 1");
}

const struct analysis analysis_apps = {
    .name = "apps",
    .title = "Web services per application server (Server header product)",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Application server", .y_title = "Services",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = apps_run,
    .has_data = apps_has_data,
};

const struct analysis analysis_stacks = {
    .name = "stacks",
    .title = "Web services per application stack (X-Powered-By product)",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Application stack", .y_title = "Services",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = stacks_run,
    .has_data = stacks_has_data,
};

const struct analysis analysis_app_stack = {
    .name = "app-stack",
    .title = "Web services per application server and stack pair (Sankey)",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE,
    .chart = { .kind = CHART_SANKEY, .x_title = "Application server",
               .y_title = "Application stack", .category_col = 0, .series_col = 1,
               .value_col = 2 },
    .run = app_stack_run,
    .has_data = app_stack_has_data,
};

const struct analysis analysis_services = {
    .name = "services",
    .title = "Banner service types per port",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "Port", .y_title = "Services",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = services_run,
    .has_data = services_has_data,
};
