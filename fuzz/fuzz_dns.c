/* fuzz_dns.c: a libFuzzer harness for the DNS message decoder of the capture importer
 * (pcap_dns_message and the name decoder under it): the input bytes are one DNS message
 * from port 53, stored into an in-memory database whose import is then rolled back. */
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

static struct store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct tally_diag diag;
    if (store_open(":memory:", STORE_READ_WRITE, &store, &diag) != TALLY_OK)
        abort();
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tally_diag diag;
    struct source_info info = { .path = "fuzz.pcap", .format = "pcap" };
    if (store_import_begin(store, &info, &diag) != TALLY_OK)
        abort();
    struct import_options opt = { .tz = "UTC" };
    struct import_ctx ctx = { .store = store, .opt = &opt, .diag = &diag };
    struct pcap_state st = { .ctx = &ctx };
    struct flow_key key = { .family = 4, .proto = 17, .sport = 53, .dport = 40000,
                            .src = { 192, 0, 2, 1 }, .dst = { 192, 0, 2, 2 } };
    /* An exact-size copy, so a read one byte past the message is caught. */
    uint8_t *msg = malloc(size ? size : 1);
    memcpy(msg, data, size);
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
    store_import_rollback(store);
    return 0;
}
