/* store_web.c: what each import says runs on its web services, summarised when it commits
 * so that `apps`, `stacks`, `app-stack` and `services` need not rank every header and
 * banner row: per service the import's winning Server product, stack and banner type
 * (packed in web_winner), how many services share each answer (web_count), and the hosts
 * with an answer per (proto, port) (web_host_set), which tell whether two imports share a
 * service; when they do, web_pick_add() ranks the imports' winners again.
 * web_winners_load() reads one import's winners of a port back. Migration 4 builds the
 * summaries for the imports of an older database. */
#include "store/store_internal.h"

#include <roaring/roaring.h>
#include <stdlib.h>
#include <string.h>

/* Version 4: the summaries, built for every import already in the database. */
static const char web_v4[] =
    "CREATE TABLE web_winner (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  family INTEGER NOT NULL,     -- 4 or 6\n"
    "  services INTEGER NOT NULL,   -- how many services winners describes\n"
    "  names BLOB NOT NULL,         -- the answers' texts in byte order, each ended by a 0\n"
    "  winners BLOB NOT NULL        -- per service, in address order: its address (4 or\n"
    "                               -- 16 bytes), then the import's winning Server product,\n"
    "                               -- stack and banner type (http.server counted as http,\n"
    "                               -- X509 as ssl) as 1 + their index in names (0: none),\n"
    "                               -- 4 bytes each, a byte of flags (1: the product's\n"
    "                               -- seen is known, 2: the stack's, 4: the stack is\n"
    "                               -- 'ASP.NET' from X-AspNet-Version), the seen of the\n"
    "                               -- product's and the stack's header, 8 bytes each;\n"
    "                               -- numbers little-endian\n"
    ");\n"
    "CREATE TABLE web_count (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  app TEXT, stack TEXT, service TEXT,  -- the winners' answers (NULL: none)\n"
    "  services INTEGER NOT NULL    -- how many of the import's services have them\n"
    ");\n"
    "CREATE TABLE web_host_set (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  family INTEGER NOT NULL,     -- 4 or 6\n"
    "  hosts INTEGER NOT NULL,\n"
    "  members BLOB NOT NULL        -- the addresses of web_winner, as in host_set\n"
    ");\n";

static enum tally_error web_build_all(struct store *store, struct tally_diag *diag);

static const char *const web_tables[] = { "web_winner", "web_count", "web_host_set", NULL };

static const struct store_migration web_migrations[] = {
    { 4, web_v4, web_build_all },
    { 0, NULL, NULL }
};

const struct store_part store_part_web = {
    .name = "web summary", .migrations = web_migrations, .tables = web_tables
};

/* ---- one import's answer per service ---- */

struct web_entry {
    int64_t source;
    struct ip_addr addr;
    unsigned port;
    const char *proto;                  /* interned, as are the three answers */
    const char *app, *stack, *service;  /* NULL: none */
    int64_t app_seen, stack_seen;
    unsigned char has_app_seen, has_stack_seen, stack_aspnet;
};

struct web_builder {
    char **names;               /* interned strings, open addressing */
    size_t nnames_slots, nnames;
    struct web_entry *entries;
    size_t n, alloc;
    uint64_t *slots;            /* the low 32 bits of the entry's hash, then its index + 1
                                   into entries (0: a free slot) in the high 32 bits */
    size_t nslots;
    size_t last;                /* index + 1 of the entry used last; 0: none */
    /* Ranking imports' winners again (web_pick_add): entries holds one (proto, port) at a
     * time, in address order, and picked the counts of the (proto, port)s done. */
    struct web_pick_count *picked;
    size_t npicked, alloc_picked;
};

/* How many services of a (proto, port) have one answer, after ranking again. */
struct web_pick_count {
    const char *proto;          /* interned, as are the answers */
    unsigned port;
    const char *app, *stack, *service;
    int64_t services;
};

struct web_builder *web_builder_new(void)
{
    return xcalloc(1, sizeof(struct web_builder));
}

void web_builder_free(struct web_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nnames_slots; i++)
        free(b->names[i]);
    free(b->names);
    free(b->entries);
    free(b->slots);
    free(b->picked);
    free(b);
}

/* splitmix64's finaliser: every bit of h moves every bit of the result. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return h;
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return mix(h);
}

static size_t name_slot(const struct web_builder *b, const char *s)
{
    size_t i = (size_t)hash_text(s) & (b->nnames_slots - 1);
    while (b->names[i] && strcmp(b->names[i], s) != 0)
        i = (i + 1) & (b->nnames_slots - 1);
    return i;
}

/* The one copy of s the builder keeps. */
static const char *intern(struct web_builder *b, const char *s)
{
    if (2 * (b->nnames + 1) > b->nnames_slots) {
        char **old = b->names;
        size_t nold = b->nnames_slots;
        b->nnames_slots = nold ? 2 * nold : 64;
        b->names = xcalloc(b->nnames_slots, sizeof(*b->names));
        for (size_t i = 0; i < nold; i++)
            if (old[i])
                b->names[name_slot(b, old[i])] = old[i];
        free(old);
    }
    size_t i = name_slot(b, s);
    if (!b->names[i]) {
        b->names[i] = xstrdup(s);
        b->nnames++;
    }
    return b->names[i];
}

