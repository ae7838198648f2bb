/* labels.c: address labels for the analyses: the ranges of each kind (provider, AS,
 * country) flattened into disjoint ranges sorted by address, each naming the most
 * specific label that covers it (the narrowest range; for the same range the entry that
 * is not a catch-all, then the newer), found by binary search or walked in step with a
 * sorted host set. Read from the newest imports, or for AS and country from IPFire's
 * location database (libloc) when nothing was imported: kept flattened in the user's
 * cache (analyzer/label_cache.c) once every network of it has been read. */
#include "analyzer/labels.h"
#include "analyzer/label_cache.h"
#include "store/store_label.h"

#include <fnmatch.h>
#include <glib.h>
#include <libloc/as.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define LOCATION_DB "/usr/share/libloc-location/location.db"

/* An address as a number: IPv4 in the low 32 bits. */
typedef unsigned __int128 lkey;
#define LKEY_MAX (~(lkey)0)

/* A range as read, before flattening. */
struct raw_range {
    lkey first, last;
    int general;
    long long order;            /* later entries win ties */
    int id;
};

struct raw_list {
    struct raw_range *items;
    size_t n, alloc;
};

struct label_index {
    struct seg4 *v4;
    size_t n4;
    struct seg6 *v6;
    size_t n6;
    char **label, **detail;
    size_t nlabels, alloc;
    GHashTable *ids;            /* while loading: "label\037detail" -> id + 1 */
    struct strbuf key;          /* while loading: where such a key is made */
    struct raw_list raw[2];     /* while loading: IPv4, IPv6 */
    char *origin;
};

static const char *const kind_names[LABEL_KINDS] = { "provider", "asn", "country" };

/* ---- building ---- */

static struct label_index *index_new(void)
{
    struct label_index *idx = xcalloc(1, sizeof(*idx));
    idx->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    idx->origin = xstrdup("");
    strbuf_init(&idx->key);
    return idx;
}

/* What the index holds once finished, as the cache keeps it (the index's own arrays). */
static struct label_cached index_contents(const struct label_index *idx)
{
    return (struct label_cached){ .v4 = idx->v4, .n4 = idx->n4, .v6 = idx->v6, .n6 = idx->n6,
                                  .label = idx->label, .detail = idx->detail,
                                  .nlabels = idx->nlabels, .origin = idx->origin };
}

static void index_free(struct label_index *idx)
{
    if (!idx)
        return;
    struct label_cached contents = index_contents(idx);
    label_cached_release(&contents);
    free(idx->raw[0].items);
    free(idx->raw[1].items);
    if (idx->ids)
        g_hash_table_destroy(idx->ids);
    strbuf_release(&idx->key);
    free(idx);
}

/* The id of (label, detail), added when new. */
static int intern(struct label_index *idx, const char *label, const char *detail)
{
    struct strbuf key = idx->key;
    strbuf_reset(&key);
    strbuf_addstr(&key, label);
    strbuf_addch(&key, '\037');
    if (detail)
        strbuf_addstr(&key, detail);
    idx->key = key;
    gpointer found = g_hash_table_lookup(idx->ids, key.buf);
    if (found)
        return GPOINTER_TO_INT(found) - 1;
    if (idx->nlabels == idx->alloc) {
        idx->alloc = idx->alloc ? 2 * idx->alloc : 64;
        idx->label = xrealloc(idx->label, idx->alloc * sizeof(*idx->label));
        idx->detail = xrealloc(idx->detail, idx->alloc * sizeof(*idx->detail));
    }
    idx->label[idx->nlabels] = xstrdup(label);
    idx->detail[idx->nlabels] = detail && *detail ? xstrdup(detail) : NULL;
    g_hash_table_insert(idx->ids, g_strdup(key.buf), GINT_TO_POINTER((int)idx->nlabels + 1));
    return (int)idx->nlabels++;
}

static lkey key_of(const uint8_t *bytes, size_t width)
{
    lkey k = 0;
    for (size_t i = 0; i < width; i++)
        k = k << 8 | bytes[i];
    return k;
}

static void add_raw(struct label_index *idx, int family, lkey first, lkey last, int general,
                    long long order, int id)
{
    struct raw_list *list = &idx->raw[family == 4 ? 0 : 1];
    if (first > last)
        return;
    if (last == LKEY_MAX)       /* so that last + 1 never wraps */
        last--;
    if (list->n == list->alloc) {
        list->alloc = list->alloc ? 2 * list->alloc : 1024;
        list->items = xrealloc(list->items, list->alloc * sizeof(*list->items));
    }
    list->items[list->n++] = (struct raw_range){ first, last, general, order, id };
}

/* Wider ranges first, so that narrower ones nest inside them; for the same range the
 * preferred entry last. */
