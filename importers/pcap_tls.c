/* pcap_tls.c: TLS handshakes in a capture's TCP streams, on any port (a stream is TLS when
 * it starts with a handshake record holding a hello, see pcap_stream.c): the ClientHello's
 * name, offered versions, ALPN and JA3 / JA4 fingerprints; the ServerHello's version,
 * cipher and JA3S, stored as the service's TLS session; and the server's Certificate
 * message (TLS 1.2 and earlier: TLS 1.3 encrypts it), whose certificates are stored and
 * linked to the service. Each connection becomes one tls_client row when both sides are
 * read, or when it ends. Every length on the wire is checked against what holds it, and
 * handshake messages are reassembled across records within STREAM_MAX_BYTES. */
#include "importers/pcap_internal.h"
#include "importers/cert.h"

#include <mbedtls/md.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_RECORD_MAX (16384 + 2048)   /* the longest record TLS allows (ciphertext) */
#define TLS_PENDING_MAX 65536           /* connections waiting for their other side */

enum {
    REC_CHANGE_CIPHER_SPEC = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPLICATION = 23
};
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11, HS_SERVER_DONE = 14 };
enum {
    EXT_SERVER_NAME = 0, EXT_GROUPS = 10, EXT_POINT_FORMATS = 11, EXT_SIG_ALGS = 13,
    EXT_ALPN = 16, EXT_VERSIONS = 43
};

/* One direction's handshake messages, joined from its records. */
struct tls_side {
    unsigned char *hs;
    size_t len, used;           /* bytes held, bytes of whole messages handled */
    int messages;               /* handshake messages read */
    int done;                   /* nothing more is read from this direction */
};

/* What one connection's handshake said. Texts are NULL until seen. */
struct tls_conn {
    struct flow_key key;        /* the connection's, in the originator's direction */
    int client_dir;             /* the direction that sent the ClientHello (-1: none yet) */
    int server_dir;             /* the one that sent the ServerHello */
    int64_t seen_ns;            /* the first hello */
    struct tls_side side[2];    /* by direction of the flow */
    char *sni, *versions, *alpn, *ja3, *ja3_string, *ja4;
    unsigned version;           /* chosen (0: no ServerHello) */
    int cipher;
    char *ja3s;
    char cert[65];              /* the server's certificate's SHA-256; "" none */
};

/* ---- reading bytes whose lengths come from the wire ---- */

struct reader {
    const uint8_t *p;
    size_t left;
    int bad;                    /* a read went past the end: the message is not used */
};

static unsigned get8(struct reader *r)
{
    if (r->left < 1) {
        r->bad = 1;
        r->left = 0;
        return 0;
    }
    r->left--;
    return *r->p++;
}

static unsigned get16(struct reader *r)
{
    unsigned hi = get8(r);
    return hi << 8 | get8(r);
}

/* A sub-reader over the next n bytes, which r skips. */
static struct reader take(struct reader *r, size_t n)
{
    struct reader sub = { r->p, n, 0 };
    if (n > r->left) {
        r->bad = 1;
        sub.left = r->left;
        sub.bad = 1;
        n = r->left;
    }
    r->p += n;
    r->left -= n;
    return sub;
}

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static size_t be24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* RFC 8701's reserved values: 0x0a0a, 0x1a1a, ..., 0xfafa. */
static int grease(unsigned v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

int tls_record_start(const uint8_t *data, size_t len)
{
    if (len >= 1 && data[0] != REC_HANDSHAKE)
        return 0;
    if (len >= 2 && data[1] != 3)
        return 0;
    if (len >= 3 && data[2] > 4)
        return 0;
    if (len >= 5 && (be16(data + 3) < 4 || be16(data + 3) > TLS_RECORD_MAX))
        return 0;
    if (len >= 6 && data[5] != HS_CLIENT_HELLO && data[5] != HS_SERVER_HELLO)
        return 0;
    return 1;
}

/* ---- text ---- */

/* Bytes as text: printable ASCII as it is, but for '\\' and the separators ';' and ',';
 * those and every other byte as \DDD (as DNS names are written). */
static void add_escaped(struct strbuf *sb, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != ';' && p[i] != ',')
            strbuf_addch(sb, p[i]);
        else
            strbuf_addf(sb, "\\%03u", p[i]);
    }
}

