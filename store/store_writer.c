/* store_writer.c: the rows an import adds are written by a thread of their own, so that
 * the importer's reading and parsing overlap SQLite's inserting. An add function queues a
 * row (its statement and copies of its parameters) with store_row_begin(), store_row_*()
 * and store_row_end(). Rows go to the writer thread in batches, one batch filled while the
 * other is written; everything else that uses the connection first waits for the writer
 * (store_writer_wait()). Outside an import, or when no thread can be started, a row is
 * written as soon as it is complete. Rows of a single-row INSERT begun with
 * store_row_begin_grouped() that follow one another go up to GROUP_ROWS to a statement
 * (its VALUES list repeated): SQLite's work per statement, a third of an observation's
 * cost, is then shared. */
#include "store/store_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A batch is handed over when it holds this much. */
#define BATCH_ROWS 2048
#define BATCH_PARAMS 16384
#define BATCH_BYTES (512u * 1024)
#define GROUP_ROWS 16

enum param_type { PARAM_INT, PARAM_DOUBLE, PARAM_TEXT, PARAM_BLOB };

struct param {
    int index;
    enum param_type type;
    union {
        sqlite3_int64 i;
        double d;
        struct {
            size_t offset, len;         /* in the batch's bytes */
        } bytes;
    } value;
};

struct row {
    sqlite3_stmt *stmt;
    size_t first, count;                /* its params */
    const char *group;                  /* grouped: the single-row INSERT; else NULL */
    int rows;                           /* grouped: how many rows its statement inserts */
};

/* A single-row INSERT and its texts for 2 .. GROUP_ROWS rows. */
struct group_sql {
    const char *sql;
    char *text[GROUP_ROWS + 1];         /* [k]: k rows, made when first asked for */
    int params;                         /* per row */
};

struct batch {
    struct row *rows;
    size_t nrows, rows_alloc;
    struct param *params;
    size_t nparams, params_alloc;
    unsigned char *bytes;
    size_t nbytes, bytes_alloc;
};

struct failure {
    int code, sys;                      /* extended result code, system errno */
    char message[256];
};

struct store_writer {
    struct batch batches[2];
    struct batch *filling;              /* the importer's side */
    int threaded;                       /* the thread runs */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    /* Under lock: */
    struct batch *handed;               /* the batch being written; NULL: the writer idles */
    int stop;
    int failed;                         /* a row failed: the rest are dropped */
    struct failure failure;
    /* The importer's copy of failed, read at each hand-over. */
    int seen_failed;
    struct group_sql *groups;
    size_t ngroups;
    int extending;                      /* the row begun adds to the batch's last row */
    int param_offset;                   /* added to the params' indexes of that row */
};

struct store_writer *store_writer_new(void)
{
    struct store_writer *w = xcalloc(1, sizeof(*w));
    w->filling = &w->batches[0];
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    return w;
}

void store_writer_free(struct store_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < 2; i++) {
        free(w->batches[i].rows);
        free(w->batches[i].params);
        free(w->batches[i].bytes);
    }
    for (size_t i = 0; i < w->ngroups; i++)
        for (int k = 2; k <= GROUP_ROWS; k++)
            free(w->groups[i].text[k]);
    free(w->groups);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static void batch_clear(struct batch *b)
{
    b->nrows = b->nparams = b->nbytes = 0;
}

/* Binds and steps every row of b; on a failure, says why in *f and stops. */
static int write_batch(struct store *store, struct batch *b, struct failure *f)
{
    for (size_t r = 0; r < b->nrows; r++) {
        const struct row *row = &b->rows[r];
        sqlite3_stmt *stmt = row->stmt;
        sqlite3_clear_bindings(stmt);
        for (size_t i = row->first; i < row->first + row->count; i++) {
            const struct param *p = &b->params[i];
            switch (p->type) {
            case PARAM_INT:
                sqlite3_bind_int64(stmt, p->index, p->value.i);
                break;
            case PARAM_DOUBLE:
                sqlite3_bind_double(stmt, p->index, p->value.d);
                break;
            case PARAM_TEXT:
                sqlite3_bind_text(stmt, p->index,
                                  (const char *)b->bytes + p->value.bytes.offset,
                                  (int)p->value.bytes.len, SQLITE_STATIC);
                break;
            case PARAM_BLOB:
                sqlite3_bind_blob(stmt, p->index, b->bytes + p->value.bytes.offset,
                                  (int)p->value.bytes.len, SQLITE_STATIC);
                break;
            }
        }
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            f->code = sqlite3_extended_errcode(store->db);
            f->sys = sqlite3_system_errno(store->db);
            snprintf(f->message, sizeof(f->message), "%s", sqlite3_errmsg(store->db));
            sqlite3_reset(stmt);
            return -1;
        }
        sqlite3_reset(stmt);
    }
    return 0;
}

