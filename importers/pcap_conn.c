/* pcap_conn.c: connections and scan probes of a capture. Each packet joins its connection
 * (both directions of a 5-tuple, in Zeek's sense: state, history, packets and bytes each
 * way); a connection is stored when it ends (FIN both ways or a RST, after a short delay) or
 * goes idle, so memory follows the connections open at once. A SYN nothing answered yet is
 * a probe, not a connection: per (scanner, source port, port) a CRoaring bitmap holds the
 * IPv4 addresses probed (staged: pcap_addrset.c; IPv6: a bounded hash set), so an answer
 * is matched however late and the probes are counted exactly; a small table of recent SYNs
 * gives the connection its SYN's time and length when the answer comes soon. Open and
 * closed ports are read from the answers. */
#include "importers/pcap_internal.h"

#include <roaring/roaring.h>
#if __has_include(<roaring/containers/bitset.h>)
#include <roaring/containers/containers.h>
#define ROARING_CONTAINERS_SHOWN 1     /* CRoaring 0.2 (Debian 12) shows its containers */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The probes from one scanner address and source port to one port. */
struct probe_key {
    uint8_t family;
    uint8_t pad;                /* zero: keys are compared as bytes */
    uint16_t sport, dport;
    uint8_t scanner[16];
};

struct probe_group {
    struct probe_key key;
    struct addr_set probed4, answered4;
    GHashTable *v6;             /* 16-byte address -> 1 probed, 2 answered */
    /* IPv4: destinations as of the last probe_group_settle(); counted: the addresses
     * probed4 had added then, already in pcap_stats.connections. */
    long long destinations, answered;
    uint64_t counted;
    int started;                /* a SYN was sent: first_ns and last_ns hold times */
    long long packets, bytes;   /* of the SYNs not part of a connection */
    int64_t first_ns, last_ns;
    uint32_t syn_len;           /* the wire length of its last SYN */
};

/* History letters, one bit each per direction: Zeek's, upper case for the originator. */
static const char history_letters[2][6] = { { 'S', 'H', 'A', 'D', 'F', 'R' },
                                            { 's', 'h', 'a', 'd', 'f', 'r' } };
enum { H_SYN, H_SYNACK, H_ACK, H_DATA, H_FIN, H_RST };

static guint probe_hash(gconstpointer p)
{
    const struct probe_key *k = p;
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ ((const uint8_t *)k)[i]) * 16777619u;
    return h;
}

static gboolean probe_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(struct probe_key)) == 0;
}

static guint addr6_hash(gconstpointer p)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, (const uint8_t *)p + 8, 8);
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15u)) * 0xbf58476d1ce4e5b9u;
    return (guint)(h ^ (h >> 32));
}

static gboolean addr6_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 16) == 0;
}

static void probe_group_free(void *p)
{
    struct probe_group *g = p;
    if (g->key.family == 4) {
        addr_set_free(&g->probed4);
        addr_set_free(&g->answered4);
    }
    if (g->v6)
        g_hash_table_destroy(g->v6);
    free(g);
}

struct pcap_capture *pcap_capture_new(void)
{
    struct pcap_capture *c = xcalloc(1, sizeof(*c));
    c->flows = flow_table_new();
    c->syns = flow_huge_alloc(SYN_SLOTS * sizeof(*c->syns));
    memset(c->syns, 0, SYN_SLOTS * sizeof(*c->syns));
    c->probes = g_hash_table_new_full(probe_hash, probe_equal, NULL, probe_group_free);
    return c;
}

void pcap_capture_free(struct pcap_capture *c)
{
    if (!c)
        return;
    flow_table_free(c->flows);
    free(c->syns);
    g_hash_table_destroy(c->probes);
    free(c);
}

static uint32_t addr4(const uint8_t *addr)
{
    return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
}

/* Where the group of a key is remembered in pcap_capture.group_cache. */
static unsigned probe_cache_slot(const struct probe_key *key)
{
    unsigned h = key->dport * 40503u ^ key->sport * 2654435761u;
    h ^= (unsigned)key->scanner[3] << 8 ^ key->scanner[15] ^ key->scanner[2] << 16;
    return (h ^ h >> 13) % PROBE_CACHE;
}

