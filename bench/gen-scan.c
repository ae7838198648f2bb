/* gen-scan.c: writes N masscan records for the benchmarks, deterministically (the same
 * arguments give the same bytes). The default shape, "cloud", is N status records of a
 * single-port scan of a cloud (a few dense /24s, a long tail) on benchmark addresses
 * 198.18.0.0/15, in one of masscan's output formats (list, json, ndjson, xml, grepable,
 * binary) or as the CSV rows the sqlite3 shell's .import reads; the same N gives the same
 * records in every format. The "internet" shape is N lines of an Internet-wide scan,
 * status and banner lines (see internet_next), as a masscan list or as CSV rows; its
 * "labels" format is N address labels over the same space, as a label CSV (see
 * write_labels). With --cert DER (a certificate file), the internet shape's TLS services
 * also present a certificate: that one with its serial number changed, half of them one
 * of a thousand shared ones, the others each its own.
 * Usage: gen-scan [--cert DER] [--shape cloud|internet] FORMAT N FILE */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format {
    FMT_LIST, FMT_JSON, FMT_NDJSON, FMT_XML, FMT_GREPABLE, FMT_BINARY, FMT_CSV, FMT_LABELS
};

static const char *const format_names[] = {
    "list", "json", "ndjson", "xml", "grepable", "binary", "csv", "labels", NULL
};

#define SCAN_START 1389312000u

struct record {
    uint32_t ip;
    unsigned port;
    unsigned long seen;
};

static uint64_t random_state = 0x9543u;

static uint32_t next_random(void)
{
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return (uint32_t)random_state;
}

static void next_record(long long i, struct record *rec)
{
    uint32_t r = next_random();
    /* One in four records lands in 64 dense /24s; the rest anywhere in the /15. */
    uint32_t host = (r & 3) == 0 ? ((r >> 2) & 0x3f) << 8 | ((r >> 8) & 0xff)
                                 : (r >> 2) & 0x1ffff;
    rec->ip = 0xc6120000u | host;
    rec->port = (r >> 20) % 50 == 0 ? 80 : 9543;
    rec->seen = SCAN_START + (unsigned long)(i / 1000);
}

/* The binary header and trailer: an 'm' record (type 109, length 97) of 99 bytes. */
static void write_binary_mark(FILE *out, int with_start)
{
    char mark[99] = { 0 };
    if (with_start)
        snprintf(mark, sizeof mark, "masscan/1.1\ns:%u\n", SCAN_START);
    else
        snprintf(mark, sizeof mark, "masscan/1.1");
    fwrite(mark, 1, sizeof mark, out);
}

/* A type-6 status record: timestamp, IPv4, ip-proto, port, TCP flags, TTL, big-endian. */
static void write_binary_status(FILE *out, const struct record *rec)
{
    unsigned char b[15] = { 6, 13 };
    b[2] = (unsigned char)(rec->seen >> 24);
    b[3] = (unsigned char)(rec->seen >> 16);
    b[4] = (unsigned char)(rec->seen >> 8);
    b[5] = (unsigned char)rec->seen;
    b[6] = (unsigned char)(rec->ip >> 24);
    b[7] = (unsigned char)(rec->ip >> 16);
    b[8] = (unsigned char)(rec->ip >> 8);
    b[9] = (unsigned char)rec->ip;
    b[10] = 6;
    b[11] = (unsigned char)(rec->port >> 8);
    b[12] = (unsigned char)rec->port;
    b[13] = 0x12;
    b[14] = 64;
    fwrite(b, 1, sizeof b, out);
}

