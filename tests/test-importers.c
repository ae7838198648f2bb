/* test-importers.c: unit tests for importers/: masscan escaping, a header value's product
 * and version, the input layer (lines, CRLF, limits, compression, hashing, how far it is),
 * sniffing, and the list importer's strict and lenient handling through import_file(). */
#include "tests/tap.h"
#include "importers/importers.h"
#include "importers/personal.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tally-test-importers.XXXXXX";

static char *write_file(const char *name, const char *content, size_t len)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fwrite(content, 1, len, f);
    fclose(f);
    return path;
}

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

static void test_unescape(void)
{
    char text[] = "HTTP/1.0 200 OK\\x0d\\x0aServer: x\\x5cy \\u00e9 \\u00 a\\b end\\x7E";
    size_t n = masscan_unescape(text, sizeof(text) - 1);
    CHECK_STR(text, "HTTP/1.0 200 OK\r\nServer: x\\y \xe9 \\u00 a\\b end~",
              "\\xHH and \\u00HH become bytes; other backslashes stay");
    CHECK_INT(n, strlen(text), "the length shrinks accordingly");

    /* masscan writes an escape whole or not at all: a short one was not written by it. */
    static const char *const broken[] = { "OK\\x", "OK\\x4", "OK\\xZZ", "\\x4 OK",
                                          "OK\\x0g" };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char *copy = xstrdup(broken[i]);
        CHECK(masscan_unescape(copy, strlen(copy)) == (size_t)-1,
              "\"%s\" is a broken escape", broken[i]);
        free(copy);
    }
}

static void test_input(void)
{
    struct tally_diag diag;
    struct input *in = NULL;
    char *line;
    size_t len;
    char *path = write_file("lines.txt", "one\r\ntwo\n\nthree", 15);
    CHECK_INT(input_open(path, &in, &diag), TALLY_OK, "open a plain file");
    CHECK_INT(input_getline(in, &line, &len, &diag), 1, "first line");
    CHECK_STR(line, "one", "CR LF is removed");
    CHECK_INT(input_getline(in, &line, &len, &diag), 1, "second line");
    CHECK_STR(line, "two", "LF is removed");
    CHECK_INT(input_getline(in, &line, &len, &diag), 1, "an empty line");
    CHECK_INT(len, 0, "is empty");
    CHECK_INT(input_getline(in, &line, &len, &diag), 1, "last line without newline");
    CHECK_STR(line, "three", "is returned whole");
    CHECK(input_last_line_unterminated(in), "and marked as unterminated");
    CHECK_INT(input_line_number(in), 4, "line numbers count");
    CHECK_INT(input_getline(in, &line, &len, &diag), 0, "then the end");
    char sha[65];
    input_sha256(in, sha);
    CHECK_STR(sha, "159cbfc64dd8f941ca4362031d8ce29c378085f54f18313aca3a1c8b6c139d15",
              "SHA-256 of the content (as sha256sum says)");
    input_close(in);
    free(path);

    /* A long line is refused, not buffered without bound. */
    size_t big = INPUT_MAX_LINE + 100;
    char *data = xmalloc(big);
    memset(data, 'a', big);
    path = write_file("long.txt", data, big);
    CHECK_INT(input_open(path, &in, &diag), TALLY_OK, "open a file with a huge line");
    CHECK_INT(input_getline(in, &line, &len, &diag), -1, "a line over the limit fails");
    CHECK(strstr(diag.message, "longer than") != NULL, "saying why: %s", diag.message);
    input_close(in);
    free(data);
    free(path);

    CHECK(input_open("/nonexistent/file", &in, &diag) == TALLY_ERROR_IO,
          "a missing file is an I/O error: %s", diag.message);
}

/* How far into the file reading is: the content's bytes for a plain file, the file's own
 * (fewer) bytes for a compressed one, never past its size. */
