/* store_capture.c: the tables a packet-capture import writes besides observations, banners
 * and headers: flows (per-direction 5-tuple aggregates), DNS answers, and the capture
 * summary. Addresses are text; times are unix seconds (REAL for flows, INTEGER for DNS). */
#include "store/store_internal.h"

#include <stddef.h>
#include <string.h>

static const char capture_v1[] =
    "CREATE TABLE flow (\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  proto TEXT NOT NULL,         -- tcp, udp, icmp, icmpv6, or the IP protocol number\n"
    "  src TEXT NOT NULL,           -- sender address as text\n"
    "  sport INTEGER NOT NULL,      -- ICMP: type\n"
    "  dst TEXT,                    -- NULL: unanswered SYN probes, see destinations\n"
    "  dport INTEGER NOT NULL,      -- ICMP: code\n"
    "  packets INTEGER NOT NULL,\n"
    "  bytes INTEGER NOT NULL,      -- frame bytes on the wire\n"
    "  first_seen REAL NOT NULL,    -- unix seconds\n"
    "  last_seen REAL NOT NULL,\n"
    "  tcp_flags INTEGER,           -- TCP flags OR'ed: FIN 1 SYN 2 RST 4 PSH 8 ACK 16 URG 32\n"
    "  destinations INTEGER NOT NULL DEFAULT 1 -- >1: that many unanswered one-SYN probes\n"
    "                               -- from src:sport to dport, one row (dst NULL)\n"
    ");\n"
    "CREATE TABLE dns_answer (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  seen INTEGER,                -- unix seconds\n"
    "  client TEXT NOT NULL,        -- the response's destination\n"
    "  server TEXT NOT NULL,        -- the response's sender\n"
    "  qname TEXT,                  -- the question\n"
    "  qtype TEXT,\n"
    "  rcode TEXT NOT NULL,         -- NOERROR, NXDOMAIN, ...\n"
    "  name TEXT,                   -- the answer (NULL: a response without answers)\n"
    "  type TEXT,                   -- A, AAAA, CNAME, PTR, NS, MX, TXT, ...\n"
    "  ttl INTEGER,\n"
    "  data TEXT                    -- address, target name, MX 'pref host', TXT text\n"
    ");\n"
    "CREATE TABLE capture_summary (  -- one row per metric per capture\n"
    "  source_id INTEGER NOT NULL,\n"
    "  metric TEXT NOT NULL,        -- link_type, packets, bytes (on the wire), first_seen,\n"
    "                               -- last_seen, duration (unix seconds, seconds), snaplen,\n"
    "                               -- packets by kind: ipv4 ipv6 tcp udp icmp icmpv6\n"
    "                               -- other_ip not_ip unsupported_link malformed truncated\n"
    "                               -- fragments; flows, dns_queries (UDP and TCP),\n"
    "                               -- dns_responses, dns_malformed, dns_other_opcode\n"
    "                               -- (responses to NOTIFY, UPDATE, ...: not stored),\n"
    "                               -- http_responses\n"
    "  value                        -- a number, or text for link_type\n"
    ");\n"
    "CREATE INDEX dns_answer_qname ON dns_answer(qname);\n"
    "CREATE INDEX capture_summary_source ON capture_summary(source_id);\n";

static const char *const capture_tables[] = { "flow", "dns_answer", "capture_summary", NULL };

