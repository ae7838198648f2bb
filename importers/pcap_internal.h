/* pcap_internal.h: what the packet-capture importer's files share: the decoded packet
 * (pcap_decode.c), the flow table (pcap_flow.c), bounded TCP stream reassembly
 * (pcap_stream.c), DNS (pcap_dns.c), HTTP responses (pcap_http.c) and the importer's state
 * (pcap.c). Nothing outside importers/pcap*.c and the unit tests includes it. */
#ifndef TALLY_PCAP_INTERNAL_H
#define TALLY_PCAP_INTERNAL_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "importers/importers.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* ---- one packet, decoded (pcap_decode.c) ---- */

enum pkt_status {
    PKT_IP,             /* an IPv4 or IPv6 packet: struct pkt is filled */
    PKT_NOT_IP,         /* ARP, LLDP, a loopback frame, ...: counted, not decoded */
    PKT_MALFORMED,      /* a link or IP header is cut short or inconsistent */
    PKT_UNSUPPORTED     /* a link type tally does not decode */
};

enum { PKT_FRAG_NONE, PKT_FRAG_FIRST, PKT_FRAG_LATER };

/* Every pointer points into the packet data given to pcap_decode() and every length is
 * within what was captured. */
struct pkt {
    uint8_t family;             /* 4 or 6 */
    uint8_t proto;              /* IP protocol (after IPv6 extension headers) */
    uint8_t ttl;                /* TTL or hop limit */
    uint8_t tcp_flags;
    uint8_t fragment;           /* PKT_FRAG_* */
    uint8_t has_ports;          /* sport/dport (ICMP: type/code) were read */
    uint8_t truncated;          /* the capture holds less than the packet's own lengths say */
    uint8_t malformed;          /* a transport header is inconsistent */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t src[16], dst[16];   /* IPv4 in the first 4 bytes, the rest zero */
    const uint8_t *payload;     /* transport payload as captured */
    size_t payload_len;
};

/* Whether tally decodes this link type (a DLT_ value from pcap_datalink()). */
int pcap_link_supported(int dlt);
enum pkt_status pcap_decode(int dlt, const uint8_t *data, size_t caplen, struct pkt *pkt);

/* ---- flows: per-direction 5-tuple aggregates (pcap_flow.c) ---- */

struct flow_key {
    uint8_t family, proto;
    uint16_t sport, dport;
    uint8_t pad[2];             /* zero: keys are compared as bytes */
    uint8_t src[16], dst[16];
};

/* What the importer remembers about a flow beyond its counters. */
enum {
    FLOW_SAW_SYN = 1,           /* a SYN without ACK went this way */
    FLOW_SAW_SYNACK = 2,        /* a SYN-ACK went this way: the sender is a server */
    FLOW_HAS_ISN = 4,           /* isn holds the sequence number of the first data byte */
    FLOW_STREAM_DONE = 8        /* the payload was handled (or is not of interest) */
};

struct flow {
    struct flow_key key;
    uint8_t tcp_flags;          /* OR of every packet's flags */
    uint8_t state;              /* FLOW_* */
    uint32_t isn;
    uint32_t reverse;           /* index + 1 of the flow the other way; 0: none seen yet */
    uint64_t packets, bytes;
    int64_t first_ns, last_ns;
};

struct flow_table;
struct flow_table *flow_table_new(void);
void flow_table_free(struct flow_table *t);        /* accepts NULL */
/* The hash of key, for flow_table_get(); both directions of a 5-tuple hash alike but for
 * the lowest bit. */
uint32_t flow_table_hash(const struct flow_key *key);
/* Starts fetching from memory where the flow of that hash is looked up, so that a later
 * flow_table_get() need not wait for it. */
void flow_table_prefetch(const struct flow_table *t, uint32_t hash);
/* The flow for key, or NULL. */
struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key);
/* The flow for key, whose flow_table_hash() is hash, created zeroed (but for its key and
 * its link to the reverse flow) when new; pointers stay valid until flow_table_free(). */
struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key, uint32_t hash);
/* The flow going the other way of f's 5-tuple, or NULL while none has been seen. */
struct flow *flow_table_reverse(struct flow_table *t, const struct flow *f);
size_t flow_table_size(const struct flow_table *t);
/* The i-th flow in the order flows were first seen. */
struct flow *flow_table_at(struct flow_table *t, size_t i);

/* ---- bounded TCP stream reassembly (pcap_stream.c) ---- */

#define STREAM_MAX_BYTES (64u * 1024)   /* bytes kept from the start of a stream */
#define STREAM_MAX_RANGES 32            /* gaps tolerated before a stream is given up */
#define STREAM_MAX_TRACKED 1024         /* streams followed at once; the idlest is evicted */
#define STREAM_MAX_EARLY 8              /* segments buffered while a stream's start is unknown */

enum stream_kind { STREAM_HTTP, STREAM_DNS };

struct stream_range {
    uint32_t start, end;        /* offsets from the stream's first byte, end exclusive */
};

/* The first STREAM_MAX_BYTES of one direction of a TCP connection. Segments may come out
 * of order, repeated or overlapping: the first copy of each byte wins. */
