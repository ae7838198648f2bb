/* store.c: opening and migrating the SQLite file (the table of the store's parts and their
 * migrations), provenance (the source table), the one-transaction-per-import protocol
 * (the import's host sets and web summaries written when it commits), and forgetting an import. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char source_schema[] =
    "CREATE TABLE source (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  path TEXT NOT NULL,          -- as given on the command line ('-' = stdin)\n"
    "  format TEXT NOT NULL,        -- importer name\n"
    "  tag TEXT,\n"
    "  owner TEXT,                  -- --owner e-mail for calendars\n"
    "  bytes INTEGER,               -- content bytes (after decompression)\n"
    "  sha256 TEXT,                 -- of the content\n"
    "  imported_at TEXT NOT NULL,   -- ISO-8601 UTC\n"
    "  seconds REAL,\n"
    "  records INTEGER,\n"
    "  skipped INTEGER,\n"
    "  counts TEXT                  -- records by kind, e.g. 'open=12 banner=3'\n"
    ");\n"
    "CREATE INDEX source_sha256 ON source(sha256);\n";

static const struct store_migration source_migrations[] = {
    { 1, source_schema, NULL },
    { 0, NULL, NULL }
};

/* Provenance: the source rows themselves are removed by store_forget() last. */
static const char *const source_tables[] = { NULL };

static const struct store_part store_part_source = {
    .name = "source", .migrations = source_migrations, .tables = source_tables
};

/* Every part of the store. A schema change is a migration in one of them (the next
 * version number); a new kind of data is a new part here. */
static const struct store_part *const store_parts[] = {
    &store_part_source, &store_part_scan, &store_part_capture, &store_part_personal,
    &store_part_hostset, &store_part_web, &store_part_cert,
    &store_part_label,
    &store_part_names,
    &store_part_tls,
};
#define NPARTS (sizeof(store_parts) / sizeof(store_parts[0]))

/* The schema version this tally writes: the highest of the parts' migrations. */
static int schema_version(void)
{
    int version = 0;
    for (size_t p = 0; p < NPARTS; p++)
        for (const struct store_migration *m = store_parts[p]->migrations; m->version; m++)
            if (m->version > version)
                version = m->version;
    return version;
}

sqlite3 *store_db(struct store *store)
{
    return store->db;
}

/* How long another tally writing the same file is waited for: 30 s, or
 * $TALLY_BUSY_TIMEOUT milliseconds. */
static int busy_timeout_ms(void)
{
    const char *busy = getenv("TALLY_BUSY_TIMEOUT");
    return busy && *busy ? atoi(busy) : 30000;
}

/* SQLITE_BUSY after the busy timeout: another process holds the lock. */
static int is_locked(struct store *store)
{
    return (sqlite3_extended_errcode(store->db) & 0xff) == SQLITE_BUSY;
}

static store_progress_fn *progress_hook;
static void *progress_hook_data;

void store_set_progress(store_progress_fn *fn, void *data)
{
    progress_hook = fn;
    progress_hook_data = data;
}

void store_progress(const char *what, unsigned long long done, unsigned long long total,
                    int finished)
{
    if (progress_hook)
        progress_hook(progress_hook_data, what, done, total, finished);
}

