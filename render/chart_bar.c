/* chart_bar.c: bar charts: vertical bars, horizontal bars (top-N lists), stacked bars and
 * grouped bars. Bars start at 0; values are printed on them where they fit. */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>

#define VALUE_GAP 3.0

enum bar_mode { BARS_PLAIN, BARS_STACKED, BARS_GROUPED };

/* Dark text on light fills, white on dark ones. */
static const struct chart_font *font_on(double r, double g, double b,
                                        struct chart_font *buf)
{
    *buf = CHART_FONT_VALUE;
    if (0.299 * r + 0.587 * g + 0.114 * b < 0.6)
        buf->r = buf->g = buf->b = 1;
    return buf;
}

static void fill_rect(cairo_t *cr, double x0, double y0, double x1, double y1, double r,
                      double g, double b)
{
    cairo_set_source_rgb(cr, r, g, b);
    cairo_rectangle(cr, fmin(x0, x1), fmin(y0, y1), fabs(x1 - x0), fabs(y1 - y0));
    cairo_fill(cr);
}

/* Bar width within a category slot: a clear gap while there is room, none when bars
 * are thinner than a few points. */
static double bar_fraction(double slot)
{
    return slot >= 12 ? 0.72 : slot >= 4 ? 0.8 : 1;
}

/* The widest label among values, in the value font. */
static double widest_value(struct chart_ctx *ctx, const double *values, size_t n)
{
    double widest = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        char label[64];
        double w, h;
        chart_format_value(values[i], label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
        widest = fmax(widest, w);
    }
    return widest;
}

/* Per category: the sum of positive values and of negative ones (stack heights). */
static void stack_sums(const struct chart_data *d, size_t cat, double *pos, double *neg)
{
    int s;
    *pos = *neg = 0;
    for (s = 0; s < d->nseries; s++) {
        double v = chart_data_get(d, cat, s);
        if (v >= 0)
            *pos += v;
        else
            *neg += v;
    }
}

static enum tally_error draw_columns(struct chart_ctx *ctx, enum bar_mode mode,
                                     struct tally_diag *diag)
{
    struct chart_data d;
    struct chart_columns c;
    double dmin = 0, dmax = 0, value_lh, *labels = NULL;
    size_t i, nlabels;
    int s, show_values;
    enum tally_error err;

    err = chart_data_load(&d, ctx, mode != BARS_PLAIN, diag);
    if (err != TALLY_OK)
        return err;
    if (d.nseries > 1)
        chart_legend_top(ctx, d.series, d.nseries, d.has_other);

    /* The range of the bars and the labels printed above them. */
    nlabels = mode == BARS_GROUPED ? d.ncat * (size_t)d.nseries : d.ncat;
    labels = xcalloc(nlabels + 1, sizeof *labels);
    for (i = 0; i < d.ncat; i++) {
        if (mode == BARS_STACKED || mode == BARS_PLAIN) {
            double pos, neg;
            stack_sums(&d, i, &pos, &neg);
            dmax = fmax(dmax, pos);
            dmin = fmin(dmin, neg);
            labels[i] = pos + neg;
        } else {
            for (s = 0; s < d.nseries; s++) {
                double v = chart_data_get(&d, i, s);
                dmax = fmax(dmax, v);
                dmin = fmin(dmin, v);
                labels[i * (size_t)d.nseries + (size_t)s] = v;
            }
        }
    }
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    chart_columns_fit(ctx, &d, dmin, dmax, value_lh + VALUE_GAP, &c);
    chart_columns_draw_axes(ctx, &d, &c);

