/* chart_bar.c: bar charts: vertical bars, horizontal bars (top-N lists), stacked bars and
 * grouped bars. Bars start at 0; values are printed on them where they fit. */
#include "render/chart_layout.h"

#include <glib.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_GAP 3.0
#define BAR_MIN_SLOT 1.0        /* points a category's bar needs; with less, bars stand for
                                   groups of categories (bars_condense()) */
#define BAR_AXIS_ROOM 60.0      /* points an axis and its labels take beside the bars */
#define BAR_MIN_ROOM 20         /* bars that always fit */
#define BAR_MAX_BINS 24         /* bins of a distribution of one width */
#define BAR_TAIL_RATIO 64.0     /* counts spanning more doublings get bins doubling in width */

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

/* ---- more categories than bars fit ---- */

/* FNV-1a, 64 bits: equal texts hash alike, so distinct hashes mean distinct texts. */
static uint64_t bars_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

static int bars_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A category's name as chart_data_load() reads it. */
static const char *bars_cat_text(const struct table *t, size_t row, int col, char *buf,
                                 size_t size)
{
    const char *text = table_text(t, row, col, buf, size);
    return text && *text ? text : "(none)";
}

/* Whether no two rows of t name the same category: then each row is one bar, and a
 * table of millions of rows needs no index of its categories. */
static int bars_rows_distinct(const struct table *t, int col)
{
    uint64_t *h;
    int distinct = 1;
    char buf[128];

    /* A table of subnets in address order holds them as ascending keys. */
    if (table_keys_ascend(t, col))
        return 1;
    h = xcalloc(t->nrows + 1, sizeof *h);
    for (size_t r = 0; r < t->nrows; r++)
        h[r] = bars_hash(bars_cat_text(t, r, col, buf, sizeof buf));
    xqsort(h, t->nrows, sizeof *h, bars_u64_cmp);
    for (size_t r = 1; r < t->nrows && distinct; r++)
        distinct = h[r] != h[r - 1];
    free(h);
    return distinct;
}

/* Whether every value is a whole number >= 0: counts, which a distribution can bin. */
static int bars_countable(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(v[i] >= 0) || v[i] != floor(v[i]) || v[i] > 9e15)
            return 0;
    return 1;
}

/* The bin of count v: 0 for none, then k + 1 for 2^k <= v < 2^(k+1). */
static int bars_log2_bin(double v)
{
    return v < 1 ? 0 : ilogb(v) + 1;
}

/* "noun" with an s, the way English plurals of column names go ("subnet" -> "subnets",
 * "company" -> "companies", "address" -> "addresses"). malloc'd. */
static char *bars_plural(const char *noun)
{
    size_t n = strlen(noun);
    char last = n ? noun[n - 1] : 0, before = n > 1 ? noun[n - 2] : 0;

    if (last == 'y' && n > 1 && !strchr("aeiou", before))
        return xasprintf("%.*sies", (int)(n - 1), noun);
    if (last == 's' || last == 'x' || (last == 'h' && (before == 'c' || before == 's')))
        return xasprintf("%ses", noun);
    return xasprintf("%ss", noun);
}

/* An axis title as a noun inside a sentence: its first letter in lower case. */
static char *bars_noun(const char *title, const char *fallback)
{
    char *noun = xstrdup(title && *title ? title : fallback);
    if (noun[0] >= 'A' && noun[0] <= 'Z' && !(noun[1] >= 'A' && noun[1] <= 'Z'))
        noun[0] = (char)(noun[0] - 'A' + 'a');
    return noun;
}

/* The distribution of n counts v as bars, from the lowest bin holding a category to
 * the highest. Counts spanning a few doublings get bins of one nice width (1, 2, 5, 10,
 * 20, ...: *width, at most BAR_MAX_BINS of them); a long tail gets bins doubling in width
 * (0, 1, 2-3, 4-7, ...; *width 0). Replaces out's categories and values. */
