/* memory.c: allocation that stops the program when memory runs out, a heap on huge pages,
 * sorting arrays that may be empty or hold millions, and strbuf, the growable string every part of tally
 * builds text with. */
#include "util/util.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The heap that memory_use_huge_pages() reserves, and the size of a huge page. */
#define HEAP_RESERVE ((size_t)512 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void out_of_memory(size_t size)
{
    fprintf(stderr, "tally: out of memory (%zu bytes)\n", size);
    abort();
}

void memory_use_huge_pages(void)
{
#if defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
    /* Grow the heap once by HEAP_RESERVE (address space: pages are only taken when used),
     * keep blocks of up to 32 MiB in it, never give it back, and ask for huge pages over
     * it. Where malloc() is not glibc's over sbrk (a sanitizer, valgrind), the break does
     * not move and nothing is asked. */
    char *before = sbrk(0);
    if (before == (void *)-1 || !mallopt(M_MMAP_THRESHOLD, 32 << 20) ||
        !mallopt(M_TRIM_THRESHOLD, (int)HEAP_RESERVE) || !mallopt(M_TOP_PAD, (int)HEAP_RESERVE))
        return;
    void *volatile grow = malloc(1 << 20);     /* volatile: kept, though freed unused */
    free(grow);
    char *after = sbrk(0);
    if (after == (void *)-1 || after <= before || (size_t)(after - before) < HEAP_RESERVE / 2)
        return;
    uintptr_t start = ((uintptr_t)before + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t end = (uintptr_t)after & ~(HUGE_PAGE - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
}

void memory_release(void)
{
    malloc_trim(0);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void xqsort(void *items, size_t n, size_t size, int (*compare)(const void *, const void *))
{
    if (n > 1)
        qsort(items, n, size, compare);
}

/* A least-significant-digit radix sort, 16 bits a pass; a pass in which every key has the
 * same digit is skipped, so small keys take one or two passes. */
uint32_t *order_by_key(const uint64_t *key, size_t n)
{
    uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
    uint32_t *next = xmalloc((n ? n : 1) * sizeof(*next));
    size_t *start = xmalloc(65536 * sizeof(*start));
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (int shift = 0; shift < 64 && n > 1; shift += 16) {
        memset(start, 0, 65536 * sizeof(*start));
        for (size_t i = 0; i < n; i++)
            start[key[i] >> shift & 0xffff]++;
        if (start[key[0] >> shift & 0xffff] == n)
            continue;
        size_t at = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t count = start[d];
            start[d] = at;
            at += count;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t row = order[i];
            next[start[key[row] >> shift & 0xffff]++] = row;
        }
        uint32_t *swap = order;
        order = next;
        next = swap;
    }
    free(next);
    free(start);
    return order;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct strbuf sb;
    va_list ap;
    strbuf_init(&sb);
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    sb.buf = xrealloc(sb.buf, (size_t)n + 1);
    sb.alloc = (size_t)n + 1;
    va_start(ap, fmt);
    vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return sb.buf;
}

void strbuf_init(struct strbuf *sb)
{
    sb->buf = xmalloc(1);
    sb->buf[0] = '\0';
    sb->len = 0;
    sb->alloc = 1;
}

void strbuf_release(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    sb->buf[0] = '\0';
}

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->alloc)
        return;
    size_t want = sb->alloc ? sb->alloc : 16;
    while (want < sb->len + extra + 1)
        want *= 2;
    sb->buf = xrealloc(sb->buf, want);
    sb->alloc = want;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
    char ch = (char)c;
    strbuf_add(sb, &ch, 1);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    strbuf_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *strbuf_detach(struct strbuf *sb)
{
    char *p = sb->buf;
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
    return p;
}
