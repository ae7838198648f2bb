/* scan_ports.c: the `ports` analysis: how many distinct hosts have each port open. */
#include "analyzer/analyzer.h"

#include <stdlib.h>

static enum tally_error ports_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT port, proto, COUNT(DISTINCT addr) AS hosts FROM observation "
                  "WHERE status = 'open'");
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " GROUP BY port, proto ORDER BY hosts DESC, port, proto");
    *out = table_new("ports", "Open ports: hosts per port");
    table_set_ungrouped(*out, table_add_column(*out, "port", COLUMN_INTEGER));
    table_add_column(*out, "proto", COLUMN_TEXT);
    table_add_column(*out, "hosts", COLUMN_INTEGER);
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top);
    enum tally_error err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

static int ports_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM observation WHERE status = 'open' LIMIT 1");
}

const struct analysis analysis_ports = {
    .name = "ports",
    .title = "Open ports: distinct hosts per port",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP,
    .chart = { .kind = CHART_BAR, .x_title = "Port", .y_title = "Hosts with the port open",
               .category_col = 0, .series_col = -1, .value_col = 2 },
    .run = ports_run,
    .has_data = ports_has_data,
};
