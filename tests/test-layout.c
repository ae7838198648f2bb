/* test-layout.c: unit tests for the charts' layout steps, run on a measuring context
 * without drawing: Sankey nodes sized by their flows and stacked in order, bars inside
 * the plot and apart, histogram bins covering the axis, heatmap cells tiling the grid,
 * address-map cells at their Hilbert positions; more bars than fit drawn as their
 * distribution or the largest, flat address maps coloured by quantile. */
#include "render/chart_layout.h"
#include "tests/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-6

static int near(double a, double b)
{
    return fabs(a - b) <= EPS * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Whether r lies inside outer (edges may touch). */
static int inside(const struct chart_rect *r, const struct chart_rect *outer)
{
    return r->x >= outer->x - EPS && r->y >= outer->y - EPS &&
           r->x + r->w <= outer->x + outer->w + EPS && r->y + r->h <= outer->y + outer->h + EPS;
}

static double overlap(const struct chart_rect *a, const struct chart_rect *b)
{
    double w = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
    double h = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);
    return w > EPS && h > EPS ? w * h : 0;
}

/* Opens a measuring context for t drawn as spec; 0 (and a failed check) when it cannot. */
static int measure(struct chart_ctx *ctx, const struct table *t, const struct chart_spec *spec)
{
    struct tally_diag diag;
    enum tally_error err;

    diag_clear(&diag);
    err = chart_measure_open(ctx, t, spec, &diag);
    if (err != TALLY_OK)
        CHECK(0, "measuring context: %s", diag.message);
    return err == TALLY_OK;
}

static struct table *text_int(const char *name, const char *cat, const char *val)
{
    struct table *t = table_new(name, "A title");
    table_add_column(t, cat, COLUMN_TEXT);
    table_add_column(t, val, COLUMN_INTEGER);
    return t;
}

static void add2(struct table *t, const char *cat, long long v)
{
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, cat);
    table_set_int(t, r, 1, v);
}

static void add3(struct table *t, const char *a, const char *b, long long v)
{
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, a);
    table_set_text(t, r, 1, b);
    table_set_int(t, r, 2, v);
}

static struct table *three_columns(const char *name)
{
    struct table *t = table_new(name, "A title");
    table_add_column(t, "from", COLUMN_TEXT);
    table_add_column(t, "to", COLUMN_TEXT);
    table_add_column(t, "count", COLUMN_INTEGER);
    return t;
}

/* ---- Sankey ---- */

/* Nodes of one column: heights value x ky, stacked top to bottom in rank order at least
 * `pad` apart, inside the plot. */
static void check_sankey_column(const struct sankey_node *nodes, int n, double ky,
                                const struct chart_rect *plot, const char *side)
{
    int proportional = 1, within = 1, ordered = 1, ranks = 1;
    int *at = calloc((size_t)n, sizeof *at);

    for (int i = 0; i < n; i++) {
        proportional &= near(nodes[i].box.h, fmax(nodes[i].value * ky, 1.0));
        within &= inside(&nodes[i].box, plot);
        if (nodes[i].rank < 0 || nodes[i].rank >= n || at[nodes[i].rank])
            ranks = 0;
        else
            at[nodes[i].rank] = i + 1;
    }
    for (int k = 1; ranks && k < n; k++) {
        const struct chart_rect *above = &nodes[at[k - 1] - 1].box, *below = &nodes[at[k] - 1].box;
        ordered &= below->y >= above->y + above->h + 8.0 - EPS;
    }
    CHECK(proportional, "sankey %s: node heights are value x %.4f points", side, ky);
    CHECK(ranks, "sankey %s: the ranks are 0..%d, each once", side, n - 1);
    CHECK(ordered, "sankey %s: nodes stack top to bottom in rank order, 8 points apart", side);
    CHECK(within, "sankey %s: every node lies inside the plot", side);
    free(at);
}

