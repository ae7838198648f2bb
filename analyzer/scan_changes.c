/* scan_changes.c: what changed between two scans. `changes`: per subnet and port, the
 * services that appeared, disappeared, changed and were kept, counted from the host sets
 * (the two scans' sets compared subnet by subnet), for the subnets where a service
 * appeared, disappeared or changed; `changed-services`: each service open in both whose
 * Server product, X-Powered-By product or banner service changed, from the
 * imports' web summaries (store_web.h), their winners ranked across a side's imports as
 * the header and banner rows are, which are read only where a winner cannot tell. The scans
 * are --from and --to (an import's id or tag; a tag may name several imports), by default
 * the two most recent scan imports that share a port. Only the ports both scanned count.
 * With --label, only the hosts with a matching label (analyzer/labels.c) are compared.
 * This is the SQLite path; the choice of the sides and the tables are shared with the
 * ClickHouse one (analyzer/changes.h, analyzer/clickhouse_changes.c). */
#include "analyzer/changes.h"
#include "analyzer/labels.h"
#include "store/store_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_proto_port(const char *proto_a, unsigned port_a, const char *proto_b,
                              unsigned port_b)
{
    int c = strcmp(proto_a, proto_b);
    return c ? c : port_a < port_b ? -1 : port_a > port_b;
}

static int compare_port(const struct port_key *a, const struct port_key *b)
{
    return compare_proto_port(a->proto, a->port, b->proto, b->port);
}

/* A changed service's port against a compared one. */
static int compare_service_port(const struct changed_service *s, const struct port_key *p)
{
    return compare_proto_port(s->proto, s->port, p->proto, p->port);
}

static int compare_address(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family - b->family;
    return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16);
}

static void scan_list_release(struct scan_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].tag);
    }
    for (size_t i = 0; i < l->nports; i++)
        free(l->ports[i].proto);
    free(l->items);
    free(l->ports);
}

static void changed_list_release(struct changed_list *l)
{
    free(l->items);
    if (l->texts)
        g_hash_table_destroy(l->texts);
}

void changes_release(struct comparison *c)
{
    scan_list_release(&c->scans);
    free(c->from.in);
    free(c->to.in);
    free(c->ports);
    changed_list_release(&c->changed);
    label_filter_free(c->labels);
}

/* ---- the scans and the two sides ---- */

void changes_scan_add(struct scan_list *l, long long id, const char *path, const char *tag,
                      const char *proto, unsigned port)
{
    if (l->n == 0 || l->items[l->n - 1].id != id) {
        if (l->n == l->alloc) {
            l->alloc = l->alloc ? 2 * l->alloc : 16;
            l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
        }
        const char *base = path ? strrchr(path, '/') : NULL;
        l->items[l->n++] = (struct scan){
            .id = id, .name = xstrdup(base ? base + 1 : path ? path : "?"),
            .tag = tag ? xstrdup(tag) : NULL, .first_port = l->nports };
    }
    if (l->nports == l->allocports) {
        l->allocports = l->allocports ? 2 * l->allocports : 64;
        l->ports = xrealloc(l->ports, l->allocports * sizeof(*l->ports));
    }
    l->ports[l->nports++] = (struct port_key){ xstrdup(proto ? proto : "?"), port };
    l->items[l->n - 1].nports++;
}

/* How many imports have the id or tag given. */
static int imports_named(struct store *store, const char *given)
{
    sqlite3_stmt *stmt = NULL;
    int imports = 0;
    if (sqlite3_prepare_v2(store_db(store), "SELECT COUNT(*) FROM source WHERE "
                           "CAST(id AS TEXT) = ?1 OR tag = ?1", -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, given, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            imports = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return imports;
}

/* Every scan import with its ports, in import order. */
static enum tally_error load_scans(struct store *store, const struct filters *f,
                                   struct scan_list *l, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT h.source_id, s.path, s.tag, h.proto, h.port FROM host_set h "
                  "JOIN source s ON s.id = h.source_id WHERE 1");
    filters_sql_ports(f, &sql, "h.port", "h.proto");
    strbuf_addstr(&sql, " GROUP BY h.source_id, h.proto, h.port "
                  "ORDER BY h.source_id, h.proto, h.port");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the scans");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        changes_scan_add(l, sqlite3_column_int64(stmt, 0),
                         (const char *)sqlite3_column_text(stmt, 1),
                         (const char *)sqlite3_column_text(stmt, 2),
                         (const char *)sqlite3_column_text(stmt, 3),
                         (unsigned)sqlite3_column_int64(stmt, 4));
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the scans");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* Whether scan i scanned port p. */
static int scan_has_port(const struct scan_list *l, size_t i, const struct port_key *p)
{
    const struct scan *s = &l->items[i];
    for (size_t k = 0; k < s->nports; k++)
        if (compare_port(&l->ports[s->first_port + k], p) == 0)
            return 1;
    return 0;
}

/* Whether any scan of side a scanned a port some scan of side b did. */
static int sides_overlap(const struct scan_list *l, const char *a, const char *b)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!a[i])
            continue;
        const struct scan *s = &l->items[i];
        for (size_t k = 0; k < s->nports; k++)
            for (size_t j = 0; j < l->n; j++)
                if (b[j] && j != i && scan_has_port(l, j, &l->ports[s->first_port + k]))
                    return 1;
    }
    return 0;
}

/* Puts the scans an id or tag names on side s: a usage error when it names no import, or
 * only imports that hold no scan (of the ports asked). */
