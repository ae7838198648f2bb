/* test-pcap.c: unit tests of the packet-capture importer's pieces: the DNS name decoder
 * (compression, loops, overlong names), TCP stream reassembly (order, overlap, bounds),
 * HTTP header detection, packet decoding against short captures, the connection table, and
 * the staged sets of probed addresses. */
#include "importers/pcap_internal.h"
#include "tests/tap.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

static int decode(const uint8_t *msg, size_t len, size_t off, char *out, size_t *next)
{
    size_t o = off;
    int rc = dns_name_decode(msg, len, &o, out, DNS_NAME_TEXT);
    if (next)
        *next = o;
    return rc;
}

static void test_dns_names(void)
{
    char out[DNS_NAME_TEXT];
    size_t next;
    /* 12 header bytes, "www.example.com" at 12, "mail" + pointer to "example.com" at 29. */
    uint8_t msg[64] = { 0 };
    static const uint8_t name[] = "\3www\7example\3com";
    memcpy(msg + 12, name, sizeof(name));           /* includes the final zero */
    size_t p = 12 + sizeof(name);
    static const uint8_t mail[] = { 4, 'm', 'a', 'i', 'l', 0xc0, 16 };
    memcpy(msg + p, mail, sizeof(mail));

    CHECK_INT(decode(msg, sizeof(msg), 12, out, &next), 0, "plain name decodes");
    CHECK_STR(out, "www.example.com", "plain name text");
    CHECK_INT(next, 12 + sizeof(name), "offset moves past the name");
    CHECK_INT(decode(msg, sizeof(msg), p, out, &next), 0, "compressed name decodes");
    CHECK_STR(out, "mail.example.com", "compressed name text");
    CHECK_INT(next, p + sizeof(mail), "offset moves past the first pointer only");

    /* A pointer to itself, and two pointers to each other: loops end in an error. */
    uint8_t loop[16] = { 0 };
    loop[12] = 0xc0;
    loop[13] = 12;
    CHECK_INT(decode(loop, sizeof(loop), 12, out, NULL), -1, "self pointer is refused");
    uint8_t pair[20] = { 0 };
    pair[12] = 1;
    pair[13] = 'a';
    pair[14] = 0xc0;
    pair[15] = 16;
    pair[16] = 0xc0;
    pair[17] = 12;
    CHECK_INT(decode(pair, sizeof(pair), 12, out, NULL), -1, "pointer cycle is refused");

    /* A forward pointer is legal. */
    uint8_t fwd[24] = { 0 };
    fwd[12] = 0xc0;
    fwd[13] = 16;
    memcpy(fwd + 16, "\3fwd", 5);
    CHECK_INT(decode(fwd, sizeof(fwd), 12, out, &next), 0, "forward pointer decodes");
    CHECK_STR(out, "fwd", "forward pointer text");
    CHECK_INT(next, 14, "offset after a forward pointer");

    /* Out of bounds: a label longer than the message, a pointer past the end. */
    uint8_t cut[16] = { 0 };
    cut[12] = 10;
    CHECK_INT(decode(cut, 15, 12, out, NULL), -1, "label past the end is refused");
    uint8_t far[16] = { 0 };
    far[12] = 0xc0;
    far[13] = 200;
    CHECK_INT(decode(far, sizeof(far), 12, out, NULL), -1, "pointer past the end is refused");
    CHECK_INT(decode(far, 13, 12, out, NULL), -1, "half a pointer is refused");

    /* 255 bytes on the wire is the limit: 4 labels of 63 = 256 bytes is one too many. */
    uint8_t big[12 + 4 * 64 + 1] = { 0 };
    for (int i = 0; i < 4; i++) {
        big[12 + i * 64] = 63;
        memset(big + 12 + i * 64 + 1, 'a', 63);
    }
    CHECK_INT(decode(big, sizeof(big), 12, out, NULL), -1, "256-byte name is refused");
    big[12 + 3 * 64] = 61;                          /* 3*64 + 62 + 1 = 255 bytes */
    big[12 + 3 * 64 + 62] = 0;
    CHECK_INT(decode(big, sizeof(big), 12, out, NULL), 0, "255-byte name decodes");
    CHECK_INT(strlen(out), 3 * 63 + 61 + 3, "255-byte name text length");

    /* Overlong through pointers: a name that points back into itself via labels. */
    uint8_t grow[12 + 130] = { 0 };
    for (int i = 0; i < 2; i++) {
        grow[12 + i * 64] = 63;
        memset(grow + 12 + i * 64 + 1, 'b', 63);
    }
    grow[12 + 128] = 0xc0;
    grow[12 + 129] = 12;
    CHECK_INT(decode(grow, sizeof(grow), 12, out, NULL), -1, "looping labels stop at 255 bytes");

    /* Reserved label types (0x40, 0x80) and escapes. */
    uint8_t ext[16] = { 0 };
    ext[12] = 0x41;
    CHECK_INT(decode(ext, sizeof(ext), 12, out, NULL), -1, "extended label type is refused");
    uint8_t odd[20] = { 0 };
    memcpy(odd + 12, "\4a.b\\\1\x01", 8);
    odd[17] = 1;
    odd[18] = 0x01;
    odd[19] = 0;
    CHECK_INT(decode(odd, sizeof(odd), 12, out, NULL), 0, "odd bytes decode");
    CHECK_STR(out, "a\\.b\\\\.\\001", "dots, backslashes and controls are escaped");
    uint8_t root[13] = { 0 };
    CHECK_INT(decode(root, sizeof(root), 12, out, &next), 0, "root decodes");
    CHECK_STR(out, ".", "root is a dot");
    CHECK_INT(dns_port(53) && dns_port(5353) && dns_port(5355) && !dns_port(80), 1,
              "DNS ports");
}

