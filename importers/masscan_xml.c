/* masscan_xml.c: masscan's XML output (-oX): an nmap-like <nmaprun> with one <host> per
 * record, one record per CRLF-ended line:
 *   <host endtime="T"><address addr="IP" addrtype="ipv4"/><ports><port protocol="tcp"
 *   portid="80"><state state="open" reason="syn-ack" reason_ttl="54"/>
 *   [<service name="http.server" banner="nginx"></service>]</port></ports></host>
 * A <port> with a <service> is a banner record (banner text \xHH-escaped), one without is
 * a status record. Appended files and files without </nmaprun> are handled by xml_stream. */
#include "importers/xml_stream.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MXML_BANNER_MAX (1u << 20)      /* masscan writes at most 64 KiB */

static const char *const mxml_statuses[] = { "open", "closed", "up", "unknown", NULL };
static const char *const mxml_protos[] = { "tcp", "udp", "sctp", "icmp", "arp", NULL };

/* One record as its attributes arrive; checked and stored at </host> (or at the
 * next <port>), so that a record on a malformed line is not kept. */
struct mxml {
    struct import_ctx *ctx;
    int in_host, in_port, has_addr, has_state, has_service, pending;
    char endtime[24];
    char addr[64];
    char protocol[16], portid[16];
    char state[16], reason[32], ttl[16];
    char service[64];
    struct strbuf banner;
    int too_long;               /* an attribute did not fit its field */
};

static const char *known_word(const char *word, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(word, words[i]) == 0)
            return words[i];
    return NULL;
}

static void copy_attr(struct mxml *m, char *dst, size_t size, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    if (len >= size) {
        m->too_long = 1;
        len = size - 1;
    }
    memcpy(dst, value ? value : "", len);
    dst[len] = '\0';
}

static void mxml_document(void *user)
{
    struct mxml *m = user;
    m->in_host = m->in_port = m->has_addr = m->pending = 0;
}

/* Checks the record gathered for one <port> and stores it. */
static enum tally_error mxml_record(struct xml_stream *xs, struct mxml *m)
{
    struct ip_addr addr;
    unsigned long long port, when = 0, ttl = 0;
    const char *proto;
    enum tally_error err;

    import_progress(m->ctx);
    if (m->too_long)
        return xml_stream_bad_record(xs, "an attribute value is too long for a masscan record");
    if (!m->has_addr || ip_parse(m->addr, &addr))
        return xml_stream_bad_record(xs, "expected <address addr=\"...\"> with an IPv4 or IPv6 "
                                     "address before <port>");
    if (!(proto = known_word(m->protocol, mxml_protos)))
        return xml_stream_bad_record(xs, "expected <port protocol=\"...\"> to be tcp, udp, sctp, "
                                     "icmp or arp");
    if (xml_parse_uint(m->portid, 65535, &port))
        return xml_stream_bad_record(xs, "expected <port portid=\"...\"> to be a port number "
                                     "0-65535");
    if (m->endtime[0] && xml_parse_uint(m->endtime, 0xffffffffull * 16, &when))
        return xml_stream_bad_record(xs, "expected <host endtime=\"...\"> to be a unix time");
    if (m->ttl[0] && xml_parse_uint(m->ttl, 255, &ttl))
        return xml_stream_bad_record(xs, "expected reason_ttl=\"...\" to be 0-255");

    if (m->has_service) {
        if (!m->service[0])
            return xml_stream_bad_record(xs, "expected <service name=\"...\">");
        size_t len = masscan_unescape(m->banner.buf, m->banner.len);
        if (len == (size_t)-1)
            return xml_stream_bad_record(xs, "expected \\x and two hex digits for each "
                                         "escaped byte of <service banner=\"...\">");
        struct banner_record rec = { .addr = addr, .proto = proto, .port = (unsigned)port,
                                     .service = m->service,
                                     .data = (const unsigned char *)m->banner.buf,
                                     .len = len, .seen = (int64_t)when };
        err = import_banner(m->ctx, &rec);
    } else {
        const char *status = m->has_state ? known_word(m->state, mxml_statuses) : NULL;
        if (!status)
            return xml_stream_bad_record(xs, "expected <state state=\"...\"> to be open, closed "
                                         "or up");
        struct scan_record rec = { .addr = addr, .proto = proto, .port = (unsigned)port,
                                   .status = status, .reason = m->reason[0] ? m->reason : NULL,
                                   .ttl = m->ttl[0] ? (int)ttl : -1, .seen = (int64_t)when };
        err = store_add_observation(m->ctx->store, &rec);
    }
    if (err)
        return store_fail(m->ctx->store, m->ctx->diag, "cannot store the record");
    return TALLY_OK;
}

