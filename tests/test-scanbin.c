/* test-scanbin.c: unit tests of masscan's binary format pieces (varints, the app-protocol
 * numbering of each masscan version, TCP-flag reasons), the choice of numbering when a
 * fixture is imported, and the sniffing of the binary and XML formats. */
#include "importers/importers.h"
#include "importers/masscan_binary.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_varint(void)
{
    static const unsigned char one[] = { 0x05 }, two[] = { 0x81, 0x2c },
                               three[] = { 0x86, 0x8d, 0x20 }, cut[] = { 0x86, 0x8d },
                               huge[] = { 0xff, 0xff, 0xff, 0xff, 0x01 };
    unsigned long long v = 0;
    CHECK_INT(masscan_varint(one, sizeof(one), &v), 1, "a one-byte varint uses one byte");
    CHECK_INT(v, 5, "and is its value");
    CHECK_INT(masscan_varint(two, sizeof(two), &v), 2, "0x81 0x2c uses two bytes");
    CHECK_INT(v, 172, "and is 172 (a banner length in postmodern_masscan.bin)");
    CHECK_INT(masscan_varint(three, sizeof(three), &v), 3, "three bytes");
    CHECK_INT(v, 100000, "0x86 0x8d 0x20 is 100000");
    CHECK_INT(masscan_varint(cut, sizeof(cut), &v), 0, "a varint cut by the end of data: 0");
    CHECK_INT(masscan_varint(one, 0, &v), 0, "no data: 0");
    CHECK_INT(masscan_varint(huge, sizeof(huge), &v), -1, "more than 4 bytes: -1");
}

static void test_eras(void)
{
    enum masscan_era era = MASSCAN_ERA_1_0_3;
    char buf[16];
    CHECK_INT(masscan_era_parse("1.3.9", &era), 0, "1.3.9 is a version");
    CHECK_INT(era, MASSCAN_ERA_1_3_9, "named 1.3.9");
    CHECK_INT(masscan_era_parse("1.0.4", &era), 0, "1.0.4 is a version");
    CHECK_INT(era, MASSCAN_ERA_1_0_4, "named 1.0.4");
    CHECK_INT(masscan_era_parse("1.3", &era), -1, "1.3 is not");
    CHECK_INT(masscan_era_parse("", &era), -1, "nor the empty text");

    static const char h13[] = "masscan/1.1\ns:1630019253\n", h10[] = "masscan/1.1.02\ns:1\n",
                      h01[] = "masscan/1.1.01", h16[] = "masscan/1.6\ns:1\n",
                      trailer[] = "masscan/1.1\0\0\0\0";
    era = MASSCAN_ERA_1_0_3;
    CHECK(masscan_era_from_header((const unsigned char *)h13, sizeof(h13) - 1, &era) &&
          era == MASSCAN_ERA_1_3_2, "a masscan/1.1 header means 1.3.x, numbered as 1.3.2");
    CHECK(masscan_era_from_header((const unsigned char *)h10, sizeof(h10) - 1, &era) &&
          era == MASSCAN_ERA_1_0_5, "masscan/1.1.02 means 1.0.3-1.0.5, numbered as 1.0.5");
    CHECK(masscan_era_from_header((const unsigned char *)h01, sizeof(h01) - 1, &era) &&
          era == MASSCAN_ERA_1_0_3, "masscan/1.1.01 means the 1.0.3 numbering");
    CHECK(masscan_era_from_header((const unsigned char *)h16, sizeof(h16) - 1, &era) &&
          era == MASSCAN_ERA_1_3_0, "masscan/1.6 (2020 builds) means the 1.3.0 numbering");
    era = MASSCAN_ERA_1_0_4;
    CHECK(!masscan_era_from_header((const unsigned char *)trailer, sizeof(trailer) - 1, &era) &&
          era == MASSCAN_ERA_1_0_4, "a trailer (no start time) says nothing");

    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_2, 30, buf, sizeof(buf)), "http.server",
              "1.3.2: 30 is http.server");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_9, 30, buf, sizeof(buf)), "rdp", "1.3.9: 30 is rdp");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_9, 31, buf, sizeof(buf)), "http.server",
              "1.3.9: 31 is http.server");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_0, 30, buf, sizeof(buf)), "(30)",
              "1.3.0 has no 30");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_2, 15, buf, sizeof(buf)), "X509", "1.3.2: 15 is X509");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_9, 16, buf, sizeof(buf)), "X509CA",
              "1.3.9: 16 is X509CA");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_2, 16, buf, sizeof(buf)), "title", "1.3.2: 16 is title");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_5, 15, buf, sizeof(buf)), "title", "1.0.5: 15 is title");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_5, 10, buf, sizeof(buf)), "smtp", "1.0.5: 10 is smtp");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_2, 10, buf, sizeof(buf)), "smb", "1.3.2: 10 is smb");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_3, 9, buf, sizeof(buf)), "nbtstat", "1.0.3: 9 is nbtstat");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_3, 6, buf, sizeof(buf)), "ftp", "1.0.3: 6 is ftp");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_4, 9, buf, sizeof(buf)), "ssl", "1.0.4: 9 is ssl");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_4, 23, buf, sizeof(buf)), "(23)", "1.0.4 has no 23");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_0_5, 23, buf, sizeof(buf)), "memcached",
              "1.0.5: 23 is memcached");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_9, 36, buf, sizeof(buf)), "error", "1.3.9: 36 is error");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_9, 65535, buf, sizeof(buf)), "(65535)",
              "an unknown id is printed as masscan does");
    CHECK_STR(masscan_app_name(MASSCAN_ERA_1_3_2, 0, buf, sizeof(buf)), "unknown", "0 is unknown");
}

