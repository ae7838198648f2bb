/* test-store.c: unit tests for store/: schema version, one transaction per import,
 * duplicate content, forget, address columns, event ids and attendees, the limit on kinds
 * of record, host sets (building, storing, unions, counting per subnet), rows that share a
 * statement, and when an import builds the banner and header indexes again. */
#include "tests/tap.h"
#include "store/store.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long count_rows(struct store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void add_open(struct store *store, const char *ip, unsigned port)
{
    struct scan_record rec = { .proto = "tcp", .port = port, .status = "open",
                               .reason = "syn-ack", .ttl = 54, .seen = 1629960470 };
    ip_parse(ip, &rec.addr);
    CHECK(store_add_observation(store, &rec) == TALLY_OK, "observation %s:%u stored", ip, port);
}

/* ---- host sets ---- */

static struct ip_addr addr_of(const char *text)
{
    struct ip_addr a;
    ip_parse(text, &a);
    return a;
}

/* What hostset_each_subnet() reports, as "net/prefix=hosts " text. */
struct subnet_text {
    char text[65536];
    int prefix;
};

static void subnet_to_text(void *arg, const struct ip_addr *net, long long hosts)
{
    struct subnet_text *st = arg;
    char buf[80];
    size_t len = strlen(st->text);
    ip_format_prefix(net, st->prefix, buf, sizeof(buf));
    snprintf(st->text + len, sizeof(st->text) - len, "%s=%lld ", buf, hosts);
}

static const char *subnets_of(struct hostset *set, int family, int prefix)
{
    static struct subnet_text st;
    st.text[0] = '\0';
    st.prefix = prefix;
    hostset_each_subnet(set, family, prefix, subnet_to_text, &st);
    return st.text;
}

/* What hostset_stored_subnets4() reports of the host_set rows `sql` selects (rowids). */
static const char *stored_subnets_of(struct store *store, const char *sql, int prefix,
                                     enum tally_error *err, struct tally_diag *diag)
{
    static struct subnet_text st;
    sqlite3_stmt *stmt = NULL;
    st.text[0] = '\0';
    st.prefix = prefix;
    diag_clear(diag);
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) != SQLITE_OK) {
        *err = TALLY_ERROR_DATABASE;
        return "";
    }
    *err = hostset_stored_subnets4(store, stmt, prefix, subnet_to_text, &st, "counting",
                                   diag);
    sqlite3_finalize(stmt);
    return st.text;
}

/* The union of the host_set rows `sql` selects (family, members), loaded whole. */
static struct hostset *loaded_set(struct store *store, const char *sql)
{
    struct tally_diag diag;
    struct hostset *set = hostset_new();
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        hostset_add_stored(set, sqlite3_column_int(stmt, 0), sqlite3_column_blob(stmt, 1),
                           (size_t)sqlite3_column_bytes(stmt, 1), &diag);
    sqlite3_finalize(stmt);
    return set;
}

/* hostset_stored_count_in_ranges4() of the host_set rows `sql` selects (rowids); -1 when
 * it fails. */
static long long stored_in_ranges(struct store *store, const char *sql,
                                  const uint32_t (*ranges)[2], size_t n)
{
    struct tally_diag diag;
    sqlite3_stmt *stmt = NULL;
    long long hosts = -1;
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        hostset_stored_count_in_ranges4(store, stmt, ranges, n, NULL, &hosts, "counting",
                                        &diag))
        hosts = -1;
    sqlite3_finalize(stmt);
    return hosts;
}

/* What hostset_compare_subnets() reports: the first subnets as "net/prefix=a,b,both "
 * text, and of them all a count and a digest, in order. */
struct compare_text {
    char text[1024];
    int prefix;
    long long subnets;
    uint64_t digest;
};

static void compare_to_text(void *arg, const struct ip_addr *net, long long only_a,
                            long long only_b, long long both)
{
    struct compare_text *ct = arg;
    char buf[80];
    size_t len = strlen(ct->text);
    ip_format_prefix(net, ct->prefix, buf, sizeof(buf));
    if (ct->subnets < 8)
        snprintf(ct->text + len, sizeof(ct->text) - len, "%s=%lld,%lld,%lld ", buf, only_a,
                 only_b, both);
    ct->subnets++;
    ct->digest = ct->digest * 1000003u ^ ((uint64_t)ip_v4_value(net) << 20 ^
                                          (uint64_t)only_a << 40 ^ (uint64_t)only_b << 20 ^
                                          (uint64_t)both);
}

