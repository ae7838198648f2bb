/* pcap_stream.c: the first STREAM_MAX_BYTES of selected TCP streams, reassembled from
 * segments that may arrive out of order, twice or overlapping (the first copy of a byte
 * wins), and what is done with them: DNS messages over TCP, HTTP response headers, TLS
 * handshakes (pcap_tls.c). A
 * stream whose handshake was not captured starts at the lowest sequence number seen in its
 * first STREAM_MAX_EARLY segments. At most STREAM_MAX_TRACKED streams are followed at once;
 * the one idle longest is let go. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

struct stream_table {
    GHashTable *by_flow;        /* struct flow_dir * -> struct stream * */
    struct stream *oldest, *newest;
};

struct stream *stream_new(struct flow *flow, int dir, enum stream_kind kind, uint32_t base)
{
    struct stream *s = xcalloc(1, sizeof(*s));
    s->flow = flow;
    s->side = &flow->dir[dir];
    if (dir)
        flow_key_reverse(&flow->key, &s->key);
    else
        s->key = flow->key;
    s->kind = kind;
    s->base = base;
    return s;
}

void stream_free(struct stream *s)
{
    if (!s)
        return;
    free(s->data);
    free(s);
}

size_t stream_contiguous(const struct stream *s)
{
    return s->nranges > 0 && s->ranges[0].start == 0 ? s->ranges[0].end : 0;
}

int stream_add(struct stream *s, uint32_t seq, const uint8_t *data, size_t len)
{
    int64_t off = (int32_t)(seq - s->base);     /* distance in sequence space */
    struct stream_range merged[STREAM_MAX_RANGES];
    int n = 0, placed = 0;

    if (off < 0) {                              /* starts before byte 0 */
        if ((uint64_t)-off >= len)
            return 0;
        data += -off;
        len -= (size_t)-off;
        off = 0;
    }
    if (off >= STREAM_MAX_BYTES || len == 0)
        return 0;
    uint32_t start = (uint32_t)off;
    uint32_t end = len > STREAM_MAX_BYTES - start ? STREAM_MAX_BYTES : start + (uint32_t)len;

    /* The ranges after adding [start, end), merged where they overlap or touch. */
    struct stream_range add = { start, end };
    for (int i = 0; i < s->nranges; i++) {
        struct stream_range r = s->ranges[i];
        if (r.end < add.start || r.start > add.end) {
            if (!placed && r.start > add.end) {
                if (n == STREAM_MAX_RANGES)
                    return -1;
                merged[n++] = add;
                placed = 1;
            }
            if (n == STREAM_MAX_RANGES)
                return -1;
            merged[n++] = r;
        } else {
            add.start = r.start < add.start ? r.start : add.start;
            add.end = r.end > add.end ? r.end : add.end;
        }
    }
    if (!placed) {
        if (n == STREAM_MAX_RANGES)
            return -1;
        merged[n++] = add;
    }

    if (s->alloc < end) {
        size_t want = s->alloc ? s->alloc : 2048;
        while (want < end)
            want *= 2;
        if (want > STREAM_MAX_BYTES)
            want = STREAM_MAX_BYTES;
        s->data = xrealloc(s->data, want);
        s->alloc = want;
    }
    /* Copy only the bytes no earlier segment supplied. */
    uint32_t pos = start;
    for (int i = 0; i < s->nranges && pos < end; i++) {
        const struct stream_range *r = &s->ranges[i];
        if (r->end <= pos)
            continue;
        if (r->start >= end)
            break;
        if (r->start > pos)
            memcpy(s->data + pos, data + (pos - start), r->start - pos);
        pos = r->end;
    }
    if (pos < end)
        memcpy(s->data + pos, data + (pos - start), end - pos);
    memcpy(s->ranges, merged, (size_t)n * sizeof(merged[0]));
    s->nranges = n;
    return 0;
}

