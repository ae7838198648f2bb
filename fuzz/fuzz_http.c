/* fuzz_http.c: a libFuzzer harness for the HTTP response header scan shared by every
 * importer that meets an HTTP banner (import_http_headers in importers/banner.c) and the
 * capture importer's header-block framing (http_header_length, http_response_start). The
 * headers found are stored into an in-memory database whose import is then rolled back. */
#include "fuzz/fuzz_store.h"
#include "importers/pcap_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_import fi;
    fuzz_import_begin(&fi, "fuzz.txt", "list");
    struct import_ctx *ctx = &fi.ctx;
    struct header_record service = { .addr = { .family = 4, .bytes = { 192, 0, 2, 1 } },
                                     .proto = "tcp", .port = 80, .seen = 1700000000 };
    uint8_t *copy = fuzz_copy(data, size);
    size_t block = http_header_length(copy, size);
    if (block > size)
        abort();
    (void)http_response_start(copy, size);
    if (import_http_headers(ctx, &service, copy, block ? block : size) != TALLY_OK)
        abort();
    free(copy);
    fuzz_import_end(&fi);
    return 0;
}