/* The group of probes from src:sport to dport. */
static struct probe_group *probe_group(struct pcap_capture *c, uint8_t family,
                                       const uint8_t *scanner, uint16_t sport, uint16_t dport,
                                       int create)
{
    struct probe_key key = { .family = family, .sport = sport, .dport = dport };
    memcpy(key.scanner, scanner, 16);
    struct probe_group **cached = &c->group_cache[probe_cache_slot(&key)];
    if (*cached && memcmp(&(*cached)->key, &key, sizeof(key)) == 0)
        return *cached;
    struct probe_group *g = g_hash_table_lookup(c->probes, &key);
    if (g || !create)
        return g ? (*cached = g) : NULL;
    g = xcalloc(1, sizeof(*g));
    g->key = key;
    if (family == 4) {
        addr_set_init(&g->probed4);
        addr_set_init(&g->answered4);
    } else {
        g->v6 = g_hash_table_new_full(addr6_hash, addr6_equal, free, NULL);
    }
    g_hash_table_insert(c->probes, &g->key, g);
    return *cached = g;
}

/* The group of probes from src:sport to dport when it is in the cache, else NULL. */
static struct probe_group *probe_group_cached(const struct pcap_capture *c, uint8_t family,
                                              const uint8_t *scanner, uint16_t sport,
                                              uint16_t dport)
{
    struct probe_key key = { .family = family, .sport = sport, .dport = dport };
    memcpy(key.scanner, scanner, 16);
    struct probe_group *g = c->group_cache[probe_cache_slot(&key)];
    return g && memcmp(&g->key, &key, sizeof(key)) == 0 ? g : NULL;
}

/* Starts fetching the memory that says whether r holds v: the word of a bitset container,
 * or the entries a binary search of an array container looks at first, guessed from v's
 * place in its range. A scan probes addresses in no order, so that memory is rarely in the
 * cache, and waiting for it was the largest single cost of a probe. Where CRoaring hides
 * its containers, nothing is fetched ahead. */
static void bitmap_prefetch(const roaring_bitmap_t *r, uint32_t v)
{
#ifdef ROARING_CONTAINERS_SHOWN
    const roaring_array_t *ra = &r->high_low_container;
    int32_t i = ra_get_index(ra, (uint16_t)(v >> 16));
    uint16_t low16 = (uint16_t)v;
    if (i < 0)
        return;
    if (ra->typecodes[i] == BITSET_CONTAINER_TYPE_CODE) {
        const bitset_container_t *b = ra->containers[i];
        __builtin_prefetch(&b->array[low16 >> 6], 1);
    } else if (ra->typecodes[i] == ARRAY_CONTAINER_TYPE_CODE) {
        /* The steps array_container_contains() takes when v is where a uniform spread of
         * the values would put it. */
        const array_container_t *a = ra->containers[i];
        int32_t low = 0, high = a->cardinality - 1;
        int32_t guess = (int32_t)(((int64_t)a->cardinality * low16) >> 16);
        while (high >= low + 16) {
            int32_t middle = (low + high) >> 1;
            __builtin_prefetch(&a->array[middle]);
            if (middle < guess)
                low = middle + 1;
            else if (middle > guess)
                high = middle - 1;
            else
                break;
        }
    }
#else
    (void)r;
    (void)v;
#endif
}

void pcap_conn_prefetch(const struct pcap_state *st, const struct pkt *p,
                        const struct flow_key *key, uint32_t hash)
{
    const struct pcap_capture *c = st->cap;
    flow_table_prefetch(c->flows, hash);
    __builtin_prefetch(&c->syns[(hash >> 1) % SYN_SLOTS], 1);
    if (p->family != 4 || p->proto != 6 || !p->has_ports)
        return;
    unsigned flags = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST);
    const struct probe_group *g;
    if (flags == TCP_SYN) {                     /* a probe */
        if ((g = probe_group_cached(c, 4, key->src, key->sport, key->dport)))
            addr_set_prefetch(&g->probed4, addr4(key->dst));
        return;
    }
    if (flags != (TCP_SYN | TCP_ACK) && !(flags & TCP_RST))
        return;
    /* Maybe an answer to a probe, telling an open or a closed port. */
    if ((g = probe_group_cached(c, 4, key->dst, key->dport, key->sport))) {
        /* A probe answered soon is still staged: its bitmap need not be read. */
        addr_set_prefetch(&g->probed4, addr4(key->src));
        addr_set_prefetch(&g->answered4, addr4(key->src));
        bitmap_prefetch(g->answered4.bitmap, addr4(key->src));
    }
    const struct addr_set *seen = st->services4[flags & TCP_RST ? 65536 + p->sport : p->sport];
    if (seen) {
        bitmap_prefetch(seen->bitmap, addr4(key->src));
        addr_set_prefetch(seen, addr4(key->src));
    }
}