/* Sets in memory: repeats counted once, subnets in address order, any prefix. */
static void test_hostset_memory(void)
{
    static const char *const hosts[] = {
        "198.51.100.7", "198.51.100.9", "198.51.100.7", "198.51.101.1", "10.0.0.1",
        "2001:db8::1", "2001:db8::2", "2001:db8::1", "2001:db8:0:1::1", "fe80::1",
    };
    struct hostset *set = hostset_new();
    CHECK_INT(hostset_count(set), 0, "a new set is empty");
    CHECK_STR(subnets_of(set, 4, 24), "", "and has no subnets");
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        struct ip_addr a = addr_of(hosts[i]);
        hostset_add(set, &a);
    }
    CHECK_INT(hostset_count(set), 8, "eight distinct hosts of ten added");
    CHECK_STR(subnets_of(set, 4, 24), "10.0.0.0/24=1 198.51.100.0/24=2 198.51.101.0/24=1 ",
              "IPv4 /24s in address order");
    CHECK_STR(subnets_of(set, 4, 16), "10.0.0.0/16=1 198.51.0.0/16=3 ", "IPv4 /16s");
    CHECK_STR(subnets_of(set, 4, 8), "10.0.0.0/8=1 198.0.0.0/8=3 ", "IPv4 /8s");
    CHECK_STR(subnets_of(set, 4, 32),
              "10.0.0.1/32=1 198.51.100.7/32=1 198.51.100.9/32=1 198.51.101.1/32=1 ",
              "IPv4 /32s: the hosts");
    CHECK_STR(subnets_of(set, 4, 28), "10.0.0.0/28=1 198.51.100.0/28=2 198.51.101.0/28=1 ",
              "a prefix off a byte boundary");
    CHECK_STR(subnets_of(set, 6, 64), "2001:db8::/64=2 2001:db8:0:1::/64=1 fe80::/64=1 ",
              "IPv6 /64s in address order");
    CHECK_STR(subnets_of(set, 6, 47), "2001:db8::/47=3 fe80::/47=1 ", "IPv6 /47s");
    CHECK_STR(subnets_of(set, 6, 128),
              "2001:db8::1/128=1 2001:db8::2/128=1 2001:db8:0:1::1/128=1 fe80::1/128=1 ",
              "IPv6 /128s: the hosts");
    hostset_free(set);
    hostset_free(NULL);

    /* Many repeats of a few IPv6 hosts stay a few: the array is folded as it fills. */
    set = hostset_new();
    for (int i = 0; i < 100000; i++) {
        struct ip_addr a = { .family = 6, .bytes = { 0x20, 0x01, 0x0d, 0xb8 } };
        a.bytes[14] = (uint8_t)(i % 300 / 256);
        a.bytes[15] = (uint8_t)(i % 300);
        hostset_add(set, &a);
    }
    CHECK_INT(hostset_count(set), 300, "100,000 IPv6 additions of 300 hosts: 300");
    CHECK_STR(subnets_of(set, 6, 120), "2001:db8::/120=256 2001:db8::100/120=44 ",
              "counted per /120");
    hostset_free(set);

    /* A dense IPv4 range: every host of a /16 and one more. */
    set = hostset_new();
    for (uint32_t v = 0; v < 65536; v++) {
        struct ip_addr a;
        ip_from_v4(0x0a010000u + v, &a);
        hostset_add(set, &a);
    }
    struct ip_addr other = addr_of("10.2.0.1");
    hostset_add(set, &other);
    CHECK_INT(hostset_count(set), 65537, "a full /16 and one host");
    CHECK_STR(subnets_of(set, 4, 15), "10.0.0.0/15=65536 10.2.0.0/15=1 ", "per /15");
    CHECK_STR(subnets_of(set, 4, 16), "10.1.0.0/16=65536 10.2.0.0/16=1 ", "per /16");
    hostset_free(set);
}

/* Stored sets: what an import wrote reads back; damaged members are refused. */
static void test_hostset_stored(struct store *store)
{
    struct tally_diag diag;
    sqlite3_stmt *stmt = NULL;
    struct hostset *set = hostset_new();
    int rows = 0;
    CHECK(sqlite3_prepare_v2(store_db(store), "SELECT family, members FROM host_set WHERE "
                             "status = 'open' AND port = 9543", -1, &stmt, NULL) ==
              SQLITE_OK, "the host sets can be read");
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
        rows++;
        CHECK_INT(hostset_add_stored(set, sqlite3_column_int(stmt, 0),
                                     sqlite3_column_blob(stmt, 1),
                                     (size_t)sqlite3_column_bytes(stmt, 1), &diag),
                  TALLY_OK, "a stored set reads back");
    }
    sqlite3_finalize(stmt);
    CHECK(rows >= 3, "9543/tcp has sets from several imports (%d)", rows);
    CHECK_INT(hostset_count(set), count_rows(store, "SELECT COUNT(DISTINCT addr) FROM "
                                                    "observation WHERE port = 9543 AND "
                                                    "status = 'open'"),
              "their union holds the distinct hosts of their rows");

    static const unsigned char junk[] = "not a bitmap at all, not at all";
    CHECK_INT(hostset_add_stored(set, 4, junk, sizeof(junk), &diag), TALLY_ERROR_DATABASE,
              "junk is not an IPv4 set");
    CHECK(strstr(diag.message, "not a valid IPv4 bitmap") != NULL, "saying so: %s",
          diag.message);
    CHECK_INT(hostset_add_stored(set, 4, junk, 0, &diag), TALLY_ERROR_DATABASE,
              "nor is nothing");
    CHECK_INT(hostset_add_stored(set, 6, junk, 15, &diag), TALLY_ERROR_DATABASE,
              "15 bytes are not a list of IPv6 addresses");
    CHECK_INT(hostset_add_stored(set, 5, junk, 16, &diag), TALLY_ERROR_DATABASE,
              "family 5 is not a family");
    long long before = hostset_count(set);
    unsigned char two[32] = { 0x20, 0x01, 0x0d, 0xb8 };
    memcpy(two + 16, two, 16);
    two[31] = 9;
    CHECK_INT(hostset_add_stored(set, 6, two, 32, &diag), TALLY_OK, "two IPv6 addresses");
    CHECK_INT(hostset_add_stored(set, 6, two, 32, &diag), TALLY_OK, "the same again");
    CHECK_INT(hostset_count(set), before + 2, "count once");
    hostset_free(set);
}

