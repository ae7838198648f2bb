/* store_cert.c: the certificate tables: each distinct certificate once (certificate, keyed
 * by the SHA-256 of its DER), the services that presented one (cert_service, once per
 * import: the first time seen is kept), and the TLS version and cipher each service chose
 * (tls_service); and what an import's rows of them come to per port (cert_count,
 * tls_count), which `certs` and `tls-versions` read when one import is asked about.
 * Forgetting an import removes its rows; a trigger then removes the certificates no
 * service presents. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

static const char cert_v6[] =
    "CREATE TABLE certificate (\n"
    "  sha256 TEXT PRIMARY KEY,     -- lower-case hex of the SHA-256 of der\n"
    "  der BLOB NOT NULL,           -- the certificate as received\n"
    "  subject TEXT, issuer TEXT,   -- 'C=US, O=Example, CN=www.example.org', in DER order\n"
    "  subject_cn TEXT, issuer_cn TEXT,\n"
    "  san_dns TEXT, san_ip TEXT,   -- subjectAltName DNS names and addresses, ';'-separated\n"
    "  not_before TEXT, not_after TEXT,     -- ISO-8601 UTC\n"
    "  self_signed INTEGER,         -- 1: issuer = subject and it verifies with its own key\n"
    "  key_type TEXT, key_bits INTEGER,     -- RSA 2048, EC 256, ...\n"
    "  sig_alg TEXT,                -- RSA with SHA-256, ECDSA with SHA256, ...\n"
    "  error TEXT                   -- why it did not parse (the other fields NULL), or NULL\n"
    ");\n"
    "CREATE TABLE cert_service (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  addr TEXT NOT NULL, ip4 INTEGER, ip6 BLOB,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  chain INTEGER NOT NULL,      -- 0: the service's certificate; 1, 2, ...: its chain\n"
    "  sha256 TEXT NOT NULL,        -- certificate.sha256\n"
    "  seen INTEGER,\n"
    "  UNIQUE (sha256, source_id, addr, proto, port, chain)  -- a service's link once an\n"
    "                               -- import; also the index forget's trigger looks in\n"
    ");\n"
    "CREATE TRIGGER cert_service_forget AFTER DELETE ON cert_service\n"
    "  WHEN NOT EXISTS (SELECT 1 FROM cert_service WHERE sha256 = old.sha256)\n"
    "  BEGIN DELETE FROM certificate WHERE sha256 = old.sha256; END;\n"
    "CREATE TABLE tls_service (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  addr TEXT NOT NULL, ip4 INTEGER, ip6 BLOB,\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  version TEXT NOT NULL,       -- TLS/1.2, SSLv3, ... as masscan writes them\n"
    "  cipher INTEGER,              -- the cipher suite's number\n"
    "  cipher_name TEXT,            -- its name, when the scanner gave one\n"
    "  seen INTEGER\n"
    ");\n";

/* What `certs` shows of each certificate, read without the DER beside it in the row (a
 * tenth of the reading at 10 million observations). */
static const char cert_v10[] =
    "CREATE INDEX certificate_shown ON certificate (sha256, subject_cn, issuer_cn,\n"
    "  self_signed, not_after, key_type, key_bits, error);\n";

/* The services presenting a certificate as their own, per import, proto and port, and the
 * first and last time one did (the import's time where the scan gave none), as `certs`
 * counts them: what an import's thousands of links come to, read instead of them. */
#define CERT_SEEN "COALESCE(seen, (SELECT CAST(strftime('%s', imported_at) AS INTEGER) " \
                  "FROM source WHERE source.id = cert_service.source_id))"
#define CERT_COUNT_SELECT \
    "SELECT source_id, proto, port, sha256, COUNT(*), MIN(" CERT_SEEN "), MAX(" CERT_SEEN \
    ") FROM cert_service WHERE chain = 0"
/* The services that chose a TLS version and cipher suite, per import, proto and port:
 * each once (its address, as tls-versions tells services apart). */
#define TLS_COUNT_SELECT \
    "SELECT source_id, proto, port, version, cipher, cipher_name, COUNT(DISTINCT addr), " \
    "MIN(seen), MAX(seen) FROM tls_service WHERE 1"

