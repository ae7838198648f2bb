/* pcap_flow.c: the connection table: one entry per live connection (both directions of a
 * 5-tuple), found by an open-addressing hash of (hash, index) pairs keyed in the
 * originator's direction. Both directions of a 5-tuple hash alike but for the lowest bit,
 * so a packet going either way finds its connection in one probe sequence. Entries live in
 * fixed-size chunks (pointers stay valid while the connection lives) and are reused once a
 * connection ends; each entry is on one expiry list, oldest activity first, so idle ones are
 * found at the lists' heads. Memory grows with the connections alive at once. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)
/* Entries per chunk: a chunk fills one huge page. */
#define CHUNK_FLOWS (HUGE_PAGE / sizeof(struct flow))

struct bucket {
    uint32_t hash;
    uint32_t index;             /* flow index + 1; 0 = empty */
};

struct flow_list {
    uint32_t head, tail;        /* flow index + 1; 0 = none */
    size_t count;
};

struct flow_table {
    struct bucket *buckets;
    size_t mask;                /* bucket count - 1 (a power of two) */
    size_t count;               /* live entries */
    size_t used;                /* entries ever handed out (live or on the free list) */
    uint32_t free_head;         /* index + 1 of a reusable entry, chained through next */
    struct flow **chunks;
    size_t nchunks, chunks_alloc;
    struct flow_list lists[FLOW_LISTS];
};

/* Memory asked to live on huge pages when it is that big: entries and buckets are reached
 * in no order, and with small pages nearly every reach would also miss the TLB and the
 * first of each would fault. */
void *flow_huge_alloc(size_t bytes)
{
    void *p;
    if (bytes < HUGE_PAGE || posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return xmalloc(bytes);
    madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static struct bucket *buckets_new(size_t count)
{
    struct bucket *b = flow_huge_alloc(count * sizeof(struct bucket));
    memset(b, 0, count * sizeof(struct bucket));
    return b;
}

/* Whether key, read from the other end, sorts before itself. */
static int key_swapped(const struct flow_key *key)
{
    int order = memcmp(key->src, key->dst, sizeof(key->src));
    return order > 0 || (order == 0 && key->sport > key->dport);
}

void flow_key_reverse(const struct flow_key *key, struct flow_key *back)
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
static size_t first_slot(size_t mask, uint32_t hash)
{
    return (hash >> 1) & mask;
}

void flow_table_prefetch(const struct flow_table *t, uint32_t hash)
{
    __builtin_prefetch(&t->buckets[first_slot(t->mask, hash)]);
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

static struct flow *at(const struct flow_table *t, uint32_t index1)
{
    uint32_t i = index1 - 1;
    return &t->chunks[i / CHUNK_FLOWS][i % CHUNK_FLOWS];
}

/* The live entry for key in either direction, with *dir 0 when the packet goes the way the
 * entry's key does and 1 when it goes back; *slot is its bucket, or the empty bucket where
 * the key would go. */
static struct flow *lookup(const struct flow_table *t, const struct flow_key *key,
                           uint32_t hash, size_t *slot, int *dir)
{
    struct flow_key back;
    int have_back = 0;
    size_t i = first_slot(t->mask, hash);
    for (;; i = (i + 1) & t->mask) {
        const struct bucket *b = &t->buckets[i];
        if (b->index == 0)
            break;
        if (b->hash == hash) {
            struct flow *f = at(t, b->index);
            if (memcmp(&f->key, key, sizeof(*key)) == 0) {
                *slot = i;
                *dir = 0;
                return f;
            }
        } else if (b->hash == (hash ^ 1u)) {
            struct flow *f = at(t, b->index);
            if (!have_back) {
                flow_key_reverse(key, &back);
                have_back = 1;
            }
            if (memcmp(&f->key, &back, sizeof(back)) == 0) {
                *slot = i;
                *dir = 1;
                return f;
            }
        }
    }
    *slot = i;
    return NULL;
}

struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                             int *dir)
{
    size_t slot;
    return lookup(t, key, hash, &slot, dir);
}

static void grow(struct flow_table *t)
{
    size_t size = (t->mask + 1) * 2;
    struct bucket *buckets = buckets_new(size);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->buckets[i].index)
            continue;
        size_t j = first_slot(size - 1, t->buckets[i].hash);
        while (buckets[j].index)
            j = (j + 1) & (size - 1);
        buckets[j] = t->buckets[i];
    }
    free(t->buckets);
    t->buckets = buckets;
    t->mask = size - 1;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
    struct flow_list *l = &t->lists[f->list];
    if (f->prev)
        at(t, f->prev)->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        at(t, f->next)->prev = f->prev;
    else
        l->tail = f->prev;
    l->count--;
}

