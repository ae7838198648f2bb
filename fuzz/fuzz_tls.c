/* fuzz_tls.c: a libFuzzer harness for the TLS record and handshake reader of the capture
 * importer (pcap_tls_stream and the hello and certificate parsers under it): the input is
 * split at its first byte's offset into what a client and a server sent on one TCP
 * connection, each read as a reassembled stream, stored into an in-memory database whose
 * import is then rolled back. */
#include "fuzz/fuzz_store.h"
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds len bytes to direction dir of f in segments of at most 97 bytes, as they come. */
static void feed(struct pcap_state *st, struct flow *f, int dir, const uint8_t *data,
                 size_t len)
{
    struct stream *s = stream_new(f, dir, STREAM_TLS, 1000);
    int done = 0;
    for (size_t off = 0; off < len && !done; off += 97) {
        size_t n = len - off < 97 ? len - off : 97;
        uint8_t *seg = fuzz_copy(data + off, n);
        if (stream_add(s, 1000 + (uint32_t)off, seg, n) < 0)
            abort();
        free(seg);
        if (pcap_tls_stream(st, s, 1700000000000000000LL, &done) != TALLY_OK)
            abort();
    }
    stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_import fi;
    fuzz_import_begin(&fi, "fuzz.pcap", "pcap");
    struct import_ctx *ctx = &fi.ctx;
    struct pcap_state st = { .ctx = ctx };
    struct flow f = { .key = { .family = 4, .proto = 6, .sport = 40000, .dport = 443,
                               .src = { 192, 0, 2, 2 }, .dst = { 192, 0, 2, 1 } } };
    size_t split = size ? data[0] % (size + 1) : 0;
    (void)tls_record_start(data, size);
    feed(&st, &f, 0, data, split);
    feed(&st, &f, 1, data + split, size - split);
    if (pcap_tls_end(&st, &f) != TALLY_OK || pcap_tls_finish(&st) != TALLY_OK)
        abort();
    pcap_tls_free(&st);
    fuzz_import_end(&fi);
    return 0;
}