static enum tally_error side_resolve(struct store *store, const struct filters *f,
                                     struct comparison *c, struct side *s,
                                     struct tally_diag *diag)
{
    const struct scan_list *l = &c->scans;
    char *end;
    long long id = strtoll(s->given, &end, 10);
    int is_id = *s->given && *end == '\0';
    for (size_t i = 0; i < l->n; i++) {
        s->in[i] = (is_id && l->items[i].id == id) ||
                   (l->items[i].tag && strcmp(l->items[i].tag, s->given) == 0);
        s->count += (size_t)s->in[i];
    }
    if (s->count > 0)
        return TALLY_OK;
    int imports = c->imports_named(store, s->given);
    if (imports == 0)
        return diag_set(diag, TALLY_ERROR_USAGE, "%s %s: no import has that id or tag "
                        "(tally sources lists them)", s->option, s->given);
    return diag_set(diag, TALLY_ERROR_USAGE, "%s %s: %s no scan%s",
                    s->option, s->given, imports == 1 ? "that import holds" :
                    "those imports hold", f->nports || f->proto ? " of those asked" : "");
}

/* The other side, when only one was given: the most recent scan import not on side a
 * that shares a port with it, of those before `before` (a scan index) first. */
static int side_pick_other(const struct scan_list *l, const struct side *a, struct side *b,
                           size_t before)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = l->n; i-- > 0;) {
            if (a->in[i] || (pass == 0 && i >= before))
                continue;
            b->in[i] = 1;
            if (sides_overlap(l, a->in, b->in)) {
                b->count = 1;
                return 1;
            }
            b->in[i] = 0;
        }
    }
    return 0;
}

/* The two sides: as given, or the two most recent scan imports that share a port. */
static enum tally_error choose_sides(struct store *store, const struct filters *f,
                                     struct comparison *c, struct tally_diag *diag)
{
    const struct scan_list *l = &c->scans;
    const char *ports = f->nports || f->proto ? " of the ports asked" : "";
    enum tally_error err = TALLY_OK;
    c->from = (struct side){ "--from", f->from, xcalloc(l->n + 1, 1), 0 };
    c->to = (struct side){ "--to", f->to, xcalloc(l->n + 1, 1), 0 };
    if (!f->from && !f->to && l->n < 2)
        return diag_set(diag, TALLY_ERROR_USAGE, "changes compares two scans; the database "
                        "holds %zu scan import%s%s (tally sources lists the imports)", l->n,
                        l->n == 1 ? "" : "s", ports);
    if (f->from && (err = side_resolve(store, f, c, &c->from, diag)))
        return err;
    if (f->to && (err = side_resolve(store, f, c, &c->to, diag)))
        return err;
    for (size_t i = 0; i < l->n; i++)
        if (c->from.in[i] && c->to.in[i])
            return diag_set(diag, TALLY_ERROR_USAGE, "--from %s and --to %s both name "
                            "import %lld: name two different scans", f->from, f->to,
                            l->items[i].id);
    if (f->from && f->to) {
        if (!sides_overlap(l, c->from.in, c->to.in))
            return diag_set(diag, TALLY_ERROR_USAGE, "--from %s and --to %s share no port%s: "
                            "nothing to compare", f->from, f->to, ports);
        return TALLY_OK;
    }
    if (f->to || f->from) {
        struct side *given = f->to ? &c->to : &c->from, *other = f->to ? &c->from : &c->to;
        size_t first = l->n;
        for (size_t i = 0; i < l->n && first == l->n; i++)
            if (given->in[i])
                first = i;
        if (!side_pick_other(l, given, other, f->to ? first : l->n))
            return diag_set(diag, TALLY_ERROR_USAGE, "%s %s: no other scan import shares a "
                            "port%s with it: nothing to compare", given->option,
                            given->given, ports);
        return TALLY_OK;
    }
    for (size_t t = l->n; t-- > 1;) {
        memset(c->to.in, 0, l->n);
        c->to.in[t] = 1;
        c->to.count = 1;
        if (side_pick_other(l, &c->to, &c->from, t))
            return TALLY_OK;
    }
    return diag_set(diag, TALLY_ERROR_USAGE, "no two of the %zu scan imports share a port%s: "
                    "nothing to compare (name them with --from and --to)", l->n, ports);
}

static int by_port(const void *pa, const void *pb)
{
    return compare_port(pa, pb);
}

/* The ports both sides scanned. */
static void shared_ports(struct comparison *c)
{
    const struct scan_list *l = &c->scans;
    c->ports = xcalloc(l->nports + 1, sizeof(*c->ports));
    for (size_t i = 0; i < l->n; i++) {
        if (!c->from.in[i])
            continue;
        for (size_t k = 0; k < l->items[i].nports; k++) {
            const struct port_key *p = &l->ports[l->items[i].first_port + k];
            int shared = 0;
            for (size_t j = 0; j < l->n && !shared; j++)
                shared = c->to.in[j] && scan_has_port(l, j, p);
            for (size_t n = 0; n < c->nports && shared; n++)
                shared = compare_port(&c->ports[n], p) != 0;
            if (shared)
                c->ports[c->nports++] = *p;    /* the names stay the scan list's */
        }
    }
    if (c->nports > 1)
        xqsort(c->ports, c->nports, sizeof(*c->ports), by_port);
}

enum tally_error changes_choose(struct store *store, const struct filters *f,
                                struct comparison *c, struct tally_diag *diag)
{
    enum tally_error err = choose_sides(store, f, c, diag);
    if (!err)
        shared_ports(c);
    return err;
}

size_t changes_port_index(const struct comparison *c, const char *proto, unsigned port)
{
    size_t i = 0;
    while (i < c->nports && (c->ports[i].port != port || strcmp(c->ports[i].proto, proto) != 0))
        i++;
    return i;
}

