/* clickhouse_scan.c: the scan analyses on a ClickHouse database (ports, subnets,
 * top-subnets, subnet-squares, address-map): the counting runs in ClickHouse, over the
 * observation rows of imports whose source row exists, and only the result comes back,
 * into the same table (columns, keys, order, title) the SQLite path fills. Also what
 * every analysis needs there: provenance for the subtitle, has-data, rows into a table. */
#include "analyzer/analyzer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void clickhouse_sql_selected(struct strbuf *sql, const struct filters *f)
{
    strbuf_addstr(sql, "source_id GLOBAL IN (SELECT id FROM source");
    if (f->source) {
        strbuf_addstr(sql, " WHERE toString(id) = ");
        clickhouse_quote(sql, f->source);
        strbuf_addstr(sql, " OR tag = ");
        clickhouse_quote(sql, f->source);
    }
    strbuf_addstr(sql, ")");
}

void clickhouse_sql_ports(struct strbuf *sql, const struct filters *f)
{
    if (f->nports > 0) {
        strbuf_addstr(sql, " AND port IN (");
        for (int i = 0; i < f->nports; i++)
            strbuf_addf(sql, "%s%u", i ? "," : "", f->ports[i]);
        strbuf_addstr(sql, ")");
    }
    if (f->proto) {
        strbuf_addstr(sql, " AND proto = ");
        clickhouse_quote(sql, f->proto);
    }
}

/* " WHERE status = 'open' AND <the import is committed and selected> AND <ports, proto>" */
static void where_open(struct strbuf *sql, const struct filters *f)
{
    strbuf_addstr(sql, " WHERE status = 'open' AND ");
    clickhouse_sql_selected(sql, f);
    clickhouse_sql_ports(sql, f);
}

static long long field_int(const struct clickhouse_rows *rows, int i)
{
    return i < rows->nfields && rows->field[i] ? strtoll(rows->field[i], NULL, 10) : 0;
}

/* ---- ports ---- */

