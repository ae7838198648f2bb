/* scan_certs.c: what the certificate tables tell (store/store_cert.c): `certs`, one row per
 * certificate with the services presenting it and its status (expired, self-signed,
 * CA-issued); `tls-versions`, services by negotiated TLS version, cipher suite (named by
 * mbedTLS's table) and its strength; and the --cert filter (a subject CN or subjectAltName DNS glob, or a
 * fingerprint prefix) as the host-set analyses (ports, subnets, ...) apply it. */
#include "analyzer/analyzer.h"

#include <ctype.h>
#include <fnmatch.h>
#include <glib.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Whether the rows of an import summary (cert_count, tls_count) that `where` (" FROM
 * table WHERE ...") selects are one import's at most: a service is then in them once. */
static enum tally_error one_import(struct store *store, const struct filters *f,
                                   const char *where, int *one, struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    char *sql = xasprintf("SELECT COUNT(DISTINCT source_id)%s", where);
    int ok = sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK;
    if (ok)
        filters_bind(stmt, f);
    ok = ok && sqlite3_step(stmt) == SQLITE_ROW;
    *one = ok && sqlite3_column_int64(stmt, 0) <= 1;
    sqlite3_finalize(stmt);
    free(sql);
    return ok ? TALLY_OK : store_fail(store, diag, "cannot read the import summaries");
}

/* Texts kept once for the certs table, at most this many: issuers, key sizes and dates
 * repeat across thousands of certificates. Past them a text is copied into its cell, so
 * that a table written as it is filled holds no more whatever the number of certificates. */
#define CERTS_KEPT_TEXTS 65536

/* The certs table being filled, and the texts it keeps (text -> the table's copy). */
struct certs_fill {
    struct table *table;
    GHashTable *texts;
};

/* Sets a text cell, to a kept copy where the text was kept or there is room to keep it. */
static void certs_set_text(struct certs_fill *fill, size_t row, int col, const char *text)
{
    if (!text)
        return;
    const char *kept = g_hash_table_lookup(fill->texts, text);
    if (!kept && g_hash_table_size(fill->texts) < CERTS_KEPT_TEXTS) {
        /* Shown repaired where it is not UTF-8; found by the text as stored. */
        kept = table_keep_text(fill->table, text);
        g_hash_table_insert(fill->texts, xstrdup(text), (gpointer)kept);
    }
    if (kept)
        table_set_kept_text(fill->table, row, col, kept);
    else
        table_set_text(fill->table, row, col, text);
}

/* The columns certs_sql() selects: the certificate, how many services present it and the
 * last time one did (its import's time where the scan gave none), then what the
 * certificate table says of it. */
enum { CERT_SHA256, CERT_SERVICES, CERT_SEEN, CERT_SUBJECT, CERT_ISSUER, CERT_SELF_SIGNED,
       CERT_NOT_AFTER, CERT_KEY_TYPE, CERT_KEY_BITS, CERT_ERROR };

/* The certificates the filters select, most services first, then by fingerprint. A
 * service counts once however many imports saw it: one import's counts are summed from its
 * summary (cert_count, a row per certificate and port); several imports' are counted from
 * the links through their unique index, which holds all a count needs, with the last time
 * a service was seen from the summaries. SQLite groups and orders, spilling to a file past
 * its cache, so memory stays flat however many certificates there are; the certificate
 * fields come from the covering index certificate_shown, not the rows with their DER. */
static enum tally_error certs_sql(struct store *store, const struct filters *f,
                                  struct strbuf *sql, struct tally_diag *diag)
{
    struct strbuf where;
    int one = 0;
    strbuf_init(&where);
    strbuf_addstr(&where, " FROM cert_count WHERE 1");
    filters_sql_ports(f, &where, "port", "proto");
    filters_sql_source(f, &where, "source_id");
    sql_cert(store, f, &where, "sha256");
    enum tally_error err = one_import(store, f, where.buf, &one, diag);
    strbuf_addstr(sql, "SELECT counted.sha256, services, seen, subject_cn, issuer_cn, "
                  "self_signed, not_after, key_type, key_bits, error FROM ");
    if (one) {
        strbuf_addf(sql, "(SELECT sha256, SUM(services) AS services, MAX(last_seen) AS seen%s "
                    "GROUP BY sha256) AS counted", where.buf);
    } else {
        strbuf_addstr(sql, "(SELECT sha256, COUNT(DISTINCT addr || '/' || proto || '/' || "
                      "port) AS services");
        sql_cert_services(store, f, sql);
        strbuf_addf(sql, " GROUP BY sha256) AS counted JOIN (SELECT sha256, MAX(last_seen) "
                    "AS seen%s GROUP BY sha256) AS latest ON latest.sha256 = counted.sha256",
                    where.buf);
    }
    strbuf_addstr(sql, " JOIN certificate INDEXED BY certificate_shown ON certificate.sha256 "
                  "= counted.sha256 ORDER BY services DESC, counted.sha256");
    if (f->top > 0)
        strbuf_addf(sql, " LIMIT %d", f->top);
    strbuf_release(&where);
    return err;
}

