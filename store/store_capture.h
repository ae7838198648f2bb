/* store_capture.h: records a packet-capture import hands the store (DNS, flows, capture
 * summary). Part of store.h; include that instead. */
#ifndef TALLY_STORE_CAPTURE_H
#define TALLY_STORE_CAPTURE_H

/* One direction of one conversation (a 5-tuple), aggregated over the whole capture; or,
 * with destinations > 1 and dst.family 0, that many unanswered one-SYN probes from
 * src:sport to dport (a scan's probes, which would otherwise be a row each). */
struct flow_record {
    struct ip_addr src, dst;
    const char *proto;          /* "tcp", "udp", "icmp", "icmpv6" or the protocol number */
    unsigned sport, dport;      /* ICMP: type and code; 0 when the protocol has none */
    long long packets;
    long long bytes;            /* frame bytes on the wire */
    double first_seen;          /* unix seconds */
    double last_seen;
    unsigned tcp_flags;         /* TCP flags of every packet OR'ed (FIN 1, SYN 2, RST 4, ...) */
    long long destinations;     /* 0 or 1: one flow; more: aggregated probes */
};
enum tally_error store_add_flow(struct store *store, const struct flow_record *rec);
/* The same for n records at once (faster: several rows per statement). */
enum tally_error store_add_flows(struct store *store, const struct flow_record *recs,
                                 size_t n);

/* One answer of one DNS response, or the response itself when it has no answers (name,
 * type and data NULL, ttl -1). Names are as on the wire, without the final dot. */
struct dns_record {
    int64_t seen;               /* unix seconds */
    struct ip_addr client;      /* where the response went */
    struct ip_addr server;      /* where it came from */
    const char *qname;          /* the first question, or NULL when there was none */
    const char *qtype;          /* "A", "AAAA", ..., "TYPE65" */
    const char *rcode;          /* "NOERROR", "NXDOMAIN", ..., "RCODE11" */
    const char *name;
    const char *type;
    long long ttl;
    const char *data;           /* address, target name, "10 mx.example", TXT text, or NULL */
};
enum tally_error store_add_dns(struct store *store, const struct dns_record *rec);

/* The capture summary: one (metric, value) row per call; values are numbers or text. */
enum tally_error store_add_capture_int(struct store *store, const char *metric,
                                       long long value);
enum tally_error store_add_capture_real(struct store *store, const char *metric, double value);
enum tally_error store_add_capture_text(struct store *store, const char *metric,
                                        const char *value);

#endif