enum tally_error clickhouse_ports_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    /* Hosts counted by their numbers, not their text: a set of integers is far cheaper. */
    strbuf_addstr(&sql, "SELECT port, proto, uniqExactIf(assumeNotNull(ip4), isNotNull(ip4)) + "
                  "uniqExactIf(assumeNotNull(ip6), isNotNull(ip6)) AS hosts FROM observation");
    where_open(&sql, f);
    strbuf_addstr(&sql, " GROUP BY proto, port ORDER BY hosts DESC, port, proto");
    if (f->top > 0)
        strbuf_addf(&sql, " LIMIT %d", f->top);
    enum tally_error err = clickhouse_select(store, sql.buf, &rows, "cannot count ports", diag);
    *out = table_new("ports", "Open ports: hosts per port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "proto", COLUMN_TEXT);
    table_add_column(*out, "hosts", COLUMN_INTEGER);
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 3) {
        size_t row = table_add_row(*out);
        table_set_int(*out, row, 0, field_int(&rows, 0));
        table_set_text(*out, row, 1, rows.field[1] ? rows.field[1] : "");
        table_set_int(*out, row, 2, field_int(&rows, 2));
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

/* ---- subnets ---- */

struct ch_subnet {
    struct ip_addr net;
    int prefix;
    long long hosts;
};

struct ch_subnets {
    struct ch_subnet *items;
    size_t n, alloc;
};

static int by_hosts_then_address(const void *pa, const void *pb)
{
    const struct ch_subnet *a = pa, *b = pb;
    if (a->hosts != b->hosts)
        return a->hosts < b->hosts ? 1 : -1;
    if (a->net.family != b->net.family)
        return a->net.family - b->net.family;
    return memcmp(a->net.bytes, b->net.bytes, 16);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

/* Counts the subnets of one family (4 or 6) at prefix into list: all of them in address
 * order, or (limit > 0) the `limit` fullest. */
static enum tally_error count_subnets(struct store *store, const struct filters *f, int family,
                                      int prefix, long long limit, struct ch_subnets *list,
                                      struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    if (family == 4) {
        strbuf_addf(&sql, "SELECT bitShiftRight(assumeNotNull(ip4), %d) AS net, "
                    "uniqExact(ip4) AS hosts FROM observation", 32 - prefix);
    } else {
        int full = prefix / 8, rest = prefix % 8;
        strbuf_addstr(&sql, "SELECT concat(");
        strbuf_addf(&sql, full ? "hex(substring(assumeNotNull(ip6), 1, %d))" : "''", full);
        if (rest)
            strbuf_addf(&sql, ", hex(bitAnd(reinterpretAsUInt8(substring(assumeNotNull(ip6), "
                        "%d, 1)), %d))", full + 1, (0xff << (8 - rest)) & 0xff);
        else
            strbuf_addstr(&sql, ", ''");
        strbuf_addstr(&sql, ") AS net, uniqExact(ip6) AS hosts FROM observation");
    }
    where_open(&sql, f);
    strbuf_addf(&sql, " AND ip%d IS NOT NULL GROUP BY net ORDER BY ", family);
    if (limit > 0)
        strbuf_addf(&sql, "hosts DESC, net LIMIT %lld", limit);
    else
        strbuf_addstr(&sql, "net");
    enum tally_error err = clickhouse_select(store, sql.buf, &rows, "cannot count subnets",
                                             diag);
    while (!err && clickhouse_next_row(&rows) && rows.nfields >= 2 && rows.field[0]) {
        struct ch_subnet s = { .prefix = prefix, .hosts = field_int(&rows, 1) };
        if (family == 4) {
            ip_from_v4((uint32_t)(strtoull(rows.field[0], NULL, 10) << (32 - prefix)),
                       &s.net);
        } else {
            s.net.family = 6;
            const char *hex = rows.field[0];
            for (size_t i = 0; i < 16 && hex[2 * i] && hex[2 * i + 1]; i++)
                s.net.bytes[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 |
                                           hex_digit(hex[2 * i + 1]));
        }
        if (list->n == list->alloc) {
            list->alloc = list->alloc ? 2 * list->alloc : 256;
            list->items = xrealloc(list->items, list->alloc * sizeof(*list->items));
        }
        list->items[list->n++] = s;
    }
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

/* The subnets as the SQLite path counts them: IPv4 at --prefix when 8..32 (default 24),
 * IPv6 at --prefix when 16 or more (default 64); only4: IPv4 only. */
static enum tally_error collect(struct store *store, const struct filters *f, int only4,
                                long long limit, struct ch_subnets *list,
                                struct tally_diag *diag)
{
    int prefix = f->prefix ? f->prefix : 24;
    int prefix6 = f->prefix >= 16 ? f->prefix : 64;
    enum tally_error err = TALLY_OK;
    if (prefix >= 8 && prefix <= 32)
        err = count_subnets(store, f, 4, prefix, limit, list, diag);
    if (!err && !only4 && prefix6 <= 128)
        err = count_subnets(store, f, 6, prefix6, limit, list, diag);
    return err;
}

static struct table *subnet_table_new(const char *name, const char *title)
{
    struct table *t = table_new(name, title);
    table_add_keyed_column(t, "subnet", subnet4_key_text);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    return t;
}

static void subnet_row(struct table *t, const struct ch_subnet *s)
{
    size_t row = table_add_row(t);
    subnet_set_cell(t, row, 0, &s->net, s->prefix);
    table_set_int(t, row, 1, s->hosts);
}


static enum tally_error run_all(struct store *store, const struct filters *f, int only4,
                                struct table **out, struct tally_diag *diag,
                                const char *name, const char *what)
{
    struct ch_subnets list = { 0 };
    enum tally_error err = collect(store, f, only4, 0, &list, diag);
    if (!err) {
        char *title = subnet_title(what, f);
        *out = subnet_table_new(name, title);
        table_stream_rows(*out, f->stream);
        for (size_t i = 0; i < list.n; i++)
            subnet_row(*out, &list.items[i]);
        free(title);
    }
    free(list.items);
    return err;
}

static enum tally_error run_top(struct store *store, const struct filters *f,
                                struct table **out, struct tally_diag *diag,
                                const char *name, const char *what)
{
    size_t top = (size_t)(f->top > 0 ? f->top : 10);
    struct ch_subnets list = { 0 };
    /* One more than wanted per family tells whether any were left out. */
    enum tally_error err = collect(store, f, 0, (long long)top + 1, &list, diag);
    if (!err) {
        xqsort(list.items, list.n, sizeof(*list.items), by_hosts_then_address);
        size_t n = list.n < top ? list.n : top;
        char *lead = xasprintf("Top %zu %s", n, what);
        char *title = subnet_title(lead, f);
        *out = subnet_table_new(name, title);
        for (size_t i = 0; i < n; i++)
            subnet_row(*out, &list.items[i]);
        if (list.n > n)
            (*out)->truncated = 1;
        free(title);
        free(lead);
    }
    free(list.items);
    return err;
}

enum tally_error clickhouse_subnets_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    return run_all(store, f, 0, out, diag, "subnets", "Hosts per subnet");
}

enum tally_error clickhouse_top_subnets_run(struct store *store, const struct filters *f,
                                            struct table **out, struct tally_diag *diag)
{
    return run_top(store, f, out, diag, "top-subnets", "subnets");
}

enum tally_error clickhouse_subnet_squares_run(struct store *store, const struct filters *f,
                                               struct table **out, struct tally_diag *diag)
{
    return run_top(store, f, out, diag, "subnet-squares", "subnets with counts: hosts");
}

enum tally_error clickhouse_address_map_run(struct store *store, const struct filters *f,
                                            struct table **out, struct tally_diag *diag)
{
    struct filters per24 = *f;
    per24.prefix = 24;
    return run_all(store, &per24, 1, out, diag, "address-map", "Address map: hosts");
}

/* ---- what every analysis needs ---- */

int clickhouse_has_data(const struct analysis *a, struct store *store)
{
    static const struct filters none;
    struct strbuf sql;
    if (!a->run_clickhouse)
        return 0;
    int capture = clickhouse_capture_has_data(a, store);
    if (capture >= 0)
        return capture;
    int changes = clickhouse_changes_has_data(a, store);
    if (changes >= 0)
        return changes;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT 1 FROM observation");
    where_open(&sql, &none);
    if (a->run_clickhouse == clickhouse_address_map_run)
        strbuf_addstr(&sql, " AND ip4 IS NOT NULL");
    strbuf_addstr(&sql, " LIMIT 1");
    int found = store_has_rows(store, sql.buf);
    strbuf_release(&sql);
    return found;
}

int clickhouse_name_sources(struct store *store, const char *table, const struct filters *f,
                            struct strbuf *sb)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    struct tally_diag diag;
    char *names[2];
    int n = 0;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT path FROM source WHERE id IN (SELECT DISTINCT source_id FROM %s) "
                "AND id GLOBAL IN (SELECT id FROM source", table);
    if (f->source) {
        strbuf_addstr(&sql, " WHERE toString(id) = ");
        clickhouse_quote(&sql, f->source);
        strbuf_addstr(&sql, " OR tag = ");
        clickhouse_quote(&sql, f->source);
    }
    strbuf_addstr(&sql, ") ORDER BY id");
    if (!clickhouse_select(store, sql.buf, &rows, "", &diag)) {
        while (clickhouse_next_row(&rows)) {
            const char *path = rows.field[0];
            const char *base = path ? strrchr(path, '/') : NULL;
            if (n < 2)
                names[n] = xstrdup(base ? base + 1 : path ? path : "?");
            n++;
        }
    }
    clickhouse_rows_release(&rows);
    if (n == 1)
        strbuf_addf(sb, "from %s", names[0]);
    else if (n == 2)
        strbuf_addf(sb, "from %s and %s", names[0], names[1]);
    else if (n > 2)
        strbuf_addf(sb, "from %d sources", n);
    for (int i = 0; i < n && i < 2; i++)
        free(names[i]);
    strbuf_release(&sql);
    return n;
}

