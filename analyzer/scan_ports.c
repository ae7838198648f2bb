/* scan_ports.c: the `ports` analysis: how many distinct hosts have each port open, read
 * from the host sets (store/store_hostset.c), not from the observation rows: a port one
 * import saw has its count written beside its set; a port several imports saw is counted
 * in the union of their sets; with --label, in a port's sets cut to the ranges of the
 * matching labels (analyzer/labels.c). */
#include "analyzer/labels.h"

#include <stdlib.h>
#include <string.h>

struct port_count {
    char *proto;
    unsigned port;
    long long hosts;
};

struct port_counts {
    struct port_count *items;
    size_t n, alloc;
};

static void port_counts_push(struct port_counts *pc, const char *proto, unsigned port,
                             long long hosts)
{
    if (pc->n == pc->alloc) {
        pc->alloc = pc->alloc ? pc->alloc * 2 : 64;
        pc->items = xrealloc(pc->items, pc->alloc * sizeof(*pc->items));
    }
    pc->items[pc->n++] = (struct port_count){ xstrdup(proto), port, hosts };
}

static void port_counts_release(struct port_counts *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->items[i].proto);
    free(pc->items);
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

/* The open host sets the filters select: SELECT select FROM host_set WHERE ... tail. */
static sqlite3_stmt *prepare(struct store *store, const struct filters *f, const char *select,
                             const char *tail)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    strbuf_init(&sql);
    strbuf_addstr(&sql, select);
    strbuf_addstr(&sql, " FROM host_set WHERE status = 'open'");
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, tail);
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK)
        filters_bind(stmt, f);
    strbuf_release(&sql);
    return stmt;
}

/* The open host sets of proto/port the filters select, of one family (4 or 6) or both (0):
 * SELECT select FROM host_set WHERE ... */
static sqlite3_stmt *prepare_port(struct store *store, const struct filters *f,
                                  const char *select, int family, const char *proto,
                                  unsigned port)
{
    static const char *const tails[] = {
        " AND proto = :set_proto AND port = :set_port",
        " AND family = 4 AND proto = :set_proto AND port = :set_port",
        " AND family = 6 AND proto = :set_proto AND port = :set_port",
    };
    sqlite3_stmt *stmt = prepare(store, f, select, tails[family == 4 ? 1 : family == 6 ? 2 : 0]);
    if (stmt) {
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":set_proto"), proto, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":set_port"), port);
    }
    return stmt;
}

/* Adds to set the hosts of the family (or both: 0) with proto/port open in the sets the
 * filters select, or with --cert those presenting a matching certificate there. */
static enum tally_error load_port(struct store *store, const struct filters *f, int family,
                                  const char *proto, unsigned port, struct hostset *set,
                                  struct tally_diag *diag)
{
    if (f->cert) {              /* scan_certs.c */
        struct filters one = *f;
        one.nports = 1;
        one.ports[0] = port;
        one.proto = proto;
        return cert_hosts_load(store, &one, family, set, diag);
    }
    enum tally_error err;
    sqlite3_stmt *stmt = prepare_port(store, f, "SELECT family, members", family, proto, port);
    if (!stmt)
        return store_fail(store, diag, "cannot count ports");
    err = hostset_add_rows(store, set, stmt, "cannot count ports", diag);
    sqlite3_finalize(stmt);
    return err;
}

/* The distinct hosts with proto/port open in the union of the sets the filters select,
 * those with a matching label only when lf is not NULL: then the IPv4 sets are counted
 * against the labels' ranges as they are read from the database, never loaded. */
