/* scan_certs.c: what the certificate tables tell (store/store_cert.c): `certs`, one row per
 * certificate with the services presenting it and its status (expired, self-signed,
 * CA-issued); `tls-versions`, services by negotiated TLS version, cipher suite (named by
 * mbedTLS's table) and its strength; and the --cert filter (a subject CN or subjectAltName DNS glob, or a
 * fingerprint prefix) as the host-set analyses (ports, subnets, ...) apply it. */
#include "analyzer/analyzer.h"

#include <ctype.h>
#include <fnmatch.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <stdlib.h>
#include <string.h>

/* ---- matching a certificate ---- */

/* Whether pattern is a fingerprint prefix: 4 or more hex digits, colons allowed. */
static int fingerprint_prefix(const char *pattern, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == ':')
            continue;
        if (!isxdigit((unsigned char)*p) || n + 1 >= size)
            return 0;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    return n >= 4;
}

int cert_matches(const char *pattern, const char *sha256, const char *subject_cn,
                 const char *san_dns)
{
    char prefix[72];
    if (sha256 && fingerprint_prefix(pattern, prefix, sizeof(prefix)) &&
        strncmp(sha256, prefix, strlen(prefix)) == 0)
        return 1;
    if (subject_cn && fnmatch(pattern, subject_cn, FNM_CASEFOLD) == 0)
        return 1;
    /* san_dns holds the names ';'-separated. */
    for (const char *p = san_dns; p && *p;) {
        size_t n = strcspn(p, ";");
        char *name = xstrndup(p, n);
        int hit = fnmatch(pattern, name, FNM_CASEFOLD) == 0;
        free(name);
        if (hit)
            return 1;
        p += n + (p[n] == ';');
    }
    return 0;
}

/* SQL cert_match(pattern, sha256, subject_cn, san_dns). */
static void sql_cert_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *pattern = (const char *)sqlite3_value_text(argv[0]);
    sqlite3_result_int(ctx, pattern && cert_matches(pattern,
                                                     (const char *)sqlite3_value_text(argv[1]),
                                                     (const char *)sqlite3_value_text(argv[2]),
                                                     (const char *)sqlite3_value_text(argv[3])));
}

/* " AND <sha256_col> IN (the certificates --cert matches)", with cert_match() made known
 * to the connection; nothing without --cert. */
static void sql_cert(struct store *store, const struct filters *f, struct strbuf *sql,
                     const char *sha256_col)
{
    if (!f->cert)
        return;
    sqlite3_create_function(store_db(store), "cert_match", 4,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_cert_match, NULL,
                            NULL);
    strbuf_addf(sql, " AND %s IN (SELECT sha256 FROM certificate WHERE "
                "cert_match(:cert, sha256, subject_cn, san_dns))", sha256_col);
}

/* The services presenting their own certificate (chain 0) that the filters select. */
static void sql_cert_services(struct store *store, const struct filters *f,
                              struct strbuf *sql)
{
    strbuf_addstr(sql, " FROM cert_service WHERE chain = 0");
    filters_sql_ports(f, sql, "port", "proto");
    filters_sql_source(f, sql, "source_id");
    sql_cert(store, f, sql, "sha256");
}

sqlite3_stmt *cert_ports_prepare(struct store *store, const struct filters *f)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT proto, port, 1, COUNT(DISTINCT addr)");
    sql_cert_services(store, f, &sql);
    strbuf_addstr(&sql, " GROUP BY proto, port");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) == SQLITE_OK)
        filters_bind(stmt, f);
    strbuf_release(&sql);
    return stmt;
}

