/* test-scantext.c: unit tests for the masscan JSON, NDJSON and grepable importers: the
 * "\u00HH" to byte decoding, quoting 2014-era bare keys, the quick JSON reader against
 * jansson, sniffing, and imports through import_file() (bytes stored, strict errors with
 * their line, --lenient, cut-off files). */
#include "tests/tap.h"
#include "importers/masscan_json.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tally-test-scantext.XXXXXX";

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

/* The first column of the first row as text (a static buffer), or "(none)". */
static const char *query_text(struct store *store, const char *sql)
{
    static char out[1024];
    sqlite3_stmt *stmt = NULL;
    snprintf(out, sizeof(out), "(none)");
    if (sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
}

static void test_bytes(void)
{
    static const char doc[] = "\"A\\u00e9\\u0000\\u00ffB\\u000d\\u000a\\u20ac\"";
    static const unsigned char want[] = { 'A', 0xe9, 0x00, 0xff, 'B', '\r', '\n',
                                          0xe2, 0x82, 0xac };
    json_error_t jerr;
    json_t *s = json_loadb(doc, sizeof(doc) - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    CHECK(s != NULL, "jansson reads a masscan string with \\u0000%s%s", s ? "" : ": ",
          s ? "" : jerr.text);
    if (!s)
        return;
    CHECK_INT(json_string_length(s), 12, "jansson gives U+00E9 and U+00FF as 2 bytes each");
    char *copy = xstrndup(json_string_value(s), json_string_length(s));
    size_t n = masscan_json_bytes(copy, json_string_length(s));
    CHECK_INT(n, sizeof(want), "\\u00HH became one byte each; U+20AC keeps 3");
    CHECK(n == sizeof(want) && memcmp(copy, want, n) == 0, "the bytes are 0xe9 0x00 0xff ...");
    free(copy);
    json_decref(s);

    char utf8[] = "Caf\xc3\x83\xc2\xa9";   /* what jansson makes of "Caf\u00c3\u00a9" */
    n = masscan_json_bytes(utf8, strlen(utf8));
    CHECK_INT(n, 5, "an escaped UTF-8 sequence comes back as its 2 bytes");
    CHECK_STR(utf8, "Caf\xc3\xa9", "which read as UTF-8 \"Caf\xc3\xa9\"");
}

static void check_quoted(const char *in, const char *want, const char *what)
{
    struct strbuf out;
    strbuf_init(&out);
    masscan_json_quote_keys(in, strlen(in), &out);
    CHECK_STR(out.buf, want, what);
    strbuf_release(&out);
}

static void test_quote_keys(void)
{
    check_quoted("{   ip: \"1.2.3.4\",   ports: [ {port: 80, proto: \"tcp\", status: \"open\", "
                 "reason: \"syn-ack\", ttl: 48} ] }",
                 "{   \"ip\": \"1.2.3.4\",   \"ports\": [ {\"port\": 80, \"proto\": \"tcp\", "
                 "\"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 48} ] }",
                 "2014 bare keys are quoted, values untouched");
    check_quoted("{finished: 1}", "{\"finished\": 1}", "the 2014-2017 footer");
    check_quoted("{\"ip\": \"1.2.3.4\", ports: []}", "{\"ip\": \"1.2.3.4\", \"ports\": []}",
                 "quoted keys stay as they are");
    check_quoted("{ip: \"a, b: c {d: e}\", x: \"\\\", y: z\"}",
                 "{\"ip\": \"a, b: c {d: e}\", \"x\": \"\\\", y: z\"}",
                 "text inside strings (with escaped quotes) is not touched");
    check_quoted("{ip: true, n: null}", "{\"ip\": true, \"n\": null}",
                 "keywords as values are not keys");
}

/* Whether the document's node says what jansson's value says. */
static int same_value(const struct jdoc *doc, const struct jdoc_node *node, json_t *v)
{
    const struct jdoc_node *member;
    const char *key;
    size_t i, distinct = 0;
    json_t *item;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (node->type != JDOC_OBJECT)
            return 0;
        json_object_foreach(v, key, item) {
            member = jdoc_get(doc, node, key);
            if (!member || !same_value(doc, member, item))
                return 0;
        }
        /* Named twice, a key counts once (the last one is what jansson keeps). */
        for (member = jdoc_first(doc, node); member; member = jdoc_next(doc, member))
            distinct += jdoc_get(doc, node, member->key) == member;
        return distinct == json_object_size(v);
    case JSON_ARRAY:
        if (node->type != JDOC_ARRAY)
            return 0;
        member = jdoc_first(doc, node);
        json_array_foreach(v, i, item) {
            if (!member || !same_value(doc, member, item))
                return 0;
            member = jdoc_next(doc, member);
        }
        return member == NULL;
    case JSON_STRING:
        return node->type == JDOC_STRING && node->len == json_string_length(v) &&
               memcmp(node->str, json_string_value(v), node->len) == 0 &&
               node->str[node->len] == '\0';
    case JSON_INTEGER:
        return node->type == JDOC_INTEGER && node->integer == json_integer_value(v);
    case JSON_REAL:
        return node->type == JDOC_REAL;
    case JSON_TRUE:
        return node->type == JDOC_TRUE;
    case JSON_FALSE:
        return node->type == JDOC_FALSE;
    default:
        return node->type == JDOC_NULL;
    }
}

/* What the importers did before the quick reader: jansson, and for -oJ (bare_keys) jansson
 * again on the text with its bare keys quoted. */
static json_t *jansson_read(const char *text, size_t len, int bare_keys)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    if (!root && bare_keys) {
        struct strbuf quoted;
        strbuf_init(&quoted);
        masscan_json_quote_keys(text, len, &quoted);
        if (quoted.len != len)
            root = json_loadb(quoted.buf, quoted.len, JSON_ALLOW_NUL, &jerr);
        strbuf_release(&quoted);
    }
    return root;
}