static void write_record(FILE *out, enum format fmt, const struct record *rec, int first)
{
    char addr[16];
    snprintf(addr, sizeof addr, "%u.%u.%u.%u", rec->ip >> 24, (rec->ip >> 16) & 255,
             (rec->ip >> 8) & 255, rec->ip & 255);
    switch (fmt) {
    case FMT_LIST:
        fprintf(out, "open tcp %u %s %lu\n", rec->port, addr, rec->seen);
        break;
    case FMT_JSON:
        fprintf(out, "%s{   \"ip\": \"%s\",   \"timestamp\": \"%lu\", \"ports\": [ {\"port\": %u, "
                "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] }\n",
                first ? "" : ",\n", addr, rec->seen, rec->port);
        break;
    case FMT_NDJSON:
        fprintf(out, "{\"ip\":\"%s\",\"timestamp\":\"%lu\",\"port\":%u,\"proto\":\"tcp\","
                "\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\","
                "\"ttl\":64}}\n", addr, rec->seen, rec->port);
        break;
    case FMT_XML:
        fprintf(out, "<host endtime=\"%lu\"><address addr=\"%s\" addrtype=\"ipv4\"/><ports>"
                "<port protocol=\"tcp\" portid=\"%u\"><state state=\"open\" reason=\"syn-ack\" "
                "reason_ttl=\"64\"/></port></ports></host>\n", rec->seen, addr, rec->port);
        break;
    case FMT_GREPABLE:
        fprintf(out, "Timestamp: %lu\tHost: %s ()\tPorts: %u/open/tcp////\n", rec->seen, addr,
                rec->port);
        break;
    case FMT_BINARY:
        write_binary_status(out, rec);
        break;
    case FMT_CSV:
        fprintf(out, "open,tcp,%u,%s,%lu\n", rec->port, addr, rec->seen);
        break;
    case FMT_LABELS:            /* the internet shape's only */
        break;
    }
}

static void write_head(FILE *out, enum format fmt)
{
    switch (fmt) {
    case FMT_LIST: fputs("#masscan\n", out); break;
    case FMT_JSON: fputs("[\n", out); break;
    case FMT_NDJSON: case FMT_LABELS: break;
    case FMT_XML:
        fprintf(out, "<?xml version=\"1.0\"?>\n<!-- masscan v1.0 scan -->\n"
                "<nmaprun scanner=\"masscan\" start=\"%u\" version=\"1.0-BETA\"  "
                "xmloutputversion=\"1.03\">\n<scaninfo type=\"syn\" protocol=\"tcp\" />\n",
                SCAN_START);
        break;
    case FMT_GREPABLE:
        fputs("# Masscan 1.3.2 scan initiated Fri Jan 10 00:00:00 2014\n"
              "# Ports scanned: TCP(2;80,9543) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n", out);
        break;
    case FMT_BINARY: write_binary_mark(out, 1); break;
    case FMT_CSV: fputs("status,proto,port,addr,seen\n", out); break;
    }
}

static void write_tail(FILE *out, enum format fmt, long long n)
{
    switch (fmt) {
    case FMT_LIST: fputs("# end\n", out); break;
    case FMT_JSON: fputs("]\n", out); break;
    case FMT_XML:
        fprintf(out, "<runstats>\n<finished time=\"%llu\" timestr=\"\" elapsed=\"%lld\" />\n"
                "<hosts up=\"%lld\" down=\"0\" total=\"%lld\" />\n</runstats>\n</nmaprun>\n",
                (unsigned long long)SCAN_START + (unsigned long long)(n / 1000), n / 1000, n, n);
        break;
    case FMT_GREPABLE: fputs("# Masscan done at Fri Jan 10 00:00:00 2014\n", out); break;
    case FMT_BINARY: write_binary_mark(out, 0); break;
    default: break;
    }
}

/* The "internet" shape. Each status line is a host not used before for its port class:
 * its /16 is drawn from the 56,576 /16s with a first octet of 1-223 (not 10 or 127) with
 * a rank of Zipf-like weight (1/rank), its /24 within that /16 the same way among 256, and
 * the host is the next unused of that /24's fixed order of .1-.254 (a full /24 is drawn
 * again). So a few /16s and /24s are full, most /24s hold one to three hosts, and the
 * lines come in a random order, as masscan writes them. 88% of the lines are port 443;
 * the others come from a mix of common ports (a host of them is a host of 443 too when
 * its /24 has both). Some hosts answer with banners (http.server and http with Server and
 * X-Powered-By headers from a mix of products, ssl, ssh, smtp, ftp), written after their
 * status line and counted in N. */

#define NET_SLASH16S (221u * 256u)
#define NET_HOSTS_PER_24 254u

