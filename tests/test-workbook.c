/* test-workbook.c: unit tests for workbook_write(), report_write_html() and a report
 * written an analysis at a time (report_begin, report_add, report_finish): return codes,
 * identical bytes for identical tables, errors naming the path, HTML escaping read back
 * from the page, and cells written as their column's type says (read back from the sheet's
 * XML), whatever the column's name; a workbook of many rows (written in constant memory)
 * and keyed text cells (table_add_keyed_column) give the same cells. With
 * TALLY_WORKBOOK_KEEP=DIR the files are left in DIR for tests/workbook-unit.sh, which
 * reads them with openpyxl (tests/workbook-unit.json, and unit-streamed.xlsx cell by cell
 * against unit.xlsx). */
#include "tests/tap.h"
#include "render/render.h"

#include <archive.h>
#include <archive_entry.h>
#include <cairo.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const texts[] = {
    "=cmd|' /C calc'!A0", "+1", "@x", "-2", "<&>", "ab\xff\xfe" "cd", NULL, "\x01" "ctl",
};
#define NTEXTS ((int)(sizeof texts / sizeof texts[0]))
#define LONG_LEN 40000

static struct table *top_subnets(void)
{
    struct table *t = table_new("top-subnets", "Top 12 subnets with port 9543/tcp open");
    table_set_subtitle(t, "port 9543/tcp, /24, top 12");
    table_add_column(t, "subnet", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    for (int i = 0; i < 12; i++) {
        char buf[32];
        size_t r = table_add_row(t);
        snprintf(buf, sizeof buf, "198.51.%d.0/24", i);
        table_set_text(t, r, 0, buf);
        table_set_int(t, r, 1, 1200 - 100 * i);
    }
    return t;
}

static struct table *services(void)
{
    static const struct { int port; const char *service; int n; } rows[] = {
        { 80, "http", 5 }, { 80, "ssh", 1 }, { 443, "http", 7 }, { 22, "ssh", 9 },
        { 8080, "http", 2 },
    };
    struct table *t = table_new("services", "Services by port");
    table_add_id_column(t, "port");
    table_add_column(t, "service", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t r = table_add_row(t);
        table_set_int(t, r, 0, rows[i].port);
        table_set_text(t, r, 1, rows[i].service);
        table_set_int(t, r, 2, rows[i].n);
    }
    return t;
}

/* table_key_text_fn: texts[key] as it is (a keyed cell's text is not repaired). */
static void banner_text(int64_t key, char *buf, size_t size)
{
    snprintf(buf, size, "%s", texts[key]);
}

/* Hostile text: formula-looking banners, markup, invalid UTF-8 (set through a keyed
 * cell, as table_set_text() would repair it), a control byte, a cell longer than Excel
 * allows. */
static struct table *banners(void)
{
    struct table *t = table_new("banners", "Banners <seen> & \"kept\"");
    table_set_subtitle(t, "it's <b>not</b> markup");
    table_add_column(t, "host", COLUMN_TEXT);
    table_add_keyed_column(t, "banner", banner_text);
    table_add_column(t, "seen", COLUMN_TIMESTAMP);
    table_add_column(t, "score", COLUMN_REAL);
    for (int i = 0; i < NTEXTS + 1; i++) {
        char host[32];
        size_t r = table_add_row(t);
        snprintf(host, sizeof host, "192.0.2.%d", i + 1);
        table_set_text(t, r, 0, host);
        if (i == NTEXTS) {
            char *big = malloc(LONG_LEN + 1);
            memset(big, 'x', LONG_LEN);
            big[LONG_LEN] = '\0';
            table_set_text(t, r, 1, big);
            free(big);
        } else if (texts[i]) {
            table_set_key(t, r, 1, i);
        }
        table_set_int(t, r, 2, 1700000000 + 3600 * i);
        if (i != 1)
            table_set_real(t, r, 3, 1234.5 * (i + 1));
    }
    return t;
}

static struct table *durations(void)
{
    struct table *t = table_new("meeting-durations", "Distribution of meeting duration");
    table_add_column(t, "minutes", COLUMN_INTEGER);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    static const int counts[] = { 3, 10, 6, 4, 1 };
    for (int i = 0; i < 5; i++) {
        size_t r = table_add_row(t);
        table_set_int(t, r, 0, 15 * (i + 1));
        table_set_int(t, r, 1, counts[i]);
    }
    table_add_note(t, "min", 15);
    table_add_note(t, "median", 30);
    table_add_note(t, "mean", 37.5);
    table_add_note(t, "max", 75);
    return t;
}

static struct table *app_stack(void)
{
    struct table *t = table_new("app-stack", "Application server to application stack");
    table_add_column(t, "app", COLUMN_TEXT);
    table_add_column(t, "stack", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    static const char *const rows[][2] = {
        { "nginx", "PHP" }, { "nginx", "(none)" }, { "Apache", "PHP" }, { "IIS", "ASP.NET" },
    };
    for (int i = 0; i < 4; i++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, 0, rows[i][0]);
        table_set_text(t, r, 1, rows[i][1]);
        table_set_int(t, r, 2, 40 - 10 * i);
    }
    return t;
}

static struct table *linkedin(void)
{
    struct table *t = table_new("linkedin-stats", "LinkedIn search stats");
    table_add_column(t, "day", COLUMN_DATE);
    table_add_column(t, "metric", COLUMN_TEXT);
    table_add_column(t, "value", COLUMN_INTEGER);
    for (int d = 0; d < 3; d++)
        for (int m = 0; m < 2; m++) {
            char day[16];
            snprintf(day, sizeof day, "2024-01-0%d", d + 1);
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, day);
            table_set_text(t, r, 1, m ? "searches" : "views");
            table_set_int(t, r, 2, 10 * (d + 1) + m);
        }
    return t;
}