static void test_sankey(void)
{
    struct table *t = three_columns("flows");
    struct chart_spec spec = { CHART_SANKEY, NULL, NULL, NULL, NULL, 0, 1, 2, 0, 0 };
    struct chart_ctx ctx;
    struct sankey_chart sc;
    struct tally_diag diag;
    enum tally_error err;

    add3(t, "alpha", "x", 60);
    add3(t, "alpha", "y", 20);
    add3(t, "beta", "y", 30);
    add3(t, "gamma", "x", 10);
    add3(t, "gamma", "x", 5);           /* a repeated pair adds up */
    add3(t, "delta", "y", 0);           /* no flow */
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = sankey_chart_layout(&ctx, &sc, &diag);
    CHECK(err == TALLY_OK && !sc.empty, "sankey: lays out (%s)", diag.message);
    if (err != TALLY_OK)
        goto close;
    CHECK(sc.nleft == 3 && sc.nright == 2, "sankey: 3 left nodes and 2 right (got %d, %d)",
          sc.nleft, sc.nright);
    CHECK(sc.nleft == 3 && near(sc.left[0].value, 80) && near(sc.left[1].value, 30) &&
              near(sc.left[2].value, 15),
          "sankey: left values are their flows' sums (80, 30, 15)");
    CHECK(near(sc.right[0].value, 75) && near(sc.right[1].value, 50),
          "sankey: right values are their flows' sums (75, 50)");
    CHECK(sc.ky > 0, "sankey: a positive scale");
    check_sankey_column(sc.left, sc.nleft, sc.ky, &ctx.plot, "left");
    check_sankey_column(sc.right, sc.nright, sc.ky, &ctx.plot, "right");
    CHECK(sc.left[0].box.x + sc.left[0].box.w < sc.right[0].box.x,
          "sankey: the left column stands left of the right one");
    CHECK_STR(sc.left[0].label.text, "alpha (80)", "sankey: label \"name (count)\"");
    CHECK(sc.left[0].label.x <= sc.left[0].box.x && sc.left[0].label.align == ALIGN_RIGHT &&
              sc.right[1].label.x >= sc.right[1].box.x + sc.right[1].box.w &&
              sc.right[1].label.align == ALIGN_LEFT,
          "sankey: labels sit outside their nodes");

    int largest_first = 1, in_nodes = 1;
    double out_of[3] = { 0, 0, 0 };
    CHECK(sc.nribbons == 4, "sankey: one ribbon per pair (got %d)", sc.nribbons);
    for (int k = 0; k < sc.nribbons; k++) {
        const struct sankey_ribbon *rb = &sc.ribbons[k];
        const struct chart_rect *s = &sc.left[rb->source].box, *d = &sc.right[rb->target].box;
        if (k > 0)
            largest_first &= rb->value <= sc.ribbons[k - 1].value;
        in_nodes &= near(rb->w, rb->value * sc.ky) && rb->sy >= s->y - EPS &&
                    rb->sy + rb->w <= s->y + s->h + EPS && rb->ty >= d->y - EPS &&
                    rb->ty + rb->w <= d->y + d->h + EPS;
        out_of[rb->source] += rb->w;
    }
    CHECK(largest_first, "sankey: ribbons are drawn largest first");
    CHECK(in_nodes, "sankey: every ribbon is value x scale wide and within both its nodes");
    CHECK(near(out_of[0], sc.left[0].box.h) && near(out_of[1], sc.left[1].box.h),
          "sankey: a node's ribbons fill its height");
    sankey_chart_release(&sc);

    /* A crowded column folds its smallest nodes into "Other", kept at the bottom. */
    for (int i = 0; i < 80; i++) {
        char name[32];
        snprintf(name, sizeof name, "server-%02d", i);
        add3(t, name, i % 2 ? "x" : "y", 100 - i);
    }
    err = sankey_chart_layout(&ctx, &sc, &diag);
    CHECK(err == TALLY_OK && sc.left_other >= 0 && sc.nleft <= 40,
          "sankey: 84 left nodes fold into at most 40 with \"Other\" (got %d)", sc.nleft);
    if (err == TALLY_OK && sc.left_other >= 0) {
        CHECK(sc.left[sc.left_other].rank == sc.nleft - 1,
              "sankey: \"Other\" is the bottom node");
        CHECK(sc.left[sc.left_other].label.text &&
                  strncmp(sc.left[sc.left_other].label.text, "Other (", 7) == 0,
              "sankey: \"Other\" is labelled with its count");
        check_sankey_column(sc.left, sc.nleft, sc.ky, &ctx.plot, "folded left");
    }
    sankey_chart_release(&sc);
close:
    chart_measure_close(&ctx);
out:
    table_free(t);

    struct table *none = three_columns("flows");
    add3(none, "a", "b", 0);
    if (measure(&ctx, none, &spec)) {
        err = sankey_chart_layout(&ctx, &sc, &diag);
        CHECK(err == TALLY_OK && sc.empty, "sankey: no positive flow is \"No data\"");
        sankey_chart_release(&sc);
        chart_measure_close(&ctx);
    }
    table_free(none);
}

/* ---- bars ---- */

