/* cert.c: X.509 certificates read with mbedTLS (names, subjectAltName, validity, whether it
 * signed itself, key, signature algorithm, SHA-256 of the DER), stored once per import and
 * linked to the services that presented them; and masscan's ssl banner (TLS version and
 * cipher). Every importer that meets a certificate calls import_certificate(). */
#include "importers/cert.h"

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_MAX_DER (1u << 20)         /* no real certificate comes near 1 MiB */

void cert_sha256_hex(const unsigned char *data, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof(digest), digest);
    hex_encode(digest, sizeof(digest), out);
}

void cert_info_release(struct cert_info *info)
{
    if (!info)
        return;
    free(info->subject);
    free(info->issuer);
    free(info->subject_cn);
    free(info->issuer_cn);
    free(info->san_dns);
    free(info->san_ip);
    free(info->sig_alg);
    free(info->error);
    memset(info, 0, sizeof(*info));
}

/* A name's value as UTF-8: BMPString is UTF-16 big-endian (its BMP half), the other string
 * types are taken as UTF-8, repaired where they are not. */
static void add_value(struct strbuf *sb, const mbedtls_x509_buf *val)
{
    if (val->tag == MBEDTLS_ASN1_BMP_STRING) {
        struct strbuf raw;
        strbuf_init(&raw);
        for (size_t i = 0; i + 1 < val->len; i += 2) {
            unsigned c = (unsigned)val->p[i] << 8 | val->p[i + 1];
            if (c < 0x80) {
                strbuf_addch(&raw, (int)c);
            } else if (c < 0x800) {
                strbuf_addch(&raw, (int)(0xc0 | c >> 6));
                strbuf_addch(&raw, (int)(0x80 | (c & 0x3f)));
            } else {
                strbuf_addch(&raw, (int)(0xe0 | c >> 12));
                strbuf_addch(&raw, (int)(0x80 | (c >> 6 & 0x3f)));
                strbuf_addch(&raw, (int)(0x80 | (c & 0x3f)));
            }
        }
        char *text = utf8_repair(raw.buf ? raw.buf : "", raw.len);
        strbuf_addstr(sb, text);
        free(text);
        strbuf_release(&raw);
        return;
    }
    char *text = utf8_repair((const char *)val->p, val->len);
    strbuf_addstr(sb, text);
    free(text);
}

/* "C=US, O=Example, CN=www.example.org" (attributes of one RDN joined by " + "), and the
 * last CN into *cn. */
static char *dn_text(const mbedtls_x509_name *name, char **cn)
{
    struct strbuf sb;
    strbuf_init(&sb);
    *cn = NULL;
    int first = 1;
    for (const mbedtls_x509_name *n = name; n; n = n->next) {
        if (!n->oid.p)
            continue;
        if (!first)
            strbuf_addstr(&sb, n->next_merged ? " + " : ", ");
        first = 0;
        const char *short_name = NULL;
        if (mbedtls_oid_get_attr_short_name(&n->oid, &short_name) == 0) {
            strbuf_addstr(&sb, short_name);
        } else {
            char oid[64];
            if (mbedtls_oid_get_numeric_string(oid, sizeof(oid), &n->oid) < 0)
                snprintf(oid, sizeof(oid), "?");
            strbuf_addstr(&sb, oid);
        }
        strbuf_addch(&sb, '=');
        size_t at = sb.len;
        add_value(&sb, &n->val);
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
            free(*cn);
            *cn = xstrndup(sb.buf + at, sb.len - at);
        }
    }
    /* mbedTLS keeps an RDN's attributes in one list, next_merged on all but the last. */
    return strbuf_detach(&sb);
}

static void iso_time(const mbedtls_x509_time *t, char out[21])
{
    /* mbedTLS has checked the ranges; the casts tell the compiler the widths. */
    snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)t->year % 10000,
             (unsigned)t->mon % 100, (unsigned)t->day % 100, (unsigned)t->hour % 100,
             (unsigned)t->min % 100, (unsigned)t->sec % 100);
}

static void add_item(struct strbuf *sb, const char *text)
{
    if (sb->len)
        strbuf_addch(sb, ';');
    strbuf_addstr(sb, text);
}