enum tally_error cert_hosts_load(struct store *store, const struct filters *f, int family,
                                 struct hostset *set, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT DISTINCT addr");
    sql_cert_services(store, f, &sql);
    if (family == 4)
        strbuf_addstr(&sql, " AND ip4 IS NOT NULL");
    else if (family == 6)
        strbuf_addstr(&sql, " AND ip6 IS NOT NULL");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the services presenting certificates");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ip_addr addr;
        const char *text = (const char *)sqlite3_column_text(stmt, 0);
        if (text && ip_parse(text, &addr) == 0)
            hostset_add(set, &addr);
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the services presenting certificates");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

/* ---- certs ---- */

static enum tally_error certs_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct strbuf sql, where;
    strbuf_init(&sql);
    strbuf_init(&where);
    sql_cert_services(store, f, &where);
    /* A service counts once for a certificate however many imports saw it. A certificate
     * is expired when its not-after came before the last time a service presented it (the
     * time of its import where the scan gave none, as masscan's -oG does not). The services
     * are grouped address first: grouped by sha256 first, SQLite walks the table through its
     * (sha256, ...) index, one random read per row for `seen`, several times slower than a
     * scan and a sort at 10 million observations. */
    strbuf_addf(&sql, "SELECT c.sha256, c.subject_cn, c.issuer_cn, c.self_signed, c.not_after, "
                "CASE WHEN c.key_type IS NULL THEN NULL ELSE c.key_type || ' ' || c.key_bits "
                "END, s.services, CASE WHEN c.error IS NOT NULL THEN 'unparsed' "
                "WHEN c.not_after < strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', s.seen, 'unixepoch') "
                "THEN 'expired' WHEN c.self_signed THEN 'self-signed' ELSE 'CA-issued' END "
                "FROM (SELECT sha256, COUNT(*) AS services, MAX(seen) AS seen FROM "
                "(SELECT sha256, MAX(COALESCE(seen, (SELECT CAST(strftime('%%s', imported_at) "
                "AS INTEGER) FROM source WHERE source.id = cert_service.source_id))) AS seen%s "
                "GROUP BY addr, proto, port, sha256) "
                "GROUP BY sha256) AS s JOIN certificate AS c ON c.sha256 = s.sha256 "
                "ORDER BY s.services DESC, c.sha256", where.buf);
    if (f->top > 0)                     /* by default every certificate */
        strbuf_addf(&sql, " LIMIT %d", f->top);
    *out = table_new("certs", "Certificates: services presenting each");
    table_add_column(*out, "sha256", COLUMN_TEXT);
    table_add_column(*out, "subject_cn", COLUMN_TEXT);
    table_add_column(*out, "issuer_cn", COLUMN_TEXT);
    table_add_column(*out, "self_signed", COLUMN_INTEGER);
    table_add_column(*out, "not_after", COLUMN_TEXT);
    table_add_column(*out, "key", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    /* Its name makes the horizontal bar chart colour the bars by it. */
    table_add_column(*out, "status", COLUMN_TEXT);
    enum tally_error err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    strbuf_release(&where);
    return err;
}

static int certs_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM cert_service WHERE chain = 0 LIMIT 1");
}

const struct analysis analysis_certs = {
    .name = "certs",
    .title = "Certificates: subject, issuer, validity, key and the services presenting each",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP | FILTER_CERT,
    .chart = { .kind = CHART_HBAR, .x_title = "Certificate (subject CN)",
               .y_title = "Services presenting it", .category_col = 1, .series_col = -1,
               .value_col = 6 },
    .run = certs_run,
    .has_data = certs_has_data,
    .source_table = "cert_service",
    .time_col = "seen",
};

/* ---- tls-versions ---- */

/* A cipher suite's strength, from what mbedTLS's ciphersuite table says of it:
 * - "weak": no encryption, export grade, RC4, DES or 3DES, a key under 128 bits, or CBC
 *   with SHA-1 (Lucky 13, and no AEAD);
 * - "strong": an AEAD cipher (GCM, CCM, ChaCha20-Poly1305) with its full tag and a key
 *   exchange that keeps forward secrecy (ECDHE or DHE); every TLS 1.3 suite is such, so a
 *   TLS 1.3 service is strong whatever its number (mbedTLS 2.28 lists none of them);
 * - "medium": the rest (AEAD with RSA key exchange, CBC with SHA-256 or SHA-384);
 * - "unknown": a number mbedTLS does not know. */
