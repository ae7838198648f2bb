/* name_pattern.c: host names (name_pattern.h): reverse names read back into addresses,
 * names made plain, and the patterns of providers' default host names, checked and matched
 * (a backtracking match over the name with a bounded number of steps). */
#include "util/name_pattern.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The value of one hex digit, or -1. */
static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int reverse_v4(const char *name, size_t len, struct ip_addr *addr)
{
    unsigned octets[4];
    int n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned v = 0;
        size_t start = i;
        while (i < len && isdigit((unsigned char)name[i]) && i - start < 3)
            v = v * 10 + (unsigned)(name[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && name[start] == '0') || n == 4)
            return -1;
        octets[n++] = v;
        if (i == len)
            break;
        if (name[i++] != '.' || i == len)
            return -1;
    }
    if (n != 4)
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->family = 4;
    for (int k = 0; k < 4; k++)
        addr->bytes[k] = (uint8_t)octets[3 - k];
    return 0;
}

static int reverse_v6(const char *name, size_t len, struct ip_addr *addr)
{
    if (len != 63)                      /* 32 nibbles and 31 dots */
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->family = 6;
    for (int k = 0; k < 32; k++) {
        int v = hex_value((unsigned char)name[2 * k]);
        if (v < 0 || (k < 31 && name[2 * k + 1] != '.'))
            return -1;
        int nibble = 31 - k;            /* the first label is the last nibble */
        addr->bytes[nibble / 2] |= (uint8_t)(nibble % 2 ? v : v << 4);
    }
    return 0;
}

int host_reverse_addr(const char *name, struct ip_addr *addr)
{
    static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len > sizeof(v4) - 1 && strncasecmp(name + len - (sizeof(v4) - 1), v4,
                                            sizeof(v4) - 1) == 0)
        return reverse_v4(name, len - (sizeof(v4) - 1), addr);
    if (len > sizeof(v6) - 1 && strncasecmp(name + len - (sizeof(v6) - 1), v6,
                                            sizeof(v6) - 1) == 0)
        return reverse_v6(name, len - (sizeof(v6) - 1), addr);
    return -1;
}

int host_name_plain(const char *name, size_t len, char *out, size_t size)
{
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || len >= size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f)
            return -1;
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    return 0;
}


#define MATCH_STEPS 100000      /* a pattern with many stars gives up: no match */

static const char *const placeholders[] = { "{a}", "{b}", "{c}", "{d}", "{region}" };
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* Which placeholder starts at p, or -1. */
static int placeholder_at(const char *p)
{
    for (size_t i = 0; i < NPLACEHOLDERS; i++)
        if (strncmp(p, placeholders[i], strlen(placeholders[i])) == 0)
            return (int)i;
    return -1;
}

const char *name_pattern_check(const char *text)
{
    size_t len = strlen(text);
    if (len == 0)
        return "an empty pattern";
    if (len > NAME_PATTERN_MAX)
        return "a pattern longer than a DNS name";
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '{') {
            int which = placeholder_at(p);
            if (which < 0)
                return "an unknown {placeholder} (known: {a} {b} {c} {d} {region})";
            p += strlen(placeholders[which]) - 1;
        } else if (c == '}') {
            return "a '}' without its '{'";
        } else if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*')) {
            return "a character not found in host names";
        }
    }
    return NULL;
}

struct match {
    const struct ip_addr *addr;
    long steps;
};

/* The decimal text of byte i of an IPv4 address into buf. */
static const char *octet_text(const struct ip_addr *addr, int i, char *buf)
{
    unsigned v = addr->bytes[i];
    int n = 0;
    if (v >= 100)
        buf[n++] = (char)('0' + v / 100);
    if (v >= 10)
        buf[n++] = (char)('0' + v / 10 % 10);
    buf[n++] = (char)('0' + v % 10);
    buf[n] = '\0';
    return buf;
}

static int is_label_char(unsigned char c)
{
    return isalnum(c) || c == '-';
}

static int match_at(struct match *m, const char *p, const char *s)
{
    while (*p) {
        if (++m->steps > MATCH_STEPS)
            return 0;
        if (*p == '*') {
            size_t n = strlen(s);
            for (size_t k = 1; k <= n; k++)
                if (match_at(m, p + 1, s + k))
                    return 1;
            return 0;
        }
        if (*p == '{') {
            int which = placeholder_at(p);
            if (which < 0)
                return 0;
            p += strlen(placeholders[which]);
            if (which < 4) {
                char buf[4];
                if (m->addr->family != 4)
                    return 0;
                const char *octet = octet_text(m->addr, which, buf);
                size_t n = strlen(octet);
                if (strncmp(s, octet, n) != 0 || isdigit((unsigned char)s[n]))
                    return 0;
                s += n;
                continue;
            }
            /* {region}: one label, as long as the rest allows. */
            size_t n = 0;
            while (is_label_char((unsigned char)s[n]))
                n++;
            for (; n > 0; n--)
                if (match_at(m, p, s + n))
                    return 1;
            return 0;
        }
        if (tolower((unsigned char)*p) != tolower((unsigned char)*s))
            return 0;
        p++;
        s++;
    }
    return *s == '\0';
}

int name_pattern_match(const char *pattern, const char *name, const struct ip_addr *addr)
{
    struct match m = { addr, 0 };
    return match_at(&m, pattern, name);
}
