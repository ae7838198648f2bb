/* store_hostset.c: host sets, the hosts each import saw per (proto, port, status), kept in
 * the host_set table beside the observation rows: IPv4 as a CRoaring bitmap, IPv6 as the
 * sorted distinct 16-byte addresses. Hosts per port or per subnet are then counted from a
 * few compact sets instead of millions of rows, and two imports compared subnet by subnet
 * (what appeared, what disappeared). An import's sets are built in memory as
 * its observations arrive and written when it commits; migration 3 builds them for the
 * imports of an older database. */
#include "store/store_internal.h"

#include <roaring/roaring.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* IPv6 members are written in rows of at most this many addresses (16 MiB). */
#define HOSTSET_V6_ROW (1u << 20)
/* IPv4 addresses wait in a list of at least this many (and at most half the set) before
 * they join the bitmap together. */
#define HOSTSET_BATCH 65536

/* Version 3: the host sets, built for every import already in the database. */
static const char hostset_v3[] =
    "CREATE TABLE host_set (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL,         -- as in observation\n"
    "  port INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  family INTEGER NOT NULL,     -- 4 or 6\n"
    "  hosts INTEGER NOT NULL,      -- how many addresses members holds\n"
    "  first_seen INTEGER,          -- the earliest and latest observation.seen of\n"
    "  last_seen INTEGER,           -- the set's hosts (of all its rows, for IPv6)\n"
    "  members BLOB NOT NULL        -- 4: a CRoaring bitmap of ip4 (portable format);\n"
    "                               -- 6: the sorted distinct ip6, 16 bytes each\n"
    ");\n";

static enum tally_error hostset_build_all(struct store *store, struct tally_diag *diag);

static const char *const hostset_tables[] = { "host_set", NULL };

static const struct store_migration hostset_migrations[] = {
    { 3, hostset_v3, hostset_build_all },
    { 0, NULL, NULL }
};

const struct store_part store_part_hostset = {
    .name = "host set", .migrations = hostset_migrations, .tables = hostset_tables
};

/* ---- a set of hosts ---- */

struct hostset {
    roaring_bitmap_t *v4;       /* NULL until the first IPv4 member */
    uint32_t *pending4;         /* IPv4 members not in v4 yet, as they came */
    size_t npending4, alloc4;
    roaring_bitmap_t **stored4; /* stored sets read: the set is v4 and these */
    size_t nstored4, allocstored4;
    uint8_t (*v6)[16];
    size_t n6, alloc6;
    size_t sorted6;             /* v6[0 .. sorted6) is sorted and distinct */
};

struct hostset *hostset_new(void)
{
    return xcalloc(1, sizeof(struct hostset));
}

void hostset_free(struct hostset *set)
{
    if (!set)
        return;
    if (set->v4)
        roaring_bitmap_free(set->v4);
    free(set->pending4);
    for (size_t i = 0; i < set->nstored4; i++)
        roaring_bitmap_free(set->stored4[i]);
    free(set->stored4);
    free(set->v6);
    free(set);
}