static int by_start(const void *pa, const void *pb)
{
    const struct raw_range *a = pa, *b = pb;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    if (a->last != b->last)
        return a->last > b->last ? -1 : 1;
    if (a->general != b->general)
        return a->general > b->general ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

struct flat {
    struct seg6 *items;
    size_t n, alloc;
};

static void emit(struct flat *out, lkey first, lkey last, int id)
{
    if (out->n > 0 && out->items[out->n - 1].id == id &&
        out->items[out->n - 1].last + 1 == first) {
        out->items[out->n - 1].last = last;
        return;
    }
    if (out->n == out->alloc) {
        out->alloc = out->alloc ? 2 * out->alloc : 1024;
        out->items = xrealloc(out->items, out->alloc * sizeof(*out->items));
    }
    out->items[out->n++] = (struct seg6){ first, last, id };
}

/* Disjoint ranges, each with the innermost label over it: a sweep in address order with
 * the ranges open at the current address on a stack. */
static void flatten(struct raw_list *list, struct flat *out)
{
    struct raw_range **stack = xmalloc((list->n + 1) * sizeof(*stack));
    size_t sp = 0;
    lkey pos = 0;
    /* Files and databases list their ranges in address order, as often as not. */
    size_t sorted = 1;
    while (sorted < list->n && by_start(&list->items[sorted - 1], &list->items[sorted]) <= 0)
        sorted++;
    if (sorted < list->n)
        xqsort(list->items, list->n, sizeof(*list->items), by_start);
    for (size_t i = 0; i < list->n; i++) {
        struct raw_range *r = &list->items[i];
        while (sp > 0 && stack[sp - 1]->last < r->first) {
            struct raw_range *top = stack[--sp];
            if (pos <= top->last) {
                emit(out, pos, top->last, top->id);
                pos = top->last + 1;
            }
        }
        if (sp > 0 && pos < r->first)
            emit(out, pos, r->first - 1, stack[sp - 1]->id);
        pos = r->first;
        stack[sp++] = r;
    }
    while (sp > 0) {
        struct raw_range *top = stack[--sp];
        if (pos <= top->last) {
            emit(out, pos, top->last, top->id);
            pos = top->last + 1;
        }
    }
    free(stack);
}

/* Turns the ranges read into the sorted tables. */
static void index_finish(struct label_index *idx)
{
    if (!idx->ids)
        return;                 /* finished already: read from the cache */
    struct flat f4 = { 0 }, f6 = { 0 };
    flatten(&idx->raw[0], &f4);
    flatten(&idx->raw[1], &f6);
    idx->v4 = xmalloc((f4.n + 1) * sizeof(*idx->v4));
    for (size_t i = 0; i < f4.n; i++)
        idx->v4[i] = (struct seg4){ (uint32_t)f4.items[i].first, (uint32_t)f4.items[i].last,
                                    f4.items[i].id };
    idx->n4 = f4.n;
    free(f4.items);
    idx->v6 = f6.items;
    idx->n6 = f6.n;
    for (int f = 0; f < 2; f++) {
        free(idx->raw[f].items);
        idx->raw[f] = (struct raw_list){ 0 };
    }
    g_hash_table_destroy(idx->ids);
    idx->ids = NULL;
}

/* ---- reading ---- */

/* The newest import of each publisher and family of one kind: (provider, family,
 * source_id) rows, by provider and family, found a publisher and family at a time in
 * label_range_by_kind rather than by reading every range (the label_current view's GROUP
 * BY does). */
struct newest {
    char *provider;
    int family;
    long long source;
};

static void newest_release(struct newest *newest, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(newest[i].provider);
    free(newest);
}

/* The seeks newest_sources() makes in label_range_by_kind. */
enum { FIRST_GROUP, NEXT_FAMILY, NEXT_PROVIDER, NEWEST_IMPORT, GROUP_STEPS };

static enum tally_error newest_sources(struct store *store, enum label_kind kind,
                                       struct newest **out, size_t *n, struct tally_diag *diag)
{
    /* Each a seek in the index: the first (provider, family), the next family of a
     * provider, the first of the next provider, and the newest import of one. */
    static const char *const sql[GROUP_STEPS] = {
        "SELECT provider, family FROM label_range WHERE kind = ?1 "
        "ORDER BY provider, family LIMIT 1",
        "SELECT provider, family FROM label_range WHERE kind = ?1 AND provider = ?2 AND "
        "family > ?3 ORDER BY family LIMIT 1",
        "SELECT provider, family FROM label_range WHERE kind = ?1 AND provider > ?2 "
        "ORDER BY provider, family LIMIT 1",
        "SELECT source_id FROM label_range WHERE kind = ?1 AND provider = ?2 AND family = ?3 "
        "ORDER BY source_id DESC LIMIT 1",
    };
    sqlite3_stmt *stmt[GROUP_STEPS] = { NULL };
    size_t alloc = 0;
    int rc = SQLITE_ERROR, step = FIRST_GROUP, gone = 0;
    *out = NULL;
    *n = 0;
    for (int i = 0; i < GROUP_STEPS; i++)
        if (sqlite3_prepare_v2(store_db(store), sql[i], -1, &stmt[i], NULL) != SQLITE_OK)
            goto done;
    for (;;) {
        sqlite3_stmt *group = stmt[step], *newest = stmt[NEWEST_IMPORT];
        sqlite3_bind_text(group, 1, kind_names[kind], -1, SQLITE_STATIC);
        if (*n > 0) {
            sqlite3_bind_text(group, 2, (*out)[*n - 1].provider, -1, SQLITE_STATIC);
            if (step == NEXT_FAMILY)
                sqlite3_bind_int(group, 3, (*out)[*n - 1].family);
        }
        rc = sqlite3_step(group);
        if (rc == SQLITE_DONE && step == NEXT_FAMILY) {
            sqlite3_reset(group);
            step = NEXT_PROVIDER;
            continue;
        }
        if (rc != SQLITE_ROW)
            break;
        const char *provider = (const char *)sqlite3_column_text(group, 0);
        if (*n == alloc) {
            alloc = alloc ? 2 * alloc : 8;
            *out = xrealloc(*out, alloc * sizeof(**out));
        }
        struct newest *at = &(*out)[(*n)++];
        *at = (struct newest){ xstrdup(provider ? provider : ""), sqlite3_column_int(group, 1),
                               0 };
        sqlite3_reset(group);
        sqlite3_bind_text(newest, 1, kind_names[kind], -1, SQLITE_STATIC);
        sqlite3_bind_text(newest, 2, at->provider, -1, SQLITE_STATIC);
        sqlite3_bind_int(newest, 3, at->family);
        rc = sqlite3_step(newest);
        if (rc == SQLITE_DONE)
            gone = 1;           /* between two reads: a forget under way */
        if (rc != SQLITE_ROW)
            break;
        at->source = sqlite3_column_int64(newest, 0);
        sqlite3_reset(newest);
        step = NEXT_FAMILY;
    }

done:
    for (int i = 0; i < GROUP_STEPS; i++)
        sqlite3_finalize(stmt[i]);
    if (rc == SQLITE_DONE && !gone)
        return TALLY_OK;
    newest_release(*out, *n);
    *out = NULL;
    *n = 0;
    if (gone)
        return diag_set(diag, TALLY_ERROR_DATABASE, "cannot read address labels: they "
                        "were forgotten while being read; run it again");
    return store_fail(store, diag, "cannot read address labels");
}

/* What the flattened ranges of a kind are made from, as label_index.sources keeps it:
 * each import with the start of its file's SHA-256, since a forgotten import's id can be
 * taken again by the next. */
static char *newest_text(struct store *store, const struct newest *newest, size_t n)
{
    sqlite3_stmt *stmt = NULL;
    struct strbuf sb;
    strbuf_init(&sb);
    if (sqlite3_prepare_v2(store_db(store), "SELECT sha256 FROM source WHERE id = ?", -1,
                           &stmt, NULL) != SQLITE_OK)
        stmt = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *sha = NULL;
        if (stmt) {
            sqlite3_reset(stmt);
            sqlite3_bind_int64(stmt, 1, newest[i].source);
            if (sqlite3_step(stmt) == SQLITE_ROW)
                sha = (const char *)sqlite3_column_text(stmt, 0);
        }
        strbuf_addf(&sb, "%s%s/%d/%lld/%.16s", i ? "," : "", newest[i].provider,
                    newest[i].family, newest[i].source, sha ? sha : "");
    }
    sqlite3_finalize(stmt);
    return strbuf_detach(&sb);
}

