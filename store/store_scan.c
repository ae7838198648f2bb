/* store_scan.c: the tables scans and captures of scans write: observations (a port seen
 * open or closed, each also added to the import's host sets), banners, and the HTTP
 * headers that name a service's application and stack (both also summarised per service,
 * store_web.c). Addresses are kept as text (readable in the sqlite3 shell) and, for IPv4,
 * as an integer so that grouping by any prefix is arithmetic (ip4 >> (32 - prefix)). */
#include "store/store_internal.h"

#include <string.h>

/* The indexes of banners and headers by service. */
#define BANNER_INDEX "INDEX banner_service ON banner(addr, port)"
#define HEADER_INDEX "INDEX http_header_service ON http_header(addr, port)"
#define BANNER_INDEX_IF_MISSING "INDEX IF NOT EXISTS banner_service ON banner(addr, port)"
#define HEADER_INDEX_IF_MISSING \
    "INDEX IF NOT EXISTS http_header_service ON http_header(addr, port)"

static const char scan_v1[] =
    "CREATE TABLE observation (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  addr TEXT NOT NULL,          -- address as text\n"
    "  ip4 INTEGER,                 -- IPv4 as an unsigned 32-bit number, else NULL\n"
    "  ip6 BLOB,                    -- IPv6 as 16 bytes, else NULL\n"
    "  proto TEXT NOT NULL,         -- tcp, udp, sctp, icmp, arp\n"
    "  port INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,        -- open, closed, up\n"
    "  reason TEXT,                 -- syn-ack, rst-ack, ...\n"
    "  ttl INTEGER,\n"
    "  seen INTEGER                 -- unix seconds\n"
    ");\n"
    "CREATE TABLE banner (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  addr TEXT NOT NULL, ip4 INTEGER, ip6 BLOB,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  service TEXT NOT NULL,       -- masscan's name: http, http.server, ssh, ssl, title, ...\n"
    "  banner BLOB NOT NULL,        -- the bytes as received (escaping decoded)\n"
    "  seen INTEGER\n"
    ");\n"
    "CREATE TABLE http_header (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  addr TEXT NOT NULL, ip4 INTEGER, ip6 BLOB,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL,          -- server, x-powered-by, x-aspnet-version\n"
    "  raw TEXT NOT NULL,           -- the header value as sent\n"
    "  product TEXT NOT NULL,       -- text before the first '/', '(', ';' or space\n"
    "  version TEXT,                -- what follows a '/', if anything\n"
    "  seen INTEGER\n"
    ");\n"
    "CREATE " BANNER_INDEX ";\n"
    "CREATE " HEADER_INDEX ";\n"
    "CREATE VIEW service AS SELECT DISTINCT addr, proto, port FROM observation "
    "WHERE status = 'open';\n";

/* Version 2: a service also says when it was first and last seen open, and by how many
 * imports: what a user comparing scans in the sqlite3 shell asks first. */
static const char scan_v2[] =
    "DROP VIEW service;\n"
    "CREATE VIEW service AS SELECT addr, proto, port, MIN(seen) AS first_seen, "
    "MAX(seen) AS last_seen, COUNT(DISTINCT source_id) AS sources FROM observation "
    "WHERE status = 'open' GROUP BY addr, proto, port;\n";

static const char *const scan_tables[] = { "observation", "banner", "http_header", NULL };

static const struct store_migration scan_migrations[] = {
    { 1, scan_v1, NULL },
    { 2, scan_v2, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_scan = {
    .name = "scan", .migrations = scan_migrations, .tables = scan_tables
};

/* Adding rows one by one to an index searches its tree in the random order of the
 * addresses; once the index outgrows SQLite's page cache, each row reads and writes pages
 * of it. Building it from the full table sorts once, several times faster per row. So an
 * import drops the banner (or header) index and scan_indexes_build() builds it again before
 * the import commits: at once into an empty table, and into one that holds rows when, by
 * what it has read so far, the import will add at least a fifth as many. (Into a table of 2
 * million banners, an import of a tenth as many took longer rebuilding, one of three tenths
 * longer keeping the index.) Both happen in the import's transaction: a failed import gets
 * the index back with the rest. */
#define INDEX_REBUILD_SHARE 5

static long long counted(const struct store *store, const char *kind)
{
    const struct store_counts *c = &store->counts;
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->kind[i], kind) == 0)
            return c->count[i];
    return 0;
}

static void index_drop(struct store *store, struct index_plan *plan, const char *drop)
{
    plan->decided = 1;
    store_writer_wait(store);           /* the connection is the writer's until then */
    sqlite3_exec(store->db, drop, NULL, NULL, NULL);        /* kept if it fails */
}

/* Called before each row of table: the import's first notes about how many rows it holds
 * (rows forgotten leave gaps in the rowids); an index of an empty table goes at once. */
static void index_plan_begin(struct store *store, struct index_plan *plan, const char *kind,
                             const char *table, const char *drop)
{
    if (counted(store, kind) > 0)
        return;
    store_writer_wait(store);           /* the connection is the writer's until then */
    *plan = (struct index_plan){ .table_rows = (long long)store_last_rowid(store, table) };
    if (plan->table_rows == 0)
        index_drop(store, plan, drop);
}

