/* zgrab2.c: ZGrab2 JSON lines (zmap/zgrab2), one object per grabbed target:
 *   {"ip":"172.17.0.3","domain":"target","data":{"http":{"status":"success",
 *    "protocol":"http","port":8080,"result":{"response":{"headers":{"server":["..."],
 *    "x_powered_by":["..."],"unknown":[{"key":"x_aspnet_version","value":["..."]}]},
 *    "request":{"url":{"scheme":"http","host":"target"}}}},"timestamp":"2018-..Z"}}}
 * Each successful http module result is an open TCP port with its Server, X-Powered-By
 * and X-AspNet-Version headers (zgrab2 lower-cases header names and writes '-' as '_').
 * A TLS handshake (the http module's tls_log, the tls module's result) gives the server's
 * chosen version and cipher and its certificate chain (raw base64 DER, cert.c).
 * Failed grabs and other modules are left out: they say nothing about an application. */
#include "importers/cert.h"
#include "importers/json_lines.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* zgrab2's header keys and the names the store uses. */
static const char *const zgrab2_headers[][2] = {
    { "server", "server" },
    { "x_powered_by", "x-powered-by" },
    { "x_aspnet_version", "x-aspnet-version" },
};
#define ZGRAB2_NHEADERS (sizeof(zgrab2_headers) / sizeof(zgrab2_headers[0]))

/* A last line without its newline: zgrab2 was stopped mid-write. */
/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* RFC 3339 ("2018-04-06T19:38:09Z", "...09.123-04:00") to unix seconds; -1 if not. */
static int rfc3339_parse(const char *text, int64_t *out)
{
    int y, mo, d, h, mi, s, n = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
        n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    const char *p = text + n;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return -1;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    return 0;
}

/* The port grabbed: the module's "port", else one in the URL's host, else the scheme's. */
static long zgrab2_port(json_t *module, json_t *response)
{
    json_t *port = json_object_get(module, "port");
    if (port)
        return json_is_integer(port) ? (long)json_integer_value(port) : -1;
    json_t *url = json_object_get(json_object_get(response, "request"), "url");
    const char *host = json_string_value(json_object_get(url, "host"));
    const char *scheme = json_string_value(json_object_get(url, "scheme"));
    const char *colon = host ? strrchr(host, ':') : NULL;
    /* "name:8080" or "[2001:db8::1]:8080", not a bare IPv6 address. */
    if (colon && (strchr(host, ':') == colon || colon[-1] == ']') && colon[1]) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        return *end || v < 0 ? -1 : v;
    }
    return scheme && strcmp(scheme, "https") == 0 ? 443 : 80;
}

/* Stores the first value of one header (an array of strings), if present. */
static enum tally_error zgrab2_header(struct import_ctx *ctx, const struct header_record *svc,
                                      const char *name, json_t *values)
{
    const char *value = json_string_value(json_array_get(values, 0));
    if (!value)
        return TALLY_OK;
    if (import_http_header(ctx, svc, name, value, strlen(value)))
        return store_fail(ctx->store, ctx->diag, "cannot store a header");
    return TALLY_OK;
}

/* A handshake_log: the server_hello's version and cipher suite, the server's certificate
 * and its chain. */
static enum tally_error zgrab2_handshake(struct import_ctx *ctx, const struct ip_addr *addr,
                                         unsigned port, int64_t seen, json_t *log)
{
    json_t *hello = json_object_get(log, "server_hello");
    const char *version = json_string_value(
        json_object_get(json_object_get(hello, "version"), "name"));
    json_t *suite = json_object_get(hello, "cipher_suite");
    json_t *value = json_object_get(suite, "value");
    if (version) {
        /* Named as masscan names them ("TLSv1.2" -> "TLS/1.2"), so both count together. */
        char name[32];
        if (strncmp(version, "TLSv", 4) == 0)
            snprintf(name, sizeof(name), "TLS/%s", version + 4);
        else
            snprintf(name, sizeof(name), "%s", version);
        struct tls_record tls = {
            .addr = *addr, .proto = "tcp", .port = port, .version = name,
            .cipher = json_is_integer(value) && json_integer_value(value) >= 0 &&
                      json_integer_value(value) <= 0xffff ? (int)json_integer_value(value) : -1,
            .cipher_name = json_string_value(json_object_get(suite, "name")), .seen = seen,
        };
        if (store_add_tls(ctx->store, &tls))
            return store_fail(ctx->store, ctx->diag, "cannot store the TLS session");
    }
    json_t *certs = json_object_get(log, "server_certificates");
    struct cert_link link = { .addr = *addr, .proto = "tcp", .port = port, .seen = seen };
    const char *raw = json_string_value(
        json_object_get(json_object_get(certs, "certificate"), "raw"));
    if (raw && import_certificate_base64(ctx, raw, strlen(raw), &link))
        return store_fail(ctx->store, ctx->diag, "cannot store the certificate");
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(certs, "chain"), i, entry) {
        raw = json_string_value(json_object_get(entry, "raw"));
        link.chain = (int)i + 1;
        if (raw && import_certificate_base64(ctx, raw, strlen(raw), &link))
            return store_fail(ctx->store, ctx->diag, "cannot store the certificate");
    }
    return TALLY_OK;
}