/* More series than a chart shows: the smallest are summed as "Other". The title looks
 * like a formula. */
static struct table *applications(void)
{
    struct table *t = table_new("applications", "=1+1 applications");
    table_add_column(t, "week", COLUMN_WEEK);
    table_add_column(t, "company", COLUMN_TEXT);
    table_add_column(t, "applications", COLUMN_INTEGER);
    for (int w = 1; w <= 2; w++)
        for (int c = 1; c <= 15; c++) {
            char week[16], company[16];
            snprintf(week, sizeof week, "2024-W%02d", w);
            snprintf(company, sizeof company, "c%02d", c);
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, week);
            table_set_text(t, r, 1, company);
            table_set_int(t, r, 2, c);
        }
    return t;
}

/* Cells at Excel's limit of 32,767 characters (UTF-16 units): one that fits exactly, one
 * pushed over by an emoji (two units), one of two-byte characters. */
static struct table *limits(void)
{
    struct table *t = table_new("limits", "Cells at the limit");
    table_add_column(t, "text", COLUMN_TEXT);
    struct strbuf sb;
    strbuf_init(&sb);
    for (int i = 0; i < 32767; i++)
        strbuf_addch(&sb, 'y');
    table_set_text(t, table_add_row(t), 0, sb.buf);
    sb.buf[--sb.len] = '\0';
    strbuf_addstr(&sb, "\xf0\x9f\x98\x80");
    table_set_text(t, table_add_row(t), 0, sb.buf);
    strbuf_reset(&sb);
    for (int i = 0; i < 40000; i++)
        strbuf_addstr(&sb, "\xc3\xa9");
    table_set_text(t, table_add_row(t), 0, sb.buf);
    strbuf_release(&sb);
    return t;
}

/* A table whose name is no valid sheet name: too long, with forbidden characters. */
static struct table *oddly_named(void)
{
    struct table *t = table_new("a/very:long*name?with[brackets]and\\more-than-31", "Odd");
    table_add_column(t, "n", COLUMN_INTEGER);
    table_set_int(t, table_add_row(t), 0, 1);
    return t;
}

static struct table *summary_table(void)
{
    struct table *t = table_new("summary", "What the workbook holds");
    table_add_column(t, "what", COLUMN_TEXT);
    table_add_column(t, "count", COLUMN_INTEGER);
    table_set_text(t, table_add_row(t), 0, "hosts");
    table_set_int(t, 0, 1, 123456);
    return t;
}

static struct table *sources_table(void)
{
    struct table *t = table_new("sources", "Sources");
    table_add_id_column(t, "id");
    table_add_column(t, "path", COLUMN_TEXT);
    table_add_column(t, "imported_at", COLUMN_TIMESTAMP);
    size_t r = table_add_row(t);
    table_set_int(t, r, 0, 1);
    table_set_text(t, r, 1, "scan <1>.json");
    table_set_int(t, r, 2, 1704067200);
    return t;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct strbuf sb;
    char buf[8192];
    size_t n;
    strbuf_init(&sb);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    fclose(f);
    if (len)
        *len = sb.len;
    return strbuf_detach(&sb);
}

static int write_png(const char *path, int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0, 0.447, 0.698);
    cairo_paint(cr);
    cairo_destroy(cr);
    int ok = cairo_surface_write_to_png(s, path) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    return ok;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Columns whose names say the opposite of their types: "x" holds dates, "m" months, "w"
 * weeks, "n" ports; "day" is plain text and "port" a count. The second row's date does
 * not exist. */
static struct table *typed(void)
{
    struct table *t = table_new("typed", "Typed columns");
    table_add_column(t, "x", COLUMN_DATE);
    table_add_column(t, "m", COLUMN_MONTH);
    table_add_column(t, "w", COLUMN_WEEK);
    table_add_id_column(t, "n");
    table_add_column(t, "day", COLUMN_TEXT);
    table_add_column(t, "port", COLUMN_INTEGER);
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, "2024-01-05");
    table_set_text(t, r, 1, "2024-02");
    table_set_text(t, r, 2, "2024-W03");
    table_set_int(t, r, 3, 8080);
    table_set_text(t, r, 4, "2024-01-05");
    table_set_int(t, r, 5, 8080);
    table_set_text(t, table_add_row(t), 0, "2024-02-30");
    return t;
}

/* The member `name` of the zip file at path, as text; NULL when missing. */
static char *zip_member(const char *path, const char *name)
{
    struct archive *a = archive_read_new();
    struct archive_entry *entry;
    char *text = NULL;
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, path, 16384) != ARCHIVE_OK)
        goto done;
    while (!text && archive_read_next_header(a, &entry) == ARCHIVE_OK) {
        if (strcmp(archive_entry_pathname(entry), name) != 0)
            continue;
        struct strbuf sb;
        char buf[8192];
        la_ssize_t n;
        strbuf_init(&sb);
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            strbuf_add(&sb, buf, (size_t)n);
        text = strbuf_detach(&sb);
    }
done:
    archive_read_free(a);
    return text;
}

/* The XML of cell `ref` ("A2") in a sheet, from <c to </c> or />; "" when absent. */
static char *cell_xml(const char *sheet, const char *ref)
{
    char *at = xasprintf("<c r=\"%s\"", ref);
    const char *p = sheet ? strstr(sheet, at) : NULL;
    free(at);
    if (!p)
        return xstrdup("");
    const char *end = strstr(p, "</c>"), *empty = strstr(p, "/>");
    if (empty && (!end || empty < end) && strchr(p, '>') == empty + 1)
        return xstrndup(p, (size_t)(empty + 2 - p));
    return end ? xstrndup(p, (size_t)(end + 4 - p)) : xstrdup("");
}

