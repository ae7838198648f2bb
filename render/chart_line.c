/* chart_line.c: line charts: one line per series over categories (usually dates) along
 * the bottom, with point markers while points are far enough apart. */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>

#define LINE_WIDTH 2.0
#define MARKER_RADIUS 2.6

static void draw_series(struct chart_ctx *ctx, const struct chart_data *d,
                        const struct chart_columns *c, int s)
{
    cairo_t *cr = ctx->cr;
    double r, g, b;
    size_t i;

    chart_data_color(d, s, &r, &g, &b);
    cairo_set_source_rgb(cr, r, g, b);
    cairo_set_line_width(cr, LINE_WIDTH);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (i = 0; i < d->ncat; i++) {
        double x = c->area.x + (i + 0.5) * c->slot;
        double y = chart_value_axis_pos(&c->vax, chart_data_get(d, i, s),
                                        c->area.y + c->area.h, c->area.y);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    if (d->ncat > 1)
        cairo_stroke(cr);
    else
        cairo_new_path(cr);
    if (c->slot < 8 && d->ncat > 1)
        return;
    for (i = 0; i < d->ncat; i++) {
        double x = c->area.x + (i + 0.5) * c->slot;
        double y = chart_value_axis_pos(&c->vax, chart_data_get(d, i, s),
                                        c->area.y + c->area.h, c->area.y);
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, MARKER_RADIUS, 0, 2 * G_PI);
        chart_mark_box(ctx, &(struct chart_rect){ x - c->slot / 2, y - 2 * MARKER_RADIUS,
                                                  c->slot, 4 * MARKER_RADIUS },
                       d->cats[i], d->series[s], chart_data_get(d, i, s));
    }
    cairo_fill(cr);
}

static enum tally_error draw_line(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct chart_data d;
    struct chart_columns c;
    double dmin = 0, dmax = 0, value_lh;
    size_t i;
    int s, show_values = 0;
    enum tally_error err;

    err = chart_data_load(&d, ctx, 1, diag);
    if (err != TALLY_OK)
        return err;
    if (d.nseries > 1)
        chart_legend_top_lines(ctx, d.series, d.nseries, d.has_other);
    for (i = 0; i < d.ncat; i++)
        for (s = 0; s < d.nseries; s++) {
            dmin = fmin(dmin, chart_data_get(&d, i, s));
            dmax = fmax(dmax, chart_data_get(&d, i, s));
        }
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    chart_columns_fit(ctx, &d, dmin, dmax, value_lh + 4, &c);
    chart_columns_draw_axes(ctx, &d, &c);
    chart_columns_draw_baseline(ctx, &c);

    /* One series with few points: each point's value above it, when all fit. */
    if (d.nseries == 1 && c.slot >= 8) {
        show_values = 1;
        for (i = 0; i < d.ncat && show_values; i++) {
            char label[64];
            double w, h;
            chart_format_value(chart_data_get(&d, i, 0), label, sizeof label);
            chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
            show_values = w <= c.slot - 2;
        }
    }
    /* Later series first, so the largest series is drawn on top. */
    for (s = d.nseries - 1; s >= 0; s--)
        draw_series(ctx, &d, &c, s);
    for (i = 0; show_values && i < d.ncat; i++) {
        char label[64];
        double v = chart_data_get(&d, i, 0);
        double y = chart_value_axis_pos(&c.vax, v, c.area.y + c.area.h, c.area.y);
        chart_format_value(v, label, sizeof label);
        chart_text(ctx, &CHART_FONT_VALUE, label, c.area.x + (i + 0.5) * c.slot,
                   y - MARKER_RADIUS - 2, ALIGN_CENTER, VALIGN_BOTTOM, 0, 0);
    }
    chart_data_release(&d);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_line = { CHART_LINE, "line", draw_line };
