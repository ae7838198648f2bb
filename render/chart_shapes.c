/* chart_shapes.c: small helpers the shape charts (treemap, Sankey, heatmap, address map)
 * share: fill colours, readable ink on a fill, cell text and column checks. */
#include "render/chart_layout.h"

#include <math.h>

/* sRGB component to linear light (IEC 61966-2-1). */
static double shape_linear(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

void shape_palette(int k, double *r, double *g, double *b)
{
    int seen = -1;

    for (int i = 0; i < 4 * (k + 16); i++) {
        double hi, lo;
        chart_palette(i, r, g, b);
        hi = fmax(*r, fmax(*g, *b));
        lo = fmin(*r, fmin(*g, *b));
        /* Black, and greys (which stand for "Other"), are left out. */
        if (hi >= 0.2 && hi - lo >= 0.1 && ++seen == k)
            return;
    }
    chart_palette(k, r, g, b);
}

double shape_luminance(double r, double g, double b)
{
    return 0.2126 * shape_linear(r) + 0.7152 * shape_linear(g) + 0.0722 * shape_linear(b);
}

void shape_ink(double r, double g, double b, double *ir, double *ig, double *ib)
{
    /* Whichever of white and the dark ink has the higher WCAG contrast ratio. */
    const double dark = 0.13;
    double lum = shape_luminance(r, g, b);
    double dark_lum = shape_linear(dark);
    double on_white = 1.05 / (lum + 0.05);
    double on_dark = (lum + 0.05) / (dark_lum + 0.05);

    if (on_white > on_dark)
        *ir = *ig = *ib = 1.0;
    else
        *ir = *ig = *ib = dark;
}

const char *shape_cell_text(const struct table *t, size_t row, int col, char *buf,
                            size_t size)
{
    const struct cell *c = table_cell(t, row, col);
    const char *text;

    if (!c || c->is_null)
        return "(none)";
    text = table_text(t, row, col, buf, size);
    return text && *text ? text : "(none)";
}

enum tally_error shape_check_columns(const struct chart_ctx *ctx, int need_series,
                                     const char *kind, struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;

    if (spec->category_col < 0 || spec->category_col >= t->ncols)
        return diag_set(diag, TALLY_ERROR_USAGE, "a %s chart needs a category column", kind);
    if (spec->value_col < 0 || spec->value_col >= t->ncols)
        return diag_set(diag, TALLY_ERROR_USAGE, "a %s chart needs a value column", kind);
    if (need_series && (spec->series_col < 0 || spec->series_col >= t->ncols))
        return diag_set(diag, TALLY_ERROR_USAGE, "a %s chart needs a series column", kind);
    return TALLY_OK;
}
