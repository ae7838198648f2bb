/* scan_ports.c: the `ports` analysis: how many distinct hosts have each port open. IPv4
 * hosts are counted from the sorted (protocol, port, address) keys of one pass over the
 * observations, several times faster than SQLite's COUNT(DISTINCT) on millions of rows;
 * other addresses (IPv6) are few and counted in SQL. */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>

#define PORTS_MAX_PROTOS 256    /* distinct proto names told apart in one run */

struct port_count {
    const char *proto;          /* one of port_counts.protos */
    unsigned port;
    long long hosts;
};

struct port_counts {
    struct port_count *items;
    size_t n, alloc;
    char *protos[PORTS_MAX_PROTOS];
    int nprotos;
};

/* Appends a count; the IPv4 and the other counts of one (proto, port) are added up by
 * port_counts_merge(). */
static void port_counts_push(struct port_counts *pc, const char *proto, unsigned port,
                             long long hosts)
{
    if (pc->n == pc->alloc) {
        pc->alloc = pc->alloc ? pc->alloc * 2 : 64;
        pc->items = xrealloc(pc->items, pc->alloc * sizeof(*pc->items));
    }
    pc->items[pc->n++] = (struct port_count){ proto, port, hosts };
}

/* The index of proto among the names seen so far, or -1 when too many were seen. */
static int proto_index(struct port_counts *pc, const char *proto)
{
    for (int i = 0; i < pc->nprotos; i++)
        if (strcmp(pc->protos[i], proto) == 0)
            return i;
    if (pc->nprotos == PORTS_MAX_PROTOS)
        return -1;
    pc->protos[pc->nprotos] = xstrdup(proto);
    return pc->nprotos++;
}

static void port_counts_release(struct port_counts *pc)
{
    free(pc->items);
    for (int i = 0; i < pc->nprotos; i++)
        free(pc->protos[i]);
}

static int by_key(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static int by_proto_then_port(const void *pa, const void *pb)
{
    const struct port_count *a = pa, *b = pb;
    if (a->proto != b->proto)               /* interned: the same name, the same pointer */
        return a->proto < b->proto ? -1 : 1;
    return (a->port > b->port) - (a->port < b->port);
}

/* Adds up the counts of each (proto, port): sorted, then neighbours folded. */
static void port_counts_merge(struct port_counts *pc)
{
    size_t out = 0;
    if (pc->n > 1)
        xqsort(pc->items, pc->n, sizeof(*pc->items), by_proto_then_port);
    for (size_t i = 0; i < pc->n; i++) {
        if (out > 0 && pc->items[out - 1].proto == pc->items[i].proto &&
            pc->items[out - 1].port == pc->items[i].port)
            pc->items[out - 1].hosts += pc->items[i].hosts;
        else
            pc->items[out++] = pc->items[i];
    }
    pc->n = out;
}

static int by_hosts_then_port(const void *pa, const void *pb)
{
    const struct port_count *a = pa, *b = pb;
    if (a->hosts != b->hosts)
        return a->hosts < b->hosts ? 1 : -1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return strcmp(a->proto, b->proto);
}

static sqlite3_stmt *prepare(struct store *store, const struct filters *f, const char *select,
                             const char *tail)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    strbuf_init(&sql);
    strbuf_addstr(&sql, select);
    strbuf_addstr(&sql, " FROM observation WHERE status = 'open'");
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, tail);
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK)
        filters_bind(stmt, f);
    strbuf_release(&sql);
    return stmt;
}

/* IPv4 hosts per (proto, port), from keys proto << 48 | port << 32 | address. */
static enum tally_error count_v4(struct store *store, const struct filters *f,
                                 struct port_counts *pc, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    uint64_t *keys = NULL;
    size_t n = 0, alloc = 0;
    int rc;
    sqlite3_stmt *stmt = prepare(store, f, "SELECT proto, port, ip4", " AND ip4 IS NOT NULL");
    if (!stmt) {
        err = store_fail(store, diag, "cannot count ports");
        goto done;
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int proto = proto_index(pc, (const char *)sqlite3_column_text(stmt, 0));
        if (proto < 0) {
            err = diag_set(diag, TALLY_ERROR_LIMIT, "more than %d protocol names in the "
                           "observations", PORTS_MAX_PROTOS);
            goto done;
        }
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 4096;
            keys = xrealloc(keys, alloc * sizeof(*keys));
        }
        keys[n++] = (uint64_t)proto << 48 | (uint64_t)(sqlite3_column_int(stmt, 1) & 0xffff) << 32 |
                    (uint32_t)sqlite3_column_int64(stmt, 2);
    }
    if (rc != SQLITE_DONE) {
        err = store_fail(store, diag, "cannot count ports");
        goto done;
    }
    if (n > 1)
        xqsort(keys, n, sizeof(*keys), by_key);
    for (size_t i = 0; i < n;) {
        uint64_t group = keys[i] >> 32;
        long long hosts = 0;
        for (; i < n && keys[i] >> 32 == group; i++)
            if (hosts == 0 || keys[i] != keys[i - 1])
                hosts++;
        port_counts_push(pc, pc->protos[group >> 16], (unsigned)(group & 0xffff), hosts);
    }

done:
    free(keys);
    sqlite3_finalize(stmt);
    return err;
}

static enum tally_error count_other(struct store *store, const struct filters *f,
                                    struct port_counts *pc, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    int rc;
    sqlite3_stmt *stmt = prepare(store, f, "SELECT proto, port, COUNT(DISTINCT addr)",
                                 " AND ip4 IS NULL GROUP BY proto, port");
    if (!stmt)
        return store_fail(store, diag, "cannot count ports");
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int proto = proto_index(pc, (const char *)sqlite3_column_text(stmt, 0));
        if (proto < 0) {
            err = diag_set(diag, TALLY_ERROR_LIMIT, "more than %d protocol names in the "
                           "observations", PORTS_MAX_PROTOS);
            break;
        }
        port_counts_push(pc, pc->protos[proto], (unsigned)sqlite3_column_int(stmt, 1),
                         sqlite3_column_int64(stmt, 2));
    }
    if (!err && rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot count ports");
    sqlite3_finalize(stmt);
    return err;
}

static enum tally_error ports_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct port_counts pc = { 0 };
    enum tally_error err = count_v4(store, f, &pc, diag);
    if (!err)
        err = count_other(store, f, &pc, diag);
    *out = table_new("ports", "Open ports: hosts per port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "proto", COLUMN_TEXT);
    table_add_column(*out, "hosts", COLUMN_INTEGER);
    if (!err) {
        port_counts_merge(&pc);
        if (pc.n > 1)
            xqsort(pc.items, pc.n, sizeof(*pc.items), by_hosts_then_port);
        for (size_t i = 0; i < pc.n && (f->top <= 0 || i < (size_t)f->top); i++) {
            size_t row = table_add_row(*out);
            table_set_int(*out, row, 0, pc.items[i].port);
            table_set_text(*out, row, 1, pc.items[i].proto);
            table_set_int(*out, row, 2, pc.items[i].hosts);
        }
    }
    port_counts_release(&pc);
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
