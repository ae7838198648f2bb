/* chart_heatmap.c: the heatmap (CHART_HEATMAP): rows are categories (weekdays), columns
 * are series (hours), each cell coloured by its value on the sequential scale with the
 * value printed when it fits, and a colour legend bar from minimum to maximum. */
#include "render/chart_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEATMAP_MAX_KEYS 1000           /* rows or columns beyond this are left out */
#define HEATMAP_RANGE_MAX 100           /* integer keys fill their range up to this many */
#define HEATMAP_LEGEND_H 44.0           /* the band below the grid holding the legend */
#define HEATMAP_LEGEND_W 220.0
#define HEATMAP_BAR_W 128.0
#define HEATMAP_BAR_H 10.0
#define HEATMAP_T_MIN 0.15              /* sequential position of the smallest value */
#define HEATMAP_EMPTY 0.95              /* grey of a cell without data */
#define HEATMAP_MAX_ASPECT 1.6          /* cell height / width at most */
#define HEATMAP_MIN_CELL 8.0            /* cell height below which the legend goes */

/* The distinct keys of one column, in the order they are shown. */
struct heatmap_keys {
    int n;
    char **text;
    int integer;                /* integer keys: text[i] is lo + i */
    long long lo;
};

static void heatmap_keys_release(struct heatmap_keys *k)
{
    for (int i = 0; i < k->n; i++)
        free(k->text[i]);
    free(k->text);
    memset(k, 0, sizeof *k);
}

/* Integer columns fill the whole range between their smallest and largest value (hours
 * 0-23 stay in order with gaps shown); other columns keep first-appearance order. */
static void heatmap_keys_build(const struct table *t, int col, struct heatmap_keys *k)
{
    memset(k, 0, sizeof *k);
    if (t->cols[col].type == COLUMN_INTEGER) {
        long long lo = 0, hi = 0;
        int any = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            const struct cell *c = table_cell(t, i, col);
            if (!c || c->is_null)
                continue;
            if (!any || c->v.integer < lo)
                lo = c->v.integer;
            if (!any || c->v.integer > hi)
                hi = c->v.integer;
            any = 1;
        }
        if (any && hi - lo < HEATMAP_RANGE_MAX) {
            k->integer = 1;
            k->lo = lo;
            k->n = (int)(hi - lo + 1);
            k->text = xcalloc((size_t)k->n, sizeof *k->text);
            for (int i = 0; i < k->n; i++)
                k->text[i] = xasprintf("%lld", lo + i);
            return;
        }
    }
    for (size_t i = 0; i < t->nrows; i++) {
        char buf[256];
        const char *s = shape_cell_text(t, i, col, buf, sizeof buf);
        int found = 0;
        for (int j = 0; j < k->n && !found; j++)
            found = strcmp(k->text[j], s) == 0;
        if (found || k->n >= HEATMAP_MAX_KEYS)
            continue;
        k->text = xrealloc(k->text, (size_t)(k->n + 1) * sizeof *k->text);
        k->text[k->n++] = xstrdup(s);
    }
}

static int heatmap_key_index(const struct heatmap_keys *k, const struct table *t, size_t row,
                             int col)
{
    char buf[256];
    const char *s;

    if (k->integer) {
        const struct cell *c = table_cell(t, row, col);
        if (!c || c->is_null)
            return -1;
        return (int)(c->v.integer - k->lo);
    }
    s = shape_cell_text(t, row, col, buf, sizeof buf);
    for (int j = 0; j < k->n; j++)
        if (strcmp(k->text[j], s) == 0)
            return j;
    return -1;
}

static double heatmap_scale(double v, double lo, double hi)
{
    if (hi <= lo)
        return 1.0;
    return HEATMAP_T_MIN + (1 - HEATMAP_T_MIN) * (v - lo) / (hi - lo);
}

/* The legend, starting at (x, y): "what  [grey] none  vmin [colour bar] hi", the
 * colour bar running from the smallest shown value vmin to the largest. */