static void test_input_done(void)
{
    struct tally_diag diag;
    struct input *in = NULL;
    char *line;
    size_t len;
    unsigned long long content = 0, seed = 1;
    char *path = xasprintf("%s/done.oL", tmpdir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        content += (unsigned long long)fprintf(f, "open tcp %u 10.%u.%u.%u 1389312000\n",
                                                (unsigned)(seed >> 60) + 80,
                                                (unsigned)(seed >> 40) & 255,
                                                (unsigned)(seed >> 32) & 255,
                                                (unsigned)(seed >> 24) & 255);
    }
    fclose(f);
    char *command = xasprintf("gzip -c '%s' > '%s.gz'", path, path);
    CHECK(system(command) == 0, "gzip compresses %llu bytes of lines", content);
    free(command);

    CHECK_INT(input_open(path, &in, &diag), TALLY_OK, "open the plain file");
    while (input_bytes_read(in) < content / 2 && input_getline(in, &line, &len, &diag) == 1)
        ;
    CHECK_INT(input_bytes_done(in), input_bytes_read(in), "halfway, its bytes read are done");
    input_close(in);

    char *gz = xasprintf("%s.gz", path);
    CHECK_INT(input_open(gz, &in, &diag), TALLY_OK, "open the compressed file");
    unsigned long long size = input_size_hint(in);
    CHECK(size > 0 && size < content / 2, "its size, %llu bytes, is under half the content's",
          size);
    while (input_bytes_read(in) < content / 2 && input_getline(in, &line, &len, &diag) == 1)
        ;
    unsigned long long done = input_bytes_done(in);
    CHECK(done > 0 && done < size, "halfway through the content, %llu of its bytes are done",
          done);
    while (input_getline(in, &line, &len, &diag) == 1)
        ;
    CHECK_INT(input_bytes_read(in), content, "at the end the whole content was read");
    CHECK_INT(input_bytes_done(in), size, "and the whole file is done");
    input_close(in);
    free(gz);
    free(path);
}

static void test_sniff(void)
{
    const char *list = "#masscan\nopen tcp 80 1.2.3.4 1\n";
    const struct importer *imp =
        importer_sniff((const unsigned char *)list, strlen(list), "x");
    CHECK(imp && strcmp(imp->name, "list") == 0, "#masscan sniffs as list");
    const char *bare = "open tcp 80 1.2.3.4 1\n";
    imp = importer_sniff((const unsigned char *)bare, strlen(bare), "x");
    CHECK(imp && strcmp(imp->name, "list") == 0, "a bare status line sniffs as list");
    const char *text = "hello world\n";
    imp = importer_sniff((const unsigned char *)text, strlen(text), "x");
    CHECK(imp == NULL, "plain text matches no format");
}

