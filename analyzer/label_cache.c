/* label_cache.c: flattened labels as bytes, and the AS or country labels of a location
 * database kept so in $XDG_CACHE_HOME/tally (or ~/.cache/tally) as location-KIND.cache,
 * read back only when made from the same file. The file is written whole under a
 * temporary name and renamed, so a reader sees an old cache or a new one; reading checks
 * every count against the bytes' length and every range and label id, and anything amiss
 * reads as no cache. The imported labels are kept in the same layout in the database
 * (store_label.c's label_index).
 *
 * Layout, in the machine's byte order: the magic line; five words of key (for a location
 * database its device, inode, size, modification seconds and nanoseconds); the counts n4,
 * n6, nlabels and the length of the
 * texts (eight bytes each); n4 IPv4 ranges (first, last, id: four bytes each); n6 IPv6
 * ranges (first, last: sixteen bytes each, id: four); the texts: per label its name and
 * its detail (empty: none), then the origin, each ended by a 0. */
#include "analyzer/label_cache.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[] = "tally location labels 1\n";
#define MAGIC_LEN (sizeof(magic) - 1)
#define KEY_WORDS LABEL_CACHE_KEY_WORDS
#define COUNT_WORDS 4
#define HEAD_LEN (MAGIC_LEN + 8 * (KEY_WORDS + COUNT_WORDS))
#define SEG4_LEN 12
#define SEG6_LEN 36

/* The cache directory, created when asked (NULL: no home to keep one in). */
static char *cache_dir(int create)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char *base;
    if (xdg && xdg[0] == '/')
        base = xstrdup(xdg);
    else if (home && home[0] == '/')
        base = xasprintf("%s/.cache", home);
    else
        return NULL;
    char *dir = xasprintf("%s/tally", base);
    if (create) {
        mkdir(base, 0700);
        mkdir(dir, 0700);
    }
    free(base);
    return dir;
}

/* The database file's identity, as the cache records it. */
static int database_key(const char *path, uint64_t key[KEY_WORDS])
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    key[0] = (uint64_t)st.st_dev;
    key[1] = (uint64_t)st.st_ino;
    key[2] = (uint64_t)st.st_size;
    key[3] = (uint64_t)st.st_mtim.tv_sec;
    key[4] = (uint64_t)st.st_mtim.tv_nsec;
    return 1;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The whole regular file at path, or NULL. */
static unsigned char *read_whole(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char *data = NULL;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)HEAD_LEN) {
        size_t size = (size_t)st.st_size, got = 0;
        data = xmalloc(size);
        while (got < size) {
            ssize_t n = read(fd, data + got, size - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got != size) {
            free(data);
            data = NULL;
        }
        *len = size;
    }
    close(fd);
    return data;
}

void label_cached_release(struct label_cached *c)
{
    for (size_t i = 0; i < c->nlabels; i++) {
        free(c->label[i]);
        free(c->detail[i]);
    }
    free(c->label);
    free(c->detail);
    free(c->v4);
    free(c->v6);
    free(c->origin);
    memset(c, 0, sizeof(*c));
}