static void test_streams(void)
{
    struct flow f = { 0 };
    const char *text = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody";
    size_t n = strlen(text);
    struct stream *s = stream_new(&f, 0, STREAM_HTTP, 1000);

    CHECK_INT(stream_add(s, 1000 + 10, (const uint8_t *)text + 10, 10), 0, "middle first");
    CHECK_INT(stream_contiguous(s), 0, "nothing contiguous with a gap at the start");
    CHECK_INT(stream_add(s, 1000, (const uint8_t *)"XXXXXXXXXXXXXXX", 15), 0,
              "overlapping start");
    CHECK_INT(stream_contiguous(s), 20, "start and middle join");
    CHECK(memcmp(s->data + 10, text + 10, 10) == 0, "first copy of the overlap wins");
    CHECK_INT(stream_add(s, 1000, (const uint8_t *)text, 20), 0, "retransmission");
    CHECK(memcmp(s->data, "XXXXXXXXXX", 10) == 0, "retransmission does not overwrite");
    CHECK_INT(stream_add(s, 1000 + 20, (const uint8_t *)text + 20, n - 20), 0, "the rest");
    CHECK_INT(stream_contiguous(s), n, "everything contiguous");
    CHECK_INT(s->nranges, 1, "one range");
    stream_free(s);

    /* Bytes before the start are dropped; bytes after the cap too. */
    s = stream_new(&f, 0, STREAM_HTTP, 0xfffffff0u);     /* sequence numbers wrap */
    CHECK_INT(stream_add(s, 0xffffffe0u, (const uint8_t *)text, 20), 0, "before the start");
    CHECK_INT(stream_contiguous(s), 4, "only the bytes from the start are kept");
    CHECK(memcmp(s->data, text + 16, 4) == 0, "trimmed bytes are the right ones");
    CHECK_INT(stream_add(s, 0xfffffff4u, (const uint8_t *)"abcdefghijklmnopqrstuvwxyz", 26), 0,
              "across the wrap");
    CHECK_INT(stream_contiguous(s), 30, "contiguous across the sequence wrap");
    uint8_t *big = calloc(1, STREAM_MAX_BYTES);
    CHECK_INT(stream_add(s, 0xfffffff0u + STREAM_MAX_BYTES - 8, big, 100), 0, "past the cap");
    CHECK_INT(s->ranges[s->nranges - 1].end, STREAM_MAX_BYTES, "kept up to the cap");
    CHECK_INT(stream_add(s, 0xfffffff0u + STREAM_MAX_BYTES, big, 100), 0, "beyond the cap");
    CHECK(s->alloc <= STREAM_MAX_BYTES, "buffer stays within the cap");
    stream_free(s);

    /* A start seen late: byte 0 moves back, what was held moves up, the cap still holds. */
    s = stream_new(&f, 0, STREAM_HTTP, 1020);
    CHECK_INT(stream_add(s, 1020, (const uint8_t *)text + 20, n - 20), 0, "the end first");
    CHECK_INT(stream_rebase(s, 1000), 0, "rebase 20 bytes back");
    CHECK_INT(s->base, 1000, "new byte 0");
    CHECK_INT(stream_contiguous(s), 0, "a gap where the start will go");
    CHECK_INT(s->ranges[0].start, 20, "the bytes held moved up");
    CHECK_INT(stream_add(s, 1000, (const uint8_t *)text, 20), 0, "then the start");
    CHECK_INT(stream_contiguous(s), n, "all contiguous");
    CHECK(memcmp(s->data, text, n) == 0, "in order");
    CHECK_INT(stream_rebase(s, 1000 - STREAM_MAX_BYTES), -1, "too far back is refused");
    CHECK_INT(s->base, 1000, "and changes nothing");
    CHECK_INT(stream_add(s, 1000 + STREAM_MAX_BYTES - 10, big, 10), 0, "a segment at the cap");
    CHECK_INT(stream_rebase(s, 995), 0, "rebase near the cap");
    CHECK_INT(s->ranges[s->nranges - 1].end, STREAM_MAX_BYTES, "the last range is cut at the cap");
    CHECK(memcmp(s->data + 5, text, n) == 0, "the start moved intact");
    stream_free(s);

    /* Too many holes: the segment is refused. */
    s = stream_new(&f, 0, STREAM_DNS, 0);
    int rc = 0;
    for (int i = 0; i < STREAM_MAX_RANGES && rc == 0; i++)
        rc = stream_add(s, (uint32_t)(10 + i * 10), big, 5);
    CHECK_INT(rc, 0, "STREAM_MAX_RANGES holes fit");
    CHECK_INT(stream_add(s, 5000, big, 5), -1, "one more hole is refused");
    CHECK_INT(stream_add(s, 0, big, 5000), 0, "a segment filling every hole is taken");
    CHECK_INT(stream_contiguous(s), 5000, "holes filled");
    free(big);
    stream_free(s);

    struct stream_table *t = stream_table_new();
    struct flow flows[3];
    for (int i = 0; i < 3; i++)
        stream_table_insert(t, stream_new(&flows[i], i == 2, STREAM_HTTP, 0));
    stream_table_touch(t, stream_table_find(t, &flows[0].dir[0]), 5);
    CHECK(stream_table_oldest(t)->flow == &flows[1], "least recently used is oldest");
    stream_table_remove(t, stream_table_oldest(t));
    CHECK_INT(stream_table_count(t), 2, "removed");
    CHECK(stream_table_find(t, &flows[1].dir[0]) == NULL, "removed stream is gone");
    CHECK(stream_table_find(t, &flows[2].dir[1]) != NULL, "a stream of the way back");
    CHECK(stream_table_find(t, &flows[2].dir[0]) == NULL, "is not the way there");
    stream_table_free(t);
}

