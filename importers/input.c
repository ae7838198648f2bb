/* input.c: every importer reads through this: a file or stdin, decompressed by libarchive
 * when it is .gz .xz .bz2 .zst .lz4 (by content, not by name), with the first bytes kept
 * for sniffing, lines cut at a bounded length, a SHA-256 of the content (on a thread of its
 * own once the input is large), and a stdio view for libraries that want a FILE * (libpcap). */
#include "importers/importers.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INPUT_CHUNK (256u * 1024)
#define HASH_INLINE_BYTES (4u << 20)    /* hashed as read; past them, by the hash thread */
#define HASH_QUEUE 8                    /* chunks waiting for the hash thread, at most */

/* The SHA-256 of the content. On a capture it is a tenth of the reading thread's work, so
 * past HASH_INLINE_BYTES a thread of its own hashes copies of the chunks read, in order. */
struct hasher {
    struct sha256_ctx ctx;      /* the thread's while it runs; read after hasher_wait() */
    unsigned long long inline_bytes;
    int running;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* a chunk queued or taken, a chunk hashed, stop asked */
    unsigned char *chunk[HASH_QUEUE];
    size_t len[HASH_QUEUE];
    size_t first, queued;
    int hashing;                /* the thread is hashing a chunk it took */
    int stop;
};

struct input {
    struct archive *archive;
    char *path;
    struct hasher hash;
    unsigned char *buf;         /* unconsumed content is buf[pos, end) */
    size_t pos, end, alloc;
    int eof;
    long line;
    int unterminated;
    unsigned long long consumed;    /* content bytes handed out */
    unsigned long long produced;    /* content bytes pulled from libarchive */
    unsigned long long size_hint;
    int compressed;             /* through a decompressing filter: the ratio cap applies */
    unsigned long long ratio_floor;
    FILE *stdio;
    struct tally_diag last_error;
    enum tally_error error;     /* behind the last failure */
};

static void *hasher_thread(void *arg)
{
    struct hasher *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->queued == 0 && !h->stop)
            pthread_cond_wait(&h->changed, &h->lock);
        if (h->queued == 0)
            break;                      /* stop asked, and every chunk hashed */
        unsigned char *chunk = h->chunk[h->first];
        size_t len = h->len[h->first];
        h->first = (h->first + 1) % HASH_QUEUE;
        h->queued--;
        h->hashing = 1;
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
        sha256_update(&h->ctx, len, chunk);
        free(chunk);
        pthread_mutex_lock(&h->lock);
        h->hashing = 0;
        pthread_cond_broadcast(&h->changed);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Hashes data here until HASH_INLINE_BYTES are past, then (the thread once started)
 * queues a copy of it; where no thread can be started, it all is hashed here. */