void changes_side_ids(const struct comparison *c, const struct side *s, struct strbuf *out)
{
    int first = 1;
    for (size_t i = 0; i < c->scans.n; i++)
        if (s->in[i]) {
            strbuf_addf(out, "%s%lld", first ? "" : ",", c->scans.items[i].id);
            first = 0;
        }
}

/* "scan.oL (source 1)", "tag aws (sources 1, 2)", "sources 1, 2 and 3". */
static void side_describe(const struct comparison *c, const struct side *s,
                          struct strbuf *out)
{
    const struct scan_list *l = &c->scans;
    size_t shown = 0;
    if (s->count == 1) {
        for (size_t i = 0; i < l->n; i++)
            if (s->in[i])
                strbuf_addf(out, "%s (source %lld)", l->items[i].name, l->items[i].id);
        return;
    }
    int tag = 1;
    for (size_t i = 0; i < l->n; i++)
        if (s->in[i] && !(l->items[i].tag && s->given && strcmp(l->items[i].tag, s->given) == 0))
            tag = 0;
    strbuf_addf(out, tag ? "tag %s (sources " : "%ssources ", tag ? s->given : "");
    for (size_t i = 0; i < l->n; i++) {
        if (!s->in[i])
            continue;
        shown++;
        if (shown > 1)
            strbuf_addstr(out, shown == s->count ? " and " : ", ");
        strbuf_addf(out, "%lld", l->items[i].id);
    }
    if (tag)
        strbuf_addch(out, ')');
}

/* "/24 subnets with a change, port 443/tcp, from scan1.oL (source 1) to scan2.oL
 * (source 2)". */
static char *comparison_describe(const struct comparison *c, const struct filters *f,
                                 int with_prefix)
{
    struct strbuf sb;
    strbuf_init(&sb);
    if (with_prefix)
        strbuf_addf(&sb, "/%d subnets with a change, ", f->prefix ? f->prefix : 24);
    if (c->nports == 1)
        strbuf_addf(&sb, "port %u/%s, ", c->ports[0].port, c->ports[0].proto);
    else
        strbuf_addf(&sb, "%zu ports, ", c->nports);
    strbuf_addstr(&sb, "from ");
    side_describe(c, &c->from, &sb);
    strbuf_addstr(&sb, " to ");
    side_describe(c, &c->to, &sb);
    if (f->label)
        strbuf_addf(&sb, ", label %s", f->label);
    return strbuf_detach(&sb);
}

/* ---- the services that changed ---- */

enum field { FIELD_SERVER, FIELD_STACK, FIELD_SERVICE, FIELD_COUNT };
static const char *const field_names[FIELD_COUNT] = { "server", "stack", "service" };

/* The value one side gives a field of one service: the best ranked (lowest rank), then
 * the most recent, then the first by name. */
struct pick {
    int have, rank;
    long long seen;
    char *value;
};

/* One service's rows, as they are read. */
struct service_rows {
    struct ip_addr addr;
    char *host, *proto;
    unsigned port;
    int compared;               /* a port both sides scanned */
    struct pick pick[2][FIELD_COUNT];   /* by side (0 from, 1 to), then field */
};

static void pick_offer(struct pick *p, int rank, long long seen, const char *value)
{
    if (!value)
        return;
    if (p->have && (rank > p->rank || (rank == p->rank && (seen < p->seen ||
                                                           (seen == p->seen &&
                                                            strcmp(value, p->value) >= 0)))))
        return;
    free(p->value);
    *p = (struct pick){ 1, rank, seen, xstrdup(value) };
}

/* Records the fields both sides gave and that differ, then forgets the service. */
static void service_done(struct service_rows *sr, struct changed_list *l)
{
    for (int k = 0; k < FIELD_COUNT; k++) {
        const struct pick *a = &sr->pick[0][k], *b = &sr->pick[1][k];
        if (sr->compared && a->have && b->have && strcmp(a->value, b->value) != 0)
            changes_add_changed(l, &sr->addr, sr->proto, sr->port, field_names[k], a->value,
                                b->value);
    }
    for (int side = 0; side < 2; side++)
        for (int k = 0; k < FIELD_COUNT; k++)
            free(sr->pick[side][k].value);
    free(sr->host);
    free(sr->proto);
    memset(sr, 0, sizeof(*sr));
}

/* Whether the row (addr, proto, port in columns 1, 4, 5) belongs to the service being
 * read; when not, that one is done and sr starts the row's. */
static void service_row(struct service_rows *sr, const struct comparison *c,
                        sqlite3_stmt *stmt, struct changed_list *l)
{
    const char *host = (const char *)sqlite3_column_text(stmt, 1);
    const char *proto = (const char *)sqlite3_column_text(stmt, 4);
    unsigned port = (unsigned)sqlite3_column_int64(stmt, 5);
    if (!host || !proto)
        return;
    if (sr->host && sr->port == port && strcmp(sr->host, host) == 0 &&
        strcmp(sr->proto, proto) == 0)
        return;
    if (sr->host)
        service_done(sr, l);
    sr->host = xstrdup(host);
    sr->proto = xstrdup(proto);
    sr->port = port;
    sr->addr = (struct ip_addr){ .family = 6 };
    if (sqlite3_column_type(stmt, 2) == SQLITE_INTEGER)
        ip_from_v4((uint32_t)sqlite3_column_int64(stmt, 2), &sr->addr);
    else if (sqlite3_column_bytes(stmt, 3) == 16)
        memcpy(sr->addr.bytes, sqlite3_column_blob(stmt, 3), 16);
    else
        return;
    struct port_key key = { sr->proto, port };
    for (size_t i = 0; i < c->nports && !sr->compared; i++)
        sr->compared = compare_port(&c->ports[i], &key) == 0;
}

