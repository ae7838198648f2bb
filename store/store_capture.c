/* store_capture.c: the tables a packet-capture import writes besides observations, banners
 * and headers: connections (both directions of a 5-tuple, as Zeek's conn.log), scan probes
 * (one row per scanner, source port and port), DNS answers, and the capture summary.
 * Addresses are text; times are unix seconds (REAL for connections, INTEGER for DNS). */
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

/* v5: one row per connection instead of one per direction, written as connections end,
 * and unanswered probes in a table of their own. */
static const char capture_v5[] =
    "CREATE TABLE IF NOT EXISTS conn ( -- one connection (a biflow)\n"
    "  source_id INTEGER NOT NULL,  -- source.id (of the file holding its first packet)\n"
    "  proto TEXT NOT NULL,         -- tcp, udp, icmp, icmpv6, or the IP protocol number\n"
    "  orig TEXT NOT NULL,          -- the originator's address as text\n"
    "  orig_port INTEGER NOT NULL,  -- ICMP: type\n"
    "  resp TEXT NOT NULL,          -- the responder's address\n"
    "  resp_port INTEGER NOT NULL,  -- ICMP: code\n"
    "  first_seen REAL NOT NULL,    -- unix seconds\n"
    "  last_seen REAL NOT NULL,\n"
    "  orig_packets INTEGER NOT NULL,\n"
    "  orig_bytes INTEGER NOT NULL, -- frame bytes on the wire\n"
    "  resp_packets INTEGER NOT NULL,\n"
    "  resp_bytes INTEGER NOT NULL,\n"
    "  orig_flags INTEGER,          -- TCP flags OR'ed: FIN 1 SYN 2 RST 4 PSH 8 ACK 16 URG 32\n"
    "  resp_flags INTEGER,\n"
    "  conn_state TEXT,             -- Zeek's: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH\n"
    "                               -- SHR OTH (NULL: upgraded from a flow row)\n"
    "  history TEXT,                -- Zeek's history letters\n"
    "  ended TEXT                   -- why it was written: fin, rst, idle, eof\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS conn_source ON conn(source_id);\n"
    "CREATE TABLE IF NOT EXISTS probe ( -- SYNs from scanner:sport to dport, one row\n"
    "  source_id INTEGER NOT NULL,\n"
    "  proto TEXT NOT NULL,         -- tcp\n"
    "  scanner TEXT NOT NULL,\n"
    "  sport INTEGER NOT NULL,\n"
    "  dport INTEGER NOT NULL,\n"
    "  first_seen REAL NOT NULL,\n"
    "  last_seen REAL NOT NULL,\n"
    "  packets INTEGER NOT NULL,    -- SYNs of the probes not answered\n"
    "  bytes INTEGER NOT NULL,\n"
    "  destinations INTEGER NOT NULL, -- distinct addresses probed\n"
    "  answered INTEGER NOT NULL    -- of which answered (each a conn row)\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS probe_source ON probe(source_id);\n";

/* The rows of the v1 flow table, when it is there, become rows of the new tables: the two
 * directions of a 5-tuple are paired into one connection (the direction seen first is the
 * originator; state and history are not known), one-SYN flows nothing answered and the
 * folded probes become probe rows, whose answered destinations are the connections from
 * the same scanner and port, and the `flows` metric counts connections. An ICMP request or
 * reply of a pair is first keyed as captures key it now (importers/pcap_decode.c), by its
 * type and its counterpart's, so the two become one connection. */