static const char *version_name(unsigned v, char *buf, size_t size)
{
    switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS/1.0";
    case 0x0302: return "TLS/1.1";
    case 0x0303: return "TLS/1.2";
    case 0x0304: return "TLS/1.3";
    }
    snprintf(buf, size, "0x%04x", v);
    return buf;
}

/* JA4's two characters for a version. */
static const char *ja4_version(unsigned v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    }
    return "00";
}

static void md5_hex(const char *text, char out[33])
{
    unsigned char digest[16] = { 0 };
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), (const unsigned char *)text,
               strlen(text), digest);
    hex_encode(digest, sizeof(digest), out);
}

/* The first 12 hex digits of the SHA-256 of text, or twelve zeros when text is empty. */
static void sha256_12(const char *text, char out[13])
{
    char hex[65];
    if (!*text) {
        memcpy(out, "000000000000", 13);
        return;
    }
    cert_sha256_hex((const unsigned char *)text, strlen(text), hex);
    memcpy(out, hex, 12);
    out[12] = '\0';
}

/* A list of 16-bit values, GREASE left out. */
struct list16 {
    unsigned *v;
    size_t n, alloc;
};

static void list_add(struct list16 *l, unsigned v)
{
    if (grease(v))
        return;
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 32;
        l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
    }
    l->v[l->n++] = v;
}

/* The values in decimal, joined by '-' (JA3), or in 4-digit hex joined by ',' (JA4). */
static void list_text(struct strbuf *sb, const struct list16 *l, int hex)
{
    for (size_t i = 0; i < l->n; i++)
        strbuf_addf(sb, hex ? "%s%04x" : "%s%u", i ? (hex ? "," : "-") : "", l->v[i]);
}

static int compare_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* ---- ClientHello ---- */

struct hello {
    unsigned version;           /* legacy_version */
    struct list16 ciphers, exts, groups, formats, sigs, versions;
    struct strbuf sni, alpn;
    int has_sni;
    const uint8_t *alpn1;       /* the first ALPN value */
    size_t alpn1_len;
};

static void hello_release(struct hello *h)
{
    free(h->ciphers.v);
    free(h->exts.v);
    free(h->groups.v);
    free(h->formats.v);
    free(h->sigs.v);
    free(h->versions.v);
    strbuf_release(&h->sni);
    strbuf_release(&h->alpn);
}

static void client_extension(struct hello *h, unsigned type, struct reader *r)
{
    switch (type) {
    case EXT_SERVER_NAME: {
        struct reader list = take(r, get16(r));
        h->has_sni = 1;
        while (list.left && !list.bad && !h->sni.len) {
            unsigned kind = get8(&list);
            struct reader name = take(&list, get16(&list));
            if (kind == 0 && !name.bad && name.left)
                add_escaped(&h->sni, name.p, name.left);
        }
        break;
    }
    case EXT_GROUPS: {
        struct reader list = take(r, get16(r));
        while (list.left >= 2)
            list_add(&h->groups, get16(&list));
        break;
    }
    case EXT_POINT_FORMATS: {
        struct reader list = take(r, get8(r));
        while (list.left)
            list_add(&h->formats, get8(&list));
        break;
    }
    case EXT_SIG_ALGS: {
        struct reader list = take(r, get16(r));
        while (list.left >= 2)
            list_add(&h->sigs, get16(&list));
        break;
    }
    case EXT_ALPN: {
        struct reader list = take(r, get16(r));
        while (list.left && !list.bad) {
            struct reader proto = take(&list, get8(&list));
            if (proto.bad)
                break;
            if (!h->alpn1) {
                h->alpn1 = proto.p;
                h->alpn1_len = proto.left;
            }
            if (h->alpn.len)
                strbuf_addch(&h->alpn, ';');
            add_escaped(&h->alpn, proto.p, proto.left);
        }
        break;
    }
    case EXT_VERSIONS: {
        struct reader list = take(r, get8(r));
        while (list.left >= 2)
            list_add(&h->versions, get16(&list));
        break;
    }
    }
}