/* The side of an import (1: --to), by its id. */
static int side_of(const struct comparison *c, long long id)
{
    for (size_t i = 0; i < c->scans.n; i++)
        if (c->scans.items[i].id == id)
            return c->to.in[i];
    return 0;
}

static int by_address_port_field(const void *pa, const void *pb)
{
    const struct changed_service *a = pa, *b = pb;
    int k = compare_address(&a->addr, &b->addr);
    if (k == 0)
        k = compare_proto_port(a->proto, a->port, b->proto, b->port);
    return k ? k : strcmp(a->field, b->field);
}

/* The list's copy of a text, made the first time it is named. */
static const char *changed_text(struct changed_list *l, const char *text)
{
    char *kept;
    if (!l->texts)
        l->texts = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    kept = g_hash_table_lookup(l->texts, text);
    if (!kept) {
        kept = xstrdup(text);
        g_hash_table_add(l->texts, kept);
    }
    return kept;
}

void changes_add_changed(struct changed_list *l, const struct ip_addr *addr,
                         const char *proto, unsigned port, const char *field,
                         const char *before, const char *after)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 64;
        l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
    }
    l->items[l->n++] = (struct changed_service){
        .addr = *addr, .proto = changed_text(l, proto), .field = changed_text(l, field),
        .before = changed_text(l, before), .after = changed_text(l, after), .port = port };
}

void changes_sort_changed(struct changed_list *l)
{
    if (l->n > 1)
        xqsort(l->items, l->n, sizeof(*l->items), by_address_port_field);
}

/* Reads the rows a query gives (source_id, addr, ip4, ip6, proto, port, then what
 * offer() reads), a service's rows together, into the changed list. */
static enum tally_error read_services(struct store *store, const struct filters *f,
                                      struct comparison *c, const char *sql,
                                      void (*offer)(struct service_rows *, int side,
                                                    sqlite3_stmt *),
                                      struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    struct service_rows sr = { 0 };
    int rc;
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot compare the services");
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        service_row(&sr, c, stmt, &c->changed);
        if (sr.host)
            offer(&sr, side_of(c, sqlite3_column_int64(stmt, 0)), stmt);
    }
    service_done(&sr, &c->changed);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? TALLY_OK : store_fail(store, diag, "cannot compare the services");
}

/* An http_header row (name, product, seen): the Server product, and the stack as `stacks`
 * reads it: X-Powered-By, else "ASP.NET" for X-AspNet-Version, else "(none)" behind a
 * Server header. */
static void offer_header(struct service_rows *sr, int side, sqlite3_stmt *stmt)
{
    const char *name = (const char *)sqlite3_column_text(stmt, 6);
    const char *product = (const char *)sqlite3_column_text(stmt, 7);
    long long seen = sqlite3_column_int64(stmt, 8);
    if (!name)
        return;
    if (strcmp(name, "server") == 0) {
        pick_offer(&sr->pick[side][FIELD_SERVER], 0, seen, product);
        pick_offer(&sr->pick[side][FIELD_STACK], 2, seen, "(none)");
    } else if (strcmp(name, "x-aspnet-version") == 0) {
        pick_offer(&sr->pick[side][FIELD_STACK], 1, seen, "ASP.NET");
    } else {
        pick_offer(&sr->pick[side][FIELD_STACK], 0, seen, product);
    }
}

/* A banner type's rank: a protocol name beats "unknown", which beats notes. */
static int service_rank(const char *service)
{
    /* By its first letter, the one name it could be: it runs once per service. */
    switch (service[0]) {
    case 'v': return strcmp(service, "vuln") == 0 ? 2 : 0;
    case 'h': return strcmp(service, "heartbleed") == 0 ? 2 : 0;
    case 't': return strcmp(service, "ticketbleed") == 0 ? 2 : 0;
    case 'e': return strcmp(service, "error") == 0 ? 2 : 0;
    case 'u': return strcmp(service, "unknown") == 0 ? 1 : 0;
    default: return 0;
    }
}

/* A banner row (service): its type as `services` reads it: HTTP's extra banners are
 * http, certificates ssl, and a protocol name beats "unknown", which beats notes. */
static void offer_banner(struct service_rows *sr, int side, sqlite3_stmt *stmt)
{
    static const char *const http[] = { "http.server", "title", "html", NULL };
    static const char *const ssl[] = { "X509", "X509CA", NULL };
    const char *service = (const char *)sqlite3_column_text(stmt, 6);
    if (!service)
        return;
    for (int i = 0; http[i]; i++)
        if (strcmp(service, http[i]) == 0)
            service = "http";
    for (int i = 0; ssl[i]; i++)
        if (strcmp(service, ssl[i]) == 0)
            service = "ssl";
    pick_offer(&sr->pick[side][FIELD_SERVICE], service_rank(service), 0, service);
}

/* The rows of the two sides at port p ranked as `apps`, `stacks` and `services` rank
 * them: the way for the case the imports' winners cannot decide (see changed_at_port). */