static enum tally_error count_union(struct store *store, const struct filters *f,
                                    const struct label_filter *lf, const char *proto,
                                    unsigned port, long long *hosts, struct tally_diag *diag)
{
    struct hostset *set = hostset_new();
    int in_place = lf && !f->cert;
    enum tally_error err = load_port(store, f, in_place ? 6 : 0, proto, port, set, diag);
    if (!err && in_place) {
        sqlite3_stmt *stmt = prepare_port(store, f, "SELECT rowid", 4, proto, port);
        err = stmt ? label_filter_count_stored(lf, store, stmt, set, hosts, diag)
                   : store_fail(store, diag, "cannot count ports");
        sqlite3_finalize(stmt);
    } else if (!err) {
        *hosts = lf ? label_filter_count(lf, set) : hostset_count(set);
    }
    hostset_free(set);
    return err;
}

/* The --label filter, loaded with the hosts of the selection when it looks them up in the
 * location database; NULL without --label. */
static enum tally_error load_label_filter(struct store *store, const struct filters *f,
                                          struct label_filter **lf, struct tally_diag *diag)
{
    if (!label_filter_reads_location(store, f))
        return label_filter_load(store, f, NULL, lf, diag);
    if (!f->cert) {
        sqlite3_stmt *stmt = prepare(store, f, "SELECT family, members, hosts", "");
        enum tally_error err = stmt ? label_filter_load_selected(store, f, stmt,
                                                                 "cannot count ports", lf, diag)
                                    : store_fail(store, diag, "cannot count ports");
        sqlite3_finalize(stmt);
        return err;
    }
    struct hostset *hosts = hostset_new();
    enum tally_error err = cert_hosts_load(store, f, 0, hosts, diag);
    if (!err)
        err = label_filter_load(store, f, hosts, lf, diag);
    hostset_free(hosts);
    return err;
}

/* Hosts per (proto, port): the count written beside a port's one set, or that of the union
 * of its sets (several imports, or IPv4 and IPv6, or --label); ports left with no host
 * are left out. */
static enum tally_error count_ports(struct store *store, const struct filters *f,
                                    struct port_counts *pc, struct tally_diag *diag)
{
    struct label_filter *lf = NULL;
    enum tally_error err = load_label_filter(store, f, &lf, diag);
    int rc = SQLITE_DONE;
    sqlite3_stmt *stmt = NULL;
    if (err)
        return err;
    stmt = f->cert ? cert_ports_prepare(store, f)     /* scan_certs.c */
                   : prepare(store, f, "SELECT proto, port, COUNT(*), SUM(hosts)",
                             " GROUP BY proto, port");
    if (!stmt) {
        label_filter_free(lf);
        return store_fail(store, diag, "cannot count ports");
    }
    while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *proto = (const char *)sqlite3_column_text(stmt, 0);
        unsigned port = (unsigned)sqlite3_column_int64(stmt, 1);
        long long hosts = sqlite3_column_int64(stmt, 3);
        if (!proto)
            continue;
        if (lf || sqlite3_column_int64(stmt, 2) > 1)
            err = count_union(store, f, lf, proto, port, &hosts, diag);
        if (!err && hosts > 0)
            port_counts_push(pc, proto, port, hosts);
    }
    if (!err && rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot count ports");
    sqlite3_finalize(stmt);
    label_filter_free(lf);
    return err;
}

static enum tally_error ports_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct port_counts pc = { 0 };
    enum tally_error err = count_ports(store, f, &pc, diag);
    *out = table_new("ports", "Open ports: hosts per port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "proto", COLUMN_TEXT);
    table_add_column(*out, "hosts", COLUMN_INTEGER);
    if (!err) {
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
    return store_has_rows(store, "SELECT 1 FROM host_set WHERE status = 'open' LIMIT 1");
}

const struct analysis analysis_ports = {
    .name = "ports",
    .title = "Open ports: distinct hosts per port",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP | FILTER_CERT |
               FILTER_LABEL,
    .chart = { .kind = CHART_BAR, .x_title = "Port", .y_title = "Hosts with the port open",
               .category_col = 0, .series_col = -1, .value_col = 2 },
    .run = ports_run,
    .run_clickhouse = clickhouse_ports_run,
    .has_data = ports_has_data,
};
