/* chart_treemap.c: the squarified treemap (CHART_TREEMAP): one rectangle per table row,
 * its area proportional to the value, labelled inside with category and value when the
 * label fits and left out when it does not. */
#include "render/chart_layout.h"

#include <math.h>
#include <stdlib.h>

/* d3's target aspect ratio: slightly wide cells read better than squares. */
#define TREEMAP_RATIO 1.6180339887498949
#define TREEMAP_PAD 5.0                 /* label padding inside a rectangle */
#define TREEMAP_LINE_GAP 2.0            /* between the category and the value line */
#define TREEMAP_SMALL 7.5               /* label size for rectangles too small for 9 pt */

struct treemap_item {
    size_t index;
    double value;
};

static int treemap_item_cmp(const void *a, const void *b)
{
    const struct treemap_item *x = a, *y = b;

    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The worst aspect ratio (relative to the target) of a row holding values summing to
 * `sum` with extremes vmin and vmax; `alpha` = (long side / short side) / remaining. An
 * item of value v in the row has thickness/length = sum^2 * alpha / v. */
static double treemap_worst(double sum, double vmin, double vmax, double alpha)
{
    double beta = sum * sum * alpha / TREEMAP_RATIO;

    return fmax(vmax / beta, beta / vmin);
}

void layout_squarify(const double *values, size_t n, struct chart_rect area,
                     struct chart_rect *out)
{
    struct treemap_item *items = xcalloc(n ? n : 1, sizeof *items);
    struct chart_rect r = area;
    double remaining = 0;
    size_t m = 0, i0 = 0;

    for (size_t i = 0; i < n; i++) {
        out[i] = (struct chart_rect){ area.x, area.y, 0, 0 };
        if (isfinite(values[i]) && values[i] > 0) {
            items[m].index = i;
            items[m].value = values[i];
            remaining += values[i];
            m++;
        }
    }
    xqsort(items, m, sizeof *items, treemap_item_cmp);

    while (i0 < m) {
        /* The row lies along the shorter side of what is left. */
        int vertical = r.w >= r.h;          /* a column at the left, items top to bottom */
        double shorter = vertical ? r.h : r.w, longer = vertical ? r.w : r.h;
        double alpha = shorter > 0 && longer > 0
                           ? fmax(longer / shorter, shorter / longer) / remaining
                           : 1.0 / remaining;
        double sum = items[i0].value, vmin = sum, vmax = sum;
        double best = treemap_worst(sum, vmin, vmax, alpha);
        size_t i1 = i0 + 1;

        /* Keep adding items while the worst aspect ratio does not get worse. */
        for (; i1 < m; i1++) {
            double v = items[i1].value;
            double worst = treemap_worst(sum + v, fmin(vmin, v), fmax(vmax, v), alpha);
            if (worst > best)
                break;
            best = worst;
            sum += v;
            vmin = fmin(vmin, v);
            vmax = fmax(vmax, v);
        }

        /* The last row takes whatever is left so the tiling is exact. */
        double thick = i1 == m ? longer : longer * sum / remaining;
        double pos = vertical ? r.y : r.x, end = vertical ? r.y + r.h : r.x + r.w;
        for (size_t j = i0; j < i1; j++) {
            double len = j + 1 == i1 ? end - pos : shorter * items[j].value / sum;
            struct chart_rect *o = &out[items[j].index];
            if (vertical)
                *o = (struct chart_rect){ r.x, pos, thick, len };
            else
                *o = (struct chart_rect){ pos, r.y, len, thick };
            pos += len;
        }
        if (vertical) {
            r.x += thick;
            r.w = i1 == m ? 0 : r.w - thick;
        } else {
            r.y += thick;
            r.h = i1 == m ? 0 : r.h - thick;
        }
        remaining -= sum;
        i0 = i1;
    }
    free(items);
}

/* The ways a label may be set, tried in turn until one fits inside the padding. */
struct treemap_style {
    double size;                /* 0: the chart's label size */
    int with_value;
    int vertical;               /* read bottom to top, for tall narrow rectangles */
    double pad;
};

static const struct treemap_style treemap_styles[] = {
    { 0, 1, 0, TREEMAP_PAD },
    { TREEMAP_SMALL, 1, 0, TREEMAP_PAD },
    { 0, 0, 0, TREEMAP_PAD },
    { TREEMAP_SMALL, 0, 0, 3 },
    { TREEMAP_SMALL, 1, 1, TREEMAP_PAD },
    { TREEMAP_SMALL, 0, 1, 3 },
};

/* Draws the label of one rectangle, category over value, in the first style that fits;
 * nothing when none does. */
static void treemap_label(struct chart_ctx *ctx, const struct chart_rect *rc,
                          const char *category, const char *value, double fr, double fg,
                          double fb)
{
    double cx = rc->x + rc->w / 2, cy = rc->y + rc->h / 2;
    size_t nstyles = sizeof treemap_styles / sizeof treemap_styles[0];

    cairo_save(ctx->cr);
    cairo_rectangle(ctx->cr, rc->x, rc->y, rc->w, rc->h);
    cairo_clip(ctx->cr);
    for (size_t i = 0; i < nstyles; i++) {
        const struct treemap_style *st = &treemap_styles[i];
        struct chart_font cat_font = CHART_FONT_LABEL, val_font = CHART_FONT_VALUE;
        double cw, ch, vw = 0, vh = 0, total, along, across;

        if (st->vertical && rc->h <= rc->w)
            continue;
        along = (st->vertical ? rc->h : rc->w) - 2 * st->pad;
        across = (st->vertical ? rc->w : rc->h) - 2 * st->pad;
        cat_font.bold = 1;
        if (st->size > 0)
            cat_font.size = val_font.size = st->size;
        shape_ink(fr, fg, fb, &cat_font.r, &cat_font.g, &cat_font.b);
        val_font.r = cat_font.r;
        val_font.g = cat_font.g;
        val_font.b = cat_font.b;
        chart_text_size(ctx, &cat_font, category, &cw, &ch);
        if (st->with_value)
            chart_text_size(ctx, &val_font, value, &vw, &vh);
        total = st->with_value ? ch + TREEMAP_LINE_GAP + vh : ch;
        if (cw > along || vw > along || total > across)
            continue;
        /* The lines stack downwards, or rightwards when turned to read upwards. */
        double deg = st->vertical ? 90 : 0, off = -total / 2;
        double dx = st->vertical ? 1 : 0, dy = st->vertical ? 0 : 1;
        chart_text(ctx, &cat_font, category, cx + dx * off, cy + dy * off, ALIGN_CENTER,
                   VALIGN_TOP, deg, 0);
        off += ch + TREEMAP_LINE_GAP;
        if (st->with_value)
            chart_text(ctx, &val_font, value, cx + dx * off, cy + dy * off, ALIGN_CENTER,
                       VALIGN_TOP, deg, 0);
        break;
    }
    cairo_restore(ctx->cr);
}

static enum tally_error treemap_draw(struct chart_ctx *ctx, struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    double *values = NULL;
    struct chart_rect *rects = NULL;
    struct treemap_item *order = NULL;
    size_t m = 0;
    enum tally_error err;

    err = shape_check_columns(ctx, 0, "treemap", diag);
    if (err != TALLY_OK)
        goto out;

    values = xcalloc(t->nrows ? t->nrows : 1, sizeof *values);
    rects = xcalloc(t->nrows ? t->nrows : 1, sizeof *rects);
    order = xcalloc(t->nrows ? t->nrows : 1, sizeof *order);
    for (size_t i = 0; i < t->nrows; i++) {
        values[i] = table_number(t, i, spec->value_col);
        if (isfinite(values[i]) && values[i] > 0) {
            order[m].index = i;
            order[m].value = values[i];
            m++;
        }
    }
    if (m == 0) {
        chart_no_data(ctx);
        goto out;
    }
    xqsort(order, m, sizeof *order, treemap_item_cmp);
    layout_squarify(values, t->nrows, ctx->plot, rects);

    /* Colours follow the size order, so the largest block gets the first colour. */
    cairo_set_line_width(ctx->cr, 1.0);
    for (size_t k = 0; k < m; k++) {
        const struct chart_rect *rc = &rects[order[k].index];
        double r, g, b;
        char cat[256], val[64];

        shape_palette((int)k, &r, &g, &b);
        cairo_rectangle(ctx->cr, rc->x, rc->y, rc->w, rc->h);
        cairo_set_source_rgb(ctx->cr, r, g, b);
        cairo_fill_preserve(ctx->cr);
        chart_mark_box(ctx, rc, shape_cell_text(t, order[k].index, spec->category_col, cat,
                                                sizeof cat), NULL, order[k].value);
        cairo_set_source_rgb(ctx->cr, 1, 1, 1);
        cairo_stroke(ctx->cr);

        chart_format_value(order[k].value, val, sizeof val);
        treemap_label(ctx, rc, shape_cell_text(t, order[k].index, spec->category_col, cat,
                                               sizeof cat),
                      val, r, g, b);
    }

out:
    free(values);
    free(rects);
    free(order);
    return err;
}

const struct chart_drawer chart_drawer_treemap = {
    .kind = CHART_TREEMAP,
    .name = "treemap",
    .draw = treemap_draw,
};
