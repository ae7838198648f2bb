/* web_apps.c: what runs on the scanned web services, from the HTTP headers and banners the
 * store kept: `apps` (services per Server product), `stacks` (per X-Powered-By product),
 * `app-stack` (per pair, for a Sankey diagram) and `services` (banner types per port).
 *
 * A service is one (addr, proto, port), counted once however many scans or banners saw it.
 * When its headers disagree (two scans, two X-Powered-By lines) the most recent wins, then
 * the first product by name. A service with X-AspNet-Version and no X-Powered-By has the
 * stack "ASP.NET"; one with a Server header and no stack has the stack "(none)". With
 * --label, only the services of hosts with a matching label (analyzer/labels.c) count. */
#include "analyzer/labels.h"

#include "store/store_web.h"

#include <stdlib.h>
#include <string.h>

#define NONE "'(none)'"

/* The store summarises each import when it commits (store/store_web.c): per service the
 * import's winner, and how many services share each answer (web_count). When no service
 * of the selection has answers from two selected imports, the analyses add up the counts;
 * otherwise (or with --label, which the counts cannot tell) the selected imports' winners
 * are ranked again per service, as the header and banner rows would be, into counts of
 * the same shape (temp.web_pick). */

/* The rows of a summary table the filters let through. */
static void summary_where(const struct filters *f, struct strbuf *sql, const char *table,
                          const char *cond)
{
    strbuf_addf(sql, " FROM %s WHERE %s", table, cond);
    filters_sql_ports(f, sql, "port", "proto");
    filters_sql_source(f, sql, "source_id");
}

static sqlite3_stmt *prepare(struct store *store, const struct filters *f,
                             const struct strbuf *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store_db(store), sql->buf, -1, &stmt, NULL) == SQLITE_OK)
        filters_bind(stmt, f);
    return stmt;
}

/* Whether the union of the selected imports' hosts with web answers for proto/port holds
 * fewer hosts than the imports together (hosts): whether two of them share a service. */
static enum tally_error set_shared(struct store *store, const struct filters *f,
                                   const char *proto, sqlite3_int64 port, long long hosts,
                                   int *shared, struct tally_diag *diag)
{
    struct strbuf sql;
    struct hostset *set = hostset_new();
    enum tally_error err = TALLY_OK;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT family, members");
    summary_where(f, &sql, "web_host_set", "proto = :set_proto AND port = :set_port");
    sqlite3_stmt *stmt = prepare(store, f, &sql);
    if (stmt) {
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":set_proto"), proto, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":set_port"), port);
        err = hostset_add_rows(store, set, stmt, "cannot read the web services' hosts", diag);
    } else {
        err = store_fail(store, diag, "cannot read the web services' hosts");
    }
    if (!err)
        *shared = hostset_count(set) < hosts;
    sqlite3_finalize(stmt);
    hostset_free(set);
    strbuf_release(&sql);
    return err;
}

