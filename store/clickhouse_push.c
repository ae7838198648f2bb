/* clickhouse_push.c: `tally push`: an import of a SQLite database copied into a ClickHouse
 * one. For each ClickHouse row table (clickhouse.c's list: the scan tables and the capture
 * tables) the import's rows are read from the SQLite table of the same name and written
 * through the store's add functions, as an import writes them; the source row, written
 * last, keeps the original's provenance. */
#include "store/store_internal.h"
#include "store/clickhouse_push.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How a ClickHouse row table is filled from SQLite. A table ClickHouse gains is copied by
 * one more line here. */
struct push_table {
    const char *table;          /* the ClickHouse row table and the SQLite table alike */
    const char *select;         /* one import's rows (?1: its id), in the order stored */
    enum tally_error (*copy)(struct store *to, sqlite3_stmt *row);
    /* The kind its rows are counted as in the source row; NULL: several (an observation's
     * status) or none. A later file of a split capture deletes rows of the earlier one
     * (store_capture_continue()): the copy of the earlier one counts what its import
     * counted, as the source row of a direct import does. */
    const char *counted;
};

/* The address of a row from its ip4 and ip6 columns (ip4 at column col); 0 if it has
 * neither. */
static int row_addr(sqlite3_stmt *row, int col, struct ip_addr *addr)
{
    if (sqlite3_column_type(row, col) == SQLITE_INTEGER) {
        ip_from_v4((uint32_t)sqlite3_column_int64(row, col), addr);
        return 1;
    }
    if (sqlite3_column_bytes(row, col + 1) != 16)
        return 0;
    addr->family = 6;
    memcpy(addr->bytes, sqlite3_column_blob(row, col + 1), 16);
    return 1;
}

static const char *row_text(sqlite3_stmt *row, int col)
{
    return (const char *)sqlite3_column_text(row, col);
}

static const char *row_text_or_empty(sqlite3_stmt *row, int col)
{
    const char *text = row_text(row, col);
    return text ? text : "";
}