static int by_address6(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* Sorts the IPv6 members and drops repeats. */
static void normalize6(struct hostset *set)
{
    if (set->sorted6 == set->n6)
        return;
    xqsort(set->v6, set->n6, 16, by_address6);
    size_t out = 0;
    for (size_t i = 0; i < set->n6; i++)
        if (out == 0 || memcmp(set->v6[out - 1], set->v6[i], 16) != 0)
            memmove(set->v6[out++], set->v6[i], 16);
    set->n6 = set->sorted6 = out;
}

/* Room for `more` IPv6 members. */
static void reserve6(struct hostset *set, size_t more)
{
    if (set->n6 + more <= set->alloc6)
        return;
    size_t n = set->alloc6 ? set->alloc6 : 64;
    while (n < set->n6 + more)
        n *= 2;
    set->v6 = xrealloc(set->v6, n * 16);
    set->alloc6 = n;
}

/* A bitmap of n addresses in any order. They are put in order of their upper 16 bits
 * (one pass of a counting sort) first, so that each of the bitmap's containers is added
 * after those before it: adding addresses in random order to a bitmap of many containers
 * moves its array of containers for almost every new one. */
static roaring_bitmap_t *bitmap_of(const uint32_t *values, size_t n)
{
    uint32_t *start = xcalloc(65536 + 1, sizeof(*start));
    uint32_t *sorted = xmalloc(n * sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        start[(values[i] >> 16) + 1]++;
    for (size_t k = 1; k <= 65536; k++)
        start[k] += start[k - 1];
    for (size_t i = 0; i < n; i++)
        sorted[start[values[i] >> 16]++] = values[i];
    roaring_bitmap_t *bitmap = roaring_bitmap_create();
    roaring_bitmap_add_many(bitmap, n, sorted);
    free(sorted);
    free(start);
    return bitmap;
}

static void push_stored4(struct hostset *set, roaring_bitmap_t *bitmap)
{
    if (set->nstored4 == set->allocstored4) {
        set->allocstored4 = set->allocstored4 ? 2 * set->allocstored4 : 8;
        set->stored4 = xrealloc(set->stored4, set->allocstored4 * sizeof(*set->stored4));
    }
    set->stored4[set->nstored4++] = bitmap;
}

/* Moves the waiting IPv4 addresses into the bitmap: a bitmap of them, merged in one pass
 * with the one there. */
static void settle4(struct hostset *set)
{
    if (set->npending4 == 0)
        return;
    roaring_bitmap_t *batch = bitmap_of(set->pending4, set->npending4);
    set->npending4 = 0;
    if (!set->v4) {
        set->v4 = batch;
    } else {
        roaring_bitmap_t *both = roaring_bitmap_or(set->v4, batch);
        roaring_bitmap_free(set->v4);
        roaring_bitmap_free(batch);
        set->v4 = both;
    }
}

void hostset_add(struct hostset *set, const struct ip_addr *addr)
{
    if (addr->family == 4) {
        if (set->npending4 == set->alloc4) {
            /* Half the set's size at most: the list costs at most two bytes per host. */
            size_t half = set->v4 ? (size_t)roaring_bitmap_get_cardinality(set->v4) / 2 : 0;
            if (set->alloc4 >= HOSTSET_BATCH && set->alloc4 >= half) {
                settle4(set);
            } else {
                set->alloc4 = set->alloc4 ? 2 * set->alloc4 : 256;
                set->pending4 = xrealloc(set->pending4, set->alloc4 * sizeof(*set->pending4));
            }
        }
        set->pending4[set->npending4++] = ip_v4_value(addr);
        return;
    }
    /* Repeats are dropped whenever the array fills, so it stays within about twice the
     * distinct addresses. */
    if (set->n6 == set->alloc6) {
        normalize6(set);
        if (2 * set->n6 >= set->alloc6)
            reserve6(set, set->alloc6 ? set->alloc6 : 64);
    }
    memcpy(set->v6[set->n6++], addr->bytes, 16);
}

enum tally_error hostset_add_stored(struct hostset *set, int family, const void *members,
                                    size_t len, struct tally_diag *diag)
{
    if (family == 4) {
        roaring_bitmap_t *bitmap = NULL;
        if (len > 0 && roaring_bitmap_portable_deserialize_size(members, len) == len)
            bitmap = roaring_bitmap_portable_deserialize_safe(members, len);
        if (!bitmap)
            return diag_set(diag, TALLY_ERROR_DATABASE, "a host set (host_set.members) "
                            "is not a valid IPv4 bitmap");
        push_stored4(set, bitmap);
        return TALLY_OK;
    }
    if (family != 6 || len % 16 != 0)
        return diag_set(diag, TALLY_ERROR_DATABASE, "a host set (host_set.members) is not "
                        "a list of IPv6 addresses");
    size_t n = len / 16;
    int sorted = set->n6 == 0;
    const uint8_t *bytes = members;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = memcmp(bytes + 16 * (i - 1), bytes + 16 * i, 16) < 0;
    reserve6(set, n);
    if (n)
        memcpy(set->v6[set->n6], members, len);
    set->n6 += n;
    if (sorted)
        set->sorted6 = set->n6;
    return TALLY_OK;
}

enum tally_error hostset_add_rows(struct store *store, struct hostset *set, sqlite3_stmt *stmt,
                                  const char *what, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    int rc;
    while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        err = hostset_add_stored(set, sqlite3_column_int(stmt, 0), sqlite3_column_blob(stmt, 1),
                                 (size_t)sqlite3_column_bytes(stmt, 1), diag);
    if (!err && rc != SQLITE_DONE)
        err = store_fail(store, diag, what);
    return err;
}

/* The IPv6 address addr with only its first prefix bits kept. */
static void mask6(struct ip_addr *addr, int prefix)
{
    for (int i = 0; i < 16; i++) {
        int keep = prefix - i * 8;
        if (keep < 8)
            addr->bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

/* Counts hosts per subnet from addresses given in ascending order, each once. */
struct counter {
    uint32_t netmask, current;
    long long hosts;
    hostset_subnet_fn *fn;
    void *arg;
};

static void counter_emit(struct counter *c)
{
    struct ip_addr net;
    if (c->hosts == 0)
        return;
    ip_from_v4(c->current, &net);
    c->fn(c->arg, &net, c->hosts);
}

static inline void counter_push(struct counter *c, uint32_t value)
{
    uint32_t net = value & c->netmask;
    if (c->hosts > 0 && net == c->current) {
        c->hosts++;
        return;
    }
    counter_emit(c);
    c->current = net;
    c->hosts = 1;
}

/* A bitmap read in ascending order a buffer at a time: a few cycles an address where
 * stepping the iterator takes several times that. */
struct stream {
    roaring_uint32_iterator_t it;
    uint32_t buf[256];
    uint32_t n, at;             /* buf[at .. n) is still to be read */
};

static void stream_open(struct stream *s, const roaring_bitmap_t *bitmap)
{
    roaring_init_iterator(bitmap, &s->it);
    s->n = s->at = 0;
}

/* Whether an address is left to read; *next is it. */
static inline int stream_peek(struct stream *s, uint32_t *next)
{
    if (s->at == s->n) {
        s->n = roaring_read_uint32_iterator(&s->it, s->buf, sizeof(s->buf) / sizeof(*s->buf));
        s->at = 0;
        if (s->n == 0)
            return 0;
    }
    *next = s->buf[s->at];
    return 1;
}

/* Reads the stream's addresses with the upper bits key into block (a bitset of them). */
/* 64 Ki addresses (a container's worth) as a bitset, with a bit per word that may have a
 * bit set: counting and clearing it visit only those words. */
struct block {
    uint64_t words[1024];
    uint64_t used[16];
};

static inline void block_set(struct block *b, uint32_t low16)
{
    b->words[low16 >> 6] |= 1ull << (low16 & 63);
    b->used[low16 >> 12] |= 1ull << (low16 >> 6 & 63);
}

/* Runs the statement that follows for each word w that used (16 words, a bit per word of a
 * block) marks, in order. */
#define BLOCK_EACH_USED(used, w)                                                         \
    for (uint32_t used_ = 0; used_ < 16; used_++)                                        \
        for (uint64_t left_ = (used)[used_]; left_; left_ &= left_ - 1)                  \
            for (uint32_t w = used_ << 6 | (uint32_t)__builtin_ctzll(left_), once_ = 1;  \
                 once_; once_ = 0)

static void stream_fill(struct stream *s, uint32_t key, struct block *block)
{
    uint32_t next;
    while (stream_peek(s, &next) && next >> 16 == key) {
        const uint32_t *p = s->buf + s->at, *end = s->buf + s->n;
        for (; p < end && *p >> 16 == key; p++)
            block_set(block, *p & 0xffff);
        s->at = (uint32_t)(p - s->buf);
    }
}

/* A bitmap being read, filed under the upper 16 bits of its next address. */
struct cursor {
    struct stream stream;
    struct cursor *next;
};

/* Reads c's addresses with the upper bits key: to the counter (the only bitmap with them)
 * or into block. Then files c under its next key. */
static void read_container(struct cursor *c, uint32_t key, struct counter *counter,
                           struct block *block, struct cursor **filed)
{
    uint32_t next;
    if (block) {
        stream_fill(&c->stream, key, block);
    } else {
        while (stream_peek(&c->stream, &next) && next >> 16 == key) {
            struct stream *s = &c->stream;
            for (; s->at < s->n && s->buf[s->at] >> 16 == key; s->at++)
                counter_push(counter, s->buf[s->at]);
        }
    }
    if (stream_peek(&c->stream, &next)) {
        c->next = filed[next >> 16];
        filed[next >> 16] = c;
    }
}

/* Adds n hosts of the subnet net (masked) to the counter. */
static inline void counter_add(struct counter *c, uint32_t net, long long n)
{
    if (c->hosts > 0 && net == c->current) {
        c->hosts += n;
        return;
    }
    counter_emit(c);
    c->current = net;
    c->hosts = n;
}

/* The bits set in x, without a call: the builtin is a libgcc routine unless the target
 * has an instruction for it. */
static inline long long ones(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (long long)((x * 0x0101010101010101u) >> 56);
}

/* Counts the addresses of block key and clears it: a subnet of whole 64-bit words is
 * counted a word at a time, a smaller one address by address. */
static void count_block(struct counter *counter, uint32_t key, struct block *block)
{
    int whole_words = ~counter->netmask >= 63;
    BLOCK_EACH_USED(block->used, w) {
        uint64_t bits = block->words[w];
        block->words[w] = 0;
        if (whole_words)
            counter_add(counter, (key << 16 | w << 6) & counter->netmask, ones(bits));
        else
            for (; bits; bits &= bits - 1)
                counter_push(counter, key << 16 | w << 6 | (uint32_t)__builtin_ctzll(bits));
    }
    memset(block->used, 0, sizeof(block->used));
}

/* The union of n bitmaps, in ascending order, to the counter, without building it: one
 * 64 Ki-address block (a container's worth) at a time, the bitmaps with addresses there
 * read into a bitset of it; a block only one bitmap covers straight to the counter. */
static void walk4(roaring_bitmap_t *const *bitmaps, size_t n, struct counter *counter)
{
    struct cursor *cursors = xcalloc(n ? n : 1, sizeof(*cursors));
    struct cursor **filed = xcalloc(65536, sizeof(*filed));
    struct block *block = xcalloc(1, sizeof(*block));
    for (size_t i = 0; i < n; i++) {
        uint32_t first;
        stream_open(&cursors[i].stream, bitmaps[i]);
        if (stream_peek(&cursors[i].stream, &first)) {
            cursors[i].next = filed[first >> 16];
            filed[first >> 16] = &cursors[i];
        }
    }
    for (uint32_t key = 0; key < 65536; key++) {
        struct cursor *c = filed[key], *next;
        filed[key] = NULL;
        if (!c)
            continue;
        if (!c->next) {
            read_container(c, key, counter, NULL, filed);
            continue;
        }
        for (; c; c = next) {
            next = c->next;
            read_container(c, key, counter, block, filed);
        }
        count_block(counter, key, block);
    }
    counter_emit(counter);
    free(block);
    free(filed);
    free(cursors);
}

/* Calls fn per subnet of the set's IPv4 addresses (prefix 0: one count of them all). */
static void each_subnet4(struct hostset *set, int prefix, hostset_subnet_fn *fn, void *arg)
{
    struct counter counter = { .netmask = prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix),
                               .fn = fn, .arg = arg };
    settle4(set);
    if (set->v4)
        push_stored4(set, set->v4);
    walk4(set->stored4, set->nstored4, &counter);
    if (set->v4)
        set->nstored4--;
}

static void each_subnet6(struct hostset *set, int prefix, hostset_subnet_fn *fn, void *arg)
{
    struct ip_addr current = { .family = 6 };
    long long hosts = 0;
    normalize6(set);
    for (size_t i = 0; i < set->n6; i++) {
        struct ip_addr net = { .family = 6 };
        memcpy(net.bytes, set->v6[i], 16);
        mask6(&net, prefix);
        if (hosts > 0 && memcmp(net.bytes, current.bytes, 16) == 0) {
            hosts++;
            continue;
        }
        if (hosts > 0)
            fn(arg, &current, hosts);
        current = net;
        hosts = 1;
    }
    if (hosts > 0)
        fn(arg, &current, hosts);
}

static void add_up(void *arg, const struct ip_addr *net, long long hosts)
{
    (void)net;
    *(long long *)arg += hosts;
}

long long hostset_count(struct hostset *set)
{
    long long n = 0;
    settle4(set);
    normalize6(set);
    if (set->nstored4 == 0)
        n = set->v4 ? (long long)roaring_bitmap_get_cardinality(set->v4) : 0;
    else
        each_subnet4(set, 0, add_up, &n);
    return n + (long long)set->n6;
}

void hostset_each_subnet(struct hostset *set, int family, int prefix, hostset_subnet_fn *fn,
                         void *arg)
{
    if (family == 4)
        each_subnet4(set, prefix, fn, arg);
    else if (family == 6)
        each_subnet6(set, prefix, fn, arg);
}

/* ---- stored IPv4 sets read in place ---- */

/* A stored IPv4 set (host_set.members: CRoaring's portable format, as the Roaring format
 * specification gives it) read a container at a time straight from the database, so that
 * neither the blob nor its bitmap is ever held whole. Every count and length it reads is
 * checked against the blob's size before it is used. */
#define SERIAL_COOKIE_NO_RUNCONTAINER 12346
#define SERIAL_COOKIE 12347
#define NO_OFFSET_THRESHOLD 4
#define ARRAY_MAX 4096                  /* a larger container is a bitset */
#define BLOB_CHUNK 32768

struct stored_set {
    sqlite3_blob *blob;
    int size, at;                       /* the blob's bytes, and the next one to read */
    int buf_at, buf_len;                /* buf holds bytes [buf_at, buf_at + buf_len) */
    uint32_t ncontainers, next;         /* containers, and the next to read */
    uint16_t *keys;                     /* per container: its upper 16 bits, */
    uint32_t *cards;                    /* how many addresses it holds, */
    uint32_t *offsets;                  /* where it starts (NULL: not written), */
    unsigned char *runs;                /* and (a bit each) whether it is runs; or NULL */
    struct stored_set *filed;           /* the next set filed under the same key */
    unsigned char buf[BLOB_CHUNK];      /* last: not cleared */
};

/* Reads n bytes into out; 0 past the blob's end or when SQLite cannot read it. */
static int stored_read(struct stored_set *s, void *out, int n)
{
    unsigned char *to = out;
    if (n < 0 || n > s->size - s->at)
        return 0;
    while (n > 0) {
        if (s->at < s->buf_at || s->at >= s->buf_at + s->buf_len) {
            int len = s->size - s->at < BLOB_CHUNK ? s->size - s->at : BLOB_CHUNK;
            if (sqlite3_blob_read(s->blob, s->buf, len, s->at) != SQLITE_OK)
                return 0;
            s->buf_at = s->at;
            s->buf_len = len;
        }
        int have = s->buf_at + s->buf_len - s->at, take = n < have ? n : have;
        memcpy(to, s->buf + (s->at - s->buf_at), (size_t)take);
        to += take;
        s->at += take;
        n -= take;
    }
    return 1;
}

static int stored_u16(struct stored_set *s, uint16_t *v)
{
    unsigned char b[2];
    if (!stored_read(s, b, 2))
        return 0;
    *v = (uint16_t)(b[0] | b[1] << 8);
    return 1;
}

static int stored_u32(struct stored_set *s, uint32_t *v)
{
    unsigned char b[4];
    if (!stored_read(s, b, 4))
        return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

/* The cookie, the containers' keys and sizes, and (when written) their offsets, which
 * must be where the containers follow one another. */
static int stored_header(struct stored_set *s)
{
    uint32_t cookie, n;
    if (!stored_u32(s, &cookie))
        return 0;
    int has_runs = (cookie & 0xffff) == SERIAL_COOKIE;
    if (has_runs)
        n = (cookie >> 16) + 1;
    else if (cookie != SERIAL_COOKIE_NO_RUNCONTAINER || !stored_u32(s, &n))
        return 0;
    if (n > 65536)
        return 0;
    s->ncontainers = n;
    s->keys = xcalloc(n + 1, sizeof(*s->keys));
    s->cards = xcalloc(n + 1, sizeof(*s->cards));
    if (has_runs) {
        s->runs = xcalloc((n + 7) / 8, 1);
        if (!stored_read(s, s->runs, (int)((n + 7) / 8)))
            return 0;
    }
    /* Keys and sizes, then offsets, are 4 bytes a container: read a list at a time. */
    unsigned char *list = xmalloc(4 * (size_t)n);
    int ok = stored_read(s, list, (int)(4 * n));
    for (uint32_t i = 0; ok && i < n; i++) {
        const unsigned char *b = list + 4 * i;
        s->keys[i] = (uint16_t)(b[0] | b[1] << 8);
        s->cards[i] = (uint32_t)(b[2] | b[3] << 8) + 1;
        ok = i == 0 || s->keys[i] > s->keys[i - 1];
    }
    /* The offsets: each container must start where the one before ends, which is checked
     * as it is read (stored_container()). */
    if (ok && !(has_runs && n < NO_OFFSET_THRESHOLD)) {
        s->offsets = xcalloc(n + 1, sizeof(*s->offsets));
        ok = stored_read(s, list, (int)(4 * n));
        for (uint32_t i = 0; ok && i < n; i++) {
            const unsigned char *b = list + 4 * i;
            s->offsets[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                            (uint32_t)b[3] << 24;
        }
    }
    free(list);
    return ok;
}

/* What is made of the union of stored sets, 64 Ki addresses at a time: counts per subnet,
 * or (counter NULL) counts of the addresses inside sorted, disjoint ranges, in all and
 * (per_range not NULL) range by range. */
struct union_sink {
    struct counter *counter;
    const uint32_t (*ranges)[2];
    size_t nranges, at;                 /* ranges before at end below the current block */
    long long in_ranges, *per_range;
};

/* Adds value, the next address of the union in ascending order, to the sink. */
static inline void sink_push(struct union_sink *sink, uint32_t value)
{
    if (sink->counter) {
        counter_push(sink->counter, value);
        return;
    }
    while (sink->at < sink->nranges && sink->ranges[sink->at][1] < value)
        sink->at++;
    if (sink->at < sink->nranges && sink->ranges[sink->at][0] <= value) {
        sink->in_ranges++;
        if (sink->per_range)
            sink->per_range[sink->at]++;
    }
}

/* Whether the sink counts in ranges and none holds an address of block key: its
 * containers are then passed over. */
static int sink_passes_over(struct union_sink *sink, uint32_t key)
{
    if (sink->counter)
        return 0;
    while (sink->at < sink->nranges && sink->ranges[sink->at][1] < key << 16)
        sink->at++;
    return sink->at == sink->nranges || sink->ranges[sink->at][0] > (key << 16 | 0xffff);
}

/* Moves n bytes on without reading them; 0 past the blob's end. */
static int stored_skip(struct stored_set *s, int n)
{
    if (n < 0 || n > s->size - s->at)
        return 0;
    s->at += n;
    return 1;
}

/* Reads the set's next container (of the addresses with the upper bits key): an array
 * straight to the sink when it is given (the only set with addresses there), else into
 * block (a bitset of its 64 Ki); neither given, passes over it. Returns 1 when block was
 * written, 0 when not, -1 when the container is not valid. */
static int stored_container(struct stored_set *s, uint32_t key, struct block *block,
                            struct union_sink *alone)
{
    uint32_t i = s->next++;
    int is_runs = s->runs && (s->runs[i / 8] >> (i % 8)) & 1;
    if (s->offsets && s->offsets[i] != (uint32_t)s->at)
        return -1;
    if (!block && !alone) {
        uint16_t nruns;
        if (is_runs)
            return stored_u16(s, &nruns) && stored_skip(s, 4 * nruns) ? 0 : -1;
        return stored_skip(s, s->cards[i] > ARRAY_MAX ? 8192 : (int)(2 * s->cards[i])) ? 0 : -1;
    }
    if (is_runs) {
        uint16_t nruns, start, length;
        if (!stored_u16(s, &nruns))
            return -1;
        for (uint32_t r = 0; r < nruns; r++) {
            if (!stored_u16(s, &start) || !stored_u16(s, &length) ||
                (uint32_t)start + length > 65535)
                return -1;
            for (uint32_t a = start; a <= (uint32_t)start + length; a++)
                block_set(block, a);
        }
        return 1;
    }
    unsigned char bytes[8192];
    if (s->cards[i] > ARRAY_MAX) {
        if (!stored_read(s, bytes, sizeof(bytes)))
            return -1;
        for (uint32_t w = 0; w < 1024; w++) {
            uint64_t bits = 0;
            for (int b = 7; b >= 0; b--)
                bits = bits << 8 | bytes[8 * w + b];
            if (bits) {
                block->words[w] |= bits;
                block->used[w >> 6] |= 1ull << (w & 63);
            }
        }
        return 1;
    }
    if (!stored_read(s, bytes, (int)(2 * s->cards[i])))
        return -1;
    uint32_t last = 0;
    for (uint32_t k = 0; k < s->cards[i]; k++) {
        uint32_t v = (uint32_t)bytes[2 * k] | (uint32_t)bytes[2 * k + 1] << 8;
        if (alone) {
            if (k > 0 && v <= last)
                return -1;      /* the sink needs them ascending, as CRoaring keeps them */
            sink_push(alone, key << 16 | v);
            last = v;
        } else {
            block_set(block, v);
        }
    }
    return alone ? 0 : 1;
}

static void stored_close(struct stored_set *s)
{
    if (s->blob)
        sqlite3_blob_close(s->blob);
    free(s->keys);
    free(s->cards);
    free(s->offsets);
    free(s->runs);
}

/* Counts the addresses of block key inside the ranges, and clears it: a word inside one
 * range at once, a word across the edge of one address by address. */
static void count_block_in_ranges(struct union_sink *sink, uint32_t key, struct block *block)
{
    BLOCK_EACH_USED(block->used, w) {
        uint64_t bits = block->words[w];
        block->words[w] = 0;
        uint32_t lo = key << 16 | w << 6, hi = lo | 63;
        while (sink->at < sink->nranges && sink->ranges[sink->at][1] < lo)
            sink->at++;
        if (sink->at == sink->nranges || sink->ranges[sink->at][0] > hi)
            continue;
        if (sink->ranges[sink->at][0] <= lo && sink->ranges[sink->at][1] >= hi) {
            long long in = ones(bits);
            sink->in_ranges += in;
            if (sink->per_range)
                sink->per_range[sink->at] += in;
            continue;
        }
        for (; bits; bits &= bits - 1)
            sink_push(sink, lo | (uint32_t)__builtin_ctzll(bits));
    }
    memset(block->used, 0, sizeof(block->used));
}

/* The stored sets one statement selects, read a container at a time in key order. */
struct stored_group {
    struct stored_set *sets;
    size_t n;
    struct stored_set **filed;  /* per key, the sets whose next container holds it */
    int bad;                    /* a set is not a valid IPv4 bitmap */
};

/* Opens the sets stmt selects (rowids of host_set) and files each under its first key. */
static enum tally_error group_open(struct store *store, sqlite3_stmt *stmt,
                                   struct stored_group *g, const char *what,
                                   struct tally_diag *diag)
{
    size_t alloc = 0;
    int rc;
    g->filed = xcalloc(65536, sizeof(*g->filed));
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (g->n == alloc) {
            alloc = alloc ? 2 * alloc : 8;
            g->sets = xrealloc(g->sets, alloc * sizeof(*g->sets));
        }
        struct stored_set *s = &g->sets[g->n++];
        memset(s, 0, offsetof(struct stored_set, buf));
        if (sqlite3_blob_open(store->db, "main", "host_set", "members",
                              sqlite3_column_int64(stmt, 0), 0, &s->blob) != SQLITE_OK) {
            s->blob = NULL;
            return store_fail(store, diag, what);
        }
        s->size = sqlite3_blob_bytes(s->blob);
        if (!stored_header(s)) {
            g->bad = 1;
            return TALLY_OK;
        }
    }
    if (rc != SQLITE_DONE)
        return store_fail(store, diag, what);
    for (size_t i = 0; i < g->n; i++)
        if (g->sets[i].ncontainers > 0) {
            g->sets[i].filed = g->filed[g->sets[i].keys[0]];
            g->filed[g->sets[i].keys[0]] = &g->sets[i];
        }
    return TALLY_OK;
}

/* Reads every set's container of key into block, but an array of a set alone there to
 * alone (when given); block NULL, passes over them. Returns whether block was written;
 * g->bad set when a container is not valid. */
static int group_read_key(struct stored_group *g, uint32_t key, struct block *block,
                          struct union_sink *alone)
{
    struct stored_set *s = g->filed[key], *next;
    int in_block = 0;
    g->filed[key] = NULL;
    if (s && s->filed)
        alone = NULL;
    for (; s && !g->bad; s = next) {
        next = s->filed;
        int got = stored_container(s, key, block, alone);
        g->bad = got < 0;
        in_block |= got > 0;
        if (!g->bad && s->next < s->ncontainers) {
            s->filed = g->filed[s->keys[s->next]];
            g->filed[s->keys[s->next]] = s;
        }
    }
    return in_block;
}

/* Once every key is read: a set whose containers end before its blob does is not one
 * CRoaring wrote. Then frees the group. */
static void group_close(struct stored_group *g, int read_whole)
{
    for (size_t i = 0; i < g->n && read_whole; i++)
        g->bad |= g->sets[i].at != g->sets[i].size;
    for (size_t i = 0; i < g->n; i++)
        stored_close(&g->sets[i]);
    free(g->sets);
    free(g->filed);
}

static enum tally_error not_a_bitmap(const char *what, struct tally_diag *diag)
{
    return diag_set(diag, TALLY_ERROR_DATABASE, "%s: a host set (host_set.members) is not a "
                    "valid IPv4 bitmap", what);
}

/* The union of the stored IPv4 sets stmt selects, into sink. Key by key, the containers
 * of every set holding one go into the block, counted once all are in. */
static enum tally_error stored_union4(struct store *store, sqlite3_stmt *stmt,
                                      struct union_sink *sink, const char *what,
                                      struct tally_diag *diag)
{
    struct stored_group g = { 0 };
    struct block *block = xcalloc(1, sizeof(*block));
    enum tally_error err = group_open(store, stmt, &g, what, diag);
    for (uint32_t key = 0; key < 65536 && !err && !g.bad; key++) {
        if (!g.filed[key])
            continue;
        int pass_over = sink_passes_over(sink, key);
        int in_block = group_read_key(&g, key, pass_over ? NULL : block,
                                      pass_over ? NULL : sink);
        if (!g.bad && in_block) {
            if (sink->counter)
                count_block(sink->counter, key, block);
            else
                count_block_in_ranges(sink, key, block);
        }
    }
    group_close(&g, !err && !g.bad);
    if (!err && g.bad)
        err = not_a_bitmap(what, diag);
    else if (!err && sink->counter)
        counter_emit(sink->counter);
    free(block);
    return err;
}

enum tally_error hostset_stored_subnets4(struct store *store, sqlite3_stmt *stmt, int prefix,
                                         hostset_subnet_fn *fn, void *arg, const char *what,
                                         struct tally_diag *diag)
{
    struct counter counter = { .netmask = prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix),
                               .fn = fn, .arg = arg };
    struct union_sink sink = { .counter = &counter };
    return stored_union4(store, stmt, &sink, what, diag);
}

enum tally_error hostset_stored_count_in_ranges4(struct store *store, sqlite3_stmt *stmt,
                                                 const uint32_t (*ranges4)[2], size_t n4,
                                                 long long *per_range, long long *hosts,
                                                 const char *what, struct tally_diag *diag)
{
    struct union_sink sink = { .ranges = ranges4, .nranges = n4, .per_range = per_range };
    enum tally_error err = stored_union4(store, stmt, &sink, what, diag);
    if (hosts)
        *hosts = err ? 0 : sink.in_ranges;
    return err;
}

/* ---- two sets compared, subnet by subnet ---- */

/* The set's IPv4 addresses as one bitmap (NULL: none): the stored sets it read are merged
 * into its own, once. */
static roaring_bitmap_t *merged4(struct hostset *set)
{
    settle4(set);
    if (set->nstored4 == 1 && !set->v4) {
        set->v4 = set->stored4[0];      /* the one set read is the set */
        set->nstored4 = 0;
    } else if (set->nstored4 > 0) {
        const roaring_bitmap_t **all = xmalloc((set->nstored4 + 1) * sizeof(*all));
        size_t n = 0;
        for (size_t i = 0; i < set->nstored4; i++)
            all[n++] = set->stored4[i];
        if (set->v4)
            all[n++] = set->v4;
        roaring_bitmap_t *merged = roaring_bitmap_or_many(n, all);
        for (size_t i = 0; i < set->nstored4; i++)
            roaring_bitmap_free(set->stored4[i]);
        if (set->v4)
            roaring_bitmap_free(set->v4);
        free(all);
        set->nstored4 = 0;
        set->v4 = merged;
    }
    return set->v4;
}

/* Counts one subnet's addresses by side (0 only in a, 1 only in b, 2 both) until the
 * next subnet begins. */
struct delta {
    struct ip_addr net;
    uint32_t net4;
    long long n[3];
    hostset_compare_fn *fn;
    void *arg;
};

static void delta_emit(struct delta *d)
{
    if (d->n[0] + d->n[1] + d->n[2] > 0)
        d->fn(d->arg, &d->net, d->n[0], d->n[1], d->n[2]);
    d->n[0] = d->n[1] = d->n[2] = 0;
}

/* Counts an IPv4 address by side: in the subnet being counted, or that one is done and
 * the address's subnet net is next. */
static inline void delta_add4(struct delta *d, uint32_t net, int side)
{
    if (net != d->net4 || d->n[0] + d->n[1] + d->n[2] == 0) {
        delta_emit(d);
        d->net4 = net;
        ip_from_v4(net, &d->net);
    }
    d->n[side]++;
}

/* The two sides' IPv4 addresses merged in ascending order. */
static void compare4(struct hostset *a, struct hostset *b, int prefix, struct delta *d)
{
    roaring_bitmap_t *x = merged4(a), *y = merged4(b);
    struct stream sx, sy;
    uint32_t netmask = prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
    if (x)
        stream_open(&sx, x);
    if (y)
        stream_open(&sy, y);
    for (;;) {
        uint32_t vx = 0, vy = 0;
        int hx = x && stream_peek(&sx, &vx), hy = y && stream_peek(&sy, &vy);
        if (hx && (!hy || vx < vy)) {
            sx.at++;
            delta_add4(d, vx & netmask, 0);
        } else if (hx && vx == vy) {
            sx.at++;
            sy.at++;
            delta_add4(d, vx & netmask, 2);
        } else if (hy) {
            sy.at++;
            delta_add4(d, vy & netmask, 1);
        } else {
            break;
        }
    }
    delta_emit(d);
}

static void compare6(struct hostset *a, struct hostset *b, int prefix, struct delta *d)
{
    size_t i = 0, j = 0;
    int started = 0;
    normalize6(a);
    normalize6(b);
    while (i < a->n6 || j < b->n6) {
        struct ip_addr net = { .family = 6 };
        int c = i == a->n6 ? 1 : j == b->n6 ? -1 : memcmp(a->v6[i], b->v6[j], 16);
        int side = c < 0 ? 0 : c > 0 ? 1 : 2;
        memcpy(net.bytes, side == 1 ? b->v6[j] : a->v6[i], 16);
        i += side != 1;
        j += side != 0;
        mask6(&net, prefix);
        if (!started || memcmp(net.bytes, d->net.bytes, 16) != 0) {
            delta_emit(d);
            d->net = net;
            started = 1;
        }
        d->n[side]++;
    }
    delta_emit(d);
}

void hostset_compare_subnets(struct hostset *a, struct hostset *b, int family, int prefix,
                             hostset_compare_fn *fn, void *arg)
{
    struct delta d = { .fn = fn, .arg = arg };
    if (family == 4)
        compare4(a, b, prefix, &d);
    else if (family == 6)
        compare6(a, b, prefix, &d);
}

/* Counts n[side] addresses by side in the subnet net, as delta_add4() counts one. */
static inline void delta_add4_counts(struct delta *d, uint32_t net, const long long n[3])
{
    if (n[0] + n[1] + n[2] == 0)
        return;
    if (net != d->net4 || d->n[0] + d->n[1] + d->n[2] == 0) {
        delta_emit(d);
        d->net4 = net;
        ip_from_v4(net, &d->net);
    }
    for (int side = 0; side < 3; side++)
        d->n[side] += n[side];
}

/* Compares block key of one side (a) with the other's (b), and clears both: a subnet of
 * whole 64-bit words a word at a time, a smaller one, or a word of one address, address
 * by address. */
static void compare_blocks(struct delta *d, uint32_t key, struct block *a, struct block *b,
                           uint32_t netmask)
{
    uint64_t used[16];
    for (int i = 0; i < 16; i++)
        used[i] = a->used[i] | b->used[i];
    BLOCK_EACH_USED(used, w) {
        uint64_t x = a->words[w], y = b->words[w];
        uint32_t first = key << 16 | w << 6;
        a->words[w] = b->words[w] = 0;
        if (~netmask >= 63 && (x | y) & ((x | y) - 1)) {
            long long n[3] = { ones(x & ~y), ones(y & ~x), ones(x & y) };
            delta_add4_counts(d, first & netmask, n);
            continue;
        }
        for (uint64_t bits = x | y; bits; bits &= bits - 1) {
            uint32_t bit = (uint32_t)__builtin_ctzll(bits);
            uint64_t one = 1ull << bit;
            delta_add4(d, (first | bit) & netmask, !(x & one) ? 1 : (y & one) ? 2 : 0);
        }
    }
    memset(a->used, 0, sizeof(a->used));
    memset(b->used, 0, sizeof(b->used));
}

enum tally_error hostset_stored_compare_subnets4(struct store *store, sqlite3_stmt *a,
                                                 sqlite3_stmt *b, int prefix,
                                                 hostset_compare_fn *fn, void *arg,
                                                 const char *what, struct tally_diag *diag)
{
    struct delta d = { .fn = fn, .arg = arg };
    struct stored_group g[2] = { { 0 }, { 0 } };
    struct block *blocks = xcalloc(2, sizeof(*blocks));
    uint32_t netmask = prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
    enum tally_error err = group_open(store, a, &g[0], what, diag);
    if (!err && !g[0].bad)
        err = group_open(store, b, &g[1], what, diag);
    for (uint32_t key = 0; key < 65536 && !err && !g[0].bad && !g[1].bad; key++) {
        int in = 0;
        for (int side = 0; side < 2; side++)
            if (g[side].filed[key])
                in |= group_read_key(&g[side], key, &blocks[side], NULL);
        if (in && !g[0].bad && !g[1].bad)
            compare_blocks(&d, key, &blocks[0], &blocks[1], netmask);
    }
    int read_whole = !err && !g[0].bad && !g[1].bad;
    group_close(&g[0], read_whole);
    group_close(&g[1], read_whole);
    if (!err && (g[0].bad || g[1].bad))
        err = not_a_bitmap(what, diag);
    else if (!err)
        delta_emit(&d);
    free(blocks);
    return err;
}

/* ---- the sets of imports, as they are built ---- */

struct hostset_entry {
    int64_t source;
    unsigned port;
    int proto, status;          /* indexes of names */
    struct hostset *set;        /* NULL: a free slot */
    int64_t first_seen[2], last_seen[2];        /* IPv4's, IPv6's; 0: none known */
};

struct hostset_builder {
    char **names;               /* the proto and status names seen, each once */
    int nnames;
    struct hostset_entry *slots;        /* open addressing; a power of two of them */
    size_t nslots, used;
    struct hostset_entry *last; /* where the previous address went */
};

struct hostset_builder *hostset_builder_new(void)
{
    return xcalloc(1, sizeof(struct hostset_builder));
}

void hostset_builder_free(struct hostset_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nslots; i++)
        hostset_free(b->slots[i].set);
    for (int i = 0; i < b->nnames; i++)
        free(b->names[i]);
    free(b->names);
    free(b->slots);
    free(b);
}

static int intern(struct hostset_builder *b, const char *name)
{
    for (int i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i], name) == 0)
            return i;
    b->names = xrealloc(b->names, (size_t)(b->nnames + 1) * sizeof(*b->names));
    b->names[b->nnames] = xstrdup(name);
    return b->nnames++;
}