int stream_rebase(struct stream *s, uint32_t seq)
{
    uint32_t shift = s->base - seq;
    if (shift == 0 || shift >= STREAM_MAX_BYTES)
        return shift == 0 ? 0 : -1;
    int n = 0;
    for (int i = 0; i < s->nranges; i++) {
        struct stream_range r = s->ranges[i];
        if (r.start + shift >= STREAM_MAX_BYTES)
            break;
        r.start += shift;
        r.end = r.end + shift > STREAM_MAX_BYTES ? STREAM_MAX_BYTES : r.end + shift;
        s->ranges[n++] = r;
    }
    size_t end = n ? s->ranges[n - 1].end : 0;
    if (end > s->alloc) {
        size_t want = s->alloc ? s->alloc : 2048;
        while (want < end)
            want *= 2;
        s->data = xrealloc(s->data, want > STREAM_MAX_BYTES ? STREAM_MAX_BYTES : want);
        s->alloc = want > STREAM_MAX_BYTES ? STREAM_MAX_BYTES : want;
    }
    if (end > shift)
        memmove(s->data + shift, s->data, end - shift);
    s->nranges = n;
    s->base = seq;
    return 0;
}

/* ---- the table of streams followed ---- */

struct stream_table *stream_table_new(void)
{
    struct stream_table *t = xcalloc(1, sizeof(*t));
    t->by_flow = g_hash_table_new(g_direct_hash, g_direct_equal);
    return t;
}

void stream_table_free(struct stream_table *t)
{
    if (!t)
        return;
    while (t->oldest)
        stream_table_remove(t, t->oldest);
    g_hash_table_destroy(t->by_flow);
    free(t);
}

struct stream *stream_table_find(struct stream_table *t, const struct flow_dir *side)
{
    return g_hash_table_lookup(t->by_flow, side);
}

static void unlink_stream(struct stream_table *t, struct stream *s)
{
    if (s->older)
        s->older->newer = s->newer;
    else
        t->oldest = s->newer;
    if (s->newer)
        s->newer->older = s->older;
    else
        t->newest = s->older;
    s->older = s->newer = NULL;
}

static void append_stream(struct stream_table *t, struct stream *s)
{
    s->older = t->newest;
    s->newer = NULL;
    if (t->newest)
        t->newest->newer = s;
    else
        t->oldest = s;
    t->newest = s;
}

void stream_table_insert(struct stream_table *t, struct stream *s)
{
    s->side->state |= DIR_STREAM;
    g_hash_table_insert(t->by_flow, s->side, s);
    append_stream(t, s);
}

void stream_table_touch(struct stream_table *t, struct stream *s, int64_t now_ns)
{
    s->last_ns = now_ns;
    if (t->newest != s) {
        unlink_stream(t, s);
        append_stream(t, s);
    }
}

void stream_table_remove(struct stream_table *t, struct stream *s)
{
    s->side->state &= ~DIR_STREAM;
    g_hash_table_remove(t->by_flow, s->side);
    unlink_stream(t, s);
    stream_free(s);
}

size_t stream_table_count(const struct stream_table *t)
{
    return g_hash_table_size(t->by_flow);
}

struct stream *stream_table_oldest(struct stream_table *t)
{
    return t->oldest;
}

/* ---- what is done with the streams ---- */

static void stream_done(struct pcap_state *st, struct stream *s)
{
    s->side->state |= DIR_STREAM_DONE;
    stream_table_remove(st->streams, s);
}

/* An HTTP response cut short (the capture ended, or the stream was let go): its complete
 * header lines are stored when it began like a response. */
static enum tally_error finish_partial(struct pcap_state *st, struct stream *s, int64_t ts_ns)
{
    size_t have = stream_contiguous(s);
    if (s->kind != STREAM_HTTP || have < 8 || !http_response_start(s->data, have))
        return TALLY_OK;
    const uint8_t *nl = NULL;
    for (size_t i = have; i > 0; i--) {
        if (s->data[i - 1] == '\n') {
            nl = s->data + i - 1;
            break;
        }
    }
    if (!nl)
        return TALLY_OK;
    return pcap_http_response(st, &s->key, ts_ns, s->data, (size_t)(nl - s->data) + 1);
}

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static enum tally_error stream_process(struct pcap_state *st, struct stream *s,
                                       int64_t ts_ns);