static void test_bars(void)
{
    struct table *t = text_int("bars", "subnet", "hosts");
    struct chart_spec spec = { CHART_BAR, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    static const long long values[] = { 10, 40, 25, 0, 5 };
    struct chart_ctx ctx;
    struct bar_chart bc;
    struct hbar_chart hb;
    struct tally_diag diag;
    enum tally_error err;

    for (size_t i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "10.0.%zu.0/24", i);
        add2(t, name, values[i]);
    }
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = bar_chart_layout(&ctx, BARS_PLAIN, &bc, &diag);
    CHECK(err == TALLY_OK, "bars: lay out (%s)", diag.message);
    if (err == TALLY_OK) {
        int in_area = 1, apart = 1, proportional = 1, on_zero = 1, labelled = 1;
        double per = bc.segments[1].box.h / 40;
        CHECK(inside(&bc.cols.area, &ctx.plot), "bars: the plot area lies inside the plot");
        for (size_t i = 0; i < 5; i++) {
            const struct chart_rect *b = &bc.segments[i].box;
            in_area &= inside(b, &bc.cols.area);
            if (i > 0)
                apart &= bc.segments[i - 1].box.x + bc.segments[i - 1].box.w < b->x;
            proportional &= near(b->h, values[i] * per);
            on_zero &= near(b->y + b->h, bc.zero_y);
            if (values[i] != 0)
                labelled &= bc.total_labels[i].text && bc.total_labels[i].y <= b->y;
        }
        CHECK(!bc.legend, "bars: one series has no legend");
        CHECK(in_area, "bars: every bar lies inside the plot area");
        CHECK(apart, "bars: bars are left to right with gaps, never overlapping");
        CHECK(proportional && per > 0, "bars: heights are proportional to values");
        CHECK(on_zero, "bars: every bar stands on the zero line");
        CHECK(bc.show_values && labelled, "bars: values are printed above their bars");
        CHECK(bc.total_labels[3].text && strcmp(bc.total_labels[3].text, "0") == 0 &&
                  bc.total_labels[3].y < bc.zero_y,
              "bars: a zero bar still reads 0, just above the zero line");
        bar_chart_release(&bc);
    }

    /* Horizontal: rows top to bottom, widths proportional, names left of the area. */
    err = hbar_chart_layout(&ctx, &hb, &diag);
    CHECK(err == TALLY_OK, "hbar: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int in_area = 1, apart = 1, proportional = 1, named = 1;
        double per = hb.bars[1].box.w / 40;
        for (size_t i = 0; i < 5; i++) {
            const struct chart_rect *b = &hb.bars[i].box;
            in_area &= inside(b, &hb.area);
            if (i > 0)
                apart &= hb.bars[i - 1].box.y + hb.bars[i - 1].box.h < b->y;
            proportional &= near(b->w, values[i] * per) && near(b->x, hb.zero_x);
            named &= hb.bars[i].name.text && hb.bars[i].name.x < hb.area.x;
        }
        CHECK(inside(&hb.area, &ctx.plot), "hbar: the plot area lies inside the plot");
        CHECK(in_area, "hbar: every bar lies inside the plot area");
        CHECK(apart, "hbar: bars are top to bottom with gaps, never overlapping");
        CHECK(proportional && per > 0, "hbar: widths are proportional to values, from zero");
        CHECK(named, "hbar: every bar is named left of the plot area");
        hbar_chart_release(&hb);
    }
    chart_measure_close(&ctx);
out:
    table_free(t);
}

static void test_stacked_bars(void)
{
    struct table *t = three_columns("stacked");
    struct chart_spec spec = { CHART_STACKED_BAR, NULL, NULL, NULL, NULL, 0, 1, 2, 0, 0 };
    struct chart_ctx ctx;
    struct bar_chart bc;
    struct tally_diag diag;
    enum tally_error err;

    add3(t, "2024-03-01", "video", 6);
    add3(t, "2024-03-01", "phone", 2);
    add3(t, "2024-03-02", "video", 3);
    add3(t, "2024-03-02", "phone", 5);
    add3(t, "2024-03-03", "video", 4);
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = bar_chart_layout(&ctx, BARS_STACKED, &bc, &diag);
    CHECK(err == TALLY_OK, "stacked: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int stacked = 1, in_area = 1;
        CHECK(bc.legend && bc.data.nseries == 2 && bc.plot.y > ctx.plot.y &&
                  bc.cols.area.y >= bc.plot.y,
              "stacked: the legend takes the top of the plot, the bars what is left");
        for (size_t i = 0; i < bc.data.ncat; i++) {
            const struct bar_segment *sg = &bc.segments[i * 2];
            /* The second series sits on top of the first. */
            stacked &= near(sg[1].box.y + sg[1].box.h, sg[0].box.y) &&
                       near(sg[0].box.x, sg[1].box.x) && near(sg[0].box.w, sg[1].box.w);
            in_area &= inside(&sg[0].box, &bc.cols.area) && inside(&sg[1].box, &bc.cols.area);
        }
        CHECK(stacked, "stacked: each category's segments stack without gaps");
        CHECK(in_area, "stacked: every segment lies inside the plot area");
        CHECK(near(bc.segments[0].box.h, bc.segments[2].box.h * 2) &&
                  near(bc.segments[0].box.h + bc.segments[1].box.h,
                       bc.segments[2].box.h + bc.segments[3].box.h),
              "stacked: 6 + 2 and 3 + 5 stand equally tall");
        CHECK(bc.segments[0].rule && near(bc.segments[0].rule_y, bc.segments[0].box.y),
              "stacked: a white rule on top of the lower segment");
        bar_chart_release(&bc);
    }

    spec.kind = CHART_GROUPED_BAR;
    err = bar_chart_layout(&ctx, BARS_GROUPED, &bc, &diag);
    CHECK(err == TALLY_OK, "grouped: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int side_by_side = 1, disjoint = 1;
        size_t n = bc.data.ncat * 2;
        for (size_t i = 0; i < bc.data.ncat; i++)
            side_by_side &= bc.segments[i * 2].box.x < bc.segments[i * 2 + 1].box.x;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < a; b++)
                disjoint &= overlap(&bc.segments[a].box, &bc.segments[b].box) == 0;
        CHECK(side_by_side, "grouped: a category's series stand side by side");
        CHECK(disjoint, "grouped: no two bars overlap");
        bar_chart_release(&bc);
    }
    chart_measure_close(&ctx);
