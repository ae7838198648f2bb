/* nmap_xml.c: nmap's XML output (-oX): one <host> per host with its <address>es and
 * <ports><port protocol portid><state/><service name product version .../><script/></port>.
 * Every port becomes an observation with nmap's state (open, closed, filtered, ...). An
 * open port also becomes a banner row (service = nmap's service name, "ssl/" prefixed when
 * tunnelled; text = "product version extrainfo"), so the services analysis sees it, and
 * gives its HTTP Server / X-Powered-By headers, from the first of: the http-headers script
 * output, the http-server-header script output, or the service product of an HTTP service
 * ("Apache httpd" 2.2.15 -> "Apache/2.2.15"). The ssl-cert script's certificate (its pem
 * element) is stored and linked to the port (cert.c). <hosthint> previews are not hosts. */
#include "importers/cert.h"
#include "importers/xml_stream.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NXML_SCRIPT_MAX (64u * 1024)    /* script output kept per port */
#define NXML_FIELD_MAX 1024             /* product, version, extrainfo */

static const char *const nxml_states[] = { "open", "closed", "filtered", "unfiltered",
                                           "open|filtered", "closed|filtered", NULL };
static const char *const nxml_protos[] = { "tcp", "udp", "sctp", "ip", NULL };
static const char *const nxml_http_services[] = { "http", "https", "http-proxy", "http-alt",
                                                  "https-alt", NULL };

/* nmap product names whose first word is not what the server calls itself. */
static const struct {
    const char *product, *server;
} nxml_server_names[] = {
    { "Microsoft IIS httpd", "Microsoft-IIS" },
    { "Microsoft HTTPAPI httpd", "Microsoft-HTTPAPI" },
    { "Apache Tomcat/Coyote JSP engine", "Apache-Coyote" },
    { "Embedded Allegro RomPager webserver", "Allegro-Software-RomPager" },
    { NULL, NULL }
};

struct nxml {
    struct import_ctx *ctx;
    int64_t run_start;
    /* the host */
    int in_host, has_addr, bad_addr;
    struct ip_addr addr;
    int64_t seen;
    /* the port */
    int in_port, has_state, too_long;
    char protocol[16], portid[16], state[24], reason[32], ttl[16];
    char service[80];
    struct strbuf product, version, extrainfo;
    struct strbuf server_script, headers_script;
    int in_ssl_cert, in_pem;    /* inside <script id="ssl-cert">, its <elem key="pem"> */
    struct strbuf pem;
};

static const char *known_word(const char *word, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(word, words[i]) == 0)
            return words[i];
    return NULL;
}

static void copy_attr(struct nxml *n, char *dst, size_t size, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    if (len >= size) {
        n->too_long = 1;
        len = size - 1;
    }
    memcpy(dst, value ? value : "", len);
    dst[len] = '\0';
}

/* Keeps up to max bytes of value (longer text is cut: it is only read for headers). */
static void keep_text(struct strbuf *sb, const char *value, size_t max)
{
    size_t len = value ? strlen(value) : 0;
    strbuf_reset(sb);
    strbuf_add(sb, value ? value : "", len < max ? len : max);
}

static int64_t time_attr(const char **attrs, const char *name)
{
    unsigned long long v;
    if (xml_parse_uint(xml_attr(attrs, name), 0xffffffffull * 16, &v))
        return 0;
    return (int64_t)v;
}

static void nxml_document(void *user)
{
    struct nxml *n = user;
    n->in_host = n->in_port = 0;
    n->run_start = 0;
}

/* The script output with each line's indentation removed, so that "  Server: x" lines read
 * as HTTP header lines. */
static void unindent(const struct strbuf *in, struct strbuf *out)
{
    const char *p = in->buf, *end = in->buf + in->len;
    strbuf_reset(out);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *stop = eol ? eol : end;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        strbuf_add(out, p, (size_t)(stop - p));
        if (eol)
            strbuf_addch(out, '\n');
        p = eol ? eol + 1 : end;
    }
}