static void test_reason(void)
{
    char buf[40];
    CHECK_STR(masscan_reason(0x12, buf, sizeof(buf)), "syn-ack", "SYN-ACK");
    CHECK_STR(masscan_reason(0x14, buf, sizeof(buf)), "rst-ack", "RST-ACK");
    CHECK_STR(masscan_reason(0, buf, sizeof(buf)), "none", "no flags");
    CHECK_STR(masscan_reason(0x01, buf, sizeof(buf)), "fin", "FIN");
    CHECK_STR(masscan_reason(0xff, buf, sizeof(buf)), "fin-syn-rst-psh-ack-urg-ece-cwr",
              "all eight in masscan's order");
}

/* Imports a fixture into a fresh database; returns the banner services, comma-joined. */
static enum tally_error import_services(const char *fixture, const char *version, char *out,
                                        size_t size)
{
    const char *srcdir = getenv("top_srcdir");
    char path[1024], db[] = "/tmp/tally-scanbin-XXXXXX";
    struct import_options opt = { .tz = "UTC", .masscan_version = version };
    struct import_result result;
    struct tally_diag diag;
    struct store *store = NULL;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err;
    int fd = mkstemp(db);

    out[0] = '\0';
    if (fd < 0)
        return TALLY_ERROR_IO;
    close(fd);
    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", srcdir ? srcdir : ".", fixture);
    diag_clear(&diag);
    err = store_open(db, STORE_READ_WRITE, &store, &diag);
    if (err)
        goto done;
    err = import_file(store, path, &opt, &result, &diag);
    if (err)
        goto done;
    if (sqlite3_prepare_v2(store_db(store), "SELECT group_concat(service, ',') FROM "
                           "(SELECT service FROM banner ORDER BY rowid)", -1, &stmt, NULL) ==
            SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));

done:
    sqlite3_finalize(stmt);
    store_close(store);
    unlink(db);
    return err;
}

static void test_import_numbering(void)
{
    char services[256];
    CHECK_INT(import_services("masscan-1.0.5.bin", NULL, services, sizeof(services)), TALLY_OK,
              "a masscan/1.1.02 file imports");
    CHECK_STR(services, "ssl,title", "its header picks the 1.0.5 numbering (9 ssl, 15 title)");
    CHECK_INT(import_services("masscan-1.0.5.bin", "1.3.9", services, sizeof(services)),
              TALLY_OK, "with --masscan-version 1.3.9");
    CHECK_STR(services, "ssl,X509", "the named version wins (15 is X509)");
    CHECK_INT(import_services("masscan-1.0.5.bin", "2.0", services, sizeof(services)),
              TALLY_ERROR_USAGE, "an unknown --masscan-version is a usage error");
    CHECK_INT(import_services("masscan-v6-arp.bin", NULL, services, sizeof(services)), TALLY_OK,
              "a masscan/1.1 file imports");
    CHECK_STR(services, "http.server,http.server,http", "numbered as 1.3.2 (30 http.server)");
}

static void test_sniff(void)
{
    static const char bin[] = "masscan/1.1\ns:1\n", mxml[] =
        "<?xml version=\"1.0\"?>\r\n<!-- masscan v1.0 scan -->\r\n<nmaprun scanner=\"masscan\" "
        "start=\"1\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r\n", nxml[] =
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap\" start=\"1\">\n",
        doctype[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n";
    const struct importer *imp;
    imp = importer_sniff((const unsigned char *)bin, sizeof(bin) - 1, "x");
    CHECK(imp && strcmp(imp->name, "binary") == 0, "masscan/1.1 is binary");
    imp = importer_sniff((const unsigned char *)mxml, sizeof(mxml) - 1, "x");
    CHECK(imp && strcmp(imp->name, "xml") == 0, "scanner=\"masscan\" is masscan XML");
    imp = importer_sniff((const unsigned char *)nxml, sizeof(nxml) - 1, "x");
    CHECK(imp && strcmp(imp->name, "nmap") == 0, "scanner=\"nmap\" is nmap XML");
    imp = importer_sniff((const unsigned char *)doctype, sizeof(doctype) - 1, "x");
    CHECK(imp && strcmp(imp->name, "nmap") == 0, "<!DOCTYPE nmaprun> alone is nmap XML");
    imp = importer_find("xml");
    CHECK(imp && imp->sniff((const unsigned char *)nxml, sizeof(nxml) - 1, "x") == 0,
          "the masscan XML importer does not claim nmap's XML");
    imp = importer_find("nmap");
    CHECK(imp && imp->sniff((const unsigned char *)mxml, sizeof(mxml) - 1, "x") == 0,
          "nor the nmap importer masscan's");
}

int main(void)
{
    test_varint();
    test_eras();
    test_reason();
    test_import_numbering();
    test_sniff();
    return tap_done();
}