/* Reads a ClientHello body; -1 when its lengths do not hold together. */
static int client_hello_parse(const uint8_t *body, size_t len, struct hello *h)
{
    struct reader r = { body, len, 0 };
    h->version = get16(&r);
    take(&r, 32);                               /* random */
    take(&r, get8(&r));                         /* session id */
    struct reader ciphers = take(&r, get16(&r));
    if (ciphers.left % 2)
        return -1;
    while (ciphers.left)
        list_add(&h->ciphers, get16(&ciphers));
    take(&r, get8(&r));                         /* compression methods */
    if (r.bad)
        return -1;
    if (r.left) {                               /* extensions, when any */
        struct reader exts = take(&r, get16(&r));
        while (exts.left && !exts.bad) {
            unsigned type = get16(&exts);
            struct reader data = take(&exts, get16(&exts));
            if (exts.bad)
                break;
            list_add(&h->exts, type);
            client_extension(h, type, &data);
        }
        if (exts.bad)
            return -1;
    }
    return r.bad ? -1 : 0;
}

static int alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* JA4 (FoxIO's spec) of a ClientHello over TCP. */
static char *ja4_text(const struct hello *h)
{
    static const char hexdigits[] = "0123456789abcdef";
    struct strbuf sb, list;
    unsigned version = h->version;
    char alpn[3] = "00", b[13], c[13];
    size_t nexts = 0;
    for (size_t i = 0; i < h->versions.n; i++)
        if (i == 0 || h->versions.v[i] > version)
            version = h->versions.v[i];
    if (h->alpn1 && h->alpn1_len) {
        uint8_t first = h->alpn1[0], last = h->alpn1[h->alpn1_len - 1];
        if (alnum(first) && alnum(last)) {
            alpn[0] = (char)first;
            alpn[1] = (char)last;
        } else {
            alpn[0] = hexdigits[first >> 4];
            alpn[1] = hexdigits[last & 15];
        }
    }
    strbuf_init(&sb);
    strbuf_init(&list);
    /* b: the ciphers sorted */
    unsigned *sorted = xmalloc((h->ciphers.n + h->exts.n + 1) * sizeof(unsigned));
    if (h->ciphers.n)           /* none: the list may be NULL, which memcpy must not get */
        memcpy(sorted, h->ciphers.v, h->ciphers.n * sizeof(unsigned));
    qsort(sorted, h->ciphers.n, sizeof(unsigned), compare_unsigned);
    struct list16 l = { sorted, h->ciphers.n, 0 };
    list_text(&list, &l, 1);
    sha256_12(list.buf, b);
    /* c: the extensions but SNI and ALPN sorted, then the signature algorithms */
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i] != EXT_SERVER_NAME && h->exts.v[i] != EXT_ALPN)
            sorted[nexts++] = h->exts.v[i];
    qsort(sorted, nexts, sizeof(unsigned), compare_unsigned);
    l.n = nexts;
    strbuf_reset(&list);
    list_text(&list, &l, 1);
    if (nexts && h->sigs.n) {
        strbuf_addch(&list, '_');
        list_text(&list, &h->sigs, 1);
    }
    sha256_12(list.buf, c);
    strbuf_addf(&sb, "t%s%c%02zu%02zu%s_%s_%s", ja4_version(version), h->has_sni ? 'd' : 'i',
                h->ciphers.n > 99 ? 99 : h->ciphers.n, h->exts.n > 99 ? 99 : h->exts.n, alpn,
                b, c);
    free(sorted);
    strbuf_release(&list);
    return strbuf_detach(&sb);
}

/* Reads a ClientHello into c; -1 when its lengths do not hold together. */
static int client_hello(struct tls_conn *c, const uint8_t *body, size_t len)
{
    struct hello h = { 0 };
    char buf[16], hex[33];
    int rc;
    strbuf_init(&h.sni);
    strbuf_init(&h.alpn);
    if ((rc = client_hello_parse(body, len, &h)) == 0) {
        struct strbuf sb;
        strbuf_init(&sb);
        c->sni = h.sni.len ? xstrdup(h.sni.buf) : NULL;
        c->alpn = h.alpn.len ? xstrdup(h.alpn.buf) : NULL;
        if (h.versions.n) {
            for (size_t i = 0; i < h.versions.n; i++)
                strbuf_addf(&sb, "%s%s", i ? ";" : "",
                            version_name(h.versions.v[i], buf, sizeof(buf)));
        } else {
            strbuf_addstr(&sb, version_name(h.version, buf, sizeof(buf)));
        }
        c->versions = strbuf_detach(&sb);
        strbuf_init(&sb);
        strbuf_addf(&sb, "%u,", h.version);
        list_text(&sb, &h.ciphers, 0);
        strbuf_addch(&sb, ',');
        list_text(&sb, &h.exts, 0);
        strbuf_addch(&sb, ',');
        list_text(&sb, &h.groups, 0);
        strbuf_addch(&sb, ',');
        list_text(&sb, &h.formats, 0);
        c->ja3_string = strbuf_detach(&sb);
        md5_hex(c->ja3_string, hex);
        c->ja3 = xstrdup(hex);
        c->ja4 = ja4_text(&h);
    }
    hello_release(&h);
    return rc;
}