/* The number format of cell `ref`: its style's numFmtId looked up in styles.xml. */
static char *cell_format(const char *sheet, const char *styles, const char *ref)
{
    char *cell = cell_xml(sheet, ref);
    const char *s = strstr(cell, " s=\"");
    int style = s ? atoi(s + 4) : 0;
    free(cell);
    const char *xf = styles ? strstr(styles, "<cellXfs") : NULL;
    for (int i = 0; xf && i <= style; i++)
        xf = strstr(xf + 1, "<xf ");
    const char *id = xf ? strstr(xf, "numFmtId=\"") : NULL;
    if (!id)
        return xstrdup("?");
    char *want = xasprintf("<numFmt numFmtId=\"%d\" formatCode=\"", atoi(id + 10));
    const char *code = strstr(styles, want);
    char *format = code ? xstrndup(code + strlen(want), strcspn(code + strlen(want), "\""))
                        : xasprintf("builtin %d", atoi(id + 10));
    free(want);
    return format;
}

static void check_cell(const char *sheet, const char *ref, const char *want, const char *what)
{
    char *cell = cell_xml(sheet, ref);
    CHECK(strstr(cell, want) != NULL, "%s (%s is %s)", what, ref, cell);
    free(cell);
}

static void check_format(const char *sheet, const char *styles, const char *ref,
                         const char *want, const char *what)
{
    char *format = cell_format(sheet, styles, ref);
    CHECK_STR(format, want, what);
    free(format);
}

/* A workbook and a report page of typed(): each cell as its column's type says. */
static void check_typed(const char *dir, const char *keep)
{
    struct table *t = typed();
    struct workbook_sheet sheet = { .table = t };
    struct tally_diag diag;
    char *path = xasprintf("%s/typed.xlsx", dir), *html = xasprintf("%s/typed.html", dir);
    diag_clear(&diag);
    CHECK_INT(workbook_write(path, &sheet, 1, NULL, NULL, &diag), TALLY_OK,
              "typed workbook written");
    char *xml = zip_member(path, "xl/worksheets/sheet1.xml");
    char *styles = zip_member(path, "xl/styles.xml");
    CHECK(xml && styles, "the sheet and its styles read back");
    check_cell(xml, "A2", "<v>45296</v>", "a date column's cell is an Excel date");
    check_format(xml, styles, "A2", "yyyy-mm-dd", "shown as a date");
    check_cell(xml, "B2", "<v>45323</v>", "a month column's cell is an Excel date");
    check_format(xml, styles, "B2", "yyyy-mm", "shown as a month");
    check_cell(xml, "C2", "t=\"s\"", "a week column's cell is text (Excel has no week)");
    check_cell(xml, "D2", "<v>8080</v>", "an id column's cell is a number");
    check_format(xml, styles, "D2", "0", "shown without thousands separators");
    check_cell(xml, "E2", "t=\"s\"", "a text column named day stays text");
    check_format(xml, styles, "F2", "#,##0", "an integer column named port is a count");
    check_cell(xml, "A3", "t=\"s\"", "a date that does not exist stays text");
    free(xml);
    free(styles);

    struct report_entry entry = { t, NULL };
    CHECK_INT(report_write_html(html, "Typed", &entry, 1, NULL, &diag), TALLY_OK,
              "typed report page written");
    char *page = slurp(html, NULL);
    CHECK(page && strstr(page, "<tr><td>2024-01-05</td><td>2024-02</td><td>2024-W03</td>"
                               "<td class=\"num\">8080</td><td>2024-01-05</td>"
                               "<td class=\"num\">8,080</td></tr>"),
          "report page: dates as written, the id without separators, the count with them");
    free(page);
    if (!keep) {
        unlink(path);
        unlink(html);
    }
    free(path);
    free(html);
    table_free(t);
}

/* A table longer than a sheet: the sheet keeps what fits and says how many rows it left
 * out, as does the report page. */
static void check_sheet_limit(const char *dir, const char *keep)
{
    struct table *t = table_new("big", "More rows than a sheet holds");
    struct workbook_sheet sheet = { .table = t };
    struct report_entry entry = { t, NULL };
    struct tally_diag diag;
    char *path = xasprintf("%s/big.xlsx", dir), *html = xasprintf("%s/big.html", dir);
    size_t nrows = WORKBOOK_MAX_ROWS + 9;

    table_add_column(t, "n", COLUMN_INTEGER);
    for (size_t i = 0; i < nrows; i++)
        table_set_int(t, table_add_row(t), 0, (int64_t)i);
    diag_clear(&diag);
    if (getenv("TALLY_TEST_SLOW")) {
        /* Writing and reading back a full sheet takes seconds: only when asked. */
        CHECK_INT(workbook_write(path, &sheet, 1, NULL, NULL, &diag), TALLY_OK,
                  "a sheet of more rows than Excel's limit is written");
        char *xml = zip_member(path, "xl/worksheets/sheet1.xml");
        check_cell(xml, "A1048576", "<v>1048574</v>",
                   "the last row of the sheet is row 1,048,576");
        CHECK(xml && !strstr(xml, "<c r=\"A1048577\""), "no row past the limit");
        /* So many rows are written in constant memory: text inline, in the sheet. */
        CHECK(xml && strstr(xml, "Only the first 1,048,575 rows fit in a sheet; 10 "
                                 "more rows were left out."),
              "the sheet says how many rows it left out");
        free(xml);
    }

    CHECK_INT(report_write_html(html, "Big", &entry, 1, NULL, &diag), TALLY_OK,
              "report page of a table longer than a sheet written");
    char *page = slurp(html, NULL);
    CHECK(page && strstr(page, "The first 50,000 of 1,048,585 rows are in this page; the first "
                               "1,048,575 in report.xlsx (sheet big): the last 10 rows are "
                               "left out, as a sheet holds 1,048,576 rows."),
          "the page counts the rows in the sheet and those in none");
    CHECK(page && strstr(page, "the rows are in <a href=\"report.xlsx\">report.xlsx</a>, "
                               "as many as a sheet holds."),
          "the page does not claim every row is in the workbook");
    free(page);
    if (!keep) {
        unlink(path);
        unlink(html);
    }
    free(path);
    free(html);
    table_free(t);
}

