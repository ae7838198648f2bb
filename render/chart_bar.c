/* chart_bar.c: bar charts: vertical bars, horizontal bars (top-N lists), stacked bars and
 * grouped bars. Bars start at 0; values are printed on them where they fit. */
#include "render/chart_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_GAP 3.0

/* Dark text on light fills, white on dark ones. */
static const struct chart_font *font_on(double r, double g, double b,
                                        struct chart_font *buf)
{
    *buf = CHART_FONT_VALUE;
    if (0.299 * r + 0.587 * g + 0.114 * b < 0.6)
        buf->r = buf->g = buf->b = 1;
    return buf;
}

/* The rectangle between corners (x0, y0) and (x1, y1), in any order. */
static struct chart_rect corners(double x0, double y0, double x1, double y1)
{
    return (struct chart_rect){ fmin(x0, x1), fmin(y0, y1), fabs(x1 - x0), fabs(y1 - y0) };
}

static void fill_box(cairo_t *cr, const struct chart_rect *box, double r, double g, double b)
{
    cairo_set_source_rgb(cr, r, g, b);
    cairo_rectangle(cr, box->x, box->y, box->w, box->h);
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

/* One category's bars: the segments (stacked) or sub-bars (grouped) of its series, the
 * white rules between stacked segments, and the value labels. */
static void bars_category_fit(struct chart_ctx *ctx, struct bar_chart *bc, size_t i)
{
    const struct chart_data *d = &bc->data;
    const struct chart_columns *c = &bc->cols;
    double base = c->area.y + c->area.h, x = c->area.x + i * c->slot + (c->slot - bc->bar_w) / 2;
    double up = 0, down = 0, acc = 0;
    int segments = 0, s, ns = d->nseries;

    for (s = 0; s < ns; s++)
        segments += chart_data_get(d, i, s) != 0;
    for (s = 0; s < ns; s++) {
        struct bar_segment *sg = &bc->segments[i * (size_t)ns + (size_t)s];
        double v = chart_data_get(d, i, s), from, to, ya, yb;
        chart_data_color(d, s, &sg->r, &sg->g, &sg->b);
        if (bc->mode == BARS_GROUPED) {
            double bx = x + s * bc->sub_w;
            double y = chart_value_axis_pos(&c->vax, v, base, c->area.y);
            sg->box = corners(bx, bc->zero_y, bx + bc->sub_w * (ns > 1 ? 0.92 : 1), y);
            if (bc->show_values && v != 0) {
                char label[64];
                chart_format_value(v, label, sizeof label);
                chart_label_set(&sg->value, &CHART_FONT_VALUE, label, x + (s + 0.5) * bc->sub_w,
                                v >= 0 ? y - VALUE_GAP : y + VALUE_GAP, ALIGN_CENTER,
                                v >= 0 ? VALIGN_BOTTOM : VALIGN_TOP, 0, 0);
            }
            continue;
        }
        if (v >= 0) {
            from = up;
            to = up += v;
        } else {
            from = down;
            to = down += v;
        }
        ya = chart_value_axis_pos(&c->vax, from, base, c->area.y);
        yb = chart_value_axis_pos(&c->vax, to, base, c->area.y);
        sg->box = corners(x, ya, x + bc->bar_w, yb);
        /* A stacked segment shows its own value inside when it fits. */
        if (bc->mode == BARS_STACKED && segments > 1 && v != 0) {
            char label[64];
            struct chart_font f;
            double w, h;
            chart_format_value(v, label, sizeof label);
            chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
            if (w <= bc->bar_w - 4 && h <= fabs(yb - ya) - 2)
                chart_label_set(&sg->value, font_on(sg->r, sg->g, sg->b, &f), label,
                                x + bc->bar_w / 2, (ya + yb) / 2, ALIGN_CENTER, VALIGN_MIDDLE,
                                0, 0);
        }
        /* White rules between stacked segments. */
        if (bc->mode == BARS_STACKED && ns > 1 && bc->bar_w >= 4 && s < ns - 1 && v > 0) {
            acc += v;
            sg->rule = 1;
            sg->rule_y = chart_value_axis_pos(&c->vax, acc, base, c->area.y);
        }
    }
    if (bc->show_values && bc->mode != BARS_GROUPED) {
        double v = bc->totals[i];
        char label[64];
        double y = chart_value_axis_pos(&c->vax, v >= 0 ? up : down, base, c->area.y);
        chart_format_value(v, label, sizeof label);
        chart_label_set(&bc->total_labels[i], &CHART_FONT_VALUE, label, x + bc->bar_w / 2,
                        v >= 0 ? y - VALUE_GAP : y + VALUE_GAP, ALIGN_CENTER,
                        v >= 0 ? VALIGN_BOTTOM : VALIGN_TOP, 0, 0);
    }
}

void bar_chart_release(struct bar_chart *bc)
{
    size_t nseg = bc->data.ncat * (size_t)bc->data.nseries;
    for (size_t k = 0; bc->segments && k < nseg; k++)
        chart_label_release(&bc->segments[k].value);
    for (size_t i = 0; bc->total_labels && i < bc->data.ncat; i++)
        chart_label_release(&bc->total_labels[i]);
    free(bc->segments);
    free(bc->total_labels);
    free(bc->totals);
    chart_data_release(&bc->data);
    memset(bc, 0, sizeof *bc);
}

enum tally_error bar_chart_layout(struct chart_ctx *ctx, enum bar_mode mode,
                                  struct bar_chart *bc, struct tally_diag *diag)
{
    struct chart_data *d = &bc->data;
    struct chart_ctx under_legend = *ctx;
    double dmin = 0, dmax = 0, value_lh, *labels = NULL;
    size_t i, nlabels;
    int s;
    enum tally_error err;

    memset(bc, 0, sizeof *bc);
    bc->mode = mode;
    err = chart_data_load(d, ctx, mode != BARS_PLAIN, diag);
    if (err != TALLY_OK)
        return err;
    bc->legend = d->nseries > 1;
    if (bc->legend)
        chart_legend_top_fit(&under_legend, d->series, d->nseries, 0);
    bc->plot = under_legend.plot;

    /* The range of the bars and the labels printed above them. */
    nlabels = mode == BARS_GROUPED ? d->ncat * (size_t)d->nseries : d->ncat;
    labels = xcalloc(nlabels + 1, sizeof *labels);
    bc->totals = xcalloc(d->ncat + 1, sizeof *bc->totals);
    for (i = 0; i < d->ncat; i++) {
        if (mode == BARS_STACKED || mode == BARS_PLAIN) {
            double pos, neg;
            stack_sums(d, i, &pos, &neg);
            dmax = fmax(dmax, pos);
            dmin = fmin(dmin, neg);
            labels[i] = bc->totals[i] = pos + neg;
        } else {
            for (s = 0; s < d->nseries; s++) {
                double v = chart_data_get(d, i, s);
                dmax = fmax(dmax, v);
                dmin = fmin(dmin, v);
                labels[i * (size_t)d->nseries + (size_t)s] = v;
            }
        }
    }
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    chart_columns_fit(&under_legend, d, dmin, dmax, value_lh + VALUE_GAP, &bc->cols);

    /* Bars thinner than a hairline would show as a pale smear. */
    bc->bar_w = fmax(bc->cols.slot * bar_fraction(bc->cols.slot), fmin(0.8, bc->cols.slot * 3));
    bc->sub_w = mode == BARS_GROUPED ? bc->bar_w / d->nseries : bc->bar_w;
    bc->zero_y = chart_value_axis_pos(&bc->cols.vax, 0, bc->cols.area.y + bc->cols.area.h,
                                      bc->cols.area.y);
    bc->show_values =
        widest_value(ctx, labels, nlabels) <= fmax(bc->sub_w, bc->cols.slot * 0.9) - 1 &&
        value_lh <= bc->cols.area.h;
    bc->segments = xcalloc(d->ncat * (size_t)d->nseries + 1, sizeof *bc->segments);
    bc->total_labels = xcalloc(d->ncat + 1, sizeof *bc->total_labels);
    for (i = 0; i < d->ncat; i++)
        bars_category_fit(ctx, bc, i);
    free(labels);
    return TALLY_OK;
}

/* The legend, the axes, per category its bars, white rules and value labels, then the
 * zero line over the bars. */
static void bars_paint(struct chart_ctx *ctx, const struct bar_chart *bc)
{
    const struct chart_data *d = &bc->data;
    size_t i;
    int s;

    if (bc->legend)
        chart_legend_top(ctx, d->series, d->nseries, d->has_other);
    chart_columns_draw_axes(ctx, d, &bc->cols);
    for (i = 0; i < d->ncat; i++) {
        const struct bar_segment *sg = &bc->segments[i * (size_t)d->nseries];
        double x = bc->cols.area.x + i * bc->cols.slot + (bc->cols.slot - bc->bar_w) / 2;
        for (s = 0; s < d->nseries; s++) {
            fill_box(ctx->cr, &sg[s].box, sg[s].r, sg[s].g, sg[s].b);
            if (bc->mode == BARS_STACKED)
                chart_label_draw(ctx, &sg[s].value);
        }
        if (bc->mode == BARS_STACKED && d->nseries > 1 && bc->bar_w >= 4) {
            cairo_set_source_rgb(ctx->cr, 1, 1, 1);
            cairo_set_line_width(ctx->cr, 0.6);
            for (s = 0; s < d->nseries - 1; s++) {
                if (!sg[s].rule)
                    continue;
                cairo_move_to(ctx->cr, x, sg[s].rule_y);
                cairo_line_to(ctx->cr, x + bc->bar_w, sg[s].rule_y);
                cairo_stroke(ctx->cr);
            }
        }
        if (!bc->show_values)
            continue;
        if (bc->mode == BARS_GROUPED)
            for (s = 0; s < d->nseries; s++)
                chart_label_draw(ctx, &sg[s].value);
        else
            chart_label_draw(ctx, &bc->total_labels[i]);
    }
    chart_columns_draw_baseline(ctx, &bc->cols);
}

static enum tally_error draw_columns(struct chart_ctx *ctx, enum bar_mode mode,
                                     struct tally_diag *diag)
{
    struct bar_chart bc;
    enum tally_error err = bar_chart_layout(ctx, mode, &bc, diag);

    if (err != TALLY_OK)
        return err;
    bars_paint(ctx, &bc);
    bar_chart_release(&bc);
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
static void hbar_bar_fit(struct chart_ctx *ctx, struct hbar_chart *hb, size_t i,
                         double label_w, double value_lh, size_t every)
{
    const struct chart_rect *p = &ctx->plot, *a = &hb->area;
    struct hbar_bar *bar = &hb->bars[i];
    double v = chart_data_get(&hb->data, i, 0);
    double y = a->y + i * hb->slot + (hb->slot - hb->bar_h) / 2;
    double x0 = chart_value_axis_pos(&hb->vax, 0, a->x, a->x + a->w);
    double x1 = chart_value_axis_pos(&hb->vax, v, a->x, a->x + a->w);

    bar->value = v;
    chart_palette(0, &bar->r, &bar->g, &bar->b);
    bar->box = corners(x0, y, x1, y + hb->bar_h);
    if (i % every == 0)
        chart_label_set(&bar->name, &CHART_FONT_LABEL, hb->data.cats[i], a->x - 8,
                        a->y + (i + 0.5) * hb->slot, ALIGN_RIGHT, VALIGN_MIDDLE, 0, label_w);
    if (hb->slot >= value_lh) {
        char label[64];
        double w, h;
        struct chart_font f;
        int neg = v < 0;
        chart_format_value(v, label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_VALUE, label, &w, &h);
        if (!neg && x1 + VALUE_GAP + w <= p->x + p->w)
            chart_label_set(&bar->label, &CHART_FONT_VALUE, label, x1 + VALUE_GAP,
                            y + hb->bar_h / 2, ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
        else if (neg && x1 - VALUE_GAP - w >= a->x)
            chart_label_set(&bar->label, &CHART_FONT_VALUE, label, x1 - VALUE_GAP,
                            y + hb->bar_h / 2, ALIGN_RIGHT, VALIGN_MIDDLE, 0, 0);
        else if (w + 2 * VALUE_GAP <= fabs(x1 - x0))
            chart_label_set(&bar->label, font_on(bar->r, bar->g, bar->b, &f), label,
                            neg ? x1 + VALUE_GAP : x1 - VALUE_GAP, y + hb->bar_h / 2,
                            neg ? ALIGN_LEFT : ALIGN_RIGHT, VALIGN_MIDDLE, 0, 0);
    }
}

void hbar_chart_release(struct hbar_chart *hb)
{
    for (size_t i = 0; hb->bars && i < hb->data.ncat; i++) {
        chart_label_release(&hb->bars[i].name);
        chart_label_release(&hb->bars[i].label);
    }
    free(hb->bars);
    chart_data_release(&hb->data);
    memset(hb, 0, sizeof *hb);
}

enum tally_error hbar_chart_layout(struct chart_ctx *ctx, struct hbar_chart *hb,
                                   struct tally_diag *diag)
{
    const struct chart_rect *p = &ctx->plot;
    struct chart_data *d = &hb->data;
    struct chart_rect *area = &hb->area;
    double dmin = 0, dmax = 0, label_w = 0, tick_lh, axis_lh, value_lh, label_lh;
    double left_title, bottom_title;
    size_t i, every;
    enum tally_error err;
    int pass;

    memset(hb, 0, sizeof *hb);
    err = chart_data_load(d, ctx, 0, diag);
    if (err != TALLY_OK)
        return err;
    for (i = 0; i < d->ncat; i++) {
        double w, h, v = chart_data_get(d, i, 0);
        dmax = fmax(dmax, v);
        dmin = fmin(dmin, v);
        chart_text_size(ctx, &CHART_FONT_LABEL, d->cats[i], &w, &h);
        label_w = fmax(label_w, w);
    }
    tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    label_lh = chart_line_height(ctx, &CHART_FONT_LABEL);
    left_title = d->cat_title ? axis_lh + 6 : 0;
    bottom_title = d->value_title ? axis_lh + 4 : 0;
    label_w = fmin(label_w, p->w * 0.35);

    area->x = p->x + left_title + label_w + 8;
    area->y = p->y;
    area->w = p->x + p->w - area->x - 2;
    area->h = p->h - bottom_title - tick_lh - 6;
    /* Leave room right of the longest bar for its value. */
    for (pass = 0; pass < 3; pass++) {
        double need, right;
        chart_value_axis_fit(&hb->vax, dmin, dmax, d->integers, area->w, 110);
        right = chart_value_axis_pos(&hb->vax, dmax, area->x, area->x + area->w);
        need = right + VALUE_GAP + widest_value(ctx, &dmax, 1) - (p->x + p->w);
        if (need <= 0)
            break;
        area->w -= need;
    }

    hb->slot = area->h / (double)(d->ncat ? d->ncat : 1);
    hb->bar_h = fmax(fmin(hb->slot * bar_fraction(hb->slot), 40), fmin(0.8, hb->slot * 3));
    every = hb->slot >= label_lh * 1.1 ? 1 : (size_t)ceil(label_lh * 1.1 / hb->slot);
    hb->zero_x = chart_value_axis_pos(&hb->vax, 0, area->x, area->x + area->w);
    hb->bars = xcalloc(d->ncat + 1, sizeof *hb->bars);
    for (i = 0; i < d->ncat; i++)
        hbar_bar_fit(ctx, hb, i, label_w, value_lh, every);
    return TALLY_OK;
}

/* The value axis, each bar with its name and value, the zero line and axis titles. */
static void hbar_paint(struct chart_ctx *ctx, const struct hbar_chart *hb)
{
    const struct chart_rect *p = &ctx->plot, *a = &hb->area;

    chart_value_axis_draw_bottom(ctx, &hb->vax, a);
    for (size_t i = 0; i < hb->data.ncat; i++) {
        const struct hbar_bar *bar = &hb->bars[i];
        fill_box(ctx->cr, &bar->box, bar->r, bar->g, bar->b);
        chart_label_draw(ctx, &bar->name);
        chart_label_draw(ctx, &bar->label);
    }
    cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(ctx->cr, 0.8);
    cairo_move_to(ctx->cr, hb->zero_x, a->y);
    cairo_line_to(ctx->cr, hb->zero_x, a->y + a->h);
    cairo_stroke(ctx->cr);
    chart_axis_title_left(ctx, hb->data.cat_title, p->x, a->y + a->h / 2);
    chart_axis_title_bottom(ctx, hb->data.value_title, a->x + a->w / 2, p->y + p->h);
}

static enum tally_error draw_hbar(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct hbar_chart hb;
    enum tally_error err = hbar_chart_layout(ctx, &hb, diag);

    if (err != TALLY_OK)
        return err;
    hbar_paint(ctx, &hb);
    hbar_chart_release(&hb);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_bar = { CHART_BAR, "bar", draw_bar };
const struct chart_drawer chart_drawer_hbar = { CHART_HBAR, "hbar", draw_hbar };
const struct chart_drawer chart_drawer_stacked_bar = { CHART_STACKED_BAR, "stacked-bar",
                                                       draw_stacked };
const struct chart_drawer chart_drawer_grouped_bar = { CHART_GROUPED_BAR, "grouped-bar",
                                                       draw_grouped };
