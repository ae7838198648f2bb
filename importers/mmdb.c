/* mmdb.c: MaxMind-format databases (.mmdb: GeoLite2 ASN and Country, DB-IP, iptoasn and
 * the ip-location-db builds) read through libmaxminddb. The whole search tree is walked
 * once, in address order, and every network it answers for is stored as a label range
 * (neighbouring networks with the same answer as one range): a database is imported
 * before the scans it will label are known, and a walk costs one visit per tree node
 * where looking addresses up would need them first. AS numbers become labels "as16509"
 * (the organisation as detail), country ISO codes labels "DE". */
#include "importers/label_common.h"

#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MMDB_MAX_BYTES (1ull << 30)

/* The range being gathered: networks in address order with the same data. */
struct mmdb_walk {
    struct import_ctx *ctx;
    MMDB_s *db;
    const char *provider;
    int open;                   /* a range is gathered */
    uint64_t offset;            /* its data */
    struct ip_addr first, last;
    unsigned long long visits, max_visits;
};

static int mmdb_sniff(const unsigned char *head, size_t len, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    (void)head;
    return len > 0 && n > 5 && strcmp(path + n - 5, ".mmdb") == 0 ? 70 : 0;
}

/* The text at path in entry (a string), into buf; "" when there is none. */
static void entry_text(MMDB_entry_s *entry, char *buf, size_t size, const char *const *path)
{
    MMDB_entry_data_s data;
    buf[0] = '\0';
    if (MMDB_aget_value(entry, &data, path) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING)
        snprintf(buf, size, "%.*s", (int)(data.data_size < size ? data.data_size : size - 1),
                 data.utf8_string);
}

/* The AS number at entry, or 0. */
static uint32_t entry_asn(MMDB_entry_s *entry)
{
    static const char *const path[] = { "autonomous_system_number", NULL };
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data)
        return 0;
    if (data.type == MMDB_DATA_TYPE_UINT32)
        return data.uint32;
    if (data.type == MMDB_DATA_TYPE_UINT16)
        return data.uint16;
    return 0;
}

static enum tally_error store_range(struct mmdb_walk *w, const char *kind, const char *label,
                                    const char *detail)
{
    char a[64], b[64];
    ip_format(&w->first, a, sizeof(a));
    ip_format(&w->last, b, sizeof(b));
    char *network = xasprintf("%s-%s", a, b);
    struct label_record rec = { .first = w->first, .last = w->last, .network = network,
                                .kind = kind, .provider = w->provider, .label = label,
                                .detail = detail && *detail ? detail : NULL };
    enum tally_error err = store_add_label(w->ctx->store, &rec);
    free(network);
    if (err)
        return store_fail(w->ctx->store, w->ctx->diag, "cannot store a label");
    import_progress(w->ctx);
    return TALLY_OK;
}

/* Stores the range gathered, as an AS and/or a country label. */
static enum tally_error flush(struct mmdb_walk *w)
{
    static const char *const org[] = { "autonomous_system_organization", NULL };
    static const char *const paths[][3] = { { "country", "iso_code", NULL },
                                            { "registered_country", "iso_code", NULL },
                                            { "country_code", NULL, NULL } };
    MMDB_entry_s entry = { .mmdb = w->db, .offset = (uint32_t)w->offset };
    enum tally_error err = TALLY_OK;
    char text[256];
    if (!w->open)
        return TALLY_OK;
    w->open = 0;
    uint32_t asn = entry_asn(&entry);
    if (asn) {
        char label[16];
        snprintf(label, sizeof(label), "as%u", asn);
        entry_text(&entry, text, sizeof(text), org);
        err = store_range(w, LABEL_KIND_ASN, label, text);
    }
    for (size_t i = 0; !err && i < sizeof(paths) / sizeof(paths[0]); i++) {
        entry_text(&entry, text, sizeof(text), paths[i]);
        if (strlen(text) == 2) {
            err = store_range(w, LABEL_KIND_COUNTRY, text, NULL);
            break;
        }
    }
    return err;
}

/* One network of the tree with data at offset: joins the range gathered or starts one. */
static enum tally_error network(struct mmdb_walk *w, const struct ip_addr *first,
                                const struct ip_addr *last, uint64_t offset)
{
    if (w->open && w->offset == offset && w->first.family == first->family) {
        /* Adjacent: last + 1 == first. */
        struct ip_addr next = w->last;
        int width = next.family == 4 ? 4 : 16;
        for (int i = width - 1; i >= 0 && ++next.bytes[i] == 0; i--)
            ;
        if (memcmp(next.bytes, first->bytes, (size_t)width) == 0) {
            w->last = *last;
            return TALLY_OK;
        }
    }
    enum tally_error err = flush(w);
    w->open = 1;
    w->offset = offset;
    w->first = *first;
    w->last = *last;
    return err;
}

/* The network of `depth` bits of path in a tree of `bits` bits, as first and last. In an
 * IPv6 tree, ::/96 holds IPv4. */
static int network_of(const uint8_t path[16], int depth, int bits, struct ip_addr *first,
                      struct ip_addr *last)
{
    static const uint8_t zero[12];
    int v4 = bits == 32 || (depth >= 96 && memcmp(path, zero, 12) == 0);
    const uint8_t *from = bits == 32 ? path : v4 ? path + 12 : path;
    int width = v4 ? 4 : 16, prefix = bits == 32 ? depth : v4 ? depth - 96 : depth;
    memset(first, 0, sizeof(*first));
    first->family = v4 ? 4 : 6;
    memcpy(first->bytes, from, (size_t)width);
    *last = *first;
    for (int i = 0; i < width; i++) {
        int keep = prefix - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        first->bytes[i] &= mask;
        last->bytes[i] = (uint8_t)(first->bytes[i] | (uint8_t)~mask);
    }
    return v4;
}

