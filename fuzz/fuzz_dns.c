/* fuzz_dns.c: a libFuzzer harness for the DNS message decoder of the capture importer
 * (pcap_dns_message and the name decoder under it): the input bytes are one DNS message
 * from port 53, stored into an in-memory database whose import is then rolled back. */
#include "fuzz/fuzz_store.h"
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_import fi;
    fuzz_import_begin(&fi, "fuzz.pcap", "pcap");
    struct import_ctx *ctx = &fi.ctx;
    struct pcap_state st = { .ctx = ctx };
    struct flow_key key = { .family = 4, .proto = 17, .sport = 53, .dport = 40000,
                            .src = { 192, 0, 2, 1 }, .dst = { 192, 0, 2, 2 } };
    uint8_t *msg = fuzz_copy(data, size);
    if (pcap_dns_message(&st, &key, 1700000000000000000LL, msg, size) != TALLY_OK)
        abort();
    /* The name decoder alone, from the first byte's offset. */
    if (size > 0) {
        char name[DNS_NAME_TEXT];
        size_t off = msg[0] % size;
        if (dns_name_decode(msg, size, &off, name, sizeof(name)) == 0 &&
            (off > size || strlen(name) >= sizeof(name)))
            abort();
    }
    free(msg);
    fuzz_import_end(&fi);
    return 0;
}
