/* clickhouse_changes.c: `changes` and `changed-services` on a ClickHouse database. The
 * scans and the two sides are chosen as on SQLite (analyzer/changes.h); then per service
 * of the compared ports ClickHouse says whether it was open on each side and whether its
 * Server product, stack or banner type changed, ranking the header and banner rows as
 * analyzer/clickhouse_web.c does, and counts them per subnet: only the subnets (or the
 * changed services) come back, into the tables the SQLite path fills. */
#include "analyzer/changes.h"

#include <stdlib.h>
#include <string.h>

/* The kinds of rows ranked per service, the first three a field's answers. */
enum { KIND_SERVER, KIND_STACK, KIND_SERVICE, KIND_OPEN };
static const char *const kind_field[] = { "server", "stack", "service" };

static long long field_int(const struct clickhouse_rows *rows, int i)
{
    return i < rows->nfields && rows->field[i] ? strtoll(rows->field[i], NULL, 10) : 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

/* An IPv6 address or subnet from the hex of its leading bytes (the rest 0). */
static void from_hex(const char *hex, struct ip_addr *out)
{
    *out = (struct ip_addr){ .family = 6 };
    for (size_t i = 0; i < 16 && hex[2 * i] && hex[2 * i + 1]; i++)
        out->bytes[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
}

/* ---- the scans ---- */

/* How many imports have the id or tag given. */
static int imports_named(struct store *store, const char *given)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    struct tally_diag diag;
    int n = 0;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT count() FROM source WHERE toString(id) = ");
    clickhouse_quote(&sql, given);
    strbuf_addstr(&sql, " OR tag = ");
    clickhouse_quote(&sql, given);
    if (!clickhouse_select(store, sql.buf, &rows, "", &diag) && clickhouse_next_row(&rows))
        n = (int)field_int(&rows, 0);
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return n;
}

/* Every scan import with its ports (in any state), in import order: the imports whose
 * source row exists and that observed an address on a port the filters let through. */
static enum tally_error load_scans(struct store *store, const struct filters *f,
                                   struct scan_list *l, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows sources, rows;
    size_t nsources = 0;
    strbuf_init(&sql);
    memset(&rows, 0, sizeof(rows));
    enum tally_error err = clickhouse_select(store, "SELECT id, path, tag FROM source "
                                             "ORDER BY id", &sources,
                                             "cannot read the scans", diag);
    /* The sources' rows stay in their answer: pointers to each id, path and tag. */
    struct { long long id; const char *path, *tag; } *source = NULL;
    size_t alloc = 0;
    while (!err && clickhouse_next_row(&sources) && sources.nfields >= 3) {
        if (nsources == alloc) {
            alloc = alloc ? 2 * alloc : 64;
            source = xrealloc(source, alloc * sizeof(*source));
        }
        source[nsources].id = field_int(&sources, 0);
        source[nsources].path = sources.field[1];
        source[nsources++].tag = sources.field[2];
    }
    if (err)
        goto done;
    strbuf_addstr(&sql, "SELECT DISTINCT source_id, proto, port FROM observation WHERE "
                  "source_id GLOBAL IN (SELECT id FROM source) AND "
                  "(ip4 IS NOT NULL OR ip6 IS NOT NULL)");
    clickhouse_sql_ports(&sql, f);
    strbuf_addstr(&sql, " ORDER BY source_id, proto, port");
    err = clickhouse_select(store, sql.buf, &rows, "cannot read the scans", diag);
    size_t at = 0;
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 3) {
        long long id = field_int(&rows, 0);
        while (at < nsources && source[at].id < id)
            at++;
        if (at == nsources || source[at].id != id)
            continue;
        changes_scan_add(l, id, source[at].path, source[at].tag, rows.field[1],
                         (unsigned)field_int(&rows, 2));
    }

done:
    free(source);
    clickhouse_rows_release(&sources);
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

/* The sides chosen, as on SQLite. */
static enum tally_error compare(struct store *store, const struct filters *f,
                                struct comparison *c, struct tally_diag *diag)
{
    enum tally_error err = load_scans(store, f, &c->scans, diag);
    c->imports_named = imports_named;
    return err ? err : changes_choose(store, f, c, diag);
}

/* ---- the services of the two sides ---- */

/* " AND source_id IN (<both sides>) AND (<the compared ports>)" */
static void where_compared(struct strbuf *sql, const struct comparison *c)
{
    strbuf_addstr(sql, " AND source_id IN (");
    changes_side_ids(c, &c->from, sql);
    strbuf_addch(sql, ',');
    changes_side_ids(c, &c->to, sql);
    strbuf_addstr(sql, ") AND (");
    /* The ports are sorted by protocol: one term per protocol. */
    for (size_t i = 0; i < c->nports; i++) {
        int first = i == 0 || strcmp(c->ports[i - 1].proto, c->ports[i].proto) != 0;
        int last = i + 1 == c->nports || strcmp(c->ports[i + 1].proto, c->ports[i].proto) != 0;
        if (first) {
            strbuf_addstr(sql, i ? " OR (proto = " : "(proto = ");
            clickhouse_quote(sql, c->ports[i].proto);
            strbuf_addstr(sql, " AND port IN (");
        }
        strbuf_addf(sql, "%s%u", first ? "" : ",", c->ports[i].port);
        if (last)
            strbuf_addstr(sql, "))");
    }
    strbuf_addch(sql, ')');
}

/* Appends a subquery of the rows of one family's services (proto, port, a: the address
 * as ip4 or ip6) on the two sides (side 1: --to): with open, one row per open
 * observation (kind KIND_OPEN); then every answer of a field (kind) with its rank r1 and
 * r2 (the lowest winning, then the first value in byte order) as `changed-services` on
 * SQLite ranks the rows: the Server product by its seen, most recent first (unknown as
 * 0); the stack X-Powered-By, then X-AspNet-Version ('ASP.NET'), then '(none)' behind a
 * Server header, each by its seen; the banner type with http.server, title and html as
 * http, X509 and X509CA as ssl, a name before 'unknown' before notes and errors. */
static void add_rows(struct strbuf *sql, const struct comparison *c, int family, int open)
{
    char addr[48], side[16];
    struct strbuf to;
    strbuf_init(&to);
    changes_side_ids(c, &c->to, &to);
    snprintf(addr, sizeof(addr), "assumeNotNull(ip%d) AS a", family);
    snprintf(side, sizeof(side), "ip%d", family);
    strbuf_addch(sql, '(');
    if (open) {
        strbuf_addf(sql, "SELECT proto, port, %s, toUInt8(has([%s], source_id)) AS side, "
                    "toUInt8(%d) AS kind, '' AS value, toUInt8(0) AS r1, toInt64(0) AS r2 "
                    "FROM observation WHERE status = 'open' AND %s IS NOT NULL",
                    addr, to.buf, KIND_OPEN, side);
        where_compared(sql, c);
        strbuf_addstr(sql, " UNION ALL ");
    }
    strbuf_addf(sql, "SELECT proto, port, %s, toUInt8(has([%s], source_id)) AS side, "
                "toUInt8(%d) AS kind, product AS value, toUInt8(0) AS r1, "
                "-ifNull(seen, toInt64(0)) AS r2 FROM http_header WHERE name = 'server' "
                "AND %s IS NOT NULL", addr, to.buf, KIND_SERVER, side);
    where_compared(sql, c);
    strbuf_addf(sql, " UNION ALL SELECT proto, port, %s, toUInt8(has([%s], source_id)) AS side, "
                "toUInt8(%d) AS kind, multiIf(name = 'x-powered-by', product, "
                "name = 'x-aspnet-version', 'ASP.NET', '(none)') AS value, "
                "toUInt8(multiIf(name = 'x-powered-by', 0, name = 'x-aspnet-version', 1, 2)) "
                "AS r1, -ifNull(seen, toInt64(0)) AS r2 FROM http_header WHERE name IN "
                "('server', 'x-powered-by', 'x-aspnet-version') AND %s IS NOT NULL",
                addr, to.buf, KIND_STACK, side);
    where_compared(sql, c);
    strbuf_addf(sql, " UNION ALL SELECT proto, port, %s, toUInt8(has([%s], source_id)) AS side, "
                "toUInt8(%d) AS kind, multiIf(service IN ('http.server', 'title', 'html'), "
                "'http', service IN ('X509', 'X509CA'), 'ssl', service) AS value, "
                "toUInt8(multiIf(value IN ('vuln', 'heartbleed', 'ticketbleed', 'error'), 2, "
                "value = 'unknown', 1, 0)) AS r1, toInt64(0) AS r2 FROM banner "
                "WHERE %s IS NOT NULL", addr, to.buf, KIND_SERVICE, side);
    where_compared(sql, c);
    strbuf_addch(sql, ')');
    strbuf_release(&to);
}

/* "argMinIf(value, (r1, r2, value), kind = K AND side = S)": a side's answer of a field. */
static void add_answer(struct strbuf *sql, int kind, int side)
{
    strbuf_addf(sql, "argMinIf(value, (r1, r2, value), kind = %d AND side = %d)", kind, side);
}

/* ---- changes ---- */

/* Appends the subnets of one family at prefix as change_rows: per (proto, port, subnet)
 * the services that appeared, disappeared, stayed, and stayed but changed (a service
 * with a field changed, counted at most as often as services stayed, as on SQLite). */
static enum tally_error count_family(struct store *store, const struct filters *f,
                                     const struct comparison *c, int family, int prefix,
                                     struct change_rows *out, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT proto, port, ");
    if (family == 4) {
        strbuf_addf(&sql, "bitShiftRight(a, %d)", 32 - prefix);
    } else {
        int full = prefix / 8, rest = prefix % 8;
        strbuf_addstr(&sql, "concat(");
        strbuf_addf(&sql, full ? "hex(substring(a, 1, %d))" : "''", full);
        if (rest)
            strbuf_addf(&sql, ", hex(bitAnd(reinterpretAsUInt8(substring(a, %d, 1)), %d))",
                        full + 1, (0xff << (8 - rest)) & 0xff);
        else
            strbuf_addstr(&sql, ", ''");
        strbuf_addch(&sql, ')');
    }
    strbuf_addstr(&sql, " AS net, countIf(is_open AND NOT was_open) AS appeared, "
                  "countIf(was_open AND NOT is_open) AS disappeared, "
                  "countIf(was_open AND is_open) AS stayed, "
                  "least(countIf(changed_field), stayed) AS changed "
                  "FROM (SELECT proto, port, a, ");
    strbuf_addf(&sql, "max(kind = %d AND side = 0) AS was_open, "
                "max(kind = %d AND side = 1) AS is_open, ", KIND_OPEN, KIND_OPEN);
    for (int k = KIND_SERVER; k <= KIND_SERVICE; k++) {
        strbuf_addf(&sql, "%s(countIf(kind = %d AND side = 0) > 0 AND "
                    "countIf(kind = %d AND side = 1) > 0 AND ", k ? " OR " : "", k, k);
        add_answer(&sql, k, 0);
        strbuf_addstr(&sql, " != ");
        add_answer(&sql, k, 1);
        strbuf_addch(&sql, ')');
    }
    strbuf_addstr(&sql, " AS changed_field FROM ");
    add_rows(&sql, c, family, 1);
    strbuf_addstr(&sql, " GROUP BY proto, port, a) GROUP BY proto, port, net "
                  "HAVING appeared + disappeared + changed > 0 "
                  "ORDER BY appeared + disappeared + changed DESC, proto, port, net");
    /* One more than wanted tells whether any were left out. */
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top + 1);
    enum tally_error err = clickhouse_select(store, sql.buf, &rows, "cannot compare the scans",
                                             diag);
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 7 && rows.field[0] &&
           rows.field[2]) {
        size_t port = changes_port_index(c, rows.field[0], (unsigned)field_int(&rows, 1));
        if (port == c->nports)
            continue;
        struct change_row r = { .prefix = prefix, .port = (uint32_t)port,
                                .appeared = (uint32_t)field_int(&rows, 3),
                                .disappeared = (uint32_t)field_int(&rows, 4),
                                .both = (uint32_t)field_int(&rows, 5),
                                .changed = (uint32_t)field_int(&rows, 6) };
        if (family == 4)
            ip_from_v4((uint32_t)(strtoull(rows.field[2], NULL, 10) << (32 - prefix)), &r.net);
        else
            from_hex(rows.field[2], &r.net);
        if (out->n == out->alloc) {
            out->alloc = out->alloc ? 2 * out->alloc : 256;
            out->items = xrealloc(out->items, out->alloc * sizeof(*out->items));
        }
        out->items[out->n++] = r;
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

enum tally_error clickhouse_changes_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct comparison c = { 0 };
    struct change_rows rows = { 0 };
    /* IPv4 at --prefix when 8..32 (default 24), IPv6 at --prefix when 16 or more, else
     * /64, as on SQLite. */
    int prefix = f->prefix ? f->prefix : 24;
    int prefix6 = f->prefix >= 16 ? f->prefix : 64;
    enum tally_error err = compare(store, f, &c, diag);
    if (!err && prefix >= 8 && prefix <= 32)
        err = count_family(store, f, &c, 4, prefix, &rows, diag);
    if (!err && prefix6 <= 128)
        err = count_family(store, f, &c, 6, prefix6, &rows, diag);
    if (!err)
        *out = changes_table(&c, f, &rows);
    free(rows.items);
    changes_release(&c);
    return err;
}

