/* store_capture.h: records a packet-capture import hands the store (connections, probes, DNS,
 * capture summary). Part of store.h; include that instead. */
#ifndef TALLY_STORE_CAPTURE_H
#define TALLY_STORE_CAPTURE_H

/* One connection (both directions of a 5-tuple, as a row of Zeek's conn.log). */
struct conn_record {
    struct ip_addr orig, resp;  /* originator and responder */
    const char *proto;          /* "tcp", "udp", "icmp", "icmpv6" or the protocol number */
    unsigned orig_port, resp_port;  /* ICMP: type and code; 0 when the protocol has none */
    double first_seen, last_seen;   /* unix seconds */
    long long orig_packets, orig_bytes;     /* bytes: frame bytes on the wire */
    long long resp_packets, resp_bytes;
    unsigned orig_flags, resp_flags;        /* TCP flags OR'ed (FIN 1, SYN 2, RST 4, ...) */
    const char *conn_state;     /* Zeek's: "S0", "SF", "REJ", ... */
    const char *history;        /* Zeek's history letters */
    const char *ended;          /* "fin", "rst", "idle" or "eof" */
};
enum tally_error store_add_conns(struct store *store, const struct conn_record *recs,
                                 size_t n);

/* The TCP SYNs a scanner sent from one port to one port: how many distinct destinations,
 * how many of them answered (those are connections), and the packets and bytes of the
 * probes that were not. */
struct probe_record {
    struct ip_addr scanner;
    unsigned sport, dport;
    double first_seen, last_seen;
    long long packets, bytes;
    long long destinations, answered;
};
enum tally_error store_add_probe(struct store *store, const struct probe_record *rec);

/* The source an import writes (for store_capture_continue() in the next file). */
int64_t store_capture_source(const struct store *store);
/* The capture of source source_id goes on in the file being imported: the rows of its
 * connections still open at the end of that file (ended 'eof', and those ended by FIN or
 * RST but still lingering: last seen at closed_since or later) and its probes are deleted,
 * to be written again, whole, by this import. */
enum tally_error store_capture_continue(struct store *store, int64_t source_id,
                                        double closed_since);

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
