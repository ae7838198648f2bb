/* pcap_dns.c: DNS responses in a capture (over UDP, or over TCP through pcap_stream.c):
 * the question, the rcode and each answer (A, AAAA, CNAME, PTR, NS, MX, TXT as text; other
 * types by name only). Names are decoded with bounds on length and compression jumps. A
 * PTR answer for a reverse name (or to a question that asked one) is also a host name of
 * that address (importers/names_common.c). */
#include "importers/names_common.h"
#include "importers/pcap_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define DNS_HEADER 12

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dns_port(unsigned port)
{
    return port == 53 || port == 5353 || port == 5355;
}

/* Appends one label byte as text; returns the new length. */
static size_t put_label_byte(char *out, size_t o, uint8_t c)
{
    if (c == '.' || c == '\\') {
        out[o++] = '\\';
        out[o++] = (char)c;
    } else if (c > 0x20 && c < 0x7f) {
        out[o++] = (char)c;
    } else {
        o += (size_t)snprintf(out + o, 5, "\\%03u", c);
    }
    return o;
}

int dns_name_decode(const uint8_t *msg, size_t len, size_t *off, char *out, size_t size)
{
    size_t pos = *off, after = 0, wire = 0, o = 0;
    int jumps = 0;
    if (size < 2)
        return -1;
    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t c = msg[pos];
        if (c == 0) {
            if (++wire > DNS_MAX_NAME)
                return -1;
            if (!jumps)
                after = pos + 1;
            break;
        }
        if ((c & 0xc0) == 0xc0) {                   /* a compression pointer */
            if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
                return -1;
            if (jumps == 1)
                after = pos + 2;
            pos = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
            continue;
        }
        if (c & 0xc0)                               /* 0x40, 0x80: reserved label types */
            return -1;
        if (pos + 1 + c > len)
            return -1;
        wire += 1 + (size_t)c;
        if (wire + 1 > DNS_MAX_NAME)                /* + the root's zero byte */
            return -1;
        if (o + 1 + 4 * (size_t)c + 1 > size)
            return -1;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < c; i++)
            o = put_label_byte(out, o, msg[pos + 1 + i]);
        pos += 1 + (size_t)c;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    *off = after;
    return 0;
}

static const char *type_name(unsigned type, char *buf, size_t size)
{
    static const struct {
        unsigned type;
        const char *name;
    } types[] = {
        { 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
        { 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
        { 35, "NAPTR" }, { 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 44, "SSHFP" },
        { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" }, { 52, "TLSA" },
        { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 255, "ANY" }, { 257, "CAA" },
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].type == type)
            return types[i].name;
    snprintf(buf, size, "TYPE%u", type);        /* RFC 3597 */
    return buf;
}

static const char *rcode_name(unsigned rcode, char *buf, size_t size)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
        "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    if (rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    snprintf(buf, size, "RCODE%u", rcode);
    return buf;
}

/* TXT character-strings, concatenated, with bytes outside printable ASCII escaped; text
 * beyond size is left out. */
static int txt_text(const uint8_t *p, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = p[i++];
        if (n > len - i)
            return -1;
        for (size_t j = 0; j < n && o + 5 <= size; j++) {
            uint8_t c = p[i + j];
            if (c == '\\') {
                out[o++] = '\\';
                out[o++] = '\\';
            } else if (c >= 0x20 && c < 0x7f) {
                out[o++] = (char)c;
            } else {
                o += (size_t)snprintf(out + o, 5, "\\%03u", c);
            }
        }
        i += n;
    }
    out[o] = '\0';
    return 0;
}

/* The answer's data as text into out; *has_data is 0 for types kept by name only.
 * Returns -1 when the data is malformed. */
