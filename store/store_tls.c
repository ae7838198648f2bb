/* store_tls.c: the table of TLS connections seen in captures (tls_client): per connection
 * the client's side of the handshake (SNI, offered versions, ALPN, JA3 and JA4) and the
 * server's answer (version, cipher, JA3S, certificate). The servers' versions, ciphers and
 * certificates also go into the certificate tables (store_cert.c) like a scan's. */
#include "store/store_internal.h"

static const char tls_v9[] =
    "CREATE TABLE IF NOT EXISTS tls_client ( -- one TLS connection seen in a capture\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  seen INTEGER,                -- unix seconds of its first hello\n"
    "  client TEXT NOT NULL,        -- the client's address\n"
    "  client_port INTEGER NOT NULL,\n"
    "  server TEXT NOT NULL,        -- the server's address\n"
    "  port INTEGER NOT NULL,       -- the server's port\n"
    "  sni TEXT,                    -- server_name (NULL: none sent or ClientHello not seen)\n"
    "  versions TEXT,               -- versions offered: TLS/1.3;TLS/1.2 (supported_versions,\n"
    "                               -- else the ClientHello's version)\n"
    "  alpn TEXT,                   -- protocols offered: h2;http/1.1\n"
    "  ja3 TEXT,                    -- MD5 of ja3_string, lower-case hex\n"
    "  ja3_string TEXT,             -- version,ciphers,extensions,groups,point formats\n"
    "  ja4 TEXT,                    -- FoxIO's JA4: t13d1516h2_8daaf6152771_e5627efa2ab1\n"
    "  version TEXT,                -- chosen by the server: TLS/1.2, TLS/1.3, SSLv3, ...\n"
    "  cipher INTEGER,              -- the cipher suite's number\n"
    "  ja3s TEXT,                   -- MD5 of version,cipher,extensions of the ServerHello\n"
    "  cert_sha256 TEXT             -- certificate.sha256 of the server's certificate\n"
    "                               -- (NULL: TLS 1.3, where it is encrypted, or not seen)\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS tls_client_sni ON tls_client(sni);\n";

static const char *const tls_tables[] = { "tls_client", NULL };

static const struct store_migration tls_migrations[] = {
    { 9, tls_v9, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_tls = {
    .name = "TLS client", .migrations = tls_migrations, .tables = tls_tables
};

static void row_address(struct store *store, int index, const struct ip_addr *addr)
{
    char text[64];
    ip_format(addr, text, sizeof(text));
    store_row_text(store, index, text);
}

enum tally_error store_add_tls_client(struct store *store, const struct tls_client_record *rec)
{
    static const char sql[] =
        "INSERT INTO tls_client (source_id, seen, client, client_port, server, port, sni, "
        "versions, alpn, ja3, ja3_string, ja4, version, cipher, ja3s, cert_sha256) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return TALLY_OK;        /* kept in SQLite only, as certificates are */
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    if (rec->seen)
        store_row_int(store, 2, rec->seen);
    row_address(store, 3, &rec->client);
    store_row_int(store, 4, rec->client_port);
    row_address(store, 5, &rec->server);
    store_row_int(store, 6, rec->port);
    store_row_text(store, 7, rec->sni);
    store_row_text(store, 8, rec->versions);
    store_row_text(store, 9, rec->alpn);
    store_row_text(store, 10, rec->ja3);
    store_row_text(store, 11, rec->ja3_string);
    store_row_text(store, 12, rec->ja4);
    store_row_text(store, 13, rec->version);
    if (rec->cipher >= 0)
        store_row_int(store, 14, rec->cipher);
    store_row_text(store, 15, rec->ja3s);
    store_row_text(store, 16, rec->cert_sha256);
    return store_row_end_counted(store, "tls-connection", 1);
}
