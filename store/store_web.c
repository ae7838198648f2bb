/* store_web.c: what each import says runs on its web services, summarised when it commits
 * so that `apps`, `stacks`, `app-stack` and `services` need not rank every header and
 * banner row: per service the import's winning Server product, stack and banner type
 * (web_service), how many services share each answer (web_count), and the hosts with an
 * answer per (proto, port) (web_host_set), which tell whether two imports share a service.
 * Migration 4 builds them for the imports of an older database. */
#include "store/store_internal.h"

#include <roaring/roaring.h>
#include <stdlib.h>
#include <string.h>

/* Version 4: the summaries, built for every import already in the database. */
static const char web_v4[] =
    "CREATE TABLE web_service (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  addr TEXT NOT NULL,          -- as in http_header and banner\n"
    "  app TEXT,                    -- the Server product that wins for this import\n"
    "  app_seen INTEGER,            -- the seen of its header\n"
    "  stack TEXT,                  -- the stack that wins: X-Powered-By, else 'ASP.NET'\n"
    "  stack_aspnet INTEGER,        -- 1 when the stack came from X-AspNet-Version\n"
    "  stack_seen INTEGER,\n"
    "  service TEXT                 -- the banner type that wins (http.server as http, ...)\n"
    ");\n"
    "CREATE TABLE web_count (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  app TEXT, stack TEXT, service TEXT,  -- as in web_service\n"
    "  services INTEGER NOT NULL    -- web_service rows with these values\n"
    ");\n"
    "CREATE TABLE web_host_set (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  family INTEGER NOT NULL,     -- 4 or 6\n"
    "  hosts INTEGER NOT NULL,\n"
    "  members BLOB NOT NULL        -- the addresses of web_service, as in host_set\n"
    ");\n";

static enum tally_error web_build_all(struct store *store, struct tally_diag *diag);