static size_t addr_len(const struct ip_addr *addr)
{
    return addr->family == 4 ? 4 : 16;
}

static uint64_t entry_hash(int64_t source, const char *proto, unsigned port,
                           const struct ip_addr *addr)
{
    uint64_t h = mix((uint64_t)source ^ (uint64_t)(uintptr_t)proto << 7 ^
                     (uint64_t)port << 40 ^ (uint64_t)addr->family << 58);
    for (size_t i = 0; i < addr_len(addr); i += 8) {
        uint64_t word = 0;
        memcpy(&word, addr->bytes + i, addr_len(addr) - i < 8 ? addr_len(addr) - i : 8);
        h = mix(h ^ word);
    }
    return h;
}

static int same_service(const struct web_entry *e, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr)
{
    return e->source == source && e->port == port && e->proto == proto &&
           e->addr.family == addr->family &&
           memcmp(e->addr.bytes, addr->bytes, addr_len(addr)) == 0;
}

/* A slot's entry index + 1 (0: free), and the low bits of the entry's hash. */
static uint32_t slot_entry(uint64_t slot)
{
    return (uint32_t)(slot >> 32);
}

static uint32_t slot_hash(uint64_t slot)
{
    return (uint32_t)slot;
}

/* The slot of a service, or the free slot where it goes. An entry is looked at only when
 * its slot's hash bits are the service's: at 10 million services each look is a cache
 * miss. */
static size_t entry_slot(const struct web_builder *b, uint32_t hash, int64_t source,
                         const char *proto, unsigned port, const struct ip_addr *addr)
{
    size_t i = hash & (b->nslots - 1);
    while (b->slots[i] &&
           (slot_hash(b->slots[i]) != hash ||
            !same_service(&b->entries[slot_entry(b->slots[i]) - 1], source, proto, port,
                          addr)))
        i = (i + 1) & (b->nslots - 1);
    return i;
}

/* The entry of a service, new when it has none yet. */
static struct web_entry *entry(struct web_builder *b, int64_t source, const char *proto,
                               unsigned port, const struct ip_addr *addr)
{
    /* A service's headers and banners mostly come one after the other. */
    if (b->last) {
        struct web_entry *e = &b->entries[b->last - 1];
        if (same_service(e, source, e->proto, port, addr) && strcmp(e->proto, proto) == 0)
            return e;
    }
    const char *p = intern(b, proto);
    if (2 * (b->n + 1) > b->nslots) {
        /* The slots move by their hash bits alone, the entries unread. */
        uint64_t *old = b->slots;
        size_t nold = b->nslots;
        b->nslots = nold ? 2 * nold : 1024;
        b->slots = xcalloc(b->nslots, sizeof(*b->slots));
        for (size_t k = 0; k < nold; k++) {
            if (!old[k])
                continue;
            size_t i = slot_hash(old[k]) & (b->nslots - 1);
            while (b->slots[i])
                i = (i + 1) & (b->nslots - 1);
            b->slots[i] = old[k];
        }
        free(old);
    }
    uint32_t hash = (uint32_t)entry_hash(source, p, port, addr);
    size_t i = entry_slot(b, hash, source, p, port, addr);
    if (b->slots[i]) {
        b->last = slot_entry(b->slots[i]);
        return &b->entries[b->last - 1];
    }
    if (b->n == b->alloc) {
        b->alloc = b->alloc ? 2 * b->alloc : 1024;
        b->entries = xrealloc(b->entries, b->alloc * sizeof(*b->entries));
    }
    struct web_entry *e = &b->entries[b->n];
    *e = (struct web_entry){ .source = source, .port = port, .proto = p };
    e->addr.family = addr->family;
    memcpy(e->addr.bytes, addr->bytes, addr_len(addr));
    b->n++;
    b->slots[i] = (uint64_t)b->n << 32 | hash;
    b->last = b->n;
    return e;
}

/* Whether seen a (has_a: known) comes before b in "ORDER BY seen DESC", where SQL puts an
 * unknown seen (NULL) last: > 0 before, 0 a tie, < 0 after. */
static int newer(int has_a, int64_t a, int has_b, int64_t b)
{
    if (has_a != has_b)
        return has_a - has_b;
    if (!has_a || a == b)
        return 0;
    return a > b ? 1 : -1;
}

/* The header's contribution: a Server product wins by its seen, most recent first, then
 * by name; a stack by X-Powered-By before X-AspNet-Version, then the same. */