char *clickhouse_provenance_describe(const struct analysis *a, struct store *store,
                                     const struct filters *f)
{
    struct strbuf sql, sb;
    struct clickhouse_rows rows;
    struct tally_diag diag;
    char *capture = clickhouse_capture_provenance(a, store, f);
    if (capture)
        return capture;
    strbuf_init(&sb);
    if (a->names_sources || a->source_table || !a->family || strcmp(a->family, "scan") != 0)
        return strbuf_detach(&sb);
    if (clickhouse_name_sources(store, "observation", f, &sb) > 0) {
        strbuf_init(&sql);
        strbuf_addstr(&sql, "SELECT min(seen), max(seen), count() FROM observation WHERE seen "
                      "IS NOT NULL AND ");
        clickhouse_sql_selected(&sql, f);
        if (!clickhouse_select(store, sql.buf, &rows, "", &diag) &&
            clickhouse_next_row(&rows) && field_int(&rows, 2) > 0) {
            char lo[32], hi[32];
            time_t first = (time_t)field_int(&rows, 0), last = (time_t)field_int(&rows, 1);
            struct tm tm;
            strftime(lo, sizeof(lo), "%Y-%m-%d", gmtime_r(&first, &tm));
            strftime(hi, sizeof(hi), "%Y-%m-%d", gmtime_r(&last, &tm));
            if (strcmp(lo, hi) == 0)
                strbuf_addf(&sb, ", %s", lo);
            else
                strbuf_addf(&sb, ", %s to %s", lo, hi);
        }
        clickhouse_rows_release(&rows);
        strbuf_release(&sql);
    }
    return strbuf_detach(&sb);
}

enum tally_error clickhouse_query_into_table(struct store *store, const char *sql,
                                             struct table *t, struct tally_diag *diag)
{
    struct clickhouse_rows rows;
    enum tally_error err = clickhouse_select(store, sql, &rows, "cannot run the analysis",
                                             diag);
    while (!err && clickhouse_next_row(&rows)) {
        size_t row = table_add_row(t);
        for (int c = 0; c < t->ncols && c < rows.nfields; c++) {
            const char *v = rows.field[c];
            if (!v)
                continue;
            switch (t->cols[c].type) {
            case COLUMN_INTEGER:
            case COLUMN_TIMESTAMP:
                table_set_int(t, row, c, strtoll(v, NULL, 10));
                break;
            case COLUMN_REAL:
                table_set_real(t, row, c, strtod(v, NULL));
                break;
            default:
                table_set_text(t, row, c, v);
            }
        }
    }
    clickhouse_rows_release(&rows);
    return err;
}
