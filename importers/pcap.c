/* pcap.c: the packet-capture importer (pcap and pcapng, read by libpcap). One pass over the
 * packets: a SYN-ACK is an open port and a RST answering a SYN a closed one (stored as
 * scan observations, once per service), DNS answers and HTTP response headers are stored
 * as they complete, and flows and the capture summary are aggregated in memory and
 * written at the end. */
#include "importers/pcap_internal.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#define READ_BUFFER (256 * 1024)
#define MAX_SECONDS 9000000000ll        /* packet times are nanoseconds in an int64_t */
/* Packets decoded ahead of the one handled: the memory holding a packet's flow is fetched
 * while the packets before it are handled, rather than waited for. */
#define PIPELINE 8

/* An observation stored already in this import. */
struct service_key {
    uint8_t family;
    uint8_t closed;
    uint16_t port;
    uint8_t addr[16];
};

/* A packet decoded, waiting its turn to be handled. */
struct pending {
    struct pkt pkt;             /* its payload points to payload below */
    struct flow_key key;
    uint32_t hash;              /* of key */
    int64_t ts;                 /* nanoseconds */
    uint32_t len;               /* on the wire */
    uint8_t *payload;
    size_t payload_alloc;
};

/* FNV-1a over a key's bytes, for the GHashTables of keys compared as bytes. */
static guint bytes_hash(const void *key, size_t size)
{
    guint h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ ((const uint8_t *)key)[i]) * 16777619u;
    return h;
}

static guint service_hash(gconstpointer p)
{
    return bytes_hash(p, sizeof(struct service_key));
}

static gboolean service_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct service_key)) == 0;
}

static int pcap_sniff(const unsigned char *head, size_t len, const char *path)
{
    static const uint32_t magics[] = {
        0xa1b2c3d4, 0xd4c3b2a1,         /* pcap, microseconds */
        0xa1b23c4d, 0x4d3cb2a1,         /* pcap, nanoseconds */
        0xa1b2cd34, 0x34cdb2a1,         /* "modified" pcap (longer record headers) */
        0x0a0d0d0a,                     /* pcapng section header */
    };
    (void)path;
    if (len < 4)
        return 0;
    uint32_t magic = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
                     (uint32_t)head[2] << 8 | head[3];
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (magic == magics[i])
            return 100;
    return 0;
}

/* libpcap reads through stdio and closes its stream on pcap_close(); this one reads from
 * the input and leaves closing the input to its owner. */
struct reader {
    struct input *in;
    struct tally_diag error;
    int failed;
    long long bytes;                /* handed to libpcap so far */
    unsigned char magic[4];         /* the file's first bytes */
};

static ssize_t reader_read(void *cookie, char *buf, size_t size)
{
    struct reader *r = cookie;
    long n = input_read(r->in, buf, size, &r->error);
    if (n < 0) {
        r->failed = 1;
        errno = EIO;
        return -1;
    }
    for (long i = 0; i < n && r->bytes + i < 4; i++)
        r->magic[r->bytes + i] = (unsigned char)buf[i];
    r->bytes += n;
    return n;
}

/* The size of a record header in a pcap file (16, or 24 in the "modified" format), or 0
 * for pcapng, whose block sizes libpcap does not report. */
static int record_header_size(const struct reader *r)
{
    uint32_t magic = (uint32_t)r->magic[0] << 24 | (uint32_t)r->magic[1] << 16 |
                     (uint32_t)r->magic[2] << 8 | r->magic[3];
    if (magic == 0x0a0d0d0a)
        return 0;
    return magic == 0xa1b2cd34 || magic == 0x34cdb2a1 ? 24 : 16;
}

static int reader_close(void *cookie)
{
    (void)cookie;
    return 0;
}