unsigned long long store_last_rowid(struct store *store, const char *table)
{
    char *sql = xasprintf("SELECT MAX(rowid) FROM %s", table);
    sqlite3_stmt *stmt = NULL;
    unsigned long long last = 0;
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        last = (unsigned long long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    free(sql);
    return last;
}

static enum tally_error locked(struct store *store, struct tally_diag *diag)
{
    return diag_set(diag, TALLY_ERROR_DATABASE,
                    "%s: the database is locked by another process (waited %g s)",
                    store->path, busy_timeout_ms() / 1000.0);
}

enum tally_error store_fail(struct store *store, struct tally_diag *diag, const char *what)
{
    if (store && store->clickhouse)
        return clickhouse_fail(store, diag, what);
    if (!store || !store->db)
        return diag_set(diag, TALLY_ERROR_DATABASE, "%s: cannot open the database", what);
    store_writer_wait(store);           /* the writer leaves the connection alone */
    if (store->counts_failure[0])
        return diag_set(diag, TALLY_ERROR_LIMIT, "%s: %s", what, store->counts_failure);
    /* SQLite says "disk I/O error"; the system error says why (disk full, file too large). */
    int sys = sqlite3_system_errno(store->db);
    int code = sqlite3_extended_errcode(store->db);
    const char *message = sqlite3_errmsg(store->db);
    store_writer_failure(store, &code, &sys, &message);     /* a queued row's, if any */
    if ((code & 0xff) == SQLITE_BUSY)
        return locked(store, diag);
    const char *hint = "";
    if (sys == 0 && ((code & 0xff) == SQLITE_IOERR || code == SQLITE_FULL))
        hint = " (is the disk full, or a file size limit reached?)";
    return diag_set(diag, TALLY_ERROR_DATABASE, "%s: %s%s%s%s%s (database %s)", what,
                    message, sys ? " (" : "", sys ? strerror(sys) : "",
                    sys ? ")" : "", hint, store->path);
}

static enum tally_error exec_sql(struct store *store, const char *sql, struct tally_diag *diag,
                                 const char *what)
{
    char *err = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        if (is_locked(store)) {
            sqlite3_free(err);
            return locked(store, diag);
        }
        diag_set(diag, TALLY_ERROR_DATABASE, "%s: %s", what, err ? err : "failed");
        sqlite3_free(err);
        return TALLY_ERROR_DATABASE;
    }
    return TALLY_OK;
}

static int user_version(struct store *store)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

/* One step of the schema, from version - 1 to version, in the transaction under way. */
static enum tally_error migrate_step(struct store *store, int version, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    for (size_t p = 0; p < NPARTS && !err; p++) {
        for (const struct store_migration *m = store_parts[p]->migrations;
             m->version && !err; m++) {
            if (m->version != version)
                continue;
            char *what = xasprintf("cannot bring the %s tables to schema %d",
                                   store_parts[p]->name, version);
            err = exec_sql(store, m->sql, diag, what);
            free(what);
            if (!err && m->build)
                err = m->build(store, diag);
        }
    }
    if (!err) {
        char *sql = xasprintf("PRAGMA user_version = %d", version);
        err = exec_sql(store, sql, diag, "cannot set the schema version");
        free(sql);
    }
    return err;
}

/* Brings the database to `target` one version at a time, each step a transaction of its
 * own: an interrupted walk leaves the file at the last whole step. The version is read
 * again under the lock, so two tallies opening the same old file do not both migrate. */
static enum tally_error migrate_walk(struct store *store, int target, struct tally_diag *diag)
{
    for (;;) {
        enum tally_error err = exec_sql(store, "BEGIN IMMEDIATE", diag,
                                        "cannot lock the database");
        if (err)
            return err;
        int version = user_version(store);
        if (version < 0)
            err = store_fail(store, diag, "cannot read the schema version");
        else if (version >= target)
            return exec_sql(store, "COMMIT", diag, "cannot commit the schema");
        if (err || (err = migrate_step(store, version + 1, diag)) ||
            (err = exec_sql(store, "COMMIT", diag, "cannot commit the schema"))) {
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            return err;
        }
    }
}

/* A read-only open of a database an older tally wrote migrates it through a read-write
 * connection of its own first: reading needs the current schema. */
static enum tally_error migrate_for_reading(struct store *store, int version,
                                            struct tally_diag *diag)
{
    struct store *writer = NULL;
    enum tally_error err = store_open(store->path, STORE_READ_WRITE, &writer, diag);
    store_close(writer);
    if (err) {
        char why[sizeof(diag->message)];
        snprintf(why, sizeof(why), "%s", diag->message);
        return diag_set(diag, err, "%s was written by an older tally (schema %d) and "
                        "cannot be upgraded to schema %d: %s", store->path, version,
                        schema_version(), why);
    }
    return TALLY_OK;
}