struct weighted {
    unsigned weight;
    const char *text;
};

/* Server headers, in a mix like that of a real scan's web servers. */
static const struct weighted net_servers[] = {
    { 150, "nginx" }, { 80, "nginx/1.18.0 (Ubuntu)" }, { 40, "nginx/1.14.2" },
    { 40, "nginx/1.20.1" }, { 110, "Apache" }, { 70, "Apache/2.4.41 (Ubuntu)" },
    { 40, "Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/7.4.33" },
    { 50, "Apache/2.4.54 (Debian)" }, { 20, "Apache/2.2.15 (CentOS)" },
    { 60, "Microsoft-IIS/10.0" }, { 25, "Microsoft-IIS/8.5" }, { 15, "Microsoft-IIS/7.5" },
    { 40, "Microsoft-HTTPAPI/2.0" }, { 70, "cloudflare" }, { 40, "LiteSpeed" },
    { 30, "openresty/1.21.4.1" }, { 20, "lighttpd/1.4.59" }, { 10, "Caddy" },
    { 10, "Jetty(9.4.44.v20210927)" }, { 20, "AkamaiGHost" }, { 30, "awselb/2.0" },
    { 10, "gws" }, { 15, "Boa/0.94.14rc21" }, { 10, "micro_httpd" },
    { 10, "mini_httpd/1.30 26Oct2018" }, { 0, NULL }
};

/* X-Powered-By behind the servers that run scripts (nginx, Apache, LiteSpeed,
 * openresty); an empty text sends none. */
static const struct weighted net_script_stacks[] = {
    { 120, "PHP/7.4.33" }, { 80, "PHP/8.1.2-1ubuntu2.14" }, { 60, "PHP/5.6.40" },
    { 40, "PHP/8.2.7" }, { 30, "Express" }, { 20, "Next.js" }, { 20, "PleskLin" },
    { 630, "" }, { 0, NULL }
};

static const struct weighted net_ssh[] = {
    { 50, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5" }, { 30, "SSH-2.0-OpenSSH_7.4" },
    { 15, "SSH-2.0-dropbear_2019.78" }, { 5, "SSH-2.0-Cisco-1.25" }, { 0, NULL }
};

/* The ports other than 443, with their weight among them. */
static const struct {
    unsigned weight, port;
    const char *proto;
} net_ports[] = {
    { 45, 80, "tcp" }, { 15, 22, "tcp" }, { 10, 8080, "tcp" }, { 8, 8443, "tcp" },
    { 6, 25, "tcp" }, { 5, 21, "tcp" }, { 5, 3389, "tcp" }, { 4, 53, "udp" },
    { 2, 123, "udp" }, { 0, 0, NULL }
};

struct net_banner {
    const char *service;
    char text[2048];
};

/* --cert: the certificate the TLS services present variants of. */
static unsigned char cert_der[1400];
static size_t cert_len;
static unsigned long long cert_unique;

/* The negotiated version and cipher suite of the TLS services, in a mix. */
static const struct weighted net_tls[] = {
    { 400, "TLS/1.2 cipher:0xc02f" }, { 200, "TLS/1.2 cipher:0xc030" },
    { 150, "TLS/1.3 cipher:0x1301" }, { 80, "TLS/1.3 cipher:0x1302" },
    { 60, "TLS/1.2 cipher:0x009c" }, { 50, "TLS/1.2 cipher:0xc013" },
    { 30, "TLS/1.0 cipher:0x002f" }, { 20, "TLS/1.0 cipher:0x000a" },
    { 10, "SSL/3.0 cipher:0x0005" }, { 0, NULL }
};

/* Base64 of the certificate with the last 8 bytes of its serial number (which starts 15
 * bytes in, after the SEQUENCE, TBSCertificate and version headers) set to serial. */
static void cert_base64(unsigned long long serial, char *out, size_t size)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char der[sizeof cert_der];
    size_t n = 0;
    memcpy(der, cert_der, cert_len);
    for (int i = 0; i < 8 && cert_len > 35; i++)
        der[27 + i] = (unsigned char)(serial >> (8 * (7 - i)));
    for (size_t i = 0; i < cert_len && n + 5 < size; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < cert_len ? (uint32_t)der[i + 1] << 8 : 0) |
                     (i + 2 < cert_len ? der[i + 2] : 0);
        out[n++] = digits[v >> 18 & 63];
        out[n++] = digits[v >> 12 & 63];
        out[n++] = i + 1 < cert_len ? digits[v >> 6 & 63] : '=';
        out[n++] = i + 2 < cert_len ? digits[v & 63] : '=';
    }
    out[n] = '\0';
}

