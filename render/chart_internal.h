/* chart_internal.h: what the chart frame (chart.c: surfaces, fonts, title, subtitle), the
 * text (chart_text.c), axes and legends (chart_axis.c) and the table's data
 * (chart_data.c) share with the files that draw one chart kind each (chart_bar.c,
 * chart_sankey.c, ...). A kind is one `const struct chart_drawer` listed in
 * chart_drawers[] in chart_registry.c.
 *
 * Units are points; PNG is rendered at 2x scale from the same calls. */
#ifndef TALLY_CHART_INTERNAL_H
#define TALLY_CHART_INTERNAL_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "render/render.h"

struct chart_rect {
    double x, y, w, h;
};

struct chart_ctx {
    cairo_t *cr;
    const struct table *table;
    const struct chart_spec *spec;
    double width, height;       /* the whole canvas */
    struct chart_rect plot;     /* the area left for the kind after title and subtitle */
    PangoContext *pango;        /* text layout, with font options pinned for stable output */
    PangoFontMap *font_map;     /* the chart's own, released with it */
    struct strbuf *svg_text;    /* SVG only: a searchable text layer (see chart_text) */
    struct chart_marks *marks;  /* NULL, or where chart_mark_*() record what is drawn */
};

/* A mark: one drawn bar, cell or link, with what it stands for, so that a page can lay a
 * focusable area over it that shows its value. Its shape is a box, or an SVG path (in
 * the chart's coordinates) when `path` is not NULL. */
struct chart_mark {
    struct chart_rect box;      /* the bounding box (of the path, when there is one) */
    char *path;                 /* malloc'd SVG path data, or NULL */
    char *label;                /* malloc'd: "category" or "category, series" */
    double value;
};
#define CHART_MAX_MARKS 4096    /* marks recorded per chart; the rest are counted */
struct chart_marks {
    size_t n, alloc;
    struct chart_mark *v;
    size_t dropped;             /* marks past CHART_MAX_MARKS, not recorded */
};
void chart_marks_release(struct chart_marks *marks);
/* Kinds call these as they draw each bar, cell or link (nothing happens unless a mark
 * list is recording): a box, or the path currently built on ctx->cr (call it before the
 * fill that consumes the path). series may be NULL or "" for a chart of one series. */
void chart_mark_box(struct chart_ctx *ctx, const struct chart_rect *box, const char *category,
                    const char *series, double value);
void chart_mark_path(struct chart_ctx *ctx, const char *category, const char *series,
                     double value);
/* Draws t as SVG into *svg (appended) recording the marks into *marks: for the report's
 * page, which lays focusable areas over them. */
enum tally_error chart_render_svg_marked(const struct table *t, const struct chart_spec *spec,
                                         struct strbuf *svg, struct chart_marks *marks,
                                         struct tally_diag *diag);

struct chart_drawer {
    enum chart_kind kind;
    const char *name;           /* "bar", "hbar", "sankey", ... for --kind */
    /* Draws into ctx->plot. Returns TALLY_OK, or an error with diag filled (for example a
     * table without the columns this kind needs). */
    enum tally_error (*draw)(struct chart_ctx *ctx, struct tally_diag *diag);
};

/* The kinds, NULL-terminated (chart_registry.c). */
extern const struct chart_drawer *const chart_drawers[];

/* A context that measures text exactly as a chart of spec over t would, on a scratch
 * surface nothing is drawn on, with ctx->plot the area the title and subtitle leave:
 * for running a kind's layout step alone (tests). Close it with chart_measure_close. */
enum tally_error chart_measure_open(struct chart_ctx *ctx, const struct table *t,
                                    const struct chart_spec *spec, struct tally_diag *diag);
void chart_measure_close(struct chart_ctx *ctx);

/* ---- shared drawing helpers (chart_text.c, chart_axis.c) ---- */

enum chart_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };
enum chart_valign { VALIGN_TOP, VALIGN_MIDDLE, VALIGN_BOTTOM };