static size_t slot_of(const struct hostset_builder *b, int64_t source, int proto,
                      unsigned port, int status)
{
    uint64_t h = (uint64_t)source * 0x9e3779b97f4a7c15u ^
                 ((uint64_t)port << 16 | (uint64_t)proto << 40 | (uint64_t)status << 52);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 29;
    size_t i = (size_t)h & (b->nslots - 1);
    while (b->slots[i].set && !(b->slots[i].source == source && b->slots[i].port == port &&
                                b->slots[i].proto == proto && b->slots[i].status == status))
        i = (i + 1) & (b->nslots - 1);
    return i;
}

static void grow(struct hostset_builder *b)
{
    struct hostset_entry *old = b->slots;
    size_t nold = b->nslots;
    b->nslots = nold ? 2 * nold : 64;
    b->slots = xcalloc(b->nslots, sizeof(*b->slots));
    for (size_t i = 0; i < nold; i++)
        if (old[i].set)
            b->slots[slot_of(b, old[i].source, old[i].proto, old[i].port, old[i].status)] =
                old[i];
    free(old);
    b->last = NULL;
}

static struct hostset_entry *entry(struct hostset_builder *b, int64_t source,
                                   const char *proto, unsigned port, const char *status)
{
    struct hostset_entry *e = b->last;
    if (e && e->source == source && e->port == port && strcmp(b->names[e->proto], proto) == 0 &&
        strcmp(b->names[e->status], status) == 0)
        return e;
    int p = intern(b, proto), s = intern(b, status);
    if (2 * (b->used + 1) > b->nslots)
        grow(b);
    e = &b->slots[slot_of(b, source, p, port, s)];
    if (!e->set) {
        *e = (struct hostset_entry){ source, port, p, s, hostset_new(), { 0, 0 }, { 0, 0 } };
        b->used++;
    }
    b->last = e;
    return e;
}