static void index_plan_check(struct store *store, struct index_plan *plan, const char *kind,
                             double share_read, const char *drop)
{
    long long rows = counted(store, kind);
    if (plan->decided || rows == 0)
        return;
    if ((double)rows / share_read * INDEX_REBUILD_SHARE >= (double)plan->table_rows)
        index_drop(store, plan, drop);
}

#define BANNER_DROP "DROP INDEX IF EXISTS banner_service"
#define HEADER_DROP "DROP INDEX IF EXISTS http_header_service"

void store_import_progress(struct store *store, unsigned long long done,
                           unsigned long long total)
{
    if (!store->in_import || store->clickhouse || total == 0 || done == 0 || done > total)
        return;
    double share = (double)done / (double)total;
    index_plan_check(store, &store->banner_index, "banner", share, BANNER_DROP);
    index_plan_check(store, &store->header_index, "header", share, HEADER_DROP);
}

enum tally_error scan_indexes_build(struct store *store)
{
    /* The sorts may use a second thread: the writer's is idle now. */
    static const char sql[] = "PRAGMA threads = 2; CREATE " BANNER_INDEX_IF_MISSING "; "
                              "CREATE " HEADER_INDEX_IF_MISSING ";";
    store_writer_wait(store);
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
    sqlite3_exec(store->db, "PRAGMA threads = 0", NULL, NULL, NULL);
    return rc == SQLITE_OK ? TALLY_OK : TALLY_ERROR_DATABASE;
}

/* Queues the columns every scan table starts with: source_id, addr, ip4, ip6, proto,
 * port. */
static void row_service(struct store *store, const struct ip_addr *addr, const char *proto,
                        unsigned port)
{
    store_row_int(store, 1, store->source_id);
    store_row_addr(store, 2, addr);
    store_row_text(store, 5, proto);
    store_row_int(store, 6, port);
}

enum tally_error store_add_observation(struct store *store, const struct scan_record *rec)
{
    static const char sql[] =
        "INSERT INTO observation (source_id, addr, ip4, ip6, proto, port, status, reason, "
        "ttl, seen) VALUES (?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return clickhouse_add_observation(store, rec);
    enum tally_error err = store_row_begin_grouped(store, sql);
    if (err)
        return err;
    row_service(store, &rec->addr, rec->proto, rec->port);
    store_row_text(store, 7, rec->status);
    store_row_text(store, 8, rec->reason);
    if (rec->ttl >= 0)
        store_row_int(store, 9, rec->ttl);
    if (rec->seen)
        store_row_int(store, 10, rec->seen);
    err = store_row_end_counted(store, rec->status, 1);
    /* Every observation of an import goes into its host sets too (store_hostset.c). */
    if (!err && store->hostsets)
        hostset_builder_add(store->hostsets, store->source_id, rec->proto, rec->port,
                            rec->status, &rec->addr, rec->seen);
    return err;
}

enum tally_error store_add_banner(struct store *store, const struct banner_record *rec)
{
    static const char sql[] =
        "INSERT INTO banner (source_id, addr, ip4, ip6, proto, port, service, banner, seen) "
        "VALUES (?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return clickhouse_add_banner(store, rec);
    index_plan_begin(store, &store->banner_index, "banner", "banner", BANNER_DROP);
    enum tally_error err = store_row_begin_grouped(store, sql);
    if (err)
        return err;
    row_service(store, &rec->addr, rec->proto, rec->port);
    store_row_text(store, 7, rec->service);
    store_row_blob(store, 8, rec->data, rec->len);
    if (rec->seen)
        store_row_int(store, 9, rec->seen);
    err = store_row_end_counted(store, "banner", 1);
    /* And into the import's web summaries (store_web.c). */
    if (!err && store->web)
        web_builder_banner(store->web, store->source_id, rec->proto, rec->port, &rec->addr,
                           rec->service);
    return err;
}

enum tally_error store_add_header(struct store *store, const struct header_record *rec)
{
    static const char sql[] =
        "INSERT INTO http_header (source_id, addr, ip4, ip6, proto, port, name, raw, "
        "product, version, seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return clickhouse_add_header(store, rec);
    index_plan_begin(store, &store->header_index, "header", "http_header", HEADER_DROP);
    enum tally_error err = store_row_begin_grouped(store, sql);
    if (err)
        return err;
    row_service(store, &rec->addr, rec->proto, rec->port);
    store_row_text(store, 7, rec->name);
    store_row_text(store, 8, rec->value);
    store_row_text(store, 9, rec->product);
    store_row_text(store, 10, rec->version);
    if (rec->seen)
        store_row_int(store, 11, rec->seen);
    err = store_row_end_counted(store, "header", 1);
    if (!err && store->web)
        web_builder_header(store->web, store->source_id, rec->proto, rec->port, &rec->addr,
                           rec->name, rec->product, rec->seen != 0, rec->seen);
    return err;
}