static enum tally_error mxml_start(struct xml_stream *xs, void *user, const char *name,
                                   const char **attrs)
{
    struct mxml *m = user;
    if (strcmp(name, "nmaprun") == 0) {
        const char *scanner = xml_attr(attrs, "scanner");
        if (scanner && strcmp(scanner, "nmap") == 0)
            return xml_stream_bad_record(xs, "this is nmap XML, not masscan's: import it with "
                                         "-f nmap");
    } else if (strcmp(name, "host") == 0) {
        m->in_host = 1;
        m->has_addr = m->pending = m->too_long = 0;
        copy_attr(m, m->endtime, sizeof(m->endtime), xml_attr(attrs, "endtime"));
    } else if (!m->in_host) {
        return TALLY_OK;
    } else if (strcmp(name, "address") == 0) {
        const char *type = xml_attr(attrs, "addrtype");
        if (type && strcmp(type, "mac") == 0)
            return TALLY_OK;
        m->has_addr = 1;
        copy_attr(m, m->addr, sizeof(m->addr), xml_attr(attrs, "addr"));
    } else if (strcmp(name, "port") == 0) {
        enum tally_error err = m->pending ? mxml_record(xs, m) : TALLY_OK;
        if (err)
            return err;
        m->pending = 0;
        m->in_port = 1;
        m->has_state = m->has_service = 0;
        m->state[0] = m->reason[0] = m->ttl[0] = m->service[0] = '\0';
        strbuf_reset(&m->banner);
        copy_attr(m, m->protocol, sizeof(m->protocol), xml_attr(attrs, "protocol"));
        copy_attr(m, m->portid, sizeof(m->portid), xml_attr(attrs, "portid"));
    } else if (!m->in_port) {
        return TALLY_OK;
    } else if (strcmp(name, "state") == 0) {
        m->has_state = 1;
        copy_attr(m, m->state, sizeof(m->state), xml_attr(attrs, "state"));
        copy_attr(m, m->reason, sizeof(m->reason), xml_attr(attrs, "reason"));
        copy_attr(m, m->ttl, sizeof(m->ttl), xml_attr(attrs, "reason_ttl"));
    } else if (strcmp(name, "service") == 0) {
        const char *banner = xml_attr(attrs, "banner");
        size_t len = banner ? strlen(banner) : 0;
        m->has_service = 1;
        copy_attr(m, m->service, sizeof(m->service), xml_attr(attrs, "name"));
        if (len > MXML_BANNER_MAX)
            m->too_long = 1;
        else
            strbuf_add(&m->banner, banner ? banner : "", len);
    }
    return TALLY_OK;
}