void hostset_builder_add(struct hostset_builder *b, int64_t source, const char *proto,
                         unsigned port, const char *status, const struct ip_addr *addr,
                         int64_t seen)
{
    struct hostset_entry *e = entry(b, source, proto, port, status);
    int f = addr->family == 4 ? 0 : 1;
    hostset_add(e->set, addr);
    if (seen && (!e->first_seen[f] || seen < e->first_seen[f]))
        e->first_seen[f] = seen;
    if (seen && (!e->last_seen[f] || seen > e->last_seen[f]))
        e->last_seen[f] = seen;
}

/* An entry with its names, in the order rows are written: the same sets give the same
 * table, however they were built. */
struct ordered {
    const char *proto, *status;
    const struct hostset_entry *e;
};

static int by_key(const void *pa, const void *pb)
{
    const struct ordered *a = pa, *b = pb;
    int c;
    if (a->e->source != b->e->source)
        return a->e->source < b->e->source ? -1 : 1;
    if ((c = strcmp(a->proto, b->proto)) != 0)
        return c;
    if (a->e->port != b->e->port)
        return a->e->port < b->e->port ? -1 : 1;
    return strcmp(a->status, b->status);
}

static enum tally_error write_row(struct store *store, const struct hostset_builder *b,
                                  const struct hostset_entry *e, int family, long long hosts,
                                  const void *members, size_t len)
{
    static const char sql[] =
        "INSERT INTO host_set (source_id, proto, port, status, family, hosts, first_seen, "
        "last_seen, members) VALUES (?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, e->source);
    store_bind_text(stmt, 2, b->names[e->proto]);
    sqlite3_bind_int64(stmt, 3, e->port);
    store_bind_text(stmt, 4, b->names[e->status]);
    sqlite3_bind_int(stmt, 5, family);
    sqlite3_bind_int64(stmt, 6, hosts);
    int f = family == 4 ? 0 : 1;
    if (e->first_seen[f]) {
        sqlite3_bind_int64(stmt, 7, e->first_seen[f]);
        sqlite3_bind_int64(stmt, 8, e->last_seen[f]);
    }
    sqlite3_bind_blob64(stmt, 9, members, len, SQLITE_STATIC);
    enum tally_error err = store_step_done(stmt);
    sqlite3_clear_bindings(stmt);
    return err;
}