static const char *const web_tables[] = { "web_service", "web_count", "web_host_set", NULL };

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
    uint32_t *slots;            /* index + 1 into entries; 0: free */
    size_t nslots;
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
    free(b);
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 29;
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
    uint64_t h = mix((uint64_t)source * 0x9e3779b97f4a7c15u ^ (uintptr_t)proto ^
                     (uint64_t)port << 40 ^ (uint64_t)addr->family << 58);
    for (size_t i = 0; i < addr_len(addr); i += 4) {
        uint32_t word;
        memcpy(&word, addr->bytes + i, 4);
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

static size_t entry_slot(const struct web_builder *b, int64_t source, const char *proto,
                         unsigned port, const struct ip_addr *addr)
{
    size_t i = (size_t)entry_hash(source, proto, port, addr) & (b->nslots - 1);
    while (b->slots[i] &&
           !same_service(&b->entries[b->slots[i] - 1], source, proto, port, addr))
        i = (i + 1) & (b->nslots - 1);
    return i;
}

/* The entry of a service, new when it has none yet. */
static struct web_entry *entry(struct web_builder *b, int64_t source, const char *proto,
                               unsigned port, const struct ip_addr *addr)
{
    const char *p = intern(b, proto);
    if (2 * (b->n + 1) > b->nslots) {
        free(b->slots);
        b->nslots = b->nslots ? 2 * b->nslots : 1024;
        b->slots = xcalloc(b->nslots, sizeof(*b->slots));
        for (size_t k = 0; k < b->n; k++) {
            const struct web_entry *e = &b->entries[k];
            b->slots[entry_slot(b, e->source, e->proto, e->port, &e->addr)] = (uint32_t)k + 1;
        }
    }
    size_t i = entry_slot(b, source, p, port, addr);
    if (b->slots[i])
        return &b->entries[b->slots[i] - 1];
    if (b->n == b->alloc) {
        b->alloc = b->alloc ? 2 * b->alloc : 1024;
        b->entries = xrealloc(b->entries, b->alloc * sizeof(*b->entries));
    }
    struct web_entry *e = &b->entries[b->n];
    *e = (struct web_entry){ .source = source, .port = port, .proto = p };
    e->addr.family = addr->family;
    memcpy(e->addr.bytes, addr->bytes, addr_len(addr));
    b->slots[i] = (uint32_t)++b->n;
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
void web_builder_header(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *name,
                        const char *product, int has_seen, int64_t seen)
{
    int aspnet = strcmp(name, "x-aspnet-version") == 0;
    if (!aspnet && strcmp(name, "server") != 0 && strcmp(name, "x-powered-by") != 0)
        return;
    struct web_entry *e = entry(b, source, proto, port, addr);
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
void web_builder_banner(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *service)
{
    const char *name = service;
    if (strcmp(service, "http.server") == 0 || strcmp(service, "title") == 0 ||
        strcmp(service, "html") == 0)
        name = "http";
    else if (strcmp(service, "X509") == 0 || strcmp(service, "X509CA") == 0)
        name = "ssl";
    struct web_entry *e = entry(b, source, proto, port, addr);
    if (e->service) {
        int rank = service_rank(name), was = service_rank(e->service);
        if (rank > was || (rank == was && strcmp(name, e->service) >= 0))
            return;
    }
    e->service = intern(b, name);
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

static enum tally_error write_services(struct store *store, const struct web_builder *b)
{
    static const char sql[] =
        "INSERT INTO web_service (source_id, proto, port, addr, app, app_seen, stack, "
        "stack_aspnet, stack_seen, service) VALUES (?,?,?,?,?,?,?,?,?,?)";
    enum tally_error err = TALLY_OK;
    for (size_t i = 0; i < b->n && !err; i++) {
        const struct web_entry *e = &b->entries[i];
        sqlite3_stmt *stmt = store_statement(store, sql);
        char text[64];
        if (!stmt)
            return TALLY_ERROR_DATABASE;
        ip_format(&e->addr, text, sizeof(text));
        sqlite3_bind_int64(stmt, 1, e->source);
        store_bind_text(stmt, 2, e->proto);
        sqlite3_bind_int64(stmt, 3, e->port);
        store_bind_text(stmt, 4, text);
        store_bind_text(stmt, 5, e->app);
        if (e->app && e->has_app_seen)
            sqlite3_bind_int64(stmt, 6, e->app_seen);
        store_bind_text(stmt, 7, e->stack);
        if (e->stack)
            sqlite3_bind_int(stmt, 8, e->stack_aspnet);
        if (e->stack && e->has_stack_seen)
            sqlite3_bind_int64(stmt, 9, e->stack_seen);
        store_bind_text(stmt, 10, e->service);
        err = store_step_done(stmt);
    }
    return err;
}

static enum tally_error write_counts(struct store *store, const struct web_builder *b)
{
    static const char sql[] =
        "INSERT INTO web_count (source_id, proto, port, app, stack, service, services) "
        "VALUES (?,?,?,?,?,?,?)";
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
static enum tally_error write_set(struct store *store, const struct web_entry *entries,
                                  size_t first, size_t end, uint32_t *v4, uint8_t (*v6)[16])
{
    size_t n4 = 0, n6 = 0;
    enum tally_error err = TALLY_OK;
    for (size_t i = first; i < end; i++) {
        if (entries[i].addr.family == 4)
            v4[n4++] = ip_v4_value(&entries[i].addr);
        else
            memcpy(v6[n6++], entries[i].addr.bytes, 16);
    }
    if (n4) {
        roaring_bitmap_t *bitmap = roaring_bitmap_create();
        roaring_bitmap_add_many(bitmap, n4, v4);
        roaring_bitmap_run_optimize(bitmap);
        size_t len = roaring_bitmap_portable_size_in_bytes(bitmap);
        char *bytes = xmalloc(len);
        roaring_bitmap_portable_serialize(bitmap, bytes);
        err = write_set_row(store, &entries[first], 4, n4, bytes, len);
        free(bytes);
        roaring_bitmap_free(bitmap);
    }
    if (n6 && !err)
        err = write_set_row(store, &entries[first], 6, n6, v6, 16 * n6);
    return err;
}

enum tally_error web_builder_write(struct store *store, struct web_builder *b)
{
    enum tally_error err = TALLY_OK;
    if (!b || b->n == 0)
        return TALLY_OK;
    /* The slots point into entries by index: sorting ends their use. */
    free(b->slots);
    b->slots = NULL;
    b->nslots = 0;
    if (b->n > 1)
        xqsort(b->entries, b->n, sizeof(*b->entries), by_service);
    err = write_services(store, b);
    if (!err)
        err = write_counts(store, b);
    uint32_t *v4 = xmalloc(b->n * sizeof(*v4));
    uint8_t (*v6)[16] = xmalloc(b->n * 16);
    for (size_t first = 0, end; first < b->n && !err; first = end) {
        for (end = first + 1; end < b->n && same_set(&b->entries[first], &b->entries[end]);
             end++)
            ;
        err = write_set(store, b->entries, first, end, v4, v6);
    }
    free(v6);
    free(v4);
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
    struct web_builder *b = web_builder_new();
    enum tally_error err = TALLY_OK;
    sqlite3_stmt *stmt = NULL;
    int rc = SQLITE_DONE;
    int ok = sqlite3_prepare_v2(store->db, headers, -1, &stmt, NULL) == SQLITE_OK;
    while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
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
        if (proto && service && row_addr(stmt, 3, &addr))
            web_builder_banner(b, sqlite3_column_int64(stmt, 0), proto,
                               (unsigned)sqlite3_column_int64(stmt, 2), &addr, service);
    }
    ok = ok && rc == SQLITE_DONE && !web_builder_write(store, b);
    if (!ok)
        err = store_fail(store, diag, "cannot summarise the web services");
    sqlite3_finalize(stmt);
    web_builder_free(b);
    return err;
}