out:
    table_free(t);
}

/* ---- histogram ---- */

static void test_histogram(void)
{
    struct table *t = text_int("durations", "minutes", "meetings");
    struct chart_spec spec = { CHART_HISTOGRAM, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    static const long long counts[] = { 3, 7, 0, 2 };
    static const char *const bins[] = { "0", "15", "30", "45" };
    struct chart_ctx ctx;
    struct histogram_chart hg;
    struct tally_diag diag;
    enum tally_error err;

    for (int i = 0; i < 4; i++)
        add2(t, bins[i], counts[i]);
    table_add_note(t, "min", 2);
    table_add_note(t, "q1", 10);
    table_add_note(t, "median", 20);
    table_add_note(t, "q3", 31);
    table_add_note(t, "max", 58);
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = histogram_chart_layout(&ctx, &hg, &diag);
    CHECK(err == TALLY_OK, "histogram: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int touching = 1, proportional = 1, on_axis = 1;
        double per = hg.bins[1].box.h / 7;
        CHECK(hg.numeric && near(hg.lo, 0) && near(hg.hi, 60) && near(hg.width, 15),
              "histogram: numeric bins 0..60, 15 wide");
        CHECK(hg.nbins == 4 && near(hg.bins[0].box.x, hg.area.x) &&
                  near(hg.bins[3].box.x + hg.bins[3].box.w, hg.area.x + hg.area.w),
              "histogram: the bins cover the axis from end to end");
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                touching &= near(hg.bins[i - 1].box.x + hg.bins[i - 1].box.w, hg.bins[i].box.x);
            proportional &= near(hg.bins[i].box.h, counts[i] * per);
            on_axis &= near(hg.bins[i].box.y + hg.bins[i].box.h, hg.area.y + hg.area.h);
        }
        CHECK(touching, "histogram: neighbouring bins touch");
        CHECK(proportional && per > 0, "histogram: heights are proportional to counts");
        CHECK(on_axis, "histogram: every bin stands on the axis");
        CHECK(inside(&hg.area, &ctx.plot), "histogram: the plot area lies inside the plot");
        CHECK(hg.nticks >= 2 && near(hg.ticks[0].x, hg.area.x),
              "histogram: edge labels start at the axis' left end");
        CHECK(hg.bins[2].label.text == NULL && hg.bins[1].label.text &&
                  strcmp(hg.bins[1].label.text, "7") == 0,
              "histogram: counts above the bins, none for an empty bin");
        int ordered = hg.has_box;
        for (int k = 1; ordered && k < 5; k++)
            ordered = hg.box_x[k] >= hg.box_x[k - 1];
        CHECK(ordered && hg.box_x[0] >= hg.area.x && hg.box_x[4] <= hg.area.x + hg.area.w &&
                  near(hg.box_x[2], hg.area.x + hg.area.w * 20 / 60),
              "histogram: the box summary lies along the same axis (median at 20 of 60)");
        CHECK(hg.box_y < hg.area.y, "histogram: the box summary sits above the bars");
        histogram_chart_release(&hg);
    }
    chart_measure_close(&ctx);
out:
    table_free(t);
}

/* ---- heatmap ---- */

