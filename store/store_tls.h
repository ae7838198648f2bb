/* store_tls.h: what a capture's TLS handshakes say about their clients (store_tls.c): one
 * row per TLS connection, with the ClientHello's name, versions, ALPN and fingerprints and
 * the server's answer. Part of store.h; include that instead. */
#ifndef TALLY_STORE_TLS_H
#define TALLY_STORE_TLS_H

/* One TLS connection seen in a capture. Texts may be NULL (not seen); cipher -1 when the
 * ServerHello was not seen. */
struct tls_client_record {
    int64_t seen;               /* unix seconds of its first hello */
    struct ip_addr client, server;
    unsigned client_port, port; /* port: the server's */
    const char *sni;            /* server_name, control bytes and '\\' escaped as \DDD */
    const char *versions;       /* offered: "TLS/1.3;TLS/1.2" */
    const char *alpn;           /* offered protocols, ';'-separated */
    const char *ja3, *ja3_string, *ja4;
    const char *version;        /* chosen: "TLS/1.2", ... */
    int cipher;
    const char *ja3s;
    const char *cert_sha256;    /* the server's certificate (TLS 1.2 and earlier) */
};
enum tally_error store_add_tls_client(struct store *store, const struct tls_client_record *rec);

#endif
