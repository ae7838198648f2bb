/* masscan_grepable.c: masscan's grepable output (-oG): "Host: IP ()\tPorts: 80/open/tcp//http//"
 * status lines (with a "Timestamp: N\t" prefix since masscan 1.3.0), "Host: IP ()\tPort: 80\t
 * Service: NAME\tBanner: TEXT" banner lines, "#" comments. Nmap's grepable lines (a comma
 * list of ports, "Status: Up" lines) are read the same way. */
#include "importers/importers.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_MAX 15
#define STATE_MAX 31

/* One line, split into its fields (pointers into the line, NUL-terminated in place). */
struct grep_line {
    int64_t seen;               /* "Timestamp:", 0 when absent */
    int have_host;
    struct ip_addr addr;
    char *ports;                /* "Ports:" value */
    char *port;                 /* "Port:" value (banner lines) */
    char *service;              /* "Service:" value */
    char *banner;               /* "Banner:" value: the rest of the line */
    size_t banner_len;
    int host_status;            /* an nmap "Status:" or "Protocols:" line */
};

/* One "port/state/proto/owner/service/rpc/version/" entry of a Ports: list. */
struct grep_port {
    unsigned port;
    char state[STATE_MAX + 1];
    char proto[PROTO_MAX + 1];
};

static const char *const grep_statuses[] = { "open", "closed", "up", NULL };

/* Banner lines do not name the protocol: these banner types come from UDP probes. */
static const char *const udp_banner_types[] = {
    "dns-ver", "snmp", "nbtstat", "ntp", "coap", "isakmp", NULL
};