static void test_heatmap(void)
{
    struct table *t = table_new("meeting-hours", "Meetings by hour");
    struct chart_spec spec = { CHART_HEATMAP, NULL, NULL, NULL, NULL, 0, 1, 2, 0, 0 };
    static const char *const days[] = { "Mon", "Tue", "Wed" };
    struct chart_ctx ctx;
    struct heatmap_chart hm;
    struct tally_diag diag;
    enum tally_error err;

    table_add_column(t, "weekday", COLUMN_TEXT);
    table_add_column(t, "hour", COLUMN_INTEGER);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    for (int d = 0; d < 3; d++) {
        for (int h = 9; h <= 12; h++) {
            if (h == 10)
                continue;               /* no data at 10 on any day */
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, days[d]);
            table_set_int(t, r, 1, h);
            table_set_int(t, r, 2, (d + 1) * h);
        }
    }
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = heatmap_chart_layout(&ctx, &hm, &diag);
    CHECK(err == TALLY_OK && !hm.empty, "heatmap: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int tiled = 1, empty_grey = 1, darker = 1;
        double area = 0;
        CHECK(hm.rows == 3 && hm.cols == 4, "heatmap: 3 rows, hours 9..12 as 4 columns (%dx%d)",
              hm.rows, hm.cols);
        for (int r = 0; r < hm.rows; r++) {
            for (int c = 0; c < hm.cols; c++) {
                const struct heatmap_cell *cell = &hm.cells[r * hm.cols + c];
                tiled &= near(cell->box.x, hm.grid.x + c * hm.cell_w) &&
                         near(cell->box.y, hm.grid.y + r * hm.cell_h) &&
                         near(cell->box.w, hm.cell_w) && near(cell->box.h, hm.cell_h);
                area += cell->box.w * cell->box.h;
                if (c == 1)
                    empty_grey &= !cell->filled && cell->r == cell->g && cell->r > 0.9;
                else
                    empty_grey &= cell->filled && near(cell->value, (r + 1) * (9 + c));
            }
        }
        /* Larger values are darker on the sequential scale. */
        for (int r = 1; r < hm.rows; r++) {
            const struct heatmap_cell *a = &hm.cells[(r - 1) * hm.cols], *b = &hm.cells[r * hm.cols];
            darker &= shape_luminance(b->r, b->g, b->b) < shape_luminance(a->r, a->g, a->b);
        }
        CHECK(tiled, "heatmap: cells sit at row x column of one cell size");
        CHECK(near(area, hm.grid.w * hm.grid.h), "heatmap: the cells fill the grid exactly");
        CHECK(inside(&hm.grid, &ctx.plot), "heatmap: the grid lies inside the plot");
        CHECK(empty_grey, "heatmap: hour 10 is grey and empty, the others hold their sums");
        CHECK(darker, "heatmap: larger values are darker");
        CHECK(hm.legend.shown && hm.legend.none.text && hm.legend.bar.y > hm.grid.y + hm.grid.h,
              "heatmap: a legend below the grid, with a swatch for empty cells");
        CHECK(hm.nlabels == 3 + 4, "heatmap: every row and column labelled (%d)", hm.nlabels);
        heatmap_chart_release(&hm);
    }
    chart_measure_close(&ctx);
out:
    table_free(t);
}

/* A table of n one-series bars named "10.x.y.0/24" (each name `repeat` times), the
 * i-th valued value(i). */
static struct table *many_bars(size_t n, int repeat, double (*value)(size_t), int real)
{
    struct table *t = table_new("subnets", "A title");
    table_add_column(t, "subnet", COLUMN_TEXT);
    table_add_column(t, "hosts", real ? COLUMN_REAL : COLUMN_INTEGER);
    for (int k = 0; k < repeat; k++)
        for (size_t i = 0; i < n; i++) {
            char name[32];
            size_t r = table_add_row(t);
            snprintf(name, sizeof name, "10.%zu.%zu.0/24", i / 256, i % 256);
            table_set_text(t, r, 0, name);
            if (real)
                table_set_real(t, r, 1, value(i));
            else
                table_set_int(t, r, 1, (int64_t)value(i));
        }
    return t;
}

static double one_to_seven(size_t i) { return 1 + (double)(i % 7); }
static double powers_of_two(size_t i) { return (double)(1u << (i % 12)); }
static double halves(size_t i) { return 0.5 + (double)i; }
static double one(size_t i) { (void)i; return 1; }

/* Lays out t as bars of mode; 0 (and a failed check) when it cannot. */
static int lay_bars(struct chart_ctx *ctx, const struct table *t, enum bar_mode mode,
                    struct bar_chart *bc)
{
    struct chart_spec spec = { mode == BARS_PLAIN ? CHART_BAR : CHART_STACKED_BAR, NULL, NULL,
                               NULL, NULL, 0, mode == BARS_PLAIN ? -1 : 1,
                               mode == BARS_PLAIN ? 1 : 2, 0, 0 };
    struct tally_diag diag;
    enum tally_error err;

    if (!measure(ctx, t, &spec))
        return 0;
    diag_clear(&diag);
    err = bar_chart_layout(ctx, mode, bc, &diag);
    CHECK(err == TALLY_OK, "many bars: lay out (%s)", diag.message);
    if (err != TALLY_OK)
        chart_measure_close(ctx);
    return err == TALLY_OK;
}

/* Every bar inside the plot area, left to right, the note above the area. */
static void check_condensed(const struct chart_ctx *ctx, const struct bar_chart *bc,
                            const char *what)
{
    int in_area = 1, ordered = 1;
    for (size_t i = 0; i < bc->data.ncat; i++) {
        const struct chart_rect *b = &bc->segments[i * (size_t)bc->data.nseries].box;
        in_area &= inside(b, &bc->cols.area);
        if (i > 0)
            ordered &= bc->segments[(i - 1) * (size_t)bc->data.nseries].box.x < b->x;
    }
    CHECK(in_area && ordered, "%s: bars lie in the plot area, left to right", what);
    CHECK(bc->note.text && bc->note.y >= ctx->plot.y && bc->note.y < bc->cols.area.y,
          "%s: the note sits above the bars", what);
}