static const struct store_migration capture_migrations[] = {
    { 1, capture_v1, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_capture = {
    .name = "capture", .migrations = capture_migrations, .tables = capture_tables
};

static void row_address(struct store *store, int index, const struct ip_addr *addr)
{
    char text[64];
    ip_format(addr, text, sizeof(text));
    store_row_text(store, index, text);
}

#define FLOW_COLUMNS 12
#define FLOW_ROW "(?,?,?,?,?,?,?,?,?,?,?,?)"
#define FLOW_ROWS4 FLOW_ROW "," FLOW_ROW "," FLOW_ROW "," FLOW_ROW
#define FLOW_ROWS16 FLOW_ROWS4 "," FLOW_ROWS4 "," FLOW_ROWS4 "," FLOW_ROWS4
/* OR FAIL: a constraint failing ends the statement without undoing its earlier rows, so
 * SQLite needs no statement journal for a 32-row statement. A failure fails the import,
 * whose transaction is then rolled back whole. */
#define FLOW_INSERT "INSERT OR FAIL INTO flow (source_id, proto, src, sport, dst, dport, " \
    "packets, bytes, first_seen, last_seen, tcp_flags, destinations) VALUES "

/* Queues rec as the row whose first parameter is `first`. */
static void row_flow(struct store *store, int first, const struct flow_record *rec)
{
    store_row_int(store, first, store->source_id);
    store_row_text(store, first + 1, rec->proto);
    row_address(store, first + 2, &rec->src);
    store_row_int(store, first + 3, rec->sport);
    if (rec->dst.family)
        row_address(store, first + 4, &rec->dst);
    store_row_int(store, first + 5, rec->dport);
    store_row_int(store, first + 6, rec->packets);
    store_row_int(store, first + 7, rec->bytes);
    store_row_double(store, first + 8, rec->first_seen);
    store_row_double(store, first + 9, rec->last_seen);
    if (strcmp(rec->proto, "tcp") == 0)
        store_row_int(store, first + 10, rec->tcp_flags);
    store_row_int(store, first + 11, rec->destinations > 1 ? rec->destinations : 1);
}

enum tally_error store_add_flows(struct store *store, const struct flow_record *recs,
                                 size_t n)
{
    static const char one[] = FLOW_INSERT FLOW_ROW;
    static const char batch[] = FLOW_INSERT FLOW_ROWS16 "," FLOW_ROWS16;
    enum { BATCH = 32 };
    while (n > 0) {
        size_t rows = n >= BATCH ? BATCH : 1;
        enum tally_error err = store_row_begin(store, rows == BATCH ? batch : one);
        if (err)
            return err;
        for (size_t i = 0; i < rows; i++)
            row_flow(store, (int)(i * FLOW_COLUMNS) + 1, &recs[i]);
        if ((err = store_row_end_counted(store, "flow", (long long)rows)))
            return err;
        recs += rows;
        n -= rows;
    }
    return TALLY_OK;
}

enum tally_error store_add_flow(struct store *store, const struct flow_record *rec)
{
    return store_add_flows(store, rec, 1);
}

enum tally_error store_add_dns(struct store *store, const struct dns_record *rec)
{
    static const char sql[] =
        "INSERT INTO dns_answer (source_id, seen, client, server, qname, qtype, rcode, name, "
        "type, ttl, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    store_row_int(store, 2, rec->seen);
    row_address(store, 3, &rec->client);
    row_address(store, 4, &rec->server);
    store_row_text(store, 5, rec->qname);
    store_row_text(store, 6, rec->qtype);
    store_row_text(store, 7, rec->rcode);
    store_row_text(store, 8, rec->name);
    store_row_text(store, 9, rec->type);
    if (rec->ttl >= 0)
        store_row_int(store, 10, rec->ttl);
    store_row_text(store, 11, rec->data);
    return store_row_end_counted(store, "dns", 1);
}

/* Queues the start of a capture_summary row; the value is parameter 3. */
static enum tally_error summary_row(struct store *store, const char *metric)
{
    static const char sql[] =
        "INSERT INTO capture_summary (source_id, metric, value) VALUES (?,?,?)";
    enum tally_error err = store_row_begin(store, sql);
    if (!err) {
        store_row_int(store, 1, store->source_id);
        store_row_text(store, 2, metric);
    }
    return err;
}

enum tally_error store_add_capture_int(struct store *store, const char *metric,
                                       long long value)
{
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_int(store, 3, value);
    return store_row_end(store);
}

enum tally_error store_add_capture_real(struct store *store, const char *metric, double value)
{
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_double(store, 3, value);
    return store_row_end(store);
}

enum tally_error store_add_capture_text(struct store *store, const char *metric,
                                        const char *value)
{
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_text(store, 3, value);
    return store_row_end(store);
}
