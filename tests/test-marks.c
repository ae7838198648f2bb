/* test-marks.c: unit tests for the marks chart kinds record as they draw (what the report
 * page lays its focusable areas over): one per bar, cell or link, named and valued as the
 * table says, inside the canvas; none when nobody records; the SVG drawn the same. */
#include "render/chart_internal.h"
#include "tests/tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct table *table_long(void)
{
    static const char *const apps[] = { "nginx", "nginx", "Apache", "IIS" };
    static const char *const stacks[] = { "PHP", "Express", "PHP", "ASP.NET" };
    static const int counts[] = { 24, 3, 32, 21 };
    struct table *t = table_new("app-stack", "Apps and stacks");
    table_add_column(t, "app", COLUMN_TEXT);
    table_add_column(t, "stack", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    for (int i = 0; i < 4; i++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, 0, apps[i]);
        table_set_text(t, r, 1, stacks[i]);
        table_set_int(t, r, 2, counts[i]);
    }
    return t;
}

static const struct chart_mark *find(const struct chart_marks *m, const char *label)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].label, label) == 0)
            return &m->v[i];
    return NULL;
}

static int inside(const struct chart_mark *mk)
{
    return mk->box.w > 0 && mk->box.h > 0 && mk->box.x >= 0 && mk->box.y >= 0 &&
           mk->box.x + mk->box.w <= 800.01 && mk->box.y + mk->box.h <= 500.01;
}

static void check_kind(struct table *t, struct chart_spec spec, const char *what,
                       const char *label, double value, size_t n, int paths)
{
    struct chart_marks marks = { 0 };
    struct strbuf svg, plain;
    struct tally_diag diag;
    char path[] = "/tmp/tally-marks-XXXXXX";

    strbuf_init(&svg);
    strbuf_init(&plain);
    diag_clear(&diag);
    CHECK(chart_render_svg_marked(t, &spec, &svg, &marks, &diag) == TALLY_OK,
          "%s: drawn with marks", what);
    CHECK(marks.n == n, "%s: one mark per bar, cell or link (%zu, want %zu)", what, marks.n,
          n);
    const struct chart_mark *mk = find(&marks, label);
    CHECK(mk && mk->value == value, "%s: '%s' has its value %g", what, label, value);
    size_t outside = 0, with_path = 0;
    for (size_t i = 0; i < marks.n; i++) {
        outside += !inside(&marks.v[i]);
        with_path += marks.v[i].path != NULL;
    }
    CHECK(outside == 0, "%s: every mark is inside the canvas", what);
    CHECK(with_path == (paths ? marks.n : 0), "%s: marks are %s", what,
          paths ? "paths" : "boxes");

    /* The drawing is the one chart_render writes: marks change nothing drawn. */
    int fd = mkstemp(path);
    if (fd >= 0) {
        char *file = xasprintf("%s.svg", path);
        CHECK(chart_render(t, &spec, file, &diag) == TALLY_OK, "%s: drawn to a file", what);
        FILE *f = fopen(file, "rb");
        char buf[65536];
        size_t got;
        while (f && (got = fread(buf, 1, sizeof buf, f)) > 0)
            strbuf_add(&plain, buf, got);
        if (f)
            fclose(f);
        CHECK(plain.len == svg.len && memcmp(plain.buf, svg.buf, svg.len) == 0,
              "%s: the same SVG with marks recorded or not", what);
        unlink(file);
        unlink(path);
        free(file);
        close(fd);
    }
    chart_marks_release(&marks);
    strbuf_release(&svg);
    strbuf_release(&plain);
}

int main(void)
{
    struct table *t = table_long();
    struct chart_spec bar = { .kind = CHART_STACKED_BAR, .category_col = 0, .series_col = 1,
                              .value_col = 2 };
    struct chart_spec hbar = { .kind = CHART_HBAR, .category_col = 1, .series_col = -1,
                               .value_col = 2 };
    struct chart_spec heat = { .kind = CHART_HEATMAP, .category_col = 0, .series_col = 1,
                               .value_col = 2 };
    struct chart_spec sankey = { .kind = CHART_SANKEY, .category_col = 0, .series_col = 1,
                                 .value_col = 2 };
    struct chart_spec squares = { .kind = CHART_TREEMAP, .category_col = 1, .series_col = -1,
                                  .value_col = 2 };

    /* Stacked: a segment per category and series with a value (none for 0). */
    check_kind(t, bar, "stacked bars", "nginx, Express", 3, 4, 0);
    check_kind(t, hbar, "horizontal bars (PHP summed)", "PHP", 56, 3, 0);
    check_kind(t, heat, "heatmap", "Apache, PHP", 32, 9, 0);
    check_kind(t, sankey, "sankey", "nginx, PHP", 24, 4, 1);
    check_kind(t, squares, "treemap", "ASP.NET", 21, 4, 0);

    /* Past the limit, marks are counted, not kept. */
    struct table *many = table_new("many", "Many");
    table_add_column(many, "n", COLUMN_TEXT);
    table_add_column(many, "v", COLUMN_INTEGER);
    for (int i = 0; i < 70; i++)
        for (int j = 0; j < 70; j++) {
            char name[16];
            size_t r = table_add_row(many);
            snprintf(name, sizeof name, "%d", i);
            table_set_text(many, r, 0, name);
            snprintf(name, sizeof name, "%d", j);
            table_set_int(many, r, 1, 1 + j);
        }
    struct chart_spec big = { .kind = CHART_HEATMAP, .category_col = 0, .series_col = 1,
                              .value_col = 1 };
    struct chart_marks marks = { 0 };
    struct strbuf svg;
    struct tally_diag diag;
    strbuf_init(&svg);
    diag_clear(&diag);
    CHECK_INT(chart_render_svg_marked(many, &big, &svg, &marks, &diag), TALLY_OK,
              "a 70 x 70 heatmap drawn with marks");
    CHECK_INT(marks.n, CHART_MAX_MARKS, "at most CHART_MAX_MARKS marks kept");
    CHECK_INT(marks.dropped, 70 * 70 - CHART_MAX_MARKS, "the rest counted");
    chart_marks_release(&marks);
    strbuf_release(&svg);
    table_free(many);
    table_free(t);
    return tap_done();
}
