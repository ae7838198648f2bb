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

/* One certificate as certs counts it: the services presenting it, the last time one did
 * (its import's time where the scan gave none), and what the certificate table says. */
struct cert_count {
    char sha256[65];
    uint64_t leading;           /* its first 8 bytes, to order by before sha256 */
    uint32_t index;             /* its place in struct cert_counts' list */
    size_t services;
    int64_t seen;
    int has_seen;
    int found;                  /* the certificate table has it */
    const char *subject_cn, *issuer_cn, *not_after, *key;     /* kept by the table */
    int self_signed;            /* -1: NULL */
    int unparsed;
};

/* The certificates the filters select, by fingerprint and in a list, and the texts their
 * fields give: each text once, kept by the table certs fills (issuers, keys and dates
 * repeat across thousands of certificates). */
struct cert_counts {
    GHashTable *by_sha256;      /* sha256 -> struct cert_count */
    struct cert_count **list;
    size_t n, alloc;
    struct table *table;
    GHashTable *texts;          /* text -> the table's kept copy */
};

/* A service presenting a certificate: the certificate's index, and the service as a
 * number (an IPv4 TCP or UDP service packed; any other, the number its text was given,
 * with the top bit set). */
struct presenting {
    uint32_t cert;
    uint64_t service;
};

static int presenting_order(const void *a, const void *b)
{
    const struct presenting *x = a, *y = b;
    if (x->cert != y->cert)
        return x->cert < y->cert ? -1 : 1;
    return x->service < y->service ? -1 : x->service > y->service;
}

/* Most services first, then by fingerprint. */
static int by_services(const void *a, const void *b)
{
    const struct cert_count *x = *(const struct cert_count *const *)a;
    const struct cert_count *y = *(const struct cert_count *const *)b;
    if (x->services != y->services)
        return x->services > y->services ? -1 : 1;
    if (x->leading != y->leading)
        return x->leading < y->leading ? -1 : 1;
    return strcmp(x->sha256, y->sha256);
}

static void cert_counts_free(struct cert_counts *counts)
{
    g_hash_table_destroy(counts->by_sha256);
    g_hash_table_destroy(counts->texts);
    for (size_t i = 0; i < counts->n; i++)
        free(counts->list[i]);
    free(counts->list);
}

static struct cert_count *cert_count_of(struct cert_counts *counts, const char *sha256)
{
    struct cert_count *c = g_hash_table_lookup(counts->by_sha256, sha256);
    if (c)
        return c;
    c = xcalloc(1, sizeof(*c));
    snprintf(c->sha256, sizeof(c->sha256), "%s", sha256);
    /* Its first 8 bytes, big-endian: they order as strcmp() orders them. */
    for (int i = 0, end = 0; i < 8; i++) {
        end = end || !c->sha256[i];
        c->leading = c->leading << 8 | (end ? 0 : (unsigned char)c->sha256[i]);
    }
    c->self_signed = -1;
    if (counts->n == counts->alloc) {
        counts->alloc = counts->alloc ? 2 * counts->alloc : 1024;
        counts->list = xrealloc(counts->list, counts->alloc * sizeof(*counts->list));
    }
    c->index = (uint32_t)counts->n;
    counts->list[counts->n++] = c;
    g_hash_table_insert(counts->by_sha256, c->sha256, c);
    return c;
}

/* Adds services to the count of the certificate in column 0 of a row, and its seen
 * (column seen_col, NULL: not known) to when one was last seen. NULL: the row names none. */
static struct cert_count *count_row(struct cert_counts *counts, sqlite3_stmt *stmt,
                                    size_t services, int seen_col)
{
    const char *sha256 = (const char *)sqlite3_column_text(stmt, 0);
    if (!sha256)
        return NULL;
    struct cert_count *c = cert_count_of(counts, sha256);
    c->services += services;
    if (sqlite3_column_type(stmt, seen_col) != SQLITE_NULL) {
        int64_t seen = sqlite3_column_int64(stmt, seen_col);
        if (!c->has_seen || seen > c->seen)
            c->seen = seen;
        c->has_seen = 1;
    }
    return c;
}

/* The service of a row whose columns 1 to 4 are ip4, proto, port and addr, as a number;
 * other numbers the texts of the services that are not IPv4 TCP or UDP. */
static uint64_t service_number(sqlite3_stmt *stmt, GHashTable *other)
{
    const char *proto = (const char *)sqlite3_column_text(stmt, 2);
    int port = sqlite3_column_int(stmt, 3);
    int udp = proto && strcmp(proto, "udp") == 0;
    if (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER && port >= 0 && port <= 65535 &&
        (udp || (proto && strcmp(proto, "tcp") == 0))) {
        uint64_t ip4 = (uint64_t)sqlite3_column_int64(stmt, 1) & 0xffffffffu;
        return ip4 << 17 | (uint64_t)port << 1 | (uint64_t)udp;
    }
    const char *addr = (const char *)sqlite3_column_text(stmt, 4);
    char *text = xasprintf("%s/%s/%d", addr ? addr : "", proto ? proto : "", port);
    gpointer id = g_hash_table_lookup(other, text);
    if (id) {
        free(text);
    } else {
        id = GSIZE_TO_POINTER(g_hash_table_size(other) + 1);
        g_hash_table_insert(other, text, id);
    }
    return (uint64_t)1 << 63 | (uint64_t)GPOINTER_TO_SIZE(id);
}

