/* pcap_flow.c: the flow table: one entry per direction of a 5-tuple, found by an
 * open-addressing hash of (hash, index) pairs. Both directions of a 5-tuple hash alike but
 * for the lowest bit, so they share a probe sequence: a new flow finds its reverse in the
 * buckets its own lookup just read. Entries live in fixed-size chunks, so pointers to them
 * stay valid and they can be walked in the order they were first seen. Memory grows with
 * distinct flows, never with packets. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)
/* Flows per chunk: a chunk fills one huge page. */
#define CHUNK_FLOWS (HUGE_PAGE / sizeof(struct flow))

struct bucket {
    uint32_t hash;
    uint32_t index;             /* flow index + 1; 0 = empty */
};

struct flow_table {
    struct bucket *buckets;
    size_t mask;                /* bucket count - 1 (a power of two) */
    size_t count;
    struct flow **chunks;
    size_t nchunks, chunks_alloc;
};

/* Memory asked to live on huge pages when it is that big: flows and buckets are reached
 * in no order, and with small pages nearly every reach would also miss the TLB and the
 * first of each would fault. */
static void *huge_alloc(size_t bytes)
{
    void *p;
    if (bytes < HUGE_PAGE || posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return xmalloc(bytes);
    madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static struct bucket *buckets_new(size_t count)
{
    struct bucket *b = huge_alloc(count * sizeof(struct bucket));
    memset(b, 0, count * sizeof(struct bucket));
    return b;
}

/* Whether key, read from the other end, sorts before itself. */
static int key_swapped(const struct flow_key *key)
{
    int order = memcmp(key->src, key->dst, sizeof(key->src));
    return order > 0 || (order == 0 && key->sport > key->dport);
}

static void key_reverse(const struct flow_key *key, struct flow_key *back)
{
    *back = *key;
    back->sport = key->dport;
    back->dport = key->sport;
    memcpy(back->src, key->dst, sizeof(back->src));
    memcpy(back->dst, key->src, sizeof(back->dst));
}

/* One end of a flow (address and port), hashed. */
static uint64_t end_hash(const uint8_t addr[16], uint16_t port)
{
    uint64_t high, low;
    memcpy(&high, addr, 8);
    memcpy(&low, addr + 8, 8);
    uint64_t h = (high ^ 0x243f6a8885a308d3u) * 0x9e3779b97f4a7c15u;
    h = (h ^ (h >> 29) ^ low) * 0xbf58476d1ce4e5b9u;
    h = (h ^ (h >> 32) ^ port) * 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

uint32_t flow_table_hash(const struct flow_key *key)
{
    uint64_t from = end_hash(key->src, key->sport), to = end_hash(key->dst, key->dport);
    /* The sum does not depend on the direction; the order of the two ends does. */
    uint64_t h = (from + to) ^ ((uint64_t)key->family << 8 | key->proto);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    uint32_t swapped = from > to || (from == to && key_swapped(key));
    return ((uint32_t)h & ~1u) | swapped;
}

/* Where the probe sequence of a hash starts: the same for both directions. */
static size_t first_slot(const struct flow_table *t, uint32_t hash)
{
    return (hash >> 1) & t->mask;
}

void flow_table_prefetch(const struct flow_table *t, uint32_t hash)
{
    __builtin_prefetch(&t->buckets[first_slot(t, hash)]);
}

struct flow_table *flow_table_new(void)
{
    struct flow_table *t = xcalloc(1, sizeof(*t));
    t->mask = 1023;
    t->buckets = buckets_new(t->mask + 1);
    return t;
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->buckets);
    free(t);
}

size_t flow_table_size(const struct flow_table *t)
{
    return t->count;
}

struct flow *flow_table_at(struct flow_table *t, size_t i)
{
    return &t->chunks[i / CHUNK_FLOWS][i % CHUNK_FLOWS];
}

static struct flow *lookup(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                           size_t *slot)
{
    size_t i = first_slot(t, hash);
    for (;; i = (i + 1) & t->mask) {
        const struct bucket *b = &t->buckets[i];
        if (b->index == 0)
            break;
        if (b->hash == hash) {
            struct flow *f = flow_table_at(t, b->index - 1);
            if (memcmp(&f->key, key, sizeof(*key)) == 0) {
                *slot = i;
                return f;
            }
        }
    }
    *slot = i;
    return NULL;
}

struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key)
{
    size_t slot;
    return lookup(t, key, flow_table_hash(key), &slot);
}

struct flow *flow_table_reverse(struct flow_table *t, const struct flow *f)
{
    return f->reverse ? flow_table_at(t, f->reverse - 1) : NULL;
}

/* Links a flow just added at index `index` (with that hash) and its reverse, if seen. */
static void link_reverse(struct flow_table *t, struct flow *f, uint32_t hash, size_t index)
{
    struct flow_key back;
    key_reverse(&f->key, &back);
    if (memcmp(&back, &f->key, sizeof(back)) == 0) {
        f->reverse = (uint32_t)index + 1;       /* a host talking to itself, port to port */
        return;
    }
    size_t slot;
    struct flow *r = lookup(t, &back, hash ^ 1u, &slot);
    if (r) {
        f->reverse = t->buckets[slot].index;
        r->reverse = (uint32_t)index + 1;
    }
}

static void grow(struct flow_table *t)
{
    size_t size = (t->mask + 1) * 2;
    struct bucket *buckets = buckets_new(size);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->buckets[i].index)
            continue;
        size_t j = (t->buckets[i].hash >> 1) & (size - 1);
        while (buckets[j].index)
            j = (j + 1) & (size - 1);
        buckets[j] = t->buckets[i];
    }
    free(t->buckets);
    t->buckets = buckets;
    t->mask = size - 1;
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key, uint32_t hash)
{
    size_t slot;
    struct flow *f = lookup(t, key, hash, &slot);
    if (f)
        return f;
    if ((t->count + 1) * 4 > (t->mask + 1) * 3) {     /* keep the load under 3/4 */
        grow(t);
        lookup(t, key, hash, &slot);
    }
    if (t->count / CHUNK_FLOWS == t->nchunks) {
        if (t->nchunks == t->chunks_alloc) {
            t->chunks_alloc = t->chunks_alloc ? t->chunks_alloc * 2 : 16;
            t->chunks = xrealloc(t->chunks, t->chunks_alloc * sizeof(*t->chunks));
        }
        t->chunks[t->nchunks++] = huge_alloc(HUGE_PAGE);
    }
    size_t index = t->count++;
    f = flow_table_at(t, index);
    memset(f, 0, sizeof(*f));
    f->key = *key;
    t->buckets[slot].hash = hash;
    t->buckets[slot].index = (uint32_t)index + 1;
    link_reverse(t, f, hash, index);
    return f;
}