/* Reads text with the quick reader; when it reads it, jansson must read the same values.
 * Returns 1 when the quick reader read it, 0 when it left it to jansson, -1 on a mismatch. */
static int differs(struct jdoc *doc, const char *text, size_t len, int bare_keys)
{
    if (jdoc_parse(doc, text, len, bare_keys) != 0)
        return 0;
    json_t *root = jansson_read(text, len, bare_keys);
    int same = root && same_value(doc, jdoc_root(doc), root);
    json_decref(root);
    return same ? 1 : -1;
}

static void test_quick_reader(void)
{
    static const char *const records[] = {
        "{\"ip\":\"192.0.2.7\",\"timestamp\":\"1700000000\",\"port\":80,\"proto\":\"tcp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":64}}",
        "{\"ip\":\"192.0.2.7\",\"timestamp\":\"1\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":"
        "\"banner\",\"data\":{\"service_name\":\"http\",\"banner\":\"HTTP/1.1 200 OK\\r\\nServer: "
        "nginx\\u000d\\u000a\\u0000\\u00ff\\u20ac \\\"q\\\" \\\\ \\/ \\b\\f\\t\"}}",
        "{   \"ip\": \"192.0.2.1\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80, "
        "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 48} ] }",
        "{   ip: \"192.0.2.1\",   ports: [ {port: 80, proto: \"tcp\", service: {name: \"title\", "
        "banner: \"Caf\\u00c3\\u00a9\"} } ] }",
        "{finished: 1}",
        "{\"a\":[],\"b\":{},\"c\":[1,-0,0,-12,true,false,null,[[{}]]],\"d\":\"\",\"e\":1.5,"
        "\"f\":1e3,\"g\":123456789012345678,\"h\":1234567890123456789,\"a\":2}",
        "{\"s\":\"\\ud83d\\ude00\",\"t\":\"caf\xc3\xa9\",\"\\u0069p\":1,\"x-y_z\":null}",
        " \t{ \"k\" : [ 1 , 2 ] , \"l\" : { \"m\" : \"n\" } }\r\n ",
    };
    static const char swaps[] = "\"\\,:{}[] x0-.e\t\001\x7f\xc3";
    struct jdoc doc;
    int read = 0, mismatches = 0;

    jdoc_init(&doc);
    for (size_t r = 0; r < sizeof(records) / sizeof(records[0]); r++) {
        size_t len = strlen(records[r]);
        char *text = xmalloc(len + 1);
        for (int bare = 0; bare <= 1; bare++) {
            /* The record, every cut of it, every byte left out and every byte swapped. */
            for (size_t cut = 0; cut <= len; cut++) {
                int d = differs(&doc, records[r], cut, bare);
                read += d > 0;
                mismatches += d < 0;
            }
            for (size_t i = 0; i < len; i++) {
                memcpy(text, records[r], i);
                memcpy(text + i, records[r] + i + 1, len - i - 1);
                int d = differs(&doc, text, len - 1, bare);
                read += d > 0;
                mismatches += d < 0;
                memcpy(text, records[r], len);
                for (size_t k = 0; k < sizeof(swaps) - 1; k++) {
                    text[i] = swaps[k];
                    d = differs(&doc, text, len, bare);
                    read += d > 0;
                    mismatches += d < 0;
                    if (d < 0)
                        printf("# differs from jansson (bare keys %d): %.*s\n", bare,
                               (int)len, text);
                }
                text[i] = records[r][i];
            }
        }
        free(text);
    }
    CHECK(read > 1000, "the quick reader reads most variations itself (%d)", read);
    CHECK_INT(mismatches, 0, "and what it reads, jansson reads the same");
    jdoc_release(&doc);
}

