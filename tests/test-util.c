/* test-util.c: unit tests for util/: errors and diagnostics, strbuf, UTF-8 repair,
 * thousands separators, addresses and prefixes, ordering by key. */
#include "tests/tap.h"
#include "util/util.h"

#include <limits.h>
#include <stdlib.h>

static void test_errors(void)
{
    CHECK_INT(tally_exit_code(TALLY_OK), 0, "ok exits 0");
    CHECK_INT(tally_exit_code(TALLY_ERROR_DATA), 1, "bad data exits 1");
    CHECK_INT(tally_exit_code(TALLY_ERROR_USAGE), 2, "usage exits 2");
    CHECK_INT(tally_exit_code(TALLY_ERROR_IO), 3, "I/O exits 3");
    CHECK_INT(tally_exit_code(TALLY_ERROR_DATABASE), 3, "database exits 3");
    CHECK_INT(tally_exit_code(TALLY_ERROR_DUPLICATE), 0, "a duplicate import exits 0");
    for (int e = 0; e < TALLY_ERROR_COUNT; e++)
        CHECK(tally_strerror((enum tally_error)e)[0] != '\0', "error %d has a name", e);

    struct tally_diag d;
    char text[1200];
    diag_clear(&d);
    CHECK_INT(diag_set(&d, TALLY_ERROR_DATA, "expected %s", "a port"), TALLY_ERROR_DATA,
              "diag_set returns its error");
    snprintf(d.file, sizeof(d.file), "scan.oL");
    d.line = 7;
    diag_format(&d, text, sizeof(text));
    CHECK_STR(text, "scan.oL:7: expected a port", "file:line: message");
    d.line = 0;
    d.offset = 99;
    diag_format(&d, text, sizeof(text));
    CHECK_STR(text, "scan.oL: byte 99: expected a port", "file: byte N: message");
}

static void test_strbuf(void)
{
    struct strbuf sb;
    strbuf_init(&sb);
    for (int i = 0; i < 1000; i++)
        strbuf_addf(&sb, "%d,", i % 10);
    CHECK_INT(sb.len, 2000, "strbuf grows");
    strbuf_reset(&sb);
    strbuf_addstr(&sb, "ab");
    strbuf_addch(&sb, 'c');
    CHECK_STR(sb.buf, "abc", "strbuf appends");
    char *s = strbuf_detach(&sb);
    CHECK_STR(s, "abc", "strbuf_detach hands over the text");
    free(s);
}

static void test_text(void)
{
    char buf[64];
    format_thousands(0, buf, sizeof(buf));
    CHECK_STR(buf, "0", "0");
    format_thousands(999, buf, sizeof(buf));
    CHECK_STR(buf, "999", "999");
    format_thousands(1000, buf, sizeof(buf));
    CHECK_STR(buf, "1,000", "1,000");
    format_thousands(-1234567, buf, sizeof(buf));
    CHECK_STR(buf, "-1,234,567", "negative millions");
    format_thousands(LLONG_MIN, buf, sizeof(buf));
    CHECK_STR(buf, "-9,223,372,036,854,775,808", "the least long long");
    format_thousands(LLONG_MAX, buf, sizeof(buf));
    CHECK_STR(buf, "9,223,372,036,854,775,807", "the greatest");
    format_thousands(-999, buf, sizeof(buf));
    CHECK_STR(buf, "-999", "no separator before three digits");
    format_thousands(1234567, buf, 6);
    CHECK_STR(buf, "1,234", "cut to the buffer, ended");

    char *fixed = utf8_repair("ok \xc3\xa9 \xff end", 11);
    CHECK_STR(fixed, "ok \xc3\xa9 \xef\xbf\xbd end", "invalid bytes become U+FFFD");
    free(fixed);
    fixed = utf8_repair("a\0b", 3);
    CHECK_STR(fixed, "a\xe2\x90\x80" "b", "NUL becomes a visible symbol");
    free(fixed);
    CHECK(utf8_is_valid("caf\xc3\xa9", 5), "valid UTF-8 is recognised");
    CHECK(!utf8_is_valid("caf\xe9", 4), "Latin-1 is not UTF-8");
    char *converted = cp1252_to_utf8("caf\xe9 \x80", 6);
    CHECK_STR(converted, "caf\xc3\xa9 \xe2\x82\xac", "Windows-1252 to UTF-8 (é and €)");
    free(converted);
}

static void test_ip(void)
{
    struct ip_addr a;
    char text[80];
    CHECK_INT(ip_parse("198.51.100.77", &a), 0, "IPv4 parses");
    CHECK_INT(a.family, 4, "IPv4 family");
    CHECK_INT(ip_v4_value(&a), 0xc6336433u - 0x33 + 77, "IPv4 value");
    ip_format_prefix(&a, 24, text, sizeof(text));
    CHECK_STR(text, "198.51.100.0/24", "a /24");
    ip_format_prefix(&a, 16, text, sizeof(text));
    CHECK_STR(text, "198.51.0.0/16", "a /16");
    ip_format_prefix(&a, 30, text, sizeof(text));
    CHECK_STR(text, "198.51.100.76/30", "a /30");
    CHECK_INT(ip_parse("2001:0db8:0:0:0:0:0:1", &a), 0, "IPv6 with zeros parses");
    ip_format(&a, text, sizeof(text));
    CHECK_STR(text, "2001:db8::1", "IPv6 canonical text");
    ip_format_prefix(&a, 32, text, sizeof(text));
    CHECK_STR(text, "2001:db8::/32", "an IPv6 /32");
    CHECK_INT(ip_parse("300.1.1.1", &a), -1, "an octet over 255 is refused");
    CHECK_INT(ip_parse("1.2.3", &a), -1, "three octets are refused");
    CHECK_INT(ip_parse("", &a), -1, "empty is refused");
    ip_from_v4(0xc0000201u, &a);
    ip_format(&a, text, sizeof(text));
    CHECK_STR(text, "192.0.2.1", "from a number");
}

/* order_by_key against a plain comparison of (key, index), on keys that need no pass,
 * one pass, and every pass (high 16 bits differing). */
static void test_order_by_key(void)
{
    enum { N = 100000 };
    uint64_t *key = malloc(N * sizeof(*key));
    uint64_t seed = 88172645463325252ull;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < N; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            key[i] = kind == 0 ? 42 : kind == 1 ? seed % 50 : seed >> (seed & 1 ? 0 : 40);
        }
        uint32_t *order = order_by_key(key, N);
        size_t wrong = 0, seen = 0;
        unsigned char *taken = calloc(N, 1);
        for (size_t i = 0; i < N; i++) {
            if (order[i] >= N || taken[order[i]]++)
                wrong++;
            else
                seen++;
            if (i > 0 && order[i] < N && order[i - 1] < N &&
                (key[order[i - 1]] > key[order[i]] ||
                 (key[order[i - 1]] == key[order[i]] && order[i - 1] > order[i])))
                wrong++;
        }
        CHECK_INT(wrong, 0, "order_by_key: by key, ties by index");
        CHECK_INT(seen, N, "order_by_key: every index once");
        free(taken);
        free(order);
    }
    free(key);
    uint32_t *none = order_by_key(NULL, 0);
    CHECK(none != NULL, "order_by_key: no keys, an empty order");
    free(none);
    uint64_t one = 7;
    uint32_t *single = order_by_key(&one, 1);
    CHECK_INT(single[0], 0, "order_by_key: one key");
    free(single);
}

int main(void)
{
    test_errors();
    test_strbuf();
    test_text();
    test_ip();
    test_order_by_key();
    return tap_done();
}
