/* test-charts.c: unit tests for the chart frame and the axis-based kinds: tick values,
 * number formatting, the pivot into series, and every kind rendered to PNG, SVG and PDF
 * (sizes, searchable text, identical bytes for identical input).
 * With TEST_CHARTS_DIR set, the rendered files are also written there for a look. */
#include "render/chart_internal.h"
#include "tests/tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void check_ticks(double lo, double hi, int target, const char *want, const char *what)
{
    double ticks[32];
    char got[256] = "";
    int n = chart_ticks(lo, hi, target, ticks, 32), i;
    for (i = 0; i < n; i++) {
        char num[64];
        chart_format_number(ticks[i], n > 1 ? ticks[1] - ticks[0] : 1, num, sizeof num);
        strcat(got, i ? " " : "");
        strcat(got, num);
    }
    CHECK_STR(got, want, what);
}

static void check_number(double v, double step, const char *want)
{
    char got[64];
    chart_format_number(v, step, got, sizeof got);
    CHECK_STR(got, want, want);
}

/* ---- tables ---- */

static struct table *table_subnets(void)
{
    static const char *const subnets[] = {
        "198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24", "10.20.30.0/24",
        "172.16.254.0/24", "100.64.1.0/24",
    };
    static const int hosts[] = { 1234, 987, 456, 120, 64, 7 };
    struct table *t = table_new("top-subnets", "Top subnets with port 9543/tcp open");
    size_t i;
    table_set_subtitle(t, "masscan scan.list, 6 subnets");
    table_add_column(t, "subnet", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    for (i = 0; i < 6; i++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, 0, subnets[i]);
        table_set_int(t, r, 1, hosts[i]);
    }
    return t;
}

/* Meetings per day for three weeks: long form (day, type, meetings). */
static struct table *table_types(void)
{
    static const char *const types[] = { "video", "phone", "onsite", "unknown" };
    struct table *t = table_new("meeting-types", "Distribution of meeting type by date");
    int day, k;
    table_add_column(t, "day", COLUMN_TEXT);
    table_add_column(t, "type", COLUMN_TEXT);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    for (day = 1; day <= 21; day++)
        for (k = 0; k < 4; k++) {
            char date[16];
            int v = (day * 7 + k * 3) % (6 - k);
            size_t r;
            if (v == 0)
                continue;
            snprintf(date, sizeof date, "2024-03-%02d", day);
            r = table_add_row(t);
            table_set_text(t, r, 0, date);
            table_set_text(t, r, 1, types[k]);
            table_set_int(t, r, 2, v);
        }
    return t;
}

static struct table *table_durations(void)
{
    static const int counts[] = { 3, 14, 22, 9, 17, 2, 4, 0, 1 };
    struct table *t = table_new("meeting-durations", "Distribution of meeting duration");
    int i;
    table_add_column(t, "minutes", COLUMN_INTEGER);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    for (i = 0; i < 9; i++) {
        size_t r;
        if (i == 7)
            continue;           /* an empty bin the query left out */
        r = table_add_row(t);
        table_set_int(t, r, 0, i * 15);
        table_set_int(t, r, 1, counts[i]);
    }
    table_add_note(t, "min", 5);
    table_add_note(t, "q1", 25);
    table_add_note(t, "median", 30);
    table_add_note(t, "q3", 60);
    table_add_note(t, "max", 125);
    return t;
}

static struct table *table_ports(void)
{
    static const int ports[] = { 80, 443, 8080, 8443, 9543, 22, 3389 };
    static const double share[] = { 1520.5, 1402.25, 310, 95.5, 2048, 12, 0.75 };
    struct table *t = table_new("ports", "Open ports");
    size_t i;
    table_add_column(t, "port", COLUMN_INTEGER);
    table_add_column(t, "hosts", COLUMN_REAL);
    for (i = 0; i < 7; i++) {
        size_t r = table_add_row(t);
        table_set_int(t, r, 0, ports[i]);
        table_set_real(t, r, 1, share[i]);
    }
    return t;
}