static void hasher_add(struct hasher *h, const unsigned char *data, size_t len)
{
    if (!h->running) {
        sha256_update(&h->ctx, len, data);
        h->inline_bytes += len;
        if (h->inline_bytes >= HASH_INLINE_BYTES && h->inline_bytes - len < HASH_INLINE_BYTES) {
            pthread_mutex_init(&h->lock, NULL);
            pthread_cond_init(&h->changed, NULL);
            h->running = pthread_create(&h->thread, NULL, hasher_thread, h) == 0;
            if (!h->running) {
                pthread_cond_destroy(&h->changed);
                pthread_mutex_destroy(&h->lock);
            }
        }
        return;
    }
    unsigned char *copy = xmalloc(len);
    memcpy(copy, data, len);
    pthread_mutex_lock(&h->lock);
    while (h->queued == HASH_QUEUE)
        pthread_cond_wait(&h->changed, &h->lock);
    h->chunk[(h->first + h->queued) % HASH_QUEUE] = copy;
    h->len[(h->first + h->queued) % HASH_QUEUE] = len;
    h->queued++;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

/* Waits until every chunk given is hashed: then h->ctx may be read. */
static void hasher_wait(struct hasher *h)
{
    if (!h->running)
        return;
    pthread_mutex_lock(&h->lock);
    while (h->queued > 0 || h->hashing)
        pthread_cond_wait(&h->changed, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

static void hasher_stop(struct hasher *h)
{
    if (!h->running)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->lock);
    h->running = 0;
}

static enum tally_error archive_fail(struct input *in, struct tally_diag *diag)
{
    const char *msg = archive_error_string(in->archive);
    in->error = TALLY_ERROR_IO;
    return diag_set(diag, TALLY_ERROR_IO, "cannot read: %s", msg ? msg : "unknown error");
}

/* Pulls up to size bytes of content from libarchive into dst: *got of them (0 at the end,
 * which sets eof), hashed and counted against the limits. */
static enum tally_error input_pull(struct input *in, unsigned char *dst, size_t size,
                                   size_t *got, struct tally_diag *diag)
{
    *got = 0;
    la_ssize_t n = archive_read_data(in->archive, dst, size);
    if (n < 0)
        return archive_fail(in, diag);
    if (n == 0) {
        in->eof = 1;
        return TALLY_OK;
    }
    *got = (size_t)n;
    hasher_add(&in->hash, dst, (size_t)n);
    in->produced += (unsigned long long)n;
    if (in->produced > INPUT_MAX_BYTES) {
        in->error = TALLY_ERROR_LIMIT;
        return diag_set(diag, TALLY_ERROR_LIMIT,
                        "more than %llu GiB after decompression: refusing to go on",
                        INPUT_MAX_BYTES >> 30);
    }
    if (in->compressed && in->produced > in->ratio_floor) {
        unsigned long long packed = (unsigned long long)archive_filter_bytes(in->archive, -1);
        if (in->produced / INPUT_MAX_RATIO > packed) {
            in->error = TALLY_ERROR_LIMIT;
            return diag_set(diag, TALLY_ERROR_LIMIT,
                            "%llu MiB came out of %llu bytes of compressed data, more than "
                            "%d times as much: refusing to go on (a decompression bomb?)",
                            in->produced >> 20, packed, INPUT_MAX_RATIO);
        }
    }
    return TALLY_OK;
}

/* Pulls more content into buf (growing it up to `need` bytes free). */
static enum tally_error input_fill(struct input *in, size_t need, struct tally_diag *diag)
{
    if (in->eof)
        return TALLY_OK;
    if (in->pos > 0 && in->pos == in->end)
        in->pos = in->end = 0;
    if (in->alloc - in->end < need && in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->end - in->pos);
        in->end -= in->pos;
        in->pos = 0;
    }
    if (in->alloc - in->end < need) {
        size_t want = in->alloc;
        while (want - in->end < need)
            want *= 2;
        in->buf = xrealloc(in->buf, want);
        in->alloc = want;
    }
    size_t got;
    enum tally_error err = input_pull(in, in->buf + in->end, in->alloc - in->end, &got, diag);
    in->end += got;
    return err;
}

enum tally_error input_open(const char *path, struct input **out, struct tally_diag *diag)
{
    struct input *in = xcalloc(1, sizeof(*in));
    struct archive_entry *entry;
    enum tally_error err;
    int is_stdin = strcmp(path, "-") == 0;
    struct stat st;

    *out = NULL;
    in->path = xstrdup(is_stdin ? "(stdin)" : path);
    sha256_init(&in->hash.ctx);
    in->alloc = INPUT_CHUNK;
    in->buf = xmalloc(in->alloc);
    in->archive = archive_read_new();
    archive_read_support_filter_all(in->archive);
    archive_read_support_format_raw(in->archive);
    archive_read_support_format_empty(in->archive);
    int rc = is_stdin ? archive_read_open_fd(in->archive, 0, 64 * 1024)
                      : archive_read_open_filename(in->archive, path, 64 * 1024);
    if (rc != ARCHIVE_OK) {
        if (!is_stdin && stat(path, &st) != 0)
            err = diag_set(diag, TALLY_ERROR_IO, "cannot open: %s", strerror(errno));
        else
            err = archive_fail(in, diag);
        goto fail;
    }
    rc = archive_read_next_header(in->archive, &entry);
    if (rc == ARCHIVE_EOF) {
        in->eof = 1;                    /* an empty file */
    } else if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        err = archive_fail(in, diag);
        goto fail;
    }
    if (!is_stdin && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        in->size_hint = (unsigned long long)st.st_size;
    in->compressed = archive_filter_code(in->archive, 0) != ARCHIVE_FILTER_NONE;
    const char *floor_mib = getenv("TALLY_RATIO_FLOOR_MIB");
    in->ratio_floor = floor_mib && *floor_mib ? strtoull(floor_mib, NULL, 10) << 20
                                              : INPUT_RATIO_FLOOR;
    err = input_fill(in, INPUT_HEAD_SIZE, diag);
    while (!err && !in->eof && in->end - in->pos < INPUT_HEAD_SIZE)
        err = input_fill(in, INPUT_HEAD_SIZE, diag);
    if (err)
        goto fail;
    *out = in;
    return TALLY_OK;

fail:
    snprintf(diag->file, sizeof(diag->file), "%s", in->path);
    input_close(in);
    return err;
}

void input_close(struct input *in)
{
    if (!in)
        return;
    if (in->stdio)
        fclose(in->stdio);
    hasher_stop(&in->hash);
    archive_read_free(in->archive);
    free(in->buf);
    free(in->path);
    free(in);
}

const char *input_path(const struct input *in)
{
    return in->path;
}

const unsigned char *input_head(struct input *in, size_t *len)
{
    *len = in->end - in->pos;
    if (*len > INPUT_HEAD_SIZE)
        *len = INPUT_HEAD_SIZE;
    return in->buf + in->pos;
}

long input_read(struct input *in, void *buf, size_t size, struct tally_diag *diag)
{
    if (in->pos == in->end && !in->eof && size >= INPUT_CHUNK / 2) {
        /* A large read of nothing buffered goes straight to the caller: one copy less. */
        size_t got;
        if (input_pull(in, buf, size, &got, diag))
            return -1;
        in->consumed += got;
        return (long)got;
    }
    if (in->pos == in->end && !in->eof) {
        if (input_fill(in, INPUT_CHUNK, diag))
            return -1;
    }
    size_t n = in->end - in->pos;
    if (n > size)
        n = size;
    memcpy(buf, in->buf + in->pos, n);
    in->pos += n;
    in->consumed += n;
    return (long)n;
}

int input_getline(struct input *in, char **line, size_t *len, struct tally_diag *diag)
{
    size_t scanned = 0;
    for (;;) {
        unsigned char *start = in->buf + in->pos;
        size_t avail = in->end - in->pos;
        unsigned char *nl = memchr(start + scanned, '\n', avail - scanned);
        if (nl || (in->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - start) : avail;
            in->unterminated = nl == NULL;
            in->pos += n + (nl ? 1 : 0);
            in->consumed += n + (nl ? 1 : 0);
            in->line++;
            if (n > 0 && start[n - 1] == '\r')
                n--;
            /* The byte after the line is '\n' (or spare room): make it the terminator. */
            if (nl)
                *nl = '\0';
            else if (in->end < in->alloc)
                start[n] = '\0';
            else {
                in->buf = xrealloc(in->buf, in->alloc + 1);
                in->alloc++;
                start = in->buf + in->pos - n;
                start[n] = '\0';
            }
            start[n] = '\0';
            *line = (char *)start;
            *len = n;
            return 1;
        }
        if (in->eof)
            return 0;
        scanned = avail;
        if (avail > INPUT_MAX_LINE) {
            in->line++;
            diag->line = in->line;
            in->error = TALLY_ERROR_LIMIT;
            diag_set(diag, TALLY_ERROR_LIMIT, "a line longer than %u MiB: not a text format "
                     "tally reads", INPUT_MAX_LINE >> 20);
            return -1;
        }
        if (input_fill(in, INPUT_CHUNK, diag))
            return -1;
    }
}

enum tally_error input_error(const struct input *in)
{
    return in->error ? in->error : TALLY_ERROR_IO;
}

long input_line_number(const struct input *in)
{
    return in->line;
}

int input_last_line_unterminated(const struct input *in)
{
    return in->unterminated;
}

unsigned long long input_bytes_read(const struct input *in)
{
    return in->consumed;
}

unsigned long long input_size_hint(const struct input *in)
{
    return in->size_hint;
}

unsigned long long input_bytes_done(const struct input *in)
{
    if (!in->compressed || !in->archive)
        return in->consumed;
    /* The filter nearest the file: what libarchive has read of it. */
    la_int64_t raw = archive_filter_bytes(in->archive, -1);
    unsigned long long done = raw > 0 ? (unsigned long long)raw : 0;
    return in->size_hint && done > in->size_hint ? in->size_hint : done;
}

void input_sha256(struct input *in, char out[65])
{
    hasher_wait(&in->hash);
    struct sha256_ctx copy = in->hash.ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&copy, sizeof(digest), digest);
    hex_encode(digest, sizeof(digest), out);
}

enum tally_error input_drain(struct input *in, struct tally_diag *diag)
{
    while (!in->eof) {
        in->consumed += in->end - in->pos;
        in->pos = in->end = 0;
        enum tally_error err = input_fill(in, INPUT_CHUNK, diag);
        if (err)
            return err;
    }
    in->consumed += in->end - in->pos;
    in->pos = in->end;
    return TALLY_OK;
}

static ssize_t stdio_read(void *cookie, char *buf, size_t size)
{
    struct input *in = cookie;
    long n = input_read(in, buf, size, &in->last_error);
    if (n < 0) {
        errno = EIO;
        return -1;
    }
    return n;
}

FILE *input_stdio(struct input *in)
{
    if (!in->stdio) {
        cookie_io_functions_t io = { .read = stdio_read };
        in->stdio = fopencookie(in, "r", io);
    }
    return in->stdio;
}