struct internet {
    uint8_t *used[2];           /* hosts handed out per /24: [0] port 443, [1] the others */
    uint64_t state;
    long long line;             /* lines written so far */
};

static uint64_t net_random(struct internet *net)
{
    /* splitmix64 */
    uint64_t z = (net->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

static double net_uniform(struct internet *net)
{
    return (double)(net_random(net) >> 11) * (1.0 / 9007199254740992.0);
}

/* A rank 1..n, rank r drawn with a weight of about 1/r. */
static unsigned net_zipf(struct internet *net, unsigned n)
{
    unsigned r = (unsigned)exp(net_uniform(net) * log((double)n + 1.0));
    return r < 1 ? 1 : r > n ? n : r;
}

static const char *net_pick(struct internet *net, const struct weighted *list)
{
    unsigned total = 0;
    for (int i = 0; list[i].text; i++)
        total += list[i].weight;
    unsigned x = (unsigned)(net_random(net) % total);
    for (int i = 0;; i++) {
        if (x < list[i].weight)
            return list[i].text;
        x -= list[i].weight;
    }
}

/* The /16 (as its top 16 bits) of rank r: ranks are spread over the allowed /16s by a
 * multiplication modulo their number, so that rank 1 is not 1.0.0.0/16. */
static uint32_t net_slash16(unsigned rank)
{
    unsigned i = (unsigned)(((uint64_t)(rank - 1) * 40503u + 24107u) % NET_SLASH16S);
    unsigned first = 1 + i / 256;       /* 1..221, then skip 10 and 127 */
    if (first >= 10)
        first++;
    if (first >= 127)
        first++;
    return first << 8 | (i % 256);
}

/* Picks an unused host of port class CLASS; returns its address. */
static uint32_t net_host(struct internet *net, int class)
{
    for (;;) {
        uint32_t s16 = net_slash16(net_zipf(net, NET_SLASH16S));
        uint32_t h16 = mix32(s16);
        uint32_t third = ((net_zipf(net, 256) - 1) * (h16 | 1) + (h16 >> 8)) & 255;
        uint32_t s24 = s16 << 8 | third;
        uint8_t *used = &net->used[class][s24];
        if (*used == NET_HOSTS_PER_24)
            continue;
        uint32_t h24 = mix32(s24 ^ 0x5bd1e995u);
        uint32_t step = (h24 | 1) % NET_HOSTS_PER_24;
        if (step % 127 == 0)
            step += 2;
        uint32_t last = ((*used)++ * step + (h24 >> 8)) % NET_HOSTS_PER_24 + 1;
        return s24 << 8 | last;
    }
}

/* What banners the service answers with: fills up to two, returns how many. */
static int net_banners(struct internet *net, unsigned port, struct net_banner *b)
{
    unsigned x = (unsigned)(net_random(net) % 1000);
    int web = port == 80 || port == 8080 || port == 8443 || port == 443;
    if (port == 443 && x >= 80 && x < 120) {
        snprintf(b[0].text, sizeof b[0].text, "%s, www.example.com", net_pick(net, net_tls));
        b[0].service = "ssl";
        if (cert_len == 0)
            return 1;
        uint64_t r = net_random(net);
        cert_base64(r & 1 ? (r >> 1) % 1000 : 1000 + cert_unique++, b[1].text,
                    sizeof b[1].text);
        b[1].service = "X509";
        return 2;
    }
    if (web && x < (port == 443 ? 80u : 200u)) {
        const char *server = net_pick(net, net_servers);
        const char *stack = "", *aspnet = NULL;
        if (strncmp(server, "Microsoft-IIS", 13) == 0) {
            unsigned y = (unsigned)(net_random(net) % 10);
            stack = y < 7 ? "ASP.NET" : "";
            aspnet = y < 4 ? "4.0.30319" : NULL;
        } else if (strncmp(server, "nginx", 5) == 0 || strncmp(server, "Apache", 6) == 0 ||
                   strncmp(server, "LiteSpeed", 9) == 0 || strncmp(server, "openresty", 9) == 0) {
            stack = net_pick(net, net_script_stacks);
        }
        b[0].service = "http.server";
        snprintf(b[0].text, sizeof b[0].text, "%s", server);
        b[1].service = "http";
        snprintf(b[1].text, sizeof b[1].text,
                 "HTTP/1.1 200 OK\r\nServer: %s\r\n%s%s%s%s%s%sContent-Type: text/html\r\n\r\n",
                 server, *stack ? "X-Powered-By: " : "", stack, *stack ? "\r\n" : "",
                 aspnet ? "X-AspNet-Version: " : "", aspnet ? aspnet : "", aspnet ? "\r\n" : "");
        return 2;
    }
    if (x >= 300)
        return 0;
    switch (port) {
    case 22:
        b[0].service = "ssh";
        snprintf(b[0].text, sizeof b[0].text, "%s", net_pick(net, net_ssh));
        return 1;
    case 25:
        b[0].service = "smtp";
        snprintf(b[0].text, sizeof b[0].text, "220 mail.example.com ESMTP Postfix (Ubuntu)");
        return 1;
    case 21:
        b[0].service = "ftp";
        snprintf(b[0].text, sizeof b[0].text, "220 (vsFTPd 3.0.3)");
        return 1;
    default:
        return 0;
    }
}

/* Writes TEXT as masscan writes a banner in a list: unprintable bytes as \xHH. */
static void net_write_escaped(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p > 0x7e || *p == '\\')
            fprintf(out, "\\x%02x", *p);
        else
            putc(*p, out);
    }
}