struct chart_font {
    double size;                /* points */
    int bold;
    double r, g, b;
};
extern const struct chart_font CHART_FONT_TITLE, CHART_FONT_SUBTITLE, CHART_FONT_AXIS_TITLE,
    CHART_FONT_TICK, CHART_FONT_LABEL, CHART_FONT_VALUE;

/* Measures text in font; width and height in points. */
void chart_text_size(struct chart_ctx *ctx, const struct chart_font *font, const char *text,
                     double *width, double *height);
/* Draws text anchored at (x, y) as aligned, rotated by `degrees` (counter-clockwise
 * positive), ellipsised to max_width when max_width > 0. */
void chart_text(struct chart_ctx *ctx, const struct chart_font *font, const char *text,
                double x, double y, enum chart_align align, enum chart_valign valign,
                double degrees, double max_width);

/* Text a layout step has placed, for its paint step to draw as chart_text would. */
struct chart_label {
    char *text;                 /* malloc'd; NULL draws nothing */
    struct chart_font font;
    double x, y;
    enum chart_align align;
    enum chart_valign valign;
    double degrees, max_width;
};
/* Places a copy of text (replacing what label held). */
void chart_label_set(struct chart_label *label, const struct chart_font *font,
                     const char *text, double x, double y, enum chart_align align,
                     enum chart_valign valign, double degrees, double max_width);
void chart_label_draw(struct chart_ctx *ctx, const struct chart_label *label);
void chart_label_release(struct chart_label *label);

/* text as SVG character data: valid UTF-8, no control characters, markup escaped. */
void chart_svg_escape(struct strbuf *sb, const char *text);

/* Categorical colour i (Okabe-Ito order, then repeated lighter); "other" is grey. */
void chart_palette(int i, double *r, double *g, double *b);
void chart_palette_other(double *r, double *g, double *b);
/* Sequential colour for t in 0..1 (light to dark), for heatmaps and the address map. */
void chart_sequential(double t, double *r, double *g, double *b);

/* Nice tick values covering [lo, hi] with about `target` ticks (extended Wilkinson, with
 * Heckbert's method as fallback). Returns the count written to ticks (at most max). */
int chart_ticks(double lo, double hi, int target, double *ticks, int max);
/* Formats a tick exactly with thousands separators ("12,500", "0.25"). */
void chart_format_number(double value, double step, char *out, size_t size);

/* ---- helpers for the kinds with a value axis (chart_axis.c, chart_data.c) ---- */

/* Like chart_ticks, but the ticks always cover [lo, hi]; with `integers` every step is a
 * whole number (for counts). */
int chart_ticks_covering(double lo, double hi, int target, int integers, double *ticks,
                         int max);
/* A data value as printed on a bar: whole numbers with thousands separators, others
 * with up to two decimals. */
void chart_format_value(double value, char *out, size_t size);

#define CHART_MAX_TICKS 24
struct chart_value_axis {
    double lo, hi;              /* the range drawn: the ticks' and the data's */
    int nticks;
    double ticks[CHART_MAX_TICKS];
    double step;
};
/* Fits nice ticks covering the data in [dmin, dmax] (the first tick at or below it, the
 * last at or above), always including 0 (bars start at 0), about one tick per `spacing`
 * points of an axis `length` points long. */
void chart_value_axis_fit(struct chart_value_axis *ax, double dmin, double dmax,
                          int integers, double length, double spacing);
/* Where v falls between a (at ax->lo) and b (at ax->hi). */
double chart_value_axis_pos(const struct chart_value_axis *ax, double v, double a, double b);
/* The widest tick label, in points. */
double chart_value_axis_label_width(struct chart_ctx *ctx, const struct chart_value_axis *ax);
/* Gridlines and tick labels: a vertical axis at the left of r, or a horizontal one under
 * r. */
void chart_value_axis_draw_left(struct chart_ctx *ctx, const struct chart_value_axis *ax,
                                const struct chart_rect *r);
void chart_value_axis_draw_bottom(struct chart_ctx *ctx, const struct chart_value_axis *ax,
                                  const struct chart_rect *r);

/* How category labels under a horizontal axis are drawn so that they never collide:
 * level, rotated 45 or 90 degrees, ellipsised, and if need be only every n-th. Dates
 * ("2024-01-05", "2024-W03") that do not fit stay level and whole, every n-th. */