static int parse_uint(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;

    if (n == 0 || n > 19)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int copy_word(const char *s, size_t n, char *out, size_t size)
{
    if (n == 0 || n >= size)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '|' && s[i] != '-')
            return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

/* Parses entry [s, s+n); returns NULL or what was wrong. */
static const char *port_entry_parse(const char *s, size_t n, struct grep_port *out)
{
    const char *slash1, *slash2, *slash3;
    unsigned long long port;

    slash1 = memchr(s, '/', n);
    if (!slash1)
        return "expected PORT/STATE/PROTO in \"Ports:\"";
    slash2 = memchr(slash1 + 1, '/', (size_t)(s + n - slash1 - 1));
    if (!slash2)
        return "expected PORT/STATE/PROTO in \"Ports:\"";
    slash3 = memchr(slash2 + 1, '/', (size_t)(s + n - slash2 - 1));
    if (!slash3)
        slash3 = s + n;
    if (parse_uint(s, (size_t)(slash1 - s), 65535, &port) != 0)
        return "expected a port number 0-65535 in \"Ports:\"";
    out->port = (unsigned)port;
    if (copy_word(slash1 + 1, (size_t)(slash2 - slash1 - 1), out->state, sizeof out->state))
        return "expected a port state in \"Ports:\"";
    if (copy_word(slash2 + 1, (size_t)(slash3 - slash2 - 1), out->proto, sizeof out->proto))
        return "expected a protocol name in \"Ports:\"";
    for (char *c = out->proto; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return NULL;
}

/* The end of the Ports: entry starting at s: the next "," that is followed by spaces and
 * "DIGITS/" (nmap's list; a version field may itself hold a comma), or the end. */
static const char *port_entry_end(const char *s)
{
    for (const char *c = strchr(s, ','); c; c = strchr(c + 1, ',')) {
        const char *d = c + 1;
        while (*d == ' ')
            d++;
        if (!isdigit((unsigned char)*d))
            continue;
        while (isdigit((unsigned char)*d))
            d++;
        if (*d == '/')
            return c;
    }
    return s + strlen(s);
}

static const char *ports_check(const char *list)
{
    const char *s = list;
    struct grep_port entry;

    while (*s == ' ')
        s++;
    if (!*s)
        return "expected at least one port in \"Ports:\"";
    while (*s) {
        const char *end = port_entry_end(s);
        const char *why = port_entry_parse(s, (size_t)(end - s), &entry);
        if (why)
            return why;
        s = *end ? end + 1 : end;
        while (*s == ' ')
            s++;
    }
    return NULL;
}

static int field_is(const char *field, const char *key, char **value)
{
    size_t n = strlen(key);
    if (strncmp(field, key, n) != 0)
        return 0;
    *value = (char *)field + n;
    return 1;
}

/* Splits the line into fields; returns NULL or what was wrong. */
static const char *grep_line_parse(char *line, size_t len, struct grep_line *g)
{
    char *p = line, *end = line + len, *value;
    int first = 1;

    memset(g, 0, sizeof *g);
    while (p < end) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        char *field_end = tab ? tab : end;

        if ((size_t)(end - p) >= 7 && strncmp(p, "Banner:", 7) == 0) {
            /* The banner is the rest of the line (masscan escapes tabs in it). */
            g->banner = p + 7;
            if (g->banner < end && *g->banner == ' ')
                g->banner++;
            g->banner_len = (size_t)(end - g->banner);
            break;
        }
        *field_end = '\0';
        if (field_is(p, "Timestamp: ", &value)) {
            unsigned long long ts;
            if (!first)
                return "expected \"Timestamp:\" at the start of the line";
            if (parse_uint(value, strlen(value), INT64_MAX, &ts) != 0)
                return "expected unix seconds after \"Timestamp:\"";
            g->seen = (int64_t)ts;
        } else if (field_is(p, "Host: ", &value)) {
            char addr[64];
            size_t n = strcspn(value, " ");
            if (n == 0 || n >= sizeof addr)
                return "expected an IP address after \"Host:\"";
            memcpy(addr, value, n);
            addr[n] = '\0';
            if (ip_parse(addr, &g->addr) != 0)
                return "expected an IP address after \"Host:\"";
            g->have_host = 1;
        } else if (field_is(p, "Ports: ", &value)) {
            g->ports = value;
        } else if (field_is(p, "Port: ", &value)) {
            g->port = value;
        } else if (field_is(p, "Service: ", &value)) {
            g->service = value;
        } else if (field_is(p, "Status: ", &value) || field_is(p, "Protocols: ", &value)) {
            g->host_status = 1;
        } else if (!g->have_host) {
            return "expected \"Host: ADDRESS ()\"";
        }
        /* Other fields after Host: (nmap's "Ignored State:", "OS:", ...) are not needed. */
        first = 0;
        p = tab ? tab + 1 : end;
    }
    if (!g->have_host)
        return "expected \"Host: ADDRESS ()\"";
    if (g->ports)
        return ports_check(g->ports);
    if (g->port || g->service || g->banner) {
        unsigned long long port;
        if (!g->port || parse_uint(g->port, strlen(g->port), 65535, &port) != 0)
            return "expected a port number 0-65535 after \"Port:\"";
        if (!g->service || !*g->service)
            return "expected a banner type after \"Service:\"";
        if (!g->banner)
            return "expected \"Banner:\" on a banner line";
        return NULL;
    }
    if (g->host_status)
        return NULL;
    return "expected \"Ports:\" or \"Port: ... Banner:\" after \"Host:\"";
}

static enum tally_error grep_store_ports(struct import_ctx *ctx, const struct grep_line *g)
{
    const char *s = g->ports;

    while (*s == ' ')
        s++;
    while (*s) {
        const char *end = port_entry_end(s);
        struct grep_port entry;
        const char *status = NULL;

        port_entry_parse(s, (size_t)(end - s), &entry);
        /* The store counts records by these static strings. nmap's filtered and
         * unfiltered states say nothing is listening: left out. */
        for (int i = 0; grep_statuses[i]; i++)
            if (strcmp(entry.state, grep_statuses[i]) == 0)
                status = grep_statuses[i];
        if (status) {
            struct scan_record rec = {
                .addr = g->addr,
                .proto = entry.proto,
                .port = entry.port,
                .status = status,
                .ttl = -1,
                .seen = g->seen,
            };
            if (store_add_observation(ctx->store, &rec) != TALLY_OK)
                return store_fail(ctx->store, ctx->diag, "storing an observation");
        }
        s = *end ? end + 1 : end;
        while (*s == ' ')
            s++;
    }
    return TALLY_OK;
}

static enum tally_error grep_store_banner(struct import_ctx *ctx, struct grep_line *g)
{
    struct banner_record rec = {
        .addr = g->addr,
        .proto = "tcp",
        .port = (unsigned)strtoul(g->port, NULL, 10),
        .service = g->service,
        .seen = g->seen,
    };

    for (int i = 0; udp_banner_types[i]; i++)
        if (strcmp(g->service, udp_banner_types[i]) == 0)
            rec.proto = "udp";
    rec.len = masscan_unescape(g->banner, g->banner_len);
    if (rec.len == (size_t)-1)
        return import_bad_record(ctx, "expected \\x and two hex digits for each escaped "
                                 "byte of a banner");
    rec.data = (const unsigned char *)g->banner;
    if (import_banner(ctx, &rec) != TALLY_OK)
        return store_fail(ctx->store, ctx->diag, "storing a banner");
    return TALLY_OK;
}

static enum tally_error masscan_grepable_run(struct import_ctx *ctx)
{
    enum tally_error err = TALLY_OK;
    struct grep_line g;
    char *line;
    size_t len;
    int r;

    while ((r = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        const char *why;

        if (len == 0 || line[0] == '#')
            continue;   /* "# Masscan ... scan initiated", "# Ports scanned", "# ... done" */
        if (input_last_line_unterminated(ctx->in)) {
            import_warn_cut_off(ctx);
            break;
        }
        why = grep_line_parse(line, len, &g);
        if (why) {
            err = import_bad_record(ctx, "%s", why);
        } else if (g.ports) {
            err = grep_store_ports(ctx, &g);
        } else if (g.banner) {
            err = grep_store_banner(ctx, &g);
        }
        if (err)
            return err;
        import_progress(ctx);
    }
    return r < 0 ? input_error(ctx->in) : TALLY_OK;   /* diag says why */
}

static int starts(const unsigned char *p, size_t len, const char *what)
{
    size_t n = strlen(what);
    return len >= n && memcmp(p, what, n) == 0;
}

static int masscan_grepable_sniff(const unsigned char *head, size_t len, const char *path)
{
    const unsigned char *p = head, *end = head + len;
    int nmap = 0;

    (void)path;
    if (starts(head, len, "# Masscan "))
        return 95;
    nmap = starts(head, len, "# Nmap ");
    /* Look at the first lines that are not comments. */
    for (int lines = 0; p < end && lines < 8; lines++) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (starts(p, n, "Timestamp: ")) {
            size_t i = 11;
            while (i < n && isdigit(p[i]))
                i++;
            if (i > 11 && starts(p + i, n - i, "\tHost: "))
                return 90;
            return 0;
        }
        if (starts(p, n, "Host: "))
            return nmap ? 70 : 80;
        if (n > 0 && p[0] != '#')
            return 0;
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

const struct importer importer_masscan_grepable = {
    .name = "grepable",
    .description = "masscan -oG grepable lines (and nmap's -oG port lists)",
    .sniff = masscan_grepable_sniff,
    .run = masscan_grepable_run,
};