static void header_rank(struct web_builder *b, struct web_entry *e, const char *name,
                        const char *product, int has_seen, int64_t seen)
{
    int aspnet = strcmp(name, "x-aspnet-version") == 0;
    if (strcmp(name, "server") == 0) {
        int c = e->app ? newer(has_seen, seen, e->has_app_seen, e->app_seen) : 1;
        if (c > 0 || (c == 0 && strcmp(product, e->app) < 0)) {
            e->app = intern(b, product);
            e->has_app_seen = (unsigned char)has_seen;
            e->app_seen = seen;
        }
        return;
    }
    const char *value = aspnet ? "ASP.NET" : product;
    int c = !e->stack ? 1 : aspnet != e->stack_aspnet ? e->stack_aspnet - aspnet
                      : newer(has_seen, seen, e->has_stack_seen, e->stack_seen);
    if (c > 0 || (c == 0 && strcmp(value, e->stack) < 0)) {
        e->stack = intern(b, value);
        e->stack_aspnet = (unsigned char)aspnet;
        e->has_stack_seen = (unsigned char)has_seen;
        e->stack_seen = seen;
    }
}

void web_builder_header(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *name,
                        const char *product, int has_seen, int64_t seen)
{
    if (strcmp(name, "server") != 0 && strcmp(name, "x-powered-by") != 0 &&
        strcmp(name, "x-aspnet-version") != 0)
        return;
    header_rank(b, entry(b, source, proto, port, addr), name, product, has_seen, seen);
}

/* A banner type's rank: a real name 0, "unknown" 1, vulnerability notes and errors 2. */
static int service_rank(const char *name)
{
    static const char *const notes[] = { "vuln", "heartbleed", "ticketbleed", "error", NULL };
    for (int i = 0; notes[i]; i++)
        if (strcmp(name, notes[i]) == 0)
            return 2;
    return strcmp(name, "unknown") == 0 ? 1 : 0;
}

/* The banner's contribution: HTTP's extra banners count as http, certificates as ssl;
 * the lowest rank wins, then the first name. */
static void banner_rank(struct web_builder *b, struct web_entry *e, const char *service)
{
    const char *name = service;
    if (strcmp(service, "http.server") == 0 || strcmp(service, "title") == 0 ||
        strcmp(service, "html") == 0)
        name = "http";
    else if (strcmp(service, "X509") == 0 || strcmp(service, "X509CA") == 0)
        name = "ssl";
    if (e->service) {
        int rank = service_rank(name), was = service_rank(e->service);
        if (rank > was || (rank == was && strcmp(name, e->service) >= 0))
            return;
    }
    e->service = intern(b, name);
}

void web_builder_banner(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *service)
{
    banner_rank(b, entry(b, source, proto, port, addr), service);
}

/* ---- writing the summaries ---- */

static int text_cmp(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);       /* NULL first */
    return a == b ? 0 : strcmp(a, b);
}

/* Services in order of (source, proto, port, family, address). */
static int by_service(const void *pa, const void *pb)
{
    const struct web_entry *a = pa, *b = pb;
    int c;
    if (a->source != b->source)
        return a->source < b->source ? -1 : 1;
    if ((c = text_cmp(a->proto, b->proto)) != 0)
        return c;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    if (a->addr.family != b->addr.family)
        return a->addr.family - b->addr.family;
    return memcmp(a->addr.bytes, b->addr.bytes, addr_len(&a->addr));
}

static int same_set(const struct web_entry *a, const struct web_entry *b)
{
    return a->source == b->source && a->proto == b->proto && a->port == b->port;
}

/* Then by their answers, for counting. */
static int by_answer(const void *pa, const void *pb)
{
    const struct web_entry *a = *(const struct web_entry *const *)pa;
    const struct web_entry *b = *(const struct web_entry *const *)pb;
    int c;
    if (!same_set(a, b))
        return by_service(a, b);
    if ((c = text_cmp(a->app, b->app)) != 0 || (c = text_cmp(a->stack, b->stack)) != 0 ||
        (c = text_cmp(a->service, b->service)) != 0)
        return c;
    return 0;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8 & 0xff;
    p[2] = v >> 16 & 0xff;
    p[3] = v >> 24 & 0xff;
    return p + 4;
}