static enum tally_error write_set(struct store *store, const struct hostset_builder *b,
                                  const struct hostset_entry *e)
{
    struct hostset *set = e->set;
    enum tally_error err = TALLY_OK;
    settle4(set);
    if (set->v4 && !roaring_bitmap_is_empty(set->v4)) {
        roaring_bitmap_run_optimize(set->v4);
        size_t len = roaring_bitmap_portable_size_in_bytes(set->v4);
        char *bytes = xmalloc(len);
        roaring_bitmap_portable_serialize(set->v4, bytes);
        err = write_row(store, b, e, 4, (long long)roaring_bitmap_get_cardinality(set->v4),
                        bytes, len);
        free(bytes);
    }
    normalize6(set);
    for (size_t first = 0; first < set->n6 && !err; first += HOSTSET_V6_ROW) {
        size_t n = set->n6 - first < HOSTSET_V6_ROW ? set->n6 - first : HOSTSET_V6_ROW;
        err = write_row(store, b, e, 6, (long long)n, set->v6[first], 16 * n);
    }
    return err;
}

enum tally_error hostset_builder_write(struct store *store, struct hostset_builder *b)
{
    enum tally_error err = TALLY_OK;
    struct ordered *order = xmalloc((b->used + 1) * sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < b->nslots; i++)
        if (b->slots[i].set)
            order[n++] = (struct ordered){ b->names[b->slots[i].proto],
                                           b->names[b->slots[i].status], &b->slots[i] };
    if (n > 1)
        xqsort(order, n, sizeof(*order), by_key);
    for (size_t i = 0; i < n && !err; i++)
        err = write_set(store, b, order[i].e);
    free(order);
    return err;
}