static void heatmap_legend_fit(struct chart_ctx *ctx, struct heatmap_legend *lg, double x,
                               double y, double lo, double hi, double vmin, int any_empty,
                               const char *what)
{
    struct chart_font tick = CHART_FONT_TICK, title = CHART_FONT_TICK;
    double tw, th, mid = y + HEATMAP_BAR_H / 2;
    char num[64];

    lg->shown = 1;
    title.bold = 1;
    if (what) {
        chart_text_size(ctx, &title, what, &tw, &th);
        chart_label_set(&lg->title, &title, what, x, mid, ALIGN_LEFT, VALIGN_MIDDLE, 0,
                        HEATMAP_LEGEND_W / 2);
        x += fmin(tw, HEATMAP_LEGEND_W / 2) + 12;
    }
    if (any_empty) {
        lg->swatch = (struct chart_rect){ x, y, HEATMAP_BAR_H, HEATMAP_BAR_H };
        chart_label_set(&lg->none, &tick, "none", x + HEATMAP_BAR_H + 5, mid, ALIGN_LEFT,
                        VALIGN_MIDDLE, 0, 0);
        chart_text_size(ctx, &tick, "none", &tw, &th);
        x += HEATMAP_BAR_H + 5 + tw + 16;
    }
    chart_format_value(vmin, num, sizeof num);
    chart_label_set(&lg->lo, &tick, num, x, mid, ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
    chart_text_size(ctx, &tick, num, &tw, &th);
    x += tw + 6;
    lg->bar = (struct chart_rect){ x, y, HEATMAP_BAR_W, HEATMAP_BAR_H };
    for (int i = 0; i < HEATMAP_BAR_STEPS; i++) {
        double v = vmin + (hi - vmin) * (i + 0.5) / HEATMAP_BAR_STEPS;
        chart_sequential(heatmap_scale(v, lo, hi), &lg->step[i][0], &lg->step[i][1],
                         &lg->step[i][2]);
    }
    chart_format_value(hi, num, sizeof num);
    chart_label_set(&lg->hi, &tick, num, x + HEATMAP_BAR_W + 6, mid, ALIGN_LEFT,
                    VALIGN_MIDDLE, 0, 0);
}

/* Places the value in a cell when it fits, in ink that contrasts with the fill. */
static void heatmap_cell_value(struct chart_ctx *ctx, struct heatmap_cell *cell)
{
    struct chart_font font = CHART_FONT_VALUE;
    const struct chart_rect *b = &cell->box;
    double tw, th;
    char num[64];

    chart_format_value(cell->value, num, sizeof num);
    chart_text_size(ctx, &font, num, &tw, &th);
    if (tw + 4 > b->w || th + 2 > b->h)
        return;
    shape_ink(cell->r, cell->g, cell->b, &font.r, &font.g, &font.b);
    chart_label_set(&cell->label, &font, num, b->x + b->w / 2, b->y + b->h / 2, ALIGN_CENTER,
                    VALIGN_MIDDLE, 0, 0);
}

/* Sums the table's values into a rows x cols grid; have[k] marks cells with data. The
 * smallest and largest sums other than 0 go to lo and hi (infinite when there are
 * none); returns whether some cell is empty. */
static int heatmap_grid(const struct table *t, const struct chart_spec *spec,
                        const struct heatmap_keys *rows, const struct heatmap_keys *cols,
                        double *grid, unsigned char *have, double *lo, double *hi)
{
    int any_empty = 0;

    for (size_t i = 0; i < t->nrows; i++) {
        int r = heatmap_key_index(rows, t, i, spec->category_col);
        int c = heatmap_key_index(cols, t, i, spec->series_col);
        double v = table_number(t, i, spec->value_col);
        if (r < 0 || c < 0 || r >= rows->n || c >= cols->n || !isfinite(v))
            continue;
        grid[(size_t)r * cols->n + c] += v;
        have[(size_t)r * cols->n + c] = 1;
    }
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t k = 0; k < (size_t)rows->n * cols->n; k++) {
        if (have[k] && grid[k] != 0) {
            *lo = fmin(*lo, grid[k]);
            *hi = fmax(*hi, grid[k]);
        } else {
            any_empty = 1;
        }
    }
    return any_empty;
}

/* Row labels right-aligned against the grid (every n-th when rows are thin), column
 * labels under it (every n-th when they would touch). */
static void heatmap_labels_fit(struct chart_ctx *ctx, struct heatmap_chart *hm,
                               const struct heatmap_keys *rows, const struct heatmap_keys *cols,
                               double tick_h, double row_label_w)
{
    const struct chart_font *tick = &CHART_FONT_TICK;
    double tw, th, widest = 0, cw = hm->cell_w, ch = hm->cell_h;
    int every;

    hm->labels = xcalloc((size_t)(rows->n + cols->n), sizeof *hm->labels);
    every = tick_h + 2 > ch ? (int)ceil((tick_h + 2) / ch) : 1;
    for (int r = 0; r < rows->n; r += every)
        chart_label_set(&hm->labels[hm->nlabels++], tick, rows->text[r], hm->grid.x - 6,
                        hm->grid.y + (r + 0.5) * ch, ALIGN_RIGHT, VALIGN_MIDDLE, 0,
                        row_label_w);
    for (int c = 0; c < cols->n; c++) {
        chart_text_size(ctx, tick, cols->text[c], &tw, &th);
        widest = fmax(widest, tw);
    }
    every = (int)ceil((widest + 6) / cw);
    if (every < 1)
        every = 1;
    for (int c = 0; c < cols->n; c += every)
        chart_label_set(&hm->labels[hm->nlabels++], tick, cols->text[c],
                        hm->grid.x + (c + 0.5) * cw, hm->grid.y + hm->grid.h + 5,
                        ALIGN_CENTER, VALIGN_TOP, 0, every * cw);
}