/* The subjectAltName extension's DNS names and addresses (mbedTLS 2.28 keeps only the DNS
 * names, so the extension is read here with its ASN.1 reader). */
static void san_names(const mbedtls_x509_crt *crt, char **dns, char **ip)
{
    struct strbuf sd, si;
    strbuf_init(&sd);
    strbuf_init(&si);
    unsigned char *p = crt->v3_ext.p, *end = p ? p + crt->v3_ext.len : NULL;
    size_t len;
    if (!p || mbedtls_asn1_get_tag(&p, end, &len,
                                   MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
        goto done;
    end = p + len;
    while (p < end) {
        unsigned char *ext_end;
        mbedtls_x509_buf oid;
        if (mbedtls_asn1_get_tag(&p, end, &len,
                                 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            break;
        ext_end = p + len;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0)
            break;
        oid.p = p;
        p += oid.len;
        int critical;
        if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN &&
            mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0)
            break;
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) != 0 ||
            mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
            p = ext_end;
            continue;
        }
        unsigned char *q = p, *names_end;
        if (mbedtls_asn1_get_tag(&q, p + len, &len,
                                 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            break;
        names_end = q + len;
        while (q < names_end) {
            unsigned char tag = *q++;
            if (mbedtls_asn1_get_len(&q, names_end, &len) != 0)
                break;
            if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) {             /* dNSName */
                char *text = utf8_repair((const char *)q, len);
                add_item(&sd, text);
                free(text);
            } else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&     /* iPAddress */
                       (len == 4 || len == 16)) {
                struct ip_addr a = { .family = len == 4 ? 4 : 6 };
                char text[64];
                memcpy(a.bytes, q, len);
                ip_format(&a, text, sizeof(text));
                add_item(&si, text);
            }
            q += len;
        }
        p = ext_end;
    }
done:
    *dns = sd.len ? strbuf_detach(&sd) : NULL;
    *ip = si.len ? strbuf_detach(&si) : NULL;
    strbuf_release(&sd);
    strbuf_release(&si);
}

/* Whether the certificate's signature verifies with its own public key. */
static int signed_by_itself(const mbedtls_x509_crt *crt)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || mbedtls_md(md, crt->tbs.p, crt->tbs.len, hash) != 0)
        return 0;
    mbedtls_pk_context *pk = (mbedtls_pk_context *)&crt->pk;
    return mbedtls_pk_verify_ext(crt->sig_pk, crt->sig_opts, pk, crt->sig_md, hash,
                                 mbedtls_md_get_size(md), crt->sig.p, crt->sig.len) == 0;
}

/* cert_parse() of a certificate whose hash is known. */
static void parse_hashed(const unsigned char *der, size_t len, const char sha256[65],
                         struct cert_info *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->sha256, sha256, sizeof(out->sha256));
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc = len > CERT_MAX_DER ? MBEDTLS_ERR_X509_INVALID_FORMAT
                                : mbedtls_x509_crt_parse_der(&crt, der, len);
    if (rc != 0) {
        char why[200];
        mbedtls_strerror(rc, why, sizeof(why));
        out->error = xstrdup(why);
        goto done;
    }
    out->subject = dn_text(&crt.subject, &out->subject_cn);
    out->issuer = dn_text(&crt.issuer, &out->issuer_cn);
    san_names(&crt, &out->san_dns, &out->san_ip);
    iso_time(&crt.valid_from, out->not_before);
    iso_time(&crt.valid_to, out->not_after);
    out->self_signed = crt.issuer_raw.len == crt.subject_raw.len &&
                       memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.subject_raw.len) == 0 &&
                       signed_by_itself(&crt);
    snprintf(out->key_type, sizeof(out->key_type), "%s", mbedtls_pk_get_name(&crt.pk));
    out->key_bits = (int)mbedtls_pk_get_bitlen(&crt.pk);
    const char *desc = NULL;
    if (mbedtls_oid_get_sig_alg_desc(&crt.sig_oid, &desc) == 0 && desc) {
        out->sig_alg = xstrdup(desc);
    } else {
        char oid[64];
        if (mbedtls_oid_get_numeric_string(oid, sizeof(oid), &crt.sig_oid) < 0)
            snprintf(oid, sizeof(oid), "?");
        out->sig_alg = xstrdup(oid);
    }