static const char *suite_strength(const mbedtls_ssl_ciphersuite_t *cs, const char *version)
{
    if (version && strcmp(version, "TLS/1.3") == 0)
        return "strong";
    if (!cs)
        return "unknown";
    const mbedtls_cipher_info_t *info = mbedtls_cipher_info_from_type(cs->cipher);
    if (!info || cs->cipher == MBEDTLS_CIPHER_NULL || (cs->flags & MBEDTLS_CIPHERSUITE_WEAK) ||
        info->type == MBEDTLS_CIPHER_ARC4_128 || info->type == MBEDTLS_CIPHER_DES_CBC ||
        info->type == MBEDTLS_CIPHER_DES_EDE_CBC || info->type == MBEDTLS_CIPHER_DES_EDE3_CBC ||
        info->key_bitlen < 128 || strstr(cs->name, "EXPORT"))
        return "weak";
    int aead = info->mode == MBEDTLS_MODE_GCM || info->mode == MBEDTLS_MODE_CCM ||
               info->mode == MBEDTLS_MODE_CHACHAPOLY;
    if (!aead && cs->mac == MBEDTLS_MD_SHA1)
        return "weak";
    int forward = cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_RSA ||
                  cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA ||
                  cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_PSK ||
                  cs->key_exchange == MBEDTLS_KEY_EXCHANGE_DHE_RSA ||
                  cs->key_exchange == MBEDTLS_KEY_EXCHANGE_DHE_PSK;
    return aead && forward && !(cs->flags & MBEDTLS_CIPHERSUITE_SHORT_TAG) ? "strong" : "medium";
}

/* SQL tls_suite(cipher, cipher_name, version, what): what 0 the suite's name (the
 * scanner's, else mbedTLS's, else "unknown (0x1301)"), 1 its strength. */
static void sql_tls_suite(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int known = sqlite3_value_type(argv[0]) == SQLITE_INTEGER;
    int id = sqlite3_value_int(argv[0]);
    const char *given = (const char *)sqlite3_value_text(argv[1]);
    const char *version = (const char *)sqlite3_value_text(argv[2]);
    const mbedtls_ssl_ciphersuite_t *cs = known ? mbedtls_ssl_ciphersuite_from_id(id) : NULL;
    if (sqlite3_value_int(argv[3]) == 1) {
        sqlite3_result_text(ctx, suite_strength(cs, version), -1,
                            SQLITE_STATIC);
    } else if (given) {
        sqlite3_result_text(ctx, given, -1, SQLITE_TRANSIENT);
    } else if (cs) {
        sqlite3_result_text(ctx, cs->name, -1, SQLITE_STATIC);
    } else {
        char text[32];
        if (known)
            snprintf(text, sizeof(text), "unknown (0x%04x)", (unsigned)id & 0xffff);
        else
            snprintf(text, sizeof(text), "unknown");
        sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
    }
}

static enum tally_error tls_versions_run(struct store *store, const struct filters *f,
                                         struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    strbuf_init(&sql);
    sqlite3_create_function(store_db(store), "tls_suite", 4,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_tls_suite, NULL, NULL);
    /* A service's one answer per import; a service seen answering differently counts for
     * each (version, cipher) it chose. The services are counted per suite first, each as
     * one integer where it is IPv4 (a text key costs three times as much at 10 M), and the
     * suites then rated and summed. */
    strbuf_addstr(&sql, "SELECT version, tls_suite(cipher, cipher_name, version, 1) AS strength, "
                  "tls_suite(cipher, cipher_name, version, 0) AS suite, SUM(n) AS services "
                  "FROM (SELECT version, cipher, cipher_name, COUNT(DISTINCT CASE WHEN ip4 IS "
                  "NULL OR proto NOT IN ('tcp', 'udp') THEN addr || '/' || proto || '/' || "
                  "port ELSE (ip4 * 65536 + port) * 2 + (proto = 'udp') END) AS n "
                  "FROM tls_service WHERE 1 = 1");
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    if (f->cert) {
        strbuf_addstr(&sql, " AND (addr, proto, port) IN (SELECT addr, proto, port");
        sql_cert_services(store, f, &sql);
        strbuf_addstr(&sql, ")");
    }
    strbuf_addstr(&sql, " GROUP BY version, cipher, cipher_name) GROUP BY version, strength, "
                  "suite ORDER BY version DESC, "
                  "services DESC, suite");
    *out = table_new("tls-versions", "TLS versions and cipher suites: services per pair");
    table_add_column(*out, "version", COLUMN_TEXT);
    table_add_column(*out, "strength", COLUMN_TEXT);
    table_add_column(*out, "cipher", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    enum tally_error err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

static int tls_versions_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM tls_service LIMIT 1");
}

const struct analysis analysis_tls_versions = {
    .name = "tls-versions",
    .title = "TLS versions and cipher suites the services chose, and their strength",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_CERT,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "TLS version", .y_title = "Services",
               .category_col = 0, .series_col = 1, .value_col = 3 },
    .run = tls_versions_run,
    .has_data = tls_versions_has_data,
    .source_table = "tls_service",
    .time_col = "seen",
};