static int rdata_text(const uint8_t *msg, size_t len, size_t rdata, size_t rdlen,
                      unsigned type, char *out, size_t size, int *has_data)
{
    size_t off = rdata;
    *has_data = 1;
    switch (type) {
    case 1:
        if (rdlen != 4)
            return -1;
        inet_ntop(AF_INET, msg + rdata, out, (socklen_t)size);
        return 0;
    case 28:
        if (rdlen != 16)
            return -1;
        inet_ntop(AF_INET6, msg + rdata, out, (socklen_t)size);
        return 0;
    case 2:
    case 5:
    case 12:
        if (dns_name_decode(msg, len, &off, out, size) < 0 || off > rdata + rdlen)
            return -1;
        return 0;
    case 15: {
        if (rdlen < 3)
            return -1;
        int n = snprintf(out, size, "%u ", be16(msg + rdata));
        off += 2;
        if (dns_name_decode(msg, len, &off, out + n, size - (size_t)n) < 0 ||
            off > rdata + rdlen)
            return -1;
        return 0;
    }
    case 16:
        return txt_text(msg + rdata, rdlen, out, size);
    default:
        *has_data = 0;
        return 0;
    }
}

enum tally_error pcap_dns_message(struct pcap_state *st, const struct flow_key *key,
                                  int64_t ts_ns, const uint8_t *msg, size_t len)
{
    struct store *store = st->ctx->store;
    char qname[DNS_NAME_TEXT], name[DNS_NAME_TEXT], data[4 * 1024];
    char qtype_buf[16], type_buf[16], rcode_buf[16];
    struct dns_record rec = { .seen = ts_ns / 1000000000, .ttl = -1 };
    struct ip_addr asked;               /* the address a reverse question names */
    int asked_reverse = 0;
    size_t off = DNS_HEADER;

    if (len < DNS_HEADER) {
        st->stats.dns_malformed++;
        return TALLY_OK;
    }
    unsigned flags = be16(msg + 2);
    unsigned questions = be16(msg + 4), answers = be16(msg + 6);
    if (!(flags & 0x8000)) {
        st->stats.dns_queries++;
        return TALLY_OK;
    }
    if (((flags >> 11) & 0x0f) != 0) {          /* not a standard query: NOTIFY, UPDATE */
        st->stats.dns_other_opcode++;
        return TALLY_OK;
    }
    st->stats.dns_responses++;
    rec.server.family = rec.client.family = key->family;
    memcpy(rec.server.bytes, key->src, 16);
    memcpy(rec.client.bytes, key->dst, 16);
    rec.rcode = rcode_name(flags & 0x0f, rcode_buf, sizeof(rcode_buf));

    for (unsigned i = 0; i < questions; i++) {
        if (dns_name_decode(msg, len, &off, name, sizeof(name)) < 0 || off + 4 > len) {
            st->stats.dns_malformed++;
            return TALLY_OK;
        }
        if (i == 0) {
            memcpy(qname, name, sizeof(qname));
            rec.qname = qname;
            rec.qtype = type_name(be16(msg + off), qtype_buf, sizeof(qtype_buf));
            asked_reverse = host_reverse_addr(qname, &asked) == 0;
        }
        off += 4;
    }
    for (unsigned i = 0; i < answers; i++) {
        int has_data;
        if (dns_name_decode(msg, len, &off, name, sizeof(name)) < 0 || off + 10 > len)
            goto malformed;
        unsigned type = be16(msg + off);
        uint32_t ttl = be32(msg + off + 4);
        size_t rdlen = be16(msg + off + 8);
        size_t rdata = off + 10;
        if (rdlen > len - rdata)
            goto malformed;
        if (rdata_text(msg, len, rdata, rdlen, type, data, sizeof(data), &has_data) < 0)
            goto malformed;
        off = rdata + rdlen;
        rec.name = name;
        rec.type = type_name(type, type_buf, sizeof(type_buf));
        rec.ttl = ttl;
        rec.data = has_data ? data : NULL;
        if (store_add_dns(store, &rec))
            return store_fail(store, st->ctx->diag, "cannot store a DNS answer");
        if (type == 12 && (flags & 0x0f) == 0) {
            enum tally_error err = names_answer(st->ctx, NULL, NAME_ORIGIN_CAPTURE, 0, name,
                                                "PTR", data, asked_reverse ? &asked : NULL,
                                                rec.seen);
            if (err && err != TALLY_ERROR_DATA)         /* a PTR naming no host is kept out */
                return err;
        }
    }
    if (answers == 0) {
        rec.name = rec.type = rec.data = NULL;
        rec.ttl = -1;
        if (store_add_dns(store, &rec))
            return store_fail(store, st->ctx->diag, "cannot store a DNS response");
    }
    return TALLY_OK;

malformed:
    st->stats.dns_malformed++;
    return TALLY_OK;
}