/* The key label_index's ranges are encoded with: this machine's byte order, so that a
 * database moved to another reads the ranges again instead. */
static const uint64_t stored_key[LABEL_CACHE_KEY_WORDS] = { 0x0102030405060708u, 0, 0, 0, 0 };

/* Fills idx, new, with the ranges of c (which it takes). */
static void index_take(struct label_index *idx, struct label_cached *c)
{
    idx->v4 = c->v4;
    idx->n4 = c->n4;
    idx->v6 = c->v6;
    idx->n6 = c->n6;
    idx->label = c->label;
    idx->detail = c->detail;
    idx->nlabels = idx->alloc = c->nlabels;
    free(idx->origin);
    idx->origin = c->origin;
    g_hash_table_destroy(idx->ids);
    idx->ids = NULL;
}

/* Fills idx, new, from label_index when it was flattened from the imports `made_from`
 * names; 1 then, else 0. */
static int index_from_stored(struct store *store, enum label_kind kind, const char *made_from,
                             struct label_index *idx)
{
    char *sources = NULL;
    unsigned char *ranges = NULL;
    size_t len = 0;
    struct label_cached c;
    struct tally_diag ignored;
    int found = 0;
    /* Anything amiss (an older schema, a damaged row) reads the ranges instead. */
    if (store_label_index_get(store, kind_names[kind], &sources, &ranges, &len, &ignored) ==
            TALLY_OK && sources && strcmp(sources, made_from) == 0 &&
        label_cache_decode(ranges, len, stored_key, &c)) {
        index_take(idx, &c);
        found = 1;
    }
    free(sources);
    free(ranges);
    return found;
}

/* The imported ranges of one kind (the newest import of each publisher and family, as
 * the label_current view says). */
static enum tally_error load_imported(struct store *store, enum label_kind kind,
                                      int stored, struct label_index *idx,
                                      struct tally_diag *diag)
{
    static const char sql[] =
        "SELECT first, last, label, detail, general, rowid FROM label_range "
        "WHERE source_id = ? AND kind = ? AND provider = ? AND family = ?";
    static const char origin_sql[] = "SELECT path FROM source WHERE id = ?";
    struct newest *newest = NULL;
    size_t nnewest = 0;
    sqlite3_stmt *stmt = NULL, *origin_stmt = NULL;
    struct strbuf origin;
    enum tally_error err = newest_sources(store, kind, &newest, &nnewest, diag);
    strbuf_init(&origin);
    if (err)
        goto done;
    if (stored) {
        char *made_from = newest_text(store, newest, nnewest);
        int found = index_from_stored(store, kind, made_from, idx);
        free(made_from);
        if (found)
            goto done;
    }
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store_db(store), origin_sql, -1, &origin_stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read address labels");
        goto done;
    }
    for (size_t i = 0; i < nnewest; i++) {
        int family = newest[i].family, rc;
        size_t width = family == 4 ? 4 : 16;
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, newest[i].source);
        sqlite3_bind_text(stmt, 2, kind_names[kind], -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, newest[i].provider, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 4, family);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            const void *first = sqlite3_column_blob(stmt, 0);
            const void *last = sqlite3_column_blob(stmt, 1);
            if ((size_t)sqlite3_column_bytes(stmt, 0) != width ||
                (size_t)sqlite3_column_bytes(stmt, 1) != width || !first || !last)
                continue;
            int id = intern(idx, (const char *)sqlite3_column_text(stmt, 2),
                            (const char *)sqlite3_column_text(stmt, 3));
            add_raw(idx, family, key_of(first, width), key_of(last, width),
                    sqlite3_column_int(stmt, 4), sqlite3_column_int64(stmt, 5), id);
        }
        if (rc != SQLITE_DONE) {
            err = store_fail(store, diag, "cannot read address labels");
            goto done;
        }
        /* The files' names, each once. */
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= newest[j].source == newest[i].source;
        sqlite3_reset(origin_stmt);
        sqlite3_bind_int64(origin_stmt, 1, newest[i].source);
        if (!seen && sqlite3_step(origin_stmt) == SQLITE_ROW) {
            const char *path = (const char *)sqlite3_column_text(origin_stmt, 0);
            const char *base = path ? strrchr(path, '/') : NULL;
            strbuf_addf(&origin, "%s%s", origin.len ? ", " : "",
                        base ? base + 1 : path ? path : "?");
        }
    }
    free(idx->origin);
    idx->origin = strbuf_detach(&origin);