static void test_http(void)
{
    const uint8_t *crlf = (const uint8_t *)"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody";
    const uint8_t *lf = (const uint8_t *)"HTTP/1.0 200 OK\nA: b\n\nbody";
    CHECK_INT(http_header_length(crlf, strlen((const char *)crlf)), 25, "CRLF header block");
    CHECK_INT(http_header_length(lf, strlen((const char *)lf)), 22, "LF header block");
    CHECK_INT(http_header_length(crlf, 24), 0, "incomplete header block");
    CHECK(http_response_start(crlf, 4), "a prefix of HTTP/1. may be a response");
    CHECK(!http_response_start((const uint8_t *)"GET / HTTP/1.1", 14), "a request is not");
    CHECK(!http_response_start((const uint8_t *)"SSH-2.0", 7), "SSH is not");
}

static void test_decode(void)
{
    struct pkt p;
    /* Ethernet, QinQ, IPv4, TCP SYN-ACK 10.0.0.1:80 -> 10.0.0.2:1234. */
    uint8_t frame[14 + 8 + 20 + 20] = { 0 };
    frame[12] = 0x88; frame[13] = 0xa8; frame[16] = 0x81; frame[17] = 0x00;
    frame[20] = 0x08; frame[21] = 0x00;
    uint8_t *ip = frame + 22;
    ip[0] = 0x45; ip[3] = 40; ip[8] = 55; ip[9] = 6;
    ip[12] = 10; ip[15] = 1; ip[16] = 10; ip[19] = 2;
    uint8_t *tcp = ip + 20;
    tcp[1] = 80; tcp[2] = 0x04; tcp[3] = 0xd2; tcp[12] = 0x50; tcp[13] = TCP_SYN | TCP_ACK;
    CHECK_INT(pcap_decode(DLT_EN10MB, frame, sizeof(frame), &p), PKT_IP, "QinQ IPv4 decodes");
    CHECK_INT(p.sport, 80, "source port");
    CHECK_INT(p.dport, 1234, "destination port");
    CHECK_INT(p.ttl, 55, "ttl");
    CHECK_INT(p.tcp_flags, TCP_SYN | TCP_ACK, "flags");
    CHECK_INT(p.payload_len, 0, "no payload");
    /* Every shorter capture of the same frame decodes without reading past it. */
    int ok = 1;
    for (size_t len = 0; len < sizeof(frame); len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, frame, len);
        enum pkt_status st = pcap_decode(DLT_EN10MB, copy, len, &p);
        if (len < 22 + 20 && st == PKT_IP)
            ok = 0;
        if (len >= 22 + 20 + 14 && (st != PKT_IP || p.tcp_flags != (TCP_SYN | TCP_ACK)))
            ok = 0;
        free(copy);
    }
    CHECK(ok, "every truncation of the frame decodes as far as it goes");
    /* An IPv4 header claiming more than the packet holds is cut to the capture. */
    ip[3] = 200;
    CHECK_INT(pcap_decode(DLT_EN10MB, frame, sizeof(frame), &p), PKT_IP, "long claim");
    CHECK_INT(p.truncated, 1, "marked truncated");
    ip[3] = 10;
    CHECK_INT(pcap_decode(DLT_EN10MB, frame, sizeof(frame), &p), PKT_MALFORMED,
              "total length shorter than the header is malformed");
    CHECK_INT(pcap_decode(DLT_PPP, frame, sizeof(frame), &p), PKT_UNSUPPORTED,
              "PPP is not decoded");
    CHECK_INT(pcap_link_supported(DLT_LINUX_SLL2), 1, "SLL2 supported");
}