/* A table of more rows than a workbook keeps in memory (65,536), with every kind of cell
 * and a note, so that a workbook holding it is written in constant memory. */
static struct table *streamed(void)
{
    struct table *t = table_new("streamed", "Many rows");
    table_add_column(t, "host", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    table_add_column(t, "share", COLUMN_REAL);
    table_add_column(t, "day", COLUMN_DATE);
    table_add_column(t, "seen", COLUMN_TIMESTAMP);
    for (int i = 0; i < 70000; i++) {
        char host[32];
        size_t r = table_add_row(t);
        snprintf(host, sizeof host, "10.%d.%d.0/24", i / 256, i % 256);
        table_set_text(t, r, 0, host);
        table_set_int(t, r, 1, i);
        table_set_real(t, r, 2, i / 8.0);
        table_set_text(t, r, 3, i % 2 ? "2024-01-05" : "2024-02-30");
        if (i % 3)
            table_set_int(t, r, 4, 1700000000 + i);
    }
    table_add_note(t, "total", 70000);
    return t;
}

/* The unit workbook's sheets again with streamed() after them: written in constant
 * memory (workbook-unit.sh compares it cell by cell with unit.xlsx), its rows in order
 * with the panel beside them. */
static void check_streamed(const char *dir, const char *keep,
                           const struct workbook_sheet *sheets, int n,
                           const struct table *summary, const struct table *sources)
{
    struct table *big = streamed();
    struct workbook_sheet *all = xcalloc((size_t)n + 1, sizeof *all);
    struct chart_spec bars = { .kind = CHART_BAR, .category_col = 0, .series_col = -1,
                               .value_col = 1 };
    struct tally_diag diag;
    char *path = xasprintf("%s/unit-streamed.xlsx", dir);

    memcpy(all, sheets, (size_t)n * sizeof *all);
    all[n].table = big;
    all[n].chart = &bars;
    diag_clear(&diag);
    CHECK_INT(workbook_write(path, all, n + 1, summary, sources, &diag), TALLY_OK,
              "a workbook of many rows is written");
    /* Summary, Sources, then the sheets: streamed is the last one. */
    char *name = xasprintf("xl/worksheets/sheet%d.xml", n + 3);
    char *xml = zip_member(path, name), *first = zip_member(path, "xl/worksheets/sheet1.xml");
    char *shared = zip_member(path, "xl/sharedStrings.xml");
    CHECK(xml && first && !shared, "in constant memory: no shared strings");
    free(shared);
    check_cell(first, "A2", "t=\"inlineStr\"", "text is inline");
    check_cell(xml, "A70001", "<t>10.273.111.0/24</t>", "the last row's text");
    check_cell(xml, "B70001", "<v>69999</v>", "the last row's number");
    check_cell(xml, "D2", "<t>2024-02-30</t>", "a date that does not exist stays text");
    check_cell(xml, "D3", "<v>45296</v>", "a date is an Excel date");
    check_cell(xml, "E2", "", "an empty cell stays empty");
    CHECK(xml && strstr(xml, "<c r=\"G1\"") && strstr(xml, "<t>Many rows</t>"),
          "the panel's title beside the header");
    CHECK(xml && strstr(xml, "<c r=\"H3\" s=\"3\"><v>70000</v>") &&
          strstr(xml, "<t>total</t>"),
          "the panel's note and its value");
    char *rels = xasprintf("xl/worksheets/_rels/sheet%d.xml.rels", n + 3);
    char *links = zip_member(path, rels);
    CHECK(links && strstr(links, "drawing"), "the crowded chart is there, as a picture");
    free(links);
    free(rels);
    if (xml) {
        /* Rows in order: each <row r="N"> after the one before. */
        long last = 0;
        int ordered = 1;
        const char *end = xml + strlen(xml), *p = xml;
        while ((p = memmem(p, (size_t)(end - p), "<row r=\"", 8)) != NULL) {
            long r = strtol(p + 8, NULL, 10);
            ordered &= r > last;
            last = r;
            p += 8;
        }
        CHECK(ordered && last == 70001, "rows written in order, the last one %ld", last);
    }
    free(xml);
    free(first);
    free(name);
    if (!keep)
        unlink(path);
    free(path);
    free(all);
    table_free(big);
}

/* table_key_text_fn for the tests: key 0xC0000200 + n as "192.0.2.n/32". */
static void test_key_text(int64_t key, char *buf, size_t size)
{
    snprintf(buf, size, "%d.%d.%d.%d/32", (int)(key >> 24 & 0xff), (int)(key >> 16 & 0xff),
             (int)(key >> 8 & 0xff), (int)(key & 0xff));
}

/* Two tables of the same rows, the first column keyed in one and text in the other. */
static void keyed_pair(struct table **keyed, struct table **plain)
{
    *keyed = table_new("hosts", "Hosts");
    *plain = table_new("hosts", "Hosts");
    table_add_keyed_column(*keyed, "host", test_key_text);
    table_add_column(*plain, "host", COLUMN_TEXT);
    table_add_column(*keyed, "n", COLUMN_INTEGER);
    table_add_column(*plain, "n", COLUMN_INTEGER);
    for (int i = 0; i < 30; i++) {
        char text[32];
        size_t r = table_add_row(*keyed), q = table_add_row(*plain);
        test_key_text(0xC0000200 + i, text, sizeof text);
        if (i == 3) {
            table_set_text(*keyed, r, 0, "2001:db8::/64");     /* text among keys */
            table_set_text(*plain, q, 0, "2001:db8::/64");
        } else if (i == 4) {
            table_set_key(*keyed, r, 0, 0xC0000200 + i);       /* a key, then empty */
            table_set_null(*keyed, r, 0);
        } else if (i == 5) {
            table_set_text(*keyed, r, 0, "replaced");           /* text, then a key */
            table_set_key(*keyed, r, 0, 0xC0000200 + i);
            table_set_text(*plain, q, 0, text);
        } else {
            table_set_key(*keyed, r, 0, 0xC0000200 + i);
            table_set_text(*plain, q, 0, text);
        }
        table_set_int(*keyed, r, 1, i);
        table_set_int(*plain, q, 1, i);
    }
}

static char *text_output(const struct table *t, enum text_format format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    table_write_text(t, format, f);
    fclose(f);
    return buf;
}

/* Keyed cells read as the text they stand for, in every output. */
static void check_keyed(const char *dir, const char *keep)
{
    struct table *keyed, *plain;
    struct tally_diag diag;
    char a[64], b[64];
    int same = 1;

    keyed_pair(&keyed, &plain);
    for (size_t r = 0; r < keyed->nrows; r++) {
        const struct cell *k = table_cell(keyed, r, 0), *p = table_cell(plain, r, 0);
        same &= k->is_null == p->is_null && (k->is_null || strcmp(k->v.text, p->v.text) == 0);
        same &= strcmp(table_text(keyed, r, 0, a, sizeof a),
                       table_text(plain, r, 0, b, sizeof b)) == 0;
    }
    CHECK(same, "keyed cells read as their text, through table_cell() and table_text()");
    CHECK_STR(table_text(keyed, 2, 0, a, sizeof a), "192.0.2.2/32", "a key spelled out");
    CHECK_STR(table_text(keyed, 2, 0, a, 6), "192.0", "cut to the buffer given");
    for (int f = TEXT_TABLE; f <= TEXT_JSON; f++) {
        char *x = text_output(keyed, (enum text_format)f);
        char *y = text_output(plain, (enum text_format)f);
        CHECK(x && y && strcmp(x, y) == 0, "text output %d the same", f);
        free(x);
        free(y);
    }
    unsigned char *pk = NULL, *pp = NULL;
    size_t lk = 0, lp = 0;
    struct chart_spec bars = { .kind = CHART_BAR, .category_col = 0, .series_col = -1,
                               .value_col = 1 };
    diag_clear(&diag);
    CHECK(chart_render_png(keyed, &bars, &pk, &lk, &diag) == TALLY_OK &&
          chart_render_png(plain, &bars, &pp, &lp, &diag) == TALLY_OK && lk == lp &&
          memcmp(pk, pp, lk) == 0, "the same chart");
    free(pk);
    free(pp);

    char *paths[2][2];
    struct table *both[2] = { keyed, plain };
    for (int i = 0; i < 2; i++) {
        struct workbook_sheet sheet = { .table = both[i], .chart = &bars };
        struct report_entry entry = { both[i], NULL };
        paths[i][0] = xasprintf("%s/keyed%d.xlsx", dir, i);
        paths[i][1] = xasprintf("%s/keyed%d.html", dir, i);
        CHECK(workbook_write(paths[i][0], &sheet, 1, NULL, NULL, &diag) == TALLY_OK,
              "workbook %d written", i);
        CHECK(report_write_html(paths[i][1], "Keyed", &entry, 1, NULL, &diag) == TALLY_OK,
              "page %d written", i);
    }
    for (int k = 0; k < 2; k++) {
        size_t l0 = 0, l1 = 0;
        char *d0 = slurp(paths[0][k], &l0), *d1 = slurp(paths[1][k], &l1);
        CHECK(d0 && d1 && l0 == l1 && memcmp(d0, d1, l0) == 0, "the same %s",
              k ? "report page" : "workbook, byte for byte");
        free(d0);
        free(d1);
        for (int i = 0; i < 2; i++) {
            if (!keep)
                unlink(paths[i][k]);
            free(paths[i][k]);
        }
    }

    struct table *t = table_new("ids", "Keys without a keyed column");
    table_add_column(t, "id", COLUMN_TEXT);
    table_set_key(t, table_add_row(t), 0, 42);
    CHECK_STR(table_text(t, 0, 0, a, sizeof a), "42", "a key in a text column is its number");
    table_free(t);
    table_free(keyed);
    table_free(plain);
}

/* A report written an analysis at a time, each table freed once handed over: the page
 * names and shows them in order, the workbook is the one workbook_write() makes of the
 * same tables, and a report abandoned leaves neither page nor workbook behind. */
static void check_report_writer(const char *dir, const char *keep)
{
    struct chart_spec hbar = { .kind = CHART_HBAR, .category_col = 0, .series_col = -1,
                               .value_col = 1, .x_title = "Subnet", .y_title = "Hosts" };
    struct chart_spec stacked = { .kind = CHART_STACKED_BAR, .category_col = 0,
                                  .series_col = 1, .value_col = 2, .x_title = "Port",
                                  .y_title = "Services" };
    struct table *summary = summary_table(), *sources = sources_table();
    char *folder = xasprintf("%s/written", dir), *gone = xasprintf("%s/abandoned", dir);
    char *html = xasprintf("%s/index.html", folder), *book = xasprintf("%s/report.xlsx", folder);
    char *whole = xasprintf("%s/whole.xlsx", dir);
    struct report_writer *r = NULL;
    struct tally_diag diag;
    enum tally_error err;

    diag_clear(&diag);
    err = report_begin(folder, summary, sources, 100, 1, &r, &diag);
    CHECK(err == TALLY_OK, "report begun: %s", diag.message);
    struct table *first = top_subnets(), *second = services();
    if (!err)
        err = report_add(r, &(struct workbook_sheet){ .table = first, .chart = &hbar }, &diag);
    table_free(first);
    if (!err)
        err = report_add(r, &(struct workbook_sheet){ .table = second, .chart = &stacked },
                         &diag);
    table_free(second);
    CHECK(err == TALLY_OK, "two analyses added, each freed after: %s", diag.message);
    CHECK(report_finish(r, !err, &diag) == TALLY_OK, "report finished: %s", diag.message);

    char *page = slurp(html, NULL);
    const char *toc1 = page ? strstr(page, "<a href=\"#t1-top-subnets\">") : NULL;
    const char *toc2 = page ? strstr(page, "<a href=\"#t2-services\">") : NULL;
    const char *sec1 = page ? strstr(page, "<section id=\"t1-top-subnets\">") : NULL;
    const char *sec2 = page ? strstr(page, "<section id=\"t2-services\">") : NULL;
    const char *src = page ? strstr(page, "<section id=\"sources\">") : NULL;
    CHECK(toc1 && toc2 && sec1 && sec2 && src && toc1 < toc2 && toc2 < sec1 && sec1 < sec2
          && sec2 < src, "contents, then both sections in order, then the sources");
    CHECK(page && strstr(page, "Generated by tally: 2 analyses; every row is in") != NULL,
          "the header counts the analyses added");
    CHECK(page && strstr(page, "<td>198.51.11.0/24</td>") != NULL,
          "the rows of a table freed before the page was finished");
    CHECK(page && strstr(page, "</html>\n") != NULL, "the page is whole");
    free(page);

    struct table *t1 = top_subnets(), *t2 = services();
    struct workbook_sheet parts[] = { { .table = t1, .chart = &hbar },
                                      { .table = t2, .chart = &stacked } };
    CHECK_INT(workbook_write(whole, parts, 2, summary, sources, &diag), TALLY_OK,
              "the same tables written at once");
    size_t la = 0, lb = 0;
    char *da = slurp(book, &la), *db = slurp(whole, &lb);
    CHECK(da && db && la > 1000 && la == lb && memcmp(da, db, la) == 0,
          "the report's workbook is the one written at once (%zu and %zu bytes)", la, lb);
    free(da);
    free(db);
    table_free(t1);
    table_free(t2);

    static const char *const files[] = { "index.html", "report.xlsx", "top-subnets.png",
                                         "top-subnets.svg", "services.png", "services.svg" };
    int found = 0, others = 0;
    DIR *d = opendir(folder);
    for (struct dirent *e; d && (e = readdir(d));) {
        int known = 0;
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
            known |= strcmp(e->d_name, files[i]) == 0;
        found += known;
        others += !known && e->d_name[0] != '.';
        others += strncmp(e->d_name, "index.html.", 11) == 0;
    }
    if (d)
        closedir(d);
    CHECK(found == 6 && others == 0, "the folder holds its six files and nothing else "
          "(%d of them, %d others)", found, others);

    err = report_begin(gone, summary, sources, 100, 1, &r, &diag);
    first = top_subnets();
    if (!err)
        err = report_add(r, &(struct workbook_sheet){ .table = first }, &diag);
    table_free(first);
    CHECK(err == TALLY_OK, "a second report begun: %s", diag.message);
    CHECK_INT(report_finish(r, 0, &diag), TALLY_OK, "and abandoned");
    char *gone_html = xasprintf("%s/index.html", gone), *gone_book = xasprintf("%s/report.xlsx", gone);
    int left = 0;
    d = opendir(gone);
    for (struct dirent *e; d && (e = readdir(d));)
        left += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    CHECK(access(gone_html, F_OK) != 0 && access(gone_book, F_OK) != 0 && left == 0,
          "an abandoned report leaves no page, workbook or temporary file (%d left)", left);

    if (!keep) {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char *f = xasprintf("%s/%s", folder, files[i]);
            unlink(f);
            free(f);
        }
        unlink(whole);
        rmdir(folder);
        rmdir(gone);
    }
    free(gone_html);
    free(gone_book);
    free(whole);
    free(book);
    free(html);
    free(gone);
    free(folder);
    table_free(summary);
    table_free(sources);
}