/* True when the header block has a "name:" line (before its blank line). */
static int has_header(const struct strbuf *headers, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = headers->buf, *end = headers->buf + headers->len;
    int first = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((eol ? eol : end) - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 && !first)
            break;
        first = 0;
        if (n > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0)
            return 1;
        p = eol ? eol + 1 : end;
    }
    return 0;
}

/* The Server value for an HTTP service's product: the server's own name for it (the table
 * above, else the first word) and the version: "Apache httpd" 2.2.15 -> "Apache/2.2.15". */
static void product_server(const struct nxml *n, struct strbuf *out)
{
    const char *product = n->product.buf;
    size_t len = strcspn(product, " /");
    for (int i = 0; nxml_server_names[i].product; i++)
        if (strcmp(product, nxml_server_names[i].product) == 0) {
            product = nxml_server_names[i].server;
            len = strlen(product);
        }
    strbuf_reset(out);
    strbuf_add(out, product, len);
    if (n->version.len)
        strbuf_addf(out, "/%s", n->version.buf);
}

/* Banner row and HTTP headers of an open port. */
static enum tally_error nxml_service(struct nxml *n, const char *proto, unsigned port)
{
    struct import_ctx *ctx = n->ctx;
    struct strbuf text;
    enum tally_error err = TALLY_OK;
    int has_server = 0;
    const char *name = n->service;

    strbuf_init(&text);
    if (*name) {
        const char *parts[] = { n->product.buf, n->version.buf, n->extrainfo.buf };
        for (int i = 0; i < 3; i++) {
            if (!*parts[i])
                continue;
            if (text.len)
                strbuf_addch(&text, ' ');
            strbuf_addstr(&text, parts[i]);
        }
        struct banner_record banner = { .addr = n->addr, .proto = proto, .port = port,
                                        .service = name,
                                        .data = (const unsigned char *)text.buf,
                                        .len = text.len, .seen = n->seen };
        err = store_add_banner(ctx->store, &banner);
        if (err)
            goto done;
    }

    struct header_record service = { .addr = n->addr, .proto = proto, .port = port,
                                     .seen = n->seen };
    if (n->headers_script.len) {
        unindent(&n->headers_script, &text);
        has_server = has_header(&text, "server");
        err = import_http_headers(ctx, &service, (const unsigned char *)text.buf, text.len);
        if (err)
            goto done;
    }
    if (has_server)
        goto done;
    strbuf_reset(&text);
    if (n->server_script.len) {
        const char *p = n->server_script.buf;
        while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
            p++;
        strbuf_add(&text, p, strcspn(p, "\r\n"));
    } else if (n->product.len) {
        const char *base = strncmp(name, "ssl/", 4) == 0 ? name + 4 : name;
        if (known_word(base, nxml_http_services))
            product_server(n, &text);
    }
    if (text.len)
        err = import_http_header(ctx, &service, "server", text.buf, text.len);

done:
    strbuf_release(&text);
    return err;
}

/* Checks and stores one <port> of the current host. */
static enum tally_error nxml_port(struct xml_stream *xs, struct nxml *n)
{
    unsigned long long port, ttl = 0;
    const char *proto, *status;
    enum tally_error err;

    import_progress(n->ctx);
    if (n->too_long)
        return xml_stream_bad_record(xs, "an attribute value of <port> is too long");
    if (!n->has_addr || n->bad_addr)
        return xml_stream_bad_record(xs, "expected <address addr=\"...\" addrtype=\"ipv4|ipv6\"> "
                                     "with an IPv4 or IPv6 address before <ports>");
    if (!(proto = known_word(n->protocol, nxml_protos)))
        return xml_stream_bad_record(xs, "expected <port protocol=\"...\"> to be tcp, udp, sctp "
                                     "or ip");
    if (xml_parse_uint(n->portid, 65535, &port))
        return xml_stream_bad_record(xs, "expected <port portid=\"...\"> to be a port number "
                                     "0-65535");
    if (!n->has_state || !(status = known_word(n->state, nxml_states)))
        return xml_stream_bad_record(xs, "expected <state state=\"...\"> to be open, closed, "
                                     "filtered, unfiltered, open|filtered or closed|filtered");
    if (n->ttl[0] && xml_parse_uint(n->ttl, 255, &ttl))
        return xml_stream_bad_record(xs, "expected reason_ttl=\"...\" to be 0-255");