/* ---- changed-services ---- */

/* Adds the changed fields of one family's services to c->changed. */
static enum tally_error changed_family(struct store *store, struct comparison *c, int family,
                                       struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT %s, proto, port, kind, "
                "argMinIf(value, (r1, r2, value), side = 0) AS before, "
                "argMinIf(value, (r1, r2, value), side = 1) AS after FROM ",
                family == 4 ? "a" : "hex(a)");
    add_rows(&sql, c, family, 0);
    strbuf_addstr(&sql, " GROUP BY a, proto, port, kind HAVING countIf(side = 0) > 0 AND "
                  "countIf(side = 1) > 0 AND before != after");
    enum tally_error err = clickhouse_select(store, sql.buf, &rows,
                                             "cannot compare the services", diag);
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 6) {
        long long kind = field_int(&rows, 3);
        if (!rows.field[0] || !rows.field[1] || !rows.field[4] || !rows.field[5] ||
            kind < KIND_SERVER || kind > KIND_SERVICE)
            continue;
        struct ip_addr addr;
        if (family == 4)
            ip_from_v4((uint32_t)strtoull(rows.field[0], NULL, 10), &addr);
        else
            from_hex(rows.field[0], &addr);
        changes_add_changed(&c->changed, &addr, rows.field[1], (unsigned)field_int(&rows, 2),
                            kind_field[kind], rows.field[4], rows.field[5]);
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

enum tally_error clickhouse_changed_services_run(struct store *store, const struct filters *f,
                                                 struct table **out, struct tally_diag *diag)
{
    struct comparison c = { 0 };
    enum tally_error err = compare(store, f, &c, diag);
    if (!err)
        err = changed_family(store, &c, 4, diag);
    if (!err)
        err = changed_family(store, &c, 6, diag);
    if (!err) {
        changes_sort_changed(&c.changed);
        *out = changed_services_table(&c, f);
    }
    changes_release(&c);
    return err;
}

/* ---- has data ---- */

/* Two scan imports that saw the same port, open in one of them (and for changed-services,
 * a header or banner row). */
int clickhouse_changes_has_data(const struct analysis *a, struct store *store)
{
    if (a->run_clickhouse != clickhouse_changes_run &&
        a->run_clickhouse != clickhouse_changed_services_run)
        return -1;
    int found = store_has_rows(store, "SELECT proto, port FROM observation WHERE source_id "
                               "GLOBAL IN (SELECT id FROM source) AND (ip4 IS NOT NULL OR "
                               "ip6 IS NOT NULL) GROUP BY proto, port HAVING "
                               "uniqExact(source_id) > 1 AND countIf(status = 'open') > 0 "
                               "LIMIT 1");
    if (found && a->run_clickhouse == clickhouse_changed_services_run)
        found = store_has_rows(store, "SELECT 1 FROM http_header WHERE source_id GLOBAL IN "
                               "(SELECT id FROM source) LIMIT 1") ||
                store_has_rows(store, "SELECT 1 FROM banner WHERE source_id GLOBAL IN "
                               "(SELECT id FROM source) LIMIT 1");
    return found;
}