struct chart_category_axis {
    double angle;               /* 0, 45 or 90 */
    size_t every;               /* draw labels 0, every, 2*every, ... */
    double max_label;           /* ellipsis width along the text */
    double extent;              /* points the labels need below the axis */
    double overhang;            /* points the first label reaches left of its slot */
};
void chart_category_axis_fit(struct chart_ctx *ctx, char *const *labels, size_t n,
                             double slot, double max_extent, struct chart_category_axis *ax);
/* Labels for slots of width `slot` starting at x0, under the axis line at y. */
void chart_category_axis_draw(struct chart_ctx *ctx, const struct chart_category_axis *ax,
                              char *const *labels, size_t n, double x0, double slot,
                              double y);

/* The title of an axis: the spec's, else the column name with a capital first letter
 * (malloc'd; NULL when there is neither). */
char *chart_axis_title(const struct table *t, const char *spec_title, int col);
/* The bottom axis title centred under r at y; the left one rotated, left of x. */
void chart_axis_title_bottom(struct chart_ctx *ctx, const char *title, double cx, double y);
void chart_axis_title_left(struct chart_ctx *ctx, const char *title, double x, double cy);
/* Height of one line of text in font. */
double chart_line_height(struct chart_ctx *ctx, const struct chart_font *font);

/* A legend of swatches in rows along the top of ctx->plot, which it then shrinks. */
void chart_legend_top(struct chart_ctx *ctx, char *const *names, int n, int last_is_other);
/* The same with a stroke and marker for each name, as line charts draw a series. */
void chart_legend_top_lines(struct chart_ctx *ctx, char *const *names, int n,
                            int last_is_other);
/* Only takes the room either legend needs from ctx->plot, drawing nothing. */
void chart_legend_top_fit(struct chart_ctx *ctx, char *const *names, int n, int lines);
/* The centred "No data" message in ctx->plot. */
void chart_no_data(struct chart_ctx *ctx);

/* The layout of a chart with categories along the bottom and values upwards (bars,
 * stacked and grouped bars, lines). */
struct chart_columns {
    struct chart_rect area;     /* inside the axes */
    struct chart_value_axis vax;
    struct chart_category_axis cax;
    double slot;                /* width per category */
    double below;               /* room under the area for labels of negative bars */
};
struct chart_data;
/* Fits the axes into ctx->plot for values in [dmin, dmax], leaving top_pad points above
 * the highest value for labels (and below the lowest, when it is negative). */
void chart_columns_fit(struct chart_ctx *ctx, const struct chart_data *d, double dmin,
                       double dmax, double top_pad, struct chart_columns *c);
/* Gridlines, tick labels, the zero line, category labels and axis titles. */
void chart_columns_draw_axes(struct chart_ctx *ctx, const struct chart_data *d,
                             const struct chart_columns *c);
/* The zero line over the bars. */
void chart_columns_draw_baseline(struct chart_ctx *ctx, const struct chart_columns *c);

/* The table pivoted into categories x series (rows in long form: category, series,
 * value). Categories keep the order they first appear in; series are ordered by total,
 * largest first, and beyond CHART_MAX_SERIES the rest are summed into "Other". */
#define CHART_MAX_SERIES 8
struct chart_data {
    size_t ncat;
    char **cats;                /* category labels */
    int nseries;
    char **series;              /* series names ("" for the one series of a plain chart) */
    int has_other;              /* the last series is "Other" */
    double *values;             /* ncat * nseries, by category then series */
    int integers;               /* the value column holds whole numbers */
    char *cat_title, *value_title;  /* axis titles (malloc'd; may be NULL) */
};
/* With with_series, the spec's series column is used when it names one. */
enum tally_error chart_data_load(struct chart_data *d, const struct chart_ctx *ctx,
                                 int with_series, struct tally_diag *diag);
void chart_data_release(struct chart_data *d);
double chart_data_get(const struct chart_data *d, size_t cat, int series);
void chart_data_color(const struct chart_data *d, int series, double *r, double *g, double *b);

#endif
