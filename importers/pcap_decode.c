/* pcap_decode.c: link layer, IPv4/IPv6 and TCP/UDP/ICMP headers of one captured packet.
 * Every read is checked against the captured length; a packet's own length fields are
 * believed only where they are smaller than what was captured. */
#include "importers/pcap_internal.h"

#include <pcap/dlt.h>
#include <string.h>

#define MAX_VLAN_TAGS 8
#define MAX_IPV6_HEADERS 16

#define NFULA_PAYLOAD 9         /* the NFLOG attribute holding the packet */

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pcap_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_NFLOG:
        return 1;
    default:
        return 0;
    }
}

/* The ports of an ICMP message, as Zeek gives them: a request or reply of a pair (echo,
 * timestamp, information, address mask, router and neighbour discovery...) is keyed by its
 * type and its counterpart's type, the reply turned round, so the two are one connection;
 * any other message by its type and code. */
static void icmp_ports(unsigned proto, unsigned type, unsigned code, struct pkt *pkt)
{
    static const uint8_t pairs4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 17, 18 },
                                         { 10, 9 } };
    static const uint8_t pairs6[][2] = { { 128, 129 }, { 133, 134 }, { 135, 136 },
                                         { 130, 131 }, { 139, 140 } };
    const uint8_t(*pairs)[2] = proto == 1 ? pairs4 : pairs6;
    size_t npairs = proto == 1 ? sizeof(pairs4) / sizeof(*pairs4)
                               : sizeof(pairs6) / sizeof(*pairs6);
    pkt->sport = (uint16_t)type;
    pkt->dport = (uint16_t)code;
    pkt->has_ports = 1;
    for (size_t i = 0; i < npairs; i++) {
        if (type == pairs[i][0]) {              /* a request: its reply's type */
            pkt->dport = pairs[i][1];
            return;
        }
        if (type == pairs[i][1]) {              /* a reply: as its request's, turned round */
            pkt->sport = pairs[i][1];
            pkt->dport = pairs[i][0];
            return;
        }
    }
}

/* The transport header at p (len bytes: the smaller of captured and IP-claimed). */
static void decode_transport(const uint8_t *p, size_t len, struct pkt *pkt)
{
    switch (pkt->proto) {
    case 6:                                             /* TCP */
        if (len < 4) {
            pkt->truncated = 1;
            return;
        }
        pkt->sport = (uint16_t)be16(p);
        pkt->dport = (uint16_t)be16(p + 2);
        pkt->has_ports = 1;
        if (len < 14) {
            pkt->truncated = 1;
            return;
        }
        pkt->seq = be32(p + 4);
        pkt->ack = be32(p + 8);
        pkt->tcp_flags = p[13];
        size_t doff = (size_t)(p[12] >> 4) * 4;
        if (doff < 20)
            pkt->malformed = 1;
        else if (doff > len)
            pkt->truncated = 1;
        else {
            pkt->payload = p + doff;
            pkt->payload_len = len - doff;
        }
        return;
    case 17:                                            /* UDP */
        if (len < 4) {
            pkt->truncated = 1;
            return;
        }
        pkt->sport = (uint16_t)be16(p);
        pkt->dport = (uint16_t)be16(p + 2);
        pkt->has_ports = 1;
        if (len < 8) {
            pkt->truncated = 1;
            return;
        }
        size_t ulen = be16(p + 4);
        size_t plen = len - 8;
        if (ulen < 8)
            pkt->malformed = 1;
        else if (ulen - 8 < plen)
            plen = ulen - 8;
        else if (ulen - 8 > plen)
            pkt->truncated = 1;
        pkt->payload = p + 8;
        pkt->payload_len = plen;
        return;
    case 1:                                             /* ICMP */
    case 58:                                            /* ICMPv6 */
        if (len < 2) {
            pkt->truncated = 1;
            return;
        }
        icmp_ports(pkt->proto, p[0], p[1], pkt);
        return;
    default:
        return;
    }
}

static enum pkt_status decode_ipv4(const uint8_t *p, size_t len, struct pkt *pkt)
{
    if (len < 20 || p[0] >> 4 != 4)
        return PKT_MALFORMED;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t total = be16(p + 2);
    if (ihl < 20 || ihl > len)
        return PKT_MALFORMED;
    if (total == 0)                 /* TSO / BIG TCP: the length is the frame's */
        total = len;
    if (total < ihl)
        return PKT_MALFORMED;
    if (total > len) {
        pkt->truncated = 1;
        total = len;
    }
    pkt->family = 4;
    pkt->ttl = p[8];
    pkt->proto = p[9];
    memcpy(pkt->src, p + 12, 4);
    memcpy(pkt->dst, p + 16, 4);
    unsigned frag = be16(p + 6);
    unsigned offset = frag & 0x1fff;
    if (offset || (frag & 0x2000))
        pkt->fragment = offset ? PKT_FRAG_LATER : PKT_FRAG_FIRST;
    if (offset == 0)
        decode_transport(p + ihl, total - ihl, pkt);
    return PKT_IP;
}

