/* gen-scan.c: writes N masscan status records, shaped like a single-port scan of a cloud
 * (a few dense /24s, a long tail) on benchmark addresses 198.18.0.0/15, in one of
 * masscan's output formats (list, json, ndjson, xml, grepable, binary) or as the CSV rows
 * the sqlite3 shell's .import reads. The same N gives the same records in every format.
 * Usage: gen-scan FORMAT N FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format { FMT_LIST, FMT_JSON, FMT_NDJSON, FMT_XML, FMT_GREPABLE, FMT_BINARY, FMT_CSV };

static const char *const format_names[] = {
    "list", "json", "ndjson", "xml", "grepable", "binary", "csv", NULL
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
    }
}

static void write_head(FILE *out, enum format fmt)
{
    switch (fmt) {
    case FMT_LIST: fputs("#masscan\n", out); break;
    case FMT_JSON: fputs("[\n", out); break;
    case FMT_NDJSON: break;
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

int main(int argc, char **argv)
{
    int fmt = -1;
    if (argc == 4)
        for (int i = 0; format_names[i]; i++)
            if (strcmp(argv[1], format_names[i]) == 0)
                fmt = i;
    if (fmt < 0) {
        fprintf(stderr, "usage: gen-scan list|json|ndjson|xml|grepable|binary|csv N FILE\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    FILE *out = fopen(argv[3], "wb");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    write_head(out, (enum format)fmt);
    for (long long i = 0; i < n; i++) {
        struct record rec;
        next_record(i, &rec);
        write_record(out, (enum format)fmt, &rec, i == 0);
    }
    write_tail(out, (enum format)fmt, n);
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