done:
    sqlite3_finalize(stmt);
    sqlite3_finalize(origin_stmt);
    newest_release(newest, nnewest);
    strbuf_release(&origin);
    return err;
}

static int kind_imported(struct store *store, enum label_kind kind)
{
    char *sql = xasprintf("SELECT 1 FROM label_range WHERE kind = '%s' LIMIT 1",
                          kind_names[kind]);
    int has = store_has_rows(store, sql);
    free(sql);
    return has;
}

int labels_imported(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM label_range LIMIT 1");
}

/* The location database's path: $TALLY_LOCATION_DB, else Debian's; NULL when that is
 * empty. */
static const char *location_path(void)
{
    const char *path = getenv("TALLY_LOCATION_DB");
    if (!path)
        path = LOCATION_DB;
    return *path ? path : NULL;
}

/* An AS's label id in idx, interned by number with its name from db. */
static int asn_id(struct label_index *idx, GHashTable *by_asn, struct loc_database *db,
                  uint32_t asn)
{
    gpointer found = g_hash_table_lookup(by_asn, GUINT_TO_POINTER(asn));
    if (found)
        return GPOINTER_TO_INT(found) - 1;
    struct loc_as *as = NULL;
    char label[16];
    snprintf(label, sizeof(label), "as%u", asn);
    int have = loc_database_get_as(db, &as, asn) == 0 && as;
    int id = intern(idx, label, have ? loc_as_get_name(as) : NULL);
    if (as)
        loc_as_unref(as);
    g_hash_table_insert(by_asn, GUINT_TO_POINTER(asn), GINT_TO_POINTER(id + 1));
    return id;
}

static int country_id(struct label_index *idx, struct loc_database *db, const char *code)
{
    struct loc_country *country = NULL;
    char key[8];
    snprintf(key, sizeof(key), "%s\037", code);
    gpointer found = NULL;
    /* The name is looked up once per code: after that the code alone finds it. */
    found = g_hash_table_lookup(idx->ids, key);
    if (found)
        return GPOINTER_TO_INT(found) - 1;
    int have = loc_database_get_country(db, &country, code) == 0 && country;
    int id = intern(idx, code, have ? loc_country_get_name(country) : NULL);
    if (country)
        loc_country_unref(country);
    g_hash_table_insert(idx->ids, g_strdup(key), GINT_TO_POINTER(id + 1));
    return id;
}

/* The networks of the location database, into asn and/or country (either may be NULL).
 * No database installed: nothing, and no error. */
/* What a lookup per host needs. */
struct location_lookup {
    struct loc_database *db;
    struct label_index *asn, *country;
    GHashTable *by_asn;
    long long order;
    struct loc_network *last;   /* the network found for the host before, or NULL */
};

/* Adds the ranges of one network to asn and country. */
static void location_network(struct location_lookup *l, struct loc_network *net)
{
    int family = loc_network_address_family(net) == AF_INET ? 4 : 6;
    const uint8_t *first = loc_network_get_first_address(net)->s6_addr;
    const uint8_t *last = loc_network_get_last_address(net)->s6_addr;
    lkey a = family == 4 ? key_of(first + 12, 4) : key_of(first, 16);
    lkey b = family == 4 ? key_of(last + 12, 4) : key_of(last, 16);
    uint32_t number = loc_network_get_asn(net);
    const char *code = loc_network_get_country_code(net);
    l->order++;
    if (l->asn && number)
        add_raw(l->asn, family, a, b, 0, l->order, asn_id(l->asn, l->by_asn, l->db, number));
    if (l->country && code && code[0])
        add_raw(l->country, family, a, b, 0, l->order, country_id(l->country, l->db, code));
}

/* hostset_subnet_fn: the network of one host, looked up (the same network as the host
 * before's is added once). */
static void location_host(void *arg, const struct ip_addr *addr, long long hosts)
{
    struct location_lookup *l = arg;
    struct in6_addr in6;
    struct loc_network *net = NULL;
    (void)hosts;
    memset(&in6, 0, sizeof(in6));
    if (addr->family == 4) {
        in6.s6_addr[10] = in6.s6_addr[11] = 0xff;
        memcpy(in6.s6_addr + 12, addr->bytes, 4);
    } else {
        memcpy(in6.s6_addr, addr->bytes, 16);
    }
    if (loc_database_lookup(l->db, &in6, &net) != 0 || !net)
        return;
    if (l->last && memcmp(loc_network_get_first_address(l->last), loc_network_get_first_address(net),
                          sizeof(in6)) == 0 &&
        memcmp(loc_network_get_last_address(l->last), loc_network_get_last_address(net),
               sizeof(in6)) == 0) {
        loc_network_unref(net);
        return;
    }
    location_network(l, net);
    if (l->last)
        loc_network_unref(l->last);
    l->last = net;
}

/* The networks of the location database, into asn and/or country (either may be NULL):
 * those of the hosts of `hosts` looked up one by one when they are few, else every
 * network. No database installed: nothing, and no error. */