static void bars_distribution(const double *v, size_t n, struct chart_data *out,
                              long long *width)
{
    double lo = n ? INFINITY : 0, hi = 0;
    long long first, last, w = 0;

    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    if (hi < BAR_TAIL_RATIO * fmax(lo, 1) || hi - lo < BAR_MAX_BINS)
        for (long long step = 1; !w; step *= 10)
            for (int k = 0; k < 3 && !w; k++) {
                long long c = step * (k == 0 ? 1 : k == 1 ? 2 : 5);
                if ((long long)(hi / c) - (long long)(lo / c) < BAR_MAX_BINS)
                    w = c;
            }
    *width = w;
    first = w ? (long long)(lo / w) : bars_log2_bin(lo);
    last = w ? (long long)(hi / w) : bars_log2_bin(hi);
    out->ncat = (size_t)(last - first + 1);
    out->cats = xcalloc(out->ncat, sizeof *out->cats);
    out->values = xcalloc(out->ncat, sizeof *out->values);
    for (size_t i = 0; i < n; i++)
        out->values[(w ? (long long)(v[i] / w) : bars_log2_bin(v[i])) - first] += 1;
    for (long long k = first; k <= last; k++) {
        long long from = w ? k * w : k == 0 ? 0 : 1LL << (k - 1);
        long long to = w ? from + w - 1 : k == 0 ? 0 : (1LL << k) - 1;
        char a[32], b[32];
        format_thousands(from, a, sizeof a);
        format_thousands(to, b, sizeof b);
        out->cats[k - first] = from == to ? xstrdup(a) : xasprintf("%s\xe2\x80\x93%s", a, b);
    }
}

/* One entry of a heap of the largest values: the smallest (then the latest) on top. */
struct bars_kept {
    double value;
    size_t index;
};

static int bars_kept_worse(const struct bars_kept *a, const struct bars_kept *b)
{
    return a->value < b->value || (a->value == b->value && a->index > b->index);
}

static void bars_heap_down(struct bars_kept *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && bars_kept_worse(&h[l], &h[w]))
            w = l;
        if (r < n && bars_kept_worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        struct bars_kept tmp = h[i];
        h[i] = h[w];
        h[w] = tmp;
        i = w;
    }
}

static int bars_index_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The indexes of the `keep` largest of n values (of two equal ones the earlier), in
 * their original order. */
static size_t *bars_largest(const double *v, size_t n, size_t keep)
{
    struct bars_kept *h = xcalloc(keep + 1, sizeof *h);
    size_t nh = 0, *out;

    for (size_t i = 0; i < n; i++) {
        struct bars_kept k = { isfinite(v[i]) ? v[i] : -INFINITY, i };
        if (nh < keep) {
            h[nh++] = k;
            if (nh == keep)
                for (size_t j = keep / 2 + 1; j-- > 0;)
                    bars_heap_down(h, nh, j);
        } else if (keep > 0 && bars_kept_worse(&h[0], &k)) {
            h[0] = k;
            bars_heap_down(h, nh, 0);
        }
    }
    out = xcalloc(nh + 1, sizeof *out);
    for (size_t i = 0; i < nh; i++)
        out[i] = h[i].index;
    xqsort(out, nh, sizeof *out, bars_index_cmp);
    free(h);
    return out;
}

/* Where the names of the categories are: d->cats, else the table's column. */
struct bars_names {
    const struct chart_data *d;
    const struct table *t;
    int col;
};

/* What a bar or hbar chart draws: its categories, or what stands in for them. */
struct bars_shown {
    enum bar_view view;
    size_t ncat_all;
    char *note_text;
    struct chart_data data;
};

/* Bars for at most `room` of n categories, sized size[i]: counts in one series (when
 * `binnable`) become their distribution, anything else keeps its `room` largest, in
 * order, with their values (nseries per category, by category). Fills bc->data's
 * categories and values (its series and titles are set), the view and the note. */
static void bars_condense(const struct bars_names *names, const double *size, size_t n,
                          size_t room, const double *values, int nseries, int binnable,
                          struct bars_shown *bc)
{
    struct chart_data *out = &bc->data;
    char *cat = bars_noun(out->cat_title, "category"), *cats = bars_plural(cat);
    char *what = bars_noun(out->value_title, "value");
    char all[32], kept[32], left[32];