/* ---- ServerHello and Certificate ---- */

/* Reads a ServerHello body; -1 when its lengths do not hold together. */
static int server_hello(struct tls_conn *c, const uint8_t *body, size_t len)
{
    struct reader r = { body, len, 0 };
    struct list16 exts = { 0 };
    unsigned version = get16(&r), chosen = 0;
    take(&r, 32);
    take(&r, get8(&r));
    unsigned cipher = get16(&r);
    get8(&r);                                   /* compression method */
    if (r.bad)
        return -1;
    if (r.left) {
        struct reader list = take(&r, get16(&r));
        while (list.left && !list.bad) {
            unsigned type = get16(&list);
            struct reader data = take(&list, get16(&list));
            if (list.bad)
                break;
            list_add(&exts, type);
            if (type == EXT_VERSIONS && data.left >= 2)
                chosen = get16(&data);
        }
        if (list.bad) {
            free(exts.v);
            return -1;
        }
    }
    struct strbuf sb;
    char hex[33];
    strbuf_init(&sb);
    strbuf_addf(&sb, "%u,%u,", version, cipher);
    list_text(&sb, &exts, 0);
    md5_hex(sb.buf, hex);
    strbuf_release(&sb);
    free(exts.v);
    c->version = chosen ? chosen : version;
    c->cipher = (int)cipher;
    c->ja3s = xstrdup(hex);
    return 0;
}

/* The server's address and port as a certificate or TLS session names them (the key is
 * in the originator's direction: direction 1 is sent by its dst). */
static void server_of(const struct tls_conn *c, struct ip_addr *addr, unsigned *port)
{
    memset(addr, 0, sizeof(*addr));
    addr->family = c->key.family;
    memcpy(addr->bytes, c->server_dir ? c->key.dst : c->key.src, 16);
    *port = c->server_dir ? c->key.dport : c->key.sport;
}

static enum tally_error certificates(struct pcap_state *st, struct tls_conn *c,
                                     const uint8_t *body, size_t len, int64_t ts_ns)
{
    struct cert_link link = { .proto = "tcp", .seen = ts_ns / 1000000000 };
    if (len < 3)
        return TALLY_OK;
    struct reader r = { body + 3, len - 3, 0 };
    struct reader list = take(&r, be24(body));
    server_of(c, &link.addr, &link.port);
    for (int chain = 0; list.left >= 3 && !list.bad; chain++) {
        size_t n = be24(list.p);
        list.p += 3;
        list.left -= 3;
        struct reader der = take(&list, n);
        if (der.bad || n == 0)
            break;
        link.chain = chain;
        if (chain == 0)
            cert_sha256_hex(der.p, n, c->cert);
        enum tally_error err = import_certificate(st->ctx, der.p, n, &link);
        if (err)
            return err;
    }
    return TALLY_OK;
}

/* ---- connections ---- */

static void conn_free(gpointer data)
{
    struct tls_conn *c = data;
    for (int d = 0; d < 2; d++)
        free(c->side[d].hs);
    free(c->sni);
    free(c->versions);
    free(c->alpn);
    free(c->ja3);
    free(c->ja3_string);
    free(c->ja4);
    free(c->ja3s);
    free(c);
}

void pcap_tls_free(struct pcap_state *st)
{
    if (st->tls)
        g_hash_table_destroy(st->tls);
    st->tls = NULL;
}