static void test_many_bars(void)
{
    struct chart_ctx ctx;
    struct bar_chart bc;
    struct table *t;

    /* 5,000 subnets holding 1 to 7 hosts: a bar per count. */
    t = many_bars(5000, 1, one_to_seven, 0);
    if (lay_bars(&ctx, t, BARS_PLAIN, &bc)) {
        int counts = 1;
        double sum = 0;
        CHECK(bc.view == BARS_DISTRIBUTION && bc.ncat_all == 5000 && bc.data.ncat == 7,
              "counts: 5,000 subnets become 7 bars, one per count (%zu)", bc.data.ncat);
        for (size_t i = 0; i < bc.data.ncat && i < 7; i++) {
            char want[8];
            snprintf(want, sizeof want, "%zu", i + 1);
            counts &= strcmp(bc.data.cats[i], want) == 0 &&
                      near(chart_data_get(&bc.data, i, 0), i < 2 ? 715 : 714);
            sum += chart_data_get(&bc.data, i, 0);
        }
        CHECK(counts && near(sum, 5000), "counts: bar k counts the subnets with k hosts");
        CHECK(strcmp(bc.data.cat_title, "Hosts per subnet") == 0 &&
                  strcmp(bc.data.value_title, "Subnets") == 0,
              "counts: the axes say hosts per subnet, subnets");
        CHECK(bc.note_text && strstr(bc.note_text, "5,000 subnets, too many for a bar each"),
              "counts: the note says why (%s)", bc.note_text ? bc.note_text : "none");
        CHECK(bc.show_values, "counts: each bar prints its count");
        check_condensed(&ctx, &bc, "counts");
        bar_chart_release(&bc);
        chart_measure_close(&ctx);
    }
    table_free(t);

    /* A long tail: bins doubling in width. */
    t = many_bars(6000, 1, powers_of_two, 0);
    if (lay_bars(&ctx, t, BARS_PLAIN, &bc)) {
        int each = 1;
        CHECK(bc.view == BARS_DISTRIBUTION && bc.data.ncat == 12,
              "long tail: 12 bins doubling in width (%zu)", bc.data.ncat);
        for (size_t i = 0; i < bc.data.ncat; i++)
            each &= near(chart_data_get(&bc.data, i, 0), 500);
        CHECK(each && strcmp(bc.data.cats[0], "1") == 0 &&
                  strcmp(bc.data.cats[2], "4\xe2\x80\x93" "7") == 0 &&
                  strcmp(bc.data.cats[11], "2,048\xe2\x80\x93" "4,095") == 0,
              "long tail: bins 1, 2-3, 4-7, ..., 2,048-4,095 of 500 subnets each");
        CHECK(bc.note_text && strstr(bc.note_text, "ranges double in width"),
              "long tail: the note says the ranges double");
        check_condensed(&ctx, &bc, "long tail");
        bar_chart_release(&bc);
        chart_measure_close(&ctx);
    }
    table_free(t);

    /* Each name twice: the categories' sums are binned, not the rows. */
    t = many_bars(1500, 2, one, 0);
    if (lay_bars(&ctx, t, BARS_PLAIN, &bc)) {
        CHECK(bc.view == BARS_DISTRIBUTION && bc.ncat_all == 1500 && bc.data.ncat == 1 &&
                  strcmp(bc.data.cats[0], "2") == 0 &&
                  near(chart_data_get(&bc.data, 0, 0), 1500),
              "repeated names: 1,500 subnets of 2 hosts each");
        bar_chart_release(&bc);
        chart_measure_close(&ctx);
    }
    table_free(t);

    /* Not counts: the largest, in table order. */
    t = many_bars(3000, 1, halves, 1);
    if (lay_bars(&ctx, t, BARS_PLAIN, &bc)) {
        size_t n = bc.data.ncat;
        int largest = 1;
        CHECK(bc.view == BARS_LARGEST && n > 100 && n < 3000,
              "fractions: the largest %zu of 3,000 are kept", n);
        for (size_t i = 0; i < n; i++)
            largest &= near(chart_data_get(&bc.data, i, 0), halves(3000 - n + i));
        CHECK(largest, "fractions: the kept bars are the largest values, in order");
        CHECK(bc.note_text && strstr(bc.note_text, "largest"), "fractions: the note says so");
        check_condensed(&ctx, &bc, "fractions");
        bar_chart_release(&bc);
        chart_measure_close(&ctx);
    }
    table_free(t);

    /* Stacked: the categories with the largest sums keep all their series. */
    t = three_columns("stacked");
    for (int i = 0; i < 2000; i++) {
        char day[32];
        snprintf(day, sizeof day, "day %04d", i);
        add3(t, day, "video", i);
        add3(t, day, "phone", i % 3 == 0 ? 5000 : 1);
    }
    if (lay_bars(&ctx, t, BARS_STACKED, &bc)) {
        size_t n = bc.data.ncat;
        int kept = bc.data.nseries == 2;
        CHECK(bc.view == BARS_LARGEST && n < 2000, "stacked: the largest %zu of 2,000", n);
        for (size_t i = 0; kept && i < n; i++) {
            int day = atoi(bc.data.cats[i] + 4);
            kept &= day % 3 == 0 || day >= 1900;
        }
        CHECK(kept, "stacked: the categories kept have the largest stacks, both series");
        check_condensed(&ctx, &bc, "stacked");
        bar_chart_release(&bc);
        chart_measure_close(&ctx);
    }
    table_free(t);

    /* Horizontal bars keep the largest, with the note above. */
    t = many_bars(2000, 1, one_to_seven, 0);
    {
        struct chart_spec spec = { CHART_HBAR, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
        struct hbar_chart hb;
        struct tally_diag diag;
        if (measure(&ctx, t, &spec)) {
            diag_clear(&diag);
            if (hbar_chart_layout(&ctx, &hb, &diag) == TALLY_OK) {
                int sevens = 1, in_area = 1;
                for (size_t i = 0; i < hb.data.ncat; i++) {
                    sevens &= near(hb.bars[i].value, 7) || hb.data.ncat > 285;
                    in_area &= inside(&hb.bars[i].box, &hb.area);
                }
                CHECK(hb.view == BARS_LARGEST && hb.data.ncat < 2000 && hb.note.text &&
                          hb.note.y < hb.area.y,
                      "hbar: the largest %zu of 2,000 rows, with a note", hb.data.ncat);
                CHECK(sevens && in_area, "hbar: the kept bars are the largest, in the area");
                hbar_chart_release(&hb);
            } else {
                CHECK(0, "hbar: lays out (%s)", diag.message);
            }
            chart_measure_close(&ctx);
        }
    }
    table_free(t);
}

/* ---- address map ---- */

static void test_address_map(void)
{
    struct table *t = text_int("address-map", "subnet", "hosts");
    struct chart_spec spec = { CHART_ADDRESS_MAP, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    static const int third[] = { 0, 1, 77, 200, 255 };
    static const long long hosts[] = { 5, 50, 12, 1, 30 };
    struct chart_ctx ctx;
    struct addrmap_chart am;
    struct tally_diag diag;
    enum tally_error err;

    for (int i = 0; i < 5; i++) {
        char net[32];
        snprintf(net, sizeof net, "10.1.%d.0/24", third[i]);
        add2(t, net, hosts[i]);
    }
    add2(t, "2001:db8::/48", 9);       /* IPv6 is named in the caption, not drawn */
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    err = addrmap_chart_layout(&ctx, &am, &diag);
    CHECK(err == TALLY_OK && !am.empty, "address map: lays out (%s)", diag.message);
    if (err == TALLY_OK) {
        int at_hilbert = 1, centred = 1, in_map = 1, ascending = 1;
        struct chart_rect map = { am.grid.x0, am.grid.y0, am.grid.cell * am.grid.cols,
                                  am.grid.cell * am.grid.rows };
        double total = 0;
        CHECK(am.map.base == (10u << 24 | 1u << 16) && am.map.prefix == 16 &&
                  am.map.cell_prefix == 24 && am.grid.cols == 16 && am.grid.rows == 16,
              "address map: 10.1.0.0/16 in /24 cells, 16 x 16");
        CHECK(am.nmarks == 5, "address map: five cells hold hosts (%zu)", am.nmarks);
        for (size_t k = 0; k < am.nmarks; k++) {
            const struct addrmap_mark *m = &am.marks[k];
            int i;
            uint32_t x, y;
            for (i = 0; i < 5 && hosts[i] != (long long)m->value; i++)
                ;
            /* The block's step along the curve is its third octet. */
            layout_hilbert_d2xy(am.map.order, i < 5 ? (uint32_t)third[i] : 0, &x, &y);
            at_hilbert &= i < 5 && m->cx == x && m->cy == y;
            centred &= near(m->box.x + m->box.w / 2, am.grid.x0 + (m->cx + 0.5) * am.grid.cell) &&
                       near(m->box.y + m->box.h / 2, am.grid.y0 + (m->cy + 0.5) * am.grid.cell);
            in_map &= inside(&m->box, &map);
            if (k > 0)
                ascending &= m->value >= am.marks[k - 1].value;
            total += m->value;
        }
        CHECK(at_hilbert, "address map: each block's cell is its Hilbert position");
        CHECK(centred, "address map: each mark is centred on its cell");
        CHECK(in_map, "address map: every mark lies inside the map");
        CHECK(ascending, "address map: the fullest cells are drawn last");
        CHECK(near(total, 98) && near(am.max, 50), "address map: 98 hosts, at most 50 a cell");
        CHECK(inside(&map, &ctx.plot), "address map: the map lies inside the plot");
        int v6 = 0, block = 0;
        for (int i = 0; i < am.legend.ncaption; i++) {
            v6 |= strcmp(am.legend.caption[i].text, "1 IPv6 block not shown") == 0;
            block |= strcmp(am.legend.caption[i].text, "Block 10.1.0.0/16") == 0;
        }
        CHECK(block && v6, "address map: the caption names the block and the IPv6 one left out");
        CHECK(am.nbands == 0 && am.legend.nsteps == ADDRMAP_BAR_STEPS,
              "address map: a few cells keep the log scale");
        CHECK(am.legend.title.x >= map.x + map.w, "address map: the legend is right of the map");
        addrmap_chart_release(&am);
    }
    add2(t, "not an address", 1);
    err = addrmap_chart_layout(&ctx, &am, &diag);
    CHECK(err == TALLY_ERROR_DATA, "address map: a row that is no address block is refused");
    chart_measure_close(&ctx);
out:
    table_free(t);
}

static void test_address_map_flat(void)
{
    struct table *t = text_int("address-map", "subnet", "hosts");
    struct chart_spec spec = { CHART_ADDRESS_MAP, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    double values[1000], lo[ADDRMAP_QUANTILE_BANDS], hi[ADDRMAP_QUANTILE_BANDS];
    struct chart_ctx ctx;
    struct addrmap_chart am;
    struct tally_diag diag;
    int nb;

    /* The band finder: flat counts get bands, spread or equal ones the log scale. */
    for (int i = 0; i < 1000; i++)
        values[i] = 140 + (i * 37) % 41;
    nb = addrmap_quantile_bands(values, 1000, lo, hi);
    int tiled = nb == ADDRMAP_QUANTILE_BANDS && near(lo[0], 140) && near(hi[nb - 1], 180);
    for (int b = 1; b < nb; b++)
        tiled &= lo[b] > hi[b - 1] && lo[b] <= hi[b];
    CHECK(tiled, "quantile bands: 140..180 in %d ascending, disjoint bands covering all", nb);
    for (int i = 0; i < 1000; i++)
        values[i] = 1 + i;
    CHECK(addrmap_quantile_bands(values, 1000, lo, hi) == 0,
          "quantile bands: counts spread over the log scale keep it");
    for (int i = 0; i < 1000; i++)
        values[i] = i < 950 ? 1 : 100;
    CHECK(addrmap_quantile_bands(values, 1000, lo, hi) == 0,
          "quantile bands: mostly equal counts keep the log scale");
    CHECK(addrmap_quantile_bands(values, 63, lo, hi) == 0,
          "quantile bands: too few cells keep the log scale");

    /* 256 /24s with 140 to 180 hosts each: distinct colours, lightest to darkest. */
    for (int i = 0; i < 256; i++) {
        char net[32];
        snprintf(net, sizeof net, "10.2.%d.0/24", i);
        add2(t, net, 140 + (i * 37) % 41);
    }
    if (!measure(&ctx, t, &spec))
        goto out;
    diag_clear(&diag);
    if (addrmap_chart_layout(&ctx, &am, &diag) != TALLY_OK) {
        CHECK(0, "flat address map: lays out (%s)", diag.message);
        goto close;
    }
    int colours = 0, by_band = 1, caption = 0;
    double seen[ADDRMAP_QUANTILE_BANDS][3];
    for (size_t k = 0; k < am.nmarks; k++) {
        const struct addrmap_mark *m = &am.marks[k];
        int b = 0, known = 0;
        while (b < am.nbands - 1 && m->value > am.band_hi[b])
            b++;
        by_band &= m->value >= am.band_lo[b] && m->value <= am.band_hi[b];
        for (int c = 0; c < colours; c++)
            known |= near(seen[c][0], m->r) && near(seen[c][1], m->g) && near(seen[c][2], m->b);
        if (!known && colours < ADDRMAP_QUANTILE_BANDS) {
            seen[colours][0] = m->r;
            seen[colours][1] = m->g;
            seen[colours][2] = m->b;
            colours++;
        }
        if (k > 0)
            by_band &= shape_luminance(m->r, m->g, m->b) <=
                       shape_luminance(am.marks[k - 1].r, am.marks[k - 1].g,
                                       am.marks[k - 1].b) + EPS;
    }
    for (int i = 0; i < am.legend.ncaption; i++)
        caption |= strstr(am.legend.caption[i].text, "quantiles") != NULL;
    CHECK(am.nbands == ADDRMAP_QUANTILE_BANDS && colours == am.nbands,
          "flat address map: %d quantile bands, %d distinct colours", am.nbands, colours);
    CHECK(by_band, "flat address map: fuller cells are darker, by band");
    CHECK(am.legend.nsteps == am.nbands && am.legend.nticks >= 2 && caption,
          "flat address map: the legend has a step per band and says quantiles");
    addrmap_chart_release(&am);
close:
    chart_measure_close(&ctx);
out:
    table_free(t);
}

int main(void)
{
    test_sankey();
    test_bars();
    test_stacked_bars();
    test_histogram();
    test_heatmap();
    test_address_map();
    test_many_bars();
    test_address_map_flat();
    return tap_done();
}
