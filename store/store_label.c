/* store_label.c: the label_range table (address ranges labelled with a cloud provider's
 * region, an AS or a country, from range files and AS or country databases) and the
 * label_current view: for each kind, publisher and family, only the newest import's
 * ranges, so a newer file of the same provider replaces the older for lookups while
 * both stay in the database with their provenance. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* Version 7: address labels. IF NOT EXISTS: a file whose version was set back by hand
 * (as tests do to replay an older step) still walks forward. */
static const char label_v7[] =
    "CREATE TABLE IF NOT EXISTS label_range (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  family INTEGER NOT NULL,     -- 4 or 6\n"
    "  first BLOB NOT NULL,         -- first address, 4 or 16 bytes in network order:\n"
    "  last BLOB NOT NULL,          -- blobs of one family compare in address order\n"
    "  network TEXT NOT NULL,       -- as the file wrote it: 3.5.140.0/22, a-b\n"
    "  kind TEXT NOT NULL,          -- provider, asn, country\n"
    "  provider TEXT NOT NULL,      -- who published it: aws, google, azure, oracle,\n"
    "                               -- csv, ip-location-db, the .mmdb database type\n"
    "  label TEXT NOT NULL,         -- aws:us-east-1, as16509, DE\n"
    "  detail TEXT,                 -- service, AS name, country name\n"
    "  general INTEGER NOT NULL DEFAULT 0 -- > 0: outranked by another label of the\n"
    "                               -- same range (AWS's catch-all service AMAZON)\n"
    ");\n"
    "CREATE VIEW IF NOT EXISTS label_current AS SELECT r.* FROM label_range r JOIN "
    "(SELECT kind, provider, family, MAX(source_id) AS newest FROM label_range "
    "GROUP BY kind, provider, family) n ON r.kind = n.kind AND r.provider = n.provider "
    "AND r.family = n.family AND r.source_id = n.newest;\n";

/* Version 12: the ranges of one kind, publisher, family and import found without reading
 * every other's, and each kind's current ranges kept flattened (analyzer/labels.c makes
 * them after an import or a forget), so that an analysis reads one row instead of every
 * range. */
static const char label_v12[] =
    "CREATE INDEX IF NOT EXISTS label_range_by_kind ON label_range "
    "(kind, provider, family, source_id);\n"
    "CREATE TABLE IF NOT EXISTS label_index (\n"
    "  kind TEXT PRIMARY KEY,       -- provider, asn, country\n"
    "  sources TEXT NOT NULL,       -- the imports flattened, comma-separated:\n"
    "                               -- provider/family/source_id/start of its sha256\n"
    "  ranges BLOB NOT NULL         -- analyzer/label_cache.c's layout\n"
    ");\n";

static const char *const label_tables[] = { "label_range", NULL };

static const struct store_migration label_migrations[] = {
    { 7, label_v7, NULL },
    { 12, label_v12, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_label = {
    .name = "label", .migrations = label_migrations, .tables = label_tables
};

enum tally_error store_add_label(struct store *store, const struct label_record *rec)
{
    static const char sql[] =
        "INSERT INTO label_range (source_id, family, first, last, network, kind, provider, "
        "label, detail, general) VALUES (?,?,?,?,?,?,?,?,?,?)";
    size_t width = rec->first.family == 4 ? 4 : 16;
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    store_row_int(store, 2, rec->first.family);
    store_row_blob(store, 3, rec->first.bytes, width);
    store_row_blob(store, 4, rec->last.bytes, width);
    store_row_text(store, 5, rec->network);
    store_row_text(store, 6, rec->kind);
    store_row_text(store, 7, rec->provider);
    store_row_text(store, 8, rec->label);
    store_row_text(store, 9, rec->detail);
    store_row_int(store, 10, rec->general);
    return store_row_end_counted(store, rec->kind, 1);
}

enum tally_error store_label_index_get(struct store *store, const char *kind, char **sources,
                                      unsigned char **ranges, size_t *len,
                                      struct tally_diag *diag)
{
    static const char sql[] = "SELECT sources, ranges FROM label_index WHERE kind = ?";
    sqlite3_stmt *stmt = NULL;
    int rc = SQLITE_ERROR;
    *sources = NULL;
    if (ranges) {
        *ranges = NULL;
        *len = 0;
    }
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char *text = sqlite3_column_text(stmt, 0);
            *sources = xstrdup(text ? (const char *)text : "");
            if (ranges) {       /* else not read: they can be megabytes */
                const void *blob = sqlite3_column_blob(stmt, 1);
                size_t n = (size_t)sqlite3_column_bytes(stmt, 1);
                *ranges = xmalloc(n + 1);
                if (n)
                    memcpy(*ranges, blob, n);
                *len = n;
            }
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? TALLY_OK : store_fail(store, diag, "cannot read address labels");
}

enum tally_error store_label_index_put(struct store *store, const char *kind,
                                      const char *sources, const void *ranges, size_t len,
                                      struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    int ok;
    if (ranges)
        ok = sqlite3_prepare_v2(store->db, "INSERT OR REPLACE INTO label_index (kind, sources, "
                                "ranges) VALUES (?, ?, ?)", -1, &stmt, NULL) == SQLITE_OK;
    else
        ok = sqlite3_prepare_v2(store->db, "DELETE FROM label_index WHERE kind = ?", -1, &stmt,
                                NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
        if (ranges) {
            sqlite3_bind_text(stmt, 2, sources, -1, SQLITE_STATIC);
            sqlite3_bind_blob64(stmt, 3, ranges, len, SQLITE_STATIC);
        }
        ok = sqlite3_step(stmt) == SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    return ok ? TALLY_OK : store_fail(store, diag, "cannot keep the address labels flattened");
}

int label_parse_prefix(const char *text, struct ip_addr *first, struct ip_addr *last)
{
    const char *slash = strchr(text, '/');
    char addr[64], *end;
    if (!slash || (size_t)(slash - text) >= sizeof(addr) || slash[1] == '\0')
        return -1;
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    long prefix = strtol(slash + 1, &end, 10);
    if (*end != '\0' || slash[1] < '0' || slash[1] > '9' || ip_parse(addr, first) != 0)
        return -1;
    int bits = first->family == 4 ? 32 : 128;
    if (prefix < 0 || prefix > bits)
        return -1;
    *last = *first;
    for (int i = 0; i < bits / 8; i++) {
        int keep = (int)prefix - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        first->bytes[i] &= mask;
        last->bytes[i] = (uint8_t)(first->bytes[i] | (uint8_t)~mask);
    }
    return 0;
}