static enum tally_error observe(struct pcap_state *st, const struct pkt *p, int closed,
                                const char *reason, int64_t ts_ns)
{
    struct service_key key = { .family = p->family, .closed = (uint8_t)closed,
                               .port = p->sport };
    memcpy(key.addr, p->src, sizeof(key.addr));
    if (g_hash_table_contains(st->services, &key))
        return TALLY_OK;
    g_hash_table_add(st->services, g_memdup2(&key, sizeof(key)));
    struct scan_record rec = {
        .proto = "tcp", .port = p->sport, .status = closed ? "closed" : "open",
        .reason = reason, .ttl = p->ttl, .seen = ts_ns / 1000000000,
    };
    rec.addr.family = p->family;
    memcpy(rec.addr.bytes, p->src, sizeof(rec.addr.bytes));
    if (store_add_observation(st->ctx->store, &rec))
        return store_fail(st->ctx->store, st->ctx->diag, "cannot store an observation");
    return TALLY_OK;
}

static enum tally_error handle_tcp(struct pcap_state *st, struct flow *f,
                                   const struct pkt *p, int64_t ts_ns)
{
    unsigned flags = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST);
    enum tally_error err = TALLY_OK;
    if (flags == TCP_SYN) {
        f->state |= FLOW_SAW_SYN;
    } else if (flags == (TCP_SYN | TCP_ACK)) {
        f->state |= FLOW_SAW_SYNACK;
        if (!(f->state & FLOW_STREAM_DONE) && !stream_table_find(st->streams, f)) {
            f->isn = p->seq + 1;
            f->state |= FLOW_HAS_ISN;
        }
        err = observe(st, p, 0, "syn-ack", ts_ns);
    } else if (flags & TCP_RST) {
        /* Closed: a RST from a port that was sent a SYN and never answered with SYN-ACK. */
        struct flow *r = flow_table_reverse(st->flows, f);
        if (r && (r->state & FLOW_SAW_SYN) && !(f->state & FLOW_SAW_SYNACK))
            err = observe(st, p, 1, flags & TCP_ACK ? "rst-ack" : "rst", ts_ns);
    }
    if (!err && p->payload_len > 0)
        err = pcap_tcp_payload(st, f, p, ts_ns);
    return err;
}

/* Counts the packet and decodes it into q, copying what q keeps of its data. Returns
 * whether it is an IP packet, for handle_packet(). */
static int decode_packet(struct pcap_state *st, const struct pcap_pkthdr *h,
                         const uint8_t *data, struct pending *q)
{
    struct pcap_stats *s = &st->stats;
    struct pkt *p = &q->pkt;
    int64_t sec = h->ts.tv_sec, frac = h->ts.tv_usec;     /* frac: nanoseconds */
    if (frac < 0 || frac >= 1000000000)             /* a damaged record: whole seconds */
        frac = 0;
    if (sec < 0 || sec > MAX_SECONDS)               /* beyond what tally represents */
        sec = sec < 0 ? 0 : MAX_SECONDS;
    int64_t ts = sec * 1000000000 + frac;

    if (s->packets == 0 || ts < s->first_ns)
        s->first_ns = ts;
    if (s->packets == 0 || ts > s->last_ns)
        s->last_ns = ts;
    s->packets++;
    s->bytes += h->len;
    if (h->caplen > h->len)
        s->caplen_over_len++;
    switch (pcap_decode(st->dlt, data, h->caplen, p)) {
    case PKT_IP:
        break;
    case PKT_NOT_IP:
        s->not_ip++;
        return 0;
    case PKT_MALFORMED:
        s->malformed++;
        return 0;
    case PKT_UNSUPPORTED:
        s->unsupported++;
        return 0;
    }
    if (p->family == 4)
        s->ipv4++;
    else
        s->ipv6++;
    switch (p->proto) {
    case 6: s->tcp++; break;
    case 17: s->udp++; break;
    case 1: s->icmp++; break;
    case 58: s->icmpv6++; break;
    default: s->other_ip++; break;
    }
    s->fragments += p->fragment != PKT_FRAG_NONE;
    s->truncated += p->truncated;
    s->malformed += p->malformed;

    if (p->payload_len > q->payload_alloc) {
        q->payload_alloc = p->payload_len;
        q->payload = xrealloc(q->payload, q->payload_alloc);
    }
    if (p->payload_len > 0) {
        memcpy(q->payload, p->payload, p->payload_len);
        p->payload = q->payload;
    }
    memset(&q->key, 0, sizeof(q->key));
    q->key.family = p->family;
    q->key.proto = p->proto;
    if (p->has_ports) {
        q->key.sport = p->sport;
        q->key.dport = p->dport;
    }
    memcpy(q->key.src, p->src, 16);
    memcpy(q->key.dst, p->dst, 16);
    q->hash = flow_table_hash(&q->key);
    q->ts = ts;
    q->len = h->len;
    return 1;
}

