/* chart_layout.h: the geometry behind the charts, kept free of drawing so it can be
 * tested as numbers: the shape algorithms (squarified treemap, Hilbert curve and address
 * map, Sankey ordering and placement) and each larger kind's layout step (Sankey,
 * address map, heatmap, histogram, bars), which measures text but draws nothing and
 * fills a struct that the kind's paint step only draws. Units are points.
 *
 * Ownership: callers own every array passed in and out; what a layout step allocates is
 * released by its *_release() (sankey_layout() by sankey_layout_free()). */
#ifndef TALLY_CHART_LAYOUT_H
#define TALLY_CHART_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "render/chart_internal.h"

/* ---- squarified treemap (Bruls, Huizing, van Wijk 2000; aspect target the golden
 * ratio, as d3 does) ---- */

/* Lays out n values in area: out[i] is the rectangle of values[i], with area
 * proportional to the value. Larger values come first (top left); values <= 0 (or not
 * finite) get an empty rectangle. The rectangles tile area exactly when some value is
 * positive. */
void layout_squarify(const double *values, size_t n, struct chart_rect area,
                     struct chart_rect *out);

/* ---- Hilbert curve ---- */

/* Cell (x, y) of step d along the Hilbert curve filling a 2^order x 2^order grid
 * (0 <= d < 4^order, order <= 16). Starts at (0, 0) and ends at (2^order - 1, 0); each
 * aligned run of 4^k steps fills a 2^k x 2^k square. */
void layout_hilbert_d2xy(int order, uint32_t d, uint32_t *x, uint32_t *y);

/* An IPv4 address block drawn on a Hilbert curve, one cell per 2^(32 - cell_prefix)
 * addresses. With an even number of bits between block and cell the grid is one
 * 2^order square; with an odd number it is two such squares side by side (2:1), the
 * lower half of the block on the left, and the curve runs on from one into the other. */
struct addrmap {
    uint32_t base;              /* network address of the enclosing block */
    int prefix;                 /* its length */
    int cell_prefix;            /* the length of the block one cell stands for */
    int order;                  /* grid height = 2^order cells */
    int wide;                   /* 1: grid width = 2 * 2^order */
};

#define ADDRMAP_MAX_BITS 16     /* at most 256 x 256 cells */
#define ADDRMAP_MIN_BITS 8      /* at least 16 x 16 cells when the space allows */

/* The map for blocks (nets[i], lens[i]) (n >= 1): cells are the coarsest of the blocks'
 * lengths (so a /24 table gets one cell per /24), the enclosing block is the smallest
 * one covering every block, widened to at least ADDRMAP_MIN_BITS cells' worth, and
 * cells grow when it would take more than ADDRMAP_MAX_BITS. */
void addrmap_fit(const uint32_t *nets, const int *lens, size_t n, struct addrmap *map);
/* Where most hosts are, for the map to cover: of the smallest CIDR blocks holding 99%,
 * 95%, 90% and ADDRMAP_FOCUS_SHARE of the total weight of blocks (nets[i], lens[i])
 * weighted by w[i] (w[i] <= 0 counts for nothing), the first whose prefix is at most
 * ADDRMAP_FOCUS_ZOOM_BITS shorter than the last one's. So a few stray blocks far from
 * the rest do not shrink every cluster to a dot, and what is left out is a small share
 * (the caller names it). With no weight, 0.0.0.0/0. */
#define ADDRMAP_FOCUS_SHARE 0.80
#define ADDRMAP_FOCUS_ZOOM_BITS 4
void addrmap_focus(const uint32_t *nets, const int *lens, const double *w, size_t n,
                   uint32_t *net, int *len);
/* The map of one given block with the given cell size (prefix <= cell_prefix). */
void addrmap_init(struct addrmap *map, uint32_t base, int prefix, int cell_prefix);
/* Whether addr lies in the map, and its cell. */
int addrmap_contains(const struct addrmap *map, uint32_t addr);
void addrmap_cell(const struct addrmap *map, uint32_t addr, uint32_t *x, uint32_t *y);

/* The colour scale of the map. Hosts per cell are coloured on a log scale, unless the
 * counts are flat: with at least ADDRMAP_QUANTILE_MIN_CELLS cells holding hosts, when
 * the middle 80% of them (the 10th to the 90th percentile, which differ) would take less
 * than ADDRMAP_FLAT_SPAN of the log scale. Then the cells fall in up to
 * ADDRMAP_QUANTILE_BANDS bands of about equal numbers of cells, each its own colour.
 * Writes each band's least and greatest count (ascending) and returns how many bands,
 * 0 for the log scale. values: the n counts of cells with hosts, in any order. */