    {
        /* Bars thinner than a hairline would show as a pale smear. */
        double bar_w = fmax(c.slot * bar_fraction(c.slot), fmin(0.8, c.slot * 3));
        double sub_w = mode == BARS_GROUPED ? bar_w / d.nseries : bar_w;
        double y0 = chart_value_axis_pos(&c.vax, 0, c.area.y + c.area.h, c.area.y);
        show_values = widest_value(ctx, labels, nlabels) <= fmax(sub_w, c.slot * 0.9) - 1 &&
                      value_lh <= c.area.h;
        for (i = 0; i < d.ncat; i++) {
            double x = c.area.x + i * c.slot + (c.slot - bar_w) / 2;
            double up = 0, down = 0;
            int segments = 0;
            for (s = 0; s < d.nseries; s++)
                segments += chart_data_get(&d, i, s) != 0;
            for (s = 0; s < d.nseries; s++) {
                double v = chart_data_get(&d, i, s), r, g, b, from, to;
                chart_data_color(&d, s, &r, &g, &b);
                if (mode == BARS_GROUPED) {
                    double bx = x + s * sub_w;
                    fill_rect(ctx->cr, bx, y0, bx + sub_w * (d.nseries > 1 ? 0.92 : 1),
                              chart_value_axis_pos(&c.vax, v, c.area.y + c.area.h, c.area.y),
                              r, g, b);
                    continue;
                }
                if (v >= 0) {
                    from = up;
                    to = up += v;
                } else {
                    from = down;
                    to = down += v;
                }
                {
                    double ya = chart_value_axis_pos(&c.vax, from, c.area.y + c.area.h,
                                                     c.area.y);
                    double yb = chart_value_axis_pos(&c.vax, to, c.area.y + c.area.h,
                                                     c.area.y);
                    fill_rect(ctx->cr, x, ya, x + bar_w, yb, r, g, b);
                    /* A stacked segment shows its own value inside when it fits. */
                    if (mode == BARS_STACKED && segments > 1 && v != 0) {
                        char label[64];
                        struct chart_font f;
                        double w, h;
                        chart_format_value(v, label, sizeof label);
                        chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
                        if (w <= bar_w - 4 && h <= fabs(yb - ya) - 2)
                            chart_text(ctx, font_on(r, g, b, &f), label, x + bar_w / 2,
                                       (ya + yb) / 2, ALIGN_CENTER, VALIGN_MIDDLE, 0, 0);
                    }
                }
            }
            /* White rules between stacked segments. */
            if (mode == BARS_STACKED && d.nseries > 1 && bar_w >= 4) {
                double acc = 0;
                cairo_set_source_rgb(ctx->cr, 1, 1, 1);
                cairo_set_line_width(ctx->cr, 0.6);
                for (s = 0; s < d.nseries - 1; s++) {
                    double v = chart_data_get(&d, i, s), y;
                    if (v <= 0)
                        continue;
                    acc += v;
                    y = chart_value_axis_pos(&c.vax, acc, c.area.y + c.area.h, c.area.y);
                    cairo_move_to(ctx->cr, x, y);
                    cairo_line_to(ctx->cr, x + bar_w, y);
                    cairo_stroke(ctx->cr);
                }
            }
            if (!show_values)
                continue;
            if (mode == BARS_GROUPED) {
                for (s = 0; s < d.nseries; s++) {
                    double v = chart_data_get(&d, i, s);
                    char label[64];
                    double y = chart_value_axis_pos(&c.vax, v, c.area.y + c.area.h, c.area.y);
                    if (v == 0)
                        continue;
                    chart_format_value(v, label, sizeof label);
                    chart_text(ctx, &CHART_FONT_VALUE, label, x + (s + 0.5) * sub_w,
                               v >= 0 ? y - VALUE_GAP : y + VALUE_GAP, ALIGN_CENTER,
                               v >= 0 ? VALIGN_BOTTOM : VALIGN_TOP, 0, 0);
                }
            } else {
                double v = labels[i];
                char label[64];
                double y = chart_value_axis_pos(&c.vax, v >= 0 ? up : down,
                                                c.area.y + c.area.h, c.area.y);
                chart_format_value(v, label, sizeof label);
                chart_text(ctx, &CHART_FONT_VALUE, label, x + bar_w / 2,
                           v >= 0 ? y - VALUE_GAP : y + VALUE_GAP, ALIGN_CENTER,
                           v >= 0 ? VALIGN_BOTTOM : VALIGN_TOP, 0, 0);
            }
        }
    }
    chart_columns_draw_baseline(ctx, &c);
    free(labels);
    chart_data_release(&d);
    return TALLY_OK;
}

static enum tally_error draw_bar(struct chart_ctx *ctx, struct tally_diag *diag)
{
    return draw_columns(ctx, BARS_PLAIN, diag);
}

static enum tally_error draw_stacked(struct chart_ctx *ctx, struct tally_diag *diag)
{
    return draw_columns(ctx, BARS_STACKED, diag);
}

static enum tally_error draw_grouped(struct chart_ctx *ctx, struct tally_diag *diag)
{
    return draw_columns(ctx, BARS_GROUPED, diag);
}

/* Horizontal bars: categories top to bottom in table order, labels at the left, every
 * value printed at the end of its bar (inside it when there is no room outside). */
static enum tally_error draw_hbar(struct chart_ctx *ctx, struct tally_diag *diag)
{
    const struct chart_rect *p = &ctx->plot;
    struct chart_data d;
    struct chart_value_axis vax;
    struct chart_rect area;
    double dmin = 0, dmax = 0, label_w = 0, tick_lh, axis_lh, value_lh, label_lh;
    double left_title, bottom_title, slot, bar_h, *totals;
    size_t i, every;
    enum tally_error err;
    int pass;

