/* scan_subnets.c: hosts with a port open per subnet: `subnets` (every subnet, by address),
 * `top-subnets` and `subnet-squares` (the N fullest, ties broken by address) and
 * `address-map` (every /24, drawn on a Hilbert curve). IPv4 subnets are counted from the
 * sorted integer addresses, IPv6 ones from the sorted 16-byte addresses. */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>

struct subnet {
    struct ip_addr net;         /* masked */
    int prefix;
    long long hosts;
};

struct subnet_list {
    struct subnet *items;
    size_t n, alloc;
};

static void subnet_push(struct subnet_list *list, const struct subnet *s)
{
    if (list->n == list->alloc) {
        list->alloc = list->alloc ? list->alloc * 2 : 256;
        list->items = xrealloc(list->items, list->alloc * sizeof(*list->items));
    }
    list->items[list->n++] = *s;
}

static int compare_address(const struct subnet *a, const struct subnet *b)
{
    if (a->net.family != b->net.family)
        return a->net.family - b->net.family;
    return memcmp(a->net.bytes, b->net.bytes, 16);
}

static int by_address(const void *pa, const void *pb)
{
    return compare_address(pa, pb);
}

static int by_hosts_then_address(const void *pa, const void *pb)
{
    const struct subnet *a = pa, *b = pb;
    if (a->hosts != b->hosts)
        return a->hosts < b->hosts ? 1 : -1;
    return compare_address(a, b);
}

static void mask(struct ip_addr *addr, int prefix)
{
    int bits = addr->family == 6 ? 128 : 32;
    for (int i = 0; i < bits / 8; i++) {
        int keep = prefix - i * 8;
        if (keep < 8)
            addr->bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

static void where_clause(const struct filters *f, struct strbuf *sql)
{
    strbuf_addstr(sql, " WHERE status = 'open'");
    filters_sql_ports(f, sql, "port", "proto");
    filters_sql_source(f, sql, "source_id");
}

static int by_value(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* One pass over the open IPv4 observations; the addresses are sorted and counted here,
 * which is several times faster than SQLite's GROUP BY with COUNT(DISTINCT) on millions
 * of rows. Memory: four bytes per matching observation while it runs. */
static enum tally_error collect_v4(struct store *store, const struct filters *f, int prefix,
                                   struct subnet_list *list, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    uint32_t *addrs = NULL;
    size_t n = 0, alloc = 0;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT ip4 FROM observation");
    where_clause(f, &sql);
    strbuf_addstr(&sql, " AND ip4 IS NOT NULL");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot count subnets");
        goto done;
    }
    filters_bind(stmt, f);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 4096;
            addrs = xrealloc(addrs, alloc * sizeof(*addrs));
        }
        addrs[n++] = (uint32_t)sqlite3_column_int64(stmt, 0);
    }
    if (rc != SQLITE_DONE) {
        err = store_fail(store, diag, "cannot count subnets");
        goto done;
    }
    if (n > 1)
        xqsort(addrs, n, sizeof(*addrs), by_value);
    uint32_t netmask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
    struct subnet current = { .prefix = prefix };
    uint32_t current_net = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && addrs[i] == addrs[i - 1])
            continue;
        uint32_t net = addrs[i] & netmask;
        if (current.hosts > 0 && net == current_net) {
            current.hosts++;
            continue;
        }
        if (current.hosts > 0)
            subnet_push(list, &current);
        current_net = net;
        ip_from_v4(net, &current.net);
        current.hosts = 1;
    }
    if (current.hosts > 0)
        subnet_push(list, &current);

done:
    free(addrs);
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

static enum tally_error collect_v6(struct store *store, const struct filters *f, int prefix,
                                   struct subnet_list *list, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    struct subnet current = { .prefix = prefix };
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT DISTINCT ip6 FROM observation");
    where_clause(f, &sql);
    strbuf_addstr(&sql, " AND ip6 IS NOT NULL ORDER BY ip6");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot count subnets");
        goto done;
    }
    filters_bind(stmt, f);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(stmt, 0) != 16)
            continue;
        struct ip_addr net = { .family = 6 };
        memcpy(net.bytes, sqlite3_column_blob(stmt, 0), 16);
        mask(&net, prefix);
        if (current.hosts > 0 && memcmp(net.bytes, current.net.bytes, 16) == 0) {
            current.hosts++;
            continue;
        }
        if (current.hosts > 0)
            subnet_push(list, &current);
        current.net = net;
        current.hosts = 1;
    }
    if (current.hosts > 0)
        subnet_push(list, &current);
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot count subnets");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* --prefix applies to IPv4 when 8..32 and to IPv6 when 16..128; IPv6 defaults to /64. */
static enum tally_error collect(struct store *store, const struct filters *f,
                                struct subnet_list *list, struct tally_diag *diag)
{
    int prefix = f->prefix ? f->prefix : 24;
    enum tally_error err = TALLY_OK;
    if (prefix >= 8 && prefix <= 32)
        err = collect_v4(store, f, prefix, list, diag);
    int prefix6 = f->prefix >= 16 ? f->prefix : 64;
    if (!err)
        err = collect_v6(store, f, prefix6, list, diag);
    return err;
}