/* The tls module: an open port with its handshake. */
static enum tally_error zgrab2_tls(struct import_ctx *ctx, const struct ip_addr *addr,
                                   json_t *module)
{
    json_t *port_value = json_object_get(module, "port");
    const char *when = json_string_value(json_object_get(module, "timestamp"));
    int64_t seen = 0;
    long port = port_value ? (json_is_integer(port_value) ?
                              (long)json_integer_value(port_value) : -1) : 443;
    if (port < 0 || port > 65535)
        return import_bad_record(ctx, "expected a port number 0-65535 in the tls result");
    if (when && rfc3339_parse(when, &seen))
        return import_bad_record(ctx, "expected an RFC 3339 \"timestamp\", found \"%.40s\"",
                                 when);
    struct scan_record obs = { .addr = *addr, .proto = "tcp", .port = (unsigned)port,
                               .status = "open", .ttl = -1, .seen = seen };
    if (store_add_observation(ctx->store, &obs))
        return store_fail(ctx->store, ctx->diag, "cannot store the record");
    return zgrab2_handshake(ctx, addr, (unsigned)port, seen,
                            json_object_get(json_object_get(module, "result"),
                                            "handshake_log"));
}

static enum tally_error zgrab2_http(struct import_ctx *ctx, const struct ip_addr *addr,
                                    json_t *module)
{
    json_t *response = json_object_get(json_object_get(module, "result"), "response");
    json_t *headers = json_object_get(response, "headers");
    const char *when = json_string_value(json_object_get(module, "timestamp"));
    int64_t seen = 0;
    long port = zgrab2_port(module, response);

    if (port < 0 || port > 65535)
        return import_bad_record(ctx, "expected a port number 0-65535 in the http result");
    if (when && rfc3339_parse(when, &seen))
        return import_bad_record(ctx, "expected an RFC 3339 \"timestamp\", found \"%.40s\"",
                                 when);
    struct scan_record obs = { .addr = *addr, .proto = "tcp", .port = (unsigned)port,
                               .status = "open", .ttl = -1, .seen = seen };
    if (store_add_observation(ctx->store, &obs))
        return store_fail(ctx->store, ctx->diag, "cannot store the record");

    struct header_record svc = { .addr = *addr, .proto = "tcp", .port = (unsigned)port,
                                 .seen = seen };
    enum tally_error err = TALLY_OK;
    for (size_t i = 0; i < ZGRAB2_NHEADERS && !err; i++)
        err = zgrab2_header(ctx, &svc, zgrab2_headers[i][1],
                            json_object_get(headers, zgrab2_headers[i][0]));
    /* Headers zgrab2 does not know are listed as {"key": ..., "value": [...]}. */
    size_t k;
    json_t *entry;
    json_array_foreach(json_object_get(headers, "unknown"), k, entry) {
        const char *key = json_string_value(json_object_get(entry, "key"));
        for (size_t i = 0; key && i < ZGRAB2_NHEADERS && !err; i++)
            if (strcmp(key, zgrab2_headers[i][0]) == 0 &&
                !json_object_get(headers, zgrab2_headers[i][0]))
                err = zgrab2_header(ctx, &svc, zgrab2_headers[i][1],
                                    json_object_get(entry, "value"));
        if (err)
            break;
    }
    if (!err)
        err = zgrab2_handshake(ctx, addr, (unsigned)port, seen,
                               json_object_get(json_object_get(json_object_get(
                                   response, "request"), "tls_log"), "handshake_log"));
    return err;
}

static enum tally_error zgrab2_record(struct import_ctx *ctx, json_t *root)
{
    const char *ip = json_string_value(json_object_get(root, "ip"));
    json_t *data = json_object_get(root, "data");
    struct ip_addr addr;

    if (!ip || ip_parse(ip, &addr))
        return import_bad_record(ctx, "expected \"ip\" with an IPv4 or IPv6 address");
    if (!json_is_object(data))
        return import_bad_record(ctx, "expected a \"data\" object of module results");
    const char *name;
    json_t *module;
    json_object_foreach(data, name, module) {
        const char *protocol = json_string_value(json_object_get(module, "protocol"));
        const char *status = json_string_value(json_object_get(module, "status"));
        if (!json_is_object(module) || !status)
            return import_bad_record(ctx, "expected \"status\" in the \"%.40s\" result", name);
        if (!protocol || strcmp(status, "success") != 0 ||
            (strcmp(protocol, "http") != 0 && strcmp(protocol, "tls") != 0))
            continue;
        enum tally_error err = strcmp(protocol, "tls") == 0 ? zgrab2_tls(ctx, &addr, module)
                                                           : zgrab2_http(ctx, &addr, module);
        if (err)
            return err;
    }
    return TALLY_OK;
}

static enum tally_error zgrab2_run(struct import_ctx *ctx)
{
    return json_lines_run(ctx, "a zgrab2 JSON record", 0, zgrab2_record);
}

/* A first line {"ip":...,"data":{"MODULE":{"status":...}}}: masscan's NDJSON has "data"
 * too, but with "rec_type" beside it. */
static int zgrab2_sniff(const unsigned char *head, size_t len, const char *path)
{
    const unsigned char *line;
    size_t n;

    (void)path;
    if (!json_first_line(head, len, &line, &n))
        return 0;
    if ((json_line_has(line, n, "\"ip\":") || json_line_has(line, n, "\"domain\":")) &&
        json_line_has(line, n, "\"data\":{\"") && json_line_has(line, n, "\"status\":\"") &&
        json_line_has(line, n, "\"protocol\":\"") && !json_line_has(line, n, "\"rec_type\":"))
        return 85;
    return 0;
}

const struct importer importer_zgrab2 = {
    .name = "zgrab2",
    .description = "ZGrab2 JSON lines: http and tls results as open ports with Server, "
                   "X-Powered-By and certificates",
    .sniff = zgrab2_sniff,
    .run = zgrab2_run,
};