/* Unions of stored sets whose containers overlap: dense, sparse and runs of addresses. */
static void test_hostset_union(struct store *store)
{
    struct tally_diag diag;
    struct source_info info = { .path = "dense.oL", .format = "list", .tag = "dense" };
    int64_t id;
    int removed = 0;
    for (int part = 0; part < 2; part++) {
        CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a dense import");
        int stored = 0;
        /* First: all of 10.1.0.0/16 (a run), 198.51.100.0/24, every 7th of 192.0.0.0/16.
         * Second: 198.51.100.128/25 again, 198.51.101.0/24, every 5th of 192.0.0.0/16. */
        for (uint32_t v = 0; v < 65536; v++) {
            struct scan_record rec = { .proto = "tcp", .port = 7, .status = "open",
                                       .ttl = -1 };
            if (part == 0) {
                ip_from_v4(0x0a010000u + v, &rec.addr);
                stored += store_add_observation(store, &rec) == TALLY_OK;
                if (v < 256) {
                    ip_from_v4(0xc6336400u + v, &rec.addr);
                    stored += store_add_observation(store, &rec) == TALLY_OK;
                }
            } else if (v < 128) {
                ip_from_v4(0xc6336480u + v, &rec.addr);
                stored += store_add_observation(store, &rec) == TALLY_OK;
            } else if (v < 384) {
                ip_from_v4(0xc6336500u + v - 128, &rec.addr);
                stored += store_add_observation(store, &rec) == TALLY_OK;
            }
            if (v % (part ? 5 : 7) == 0) {
                ip_from_v4(0xc0000000u + v, &rec.addr);
                stored += store_add_observation(store, &rec) == TALLY_OK;
            }
        }
        CHECK(stored > 0, "%d observations stored", stored);
        CHECK_INT(store_import_commit(store, part ? "dense2" : "dense1", 1, 0, 0, &id, &diag),
                  TALLY_OK, "commit it");
    }
    sqlite3_stmt *stmt = NULL;
    struct hostset *set = hostset_new();
    sqlite3_prepare_v2(store_db(store), "SELECT family, members FROM host_set WHERE port = 7",
                       -1, &stmt, NULL);
    int rows = 0;
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        rows += hostset_add_stored(set, sqlite3_column_int(stmt, 0),
                                   sqlite3_column_blob(stmt, 1),
                                   (size_t)sqlite3_column_bytes(stmt, 1), &diag) == TALLY_OK;
    sqlite3_finalize(stmt);
    CHECK_INT(rows, 2, "two stored sets of 7/tcp");
    /* 192.0.0.0/16: multiples of 7 or 5 below 65536: 9363 + 13108 - 1873. */
    long long in_192 = 9363 + 13108 - 1873;
    CHECK_INT(hostset_count(set), 65536 + 512 + in_192, "their union, counted once");
    char want[128];
    snprintf(want, sizeof(want), "10.1.0.0/16=65536 192.0.0.0/16=%lld 198.51.0.0/16=512 ",
             in_192);
    CHECK_STR(subnets_of(set, 4, 16), want, "per /16");
    const char *per25 = subnets_of(set, 4, 25);
    CHECK(strstr(per25, "198.51.100.0/25=128 198.51.100.128/25=128 198.51.101.0/25=128 "
                        "198.51.101.128/25=128 ") != NULL, "per /25, overlaps once");
    CHECK(strstr(per25, "192.0.0.0/25=41 ") != NULL, "and 192.0.0.0/25: %.60s", per25);

    /* The same sets read in place, as the scan analyses read them: the same subnets. */
    static const char both[] = "SELECT rowid FROM host_set WHERE port = 7 AND family = 4";
    static const char one[] = "SELECT rowid FROM host_set WHERE port = 7 AND family = 4 "
                              "ORDER BY rowid LIMIT 1";
    static const int prefixes[] = { 0, 8, 16, 20, 24, 25, 26 };
    enum tally_error err;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char *whole = xstrdup(subnets_of(set, 4, prefixes[i]));
        const char *in_place = stored_subnets_of(store, both, prefixes[i], &err, &diag);
        CHECK(err == TALLY_OK && strcmp(whole, in_place) == 0,
              "read in place, per /%d: as read whole (%.40s)", prefixes[i], in_place);
        free(whole);
    }
    hostset_free(set);

    /* Counted against ranges in place, as ports --label counts: as the sets loaded whole
     * and cut count. Ranges inside a run, across containers, over a bitset whole, across
     * /24s of arrays, past every address, and none; the first set alone has arrays no
     * other set shares. */
    static const uint32_t ranges[][2] = {
        { 0x0a000000u, 0x0a0000ffu },   /* 10.0.0.0/24: no host */
        { 0x0a00ff00u, 0x0a010009u },   /* 10.0.255.0 - 10.1.0.9: across two containers */
        { 0x0a010105u, 0x0a0101c8u },   /* 10.1.1.5 - 10.1.1.200: inside the run */
        { 0xc0000000u, 0xc000ffffu },   /* 192.0.0.0/16: bitsets whole */
        { 0xc0010000u, 0xc633640au },   /* up to 198.51.100.10 */
        { 0xc6336464u, 0xc6336532u },   /* 198.51.100.100 - 198.51.101.50 */
        { 0xc6336600u, 0xffffffffu },   /* past every host */
    };
    static const size_t picks[][2] = { { 0, 7 }, { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 },
                                       { 4, 1 }, { 5, 2 }, { 6, 1 }, { 0, 0 } };
    static const char *const selections[][2] = {
        { both, "SELECT family, members FROM host_set WHERE port = 7 AND family = 4" },
        { one, "SELECT family, members FROM host_set WHERE port = 7 AND family = 4 "
               "ORDER BY rowid LIMIT 1" },
    };
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
            struct hostset *whole = loaded_set(store, selections[k][1]);
            const uint32_t (*r)[2] = ranges + picks[i][0];
            long long expect = hostset_count_in_ranges(whole, r, picks[i][1], NULL, 0);
            long long got = stored_in_ranges(store, selections[k][0], r, picks[i][1]);
            CHECK(got == expect, "%s in ranges %zu..%zu in place: %lld, as loaded whole: %lld",
                  k ? "one set" : "two sets", picks[i][0], picks[i][0] + picks[i][1], got,
                  expect);
            hostset_free(whole);
        }
    }
    /* Range by range, in one reading: as each range alone. */
    for (size_t k = 0; k < 2; k++) {
        size_t nranges = sizeof ranges / sizeof ranges[0];
        long long per_range[sizeof ranges / sizeof ranges[0]] = { 0 }, in_any = -1;
        sqlite3_stmt *sets_stmt = NULL;
        sqlite3_prepare_v2(store_db(store), selections[k][0], -1, &sets_stmt, NULL);
        CHECK(hostset_stored_count_in_ranges4(store, sets_stmt, ranges, nranges, per_range,
                                              &in_any, "counting", &diag) == TALLY_OK,
              "%s counted range by range", k ? "one set" : "two sets");
        sqlite3_finalize(sets_stmt);
        long long sum = 0;
        for (size_t r = 0; r < nranges; r++) {
            long long alone = stored_in_ranges(store, selections[k][0], ranges + r, 1);
            CHECK(per_range[r] == alone, "%s, range %zu: %lld, counted alone: %lld",
                  k ? "one set" : "two sets", r, per_range[r], alone);
            sum += per_range[r];
        }
        CHECK(sum == in_any, "the ranges add up to the hosts in any (%lld)", in_any);
    }
    /* The two sets compared, read in place as changes reads them: as loaded whole. */
    static const char first[] = "SELECT rowid FROM host_set WHERE port = 7 AND family = 4 "
                                "ORDER BY rowid LIMIT 1";
    static const char second[] = "SELECT rowid FROM host_set WHERE port = 7 AND family = 4 "
                                 "ORDER BY rowid LIMIT 1 OFFSET 1";
    static const int compared[] = { 8, 16, 24, 25, 26, 27, 30, 32 };
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++) {
        struct compare_text whole = { .prefix = compared[i] }, in_place = whole;
        struct hostset *a = loaded_set(store, "SELECT family, members FROM host_set WHERE "
                                              "port = 7 AND family = 4 ORDER BY rowid LIMIT 1");
        struct hostset *b = loaded_set(store, "SELECT family, members FROM host_set WHERE "
                                              "port = 7 AND family = 4 ORDER BY rowid LIMIT 1 "
                                              "OFFSET 1");
        hostset_compare_subnets(a, b, 4, compared[i], compare_to_text, &whole);
        hostset_free(a);
        hostset_free(b);
        sqlite3_stmt *sa = NULL, *sb = NULL;
        sqlite3_prepare_v2(store_db(store), first, -1, &sa, NULL);
        sqlite3_prepare_v2(store_db(store), second, -1, &sb, NULL);
        err = hostset_stored_compare_subnets4(store, sa, sb, compared[i], compare_to_text,
                                              &in_place, "comparing", &diag);
        sqlite3_finalize(sa);
        sqlite3_finalize(sb);
        CHECK(err == TALLY_OK && whole.subnets == in_place.subnets &&
                  whole.digest == in_place.digest && strcmp(whole.text, in_place.text) == 0,
              "compared in place per /%d: %lld subnets as loaded whole (%.60s)", compared[i],
              in_place.subnets, in_place.text);
        if (compared[i] == 16)
            CHECK_STR(in_place.text, "10.1.0.0/16=65536,0,0 192.0.0.0/16=7490,11235,1873 "
                                     "198.51.0.0/16=128,256,128 ",
                      "per /16: 192.0/16 holds multiples of 7, of 5, and of both");
    }

    CHECK_INT(stored_in_ranges(store, both, ranges + 3, 1), in_192,
              "192.0.0.0/16 holds its multiples of 7 or 5");
    CHECK_INT(stored_in_ranges(store, both, ranges + 2, 1), 196, "10.1.1.5 - 10.1.1.200: 196");

    stored_subnets_of(store, "SELECT rowid FROM host_set WHERE 0", 16, &err, &diag);
    CHECK_INT(err, TALLY_OK, "no set read in place: no subnet");

    /* Sets CRoaring did not write are refused, each checked before it is used. A set built
     * by hand (no run containers, two containers of one address) reads; the same with its
     * keys out of order, an offset wrong, cut short, or longer, does not; nor do junk,
     * nothing, or headers that claim more than they hold. */
    static const struct { const char *members; const char *what; int ok; } sets[] = {
        { "X'3A300000020000000300000005000000180000001A00000001000200'", "a set by hand", 1 },
        { "X'3A300000020000000300000005000000180000001900000001000200'",
          "an offset not where its container starts", 0 },
        { "X'3A300000020000000500000003000000180000001A00000001000200'", "keys out of order",
          0 },
        { "X'3A300000020000000300000005000000180000001A000000010002'", "a byte short", 0 },
        { "X'3A300000020000000300000005000000180000001A0000000100020000'", "a byte long", 0 },
        { "X'0102030405'", "junk", 0 },
        { "X''", "nothing", 0 },
        { "X'3B30FFFF'", "65,536 run containers claimed", 0 },
        { "X'3A30000001000000' || X'0000FFFF' || X'10000000'", "a bitset claimed", 0 },
        { "substr(members, 1, length(members) - 3)", "a stored set cut short", 0 },
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char *update = xasprintf("SAVEPOINT bad; UPDATE host_set SET members = %s WHERE "
                                 "rowid = (%s)", sets[i].members, one);
        CHECK(sqlite3_exec(store_db(store), update, NULL, NULL, NULL) == SQLITE_OK,
              "%s stored", sets[i].what);
        const char *got = stored_subnets_of(store, one, 16, &err, &diag);
        if (sets[i].ok)
            CHECK(err == TALLY_OK && strcmp(got, "0.3.0.0/16=1 0.5.0.0/16=1 ") == 0,
                  "%s is read: %s", sets[i].what, got);
        else
            CHECK(err == TALLY_ERROR_DATABASE &&
                  strstr(diag.message, "counting: a host set (host_set.members) is not a "
                                       "valid IPv4 bitmap") != NULL,
                  "%s is refused: %s", sets[i].what, diag.message);
        /* Counted against ranges: read whole, or passed over. */
        static const uint32_t all[1][2] = { { 0, 0xffffffffu } }, none[1][2] = { { 9, 9 } };
        long long in_all = stored_in_ranges(store, one, all, 1);
        long long in_none = stored_in_ranges(store, one, none, 1);
        CHECK(in_all == (sets[i].ok ? 2 : -1), "%s, counted in a range of every address: %lld",
              sets[i].what, in_all);
        CHECK(in_none == (sets[i].ok ? 0 : -1), "%s, counted in a range of none: %lld",
              sets[i].what, in_none);
        sqlite3_exec(store_db(store), "ROLLBACK TO bad; RELEASE bad", NULL, NULL, NULL);
        free(update);
    }
    CHECK_INT(store_forget(store, "dense", &removed, &diag), TALLY_OK, "forget them");
    CHECK_INT(removed, 2, "both");
}