/* A SYN (without ACK) of key, with no connection: a probe. */
static void probe_sent(struct pcap_state *st, const struct flow_key *key, uint32_t hash,
                       uint32_t len, int64_t ts)
{
    struct syn_slot *slot = &st->cap->syns[(hash >> 1) % SYN_SLOTS];
    uint32_t tag = hash | 1u << 31;
    if (slot->hash == tag) {
        slot->packets++;
    } else {
        *slot = (struct syn_slot){ .hash = tag, .len = (uint16_t)(len > 65535 ? 65535 : len),
                                   .packets = 1, .ts = ts };
    }
    struct probe_group *g = probe_group(st->cap, key->family, key->src, key->sport,
                                        key->dport, 1);
    if (!g->started || ts < g->first_ns)
        g->first_ns = ts;
    if (!g->started || ts > g->last_ns)
        g->last_ns = ts;
    g->started = 1;
    if (key->family == 4) {
        addr_set_add(&g->probed4, addr4(key->dst));     /* counted when settled */
    } else if (!g_hash_table_contains(g->v6, key->dst)) {
        if (g_hash_table_size(g->v6) < PROBE_MAX_V6)
            g_hash_table_insert(g->v6, g_memdup2(key->dst, 16), GINT_TO_POINTER(1));
        g->destinations++;
        st->stats.connections++;
    }
    g->packets++;
    g->bytes += len;
    g->syn_len = len;
}

/* Whether dst was probed by the group and not answered yet. */
static int probe_pending(const struct probe_group *g, const uint8_t *dst)
{
    if (g->key.family == 4)
        return addr_set_contains(&g->probed4, addr4(dst)) &&
               !addr_set_contains(&g->answered4, addr4(dst));
    return GPOINTER_TO_INT(g_hash_table_lookup(g->v6, dst)) == 1;
}

/* The probe of f's responder became connection f: its SYNs (packets, bytes) are the
 * connection's now; answered: the responder answered it (else the originator went on). */
static void probe_claimed(struct pcap_capture *c, const struct flow *f, long long packets,
                          long long bytes, int answered)
{
    struct probe_group *g = probe_group(c, f->key.family, f->key.src, f->key.sport,
                                        f->key.dport, 0);
    if (!g || !probe_pending(g, f->key.dst))
        return;
    g->packets -= packets;
    g->bytes -= bytes;
    if (f->key.family == 4) {
        if (answered)
            addr_set_add(&g->answered4, addr4(f->key.dst));
        else
            addr_set_remove(&g->probed4, addr4(f->key.dst));
    } else {
        g_hash_table_insert(g->v6, g_memdup2(f->key.dst, 16), GINT_TO_POINTER(2));
        if (!answered)
            g->destinations--;          /* counted as a connection instead */
    }
    if (answered)
        g->answered++;
}

/* Brings an IPv4 group's count of destinations up to date, and counts the probes added
 * since it was last settled as connections of this file. */
static void probe_group_settle(struct pcap_state *st, struct probe_group *g)
{
    if (g->key.family != 4)
        return;
    g->destinations = (long long)addr_set_count(&g->probed4);
    st->stats.connections += (long long)(g->probed4.added - g->counted);
    g->counted = g->probed4.added;
}

/* Groups all of whose probes were answered, idle longer than TCP's timeout, are let go:
 * they have no row to write, and a client's connections would otherwise pile up here. */