/* Adds a decoded IP packet to its flow and follows what it says. */
static enum tally_error handle_packet(struct pcap_state *st, const struct pending *q)
{
    const struct pkt *p = &q->pkt;
    struct flow *f = flow_table_get(st->flows, &q->key, q->hash);
    if (f->packets++ == 0)
        f->first_ns = q->ts;
    f->last_ns = q->ts;
    f->bytes += q->len;
    if (!p->has_ports)
        return TALLY_OK;
    if (p->proto == 6) {
        f->tcp_flags |= p->tcp_flags;
        return handle_tcp(st, f, p, q->ts);
    }
    if (p->proto == 17 && p->payload_len > 0 && (dns_port(p->sport) || dns_port(p->dport)))
        return pcap_dns_message(st, &q->key, q->ts, p->payload, p->payload_len);
    return TALLY_OK;
}

static const char *proto_name(unsigned proto, char *buf, size_t size)
{
    switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default:
        snprintf(buf, size, "%u", proto);
        return buf;
    }
}

/* A TCP flow of one SYN that nothing answered: a scan's probe. */
static int unanswered_probe(const struct flow *f)
{
    return f->key.proto == 6 && f->packets == 1 && f->tcp_flags == TCP_SYN && !f->reverse;
}

static void flow_record_from(const struct flow *f, struct flow_record *rec, char *proto,
                             size_t size)
{
    *rec = (struct flow_record){
        .proto = proto_name(f->key.proto, proto, size),
        .sport = f->key.sport, .dport = f->key.dport,
        .packets = (long long)f->packets, .bytes = (long long)f->bytes,
        .first_seen = (double)f->first_ns / 1e9, .last_seen = (double)f->last_ns / 1e9,
        .tcp_flags = f->tcp_flags, .destinations = 1,
    };
    rec->src.family = rec->dst.family = f->key.family;
    memcpy(rec->src.bytes, f->key.src, 16);
    memcpy(rec->dst.bytes, f->key.dst, 16);
}

/* Unanswered probes from one src:sport to one dport, counted as one row. */
struct probe_group {
    struct flow_key key;        /* dst zeroed */
    struct flow_record rec;
};

static guint probe_hash(gconstpointer p)
{
    return flow_table_hash(p);
}

static gboolean probe_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct flow_key)) == 0;
}

/* Writes every flow, but folds the unanswered one-SYN probes of a scan into one row per
 * (src, sport, dport): millions of probe rows would say no more than their count and
 * would cost most of the import. */
static enum tally_error write_flows(struct pcap_state *st)
{
    enum { BATCH = 256 };
    struct store *store = st->ctx->store;
    struct flow_record recs[BATCH];
    char protos[BATCH][8];
    enum tally_error err = TALLY_OK;
    GHashTable *groups = g_hash_table_new(probe_hash, probe_equal);
    GPtrArray *order = g_ptr_array_new_with_free_func(g_free);
    size_t n = flow_table_size(st->flows), used = 0;
    for (size_t i = 0; i < n; i++) {
        const struct flow *f = flow_table_at(st->flows, i);
        if (unanswered_probe(f)) {
            struct flow_key key = f->key;
            memset(key.dst, 0, sizeof(key.dst));
            struct probe_group *g = g_hash_table_lookup(groups, &key);
            if (!g) {
                g = g_new0(struct probe_group, 1);
                g->key = key;
                flow_record_from(f, &g->rec, protos[0], sizeof(protos[0]));
                g->rec.proto = "tcp";
                g->rec.dst.family = 0;      /* its bytes keep the first probe's address */
                g->rec.destinations = 0;
                g->rec.packets = g->rec.bytes = 0;
                g_hash_table_insert(groups, &g->key, g);
                g_ptr_array_add(order, g);
            }
            double seen = (double)f->first_ns / 1e9;
            if (seen < g->rec.first_seen)
                g->rec.first_seen = seen;
            if ((double)f->last_ns / 1e9 > g->rec.last_seen)
                g->rec.last_seen = (double)f->last_ns / 1e9;
            g->rec.packets += (long long)f->packets;
            g->rec.bytes += (long long)f->bytes;
            g->rec.destinations++;
            continue;
        }
        flow_record_from(f, &recs[used], protos[used], sizeof(protos[used]));
        if (++used == BATCH) {
            if (store_add_flows(store, recs, used)) {
                err = store_fail(store, st->ctx->diag, "cannot store a flow");
                goto done;
            }
            used = 0;
        }
    }
    if (used && store_add_flows(store, recs, used)) {
        err = store_fail(store, st->ctx->diag, "cannot store a flow");
        goto done;
    }
    for (guint i = 0; i < order->len; i++) {
        struct probe_group *g = g_ptr_array_index(order, i);
        if (g->rec.destinations == 1)
            g->rec.dst.family = g->key.family;      /* a lone probe stays its own flow */
        if (store_add_flows(store, &g->rec, 1)) {
            err = store_fail(store, st->ctx->diag, "cannot store a flow");
            goto done;
        }
    }

done:
    g_ptr_array_free(order, TRUE);
    g_hash_table_destroy(groups);
    return err;
}

