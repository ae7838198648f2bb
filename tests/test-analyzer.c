/* test-analyzer.c: unit tests for analyzer/: a small scan, a second tagged scan and a
 * calendar are imported into a scratch store, and analyses found by name answer with the
 * rows and subtitles their filters ask for (ports, subnets and their ties, --prefix, --top,
 * --proto, --source, --since, meetings per day in a time zone). */
#include "tests/tap.h"
#include "analyzer/analyzer.h"
#include "importers/importers.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tally-test-analyzer.XXXXXX";

/* A list scan: two /24s of 10.0.0.0/16 with two hosts each on port 80 (the higher one
 * first, so a tie is broken by address, not by order of arrival), one host seen twice in
 * 10.1.0.0/24, other ports and protocols, a closed port and an IPv6 host. */
static const char scan_list[] =
    "#masscan\n"
    "open tcp 80 10.0.2.8 1389312000\n"
    "open tcp 80 10.0.2.7 1389312000\n"
    "open tcp 80 10.0.1.6 1389312000\n"
    "open tcp 80 10.0.1.5 1389312000\n"
    "open tcp 443 10.0.1.5 1389312000\n"
    "open tcp 80 10.1.0.1 1389312000\n"
    "open tcp 80 10.1.0.1 1389398400\n"
    "open udp 53 10.0.1.5 1389312000\n"
    "closed tcp 22 10.0.1.5 1389312000\n"
    "open tcp 80 2001:db8::1 1389312000\n"
    "# end\n";

/* Two meetings with one company: 15:00 UTC on 11 March 2024 and 02:00 UTC on the 12th,
 * which is still the evening of the 11th in New York (UTC-4 since 10 March). */