/* Each cell's box, its colour on the scale from lo to hi (grey without data) and its
 * value when it fits. */
static void heatmap_cells_fit(struct chart_ctx *ctx, struct heatmap_chart *hm,
                              const double *grid, const unsigned char *have, double lo,
                              double hi)
{
    hm->cells = xcalloc((size_t)hm->rows * (size_t)hm->cols, sizeof *hm->cells);
    for (int r = 0; r < hm->rows; r++) {
        for (int c = 0; c < hm->cols; c++) {
            size_t k = (size_t)r * hm->cols + c;
            struct heatmap_cell *cell = &hm->cells[k];
            cell->box = (struct chart_rect){ hm->grid.x + c * hm->cell_w,
                                             hm->grid.y + r * hm->cell_h, hm->cell_w,
                                             hm->cell_h };
            cell->value = grid[k];
            cell->filled = have[k] && grid[k] != 0;
            if (cell->filled) {
                chart_sequential(heatmap_scale(grid[k], lo, hi), &cell->r, &cell->g, &cell->b);
                heatmap_cell_value(ctx, cell);
            } else {
                cell->r = cell->g = cell->b = HEATMAP_EMPTY;
            }
        }
    }
}

void heatmap_chart_release(struct heatmap_chart *hm)
{
    for (int k = 0; hm->cells && k < hm->rows * hm->cols; k++)
        chart_label_release(&hm->cells[k].label);
    for (int i = 0; i < hm->nlabels; i++)
        chart_label_release(&hm->labels[i]);
    free(hm->cells);
    free(hm->labels);
    free(hm->row_title);
    free(hm->col_title);
    chart_label_release(&hm->legend.title);
    chart_label_release(&hm->legend.none);
    chart_label_release(&hm->legend.lo);
    chart_label_release(&hm->legend.hi);
    memset(hm, 0, sizeof *hm);
}

enum tally_error heatmap_chart_layout(struct chart_ctx *ctx, struct heatmap_chart *hm,
                                      struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    const struct chart_rect *p = &ctx->plot;
    const struct chart_font *tick = &CHART_FONT_TICK;
    struct heatmap_keys rows, cols;
    double *grid = NULL;
    unsigned char *have = NULL;
    char *value_title = NULL;
    double lo, hi, tw, th, row_label_w = 0;
    double tick_h, axis_h, left_title_w, bottom_title_h, gx, gy, gw, cw, ch;
    double vmin, legend_h;
    int any_empty;
    enum tally_error err;

    memset(hm, 0, sizeof *hm);
    memset(&rows, 0, sizeof rows);
    memset(&cols, 0, sizeof cols);
    err = shape_check_columns(ctx, 1, "heatmap", diag);
    if (err != TALLY_OK)
        goto out;
    heatmap_keys_build(t, spec->category_col, &rows);
    heatmap_keys_build(t, spec->series_col, &cols);
    if (rows.n == 0 || cols.n == 0) {
        hm->empty = 1;
        goto out;
    }

    grid = xcalloc((size_t)rows.n * (size_t)cols.n, sizeof *grid);
    have = xcalloc((size_t)rows.n * (size_t)cols.n, 1);
    any_empty = heatmap_grid(t, spec, &rows, &cols, grid, have, &lo, &hi);
    if (!isfinite(lo)) {
        hm->empty = 1;
        goto out;
    }
    /* Counts read best from zero: the scale starts there, the legend's bar at the
     * smallest value shown. */
    vmin = lo;
    if (lo > 0)
        lo = 0;

    /* Space: axis title and row labels at the left; column labels, axis title and the
     * legend below. */
    hm->row_title = chart_axis_title(t, spec->y_title, spec->category_col);
    hm->col_title = chart_axis_title(t, spec->x_title, spec->series_col);
    value_title = chart_axis_title(t, NULL, spec->value_col);
    tick_h = chart_line_height(ctx, tick);
    axis_h = chart_line_height(ctx, &CHART_FONT_AXIS_TITLE);
    left_title_w = hm->row_title ? axis_h + 8 : 0;
    bottom_title_h = hm->col_title ? axis_h + 6 : 0;
    for (int r = 0; r < rows.n; r++) {
        chart_text_size(ctx, tick, rows.text[r], &tw, &th);
        row_label_w = fmax(row_label_w, tw);
    }
    row_label_w = fmin(row_label_w, p->w * 0.25);
    gx = p->x + left_title_w + row_label_w + 8;
    gy = p->y;
    gw = p->x + p->w - gx;
    cw = gw / cols.n;
    /* A small chart gives up the legend before its cells get too thin to see. */
    legend_h = HEATMAP_LEGEND_H;
    if ((p->h - (tick_h + 8) - bottom_title_h - legend_h) / rows.n < HEATMAP_MIN_CELL)
        legend_h = 0;
    ch = fmin((p->h - (tick_h + 8) - bottom_title_h - legend_h) / rows.n,
              cw * HEATMAP_MAX_ASPECT);
    if (ch < 1 || cw < 1) {
        err = diag_set(diag, TALLY_ERROR_USAGE, "the heatmap does not fit in %.0f x %.0f points",
                       p->w, p->h);
        goto out;
    }
    hm->rows = rows.n;
    hm->cols = cols.n;
    hm->cell_w = cw;
    hm->cell_h = ch;
    hm->grid = (struct chart_rect){ gx, gy, gw, ch * rows.n };

    heatmap_cells_fit(ctx, hm, grid, have, lo, hi);
    for (int k = 0; k < rows.n * cols.n; k++)
        chart_mark_box(ctx, &hm->cells[k].box, rows.text[k / cols.n], cols.text[k % cols.n],
                       hm->cells[k].value);
    heatmap_labels_fit(ctx, hm, &rows, &cols, tick_h, row_label_w);
    hm->col_title_y = gy + hm->grid.h + tick_h + 8 + axis_h;
    if (legend_h > 0)
        heatmap_legend_fit(ctx, &hm->legend, gx,
                           gy + hm->grid.h + tick_h + 8 + bottom_title_h + 14, lo, hi, vmin,
                           any_empty, value_title);

out:
    if (err != TALLY_OK)
        heatmap_chart_release(hm);
    heatmap_keys_release(&rows);
    heatmap_keys_release(&cols);
    free(grid);
    free(have);
    free(value_title);
    return err;
}