static struct table *subnet_table(const char *name, const char *title,
                                  const struct subnet_list *list, size_t limit)
{
    struct table *t = table_new(name, title);
    table_add_column(t, "subnet", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    for (size_t i = 0; i < list->n && i < limit; i++) {
        char text[80];
        ip_format_prefix(&list->items[i].net, list->items[i].prefix, text, sizeof(text));
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, text);
        table_set_int(t, row, 1, list->items[i].hosts);
    }
    return t;
}

static char *port_title(const char *what, const struct filters *f)
{
    if (f->nports == 1)
        return xasprintf("%s with port %u/%s open", what, f->ports[0],
                         f->proto ? f->proto : "tcp");
    return xasprintf("%s with an open port", what);
}

static enum tally_error run_sorted(struct store *store, const struct filters *f,
                                   struct table **out, struct tally_diag *diag,
                                   const char *name, const char *what, int top)
{
    struct subnet_list list = { 0 };
    enum tally_error err = collect(store, f, &list, diag);
    if (!err) {
        char *title;
        size_t limit = list.n;
        if (top) {
            limit = (size_t)(f->top > 0 ? f->top : 10);
            xqsort(list.items, list.n, sizeof(*list.items), by_hosts_then_address);
            /* The count shown, not the one asked for: "Top 2" when there are two. */
            size_t shown = limit < list.n ? limit : list.n;
            char *lead = xasprintf("Top %zu %s", shown, what);
            title = port_title(lead, f);
            free(lead);
        } else {
            xqsort(list.items, list.n, sizeof(*list.items), by_address);
            title = port_title("Hosts per subnet", f);
        }
        *out = subnet_table(name, title, &list, limit);
        if (limit < list.n)
            (*out)->truncated = 1;
        free(title);
    }
    free(list.items);
    return err;
}

static enum tally_error subnets_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    return run_sorted(store, f, out, diag, "subnets", "subnets", 0);
}

static enum tally_error top_subnets_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    return run_sorted(store, f, out, diag, "top-subnets", "subnets", 1);
}

static enum tally_error subnet_squares_run(struct store *store, const struct filters *f,
                                           struct table **out, struct tally_diag *diag)
{
    return run_sorted(store, f, out, diag, "subnet-squares", "subnets with counts: hosts", 1);
}

static enum tally_error address_map_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct filters per24 = *f;
    struct subnet_list list = { 0 };
    per24.prefix = 24;
    enum tally_error err = collect_v4(store, &per24, 24, &list, diag);
    if (!err) {
        xqsort(list.items, list.n, sizeof(*list.items), by_address);
        char *title = port_title("Address map: hosts", f);
        *out = subnet_table("address-map", title, &list, list.n);
        free(title);
    }
    free(list.items);
    return err;
}

static int subnets_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM observation WHERE status = 'open' LIMIT 1");
}

static int address_map_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM observation WHERE status = 'open' "
                          "AND ip4 IS NOT NULL LIMIT 1");
}

#define SUBNET_FILTERS (FILTER_PORT | FILTER_PROTO | FILTER_PREFIX | FILTER_SOURCE)

const struct analysis analysis_subnets = {
    .name = "subnets",
    .title = "Hosts with a port open per subnet, by address",
    .family = "scan",
    .filters = SUBNET_FILTERS,
    .chart = { .kind = CHART_BAR, .x_title = "Subnet", .y_title = "Hosts",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = subnets_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_top_subnets = {
    .name = "top-subnets",
    .title = "The subnets with the most hosts with a port open (--top, default 10)",
    .family = "scan",
    .filters = SUBNET_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Subnet", .y_title = "Hosts",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = top_subnets_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_subnet_squares = {
    .name = "subnet-squares",
    .title = "The top subnets as squares sized by hosts",
    .family = "scan",
    .filters = SUBNET_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_TREEMAP, .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = subnet_squares_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_address_map = {
    .name = "address-map",
    .title = "Hosts per /24 on a Hilbert curve of the scanned space",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE,
    .chart = { .kind = CHART_ADDRESS_MAP, .category_col = 0, .series_col = -1,
               .value_col = 1 },
    .run = address_map_run,
    .has_data = address_map_has_data,
};