int label_cache_decode(const unsigned char *data, size_t len,
                       const uint64_t key[LABEL_CACHE_KEY_WORDS], struct label_cached *out)
{
    if (len < HEAD_LEN || memcmp(data, magic, MAGIC_LEN) != 0)
        return 0;
    const unsigned char *p = data + MAGIC_LEN;
    for (int i = 0; i < KEY_WORDS; i++, p += 8)
        if (get64(p) != key[i])
            return 0;
    uint64_t n4 = get64(p), n6 = get64(p + 8), nlabels = get64(p + 16),
             text_len = get64(p + 24);
    p += 8 * COUNT_WORDS;
    size_t rest = len - HEAD_LEN;
    /* Each count checked against what is left before it is multiplied. */
    if (n4 > rest / SEG4_LEN)
        return 0;
    rest -= (size_t)n4 * SEG4_LEN;
    if (n6 > rest / SEG6_LEN)
        return 0;
    rest -= (size_t)n6 * SEG6_LEN;
    if (text_len != rest || nlabels > text_len / 2 || nlabels > INT32_MAX)
        return 0;

    struct label_cached c = { .n4 = (size_t)n4, .n6 = (size_t)n6 };
    c.v4 = xmalloc((c.n4 + 1) * sizeof(*c.v4));
    c.v6 = xmalloc((c.n6 + 1) * sizeof(*c.v6));
    c.label = xcalloc((size_t)nlabels + 1, sizeof(*c.label));
    c.detail = xcalloc((size_t)nlabels + 1, sizeof(*c.detail));
    int ok = 1;
    for (size_t i = 0; i < c.n4 && ok; i++, p += SEG4_LEN) {
        struct seg4 *s = &c.v4[i];
        memcpy(&s->first, p, 4);
        memcpy(&s->last, p + 4, 4);
        memcpy(&s->id, p + 8, 4);
        ok = s->first <= s->last && s->id >= 0 && (uint64_t)s->id < nlabels &&
             (i == 0 || c.v4[i - 1].last < s->first);
    }
    for (size_t i = 0; i < c.n6 && ok; i++, p += SEG6_LEN) {
        struct seg6 *s = &c.v6[i];
        int32_t id;
        memcpy(&s->first, p, 16);
        memcpy(&s->last, p + 16, 16);
        memcpy(&id, p + 32, 4);
        s->id = id;
        ok = s->first <= s->last && id >= 0 && (uint64_t)id < nlabels &&
             (i == 0 || c.v6[i - 1].last < s->first);
    }
    /* The texts: two per label and the origin, each ended within the block. */
    const char *text = (const char *)p, *end = text + text_len;
    const char *next[2];
    while (ok && c.nlabels < nlabels) {
        for (int k = 0; k < 2 && ok; k++) {
            const char *nul = memchr(text, 0, (size_t)(end - text));
            ok = nul != NULL;
            next[k] = text;
            text = ok ? nul + 1 : text;
        }
        if (ok) {
            c.label[c.nlabels] = xstrdup(next[0]);
            c.detail[c.nlabels++] = *next[1] ? xstrdup(next[1]) : NULL;
        }
    }
    const char *nul = ok ? memchr(text, 0, (size_t)(end - text)) : NULL;
    if (nul && nul + 1 == end)
        c.origin = xstrdup(text);
    if (!c.origin) {
        label_cached_release(&c);
        return 0;
    }
    *out = c;
    return 1;
}

static char *cache_path(const char *dir, const char *kind)
{
    return xasprintf("%s/location-%s.cache", dir, kind);
}

int label_cache_read(const char *location_db, const char *kind, struct label_cached *out)
{
    uint64_t key[KEY_WORDS];
    char *dir = cache_dir(0);
    int found = 0;
    memset(out, 0, sizeof(*out));
    if (dir && database_key(location_db, key)) {
        char *path = cache_path(dir, kind);
        size_t len = 0;
        unsigned char *data = read_whole(path, &len);
        if (data)
            found = label_cache_decode(data, len, key, out);
        free(data);
        free(path);
    }
    free(dir);
    return found;
}

static void put64(struct strbuf *sb, uint64_t v)
{
    strbuf_add(sb, &v, 8);
}

unsigned char *label_cache_encode(const uint64_t key[LABEL_CACHE_KEY_WORDS],
                                  const struct label_cached *in, size_t *len)
{
    struct strbuf text, sb;
    strbuf_init(&text);
    strbuf_init(&sb);
    for (size_t i = 0; i < in->nlabels; i++) {
        strbuf_add(&text, in->label[i], strlen(in->label[i]) + 1);
        const char *detail = in->detail[i] ? in->detail[i] : "";
        strbuf_add(&text, detail, strlen(detail) + 1);
    }
    strbuf_add(&text, in->origin, strlen(in->origin) + 1);
    strbuf_add(&sb, magic, MAGIC_LEN);
    for (int i = 0; i < KEY_WORDS; i++)
        put64(&sb, key[i]);
    put64(&sb, in->n4);
    put64(&sb, in->n6);
    put64(&sb, in->nlabels);
    put64(&sb, text.len);
    for (size_t i = 0; i < in->n4; i++) {
        strbuf_add(&sb, &in->v4[i].first, 4);
        strbuf_add(&sb, &in->v4[i].last, 4);
        strbuf_add(&sb, &in->v4[i].id, 4);
    }
    for (size_t i = 0; i < in->n6; i++) {
        int32_t id = in->v6[i].id;
        strbuf_add(&sb, &in->v6[i].first, 16);
        strbuf_add(&sb, &in->v6[i].last, 16);
        strbuf_add(&sb, &id, 4);
    }
    strbuf_add(&sb, text.buf, text.len);
    strbuf_release(&text);
    *len = sb.len;
    return (unsigned char *)strbuf_detach(&sb);
}

void label_cache_write(const char *location_db, const char *kind,
                       const struct label_cached *in)
{
    uint64_t key[KEY_WORDS];
    char *dir = cache_dir(1);
    if (!dir || !database_key(location_db, key)) {
        free(dir);
        return;
    }
    size_t len = 0;
    unsigned char *data = label_cache_encode(key, in, &len);
    char *path = cache_path(dir, kind);
    char *temp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t n = write(fd, data + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        if (close(fd) != 0 || done != len || rename(temp, path) != 0)
            unlink(temp);
    }
    free(temp);
    free(path);
    free(dir);
    free(data);
}