static enum tally_error rank_rows(struct store *store, const struct filters *f,
                                  struct comparison *c, const struct port_key *p,
                                  struct tally_diag *diag)
{
    struct strbuf sql, ids;
    enum tally_error err;
    char *where = sqlite3_mprintf(" AND proto = %Q AND port = %u", p->proto, p->port);
    strbuf_init(&sql);
    strbuf_init(&ids);
    changes_side_ids(c, &c->from, &ids);
    strbuf_addch(&ids, ',');
    changes_side_ids(c, &c->to, &ids);
    /* By the address as numbers: sorting them is quicker than sorting its text. */
    strbuf_addf(&sql, "SELECT source_id, addr, ip4, ip6, proto, port, name, product, seen "
                "FROM http_header WHERE source_id IN (%s) AND name IN ('server', "
                "'x-powered-by', 'x-aspnet-version')%s", ids.buf, where ? where : "");
    filters_sql_ports(f, &sql, "port", "proto");
    strbuf_addstr(&sql, " ORDER BY ip4, ip6, proto, port");
    err = read_services(store, f, c, sql.buf, offer_header, diag);
    strbuf_reset(&sql);
    strbuf_addf(&sql, "SELECT source_id, addr, ip4, ip6, proto, port, service FROM banner "
                "WHERE source_id IN (%s)%s", ids.buf, where ? where : "");
    filters_sql_ports(f, &sql, "port", "proto");
    strbuf_addstr(&sql, " ORDER BY ip4, ip6, proto, port");
    if (!err)
        err = read_services(store, f, c, sql.buf, offer_banner, diag);
    sqlite3_free(where);
    strbuf_release(&sql);
    strbuf_release(&ids);
    return err;
}

/* A side's value of a field from the imports' winners, ranked as pick_offer ranks. */
struct choice {
    int have, rank;
    long long seen;
    const char *value;          /* the winners' */
};

static void choose(struct choice *ch, int rank, long long seen, const char *value)
{
    if (ch->have && (rank > ch->rank || (rank == ch->rank && (seen < ch->seen ||
                                                              (seen == ch->seen &&
                                                               strcmp(value, ch->value) >= 0)))))
        return;
    *ch = (struct choice){ 1, rank, seen, value };
}

/* An import's winner offered to its side as its rows were (offer_header, offer_banner):
 * an unknown seen counts as 0, as SQL's NULL read as a number is. */
static void choose_winner(struct choice ch[FIELD_COUNT], const struct web_winner *w)
{
    long long app_seen = w->has_app_seen ? w->app_seen : 0;
    if (w->app) {
        choose(&ch[FIELD_SERVER], 0, app_seen, w->app);
        choose(&ch[FIELD_STACK], 2, app_seen, "(none)");
    }
    if (w->stack)
        choose(&ch[FIELD_STACK], w->stack_aspnet ? 1 : 0,
               w->has_stack_seen ? w->stack_seen : 0, w->stack);
    if (w->service)
        choose(&ch[FIELD_SERVICE], service_rank(w->service), 0, w->service);
}

/* Whether a winner ranks as its import's rows would: an import picks a known seen before
 * an unknown one, which the rows' ranking reads as 0, so a known seen of 0 or less may
 * have won where a row with none would. */
static int winner_decides(const struct web_winner *w)
{
    return !(w->app && w->has_app_seen && w->app_seen <= 0) &&
           !(w->stack && w->has_stack_seen && w->stack_seen <= 0);
}

/* The changed services at port p from the winners of the sides' imports (web_winner),
 * merged by address as they are read; when a winner cannot decide, those are dropped and
 * the changes come from the rows (rank_rows). */
static enum tally_error changed_at_port(struct store *store, const struct filters *f,
                                        struct comparison *c, const struct port_key *p,
                                        struct tally_diag *diag)
{
    const struct scan_list *l = &c->scans;
    struct web_winners **w = xcalloc(l->n + 1, sizeof(*w));
    struct web_winner *head = xcalloc(l->n + 1, sizeof(*head));
    int *has = xcalloc(l->n + 1, sizeof(*has));
    size_t listed = c->changed.n;
    enum tally_error err = TALLY_OK;
    int decided = 1;
    for (size_t i = 0; i < l->n && !err; i++) {
        if (!c->from.in[i] && !c->to.in[i])
            continue;
        err = web_winners_load(store, l->items[i].id, p->proto, p->port, &w[i], diag);
        if (!err)
            err = web_winners_next(w[i], &head[i], &has[i], diag);
        if (!err && has[i])
            decided = decided && winner_decides(&head[i]);
    }
    while (!err && decided) {
        const struct ip_addr *addr = NULL;
        struct choice ch[2][FIELD_COUNT] = { 0 };
        for (size_t i = 0; i < l->n; i++)
            if (has[i] && (!addr || compare_address(&head[i].addr, addr) < 0))
                addr = &head[i].addr;
        if (!addr)
            break;
        struct ip_addr at = *addr;
        for (size_t i = 0; i < l->n && !err; i++) {
            if (!has[i] || compare_address(&head[i].addr, &at) != 0)
                continue;
            choose_winner(ch[c->to.in[i] ? 1 : 0], &head[i]);
            err = web_winners_next(w[i], &head[i], &has[i], diag);
            if (!err && has[i])
                decided = decided && winner_decides(&head[i]);
        }
        for (int k = 0; k < FIELD_COUNT && !err; k++) {
            const struct choice *a = &ch[0][k], *b = &ch[1][k];
            if (!a->have || !b->have || strcmp(a->value, b->value) == 0)
                continue;
            changes_add_changed(&c->changed, &at, p->proto, p->port, field_names[k],
                                a->value, b->value);
        }
    }
    for (size_t i = 0; i < l->n; i++)
        web_winners_free(w[i]);
    if (!err && !decided) {
        c->changed.n = listed;
        err = rank_rows(store, f, c, p, diag);
    }
    free(w);
    free(head);
    free(has);
    return err;
}

/* The services open in both scans (of the ports compared) whose Server product, stack or
 * banner service differ, a field compared only when both scans saw it: per port, the
 * sides' imports' winners merged. By port, then by address as a rule (changes_sort_changed
 * puts them in the order changed-services lists them). */