static enum pkt_status decode_ipv6(const uint8_t *p, size_t len, struct pkt *pkt)
{
    if (len < 40 || p[0] >> 4 != 6)
        return PKT_MALFORMED;
    size_t end = 40 + be16(p + 4);
    if (end == 40)                  /* a jumbogram, or a length the capturer left out */
        end = len;
    if (end > len) {
        pkt->truncated = 1;
        end = len;
    }
    pkt->family = 6;
    pkt->ttl = p[7];
    memcpy(pkt->src, p + 8, 16);
    memcpy(pkt->dst, p + 24, 16);
    unsigned next = p[6];
    size_t off = 40;
    for (int i = 0; i < MAX_IPV6_HEADERS; i++) {
        size_t hlen;
        if (next != 0 && next != 43 && next != 44 && next != 51 && next != 60)
            break;
        if (off + 8 > end) {                /* every extension header is >= 8 bytes */
            pkt->proto = (uint8_t)next;
            pkt->truncated = 1;
            return PKT_IP;
        }
        if (next == 44) {                   /* fragment */
            unsigned frag = be16(p + off + 2);
            unsigned offset = frag >> 3;
            if (offset || (frag & 1))
                pkt->fragment = offset ? PKT_FRAG_LATER : PKT_FRAG_FIRST;
            next = p[off];
            off += 8;
            if (offset) {
                pkt->proto = (uint8_t)next;
                return PKT_IP;
            }
            continue;
        }
        hlen = next == 51 ? ((size_t)p[off + 1] + 2) * 4 : ((size_t)p[off + 1] + 1) * 8;
        next = p[off];
        off += hlen;
        if (off > end) {
            pkt->proto = (uint8_t)next;
            pkt->truncated = 1;
            return PKT_IP;
        }
    }
    pkt->proto = (uint8_t)next;
    decode_transport(p + off, end - off, pkt);
    return PKT_IP;
}

/* An IP packet whose version the first nibble says. */
static enum pkt_status decode_ip(const uint8_t *p, size_t len, struct pkt *pkt)
{
    if (len < 1)
        return PKT_MALFORMED;
    if (p[0] >> 4 == 4)
        return decode_ipv4(p, len, pkt);
    if (p[0] >> 4 == 6)
        return decode_ipv6(p, len, pkt);
    return PKT_MALFORMED;
}

static enum pkt_status decode_ethertype(unsigned type, const uint8_t *p, size_t len,
                                        struct pkt *pkt)
{
    for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
        if (tags == MAX_VLAN_TAGS || len < 4)
            return PKT_MALFORMED;
        type = be16(p + 2);
        p += 4;
        len -= 4;
    }
    if (type == 0x0800)
        return decode_ipv4(p, len, pkt);
    if (type == 0x86dd)
        return decode_ipv6(p, len, pkt);
    return PKT_NOT_IP;
}

/* BSD loopback: an address family, then the packet. AF_INET6 differs between systems. */
static enum pkt_status decode_family(uint32_t af, const uint8_t *p, size_t len,
                                     struct pkt *pkt)
{
    if (af == 2)
        return decode_ipv4(p, len, pkt);
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return decode_ipv6(p, len, pkt);
    return PKT_NOT_IP;
}

/* Linux NFLOG: a 4-byte header, then TLVs (lengths in the capturing host's order, which
 * libpcap has made ours); the packet is the NFULA_PAYLOAD attribute. */
static enum pkt_status decode_nflog(const uint8_t *p, size_t len, struct pkt *pkt)
{
    size_t off = 4;
    if (len < 4)
        return PKT_MALFORMED;
    while (off + 4 <= len) {
        uint16_t tlv_len, tlv_type;
        memcpy(&tlv_len, p + off, 2);
        memcpy(&tlv_type, p + off + 2, 2);
        if (tlv_len < 4 || tlv_len > len - off)
            return PKT_MALFORMED;
        if ((tlv_type & 0x7fff) == NFULA_PAYLOAD)
            return decode_ip(p + off + 4, tlv_len - 4u, pkt);
        off += ((size_t)tlv_len + 3) & ~(size_t)3;
    }
    return PKT_NOT_IP;
}

enum pkt_status pcap_decode(int dlt, const uint8_t *p, size_t len, struct pkt *pkt)
{
    memset(pkt, 0, sizeof(*pkt));
    switch (dlt) {
    case DLT_EN10MB:
        if (len < 14)
            return PKT_MALFORMED;
        return decode_ethertype(be16(p + 12), p + 14, len - 14, pkt);
    case DLT_LINUX_SLL:
        if (len < 16)
            return PKT_MALFORMED;
        return decode_ethertype(be16(p + 14), p + 16, len - 16, pkt);
    case DLT_LINUX_SLL2:
        if (len < 20)
            return PKT_MALFORMED;
        return decode_ethertype(be16(p), p + 20, len - 20, pkt);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return decode_ip(p, len, pkt);
    case DLT_NULL: {
        if (len < 4)
            return PKT_MALFORMED;
        /* The family is in the capturing host's byte order: small either way. */
        uint32_t af = p[2] == 0 && p[3] == 0 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : be32(p);
        return decode_family(af, p + 4, len - 4, pkt);
    }
    case DLT_LOOP:
        if (len < 4)
            return PKT_MALFORMED;
        return decode_family(be32(p), p + 4, len - 4, pkt);
    case DLT_NFLOG:
        return decode_nflog(p, len, pkt);
    default:
        return PKT_UNSUPPORTED;
    }
}