/* Events get their ids in the store and their attendees are queued with them. */
static void test_events(struct store *store)
{
    struct tally_diag diag;
    int64_t id;
    struct attendee_record people[] = { { .email = "a@acme.example" },
                                        { .email = "b@acme.example" } };
    struct event_record ev = { .uid = "one", .start = 1700000000, .end = 1700003600,
                               .nattendees = 2, .attendees = people };
    struct source_info info = { .path = "cal.ics", .format = "ics" };
    for (int i = 0; i < 2; i++) {
        CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a calendar");
        CHECK_INT(store_add_event(store, &ev), TALLY_OK, "an event");
        CHECK_INT(store_add_event(store, &ev), TALLY_OK, "another event");
        CHECK_INT(store_import_commit(store, i ? "cal2" : "cal1", 1, 0, 0, &id, &diag),
                  TALLY_OK, "commit the calendar");
    }
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM event_attendee a JOIN event e ON "
                         "e.id = a.event_id AND e.source_id = a.source_id"), 8,
              "every attendee belongs to its own event");
    CHECK_INT(count_rows(store, "SELECT MAX(id) FROM event"), 4, "ids follow on");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM event WHERE type = 'unknown' AND "
                         "recurrence_id IS NULL"), 4, "defaults: type unknown, not recurring");
}