static const char cert_v11[] =
    "CREATE TABLE cert_count (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL,        -- certificate.sha256\n"
    "  services INTEGER NOT NULL,   -- cert_service rows with chain 0\n"
    "  first_seen INTEGER,          -- their earliest and latest seen, the import's\n"
    "  last_seen INTEGER            -- time for a row without\n"
    ");\n"
    "INSERT INTO cert_count " CERT_COUNT_SELECT " GROUP BY source_id, proto, port, sha256;\n"
    "CREATE TABLE tls_count (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL, port INTEGER NOT NULL,\n"
    "  version TEXT NOT NULL, cipher INTEGER, cipher_name TEXT,    -- as in tls_service\n"
    "  services INTEGER NOT NULL,   -- distinct services of the import that chose them\n"
    "  first_seen INTEGER,          -- their earliest and latest seen; NULL: none had one\n"
    "  last_seen INTEGER\n"
    ");\n"
    "INSERT INTO tls_count " TLS_COUNT_SELECT " GROUP BY source_id, proto, port, version, "
    "cipher, cipher_name;\n";

static const char *const cert_tables[] = { "cert_service", "cert_count", "tls_service",
                                           "tls_count", NULL };

static const struct store_migration cert_migrations[] = {
    { 6, cert_v6, NULL },
    { 10, cert_v10, NULL },
    { 11, cert_v11, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_cert = {
    .name = "certificate", .migrations = cert_migrations, .tables = cert_tables
};

/* ---- the certificates the import under way stored: a set of SHA-256 digests ---- */

struct cert_known {
    unsigned char (*slots)[32];     /* all zero: free */
    size_t nslots, n;
};

void cert_known_free(struct cert_known *k)
{
    if (!k)
        return;
    free(k->slots);
    free(k);
}

static int hex_digest(const char *hex, unsigned char out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

static size_t known_slot(const struct cert_known *k, const unsigned char d[32])
{
    static const unsigned char zero[32];
    size_t h;
    memcpy(&h, d, sizeof(h));       /* a digest's bytes are already well mixed */
    size_t i = h & (k->nslots - 1);
    while (memcmp(k->slots[i], zero, 32) != 0 && memcmp(k->slots[i], d, 32) != 0)
        i = (i + 1) & (k->nslots - 1);
    return i;
}

static void known_add(struct cert_known *k, const unsigned char d[32])
{
    if (2 * (k->n + 1) > k->nslots) {
        unsigned char (*old)[32] = k->slots;
        size_t nold = k->nslots;
        static const unsigned char zero[32];
        k->nslots = nold ? 2 * nold : 256;
        k->slots = xcalloc(k->nslots, 32);
        for (size_t i = 0; i < nold; i++)
            if (memcmp(old[i], zero, 32) != 0)
                memcpy(k->slots[known_slot(k, old[i])], old[i], 32);
        free(old);
    }
    size_t i = known_slot(k, d);
    if (memcmp(k->slots[i], d, 32) != 0) {
        memcpy(k->slots[i], d, 32);
        k->n++;
    }
}

int store_cert_known(struct store *store, const char *sha256)
{
    unsigned char d[32];
    if (!store->certs || strlen(sha256) != 64 || hex_digest(sha256, d) != 0)
        return 0;
    return memcmp(store->certs->slots[known_slot(store->certs, d)], d, 32) == 0;
}

/* ---- rows ---- */

enum tally_error store_add_certificate(struct store *store, const struct cert_record *rec)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO certificate (sha256, der, subject, issuer, subject_cn, "
        "issuer_cn, san_dns, san_ip, not_before, not_after, self_signed, key_type, key_bits, "
        "sig_alg, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;        /* certificates are kept in SQLite only */
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_text(store, 1, rec->sha256);
    store_row_blob(store, 2, rec->der, rec->len);
    if (!rec->error) {
        store_row_text(store, 3, rec->subject);
        store_row_text(store, 4, rec->issuer);
        store_row_text(store, 5, rec->subject_cn);
        store_row_text(store, 6, rec->issuer_cn);
        store_row_text(store, 7, rec->san_dns);
        store_row_text(store, 8, rec->san_ip);
        store_row_text(store, 9, rec->not_before);
        store_row_text(store, 10, rec->not_after);
        store_row_int(store, 11, rec->self_signed != 0);
        store_row_text(store, 12, rec->key_type);
        store_row_int(store, 13, rec->key_bits);
        store_row_text(store, 14, rec->sig_alg);
    }
    store_row_text(store, 15, rec->error);
    err = store_row_end_counted(store, rec->error ? "bad-certificate" : "certificate", 1);
    unsigned char d[32];
    if (!err && hex_digest(rec->sha256, d) == 0) {
        if (!store->certs)
            store->certs = xcalloc(1, sizeof(*store->certs));
        known_add(store->certs, d);
    }
    return err;
}

/* Queues the columns cert_service and tls_service start with. */
static void row_service(struct store *store, const struct ip_addr *addr, const char *proto,
                        unsigned port)
{
    store_row_int(store, 1, store->source_id);
    store_row_addr(store, 2, addr);
    store_row_text(store, 5, proto);
    store_row_int(store, 6, port);
}

enum tally_error store_link_certificate(struct store *store, const char *sha256,
                                        const struct cert_link *link)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO cert_service (source_id, addr, ip4, ip6, proto, port, chain, sha256, "
        "seen) VALUES (?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    row_service(store, &link->addr, link->proto, link->port);
    store_row_int(store, 7, link->chain);
    store_row_text(store, 8, sha256);
    if (link->seen)
        store_row_int(store, 9, link->seen);
    return store_row_end_counted(store, "cert-link", 1);
}

/* The largest rowid of table: a row inserted later gets a larger one. SQLite picks another
 * only once a rowid reached 2^63 - 1; then the floor is 0, and the queries that use it read
 * the whole table, as they do when the table cannot be read now. */
static int64_t rowid_floor(struct store *store, const char *table)
{
    unsigned long long last = store_last_rowid(store, table);
    return last > INT64_MAX / 2 ? 0 : (int64_t)last;
}

void cert_import_begin(struct store *store)
{
    store_writer_wait(store);
    store->cert_rowid_floor = rowid_floor(store, "cert_service");
    store->tls_rowid_floor = rowid_floor(store, "tls_service");
}

enum tally_error cert_chain_mark(struct store *store)
{
    /* A certificate issued another when its subject is the other's issuer; one whose
     * subject is the other's too is a reissue, not an issuer. Only the import's own links
     * are read (by rowid, from where it began), and of them only those of services that
     * presented more than one certificate. */
    static const char sql[] =
        "UPDATE OR REPLACE cert_service SET chain = 1 WHERE rowid IN ("
        "WITH link AS MATERIALIZED (SELECT rowid AS id, addr, proto, port, chain, sha256 "
        "FROM cert_service WHERE rowid > ?2 AND source_id = ?1), "
        "shared AS MATERIALIZED (SELECT * FROM link WHERE (addr, proto, port) IN ("
        "SELECT addr, proto, port FROM link GROUP BY addr, proto, port HAVING COUNT(*) > 1)) "
        "SELECT s.id FROM shared AS s "
        "JOIN certificate AS mine ON mine.sha256 = s.sha256 "
        "JOIN shared AS o ON o.addr = s.addr AND o.proto = s.proto AND o.port = s.port "
        "AND o.sha256 <> s.sha256 "
        "JOIN certificate AS other ON other.sha256 = o.sha256 "
        "WHERE s.chain = 0 AND other.issuer = mine.subject "
        "AND other.subject <> mine.subject)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    sqlite3_bind_int64(stmt, 2, store->cert_rowid_floor);
    return store_step_done(stmt);
}

enum tally_error cert_count_build(struct store *store)
{
    static const char *const sql[] = {
        "INSERT INTO cert_count " CERT_COUNT_SELECT " AND source_id = ? AND rowid > ? "
        "GROUP BY proto, port, sha256",
        "INSERT INTO tls_count " TLS_COUNT_SELECT " AND source_id = ? AND rowid > ? "
        "GROUP BY proto, port, version, cipher, cipher_name",
    };
    const int64_t floors[] = { store->cert_rowid_floor, store->tls_rowid_floor };
    enum tally_error err = TALLY_OK;
    if (store->clickhouse)
        return TALLY_OK;
    for (size_t i = 0; i < sizeof(sql) / sizeof(*sql) && !err; i++) {
        sqlite3_stmt *stmt = store_statement(store, sql[i]);
        if (!stmt)
            return TALLY_ERROR_DATABASE;
        sqlite3_bind_int64(stmt, 1, store->source_id);
        sqlite3_bind_int64(stmt, 2, floors[i]);
        err = store_step_done(stmt);
    }
    return err;
}

enum tally_error store_add_tls(struct store *store, const struct tls_record *rec)
{
    static const char sql[] =
        "INSERT INTO tls_service (source_id, addr, ip4, ip6, proto, port, version, cipher, "
        "cipher_name, seen) VALUES (?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    row_service(store, &rec->addr, rec->proto, rec->port);
    store_row_text(store, 7, rec->version);
    if (rec->cipher >= 0)
        store_row_int(store, 8, rec->cipher);
    store_row_text(store, 9, rec->cipher_name);
    if (rec->seen)
        store_row_int(store, 10, rec->seen);
    return store_row_end_counted(store, "tls", 1);
}