/* An HTTP response: its header block once complete. */
static enum tally_error http_stream(struct pcap_state *st, struct stream *s, int64_t ts_ns)
{
    size_t have = stream_contiguous(s);
    enum tally_error err = TALLY_OK;
    if (have == 0)
        return TALLY_OK;
    if (!http_response_start(s->data, have)) {
        if (tls_record_start(s->data, have)) {  /* its first segment came late */
            s->kind = STREAM_TLS;
            return stream_process(st, s, ts_ns);
        }
        stream_done(st, s);
        return TALLY_OK;
    }
    size_t header = http_header_length(s->data, have);
    if (header) {
        err = pcap_http_response(st, &s->key, ts_ns, s->data, header);
        stream_done(st, s);
    } else if (have == STREAM_MAX_BYTES) {
        err = finish_partial(st, s, ts_ns);
        stream_done(st, s);
    }
    return err;
}

/* DNS over TCP: messages, each after a two-byte length. */
static enum tally_error dns_stream(struct pcap_state *st, struct stream *s, int64_t ts_ns)
{
    size_t have = stream_contiguous(s);
    while (have - s->consumed >= 2) {
        size_t len = be16(s->data + s->consumed);
        if (s->consumed + 2 + len > STREAM_MAX_BYTES) {
            stream_done(st, s);
            return TALLY_OK;
        }
        if (have - s->consumed - 2 < len)
            break;
        enum tally_error err = pcap_dns_message(st, &s->key, ts_ns,
                                                s->data + s->consumed + 2, len);
        s->consumed += 2 + len;
        if (err)
            return err;
    }
    if (s->consumed >= STREAM_MAX_BYTES - 1)
        stream_done(st, s);
    return TALLY_OK;
}

/* TLS records: handshakes. */
static enum tally_error tls_stream(struct pcap_state *st, struct stream *s, int64_t ts_ns)
{
    int done;
    enum tally_error err = pcap_tls_stream(st, s, ts_ns, &done);
    if (done)
        stream_done(st, s);
    return err;
}

/* Acts on what the stream now holds without gaps: one line per protocol. */
static enum tally_error stream_process(struct pcap_state *st, struct stream *s, int64_t ts_ns)
{
    switch (s->kind) {
    case STREAM_HTTP: return http_stream(st, s, ts_ns);
    case STREAM_DNS: return dns_stream(st, s, ts_ns);
    case STREAM_TLS: return tls_stream(st, s, ts_ns);
    }
    return TALLY_OK;
}

/* The kind of stream a connection's first payload going this way starts, or -1 when it is
 * not followed. One line per protocol parsed from TCP payloads. */
static int stream_kind_for(const struct flow_dir *side, const struct flow_key *key,
                           const struct pkt *p, int *unanchored)
{
    /* Without the handshake, a segment too short to hold "HTTP/1." proves nothing: a
     * later part of the response may begin with "H". */
    int starts_response = p->payload_len >= sizeof("HTTP/1.") - 1 &&
                          http_response_start(p->payload, p->payload_len);
    *unanchored = 0;
    if (dns_port(key->sport))
        return STREAM_DNS;                      /* responses */
    if (p->payload_len >= 6 && tls_record_start(p->payload, p->payload_len) &&
        (!(side->state & DIR_HAS_ISN) || p->seq == side->isn))
        return STREAM_TLS;                      /* a hello, on any port */
    if ((side->state & DIR_HAS_ISN) || starts_response)
        return STREAM_HTTP;
    if (dns_port(key->dport))
        return STREAM_DNS;                      /* queries: counted */
    if (side->state & (DIR_SYN | DIR_SYNACK))
        return -1;                              /* a client's requests */
    *unanchored = 1;                            /* mid-stream: maybe a later segment */
    return STREAM_HTTP;                         /* of a response */
}