struct stream {
    struct flow *flow;
    enum stream_kind kind;
    uint32_t base;              /* sequence number of byte 0 */
    unsigned char *data;
    size_t alloc;
    int nranges;
    struct stream_range ranges[STREAM_MAX_RANGES];  /* sorted, disjoint, not touching */
    size_t consumed;            /* bytes already handled (DNS messages) */
    int unanchored;             /* the connection's start was not captured: byte 0 is the
                                 * lowest sequence number seen so far (see stream_rebase) */
    int segments;               /* segments added */
    int64_t last_ns;
    struct stream *older, *newer;
};

struct stream *stream_new(struct flow *flow, enum stream_kind kind, uint32_t base);
void stream_free(struct stream *s);                 /* accepts NULL */
/* Adds a segment starting at sequence number seq. Bytes beyond STREAM_MAX_BYTES are
 * dropped. Returns 0, or -1 when the segment would need more than STREAM_MAX_RANGES gaps. */
int stream_add(struct stream *s, uint32_t seq, const uint8_t *data, size_t len);
/* How many bytes are present without a gap from byte 0. */
size_t stream_contiguous(const struct stream *s);
/* Makes sequence number seq, which comes before the current byte 0, the new byte 0: the
 * bytes held move up, and those pushed past STREAM_MAX_BYTES are dropped. Returns 0, or -1
 * (nothing changed) when seq is STREAM_MAX_BYTES or more before byte 0. */
int stream_rebase(struct stream *s, uint32_t seq);

struct stream_table;
struct stream_table *stream_table_new(void);
void stream_table_free(struct stream_table *t);    /* frees the streams still tracked */
struct stream *stream_table_find(struct stream_table *t, const struct flow *flow);
/* Tracks s (the table takes it) as the most recently used. */
void stream_table_insert(struct stream_table *t, struct stream *s);
/* Marks s as the most recently used. */
void stream_table_touch(struct stream_table *t, struct stream *s, int64_t now_ns);
/* Stops tracking s and frees it. */
void stream_table_remove(struct stream_table *t, struct stream *s);
size_t stream_table_count(const struct stream_table *t);
/* The least recently used stream, or NULL. */
struct stream *stream_table_oldest(struct stream_table *t);

/* ---- the importer's state (pcap.c) ---- */

struct pcap_stats {
    long long packets, bytes;       /* bytes: frame lengths on the wire */
    int64_t first_ns, last_ns;
    long long ipv4, ipv6, tcp, udp, icmp, icmpv6, other_ip;
    long long not_ip, unsupported, malformed, truncated, fragments;
    long long dns_queries, dns_responses, dns_malformed, dns_other_opcode;
    long long http_responses, streams_evicted, streams_abandoned;
    /* Record headers that lie: more bytes captured than the packet had (read as
     * captured). More than the snapshot length libpcap itself cuts to the snapshot. */
    long long caplen_over_len;
};

struct pcap_state {
    struct import_ctx *ctx;
    int dlt;
    struct pcap_stats stats;
    struct flow_table *flows;
    struct stream_table *streams;
    GHashTable *services;           /* observations already stored (struct service_key) */
};

/* ---- DNS (pcap_dns.c) ---- */

#define DNS_MAX_NAME 255            /* bytes of a name on the wire (RFC 1035) */
#define DNS_MAX_JUMPS 32            /* compression pointers followed per name */
#define DNS_NAME_TEXT 1024          /* room for a name as text, escapes included */

/* Decodes the (possibly compressed) name at *off in msg[0, len) as text: labels joined by
 * '.', no final dot, "." for the root; '.', '\\' and bytes outside printable ASCII inside a
 * label are escaped as \. \\ \DDD. On success moves *off past the name and returns 0;
 * returns -1 for a name out of bounds, longer than DNS_MAX_NAME, with more than
 * DNS_MAX_JUMPS pointers, or with a reserved label type. */
int dns_name_decode(const uint8_t *msg, size_t len, size_t *off, char *out, size_t size);
int dns_port(unsigned port);        /* 53, 5353 (mDNS), 5355 (LLMNR) */
/* One DNS message sent by `server` to `client` (in the orientation of the packet). */
enum tally_error pcap_dns_message(struct pcap_state *st, const struct flow_key *key,
                                  int64_t ts_ns, const uint8_t *msg, size_t len);

/* ---- HTTP (pcap_http.c) ---- */

/* The length of the header block at the start of data, through its blank line; 0 when the
 * block is not complete. */
size_t http_header_length(const uint8_t *data, size_t len);
/* Whether data starts like an HTTP/1.x response ("HTTP/1."). With fewer bytes than that,
 * whether it still may. */
int http_response_start(const uint8_t *data, size_t len);
/* Stores the response header block sent by the flow's source: a banner "http" and its
 * Server / X-Powered-By headers. */
enum tally_error pcap_http_response(struct pcap_state *st, const struct flow *f,
                                    int64_t ts_ns, const uint8_t *data, size_t len);

/* ---- TCP payloads (pcap_stream.c) ---- */

/* Follows a TCP segment's payload for DNS over TCP and HTTP responses. */
enum tally_error pcap_tcp_payload(struct pcap_state *st, struct flow *f, const struct pkt *p,
                                  int64_t ts_ns);
/* Handles what the streams still tracked hold (at the end of the capture). */
enum tally_error pcap_streams_finish(struct pcap_state *st);

#endif