static enum tally_error load_changed(struct store *store, const struct filters *f,
                                     struct comparison *c, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    for (size_t i = 0; i < c->nports && !err; i++)
        err = changed_at_port(store, f, c, &c->ports[i], diag);
    return err;
}

/* Leaves out the changed services of hosts without a matching label. */
static void keep_labelled(struct comparison *c)
{
    struct changed_list *l = &c->changed;
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct changed_service *s = &l->items[i];
        if (label_filter_has(c->labels, &s->addr))
            l->items[kept++] = *s;
    }
    l->n = kept;
}

/* The --label filter, loaded with the hosts of the two sides when it looks them up in
 * the location database. */
static enum tally_error load_labels(struct store *store, const struct filters *f,
                                    struct comparison *c, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err;
    if (!label_filter_reads_location(store, f))
        return label_filter_load(store, f, NULL, &c->labels, diag);
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT family, members, hosts FROM host_set WHERE status = 'open' "
                  "AND source_id IN (");
    changes_side_ids(c, &c->from, &sql);
    strbuf_addch(&sql, ',');
    changes_side_ids(c, &c->to, &sql);
    strbuf_addch(&sql, ')');
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK)
        err = label_filter_load_selected(store, f, stmt, "cannot compare the scans",
                                         &c->labels, diag);
    else
        err = store_fail(store, diag, "cannot compare the scans");
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* Everything both analyses need: the sides, the ports they share, the changed services
 * (with --label, of the hosts with a matching label). */
static enum tally_error compare_scans(struct store *store, const struct filters *f,
                                      struct comparison *c, struct tally_diag *diag)
{
    enum tally_error err = load_scans(store, f, &c->scans, diag);
    c->imports_named = imports_named;
    if (!err)
        err = changes_choose(store, f, c, diag);
    if (!err)
        err = load_changed(store, f, c, diag);
    if (!err && f->label)
        err = load_labels(store, f, c, diag);
    if (!err && c->labels)
        keep_labelled(c);
    return err;
}

/* ---- changes per subnet ---- */

static int by_service(const void *pa, const void *pb)
{
    const struct changed_service *a = pa, *b = pb;
    int k = compare_proto_port(a->proto, a->port, b->proto, b->port);
    return k ? k : compare_address(&a->addr, &b->addr);
}

/* Whether addr lies in net/prefix. */
static int in_subnet(const struct ip_addr *addr, const struct ip_addr *net, int prefix)
{
    if (addr->family != net->family)
        return 0;
    for (int i = 0; i < 16 && prefix > 0; i++, prefix -= 8) {
        uint8_t mask = prefix >= 8 ? 0xff : (uint8_t)(0xff << (8 - prefix));
        if ((addr->bytes[i] & mask) != net->bytes[i])
            return 0;
    }
    return 1;
}

/* hostset_compare_fn: one subnet of the port being compared, with the changed services
 * in it (they come by address, as the subnets do). */
static void subnet_compared(void *arg, const struct ip_addr *net, long long only_from,
                            long long only_to, long long both)
{
    struct change_rows *rows = arg;
    uint32_t changed = 0;
    while (rows->next < rows->nchanged &&
           compare_address(&rows->changed[rows->next].addr, net) < 0 &&
           !in_subnet(&rows->changed[rows->next].addr, net, rows->prefix))
        rows->next++;
    while (rows->next < rows->nchanged &&
           in_subnet(&rows->changed[rows->next].addr, net, rows->prefix)) {
        const struct changed_service *s = &rows->changed[rows->next++];
        /* A service with several fields changed counts once. */
        if (rows->next == 1 || compare_address(&s[-1].addr, &s->addr) != 0)
            changed++;
    }
    if (only_from == 0 && only_to == 0 && changed == 0)
        return;                 /* nothing changed in it (most subnets): not listed */
    struct change_row row = { .net = *net, .prefix = rows->prefix,
                              .port = (uint32_t)rows->port, .appeared = (uint32_t)only_to,
                              .disappeared = (uint32_t)only_from, .both = (uint32_t)both,
                              .changed = changed < (uint32_t)both ? changed : (uint32_t)both };
    if (rows->n == rows->alloc) {
        rows->alloc = rows->alloc ? 2 * rows->alloc : 1024;
        rows->items = xrealloc(rows->items, rows->alloc * sizeof(*rows->items));
    }
    rows->items[rows->n++] = row;
}

/* The host set of one side for one port. */
/* The open host sets of one side and port, of one family (4 or 6) or both (0):
 * SELECT columns FROM host_set ... ; NULL when SQLite fails. */
static sqlite3_stmt *side_sets(struct store *store, const struct comparison *c,
                               const struct side *s, const struct port_key *p,
                               const char *columns, int family)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT %s FROM host_set WHERE status = 'open' AND proto = ? AND "
                "port = ?", columns);
    if (family)
        strbuf_addf(&sql, " AND family = %d", family);
    strbuf_addstr(&sql, " AND source_id IN (");
    changes_side_ids(c, s, &sql);
    strbuf_addch(&sql, ')');
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, p->proto, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, p->port);
    }
    strbuf_release(&sql);
    return stmt;
}

static enum tally_error load_side_set(struct store *store, const struct comparison *c,
                                      const struct side *s, const struct port_key *p,
                                      int family, struct hostset *set,
                                      struct tally_diag *diag)
{
    sqlite3_stmt *stmt = side_sets(store, c, s, p, "family, members", family);
    enum tally_error err = stmt ? hostset_add_rows(store, set, stmt, "cannot compare the scans",
                                                   diag)
                                : store_fail(store, diag, "cannot compare the scans");
    sqlite3_finalize(stmt);
    return err;
}

