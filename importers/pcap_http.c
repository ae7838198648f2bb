/* pcap_http.c: HTTP/1.x response headers seen in a capture, stored as masscan would store
 * them: the header block as an "http" banner, and the Server / X-Powered-By headers that
 * name the service's application and stack. */
#include "importers/pcap_internal.h"

#include <string.h>

static const char response_prefix[] = "HTTP/1.";

int http_response_start(const uint8_t *data, size_t len)
{
    size_t n = len < sizeof(response_prefix) - 1 ? len : sizeof(response_prefix) - 1;
    return memcmp(data, response_prefix, n) == 0;
}

size_t http_header_length(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (data[i] != '\n')
            continue;
        if (data[i + 1] == '\n')
            return i + 2;
        if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static void key_source(const struct flow_key *key, struct ip_addr *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->family = key->family;
    memcpy(addr->bytes, key->src, sizeof(addr->bytes));
}

enum tally_error pcap_http_response(struct pcap_state *st, const struct flow_key *key,
                                    int64_t ts_ns, const uint8_t *data, size_t len)
{
    struct import_ctx *ctx = st->ctx;
    struct banner_record banner = {
        .proto = "tcp", .port = key->sport, .service = "http", .data = data, .len = len,
        .seen = ts_ns / 1000000000,
    };
    struct header_record service = {
        .proto = "tcp", .port = key->sport, .seen = banner.seen,
    };
    key_source(key, &banner.addr);
    service.addr = banner.addr;
    st->stats.http_responses++;
    if (store_add_banner(ctx->store, &banner))
        return store_fail(ctx->store, ctx->diag, "cannot store an HTTP response");
    return import_http_headers(ctx, &service, data, len);
}