static const char *sniffed(const char *head)
{
    const struct importer *imp = importer_sniff((const unsigned char *)head, strlen(head), "x");
    return imp ? imp->name : "(none)";
}

static void test_sniff(void)
{
    CHECK_STR(sniffed("[\n{   \"ip\": \"1.2.3.4\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": "
                      "80, \"proto\": \"tcp\", \"status\": \"open\"} ] }\n,\n"), "json",
              "current -oJ sniffs as json");
    CHECK_STR(sniffed("{   ip: \"1.2.3.4\",   ports: [ {port: 80, proto: \"tcp\"} ] },\n"),
              "json", "2014 bare-key -oJ sniffs as json");
    CHECK_STR(sniffed("{   \"ip\": \"1.2.3.4\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": "
                      "80} ] },\n{finished: 1}\n"), "json", "2016 -oJ sniffs as json");
    CHECK_STR(sniffed("{\"ip\":\"1.2.3.4\",\"timestamp\":\"1\",\"port\":80,\"proto\":\"tcp\","
                      "\"rec_type\":\"status\",\"data\":{}}\n"), "ndjson",
              "-oD sniffs as ndjson");
    CHECK_STR(sniffed("# Masscan 1.3.2 scan initiated Mon Apr  7 18:04:07 2025\n"), "grepable",
              "the -oG header sniffs as grepable");
    CHECK_STR(sniffed("Timestamp: 1744049048\tHost: 10.0.0.5 ()\tPorts: 35099/open/tcp//x//\n"),
              "grepable", "a -oG line with Timestamp sniffs as grepable");
    CHECK_STR(sniffed("Host: 10.0.0.5 ()\tPorts: 80/open/tcp//http//\n"), "grepable",
              "an old -oG line sniffs as grepable");
    CHECK_STR(sniffed("# Nmap 7.91 scan initiated Sat Jan  1 00:00:00 2022 as: nmap -oG -\n"
                      "Host: 10.10.10.27 ()\tStatus: Up\n"), "grepable",
              "nmap -oG sniffs as grepable");
    CHECK_STR(sniffed("#masscan\nopen tcp 80 1.2.3.4 1\n"), "list", "-oL is still list");
    CHECK_STR(sniffed("# Nmap 7.91 scan initiated as: nmap -oN x\nNmap scan report for x\n"),
              "(none)", "nmap normal output is not grepable");
}

struct fixture {
    struct store *store;
    struct import_options strict, lenient;
    struct import_result result;
    struct tally_diag diag;
};

static enum tally_error import_text(struct fixture *fx, const char *name, const char *text,
                                    size_t len, int lenient)
{
    char *path = write_file(name, text, len);
    enum tally_error err = import_file(fx->store, path, lenient ? &fx->lenient : &fx->strict,
                                       &fx->result, &fx->diag);
    free(path);
    return err;
}

