/* test-store.c: unit tests for store/: schema version, one transaction per import,
 * duplicate content, forget, address columns, event ids and attendees, and the limit on
 * kinds of record. */
#include "tests/tap.h"
#include "store/store.h"

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

int main(void)
{
    char path[] = "/tmp/tally-test-store.XXXXXX";
    int fd = mkstemp(path);
    struct store *store = NULL;
    struct tally_diag diag;
    int64_t id = 0, first = 0;
    close(fd);
    unlink(path);

    CHECK_INT(store_open(path, STORE_READ_ONLY, &store, &diag), TALLY_ERROR_IO,
              "a missing database is not created in read-only mode");
    CHECK_INT(store_open(path, STORE_READ_WRITE, &store, &diag), TALLY_OK, "create");
    CHECK_INT(count_rows(store, "PRAGMA user_version"), 3, "schema version 3");

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

    info.tag = "second";
    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin a second import");
    add_open(store, "198.51.100.8", 9543);
    store_import_rollback(store);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 2,
              "a rolled-back import leaves no rows");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM source"), 1,
              "a rolled-back import leaves no source");

    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin the same content");
    add_open(store, "198.51.100.7", 9543);
    CHECK_INT(store_import_commit(store, "aaaa", 10, 0, 0.1, &id, &diag),
              TALLY_ERROR_DUPLICATE, "identical content is a duplicate");
    CHECK_INT(id, first, "the duplicate names the earlier source");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 2,
              "a duplicate adds nothing");

    CHECK_INT(store_import_begin(store, &info, &diag), TALLY_OK, "begin another");
    add_open(store, "198.51.100.9", 9543);
    CHECK_INT(store_import_commit(store, "bbbb", 10, 0, 0.1, &id, &diag), TALLY_OK,
              "commit another");
    int removed = 0;
    CHECK_INT(store_forget(store, "first", &removed, &diag), TALLY_OK, "forget by tag");
    CHECK_INT(removed, 1, "one source forgotten");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), 1,
              "its observations are gone, the other import's stay");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM http_header"), 0, "its headers are gone");
    CHECK_INT(store_forget(store, "nothing", &removed, &diag), TALLY_OK, "forget unknown");
    CHECK_INT(removed, 0, "nothing removed");
    test_events(store);
    test_count_limit(store);
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