/* Migration 3: the sets of every import already in the database, from its observations,
 * read once in table order. */
static enum tally_error hostset_build_all(struct store *store, struct tally_diag *diag)
{
    static const char sql[] =
        "SELECT source_id, proto, port, status, ip4, ip6, seen FROM observation";
    static const char what[] = "upgrading: host sets built from the observations";
    struct hostset_builder *b = hostset_builder_new();
    enum tally_error err = TALLY_OK;
    sqlite3_stmt *stmt = NULL;
    unsigned long long rows = 0, total = store_last_rowid(store, "observation");
    int rc;
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot build the host sets");
        goto done;
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((++rows & 0xffff) == 0)
            store_progress(what, rows, total, 0);
        struct ip_addr addr = { .family = 6 };
        const char *proto = (const char *)sqlite3_column_text(stmt, 1);
        const char *status = (const char *)sqlite3_column_text(stmt, 3);
        if (!proto || !status)
            continue;
        if (sqlite3_column_type(stmt, 4) == SQLITE_INTEGER)
            ip_from_v4((uint32_t)sqlite3_column_int64(stmt, 4), &addr);
        else if (sqlite3_column_bytes(stmt, 5) == 16)
            memcpy(addr.bytes, sqlite3_column_blob(stmt, 5), 16);
        else
            continue;
        hostset_builder_add(b, sqlite3_column_int64(stmt, 0), proto,
                            (unsigned)sqlite3_column_int64(stmt, 2), status, &addr,
                            sqlite3_column_int64(stmt, 6));
    }
    if (rc != SQLITE_DONE || hostset_builder_write(store, b))
        err = store_fail(store, diag, "cannot build the host sets");

