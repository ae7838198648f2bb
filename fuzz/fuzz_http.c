/* fuzz_http.c: a libFuzzer harness for the HTTP response header scan shared by every
 * importer that meets an HTTP banner (import_http_headers in importers/banner.c) and the
 * capture importer's header-block framing (http_header_length, http_response_start). The
 * headers found are stored into an in-memory database whose import is then rolled back. */
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
    struct source_info info = { .path = "fuzz.txt", .format = "list" };
    if (store_import_begin(store, &info, &diag) != TALLY_OK)
        abort();
    struct import_options opt = { .tz = "UTC" };
    struct import_ctx ctx = { .store = store, .opt = &opt, .diag = &diag };
    struct header_record service = { .addr = { .family = 4, .bytes = { 192, 0, 2, 1 } },
                                     .proto = "tcp", .port = 80, .seen = 1700000000 };
    /* An exact-size copy, so a read one byte past the block is caught. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    size_t block = http_header_length(copy, size);
    if (block > size)
        abort();
    (void)http_response_start(copy, size);
    if (import_http_headers(&ctx, &service, copy, block ? block : size) != TALLY_OK)
        abort();
    free(copy);
    store_import_rollback(store);
    return 0;
}