static enum tally_error load_location(const char *path, struct label_index *asn,
                                      struct label_index *country, struct hostset *hosts,
                                      int *every_network, struct tally_diag *diag)
{
    struct loc_ctx *ctx = NULL;
    struct loc_database *db = NULL;
    struct loc_database_enumerator *e = NULL;
    struct loc_network *net = NULL;
    GHashTable *by_asn = g_hash_table_new(g_direct_hash, g_direct_equal);
    enum tally_error err = TALLY_OK;
    FILE *f = NULL;
    if (!(f = fopen(path, "r")))
        goto done;
    if (loc_new(&ctx) != 0 || loc_database_new(ctx, &db, f) != 0 ||
        loc_database_enumerator_new(&e, db, LOC_DB_ENUMERATE_NETWORKS, 0) != 0) {
        err = diag_set(diag, TALLY_ERROR_IO, "cannot read the location database %s", path);
        goto done;
    }
    struct location_lookup l = { .db = db, .asn = asn, .country = country, .by_asn = by_asn };
    if (hosts && hostset_count(hosts) <= LABEL_HOST_LOOKUPS) {
        hostset_each_subnet(hosts, 4, 32, location_host, &l);
        hostset_each_subnet(hosts, 6, 128, location_host, &l);
        if (l.last)
            loc_network_unref(l.last);
    } else {
        *every_network = 1;
        while (loc_database_enumerator_next_network(e, &net) == 0 && net) {
            location_network(&l, net);
            loc_network_unref(net);
            net = NULL;
        }
    }
    time_t created = loc_database_created_at(db);
    char day[16];
    strftime(day, sizeof(day), "%Y-%m-%d", gmtime(&created));
    for (int i = 0; i < 2; i++) {
        struct label_index *idx = i ? country : asn;
        if (idx) {
            free(idx->origin);
            idx->origin = xasprintf("IPFire location database of %s", day);
        }
    }

done:
    if (e)
        loc_database_enumerator_unref(e);
    if (db)
        loc_database_unref(db);
    if (ctx)
        loc_unref(ctx);
    if (f)
        fclose(f);
    g_hash_table_destroy(by_asn);
    return err;
}

/* Fills idx, new, from the cache of kind made from the location database at path. */
static int index_from_cache(struct label_index *idx, const char *path, enum label_kind kind)
{
    struct label_cached c;
    if (!label_cache_read(path, kind_names[kind], &c))
        return 0;
    index_take(idx, &c);
    return 1;
}

static void index_to_cache(const struct label_index *idx, const char *path,
                           enum label_kind kind)
{
    struct label_cached c = index_contents(idx);
    label_cache_write(path, kind_names[kind], &c);
}

enum tally_error label_set_load(struct store *store, unsigned which, struct hostset *hosts,
                                struct label_set *set, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    struct label_index *located[LABEL_KINDS] = { NULL };
    int every_network = 0;
    const char *location = location_path();
    memset(set, 0, sizeof(*set));
    for (int k = 0; k < LABEL_KINDS && !err; k++) {
        if (!(which & (1u << k)))
            continue;
        set->index[k] = index_new();
        if (k != LABEL_PROVIDER && !kind_imported(store, (enum label_kind)k))
            located[k] = set->index[k];
        else
            err = load_imported(store, (enum label_kind)k, 1, set->index[k], diag);
    }
    /* The location database's labels: from the cache when it holds them, else read, and
     * kept in the cache when every network was. */
    for (int k = 0; k < LABEL_KINDS && !err && location; k++)
        if (located[k] && index_from_cache(located[k], location, (enum label_kind)k))
            located[k] = NULL;
    if (!err && location && (located[LABEL_ASN] || located[LABEL_COUNTRY]))
        err = load_location(location, located[LABEL_ASN], located[LABEL_COUNTRY], hosts,
                            &every_network, diag);
    for (int k = 0; k < LABEL_KINDS; k++)
        if (set->index[k])
            index_finish(set->index[k]);
    for (int k = 0; k < LABEL_KINDS && !err && every_network; k++)
        if (located[k])
            index_to_cache(located[k], location, (enum label_kind)k);
    if (err)
        label_set_release(set);
    return err;
}

void label_set_release(struct label_set *set)
{
    for (int k = 0; k < LABEL_KINDS; k++) {
        index_free(set->index[k]);
        set->index[k] = NULL;
    }
}

enum tally_error labels_keep_flattened(struct store *store, struct tally_diag *diag)
{
    enum tally_error err = TALLY_OK;
    for (int k = 0; k < LABEL_KINDS && !err; k++) {
        const char *kind = kind_names[k];
        struct newest *newest = NULL;
        size_t nnewest = 0;
        char *sources = NULL, *made_from = NULL;
        err = newest_sources(store, (enum label_kind)k, &newest, &nnewest, diag);
        if (!err)
            err = store_label_index_get(store, kind, &sources, NULL, NULL, diag);
        if (!err && nnewest == 0) {
            if (sources)
                err = store_label_index_put(store, kind, NULL, NULL, 0, diag);
        } else if (!err) {
            made_from = newest_text(store, newest, nnewest);
            if (!sources || strcmp(sources, made_from) != 0) {
                struct label_index *idx = index_new();
                err = load_imported(store, (enum label_kind)k, 0, idx, diag);
                if (!err) {
                    index_finish(idx);
                    struct label_cached c = index_contents(idx);
                    size_t n = 0;
                    unsigned char *data = label_cache_encode(stored_key, &c, &n);
                    err = store_label_index_put(store, kind, made_from, data, n, diag);
                    free(data);
                }
                index_free(idx);
            }
        }
        newest_release(newest, nnewest);
        free(made_from);
        free(sources);
    }
    return err;
}

/* ---- lookups ---- */

int label_index_empty(const struct label_index *idx)
{
    return !idx || idx->n4 + idx->n6 == 0;
}

const char *label_index_origin(const struct label_index *idx)
{
    return idx ? idx->origin : "";
}

size_t label_index_count(const struct label_index *idx)
{
    return idx ? idx->nlabels : 0;
}

const char *label_index_label(const struct label_index *idx, int id)
{
    return idx->label[id];
}

const char *label_index_detail(const struct label_index *idx, int id)
{
    return idx->detail[id];
}

/* The index of the last range of v4 starting at or before a, or n4 when none does. */
static size_t find4(const struct label_index *idx, uint32_t a)
{
    size_t lo = 0, hi = idx->n4;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx->v4[mid].first <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? idx->n4 : lo - 1;
}

