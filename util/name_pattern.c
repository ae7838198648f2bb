/* name_pattern.c: checking and matching the patterns of providers' default host names
 * (name_pattern.h): a backtracking match over the name with a bounded number of steps. */
#include "util/name_pattern.h"

#include <ctype.h>
#include <string.h>

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