static void test_list_import(void)
{
    struct tally_diag diag;
    struct store *store = NULL;
    struct import_result result;
    struct import_options strict = { .tz = "UTC" }, lenient = { .tz = "UTC", .lenient = 1 };
    char *db = xasprintf("%s/t.db", tmpdir);
    CHECK_INT(store_open(db, STORE_READ_WRITE, &store, &diag), TALLY_OK, "open a store");

    static const char good[] =
        "#masscan\n"
        "open tcp 443 93.184.216.34 1629960470\n"
        "open icmp 0 93.184.216.34 1629960470\n"
        "closed tcp 22 93.184.216.35 1629960471\n"
        "up arp 0 10.0.0.1 1629960471\n"
        "open tcp 80 2001:db8:0:0::1 1629960472\n"
        "banner tcp 80 93.184.216.34 1629960472 http.server ECS (sec/974D)\n"
        "banner tcp 80 93.184.216.34 1629960472 title 404 - Not Found\n"
        "banner tcp 80 93.184.216.34 1629960472 http HTTP/1.0 404 Not Found\\x0d\\x0a"
        "Server: ECS (sec/974D)\\x0d\\x0aX-Powered-By: PHP/5.4.4\\x0d\\x0a\\x0d\n"
        "# end\n";
    char *path = write_file("good.oL", good, sizeof(good) - 1);
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_OK, "import a list");
    CHECK_STR(result.format, "list", "sniffed as list");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation WHERE status='open'"), 3,
              "three open");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation WHERE status='closed'"), 1,
              "one closed");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation WHERE status='up'"), 1,
              "one up (ARP)");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation WHERE addr='2001:db8::1'"),
              1, "IPv6 stored canonically");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM banner"), 3, "three banners");
    CHECK_INT(count_rows(store, "SELECT length(banner) FROM banner WHERE service='http'"),
              strlen("HTTP/1.0 404 Not Found\r\nServer: ECS (sec/974D)\r\n"
                     "X-Powered-By: PHP/5.4.4\r\n\r"), "the banner's escapes are decoded");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM http_header WHERE name='server' AND "
                         "product='ECS'"), 2, "Server from http.server and the http banner");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM http_header WHERE name='x-powered-by' "
                         "AND product='PHP' AND version='5.4.4'"), 1,
              "X-Powered-By from inside the http banner");
    free(path);

    static const char bad[] = "#masscan\nopen tcp 80 1.2.3.4 1\nopen tcp 80 1.2.3 1\n"
                              "open tcp 81 1.2.3.4 1\n";
    path = write_file("bad.oL", bad, sizeof(bad) - 1);
    long long before = count_rows(store, "SELECT COUNT(*) FROM observation");
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_ERROR_DATA,
              "a malformed line fails a strict import");
    CHECK_INT(diag.line, 3, "naming its line");
    CHECK(strstr(diag.message, "address") != NULL, "and what was expected: %s", diag.message);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), before,
              "the database is unchanged");
    CHECK_INT(import_file(store, path, &lenient, &result, &diag), TALLY_OK,
              "--lenient skips it");
    CHECK_INT(result.skipped, 1, "and counts one skipped");
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), before + 2,
              "the good lines land");
    free(path);

    static const char cut[] = "#masscan\nopen tcp 80 5.6.7.8 1\nopen tcp 8";
    path = write_file("cut.oL", cut, sizeof(cut) - 1);
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_OK,
              "a cut-off last record is not an error");
    CHECK_INT(result.warnings, 1, "but a warning");
    CHECK(strstr(result.warning, "cut off") != NULL, "saying so: %s", result.warning);
    free(path);

    /* A last line without its newline is cut off even when what is left still parses:
     * the time or the banner text may be cut short. */
    static const char *const cut_but_parses[] = {
        "#masscan\nopen tcp 80 5.6.7.10 1\nopen tcp 80 5.6.7.11 17000",
        "#masscan\nopen tcp 80 5.6.7.10 1\nbanner tcp 80 5.6.7.11 1 http HTTP/1.1 200 OK\\x",
        "#masscan\nopen tcp 80 5.6.7.10 1\nbanner tcp 80 5.6.7.11 1 http HTTP/1.1 200 OK",
    };
    for (size_t i = 0; i < sizeof(cut_but_parses) / sizeof(cut_but_parses[0]); i++) {
        char *name = xasprintf("cut%zu.oL", i);
        path = write_file(name, cut_but_parses[i], strlen(cut_but_parses[i]));
        CHECK(import_file(store, path, &strict, &result, &diag) == TALLY_OK,
              "%s: a cut last line that still parses imports", name);
        CHECK_INT(result.warnings, 1, "with a warning");
        char *line3 = xasprintf("%s:3: the last record is cut off", name);
        CHECK(strstr(result.warning, line3) != NULL, "naming line 3: %s", result.warning);
        CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation WHERE addr='5.6.7.11'") +
                  count_rows(store, "SELECT COUNT(*) FROM banner WHERE addr='5.6.7.11'"), 0,
                  "and the cut record is not stored");
        free(line3);
        free(path);
        free(name);
    }

    static const char escape[] = "#masscan\nopen tcp 80 5.6.7.12 1\n"
                                 "banner tcp 80 5.6.7.12 1 http HTTP/1.1 200 OK\\x0\n";
    path = write_file("escape.oL", escape, sizeof(escape) - 1);
    before = count_rows(store, "SELECT COUNT(*) FROM observation");
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_ERROR_DATA,
              "a broken escape on a whole line fails a strict import");
    CHECK_INT(diag.line, 3, "naming its line");
    CHECK(strstr(diag.message, "two hex digits") != NULL, "saying what was expected: %s",
          diag.message);
    CHECK_INT(count_rows(store, "SELECT COUNT(*) FROM observation"), before,
              "the database is unchanged");
    CHECK_INT(import_file(store, path, &lenient, &result, &diag), TALLY_OK,
              "--lenient skips the banner");
    CHECK_INT(result.skipped, 1, "counting it");
    free(path);

    static const char noend[] = "#masscan\nopen tcp 80 5.6.7.9 1\n";
    path = write_file("noend.oL", noend, sizeof(noend) - 1);
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_OK,
              "a file without '# end' (killed scan) imports");
    CHECK_INT(result.warnings, 0, "without a warning");
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_OK,
              "importing it again succeeds");
    CHECK(result.duplicate, "as a no-op duplicate");
    free(path);

    path = write_file("empty.oL", "", 0);
    CHECK_INT(import_file(store, path, &strict, &result, &diag), TALLY_OK,
              "an empty file (masscan found nothing) is not an error");
    CHECK(result.empty, "it is reported as empty");
    CHECK_INT(result.source_id, 0, "and gets no source");
    free(path);

    struct import_options named = { .tz = "UTC", .format = "nosuch" };
    path = write_file("x.oL", noend, sizeof(noend) - 1);
    CHECK_INT(import_file(store, path, &named, &result, &diag), TALLY_ERROR_USAGE,
              "an unknown -f format is a usage error");
    free(path);

    store_close(store);
    unlink(db);
    free(db);
}