/* The sides' IPv4 sets of one port compared subnet by subnet, read in place. */
static enum tally_error compare_stored4(struct store *store, const struct comparison *c,
                                        const struct port_key *p, int prefix,
                                        struct change_rows *rows, struct tally_diag *diag)
{
    sqlite3_stmt *from = side_sets(store, c, &c->from, p, "rowid", 4);
    sqlite3_stmt *to = side_sets(store, c, &c->to, p, "rowid", 4);
    enum tally_error err = from && to
        ? hostset_stored_compare_subnets4(store, from, to, prefix, subnet_compared, rows,
                                          "cannot compare the scans", diag)
        : store_fail(store, diag, "cannot compare the scans");
    sqlite3_finalize(from);
    sqlite3_finalize(to);
    return err;
}

/* The order of the rows: most change first (appeared, disappeared and changed services),
 * then IPv4 before IPv6; rows that tie keep the order they come in, by port and then by
 * subnet. */
static uint32_t *order_by_change(const struct change_rows *rows)
{
    uint64_t *key = xmalloc((rows->n ? rows->n : 1) * sizeof(*key));
    for (size_t i = 0; i < rows->n; i++) {
        const struct change_row *r = &rows->items[i];
        uint64_t change = (uint64_t)r->appeared + r->disappeared + r->changed;
        if (change > UINT32_MAX)
            change = UINT32_MAX;
        key[i] = (UINT32_MAX - change) << 1 | (r->net.family == 6);
    }
    uint32_t *order = order_by_key(key, rows->n);
    free(key);
    return order;
}

/* Per port both sides scanned, its subnets compared: IPv4 at --prefix when 8..32, IPv6 at
 * --prefix when 16..128, else /64 (as `subnets` counts them). */
static enum tally_error count_changes(struct store *store, const struct filters *f,
                                      struct comparison *c, struct change_rows *rows,
                                      struct tally_diag *diag)
{
    int prefix = f->prefix ? f->prefix : 24;
    int prefix6 = f->prefix >= 16 ? f->prefix : 64;
    int with4 = prefix >= 8 && prefix <= 32;
    enum tally_error err = TALLY_OK;
    struct changed_service *changed = xmalloc((c->changed.n + 1) * sizeof(*changed));
    size_t first = 0;
    if (c->changed.n > 0)
        memcpy(changed, c->changed.items, c->changed.n * sizeof(*changed));
    /* They come by port and address already, but for those ranked from the rows. */
    size_t sorted = 1;
    while (sorted < c->changed.n && by_service(&changed[sorted - 1], &changed[sorted]) <= 0)
        sorted++;
    if (sorted < c->changed.n)
        xqsort(changed, c->changed.n, sizeof(*changed), by_service);
    for (size_t i = 0; i < c->nports && !err; i++) {
        struct hostset *from = hostset_new(), *to = hostset_new();
        const struct port_key *p = &c->ports[i];
        size_t n = 0;
        while (first < c->changed.n && compare_service_port(&changed[first], p) < 0)
            first++;
        while (first + n < c->changed.n && compare_service_port(&changed[first + n], p) == 0)
            n++;
        rows->port = i;
        rows->changed = changed + first;
        rows->nchanged = n;
        rows->next = 0;
        /* Without --label, which cuts the sets, IPv4 is compared as it is read. */
        int in_place = !c->labels;
        err = load_side_set(store, c, &c->from, p, in_place ? 6 : 0, from, diag);
        if (!err)
            err = load_side_set(store, c, &c->to, p, in_place ? 6 : 0, to, diag);
        if (!err && c->labels) {
            label_filter_keep(c->labels, from);
            label_filter_keep(c->labels, to);
        }
        if (!err && with4) {
            rows->prefix = prefix;
            if (in_place)
                err = compare_stored4(store, c, p, prefix, rows, diag);
            else
                hostset_compare_subnets(from, to, 4, prefix, subnet_compared, rows);
        }
        if (!err) {
            rows->next = 0;
            rows->prefix = prefix6;
            hostset_compare_subnets(from, to, 6, prefix6, subnet_compared, rows);
        }
        first += n;
        hostset_free(from);
        hostset_free(to);
    }
    free(changed);
    return err;
}

/* The protocols a keyed proto cell names, by key. */
static const char *const protos[] = { "tcp", "udp", "sctp" };

static void proto_key_text(int64_t key, char *buf, size_t size)
{
    size_t n = strlen(protos[key]);
    if (size == 0)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(buf, protos[key], n);
    buf[n] = '\0';
}

