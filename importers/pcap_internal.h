/* pcap_internal.h: what the packet-capture importer's files share: the decoded packet
 * (pcap_decode.c), the connection table (pcap_flow.c), connections and probes
 * (pcap_conn.c), bounded TCP stream reassembly (pcap_stream.c), DNS (pcap_dns.c), HTTP
 * responses (pcap_http.c), TLS handshakes (pcap_tls.c) and the importer's state (pcap.c). Nothing outside
 * importers/pcap*.c and the unit tests includes it. */
#ifndef TALLY_PCAP_INTERNAL_H
#define TALLY_PCAP_INTERNAL_H

#include <glib.h>
#include <roaring/roaring.h>
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
    uint8_t has_ports;          /* sport/dport (ICMP: see icmp_ports()) were read */
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

/* ---- connections: both directions of a 5-tuple (pcap_flow.c) ---- */

struct flow_key {
    uint8_t family, proto;
    uint16_t sport, dport;
    uint8_t pad[2];             /* zero: keys are compared as bytes */
    uint8_t src[16], dst[16];
};

/* What the importer remembers about one direction of a connection (struct flow_dir). */
enum {
    DIR_SYN = 1,                /* sent a SYN without ACK */
    DIR_SYNACK = 2,             /* sent a SYN-ACK: this end is a server */
    DIR_FIN = 4,                /* sent a FIN */
    DIR_RST = 8,                /* sent a RST */
    DIR_HAS_ISN = 16,           /* isn holds the sequence number of the first data byte */
    DIR_STREAM_DONE = 32,       /* the payload was handled (or is not of interest) */
    DIR_STREAM = 64             /* a stream of this direction is being reassembled */
};

struct flow_dir {
    uint64_t packets, bytes;    /* bytes: frame lengths on the wire */
    uint64_t payload;           /* transport payload bytes */
    uint32_t isn;
    uint8_t flags;              /* TCP flags OR'ed */
    uint8_t state;              /* DIR_* */
    uint8_t letters;            /* history letters already written for this direction */
};

/* The expiry lists: a connection is on the one its state says, oldest activity first. */
enum {
    FLOW_LIST_TCP,              /* TCP, answered or midstream */
    FLOW_LIST_OTHER,            /* UDP, ICMP and other protocols */
    FLOW_LIST_CLOSED,           /* TCP ended (FIN both ways, or a RST): lingers briefly */
    FLOW_LISTS
};

#define FLOW_HISTORY 14         /* room for Zeek's history letters (12) and a '^' */

/* One connection. Its key is in the originator's direction (src is the originator). */
struct flow {
    struct flow_key key;
    struct flow_dir dir[2];     /* 0: originator to responder; 1: back */
    int64_t first_ns, last_ns;
    uint32_t self;              /* its index + 1 in the table */
    uint32_t prev, next;        /* its neighbours (index + 1) on its expiry list */
    uint8_t list;               /* FLOW_LIST_* */
    uint8_t nhistory;
    char history[FLOW_HISTORY];
};

/* Memory of that many bytes, asked to live on huge pages when it is 2 MiB or more (for
 * tables reached in no order); freed with free(). */
void *flow_huge_alloc(size_t bytes);

struct flow_table;
struct flow_table *flow_table_new(void);
void flow_table_free(struct flow_table *t);        /* accepts NULL */
/* The hash of key; both directions of a 5-tuple hash alike but for the lowest bit. */
uint32_t flow_table_hash(const struct flow_key *key);
void flow_key_reverse(const struct flow_key *key, struct flow_key *back);
/* Starts fetching from memory where the connection of that hash is looked up, so that a
 * later flow_table_find() need not wait for it. */
void flow_table_prefetch(const struct flow_table *t, uint32_t hash);
/* The connection of a packet with that key and hash going either way, or NULL; *dir is 0
 * when the packet goes from the originator, 1 when it goes back. */
struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                             int *dir);
/* A new connection keyed key (whose hash is hash; none may exist yet either way), zeroed
 * but for its key, newest on expiry list `list`. Its pointer stays valid until it is
 * removed. */
struct flow *flow_table_add(struct flow_table *t, const struct flow_key *key, uint32_t hash,
                            int list);
/* Makes f the newest of expiry list `list` (moving it there from its own). */
void flow_table_touch(struct flow_table *t, struct flow *f, int list);
/* The oldest connection of an expiry list, or NULL. */
struct flow *flow_table_oldest(const struct flow_table *t, int list);
/* The connection after f on its expiry list, or NULL. */
struct flow *flow_table_newer(const struct flow_table *t, const struct flow *f);
size_t flow_table_count(const struct flow_table *t, int list);
size_t flow_table_size(const struct flow_table *t);
/* Forgets f; its entry is reused. */
void flow_table_remove(struct flow_table *t, struct flow *f);

/* ---- bounded TCP stream reassembly (pcap_stream.c) ---- */