/* Writes TEXT as a quoted CSV field. */
static void net_write_quoted(FILE *out, const char *text)
{
    putc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            putc('"', out);
        putc(*p, out);
    }
    putc('"', out);
}

static void net_write_line(FILE *out, enum format fmt, struct internet *net, const char *status,
                           const char *proto, unsigned port, uint32_t ip,
                           const struct net_banner *banner)
{
    unsigned long seen = SCAN_START + (unsigned long)(net->line++ / 1000);
    char addr[16];
    snprintf(addr, sizeof addr, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
             ip & 255);
    if (fmt == FMT_LIST) {
        fprintf(out, "%s %s %u %s %lu", status, proto, port, addr, seen);
        if (banner) {
            fprintf(out, " %s ", banner->service);
            net_write_escaped(out, banner->text);
        }
    } else {
        fprintf(out, "%s,%s,%u,%s,%lu,", status, proto, port, addr, seen);
        if (banner) {
            fprintf(out, "%s,", banner->service);
            net_write_quoted(out, banner->text);
        } else {
            putc(',', out);
        }
    }
    putc('\n', out);
}

static int write_internet(FILE *out, enum format fmt, long long n)
{
    struct internet net = { .state = 0x1f2e3d4c5b6a7988u };
    net.used[0] = calloc(1u << 24, 1);
    net.used[1] = calloc(1u << 24, 1);
    if (!net.used[0] || !net.used[1]) {
        free(net.used[0]);
        free(net.used[1]);
        return -1;
    }
    unsigned other_total = 0;
    for (int i = 0; net_ports[i].proto; i++)
        other_total += net_ports[i].weight;
    if (fmt == FMT_LIST)
        fputs("#masscan\n", out);
    else
        fputs("status,proto,port,addr,seen,service,banner\n", out);
    while (net.line < n) {
        unsigned port = 443;
        const char *proto = "tcp";
        int class = net_random(&net) % 100 < 88 ? 0 : 1;
        uint32_t ip = net_host(&net, class);
        if (class == 1) {
            unsigned x = mix32(ip ^ 0x2545f491u) % other_total;
            int i = 0;
            while (x >= net_ports[i].weight)
                x -= net_ports[i++].weight;
            port = net_ports[i].port;
            proto = net_ports[i].proto;
        }
        net_write_line(out, fmt, &net, "open", proto, port, ip, NULL);
        struct net_banner banners[2];
        int nb = net_banners(&net, port, banners);
        for (int i = 0; i < nb && net.line < n; i++)
            net_write_line(out, fmt, &net, "banner", proto, port, ip, &banners[i]);
    }
    if (fmt == FMT_LIST)
        fputs("# end\n", out);
    free(net.used[0]);
    free(net.used[1]);
    return 0;
}

