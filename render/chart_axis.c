/* chart_axis.c: nice tick values (extended Wilkinson after Talbot, Lin and Hanrahan 2010,
 * with Heckbert's method as fallback), exact tick labels with thousands separators, the
 * value and category axes, legends and the "No data" panel shared by the bar, line and
 * histogram charts. */
#include "render/chart_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* Preferred step mantissas, most preferred first, and the score weights for simplicity,
 * coverage, density and legibility (the paper's defaults). */
static const double tick_q[] = { 1, 5, 2, 2.5, 4, 3 };
#define TICK_NQ ((int)(sizeof tick_q / sizeof tick_q[0]))
static const double tick_w[4] = { 0.25, 0.2, 0.5, 0.05 };

/* A tick sequence: value i is (start + i * j) * q * 10^z, computed from integers so that
 * labels come out exact. */
struct tick_plan {
    long long start;
    int j;
    double q;
    int z;
    int k;
};

static double pow10i(int z)
{
    double p = 1;
    int i;
    for (i = 0; i < (z < 0 ? -z : z); i++)
        p *= 10;
    return p;
}

/* (m * q) * 10^z, dividing by an exact power of ten for negative z so that 0.3 is the
 * double nearest 0.3 and not 3 * 0.1. */
static double tick_value(long long m, double q, int z)
{
    double mq = (double)m * q;
    return z >= 0 ? mq * pow10i(z) : mq / pow10i(z);
}

static int plan_write(const struct tick_plan *p, double *ticks, int max)
{
    int i;
    if (p->k > max)
        return 0;
    for (i = 0; i < p->k; i++) {
        ticks[i] = tick_value(p->start + (long long)i * p->j, p->q, p->z);
        if (ticks[i] == 0)
            ticks[i] = 0;   /* no negative zero */
    }
    return p->k;
}

static double simplicity(int qi, int j, double lmin, double lmax, double lstep)
{
    const double eps = DBL_EPSILON * 100;
    double rem = fmod(lmin, lstep);
    int v;
    if (rem < 0)
        rem += lstep;
    v = (rem < eps || lstep - rem < eps) && lmin <= 0 && lmax >= 0;
    return 1 - (double)qi / (TICK_NQ - 1) - j + v;
}

static double simplicity_max(int qi, int j)
{
    return 1 - (double)qi / (TICK_NQ - 1) - j + 1;
}

static double coverage(double dmin, double dmax, double lmin, double lmax)
{
    double range = dmax - dmin;
    return 1 - 0.5 * (pow(dmax - lmax, 2) + pow(dmin - lmin, 2)) / pow(0.1 * range, 2);
}

static double coverage_max(double dmin, double dmax, double span)
{
    double range = dmax - dmin;
    if (span > range) {
        double half = (span - range) / 2;
        return 1 - 0.5 * (2 * half * half) / pow(0.1 * range, 2);
    }
    return 1;
}

static double density(int k, int m, double dmin, double dmax, double lmin, double lmax)
{
    double r = (k - 1) / (lmax - lmin);
    double rt = (m - 1) / (fmax(lmax, dmax) - fmin(dmin, lmin));
    return 2 - fmax(r / rt, rt / r);
}

static double density_max(int k, int m)
{
    return k >= m ? 2 - (double)(k - 1) / (m - 1) : 1;
}

/* The search of the paper, bounded so that it ends on any finite input. With only_loose
 * the ticks must cover the data; with integers every step is a whole number. */
static int ticks_extended(double dmin, double dmax, int m, int only_loose, int integers,
                          struct tick_plan *best)
{
    double best_score = -2;
    int found = 0, j;
    if (m < 2)
        m = 2;
    for (j = 1; j < 64; j++) {
        int qi, stop = 0;
        for (qi = 0; qi < TICK_NQ && !stop; qi++) {
            double q = tick_q[qi];
            double sm = simplicity_max(qi, j);
            int k;
            if (tick_w[0] * sm + tick_w[1] + tick_w[2] + tick_w[3] < best_score) {
                stop = 1;
                break;
            }
            for (k = 2; k < 64; k++) {
                double dm = density_max(k, m);
                double delta;
                int z, zn;
                if (tick_w[0] * sm + tick_w[1] + tick_w[2] * dm + tick_w[3] < best_score)
                    break;
                delta = (dmax - dmin) / (k + 1) / j / q;
                z = (int)ceil(log10(delta));
                for (zn = 0; zn < 40; zn++, z++) {
                    double step = tick_value(j, q, z);
                    double cm;
                    long long start, min_start, max_start;
                    cm = coverage_max(dmin, dmax, step * (k - 1));
                    if (tick_w[0] * sm + tick_w[1] * cm + tick_w[2] * dm + tick_w[3] <
                        best_score)
                        break;
                    if (integers && (z < 0 || (z == 0 && floor(j * q) != j * q)))
                        continue;
                    if (fabs(dmax / step) > 1e15 || fabs(dmin / step) > 1e15)
                        continue;
                    min_start = (long long)floor(dmax / step) * j - (long long)(k - 1) * j;
                    max_start = (long long)ceil(dmin / step) * j;
                    if (min_start > max_start || max_start - min_start > 10000)
                        continue;
                    for (start = min_start; start <= max_start; start++) {
                        double lmin = tick_value(start, q, z);
                        double lmax = lmin + step * (k - 1);
                        double s = simplicity(qi, j, lmin, lmax, step);
                        double c = coverage(dmin, dmax, lmin, lmax);
                        double g = density(k, m, dmin, dmax, lmin, lmax);
                        double score = tick_w[0] * s + tick_w[1] * c + tick_w[2] * g +
                                       tick_w[3] * 1;
                        if (score > best_score &&
                            (!only_loose || (lmin <= dmin && lmax >= dmax))) {
                            best_score = score;
                            best->start = start;
                            best->j = j;
                            best->q = q;
                            best->z = z;
                            best->k = k;
                            found = 1;
                        }
                    }
                }
            }
        }
        if (stop)
            break;
    }
    return found;
}

/* Heckbert's "nice number": 1, 2, 5 or 10 times a power of ten, as mantissa and
 * exponent. */
static void nice_number(double x, int round_it, double *mantissa, int *exponent)
{
    int e = (int)floor(log10(x));
    double f = x / (e >= 0 ? pow10i(e) : 1 / pow10i(e)), nf;
    if (round_it)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    if (nf == 10) {
        nf = 1;
        e++;
    }
    *mantissa = nf;
    *exponent = e;
}

static int ticks_heckbert(double lo, double hi, int target, int integers, struct tick_plan *p)
{
    double range_m, d_m, d;
    int range_e, d_e;
    long long first, last;
    if (target < 2)
        target = 2;
    nice_number(hi - lo, 0, &range_m, &range_e);
    nice_number(range_m * (range_e >= 0 ? pow10i(range_e) : 1 / pow10i(range_e)) /
                    (target - 1), 1, &d_m, &d_e);
    if (integers && d_e < 0) {
        d_m = 1;
        d_e = 0;
    }
    d = tick_value(1, d_m, d_e);
    if (!(d > 0) || fabs(lo / d) > 1e15 || fabs(hi / d) > 1e15)
        return 0;
    first = (long long)floor(lo / d);
    last = (long long)ceil(hi / d);
    p->start = first;
    p->j = 1;
    p->q = d_m;
    p->z = d_e;
    p->k = (int)(last - first + 1);
    return last - first + 1 <= 1000;
}

static int ticks_compute(double lo, double hi, int target, int only_loose, int integers,
                         double *ticks, int max)
{
    struct tick_plan plan;
    int n = 0;
    if (max <= 0 || !isfinite(lo) || !isfinite(hi))
        return 0;
    if (lo > hi) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    if (hi - lo < DBL_EPSILON * 100 * fmax(1, fabs(lo))) {
        if (lo == 0) {
            hi = 1;
        } else {
            double pad = fabs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    if (ticks_extended(lo, hi, target, only_loose, integers, &plan))
        n = plan_write(&plan, ticks, max);
    if (n == 0 && ticks_heckbert(lo, hi, target, integers, &plan))
        n = plan_write(&plan, ticks, max);
    return n;
}

int chart_ticks(double lo, double hi, int target, double *ticks, int max)
{
    return ticks_compute(lo, hi, target, 0, 0, ticks, max);
}

int chart_ticks_covering(double lo, double hi, int target, int integers, double *ticks,
                         int max)
{
    return ticks_compute(lo, hi, target, 1, integers, ticks, max);
}

/* Digits after the point that show multiples of step exactly (at most 10). */
static int step_decimals(double step)
{
    int d;
    step = fabs(step);
    if (!(step > 0) || !isfinite(step))
        return 0;
    for (d = 0; d < 10; d++) {
        double scaled = step * pow10i(d);
        if (fabs(scaled - round(scaled)) < 1e-9 * fmax(1, scaled))
            return d;
    }
    return 10;
}

/* Writes digits (an optional '-', integer digits, an optional fraction) with commas
 * between groups of three integer digits. */
static void add_separators(const char *digits, char *out, size_t size)
{
    const char *p = digits, *point;
    size_t intlen, i, o = 0;
    if (size == 0)
        return;
    if (*p == '-') {
        if (o + 1 < size)
            out[o++] = '-';
        p++;
    }
    point = strchr(p, '.');
    intlen = point ? (size_t)(point - p) : strlen(p);
    for (i = 0; i < intlen && o + 1 < size; i++) {
        if (i > 0 && (intlen - i) % 3 == 0) {
            out[o++] = ',';
            if (o + 1 >= size)
                break;
        }
        out[o++] = p[i];
    }
    for (p += intlen; *p && o + 1 < size; p++)
        out[o++] = *p;
    out[o] = '\0';
}

void chart_format_number(double value, double step, char *out, size_t size)
{
    char fmt[16], digits[G_ASCII_DTOSTR_BUF_SIZE + 320];
    int d = step_decimals(step);
    if (!isfinite(value)) {
        g_strlcpy(out, isnan(value) ? "NaN" : value > 0 ? "∞" : "-∞", size);
        return;
    }
    g_snprintf(fmt, sizeof fmt, "%%.%df", d);
    g_ascii_formatd(digits, sizeof digits, fmt, value);
    /* "-0" and "-0.00" print as zero. */
    if (digits[0] == '-' && strspn(digits + 1, "0.") == strlen(digits + 1))
        memmove(digits, digits + 1, strlen(digits));
    add_separators(digits, out, size);
}

void chart_format_value(double value, char *out, size_t size)
{
    double a = fabs(value);
    if (value == round(value) && a < 1e15)
        chart_format_number(value, 1, out, size);
    else {
        char *point, *end;
        chart_format_number(value, a >= 1000 ? 1 : a >= 10 ? 0.1 : 0.01, out, size);
        point = strchr(out, '.');
        if (point) {
            end = point + strlen(point) - 1;
            while (end > point && *end == '0')
                *end-- = '\0';
            if (end == point)
                *point = '\0';
        }
    }
}

/* ---- the value axis ---- */

void chart_value_axis_fit(struct chart_value_axis *ax, double dmin, double dmax,
                          int integers, double length, double spacing)
{
    int target = (int)(length / spacing) + 1;
    double lo = fmin(0, dmin), hi = fmax(0, dmax);
    if (target < 5)
        target = 5;
    if (target > 10)
        target = 10;
    if (!isfinite(lo) || !isfinite(hi))
        lo = hi = 0;
    if (hi == lo)
        hi = lo + 1;
    /* Covering ticks: the last gridline is at or above the tallest bar, so every bar can
     * be read against a labelled line. */
    ax->nticks = ticks_compute(lo, hi, target, 1, integers, ax->ticks, CHART_MAX_TICKS);
    if (ax->nticks < 2) {
        ax->nticks = 2;
        ax->ticks[0] = lo;
        ax->ticks[1] = hi;
    }
    ax->lo = fmin(ax->ticks[0], lo);
    ax->hi = fmax(ax->ticks[ax->nticks - 1], hi);
    ax->step = ax->ticks[1] - ax->ticks[0];
}

double chart_value_axis_pos(const struct chart_value_axis *ax, double v, double a, double b)
{
    if (ax->hi <= ax->lo)
        return a;
    return a + (v - ax->lo) / (ax->hi - ax->lo) * (b - a);
}

double chart_value_axis_label_width(struct chart_ctx *ctx, const struct chart_value_axis *ax)
{
    double widest = 0;
    int i;
    for (i = 0; i < ax->nticks; i++) {
        char label[64];
        double w, h;
        chart_format_number(ax->ticks[i], ax->step, label, sizeof label);
        chart_text_size(ctx, &CHART_FONT_TICK, label, &w, &h);
        if (w > widest)
            widest = w;
    }
    return widest;
}

#define GRID_GREY 0.88
#define TICK_GAP 6.0

static void line(cairo_t *cr, double x0, double y0, double x1, double y1, double grey,
                 double width)
{
    cairo_set_source_rgb(cr, grey, grey, grey);
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

void chart_value_axis_draw_left(struct chart_ctx *ctx, const struct chart_value_axis *ax,
                                const struct chart_rect *r)
{
    int i;
    for (i = 0; i < ax->nticks; i++) {
        char label[64];
        double y = chart_value_axis_pos(ax, ax->ticks[i], r->y + r->h, r->y);
        chart_format_number(ax->ticks[i], ax->step, label, sizeof label);
        if (ax->ticks[i] != 0)
            line(ctx->cr, r->x, y, r->x + r->w, y, GRID_GREY, 0.6);
        chart_text(ctx, &CHART_FONT_TICK, label, r->x - TICK_GAP, y, ALIGN_RIGHT,
                   VALIGN_MIDDLE, 0, 0);
    }
}

void chart_value_axis_draw_bottom(struct chart_ctx *ctx, const struct chart_value_axis *ax,
                                  const struct chart_rect *r)
{
    int i;
    for (i = 0; i < ax->nticks; i++) {
        char label[64];
        double x = chart_value_axis_pos(ax, ax->ticks[i], r->x, r->x + r->w);
        chart_format_number(ax->ticks[i], ax->step, label, sizeof label);
        if (ax->ticks[i] != 0)
            line(ctx->cr, x, r->y, x, r->y + r->h, GRID_GREY, 0.6);
        chart_text(ctx, &CHART_FONT_TICK, label, x, r->y + r->h + TICK_GAP / 2, ALIGN_CENTER,
                   VALIGN_TOP, 0, 0);
    }
}

/* ---- the category axis ---- */

#define SIN45 0.70710678118654752

/* Whether every label is a date ("2024-01-05", "2024-01", "2024-W03"): an ordered axis
 * where every k-th label says enough. */
static int labels_are_dates(char *const *labels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *l = labels[i];
        if (!l || strlen(l) < 7 || l[4] != '-')
            return 0;
        for (int k = 0; k < 4; k++)
            if (l[k] < '0' || l[k] > '9')
                return 0;
    }
    return n > 0;
}

void chart_category_axis_fit(struct chart_ctx *ctx, char *const *labels, size_t n,
                             double slot, double max_extent, struct chart_category_axis *ax)
{
    double lh = chart_line_height(ctx, &CHART_FONT_TICK), widest = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double w, h;
        chart_text_size(ctx, &CHART_FONT_TICK, labels[i], &w, &h);
        if (w > widest)
            widest = w;
    }
    ax->every = 1;
    ax->overhang = 0;
    if (widest <= slot - 4) {
        ax->angle = 0;
        ax->max_label = 0;
        ax->extent = lh + 4;
    } else if (labels_are_dates(labels, n)) {
        /* Dates stay level and whole: every k-th, with a gap between labels. */
        ax->angle = 0;
        ax->every = (size_t)ceil((widest + 10) / slot);
        ax->max_label = 0;
        ax->extent = lh + 4;
        ax->overhang = fmax(0, widest / 2 - slot / 2);
    } else if (slot >= lh * 1.5) {
        ax->angle = 45;
        ax->max_label = fmin(widest, (max_extent - lh * SIN45) / SIN45);
        ax->extent = ax->max_label * SIN45 + lh * SIN45 + 4;
        ax->overhang = fmax(0, ax->max_label * SIN45 - slot / 2);
    } else {
        ax->angle = 90;
        ax->every = (size_t)ceil(lh * 1.15 / slot);
        if (ax->every < 1)
            ax->every = 1;
        ax->max_label = fmin(widest, max_extent - 4);
        ax->extent = ax->max_label + 6;
    }
}

void chart_category_axis_draw(struct chart_ctx *ctx, const struct chart_category_axis *ax,
                              char *const *labels, size_t n, double x0, double slot,
                              double y)
{
    double lh = chart_line_height(ctx, &CHART_FONT_TICK);
    size_t i;
    for (i = 0; i < n; i += ax->every) {
        double x = x0 + (i + 0.5) * slot;
        if (ax->angle == 0)
            chart_text(ctx, &CHART_FONT_TICK, labels[i], x, y + 4, ALIGN_CENTER, VALIGN_TOP, 0,
                       ax->every > 1 ? 0 : slot - 2);
        else if (ax->angle == 45)
            chart_text(ctx, &CHART_FONT_TICK, labels[i], x + lh * 0.2, y + 2 + lh * 0.45,
                       ALIGN_RIGHT, VALIGN_MIDDLE, 45, ax->max_label);
        else
            chart_text(ctx, &CHART_FONT_TICK, labels[i], x, y + 5, ALIGN_RIGHT, VALIGN_MIDDLE,
                       90, ax->max_label);
    }
}

/* ---- axis titles, legend, "No data" ---- */

char *chart_axis_title(const struct table *t, const char *spec_title, int col)
{
    char *title;
    if (spec_title)
        return *spec_title ? xstrdup(spec_title) : NULL;
    if (col < 0 || col >= t->ncols || !t->cols[col].name || !*t->cols[col].name)
        return NULL;
    title = xstrdup(t->cols[col].name);
    if (title[0] >= 'a' && title[0] <= 'z')
        title[0] = (char)(title[0] - 'a' + 'A');
    return title;
}

void chart_axis_title_bottom(struct chart_ctx *ctx, const char *title, double cx, double y)
{
    if (title)
        chart_text(ctx, &CHART_FONT_AXIS_TITLE, title, cx, y, ALIGN_CENTER, VALIGN_BOTTOM, 0,
                   ctx->width - 32);
}

void chart_axis_title_left(struct chart_ctx *ctx, const char *title, double x, double cy)
{
    if (title)
        chart_text(ctx, &CHART_FONT_AXIS_TITLE, title, x, cy, ALIGN_CENTER, VALIGN_TOP, 90,
                   ctx->plot.h);
}

double chart_line_height(struct chart_ctx *ctx, const struct chart_font *font)
{
    double w, h;
    chart_text_size(ctx, font, "0", &w, &h);
    return h;
}

/* Lays out (and draws when `paint`) the legend, shrinking ctx->plot. */
static void legend_top(struct chart_ctx *ctx, char *const *names, int n, int last_is_other,
                       int lines, int paint)
{
    const double swatch = 9, gap = 5, spacing = 16;
    double lh = chart_line_height(ctx, &CHART_FONT_LABEL);
    double x = ctx->plot.x, y = ctx->plot.y, right = ctx->plot.x + ctx->plot.w;
    double row_h = fmax(lh, swatch) + 4;
    int i;
    for (i = 0; i < n; i++) {
        double w, h, r, g, b, item;
        chart_text_size(ctx, &CHART_FONT_LABEL, names[i], &w, &h);
        w = fmin(w, ctx->plot.w / 2);
        item = swatch + (lines ? 6 : 0) + gap + w;
        if (x > ctx->plot.x && x + item > right) {
            x = ctx->plot.x;
            y += row_h;
        }
        if (!paint) {
            x += item + spacing;
            continue;
        }
        if (last_is_other && i == n - 1)
            chart_palette_other(&r, &g, &b);
        else
            chart_palette(i, &r, &g, &b);
        cairo_set_source_rgb(ctx->cr, r, g, b);
        if (lines) {
            /* A short stroke as thick as the chart's lines, with its point marker. */
            double cy = y + row_h / 2 - 1;
            cairo_set_line_width(ctx->cr, 2.0);
            cairo_set_line_cap(ctx->cr, CAIRO_LINE_CAP_ROUND);
            cairo_move_to(ctx->cr, x + 1, cy);
            cairo_line_to(ctx->cr, x + swatch + 5, cy);
            cairo_stroke(ctx->cr);
            cairo_arc(ctx->cr, x + (swatch + 6) / 2, cy, 2.6, 0, 2 * G_PI);
            cairo_fill(ctx->cr);
        } else {
            cairo_rectangle(ctx->cr, x, y + row_h / 2 - swatch / 2 - 1, swatch, swatch);
            cairo_fill(ctx->cr);
        }
        chart_text(ctx, &CHART_FONT_LABEL, names[i], x + swatch + (lines ? 6 : 0) + gap,
                   y + row_h / 2 - 1,
                   ALIGN_LEFT, VALIGN_MIDDLE, 0, w + 1);
        x += item + spacing;
    }
    y += row_h + 8;
    ctx->plot.h -= y - ctx->plot.y;
    ctx->plot.y = y;
}

void chart_legend_top(struct chart_ctx *ctx, char *const *names, int n, int last_is_other)
{
    legend_top(ctx, names, n, last_is_other, 0, 1);
}

void chart_legend_top_lines(struct chart_ctx *ctx, char *const *names, int n,
                            int last_is_other)
{
    legend_top(ctx, names, n, last_is_other, 1, 1);
}

void chart_legend_top_fit(struct chart_ctx *ctx, char *const *names, int n, int lines)
{
    legend_top(ctx, names, n, 0, lines, 0);
}

void chart_no_data(struct chart_ctx *ctx)
{
    const struct chart_rect *p = &ctx->plot;
    cairo_set_source_rgb(ctx->cr, 0.965, 0.965, 0.965);
    cairo_rectangle(ctx->cr, p->x, p->y, p->w, p->h);
    cairo_fill(ctx->cr);
    chart_text(ctx, &CHART_FONT_AXIS_TITLE, "No data", p->x + p->w / 2, p->y + p->h / 2,
               ALIGN_CENTER, VALIGN_MIDDLE, 0, 0);
}

/* ---- categories along the bottom, values upwards ---- */

#define VALUE_SPACING 55.0

void chart_columns_fit(struct chart_ctx *ctx, const struct chart_data *d, double dmin,
                       double dmax, double top_pad, struct chart_columns *c)
{
    const struct chart_rect *p = &ctx->plot;
    double axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    double tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    double left_title = d->value_title ? axis_lh + 6 : 0;
    double bottom_title = d->cat_title ? axis_lh + 4 : 0;
    double top = p->y + fmax(top_pad, tick_lh / 2), left, bottom, n;
    int pass;

    n = d->ncat ? (double)d->ncat : 1;
    chart_value_axis_fit(&c->vax, dmin, dmax, d->integers,
                         p->h - bottom_title - 2 * tick_lh - top_pad, VALUE_SPACING);
    left = p->x + left_title + chart_value_axis_label_width(ctx, &c->vax) + TICK_GAP;
    for (pass = 0; pass < 2; pass++) {
        c->area.x = left;
        c->area.w = p->x + p->w - left - 2;
        c->slot = c->area.w / n;
        chart_category_axis_fit(ctx, d->cats, d->ncat, c->slot, p->h * 0.3, &c->cax);
        if (c->cax.overhang <= left - p->x)
            break;
        left = p->x + c->cax.overhang;
    }
    bottom = p->y + p->h - bottom_title - c->cax.extent - (dmin < 0 ? top_pad : 0);
    c->area.y = top;
    c->area.h = fmax(bottom - top, 10);
    c->below = dmin < 0 ? top_pad : 0;
    chart_value_axis_fit(&c->vax, dmin, dmax, d->integers, c->area.h, VALUE_SPACING);
}

void chart_columns_draw_axes(struct chart_ctx *ctx, const struct chart_data *d,
                             const struct chart_columns *c)
{
    const struct chart_rect *p = &ctx->plot;
    chart_value_axis_draw_left(ctx, &c->vax, &c->area);
    chart_category_axis_draw(ctx, &c->cax, d->cats, d->ncat, c->area.x, c->slot,
                             c->area.y + c->area.h + c->below);
    if (d->value_title) {
        double axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
        double x = c->area.x - chart_value_axis_label_width(ctx, &c->vax) - TICK_GAP -
                   axis_lh - 4;
        chart_axis_title_left(ctx, d->value_title, fmax(p->x, x), c->area.y + c->area.h / 2);
    }
    chart_axis_title_bottom(ctx, d->cat_title, c->area.x + c->area.w / 2, p->y + p->h);
}

void chart_columns_draw_baseline(struct chart_ctx *ctx, const struct chart_columns *c)
{
    double y = chart_value_axis_pos(&c->vax, 0, c->area.y + c->area.h, c->area.y);
    line(ctx->cr, c->area.x, y, c->area.x + c->area.w, y, 0.2, 0.8);
}