/* libpcap's name of a link type, or DLT<number> for one it has no name for. */
static const char *link_name(int dlt, char *buf, size_t size)
{
    const char *name = pcap_datalink_val_to_name(dlt);
    if (name)
        return name;
    snprintf(buf, size, "DLT%d", dlt);
    return buf;
}

static enum tally_error write_summary(struct pcap_state *st, pcap_t *pc)
{
    const struct pcap_stats *s = &st->stats;
    struct store *store = st->ctx->store;
    char link_buf[32];
    const char *link = link_name(st->dlt, link_buf, sizeof(link_buf));
    const struct {
        const char *metric;
        long long value;
    } counts[] = {
        { "packets", s->packets }, { "bytes", s->bytes },
        { "ipv4", s->ipv4 }, { "ipv6", s->ipv6 },
        { "tcp", s->tcp }, { "udp", s->udp }, { "icmp", s->icmp }, { "icmpv6", s->icmpv6 },
        { "other_ip", s->other_ip }, { "not_ip", s->not_ip },
        { "unsupported_link", s->unsupported }, { "malformed", s->malformed },
        { "truncated", s->truncated }, { "fragments", s->fragments },
        { "caplen_over_len", s->caplen_over_len },
        { "flows", (long long)flow_table_size(st->flows) },
        { "dns_queries", s->dns_queries }, { "dns_responses", s->dns_responses },
        { "dns_malformed", s->dns_malformed }, { "dns_other_opcode", s->dns_other_opcode },
        { "http_responses", s->http_responses },
        { "snaplen", pcap_snapshot(pc) },
    };
    if (store_add_capture_text(store, "link_type", link))
        goto fail;
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (store_add_capture_int(store, counts[i].metric, counts[i].value))
            goto fail;
    if (s->packets > 0 &&
        (store_add_capture_real(store, "first_seen", (double)s->first_ns / 1e9) ||
         store_add_capture_real(store, "last_seen", (double)s->last_ns / 1e9) ||
         store_add_capture_real(store, "duration", (double)(s->last_ns - s->first_ns) / 1e9)))
        goto fail;
    return TALLY_OK;

fail:
    return store_fail(store, st->ctx->diag, "cannot store the capture summary");
}

/* libpcap stopped with an error after `packets` packets, the next of which would have
 * started at byte `offset` (-1: not known). A capture cut off mid-record is a warning,
 * written to cut[]; anything else is an error. */
static enum tally_error read_error(struct import_ctx *ctx, const char *msg, long long packets,
                                   long long offset, long long bytes, char *cut, size_t size)
{
    const char *path = input_path(ctx->in);
    if (strstr(msg, "truncated")) {
        if (offset >= 0)
            snprintf(cut, size, "%s: byte %lld: the capture ends in the middle of a packet "
                     "(its last %lld bytes); the %lld whole packets before it were imported",
                     path, offset, bytes - offset, packets);
        else
            snprintf(cut, size, "%s: byte %lld: the capture ends in the middle of a block; "
                     "the %lld whole packets before it were imported", path, bytes, packets);
        return TALLY_OK;
    }
    return import_bad_record_at(ctx, offset, "libpcap cannot read past packet %lld: %s",
                                packets, msg);
}