/* Counts the services presenting each certificate the filters select, a service once
 * however many imports saw it, and the last time one was. It is done here rather than in
 * SQL: a GROUP BY over the services and a join to the certificate rows (their DER among
 * them) took four times as long at 10 million observations. */
static enum tally_error count_cert_services(struct store *store, const struct filters *f,
                                            struct cert_counts *counts,
                                            struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    GHashTable *other = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    struct presenting *links = NULL;
    size_t nlinks = 0, alloc = 0;
    int64_t first_source = 0;
    int several_sources = 0;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT sha256, ip4, proto, port, addr, COALESCE(seen, (SELECT "
                  "CAST(strftime('%s', imported_at) AS INTEGER) FROM source WHERE source.id = "
                  "cert_service.source_id)), source_id");
    sql_cert_services(store, f, &sql);
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the services presenting certificates");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct cert_count *c = count_row(counts, stmt, 1, 5);
        if (!c)
            continue;
        if (nlinks == 0)
            first_source = sqlite3_column_int64(stmt, 6);
        else if (sqlite3_column_int64(stmt, 6) != first_source)
            several_sources = 1;
        if (nlinks == alloc) {
            alloc = alloc ? 2 * alloc : 4096;
            links = xrealloc(links, alloc * sizeof(*links));
        }
        links[nlinks++] = (struct presenting){ c->index, service_number(stmt, other) };
    }
    if (rc != SQLITE_DONE) {
        err = store_fail(store, diag, "cannot read the services presenting certificates");
        goto done;
    }
    /* An import links a service to a certificate once (cert_service's UNIQUE): the same
     * pair twice is the same service seen by two imports. */
    if (!several_sources)
        goto done;
    xqsort(links, nlinks, sizeof(*links), presenting_order);
    for (size_t i = 0; i < counts->n; i++)
        counts->list[i]->services = 0;
    for (size_t i = 0; i < nlinks; i++)
        if (i == 0 || links[i].cert != links[i - 1].cert ||
            links[i].service != links[i - 1].service)
            counts->list[links[i].cert]->services++;

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    g_hash_table_destroy(other);
    free(links);
    return err;
}

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

/* Counts from the imports' summaries (cert_count, one row per certificate and port) when
 * the links the filters select are one import's: it links a service once, so no service
 * is counted twice. *done: they were (else count_cert_services() reads the links). */
static enum tally_error count_from_summary(struct store *store, const struct filters *f,
                                           struct cert_counts *counts, int *done,
                                           struct tally_diag *diag)
{
    struct strbuf where, sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err;
    int rc, one = 0;
    *done = 0;
    strbuf_init(&where);
    strbuf_init(&sql);
    strbuf_addstr(&where, " FROM cert_count WHERE 1");
    filters_sql_ports(f, &where, "port", "proto");
    filters_sql_source(f, &where, "source_id");
    sql_cert(store, f, &where, "sha256");
    err = one_import(store, f, where.buf, &one, diag);
    if (err || !one)
        goto done;
    strbuf_addf(&sql, "SELECT sha256, services, last_seen%s", where.buf);
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK)
        goto fail;
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        count_row(counts, stmt, (size_t)sqlite3_column_int64(stmt, 1), 2);
    if (rc != SQLITE_DONE)
        goto fail;
    *done = 1;
    goto done;

fail:
    err = store_fail(store, diag, "cannot read the services presenting certificates");
done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    strbuf_release(&where);
    return err;
}

/* text as the table keeps it, once; NULL for NULL. */
static const char *kept_text(struct cert_counts *counts, const char *text)
{
    if (!text)
        return NULL;
    const char *kept = g_hash_table_lookup(counts->texts, text);
    if (!kept) {
        /* Shown repaired where it is not UTF-8; found by the text as stored. */
        kept = table_keep_text(counts->table, text);
        g_hash_table_insert(counts->texts, xstrdup(text), (gpointer)kept);
    }
    return kept;
}

/* What certs shows of a certificate, from the certificate table. */
#define CERT_COLUMNS "sha256, subject_cn, issuer_cn, self_signed, not_after, key_type, " \
                     "key_bits, error"

/* Takes c's fields from a row of CERT_COLUMNS. */
static void cert_fill(struct cert_counts *counts, struct cert_count *c, sqlite3_stmt *stmt)
{
    c->found = 1;
    c->subject_cn = kept_text(counts, (const char *)sqlite3_column_text(stmt, 1));
    c->issuer_cn = kept_text(counts, (const char *)sqlite3_column_text(stmt, 2));
    c->self_signed = sqlite3_column_type(stmt, 3) == SQLITE_NULL ? -1
                                                                  : sqlite3_column_int(stmt, 3);
    c->not_after = kept_text(counts, (const char *)sqlite3_column_text(stmt, 4));
    /* As SQL's key_type || ' ' || key_bits: NULL when either is. */
    if (sqlite3_column_type(stmt, 5) != SQLITE_NULL &&
        sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
        char *key = xasprintf("%s %s", (const char *)sqlite3_column_text(stmt, 5),
                              (const char *)sqlite3_column_text(stmt, 6));
        c->key = kept_text(counts, key);
        free(key);
    }
    c->unparsed = sqlite3_column_type(stmt, 7) != SQLITE_NULL;
}