    bc->ncat_all = n;
    format_thousands((long long)n, all, sizeof all);
    if (binnable && nseries == 1 && bars_countable(size, n)) {
        long long width;
        char range[48];
        bc->view = BARS_DISTRIBUTION;
        bars_distribution(size, n, out, &width);
        out->integers = 1;
        format_thousands(width, range, sizeof range);
        if (width == 1)
            bc->note_text = xasprintf("%s %s, too many for a bar each: each bar counts the %s "
                                      "with that many %s.", all, cats, cats, what);
        else
            bc->note_text = xasprintf("%s %s, too many for a bar each: each bar counts the %s "
                                      "whose %s fall in its range (%s%s).", all, cats, cats,
                                      what, width ? "ranges of " : "ranges double in width",
                                      width ? range : "");
        free(out->cat_title);
        out->cat_title = xasprintf("%c%s per %s", toupper((unsigned char)what[0]), what + 1, cat);
        free(out->value_title);
        out->value_title = xstrdup(cats);
        out->value_title[0] = (char)toupper((unsigned char)out->value_title[0]);
    } else {
        size_t *keep = bars_largest(size, n, room);
        bc->view = BARS_LARGEST;
        out->ncat = n < room ? n : room;
        out->cats = xcalloc(out->ncat + 1, sizeof *out->cats);
        out->values = xcalloc(out->ncat * (size_t)nseries + 1, sizeof *out->values);
        for (size_t i = 0; i < out->ncat; i++) {
            char buf[128];
            out->cats[i] = xstrdup(names->d ? names->d->cats[keep[i]]
                                            : bars_cat_text(names->t, keep[i], names->col, buf,
                                                            sizeof buf));
            memcpy(&out->values[i * (size_t)nseries], &values[keep[i] * (size_t)nseries],
                   (size_t)nseries * sizeof *values);
        }
        format_thousands((long long)out->ncat, kept, sizeof kept);
        format_thousands((long long)(n - out->ncat), left, sizeof left);
        bc->note_text = xasprintf("%s %s, too many for a bar each: the %s largest by %s, in "
                                  "order; the other %s are left out.", all, cats, kept, what,
                                  left);
        free(keep);
    }
    free(cat);
    free(cats);
    free(what);
}

/* How many bars fit along `length` points: each at least BAR_MIN_SLOT, beside room for
 * an axis. */
static size_t bars_room(double length)
{
    double room = floor((length - BAR_AXIS_ROOM) / BAR_MIN_SLOT);
    return room < BAR_MIN_ROOM ? BAR_MIN_ROOM : (size_t)room;
}

/* The table's categories and values as bars: chart_data_load()'s, or when there are
 * more than `room` categories, what stands in for them (bars_condense()). A one-series
 * table whose rows name distinct categories is read row by row, without an index of
 * its categories, so that millions of rows cost little. */
static enum tally_error bars_load(struct chart_ctx *ctx, int with_series, size_t room,
                                  int binnable, struct bars_shown *bc, struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    struct chart_data *d = &bc->data, full;
    int cat_col = spec->category_col, val_col = spec->value_col;
    int one_series = !with_series || spec->series_col < 0;
    enum tally_error err;

    bc->view = BARS_EACH;
    bc->ncat_all = t->nrows;
    if (t->nrows > room && one_series && cat_col >= 0 && cat_col < t->ncols &&
        val_col >= 0 && val_col < t->ncols &&
        (t->cols[val_col].type == COLUMN_INTEGER || t->cols[val_col].type == COLUMN_REAL) &&
        bars_rows_distinct(t, cat_col)) {
        struct bars_names names = { NULL, t, cat_col };
        double *v = xcalloc(t->nrows, sizeof *v);
        for (size_t r = 0; r < t->nrows; r++) {
            v[r] = table_number(t, r, val_col);
            if (!isfinite(v[r]))
                v[r] = 0;
        }
        memset(d, 0, sizeof *d);
        d->integers = t->cols[val_col].type == COLUMN_INTEGER;
        d->cat_title = chart_axis_title(t, spec->x_title, cat_col);
        d->value_title = chart_axis_title(t, spec->y_title, val_col);
        d->nseries = 1;
        d->series = xcalloc(1, sizeof *d->series);
        d->series[0] = xstrdup("");
        bars_condense(&names, v, t->nrows, room, v, 1, binnable, bc);
        free(v);
        return TALLY_OK;
    }
    err = chart_data_load(d, ctx, with_series, diag);
    bc->ncat_all = d->ncat;
    if (err != TALLY_OK || d->ncat <= room)
        return err;

    /* More categories than room: condense a copy, keeping the series. */
    struct bars_names names = { &full, NULL, -1 };
    double *size = xcalloc(d->ncat, sizeof *size);
    full = *d;
    memset(d, 0, sizeof *d);
    d->nseries = full.nseries;
    d->has_other = full.has_other;
    d->series = full.series;
    full.series = NULL;
    full.nseries = 0;
    d->integers = full.integers;
    d->cat_title = full.cat_title;
    d->value_title = full.value_title;
    full.cat_title = full.value_title = NULL;
    for (size_t i = 0; i < full.ncat; i++)
        for (int s = 0; s < d->nseries; s++)
            size[i] += fabs(full.values[i * (size_t)d->nseries + (size_t)s]);
    bars_condense(&names, size, full.ncat, room, full.values, d->nseries, binnable, bc);
    free(size);
    chart_data_release(&full);
    return TALLY_OK;
}

