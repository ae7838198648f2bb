/* fuzz_cert.c: a libFuzzer harness for the certificate input path (importers/cert.c): the
 * bytes as DER through mbedTLS and the fields read from it, as base64 text (masscan's X509
 * banner, zgrab2's raw), as PEM (nmap's ssl-cert), and as a masscan ssl banner; all stored
 * into an in-memory database whose import is then rolled back. */
#include "importers/cert.h"

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
    struct source_info info = { .path = "fuzz.der", .format = "list" };
    if (store_import_begin(store, &info, &diag) != TALLY_OK)
        abort();
    struct import_options opt = { .tz = "UTC" };
    struct import_ctx ctx = { .store = store, .opt = &opt, .diag = &diag };
    struct cert_link link = { .addr = { .family = 4, .bytes = { 192, 0, 2, 1 } },
                              .proto = "tcp", .port = 443, .seen = 1700000000 };
    /* An exact-size copy, so a read one byte past the input is caught. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    struct cert_info parsed;
    cert_parse(copy, size, &parsed);
    if (strlen(parsed.sha256) != 64 || (!parsed.error && !parsed.subject))
        abort();
    cert_info_release(&parsed);
    if (import_certificate(&ctx, copy, size, &link) != TALLY_OK ||
        import_certificate(&ctx, copy, size, &link) != TALLY_OK ||      /* known now */
        import_certificate_base64(&ctx, (const char *)copy, size, &link) != TALLY_OK ||
        import_certificate_pem(&ctx, (const char *)copy, size, &link) != TALLY_OK)
        abort();
    struct banner_record ssl = { .addr = link.addr, .proto = "tcp", .port = 443,
                                 .service = "ssl", .data = copy, .len = size };
    if (import_ssl_banner(&ctx, &ssl) != TALLY_OK)
        abort();
    free(copy);
    store_import_rollback(store);
    return 0;
}
