/* banner.c: what a banner says about a service. Every importer that meets a banner or an
 * HTTP header (masscan formats, nmap, zgrab2, captured HTTP responses) calls
 * import_banner(), import_http_headers() or import_http_header(), so "the application
 * (Server) and stack (X-Powered-By)" and their product and version are read in one place;
 * certificate (X509, X509CA) and TLS (ssl) banners go on to cert.c. */
#include "importers/cert.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_split_product(const char *value, char **product, char **version)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strcspn(value, "/(; \t");
    *product = xstrndup(value, n);
    *version = NULL;
    if (value[n] == '/') {
        const char *v = value + n + 1;
        size_t vn = strcspn(v, "( ;\t");
        if (vn)
            *version = xstrndup(v, vn);
    } else if (value[n] == '(') {                 /* Jetty(8.1.14) */
        const char *v = value + n + 1;
        size_t vn = strcspn(v, ")");
        if (vn)
            *version = xstrndup(v, vn);
    }
}

enum tally_error import_http_header(struct import_ctx *ctx, const struct header_record *service,
                                    const char *name, const char *value, size_t len)
{
    char *raw = utf8_repair(value, len);
    char *product, *version;
    /* Trim surrounding blanks of the raw value. */
    size_t n = strlen(raw);
    while (n && isspace((unsigned char)raw[n - 1]))
        raw[--n] = '\0';
    http_split_product(raw, &product, &version);
    enum tally_error err = TALLY_OK;
    if (*product) {                 /* an empty header names nothing */
        struct header_record rec = *service;
        rec.name = name;
        rec.value = raw;
        rec.product = product;
        rec.version = version;
        err = store_add_header(ctx->store, &rec);
    }
    free(raw);
    free(product);
    free(version);
    return err;
}

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
                enum tally_error err = import_http_header(ctx, service, interesting_headers[i],
                                                          value, (size_t)(p + n - value));
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
    if (strcmp(banner->service, "X509") == 0 || strcmp(banner->service, "X509CA") == 0) {
        /* X509 is the service's own certificate, X509CA one of the chain after it
         * (masscan does not number them: every chain certificate is 1). */
        struct cert_link link = { .addr = banner->addr, .proto = banner->proto,
                                  .port = banner->port, .seen = banner->seen,
                                  .chain = banner->service[4] != '\0' };
        return import_certificate_base64(ctx, (const char *)banner->data, banner->len, &link);
    }
    if (strcmp(banner->service, "ssl") == 0)
        return import_ssl_banner(ctx, banner);
    if (strcmp(banner->service, "http.server") == 0)
        return import_http_header(ctx, &service, "server", (const char *)banner->data,
                                  banner->len);
    if (strcmp(banner->service, "http") == 0) {
        /* Skip the status line; masscan 1.3.2+ also writes http.server, older versions
         * only this, so the Server line is read here either way. */
        return import_http_headers(ctx, &service, banner->data, banner->len);
    }
    return TALLY_OK;
}