static void probes_sweep(struct pcap_state *st, int64_t now)
{
    GHashTableIter it;
    gpointer value;
    int64_t idle = st->timeout_ns[FLOW_LIST_TCP];
    if (idle <= 0)
        return;
    memset(st->cap->group_cache, 0, sizeof(st->cap->group_cache));
    g_hash_table_iter_init(&it, st->cap->probes);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        struct probe_group *g = value;
        if (g->last_ns + idle >= now)
            continue;
        probe_group_settle(st, g);
        if (g->answered == g->destinations)
            g_hash_table_iter_remove(&it);
    }
}

/* ---- connection state ---- */

enum { EP_INACTIVE, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_PARTIAL, EP_ESTABLISHED, EP_CLOSED,
       EP_RESET };

/* The state of one end in Zeek's terms. */
static int endpoint(const struct flow *f, int d)
{
    const struct flow_dir *e = &f->dir[d], *o = &f->dir[!d];
    if (e->state & DIR_RST)
        return EP_RESET;
    if (e->state & DIR_FIN)
        return EP_CLOSED;
    if ((e->state & (DIR_SYN | DIR_SYNACK)) && (o->state & (DIR_SYN | DIR_SYNACK)))
        return EP_ESTABLISHED;
    if (e->state & DIR_SYN)
        return EP_SYN_SENT;
    if (e->state & DIR_SYNACK)
        return EP_SYN_ACK_SENT;
    return e->packets ? EP_PARTIAL : EP_INACTIVE;
}

