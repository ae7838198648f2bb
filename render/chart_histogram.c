/* chart_histogram.c: a histogram of pre-binned rows (bin label or lower edge, count) with
 * bars touching, and above it a box summary (min, quartiles, median, max) read from the
 * table's notes. */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOX_HEIGHT 12.0

static const char *const box_keys[5] = { "min", "q1", "median", "q3", "max" };
static const char *const box_names[5] = { "Min", "Q1", "Median", "Q3", "Max" };

/* The five-number summary from the notes; 0 when any is missing. */
static int box_summary(const struct table *t, double five[5])
{
    int k, i, found = 0;
    for (k = 0; k < 5; k++) {
        for (i = 0; i < t->nnotes; i++)
            if (t->note_key[i] && strcmp(t->note_key[i], box_keys[k]) == 0)
                break;
        if (i == t->nnotes || !isfinite(t->note_value[i]))
            return 0;
        five[k] = t->note_value[i];
        found++;
    }
    return found == 5;
}

/* Lower bin edges from labels that start with a number ("30", "30-45", "30 min"); 0 when
 * some label does not, or the edges do not increase. */
static int bin_edges(const struct chart_data *d, double *edges)
{
    size_t i;
    for (i = 0; i < d->ncat; i++) {
        char *end;
        edges[i] = strtod(d->cats[i], &end);
        if (end == d->cats[i] || !isfinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1]))
            return 0;
    }
    return d->ncat > 0;
}

static double map_x(double v, double lo, double hi, const struct chart_rect *a)
{
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return a->x + (v - lo) / (hi - lo) * a->w;
}

/* The box and whiskers between y and y + BOX_HEIGHT, over the axis [lo, hi]. */
static void draw_box(struct chart_ctx *ctx, const double five[5], double lo, double hi,
                     const struct chart_rect *a, double y)
{
    cairo_t *cr = ctx->cr;
    double x[5], mid = y + BOX_HEIGHT / 2, r, g, b;
    int k;
    for (k = 0; k < 5; k++)
        x[k] = map_x(five[k], lo, hi, a);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x[0], mid);
    cairo_line_to(cr, x[1], mid);
    cairo_move_to(cr, x[3], mid);
    cairo_line_to(cr, x[4], mid);
    cairo_move_to(cr, x[0], y + 2);
    cairo_line_to(cr, x[0], y + BOX_HEIGHT - 2);
    cairo_move_to(cr, x[4], y + 2);
    cairo_line_to(cr, x[4], y + BOX_HEIGHT - 2);
    cairo_stroke(cr);
    chart_palette(0, &r, &g, &b);
    cairo_set_source_rgb(cr, r + (1 - r) * 0.65, g + (1 - g) * 0.65, b + (1 - b) * 0.65);
    cairo_rectangle(cr, x[1], y, fmax(x[3] - x[1], 1), BOX_HEIGHT);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, x[2], y);
    cairo_line_to(cr, x[2], y + BOX_HEIGHT);
    cairo_stroke(cr);
}

/* "Min 5 · Q1 15 · Median 30 · Q3 45 · Max 240" */
static void box_caption(const double five[5], char *out, size_t size)
{
    struct strbuf sb;
    int k;
    strbuf_init(&sb);
    for (k = 0; k < 5; k++) {
        char num[64];
        chart_format_value(five[k], num, sizeof num);
        strbuf_addf(&sb, "%s%s %s", k ? "  ·  " : "", box_names[k], num);
    }
    g_strlcpy(out, sb.buf, size);
    strbuf_release(&sb);
}

static enum tally_error draw_histogram(struct chart_ctx *ctx, struct tally_diag *diag)
{
    const struct chart_rect *p = &ctx->plot;
    struct chart_data d;
    struct chart_value_axis vax;
    struct chart_rect area;
    double five[5], *edges = NULL, lo = 0, hi = 1, width = 1, dmax = 0;
    double tick_lh, axis_lh, value_lh, top, bottom, left, bin_w;
    int has_box, numeric, show_values;
    size_t i;
    enum tally_error err;

    err = chart_data_load(&d, ctx, 0, diag);
    if (err != TALLY_OK)
        return err;
    has_box = box_summary(ctx->table, five);
    edges = xcalloc(d.ncat + 1, sizeof *edges);
    numeric = bin_edges(&d, edges);
    if (numeric) {
        /* Bins share the narrowest width; a missing (empty) bin leaves a gap. */
        width = 0;
        for (i = 1; i < d.ncat; i++)
            if (width == 0 || edges[i] - edges[i - 1] < width)
                width = edges[i] - edges[i - 1];
        if (width == 0)
            width = 1;
        lo = edges[0];
        hi = edges[d.ncat - 1] + width;
    }
    for (i = 0; i < d.ncat; i++)
        dmax = fmax(dmax, chart_data_get(&d, i, 0));

    tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    top = p->y;
    if (has_box)
        top += tick_lh + 4 + BOX_HEIGHT + 12;
    top += value_lh + 3;
    bottom = p->y + p->h - (d.cat_title ? axis_lh + 4 : 0) - tick_lh - 6;
    chart_value_axis_fit(&vax, 0, dmax, d.integers, bottom - top, 55);
    left = p->x + (d.value_title ? axis_lh + 6 : 0) + chart_value_axis_label_width(ctx, &vax) + 6;
    area.x = left;
    area.y = top;
    area.w = p->x + p->w - left - 2;
    area.h = fmax(bottom - top, 10);
    chart_value_axis_draw_left(ctx, &vax, &area);

    /* The bars, touching, with a hairline between neighbours. */
    bin_w = numeric ? area.w * width / (hi - lo) : area.w / (double)d.ncat;
    show_values = 1;
    for (i = 0; i < d.ncat && show_values; i++) {
        char label[64];
        double w, h;
        chart_format_value(chart_data_get(&d, i, 0), label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
        show_values = w <= bin_w - 2;
    }
    for (i = 0; i < d.ncat; i++) {
        double v = chart_data_get(&d, i, 0), r, g, b;
        double x = numeric ? map_x(edges[i], lo, hi, &area) : area.x + i * bin_w;
        double y = chart_value_axis_pos(&vax, v, area.y + area.h, area.y);
        chart_palette(0, &r, &g, &b);
        cairo_set_source_rgb(ctx->cr, r, g, b);
        cairo_rectangle(ctx->cr, x, y, bin_w, area.y + area.h - y);
        cairo_fill_preserve(ctx->cr);
        if (bin_w >= 3) {
            cairo_set_source_rgb(ctx->cr, 1, 1, 1);
            cairo_set_line_width(ctx->cr, 0.5);
            cairo_stroke(ctx->cr);
        } else {
            cairo_new_path(ctx->cr);
        }
        if (show_values && v != 0) {
            char label[64];
            chart_format_value(v, label, sizeof label);
            chart_text(ctx, &CHART_FONT_VALUE, label, x + bin_w / 2, y - 3, ALIGN_CENTER,
                       VALIGN_BOTTOM, 0, 0);
        }
    }
    {
        cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
        cairo_set_line_width(ctx->cr, 0.8);
        cairo_move_to(ctx->cr, area.x, area.y + area.h);
        cairo_line_to(ctx->cr, area.x + area.w, area.y + area.h);
        cairo_stroke(ctx->cr);
    }

    /* Bin labels: edges at multiples of the bin width, or the labels under their bars. */
    if (numeric) {
        double widest = 0, w, h, step;
        size_t nbins = (size_t)llround((hi - lo) / width), every;
        char label[64];
        for (i = 0; i <= nbins; i++) {
            chart_format_number(lo + i * width, width, label, sizeof label);
            chart_text_size(ctx, &CHART_FONT_TICK, label, &w, &h);
            widest = fmax(widest, w);
        }
        step = area.w / (double)(nbins ? nbins : 1);
        every = (size_t)ceil((widest + 8) / step);
        if (every < 1)
            every = 1;
        for (i = 0; i <= nbins; i += every) {
            double x = area.x + i * step;
            chart_format_number(lo + i * width, width, label, sizeof label);
            cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
            cairo_set_line_width(ctx->cr, 0.8);
            cairo_move_to(ctx->cr, x, area.y + area.h);
            cairo_line_to(ctx->cr, x, area.y + area.h + 3);
            cairo_stroke(ctx->cr);
            chart_text(ctx, &CHART_FONT_TICK, label, x, area.y + area.h + 4, ALIGN_CENTER,
                       VALIGN_TOP, 0, 0);
        }
    } else {
        struct chart_category_axis cax;
        chart_category_axis_fit(ctx, d.cats, d.ncat, bin_w, tick_lh + 6, &cax);
        cax.angle = 0;
        cax.max_label = bin_w * cax.every - 2;
        chart_category_axis_draw(ctx, &cax, d.cats, d.ncat, area.x, bin_w, area.y + area.h);
    }

    if (has_box) {
        char caption[256];
        double blo = numeric ? lo : fmin(five[0], five[4]);
        double bhi = numeric ? hi : fmax(five[0], five[4]);
        if (!(bhi > blo))
            bhi = blo + 1;
        box_caption(five, caption, sizeof caption);
        chart_text(ctx, &CHART_FONT_TICK, caption, area.x, p->y, ALIGN_LEFT, VALIGN_TOP, 0,
                   area.w);
        draw_box(ctx, five, blo, bhi, &area, p->y + tick_lh + 4);
    }
    chart_axis_title_left(ctx, d.value_title, p->x, area.y + area.h / 2);
    chart_axis_title_bottom(ctx, d.cat_title, area.x + area.w / 2, p->y + p->h);
    free(edges);
    chart_data_release(&d);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_histogram = { CHART_HISTOGRAM, "histogram",
                                                     draw_histogram };
