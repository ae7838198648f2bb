/* pcap.c: the packet-capture importer (pcap and pcapng, read by libpcap). One pass over the
 * packets (what each says: pcap_conn.c), then the capture summary. Files given one after
 * the other that go on in time are one capture: the connections open at the end of one go
 * on in the next (--flow-timeout sets how long idle ones live). */
#include "importers/pcap_internal.h"

#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUFFER (256 * 1024)
#define MAX_SECONDS 9000000000ll        /* packet times are nanoseconds in an int64_t */
/* Packets decoded ahead of the one handled: the memory holding a packet's flow is fetched
 * while the packets before it are handled, rather than waited for. */
#define PIPELINE 8

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

/* A record's time in nanoseconds; a damaged fraction counts as whole seconds and times
 * beyond what tally represents are clamped. */
static int64_t record_time(const struct pcap_pkthdr *h)
{
    int64_t sec = h->ts.tv_sec, frac = h->ts.tv_usec;
    if (frac < 0 || frac >= 1000000000)
        frac = 0;
    if (sec < 0 || sec > MAX_SECONDS)
        sec = sec < 0 ? 0 : MAX_SECONDS;
    return sec * 1000000000 + frac;
}

/* Counts the packet and decodes it into q, copying what q keeps of its data. Returns
 * whether it is an IP packet, for handle_packet(). */