/* Reads what the certificate table says of the counted certificates, through its index
 * certificate_shown, when most of them are wanted; else prepares *lookup, with which
 * cert_fetch() looks each one up as it is shown. */
static enum tally_error certs_read(struct store *store, struct cert_counts *counts,
                                   size_t wanted, sqlite3_stmt **lookup,
                                   struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    int64_t rows = 0;
    int rc;
    /* The largest rowid, about the number of certificates, without counting them. */
    if (sqlite3_prepare_v2(store_db(store), "SELECT MAX(rowid) FROM certificate", -1, &stmt,
                           NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        rows = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    /* A lookup costs about ten rows read in order. */
    if ((int64_t)wanted * 10 < rows) {
        if (sqlite3_prepare_v2(store_db(store), "SELECT " CERT_COLUMNS " FROM certificate "
                               "WHERE sha256 = ?", -1, lookup, NULL) != SQLITE_OK)
            return store_fail(store, diag, "cannot read the certificates");
        return TALLY_OK;
    }
    if (sqlite3_prepare_v2(store_db(store), "SELECT " CERT_COLUMNS " FROM certificate", -1,
                           &stmt, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot read the certificates");
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *sha256 = (const char *)sqlite3_column_text(stmt, 0);
        struct cert_count *c = sha256 ? g_hash_table_lookup(counts->by_sha256, sha256) : NULL;
        if (c && !c->found)
            cert_fill(counts, c, stmt);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? TALLY_OK : store_fail(store, diag, "cannot read the certificates");
}

/* Looks c up with the statement certs_read() made, if it made one; whether the
 * certificate table has it. */
static int cert_fetch(struct cert_counts *counts, struct cert_count *c, sqlite3_stmt *lookup)
{
    if (lookup && !c->found) {
        sqlite3_reset(lookup);
        sqlite3_bind_text(lookup, 1, c->sha256, -1, SQLITE_STATIC);
        if (sqlite3_step(lookup) == SQLITE_ROW)
            cert_fill(counts, c, lookup);
    }
    return c->found;
}

/* expired when its not-after came before the last time a service presented it. */
static const char *cert_status(const struct cert_count *c)
{
    char seen[32] = "";
    if (c->unparsed)
        return "unparsed";
    if (c->has_seen) {
        time_t when = (time_t)c->seen;
        struct tm tm;
        /* A time past the year 9999 (or before 0) has no ISO-8601 form to compare with
         * not_after's: it makes no certificate expired. */
        if (gmtime_r(&when, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900)
            strftime(seen, sizeof(seen), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (c->not_after && seen[0] && strcmp(c->not_after, seen) < 0)
        return "expired";
    return c->self_signed > 0 ? "self-signed" : "CA-issued";
}

static enum tally_error certs_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct cert_counts counts = { .by_sha256 = g_hash_table_new(g_str_hash, g_str_equal),
                                  .texts = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                                 free, NULL) };
    sqlite3_stmt *lookup = NULL;
    *out = counts.table = table_new("certs", "Certificates: services presenting each");
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
    int counted = 0;
    enum tally_error err = count_from_summary(store, f, &counts, &counted, diag);
    if (!err && !counted)
        err = count_cert_services(store, f, &counts, diag);
    if (err != TALLY_OK)
        goto done;
    xqsort(counts.list, counts.n, sizeof(*counts.list), by_services);
    /* By default every certificate. */
    size_t wanted = f->top > 0 && (size_t)f->top < counts.n ? (size_t)f->top : counts.n;
    err = certs_read(store, &counts, wanted, &lookup, diag);
    for (size_t i = 0, rows = 0; err == TALLY_OK && i < counts.n && rows < wanted; i++) {
        struct cert_count *c = counts.list[i];
        if (!cert_fetch(&counts, c, lookup))
            continue;
        size_t row = table_add_row(*out);
        rows++;
        table_set_text(*out, row, 0, c->sha256);
        if (c->subject_cn)
            table_set_kept_text(*out, row, 1, c->subject_cn);
        if (c->issuer_cn)
            table_set_kept_text(*out, row, 2, c->issuer_cn);
        if (c->self_signed >= 0)
            table_set_int(*out, row, 3, c->self_signed);
        if (c->not_after)
            table_set_kept_text(*out, row, 4, c->not_after);
        if (c->key)
            table_set_kept_text(*out, row, 5, c->key);
        table_set_int(*out, row, 6, (int64_t)c->services);
        table_set_kept_text(*out, row, 7, kept_text(&counts, cert_status(c)));
    }

done:
    sqlite3_finalize(lookup);
    cert_counts_free(&counts);
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