#define ADDRMAP_QUANTILE_BANDS 8
#define ADDRMAP_QUANTILE_MIN_CELLS 64
#define ADDRMAP_FLAT_SPAN 0.25
int addrmap_quantile_bands(const double *values, size_t n, double *band_lo, double *band_hi);

/* The address map of ctx's table (IPv4 blocks, hosts) as laid out in ctx->plot. */
struct addrmap_grid {
    double x0, y0, cell;        /* top-left corner and cell size, in points */
    uint32_t cols, rows;
};
/* A non-empty cell, drawn at least a few points big so a lone block still shows. */
struct addrmap_mark {
    uint32_t cx, cy;            /* its cell */
    double value;               /* hosts */
    struct chart_rect box;
    double r, g, b;
};
/* White outlines around the aligned blocks of one level. */
struct addrmap_outlines {
    double width;
    size_t n;
    struct chart_rect *box;     /* NULL: none at this level */
};
#define ADDRMAP_CAPTION_LINES 10
#define ADDRMAP_BAR_STEPS 64
#define ADDRMAP_MAX_TICKS 12
struct addrmap_caption {
    int n;
    char line[ADDRMAP_CAPTION_LINES][128];
};
struct addrmap_legend {
    struct chart_label title;
    int nsteps;                 /* the colour bar: a smooth ramp, or one step per band */
    struct chart_rect step_box[ADDRMAP_BAR_STEPS];      /* the maximum at the top */
    double step[ADDRMAP_BAR_STEPS][3];
    int nticks;
    double tick_x, tick_y[ADDRMAP_MAX_TICKS];
    struct chart_label tick[ADDRMAP_MAX_TICKS];
    struct chart_rect swatch;   /* the grey of empty cells */
    struct chart_label none;
    int ncaption;
    struct chart_label caption[ADDRMAP_CAPTION_LINES];
};
struct addrmap_chart {
    int empty;                  /* no IPv4 block with hosts: the chart says "No data" */
    struct addrmap map;
    struct addrmap_grid grid;
    double *values;             /* hosts per cell, rows * cols by row */
    double max;
    int nbands;                 /* a quantile scale's bands (addrmap_quantile_bands()), or 0 */
    double band_lo[ADDRMAP_QUANTILE_BANDS], band_hi[ADDRMAP_QUANTILE_BANDS];
    size_t nmarks;
    struct addrmap_mark *marks; /* the fullest last, the order drawn */
    int inner;                  /* the level of the inner block labels, -1 for none */
    struct addrmap_outlines outlines[2];        /* inner blocks (thin), edge squares */
    int ninner_labels, nedge_labels;
    struct chart_label *inner_labels, *edge_labels;
    struct addrmap_legend legend;
};
enum tally_error addrmap_chart_layout(struct chart_ctx *ctx, struct addrmap_chart *am,
                                      struct tally_diag *diag);
void addrmap_chart_release(struct addrmap_chart *am);

/* ---- two-column Sankey (left nodes -> right nodes) ---- */

struct sankey_flow {
    int source;                 /* left node index */
    int target;                 /* right node index */
    double value;
};

/* One column's geometry: per node (by index), its rank from the top, y and height. */
struct sankey_column {
    int n;
    double *value;
    int *rank;
    double *y, *h;
};

struct sankey_layout {
    struct sankey_column left, right;
    double ky;                  /* points per unit of value */
};

/* How to order and place the nodes. */
struct sankey_options {
    int sweeps;                 /* barycentre passes; 0 keeps value order */
    int left_last, right_last;  /* a node kept at the bottom ("Other"), or -1 */
    double top, height;         /* the band the columns are centred in */
    double pad;                 /* least gap between nodes */
    double min_pitch;           /* least distance between node centres (a label) */
};

/* Ranks nodes for the fewest weighted crossings. A small chart tries every order of its
 * smaller column, the other column ordered exactly for each; a larger one runs `sweeps`
 * barycentre passes from value order (right column first, then left first, and for
 * columns of at most 12 nodes from each node moved to the top), each start polished by
 * exchanging neighbours, keeping the fewest crossings (the earliest on a tie). sweeps 0
 * keeps value order. left_rank/right_rank (size nleft/nright) receive each node's rank. */
void sankey_order(int nleft, int nright, const struct sankey_flow *flows, int nflows,
                  const struct sankey_options *opt, int *left_rank, int *right_rank);
