/* store_cert.h: certificates and TLS sessions an import hands the store (store_cert.c):
 * each distinct certificate once, keyed by its SHA-256, and the services that presented
 * it. Part of store.h; include that instead. */
#ifndef TALLY_STORE_CERT_H
#define TALLY_STORE_CERT_H

/* A service that presented a certificate. */
struct cert_link {
    struct ip_addr addr;
    const char *proto;          /* "tcp", "udp" */
    unsigned port;
    int64_t seen;               /* unix seconds, 0 when unknown */
    int chain;                  /* 0: the service's own certificate; 1, 2, ...: the
                                 * certificates of the chain it sent after it */
};

/* One certificate: its DER and what cert_parse() (importers/cert.c) read in it. Texts may
 * be NULL; when error is set the certificate did not parse and only sha256 and der count. */
struct cert_record {
    const char *sha256;         /* lower-case hex */
    const unsigned char *der;
    size_t len;
    const char *subject, *issuer, *subject_cn, *issuer_cn, *san_dns, *san_ip;
    const char *not_before, *not_after;     /* ISO-8601 UTC */
    int self_signed;
    const char *key_type;
    int key_bits;
    const char *sig_alg;
    const char *error;
};

/* Whether the import under way stored the certificate with this fingerprint already. */
int store_cert_known(struct store *store, const char *sha256);
/* Stores a certificate unless the database holds it (counted as "certificate", or
 * "bad-certificate" when it did not parse). */
enum tally_error store_add_certificate(struct store *store, const struct cert_record *rec);
/* Links a service to the certificate sha256 (stored before by store_add_certificate). */
enum tally_error store_link_certificate(struct store *store, const char *sha256,
                                        const struct cert_link *link);

/* A service's TLS session: the version and cipher suite it chose. */
struct tls_record {
    struct ip_addr addr;
    const char *proto;
    unsigned port;
    const char *version;        /* "TLS/1.2", "SSLv3", ... as masscan writes them */
    int cipher;                 /* the cipher suite's number, -1 when unknown */
    const char *cipher_name;    /* its name when the scanner gave one, else NULL */
    int64_t seen;
};
enum tally_error store_add_tls(struct store *store, const struct tls_record *rec);

#endif