/* Stores the connection's row, when either hello was read. */
static enum tally_error conn_write(struct pcap_state *st, const struct tls_conn *c)
{
    char buf[16];
    if (c->client_dir < 0 && !c->version)
        return TALLY_OK;
    int server_dir = c->client_dir >= 0 ? !c->client_dir : c->server_dir;
    /* The key is in the originator's direction: direction 1 is sent by its dst. */
    const uint8_t *srv = server_dir ? c->key.dst : c->key.src;
    const uint8_t *cli = server_dir ? c->key.src : c->key.dst;
    struct tls_client_record rec = {
        .seen = c->seen_ns / 1000000000,
        .client_port = server_dir ? c->key.sport : c->key.dport,
        .port = server_dir ? c->key.dport : c->key.sport,
        .sni = c->sni, .versions = c->versions, .alpn = c->alpn, .ja3 = c->ja3,
        .ja3_string = c->ja3_string, .ja4 = c->ja4,
        .version = c->version ? version_name(c->version, buf, sizeof(buf)) : NULL,
        .cipher = c->version ? c->cipher : -1, .ja3s = c->ja3s,
        .cert_sha256 = c->cert[0] ? c->cert : NULL,
    };
    rec.client.family = rec.server.family = c->key.family;
    memcpy(rec.client.bytes, cli, 16);
    memcpy(rec.server.bytes, srv, 16);
    if (store_add_tls_client(st->ctx->store, &rec))
        return store_fail(st->ctx->store, st->ctx->diag, "cannot store a TLS connection");
    return TALLY_OK;
}

/* Writes the row of the connection keyed flow and forgets it. */
static enum tally_error conn_end(struct pcap_state *st, struct flow *flow)
{
    struct tls_conn *c = g_hash_table_lookup(st->tls, flow);
    enum tally_error err = c ? conn_write(st, c) : TALLY_OK;
    g_hash_table_remove(st->tls, flow);
    return err;
}

static struct tls_conn *conn_get(struct pcap_state *st, struct flow *flow, enum tally_error *err)
{
    struct tls_conn *c;
    *err = TALLY_OK;
    if (!st->tls)
        st->tls = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, conn_free);
    if ((c = g_hash_table_lookup(st->tls, flow)))
        return c;
    if (g_hash_table_size(st->tls) >= TLS_PENDING_MAX) {
        /* Too many waiting for their other side: one is written with what it has. */
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, st->tls);
        if (g_hash_table_iter_next(&it, &key, NULL) && (*err = conn_end(st, key)))
            return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    c->key = flow->key;
    c->client_dir = c->server_dir = -1;
    c->cipher = -1;
    g_hash_table_insert(st->tls, flow, c);
    return c;
}

/* One handshake message sent by direction d. Sets side->done when nothing more of this
 * direction is needed. */
static enum tally_error handshake_message(struct pcap_state *st, struct tls_conn *c, int d,
                                          unsigned type, const uint8_t *body, size_t len,
                                          int64_t ts_ns)
{
    struct tls_side *side = &c->side[d];
    if (side->messages++ == 0) {
        /* A direction starts with its hello, or is not TLS as tally reads it. */
        if (type == HS_CLIENT_HELLO && c->client_dir < 0 && c->server_dir != d) {
            if (client_hello(c, body, len) == 0) {
                c->client_dir = d;
                if (!c->seen_ns)
                    c->seen_ns = ts_ns;
                st->stats.tls_handshakes++;
            }
        } else if (type == HS_SERVER_HELLO && c->server_dir < 0 && c->client_dir != d &&
                   server_hello(c, body, len) == 0) {
            c->server_dir = d;
            if (!c->seen_ns)
                c->seen_ns = ts_ns;
            struct tls_record rec = { .proto = "tcp", .cipher = c->cipher,
                                      .seen = ts_ns / 1000000000 };
            char buf[16];
            rec.version = version_name(c->version, buf, sizeof(buf));
            server_of(c, &rec.addr, &rec.port);
            if (store_add_tls(st->ctx->store, &rec))
                return store_fail(st->ctx->store, st->ctx->diag,
                                  "cannot store a TLS session");
            if (c->version >= 0x0304) {
                st->stats.tls_hidden_certificates++;   /* encrypted from here on */
                side->done = 1;
            }
            return TALLY_OK;
        }
        side->done = 1;
        return TALLY_OK;
    }
    if (d != c->server_dir) {
        side->done = 1;
        return TALLY_OK;
    }
    if (type == HS_CERTIFICATE) {
        side->done = 1;
        return certificates(st, c, body, len, ts_ns);
    }
    if (type == HS_SERVER_DONE)
        side->done = 1;
    return TALLY_OK;
}

