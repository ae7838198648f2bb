/* banner.c: what a banner says about a service. Every importer that meets a banner (masscan
 * formats, nmap, captured HTTP responses) calls import_banner() or import_http_headers(),
 * so "the application (Server) and stack (X-Powered-By)" is derived in one place. */
#include "importers/importers.h"

#include <string.h>
#include <strings.h>

static const char *const interesting_headers[] = { "server", "x-powered-by",
                                                   "x-aspnet-version", NULL };

enum tally_error import_http_headers(struct import_ctx *ctx, const struct header_record *service,
                                     const unsigned char *data, size_t len)
{
    const char *p = (const char *)data, *end = p + len;
    int first = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t n = (size_t)(line_end - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 && !first)
            break;                      /* the blank line ends the headers */
        first = 0;
        const char *colon = memchr(p, ':', n);
        if (colon) {
            size_t name_len = (size_t)(colon - p);
            for (int i = 0; interesting_headers[i]; i++) {
                if (name_len != strlen(interesting_headers[i]) ||
                    strncasecmp(p, interesting_headers[i], name_len) != 0)
                    continue;
                const char *value = colon + 1;
                while (value < p + n && (*value == ' ' || *value == '\t'))
                    value++;
                struct header_record rec = *service;
                rec.name = interesting_headers[i];
                rec.value = value;
                rec.len = (size_t)(p + n - value);
                enum tally_error err = store_add_header(ctx->store, &rec);
                if (err)
                    return err;
            }
        }
        p = eol ? eol + 1 : end;
    }
    return TALLY_OK;
}

enum tally_error import_banner(struct import_ctx *ctx, const struct banner_record *banner)
{
    enum tally_error err = store_add_banner(ctx->store, banner);
    if (err)
        return err;
    struct header_record service = { .addr = banner->addr, .proto = banner->proto,
                                     .port = banner->port, .seen = banner->seen };
    if (strcmp(banner->service, "http.server") == 0) {
        service.name = "server";
        service.value = (const char *)banner->data;
        service.len = banner->len;
        return store_add_header(ctx->store, &service);
    }
    if (strcmp(banner->service, "http") == 0) {
        /* Skip the status line; masscan 1.3.2+ also writes http.server, older versions
         * only this, so the Server line is read here either way. */
        return import_http_headers(ctx, &service, banner->data, banner->len);
    }
    return TALLY_OK;
}