static const char capture_v5_flows[] =
    "CREATE TEMP TABLE v5_icmp (proto TEXT, type INTEGER, other INTEGER);\n"
    "INSERT INTO temp.v5_icmp VALUES ('icmp', 8, 0), ('icmp', 0, 8), ('icmp', 13, 14),\n"
    "  ('icmp', 14, 13), ('icmp', 15, 16), ('icmp', 16, 15), ('icmp', 17, 18),\n"
    "  ('icmp', 18, 17), ('icmp', 10, 9), ('icmp', 9, 10), ('icmpv6', 128, 129),\n"
    "  ('icmpv6', 129, 128), ('icmpv6', 133, 134), ('icmpv6', 134, 133),\n"
    "  ('icmpv6', 135, 136), ('icmpv6', 136, 135), ('icmpv6', 130, 131),\n"
    "  ('icmpv6', 131, 130), ('icmpv6', 139, 140), ('icmpv6', 140, 139);\n"
    "UPDATE flow SET dport = (SELECT other FROM temp.v5_icmp p WHERE p.proto = flow.proto\n"
    "    AND p.type = flow.sport)\n"
    "  WHERE EXISTS (SELECT 1 FROM temp.v5_icmp p WHERE p.proto = flow.proto\n"
    "    AND p.type = flow.sport);\n"
    "DROP TABLE temp.v5_icmp;\n"
    "CREATE INDEX flow_pairs ON flow(source_id, src, sport, dst, dport);\n"
    "CREATE TEMP TABLE v5_probe AS SELECT f.rowid AS id FROM flow f\n"
    "  WHERE f.dst IS NULL OR (f.proto = 'tcp' AND f.packets = 1 AND f.tcp_flags = 2\n"
    "    AND NOT EXISTS (SELECT 1 FROM flow r WHERE r.source_id = f.source_id\n"
    "      AND r.src = f.dst AND r.sport = f.dport AND r.dst = f.src AND r.dport = f.sport\n"
    "      AND r.proto = f.proto));\n"
    "INSERT INTO conn (source_id, proto, orig, orig_port, resp, resp_port, first_seen,\n"
    "    last_seen, orig_packets, orig_bytes, resp_packets, resp_bytes, orig_flags, resp_flags)\n"
    "  SELECT f.source_id, f.proto, f.src, f.sport, f.dst, f.dport,\n"
    "    MIN(f.first_seen, COALESCE(r.first_seen, f.first_seen)),\n"
    "    MAX(f.last_seen, COALESCE(r.last_seen, f.last_seen)),\n"
    "    f.packets, f.bytes, COALESCE(r.packets, 0), COALESCE(r.bytes, 0),\n"
    "    f.tcp_flags, CASE WHEN r.rowid IS NULL THEN NULL ELSE r.tcp_flags END\n"
    "  FROM flow f LEFT JOIN flow r ON r.source_id = f.source_id AND r.src = f.dst\n"
    "    AND r.sport = f.dport AND r.dst = f.src AND r.dport = f.sport\n"
    "    AND r.proto = f.proto AND r.rowid <> f.rowid\n"
    "  WHERE f.rowid NOT IN (SELECT id FROM temp.v5_probe)\n"
    "    AND (r.rowid IS NULL OR f.first_seen < r.first_seen\n"
    "      OR (f.first_seen = r.first_seen AND f.rowid < r.rowid))\n"
    "  ORDER BY f.rowid;\n"
    "INSERT INTO probe (source_id, proto, scanner, sport, dport, first_seen, last_seen,\n"
    "    packets, bytes, destinations, answered)\n"
    "  SELECT source_id, proto, src, sport, dport, MIN(first_seen), MAX(last_seen),\n"
    "    SUM(packets), SUM(bytes), SUM(destinations), 0 FROM flow\n"
    "  WHERE rowid IN (SELECT id FROM temp.v5_probe)\n"
    "  GROUP BY source_id, src, sport, dport ORDER BY MIN(rowid);\n"
    "UPDATE probe SET answered = (SELECT COUNT(*) FROM conn c WHERE c.source_id =\n"
    "    probe.source_id AND c.proto = 'tcp' AND c.orig = probe.scanner\n"
    "    AND c.orig_port = probe.sport AND c.resp_port = probe.dport AND c.orig_flags & 2);\n"
    "UPDATE probe SET destinations = destinations + answered;\n"
    "UPDATE capture_summary SET value =\n"
    "    (SELECT COUNT(*) FROM conn c WHERE c.source_id = capture_summary.source_id)\n"
    "    + (SELECT COALESCE(SUM(destinations - answered), 0) FROM probe p\n"
    "       WHERE p.source_id = capture_summary.source_id)\n"
    "  WHERE metric = 'flows';\n"
    "DROP TABLE temp.v5_probe;\n"
    "DROP TABLE flow;\n";

