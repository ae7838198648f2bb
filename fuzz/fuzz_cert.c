/* fuzz_cert.c: a libFuzzer harness for the certificate input path (importers/cert.c): the
 * bytes as DER through mbedTLS and the fields read from it, as base64 text (masscan's X509
 * banner, zgrab2's raw), as PEM (nmap's ssl-cert), and as a masscan ssl banner; all stored
 * into an in-memory database whose import is then rolled back. */
#include "fuzz/fuzz_store.h"
#include "importers/cert.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_import fi;
    fuzz_import_begin(&fi, "fuzz.der", "list");
    struct import_ctx *ctx = &fi.ctx;
    struct cert_link link = { .addr = { .family = 4, .bytes = { 192, 0, 2, 1 } },
                              .proto = "tcp", .port = 443, .seen = 1700000000 };
    uint8_t *copy = fuzz_copy(data, size);

    struct cert_info parsed;
    cert_parse(copy, size, &parsed);
    if (strlen(parsed.sha256) != 64 || (!parsed.error && !parsed.subject))
        abort();
    cert_info_release(&parsed);
    if (import_certificate(ctx, copy, size, &link) != TALLY_OK ||
        import_certificate(ctx, copy, size, &link) != TALLY_OK ||      /* known now */
        import_certificate_base64(ctx, (const char *)copy, size, &link) != TALLY_OK ||
        import_certificate_pem(ctx, (const char *)copy, size, &link) != TALLY_OK)
        abort();
    struct banner_record ssl = { .addr = link.addr, .proto = "tcp", .port = 443,
                                 .service = "ssl", .data = copy, .len = size };
    if (import_ssl_banner(ctx, &ssl) != TALLY_OK)
        abort();
    free(copy);
    fuzz_import_end(&fi);
    return 0;
}