static void *writer_main(void *arg)
{
    struct store *store = arg;
    struct store_writer *w = store->writer;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->handed && !w->stop)
            pthread_cond_wait(&w->changed, &w->lock);
        if (!w->handed)
            break;
        struct batch *b = w->handed;
        int failed = w->failed;
        struct failure f;
        pthread_mutex_unlock(&w->lock);
        failed = failed || write_batch(store, b, &f) != 0;
        batch_clear(b);
        pthread_mutex_lock(&w->lock);
        if (failed && !w->failed) {
            w->failed = 1;
            w->failure = f;
        }
        w->handed = NULL;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Waits for the writer to finish its batch, then (when `give`) hands it the filling one. */
static void hand_over(struct store_writer *w, int give)
{
    pthread_mutex_lock(&w->lock);
    while (w->handed)
        pthread_cond_wait(&w->changed, &w->lock);
    if (give && w->filling->nrows > 0) {
        w->handed = w->filling;
        w->filling = w->filling == &w->batches[0] ? &w->batches[1] : &w->batches[0];
        pthread_cond_broadcast(&w->changed);
    }
    w->seen_failed = w->failed;
    pthread_mutex_unlock(&w->lock);
}

void store_writer_start(struct store *store)
{
    struct store_writer *w = store->writer;
    if (w->threaded)
        return;
    w->stop = 0;
    w->threaded = pthread_create(&w->thread, NULL, writer_main, store) == 0;
}

enum tally_error store_writer_wait(struct store *store)
{
    struct store_writer *w = store->writer;
    if (w->threaded) {
        hand_over(w, 1);
        hand_over(w, 0);
    } else if (w->filling->nrows > 0 && !w->failed) {
        struct failure f;
        if (write_batch(store, w->filling, &f) != 0) {
            w->failed = w->seen_failed = 1;
            w->failure = f;
        }
        batch_clear(w->filling);
    }
    return w->seen_failed ? TALLY_ERROR_DATABASE : TALLY_OK;
}

void store_writer_stop(struct store *store, int discard)
{
    struct store_writer *w = store->writer;
    if (discard)
        batch_clear(w->filling);
    if (w->threaded) {
        hand_over(w, 1);
        pthread_mutex_lock(&w->lock);
        w->stop = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        w->threaded = 0;
    }
    batch_clear(&w->batches[0]);
    batch_clear(&w->batches[1]);
    w->failed = w->seen_failed = 0;
}

int store_writer_failure(struct store *store, int *code, int *sys, const char **message)
{
    struct store_writer *w = store->writer;
    if (!w->seen_failed)
        return 0;
    *code = w->failure.code;
    *sys = w->failure.sys;
    *message = w->failure.message;
    return 1;
}

/* ---- queuing a row ---- */

static void *grow(void *array, size_t *alloc, size_t need, size_t size)
{
    if (need <= *alloc)
        return array;
    size_t n = *alloc ? *alloc : 64;
    while (n < need)
        n *= 2;
    *alloc = n;
    return xrealloc(array, n * size);
}

