/* store_names.c: the host_name table (names of addresses, from PTR answers in captures and
 * imported reverse-DNS results) and the name_pattern table (providers' default host name
 * patterns a user imports, beside the built-in ones of analyzer/names.c). */
#include "store/store_internal.h"
#include "store/store_names.h"

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

static const char *const names_tables[] = { "host_name", "name_pattern", NULL };

static const struct store_migration names_migrations[] = {
    { 8, names_v8, NULL },
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