static int decode_packet(struct pcap_state *st, const struct pcap_pkthdr *h,
                         const uint8_t *data, struct pending *q)
{
    struct pcap_stats *s = &st->stats;
    struct pkt *p = &q->pkt;
    int64_t ts = record_time(h);

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

int pcap_flow_timeouts(const char *text, long long *tcp, long long *udp, const char **bad)
{
    *tcp = FLOW_TIMEOUT_TCP;
    *udp = FLOW_TIMEOUT_UDP;
    *bad = NULL;
    for (const char *part = text; part && *part;) {
        size_t len = strcspn(part, ",");
        const char *eq = memchr(part, '=', len), *number = eq ? eq + 1 : part;
        char *end;
        long long v = strtoll(number, &end, 10);
        if (end == number || end != part + len || v < 0 || v > 100000000 ||
            !isdigit((unsigned char)*number)) {
            *bad = part;
            return 0;
        }
        if (!eq) {
            *tcp = *udp = v;
        } else if (eq - part == 3 && strncmp(part, "tcp", 3) == 0) {
            *tcp = v;
        } else if (eq - part == 3 && strncmp(part, "udp", 3) == 0) {
            *udp = v;
        } else {
            *bad = part;
            return 0;
        }
        part += len + (part[len] == ',');
    }
    return 1;
}

/* Sets the state's timeouts from --flow-timeout: "SECONDS" for every protocol, or
 * "tcp=SECONDS,udp=SECONDS" (either part; udp stands for every protocol but TCP); 0 is no
 * timeout. */
static enum tally_error parse_timeouts(struct pcap_state *st, const char *text)
{
    long long tcp, udp;
    const char *bad;
    if (!pcap_flow_timeouts(text, &tcp, &udp, &bad)) {
        int len = (int)strcspn(bad, ",");
        diag_set(st->ctx->diag, TALLY_ERROR_USAGE, "--flow-timeout: '%.*s' is not SECONDS, "
                 "tcp=SECONDS or udp=SECONDS (0: none)", len, bad);
        return TALLY_ERROR_USAGE;
    }
    st->timeout_ns[FLOW_LIST_TCP] = (int64_t)tcp * 1000000000;
    st->timeout_ns[FLOW_LIST_OTHER] = (int64_t)udp * 1000000000;
    st->timeout_ns[FLOW_LIST_CLOSED] = (int64_t)FLOW_CLOSE_DELAY * 1000000000;
    return TALLY_OK;
}

/* The capture the previous file of this run left open, if any: kept only while its
 * import succeeded, for the file after it. */
static struct pcap_capture *carried;

static void carried_free(void)
{
    pcap_capture_free(carried);
    carried = NULL;
}

/* The capture the file beginning at time ts_ns belongs to: the one the previous file left
 * open when this one goes on from it in time (and into the same store), else a new one. */
static enum tally_error capture_begin(struct pcap_state *st, int64_t ts_ns)
{
    static int registered;
    struct pcap_capture *c = carried;
    int64_t longest = st->timeout_ns[FLOW_LIST_TCP] > st->timeout_ns[FLOW_LIST_OTHER]
                          ? st->timeout_ns[FLOW_LIST_TCP] : st->timeout_ns[FLOW_LIST_OTHER];
    carried = NULL;
    if (c && (c->store != st->ctx->store || ts_ns < c->last_ns - 1000000000 ||
              (longest > 0 && ts_ns > c->last_ns + longest))) {
        pcap_capture_free(c);
        c = NULL;
    }
    if (c) {
        double closed_since = (double)(c->last_ns - st->timeout_ns[FLOW_LIST_CLOSED]) / 1e9;
        if (store_capture_continue(st->ctx->store, c->source_id, closed_since)) {
            pcap_capture_free(c);
            return store_fail(st->ctx->store, st->ctx->diag, "cannot continue a capture");
        }
    } else {
        c = pcap_capture_new();
    }
    if (!registered) {
        atexit(carried_free);
        registered = 1;
    }
    st->cap = c;
    st->flows = c->flows;
    return TALLY_OK;
}

/* After a file was read whole: its capture is left for a next file to go on. */
static void capture_end(struct pcap_state *st)
{
    if (!st->cap)
        return;
    st->cap->store = st->ctx->store;
    st->cap->source_id = store_capture_source(st->ctx->store);
    st->cap->last_ns = st->stats.last_ns;
    carried = st->cap;
    st->cap = NULL;
}

/* Adds a decoded IP packet to its connection. */
static enum tally_error handle_packet(struct pcap_state *st, const struct pending *q)
{
    return pcap_conn_packet(st, &q->pkt, &q->key, q->hash, q->ts, q->len);
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
        { "flows", s->connections },
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
    /* Only captures that held TLS have these (older imports have neither). */
    if ((s->tls_handshakes || s->tls_hidden_certificates) &&
        (store_add_capture_int(store, "tls_handshakes", s->tls_handshakes) ||
         store_add_capture_int(store, "tls_hidden_certificates", s->tls_hidden_certificates)))
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
    /* Only this thread reads it: libpcap's two reads a packet need not take its lock. */
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
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
    if ((err = parse_timeouts(&st, ctx->opt->flow_timeout))) {
        pcap_close(pc);
        return err;
    }
    st.streams = stream_table_new();
    st.services = g_hash_table_new_full(service_hash, service_equal, g_free, NULL);
    st.services4 = xcalloc(2 * 65536, sizeof(*st.services4));

    /* Where the next record starts, for the warning about a cut-off one (pcap only). */
    int record_header = record_header_size(&reader);
    long long offset = record_header ? 24 : -1;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        struct pending *q = &ring[decoded % PIPELINE];
        if (!st.cap && (err = capture_begin(&st, record_time(h))))
            goto done;
        if (decode_packet(&st, h, data, q)) {
            pcap_conn_prefetch(&st, &q->pkt, &q->key, q->hash);
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
    if (st.cap && ((err = pcap_streams_finish(&st)) || (err = pcap_conn_file_end(&st))))
        goto done;
    if ((err = write_summary(&st, pc)))
        goto done;
    capture_end(&st);

done:
    for (int i = 0; i < PIPELINE; i++)
        free(ring[i].payload);
    pcap_close(pc);                 /* closes fp */
    g_hash_table_destroy(st.services);
    for (int i = 0; i < 2 * 65536; i++)
        if (st.services4[i]) {
            addr_set_free(st.services4[i]);
            free(st.services4[i]);
        }
    free(st.services4);
    stream_table_free(st.streams);
    pcap_tls_free(&st);
    pcap_capture_free(st.cap);          /* NULL once left for the next file */
    free(st.rows);
    free(st.row_text);
    return err;
}

const struct importer importer_pcap = {
    .name = "pcap",
    .description = "packet captures (pcap, pcapng): open ports, DNS answers, HTTP headers, "
                   "flows",
    .sniff = pcap_sniff,
    .run = pcap_run,
    .reads = IMPORTER_READS_FLOW_TIMEOUT,
};