/* Zeek's conn_state of a connection (base/protocols/conn/main.zeek). */
static const char *conn_state(const struct flow *f)
{
    if (f->key.proto == 17) {
        if (f->dir[0].packets)
            return f->dir[1].packets ? "SF" : "S0";
        return f->dir[1].packets ? "SHR" : "OTH";
    }
    if (f->key.proto != 6)
        return "OTH";
    int os = endpoint(f, 0), rs = endpoint(f, 1);
    int o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
    int r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;
    if (rs == EP_RESET) {
        if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
            (os == EP_RESET && f->dir[0].payload == 0 && f->dir[1].payload == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == EP_RESET) {
        if (r_inactive && (f->dir[0].letters & 1 << H_SYN) &&
            !(f->dir[0].letters & 1 << H_SYNACK) && !(f->dir[1].letters & 1 << H_SYNACK))
            return "RSTOS0";
        return "RSTO";
    }
    if (rs == EP_CLOSED && os == EP_CLOSED)
        return "SF";
    if (os == EP_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == EP_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == EP_SYN_SENT && rs == EP_INACTIVE)
        return "S0";
    if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
        return "S1";
    return "OTH";
}

static void history_add(struct flow *f, int d, int letter)
{
    if (f->dir[d].letters & 1 << letter || f->nhistory >= FLOW_HISTORY - 1)
        return;
    f->dir[d].letters |= (uint8_t)(1 << letter);
    f->history[f->nhistory++] = history_letters[d][letter];
}

/* The list a connection belongs on after a packet. */
static int conn_list(const struct flow *f)
{
    if (f->key.proto != 6)
        return FLOW_LIST_OTHER;
    unsigned o = f->dir[0].state, r = f->dir[1].state;
    if ((o | r) & DIR_RST || (o & r & DIR_FIN))
        return FLOW_LIST_CLOSED;
    return FLOW_LIST_TCP;
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

enum tally_error pcap_conn_flush(struct pcap_state *st)
{
    if (st->nrows && store_add_conns(st->ctx->store, st->rows, st->nrows))
        return store_fail(st->ctx->store, st->ctx->diag, "cannot store a connection");
    st->nrows = 0;
    return TALLY_OK;
}

/* Queues f's row, ended for that reason. */
static enum tally_error conn_write(struct pcap_state *st, const struct flow *f,
                                   const char *ended)
{
    if (!st->rows) {
        st->rows = xcalloc(CONN_ROWS, sizeof(*st->rows));
        st->row_text = xcalloc(CONN_ROWS, sizeof(*st->row_text));
    }
    struct conn_record *rec = &st->rows[st->nrows];
    char *proto = st->row_text[st->nrows][0], *history = st->row_text[st->nrows][1];
    memcpy(history, f->history, f->nhistory);
    history[f->nhistory] = 0;
    *rec = (struct conn_record){
        .proto = proto_name(f->key.proto, proto, FLOW_HISTORY),
        .orig_port = f->key.sport, .resp_port = f->key.dport,
        .first_seen = (double)f->first_ns / 1e9, .last_seen = (double)f->last_ns / 1e9,
        .orig_packets = (long long)f->dir[0].packets, .orig_bytes = (long long)f->dir[0].bytes,
        .resp_packets = (long long)f->dir[1].packets, .resp_bytes = (long long)f->dir[1].bytes,
        .orig_flags = f->dir[0].flags, .resp_flags = f->dir[1].flags,
        .conn_state = conn_state(f), .history = history, .ended = ended,
    };
    rec->orig.family = rec->resp.family = f->key.family;
    memcpy(rec->orig.bytes, f->key.src, 16);
    memcpy(rec->resp.bytes, f->key.dst, 16);
    if (++st->nrows == CONN_ROWS)
        return pcap_conn_flush(st);
    return TALLY_OK;
}

/* f ends: stored and forgotten. */
static enum tally_error conn_end(struct pcap_state *st, struct flow *f, const char *ended)
{
    enum tally_error err = pcap_streams_end(st, f);
    if (!err) {
        if (f->list == FLOW_LIST_CLOSED)
            ended = (f->dir[0].state | f->dir[1].state) & DIR_RST ? "rst" : "fin";
        err = conn_write(st, f, ended);
    }
    flow_table_remove(st->flows, f);
    return err;
}

/* Ends the connections idle past their timeout at time now. */
static enum tally_error expire(struct pcap_state *st, int64_t now)
{
    for (int list = 0; list < FLOW_LISTS; list++) {
        int64_t idle = st->timeout_ns[list];
        struct flow *f;
        if (idle <= 0)
            continue;
        while ((f = flow_table_oldest(st->flows, list)) && f->last_ns + idle < now) {
            enum tally_error err = conn_end(st, f, "idle");
            if (err)
                return err;
        }
    }
    return TALLY_OK;
}

/* ---- what a packet says ---- */

static enum tally_error observe(struct pcap_state *st, const struct pkt *p, int closed,
                                const char *reason, int64_t ts_ns)
{
    if (p->family == 4) {
        struct addr_set **set = &st->services4[closed ? 65536 + p->sport : p->sport];
        if (!*set) {
            *set = xmalloc(sizeof(**set));
            addr_set_init(*set);
        }
        if (addr_set_contains(*set, addr4(p->src)))
            return TALLY_OK;
        addr_set_add(*set, addr4(p->src));
    } else {
        struct service_key key = { .family = p->family, .closed = (uint8_t)closed,
                                   .port = p->sport };
        memcpy(key.addr, p->src, sizeof(key.addr));
        if (g_hash_table_contains(st->services, &key))
            return TALLY_OK;
        g_hash_table_add(st->services, g_memdup2(&key, sizeof(key)));
    }
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

static void tcp_letters(struct flow *f, int d, const struct pkt *p)
{
    unsigned fl = p->tcp_flags;
    if (fl & TCP_SYN)
        history_add(f, d, fl & TCP_ACK ? H_SYNACK : H_SYN);
    if (fl & TCP_FIN)
        history_add(f, d, H_FIN);
    if (fl & TCP_RST)
        history_add(f, d, H_RST);
    if (p->payload_len > 0)
        history_add(f, d, H_DATA);
    else if ((fl & (TCP_ACK | TCP_SYN | TCP_FIN | TCP_RST)) == TCP_ACK)
        history_add(f, d, H_ACK);
}

static enum tally_error handle_tcp(struct pcap_state *st, struct flow *f, int d,
                                   const struct flow_key *key, const struct pkt *p,
                                   int64_t ts_ns)
{
    struct flow_dir *side = &f->dir[d], *other = &f->dir[!d];
    unsigned flags = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST);
    enum tally_error err = TALLY_OK;
    tcp_letters(f, d, p);
    if (p->tcp_flags & TCP_FIN)
        side->state |= DIR_FIN;
    if (flags == TCP_SYN) {
        side->state |= DIR_SYN;
    } else if (flags == (TCP_SYN | TCP_ACK)) {
        side->state |= DIR_SYNACK;
        if (!(side->state & (DIR_STREAM_DONE | DIR_STREAM))) {
            side->isn = p->seq + 1;
            side->state |= DIR_HAS_ISN;
        }
        err = observe(st, p, 0, "syn-ack", ts_ns);
    } else if (flags & TCP_RST) {
        /* Closed: a RST from a port that was sent a SYN and never answered with SYN-ACK. */
        if ((other->state & DIR_SYN) && !(side->state & DIR_SYNACK))
            err = observe(st, p, 1, flags & TCP_ACK ? "rst-ack" : "rst", ts_ns);
        side->state |= DIR_RST;
    }
    if (!err && p->payload_len > 0)
        err = pcap_tcp_payload(st, f, d, key, p, ts_ns);
    return err;
}

/* The connection a probe became: its originator's SYN (from the table of recent SYNs when
 * it is still there, else one SYN of the group's length, at the time of the packet that
 * made it a connection). */
static struct flow *conn_from_probe(struct pcap_state *st, struct probe_group *g,
                                    const struct flow_key *key, uint32_t hash, int answered,
                                    int64_t ts)
{
    struct flow *f = flow_table_add(st->flows, key, hash, FLOW_LIST_TCP);
    struct syn_slot *slot = &st->cap->syns[(hash >> 1) % SYN_SLOTS];
    long long packets = 1, bytes = g->syn_len;
    f->first_ns = ts;
    if (slot->hash == (hash | 1u << 31)) {
        packets = slot->packets;
        bytes = (long long)slot->len * slot->packets;
        f->first_ns = slot->ts;
        slot->hash = 0;
    }
    f->dir[0] = (struct flow_dir){ .packets = (uint64_t)packets, .bytes = (uint64_t)bytes,
                                   .flags = TCP_SYN, .state = DIR_SYN };
    f->last_ns = f->first_ns;
    history_add(f, 0, H_SYN);
    probe_claimed(st->cap, f, packets, bytes, answered);
    return f;
}

/* The connection for a packet that has none, or NULL for a SYN (a probe, until answered);
 * *d is the packet's direction in it. */
static struct flow *conn_new(struct pcap_state *st, const struct pkt *p,
                             const struct flow_key *key, uint32_t hash, uint32_t len,
                             int64_t ts, int *d)
{
    unsigned flags = p->proto == 6 && p->has_ports
                         ? p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST) : 0xff;
    struct flow_key back;
    struct flow *f;
    *d = 0;
    if (flags == TCP_SYN) {
        probe_sent(st, key, hash, len, ts);
        return NULL;
    }
    if (flags != 0xff) {
        /* An answer to a probe: its receiver is the originator. */
        struct probe_group *g = probe_group(st->cap, key->family, key->dst, key->dport,
                                            key->sport, 0);
        if (g && probe_pending(g, key->src)) {
            flow_key_reverse(key, &back);
            *d = 1;
            return conn_from_probe(st, g, &back, hash ^ 1u, 1, ts);
        }
        /* More from a probe's sender (a RST, a FIN): the probe was a connection. */
        g = probe_group(st->cap, key->family, key->src, key->sport, key->dport, 0);
        if (g && probe_pending(g, key->dst))
            return conn_from_probe(st, g, key, hash, 0, ts);
    }
    st->stats.connections++;
    if (flags == (TCP_SYN | TCP_ACK)) {
        /* A SYN-ACK to a SYN not captured: the connection is turned round. */
        flow_key_reverse(key, &back);
        f = flow_table_add(st->flows, &back, hash ^ 1u, FLOW_LIST_TCP);
        f->history[f->nhistory++] = '^';
        *d = 1;
    } else {
        f = flow_table_add(st->flows, key, hash,
                           p->proto == 6 ? FLOW_LIST_TCP : FLOW_LIST_OTHER);
    }
    f->first_ns = ts;
    return f;
}

enum tally_error pcap_conn_packet(struct pcap_state *st, const struct pkt *p,
                                  const struct flow_key *key, uint32_t hash, int64_t ts_ns,
                                  uint32_t len)
{
    enum tally_error err;
    int d;
    if ((err = expire(st, ts_ns)))
        return err;
    if (++st->cap->packets >= (1 << 20)) {
        probes_sweep(st, ts_ns);
        st->cap->packets = 0;
    }
    struct flow *f = flow_table_find(st->flows, key, hash, &d);
    int tcp = p->proto == 6 && p->has_ports;
    if (f && f->list == FLOW_LIST_CLOSED && tcp &&
        (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
        if ((err = conn_end(st, f, "fin")))          /* the 5-tuple is used again */
            return err;
        f = NULL;
    }
    if (!f && !(f = conn_new(st, p, key, hash, len, ts_ns, &d)))
        return TALLY_OK;
    struct flow_dir *side = &f->dir[d];
    side->packets++;
    side->bytes += len;
    side->payload += p->payload_len;
    if (ts_ns < f->first_ns)
        f->first_ns = ts_ns;
    if (ts_ns > f->last_ns)
        f->last_ns = ts_ns;
    err = TALLY_OK;
    if (tcp) {
        side->flags |= p->tcp_flags;
        err = handle_tcp(st, f, d, key, p, ts_ns);
    } else if (p->payload_len > 0) {
        history_add(f, d, H_DATA);
        if (p->proto == 17 && p->has_ports && (dns_port(p->sport) || dns_port(p->dport)))
            err = pcap_dns_message(st, key, ts_ns, p->payload, p->payload_len);
    }
    flow_table_touch(st->flows, f, conn_list(f));
    return err;
}

static int conn_order(const void *a, const void *b)
{
    const struct flow *x = *(const struct flow *const *)a, *y = *(const struct flow *const *)b;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return x->self < y->self ? -1 : x->self > y->self;
}

static int group_order(const void *a, const void *b)
{
    const struct probe_group *x = *(const struct probe_group *const *)a;
    const struct probe_group *y = *(const struct probe_group *const *)b;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return memcmp(&x->key, &y->key, sizeof(x->key));
}

enum tally_error pcap_conn_file_end(struct pcap_state *st)
{
    size_t n = 0, live = flow_table_size(st->flows);
    struct flow **open = xmalloc((live ? live : 1) * sizeof(*open));
    GPtrArray *groups = g_ptr_array_new();
    enum tally_error err = TALLY_OK;
    for (int list = 0; list < FLOW_LISTS; list++)
        for (struct flow *f = flow_table_oldest(st->flows, list); f;
             f = flow_table_newer(st->flows, f))
            open[n++] = f;
    qsort(open, n, sizeof(*open), conn_order);
    for (size_t i = 0; i < n && !err; i++)
        err = conn_write(st, open[i], open[i]->list == FLOW_LIST_CLOSED ?
                         ((open[i]->dir[0].state | open[i]->dir[1].state) & DIR_RST ? "rst"
                                                                                    : "fin")
                         : "eof");
    if (!err)
        err = pcap_conn_flush(st);

    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, st->cap->probes);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        struct probe_group *g = value;
        probe_group_settle(st, g);
        if (g->answered < g->destinations)
            g_ptr_array_add(groups, g);
    }
    g_ptr_array_sort(groups, group_order);
    for (guint i = 0; i < groups->len && !err; i++) {
        const struct probe_group *g = g_ptr_array_index(groups, i);
        struct probe_record rec = {
            .sport = g->key.sport, .dport = g->key.dport,
            .first_seen = (double)g->first_ns / 1e9, .last_seen = (double)g->last_ns / 1e9,
            .packets = g->packets, .bytes = g->bytes,
            .destinations = g->destinations, .answered = g->answered,
        };
        rec.scanner.family = g->key.family;
        memcpy(rec.scanner.bytes, g->key.scanner, 16);
        if (store_add_probe(st->ctx->store, &rec))
            err = store_fail(st->ctx->store, st->ctx->diag, "cannot store a probe");
    }
    g_ptr_array_free(groups, TRUE);
    free(open);
    return err;
}