struct table *changes_table(const struct comparison *c, const struct filters *f,
                            struct change_rows *rows)
{
    uint32_t *order = order_by_change(rows);
    size_t shown = f->top > 0 && (size_t)f->top < rows->n ? (size_t)f->top : rows->n;
    struct table *t = table_new("changes", "Services that appeared and disappeared per "
                                "subnet between two scans");
    char *subtitle = comparison_describe(c, f, 1);
    table_set_subtitle(t, subtitle);
    free(subtitle);
    /* Keyed cells: no string kept per row of what can be millions. */
    table_add_keyed_column(t, "subnet", subnet4_key_text);
    table_add_keyed_column(t, "proto", proto_key_text);
    table_add_id_column(t, "port");
    table_add_column(t, "appeared", COLUMN_INTEGER);
    table_add_column(t, "disappeared", COLUMN_INTEGER);
    table_add_column(t, "changed", COLUMN_INTEGER);
    table_add_column(t, "kept", COLUMN_INTEGER);
    table_stream_rows(t, f->stream);    /* the rows come in order: final once added */
    for (size_t i = 0; i < shown; i++) {
        const struct change_row *r = &rows->items[order[i]];
        const char *proto = c->ports[r->port].proto;
        size_t row = table_add_row(t);
        if (r->net.family == 4) {
            table_set_key(t, row, 0, (int64_t)ip_v4_value(&r->net) << 8 | r->prefix);
        } else {
            char text[80];
            ip_format_prefix(&r->net, r->prefix, text, sizeof(text));
            table_set_text(t, row, 0, text);
        }
        size_t k = 0;
        while (k < sizeof(protos) / sizeof(*protos) && strcmp(protos[k], proto) != 0)
            k++;
        if (k < sizeof(protos) / sizeof(*protos))
            table_set_key(t, row, 1, (int64_t)k);
        else
            table_set_text(t, row, 1, proto);
        table_set_int(t, row, 2, c->ports[r->port].port);
        table_set_int(t, row, 3, r->appeared);
        table_set_int(t, row, 4, r->disappeared);
        table_set_int(t, row, 5, r->changed);
        table_set_int(t, row, 6, r->both - r->changed);
    }
    t->truncated = shown < rows->n;
    free(order);
    return t;
}

static enum tally_error changes_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    struct comparison c = { 0 };
    struct change_rows rows = { 0 };
    enum tally_error err = compare_scans(store, f, &c, diag);
    if (!err)
        err = count_changes(store, f, &c, &rows, diag);
    if (!err)
        *out = changes_table(&c, f, &rows);
    free(rows.items);
    changes_release(&c);
    return err;
}

/* table_key_text_fn: an IPv4 host's key, its address as a number. */
static void host4_key_text(int64_t key, char *buf, size_t size)
{
    struct ip_addr addr;
    ip_from_v4((uint32_t)key, &addr);
    ip_format(&addr, buf, size);
}

struct table *changed_services_table(const struct comparison *c, const struct filters *f)
{
    struct table *t = table_new("changed-services", "Services whose server, stack or banner "
                                "service changed between two scans");
    char *subtitle = comparison_describe(c, f, 0);
    table_set_subtitle(t, subtitle);
    free(subtitle);
    /* An IPv4 host as its number; the list's texts kept by the table once each. */
    table_add_keyed_column(t, "host", host4_key_text);
    table_add_column(t, "proto", COLUMN_TEXT);
    table_add_id_column(t, "port");
    table_add_column(t, "field", COLUMN_TEXT);
    table_add_column(t, "before", COLUMN_TEXT);
    table_add_column(t, "after", COLUMN_TEXT);
    GHashTable *kept = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (size_t i = 0; i < c->changed.n; i++) {
        const struct changed_service *s = &c->changed.items[i];
        const char *texts[4] = { s->proto, s->field, s->before, s->after };
        static const int cols[4] = { 1, 3, 4, 5 };
        size_t row = table_add_row(t);
        if (s->addr.family == 4) {
            table_set_key(t, row, 0, ip_v4_value(&s->addr));
        } else {
            char host[64];
            ip_format(&s->addr, host, sizeof(host));
            table_set_text(t, row, 0, host);
        }
        table_set_int(t, row, 2, s->port);
        for (int k = 0; k < 4; k++) {
            const char *text = g_hash_table_lookup(kept, texts[k]);
            if (!text) {
                text = table_keep_text(t, texts[k]);
                g_hash_table_insert(kept, (gpointer)texts[k], (gpointer)text);
            }
            table_set_kept_text(t, row, cols[k], text);
        }
    }
    g_hash_table_destroy(kept);
    return t;
}

static enum tally_error changed_services_run(struct store *store, const struct filters *f,
                                             struct table **out, struct tally_diag *diag)
{
    struct comparison c = { 0 };
    enum tally_error err = compare_scans(store, f, &c, diag);
    if (!err) {
        changes_sort_changed(&c.changed);
        *out = changed_services_table(&c, f);
    }
    changes_release(&c);
    return err;
}

/* Two scan imports that saw the same port, open in one of them. */
static int changes_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM host_set a JOIN host_set b ON b.proto = a.proto "
                          "AND b.port = a.port AND b.source_id != a.source_id "
                          "WHERE a.status = 'open' LIMIT 1");
}

static int changed_services_has_data(struct store *store)
{
    return changes_has_data(store) &&
           (store_has_rows(store, "SELECT 1 FROM http_header LIMIT 1") ||
            store_has_rows(store, "SELECT 1 FROM banner LIMIT 1"));
}

const struct analysis analysis_changes = {
    .name = "changes",
    .title = "Services that appeared and disappeared per subnet between two scans "
             "(--from, --to)",
    .family = "scan",
    .filters = FILTER_SCANS | FILTER_PORT | FILTER_PROTO | FILTER_PREFIX | FILTER_TOP |
               FILTER_LABEL,
    .chart = { .kind = CHART_DIVERGING_BAR, .x_title = "Subnet", .y_title = "Services",
               .category_col = 0, .series_col = 4, .value_col = 3 },
    .run = changes_run,
    .run_clickhouse = clickhouse_changes_run,
    .has_data = changes_has_data,
    .names_sources = 1,
};

const struct analysis analysis_changed_services = {
    .name = "changed-services",
    .title = "Services whose server, stack or banner service changed between two scans",
    .family = "scan",
    .filters = FILTER_SCANS | FILTER_PORT | FILTER_PROTO | FILTER_LABEL,
    .chart = { .kind = CHART_NONE, .category_col = 0, .series_col = -1, .value_col = -1 },
    .run = changed_services_run,
    .run_clickhouse = clickhouse_changed_services_run,
    .has_data = changed_services_has_data,
    .names_sources = 1,
};
