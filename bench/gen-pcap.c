/* gen-pcap.c: writes a pcap file of N packets shaped like a capture of a masscan-style scan
 * taken on the scanner: SYNs from one address and port to many distinct addresses in
 * 198.18.0.0/15 and 100.64.0.0/10 (ports 80, 443, 8080), of which some answer with a SYN-ACK
 * (the scanner then sends a RST), some with a RST-ACK, and some web servers with an HTTP
 * response carrying Server and X-Powered-By headers. Frames are Ethernet, checksums zero.
 * With --internet the targets are spread over all of IPv4 instead, in no order, as when
 * masscan scans the whole Internet.
 * Usage: gen-pcap [--internet] N OUT.pcap */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCANNER 0xC0000201u             /* 192.0.2.1 */
#define SCANNER_PORT 61000

static uint64_t state = 0x9543u;
static FILE *out;
static long long written, limit;
static uint64_t now_us = 1700000000ull * 1000000;
static int internet;                    /* --internet */

static uint32_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)state;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* One Ethernet/IPv4/TCP frame, padded to the 60-byte Ethernet minimum. */
static void emit(uint32_t src, uint32_t dst, unsigned sport, unsigned dport, uint32_t seq,
                 uint32_t ack, unsigned flags, uint8_t ttl, const char *payload)
{
    uint8_t frame[1600] = { 0 };
    size_t plen = payload ? strlen(payload) : 0;
    size_t len = 14 + 20 + 20 + plen;
    if (written >= limit)
        return;
    memcpy(frame, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
    uint8_t *ip = frame + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + 20 + plen));
    put16(ip + 4, (unsigned)(written & 0xffff));
    ip[8] = ttl;
    ip[9] = 6;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = (uint8_t)flags;
    put16(tcp + 14, 1024);
    if (plen)
        memcpy(tcp + 20, payload, plen);
    if (len < 60)
        len = 60;
    uint32_t hdr[4] = { (uint32_t)(now_us / 1000000), (uint32_t)(now_us % 1000000),
                        (uint32_t)len, (uint32_t)len };
    fwrite(hdr, sizeof(hdr), 1, out);
    fwrite(frame, len, 1, out);
    now_us += 1 + next_random() % 4;
    written++;
}

static uint32_t target(uint64_t i)
{
    /* Distinct addresses: a multiplicative walk over 2^22 addresses in two ranges, or over
     * all 2^32 (an odd multiplier walks every one before any repeats). */
    if (internet)
        return (uint32_t)(i * 2654435761u) ^ 0x5bd1e995u;
    uint32_t k = (uint32_t)((i * 2654435761u) & 0x3fffff);
    return k < 0x20000 ? 0xC6120000u + k : 0x64400000u + (k & 0x3fffff);
}

int main(int argc, char **argv)
{
    static const char *const servers[] = {
        "Server: nginx/1.18.0\r\nX-Powered-By: PHP/7.4.3\r\n",
        "Server: Apache/2.4.41 (Ubuntu)\r\nX-Powered-By: PHP/7.2.24\r\n",
        "Server: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\n",
        "Server: Jetty(9.4.z-SNAPSHOT)\r\n",
    };
    static const unsigned ports[] = { 80, 443, 8080 };
    char response[512];
    if (argc == 4 && strcmp(argv[1], "--internet") == 0) {
        internet = 1;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: gen-pcap [--internet] N OUT.pcap\n");
        return 2;
    }
    limit = atoll(argv[1]);
    out = fopen(argv[2], "wb");
    if (!out || limit <= 0) {
        perror("gen-pcap");
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof(buf));
    uint32_t header[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
    fwrite(header, sizeof(header), 1, out);
    for (uint64_t i = 0; written < limit; i++) {
        uint32_t dst = target(i / 3);
        unsigned port = ports[i % 3];
        uint32_t cookie = next_random();
        uint32_t r = next_random() % 1000;
        emit(SCANNER, dst, SCANNER_PORT, port, cookie, 0, 0x02, 255, NULL);
        if (r < 80) {                               /* open */
            uint32_t isn = next_random();
            emit(dst, SCANNER, port, SCANNER_PORT, isn, cookie + 1, 0x12,
                 (uint8_t)(40 + r % 24), NULL);
            if (port != 443 && r < 30) {            /* a web server answers a request */
                emit(SCANNER, dst, SCANNER_PORT, port, cookie + 1, isn + 1, 0x18, 255,
                     "GET / HTTP/1.0\r\nUser-Agent: masscan/1.3\r\nAccept: */*\r\n\r\n");
                snprintf(response, sizeof(response),
                         "HTTP/1.1 200 OK\r\n%sContent-Type: text/html\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n", servers[r % 4]);
                emit(dst, SCANNER, port, SCANNER_PORT, isn + 1, cookie + 56, 0x19,
                     (uint8_t)(40 + r % 24), response);
            }
            emit(SCANNER, dst, SCANNER_PORT, port, cookie + 1, 0, 0x04, 255, NULL);
        } else if (r < 100) {                       /* closed */
            emit(dst, SCANNER, port, SCANNER_PORT, 0, cookie + 1, 0x14, 64, NULL);
        }
    }
    if (fclose(out) != 0) {
        perror("gen-pcap");
        return 1;
    }
    return 0;
}