static void heatmap_legend_paint(struct chart_ctx *ctx, const struct heatmap_legend *lg)
{
    const struct chart_rect *bar = &lg->bar;

    chart_label_draw(ctx, &lg->title);
    if (lg->none.text) {
        cairo_rectangle(ctx->cr, lg->swatch.x, lg->swatch.y, lg->swatch.w, lg->swatch.h);
        cairo_set_source_rgb(ctx->cr, HEATMAP_EMPTY, HEATMAP_EMPTY, HEATMAP_EMPTY);
        cairo_fill(ctx->cr);
        chart_label_draw(ctx, &lg->none);
    }
    chart_label_draw(ctx, &lg->lo);
    for (int i = 0; i < HEATMAP_BAR_STEPS; i++) {
        cairo_rectangle(ctx->cr, bar->x + i * bar->w / HEATMAP_BAR_STEPS, bar->y,
                        bar->w / HEATMAP_BAR_STEPS + 0.3, bar->h);
        cairo_set_source_rgb(ctx->cr, lg->step[i][0], lg->step[i][1], lg->step[i][2]);
        cairo_fill(ctx->cr);
    }
    chart_label_draw(ctx, &lg->hi);
}

/* Cells with white gaps between them and their values, the labels, the axis titles and
 * the legend. */
static void heatmap_paint(struct chart_ctx *ctx, const struct heatmap_chart *hm)
{
    cairo_set_line_width(ctx->cr, 1.0);
    for (int k = 0; k < hm->rows * hm->cols; k++) {
        const struct heatmap_cell *cell = &hm->cells[k];
        cairo_rectangle(ctx->cr, cell->box.x, cell->box.y, cell->box.w, cell->box.h);
        cairo_set_source_rgb(ctx->cr, cell->r, cell->g, cell->b);
        cairo_fill_preserve(ctx->cr);
        cairo_set_source_rgb(ctx->cr, 1, 1, 1);
        cairo_stroke(ctx->cr);
        chart_label_draw(ctx, &cell->label);
    }
    for (int i = 0; i < hm->nlabels; i++)
        chart_label_draw(ctx, &hm->labels[i]);
    chart_axis_title_bottom(ctx, hm->col_title, hm->grid.x + hm->grid.w / 2, hm->col_title_y);
    chart_axis_title_left(ctx, hm->row_title, ctx->plot.x, hm->grid.y + hm->grid.h / 2);
    if (hm->legend.shown)
        heatmap_legend_paint(ctx, &hm->legend);
}

static enum tally_error heatmap_draw(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct heatmap_chart hm;
    enum tally_error err = heatmap_chart_layout(ctx, &hm, diag);

    if (err != TALLY_OK)
        return err;
    if (hm.empty)
        chart_no_data(ctx);
    else
        heatmap_paint(ctx, &hm);
    heatmap_chart_release(&hm);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_heatmap = {
    .kind = CHART_HEATMAP,
    .name = "heatmap",
    .draw = heatmap_draw,
};