/* A date of one number has no second: the scan stops at its end, never past it (the byte
 * after the terminator here is a digit, as a neighbouring field in memory might be). */
static void test_leading_numbers(void)
{
    int a = -1, b = -1;
    CHECK_INT(when_leading_numbers("3/14/2024", &a, &b), 0, "3/14/2024 starts with two numbers");
    CHECK(a == 3 && b == 14, "3 and 14 (got %d and %d)", a, b);
    static const char one[] = { '1', '\0', '5', '\0' };
    CHECK_INT(when_leading_numbers(one, &a, &b), -1, "\"1\" is one number, not two");
    CHECK_INT(when_leading_numbers("1-", &a, &b), -1, "\"1-\" is one number, not two");
}

/* A header value's product and version (banner.c). */
static void test_split(void)
{
    static const char *const cases[][3] = {
        { "nginx/1.4.4", "nginx", "1.4.4" },
        { "Apache/2.2.22 (Ubuntu)", "Apache", "2.2.22" },
        { "Jetty(8.1.14)", "Jetty", "8.1.14" },
        { "Servlet/3.0; JBoss-7", "Servlet", "3.0" },
        { "Microsoft-IIS/7.5", "Microsoft-IIS", "7.5" },
        { "ECS (sec/974D)", "ECS", NULL },
        { "ASP.NET", "ASP.NET", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *product, *version;
        http_split_product(cases[i][0], &product, &version);
        CHECK_STR(product, cases[i][1], cases[i][0]);
        CHECK_STR(version, cases[i][2], "its version");
        free(product);
        free(version);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_unescape();
    test_split();
    test_input();
    test_input_done();
    test_sniff();
    test_list_import();
    test_leading_numbers();
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(cmd);
    return tap_done();
}