    err = chart_data_load(&d, ctx, 0, diag);
    if (err != TALLY_OK)
        return err;
    totals = xcalloc(d.ncat + 1, sizeof *totals);
    for (i = 0; i < d.ncat; i++) {
        double w, h;
        totals[i] = chart_data_get(&d, i, 0);
        dmax = fmax(dmax, totals[i]);
        dmin = fmin(dmin, totals[i]);
        chart_text_size(ctx, &CHART_FONT_LABEL, d.cats[i], &w, &h);
        label_w = fmax(label_w, w);
    }
    tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    label_lh = chart_line_height(ctx, &CHART_FONT_LABEL);
    left_title = d.cat_title ? axis_lh + 6 : 0;
    bottom_title = d.value_title ? axis_lh + 4 : 0;
    label_w = fmin(label_w, p->w * 0.35);

    area.x = p->x + left_title + label_w + 8;
    area.y = p->y;
    area.w = p->x + p->w - area.x - 2;
    area.h = p->h - bottom_title - tick_lh - 6;
    /* Leave room right of the longest bar for its value. */
    for (pass = 0; pass < 3; pass++) {
        double need, right;
        chart_value_axis_fit(&vax, dmin, dmax, d.integers, area.w, 110);
        right = chart_value_axis_pos(&vax, dmax, area.x, area.x + area.w);
        need = right + VALUE_GAP + widest_value(ctx, &dmax, 1) - (p->x + p->w);
        if (need <= 0)
            break;
        area.w -= need;
    }

    slot = area.h / (double)(d.ncat ? d.ncat : 1);
    bar_h = fmax(fmin(slot * bar_fraction(slot), 40), fmin(0.8, slot * 3));
    every = slot >= label_lh * 1.1 ? 1 : (size_t)ceil(label_lh * 1.1 / slot);

    chart_value_axis_draw_bottom(ctx, &vax, &area);
    for (i = 0; i < d.ncat; i++) {
        double y = area.y + i * slot + (slot - bar_h) / 2, r, g, b;
        double x0 = chart_value_axis_pos(&vax, 0, area.x, area.x + area.w);
        double x1 = chart_value_axis_pos(&vax, totals[i], area.x, area.x + area.w);
        chart_palette(0, &r, &g, &b);
        fill_rect(ctx->cr, x0, y, x1, y + bar_h, r, g, b);
        if (i % every == 0)
            chart_text(ctx, &CHART_FONT_LABEL, d.cats[i], area.x - 8, area.y + (i + 0.5) * slot,
                       ALIGN_RIGHT, VALIGN_MIDDLE, 0, label_w);
        if (slot >= value_lh) {
            char label[64];
            double w, h;
            struct chart_font f;
            int neg = totals[i] < 0;
            chart_format_value(totals[i], label, sizeof label);
            chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
            if (!neg && x1 + VALUE_GAP + w <= p->x + p->w)
                chart_text(ctx, &CHART_FONT_VALUE, label, x1 + VALUE_GAP, y + bar_h / 2,
                           ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
            else if (neg && x1 - VALUE_GAP - w >= area.x)
                chart_text(ctx, &CHART_FONT_VALUE, label, x1 - VALUE_GAP, y + bar_h / 2,
                           ALIGN_RIGHT, VALIGN_MIDDLE, 0, 0);
            else if (w + 2 * VALUE_GAP <= fabs(x1 - x0))
                chart_text(ctx, font_on(r, g, b, &f), label,
                           neg ? x1 + VALUE_GAP : x1 - VALUE_GAP, y + bar_h / 2,
                           neg ? ALIGN_LEFT : ALIGN_RIGHT, VALIGN_MIDDLE, 0, 0);
        }
    }
    {
        double x0 = chart_value_axis_pos(&vax, 0, area.x, area.x + area.w);
        cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
        cairo_set_line_width(ctx->cr, 0.8);
        cairo_move_to(ctx->cr, x0, area.y);
        cairo_line_to(ctx->cr, x0, area.y + area.h);
        cairo_stroke(ctx->cr);
    }
    chart_axis_title_left(ctx, d.cat_title, p->x, area.y + area.h / 2);
    chart_axis_title_bottom(ctx, d.value_title, area.x + area.w / 2, p->y + p->h);
    free(totals);
    chart_data_release(&d);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_bar = { CHART_BAR, "bar", draw_bar };
const struct chart_drawer chart_drawer_hbar = { CHART_HBAR, "hbar", draw_hbar };
const struct chart_drawer chart_drawer_stacked_bar = { CHART_STACKED_BAR, "stacked-bar",
                                                       draw_stacked };
const struct chart_drawer chart_drawer_grouped_bar = { CHART_GROUPED_BAR, "grouped-bar",
                                                       draw_grouped };