/* A count that cannot be kept fails the import, with a message. */
static void test_count_limit(struct store *store)
{
    struct tally_diag diag;
    int64_t id;
    struct source_info info = { .path = "many.oL", .format = "list" };
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin");
    enum tally_error err = TALLY_OK;
    for (int i = 0; i < STORE_MAX_KINDS + 1 && !err; i++) {
        char kind[16];
        snprintf(kind, sizeof(kind), "kind%d", i);
        err = store_count(store, kind, 1);
    }
    CHECK_INT(err, TALLY_ERROR_LIMIT, "one kind too many is refused");
    CHECK_INT(store_import_commit(store, "many", 1, 0, 0, &id, &diag), TALLY_ERROR_LIMIT,
              "and fails the import");
    CHECK(strstr(diag.message, "more than 24 kinds") != NULL, "saying why: %s", diag.message);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM source WHERE path = 'many.oL'"), 0,
              "leaving no source");
}

/* How many rows of table the import id has that match the SQL condition where (which may
 * name the import as ?1). */
static long long count_where(struct store *store, const char *table, int64_t id,
                             const char *where)
{
    char sql[768];
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE source_id = ?1 AND (%s)", table,
             where);
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_int64(stmt, 1, id) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* Rows of one INSERT that follow one another share a statement (store_writer.c): with
 * banners between them, NULL columns among them and hand-overs of full batches, every
 * row lands whole and in order. */