static enum tally_error migrate(struct store *store, enum store_mode mode,
                                struct tally_diag *diag)
{
    int version = user_version(store), target = schema_version();
    if (version < 0 && is_locked(store))
        return locked(store, diag);
    if (version < 0)
        return diag_set(diag, TALLY_ERROR_DATABASE,
                        "%s is not a tally database (or is damaged): %s", store->path,
                        sqlite3_errmsg(store->db));
    if (version > target)
        return diag_set(diag, TALLY_ERROR_DATABASE,
                        "%s was written by a newer tally (schema %d, this one knows %d)",
                        store->path, version, target);
    if (version == target)
        return TALLY_OK;
    if (mode == STORE_READ_ONLY && version == 0)
        return diag_set(diag, TALLY_ERROR_DATABASE,
                        "%s has no tally data yet: import something first", store->path);
    if (mode == STORE_READ_ONLY)
        return migrate_for_reading(store, version, diag);
    return migrate_walk(store, target, diag);
}

enum tally_error store_open(const char *path, enum store_mode mode, struct store **out,
                            struct tally_diag *diag)
{
    if (clickhouse_is_url(path))
        return clickhouse_store_open(path, mode, out, diag);
    struct store *store = xcalloc(1, sizeof(*store));
    store->writer = store_writer_new();
    enum tally_error err = TALLY_OK;
    struct stat st;
    store->path = xstrdup(path);
    *out = NULL;

    if (mode == STORE_READ_ONLY && stat(path, &st) != 0) {
        err = diag_set(diag, TALLY_ERROR_IO, "no database at %s: import something first "
                       "(tally import FILE), or name one with -d", path);
        goto fail;
    }
    store->created = mode == STORE_READ_WRITE && stat(path, &st) != 0 && errno == ENOENT &&
                     path[0] != '\0' && path[0] != ':';
    /* One connection per process, used by one thread at a time (the importer's, or the
     * writer's while the importer waits for it): no mutexes needed. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int flags = (mode == STORE_READ_ONLY ? SQLITE_OPEN_READONLY
                                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK) {
        err = diag_set(diag, TALLY_ERROR_DATABASE, "cannot open %s: %s", path,
                       store->db ? sqlite3_errmsg(store->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(store->db, 1);
    /* Another tally writing the same file is waited for, then reported. */
    sqlite3_busy_timeout(store->db, busy_timeout_ms());
    sqlite3_exec(store->db, "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536; "
                 "PRAGMA temp_store = FILE", NULL, NULL, NULL);
    err = migrate(store, mode, diag);
    if (err)
        goto fail;
    *out = store;
    return TALLY_OK;

fail:
    store_close(store);
    return err;
}

/* Runs a query of one integer; returns whether it answered, with the answer in *value. */
static int query_int(struct store *store, const char *sql, int *value)
{
    sqlite3_stmt *stmt = NULL;
    int answered = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
                   sqlite3_step(stmt) == SQLITE_ROW;
    if (answered)
        *value = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return answered;
}

/* Whether the database is known to hold no import: no source rows or, without a source
 * table, no tables at all. */
static int holds_nothing(struct store *store)
{
    int empty = 0;
    if (!query_int(store, "SELECT NOT EXISTS (SELECT 1 FROM source)", &empty) &&
        !query_int(store, "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master)", &empty))
        return 0;
    return empty;
}

void store_close(struct store *store)
{
    if (!store)
        return;
    if (store->in_import)
        store_import_rollback(store);
    if (store->writer)
        store_writer_stop(store, 1);
    store_writer_free(store->writer);
    for (size_t i = 0; i < store->nstatements; i++)
        sqlite3_finalize(store->statements[i].stmt);
    free(store->statements);
    /* A database created here into which nothing was imported is not left behind: a
     * failed first import leaves the folder as it was. */
    int remove_file = store->created && store->db && holds_nothing(store);
    sqlite3_close(store->db);
    if (remove_file)
        unlink(store->path);
    clickhouse_close(store);
    free(store->path);
    free(store);
}

sqlite3_stmt *store_prepared(struct store *store, const char *sql)
{
    for (size_t i = 0; i < store->nstatements; i++)
        if (store->statements[i].sql == sql)
            return store->statements[i].stmt;
    store_writer_wait(store);           /* the connection is needed */
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
        SQLITE_OK)
        return NULL;
    if (store->nstatements == store->statements_alloc) {
        store->statements_alloc = store->statements_alloc ? 2 * store->statements_alloc : 32;
        store->statements = xrealloc(store->statements,
                                     store->statements_alloc * sizeof(*store->statements));
    }
    store->statements[store->nstatements++] = (struct store_statement){ sql, stmt };
    return stmt;
}