static size_t find6(const struct label_index *idx, lkey a)
{
    size_t lo = 0, hi = idx->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx->v6[mid].first <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? idx->n6 : lo - 1;
}

int label_index_find(const struct label_index *idx, const struct ip_addr *addr)
{
    if (addr->family == 4) {
        uint32_t a = (uint32_t)key_of(addr->bytes, 4);
        size_t i = find4(idx, a);
        return i < idx->n4 && idx->v4[i].last >= a ? idx->v4[i].id : -1;
    }
    lkey a = key_of(addr->bytes, 16);
    size_t i = find6(idx, a);
    return i < idx->n6 && idx->v6[i].last >= a ? idx->v6[i].id : -1;
}

/* label_index_cover() of the subnet lo .. hi, i being the first range that ends at lo or
 * after it (n when none does). */
static int cover_from(const struct label_index *idx, int v4, size_t i, lkey lo, lkey hi)
{
    size_t n = v4 ? idx->n4 : idx->n6;
#define SEG_FIRST(j) (v4 ? (lkey)idx->v4[j].first : idx->v6[j].first)
#define SEG_LAST(j) (v4 ? (lkey)idx->v4[j].last : idx->v6[j].last)
#define SEG_ID(j) (v4 ? idx->v4[j].id : idx->v6[j].id)
    if (i >= n)
        return -1;
    if (SEG_FIRST(i) > lo)      /* lo is unlabelled: is any of the subnet? */
        return SEG_FIRST(i) <= hi ? -2 : -1;
    /* Labelled ranges side by side with the same label text cover it. */
    int id = SEG_ID(i);
    for (;;) {
        if (SEG_LAST(i) >= hi)
            return id;
        if (i + 1 >= n || SEG_FIRST(i + 1) != SEG_LAST(i) + 1 ||
            strcmp(idx->label[SEG_ID(i + 1)], idx->label[id]) != 0)
            return -2;
        i++;
    }
#undef SEG_FIRST
#undef SEG_LAST
#undef SEG_ID
}

/* The first and last address of net/prefix. */
static void subnet_bounds(const struct ip_addr *net, int prefix, lkey *lo, lkey *hi)
{
    int bits = net->family == 4 ? 32 : 128;
    *lo = key_of(net->bytes, net->family == 4 ? 4 : 16);
    *hi = *lo | (prefix >= bits ? 0 : (((lkey)1 << (bits - prefix)) - 1));
}

int label_index_cover(const struct label_index *idx, const struct ip_addr *net, int prefix)
{
    int v4 = net->family == 4;
    lkey lo, hi;
    subnet_bounds(net, prefix, &lo, &hi);
    size_t n = v4 ? idx->n4 : idx->n6;
    size_t i = v4 ? find4(idx, (uint32_t)lo) : find6(idx, lo);
    /* The range holding lo, else the one after it. */
    if (i >= n)
        i = 0;
    else if ((v4 ? (lkey)idx->v4[i].last : idx->v6[i].last) < lo)
        i++;
    return cover_from(idx, v4, i, lo, hi);
}

/* label_index_cover_next() of an IPv4 subnet the held answer does not cover: the ranges
 * are walked to it, and the answer held when it holds for a span of addresses. */
static int walk_to4(const struct label_index *idx, struct label_walk *walk, uint32_t lo4,
                    uint32_t hi4)
{
    while (walk->i4 < idx->n4 && idx->v4[walk->i4].last < lo4)
        walk->i4++;
    const struct seg4 *seg = walk->i4 < idx->n4 ? &idx->v4[walk->i4] : NULL;
    walk->held = 1;
    if (!seg || seg->first > hi4) {             /* unlabelled up to the next range */
        walk->held_first4 = lo4;
        walk->held_last4 = seg ? seg->first - 1 : UINT32_MAX;
        walk->held_id4 = -1;
    } else if (seg->first <= lo4 && seg->last >= hi4) {         /* within one range */
        walk->held_first4 = seg->first;
        walk->held_last4 = seg->last;
        walk->held_id4 = seg->id;
    } else {
        walk->held = 0;
        return cover_from(idx, 1, walk->i4, lo4, hi4);
    }
    return walk->held_id4;
}

/* label_index_cover_next() past its held answer. */
int label_index_walk_to(const struct label_index *idx, struct label_walk *walk,
                        const struct ip_addr *net, int prefix)
{
    lkey lo, hi;
    if (net->family == 4) {
        uint32_t lo4 = ip_v4_value(net);
        return walk_to4(idx, walk, lo4, label_subnet_last4(lo4, prefix));
    }
    subnet_bounds(net, prefix, &lo, &hi);
    while (walk->i6 < idx->n6 && idx->v6[walk->i6].last < lo)
        walk->i6++;
    return cover_from(idx, 0, walk->i6, lo, hi);
}

/* A walk of a host set's addresses, in address order, in step with one index. */
struct cursor {
    const struct label_index *idx;
    size_t i4, i6;
};

/* The label of addr, addresses being given in ascending order (IPv4 first). */
static int cursor_find(struct cursor *c, const struct ip_addr *addr)
{
    const struct label_index *idx = c->idx;
    if (addr->family == 4) {
        uint32_t a = (uint32_t)key_of(addr->bytes, 4);
        while (c->i4 < idx->n4 && idx->v4[c->i4].last < a)
            c->i4++;
        return c->i4 < idx->n4 && idx->v4[c->i4].first <= a ? idx->v4[c->i4].id : -1;
    }
    lkey a = key_of(addr->bytes, 16);
    while (c->i6 < idx->n6 && idx->v6[c->i6].last < a)
        c->i6++;
    return c->i6 < idx->n6 && idx->v6[c->i6].first <= a ? idx->v6[c->i6].id : -1;
}

struct host_count {
    struct cursor cursor;
    long long *counts;
};

static void count_host(void *arg, const struct ip_addr *addr, long long hosts)
{
    struct host_count *hc = arg;
    int id = cursor_find(&hc->cursor, addr);
    if (id >= 0)
        hc->counts[id] += hosts;
}