/* Long category names (companies) to force rotation and ellipsis. */
static struct table *table_companies(int n)
{
    struct table *t = table_new("time-per-company", "Time spent per company (minutes)");
    int i;
    table_add_column(t, "company", COLUMN_TEXT);
    table_add_column(t, "minutes", COLUMN_INTEGER);
    for (i = 0; i < n; i++) {
        char name[96];
        size_t r = table_add_row(t);
        snprintf(name, sizeof name, "%s%d.example", i % 3 ? "consulting-group-international-"
                                                          : "acme", i);
        table_set_text(t, r, 0, name);
        table_set_int(t, r, 1, 5000 - i * 37);
    }
    return t;
}

static struct chart_spec spec_for(enum chart_kind kind, int cat, int series, int value)
{
    struct chart_spec s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.category_col = cat;
    s.series_col = series;
    s.value_col = value;
    return s;
}

/* ---- rendering helpers ---- */

static char tmpdir[64];

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = xmalloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void keep(const char *name, const unsigned char *data, size_t len)
{
    const char *dir = getenv("TEST_CHARTS_DIR");
    char path[512];
    FILE *f;
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

/* Renders to a file in tmpdir and reads it back; NULL on failure. */
static unsigned char *render(const struct table *t, const struct chart_spec *spec,
                             const char *name, size_t *len)
{
    struct tally_diag diag;
    char path[256];
    unsigned char *data;
    enum tally_error err;
    diag_clear(&diag);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    err = chart_render(t, spec, path, &diag);
    if (err != TALLY_OK) {
        printf("# %s: %s\n", name, diag.message);
        *len = 0;
        return NULL;
    }
    data = slurp(path, len);
    unlink(path);
    if (data)
        keep(name, data, *len);
    return data;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG signature and IHDR width and height. */
static int png_size(const unsigned char *png, size_t len, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (!png || len < 24 || memcmp(png, sig, 8) != 0 || memcmp(png + 12, "IHDR", 4) != 0)
        return 0;
    *w = be32(png + 16);
    *h = be32(png + 20);
    return 1;
}

static int contains(const unsigned char *data, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; data && i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Renders t as spec in all three formats: sizes, text and identical bytes twice. */
static void check_kind(const struct table *t, const struct chart_spec *spec, const char *name,
                       const char *const *texts)
{
    static const char *const ext[3] = { "png", "svg", "pdf" };
    int f;
    for (f = 0; f < 3; f++) {
        char file[128];
        unsigned char *a, *b;
        size_t alen, blen;
        snprintf(file, sizeof file, "%s.%s", name, ext[f]);
        a = render(t, spec, file, &alen);
        b = render(t, spec, file, &blen);
        CHECK(a && b && alen == blen && memcmp(a, b, alen) == 0,
              "%s: two renders give identical bytes (%zu)", file, alen);
        if (f == 0) {
            uint32_t w = 0, h = 0;
            int want_w = spec->width ? spec->width : 800, want_h = spec->height ? spec->height : 500;
            int ok = png_size(a, alen, &w, &h);
            CHECK(ok && w == (uint32_t)want_w * 2 && h == (uint32_t)want_h * 2,
                  "%s: PNG is %dx%d at 2x (got %ux%u)", file, want_w * 2, want_h * 2, w, h);
        } else if (f == 1) {
            const char *const *p;
            CHECK(contains(a, alen, "<svg") && contains(a, alen, "</svg>"), "%s: SVG", file);
            for (p = texts; *p; p++)
                CHECK(contains(a, alen, *p), "%s: has text %s", file, *p);
        } else {
            CHECK(alen > 5 && memcmp(a, "%PDF-", 5) == 0, "%s: PDF header", file);
            CHECK(contains(a, alen, "/CreationDate (20000101"), "%s: fixed creation date",
                  file);
        }
        free(a);
        free(b);
    }
}

static void test_ticks(void)
{
    double ticks[32];
    int n;
    check_ticks(8.1, 14.1, 4, "8 10 12 14", "extended(8.1, 14.1, 4)");
    check_ticks(0, 100, 5, "0 25 50 75 100", "extended(0, 100, 5)");
    check_ticks(0, 0.3, 4, "0.0 0.1 0.2 0.3", "extended(0, 0.3, 4): exact decimals");
    check_ticks(0, 12345, 5, "0 3,000 6,000 9,000 12,000",
                "extended(0, 12345, 5): thousands");
    check_ticks(-3.7, 2.2, 5, "-4 -2 0 2", "extended(-3.7, 2.2, 5)");
    n = chart_ticks_covering(0, 1234, 6, 1, ticks, 32);
    CHECK(n >= 2 && ticks[0] == 0 && ticks[n - 1] >= 1234, "covering ticks include 0 and 1234");
    n = chart_ticks_covering(0, 3, 6, 1, ticks, 32);
    CHECK_INT(n, 4, "integer ticks for 0..3: 0 1 2 3");
    n = chart_ticks_covering(0, 1, 5, 1, ticks, 32);
    CHECK(n == 2 && ticks[1] == 1, "integer ticks for 0..1: 0 1");
    n = chart_ticks(5, 5, 5, ticks, 32);
    CHECK(n >= 2, "equal ends still give ticks");
    CHECK_INT(chart_ticks(0, 1.0 / 0.0, 5, ticks, 32), 0, "infinite range: no ticks");
    {
        /* The ports chart of the sample: 1,440 hosts on the tallest bar. */
        static const double tops[] = { 1440, 182, 96, 7, 0.45, 12345 };
        size_t i;
        for (i = 0; i < sizeof tops / sizeof tops[0]; i++) {
            struct chart_value_axis ax;
            chart_value_axis_fit(&ax, 0, tops[i], tops[i] == (double)(long)tops[i], 400, 50);
            CHECK(ax.nticks >= 2 && ax.ticks[0] <= 0 && ax.ticks[ax.nticks - 1] >= tops[i] &&
                      ax.hi == ax.ticks[ax.nticks - 1] && ax.lo == ax.ticks[0],
                  "value axis for 0..%g: ticks %g..%g cover it, drawn to the last", tops[i],
                  ax.ticks[0], ax.ticks[ax.nticks - 1]);
        }
    }
    n = chart_ticks(0, 1e12, 5, ticks, 32);
    CHECK(n >= 2 && ticks[n - 1] >= 1e12 * 0.8, "large range");
    n = chart_ticks(1e-9, 3e-9, 4, ticks, 32);
    CHECK(n >= 2, "tiny range");
}

static void test_numbers(void)
{
    char buf[64];
    check_number(1234567, 1, "1,234,567");
    check_number(12500, 2500, "12,500");
    check_number(0.25, 0.05, "0.25");
    check_number(0.30000000000000004, 0.1, "0.3");
    check_number(-1234.5, 0.5, "-1,234.5");
    check_number(-0.0, 1, "0");
    check_number(999, 1, "999");
    check_number(-1000, 500, "-1,000");
    check_number(2.5, 2.5, "2.5");
    chart_format_value(1234, buf, sizeof buf);
    CHECK_STR(buf, "1,234", "value 1234");
    chart_format_value(2.5, buf, sizeof buf);
    CHECK_STR(buf, "2.5", "value 2.5");
    chart_format_value(1402.25, buf, sizeof buf);
    CHECK_STR(buf, "1,402", "value 1402.25");
    chart_format_value(0.75, buf, sizeof buf);
    CHECK_STR(buf, "0.75", "value 0.75");
    chart_format_number(1234567, 1, buf, 4);
    CHECK_STR(buf, "1,2", "bounded output");
}

static void test_names(void)
{
    CHECK_STR(chart_kind_name(CHART_HBAR), "hbar", "kind name hbar");
    CHECK_STR(chart_kind_name(CHART_STACKED_BAR), "stacked-bar", "kind name stacked-bar");
    CHECK_INT(chart_kind_parse("histogram"), CHART_HISTOGRAM, "parse histogram");
    CHECK_INT(chart_kind_parse("LINE"), CHART_LINE, "parse is case-insensitive");
    CHECK_INT(chart_kind_parse("pie"), CHART_NONE, "unknown kind");
    CHECK_INT(chart_format_from_path("out/a.PNG"), CHART_PNG, "format .PNG");
    CHECK_INT(chart_format_from_path("a.svg"), CHART_SVG, "format .svg");
    CHECK_INT(chart_format_from_path("a.pdf"), CHART_PDF, "format .pdf");
    CHECK_INT(chart_format_from_path("a.jpg"), -1, "format .jpg unknown");
    CHECK_INT(chart_format_from_path("dir.png/file"), -1, "format from a folder name");
}

/* The pivot: categories in order of appearance, series by total, "Other" past eight. */
static void test_pivot(void)
{
    struct table *t = table_new("pivot", "pivot");
    struct chart_spec spec = spec_for(CHART_STACKED_BAR, 0, 1, 2);
    struct chart_ctx ctx;
    struct chart_data d;
    struct tally_diag diag;
    int s;
    table_add_column(t, "week", COLUMN_TEXT);
    table_add_column(t, "company", COLUMN_TEXT);
    table_add_column(t, "applications", COLUMN_INTEGER);
    for (s = 0; s < 11; s++) {
        char company[16];
        size_t r;
        snprintf(company, sizeof company, "c%02d", s);
        r = table_add_row(t);
        table_set_text(t, r, 0, s % 2 ? "2024-W02" : "2024-W01");
        table_set_text(t, r, 1, company);
        table_set_int(t, r, 2, s + 1);
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.table = t;
    ctx.spec = &spec;
    CHECK_INT(chart_data_load(&d, &ctx, 1, &diag), TALLY_OK, "pivot loads");
    CHECK_INT(d.ncat, 2, "two categories");
    CHECK_STR(d.cats[0], "2024-W01", "categories keep first appearance order");
    CHECK_INT(d.nseries, 9, "eight series and Other");
    CHECK_STR(d.series[0], "c10", "largest series first");
    CHECK_STR(d.series[7], "c03", "eighth series");
    CHECK_STR(d.series[8], "Other", "the rest folded into Other");
    CHECK(d.has_other, "has_other");
    CHECK(chart_data_get(&d, 0, 8) == 1 + 3 && chart_data_get(&d, 1, 8) == 2,
          "Other sums c00..c02 per category");
    CHECK(chart_data_get(&d, 0, 0) == 11 && chart_data_get(&d, 1, 0) == 0,
          "c10 only in week 1");
    CHECK_STR(d.cat_title, "Week", "category axis title from the column name");
    chart_data_release(&d);

    spec.value_col = 1;
    CHECK_INT(chart_data_load(&d, &ctx, 1, &diag), TALLY_ERROR_USAGE,
              "a text value column is refused");
    spec.value_col = 7;
    CHECK_INT(chart_data_load(&d, &ctx, 1, &diag), TALLY_ERROR_USAGE,
              "a missing column is refused");
    table_free(t);
}

static void test_render(void)
{
    struct table *subnets = table_subnets(), *types = table_types(), *dur = table_durations();
    struct table *ports = table_ports(), *companies = table_companies(14);
    struct table *many = table_companies(120), *empty = table_new("empty", "Nothing here");
    struct chart_spec spec;
    struct tally_diag diag;
    unsigned char *png = NULL, *svg;
    size_t len;
    uint32_t w, h;

    {
        static const char *const texts[] = { "198.51.100.0/24", "100.64.1.0/24", "1,234",
                                             "<title>Top subnets with port 9543/tcp open</title>",
                                             "<desc>masscan scan.list, 6 subnets</desc>", NULL };
        spec = spec_for(CHART_HBAR, 0, -1, 1);
        check_kind(subnets, &spec, "hbar", texts);
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(subnets, &spec, "bar", texts);
    }
    {
        static const char *const texts[] = { "video", "phone", "2024-03-01", "Meetings", NULL };
        spec = spec_for(CHART_STACKED_BAR, 0, 1, 2);
        check_kind(types, &spec, "stacked", texts);
        spec = spec_for(CHART_GROUPED_BAR, 0, 1, 2);
        check_kind(types, &spec, "grouped", texts);
        spec = spec_for(CHART_LINE, 0, 1, 2);
        check_kind(types, &spec, "line", texts);
    }
    {
        static const char *const texts[] = { "Median 30", "Max 125", "Minutes", NULL };
        spec = spec_for(CHART_HISTOGRAM, 0, -1, 1);
        check_kind(dur, &spec, "histogram", texts);
    }
    {
        static const char *const texts[] = { "9543", "2,048", "0.75", "Open ports", "TCP port", NULL };
        spec = spec_for(CHART_BAR, 0, -1, 1);
        spec.width = 400;
        spec.height = 300;
        spec.x_title = "TCP port";
        check_kind(ports, &spec, "ports-small", texts);
    }
    {
        static const char *const texts[] = { "consulting-group-international-1.example",
                                             "acme0.example", NULL };
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(companies, &spec, "bar-rotated", texts);
        spec = spec_for(CHART_HBAR, 0, -1, 1);
        check_kind(companies, &spec, "hbar-long", texts);
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(many, &spec, "bar-many", texts + 1);
    }
    {
        /* 20,000 subnets: too many for a bar each; the chart draws their distribution
         * and says so, in every format. */
        static const char *const texts[] = { "20,000 subnets, too many for a bar each",
                                             "Hosts per subnet", "Subnets",
                                             "2\xe2\x80\x93" "3", "512\xe2\x80\x93" "1,023",
                                             NULL };
        struct table *t = table_new("subnets", "Hosts per subnet");
        table_add_column(t, "subnet", COLUMN_TEXT);
        table_add_column(t, "hosts", COLUMN_INTEGER);
        for (int k = 0; k < 20000; k++) {
            char net[32];
            size_t r = table_add_row(t);
            snprintf(net, sizeof net, "10.%d.%d.0/24", k / 256, k % 256);
            table_set_text(t, r, 0, net);
            table_set_int(t, r, 1, 1 << (k % 10));
        }
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(t, &spec, "bar-distribution", texts);
        table_free(t);
    }
    {
        static const char *const texts[] = { "No data", "Nothing here", NULL };
        table_add_column(empty, "day", COLUMN_TEXT);
        table_add_column(empty, "meetings", COLUMN_INTEGER);
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(empty, &spec, "empty", texts);
    }

    {
        /* Eleven series: eight, then "Other"; one series of a line prints its values. */
        static const char *const texts[] = { "Other", "c10", NULL };
        static const char *const line_texts[] = { "2024-W01", "66", NULL };
        struct table *t = table_new("applications", "Job applications sent");
        int k;
        table_add_column(t, "week", COLUMN_TEXT);
        table_add_column(t, "company", COLUMN_TEXT);
        table_add_column(t, "applications", COLUMN_INTEGER);
        for (k = 0; k < 44; k++) {
            char week[16], company[16];
            size_t r = table_add_row(t);
            snprintf(week, sizeof week, "2024-W%02d", k % 4 + 1);
            snprintf(company, sizeof company, "c%02d", k % 11);
            table_set_text(t, r, 0, week);
            table_set_text(t, r, 1, company);
            table_set_int(t, r, 2, k % 11 + 1);
        }
        spec = spec_for(CHART_STACKED_BAR, 0, 1, 2);
        check_kind(t, &spec, "stacked-other", texts);
        spec = spec_for(CHART_LINE, 0, -1, 2);
        check_kind(t, &spec, "line-one", line_texts);
        table_free(t);
    }
    {
        /* Negative values, markup and broken UTF-8 in labels. */
        static const char *const texts[] = { "-1,500", "&lt;script&gt;", "caf\xc3\xa9", "250.5",
                                             "(none)", NULL };
        struct table *t = table_new("odd", "Odd labels & negative values");
        static const char *const labels[] = { "<script>", "caf\xc3\xa9", "bad\xff\xfe", "tab\there",
                                              "" };
        static const double values[] = { -1500, 250.5, 0, 3200, 12 };
        int k;
        table_add_column(t, "label", COLUMN_TEXT);
        table_add_column(t, "value", COLUMN_REAL);
        for (k = 0; k < 5; k++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, labels[k]);
            table_set_real(t, r, 1, values[k]);
        }
        spec = spec_for(CHART_BAR, 0, -1, 1);
        check_kind(t, &spec, "bar-negative", texts);
        spec = spec_for(CHART_HBAR, 0, -1, 1);
        check_kind(t, &spec, "hbar-negative", texts);
        table_free(t);
    }
    {
        /* Bins given as text labels, no summary in the notes; forty horizontal bars. */
        static const char *const texts[] = { "under 15", "Meetings", NULL };
        static const char *const hbar_texts[] = { "acme0.example", "5,000", NULL };
        struct table *t = table_new("durations", "Durations");
        static const char *const bins[] = { "under 15", "15 to 30", "30 to 60", "over 60" };
        int k;
        table_add_column(t, "bin", COLUMN_TEXT);
        table_add_column(t, "meetings", COLUMN_INTEGER);
        for (k = 0; k < 4; k++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, bins[k]);
            table_set_int(t, r, 1, 10 + k * 3);
        }
        spec = spec_for(CHART_HISTOGRAM, 0, -1, 1);
        check_kind(t, &spec, "histogram-text", texts);
        table_free(t);
        t = table_companies(40);
        spec = spec_for(CHART_HBAR, 0, -1, 1);
        check_kind(t, &spec, "hbar-40", hbar_texts);
        table_free(t);
    }

    /* In memory, for workbooks. */
    spec = spec_for(CHART_HBAR, 0, -1, 1);
    spec.title = "Custom title";
    CHECK_INT(chart_render_png(subnets, &spec, &png, &len, &diag), TALLY_OK, "PNG in memory");
    CHECK(png_size(png, len, &w, &h) && w == 1600 && h == 1000, "in-memory PNG is 1600x1000");
    free(png);

    /* The same SVG whatever was rendered before it in the process. */
    spec = spec_for(CHART_HBAR, 0, -1, 1);
    svg = render(subnets, &spec, "again.svg", &len);
    CHECK(contains(svg, len, "id=\"surface1\"") && !contains(svg, len, "id=\"surface2\""),
          "SVG surface ids are renumbered from 1");
    free(svg);

    /* Errors. */
    spec = spec_for(CHART_BAR, 0, -1, 0);
    diag_clear(&diag);
    CHECK_INT(chart_render(subnets, &spec, "/nonexistent/x.png", &diag), TALLY_ERROR_USAGE,
              "a text value column is a usage error");
    spec = spec_for(CHART_BAR, 0, -1, 1);
    CHECK_INT(chart_render(subnets, &spec, "/nonexistent/x.png", &diag), TALLY_ERROR_IO,
              "an unwritable path is an I/O error");
    CHECK_INT(chart_render(subnets, &spec, "chart.gif", &diag), TALLY_ERROR_USAGE,
              "an unknown extension is a usage error");
    spec.width = 20;
    CHECK_INT(chart_render_png(subnets, &spec, &png, &len, &diag), TALLY_ERROR_USAGE,
              "a tiny size is refused");

    table_free(subnets);
    table_free(types);
    table_free(dur);
    table_free(ports);
    table_free(companies);
    table_free(many);
    table_free(empty);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/test-charts.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_ticks();
    test_numbers();
    test_names();
    test_pivot();
    test_render();
    rmdir(tmpdir);
    return tap_done();
}
