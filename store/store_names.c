/* store_names.c: the host_name table (names of addresses, from PTR answers in captures and
 * imported reverse-DNS results; a database from before it gets the names its captures'
 * PTR answers give) and the name_pattern table (providers' default host name patterns a
 * user imports, beside the built-in ones of analyzer/names.c). */
#include "store/store_internal.h"
#include "store/store_names.h"
#include "util/name_pattern.h"

#include <string.h>

/* Version 8: host names. IF NOT EXISTS: a file whose version was set back by hand (as
 * tests do to replay an older step) still walks forward. */
static const char names_v8[] =
    "CREATE TABLE IF NOT EXISTS host_name (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  addr TEXT NOT NULL,          -- address as text\n"
    "  ip4 INTEGER,                 -- IPv4 as an unsigned 32-bit number, else NULL\n"
    "  ip6 BLOB,                    -- IPv6 as 16 bytes, else NULL\n"
    "  name TEXT NOT NULL,          -- lower case, without the final dot\n"
    "  rrtype TEXT NOT NULL,        -- PTR: the address's reverse name; A, AAAA: a name\n"
    "                               -- that resolves to the address\n"
    "  origin TEXT NOT NULL,        -- ptr-capture, massdns, zdns, dig\n"
    "  seen INTEGER,                -- unix seconds, when known\n"
    "  UNIQUE (source_id, addr, name, rrtype)\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS host_name_addr ON host_name(addr);\n"
    "CREATE TABLE IF NOT EXISTS name_pattern ( -- default host names, beside the built-in\n"
    "  source_id INTEGER NOT NULL,\n"
    "  provider TEXT NOT NULL,      -- as address labels name it: aws, google, azure, ...\n"
    "  pattern TEXT NOT NULL        -- ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com\n"
    ");\n";

/* The host names of the PTR answers captures imported before version 8, as the capture's
 * DNS decoder finds them now (importers/pcap_dns.c): the answer's reverse name, else the
 * question's. */
static enum tally_error names_from_captures(struct store *store, struct tally_diag *diag)
{
    static const char select_ptr[] =
        "SELECT source_id, seen, qname, name, data FROM dns_answer WHERE type = 'PTR' AND "
        "rcode = 'NOERROR' AND data IS NOT NULL ORDER BY rowid";
    static const char insert[] =
        "INSERT OR IGNORE INTO host_name (source_id, addr, ip4, ip6, name, rrtype, origin, "
        "seen) VALUES (?, ?, ?, ?, ?, 'PTR', '" NAME_ORIGIN_CAPTURE "', ?)";
    sqlite3_stmt *rows = NULL, *add = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    if (sqlite3_prepare_v2(store->db, select_ptr, -1, &rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store->db, insert, -1, &add, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the captures' PTR answers");
        goto done;
    }
    while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
        const char *qname = (const char *)sqlite3_column_text(rows, 2);
        const char *owner = (const char *)sqlite3_column_text(rows, 3);
        const char *data = (const char *)sqlite3_column_text(rows, 4);
        struct ip_addr addr;
        char name[1024], text[64];
        if (!data || host_name_plain(data, strlen(data), name, sizeof(name)) < 0 ||
            ((!owner || host_reverse_addr(owner, &addr) < 0) &&
             (!qname || host_reverse_addr(qname, &addr) < 0)))
            continue;
        ip_format(&addr, text, sizeof(text));
        sqlite3_bind_int64(add, 1, sqlite3_column_int64(rows, 0));
        sqlite3_bind_text(add, 2, text, -1, SQLITE_TRANSIENT);
        if (addr.family == 4)
            sqlite3_bind_int64(add, 3, (sqlite3_int64)ip_v4_value(&addr));
        else
            sqlite3_bind_blob(add, 4, addr.bytes, 16, SQLITE_TRANSIENT);
        sqlite3_bind_text(add, 5, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_column_type(rows, 1) != SQLITE_NULL && sqlite3_column_int64(rows, 1))
            sqlite3_bind_int64(add, 6, sqlite3_column_int64(rows, 1));
        rc = sqlite3_step(add);
        sqlite3_reset(add);
        sqlite3_clear_bindings(add);
        if (rc != SQLITE_DONE) {
            err = store_fail(store, diag, "cannot store a capture's host name");
            goto done;
        }
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the captures' PTR answers");

done:
    sqlite3_finalize(rows);
    sqlite3_finalize(add);
    return err;
}

static const char *const names_tables[] = { "host_name", "name_pattern", NULL };

static const struct store_migration names_migrations[] = {
    { 8, names_v8, names_from_captures },
    { 0, NULL, NULL }
};

const struct store_part store_part_names = {
    .name = "names", .migrations = names_migrations, .tables = names_tables
};

enum tally_error store_add_name(struct store *store, const struct name_record *rec)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO host_name (source_id, addr, ip4, ip6, name, rrtype, origin, "
        "seen) VALUES (?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;        /* host names are kept in SQLite only */
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    store_row_addr(store, 2, &rec->addr);
    store_row_text(store, 5, rec->name);
    store_row_text(store, 6, rec->rrtype);
    store_row_text(store, 7, rec->origin);
    if (rec->seen)
        store_row_int(store, 8, rec->seen);
    return store_row_end_counted(store, "name", 1);
}

enum tally_error store_add_name_pattern(struct store *store, const char *provider,
                                        const char *pattern)
{
    static const char sql[] =
        "INSERT INTO name_pattern (source_id, provider, pattern) VALUES (?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    store_row_text(store, 2, provider);
    store_row_text(store, 3, pattern);
    return store_row_end_counted(store, "pattern", 1);
}