static void test_flows(void)
{
    struct flow_table *t = flow_table_new();
    struct flow_key k = { .family = 4, .proto = 6 };
    int ok = 1, d;
    for (uint32_t i = 0; i < 100000; i++) {
        memcpy(k.src, &i, 4);
        struct flow *f = flow_table_add(t, &k, flow_table_hash(&k), FLOW_LIST_TCP);
        f->dir[0].packets++;
    }
    CHECK_INT(flow_table_size(t), 100000, "100000 distinct connections");
    for (uint32_t i = 0; i < 100000; i += 7) {
        memcpy(k.src, &i, 4);
        struct flow *f = flow_table_find(t, &k, flow_table_hash(&k), &d);
        if (!f || d != 0 || f->dir[0].packets != 1)
            ok = 0;
    }
    CHECK(ok, "connections are found again after the table grew");
    uint32_t first;
    memcpy(&first, flow_table_oldest(t, FLOW_LIST_TCP)->key.src, 4);
    CHECK_INT(first, 0, "the list's oldest is the first added");
    /* Remove every other one: the rest stay reachable (deletion keeps probe runs whole). */
    for (uint32_t i = 0; i < 100000; i += 2) {
        memcpy(k.src, &i, 4);
        flow_table_remove(t, flow_table_find(t, &k, flow_table_hash(&k), &d));
    }
    CHECK_INT(flow_table_size(t), 50000, "half removed");
    CHECK_INT(flow_table_count(t, FLOW_LIST_TCP), 50000, "and off their list");
    ok = 1;
    for (uint32_t i = 0; i < 100000; i++) {
        memcpy(k.src, &i, 4);
        struct flow *f = flow_table_find(t, &k, flow_table_hash(&k), &d);
        if ((f != NULL) != (i % 2 == 1))
            ok = 0;
    }
    CHECK(ok, "the others are found, the removed are not");
    memcpy(&first, flow_table_oldest(t, FLOW_LIST_TCP)->key.src, 4);
    CHECK_INT(first, 1, "the oldest left is next");
    memcpy(k.src, &first, 4);
    struct flow *f = flow_table_find(t, &k, flow_table_hash(&k), &d);
    flow_table_touch(t, f, FLOW_LIST_OTHER);
    CHECK(flow_table_oldest(t, FLOW_LIST_OTHER) == f, "moved to another list");
    memcpy(&first, flow_table_oldest(t, FLOW_LIST_TCP)->key.src, 4);
    CHECK_INT(first, 3, "and off its own");
    uint32_t again = 2;
    memcpy(k.src, &again, 4);
    flow_table_add(t, &k, flow_table_hash(&k), FLOW_LIST_TCP);
    CHECK_INT(flow_table_size(t), 50001, "a removed entry is reused");
    k.proto = 17;
    CHECK(flow_table_find(t, &k, flow_table_hash(&k), &d) == NULL,
          "an unknown key is not found");
    flow_table_free(t);
}