static void test_json_import(struct fixture *fx)
{
    static const char old[] =
        "{   ip: \"192.0.2.1\",   ports: [ {port: 80, proto: \"tcp\", status: \"open\", "
        "reason: \"syn-ack\", ttl: 48} ] },\n"
        "{   ip: \"192.0.2.1\",   ports: [ {port: 80, proto: \"tcp\", service: {name: \"title\", "
        "banner: \"Caf\\u00c3\\u00a9 \\u0000\\u00ff\"} } ] },\n"
        "{   ip: \"192.0.2.1\",   ports: [ {port: 80, proto: \"tcp\", service: {name: \"http\", "
        "banner: \"HTTP/1.1 200 OK\\u000d\\u000aServer: nginx/1.4.4\\u000d\\u000a"
        "X-Powered-By: PHP/5.5.7\\u000d\\u000a\\u000d\"} } ] },\n"
        "{finished: 1}\n";

    CHECK_INT(import_text(fx, "2014.json", old, sizeof(old) - 1, 0), TALLY_OK,
              "a 2014 bare-key JSON file imports");
    CHECK_STR(fx->result.format, "json", "sniffed as json");
    CHECK_INT(count_rows(fx->store, "SELECT COUNT(*) FROM observation WHERE addr='192.0.2.1' "
                         "AND status='open' AND ttl=48 AND reason='syn-ack' AND seen IS NULL"),
              1, "one open port, no timestamp in 2014 files");
    CHECK_STR(query_text(fx->store, "SELECT hex(banner) FROM banner WHERE service='title'"),
              "436166C3A92000FF", "\\u00HH escapes are stored as single bytes (NUL too)");
    CHECK_STR(query_text(fx->store, "SELECT product || ' ' || version FROM http_header WHERE "
                         "name='x-powered-by' AND addr='192.0.2.1'"), "PHP 5.5.7",
              "X-Powered-By found inside the decoded http banner");

    static const char bad[] =
        "[\n"
        "{   \"ip\": \"192.0.2.2\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80, "
        "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 1} ] }\n"
        ",\n"
        "{   \"ip\": \"192.0.2.3\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80, \"pro\n"
        ",\n"
        "{   \"ip\": \"192.0.2.4\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80, "
        "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 1} ] }\n"
        "]\n";
    long long before = count_rows(fx->store, "SELECT COUNT(*) FROM observation");
    CHECK_INT(import_text(fx, "bad.json", bad, sizeof(bad) - 1, 0), TALLY_ERROR_DATA,
              "a broken record in the middle fails a strict import");
    CHECK_INT(fx->diag.line, 4, "naming its line");
    CHECK_INT(count_rows(fx->store, "SELECT COUNT(*) FROM observation"), before,
              "the database is unchanged");
    CHECK_INT(import_text(fx, "bad.json", bad, sizeof(bad) - 1, 1), TALLY_OK,
              "--lenient skips it");
    CHECK_INT(fx->result.skipped, 1, "one skipped");
    CHECK_INT(count_rows(fx->store, "SELECT COUNT(*) FROM observation"), before + 2,
              "the two good records land");

    static const char cut[] =
        "[\n"
        "{   \"ip\": \"192.0.2.5\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80, "
        "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 1} ] }\n"
        ",\n"
        "{   \"ip\": \"192.0.2.6\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 8";
    CHECK_INT(import_text(fx, "cut.json", cut, sizeof(cut) - 1, 0), TALLY_OK,
              "a record cut off at the end is not an error");
    CHECK_INT(fx->result.warnings, 1, "but a warning");
    CHECK(strstr(fx->result.warning, "cut.json:4:") != NULL, "naming its line: %s",
          fx->result.warning);

    static const char wrong[] =
        "{\"ip\":\"192.0.2.7\",\"timestamp\":\"1\",\"port\":80,\"proto\":\"tcp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":1}}\n"
        "{\"ip\":\"192.0.2.7\",\"timestamp\":\"x\",\"port\":80,\"proto\":\"tcp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\","
        "\"ttl\":1}}\n";
    CHECK_INT(import_text(fx, "wrong.ndjson", wrong, sizeof(wrong) - 1, 0), TALLY_ERROR_DATA,
              "a non-numeric timestamp is an error");
    CHECK_INT(fx->diag.line, 2, "on line 2");
    CHECK(strstr(fx->diag.message, "timestamp") != NULL, "saying what: %s", fx->diag.message);
}