static unsigned char *put64(unsigned char *p, int64_t v)
{
    p = put32(p, (uint32_t)((uint64_t)v & 0xffffffffu));
    return put32(p, (uint32_t)((uint64_t)v >> 32));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t get64(const unsigned char *p)
{
    return (int64_t)((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

static int by_text(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* 1 + the index of name in names[0 .. n), 0 for NULL. */
static uint32_t name_index(const char *const *names, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    if (!name)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(names[mid], name);
        if (c == 0)
            return (uint32_t)mid + 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The bytes of one service in web_winner.winners, after its address. */
#define WINNER_SIZE (3 * 4 + 1 + 2 * 8)

static enum tally_error winners_damaged(struct tally_diag *diag)
{
    return diag_set(diag, TALLY_ERROR_DATABASE, "a web summary (web_winner) is damaged");
}

/* The web_winner row of entries[first .. end) (b's, in order): one (source, proto, port,
 * family). used (a flag per slot of b's names, all 0) and names (room for all of b's
 * names) are scratch space. */
static enum tally_error write_winners(struct store *store, const struct web_builder *b,
                                      const struct web_entry *const *entries, size_t first,
                                      size_t end, unsigned char *used, const char **names)
{
    static const char sql[] =
        "INSERT INTO web_winner (source_id, proto, port, family, services, names, winners) "
        "VALUES (?,?,?,?,?,?,?)";
    struct strbuf dict;
    size_t distinct = 0;
    for (size_t i = first; i < end; i++) {
        const char *answers[3] = { entries[i]->app, entries[i]->stack, entries[i]->service };
        for (int k = 0; k < 3; k++) {
            if (!answers[k])
                continue;
            size_t slot = name_slot(b, answers[k]);
            if (!used[slot]) {
                used[slot] = 1;
                names[distinct++] = answers[k];
            }
        }
    }
    if (distinct > 1)
        xqsort(names, distinct, sizeof(*names), by_text);
    strbuf_init(&dict);
    for (size_t i = 0; i < distinct; i++) {
        used[name_slot(b, names[i])] = 0;
        strbuf_add(&dict, names[i], strlen(names[i]) + 1);
    }
    size_t alen = addr_len(&entries[first]->addr), len = (end - first) * (alen + WINNER_SIZE);
    unsigned char *packed = xmalloc(len ? len : 1), *p = packed;
    for (size_t i = first; i < end; i++) {
        const struct web_entry *e = entries[i];
        memcpy(p, e->addr.bytes, alen);
        p = put32(p + alen, name_index(names, distinct, e->app));
        p = put32(p, name_index(names, distinct, e->stack));
        p = put32(p, name_index(names, distinct, e->service));
        *p++ = (unsigned char)((e->app && e->has_app_seen ? 1 : 0) |
                               (e->stack && e->has_stack_seen ? 2 : 0) |
                               (e->stack && e->stack_aspnet ? 4 : 0));
        p = put64(p, e->app && e->has_app_seen ? e->app_seen : 0);
        p = put64(p, e->stack && e->has_stack_seen ? e->stack_seen : 0);
    }
    enum tally_error err = TALLY_ERROR_DATABASE;
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (stmt) {
        sqlite3_bind_int64(stmt, 1, entries[first]->source);
        store_bind_text(stmt, 2, entries[first]->proto);
        sqlite3_bind_int64(stmt, 3, entries[first]->port);
        sqlite3_bind_int(stmt, 4, entries[first]->addr.family);
        sqlite3_bind_int64(stmt, 5, (sqlite3_int64)(end - first));
        sqlite3_bind_blob64(stmt, 6, dict.buf ? dict.buf : "", dict.len, SQLITE_STATIC);
        sqlite3_bind_blob64(stmt, 7, packed, len, SQLITE_STATIC);
        err = store_step_done(stmt);
        sqlite3_clear_bindings(stmt);
    }
    free(packed);
    strbuf_release(&dict);
    return err;
}

/* ---- ranking imports' winners again ---- */

/* Addresses in order: IPv4 first, then by their bytes. */
static int addr_order(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family - b->family;
    return memcmp(a->bytes, b->bytes, addr_len(a));
}

/* The slot of an answer (its interned texts) in a table of counts. */
static size_t answer_slot(const struct web_pick_count *slots, size_t nslots, const char *app,
                          const char *stack, const char *service)
{
    uint64_t h = mix((uint64_t)(uintptr_t)app ^ (uint64_t)(uintptr_t)stack << 1 ^
                     (uint64_t)(uintptr_t)service << 2);
    size_t i = (size_t)h & (nslots - 1);
    while (slots[i].services && (slots[i].app != app || slots[i].stack != stack ||
                                 slots[i].service != service))
        i = (i + 1) & (nslots - 1);
    return i;
}

static int by_pick_answer(const void *pa, const void *pb)
{
    const struct web_pick_count *a = pa, *b = pb;
    int c;
    if ((c = text_cmp(a->app, b->app)) != 0 || (c = text_cmp(a->stack, b->stack)) != 0)
        return c;
    return text_cmp(a->service, b->service);
}

/* Counts the services of the (proto, port) under way by answer, in the order of
 * write_counts(), and empties entries for the next. */
static void pick_flush(struct web_builder *b)
{
    if (b->n == 0)
        return;
    /* Distinct answers are few; the table grows only as far as they need. */
    size_t cap = 64, distinct = 0;
    struct web_pick_count *slots = xcalloc(cap, sizeof(*slots));
    for (size_t k = 0; k < b->n; k++) {
        const struct web_entry *e = &b->entries[k];
        if (2 * (distinct + 1) > cap) {
            struct web_pick_count *old = slots;
            size_t nold = cap;
            cap *= 2;
            slots = xcalloc(cap, sizeof(*slots));
            for (size_t i = 0; i < nold; i++)
                if (old[i].services)
                    slots[answer_slot(slots, cap, old[i].app, old[i].stack,
                                      old[i].service)] = old[i];
            free(old);
        }
        size_t i = answer_slot(slots, cap, e->app, e->stack, e->service);
        if (!slots[i].services) {
            slots[i] = (struct web_pick_count){ e->proto, e->port, e->app, e->stack,
                                                e->service, 0 };
            distinct++;
        }
        slots[i].services++;
    }
    if (b->npicked + distinct > b->alloc_picked) {
        b->alloc_picked = 2 * (b->npicked + distinct);
        b->picked = xrealloc(b->picked, b->alloc_picked * sizeof(*b->picked));
    }
    struct web_pick_count *out = b->picked + b->npicked;
    size_t n = 0;
    for (size_t i = 0; i < cap; i++)
        if (slots[i].services)
            out[n++] = slots[i];
    xqsort(out, n, sizeof(*out), by_pick_answer);
    b->npicked += n;
    free(slots);
    b->n = 0;
}

/* The entries of one (proto, port) are kept in address order, so that another import's
 * winners (in address order too) meet theirs in one pass: a hash of millions of services
 * spends its time on cache misses. The new services go at the end as they come and are
 * then merged into place. */
enum tally_error web_pick_add(struct web_builder *b, const char *proto, unsigned port,
                              int family, const void *names, size_t names_len,
                              const void *winners, size_t len, struct tally_diag *diag)
{
    const unsigned char *p = winners, *dict = names;
    size_t alen = family == 4 ? 4 : 16, size = alen + WINNER_SIZE;
    size_t nnames = 0;
    const char **index = NULL;
    enum tally_error err = TALLY_OK;
    if ((family != 4 && family != 6) || len % size != 0 ||
        (names_len > 0 && dict[names_len - 1] != 0))
        return winners_damaged(diag);
    const char *pr = intern(b, proto);
    if (b->n > 0 && (b->entries[0].proto != pr || b->entries[0].port != port))
        pick_flush(b);
    for (size_t i = 0; i < names_len; i++)
        nnames += dict[i] == 0;
    index = xmalloc((nnames + 1) * sizeof(*index));
    for (size_t i = 0, k = 0; i < names_len; i += strlen((const char *)dict + i) + 1)
        index[k++] = (const char *)dict + i;
    size_t had = b->n, at_old = 0;
    struct ip_addr last = { .family = 0 };
    for (size_t at = 0; at < len && !err; at += size) {
        struct ip_addr addr = { .family = family };
        uint32_t answer[3];
        memcpy(addr.bytes, p + at, alen);
        for (int k = 0; k < 3; k++) {
            answer[k] = get32(p + at + alen + 4 * k);
            if (answer[k] > nnames)
                err = winners_damaged(diag);
        }
        /* The row's services are in address order, each once. */
        if (!err && at > 0 && addr_order(&last, &addr) >= 0)
            err = winners_damaged(diag);
        if (err)
            break;
        last = addr;
        while (at_old < had && addr_order(&b->entries[at_old].addr, &addr) < 0)
            at_old++;
        struct web_entry *e;
        if (at_old < had && addr_order(&b->entries[at_old].addr, &addr) == 0) {
            e = &b->entries[at_old];
        } else {
            if (b->n == b->alloc) {
                b->alloc = b->alloc ? 2 * b->alloc : 1024;
                b->entries = xrealloc(b->entries, b->alloc * sizeof(*b->entries));
            }
            e = &b->entries[b->n++];
            *e = (struct web_entry){ .addr = addr, .port = port, .proto = pr };
        }
        unsigned flags = p[at + alen + 12];
        int64_t app_seen = get64(p + at + alen + 13), stack_seen = get64(p + at + alen + 21);
        /* An import's winner is ranked as a header or banner row of its own would be. */
        if (answer[0])
            header_rank(b, e, "server", index[answer[0] - 1], flags & 1, app_seen);
        if (answer[1])
            header_rank(b, e, flags & 4 ? "x-aspnet-version" : "x-powered-by",
                        index[answer[1] - 1], (flags & 2) != 0, stack_seen);
        if (answer[2])
            banner_rank(b, e, index[answer[2] - 1]);
    }
    free(index);
    /* Merges the new services [had, n) into the old [0, had), from the back. */
    size_t added = b->n - had;
    if (added > 0 && had > 0) {
        struct web_entry *fresh = xmalloc(added * sizeof(*fresh));
        memcpy(fresh, b->entries + had, added * sizeof(*fresh));
        size_t i = had, j = added, w = b->n;
        while (j > 0) {
            if (i > 0 && addr_order(&b->entries[i - 1].addr, &fresh[j - 1].addr) > 0)
                b->entries[--w] = b->entries[--i];
            else
                b->entries[--w] = fresh[--j];
        }
        free(fresh);
    }
    return err;
}

enum tally_error web_pick_write(struct store *store, struct web_builder *b)
{
    static const char insert[] =
        "INSERT INTO temp.web_pick (source_id, proto, port, app, stack, service, services) "
        "VALUES (0,?,?,?,?,?,?)";
    enum tally_error err = TALLY_OK;
    if (sqlite3_exec(store->db, "CREATE TEMP TABLE IF NOT EXISTS web_pick (source_id, proto, "
                     "port, app, stack, service, services); DELETE FROM temp.web_pick", NULL,
                     NULL, NULL) != SQLITE_OK)
        return TALLY_ERROR_DATABASE;
    pick_flush(b);
    for (size_t i = 0; i < b->npicked && !err; i++) {
        const struct web_pick_count *c = &b->picked[i];
        sqlite3_stmt *stmt = store_statement(store, insert);
        if (!stmt)
            return TALLY_ERROR_DATABASE;
        store_bind_text(stmt, 1, c->proto);
        sqlite3_bind_int64(stmt, 2, c->port);
        store_bind_text(stmt, 3, c->app);
        store_bind_text(stmt, 4, c->stack);
        store_bind_text(stmt, 5, c->service);
        sqlite3_bind_int64(stmt, 6, c->services);
        err = store_step_done(stmt);
    }
    b->npicked = 0;
    return err;
}

/* ---- reading one import's winners ---- */

/* Services read from a winners blob at a time: the blob of a port of a scan of the whole
 * Internet is tens of MB, which is read through this window rather than copied whole. */
#define WINNER_WINDOW 2048

/* One web_winner row: its texts, and a window on its services as written. */
struct winner_part {
    int family;
    char *names;                /* the row's names, each ended by a 0 */
    const char **index;         /* the start of each */
    size_t nnames;
    sqlite3_blob *blob;         /* the row's winners */
    size_t n;                   /* services */
    unsigned char *window;      /* services first .. first + in_window */
    size_t first, in_window;
};

struct web_winners {
    struct winner_part part[2]; /* IPv4, IPv6 */
    size_t nparts;
    size_t reading, next;       /* the next service: part[reading]'s next-th */
};

static size_t part_size(const struct winner_part *p)
{
    return (p->family == 4 ? 4 : 16) + WINNER_SIZE;
}

/* Opens a row into p: its names, and its winners blob, whose length must be a whole
 * number of services. */
static int part_open(struct store *store, struct winner_part *p, sqlite3_stmt *row)
{
    sqlite3_int64 rowid = sqlite3_column_int64(row, 0);
    int family = sqlite3_column_int(row, 1);
    const unsigned char *dict = sqlite3_column_blob(row, 2);
    size_t names_len = (size_t)sqlite3_column_bytes(row, 2);
    p->family = family;
    if ((family != 4 && family != 6) || (names_len > 0 && dict[names_len - 1] != 0))
        return 0;
    p->names = xmalloc(names_len + 1);
    if (names_len)
        memcpy(p->names, dict, names_len);
    for (size_t i = 0; i < names_len; i++)
        p->nnames += dict[i] == 0;
    p->index = xmalloc((p->nnames + 1) * sizeof(*p->index));
    for (size_t i = 0, k = 0; i < names_len; i += strlen(p->names + i) + 1)
        p->index[k++] = p->names + i;
    if (sqlite3_blob_open(store->db, "main", "web_winner", "winners", rowid, 0, &p->blob) !=
        SQLITE_OK)
        return 0;
    size_t len = (size_t)sqlite3_blob_bytes(p->blob);
    if (len % part_size(p) != 0)
        return 0;
    p->n = len / part_size(p);
    p->window = xmalloc(WINNER_WINDOW * part_size(p));
    return 1;
}

/* Reads the window that starts at service first, checking that every answer in it names
 * one of the row's texts. */
static int part_fill(struct winner_part *p, size_t first)
{
    size_t size = part_size(p), alen = p->family == 4 ? 4 : 16;
    size_t count = p->n - first < WINNER_WINDOW ? p->n - first : WINNER_WINDOW;
    if (sqlite3_blob_read(p->blob, p->window, (int)(count * size), (int)(first * size)) !=
        SQLITE_OK)
        return 0;
    p->first = first;
    p->in_window = count;
    for (size_t i = 0; i < count; i++)
        for (int k = 0; k < 3; k++)
            if (get32(p->window + i * size + alen + 4 * k) > p->nnames)
                return 0;
    return 1;
}

void web_winners_free(struct web_winners *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < 2; i++) {
        free(w->part[i].names);
        free(w->part[i].index);
        sqlite3_blob_close(w->part[i].blob);
        free(w->part[i].window);
    }
    free(w);
}

enum tally_error web_winners_load(struct store *store, int64_t source, const char *proto,
                                  unsigned port, struct web_winners **out,
                                  struct tally_diag *diag)
{
    static const char sql[] = "SELECT rowid, family, names FROM web_winner WHERE "
                              "source_id = ? AND proto = ? AND port = ?";
    struct web_winners *w = xcalloc(1, sizeof(*w));
    enum tally_error err = TALLY_OK;
    sqlite3_stmt *stmt = NULL;
    int rc = SQLITE_ERROR;
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, source);
        sqlite3_bind_text(stmt, 2, proto, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, port);
        while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            struct winner_part *p = &w->part[w->nparts];
            if (w->nparts == 2 || !part_open(store, p, stmt) ||
                (w->nparts == 1 && w->part[0].family == p->family))
                err = winners_damaged(diag);
            w->nparts += w->nparts < 2;
        }
    }
    if (!err && rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the web summaries");
    sqlite3_finalize(stmt);
    if (!err && w->nparts == 2 && w->part[0].family == 6) {
        struct winner_part ipv6 = w->part[0];     /* IPv4 first */
        w->part[0] = w->part[1];
        w->part[1] = ipv6;
    }
    if (err) {
        web_winners_free(w);
        w = NULL;
    }
    *out = w;
    return err;
}

enum tally_error web_winners_next(struct web_winners *w, struct web_winner *out, int *got,
                                  struct tally_diag *diag)
{
    *got = 0;
    while (w && w->reading < w->nparts && w->next >= w->part[w->reading].n) {
        w->reading++;
        w->next = 0;
    }
    if (!w || w->reading >= w->nparts)
        return TALLY_OK;
    struct winner_part *p = &w->part[w->reading];
    size_t i = w->next++;
    if ((i < p->first || i >= p->first + p->in_window) && !part_fill(p, i))
        return winners_damaged(diag);
    size_t alen = p->family == 4 ? 4 : 16;
    const unsigned char *at = p->window + (i - p->first) * part_size(p);
    uint32_t answer[3];
    for (int k = 0; k < 3; k++)
        answer[k] = get32(at + alen + 4 * k);
    unsigned flags = at[alen + 12];
    *out = (struct web_winner){
        .addr = { .family = p->family },
        .app = answer[0] ? p->index[answer[0] - 1] : NULL,
        .stack = answer[1] ? p->index[answer[1] - 1] : NULL,
        .service = answer[2] ? p->index[answer[2] - 1] : NULL,
        .has_app_seen = (flags & 1) != 0, .has_stack_seen = (flags & 2) != 0,
        .stack_aspnet = (flags & 4) != 0,
        .app_seen = get64(at + alen + 13), .stack_seen = get64(at + alen + 21) };
    memcpy(out->addr.bytes, at, alen);
    *got = 1;
    return TALLY_OK;
}

/* Rows of sql (an INSERT of source_id, proto, port, app, stack, service, services): how
 * many services have each answer. */
static enum tally_error write_counts(struct store *store, const struct web_builder *b,
                                     const char *sql)
{
    enum tally_error err = TALLY_OK;
    const struct web_entry **order = xmalloc((b->n + 1) * sizeof(*order));
    for (size_t i = 0; i < b->n; i++)
        order[i] = &b->entries[i];
    if (b->n > 1)
        xqsort(order, b->n, sizeof(*order), by_answer);
    for (size_t first = 0, next; first < b->n && !err; first = next) {
        const struct web_entry *e = order[first];
        for (next = first + 1; next < b->n && by_answer(&order[first], &order[next]) == 0;
             next++)
            ;
        sqlite3_stmt *stmt = store_statement(store, sql);
        if (!stmt) {
            err = TALLY_ERROR_DATABASE;
            break;
        }
        sqlite3_bind_int64(stmt, 1, e->source);
        store_bind_text(stmt, 2, e->proto);
        sqlite3_bind_int64(stmt, 3, e->port);
        store_bind_text(stmt, 4, e->app);
        store_bind_text(stmt, 5, e->stack);
        store_bind_text(stmt, 6, e->service);
        sqlite3_bind_int64(stmt, 7, (sqlite3_int64)(next - first));
        err = store_step_done(stmt);
    }
    free(order);
    return err;
}

static enum tally_error write_set_row(struct store *store, const struct web_entry *e,
                                      int family, size_t hosts, const void *members,
                                      size_t len)
{
    static const char sql[] =
        "INSERT INTO web_host_set (source_id, proto, port, family, hosts, members) "
        "VALUES (?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, e->source);
    store_bind_text(stmt, 2, e->proto);
    sqlite3_bind_int64(stmt, 3, e->port);
    sqlite3_bind_int(stmt, 4, family);
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64)hosts);
    sqlite3_bind_blob64(stmt, 6, members, len, SQLITE_STATIC);
    enum tally_error err = store_step_done(stmt);
    sqlite3_clear_bindings(stmt);
    return err;
}

/* The hosts of the services of one (source, proto, port): entries[first .. end), in
 * address order, IPv4 before IPv6. */
static enum tally_error write_set(struct store *store,
                                  const struct web_entry *const *entries, size_t first,
                                  size_t end)
{
    size_t n4 = 0, n6 = 0;
    enum tally_error err = TALLY_OK;
    while (first + n4 < end && entries[first + n4]->addr.family == 4)
        n4++;
    if (n4) {
        uint32_t *v4 = xmalloc(n4 * sizeof(*v4));
        for (size_t i = 0; i < n4; i++)
            v4[i] = ip_v4_value(&entries[first + i]->addr);
        roaring_bitmap_t *bitmap = roaring_bitmap_create();
        roaring_bitmap_add_many(bitmap, n4, v4);
        free(v4);
        roaring_bitmap_run_optimize(bitmap);
        size_t len = roaring_bitmap_portable_size_in_bytes(bitmap);
        char *bytes = xmalloc(len);
        roaring_bitmap_portable_serialize(bitmap, bytes);
        err = write_set_row(store, entries[first], 4, n4, bytes, len);
        free(bytes);
        roaring_bitmap_free(bitmap);
    }
    n6 = end - first - n4;
    if (n6 && !err) {
        uint8_t (*v6)[16] = xmalloc(n6 * 16);
        for (size_t i = 0; i < n6; i++)
            memcpy(v6[i], entries[first + n4 + i]->addr.bytes, 16);
        err = write_set_row(store, entries[first], 6, n6, v6, 16 * n6);
        free(v6);
    }
    return err;
}

/* Ends the builder's use of its slots (they point into entries by index). */
static void drop_slots(struct web_builder *b)
{
    free(b->slots);
    b->slots = NULL;
    b->nslots = 0;
    b->last = 0;
}

static int by_service_ref(const void *pa, const void *pb)
{
    return by_service(*(const struct web_entry *const *)pa, *(const struct web_entry *const *)pb);
}

enum tally_error web_builder_write(struct store *store, struct web_builder *b)
{
    static const char counts[] =
        "INSERT INTO web_count (source_id, proto, port, app, stack, service, services) "
        "VALUES (?,?,?,?,?,?,?)";
    enum tally_error err = TALLY_OK;
    if (!b || b->n == 0)
        return TALLY_OK;
    drop_slots(b);
    err = write_counts(store, b, counts);
    /* Pointers are sorted, not the entries: a sort needs room for a copy of its items. */
    const struct web_entry **order = xmalloc(b->n * sizeof(*order));
    for (size_t i = 0; i < b->n; i++)
        order[i] = &b->entries[i];
    if (b->n > 1)
        xqsort(order, b->n, sizeof(*order), by_service_ref);
    unsigned char *used = xcalloc(b->nnames_slots, 1);
    const char **names = xmalloc((b->nnames + 1) * sizeof(*names));
    for (size_t first = 0, end; first < b->n && !err; first = end) {
        for (end = first + 1; end < b->n && same_set(order[first], order[end]); end++)
            ;
        err = write_set(store, order, first, end);
        for (size_t from = first, to; from < end && !err; from = to) {
            for (to = from + 1; to < end && order[to]->addr.family == order[from]->addr.family;
                 to++)
                ;
            err = write_winners(store, b, order, from, to, used, names);
        }
    }
    free(names);
    free(used);
    free(order);
    b->n = 0;
    return err;
}

/* ---- migration 4: the summaries of the imports already stored ---- */

/* The address of a row from its ip4 and ip6 columns (first of them at column col). */
static int row_addr(sqlite3_stmt *stmt, int col, struct ip_addr *addr)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_INTEGER) {
        ip_from_v4((uint32_t)sqlite3_column_int64(stmt, col), addr);
        return 1;
    }
    if (sqlite3_column_bytes(stmt, col + 1) != 16)
        return 0;
    addr->family = 6;
    memcpy(addr->bytes, sqlite3_column_blob(stmt, col + 1), 16);
    return 1;
}