void label_index_hosts(const struct label_index *idx, struct hostset *set, long long *counts)
{
    struct host_count hc = { .cursor = { .idx = idx }, .counts = counts };
    hostset_each_subnet(set, 4, 32, count_host, &hc);
    hostset_each_subnet(set, 6, 128, count_host, &hc);
}

enum tally_error label_index_hosts_stored(const struct label_index *idx, struct store *store,
                                          sqlite3_stmt *stmt, struct hostset *set,
                                          long long *counts, struct tally_diag *diag)
{
    /* The IPv4 ranges are counted one by one as the sets are read, then added up by label. */
    uint32_t (*ranges)[2] = xmalloc((idx->n4 + 1) * sizeof(*ranges));
    long long *per_range = xcalloc(idx->n4 + 1, sizeof(*per_range));
    for (size_t i = 0; i < idx->n4; i++) {
        ranges[i][0] = idx->v4[i].first;
        ranges[i][1] = idx->v4[i].last;
    }
    enum tally_error err = hostset_stored_count_in_ranges4(store, stmt,
                                                           (const uint32_t (*)[2])ranges,
                                                           idx->n4, per_range, NULL,
                                                           "cannot read the hosts", diag);
    for (size_t i = 0; i < idx->n4 && !err; i++)
        if (idx->v4[i].id >= 0)
            counts[idx->v4[i].id] += per_range[i];
    free(ranges);
    free(per_range);
    if (!err) {
        struct host_count hc = { .cursor = { .idx = idx }, .counts = counts };
        hostset_each_subnet(set, 6, 128, count_host, &hc);
    }
    return err;
}

/* ---- the --label filter ---- */

/* The ranges of every kind whose label matches a pattern, merged into one sorted list of
 * disjoint ranges per family: a host matches when a range holds it. */
struct label_filter {
    struct seg6 *v4, *v6;       /* ids unused */
    size_t n4, n6;
    uint32_t (*r4)[2];          /* the same as first and last address, for host sets */
    uint8_t (*r6)[2][16];
};

static int by_first(const void *pa, const void *pb)
{
    const struct seg6 *a = pa, *b = pb;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Sorts and merges overlapping or touching ranges. */
static size_t merge_ranges(struct seg6 *v, size_t n)
{
    size_t out = 0;
    if (n > 1)
        xqsort(v, n, sizeof(*v), by_first);
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && v[i].first <= v[out - 1].last + 1) {
            if (v[i].last > v[out - 1].last)
                v[out - 1].last = v[i].last;
        } else {
            v[out++] = v[i];
        }
    }
    return out;
}

static struct label_filter *filter_compile(const struct label_set *set, const char *pattern)
{
    struct label_filter *lf = xcalloc(1, sizeof(*lf));
    struct flat f4 = { 0 }, f6 = { 0 };
    for (int k = 0; k < LABEL_KINDS; k++) {
        const struct label_index *idx = set->index[k];
        if (!idx)
            continue;
        /* Each label is matched once. */
        signed char *matches = xmalloc(idx->nlabels + 1);
        for (size_t i = 0; i < idx->nlabels; i++)
            matches[i] = fnmatch(pattern, idx->label[i], FNM_CASEFOLD) == 0;
        for (size_t i = 0; i < idx->n4; i++)
            if (matches[idx->v4[i].id])
                emit(&f4, idx->v4[i].first, idx->v4[i].last, -1);
        for (size_t i = 0; i < idx->n6; i++)
            if (matches[idx->v6[i].id])
                emit(&f6, idx->v6[i].first, idx->v6[i].last, -1);
        free(matches);
    }
    lf->v4 = f4.items;
    lf->n4 = merge_ranges(f4.items, f4.n);
    lf->v6 = f6.items;
    lf->n6 = merge_ranges(f6.items, f6.n);
    lf->r4 = xmalloc((lf->n4 + 1) * sizeof(*lf->r4));
    for (size_t i = 0; i < lf->n4; i++) {
        lf->r4[i][0] = (uint32_t)lf->v4[i].first;
        lf->r4[i][1] = (uint32_t)lf->v4[i].last;
    }
    lf->r6 = xmalloc((lf->n6 + 1) * sizeof(*lf->r6));
    for (size_t i = 0; i < lf->n6; i++)
        for (int b = 0; b < 16; b++) {
            lf->r6[i][0][b] = (uint8_t)(lf->v6[i].first >> (8 * (15 - b)));
            lf->r6[i][1][b] = (uint8_t)(lf->v6[i].last >> (8 * (15 - b)));
        }
    return lf;
}

void label_filter_free(struct label_filter *lf)
{
    if (!lf)
        return;
    free(lf->v4);
    free(lf->v6);
    free(lf->r4);
    free(lf->r6);
    free(lf);
}

/* The index of the last range of v (n of them) starting at or before a, or n. */
static size_t find_range(const struct seg6 *v, size_t n, lkey a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].first <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? n : lo - 1;
}

int label_filter_has(const struct label_filter *lf, const struct ip_addr *addr)
{
    int v4 = addr->family == 4;
    const struct seg6 *v = v4 ? lf->v4 : lf->v6;
    size_t n = v4 ? lf->n4 : lf->n6;
    lkey a = key_of(addr->bytes, v4 ? 4 : 16);
    size_t i = find_range(v, n, a);
    return i < n && v[i].last >= a;
}

/* A record's address as a number. */
static inline lkey record_key(const unsigned char *record, size_t width)
{
    if (width == 4)
        return (uint32_t)record[0] << 24 | (uint32_t)record[1] << 16 |
               (uint32_t)record[2] << 8 | record[3];
    return key_of(record, width);
}

/* The first of records[at .. n) whose address is at least a (n when none is): steps of
 * doubling length from at, then a binary search, so that a range with no record, or a
 * few, costs a comparison or a few whatever n. */