int main(void)
{
    const char *keep = getenv("TALLY_WORKBOOK_KEEP");
    char tmpl[] = "/tmp/test-workbook.XXXXXX";
    const char *dir = keep && *keep ? keep : mkdtemp(tmpl);
    char *a = xasprintf("%s/unit.xlsx", dir), *b = xasprintf("%s/unit-again.xlsx", dir);
    char *html = xasprintf("%s/index.html", dir), *png = xasprintf("%s/top-subnets.png", dir);
    char *bad = xasprintf("%s/missing/dir/out.xlsx", dir);
    struct tally_diag diag;
    diag_clear(&diag);
    if (!dir) {
        printf("Bail out! no scratch folder\n");
        return 1;
    }
    unsetenv("SOURCE_DATE_EPOCH");

    struct table *tables[] = { top_subnets(), services(), banners(), durations(), app_stack(),
                               linkedin(), oddly_named(), oddly_named(), applications(),
                               limits() };
    enum { NT = sizeof tables / sizeof tables[0] };
    struct chart_spec hbar = { .kind = CHART_HBAR, .category_col = 0, .series_col = -1,
                               .value_col = 1, .x_title = "Subnet", .y_title = "Hosts" };
    struct chart_spec stacked = { .kind = CHART_STACKED_BAR, .category_col = 0,
                                  .series_col = 1, .value_col = 2, .x_title = "Port",
                                  .y_title = "Services" };
    struct chart_spec hist = { .kind = CHART_HISTOGRAM, .category_col = 0, .series_col = -1,
                               .value_col = 1, .x_title = "Minutes", .y_title = "Meetings" };
    struct chart_spec sankey = { .kind = CHART_SANKEY, .category_col = 0, .series_col = 1,
                                 .value_col = 2 };
    struct chart_spec line = { .kind = CHART_LINE, .category_col = 0, .series_col = 1,
                               .value_col = 2, .x_title = "Day", .y_title = "Count" };
    struct workbook_sheet sheets[NT] = {
        { .table = tables[0], .chart = &hbar }, { .table = tables[1], .chart = &stacked },
        { .table = tables[2] }, { .table = tables[3], .chart = &hist },
        { .table = tables[4], .chart = &sankey }, { .table = tables[5], .chart = &line },
        { .table = tables[6] }, { .table = tables[7] },
        { .table = tables[8], .chart = &stacked }, { .table = tables[9] },
    };
    struct table *summary = summary_table(), *sources = sources_table();

    CHECK_INT(workbook_write(a, sheets, NT, summary, sources, &diag), TALLY_OK,
              "workbook written");
    if (diag.message[0])
        printf("#   %s\n", diag.message);
    CHECK_INT(workbook_write(b, sheets, NT, summary, sources, &diag), TALLY_OK,
              "workbook written a second time");
    size_t la = 0, lb = 0;
    char *da = slurp(a, &la), *db = slurp(b, &lb);
    CHECK(da && db && la > 1000 && la == lb && memcmp(da, db, la) == 0,
          "identical tables give identical bytes (%zu and %zu bytes)", la, lb);
    CHECK(da && memcmp(da, "PK\x03\x04", 4) == 0, "the workbook is a zip file");
    free(da);
    free(db);

    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    char *c = xasprintf("%s/unit-epoch.xlsx", dir);
    CHECK_INT(workbook_write(c, sheets, NT, summary, sources, &diag), TALLY_OK,
              "workbook written with SOURCE_DATE_EPOCH");
    size_t lc = 0;
    da = slurp(a, &la);
    char *dc = slurp(c, &lc);
    CHECK(da && dc && (la != lc || memcmp(da, dc, la) != 0),
          "SOURCE_DATE_EPOCH changes the creation time stored");
    free(da);
    free(dc);
    unsetenv("SOURCE_DATE_EPOCH");
    if (!keep)
        unlink(c);
    free(c);

    diag_clear(&diag);
    CHECK_INT(workbook_write(bad, sheets, 1, NULL, NULL, &diag), TALLY_ERROR_IO,
              "a folder that does not exist is an I/O error");
    CHECK(strstr(diag.message, bad) != NULL, "the error names the path: %s", diag.message);
    CHECK(access(bad, F_OK) != 0, "no file is left behind");

    /* A workbook abandoned part way (an analysis failed) leaves the file it would have
     * replaced as it was, and nothing beside it. */
    struct workbook_writer *abandoned = NULL;
    size_t before_len = 0, after_len = 0;
    char *before = slurp(a, &before_len);
    CHECK_INT(workbook_begin(a, summary, sources, 10, &abandoned, &diag), TALLY_OK,
              "a workbook begun over an older one");
    CHECK_INT(workbook_add(abandoned, &sheets[0], NULL, &diag), TALLY_OK, "a sheet added");
    CHECK_INT(workbook_finish(abandoned, 0, &diag), TALLY_OK, "and abandoned");
    char *after = slurp(a, &after_len);
    CHECK(before && after && before_len == after_len && memcmp(before, after, before_len) == 0,
          "the older workbook is as it was");
    free(before);
    free(after);
    int strays = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        strays += strncmp(e->d_name, "unit.xlsx.", 10) == 0;
    if (d)
        closedir(d);
    CHECK_INT(strays, 0, "no temporary file is left beside it");

    char *empty = xasprintf("%s/empty.xlsx", dir);
    CHECK_INT(workbook_write(empty, NULL, 0, NULL, NULL, &diag), TALLY_OK,
              "a workbook without tables is still written");
    struct stat st;
    CHECK(stat(empty, &st) == 0 && st.st_size > 1000, "and is a real file");
    if (!keep)
        unlink(empty);
    free(empty);

    /* The HTML report: top-subnets has a chart image and 12 rows, banners 10 rows, and
     * a 25-row table is cut at 20. */
    CHECK(write_png(png, 1600, 1000), "chart image written for the report");
    struct table *many = table_new("many", "Twenty-five rows");
    table_add_column(many, "n", COLUMN_INTEGER);
    table_add_column(many, "share", COLUMN_REAL);
    for (int i = 0; i < 25; i++) {
        size_t r = table_add_row(many);
        table_set_int(many, r, 0, 1000 * i + 7);
        table_set_real(many, r, 1, -1234.565 + i);
    }
    struct report_entry entries[] = {
        { tables[0], "top-subnets.png" }, { .table = tables[2] }, { many, NULL },
        { .table = tables[3] }, { .table = tables[1] },
    };
    diag_clear(&diag);
    CHECK_INT(report_write_html(html, "Report <for> \"Q1\" & 'more'", entries, 5, sources,
                                &diag),
              TALLY_OK, "report page written");
    char *page = slurp(html, NULL);
    CHECK(page != NULL, "report page read back");
    if (!page)
        page = xstrdup("");
    CHECK(strncmp(page, "<!DOCTYPE html>\n", 16) == 0, "page starts with the doctype");
    CHECK(strstr(page, "<title>Report &lt;for&gt; &quot;Q1&quot; &amp; &#39;more&#39;</title>")
          != NULL, "title escaped");
    CHECK(strstr(page, "<td>=cmd|&#39; /C calc&#39;!A0</td>") != NULL,
          "formula-looking text is shown as text, quotes escaped");
    CHECK(strstr(page, "<td>&lt;&amp;&gt;</td>") != NULL, "markup in cells escaped");
    CHECK(strstr(page, "<&>") == NULL && strstr(page, "<b>") == NULL,
          "no raw markup from the data");
    CHECK(strstr(page, "it&#39;s &lt;b&gt;not&lt;/b&gt; markup") != NULL, "subtitle escaped");
    CHECK(strstr(page, "<td>ab\xef\xbf\xbd\xef\xbf\xbd" "cd</td>") != NULL,
          "invalid UTF-8 repaired to U+FFFD");
    CHECK(strstr(page, "<td>&#x2401;ctl</td>") != NULL, "control bytes shown as pictures");
    CHECK(utf8_is_valid(page, strlen(page)), "the page is valid UTF-8");
    CHECK(strstr(page, "<img src=\"top-subnets.png\" alt=\"Chart: Top 12 subnets with port "
                       "9543/tcp open\" width=\"800\" height=\"500\">") != NULL,
          "image with alt text and its size at 1x");
    CHECK_INT(count(page, "<img "), 1, "one image (only one entry has a chart)");
    CHECK(strstr(page, "<td class=\"num\">1,200</td>") != NULL,
          "integers with thousands separators, right-aligned");
    CHECK(strstr(page, "<td class=\"num\">-1,234.57</td>") != NULL,
          "reals with two decimals and separators");
    CHECK(strstr(page, "<td>2023-11-14 22:13</td>") != NULL, "timestamps in UTC");
    CHECK(strstr(page, "All 25 rows are in this page; every row is in report.xlsx") != NULL,
          "tables longer than the rows written as HTML say where the rest are");
    CHECK_INT(count(page, "<script type=\"application/json\" id=\"rows-"), 6,
              "each table's rows, and the sources', as data for the script");
    CHECK(strstr(page, "<td class=\"num\">8080</td>") != NULL, "ports without separators");
    CHECK_INT(count(page, "<tr>"), 12 + 1 + NTEXTS + 2 + 20 + 1 + 5 + 1 + 5 + 1 + 1 + 1 + 4,
              "rows: 12+10 in full, 20 of 25, 5 bins, 5 services, 1 source, 4 notes "
              "(with headers)");
    CHECK(strstr(page, "<a href=\"#t1-top-subnets\">") && strstr(page, "id=\"t1-top-subnets\"")
          && strstr(page, "<a href=\"#sources\">Sources</a>"),
          "table of contents links to the sections");
    CHECK(strstr(page, "<td>scan &lt;1&gt;.json</td>") != NULL, "sources listed, escaped");
    CHECK(strstr(page, "<th scope=\"row\">median</th><td class=\"num\">30</td>") != NULL,
          "notes shown");
    CHECK(strstr(page, "<script src") == NULL && strstr(page, "http://") == NULL
          && strstr(page, "https://") == NULL, "the script is in the page, no remote assets");
    CHECK(strstr(page, "\"<&>\"") == NULL && strstr(page, "\"\\u003c&\\u003e\"") == NULL
          && strstr(page, "\"\\u003c\\u0026\\u003e\"") != NULL,
          "markup in the rows' data escaped for a script element");
    char *longest = xasprintf("<td>%0200d\xe2\x80\xa6</td>", 0);
    memset(longest + 4, 'x', 200);
    CHECK(strstr(page, longest) != NULL, "long cells cut at 200 characters");
    free(longest);
    free(page);

    diag_clear(&diag);
    CHECK_INT(report_write_html(bad, "x", entries, 1, NULL, &diag), TALLY_ERROR_IO,
              "report in a missing folder is an I/O error");
    CHECK(strcmp(diag.file, bad) == 0, "the error names the path: %s", diag.file);
    CHECK(strstr(diag.message, "cannot write: ") != NULL, "and says what failed: %s",
          diag.message);

    check_typed(dir, keep);
    check_sheet_limit(dir, keep);
    check_streamed(dir, keep, sheets, NT, summary, sources);
    check_keyed(dir, keep);
    check_report_writer(dir, keep);

    if (!keep) {
        unlink(a);
        unlink(b);
        unlink(html);
        unlink(png);
        rmdir(dir);
    }
    for (int i = 0; i < NT; i++)
        table_free(tables[i]);
    table_free(many);
    table_free(summary);
    table_free(sources);
    free(a);
    free(b);
    free(html);
    free(png);
    free(bad);
    return tap_done();
}