/* Walks the subtree at node (reached by depth bits of path) in address order. */
static enum tally_error walk(struct mmdb_walk *w, uint32_t node, int depth, uint8_t path[16],
                             int bits, uint64_t ipv4_start)
{
    MMDB_search_node_s n;
    enum tally_error err = TALLY_OK;
    if (++w->visits > w->max_visits || depth >= bits)
        return import_bad_record_at(w->ctx, 0, "a MaxMind DB search tree that visits its "
                                    "nodes more than once");
    int status = MMDB_read_node(w->db, node, &n);
    if (status != MMDB_SUCCESS)
        return import_bad_record_at(w->ctx, 0, "a MaxMind DB search tree, found node %u "
                                    "unreadable: %s", node, MMDB_strerror(status));
    for (int side = 0; side < 2 && !err; side++) {
        uint64_t record = side ? n.right_record : n.left_record;
        uint8_t type = side ? n.right_record_type : n.left_record_type;
        int byte = depth / 8, bit = 7 - depth % 8;
        if (side)
            path[byte] |= (uint8_t)(1u << bit);
        else
            path[byte] &= (uint8_t)~(1u << bit);
        /* The IPv4 aliases in an IPv6 tree (::ffff:0:0/96, 2002::/16) lead back to the
         * IPv4 subtree at ::/96, walked there. */
        static const uint8_t zero[12];
        int at_v4 = depth + 1 == 96 && memcmp(path, zero, 12) == 0;
        if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
            if (bits == 128 && record == ipv4_start && !at_v4)
                continue;
            err = walk(w, (uint32_t)record, depth + 1, path, bits, ipv4_start);
        } else if (type == MMDB_RECORD_TYPE_DATA) {
            struct ip_addr first, last;
            network_of(path, depth + 1, bits, &first, &last);
            err = network(w, &first, &last, side ? n.right_record_entry.offset
                                                 : n.left_record_entry.offset);
        } else if (type == MMDB_RECORD_TYPE_INVALID) {
            err = import_bad_record_at(w->ctx, 0, "a MaxMind DB search tree, found an "
                                       "invalid record in node %u", node);
        }
    }
    if (depth + 1 < bits)
        path[(depth) / 8] &= (uint8_t)~(1u << (7 - depth % 8));
    return err;
}

/* The node the IPv4 subtree starts at in an IPv6 tree (96 zero bits in), or UINT64_MAX. */
static uint64_t ipv4_start_node(MMDB_s *db)
{
    uint64_t node = 0;
    for (int i = 0; i < 96 && node < db->metadata.node_count; i++) {
        MMDB_search_node_s n;
        if (MMDB_read_node(db, (uint32_t)node, &n) != MMDB_SUCCESS ||
            n.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
            return UINT64_MAX;
        node = n.left_record;
    }
    return node;
}

static enum tally_error mmdb_run(struct import_ctx *ctx)
{
    struct strbuf content;
    MMDB_s db;
    int opened = 0, fd = -1;
    char tmp[4096];
    enum tally_error err;
    strbuf_init(&content);
    tmp[0] = '\0';
    /* libmaxminddb opens files by name: the content (perhaps decompressed, or stdin) is
     * read whole and handed to it through a private temporary file. */
    err = import_read_whole(ctx, &content, MMDB_MAX_BYTES, "MaxMind database");
    if (err)
        goto done;
    const char *dir = getenv("TMPDIR");
    snprintf(tmp, sizeof(tmp), "%s/tally-mmdb-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(tmp);
    if (fd < 0 || write(fd, content.buf, content.len) != (ssize_t)content.len) {
        err = diag_set(ctx->diag, TALLY_ERROR_IO, "cannot write a temporary copy of %s in %s",
                       input_path(ctx->in), dir && *dir ? dir : "/tmp");
        goto done;
    }
    int status = MMDB_open(tmp, MMDB_MODE_MMAP, &db);
    if (status != MMDB_SUCCESS) {
        err = import_bad_record_at(ctx, 0, "a MaxMind DB file, found: %s",
                                   MMDB_strerror(status));
        if (!err)
            err = diag_set(ctx->diag, TALLY_ERROR_DATA, "%s: not a MaxMind DB file",
                           input_path(ctx->in));
        goto done;
    }
    opened = 1;
    int bits = db.metadata.ip_version == 6 ? 128 : 32;
    char provider[64];
    snprintf(provider, sizeof(provider), "%s", db.metadata.database_type &&
             *db.metadata.database_type ? db.metadata.database_type : "mmdb");
    struct mmdb_walk w = { .ctx = ctx, .db = &db, .provider = provider,
                           .max_visits = 2ull * db.metadata.node_count + 16 };
    uint8_t path[16] = { 0 };
    err = walk(&w, 0, 0, path, bits, bits == 128 ? ipv4_start_node(&db) : UINT64_MAX);
    if (!err)
        err = flush(&w);

done:
    if (opened)
        MMDB_close(&db);
    if (fd >= 0)
        close(fd);
    if (tmp[0] && fd >= 0)
        unlink(tmp);
    strbuf_release(&content);
    return err;
}

const struct importer importer_mmdb = {
    .name = "mmdb",
    .description = "MaxMind DB (.mmdb): AS numbers and names, country codes",
    .sniff = mmdb_sniff,
    .run = mmdb_run,
};