/* Sum over crossing pairs of flows of the product of their values. */
double sankey_crossings(const struct sankey_flow *flows, int nflows, const int *left_rank,
                        const int *right_rank);

/* Full layout: node values are their flow sums, heights are value * ky with one ky for
 * both columns (the largest that fits), consecutive nodes at least `pad` apart and their
 * centres at least `min_pitch` apart so labels of that height never overlap, each column
 * centred in [top, top + height]. Returns TALLY_ERROR_LIMIT when the nodes cannot fit. */
enum tally_error sankey_layout(int nleft, int nright, const struct sankey_flow *flows,
                               int nflows, const struct sankey_options *opt,
                               struct sankey_layout *out);
void sankey_layout_free(struct sankey_layout *layout);

/* The Sankey chart of ctx's table as laid out in ctx->plot: what its paint step draws. */
struct sankey_node {
    double value;               /* its flows' sum */
    int rank;                   /* from the top of its column */
    struct chart_rect box;      /* at least one point high */
    double r, g, b;
    struct chart_label label;   /* "name (count)", the name ellipsised when too wide */
    char *name;                 /* the name whole (malloc'd), for the marks of its ribbons */
};
/* A band from the left nodes' edge at sy to the right nodes' at ty, w high. */
struct sankey_ribbon {
    int source, target;         /* node indexes */
    double value;
    double sy, ty, w;
    double r, g, b, alpha;
};
struct sankey_chart {
    int empty;                  /* no flows: the chart says "No data" */
    int nleft, nright;
    struct sankey_node *left, *right;   /* by node index */
    int left_other, right_other;        /* the "Other" node, or -1 */
    double ky;                  /* points per unit of value */
    double xl, xr;              /* left edges of the two node columns */
    int nribbons;
    struct sankey_ribbon *ribbons;      /* largest first, the order they are drawn */
    struct chart_label left_heading, right_heading;
};
/* Reads flows (category -> series, value) from ctx's table, folds crowded columns into
 * "Other", orders and places the nodes, ribbons and labels. */
enum tally_error sankey_chart_layout(struct chart_ctx *ctx, struct sankey_chart *sc,
                                     struct tally_diag *diag);
void sankey_chart_release(struct sankey_chart *sc);

/* ---- heatmap ---- */

#define HEATMAP_BAR_STEPS 64            /* the legend's colour bar */

struct heatmap_cell {
    struct chart_rect box;
    double value;               /* the sum of the rows in it */
    int filled;                 /* has data other than 0 */
    double r, g, b;             /* sequential colour, or grey when not filled */
    struct chart_label label;   /* the value, when it fits */
};
struct heatmap_legend {
    int shown;                  /* a small chart gives up its legend */
    struct chart_label title, none, lo, hi;
    struct chart_rect swatch;   /* the grey of empty cells, when there are any */
    struct chart_rect bar;
    double step[HEATMAP_BAR_STEPS][3];
};
/* The heatmap of ctx's table in ctx->plot: rows are categories, columns series. */
struct heatmap_chart {
    int empty;                  /* no values: the chart says "No data" */
    int rows, cols;
    struct chart_rect grid;     /* the cells tile it */
    double cell_w, cell_h;
    struct heatmap_cell *cells; /* rows * cols, by row then column */
    int nlabels;
    struct chart_label *labels; /* row labels, then column labels */
    char *row_title, *col_title;
    double col_title_y;
    struct heatmap_legend legend;
};
enum tally_error heatmap_chart_layout(struct chart_ctx *ctx, struct heatmap_chart *hm,
                                      struct tally_diag *diag);
void heatmap_chart_release(struct heatmap_chart *hm);

/* ---- bars ---- */

enum bar_mode { BARS_PLAIN, BARS_STACKED, BARS_GROUPED };

/* What the bars stand for. A chart has room for a bar per category while each gets a
 * point (less an axis); with more categories, one series of counts (whole numbers >= 0)
 * becomes its distribution: how many categories hold each count, or with a wide span
 * 0, 1, 2-3, 4-7, ... (bins doubling in width); anything else keeps the categories with
 * the largest values (for series, the largest sum of magnitudes), in table order. A note
 * above the bars says which. */
enum bar_view { BARS_EACH, BARS_DISTRIBUTION, BARS_LARGEST };

/* One series' part of a category's bar: a stacked segment or a grouped sub-bar. */
struct bar_segment {
    struct chart_rect box;
    double r, g, b;
    struct chart_label value;   /* inside a stacked segment, or above a grouped bar */
    int rule;                   /* stacked: a white rule on its top edge, at rule_y */
    double rule_y;
};
/* Vertical bars of ctx's table: categories along the bottom, series (when stacked or
 * grouped) in a legend above. */