#define STREAM_MAX_BYTES (64u * 1024)   /* bytes kept from the start of a stream */
#define STREAM_MAX_RANGES 32            /* gaps tolerated before a stream is given up */
#define STREAM_MAX_TRACKED 1024         /* streams followed at once; the idlest is evicted */
#define STREAM_MAX_EARLY 8              /* segments buffered while a stream's start is unknown */

enum stream_kind { STREAM_HTTP, STREAM_DNS, STREAM_TLS };

struct stream_range {
    uint32_t start, end;        /* offsets from the stream's first byte, end exclusive */
};

/* The first STREAM_MAX_BYTES of one direction of a TCP connection. Segments may come out
 * of order, repeated or overlapping: the first copy of each byte wins. */
struct stream {
    struct flow *flow;
    struct flow_dir *side;      /* the direction followed: flow->dir[0] or [1] */
    struct flow_key key;        /* in that direction: src sends the stream */
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

/* A stream of direction dir (0 or 1) of flow. */
struct stream *stream_new(struct flow *flow, int dir, enum stream_kind kind, uint32_t base);
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
struct stream *stream_table_find(struct stream_table *t, const struct flow_dir *side);
/* Tracks s (the table takes it) as the most recently used. */
void stream_table_insert(struct stream_table *t, struct stream *s);
/* Marks s as the most recently used. */
void stream_table_touch(struct stream_table *t, struct stream *s, int64_t now_ns);
/* Stops tracking s and frees it. */
void stream_table_remove(struct stream_table *t, struct stream *s);
size_t stream_table_count(const struct stream_table *t);
/* The least recently used stream, or NULL. */
struct stream *stream_table_oldest(struct stream_table *t);

/* ---- sets of IPv4 addresses filled in no order (pcap_addrset.c) ---- */

/* A CRoaring bitmap and the addresses added since it was last brought up to date, in a
 * hash set (open addressing, 0: empty; address 0 itself is `zero`). */
struct addr_set {
    roaring_bitmap_t *bitmap;
    uint32_t *stage;
    uint32_t slots, staged;     /* slots: a power of two, or 0 */
    int zero;                   /* address 0 is staged */
    uint64_t added;             /* distinct addresses added so far, counted at flushes */
};

void addr_set_init(struct addr_set *s);
void addr_set_free(struct addr_set *s);
void addr_set_add(struct addr_set *s, uint32_t addr);
int addr_set_contains(const struct addr_set *s, uint32_t addr);
/* Starts fetching the stage's slot for addr, for an add or a look-up a little later. */
void addr_set_prefetch(const struct addr_set *s, uint32_t addr);
void addr_set_remove(struct addr_set *s, uint32_t addr);
/* Adds the staged addresses to the bitmap, in order; returns how many were not in it. */
uint64_t addr_set_flush(struct addr_set *s);
/* How many addresses the set holds (it is flushed first). */
uint64_t addr_set_count(struct addr_set *s);

/* ---- the importer's state (pcap.c) ---- */

struct pcap_stats {
    long long packets, bytes;       /* bytes: frame lengths on the wire */
    int64_t first_ns, last_ns;
    long long ipv4, ipv6, tcp, udp, icmp, icmpv6, other_ip;
    long long not_ip, unsupported, malformed, truncated, fragments;
    long long dns_queries, dns_responses, dns_malformed, dns_other_opcode;
    long long http_responses, streams_evicted, streams_abandoned;
    long long tls_handshakes, tls_hidden_certificates;     /* hidden: TLS 1.3's, encrypted */
    long long connections;          /* begun in this file, each unanswered probe one */
    /* Record headers that lie: more bytes captured than the packet had (read as
     * captured). More than the snapshot length libpcap itself cuts to the snapshot. */
    long long caplen_over_len;
};

/* An IPv6 observation stored already in this import (the keys of pcap_state.services). */
struct service_key {
    uint8_t family;
    uint8_t closed;
    uint16_t port;
    uint8_t addr[16];
};

/* What outlives one file: consecutive files of one capture (rotated by tcpdump -C or -G)
 * are one capture, so connections and probes go on from one file into the next. */
/* A SYN sent lately, in a slot of struct pcap_capture.syns chosen by its 5-tuple's hash:
 * when its answer comes while it is still there, the connection starts at its time. */
struct syn_slot {
    uint32_t hash;              /* flow_table_hash() of the SYN's key; 0: empty */
    uint16_t len;               /* its wire length */
    uint16_t packets;           /* SYNs sent (retransmissions) */
    int64_t ts;                 /* the first one's time */
};

struct probe_group;

#define PROBE_CACHE 64              /* probe groups found without a hash table lookup */

struct pcap_capture {
    struct flow_table *flows;
    struct syn_slot *syns;      /* SYN_SLOTS */
    GHashTable *probes;             /* struct probe_key -> struct probe_group */
    /* Groups used lately, by probe_cache_slot(): a scan sends to a few ports in turn. */
    struct probe_group *group_cache[PROBE_CACHE];
    struct store *store;            /* where its rows went */
    int64_t source_id;              /* the file whose import wrote them last */
    int64_t last_ns;                /* the time of its last packet */
    long long packets;              /* since the last sweep of the probes */
};

struct pcap_state {
    struct import_ctx *ctx;
    int dlt;
    struct pcap_stats stats;
    struct pcap_capture *cap;
    struct flow_table *flows;       /* cap->flows */
    struct stream_table *streams;
    GHashTable *services;           /* IPv6 observations already stored (struct service_key) */
    /* IPv4 ones: per port, the addresses seen open ([port]) and closed ([65536 + port]). */
    struct addr_set **services4;
    int64_t timeout_ns[FLOW_LISTS]; /* idle time after which a connection ends; 0: never */
    struct conn_record *rows;       /* connections ended, waiting to be stored */
    char (*row_text)[2][FLOW_HISTORY];  /* their proto names and histories */
    size_t nrows;
    GHashTable *tls;                /* TLS connections being read (pcap_tls.c), or NULL */
};

/* ---- connections and probes (pcap_conn.c) ---- */

#define FLOW_TIMEOUT_TCP 300        /* seconds idle, by capture time */
#define FLOW_TIMEOUT_UDP 60         /* and for every protocol but TCP */
#define FLOW_CLOSE_DELAY 5          /* seconds a connection ended by FIN or RST lingers */
#define SYN_SLOTS 262144            /* recent SYNs remembered (time, length, count) */
#define PROBE_MAX_V6 1048576        /* IPv6 destinations remembered per probe group */
#define CONN_ROWS 256               /* connections stored at once */

struct pcap_capture *pcap_capture_new(void);
/* Starts fetching what packet p (whose key and its hash are given) will read: its
 * connection's bucket, its slot of recent SYNs, and for a probe or an answer to one where
 * the probe group's bitmaps and the open and closed ports seen hold its address; so that
 * handling it a few packets later need not wait. */
void pcap_conn_prefetch(const struct pcap_state *st, const struct pkt *p,
                        const struct flow_key *key, uint32_t hash);
void pcap_capture_free(struct pcap_capture *c);   /* accepts NULL */
/* Adds a decoded IP packet (whose key has hash `hash`) to its connection or probe group,
 * ends the connections idle too long by its time, and follows what it says (open and
 * closed ports, TCP payloads, DNS over UDP). */
enum tally_error pcap_conn_packet(struct pcap_state *st, const struct pkt *p,
                                  const struct flow_key *key, uint32_t hash, int64_t ts_ns,
                                  uint32_t len);
/* At the end of a file: stores the connections still open (ended "eof"; they stay open for
 * a next file) and the probe groups with unanswered probes. */
enum tally_error pcap_conn_file_end(struct pcap_state *st);
/* Stores the connection rows waiting. */
enum tally_error pcap_conn_flush(struct pcap_state *st);

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
/* Stores the response header block sent by key's source: a banner "http" and its
 * Server / X-Powered-By headers. */
enum tally_error pcap_http_response(struct pcap_state *st, const struct flow_key *key,
                                    int64_t ts_ns, const uint8_t *data, size_t len);

/* ---- TLS (pcap_tls.c) ---- */

/* Whether data starts like a TLS handshake record holding a ClientHello or ServerHello
 * (type 22, version 3.0 to 3.4, a length TLS allows); with fewer bytes, whether it still
 * may. */
int tls_record_start(const uint8_t *data, size_t len);
/* Reads the TLS records stream s (of kind STREAM_TLS) holds without gaps, from s->consumed
 * on; *done is set when nothing more of it is needed. */
enum tally_error pcap_tls_stream(struct pcap_state *st, struct stream *s, int64_t ts_ns,
                                 int *done);
/* Connection f ends: its TLS row, if it has one, is stored. */
enum tally_error pcap_tls_end(struct pcap_state *st, struct flow *f);
/* Stores the rows of the TLS connections still read (at the end of a file). */
enum tally_error pcap_tls_finish(struct pcap_state *st);
void pcap_tls_free(struct pcap_state *st);

/* ---- TCP payloads (pcap_stream.c) ---- */

/* Follows a TCP segment's payload, going direction dir (0 or 1) of connection f with key
 * (the packet's own), for DNS over TCP, HTTP responses and TLS handshakes. */
enum tally_error pcap_tcp_payload(struct pcap_state *st, struct flow *f, int dir,
                                  const struct flow_key *key, const struct pkt *p,
                                  int64_t ts_ns);
/* Handles what the streams of connection f still hold, and lets them go (it ends). */
enum tally_error pcap_streams_end(struct pcap_state *st, struct flow *f);
/* Handles what the streams still tracked hold (at the end of the capture). */
enum tally_error pcap_streams_finish(struct pcap_state *st);

#endif