/* Whether a service of the selection has answers from more than one selected import. */
static enum tally_error services_shared(struct store *store, const struct filters *f,
                                        int *shared, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err = TALLY_OK;
    int rc = SQLITE_DONE;
    *shared = 0;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT proto, port, SUM(hosts)");
    summary_where(f, &sql, "web_host_set", "1");
    strbuf_addstr(&sql, " GROUP BY proto, port HAVING COUNT(DISTINCT source_id) > 1");
    sqlite3_stmt *stmt = prepare(store, f, &sql);
    while (stmt && !err && !*shared && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        err = set_shared(store, f, (const char *)sqlite3_column_text(stmt, 0),
                         sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2), shared,
                         diag);
    if (!err && (!stmt || (rc != SQLITE_DONE && rc != SQLITE_ROW)))
        err = store_fail(store, diag, "cannot read the web services' hosts");
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* The services of one web_winner row (`services` of them, each its address first, in
 * address order) whose host carries a label lf matches, packed as the row packs them, in
 * *kept (*nkept bytes). */
static enum tally_error keep_labelled(const struct label_filter *lf, int family,
                                      const unsigned char *winners, size_t len,
                                      sqlite3_int64 services, unsigned char **kept,
                                      size_t *nkept, struct tally_diag *diag)
{
    size_t alen = family == 4 ? 4 : 16;
    *nkept = 0;
    if ((family != 4 && family != 6) || services <= 0 || len % (size_t)services != 0 ||
        len / (size_t)services < alen)
        return diag_set(diag, TALLY_ERROR_DATABASE, "a web summary (web_winner) is damaged");
    size_t size = len / (size_t)services;
    *kept = xrealloc(*kept, len + 1);
    *nkept = label_filter_keep_sorted(lf, family, winners, len, size, *kept);
    return TALLY_OK;
}

/* Fills temp.web_pick from the winners of the selected imports, of the hosts with a
 * matching label only when lf is not NULL. */
static enum tally_error pick(struct store *store, const struct filters *f,
                             const struct label_filter *lf, struct tally_diag *diag)
{
    struct strbuf sql;
    struct web_builder *b = web_builder_new();
    enum tally_error err = TALLY_OK;
    unsigned char *kept = NULL;
    int rc = SQLITE_DONE;
    sqlite3_stmt *row = NULL;
    strbuf_init(&sql);
    /* The rows of a (proto, port) together, as web_pick_add() needs them; the order is
     * asked of the rowids alone, so that SQLite does not copy the blobs into a sorter. */
    strbuf_addstr(&sql, "SELECT rowid");
    summary_where(f, &sql, "web_winner", "1");
    strbuf_addstr(&sql, " ORDER BY proto, port");
    sqlite3_stmt *stmt = prepare(store, f, &sql);
    if (sqlite3_prepare_v2(store_db(store), "SELECT proto, port, family, names, winners, "
                           "services FROM web_winner WHERE rowid = ?", -1, &row, NULL) !=
        SQLITE_OK)
        err = store_fail(store, diag, "cannot read the web services' answers");
    while (stmt && !err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_reset(row);
        sqlite3_bind_int64(row, 1, sqlite3_column_int64(stmt, 0));
        if (sqlite3_step(row) != SQLITE_ROW) {
            err = store_fail(store, diag, "cannot read the web services' answers");
            break;
        }
        const char *proto = (const char *)sqlite3_column_text(row, 0);
        int family = sqlite3_column_int(row, 2);
        const void *winners = sqlite3_column_blob(row, 4);
        size_t len = (size_t)sqlite3_column_bytes(row, 4);
        if (lf) {
            err = keep_labelled(lf, family, winners, len, sqlite3_column_int64(row, 5),
                                &kept, &len, diag);
            winners = kept;
        }
        if (!err && len > 0)
            err = web_pick_add(b, proto ? proto : "", (unsigned)sqlite3_column_int64(row, 1),
                               family, sqlite3_column_blob(row, 3),
                               (size_t)sqlite3_column_bytes(row, 3), winners, len, diag);
    }
    if (!err && (!stmt || rc != SQLITE_DONE || web_pick_write(store, b)))
        err = store_fail(store, diag, "cannot rank the web services' answers");
    sqlite3_finalize(row);
    sqlite3_finalize(stmt);
    web_builder_free(b);
    free(kept);
    strbuf_release(&sql);
    return err;
}

/* ---- counting the kept services of imports that share none ---- */

/* How many kept services of one web_winner row give one answer (app, stack, service as
 * 1 + their index in the row's names, 0: none). */
struct answer_count {
    uint32_t answer[3];
    long long services;
};

struct answer_counts {
    struct answer_count *slots;         /* open addressing; services 0: empty */
    size_t nslots;
};

static size_t answer_slot(const struct answer_counts *ac, const uint32_t answer[3])
{
    uint64_t h = ((uint64_t)answer[0] * 0x9e3779b97f4a7c15u) ^
                 ((uint64_t)answer[1] * 0xc2b2ae3d27d4eb4fu) ^ ((uint64_t)answer[2] << 21);
    size_t i = (size_t)(h ^ (h >> 29)) & (ac->nslots - 1);
    while (ac->slots[i].services && memcmp(ac->slots[i].answer, answer, sizeof(uint32_t) * 3))
        i = (i + 1) & (ac->nslots - 1);
    return i;
}

static uint32_t get32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Binds a text of names (1 + its index, 0: NULL) to the statement's parameter i. */
static void bind_name(sqlite3_stmt *stmt, int i, const char *const *names, uint32_t answer)
{
    if (answer)
        sqlite3_bind_text(stmt, i, names[answer - 1], -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, i);
}

/* Adds the answers of a row's kept services (size bytes each, in kept) to the counts in
 * insert's table, one row per distinct answer. */
static enum tally_error count_answers(struct store *store, sqlite3_stmt *insert,
                                      const char *proto, sqlite3_int64 port, int family,
                                      const unsigned char *dict, size_t dict_len,
                                      const unsigned char *kept, size_t len, size_t size,
                                      struct tally_diag *diag)
{
    size_t alen = family == 4 ? 4 : 16, n = len / size, nnames = 0;
    enum tally_error err = TALLY_OK;
    if (size < alen + 12 || (dict_len > 0 && dict[dict_len - 1] != 0))
        return diag_set(diag, TALLY_ERROR_DATABASE, "a web summary (web_winner) is damaged");
    for (size_t i = 0; i < dict_len; i++)
        nnames += dict[i] == 0;
    const char **names = xmalloc((nnames + 1) * sizeof(*names));
    for (size_t i = 0, k = 0; i < dict_len; i += strlen((const char *)dict + i) + 1)
        names[k++] = (const char *)dict + i;
    struct answer_counts ac = { .nslots = 16 };
    while (ac.nslots < 2 * n)
        ac.nslots *= 2;
    ac.slots = xcalloc(ac.nslots, sizeof(*ac.slots));
    for (size_t at = 0; at < len && !err; at += size) {
        uint32_t answer[3];
        for (int k = 0; k < 3; k++)
            if ((answer[k] = get32le(kept + at + alen + 4 * k)) > nnames)
                err = diag_set(diag, TALLY_ERROR_DATABASE,
                               "a web summary (web_winner) is damaged");
        struct answer_count *c = &ac.slots[answer_slot(&ac, answer)];
        memcpy(c->answer, answer, sizeof(answer));
        c->services++;
    }
    for (size_t i = 0; i < ac.nslots && !err; i++) {
        const struct answer_count *c = &ac.slots[i];
        if (!c->services)
            continue;
        sqlite3_reset(insert);
        sqlite3_bind_text(insert, 1, proto, -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 2, port);
        for (int k = 0; k < 3; k++)
            bind_name(insert, 3 + k, names, c->answer[k]);
        sqlite3_bind_int64(insert, 6, c->services);
        if (sqlite3_step(insert) != SQLITE_DONE)
            err = store_fail(store, diag, "cannot count the web services' answers");
    }
    free(ac.slots);
    free(names);
    return err;
}

/* Fills temp.web_label_count (web_count's columns, source_id 0) with the answers of the
 * services of hosts with a matching label, straight from the imports' winners: the way
 * when no two selected imports share a service, so that no winner is ranked again. */
static enum tally_error count_labelled(struct store *store, const struct filters *f,
                                       const struct label_filter *lf, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL, *insert = NULL;
    unsigned char *kept = NULL;
    enum tally_error err = TALLY_OK;
    int rc = SQLITE_DONE;
    if (sqlite3_exec(store_db(store), "CREATE TEMP TABLE IF NOT EXISTS web_label_count "
                     "(source_id, proto, port, app, stack, service, services); "
                     "DELETE FROM temp.web_label_count", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store_db(store), "INSERT INTO temp.web_label_count VALUES "
                           "(0, ?, ?, ?, ?, ?, ?)", -1, &insert, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot count the web services' answers");
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT proto, port, family, names, winners, services");
    summary_where(f, &sql, "web_winner", "1");
    stmt = prepare(store, f, &sql);
    while (stmt && !err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *proto = (const char *)sqlite3_column_text(stmt, 0);
        int family = sqlite3_column_int(stmt, 2);
        sqlite3_int64 services = sqlite3_column_int64(stmt, 5);
        size_t len = 0;
        err = keep_labelled(lf, family, sqlite3_column_blob(stmt, 4),
                            (size_t)sqlite3_column_bytes(stmt, 4), services, &kept, &len, diag);
        if (!err && len > 0)
            err = count_answers(store, insert, proto ? proto : "", sqlite3_column_int64(stmt, 1),
                                family, sqlite3_column_blob(stmt, 3),
                                (size_t)sqlite3_column_bytes(stmt, 3), kept, len,
                                (size_t)sqlite3_column_bytes(stmt, 4) / (size_t)services, diag);
    }
    if (!err && (!stmt || rc != SQLITE_DONE))
        err = store_fail(store, diag, "cannot count the web services' answers");
    sqlite3_finalize(stmt);
    sqlite3_finalize(insert);
    free(kept);
    strbuf_release(&sql);
    return err;
}

/* The --label filter, loaded with the hosts of the selection when it looks them up in the
 * location database; NULL without --label. */
static enum tally_error load_label_filter(struct store *store, const struct filters *f,
                                          struct label_filter **lf, struct tally_diag *diag)
{
    static const char what[] = "cannot read the web services' hosts";
    struct strbuf sql;
    if (!label_filter_reads_location(store, f))
        return label_filter_load(store, f, NULL, lf, diag);
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT family, members, hosts");
    summary_where(f, &sql, "web_host_set", "1");
    sqlite3_stmt *stmt = prepare(store, f, &sql);
    enum tally_error err = stmt ? label_filter_load_selected(store, f, stmt, what, lf, diag)
                                : store_fail(store, diag, what);
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* Appends " FROM counts WHERE cond" for the counts the selection is answered from:
 * web_count; or temp.web_pick (already the selection's) when imports share services;
 * with --label, temp.web_pick or else temp.web_label_count, of the kept services. */
static enum tally_error counts_where(struct store *store, const struct filters *f,
                                     struct strbuf *sql, const char *cond,
                                     struct tally_diag *diag)
{
    int shared = 0;
    struct label_filter *lf = NULL;
    enum tally_error err = services_shared(store, f, &shared, diag);
    if (!err && f->label)
        err = load_label_filter(store, f, &lf, diag);
    if (!err && shared)
        err = pick(store, f, lf, diag);
    else if (!err && lf)
        err = count_labelled(store, f, lf, diag);
    if (!err && (shared || lf))
        strbuf_addf(sql, " FROM temp.%s WHERE %s", shared ? "web_pick" : "web_label_count",
                    cond);
    else if (!err)
        summary_where(f, sql, "web_count", cond);
    label_filter_free(lf);
    return err;
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

/* Services per product of the column col ("app" or "stack"), most first. */
static enum tally_error run_products(struct store *store, const struct filters *f,
                                     const char *col, struct table *t, struct tally_diag *diag)
{
    struct strbuf sql;
    char *cond = xasprintf("%s IS NOT NULL", col);
    enum tally_error err;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT %s AS product, SUM(services) AS services", col);
    err = counts_where(store, f, &sql, cond, diag);
    strbuf_addstr(&sql, " GROUP BY product");
    if (!err)
        err = run_grouped(store, f, &sql, "services DESC, product", t, diag);
    free(cond);
    strbuf_release(&sql);
    return err;
}

static enum tally_error apps_run(struct store *store, const struct filters *f,
                                 struct table **out, struct tally_diag *diag)
{
    *out = new_table("apps", "Application servers (HTTP Server header)", "app", NULL);
    return run_products(store, f, "app", *out, diag);
}

static enum tally_error stacks_run(struct store *store, const struct filters *f,
                                   struct table **out, struct tally_diag *diag)
{
    *out = new_table("stacks", "Application stacks (HTTP X-Powered-By header)", "stack", NULL);
    return run_products(store, f, "stack", *out, diag);
}

static enum tally_error app_stack_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err;

    *out = new_table("app-stack", "Application server to application stack mapping", "app",
                     "stack");
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT COALESCE(app, " NONE ") AS app_name, COALESCE(stack, " NONE
                  ") AS stack_name, SUM(services) AS services");
    err = counts_where(store, f, &sql, "(app IS NOT NULL OR stack IS NOT NULL)", diag);
    strbuf_addstr(&sql, " GROUP BY app_name, stack_name "
                  "ORDER BY services DESC, app_name, stack_name");
    if (!err)
        err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

/* One banner type per service: HTTP's extra banners count as http, certificates as ssl,
 * and a real protocol name beats "unknown", which beats vulnerability notes (as the
 * summaries rank them). */
static enum tally_error services_run(struct store *store, const struct filters *f,
                                     struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err;

    *out = table_new("services", "Banner services by port");
    table_add_id_column(*out, "port");
    table_add_column(*out, "service", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT port, service AS name, SUM(services) AS services");
    err = counts_where(store, f, &sql, "service IS NOT NULL", diag);
    strbuf_addstr(&sql, " GROUP BY port, name ORDER BY port, services DESC, name");
    if (!err)
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

#define WEB_FILTERS (FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_LABEL)

const struct analysis analysis_apps = {
    .name = "apps",
    .title = "Web services per application server (Server header product)",
    .family = "scan",
    .filters = WEB_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Application server", .y_title = "Services",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = apps_run,
    .run_clickhouse = clickhouse_apps_run,
    .has_data = apps_has_data,
};

const struct analysis analysis_stacks = {
    .name = "stacks",
    .title = "Web services per application stack (X-Powered-By product)",
    .family = "scan",
    .filters = WEB_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Application stack", .y_title = "Services",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = stacks_run,
    .run_clickhouse = clickhouse_stacks_run,
    .has_data = stacks_has_data,
};

const struct analysis analysis_app_stack = {
    .name = "app-stack",
    .title = "Web services per application server and stack pair (Sankey)",
    .family = "scan",
    .filters = WEB_FILTERS,
    .chart = { .kind = CHART_SANKEY, .x_title = "Application server",
               .y_title = "Application stack", .category_col = 0, .series_col = 1,
               .value_col = 2 },
    .run = app_stack_run,
    .run_clickhouse = clickhouse_app_stack_run,
    .has_data = app_stack_has_data,
};

const struct analysis analysis_services = {
    .name = "services",
    .title = "Banner service types per port",
    .family = "scan",
    .filters = WEB_FILTERS,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "Port", .y_title = "Services",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = services_run,
    .run_clickhouse = clickhouse_services_run,
    .has_data = services_has_data,
};