static enum tally_error pcap_run(struct import_ctx *ctx)
{
    struct reader reader = { .in = ctx->in };
    cookie_io_functions_t io = { .read = reader_read, .close = reader_close };
    struct pcap_state st = { .ctx = ctx };
    /* Packets waiting are those numbered [handled, decoded), in ring[number % PIPELINE]. */
    struct pending ring[PIPELINE] = { 0 };
    unsigned long long decoded = 0, handled = 0;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    enum tally_error err = TALLY_OK;
    pcap_t *pc = NULL;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    FILE *fp = fopencookie(&reader, "r", io);
    if (!fp)
        return diag_set(ctx->diag, TALLY_ERROR_MEMORY, "cannot open a stream over the input");
    setvbuf(fp, NULL, _IOFBF, READ_BUFFER);
    pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        fclose(fp);
        if (reader.failed) {
            *ctx->diag = reader.error;
            return TALLY_ERROR_IO;
        }
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "not a capture libpcap can read: %s",
                        errbuf);
    }
    st.dlt = pcap_datalink(pc);
    st.flows = flow_table_new();
    st.streams = stream_table_new();
    st.services = g_hash_table_new_full(service_hash, service_equal, g_free, NULL);

    /* Where the next record starts, for the warning about a cut-off one (pcap only). */
    int record_header = record_header_size(&reader);
    long long offset = record_header ? 24 : -1;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        struct pending *q = &ring[decoded % PIPELINE];
        if (decode_packet(&st, h, data, q)) {
            flow_table_prefetch(st.flows, q->hash);
            if (++decoded - handled == PIPELINE &&
                (err = handle_packet(&st, &ring[handled++ % PIPELINE])))
                goto done;
        }
        if (record_header)
            offset += record_header + h->caplen;
        import_progress(ctx);
    }
    while (handled < decoded)
        if ((err = handle_packet(&st, &ring[handled++ % PIPELINE])))
            goto done;
    char cut[320] = "";
    if (rc == PCAP_ERROR) {
        if (reader.failed) {
            *ctx->diag = reader.error;
            err = TALLY_ERROR_IO;
            goto done;
        }
        err = read_error(ctx, pcap_geterr(pc), st.stats.packets, offset, reader.bytes, cut,
                         sizeof(cut));
        if (err)
            goto done;
    }
    /* Only one warning is shown: both, when both apply. */
    if (st.stats.unsupported > 0) {
        char link_buf[32];
        const char *link = link_name(st.dlt, link_buf, sizeof(link_buf));
        if (*cut)
            import_warn(ctx, "%s; and link type %s is not decoded: %lld packets counted "
                        "only", cut, link, st.stats.unsupported);
        else
            import_warn(ctx, "%s: link type %s is not decoded: %lld packets counted only",
                        input_path(ctx->in), link, st.stats.unsupported);
    } else if (*cut) {
        import_warn(ctx, "%s", cut);
    }
    if (st.stats.caplen_over_len > 0)
        import_warn(ctx, "%s: %lld packet record%s claim%s more bytes captured than the "
                    "packet had; read as captured", input_path(ctx->in),
                    st.stats.caplen_over_len, st.stats.caplen_over_len == 1 ? "" : "s",
                    st.stats.caplen_over_len == 1 ? "s" : "");
    if ((err = pcap_streams_finish(&st)) || (err = write_flows(&st)) ||
        (err = write_summary(&st, pc)))
        goto done;

done:
    for (int i = 0; i < PIPELINE; i++)
        free(ring[i].payload);
    pcap_close(pc);                 /* closes fp */
    g_hash_table_destroy(st.services);
    stream_table_free(st.streams);
    flow_table_free(st.flows);
    return err;
}

const struct importer importer_pcap = {
    .name = "pcap",
    .description = "packet captures (pcap, pcapng): open ports, DNS answers, HTTP headers, "
                   "flows",
    .sniff = pcap_sniff,
    .run = pcap_run,
};
