/* chart_histogram.c: a histogram of pre-binned rows (bin label or lower edge, count) with
 * bars touching, and above it a box summary (min, quartiles, median, max) read from the
 * table's notes. */
#include "render/chart_layout.h"

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

/* The box and whiskers between y and y + BOX_HEIGHT, at x[0..4] (min to max). */
static void draw_box(struct chart_ctx *ctx, const double x[5], double y)
{
    cairo_t *cr = ctx->cr;
    double mid = y + BOX_HEIGHT / 2, r, g, b;
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

/* The bars, touching, each with its value above it when every value fits its bar. */
static void histogram_bins_fit(struct chart_ctx *ctx, struct histogram_chart *hg,
                               const double *edges)
{
    const struct chart_data *d = &hg->data;
    const struct chart_rect *a = &hg->area;
    int show_values = 1;
    size_t i;

    hg->bin_w = hg->numeric ? a->w * hg->width / (hg->hi - hg->lo) : a->w / (double)d->ncat;
    for (i = 0; i < d->ncat && show_values; i++) {
        char label[64];
        double w, h;
        chart_format_value(chart_data_get(d, i, 0), label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
        show_values = w <= hg->bin_w - 2;
    }
    hg->nbins = d->ncat;
    hg->bins = xcalloc(d->ncat + 1, sizeof *hg->bins);
    for (i = 0; i < d->ncat; i++) {
        struct histogram_bin *bin = &hg->bins[i];
        double v = chart_data_get(d, i, 0);
        double x = hg->numeric ? map_x(edges[i], hg->lo, hg->hi, a) : a->x + i * hg->bin_w;
        double y = chart_value_axis_pos(&hg->vax, v, a->y + a->h, a->y);
        bin->value = v;
        bin->box = (struct chart_rect){ x, y, hg->bin_w, a->y + a->h - y };
        if (show_values && v != 0) {
            char label[64];
            chart_format_value(v, label, sizeof label);
            chart_label_set(&bin->label, &CHART_FONT_VALUE, label, x + hg->bin_w / 2, y - 3,
                            ALIGN_CENTER, VALIGN_BOTTOM, 0, 0);
        }
    }
}

/* Bin labels: edges at multiples of the bin width (every n-th so they do not touch), or
 * the labels under their bars. */
static void histogram_ticks_fit(struct chart_ctx *ctx, struct histogram_chart *hg,
                                double tick_lh)
{
    const struct chart_rect *a = &hg->area;
    double widest = 0, w, h, step;
    size_t nbins, every, i;
    char label[64];

    if (!hg->numeric) {
        chart_category_axis_fit(ctx, hg->data.cats, hg->data.ncat, hg->bin_w, tick_lh + 6,
                                &hg->cax);
        hg->cax.angle = 0;
        hg->cax.max_label = hg->bin_w * hg->cax.every - 2;
        return;
    }
    nbins = (size_t)llround((hg->hi - hg->lo) / hg->width);
    for (i = 0; i <= nbins; i++) {
        chart_format_number(hg->lo + i * hg->width, hg->width, label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_TICK, label, &w, &h);
        widest = fmax(widest, w);
    }
    step = a->w / (double)(nbins ? nbins : 1);
    every = (size_t)ceil((widest + 8) / step);
    if (every < 1)
        every = 1;
    hg->ticks = xcalloc(nbins / every + 1, sizeof *hg->ticks);
    for (i = 0; i <= nbins; i += every) {
        struct histogram_tick *tk = &hg->ticks[hg->nticks++];
        tk->x = a->x + i * step;
        chart_format_number(hg->lo + i * hg->width, hg->width, label, sizeof label);
        chart_label_set(&tk->label, &CHART_FONT_TICK, label, tk->x, a->y + a->h + 4,
                        ALIGN_CENTER, VALIGN_TOP, 0, 0);
    }
}

void histogram_chart_release(struct histogram_chart *hg)
{
    for (size_t i = 0; hg->bins && i < hg->nbins; i++)
        chart_label_release(&hg->bins[i].label);
    for (size_t i = 0; i < hg->nticks; i++)
        chart_label_release(&hg->ticks[i].label);
    free(hg->bins);
    free(hg->ticks);
    chart_label_release(&hg->caption);
    chart_data_release(&hg->data);
    memset(hg, 0, sizeof *hg);
}

enum tally_error histogram_chart_layout(struct chart_ctx *ctx, struct histogram_chart *hg,
                                        struct tally_diag *diag)
{
    const struct chart_rect *p = &ctx->plot;
    struct chart_data *d = &hg->data;
    double five[5], *edges = NULL, dmax = 0;
    double tick_lh, axis_lh, value_lh, top, bottom, left;
    size_t i;
    enum tally_error err;

    memset(hg, 0, sizeof *hg);
    err = chart_data_load(d, ctx, 0, diag);
    if (err != TALLY_OK)
        return err;
    hg->has_box = box_summary(ctx->table, five);
    edges = xcalloc(d->ncat + 1, sizeof *edges);
    hg->numeric = bin_edges(d, edges);
    hg->lo = 0;
    hg->hi = 1;
    hg->width = 1;
    if (hg->numeric) {
        /* Bins share the narrowest width; a missing (empty) bin leaves a gap. */
        hg->width = 0;
        for (i = 1; i < d->ncat; i++)
            if (hg->width == 0 || edges[i] - edges[i - 1] < hg->width)
                hg->width = edges[i] - edges[i - 1];
        if (hg->width == 0)
            hg->width = 1;
        hg->lo = edges[0];
        hg->hi = edges[d->ncat - 1] + hg->width;
    }
    for (i = 0; i < d->ncat; i++)
        dmax = fmax(dmax, chart_data_get(d, i, 0));

    tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    top = p->y;
    if (hg->has_box)
        top += tick_lh + 4 + BOX_HEIGHT + 12;
    top += value_lh + 3;
    bottom = p->y + p->h - (d->cat_title ? axis_lh + 4 : 0) - tick_lh - 6;
    chart_value_axis_fit(&hg->vax, 0, dmax, d->integers, bottom - top, 55);
    left = p->x + (d->value_title ? axis_lh + 6 : 0) +
           chart_value_axis_label_width(ctx, &hg->vax) + 6;
    hg->area.x = left;
    hg->area.y = top;
    hg->area.w = p->x + p->w - left - 2;
    hg->area.h = fmax(bottom - top, 10);

    histogram_bins_fit(ctx, hg, edges);
    histogram_ticks_fit(ctx, hg, tick_lh);
    if (hg->has_box) {
        char caption[256];
        double blo = hg->numeric ? hg->lo : fmin(five[0], five[4]);
        double bhi = hg->numeric ? hg->hi : fmax(five[0], five[4]);
        if (!(bhi > blo))
            bhi = blo + 1;
        box_caption(five, caption, sizeof caption);
        chart_label_set(&hg->caption, &CHART_FONT_TICK, caption, hg->area.x, p->y, ALIGN_LEFT,
                        VALIGN_TOP, 0, hg->area.w);
        for (int k = 0; k < 5; k++)
            hg->box_x[k] = map_x(five[k], blo, bhi, &hg->area);
        hg->box_y = p->y + tick_lh + 4;
    }
    free(edges);
    return TALLY_OK;
}

/* The value axis, the bars with a hairline between neighbours, the baseline, the bin
 * labels, the box summary and the axis titles. */
/* A bin's name for its mark: its category, or its edges ("30 to 45"). */
static const char *histogram_bin_name(const struct histogram_chart *hg, size_t i, char *buf,
                                      size_t size)
{
    char lo[32], hi[32];
    if (!hg->numeric)
        return i < hg->data.ncat ? hg->data.cats[i] : "";
    chart_format_value(hg->lo + (double)i * hg->width, lo, sizeof lo);
    chart_format_value(hg->lo + (double)(i + 1) * hg->width, hi, sizeof hi);
    snprintf(buf, size, "%s to %s", lo, hi);
    return buf;
}

static void histogram_paint(struct chart_ctx *ctx, const struct histogram_chart *hg)
{
    const struct chart_rect *a = &hg->area;
    const struct chart_rect *p = &ctx->plot;
    size_t i;

    chart_value_axis_draw_left(ctx, &hg->vax, a);
    for (i = 0; i < hg->nbins; i++) {
        const struct histogram_bin *bin = &hg->bins[i];
        double r, g, b;
        char name[96];
        chart_palette(0, &r, &g, &b);
        cairo_set_source_rgb(ctx->cr, r, g, b);
        cairo_rectangle(ctx->cr, bin->box.x, bin->box.y, bin->box.w, bin->box.h);
        cairo_fill_preserve(ctx->cr);
        chart_mark_box(ctx, &bin->box, histogram_bin_name(hg, i, name, sizeof name), NULL,
                       bin->value);
        if (hg->bin_w >= 3) {
            cairo_set_source_rgb(ctx->cr, 1, 1, 1);
            cairo_set_line_width(ctx->cr, 0.5);
            cairo_stroke(ctx->cr);
        } else {
            cairo_new_path(ctx->cr);
        }
        chart_label_draw(ctx, &bin->label);
    }
    cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(ctx->cr, 0.8);
    cairo_move_to(ctx->cr, a->x, a->y + a->h);
    cairo_line_to(ctx->cr, a->x + a->w, a->y + a->h);
    cairo_stroke(ctx->cr);

    if (hg->numeric) {
        for (i = 0; i < hg->nticks; i++) {
            cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
            cairo_set_line_width(ctx->cr, 0.8);
            cairo_move_to(ctx->cr, hg->ticks[i].x, a->y + a->h);
            cairo_line_to(ctx->cr, hg->ticks[i].x, a->y + a->h + 3);
            cairo_stroke(ctx->cr);
            chart_label_draw(ctx, &hg->ticks[i].label);
        }
    } else {
        chart_category_axis_draw(ctx, &hg->cax, hg->data.cats, hg->data.ncat, a->x, hg->bin_w,
                                 a->y + a->h);
    }
    if (hg->has_box) {
        chart_label_draw(ctx, &hg->caption);
        draw_box(ctx, hg->box_x, hg->box_y);
    }
    chart_axis_title_left(ctx, hg->data.value_title, p->x, a->y + a->h / 2);
    chart_axis_title_bottom(ctx, hg->data.cat_title, a->x + a->w / 2, p->y + p->h);
}

static enum tally_error draw_histogram(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct histogram_chart hg;
    enum tally_error err = histogram_chart_layout(ctx, &hg, diag);

    if (err != TALLY_OK)
        return err;
    histogram_paint(ctx, &hg);
    histogram_chart_release(&hg);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_histogram = { CHART_HISTOGRAM, "histogram",
                                                     draw_histogram };