enum tally_error store_row_begin(struct store *store, const char *sql)
{
    struct store_writer *w = store->writer;
    if (w->seen_failed)
        return TALLY_ERROR_DATABASE;
    sqlite3_stmt *stmt = store_prepared(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    struct batch *b = w->filling;
    b->rows = grow(b->rows, &b->rows_alloc, b->nrows + 1, sizeof(*b->rows));
    b->rows[b->nrows] = (struct row){ .stmt = stmt, .first = b->nparams };
    return TALLY_OK;
}

/* The params of one row of sql. */
static int group_params(const char *sql)
{
    int n = 0;
    for (const char *p = strrchr(sql, '('); *p; p++)
        n += *p == '?';
    return n;
}

/* sql's texts (sql: a single-row INSERT ending in its VALUES list); valid until the next
 * call. */
static struct group_sql *group_of(struct store_writer *w, const char *sql)
{
    for (size_t i = 0; i < w->ngroups; i++)
        if (w->groups[i].sql == sql)
            return &w->groups[i];
    w->groups = xrealloc(w->groups, (w->ngroups + 1) * sizeof(*w->groups));
    struct group_sql *g = &w->groups[w->ngroups++];
    *g = (struct group_sql){ .sql = sql, .params = group_params(sql) };
    return g;
}

/* The text of g's INSERT for k rows. */
static const char *group_text(struct group_sql *g, int k)
{
    if (k == 1)
        return g->sql;
    if (!g->text[k]) {
        const char *sql = g->sql;
        const char *values = strrchr(sql, '(');
        struct strbuf text;
        strbuf_init(&text);
        strbuf_addf(&text, "%s", sql);
        for (int i = 1; i < k; i++)
            strbuf_addf(&text, ",%s", values);
        g->text[k] = text.buf;
    }
    return g->text[k];
}

enum tally_error store_row_begin_grouped(struct store *store, const char *sql)
{
    struct store_writer *w = store->writer;
    if (w->seen_failed)
        return TALLY_ERROR_DATABASE;
    /* The rows so far, when the batch's last row is of sql and has room. */
    const struct batch *b = w->filling;
    int before = 0;
    if (w->threaded && b->nrows > 0 && b->rows[b->nrows - 1].group == sql &&
        b->rows[b->nrows - 1].rows < GROUP_ROWS)
        before = b->rows[b->nrows - 1].rows;
    struct group_sql *g = group_of(w, sql);
    sqlite3_stmt *stmt = store_prepared(store, group_text(g, before + 1));
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    /* Preparing may have handed the batch over: then the row starts a new statement. */
    struct batch *now = w->filling;
    struct row *last = now->nrows > 0 ? &now->rows[now->nrows - 1] : NULL;
    if (before > 0 && (now != b || !last || last->group != sql || last->rows != before))
        before = 0;
    if (before == 0) {
        enum tally_error err = store_row_begin(store, sql);
        if (!err) {
            w->filling->rows[w->filling->nrows].group = sql;
            w->filling->rows[w->filling->nrows].rows = 1;
        }
        return err;
    }
    last->stmt = stmt;
    last->rows = before + 1;
    w->extending = 1;
    w->param_offset = before * g->params;
    return TALLY_OK;
}

static struct param *add_param(struct store *store, int index, enum param_type type)
{
    struct batch *b = store->writer->filling;
    b->params = grow(b->params, &b->params_alloc, b->nparams + 1, sizeof(*b->params));
    struct param *p = &b->params[b->nparams++];
    p->index = index + store->writer->param_offset;
    p->type = type;
    return p;
}

static void add_bytes(struct store *store, int index, enum param_type type, const void *data,
                      size_t len)
{
    struct param *p = add_param(store, index, type);
    struct batch *b = store->writer->filling;
    b->bytes = grow(b->bytes, &b->bytes_alloc, b->nbytes + len + 1, 1);
    if (len)
        memcpy(b->bytes + b->nbytes, data, len);
    p->value.bytes.offset = b->nbytes;
    p->value.bytes.len = len;
    b->nbytes += len;
}

void store_row_int(struct store *store, int index, sqlite3_int64 value)
{
    add_param(store, index, PARAM_INT)->value.i = value;
}

void store_row_double(struct store *store, int index, double value)
{
    add_param(store, index, PARAM_DOUBLE)->value.d = value;
}

void store_row_text(struct store *store, int index, const char *text)
{
    if (text)
        add_bytes(store, index, PARAM_TEXT, text, strlen(text));
}

void store_row_blob(struct store *store, int index, const void *data, size_t len)
{
    add_bytes(store, index, PARAM_BLOB, data, len);
}

void store_row_addr(struct store *store, int first, const struct ip_addr *addr)
{
    char text[64];
    ip_format(addr, text, sizeof(text));
    store_row_text(store, first, text);
    if (addr->family == 4)
        store_row_int(store, first + 1, (sqlite3_int64)ip_v4_value(addr));
    else
        store_row_blob(store, first + 2, addr->bytes, 16);
}

enum tally_error store_row_end(struct store *store)
{
    struct store_writer *w = store->writer;
    struct batch *b = w->filling;
    if (w->extending) {
        b->rows[b->nrows - 1].count = b->nparams - b->rows[b->nrows - 1].first;
        w->extending = 0;
        w->param_offset = 0;
    } else {
        b->rows[b->nrows].count = b->nparams - b->rows[b->nrows].first;
        b->nrows++;
    }
    if (!w->threaded)
        return store_writer_wait(store);
    if (b->nrows >= BATCH_ROWS || b->nparams >= BATCH_PARAMS || b->nbytes >= BATCH_BYTES)
        hand_over(w, 1);
    return w->seen_failed ? TALLY_ERROR_DATABASE : TALLY_OK;
}

enum tally_error store_row_end_counted(struct store *store, const char *kind, long long n)
{
    enum tally_error err = store_row_end(store);
    return err ? err : store_count(store, kind, n);
}
