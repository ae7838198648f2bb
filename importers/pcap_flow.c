/* pcap_flow.c: the flow table: one entry per direction of a 5-tuple, found by an
 * open-addressing hash of (hash, index) pairs. Entries live in fixed-size chunks, so
 * pointers to them stay valid and they can be walked in the order they were first seen.
 * Memory grows with distinct flows, never with packets. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK_BITS 14
#define CHUNK_FLOWS ((size_t)1 << CHUNK_BITS)

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

#define HUGE_PAGE ((size_t)2 << 20)

/* A zeroed bucket array. Big ones are asked to live on huge pages: lookups land anywhere
 * in the array, and with small pages nearly every one would also miss the TLB. */
static struct bucket *buckets_new(size_t count)
{
    size_t bytes = count * sizeof(struct bucket);
    void *p;
    if (bytes < HUGE_PAGE || posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return xcalloc(count, sizeof(struct bucket));
    madvise(p, bytes, MADV_HUGEPAGE);
    memset(p, 0, bytes);
    return p;
}

static uint32_t key_hash(const struct flow_key *key)
{
    uint64_t words[sizeof(*key) / 8];
    uint64_t h = 0x243f6a8885a308d3u;
    memcpy(words, key, sizeof(words));
    for (size_t i = 0; i < sizeof(words) / 8; i++) {
        h = (h ^ words[i]) * 0x9e3779b97f4a7c15u;
        h ^= h >> 31;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return (uint32_t)h;
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
    return &t->chunks[i >> CHUNK_BITS][i & (CHUNK_FLOWS - 1)];
}

static struct flow *lookup(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                           size_t *slot)
{
    size_t i = hash & t->mask;
    for (;; i = (i + 1) & t->mask) {
        const struct bucket *b = &t->buckets[i];
        if (b->index == 0)
            break;
        if (b->hash == hash) {
            struct flow *f = flow_table_at(t, b->index - 1);
            if (memcmp(&f->key, key, sizeof(*key)) == 0)
                return f;
        }
    }
    *slot = i;
    return NULL;
}

struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key)
{
    size_t slot;
    return lookup(t, key, key_hash(key), &slot);
}

static void grow(struct flow_table *t)
{
    size_t size = (t->mask + 1) * 2;
    struct bucket *buckets = buckets_new(size);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->buckets[i].index)
            continue;
        size_t j = t->buckets[i].hash & (size - 1);
        while (buckets[j].index)
            j = (j + 1) & (size - 1);
        buckets[j] = t->buckets[i];
    }
    free(t->buckets);
    t->buckets = buckets;
    t->mask = size - 1;
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key)
{
    uint32_t hash = key_hash(key);
    size_t slot;
    struct flow *f = lookup(t, key, hash, &slot);
    if (f)
        return f;
    if ((t->count + 1) * 4 > (t->mask + 1) * 3) {     /* keep the load under 3/4 */
        grow(t);
        lookup(t, key, hash, &slot);
    }
    if ((t->count >> CHUNK_BITS) == t->nchunks) {
        if (t->nchunks == t->chunks_alloc) {
            t->chunks_alloc = t->chunks_alloc ? t->chunks_alloc * 2 : 16;
            t->chunks = xrealloc(t->chunks, t->chunks_alloc * sizeof(*t->chunks));
        }
        t->chunks[t->nchunks++] = xmalloc(CHUNK_FLOWS * sizeof(struct flow));
    }
    f = flow_table_at(t, t->count);
    memset(f, 0, sizeof(*f));
    f->key = *key;
    t->count++;
    t->buckets[slot].hash = hash;
    t->buckets[slot].index = (uint32_t)t->count;
    return f;
}