static enum tally_error capture_v5_build(struct store *store, struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    int has_flows = sqlite3_prepare_v2(store->db, "SELECT 1 FROM sqlite_master WHERE "
                                       "type = 'table' AND name = 'flow'", -1, &stmt,
                                       NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    if (!has_flows)
        return TALLY_OK;
    if (sqlite3_exec(store->db, capture_v5_flows, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot bring the flows to schema 5");
    return TALLY_OK;
}

static const char *const capture_tables[] = { "conn", "probe", "dns_answer", "capture_summary",
                                              NULL };

static const struct store_migration capture_migrations[] = {
    { 1, capture_v1, NULL },
    { 5, capture_v5, capture_v5_build },
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

/* OR FAIL: a constraint failing ends the statement; the import's transaction is then
 * rolled back whole. */
#define CONN_INSERT "INSERT OR FAIL INTO conn (source_id, proto, orig, orig_port, resp, " \
    "resp_port, first_seen, last_seen, orig_packets, orig_bytes, resp_packets, resp_bytes, " \
    "orig_flags, resp_flags, conn_state, history, ended) VALUES "

/* Queues rec as the row whose first parameter is `first`. */
static void row_conn(struct store *store, int first, const struct conn_record *rec)
{
    int tcp = strcmp(rec->proto, "tcp") == 0;
    store_row_int(store, first, store->source_id);
    store_row_text(store, first + 1, rec->proto);
    row_address(store, first + 2, &rec->orig);
    store_row_int(store, first + 3, rec->orig_port);
    row_address(store, first + 4, &rec->resp);
    store_row_int(store, first + 5, rec->resp_port);
    store_row_double(store, first + 6, rec->first_seen);
    store_row_double(store, first + 7, rec->last_seen);
    store_row_int(store, first + 8, rec->orig_packets);
    store_row_int(store, first + 9, rec->orig_bytes);
    store_row_int(store, first + 10, rec->resp_packets);
    store_row_int(store, first + 11, rec->resp_bytes);
    if (tcp)
        store_row_int(store, first + 12, rec->orig_flags);
    if (tcp && rec->resp_packets > 0)
        store_row_int(store, first + 13, rec->resp_flags);
    store_row_text(store, first + 14, rec->conn_state);
    store_row_text(store, first + 15, rec->history);
    store_row_text(store, first + 16, rec->ended);
}

/* Connections go in several to a statement: SQLite's work per statement is then shared. */
#define CONN_VALUES "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define CONN_VALUES4 CONN_VALUES "," CONN_VALUES "," CONN_VALUES "," CONN_VALUES
#define CONN_PER_INSERT 16
#define CONN_PARAMS 17

enum tally_error store_add_conns(struct store *store, const struct conn_record *recs, size_t n)
{
    static const char one[] = CONN_INSERT CONN_VALUES;
    static const char many[] = CONN_INSERT CONN_VALUES4 "," CONN_VALUES4 "," CONN_VALUES4 ","
                               CONN_VALUES4;
    enum tally_error err;
    if (store->clickhouse)
        return clickhouse_add_conns(store, recs, n);
    for (size_t i = 0; i < n;) {
        size_t k = n - i >= CONN_PER_INSERT ? CONN_PER_INSERT : 1;
        if ((err = store_row_begin(store, k == 1 ? one : many)))
            return err;
        for (size_t j = 0; j < k; j++)
            row_conn(store, 1 + (int)j * CONN_PARAMS, &recs[i + j]);
        if ((err = store_row_end_counted(store, "connection", (long long)k)))
            return err;
        i += k;
    }
    return TALLY_OK;
}

enum tally_error store_add_probe(struct store *store, const struct probe_record *rec)
{
    static const char sql[] =
        "INSERT INTO probe (source_id, proto, scanner, sport, dport, first_seen, last_seen, "
        "packets, bytes, destinations, answered) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return clickhouse_add_probe(store, rec);
    enum tally_error err = store_row_begin(store, sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    store_row_text(store, 2, "tcp");
    row_address(store, 3, &rec->scanner);
    store_row_int(store, 4, rec->sport);
    store_row_int(store, 5, rec->dport);
    store_row_double(store, 6, rec->first_seen);
    store_row_double(store, 7, rec->last_seen);
    store_row_int(store, 8, rec->packets);
    store_row_int(store, 9, rec->bytes);
    store_row_int(store, 10, rec->destinations);
    store_row_int(store, 11, rec->answered);
    return store_row_end_counted(store, "probe", 1);
}

int64_t store_capture_source(const struct store *store)
{
    return store->source_id;
}

enum tally_error store_capture_continue(struct store *store, int64_t source_id,
                                        double closed_since)
{
    static const char conns[] =
        "DELETE FROM conn WHERE source_id = ? AND (ended = 'eof' OR "
        "(ended IN ('fin', 'rst') AND last_seen >= ?))";
    static const char probes[] = "DELETE FROM probe WHERE source_id = ?";
    if (store->clickhouse)
        return clickhouse_capture_continue(store, source_id, closed_since);
    enum tally_error err = store_row_begin(store, conns);
    if (err)
        return err;
    store_row_int(store, 1, source_id);
    store_row_double(store, 2, closed_since);
    if ((err = store_row_end(store)) || (err = store_row_begin(store, probes)))
        return err;
    store_row_int(store, 1, source_id);
    return store_row_end(store);
}

enum tally_error store_add_dns(struct store *store, const struct dns_record *rec)
{
    static const char sql[] =
        "INSERT INTO dns_answer (source_id, seen, client, server, qname, qtype, rcode, name, "
        "type, ttl, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    if (store->clickhouse)
        return clickhouse_add_dns(store, rec);
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
    if (store->clickhouse)
        return clickhouse_add_capture_int(store, metric, value);
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_int(store, 3, value);
    return store_row_end(store);
}

enum tally_error store_add_capture_real(struct store *store, const char *metric, double value)
{
    if (store->clickhouse)
        return clickhouse_add_capture_real(store, metric, value);
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_double(store, 3, value);
    return store_row_end(store);
}

enum tally_error store_add_capture_text(struct store *store, const char *metric,
                                        const char *value)
{
    if (store->clickhouse)
        return clickhouse_add_capture(store, metric, value ? value : "");
    enum tally_error err = summary_row(store, metric);
    if (err)
        return err;
    store_row_text(store, 3, value);
    return store_row_end(store);
}