done:
    mbedtls_x509_crt_free(&crt);
}

void cert_parse(const unsigned char *der, size_t len, struct cert_info *out)
{
    char sha256[65];
    cert_sha256_hex(der, len, sha256);
    parse_hashed(der, len, sha256, out);
}

enum tally_error import_certificate(struct import_ctx *ctx, const unsigned char *der,
                                    size_t len, const struct cert_link *link)
{
    char sha256[65];
    cert_sha256_hex(der, len, sha256);
    if (!store_cert_known(ctx->store, sha256)) {
        struct cert_info info;
        parse_hashed(der, len, sha256, &info);
        struct cert_record rec = {
            .sha256 = info.sha256, .der = der, .len = len, .subject = info.subject,
            .issuer = info.issuer, .subject_cn = info.subject_cn, .issuer_cn = info.issuer_cn,
            .san_dns = info.san_dns, .san_ip = info.san_ip, .not_before = info.not_before,
            .not_after = info.not_after, .self_signed = info.self_signed,
            .key_type = info.key_type, .key_bits = info.key_bits, .sig_alg = info.sig_alg,
            .error = info.error,
        };
        enum tally_error err = store_add_certificate(ctx->store, &rec);
        cert_info_release(&info);
        if (err)
            return err;
    }
    return store_link_certificate(ctx->store, sha256, link);
}

enum tally_error import_certificate_base64(struct import_ctx *ctx, const char *text,
                                           size_t len, const struct cert_link *link)
{
    /* Only the alphabet, in whole groups of four: masscan cuts long certificates off. */
    char *clean = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '+' || c == '/' || c == '=')
            clean[n++] = c;
    }
    n -= n % 4;
    enum tally_error err = TALLY_OK;
    uint8_t *der = xmalloc(BASE64_DECODE_LENGTH(n) + 1);
    size_t der_len = 0;
    struct base64_decode_ctx b64;
    base64_decode_init(&b64);
    if (n && base64_decode_update(&b64, &der_len, der, n, clean) &&
        base64_decode_final(&b64) && der_len)
        err = import_certificate(ctx, der, der_len, link);
    /* Text that is not base64 says nothing about a certificate. */
    free(der);
    free(clean);
    return err;
}

enum tally_error import_certificate_pem(struct import_ctx *ctx, const char *text, size_t len,
                                        const struct cert_link *link)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END";
    const char *b = memmem(text, len, begin, sizeof(begin) - 1);
    if (!b)
        return TALLY_OK;
    b += sizeof(begin) - 1;
    const char *e = memmem(b, len - (size_t)(b - text), end, sizeof(end) - 1);
    return import_certificate_base64(ctx, b, e ? (size_t)(e - b) : len - (size_t)(b - text),
                                     link);
}

enum tally_error import_ssl_banner(struct import_ctx *ctx, const struct banner_record *banner)
{
    /* "TLS/1.2 cipher:0xc02f, name, ..." (masscan 1.0: "TLS/1.2 cipher:0xc02f") */
    char *text = xstrndup((const char *)banner->data, banner->len);
    enum tally_error err = TALLY_OK;
    size_t vlen = strcspn(text, " ,");
    if (vlen && vlen < 32) {
        char version[32];
        memcpy(version, text, vlen);
        version[vlen] = '\0';
        int cipher = -1;
        const char *c = strstr(text + vlen, "cipher:0x");
        if (c) {
            char *end;
            unsigned long v = strtoul(c + 9, &end, 16);
            if (end != c + 9 && v <= 0xffff)
                cipher = (int)v;
        }
        struct tls_record rec = { .addr = banner->addr, .proto = banner->proto,
                                  .port = banner->port, .version = version,
                                  .cipher = cipher, .seen = banner->seen };
        err = store_add_tls(ctx->store, &rec);
    }
    free(text);
    return err;
}
