/* clickhouse_push.c: `tally push`: an import of a SQLite database copied into a ClickHouse
 * one. For each ClickHouse row table (clickhouse.c's list) the import's rows are read from
 * the SQLite table of the same name and written through the store's add functions, as an
 * import writes them; the source row, written last, keeps the original's provenance. */
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

static const struct push_table push_tables[] = {
    { "observation", "SELECT ip4, ip6, proto, port, status, reason, ttl, seen "
                     "FROM observation WHERE source_id = ?1 ORDER BY rowid", copy_observation },
    { "banner", "SELECT ip4, ip6, proto, port, service, banner, seen "
                "FROM banner WHERE source_id = ?1 ORDER BY rowid", copy_banner },
    { "http_header", "SELECT ip4, ip6, proto, port, name, raw, product, version, seen "
                     "FROM http_header WHERE source_id = ?1 ORDER BY rowid", copy_header },
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
                       "address", pt->table, (long long)id, from->path);
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
        struct clickhouse_copied copy = { .sha256 = o.sha256, .bytes = o.bytes,
                                          .skipped = o.skipped, .seconds = o.seconds,
                                          .imported_at = o.imported_at };
        order_counts(&to->counts, o.counts);
        r->counts = to->counts;
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