enum tally_error pcap_tcp_payload(struct pcap_state *st, struct flow *f, int dir,
                                  const struct flow_key *key, const struct pkt *p,
                                  int64_t ts_ns)
{
    enum tally_error err;
    struct flow_dir *side = &f->dir[dir];
    if (side->state & DIR_STREAM_DONE)
        return TALLY_OK;
    struct stream *s = side->state & DIR_STREAM ? stream_table_find(st->streams, side) : NULL;
    if (!s) {
        int unanchored;
        uint32_t base = side->state & DIR_HAS_ISN ? side->isn : p->seq;
        int kind = stream_kind_for(side, key, p, &unanchored);
        if (kind < 0)
            return TALLY_OK;
        if (kind == STREAM_HTTP && !unanchored && p->seq == base) {
            size_t header = http_header_length(p->payload, p->payload_len);
            side->state |= DIR_STREAM_DONE;
            if (!http_response_start(p->payload, p->payload_len))
                return TALLY_OK;                /* the stream starts, and not with HTTP */
            if (header)                         /* the whole header block in one segment */
                return pcap_http_response(st, key, ts_ns, p->payload, header);
            side->state &= ~DIR_STREAM_DONE;
        }
        if (stream_table_count(st->streams) >= STREAM_MAX_TRACKED) {
            struct stream *old = stream_table_oldest(st->streams);
            err = finish_partial(st, old, old->last_ns);
            stream_done(st, old);
            st->stats.streams_evicted++;
            if (err)
                return err;
        }
        s = stream_new(f, dir, (enum stream_kind)kind, base);
        s->unanchored = unanchored;
        stream_table_insert(st->streams, s);
    }
    stream_table_touch(st->streams, s, ts_ns);
    /* Without the handshake, an earlier segment arriving late becomes the start. */
    if (s->unanchored && (int32_t)(p->seq - s->base) < 0 && stream_rebase(s, p->seq) < 0)
        return TALLY_OK;                        /* too far before: not this response */
    if (stream_add(s, p->seq, p->payload, p->payload_len) < 0) {
        st->stats.streams_abandoned++;
        err = finish_partial(st, s, ts_ns);
        stream_done(st, s);
        return err;
    }
    s->segments++;
    if (s->unanchored) {
        /* Until byte 0 starts like a response, a segment before it may still come; after
         * STREAM_MAX_EARLY segments the stream is taken not to carry one. */
        size_t have = stream_contiguous(s);
        if (have < sizeof("HTTP/1.") - 1 || !http_response_start(s->data, have)) {
            if (s->segments >= STREAM_MAX_EARLY)
                stream_done(st, s);
            return TALLY_OK;
        }
        s->unanchored = 0;
    }
    return stream_process(st, s, ts_ns);
}

enum tally_error pcap_streams_end(struct pcap_state *st, struct flow *f)
{
    enum tally_error err = TALLY_OK;
    for (int d = 0; d < 2; d++) {
        struct stream *s;
        if (!(f->dir[d].state & DIR_STREAM) || !(s = stream_table_find(st->streams, &f->dir[d])))
            continue;
        enum tally_error e = finish_partial(st, s, s->last_ns);
        stream_done(st, s);
        if (!err)
            err = e;
    }
    enum tally_error e = pcap_tls_end(st, f);
    return err ? err : e;
}

enum tally_error pcap_streams_finish(struct pcap_state *st)
{
    struct stream *s;
    while ((s = stream_table_oldest(st->streams))) {
        enum tally_error err = finish_partial(st, s, s->last_ns);
        stream_done(st, s);
        if (err)
            return err;
    }
    return pcap_tls_finish(st);
}