static void test_grepable_import(struct fixture *fx)
{
    static const char nmap[] =
        "# Nmap 7.91 scan initiated Sat Jan  1 00:00:00 2022 as: nmap -sV -oG - 10.10.10.27\n"
        "Host: 10.10.10.27 (box.example)\tStatus: Up\n"
        "Host: 10.10.10.27 (box.example)\tPorts: 135/open/tcp//msrpc//Microsoft Windows RPC/, "
        "139/filtered/tcp//netbios-ssn///, 445/open/tcp//microsoft-ds//Windows Server 2008, "
        "or 2012/\tIgnored State: filtered (65529)\n"
        "# Nmap done at Sat Jan  1 00:01:00 2022 -- 1 IP address (1 host up) scanned\n";
    CHECK_INT(import_text(fx, "nmap.gnmap", nmap, sizeof(nmap) - 1, 0), TALLY_OK,
              "nmap -oG imports");
    CHECK_STR(fx->result.format, "grepable", "sniffed as grepable");
    CHECK_STR(query_text(fx->store, "SELECT group_concat(port, ',') FROM (SELECT port FROM "
                         "observation WHERE addr='10.10.10.27' ORDER BY port)"), "135,445",
              "open ports of a comma list; filtered left out; a comma inside a version kept");

    static const char banner[] =
        "Host: 10.0.0.9 ()\tPort: 80\tService: http\tBanner: HTTP/1.1 200 OK\\x0d\\x0a"
        "Server: Microsoft-IIS/8.0\\x0d\\x0aX-AspNet-Version: 4.0.30319\\x0d\\x0aETag: "
        "\\x2266e2\\x22\\x0d\\x0a\\x0d\n"
        "Host: 10.0.0.9 ()\tPort: 161\tService: snmp\tBanner: \n";
    CHECK_INT(import_text(fx, "banner.oG", banner, sizeof(banner) - 1, 0), TALLY_OK,
              "masscan 1.0 -oG banner lines import");
    CHECK_INT(count_rows(fx->store, "SELECT length(banner) FROM banner WHERE service='http' "
                         "AND addr='10.0.0.9'"),
              strlen("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/8.0\r\nX-AspNet-Version: "
                     "4.0.30319\r\nETag: \"66e2\"\r\n\r"), "\\xHH escapes are decoded");
    CHECK_STR(query_text(fx->store, "SELECT proto || ' ' || length(banner) FROM banner WHERE "
                         "service='snmp'"), "udp 0", "an empty SNMP banner, taken as UDP");
    CHECK_STR(query_text(fx->store, "SELECT product FROM http_header WHERE name="
                         "'x-aspnet-version' AND addr='10.0.0.9'"), "4.0.30319",
              "X-AspNet-Version kept for the stacks analysis");

    static const char bad[] =
        "# Masscan 1.3.2 scan initiated Mon Apr  7 18:04:07 2025\n"
        "Timestamp: 1744049048\tHost: 10.0.0.5 ()\tPorts: 35099/open/tcp//unknown//\n"
        "Timestamp: 1744049050\tHost: 10.0.0.132 ()\tPorts: 99999/open/tcp//unknown//\n";
    CHECK_INT(import_text(fx, "bad.oG", bad, sizeof(bad) - 1, 0), TALLY_ERROR_DATA,
              "a port over 65535 is an error");
    CHECK_INT(fx->diag.line, 3, "on line 3");
}

int main(void)
{
    struct fixture fx = { .strict = { .tz = "UTC" }, .lenient = { .tz = "UTC", .lenient = 1 } };
    char *db;

    if (!mkdtemp(tmpdir))
        return 99;
    test_bytes();
    test_quote_keys();
    test_quick_reader();
    test_sniff();
    db = xasprintf("%s/t.db", tmpdir);
    CHECK_INT(store_open(db, STORE_READ_WRITE, &fx.store, &fx.diag), TALLY_OK, "open a store");
    if (fx.store) {
        test_json_import(&fx);
        test_grepable_import(&fx);
    }
    store_close(fx.store);
    free(db);
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(cmd);
    return tap_done();
}
