/* chart_data.c: reads the chart spec's columns out of a table into categories x series,
 * pivoting rows in long form (category, series, value) and folding small series into
 * "Other". */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

struct series_total {
    int index;                  /* order of first appearance */
    double total;
};

static int series_total_cmp(const void *a, const void *b)
{
    const struct series_total *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return x->index - y->index;
}

static int column_ok(const struct table *t, int col)
{
    return col >= 0 && col < t->ncols;
}

/* Index of key in the names seen so far, adding it when new. */
static size_t name_index(GHashTable *index, char ***names, size_t *n, size_t *alloc,
                         const char *key)
{
    gpointer found;
    if (g_hash_table_lookup_extended(index, key, NULL, &found))
        return (size_t)GPOINTER_TO_SIZE(found);
    if (*n == *alloc) {
        *alloc = *alloc ? *alloc * 2 : 16;
        *names = xrealloc(*names, *alloc * sizeof **names);
    }
    (*names)[*n] = xstrdup(key);
    g_hash_table_insert(index, (*names)[*n], GSIZE_TO_POINTER(*n));
    return (*n)++;
}

enum tally_error chart_data_load(struct chart_data *d, const struct chart_ctx *ctx,
                                 int with_series, struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    int cat_col = spec->category_col, val_col = spec->value_col;
    int ser_col = with_series ? spec->series_col : -1;
    GHashTable *cat_index = NULL, *ser_index = NULL;
    size_t cat_alloc = 0, ser_alloc = 0, nser = 0, row, *cat_of = NULL, *ser_of = NULL;
    char **ser_names = NULL;
    double *raw = NULL;
    struct series_total *order = NULL;
    int *slot_of = NULL;
    enum tally_error err = TALLY_OK;
    size_t i;

    memset(d, 0, sizeof *d);
    if (!column_ok(t, cat_col) || !column_ok(t, val_col) ||
        (ser_col >= 0 && !column_ok(t, ser_col))) {
        err = diag_set(diag, TALLY_ERROR_USAGE,
                       "chart of '%s': the spec names a column the table does not have",
                       t->name ? t->name : "table");
        goto cleanup;
    }
    if (t->cols[val_col].type != COLUMN_INTEGER && t->cols[val_col].type != COLUMN_REAL) {
        err = diag_set(diag, TALLY_ERROR_USAGE,
                       "chart of '%s': column '%s' holds no numbers to chart",
                       t->name ? t->name : "table", t->cols[val_col].name);
        goto cleanup;
    }
    d->integers = t->cols[val_col].type == COLUMN_INTEGER;
    d->cat_title = chart_axis_title(t, spec->x_title, cat_col);
    d->value_title = chart_axis_title(t, spec->y_title, val_col);

    /* First pass: categories and series in order of first appearance. */
    cat_index = g_hash_table_new(g_str_hash, g_str_equal);
    ser_index = g_hash_table_new(g_str_hash, g_str_equal);
    cat_of = xcalloc(t->nrows ? t->nrows : 1, sizeof *cat_of);
    ser_of = xcalloc(t->nrows ? t->nrows : 1, sizeof *ser_of);
    for (row = 0; row < t->nrows; row++) {
        char buf[128];
        const char *text = table_text(t, row, cat_col, buf, sizeof buf);
        cat_of[row] = name_index(cat_index, &d->cats, &d->ncat, &cat_alloc,
                                 text && *text ? text : "(none)");
        if (ser_col >= 0) {
            text = table_text(t, row, ser_col, buf, sizeof buf);
            ser_of[row] = name_index(ser_index, &ser_names, &nser, &ser_alloc,
                                     text && *text ? text : "(none)");
        }
    }
    if (ser_col < 0)
        name_index(ser_index, &ser_names, &nser, &ser_alloc, "");

    /* Totals per series decide their order and which fold into "Other". */
    raw = xcalloc(d->ncat * nser + 1, sizeof *raw);
    order = xcalloc(nser, sizeof *order);
    for (i = 0; i < nser; i++)
        order[i].index = (int)i;
    for (row = 0; row < t->nrows; row++) {
        double v = table_number(t, row, val_col);
        if (!isfinite(v))
            v = 0;
        raw[cat_of[row] * nser + ser_of[row]] += v;
        order[ser_of[row]].total += v;
    }
    xqsort(order, nser, sizeof *order, series_total_cmp);

    d->has_other = nser > CHART_MAX_SERIES;
    d->nseries = d->has_other ? CHART_MAX_SERIES + 1 : (int)nser;
    d->series = xcalloc((size_t)d->nseries, sizeof *d->series);
    slot_of = xcalloc(nser, sizeof *slot_of);
    for (i = 0; i < nser; i++) {
        int slot = i < CHART_MAX_SERIES ? (int)i : CHART_MAX_SERIES;
        slot_of[order[i].index] = slot;
        if (slot < CHART_MAX_SERIES)
            d->series[slot] = xstrdup(ser_names[order[i].index]);
    }
    if (d->has_other)
        d->series[CHART_MAX_SERIES] = xstrdup("Other");
    d->values = xcalloc(d->ncat * (size_t)d->nseries + 1, sizeof *d->values);
    for (i = 0; i < d->ncat; i++) {
        size_t s;
        for (s = 0; s < nser; s++)
            d->values[i * (size_t)d->nseries + (size_t)slot_of[s]] += raw[i * nser + s];
    }

cleanup:
    if (cat_index)
        g_hash_table_destroy(cat_index);
    if (ser_index)
        g_hash_table_destroy(ser_index);
    for (i = 0; i < nser; i++)
        free(ser_names[i]);
    free(ser_names);
    free(cat_of);
    free(ser_of);
    free(raw);
    free(order);
    free(slot_of);
    if (err != TALLY_OK)
        chart_data_release(d);
    return err;
}

void chart_data_release(struct chart_data *d)
{
    size_t i;
    for (i = 0; i < d->ncat; i++)
        free(d->cats[i]);
    free(d->cats);
    for (i = 0; i < (size_t)d->nseries; i++)
        free(d->series[i]);
    free(d->series);
    free(d->values);
    free(d->cat_title);
    free(d->value_title);
    memset(d, 0, sizeof *d);
}

double chart_data_get(const struct chart_data *d, size_t cat, int series)
{
    return d->values[cat * (size_t)d->nseries + (size_t)series];
}

void chart_data_color(const struct chart_data *d, int series, double *r, double *g, double *b)
{
    if (d->has_other && series == d->nseries - 1)
        chart_palette_other(r, g, b);
    else
        chart_palette(series, r, g, b);
}