done:
    store_progress(what, rows, total, 1);
    sqlite3_finalize(stmt);
    hostset_builder_free(b);
    return err;
}

/* ---- a set cut to address ranges ---- */

/* The bitmap of the IPv4 ranges: whole containers of a range are runs, so it is small
 * however wide the ranges. */
static roaring_bitmap_t *ranges_bitmap(const uint32_t (*ranges4)[2], size_t n4)
{
    roaring_bitmap_t *mask = roaring_bitmap_create();
    for (size_t i = 0; i < n4; i++)
        roaring_bitmap_add_range_closed(mask, ranges4[i][0], ranges4[i][1]);
    return mask;
}

/* How many of the set's IPv6 addresses are in the ranges; with keep, only they stay. */
static size_t in_ranges6(struct hostset *set, const uint8_t (*ranges6)[2][16], size_t n6,
                         int keep)
{
    size_t in = 0, r = 0;
    normalize6(set);
    for (size_t i = 0; i < set->n6; i++) {
        while (r < n6 && memcmp(ranges6[r][1], set->v6[i], 16) < 0)
            r++;
        if (r < n6 && memcmp(ranges6[r][0], set->v6[i], 16) <= 0) {
            if (keep)
                memmove(set->v6[in], set->v6[i], 16);
            in++;
        }
    }
    if (keep)
        set->n6 = set->sorted6 = in;
    return in;
}