static int64_t row_seen(sqlite3_stmt *row, int col)
{
    return sqlite3_column_type(row, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(row, col);
}

static enum tally_error copy_observation(struct store *to, sqlite3_stmt *row)
{
    struct scan_record rec = {
        .proto = row_text_or_empty(row, 2), .port = (unsigned)sqlite3_column_int64(row, 3),
        .status = row_text_or_empty(row, 4), .reason = row_text(row, 5),
        .ttl = sqlite3_column_type(row, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(row, 6),
        .seen = row_seen(row, 7) };
    if (!row_addr(row, 0, &rec.addr))
        return TALLY_ERROR_DATA;
    return store_add_observation(to, &rec);
}

static enum tally_error copy_banner(struct store *to, sqlite3_stmt *row)
{
    struct banner_record rec = {
        .proto = row_text_or_empty(row, 2), .port = (unsigned)sqlite3_column_int64(row, 3),
        .service = row_text_or_empty(row, 4),
        .data = sqlite3_column_blob(row, 5), .len = (size_t)sqlite3_column_bytes(row, 5),
        .seen = row_seen(row, 6) };
    if (!row_addr(row, 0, &rec.addr))
        return TALLY_ERROR_DATA;
    if (!rec.data)
        rec.data = (const unsigned char *)"";
    return store_add_banner(to, &rec);
}

static enum tally_error copy_header(struct store *to, sqlite3_stmt *row)
{
    struct header_record rec = {
        .proto = row_text_or_empty(row, 2), .port = (unsigned)sqlite3_column_int64(row, 3),
        .name = row_text_or_empty(row, 4), .value = row_text_or_empty(row, 5),
        .product = row_text_or_empty(row, 6), .version = row_text(row, 7),
        .seen = row_seen(row, 8) };
    if (!row_addr(row, 0, &rec.addr))
        return TALLY_ERROR_DATA;
    return store_add_header(to, &rec);
}

/* The address in the text column col; 0 if it is not one. */
static int row_text_addr(sqlite3_stmt *row, int col, struct ip_addr *addr)
{
    const char *text = row_text(row, col);
    return text && ip_parse(text, addr) == 0;
}

static double row_real(sqlite3_stmt *row, int col)
{
    return sqlite3_column_double(row, col);
}

static long long row_int(sqlite3_stmt *row, int col)
{
    return sqlite3_column_int64(row, col);
}

static enum tally_error copy_conn(struct store *to, sqlite3_stmt *row)
{
    struct conn_record rec = {
        .proto = row_text_or_empty(row, 0), .orig_port = (unsigned)row_int(row, 2),
        .resp_port = (unsigned)row_int(row, 4),
        .first_seen = row_real(row, 5), .last_seen = row_real(row, 6),
        .orig_packets = row_int(row, 7), .orig_bytes = row_int(row, 8),
        .resp_packets = row_int(row, 9), .resp_bytes = row_int(row, 10),
        .orig_flags = (unsigned)row_int(row, 11), .resp_flags = (unsigned)row_int(row, 12),
        .conn_state = row_text(row, 13), .history = row_text(row, 14),
        .ended = row_text(row, 15) };
    if (!row_text_addr(row, 1, &rec.orig) || !row_text_addr(row, 3, &rec.resp))
        return TALLY_ERROR_DATA;
    return store_add_conns(to, &rec, 1);
}

static enum tally_error copy_probe(struct store *to, sqlite3_stmt *row)
{
    struct probe_record rec = {
        .sport = (unsigned)row_int(row, 1), .dport = (unsigned)row_int(row, 2),
        .first_seen = row_real(row, 3), .last_seen = row_real(row, 4),
        .packets = row_int(row, 5), .bytes = row_int(row, 6),
        .destinations = row_int(row, 7), .answered = row_int(row, 8) };
    if (!row_text_addr(row, 0, &rec.scanner))
        return TALLY_ERROR_DATA;
    return store_add_probe(to, &rec);
}

/* In the order stored: ClickHouse numbers an import's answers as they come (seq). */
static enum tally_error copy_dns(struct store *to, sqlite3_stmt *row)
{
    struct dns_record rec = {
        .seen = row_seen(row, 0), .qname = row_text(row, 3), .qtype = row_text(row, 4),
        .rcode = row_text_or_empty(row, 5), .name = row_text(row, 6),
        .type = row_text(row, 7),
        .ttl = sqlite3_column_type(row, 8) == SQLITE_NULL ? -1 : row_int(row, 8),
        .data = row_text(row, 9) };
    if (!row_text_addr(row, 1, &rec.client) || !row_text_addr(row, 2, &rec.server))
        return TALLY_ERROR_DATA;
    return store_add_dns(to, &rec);
}

/* A metric's value as the import wrote it: an integer, a real or text. */
static enum tally_error copy_summary(struct store *to, sqlite3_stmt *row)
{
    const char *metric = row_text_or_empty(row, 0);
    switch (sqlite3_column_type(row, 1)) {
    case SQLITE_INTEGER:
        return store_add_capture_int(to, metric, row_int(row, 1));
    case SQLITE_FLOAT:
        return store_add_capture_real(to, metric, row_real(row, 1));
    default:
        return store_add_capture_text(to, metric, row_text(row, 1));
    }
}

static const struct push_table push_tables[] = {
    { "observation", "SELECT ip4, ip6, proto, port, status, reason, ttl, seen "
                     "FROM observation WHERE source_id = ?1 ORDER BY rowid", copy_observation,
      NULL },
    { "banner", "SELECT ip4, ip6, proto, port, service, banner, seen "
                "FROM banner WHERE source_id = ?1 ORDER BY rowid", copy_banner, "banner" },
    { "http_header", "SELECT ip4, ip6, proto, port, name, raw, product, version, seen "
                     "FROM http_header WHERE source_id = ?1 ORDER BY rowid", copy_header,
      "header" },
    { "conn", "SELECT proto, orig, orig_port, resp, resp_port, first_seen, last_seen, "
              "orig_packets, orig_bytes, resp_packets, resp_bytes, orig_flags, resp_flags, "
              "conn_state, history, ended FROM conn WHERE source_id = ?1 ORDER BY rowid",
      copy_conn, "connection" },
    { "probe", "SELECT scanner, sport, dport, first_seen, last_seen, packets, bytes, "
               "destinations, answered FROM probe WHERE source_id = ?1 ORDER BY rowid",
      copy_probe, "probe" },
    { "dns_answer", "SELECT seen, client, server, qname, qtype, rcode, name, type, ttl, data "
                    "FROM dns_answer WHERE source_id = ?1 ORDER BY rowid", copy_dns, "dns" },
    { "capture_summary", "SELECT metric, value FROM capture_summary WHERE source_id = ?1 "
                         "ORDER BY rowid", copy_summary, NULL },
};
#define NPUSH_TABLES (sizeof(push_tables) / sizeof(push_tables[0]))

static const struct push_table *push_table_find(const char *name)
{
    for (size_t i = 0; i < NPUSH_TABLES; i++)
        if (strcmp(push_tables[i].table, name) == 0)
            return &push_tables[i];
    return NULL;
}

enum tally_error store_push_select(struct store *from, const char *which, int64_t **ids,
                                   size_t *n, size_t *alloc, int *found,
                                   struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc = SQLITE_ERROR;
    *found = 0;
    if (sqlite3_prepare_v2(from->db, which ? "SELECT id FROM source WHERE CAST(id AS TEXT) = "
                           "?1 OR tag = ?1 ORDER BY id" : "SELECT id FROM source ORDER BY id",
                           -1, &stmt, NULL) == SQLITE_OK) {
        if (which)
            sqlite3_bind_text(stmt, 1, which, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(stmt, 0);
            int known = 0;
            (*found)++;
            for (size_t i = 0; i < *n && !known; i++)
                known = (*ids)[i] == id;
            if (known)
                continue;
            if (*n == *alloc) {
                *alloc = *alloc ? 2 * *alloc : 16;
                *ids = xrealloc(*ids, *alloc * sizeof(**ids));
            }
            (*ids)[(*n)++] = id;
        }
    }
    if (rc != SQLITE_DONE)
        err = store_fail(from, diag, "cannot read the sources");
    sqlite3_finalize(stmt);
    return err;
}

void store_push_result_release(struct store_push_result *r)
{
    free(r->path);
    free(r->format);
    memset(r, 0, sizeof(*r));
}

/* The original's source row. */
struct original {
    char *path, *format, *tag, *owner, *sha256, *imported_at, *counts;
    long long bytes, skipped, records;
    double seconds;
};

static char *column_copy(sqlite3_stmt *stmt, int col)
{
    const char *text = row_text(stmt, col);
    return text ? xstrdup(text) : NULL;
}

static void original_release(struct original *o)
{
    free(o->path);
    free(o->format);
    free(o->tag);
    free(o->owner);
    free(o->sha256);
    free(o->imported_at);
    free(o->counts);
}

static enum tally_error original_read(struct store *from, int64_t id, struct original *o,
                                      struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    if (sqlite3_prepare_v2(from->db, "SELECT path, format, tag, owner, sha256, imported_at, "
                           "counts, bytes, skipped, records, seconds FROM source WHERE id = ?",
                           -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(from, diag, "cannot read the source");
        goto done;
    }
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        err = diag_set(diag, TALLY_ERROR_USAGE, "%s has no source %lld", from->path,
                       (long long)id);
        goto done;
    }
    o->path = column_copy(stmt, 0);
    o->format = column_copy(stmt, 1);
    o->tag = column_copy(stmt, 2);
    o->owner = column_copy(stmt, 3);
    o->sha256 = column_copy(stmt, 4);
    o->imported_at = column_copy(stmt, 5);
    o->counts = column_copy(stmt, 6);
    o->bytes = sqlite3_column_int64(stmt, 7);
    o->skipped = sqlite3_column_int64(stmt, 8);
    o->records = sqlite3_column_int64(stmt, 9);
    o->seconds = sqlite3_column_double(stmt, 10);
    if (!o->path || !o->format || !o->sha256 || !o->imported_at)
        err = diag_set(diag, TALLY_ERROR_DATABASE, "source %lld of %s is unfinished or "
                       "damaged (no path, format, content hash or time of import)",
                       (long long)id, from->path);

done:
    sqlite3_finalize(stmt);
    return err;
}

/* The ClickHouse source with the content hash sha256, if any: its id in *id. */
static enum tally_error find_same(struct store *to, const char *sha256, int64_t *id,
                                  struct tally_diag *diag)
{
    struct strbuf sql;
    struct clickhouse_rows rows;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT id FROM source WHERE sha256 = ");
    clickhouse_quote(&sql, sha256);
    strbuf_addstr(&sql, " ORDER BY id LIMIT 1");
    enum tally_error err = clickhouse_select(to, sql.buf, &rows, "cannot read the sources",
                                             diag);
    *id = 0;
    if (!err && clickhouse_next_row(&rows) && rows.nfields > 0 && rows.field[0])
        *id = strtoll(rows.field[0], NULL, 10);
    clickhouse_rows_release(&rows);
    strbuf_release(&sql);
    return err;
}

/* Puts the copy's counts in the order the original's counts string names the kinds (the
 * order its import met them), those it does not name last. */
static void order_counts(struct store_counts *c, const char *original)
{
    struct store_counts sorted = { 0 };
    char kind[sizeof(c->kind[0])];
    for (const char *p = original ? original : ""; *p;) {
        size_t len = strcspn(p, "=");
        if (len < sizeof(kind)) {
            memcpy(kind, p, len);
            kind[len] = '\0';
            for (int i = 0; i < c->n; i++) {
                if (c->kind[i][0] && strcmp(c->kind[i], kind) == 0) {
                    memcpy(sorted.kind[sorted.n], c->kind[i], sizeof(kind));
                    sorted.count[sorted.n++] = c->count[i];
                    c->kind[i][0] = '\0';
                }
            }
        }
        p += strcspn(p, " ");
        p += *p == ' ';
    }
    for (int i = 0; i < c->n; i++) {
        if (c->kind[i][0]) {
            memcpy(sorted.kind[sorted.n], c->kind[i], sizeof(kind));
            sorted.count[sorted.n++] = c->count[i];
        }
    }
    *c = sorted;
}

/* The count of kind in a source's counts ("open=3 banner=2"); -1 when it names none. */
static long long original_count(const char *counts, const char *kind)
{
    size_t len = strlen(kind);
    for (const char *p = counts ? counts : ""; *p;) {
        if (strncmp(p, kind, len) == 0 && p[len] == '=')
            return strtoll(p + len + 1, NULL, 10);
        p += strcspn(p, " ");
        p += *p == ' ';
    }
    return -1;
}

/* The copy's count of each kind one table's rows are counted as made what the original's
 * import counted (push_table.counted says why they may differ). */
static enum tally_error count_as_original(struct store *to, const char *counts)
{
    const struct store_counts *c = store_import_counts(to);
    enum tally_error err = TALLY_OK;
    for (size_t t = 0; t < NPUSH_TABLES && !err; t++) {
        const char *kind = push_tables[t].counted;
        long long want = kind ? original_count(counts, kind) : -1, have = 0;
        if (want < 0)
            continue;
        for (int i = 0; i < c->n; i++)
            if (strcmp(c->kind[i], kind) == 0)
                have = c->count[i];
        if (want != have)
            err = store_count(to, kind, want - have);
    }
    return err;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether the SQLite table `name` (a trusted name) holds rows of source id. */
static int has_rows(struct store *from, const char *name, int64_t id)
{
    char *sql = xasprintf("SELECT 1 FROM %s WHERE source_id = ? LIMIT 1", name);
    sqlite3_stmt *stmt = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(from->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, id);
        found = sqlite3_step(stmt) == SQLITE_ROW;
    }
    sqlite3_finalize(stmt);
    free(sql);
    return found;
}

/* Copies the rows of one table; *copied counts them for the progress. */
static enum tally_error copy_table(struct store *from, int64_t id, struct store *to,
                                   const struct push_table *pt, store_push_progress_fn *progress,
                                   void *data, unsigned long long *copied,
                                   unsigned long long total, struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc = SQLITE_ERROR;
    if (sqlite3_prepare_v2(from->db, pt->select, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, id);
        while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            err = pt->copy(to, stmt);
            if ((++*copied & 0xfff) == 0 && progress)
                progress(data, *copied, total);
        }
    }
    if (err == TALLY_ERROR_DATA)
        err = diag_set(diag, TALLY_ERROR_DATABASE, "a row of %s of source %lld in %s has no "
                       "address it can read", pt->table, (long long)id, from->path);
    else if (err)
        err = store_fail(to, diag, "cannot copy the rows");
    else if (rc != SQLITE_DONE)
        err = store_fail(from, diag, "cannot read the rows");
    sqlite3_finalize(stmt);
    return err;
}

enum tally_error store_push(struct store *from, int64_t id, struct store *to,
                            store_push_progress_fn *progress, void *data,
                            struct store_push_result *r, struct tally_diag *diag)
{
    struct original o = { 0 };
    enum tally_error err;
    double started = now_seconds();
    unsigned long long copied = 0;
    memset(r, 0, sizeof(*r));
    if (!to->clickhouse || from->clickhouse)
        return diag_set(diag, TALLY_ERROR_USAGE, "push copies from a SQLite database into "
                        "a ClickHouse one");
    if ((err = original_read(from, id, &o, diag)))
        goto done;
    r->path = xstrdup(o.path);
    r->format = xstrdup(o.format);
    if ((err = find_same(to, o.sha256, &r->source_id, diag)) || r->source_id) {
        r->duplicate = r->source_id != 0;
        goto done;
    }
    /* Rows of a table ClickHouse has no copy for stop the copy before it starts. */
    for (int t = 0; t < clickhouse_row_table_count(); t++) {
        const char *name = clickhouse_row_table_name(t);
        if (!push_table_find(name) && has_rows(from, name, id)) {
            err = diag_set(diag, TALLY_ERROR_UNSUPPORTED, "push does not copy %s rows yet",
                           name);
            goto done;
        }
    }
    struct source_info info = { .path = o.path, .format = o.format, .tag = o.tag,
                                .owner = o.owner };
    if ((err = store_import_begin(to, &info, diag))) {
        if (err == TALLY_ERROR_UNSUPPORTED)
            diag_set(diag, err, "ClickHouse takes no %s imports yet: they stay in SQLite",
                     o.format);
        goto done;
    }
    for (int t = 0; t < clickhouse_row_table_count() && !err; t++) {
        const struct push_table *pt = push_table_find(clickhouse_row_table_name(t));
        if (pt)
            err = copy_table(from, id, to, pt, progress, data, &copied,
                             (unsigned long long)o.records, diag);
    }
    if (!err) {
        order_counts(&to->counts, o.counts);
        r->counts = to->counts;
        if (count_as_original(to, o.counts))
            err = store_fail(to, diag, "cannot copy the counts");
    }
    if (!err) {
        struct clickhouse_copied copy = { .sha256 = o.sha256, .bytes = o.bytes,
                                          .skipped = o.skipped, .seconds = o.seconds,
                                          .imported_at = o.imported_at };
        order_counts(&to->counts, o.counts);
        err = clickhouse_import_commit_copy(to, &copy, &r->source_id, diag);
        if (err == TALLY_ERROR_DUPLICATE) {
            r->duplicate = 1;
            memset(&r->counts, 0, sizeof(r->counts));
            err = TALLY_OK;
        }
    } else {
        store_import_rollback(to);
    }
    if (progress)
        progress(data, copied, (unsigned long long)o.records);

done:
    r->seconds = now_seconds() - started;
    original_release(&o);
    return err;
}