    struct scan_record rec = { .addr = n->addr, .proto = proto, .port = (unsigned)port,
                               .status = status, .reason = n->reason[0] ? n->reason : NULL,
                               .ttl = n->ttl[0] ? (int)ttl : -1, .seen = n->seen };
    err = store_add_observation(n->ctx->store, &rec);
    if (!err && strcmp(status, "open") == 0)
        err = nxml_service(n, proto, (unsigned)port);
    if (!err && strcmp(status, "open") == 0 && n->pem.len) {
        struct cert_link link = { .addr = n->addr, .proto = proto, .port = (unsigned)port,
                                  .seen = n->seen };
        err = import_certificate_pem(n->ctx, n->pem.buf, n->pem.len, &link);
    }
    if (err)
        return store_fail(n->ctx->store, n->ctx->diag, "cannot store the port");
    return TALLY_OK;
}

static void nxml_port_begin(struct nxml *n, const char **attrs)
{
    n->in_port = 1;
    n->has_state = n->too_long = 0;
    n->state[0] = n->reason[0] = n->ttl[0] = n->service[0] = '\0';
    strbuf_reset(&n->product);
    strbuf_reset(&n->version);
    strbuf_reset(&n->extrainfo);
    strbuf_reset(&n->server_script);
    strbuf_reset(&n->headers_script);
    strbuf_reset(&n->pem);
    n->in_ssl_cert = n->in_pem = 0;
    copy_attr(n, n->protocol, sizeof(n->protocol), xml_attr(attrs, "protocol"));
    copy_attr(n, n->portid, sizeof(n->portid), xml_attr(attrs, "portid"));
}

static void nxml_port_child(struct nxml *n, const char *name, const char **attrs)
{
    if (strcmp(name, "state") == 0) {
        n->has_state = 1;
        copy_attr(n, n->state, sizeof(n->state), xml_attr(attrs, "state"));
        copy_attr(n, n->reason, sizeof(n->reason), xml_attr(attrs, "reason"));
        copy_attr(n, n->ttl, sizeof(n->ttl), xml_attr(attrs, "reason_ttl"));
    } else if (strcmp(name, "service") == 0) {
        const char *service = xml_attr(attrs, "name"), *tunnel = xml_attr(attrs, "tunnel");
        snprintf(n->service, sizeof(n->service), "%s%.60s",
                 tunnel && strcmp(tunnel, "ssl") == 0 && service ? "ssl/" : "",
                 service ? service : "");
        keep_text(&n->product, xml_attr(attrs, "product"), NXML_FIELD_MAX);
        keep_text(&n->version, xml_attr(attrs, "version"), NXML_FIELD_MAX);
        keep_text(&n->extrainfo, xml_attr(attrs, "extrainfo"), NXML_FIELD_MAX);
    } else if (strcmp(name, "script") == 0) {
        const char *id = xml_attr(attrs, "id");
        if (id && strcmp(id, "http-headers") == 0)
            keep_text(&n->headers_script, xml_attr(attrs, "output"), NXML_SCRIPT_MAX);
        else if (id && strcmp(id, "http-server-header") == 0)
            keep_text(&n->server_script, xml_attr(attrs, "output"), NXML_SCRIPT_MAX);
        n->in_ssl_cert = id && strcmp(id, "ssl-cert") == 0;
    } else if (strcmp(name, "elem") == 0 && n->in_ssl_cert) {
        const char *key = xml_attr(attrs, "key");
        n->in_pem = key && strcmp(key, "pem") == 0;
        if (n->in_pem)
            strbuf_reset(&n->pem);
    }
}

