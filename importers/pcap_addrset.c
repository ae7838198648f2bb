/* pcap_addrset.c: a set of IPv4 addresses that a scan fills in no order: a CRoaring bitmap
 * and, in front of it, a small hash set of the addresses added lately. Adding one address
 * at a time to a bitmap of addresses spread over the whole Internet costs a search of its
 * 65,536 containers and a cache miss or two per address; the addresses staged are instead
 * sorted and added together, in container order, when the stage is full or the set is
 * counted. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

#define STAGE_FIRST 16u                 /* slots of a stage when it starts */
#define STAGE_MAX (1u << 19)            /* slots of a stage at most: 2 MiB */
#define SORT_SMALL 4096                 /* staged addresses sorted by qsort below this */

/* Slots in use in the stages of every set, bounded so that many sets (a scan of every
 * port) do not each grow theirs to STAGE_MAX. */
static size_t stage_slots_total;
#define STAGE_SLOTS_BUDGET (16u << 20)  /* 64 MiB */

/* The slot an address goes to first: the high bits of a multiplicative hash. */
static uint32_t slot_of(uint32_t addr, uint32_t slots)
{
    return (addr * 0x9e3779b1u) >> (32 - __builtin_ctz(slots));
}

void addr_set_init(struct addr_set *s)
{
    memset(s, 0, sizeof(*s));
    s->bitmap = roaring_bitmap_create();
}

void addr_set_free(struct addr_set *s)
{
    roaring_bitmap_free(s->bitmap);
    free(s->stage);
    stage_slots_total -= s->slots;
    memset(s, 0, sizeof(*s));
}

/* Whether addr is staged; *at is its slot, or the empty slot where it would go. Address 0
 * is kept apart, since an empty slot holds 0. */
static int stage_find(const struct addr_set *s, uint32_t addr, uint32_t *at)
{
    if (addr == 0)
        return s->zero;
    if (!s->slots)
        return 0;
    uint32_t i = slot_of(addr, s->slots);
    while (s->stage[i] && s->stage[i] != addr)
        i = (i + 1) & (s->slots - 1);
    *at = i;
    return s->stage[i] == addr;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v (n values) by a radix sort of two 16-bit digits, through tmp. */
static void sort_addresses(uint32_t *v, uint32_t *tmp, size_t n)
{
    if (n < SORT_SMALL) {
        qsort(v, n, sizeof(*v), by_value);
        return;
    }
    size_t *count = xmalloc(65537 * sizeof(*count));
    for (int shift = 0; shift < 32; shift += 16) {
        memset(count, 0, 65537 * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[(v[i] >> shift & 0xffff) + 1]++;
        for (size_t d = 0; d < 65536; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++)
            tmp[count[v[i] >> shift & 0xffff]++] = v[i];
        memcpy(v, tmp, n * sizeof(*v));
    }
    free(count);
}

uint64_t addr_set_flush(struct addr_set *s)
{
    size_t n = s->staged + (size_t)s->zero;
    if (n == 0)
        return 0;
    uint32_t *v = xmalloc(2 * n * sizeof(*v)), k = 0;
    if (s->zero)
        v[k++] = 0;
    for (uint32_t i = 0; i < s->slots; i++)
        if (s->stage[i])
            v[k++] = s->stage[i];
    sort_addresses(v, v + n, n);
    uint64_t before = roaring_bitmap_get_cardinality(s->bitmap);
    roaring_bitmap_add_many(s->bitmap, n, v);
    free(v);
    uint64_t added = roaring_bitmap_get_cardinality(s->bitmap) - before;
    if (s->stage)                       /* none yet when 0 was the only address */
        memset(s->stage, 0, s->slots * sizeof(*s->stage));
    s->staged = 0;
    s->zero = 0;
    s->added += added;
    return added;
}

/* Makes room for one more staged address: a larger stage, or an empty one. */
static void stage_room(struct addr_set *s)
{
    if (s->slots && (s->staged + 1) * 2 <= s->slots)
        return;
    uint32_t grown = s->slots ? s->slots * 2 : STAGE_FIRST;
    if (grown > STAGE_MAX || stage_slots_total + grown - s->slots > STAGE_SLOTS_BUDGET) {
        addr_set_flush(s);
        if (s->slots)
            return;
        grown = STAGE_FIRST;
    }
    uint32_t *old = s->stage, old_slots = s->slots;
    s->stage = xcalloc(grown, sizeof(*s->stage));
    s->slots = grown;
    stage_slots_total += grown - old_slots;
    for (uint32_t i = 0; i < old_slots; i++) {
        if (!old[i])
            continue;
        uint32_t j = slot_of(old[i], grown);
        while (s->stage[j])
            j = (j + 1) & (grown - 1);
        s->stage[j] = old[i];
    }
    free(old);
}

void addr_set_add(struct addr_set *s, uint32_t addr)
{
    uint32_t at;
    if (stage_find(s, addr, &at))
        return;
    if (addr == 0) {
        s->zero = 1;
        return;
    }
    if (!s->slots || (s->staged + 1) * 2 > s->slots) {
        stage_room(s);
        stage_find(s, addr, &at);
    }
    s->stage[at] = addr;
    s->staged++;
}

void addr_set_prefetch(const struct addr_set *s, uint32_t addr)
{
    if (s->slots)
        __builtin_prefetch(&s->stage[slot_of(addr, s->slots)], 1);
}

int addr_set_contains(const struct addr_set *s, uint32_t addr)
{
    uint32_t at;
    return stage_find(s, addr, &at) || roaring_bitmap_contains(s->bitmap, addr);
}

void addr_set_remove(struct addr_set *s, uint32_t addr)
{
    uint32_t at;
    int staged = stage_find(s, addr, &at);
    int stored = roaring_bitmap_remove_checked(s->bitmap, addr);
    if (!staged)
        return;
    if (!stored)
        s->added++;                     /* added since the last flush, and gone again */
    if (addr == 0) {
        s->zero = 0;
        return;
    }
    /* Linear probing: the entries after the hole that belong before it move back. */
    uint32_t mask = s->slots - 1, hole = at;
    s->stage[hole] = 0;
    s->staged--;
    for (uint32_t i = (hole + 1) & mask; s->stage[i]; i = (i + 1) & mask) {
        uint32_t home = slot_of(s->stage[i], s->slots);
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            s->stage[hole] = s->stage[i];
            s->stage[i] = 0;
            hole = i;
        }
    }
}

uint64_t addr_set_count(struct addr_set *s)
{
    addr_set_flush(s);
    return roaring_bitmap_get_cardinality(s->bitmap);
}
