/* ip.c: IPv4 and IPv6 addresses: parsing, canonical text, prefixes (inet_pton/inet_ntop
 * do the text work). */
#include "util/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int ip_parse(const char *text, struct ip_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, out->bytes) != 1)
            return -1;
        out->family = 6;
        return 0;
    }
    if (inet_pton(AF_INET, text, out->bytes) != 1)
        return -1;
    out->family = 4;
    return 0;
}

/* Writes one octet in decimal; returns the characters written. */
static int put_octet(char *out, unsigned v)
{
    int n = 0;
    if (v >= 100)
        out[n++] = (char)('0' + v / 100);
    if (v >= 10)
        out[n++] = (char)('0' + v / 10 % 10);
    out[n++] = (char)('0' + v % 10);
    return n;
}

void ip_format(const struct ip_addr *addr, char *out, size_t size)
{
    char buf[INET6_ADDRSTRLEN];
    if (addr->family == 4 && size >= 16) {      /* the hot path of every import */
        int n = 0;
        for (int i = 0; i < 4; i++) {
            n += put_octet(out + n, addr->bytes[i]);
            out[n++] = i < 3 ? '.' : '\0';
        }
        return;
    }
    if (!inet_ntop(addr->family == 6 ? AF_INET6 : AF_INET, addr->bytes, buf, sizeof(buf)))
        buf[0] = '\0';
    snprintf(out, size, "%s", buf);
}

void ip_from_v4(uint32_t value, struct ip_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->family = 4;
    out->bytes[0] = (uint8_t)(value >> 24);
    out->bytes[1] = (uint8_t)(value >> 16);
    out->bytes[2] = (uint8_t)(value >> 8);
    out->bytes[3] = (uint8_t)value;
}

void ip_format_prefix(const struct ip_addr *addr, int prefix, char *out, size_t size)
{
    struct ip_addr masked = *addr;
    int bits = addr->family == 6 ? 128 : 32;
    if (prefix < 0)
        prefix = 0;
    if (prefix > bits)
        prefix = bits;
    for (int i = 0; i < bits / 8; i++) {
        int keep = prefix - i * 8;
        if (keep >= 8)
            continue;
        masked.bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
    if (masked.family == 4 && size >= 20) {    /* "255.255.255.255/32": millions of rows */
        ip_format(&masked, out, size);
        size_t n = strlen(out);
        out[n++] = '/';
        n += (size_t)put_octet(out + n, (unsigned)prefix);
        out[n] = '\0';
        return;
    }
    char text[INET6_ADDRSTRLEN];
    ip_format(&masked, text, sizeof(text));
    snprintf(out, size, "%s/%d", text, prefix);
}
