/* cert.h: X.509 certificates as importers meet them (cert.c): read with mbedTLS into the
 * fields the store keeps, then stored once per import and linked to the service that
 * presented them. Any importer (scans, and captures later) calls import_certificate(). */
#ifndef TALLY_IMPORTERS_CERT_H
#define TALLY_IMPORTERS_CERT_H

#include "importers/importers.h"

/* What a certificate says. Every text is valid UTF-8 (control bytes are kept: whoever shows
 * them escapes them) and owned by the struct; cert_info_release() frees them. When the DER
 * does not parse, error says why and only sha256 is set. */
struct cert_info {
    char sha256[65];            /* lower-case hex of the DER's SHA-256 */
    char *subject, *issuer;     /* "C=US, O=Example, CN=www.example.org", in DER order */
    char *subject_cn, *issuer_cn;       /* the last CN of each; NULL when none */
    char *san_dns, *san_ip;     /* subjectAltName DNS names and addresses, ';'-separated */
    char not_before[21], not_after[21]; /* ISO-8601 UTC, "2021-12-25T23:59:59Z" */
    int self_signed;            /* issuer equals subject and it verifies with its own key */
    char key_type[16];          /* "RSA", "EC", ... */
    int key_bits;
    char *sig_alg;              /* "RSA with SHA-256", ... */
    char *error;                /* NULL when it parsed */
};

/* Reads der into *out (sha256 always, the rest when mbedTLS parses it). */
void cert_parse(const unsigned char *der, size_t len, struct cert_info *out);
void cert_info_release(struct cert_info *info);
/* The SHA-256 of data as lower-case hex into out[65]. */
void cert_sha256_hex(const unsigned char *data, size_t len, char out[65]);

/* Stores the certificate der (parsed once per import: a certificate that does not parse
 * is kept raw and counted as "bad-certificate") and links the service to it. */
enum tally_error import_certificate(struct import_ctx *ctx, const unsigned char *der,
                                    size_t len, const struct cert_link *link);
/* The same for base64 text (masscan's X509 banners, zgrab2's raw, nmap's PEM without its
 * armour lines): characters outside the alphabet are skipped and a cut-off end dropped. */
enum tally_error import_certificate_base64(struct import_ctx *ctx, const char *text,
                                           size_t len, const struct cert_link *link);
/* The first "-----BEGIN CERTIFICATE-----" block of text (nmap's ssl-cert pem), if any. */
enum tally_error import_certificate_pem(struct import_ctx *ctx, const char *text, size_t len,
                                        const struct cert_link *link);
/* A masscan ssl banner ("TLS/1.2 cipher:0xc02f, name, ...") as a TLS row of the service. */
enum tally_error import_ssl_banner(struct import_ctx *ctx, const struct banner_record *banner);

#endif