static void list_append(struct flow_table *t, struct flow *f, int list)
{
    struct flow_list *l = &t->lists[list];
    f->list = (uint8_t)list;
    f->prev = l->tail;
    f->next = 0;
    if (l->tail)
        at(t, l->tail)->next = f->self;
    else
        l->head = f->self;
    l->tail = f->self;
    l->count++;
}

struct flow *flow_table_add(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                            int list)
{
    size_t slot;
    int dir;
    if ((t->count + 1) * 4 > (t->mask + 1) * 3)       /* keep the load under 3/4 */
        grow(t);
    lookup(t, key, hash, &slot, &dir);
    uint32_t index1;
    if (t->free_head) {
        index1 = t->free_head;
        t->free_head = at(t, index1)->next;
    } else {
        if (t->used / CHUNK_FLOWS == t->nchunks) {
            if (t->nchunks == t->chunks_alloc) {
                t->chunks_alloc = t->chunks_alloc ? t->chunks_alloc * 2 : 16;
                t->chunks = xrealloc(t->chunks, t->chunks_alloc * sizeof(*t->chunks));
            }
            t->chunks[t->nchunks++] = flow_huge_alloc(HUGE_PAGE);
        }
        index1 = (uint32_t)++t->used;
    }
    struct flow *f = at(t, index1);
    memset(f, 0, sizeof(*f));
    f->key = *key;
    f->self = index1;
    t->buckets[slot].hash = hash;
    t->buckets[slot].index = index1;
    t->count++;
    list_append(t, f, list);
    return f;
}

void flow_table_touch(struct flow_table *t, struct flow *f, int list)
{
    if (f->list == list && !f->next)
        return;                     /* already the newest of its list */
    list_unlink(t, f);
    list_append(t, f, list);
}

struct flow *flow_table_oldest(const struct flow_table *t, int list)
{
    return t->lists[list].head ? at(t, t->lists[list].head) : NULL;
}

struct flow *flow_table_newer(const struct flow_table *t, const struct flow *f)
{
    return f->next ? at(t, f->next) : NULL;
}

size_t flow_table_count(const struct flow_table *t, int list)
{
    return t->lists[list].count;
}

/* Removes the bucket at slot, moving later buckets of the same run back so that every
 * key stays reachable from its first slot (deletion without tombstones). */
static void bucket_delete(struct flow_table *t, size_t slot)
{
    size_t hole = slot, j = slot;
    for (;;) {
        j = (j + 1) & t->mask;
        if (!t->buckets[j].index)
            break;
        size_t home = first_slot(t->mask, t->buckets[j].hash);
        /* The entry at j may fill the hole when its home is not within (hole, j]. */
        int between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!between) {
            t->buckets[hole] = t->buckets[j];
            hole = j;
        }
    }
    t->buckets[hole].index = 0;
    t->buckets[hole].hash = 0;
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
    size_t i = first_slot(t->mask, flow_table_hash(&f->key));
    while (t->buckets[i].index != f->self)
        i = (i + 1) & t->mask;
    bucket_delete(t, i);
    list_unlink(t, f);
    f->next = t->free_head;
    t->free_head = f->self;
    t->count--;
}