static size_t first_record(const unsigned char *records, size_t at, size_t n, size_t size,
                           size_t width, lkey a)
{
    size_t lo = at, hi = at, step = 1;
    while (hi < n && record_key(records + hi * size, width) < a) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (record_key(records + mid * size, width) < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t label_filter_keep_sorted(const struct label_filter *lf, int family,
                                const unsigned char *records, size_t len, size_t size,
                                unsigned char *out)
{
    size_t width = family == 4 ? 4 : 16, n = size ? len / size : 0, at = 0, kept = 0;
    const struct seg6 *v = family == 4 ? lf->v4 : lf->v6;
    size_t nv = family == 4 ? lf->n4 : lf->n6;
    for (size_t i = 0; i < nv && at < n; i++) {
        size_t from = first_record(records, at, n, size, width, v[i].first);
        size_t to = v[i].last == LKEY_MAX ? n
                  : first_record(records, from, n, size, width, v[i].last + 1);
        memcpy(out + kept, records + from * size, (to - from) * size);
        kept += (to - from) * size;
        at = to;
    }
    return kept;
}

void label_filter_keep(const struct label_filter *lf, struct hostset *set)
{
    hostset_keep_ranges(set, (const uint32_t (*)[2])lf->r4, lf->n4,
                        (const uint8_t (*)[2][16])lf->r6, lf->n6);
}

long long label_filter_count(const struct label_filter *lf, struct hostset *set)
{
    return hostset_count_in_ranges(set, (const uint32_t (*)[2])lf->r4, lf->n4,
                                   (const uint8_t (*)[2][16])lf->r6, lf->n6);
}

enum tally_error label_filter_count_stored(const struct label_filter *lf, struct store *store,
                                           sqlite3_stmt *stmt, struct hostset *set,
                                           long long *hosts, struct tally_diag *diag)
{
    enum tally_error err = hostset_stored_count_in_ranges4(store, stmt,
                                                           (const uint32_t (*)[2])lf->r4,
                                                           lf->n4, NULL, hosts,
                                                           "cannot read the hosts", diag);
    if (!err)
        *hosts += hostset_count_in_ranges(set, NULL, 0, (const uint8_t (*)[2][16])lf->r6,
                                          lf->n6);
    return err;
}

enum tally_error label_filter_load_selected(struct store *store, const struct filters *f,
                                            sqlite3_stmt *stmt, const char *what,
                                            struct label_filter **out,
                                            struct tally_diag *diag)
{
    struct hostset *hosts = NULL;
    enum tally_error err = TALLY_OK;
    long long at_most = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        at_most += sqlite3_column_int64(stmt, 2);
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, what);
    sqlite3_reset(stmt);
    if (!err && at_most <= LABEL_HOST_LOOKUPS) {
        hosts = hostset_new();
        err = hostset_add_rows(store, hosts, stmt, what, diag);
    }
    if (!err)
        err = label_filter_load(store, f, hosts, out, diag);
    hostset_free(hosts);
    return err;
}

int labels_location_installed(void)
{
    const char *path = location_path();
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f)
        fclose(f);
    return f != NULL;
}

/* The kinds of label a --label pattern can match: "as" and a digit or a wildcard, AS
 * labels; a colon, provider labels; two letters, countries; anything else, every kind. */
static unsigned pattern_kinds(const char *pattern)
{
    unsigned all = (1u << LABEL_PROVIDER) | (1u << LABEL_ASN) | (1u << LABEL_COUNTRY);
    if (strchr(pattern, ':'))
        return 1u << LABEL_PROVIDER;
    if ((pattern[0] == 'a' || pattern[0] == 'A') && (pattern[1] == 's' || pattern[1] == 'S') &&
        pattern[2] >= '0' && pattern[2] <= '9')
        return 1u << LABEL_ASN;
    if (strlen(pattern) == 2 && g_ascii_isalpha(pattern[0]) && g_ascii_isalpha(pattern[1]))
        return 1u << LABEL_COUNTRY;
    return all;
}

int label_filter_reads_location(struct store *store, const struct filters *f)
{
    if (!f->label || !labels_location_installed())
        return 0;
    unsigned kinds = pattern_kinds(f->label);
    for (int k = LABEL_ASN; k < LABEL_KINDS; k++)
        if ((kinds & (1u << k)) && !kind_imported(store, (enum label_kind)k))
            return 1;
    return 0;
}

enum tally_error label_filter_load(struct store *store, const struct filters *f,
                                   struct hostset *hosts, struct label_filter **out,
                                   struct tally_diag *diag)
{
    struct label_set labels;
    *out = NULL;
    if (!f->label)
        return TALLY_OK;
    enum tally_error err = label_set_load(store, pattern_kinds(f->label), hosts, &labels, diag);
    if (err)
        return err;
    *out = filter_compile(&labels, f->label);
    label_set_release(&labels);
    return TALLY_OK;
}

enum tally_error labels_apply_filter(struct store *store, const struct filters *f,
                                     struct hostset **set, struct tally_diag *diag)
{
    struct label_filter *lf = NULL;
    enum tally_error err = label_filter_load(store, f, *set, &lf, diag);
    if (err || !lf)
        return err;
    label_filter_keep(lf, *set);
    label_filter_free(lf);
    return TALLY_OK;
}

enum tally_error labels_for_subnets(struct store *store, struct label_set *set,
                                    const struct label_index **idx, struct tally_diag *diag)
{
    memset(set, 0, sizeof(*set));
    *idx = NULL;
    for (int k = 0; k < LABEL_KINDS; k++) {
        if (!kind_imported(store, (enum label_kind)k))
            continue;
        enum tally_error err = label_set_load(store, 1u << k, NULL, set, diag);
        if (!err)
            *idx = set->index[k];
        return err;
    }
    return TALLY_OK;
}