sqlite3_stmt *store_statement(struct store *store, const char *sql)
{
    store_writer_wait(store);
    sqlite3_stmt *stmt = store_prepared(store, sql);
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
    return stmt;
}

enum tally_error store_step_done(sqlite3_stmt *stmt)
{
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? TALLY_OK : TALLY_ERROR_DATABASE;
}

void store_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, index);
}

/* ---- imports ---- */

enum tally_error store_import_begin(struct store *store, const struct source_info *info,
                                    struct tally_diag *diag)
{
    static const char insert_source[] =
        "INSERT INTO source (path, format, tag, owner, imported_at) VALUES (?, ?, ?, ?, ?)";
    char now[32];
    time_t t = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch)
        t = (time_t)strtoll(epoch, NULL, 10);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    if (store->clickhouse)
        return clickhouse_import_begin(store, info, diag);
    enum tally_error err = exec_sql(store, "BEGIN IMMEDIATE", diag, "cannot lock the database");
    if (err)
        return err;
    store->in_import = 1;
    hostset_builder_free(store->hostsets);
    store->hostsets = hostset_builder_new();
    web_builder_free(store->web);
    store->web = web_builder_new();
    cert_known_free(store->certs);
    store->certs = NULL;
    memset(&store->counts, 0, sizeof(store->counts));
    store->counts_failure[0] = '\0';
    store->next_event_id = 0;
    sqlite3_stmt *stmt = store_statement(store, insert_source);
    if (!stmt)
        goto fail;
    store_bind_text(stmt, 1, info->path);
    store_bind_text(stmt, 2, info->format);
    store_bind_text(stmt, 3, info->tag);
    store_bind_text(stmt, 4, info->owner);
    store_bind_text(stmt, 5, now);
    if (store_step_done(stmt))
        goto fail;
    store->source_id = sqlite3_last_insert_rowid(store->db);
    cert_import_begin(store);
    store_writer_start(store);
    return TALLY_OK;

fail:
    err = store_fail(store, diag, "cannot record the import");
    store_import_rollback(store);
    return err;
}

enum tally_error store_count(struct store *store, const char *kind, long long n)
{
    struct store_counts *c = &store->counts;
    for (int i = 0; i < c->n; i++) {
        if (strcmp(c->kind[i], kind) == 0) {
            c->count[i] += n;
            return TALLY_OK;
        }
    }
    if (c->n == STORE_MAX_KINDS || strlen(kind) >= sizeof(c->kind[0])) {
        if (!store->counts_failure[0])
            snprintf(store->counts_failure, sizeof(store->counts_failure),
                     c->n == STORE_MAX_KINDS ? "more than %d kinds of record in one import"
                                             : "a kind of record named in over %d bytes",
                     c->n == STORE_MAX_KINDS ? STORE_MAX_KINDS
                                             : (int)sizeof(c->kind[0]) - 1);
        return TALLY_ERROR_LIMIT;
    }
    memcpy(c->kind[c->n], kind, strlen(kind) + 1);
    c->count[c->n++] = n;
    return TALLY_OK;
}

const struct store_counts *store_import_counts(const struct store *store)
{
    return &store->counts;
}

int64_t store_import_source(const struct store *store)
{
    return store->source_id;
}