static void test_grouped_rows(struct store *store)
{
    struct tally_diag diag;
    struct source_info info = { .path = "grouped.oL", .format = "list", .tag = "grouped" };
    int64_t id = 0;
    int ok = 1;
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a grouped import");
    for (int i = 0; i < 10000 && ok; i++) {
        struct scan_record rec = { .proto = "tcp", .port = (unsigned)i + 1, .status = "open",
                                   .reason = i % 3 ? "syn-ack" : NULL,
                                   .ttl = i % 5 ? i % 200 : -1, .seen = 1629960470 + i };
        char ip[32];
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        ip_parse(ip, &rec.addr);
        ok = store_add_observation(store, &rec) == TALLY_OK;
        if (ok && i % 7 == 0) {
            struct banner_record b = { .addr = rec.addr, .proto = "tcp", .port = rec.port,
                                       .service = "http", .data = (const unsigned char *)"x",
                                       .len = 1, .seen = rec.seen };
            ok = store_add_banner(store, &b) == TALLY_OK;
        }
    }
    CHECK(ok, "10,000 observations and 1,429 banners queued");
    CHECK_INT(store_import_commit(store, "grouped", 1, 0, 0, &id, &diag), TALLY_OK,
              "and committed");
    CHECK_INT(count_where(store, "observation", id, "1"), 10000, "every observation landed");
    CHECK_INT(count_where(store, "observation", id, "(ttl IS NULL) != (port % 5 = 1)"), 0,
              "a TTL left out is NULL in its own row only");
    CHECK_INT(count_where(store, "observation", id,
                          "(reason IS NULL) != (port % 3 = 1) OR seen != 1629960469 + port "
                          "OR ip4 != 167772160 + port - 1 OR addr != printf('10.%d.%d.%d', "
                          "(port - 1) >> 16 & 255, (port - 1) >> 8 & 255, (port - 1) & 255)"),
              0, "every column holds its own row's value");
    CHECK_INT(count_where(store, "observation", id,
                          "port != 1 + rowid - (SELECT MIN(rowid) FROM observation "
                          "WHERE source_id = ?1)"),
              0, "in the order they were added");
    CHECK_INT(count_where(store, "banner", id, "1"), 1429, "the banners between them landed too");
    CHECK_INT(count_where(store, "banner", id, "port % 7 != 1"), 0,
              "each with its own observation's port");
    int removed = 0;
    CHECK_INT(store_forget(store, "grouped", &removed, &diag), TALLY_OK,
              "the grouped import is forgotten again");
    CHECK_INT(removed, 1, "that one import");
}

/* Queues n banners and headers of port for the import under way. */
static int add_web_rows(struct store *store, unsigned port, int n)
{
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.9.%d.%d", i >> 8 & 255, i & 255);
        struct banner_record b = { .proto = "tcp", .port = port, .service = "http.server",
                                   .data = (const unsigned char *)"nginx", .len = 5 };
        struct header_record h = { .proto = "tcp", .port = port, .name = "server",
                                   .value = "nginx", .product = "nginx" };
        ip_parse(ip, &b.addr);
        h.addr = b.addr;
        ok = store_add_banner(store, &b) == TALLY_OK && store_add_header(store, &h) == TALLY_OK;
    }
    return ok;
}

