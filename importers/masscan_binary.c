/* masscan_binary.c: masscan's binary output (-oB). Records are TYPE LENGTH PAYLOAD, type
 * and length as big-endian base-128 varints, numbers in the payload big-endian. The file
 * starts and ends with an 'm' record ("masscan/1.1..." padded to 99 bytes); types 1, 2, 6,
 * 7, 10, 11 are open/closed statuses, 8 and 12 ARP (counted, not stored), 3, 4, 5, 9, 13
 * banners with raw bytes and an application-protocol number whose meaning depends on the
 * masscan version (--masscan-version, else guessed from the header). The file is read in
 * chunks; one record is at most 1 MiB. */
#include "importers/masscan_binary.h"
#include "importers/importers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MBIN_CHUNK (64u * 1024)
#define MBIN_RECORD_MAX (1u << 20)      /* what masscan's own reader accepts */
#define MBIN_BANNER_WRITTEN 16384       /* masscan never writes a longer banner record */
#define MBIN_STATUS_WRITTEN 64          /* nor a longer status record */
#define MBIN_TYPE_HEADER 109            /* 'm' */

/* ---- the pieces (masscan_binary.h) ---- */

int masscan_varint(const unsigned char *data, size_t len, unsigned long long *value)
{
    unsigned long long v = 0;
    for (size_t i = 0; i < MASSCAN_VARINT_MAX; i++) {
        if (i >= len)
            return 0;
        v = (v << 7) | (data[i] & 0x7f);
        if (!(data[i] & 0x80)) {
            *value = v;
            return (int)i + 1;
        }
    }
    return -1;
}

static const char *const era_names[MASSCAN_ERA_COUNT] = {
    "1.0.3", "1.0.4", "1.0.5", "1.3.0", "1.3.2", "1.3.9"
};

static const char *const apps_1_0_3[] = {
    "unknown", "unknown", "ssh", "ssh", "http", "ftp", "ftp", "dns-ver", "snmp", "nbtstat",
    "ssl", "smtp", "pop", "imap", "zeroaccess", "X509", "title", "html", "ntp", NULL
};
static const char *const apps_1_0_5[] = {
    "unknown", "unknown", "ssh", "ssh", "http", "ftp", "dns-ver", "snmp", "nbtstat", "ssl",
    "smtp", "pop", "imap", "zeroaccess", "X509", "title", "html", "ntp", "vuln", "heartbleed",
    "ticketbleed", "vnc", "safe", "memcached", NULL
};
static const char *const apps_1_3_2[] = {
    "unknown", "unknown", "ssh", "ssh", "http", "ftp", "dns-ver", "snmp", "nbtstat", "ssl",
    "smb", "smtp", "pop", "imap", "zeroaccess", "X509", "title", "html", "ntp", "vuln",
    "heartbleed", "ticketbleed", "vnc", "safe", "memcached", "scripting", "versioning", "coap",
    "telnet", "rdp", "http.server", NULL
};
static const char *const apps_1_3_9[] = {
    "unknown", "unknown", "ssh", "ssh", "http", "ftp", "dns-ver", "snmp", "nbtstat", "ssl",
    "smb", "smtp", "pop", "imap", "zeroaccess", "X509", "X509CA", "title", "html", "ntp",
    "vuln", "heartbleed", "ticketbleed", "vnc", "safe", "memcached", "scripting",
    "versioning", "coap", "telnet", "rdp", "http.server", "minecraft", "vnc", "vnc-info",
    "isakmp", "error", NULL
};

/* Each era's table and how many of its ids it knows (1.0.4 lacks 1.0.5's memcached, 1.3.0
 * lacks 1.3.2's http.server). */
static const struct {
    const char *const *names;
    unsigned count;
} era_apps[MASSCAN_ERA_COUNT] = {
    [MASSCAN_ERA_1_0_3] = { apps_1_0_3, 19 },
    [MASSCAN_ERA_1_0_4] = { apps_1_0_5, 23 },
    [MASSCAN_ERA_1_0_5] = { apps_1_0_5, 24 },
    [MASSCAN_ERA_1_3_0] = { apps_1_3_2, 30 },
    [MASSCAN_ERA_1_3_2] = { apps_1_3_2, 31 },
    [MASSCAN_ERA_1_3_9] = { apps_1_3_9, 37 },
};

int masscan_era_parse(const char *version, enum masscan_era *era)
{
    for (int i = 0; i < MASSCAN_ERA_COUNT; i++)
        if (strcmp(version, era_names[i]) == 0) {
            *era = (enum masscan_era)i;
            return 0;
        }
    return -1;
}