/* expired when its not-after came before the last time a service presented it. */
static const char *cert_status(sqlite3_stmt *row)
{
    char seen[32] = "";
    const char *not_after = (const char *)sqlite3_column_text(row, CERT_NOT_AFTER);
    if (sqlite3_column_type(row, CERT_ERROR) != SQLITE_NULL)
        return "unparsed";
    if (sqlite3_column_type(row, CERT_SEEN) != SQLITE_NULL) {
        time_t when = (time_t)sqlite3_column_int64(row, CERT_SEEN);
        struct tm tm;
        /* A time past the year 9999 (or before 0) has no ISO-8601 form to compare with
         * not_after's: it makes no certificate expired. */
        if (gmtime_r(&when, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900)
            strftime(seen, sizeof(seen), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (not_after && seen[0] && strcmp(not_after, seen) < 0)
        return "expired";
    return sqlite3_column_type(row, CERT_SELF_SIGNED) != SQLITE_NULL &&
                   sqlite3_column_int(row, CERT_SELF_SIGNED) > 0
               ? "self-signed" : "CA-issued";
}

/* Adds the certificate of a row of certs_sql() to the table. */
static void certs_add_row(struct certs_fill *fill, sqlite3_stmt *stmt)
{
    struct table *t = fill->table;
    size_t row = table_add_row(t);
    table_set_text(t, row, 0, (const char *)sqlite3_column_text(stmt, CERT_SHA256));
    certs_set_text(fill, row, 1, (const char *)sqlite3_column_text(stmt, CERT_SUBJECT));
    certs_set_text(fill, row, 2, (const char *)sqlite3_column_text(stmt, CERT_ISSUER));
    if (sqlite3_column_type(stmt, CERT_SELF_SIGNED) != SQLITE_NULL)
        table_set_int(t, row, 3, sqlite3_column_int(stmt, CERT_SELF_SIGNED));
    certs_set_text(fill, row, 4, (const char *)sqlite3_column_text(stmt, CERT_NOT_AFTER));
    /* As SQL's key_type || ' ' || key_bits: NULL when either is. */
    if (sqlite3_column_type(stmt, CERT_KEY_TYPE) != SQLITE_NULL &&
        sqlite3_column_type(stmt, CERT_KEY_BITS) != SQLITE_NULL) {
        char *key = xasprintf("%s %s", (const char *)sqlite3_column_text(stmt, CERT_KEY_TYPE),
                              (const char *)sqlite3_column_text(stmt, CERT_KEY_BITS));
        certs_set_text(fill, row, 5, key);
        free(key);
    }
    table_set_int(t, row, 6, sqlite3_column_int64(stmt, CERT_SERVICES));
    certs_set_text(fill, row, 7, cert_status(stmt));
}

/* The widest each cell of certs can be, so that a terminal table of millions of
 * certificates is written as they come (render.h: table_set_widest): the texts as wide as
 * a table shows any, the counts as the first row's, which is the most. */
static void certs_widest(struct table *t, int64_t most)
{
    char text[32];
    format_thousands(most, text, sizeof(text));
    for (int col = 0; col < t->ncols; col++)
        table_set_widest(t, col, TABLE_CELL_MAX);
    table_set_widest(t, 3, 1);
    table_set_widest(t, 6, (long)strlen(text));
    table_set_widest(t, 7, (long)strlen("self-signed"));
}

/* SQLite lets each sorter hold as much as its page cache may (PRAGMA cache_size) before
 * it writes to a file; certs sorts every certificate twice (to count, then to order) and
 * reads the certificate index in the order it counts, so it asks for a cache of
 * CERTS_CACHE_KIB while it runs and gives the store's back after. */
#define CERTS_CACHE_KIB 16384

/* The connection's cache_size, or 0 where it cannot be read. */
static int64_t cache_size(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int64_t size = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        size = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return size;
}

static void set_cache_size(sqlite3 *db, int64_t size)
{
    char *sql = xasprintf("PRAGMA cache_size = %lld", (long long)size);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    free(sql);
}

static enum tally_error certs_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct certs_fill fill = { .texts = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                                               NULL) };
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    int rc;
    strbuf_init(&sql);
    *out = fill.table = table_new("certs", "Certificates: services presenting each");
    table_add_column(*out, "sha256", COLUMN_TEXT);
    table_add_column(*out, "subject_cn", COLUMN_TEXT);
    table_add_column(*out, "issuer_cn", COLUMN_TEXT);
    table_add_column(*out, "self_signed", COLUMN_INTEGER);
    table_add_column(*out, "not_after", COLUMN_TEXT);
    table_add_column(*out, "key", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    /* Its name makes the horizontal bar chart colour the bars by it. */
    table_add_column(*out, "status", COLUMN_TEXT);
    table_stream_rows(*out, f->stream);         /* the rows come in order: final once added */
    enum tally_error err = certs_sql(store, f, &sql, diag);
    if (err)
        goto done;
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK)
        goto fail;
    filters_bind(stmt, f);
    int64_t store_cache = cache_size(store_db(store));
    if (store_cache)
        set_cache_size(store_db(store), -CERTS_CACHE_KIB);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        certs_add_row(&fill, stmt);
        if ((*out)->nrows == 1)
            certs_widest(*out, sqlite3_column_int64(stmt, CERT_SERVICES));
    }
    if (store_cache)
        set_cache_size(store_db(store), store_cache);
    if (rc == SQLITE_DONE)
        goto done;

fail:
    err = store_fail(store, diag, "cannot read the services presenting certificates");
done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    g_hash_table_destroy(fill.texts);
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
    .source_table = "cert_count",
    .time_col = "first_seen",
    .time_last_col = "last_seen",
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

/* The services' suites from their rows: a service's one answer per import; a service
 * seen answering differently counts for each (version, cipher) it chose. The services are
 * counted per suite first, each as one integer where it is IPv4 (a text key costs three
 * times as much at 10 M), and the suites then rated and summed. */
static void tls_versions_sql(struct store *store, const struct filters *f, struct strbuf *sql)
{
    strbuf_addstr(sql, "SELECT version, tls_suite(cipher, cipher_name, version, 1) AS strength, "
                  "tls_suite(cipher, cipher_name, version, 0) AS suite, SUM(n) AS services "
                  "FROM (SELECT version, cipher, cipher_name, COUNT(DISTINCT CASE WHEN ip4 IS "
                  "NULL OR proto NOT IN ('tcp', 'udp') THEN addr || '/' || proto || '/' || "
                  "port ELSE (ip4 * 65536 + port) * 2 + (proto = 'udp') END) AS n "
                  "FROM tls_service WHERE 1 = 1");
    filters_sql_ports(f, sql, "port", "proto");
    filters_sql_source(f, sql, "source_id");
    if (f->cert) {
        strbuf_addstr(sql, " AND (addr, proto, port) IN (SELECT addr, proto, port");
        sql_cert_services(store, f, sql);
        strbuf_addstr(sql, ")");
    }
    strbuf_addstr(sql, " GROUP BY version, cipher, cipher_name) GROUP BY version, strength, "
                  "suite");
}

static enum tally_error tls_versions_run(struct store *store, const struct filters *f,
                                         struct table **out, struct tally_diag *diag)
{
    struct strbuf where, sql;
    int one = 0;
    strbuf_init(&where);
    strbuf_init(&sql);
    sqlite3_create_function(store_db(store), "tls_suite", 4,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_tls_suite, NULL, NULL);
    /* One import's services, without --cert: its counts per port and suite (tls_count),
     * rated and summed; else the rows. */
    strbuf_addstr(&where, " FROM tls_count WHERE 1");
    filters_sql_ports(f, &where, "port", "proto");
    filters_sql_source(f, &where, "source_id");
    enum tally_error err = f->cert ? TALLY_OK : one_import(store, f, where.buf, &one, diag);
    if (err)
        goto done;
    if (one)
        strbuf_addf(&sql, "SELECT version, tls_suite(cipher, cipher_name, version, 1) AS "
                    "strength, tls_suite(cipher, cipher_name, version, 0) AS suite, "
                    "SUM(services) AS services%s GROUP BY version, strength, suite", where.buf);
    else
        tls_versions_sql(store, f, &sql);
    strbuf_addstr(&sql, " ORDER BY version DESC, services DESC, suite");
    *out = table_new("tls-versions", "TLS versions and cipher suites: services per pair");
    table_add_column(*out, "version", COLUMN_TEXT);
    table_add_column(*out, "strength", COLUMN_TEXT);
    table_add_column(*out, "cipher", COLUMN_TEXT);
    table_add_column(*out, "services", COLUMN_INTEGER);
    err = query_into_table(store, sql.buf, f, *out, diag);

done:
    strbuf_release(&sql);
    strbuf_release(&where);
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
    .source_table = "tls_count",
    .time_col = "first_seen",
    .time_last_col = "last_seen",
};