/* The internet shape's labels: N lines of a label CSV "prefix,label,detail" as a cloud's
 * published ranges look: every fourth line a /16 (of the ranks the scan draws from first,
 * so that labelled hosts are many), the others a /20 or /24 inside the /16 before it, of
 * another region or service; five providers with eight regions each. */
static void write_labels(FILE *out, long long n)
{
    static const char *const providers[] = { "aws", "gcp", "azure", "oracle", "lab" };
    static const char *const services[] = { "EC2", "S3", "CLOUDFRONT", "AMAZON" };
    struct internet net = { .state = 0x6c6162656c73u };
    uint32_t s16 = 0;
    unsigned rank = 0;
    fputs("prefix,label,detail\n", out);
    for (long long i = 0; i < n; i++) {
        uint32_t r = (uint32_t)net_random(&net);
        const char *provider = providers[r % 5];
        unsigned region = (r >> 3) % 8;
        const char *service = services[(r >> 6) % 4];
        if (i % 4 == 0) {
            s16 = net_slash16(++rank);
            fprintf(out, "%u.%u.0.0/16,%s:region-%u,%s\n", s16 >> 8, s16 & 255, provider,
                    region, service);
        } else if (r >> 9 & 1) {
            fprintf(out, "%u.%u.%u.0/20,%s:region-%u,%s\n", s16 >> 8, s16 & 255,
                    (r >> 10) & 0xf0, provider, region, service);
        } else {
            fprintf(out, "%u.%u.%u.0/24,%s:region-%u,%s\n", s16 >> 8, s16 & 255,
                    (r >> 10) & 0xff, provider, region, service);
        }
    }
}

int main(int argc, char **argv)
{
    int fmt = -1, internet = 0;
    if (argc >= 3 && strcmp(argv[1], "--cert") == 0) {
        FILE *in = fopen(argv[2], "rb");
        if (!in) {
            perror(argv[2]);
            return 1;
        }
        cert_len = fread(cert_der, 1, sizeof cert_der, in);
        fclose(in);
        argc -= 2;
        argv += 2;
    }
    if (argc == 6 && strcmp(argv[1], "--shape") == 0 &&
        (strcmp(argv[2], "cloud") == 0 || strcmp(argv[2], "internet") == 0)) {
        internet = strcmp(argv[2], "internet") == 0;
        argc -= 2;
        argv += 2;
    }
    if (argc == 4)
        for (int i = 0; format_names[i]; i++)
            if (strcmp(argv[1], format_names[i]) == 0)
                fmt = i;
    if (fmt < 0 || (internet && fmt != FMT_LIST && fmt != FMT_CSV && fmt != FMT_LABELS) ||
        (!internet && fmt == FMT_LABELS)) {
        fprintf(stderr, "usage: gen-scan [--shape cloud] list|json|ndjson|xml|grepable|binary|csv"
                " N FILE\n       gen-scan [--cert DER] --shape internet list|csv|labels N FILE\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    FILE *out = fopen(argv[3], "wb");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    if (fmt == FMT_LABELS) {
        write_labels(out, n);
    } else if (internet) {
        if (write_internet(out, (enum format)fmt, n) != 0) {
            fprintf(stderr, "gen-scan: out of memory\n");
            fclose(out);
            return 1;
        }
    } else {
        write_head(out, (enum format)fmt);
        for (long long i = 0; i < n; i++) {
            struct record rec;
            next_record(i, &rec);
            write_record(out, (enum format)fmt, &rec, i == 0);
        }
        write_tail(out, (enum format)fmt, n);
    }
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