enum tally_error store_import_commit(struct store *store, const char *sha256_hex,
                                     long long bytes, long long skipped, double seconds,
                                     int64_t *source_id, struct tally_diag *diag)
{
    static const char find_same[] = "SELECT id FROM source WHERE sha256 = ? AND id <> ?";
    static const char finish_source[] =
        "UPDATE source SET sha256 = ?, bytes = ?, skipped = ?, seconds = ?, records = ?, "
        "counts = ? WHERE id = ?";
    enum tally_error err;
    if (store->clickhouse)
        return clickhouse_import_commit(store, sha256_hex, bytes, skipped, seconds, source_id,
                                        diag);
    if (store_writer_wait(store) || store->counts_failure[0])
        goto fail;
    sqlite3_stmt *stmt = store_statement(store, find_same);
    if (!stmt)
        goto fail;
    sqlite3_bind_text(stmt, 1, sha256_hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, store->source_id);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *source_id = sqlite3_column_int64(stmt, 0);
        sqlite3_reset(stmt);
        store_import_rollback(store);
        return TALLY_ERROR_DUPLICATE;
    }
    sqlite3_reset(stmt);

    struct strbuf counts;
    long long records = 0;
    strbuf_init(&counts);
    for (int i = 0; i < store->counts.n; i++) {
        strbuf_addf(&counts, "%s%s=%lld", i ? " " : "", store->counts.kind[i],
                    store->counts.count[i]);
        records += store->counts.count[i];
    }
    stmt = store_statement(store, finish_source);
    if (!stmt) {
        strbuf_release(&counts);
        goto fail;
    }
    sqlite3_bind_text(stmt, 1, sha256_hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, bytes);
    sqlite3_bind_int64(stmt, 3, skipped);
    sqlite3_bind_double(stmt, 4, seconds);
    sqlite3_bind_int64(stmt, 5, records);
    sqlite3_bind_text(stmt, 6, counts.buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 7, store->source_id);
    err = store_step_done(stmt);
    strbuf_release(&counts);
    if (err || hostset_builder_write(store, store->hostsets) ||
        web_builder_write(store, store->web) || cert_chain_mark(store) ||
        cert_count_build(store) || scan_indexes_build(store))
        goto fail;
    if (sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    store_writer_stop(store, 0);
    store->in_import = 0;
    hostset_builder_free(store->hostsets);
    store->hostsets = NULL;
    web_builder_free(store->web);
    store->web = NULL;
    cert_known_free(store->certs);
    store->certs = NULL;
    *source_id = store->source_id;
    return TALLY_OK;

fail:
    err = store_fail(store, diag, "cannot finish the import");
    store_import_rollback(store);
    return err;
}

void store_import_rollback(struct store *store)
{
    if (store->clickhouse) {
        clickhouse_import_rollback(store);
        return;
    }
    store_writer_stop(store, 1);
    for (size_t i = 0; i < store->nstatements; i++)
        sqlite3_reset(store->statements[i].stmt);
    if (store->in_import)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    store->in_import = 0;
    hostset_builder_free(store->hostsets);
    store->hostsets = NULL;
    web_builder_free(store->web);
    store->web = NULL;
    cert_known_free(store->certs);
    store->certs = NULL;
}

/* ---- forget ---- */

static enum tally_error delete_rows(struct store *store, const char *const *tables,
                                    struct tally_diag *diag)
{
    for (int i = 0; tables[i]; i++) {
        char *sql = xasprintf("DELETE FROM %s WHERE source_id IN (SELECT id FROM forget_ids)",
                              tables[i]);
        enum tally_error err = exec_sql(store, sql, diag, "cannot forget");
        free(sql);
        if (err)
            return err;
    }
    return TALLY_OK;
}

enum tally_error store_forget(struct store *store, const char *which, int *removed,
                              struct tally_diag *diag)
{
    enum tally_error err;
    sqlite3_stmt *stmt = NULL;
    if (store->clickhouse)
        return clickhouse_forget(store, which, removed, diag);
    *removed = 0;
    err = exec_sql(store, "BEGIN IMMEDIATE; CREATE TEMP TABLE IF NOT EXISTS forget_ids(id); "
                   "DELETE FROM forget_ids", diag, "cannot lock the database");
    if (err)
        return err;
    if (sqlite3_prepare_v2(store->db, "INSERT INTO forget_ids SELECT id FROM source "
                           "WHERE CAST(id AS TEXT) = ?1 OR tag = ?1", -1, &stmt, NULL) !=
            SQLITE_OK ||
        (sqlite3_bind_text(stmt, 1, which, -1, SQLITE_TRANSIENT), sqlite3_step(stmt)) !=
            SQLITE_DONE) {
        err = store_fail(store, diag, "cannot find the source");
        goto done;
    }
    *removed = sqlite3_changes(store->db);
    for (size_t p = 0; p < NPARTS; p++)
        if ((err = delete_rows(store, store_parts[p]->tables, diag)))
            goto done;
    err = exec_sql(store, "DELETE FROM source WHERE id IN (SELECT id FROM forget_ids)", diag,
                   "cannot forget");

done:
    sqlite3_finalize(stmt);
    if (err)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    else
        err = exec_sql(store, "COMMIT", diag, "cannot commit");
    return err;
}