/* Adds a handshake record's payload to direction d and handles the messages it completes. */
static enum tally_error handshake_bytes(struct pcap_state *st, struct tls_conn *c, int d,
                                        const uint8_t *data, size_t len, int64_t ts_ns)
{
    struct tls_side *side = &c->side[d];
    if (side->used == side->len)
        side->used = side->len = 0;
    if (side->len + len > STREAM_MAX_BYTES) {
        side->done = 1;
        return TALLY_OK;
    }
    side->hs = xrealloc(side->hs, side->len + len);
    memcpy(side->hs + side->len, data, len);
    side->len += len;
    while (!side->done && side->len - side->used >= 4) {
        const uint8_t *m = side->hs + side->used;
        size_t n = be24(m + 1);
        if (n > STREAM_MAX_BYTES) {
            side->done = 1;
            break;
        }
        if (side->len - side->used - 4 < n)
            break;
        side->used += 4 + n;
        enum tally_error err = handshake_message(st, c, d, m[0], m + 4, n, ts_ns);
        if (err)
            return err;
    }
    return TALLY_OK;
}

enum tally_error pcap_tls_stream(struct pcap_state *st, struct stream *s, int64_t ts_ns,
                                 int *done)
{
    enum tally_error err;
    int d = s->side == &s->flow->dir[1];
    struct tls_conn *c = conn_get(st, s->flow, &err);
    size_t have = stream_contiguous(s);
    *done = 0;
    if (!c)
        return err;
    struct tls_side *side = &c->side[d];
    while (!side->done && have - s->consumed >= 5) {
        const uint8_t *h = s->data + s->consumed;
        size_t len = be16(h + 3);
        if (h[1] != 3 || h[2] > 4 || len == 0 || len > TLS_RECORD_MAX ||
            h[0] < REC_CHANGE_CIPHER_SPEC || h[0] > REC_APPLICATION ||
            (s->consumed == 0 && h[0] != REC_HANDSHAKE)) {
            side->done = 1;                     /* not (or no longer) TLS records */
            break;
        }
        if (have - s->consumed - 5 < len) {
            if (s->consumed + 5 + len > STREAM_MAX_BYTES)
                side->done = 1;                 /* past what the stream keeps */
            break;
        }
        if (h[0] == REC_HANDSHAKE) {
            if ((err = handshake_bytes(st, c, d, h + 5, len, ts_ns)))
                return err;
        } else {
            side->done = 1;     /* ChangeCipherSpec, alert, data: the rest is encrypted */
        }
        s->consumed += 5 + len;
    }
    if (side->done) {
        *done = 1;
        free(side->hs);
        side->hs = NULL;
        side->len = side->used = 0;
        /* Both sides read (or one that never spoke TLS): the row is complete. */
        if (c->side[!d].done || (c->client_dir < 0 && c->server_dir < 0))
            return conn_end(st, s->flow);
    }
    return TALLY_OK;
}

enum tally_error pcap_tls_end(struct pcap_state *st, struct flow *f)
{
    if (!st->tls || !g_hash_table_contains(st->tls, f))
        return TALLY_OK;
    return conn_end(st, f);
}

/* Connections by their first hello's time, then by key. */
static int compare_conns(const void *a, const void *b)
{
    const struct tls_conn *x = *(const struct tls_conn *const *)a;
    const struct tls_conn *y = *(const struct tls_conn *const *)b;
    if (x->seen_ns != y->seen_ns)
        return x->seen_ns < y->seen_ns ? -1 : 1;
    return memcmp(&x->key, &y->key, sizeof(x->key));
}

enum tally_error pcap_tls_finish(struct pcap_state *st)
{
    GHashTableIter it;
    gpointer value;
    enum tally_error err = TALLY_OK;
    if (!st->tls)
        return TALLY_OK;
    /* In the order the connections began, so the rows are the same from run to run. */
    GPtrArray *conns = g_ptr_array_new();
    g_hash_table_iter_init(&it, st->tls);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(conns, value);
    if (conns->len)
        xqsort(conns->pdata, conns->len, sizeof(gpointer), compare_conns);
    for (guint i = 0; i < conns->len && !err; i++)
        err = conn_write(st, conns->pdata[i]);
    g_ptr_array_free(conns, TRUE);
    g_hash_table_remove_all(st->tls);
    return err;
}