static const char calendar[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tally tests//EN\r\n"
    "BEGIN:VEVENT\r\nUID:interview@acme.example\r\nDTSTAMP:20240301T000000Z\r\n"
    "DTSTART:20240311T150000Z\r\nDTEND:20240311T160000Z\r\nSUMMARY:Interview\r\n"
    "ORGANIZER:mailto:hr@acme.example\r\nATTENDEE:mailto:alex@candidate.example\r\n"
    "ATTENDEE:mailto:hr@acme.example\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:call@acme.example\r\nDTSTAMP:20240301T000000Z\r\n"
    "DTSTART:20240312T020000Z\r\nDTEND:20240312T023000Z\r\nSUMMARY:Call\r\n"
    "ORGANIZER:mailto:hr@acme.example\r\nATTENDEE:mailto:alex@candidate.example\r\n"
    "ATTENDEE:mailto:hr@acme.example\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

static const char second_list[] = "#masscan\nopen tcp 80 192.0.2.1 1389484800\n# end\n";

static struct store *store;

/* Writes content to a file in the scratch folder and imports it. */
static void import(const char *name, const char *content, const char *tag)
{
    struct import_options opt = { .tag = tag, .owner = "alex@candidate.example" };
    struct import_result result;
    struct tally_diag diag = { 0 };
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
    enum tally_error err = import_file(store, path, &opt, &result, &diag);
    CHECK(err == TALLY_OK, "%s imports", name);
    if (err)
        printf("#   %s\n", diag.message);
    free(path);
}

/* The rows of a table as CSV (header first), as `tally show --format csv` prints them. */
static char *table_csv(const struct table *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return NULL;
    table_write_text(t, TEXT_CSV, out);
    fclose(out);
    return text;
}

/* Runs the analysis named `name` with filters f and checks its CSV and its subtitle. */
static void check_analysis(const char *name, const struct filters *f, const char *want_csv,
                           const char *want_subtitle, const char *what)
{
    const struct analysis *a = analysis_find(name);
    struct table *t = NULL;
    struct tally_diag diag = { 0 };
    char *csv = NULL;
    char *label;

    label = xasprintf("%s %s: runs", name, what);
    CHECK(a != NULL && analysis_run(a, store, f, &t, &diag) == TALLY_OK, "%s", label);
    free(label);
    if (!t) {
        printf("#   %s\n", diag.message);
        return;
    }
    csv = table_csv(t);
    label = xasprintf("%s %s: rows", name, what);
    CHECK_STR(csv, want_csv, label);
    free(label);
    label = xasprintf("%s %s: subtitle", name, what);
    CHECK_STR(t->subtitle, want_subtitle, label);
    free(label);
    free(csv);
    table_free(t);
}

static void test_scan(void)
{
    struct filters f = { 0 };
    check_analysis("ports", &f,
                   "port,proto,hosts\n80,tcp,6\n53,udp,1\n443,tcp,1\n",
                   "from scan.oL, 2014-01-10 to 2014-01-11",
                   "(hosts per port, ties by port; a host seen twice counts once)");

    f = (struct filters){ .proto = "udp" };
    check_analysis("ports", &f, "port,proto,hosts\n53,udp,1\n",
                   "udp only; from scan.oL, 2014-01-10 to 2014-01-11", "--proto udp");

    f = (struct filters){ .nports = 1, .ports = { 80 } };
    check_analysis("top-subnets", &f,
                   "subnet,hosts\n10.0.1.0/24,2\n10.0.2.0/24,2\n10.1.0.0/24,1\n"
                   "2001:db8::/64,1\n",
                   "port 80, /24 subnets; from scan.oL, 2014-01-10 to 2014-01-11",
                   "--port 80 (ties by address, IPv6 by /64)");

    f = (struct filters){ .nports = 1, .ports = { 80 }, .proto = "tcp", .top = 2 };
    check_analysis("top-subnets", &f, "subnet,hosts\n10.0.1.0/24,2\n10.0.2.0/24,2\n",
                   "port 80/tcp, /24 subnets; from scan.oL, 2014-01-10 to 2014-01-11",
                   "--port 80 --proto tcp --top 2");

    f = (struct filters){ .prefix = 16 };
    check_analysis("subnets", &f, "subnet,hosts\n10.0.0.0/16,4\n10.1.0.0/16,1\n2001::/16,1\n",
                   "/16 subnets; from scan.oL, 2014-01-10 to 2014-01-11", "--prefix 16");

    CHECK(analysis_find("no-such-analysis") == NULL, "an unknown name finds nothing");
}

static void test_calendar(void)
{
    struct filters f = { 0 };
    check_analysis("meetings-per-day", &f, "day,meetings\n2024-03-11,1\n2024-03-12,1\n",
                   "2 meetings; from cal.ics, 2024-03-11 to 2024-03-12", "(UTC days)");

    f = (struct filters){ .tz = "America/New_York" };
    check_analysis("meetings-per-day", &f, "day,meetings\n2024-03-11,2\n",
                   "2 meetings; America/New_York time; from cal.ics, 2024-03-11 to 2024-03-12",
                   "--tz America/New_York (both on the 11th)");

    f = (struct filters){ .since = "2024-03-12" };
    check_analysis("meetings-per-day", &f, "day,meetings\n2024-03-12,1\n",
                   "1 meeting; 2024-03-12 to end; from cal.ics, 2024-03-11 to 2024-03-12",
                   "--since 2024-03-12");

    f = (struct filters){ 0 };
    check_analysis("time-per-company", &f, "company,minutes\nacme.example,90\n",
                   "2 meetings; from cal.ics, 2024-03-11 to 2024-03-12", "(minutes added up)");
}

static void test_sources(void)
{
    struct filters f = { .source = "lab" };
    check_analysis("ports", &f, "port,proto,hosts\n80,tcp,1\n",
                   "source lab; from second.oL, 2014-01-12", "--source lab (by tag)");

    f = (struct filters){ .source = "1", .nports = 1, .ports = { 443 } };
    check_analysis("top-subnets", &f, "subnet,hosts\n10.0.1.0/24,1\n",
                   "port 443, /24 subnets, source 1; from scan.oL, 2014-01-10 to 2014-01-11",
                   "--source 1 --port 443 (by id)");

    f = (struct filters){ 0 };
    check_analysis("ports", &f, "port,proto,hosts\n80,tcp,7\n53,udp,1\n443,tcp,1\n",
                   "from scan.oL and second.oL, 2014-01-10 to 2014-01-12", "(both scans)");
}

int main(void)
{
    struct tally_diag diag = { 0 };
    if (!mkdtemp(tmpdir))
        return 99;
    char *db = xasprintf("%s/tally.db", tmpdir);
    CHECK_INT(store_open(db, STORE_READ_WRITE, &store, &diag), TALLY_OK, "open a store");
    free(db);
    if (store) {
        import("scan.oL", scan_list, NULL);
        import("cal.ics", calendar, NULL);
        test_scan();
        test_calendar();
        import("second.oL", second_list, "lab");
        test_sources();
        store_close(store);
    }
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(cmd);
    return tap_done();
}