static long long indexes_now(struct store *store)
{
    store_writer_wait(store);
    return count_rows(store, "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                      "('banner_service', 'http_header_service')");
}

/* An import into tables that hold rows keeps their banner and header indexes while it
 * adds few rows to them for what it read, and drops them to build them again at its commit
 * once it will add a fifth as many; a failed import gets them back. */
static void test_index_plan(struct store *store)
{
    static const char indexed[] =
        "SELECT (SELECT COUNT(*) FROM banner INDEXED BY banner_service WHERE addr >= '') - "
        "(SELECT COUNT(*) FROM banner) + (SELECT COUNT(*) FROM http_header INDEXED BY "
        "http_header_service WHERE addr >= '') - (SELECT COUNT(*) FROM http_header)";
    struct tally_diag diag;
    struct source_info info = { .path = "web.oL", .format = "list", .tag = "web-base" };
    int64_t id = 0;
    long long before = count_rows(store, "SELECT COUNT(*) FROM banner");

    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a base import");
    CHECK(add_web_rows(store, 8001, 1000), "1,000 banners and headers queued");
    CHECK_INT(store_import_commit(store, "web-base", 1, 0, 0, &id, &diag), TALLY_OK,
              "and committed");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM banner"), before + 1000, "they landed");

    info.tag = "web-small";
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a small import");
    CHECK(add_web_rows(store, 8002, 20), "20 of each queued");
    store_import_progress(store, 1, 2);
    CHECK_INT(indexes_now(store), 2, "halfway, 40 of each to come: the indexes stay");
    store_import_progress(store, 1, 0);
    CHECK_INT(indexes_now(store), 2, "and a read of unknown size changes nothing");
    CHECK_INT(store_import_commit(store, "web-small", 1, 0, 0, &id, &diag), TALLY_OK,
              "committed");
    CHECK_INT(count_rows(store, indexed), 0, "both indexes hold every row");

    info.tag = "web-fail";
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a large import");
    CHECK(add_web_rows(store, 8003, 300), "300 of each queued");
    store_import_progress(store, 1, 2);
    CHECK_INT(indexes_now(store), 0, "halfway, 600 of each to come: the indexes go");
    store_import_rollback(store);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                         "('banner_service', 'http_header_service')"), 2,
              "an import that fails gets them back");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM banner WHERE port = 8003"), 0,
              "without its rows");

    info.tag = "web-large";
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin it again");
    CHECK(add_web_rows(store, 8004, 300), "300 of each queued");
    store_import_progress(store, 1, 2);
    CHECK(add_web_rows(store, 8005, 300), "and 300 more after the indexes went");
    CHECK_INT(store_import_commit(store, "web-large", 1, 0, 0, &id, &diag), TALLY_OK,
              "committed");
    CHECK_INT(count_rows(store, indexed), 0, "both indexes are back and hold every row");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM banner WHERE port IN (8004, 8005)"), 600,
              "the import's rows among them");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM pragma_integrity_check "
                         "WHERE integrity_check = 'ok'"), 1, "the database checks");
}