static enum tally_error nxml_start(struct xml_stream *xs, void *user, const char *name,
                                   const char **attrs)
{
    struct nxml *n = user;
    if (n->in_port) {
        nxml_port_child(n, name, attrs);
    } else if (strcmp(name, "nmaprun") == 0) {
        const char *scanner = xml_attr(attrs, "scanner");
        if (scanner && strcmp(scanner, "masscan") == 0)
            return xml_stream_bad_record(xs, "this is masscan XML, not nmap's: import it with "
                                         "-f xml");
        n->run_start = time_attr(attrs, "start");
    } else if (strcmp(name, "host") == 0) {
        n->in_host = 1;
        n->has_addr = n->bad_addr = 0;
        n->seen = time_attr(attrs, "endtime");
        if (!n->seen)
            n->seen = time_attr(attrs, "starttime");
        if (!n->seen)
            n->seen = n->run_start;
    } else if (!n->in_host) {
        return TALLY_OK;
    } else if (strcmp(name, "address") == 0) {
        const char *type = xml_attr(attrs, "addrtype"), *addr = xml_attr(attrs, "addr");
        if (n->has_addr || (type && strcmp(type, "ipv4") != 0 && strcmp(type, "ipv6") != 0))
            return TALLY_OK;
        n->has_addr = 1;
        n->bad_addr = !addr || ip_parse(addr, &n->addr) != 0;
    } else if (strcmp(name, "port") == 0) {
        nxml_port_begin(n, attrs);
    }
    return TALLY_OK;
}

static enum tally_error nxml_end(struct xml_stream *xs, void *user, const char *name)
{
    struct nxml *n = user;
    if (n->in_pem && strcmp(name, "elem") == 0)
        n->in_pem = 0;
    if (n->in_ssl_cert && strcmp(name, "script") == 0)
        n->in_ssl_cert = 0;
    if (n->in_port && strcmp(name, "port") == 0) {
        n->in_port = 0;
        return nxml_port(xs, n);
    }
    if (n->in_host && strcmp(name, "host") == 0)
        n->in_host = 0;
    return TALLY_OK;
}

/* The text of the ssl-cert script's pem, bounded. */
static void nxml_text(void *user, const char *text, size_t len)
{
    struct nxml *n = user;
    if (n->in_pem && n->pem.len + len <= NXML_SCRIPT_MAX)
        strbuf_add(&n->pem, text, len);
}

static enum tally_error nxml_run(struct import_ctx *ctx)
{
    static const struct xml_handlers handlers = {
        .start = nxml_start, .end = nxml_end, .document = nxml_document, .root = "nmaprun",
        .text = nxml_text,
    };
    struct nxml n = { .ctx = ctx };
    struct strbuf *bufs[] = { &n.product, &n.version, &n.extrainfo, &n.server_script,
                              &n.headers_script, &n.pem };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        strbuf_init(bufs[i]);
    enum tally_error err = xml_stream_run(ctx, &handlers, &n);
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        strbuf_release(bufs[i]);
    return err;
}

static int nxml_sniff(const unsigned char *head, size_t len, const char *path)
{
    char tag[512];
    (void)path;
    if (xml_sniff_nmaprun(head, len, tag, sizeof(tag))) {
        if (strstr(tag, "scanner=\"nmap\""))
            return 95;
        if (strstr(tag, "scanner="))
            return 0;               /* another scanner's nmap-like XML (masscan's) */
        return 60;
    }
    if (memmem(head, len, "<!DOCTYPE nmaprun", 17))
        return 80;
    return 0;
}

const struct importer importer_nmap_xml = {
    .name = "nmap",
    .description = "nmap XML output (-oX): ports, service products, http-headers scripts",
    .sniff = nxml_sniff,
    .run = nxml_run,
};