/* Matches the literal lit at *p; moves *p past it. */
static int mxml_literal(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* Copies an attribute value up to its closing quote into dst and moves *p past the quote;
 * 0 when the value holds anything but letters, digits and . : _ - (which expat would pass
 * on unchanged) or does not fit. */
static int mxml_value(const char **p, const char *end, char *dst, size_t size)
{
    const char *v = *p;
    size_t n = 0;
    while (v + n < end && (g_ascii_isalnum(v[n]) || v[n] == '.' || v[n] == ':' ||
                           v[n] == '_' || v[n] == '-'))
        n++;
    if (v + n >= end || v[n] != '"' || n >= size)
        return 0;
    memcpy(dst, v, n);
    dst[n] = '\0';
    *p = v + n + 1;
    return 1;
}

/* Copies a banner value (printable ASCII but & < ", which expat would pass on unchanged)
 * up to its closing quote into m->banner and moves *p past the quote; 0 otherwise. */
static int mxml_banner_value(const char **p, const char *end, struct mxml *m)
{
    const char *v = *p;
    size_t n = 0;
    while (v + n < end && v[n] >= 0x20 && v[n] < 0x7f && v[n] != '&' && v[n] != '<' &&
           v[n] != '"')
        n++;
    if (v + n >= end || v[n] != '"' || n > MXML_BANNER_MAX)
        return 0;
    strbuf_reset(&m->banner);
    strbuf_add(&m->banner, v, n);
    *p = v + n + 1;
    return 1;
}

/* A line between records in masscan's plain shape for a port's status or banner is read
 * here rather than by expat: the same fields, then the same checks in mxml_record(). */
static enum tally_error mxml_line(struct xml_stream *xs, void *user, const char *text,
                                  size_t len, int *taken)
{
    struct mxml *m = user;
    const char *p = text, *end = text + len;
    char type[8];

    if (m->in_host || m->in_port || m->pending)
        return TALLY_OK;
    if (!(mxml_literal(&p, end, "<host endtime=\"") &&
          mxml_value(&p, end, m->endtime, sizeof(m->endtime)) &&
          mxml_literal(&p, end, "><address addr=\"") &&
          mxml_value(&p, end, m->addr, sizeof(m->addr)) &&
          mxml_literal(&p, end, " addrtype=\"") && mxml_value(&p, end, type, sizeof(type)) &&
          (strcmp(type, "ipv4") == 0 || strcmp(type, "ipv6") == 0) &&
          mxml_literal(&p, end, "/><ports><port protocol=\"") &&
          mxml_value(&p, end, m->protocol, sizeof(m->protocol)) &&
          mxml_literal(&p, end, " portid=\"") &&
          mxml_value(&p, end, m->portid, sizeof(m->portid)) &&
          mxml_literal(&p, end, "><state state=\"") &&
          mxml_value(&p, end, m->state, sizeof(m->state)) &&
          mxml_literal(&p, end, " reason=\"") &&
          mxml_value(&p, end, m->reason, sizeof(m->reason)) &&
          mxml_literal(&p, end, " reason_ttl=\"") &&
          mxml_value(&p, end, m->ttl, sizeof(m->ttl))))
        return TALLY_OK;
    mxml_literal(&p, end, " ");
    if (mxml_literal(&p, end, "/></port></ports></host>"))
        m->has_service = 0;
    else if (mxml_literal(&p, end, "/><service name=\"") &&
             mxml_value(&p, end, m->service, sizeof(m->service)) &&
             mxml_literal(&p, end, " banner=\"") && mxml_banner_value(&p, end, m) &&
             mxml_literal(&p, end, "></service></port></ports></host>"))
        m->has_service = 1;
    else
        return TALLY_OK;
    if (!(mxml_literal(&p, end, "\r\n") || mxml_literal(&p, end, "\n")) || p != end)
        return TALLY_OK;
    *taken = 1;
    m->has_addr = m->has_state = 1;
    m->too_long = 0;
    return mxml_record(xs, m);
}

static enum tally_error mxml_end(struct xml_stream *xs, void *user, const char *name)
{
    struct mxml *m = user;
    if (m->in_port && strcmp(name, "port") == 0) {
        m->in_port = 0;
        m->pending = 1;
    } else if (m->in_host && strcmp(name, "host") == 0) {
        m->in_host = 0;
        if (m->pending) {
            m->pending = 0;
            return mxml_record(xs, m);
        }
    }
    return TALLY_OK;
}

static enum tally_error mxml_run(struct import_ctx *ctx)
{
    static const struct xml_handlers handlers = {
        .start = mxml_start, .end = mxml_end, .document = mxml_document,
        .resume_root = "nmaprun", .root = "nmaprun", .line = mxml_line,
    };
    struct mxml m = { .ctx = ctx };
    strbuf_init(&m.banner);
    enum tally_error err = xml_stream_run(ctx, &handlers, &m);
    strbuf_release(&m.banner);
    return err;
}

static int mxml_sniff(const unsigned char *head, size_t len, const char *path)
{
    char tag[512];
    (void)path;
    if (!xml_sniff_nmaprun(head, len, tag, sizeof(tag)))
        return 0;
    if (strstr(tag, "scanner=\"masscan\"") || strstr(tag, "scanner=\"massscan\""))
        return 95;
    return 0;
}

const struct importer importer_masscan_xml = {
    .name = "xml",
    .description = "masscan XML output (-oX), also several appended and cut-off files",
    .sniff = mxml_sniff,
    .run = mxml_run,
};