/* The staged address set against a plain bitmap given the same adds and removes: the same
 * members, the same count, and every distinct addition counted once, across flushes of a
 * full stage, address 0, and removals of addresses staged, stored or both. */
static void test_addr_set(void)
{
    struct addr_set s;
    roaring_bitmap_t *ref = roaring_bitmap_create();
    uint64_t ref_added = 0, x = 0x2545f4914f6cdd1dull;
    int same = 1;
    addr_set_init(&s);
    for (int i = 0; i < 1500000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* A million addresses spread over the whole space (0 among them): repeats and
         * removals of what is staged and of what is stored both happen. */
        uint32_t addr = (uint32_t)(x % 1000000) * 4294u;
        if (x >> 60 == 0) {
            addr_set_remove(&s, addr);
            roaring_bitmap_remove(ref, addr);
        } else {
            addr_set_add(&s, addr);
            ref_added += roaring_bitmap_add_checked(ref, addr);
        }
        if (i % 1000 == 0 && addr_set_contains(&s, addr) != roaring_bitmap_contains(ref, addr))
            same = 0;
        if (i % 1000 == 1 && addr_set_contains(&s, addr ^ 1) != roaring_bitmap_contains(ref, addr ^ 1))
            same = 0;
    }
    CHECK(same, "members are those of a plain bitmap");
    CHECK(s.staged > 0, "some addresses are still staged before counting");
    CHECK_INT(addr_set_count(&s), roaring_bitmap_get_cardinality(ref), "the same count");
    CHECK_INT(s.added, ref_added, "every distinct addition counted once");
    CHECK(roaring_bitmap_equals(s.bitmap, ref), "the bitmap equals the plain one");
    addr_set_add(&s, 0);
    addr_set_remove(&s, 0);
    CHECK(!addr_set_contains(&s, 0), "address 0 removed while staged");
    addr_set_free(&s);
    roaring_bitmap_free(ref);

    /* Address 0 alone is staged without a stage table. */
    addr_set_init(&s);
    addr_set_add(&s, 0);
    CHECK_INT(addr_set_count(&s), 1, "a set of address 0 alone counts it");
    CHECK(addr_set_contains(&s, 0) && s.staged == 0, "and holds it stored");
    addr_set_free(&s);
}

/* A packet going either way finds its connection. */
static void test_flow_reverse(void)
{
    struct flow_table *t = flow_table_new();
    struct flow_key there = { .family = 4, .proto = 6, .sport = 61000, .dport = 80 };
    struct flow_key back = { .family = 4, .proto = 6, .sport = 80, .dport = 61000 };
    int ok = 1, hashes_pair = 1, d;
    for (uint32_t i = 0; i < 50000; i++) {
        uint32_t near = i, far = 0xC6120000u + i;
        memcpy(there.src, &near, 4);
        memcpy(there.dst, &far, 4);
        memcpy(back.src, &far, 4);
        memcpy(back.dst, &near, 4);
        uint32_t h1 = flow_table_hash(&there), h2 = flow_table_hash(&back);
        if ((h1 ^ h2) != 1)
            hashes_pair = 0;
        /* Every third is keyed from the far end. */
        struct flow *f = i % 3 ? flow_table_add(t, &there, h1, FLOW_LIST_TCP)
                               : flow_table_add(t, &back, h2, FLOW_LIST_TCP);
        if (flow_table_find(t, &there, h1, &d) != f || d != (i % 3 == 0) ||
            flow_table_find(t, &back, h2, &d) != f || d != (i % 3 != 0))
            ok = 0;
    }
    CHECK(hashes_pair, "the two directions hash alike but for the lowest bit");
    CHECK(ok, "a connection is found from either end");
    struct flow_key self = { .family = 4, .proto = 17, .sport = 5353, .dport = 5353 };
    struct flow *f = flow_table_add(t, &self, flow_table_hash(&self), FLOW_LIST_OTHER);
    CHECK(flow_table_find(t, &self, flow_table_hash(&self), &d) == f && d == 0,
          "a host talking to itself, port to port, is one connection");
    flow_table_free(t);
}

int main(void)
{
    test_dns_names();
    test_streams();
    test_http();
    test_decode();
    test_flows();
    test_addr_set();
    test_flow_reverse();
    return tap_done();
}