struct bar_chart {
    enum bar_mode mode;
    enum bar_view view;
    size_t ncat_all;            /* categories in the table */
    char *note_text;            /* what the bars stand for, unless BARS_EACH */
    struct chart_label note;    /* the note, above the bars */
    struct chart_data data;     /* the categories drawn (bins, when a distribution) */
    int legend;                 /* more than one series: a legend takes the plot's top */
    struct chart_rect plot;     /* what the legend leaves */
    struct chart_columns cols;
    double bar_w, sub_w;        /* a category's bar; a grouped series' share of it */
    double zero_y;
    int show_values;            /* every value label fits */
    struct bar_segment *segments;       /* ncat * nseries, by category then series */
    double *totals;             /* plain and stacked: each category's sum */
    struct chart_label *total_labels;   /* plain and stacked: the sum above the bar */
};
enum tally_error bar_chart_layout(struct chart_ctx *ctx, enum bar_mode mode,
                                  struct bar_chart *bc, struct tally_diag *diag);
void bar_chart_release(struct bar_chart *bc);

/* Horizontal bars: categories top to bottom, values along the bottom. */
struct hbar_bar {
    struct chart_rect box;
    double value;
    double r, g, b;
    struct chart_label name;    /* at the left; every n-th when rows are thin */
    struct chart_label label;   /* the value at the bar's end, or inside it */
};
struct hbar_chart {
    enum bar_view view;         /* BARS_EACH or BARS_LARGEST */
    size_t ncat_all;
    char *note_text;
    struct chart_label note;
    struct chart_data data;
    struct chart_rect area;     /* inside the axes */
    struct chart_value_axis vax;
    double slot, bar_h;         /* height per category; of a bar */
    double zero_x;
    struct hbar_bar *bars;      /* one per category */
    /* The bars' groups, from the table's `status` column (see hbar_groups), sorted by
     * name, each its palette colour, with a legend; ngroups 0: one colour for all. */
    char **groups;
    int ngroups;
    int *bar_group;             /* per bar, its index in groups */
};
enum tally_error hbar_chart_layout(struct chart_ctx *ctx, struct hbar_chart *hb,
                                   struct tally_diag *diag);
void hbar_chart_release(struct hbar_chart *hb);

/* ---- histogram ---- */

struct histogram_bin {
    struct chart_rect box;      /* from the value down to the axis */
    double value;
    struct chart_label label;   /* the value above it, when every value fits its bar */
};
struct histogram_tick {
    double x;
    struct chart_label label;
};
/* A histogram of ctx's pre-binned table in ctx->plot. */
struct histogram_chart {
    struct chart_data data;
    struct chart_rect area;     /* inside the axes */
    struct chart_value_axis vax;
    int numeric;                /* bins labelled by their lower edges */
    double lo, hi, width;       /* numeric: the edges' range and the bin width */
    double bin_w;               /* points per bin */
    size_t nbins;
    struct histogram_bin *bins;
    size_t nticks;              /* numeric: labelled edges along the axis */
    struct histogram_tick *ticks;
    struct chart_category_axis cax;     /* otherwise: the bins' labels */
    int has_box;                /* the table's notes give a five-number summary */
    struct chart_label caption;
    double box_x[5], box_y;     /* min, Q1, median, Q3, max along the axis; box top */
};
enum tally_error histogram_chart_layout(struct chart_ctx *ctx, struct histogram_chart *hg,
                                        struct tally_diag *diag);
void histogram_chart_release(struct histogram_chart *hg);

/* ---- helpers shared by the shape charts (chart_shapes.c) ---- */

/* Categorical colour k for filled areas: the chart palette without black and greys,
 * which swallow labels, dominate large shapes or read as "Other". */
void shape_palette(int k, double *r, double *g, double *b);
/* The WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
double shape_luminance(double r, double g, double b);
/* A text colour readable on the fill (r, g, b): near-black or white. */
void shape_ink(double r, double g, double b, double *ir, double *ig, double *ib);
/* Text from a table cell, "(none)" when the cell is NULL or empty. */
const char *shape_cell_text(const struct table *t, size_t row, int col, char *buf,
                            size_t size);
/* Checks that the spec's columns exist in the table (series only when need_series). */
enum tally_error shape_check_columns(const struct chart_ctx *ctx, int need_series,
                                     const char *kind, struct tally_diag *diag);

#endif