void hostset_keep_ranges(struct hostset *set, const uint32_t (*ranges4)[2], size_t n4,
                         const uint8_t (*ranges6)[2][16], size_t n6)
{
    settle4(set);
    if (set->v4 || set->nstored4 > 0) {
        /* Each bitmap is cut on its own (merging them first costs more). */
        roaring_bitmap_t *mask = ranges_bitmap(ranges4, n4);
        for (size_t i = 0; i < set->nstored4; i++)
            roaring_bitmap_and_inplace(set->stored4[i], mask);
        if (set->v4)
            roaring_bitmap_and_inplace(set->v4, mask);
        roaring_bitmap_free(mask);
    }
    in_ranges6(set, ranges6, n6, 1);
}

long long hostset_count_in_ranges(struct hostset *set, const uint32_t (*ranges4)[2],
                                  size_t n4, const uint8_t (*ranges6)[2][16], size_t n6)
{
    settle4(set);
    if (set->nstored4 + (set->v4 != NULL) > 1) {
        hostset_keep_ranges(set, ranges4, n4, ranges6, n6);
        return hostset_count(set);
    }
    /* One bitmap: counted against the ranges without cutting it. */
    long long n = 0;
    const roaring_bitmap_t *only = set->v4 ? set->v4 : set->nstored4 ? set->stored4[0] : NULL;
    if (only) {
        roaring_bitmap_t *mask = ranges_bitmap(ranges4, n4);
        n = (long long)roaring_bitmap_and_cardinality(only, mask);
        roaring_bitmap_free(mask);
    }
    return n + (long long)in_ranges6(set, ranges6, n6, 0);
}