int masscan_era_from_header(const unsigned char *text, size_t len, enum masscan_era *era)
{
    static const struct {
        const char *prefix;
        enum masscan_era era;
    } headers[] = {
        { "masscan/1.1.01", MASSCAN_ERA_1_0_3 },    /* written before 1.0.3 */
        { "masscan/1.1.02", MASSCAN_ERA_1_0_5 },    /* 1.0.3 to 1.0.5 */
        { "masscan/1.6", MASSCAN_ERA_1_3_0 },       /* 2020 development builds */
        { "masscan/1.1\n", MASSCAN_ERA_DEFAULT },   /* 1.3.x, with "s:START" after it */
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        size_t n = strlen(headers[i].prefix);
        if (len >= n && memcmp(text, headers[i].prefix, n) == 0) {
            *era = headers[i].era;
            return 1;
        }
    }
    return 0;
}

const char *masscan_app_name(enum masscan_era era, unsigned id, char *buf, size_t size)
{
    if ((unsigned)era < MASSCAN_ERA_COUNT && id < era_apps[era].count)
        return era_apps[era].names[id];
    snprintf(buf, size, "(%u)", id);
    return buf;
}

const char *masscan_reason(unsigned flags, char *buf, size_t size)
{
    static const char *const names[8] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece",
                                          "cwr" };
    size_t used = 0;
    if (size == 0)
        return "";
    buf[0] = '\0';
    for (int i = 0; i < 8; i++) {
        if (!(flags & (1u << i)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "-" : "", names[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (!used)
        snprintf(buf, size, "none");
    return buf;
}

/* ---- reading records ---- */

struct mbin {
    struct import_ctx *ctx;
    unsigned char *buf;
    size_t alloc, pos, end;     /* unread bytes are buf[pos, end) */
    long long offset;           /* file offset of buf[pos] */
    int eof;
    int era_fixed;              /* --masscan-version was given */
    enum masscan_era era;
};

/* Makes n bytes available at buf[pos]: 1, 0 when the file ends first, -1 on a read error. */
static int mbin_need(struct mbin *r, size_t n)
{
    while (r->end - r->pos < n) {
        if (r->eof)
            return 0;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->end - r->pos);
            r->end -= r->pos;
            r->pos = 0;
        }
        if (r->alloc - r->end < MBIN_CHUNK && r->alloc < n + MBIN_CHUNK) {
            r->alloc = n + MBIN_CHUNK;
            r->buf = xrealloc(r->buf, r->alloc);
        }
        long got = input_read(r->ctx->in, r->buf + r->end, r->alloc - r->end, r->ctx->diag);
        if (got < 0)
            return -1;
        if (got == 0)
            r->eof = 1;
        r->end += (size_t)got;
    }
    return 1;
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *ip_proto_name(unsigned proto)
{
    switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 132: return "sctp";
    default: return NULL;
    }
}

/* The shortest payload each record type can have (0: not a type masscan writes). */
static size_t mbin_min_length(unsigned long long type)
{
    switch (type) {
    case 1: case 2: case 3: case 4: return 12;
    case 5: case 6: case 7: case 8: return 13;
    case 9: return 14;
    case 10: case 11: case 12: return 26;
    case 13: return 27;
    case MBIN_TYPE_HEADER: return 1;
    default: return 0;
    }
}

static int mbin_is_banner(unsigned long long type)
{
    return type == 3 || type == 4 || type == 5 || type == 9 || type == 13;
}

/* One status record (types 1, 2, 6, 7, 10, 11) or ARP record (8, 12). */
static enum tally_error mbin_status(struct mbin *r, unsigned type, const unsigned char *p,
                                    long long at)
{
    struct scan_record rec = { .ttl = -1 };
    unsigned proto, flags;
    char reason[32];

    if (type == 8 || type == 12) {
        store_count(r->ctx->store, "arp-skipped", 1);
        return TALLY_OK;
    }
    rec.seen = be32(p);
    if (type == 1 || type == 2) {
        ip_from_v4(be32(p + 4), &rec.addr);
        rec.port = be16(p + 8);
        flags = p[10];
        rec.ttl = p[11];
        /* The oldest records have no protocol; masscan's reader guesses it by port. */
        switch (rec.port) {
        case 53: case 123: case 137: case 161: proto = 17; break;
        case 36422: case 36412: case 2905: proto = 132; break;
        default: proto = 6; break;
        }
    } else if (type == 6 || type == 7) {
        ip_from_v4(be32(p + 4), &rec.addr);
        proto = p[8];
        rec.port = be16(p + 9);
        flags = p[11];
        rec.ttl = p[12];
    } else {
        proto = p[4];
        rec.port = be16(p + 5);
        flags = p[7];
        rec.ttl = p[8];
        if (p[9] != 6)
            return import_bad_record_at(r->ctx, at, "expected IP version 6 in an IPv6 status "
                                        "record (type %u), found %u", type, p[9]);
        rec.addr.family = 6;
        memcpy(rec.addr.bytes, p + 10, 16);
    }
    rec.proto = ip_proto_name(proto);
    if (!rec.proto)
        return import_bad_record_at(r->ctx, at, "expected an IP protocol (1, 6, 17 or 132) in a "
                                    "status record, found %u", proto);
    rec.status = (type == 1 || type == 6 || type == 10) ? "open" : "closed";
    rec.reason = masscan_reason(flags, reason, sizeof(reason));
    if (store_add_observation(r->ctx->store, &rec))
        return store_fail(r->ctx->store, r->ctx->diag, "cannot store the record");
    return TALLY_OK;
}

/* One banner record (types 3, 4, 5, 9, 13). */
static enum tally_error mbin_banner(struct mbin *r, unsigned type, const unsigned char *p,
                                    size_t len, long long at)
{
    struct banner_record rec = { 0 };
    unsigned proto = 6, app;
    size_t header;
    char app_buf[16];

    rec.seen = be32(p);
    if (type == 3) {
        ip_from_v4(be32(p + 4), &rec.addr);
        rec.port = be16(p + 8);
        app = be16(p + 10);
        header = 12;
    } else if (type == 4 || type == 5 || type == 9) {
        ip_from_v4(be32(p + 4), &rec.addr);
        proto = p[8];
        rec.port = be16(p + 9);
        app = be16(p + 11);
        header = type == 9 ? 14 : 13;
    } else {
        proto = p[4];
        rec.port = be16(p + 5);
        app = be16(p + 7);
        if (p[10] != 6)
            return import_bad_record_at(r->ctx, at, "expected IP version 6 in an IPv6 banner "
                                        "record (type 13), found %u", p[10]);
        rec.addr.family = 6;
        memcpy(rec.addr.bytes, p + 11, 16);
        header = 27;
    }
    rec.proto = ip_proto_name(proto);
    if (!rec.proto)
        return import_bad_record_at(r->ctx, at, "expected an IP protocol (1, 6, 17 or 132) in a "
                                    "banner record, found %u", proto);
    rec.service = masscan_app_name(r->era, app, app_buf, sizeof(app_buf));
    rec.data = p + header;
    rec.len = len - header;
    if (import_banner(r->ctx, &rec))
        return store_fail(r->ctx->store, r->ctx->diag, "cannot store the banner");
    return TALLY_OK;
}

/* An 'm' record: the file header (or trailer); its text may name the numbering. */
static void mbin_header(struct mbin *r, const unsigned char *p, size_t len)
{
    unsigned char text[32];
    size_t n = len < sizeof(text) - 2 ? len : sizeof(text) - 2;
    enum masscan_era era;

    /* The record's type and length bytes are the text's "ma". */
    text[0] = 'm';
    text[1] = 'a';
    memcpy(text + 2, p, n);
    if (!r->era_fixed && masscan_era_from_header(text, n + 2, &era))
        r->era = era;
}

/* Reads a varint at buf[pos + at]: bytes used, 0 at the end of the file, -1 too long, -2 on a
 * read error. */
static int mbin_varint(struct mbin *r, size_t at, unsigned long long *value)
{
    if (mbin_need(r, at + MASSCAN_VARINT_MAX) < 0)
        return -2;
    size_t avail = r->end - r->pos;
    if (avail <= at)
        return 0;
    return masscan_varint(r->buf + r->pos + at, avail - at, value);
}

/* Under --lenient, after a bad record at `at`: skips it when its end is known and in the file,
 * otherwise leaves the rest of the file out. Returns 1 to go on, 0 to stop. */
static int mbin_skip(struct mbin *r, long long at, size_t size, int known)
{
    if (known && mbin_need(r, size) == 1) {
        r->pos += size;
        r->offset += (long long)size;
        return 1;
    }
    import_warn(r->ctx, "%s: byte %lld: cannot find the next record: the rest of the file is "
                "left out", input_path(r->ctx->in), at);
    return 0;
}

static enum tally_error mbin_run(struct import_ctx *ctx)
{
    struct mbin r = { .ctx = ctx, .era = MASSCAN_ERA_DEFAULT };
    enum tally_error err = TALLY_OK;

    if (ctx->opt->masscan_version) {
        if (masscan_era_parse(ctx->opt->masscan_version, &r.era))
            return diag_set(ctx->diag, TALLY_ERROR_USAGE, "unknown --masscan-version '%s' "
                            "(expected 1.0.3, 1.0.4, 1.0.5, 1.3.0, 1.3.2 or 1.3.9)",
                            ctx->opt->masscan_version);
        r.era_fixed = 1;
    }
    for (;;) {
        unsigned long long type, length;
        long long at = r.offset;
        int n1, n2, rc;

        import_progress(ctx);
        n1 = mbin_varint(&r, 0, &type);
        if (n1 == 0)
            break;                              /* the end, between records */
        n2 = n1 > 0 ? mbin_varint(&r, (size_t)n1, &length) : n1;
        if (n1 == -2 || n2 == -2) {
            err = TALLY_ERROR_IO;
            break;
        }
        if (n2 == 0) {
            import_warn(ctx, "%s: byte %lld: the file ends inside a record (masscan stopped "
                        "early?): that record is left out", input_path(ctx->in), at);
            break;
        }
        if (n1 < 0 || n2 < 0) {
            err = import_bad_record_at(ctx, at, "expected a record type and length (base-128 "
                                       "numbers), found more than %d bytes", MASSCAN_VARINT_MAX);
            if (err || !mbin_skip(&r, at, 0, 0))
                break;
            continue;
        }
        size_t header = (size_t)(n1 + n2);
        size_t min = mbin_min_length(type);
        /* A type-4 record's length is one short (a bug of early masscan). */
        unsigned long long payload = length + (type == 4);
        const char *why = NULL;
        if (at == 0 && type != MBIN_TYPE_HEADER)
            why = "expected the masscan file header (\"masscan/1.1...\")";
        else if (min == 0)
            why = "unknown record type";
        else if (length > MBIN_RECORD_MAX)
            why = "record longer than 1 MiB";
        else if (length < min)
            why = "record too short for its type";
        if (why) {
            err = import_bad_record_at(ctx, at, "%s (type %llu, length %llu)", why, type, length);
            if (err || !mbin_skip(&r, at, header + payload, at > 0 &&
                                  length <= MBIN_RECORD_MAX))
                break;
            continue;
        }
        rc = mbin_need(&r, header + payload);
        if (rc < 0) {
            err = TALLY_ERROR_IO;
            break;
        }
        if (rc == 0) {
            unsigned long long left = (unsigned long long)(r.end - r.pos);
            unsigned long long plausible = mbin_is_banner(type) ? MBIN_BANNER_WRITTEN
                                         : type == MBIN_TYPE_HEADER ? MBIN_BANNER_WRITTEN
                                         : MBIN_STATUS_WRITTEN;
            if (length <= plausible) {
                import_warn(ctx, "%s: byte %lld: the file ends inside a record (masscan stopped "
                            "early?): that record is left out", input_path(ctx->in), at);
            } else {
                err = import_bad_record_at(ctx, at, "record length %llu runs past the end of "
                                           "the file (%llu bytes left)", length, left - header);
                if (!err)
                    mbin_skip(&r, at, 0, 0);
            }
            break;
        }
        const unsigned char *p = r.buf + r.pos + header;
        if (type == MBIN_TYPE_HEADER)
            mbin_header(&r, p, (size_t)payload);
        else if (mbin_is_banner(type))
            err = mbin_banner(&r, (unsigned)type, p, (size_t)payload, at);
        else
            err = mbin_status(&r, (unsigned)type, p, at);
        if (err)
            break;
        r.pos += header + (size_t)payload;
        r.offset += (long long)(header + payload);
    }
    free(r.buf);
    return err;
}

/* "masscan/1." at the very start (the header record). */
static int mbin_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len >= 10 && memcmp(head, "masscan/1.", 10) == 0)
        return 100;
    return 0;
}

const struct importer importer_masscan_binary = {
    .name = "binary",
    .description = "masscan binary output (-oB), IPv4 and IPv6, any masscan version "
                   "(see --masscan-version)",
    .sniff = mbin_sniff,
    .run = mbin_run,
};