/* The note saying what stands in for the categories (when something does) at the top
 * of ctx->plot, which it then shrinks. */
static void bars_note_fit(struct chart_ctx *ctx, const char *text, struct chart_label *note)
{
    struct chart_font font = CHART_FONT_TICK;
    double lh = chart_line_height(ctx, &font);

    if (!text)
        return;
    font.r = font.g = font.b = 0.3;
    chart_label_set(note, &font, text, ctx->plot.x, ctx->plot.y, ALIGN_LEFT, VALIGN_TOP, 0,
                    ctx->plot.w);
    ctx->plot.y += lh + 8;
    ctx->plot.h -= lh + 8;
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
    free(bc->note_text);
    chart_label_release(&bc->note);
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

    struct bars_shown shown = { 0 };

    memset(bc, 0, sizeof *bc);
    bc->mode = mode;
    err = bars_load(ctx, mode != BARS_PLAIN, bars_room(ctx->plot.w), 1, &shown, diag);
    if (err != TALLY_OK)
        return err;
    bc->view = shown.view;
    bc->ncat_all = shown.ncat_all;
    bc->note_text = shown.note_text;
    bc->data = shown.data;
    bc->legend = d->nseries > 1;
    if (bc->legend)
        chart_legend_top_fit(&under_legend, d->series, d->nseries, 0);
    bars_note_fit(&under_legend, bc->note_text, &bc->note);
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
    chart_label_draw(ctx, &bc->note);
    chart_columns_draw_axes(ctx, d, &bc->cols);
    for (i = 0; i < d->ncat; i++) {
        const struct bar_segment *sg = &bc->segments[i * (size_t)d->nseries];
        double x = bc->cols.area.x + i * bc->cols.slot + (bc->cols.slot - bc->bar_w) / 2;
        for (s = 0; s < d->nseries; s++) {
            fill_box(ctx->cr, &sg[s].box, sg[s].r, sg[s].g, sg[s].b);
            chart_mark_box(ctx, &sg[s].box, d->cats[i], d->series[s], chart_data_get(d, i, s));
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
    chart_palette(hb->ngroups ? hb->bar_group[i] : 0, &bar->r, &bar->g, &bar->b);
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

/* A table's text column named HBAR_GROUP_COLUMN puts each bar in a group (certs: its
 * certificate's status): bars are coloured by group, one palette colour per group in
 * order of the groups' names, and a legend names them. A bar standing for several rows
 * of one category takes its first row's group. At most as many groups as the palette
 * has colours; more, or a chart of a distribution, and the bars keep one colour. */
#define HBAR_GROUP_COLUMN "status"
#define HBAR_MAX_GROUPS 8

static int hbar_group_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hbar_groups(struct chart_ctx *ctx, struct hbar_chart *hb)
{
    const struct table *t = ctx->table;
    int gcol = table_column_index(t, HBAR_GROUP_COLUMN), ccol = ctx->spec->category_col;
    const struct chart_data *d = &hb->data;
    char *names[HBAR_MAX_GROUPS + 1];
    int n = 0, fits = 1;
    char buf[128], gbuf[128];

    if (gcol < 0 || t->cols[gcol].type != COLUMN_TEXT || ccol < 0 || ccol >= t->ncols ||
        hb->view == BARS_DISTRIBUTION || d->ncat == 0)
        return;
    /* Each category's first row's group. */
    GHashTable *group_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *cat = bars_cat_text(t, r, ccol, buf, sizeof buf);
        if (!g_hash_table_contains(group_of, cat)) {
            const char *g = table_text(t, r, gcol, gbuf, sizeof gbuf);
            g_hash_table_insert(group_of, g_strdup(cat), g_strdup(g && *g ? g : "(none)"));
        }
    }
    const char **bar_name = xcalloc(d->ncat + 1, sizeof *bar_name);
    for (size_t i = 0; i < d->ncat && fits; i++) {
        const char *g = g_hash_table_lookup(group_of, d->cats[i]);
        int k = 0;
        bar_name[i] = g ? g : "(none)";
        while (k < n && strcmp(names[k], bar_name[i]) != 0)
            k++;
        if (k == n && (fits = n < HBAR_MAX_GROUPS))
            names[n++] = xstrdup(bar_name[i]);
    }
    if (fits) {
        qsort(names, (size_t)n, sizeof *names, hbar_group_cmp);
        hb->groups = xcalloc((size_t)n + 1, sizeof *hb->groups);
        hb->bar_group = xcalloc(d->ncat + 1, sizeof *hb->bar_group);
        for (int k = 0; k < n; k++)
            hb->groups[k] = names[k];
        for (size_t i = 0; i < d->ncat; i++)
            for (int k = 0; k < n; k++)
                if (strcmp(names[k], bar_name[i]) == 0)
                    hb->bar_group[i] = k;
        hb->ngroups = n;
    } else {
        for (int k = 0; k < n; k++)
            free(names[k]);
    }
    free(bar_name);
    g_hash_table_destroy(group_of);
}

void hbar_chart_release(struct hbar_chart *hb)
{
    for (int k = 0; k < hb->ngroups; k++)
        free(hb->groups[k]);
    free(hb->groups);
    free(hb->bar_group);
    for (size_t i = 0; hb->bars && i < hb->data.ncat; i++) {
        chart_label_release(&hb->bars[i].name);
        chart_label_release(&hb->bars[i].label);
    }
    free(hb->bars);
    free(hb->note_text);
    chart_label_release(&hb->note);
    chart_data_release(&hb->data);
    memset(hb, 0, sizeof *hb);
}

enum tally_error hbar_chart_layout(struct chart_ctx *ctx, struct hbar_chart *hb,
                                   struct tally_diag *diag)
{
    struct chart_ctx under_note = *ctx;
    const struct chart_rect *p = &under_note.plot;
    struct chart_data *d = &hb->data;
    struct bars_shown shown = { 0 };
    struct chart_rect *area = &hb->area;
    double dmin = 0, dmax = 0, label_w = 0, tick_lh, axis_lh, value_lh, label_lh;
    double left_title, bottom_title;
    size_t i, every;
    enum tally_error err;
    int pass;

    memset(hb, 0, sizeof *hb);
    err = bars_load(ctx, 0, bars_room(ctx->plot.h), 0, &shown, diag);
    if (err != TALLY_OK)
        return err;
    hb->view = shown.view;
    hb->ncat_all = shown.ncat_all;
    hb->note_text = shown.note_text;
    hb->data = shown.data;
    hbar_groups(ctx, hb);
    if (hb->ngroups)
        chart_legend_top_fit(&under_note, hb->groups, hb->ngroups, 0);
    bars_note_fit(&under_note, hb->note_text, &hb->note);
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

    if (hb->ngroups)
        chart_legend_top(ctx, hb->groups, hb->ngroups, 0);
    chart_label_draw(ctx, &hb->note);
    chart_value_axis_draw_bottom(ctx, &hb->vax, a);
    for (size_t i = 0; i < hb->data.ncat; i++) {
        const struct hbar_bar *bar = &hb->bars[i];
        fill_box(ctx->cr, &bar->box, bar->r, bar->g, bar->b);
        chart_mark_box(ctx, &bar->box, hb->data.cats[i], NULL, bar->value);
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
