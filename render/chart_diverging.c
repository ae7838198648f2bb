/* chart_diverging.c: the diverging bar: one row per category, the spec's value column
 * drawn to the right of zero and the column its series_col names (a second value, not
 * series names) to the left: what appeared against what disappeared. Rows naming the same
 * category are summed; categories with nothing on either side are left out, and past the
 * rows that fit, the largest are kept, with a note. */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIVERGING_MIN_SLOT 15.0         /* points a row needs for its label */
#define DIVERGING_GAP 3.0

struct diverging_row {
    const char *name;           /* the table's text, or owned when `owned` */
    int owned;
    double right, left;         /* summed, both >= 0 */
    size_t first;               /* the first table row naming it */
};

struct diverging {
    struct diverging_row *rows;
    size_t n, alloc;
    size_t *slots;              /* open addressing over rows by name: index + 1, 0 free */
    size_t nslots;
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

static void diverging_release(struct diverging *dv)
{
    for (size_t i = 0; i < dv->n; i++)
        if (dv->rows[i].owned)
            free((char *)dv->rows[i].name);
    free(dv->rows);
    free(dv->slots);
}

static void slots_grow(struct diverging *dv)
{
    free(dv->slots);
    dv->nslots = dv->nslots ? 2 * dv->nslots : 1024;
    dv->slots = xcalloc(dv->nslots, sizeof(*dv->slots));
    for (size_t i = 0; i < dv->n; i++) {
        size_t k = (size_t)name_hash(dv->rows[i].name) & (dv->nslots - 1);
        while (dv->slots[k])
            k = (k + 1) & (dv->nslots - 1);
        dv->slots[k] = i + 1;
    }
}

/* Adds a row's values to its category's. */
static void diverging_add(struct diverging *dv, const char *name, int copy, double right,
                          double left, size_t first)
{
    if (2 * (dv->n + 1) > dv->nslots)
        slots_grow(dv);
    size_t k = (size_t)name_hash(name) & (dv->nslots - 1);
    while (dv->slots[k] && strcmp(dv->rows[dv->slots[k] - 1].name, name) != 0)
        k = (k + 1) & (dv->nslots - 1);
    if (!dv->slots[k]) {
        if (dv->n == dv->alloc) {
            dv->alloc = dv->alloc ? 2 * dv->alloc : 256;
            dv->rows = xrealloc(dv->rows, dv->alloc * sizeof(*dv->rows));
        }
        dv->rows[dv->n] = (struct diverging_row){ copy ? xstrdup(name) : name, copy, 0, 0,
                                                  first };
        dv->slots[k] = ++dv->n;
    }
    dv->rows[dv->slots[k] - 1].right += right;
    dv->rows[dv->slots[k] - 1].left += left;
}

static double value_of(const struct table *t, size_t row, int col)
{
    double v = table_number(t, row, col);
    return isfinite(v) && v > 0 ? v : 0;
}

/* The most change first, then the first in the table. */
static int by_change(const void *pa, const void *pb)
{
    const struct diverging_row *a = pa, *b = pb;
    double ca = a->right + a->left, cb = b->right + b->left;
    if (ca != cb)
        return ca < cb ? 1 : -1;
    return a->first < b->first ? -1 : a->first > b->first;
}

static int numeric(const struct table *t, int col)
{
    return col > 0 && col < t->ncols &&
           (t->cols[col].type == COLUMN_INTEGER || t->cols[col].type == COLUMN_REAL);
}

/* The categories of t with their sums, those with any change, most first. */
static enum tally_error diverging_load(const struct table *t, const struct chart_spec *spec,
                                       struct diverging *dv, struct tally_diag *diag)
{
    int cat = spec->category_col;
    if (cat < 0 || cat >= t->ncols || !numeric(t, spec->value_col) ||
        !numeric(t, spec->series_col) || spec->series_col == spec->value_col)
        return diag_set(diag, TALLY_ERROR_USAGE, "a diverging bar needs a category column "
                        "and two number columns (right and left) in '%s'", t->name);
    for (size_t r = 0; r < t->nrows; r++) {
        double right = value_of(t, r, spec->value_col), left = value_of(t, r, spec->series_col);
        char buf[128];
        const struct cell *cell = table_cell(t, r, cat);
        if (column_is_text(&t->cols[cat]) && !t->cols[cat].key_text && !cell->is_null &&
            cell->v.text && *cell->v.text)
            diverging_add(dv, cell->v.text, 0, right, left, r);
        else {
            const char *text = table_text(t, r, cat, buf, sizeof buf);
            diverging_add(dv, text && *text ? text : "(none)", 1, right, left, r);
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < dv->n; i++) {
        if (dv->rows[i].right + dv->rows[i].left > 0)
            dv->rows[kept++] = dv->rows[i];
        else if (dv->rows[i].owned)
            free((char *)dv->rows[i].name);
    }
    dv->n = kept;
    free(dv->slots);
    dv->slots = NULL;
    dv->nslots = 0;
    if (dv->n > 1)
        xqsort(dv->rows, dv->n, sizeof(*dv->rows), by_change);
    return TALLY_OK;
}

static void fill_box(cairo_t *cr, double x0, double x1, double y, double h, double r,
                     double g, double b)
{
    cairo_set_source_rgb(cr, r, g, b);
    cairo_rectangle(cr, fmin(x0, x1), y, fabs(x1 - x0), h);
    cairo_fill(cr);
}

static enum tally_error draw_diverging(struct chart_ctx *ctx, struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    struct diverging dv = { 0 };
    enum tally_error err = diverging_load(t, spec, &dv, diag);
    char *names[2] = { chart_axis_title(t, NULL, spec->value_col),
                       chart_axis_title(t, NULL, spec->series_col) };
    char *cat_title = chart_axis_title(t, spec->x_title, spec->category_col);
    char *value_title = chart_axis_title(t, spec->y_title, -1);
    if (err != TALLY_OK)
        goto done;
    if (dv.n == 0) {
        chart_no_data(ctx);
        goto done;
    }
    chart_legend_top(ctx, names, 2, 0);

    const struct chart_rect *p = &ctx->plot;
    double tick_lh = chart_line_height(ctx, &CHART_FONT_TICK);
    double axis_lh = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    double value_lh = chart_line_height(ctx, &CHART_FONT_VALUE);
    double left_title = cat_title ? axis_lh + 6 : 0, bottom_title = value_title ? axis_lh + 4 : 0;
    double bars_h = p->h - bottom_title - tick_lh - 6;

    /* As many rows as have room for their labels: past that, the largest, and a note. */
    size_t room = (size_t)fmax(1, floor(bars_h / DIVERGING_MIN_SLOT));
    size_t n = dv.n < room ? dv.n : room;
    double top = p->y;
    if (n < dv.n) {
        struct chart_font font = CHART_FONT_TICK;
        double lh = chart_line_height(ctx, &font) + 8;
        const char *what = t->cols[spec->category_col].name;
        size_t len = strlen(what);
        char all[32], shown[32];
        n = (size_t)fmax(1, floor((bars_h - lh) / DIVERGING_MIN_SLOT));
        format_thousands((long long)dv.n, all, sizeof all);
        format_thousands((long long)n, shown, sizeof shown);
        char *note = xasprintf("%s %s%s changed, too many for a bar each: the %s with the "
                               "most change.", all, what, len && what[len - 1] == 's' ? "" : "s",
                               shown);
        font.r = font.g = font.b = 0.3;
        chart_text(ctx, &font, note, p->x, top, ALIGN_LEFT, VALIGN_TOP, 0, p->w);
        top += lh;
        bars_h -= lh;
        free(note);
    }

    double label_w = 0, right_max = 0, left_max = 0, value_w = 0;
    for (size_t i = 0; i < n; i++) {
        double w, h;
        char text[64];
        chart_text_size(ctx, &CHART_FONT_LABEL, dv.rows[i].name, &w, &h);
        label_w = fmax(label_w, w);
        right_max = fmax(right_max, dv.rows[i].right);
        left_max = fmax(left_max, dv.rows[i].left);
        chart_format_value(fmax(dv.rows[i].right, dv.rows[i].left), text, sizeof text);
        chart_text_size(ctx, &CHART_FONT_VALUE, text, &w, &h);
        value_w = fmax(value_w, w);
    }
    label_w = fmin(label_w, p->w * 0.3);

    /* The bars between room for the values printed at both ends. */
    struct chart_rect area = { p->x + left_title + label_w + 8, top, 0, bars_h };
    area.w = p->x + p->w - area.x;
    double inset = value_w + DIVERGING_GAP + 2;
    struct chart_value_axis vax;
    chart_value_axis_fit(&vax, -left_max, right_max, 1, area.w - 2 * inset, 90);
    double x0 = area.x + inset, x1 = area.x + area.w - inset;
    double zero = chart_value_axis_pos(&vax, 0, x0, x1);

    /* Gridlines and tick labels (magnitudes: left of zero counts too). */
    for (int k = 0; k < vax.nticks; k++) {
        double x = chart_value_axis_pos(&vax, vax.ticks[k], x0, x1);
        char text[64];
        cairo_set_source_rgb(ctx->cr, 0.9, 0.9, 0.9);
        cairo_set_line_width(ctx->cr, 0.6);
        cairo_move_to(ctx->cr, x, area.y);
        cairo_line_to(ctx->cr, x, area.y + area.h);
        cairo_stroke(ctx->cr);
        chart_format_number(fabs(vax.ticks[k]), vax.step, text, sizeof text);
        chart_text(ctx, &CHART_FONT_TICK, text, x, area.y + area.h + 4, ALIGN_CENTER,
                   VALIGN_TOP, 0, 0);
    }

    double slot = area.h / (double)n, bar_h = fmin(slot * 0.72, 28);
    double colours[2][3];
    chart_palette(0, &colours[0][0], &colours[0][1], &colours[0][2]);
    chart_palette(1, &colours[1][0], &colours[1][1], &colours[1][2]);
    for (size_t i = 0; i < n; i++) {
        const struct diverging_row *row = &dv.rows[i];
        double y = area.y + i * slot + (slot - bar_h) / 2, cy = y + bar_h / 2;
        double xr = chart_value_axis_pos(&vax, row->right, x0, x1);
        double xl = chart_value_axis_pos(&vax, -row->left, x0, x1);
        char text[64];
        chart_text(ctx, &CHART_FONT_LABEL, row->name, area.x - 8, area.y + (i + 0.5) * slot,
                   ALIGN_RIGHT, VALIGN_MIDDLE, 0, label_w);
        if (row->right > 0)
            fill_box(ctx->cr, zero, xr, y, bar_h, colours[0][0], colours[0][1], colours[0][2]);
        if (row->left > 0)
            fill_box(ctx->cr, xl, zero, y, bar_h, colours[1][0], colours[1][1], colours[1][2]);
        chart_mark_box(ctx, &(struct chart_rect){ zero, y, xr - zero, bar_h }, row->name,
                       ctx->table->cols[ctx->spec->value_col].name, row->right);
        chart_mark_box(ctx, &(struct chart_rect){ xl, y, zero - xl, bar_h }, row->name,
                       ctx->table->cols[ctx->spec->series_col].name, row->left);
        if (slot < value_lh)
            continue;
        if (row->right > 0) {
            chart_format_value(row->right, text, sizeof text);
            chart_text(ctx, &CHART_FONT_VALUE, text, xr + DIVERGING_GAP, cy, ALIGN_LEFT,
                       VALIGN_MIDDLE, 0, 0);
        }
        if (row->left > 0) {
            chart_format_value(row->left, text, sizeof text);
            chart_text(ctx, &CHART_FONT_VALUE, text, xl - DIVERGING_GAP, cy, ALIGN_RIGHT,
                       VALIGN_MIDDLE, 0, 0);
        }
    }
    cairo_set_source_rgb(ctx->cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(ctx->cr, 0.8);
    cairo_move_to(ctx->cr, zero, area.y);
    cairo_line_to(ctx->cr, zero, area.y + area.h);
    cairo_stroke(ctx->cr);
    chart_axis_title_left(ctx, cat_title, p->x, area.y + area.h / 2);
    chart_axis_title_bottom(ctx, value_title, (x0 + x1) / 2, p->y + p->h);

done:
    free(names[0]);
    free(names[1]);
    free(cat_title);
    free(value_title);
    diverging_release(&dv);
    return err;
}

const struct chart_drawer chart_drawer_diverging_bar = { CHART_DIVERGING_BAR, "diverging-bar",
                                                         draw_diverging };