static enum tally_error web_build_all(struct store *store, struct tally_diag *diag)
{
    static const char headers[] =
        "SELECT source_id, proto, port, ip4, ip6, name, product, seen FROM http_header";
    static const char banners[] = "SELECT source_id, proto, port, ip4, ip6, service FROM banner";
    static const char what[] = "upgrading: web services summarised from headers and banners";
    struct web_builder *b = web_builder_new();
    enum tally_error err = TALLY_OK;
    sqlite3_stmt *stmt = NULL;
    unsigned long long rows = 0, total = store_last_rowid(store, "http_header") +
                                         store_last_rowid(store, "banner");
    int rc = SQLITE_DONE;
    int ok = sqlite3_prepare_v2(store->db, headers, -1, &stmt, NULL) == SQLITE_OK;
    while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((++rows & 0xffff) == 0)
            store_progress(what, rows, total, 0);
        struct ip_addr addr = { .family = 4 };
        const char *proto = (const char *)sqlite3_column_text(stmt, 1);
        const char *name = (const char *)sqlite3_column_text(stmt, 5);
        const char *product = (const char *)sqlite3_column_text(stmt, 6);
        if (proto && name && product && row_addr(stmt, 3, &addr))
            web_builder_header(b, sqlite3_column_int64(stmt, 0), proto,
                               (unsigned)sqlite3_column_int64(stmt, 2), &addr, name, product,
                               sqlite3_column_type(stmt, 7) != SQLITE_NULL,
                               sqlite3_column_int64(stmt, 7));
    }
    ok = ok && rc == SQLITE_DONE;
    sqlite3_finalize(stmt);
    stmt = NULL;
    ok = ok && sqlite3_prepare_v2(store->db, banners, -1, &stmt, NULL) == SQLITE_OK;
    while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ip_addr addr = { .family = 4 };
        const char *proto = (const char *)sqlite3_column_text(stmt, 1);
        const char *service = (const char *)sqlite3_column_text(stmt, 5);
        if ((++rows & 0xffff) == 0)
            store_progress(what, rows, total, 0);
        if (proto && service && row_addr(stmt, 3, &addr))
            web_builder_banner(b, sqlite3_column_int64(stmt, 0), proto,
                               (unsigned)sqlite3_column_int64(stmt, 2), &addr, service);
    }
    ok = ok && rc == SQLITE_DONE && !web_builder_write(store, b);
    if (!ok)
        err = store_fail(store, diag, "cannot summarise the web services");
    store_progress(what, rows, total, 1);
    sqlite3_finalize(stmt);
    web_builder_free(b);
    return err;
}