int main(void)
{
    char path[] = "/tmp/tally-test-store.XXXXXX";
    int fd = mkstemp(path);
    struct store *store = NULL;
    struct tally_diag diag;
    int64_t id = 0, first = 0;
    int removed = 0;
    close(fd);
    unlink(path);

    CHECK_INT(store_open(path, STORE_READ_ONLY, &store, &diag), TALLY_ERROR_IO,
              "a missing database is not created in read-only mode");
    CHECK_INT(store_open(path, STORE_READ_WRITE, &store, &diag), TALLY_OK, "create");
    CHECK_INT(count_rows(store, "PRAGMA user_version"), 12, "schema version 12");

    struct source_info info = { .path = "scan.oL", .format = "list", .tag = "first" };
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin");
    add_open(store, "198.51.100.7", 9543);
    add_open(store, "2001:db8::7", 9543);
    struct header_record h = { .proto = "tcp", .port = 80, .name = "server",
                               .value = "Apache/2.2.22 (Ubuntu)", .product = "Apache",
                               .version = "2.2.22" };
    ip_parse("198.51.100.7", &h.addr);
    CHECK_INT(store_add_header(store, &h), TALLY_OK, "header stored");
    CHECK_INT(store_import_counts(store)->count[0], 2, "two open counted");
    CHECK_INT(store_import_commit(store, "aaaa", 10, 0, 0.1, &first, &diag), TALLY_OK,
              "commit");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 2, "rows landed");
    CHECK_INT(count_rows(store, "SELECT ip4 FROM observation WHERE addr = '198.51.100.7'"),
              3325256711LL, "IPv4 stored as an integer too");
    CHECK_INT(count_rows(store, "SELECT length(ip6) FROM observation WHERE ip4 IS NULL"), 16,
              "IPv6 stored as 16 bytes");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM http_header WHERE product = 'Apache' "
                         "AND version = '2.2.22' AND raw = 'Apache/2.2.22 (Ubuntu)'"), 1,
              "header product, version and raw value");
    CHECK_INT(count_rows(store, "SELECT records FROM source"), 3, "source records counted");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM host_set"), 2,
              "the import wrote its host sets: one IPv4, one IPv6");
    CHECK_INT(count_rows(store, "SELECT hosts FROM host_set WHERE family = 4 AND "
                         "port = 9543 AND proto = 'tcp' AND status = 'open'"), 1,
              "the IPv4 set of 9543/tcp open holds one host");
    CHECK_INT(count_rows(store, "SELECT length(members) FROM host_set WHERE family = 6"), 16,
              "the IPv6 set is its one address");
    CHECK_INT(count_rows(store, "SELECT first_seen FROM host_set WHERE family = 4"),
              1629960470, "a set knows when its hosts were seen");

    info.tag = "second";
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a second import");
    add_open(store, "198.51.100.8", 9543);
    store_import_rollback(store);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 2,
              "a rolled-back import leaves no rows");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM source"), 1,
              "a rolled-back import leaves no source");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM host_set"), 2,
              "a rolled-back import leaves no host sets");

    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin the same content");
    add_open(store, "198.51.100.7", 9543);
    CHECK_INT(store_import_commit(store, "aaaa", 10, 0, 0.1, &id, &diag),
              TALLY_ERROR_DUPLICATE, "identical content is a duplicate");
    CHECK_INT(id, first, "the duplicate names the earlier source");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 2,
              "a duplicate adds nothing");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM host_set"), 2, "no host sets either");

    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin another");
    add_open(store, "198.51.100.9", 9543);
    CHECK_INT(store_import_commit(store, "bbbb", 10, 0, 0.1, &id, &diag), TALLY_OK,
              "commit another");
    /* A third import: many hosts, ports and statuses, several sets of one port. */
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a bigger import");
    int stored = 0;
    for (int i = 0; i < 5000; i++) {
        struct scan_record rec = { .proto = i % 7 ? "tcp" : "udp", .port = 9543 - i % 3,
                                   .status = i % 11 ? "open" : "closed", .ttl = -1,
                                   .seen = 1700000000 + i };
        ip_from_v4(0xc6336400u + (uint32_t)(i * 37 % 4096), &rec.addr);
        stored += store_add_observation(store, &rec) == TALLY_OK;
    }
    CHECK_INT(stored, 5000, "5,000 observations stored");
    CHECK_INT(store_import_commit(store, "cccc", 10, 0, 0.1, &id, &diag), TALLY_OK,
              "commit the bigger import");
    char sql[256], which[32];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM host_set WHERE source_id = %lld",
             (long long)id);
    CHECK_INT(count_rows(store, sql), 12, "a set per proto, port and status: 2 x 3 x 2");
    snprintf(sql, sizeof(sql), "SELECT SUM(hosts) FROM host_set WHERE source_id = %lld",
             (long long)id);
    long long in_sets = count_rows(store, sql);
    snprintf(sql, sizeof(sql), "SELECT SUM(n) FROM (SELECT COUNT(DISTINCT ip4) AS n FROM "
             "observation WHERE source_id = %lld GROUP BY proto, port, status)", (long long)id);
    CHECK_INT(in_sets, count_rows(store, sql), "each holding the distinct hosts of its rows");
    test_hostset_stored(store);
    test_hostset_union(store);
    snprintf(which, sizeof(which), "%lld", (long long)id);
    CHECK_INT(store_forget(store, which, &removed, &diag), TALLY_OK, "forget it");
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM host_set WHERE source_id = %lld",
             (long long)id);
    CHECK_INT(count_rows(store, sql), 0,
              "its host sets are gone");
    CHECK_INT(store_forget(store, "first", &removed, &diag), TALLY_OK, "forget by tag");
    CHECK_INT(removed, 1, "one source forgotten");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 1,
              "its observations are gone, the other import's stay");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM http_header"), 0, "its headers are gone");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM host_set WHERE source_id = 1"), 0,
              "and its host sets");
    CHECK(count_rows(store, "SELECT COUNT(*) FROM host_set") > 0, "the others' stay");
    CHECK_INT(store_forget(store, "nothing", &removed, &diag), TALLY_OK, "forget unknown");
    CHECK_INT(removed, 0, "nothing removed");
    test_events(store);
    test_count_limit(store);
    test_grouped_rows(store);
    test_index_plan(store);
    test_hostset_memory();
    store_close(store);

    CHECK_INT(store_open(path, STORE_READ_ONLY, &store, &diag), TALLY_OK, "reopen read-only");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 1, "data persisted");
    store_close(store);

    FILE *junk = fopen(path, "w");
    fputs("this is not a database, just text that fills the header page...........", junk);
    fclose(junk);
    CHECK(store_open(path, STORE_READ_WRITE, &store, &diag) == TALLY_ERROR_DATABASE,
          "a file that is not a database is refused: %s", diag.message);
    unlink(path);

    return tap_done();
}
