/* chart_addressmap.c: the address map (CHART_ADDRESS_MAP): IPv4 blocks (subnet text,
 * hosts) drawn on a Hilbert curve over the smallest block enclosing where nearly all
 * hosts are, so that every CIDR block in it is a contiguous square or 2:1 rectangle,
 * coloured by hosts on a log scale, with block labels, a legend and a caption naming the
 * enclosing block and the hosts left outside it. */
#include "render/chart_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMAP_GAP 24.0                   /* between map and legend */
#define AMAP_BAR_W 12.0
#define AMAP_BAR_H 160.0                /* colour bar height, when there is room */
#define AMAP_BAR_MIN 60.0               /* below this the caption gives way */
#define AMAP_T_MIN 0.45                 /* sequential position of a one-host cell: a clear
                                           mid blue, unlike the empty grey */
#define AMAP_BAND_T_MIN 0.2             /* the lowest quantile band's */
#define AMAP_EMPTY 0.93                 /* grey of an empty cell */
#define AMAP_LIST_OUTSIDE 3             /* blocks outside the map named one by one */
#define AMAP_MIN_MARK 2.5               /* smallest square drawn for a non-empty cell */
#define AMAP_PATH_RUNS 1024             /* more marks than this are filled by colour runs */

void layout_hilbert_d2xy(int order, uint32_t d, uint32_t *x, uint32_t *y)
{
    uint32_t cx = 0, cy = 0;

    /* Build the point from the finest level up. At level s the two bits of d pick the
     * quadrant (0 bottom-left, 1 top-left, 2 top-right, 3 bottom-right, y up); the
     * sub-curve found so far is turned to fit it: transposed in quadrant 0,
     * anti-transposed in quadrant 3, and shifted into place. */
    for (uint32_t s = 1; order > 0; s <<= 1, order--, d >>= 2) {
        uint32_t q = d & 3, t;
        if (q == 0) {
            t = cx;
            cx = cy;
            cy = t;
        } else if (q == 3) {
            t = cx;
            cx = s - 1 - cy;
            cy = s - 1 - t;
        }
        cx += (q == 2 || q == 3) ? s : 0;
        cy += (q == 1 || q == 2) ? s : 0;
    }
    *x = cx;
    *y = cy;
}

static uint32_t amap_mask(int prefix)
{
    return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
}

void addrmap_init(struct addrmap *map, uint32_t base, int prefix, int cell_prefix)
{
    map->prefix = prefix;
    map->base = base & amap_mask(prefix);
    map->cell_prefix = cell_prefix;
    map->order = (cell_prefix - prefix) / 2;
    map->wide = (cell_prefix - prefix) % 2;
}

/* The map of addrmap_fit(): blocks from first whose shortest length is cell, the first
 * `common` bits of which they share. */
static void amap_fit_span(uint32_t first, int cell, int common, struct addrmap *map)
{
    if (common > cell)
        common = cell;
    if (cell - common < ADDRMAP_MIN_BITS)
        common = cell > ADDRMAP_MIN_BITS ? cell - ADDRMAP_MIN_BITS : 0;
    if (cell - common > ADDRMAP_MAX_BITS)
        cell = common + ADDRMAP_MAX_BITS;
    addrmap_init(map, first, common, cell);
}

/* The bits net shares with first, of the first `cell`. */
static int amap_common_bits(uint32_t first, uint32_t net, int cell)
{
    uint32_t diff = (first ^ net) & amap_mask(cell);
    return diff ? __builtin_clz(diff) : 32;
}

void addrmap_fit(const uint32_t *nets, const int *lens, size_t n, struct addrmap *map)
{
    int cell = 32, common = 32;
    uint32_t first = n ? nets[0] : 0;

    for (size_t i = 0; i < n; i++)
        if (lens[i] < cell)
            cell = lens[i] < 0 ? 0 : lens[i];
    for (size_t i = 0; i < n; i++) {
        int bits = amap_common_bits(first, nets[i], cell);
        if (bits < common)
            common = bits;
    }
    amap_fit_span(first, cell, common, map);
}

/* An IPv4 block and the hosts in it (its weight when the map is focused). */
struct amap_block {
    uint32_t net;
    int len;
    double hosts;
};

static int amap_block_cmp(const void *a, const void *b)
{
    const struct amap_block *x = a, *y = b;
    return x->net < y->net ? -1 : x->net > y->net;
}

/* The heaviest block of length len that the blocks of v (sorted by address) of length
 * len or more add up to, each run of them in one block of length len weighing what they
 * weigh; -1 when none is that long. v is only read: a map of millions of /24s needs no
 * second copy of them. */
static double amap_heaviest(const struct amap_block *v, size_t n, int len, uint32_t *net)
{
    double best = -1, run = 0;
    uint32_t mask = amap_mask(len), open = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].len < len)
            continue;
        uint32_t block = v[i].net & mask;
        if (any && block == open) {
            run += v[i].hosts;
            continue;
        }
        if (any && run > best) {
            best = run;
            *net = open;
        }
        open = block;
        run = v[i].hosts;
        any = 1;
    }
    if (any && run > best) {
        best = run;
        *net = open;
    }
    return best;
}

/* The smallest block holding share of v's weight (total), heaviest[len] being the
 * weight of the heaviest block of each length (at[len] its address). */
static void amap_smallest_holding(const double *heaviest, const uint32_t *at, double share,
                                  double total, uint32_t *net, int *len)
{
    for (int l = 32; l > 0; l--) {
        if (heaviest[l] >= share * total) {
            *net = at[l];
            *len = l;
            return;
        }
    }
    *net = 0;
    *len = 0;
}

/* addrmap_focus() of the blocks v[0 .. m) (lengths 0 to 32, weights > 0, total their
 * sum), which it sorts by address when they are not. */
static void amap_focus_sorted(struct amap_block *v, size_t m, double total, uint32_t *net,
                              int *len)
{
    static const double shares[] = { 0.99, 0.95, 0.90, ADDRMAP_FOCUS_SHARE };
    enum { NSHARES = sizeof shares / sizeof shares[0] };
    uint32_t at[NSHARES], heaviest_at[33] = { 0 };
    int at_len[NSHARES], sorted = 1, longest = 0;
    double heaviest[33] = { 0 };

    for (size_t i = 1; i < m && sorted; i++)
        sorted = v[i - 1].net <= v[i].net;
    /* Tables of subnets come sorted by address already. */
    if (!sorted)
        xqsort(v, m, sizeof *v, amap_block_cmp);
    for (size_t i = 0; i < m; i++)
        if (v[i].len > longest)
            longest = v[i].len;
    /* Only lengths some share needs: from the finest down to the first holding all. */
    for (int l = 32; l > 0; l--) {
        heaviest[l] = l > longest ? -1 : amap_heaviest(v, m, l, &heaviest_at[l]);
        if (heaviest[l] >= shares[0] * total)
            break;
    }
    for (int i = 0; i < NSHARES; i++)
        amap_smallest_holding(heaviest, heaviest_at, shares[i], total, &at[i], &at_len[i]);
    *net = at[NSHARES - 1];
    *len = at_len[NSHARES - 1];
    for (int i = 0; i < NSHARES; i++)
        if (at_len[i] >= at_len[NSHARES - 1] - ADDRMAP_FOCUS_ZOOM_BITS) {
            *net = at[i];
            *len = at_len[i];
            break;
        }
}

void addrmap_focus(const uint32_t *nets, const int *lens, const double *w, size_t n,
                   uint32_t *net, int *len)
{
    struct amap_block *v = xcalloc(n ? n : 1, sizeof *v);
    size_t m = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0))
            continue;
        v[m].len = lens[i] < 0 ? 0 : lens[i] > 32 ? 32 : lens[i];
        v[m].net = nets[i] & amap_mask(v[m].len);
        v[m].hosts = w[i];
        total += w[i];
        m++;
    }
    amap_focus_sorted(v, m, total, net, len);
    free(v);
}

int addrmap_contains(const struct addrmap *map, uint32_t addr)
{
    return (addr & amap_mask(map->prefix)) == map->base;
}

void addrmap_cell(const struct addrmap *map, uint32_t addr, uint32_t *x, uint32_t *y)
{
    uint64_t offset = (uint64_t)(addr - map->base);
    uint64_t d = offset >> (32 - map->cell_prefix);
    uint32_t square = (uint32_t)(d >> (2 * map->order));

    layout_hilbert_d2xy(map->order, (uint32_t)(d & ((1ull << (2 * map->order)) - 1)), x, y);
    *x += square << map->order;
}

/* ---- drawing ---- */

/* The common case of amap_parse(): "a.b.c.d/len" in plain decimal (no leading zeros),
 * read without copying; 0 when the text is not quite that. */
static int amap_parse_quad(const char *p, uint32_t *net, int *len)
{
    uint32_t addr = 0;
    unsigned v = 0;
    for (int part = 0; part < 5; part++) {
        int digits = 0;
        v = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            if (digits == 1 && v == 0)
                return 0;
            v = v * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || (part < 4 && v > 255) || (part == 4 && v > 32))
            return 0;
        if (part < 4)
            addr = addr << 8 | v;
        if (*p != (part < 3 ? '.' : part == 3 ? '/' : '\0'))
            return 0;
        p++;
    }
    *len = (int)v;
    *net = addr & amap_mask(*len);
    return 1;
}

/* Parses "a.b.c.d/len" or a bare address (a /32). Returns 1 for IPv4, 0 for IPv6, -1
 * when the text is neither. */
static int amap_parse(const char *text, uint32_t *net, int *len)
{
    if (amap_parse_quad(text, net, len))
        return 1;
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    struct ip_addr ip;
    long plen = -1;

    if (alen == 0 || alen >= sizeof addr)
        return -1;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (ip_parse(addr, &ip) != 0)
        return -1;
    if (slash) {
        char *end;
        plen = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || plen < 0)
            return -1;
    }
    if (ip.family != 4)
        return 0;
    if (plen > 32)
        return -1;
    *len = plen < 0 ? 32 : (int)plen;
    *net = ip_v4_value(&ip) & amap_mask(*len);
    return 1;
}

static void amap_prefix_text(uint32_t net, int len, char *out, size_t size)
{
    struct ip_addr ip;

    ip_from_v4(net, &ip);
    ip_format_prefix(&ip, len, out, size);
}

/* A non-empty cell, for drawing in value order. */
struct amap_cell {
    uint32_t index;             /* y * cols + x */
    double value;
};

static int amap_cell_cmp(const void *a, const void *b)
{
    const struct amap_cell *x = a, *y = b;

    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Colour scale position of a cell holding v hosts when the fullest holds max. */
static double amap_scale(double v, double max)
{
    if (max <= 1)
        return 1.0;
    return AMAP_T_MIN + (1 - AMAP_T_MIN) * log1p(v - 1) / log1p(max - 1);
}

static int amap_double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int addrmap_quantile_bands(const double *values, size_t n, double *band_lo, double *band_hi)
{
    double *v, p10, p90, max;
    size_t start = 0;
    int nb = 0;

    if (n < ADDRMAP_QUANTILE_MIN_CELLS)
        return 0;
    v = xcalloc(n, sizeof *v);
    memcpy(v, values, n * sizeof *v);
    xqsort(v, n, sizeof *v, amap_double_cmp);
    p10 = v[(size_t)floor(0.1 * (double)(n - 1))];
    p90 = v[(size_t)ceil(0.9 * (double)(n - 1))];
    max = v[n - 1];
    if (!(p10 < p90) ||
        amap_scale(p90, max) - amap_scale(p10, max) >= ADDRMAP_FLAT_SPAN * (1 - AMAP_T_MIN))
        goto out;
    /* Equal shares of the sorted counts; a run of equal counts stays in one band. */
    for (int b = 0; b < ADDRMAP_QUANTILE_BANDS && start < n; b++) {
        size_t end = (size_t)ceil((double)(b + 1) * (double)n / ADDRMAP_QUANTILE_BANDS);
        if (end <= start)
            continue;
        while (end < n && v[end] == v[end - 1])
            end++;
        band_lo[nb] = v[start];
        band_hi[nb] = v[end - 1];
        nb++;
        start = end;
    }
out:
    free(v);
    return nb;
}

/* Colour scale position of band b of nb: from a light blue, as the bands need telling
 * apart more than from the empty grey. */
static double amap_band_scale(int b, int nb)
{
    return nb > 1 ? AMAP_BAND_T_MIN + (1 - AMAP_BAND_T_MIN) * b / (nb - 1) : 1.0;
}

/* Colour scale position of a cell holding v hosts, on the map's scale. */
static double amap_position(const struct addrmap_chart *am, double v)
{
    int lo = 0, hi = am->nbands - 1;

    if (am->nbands == 0)
        return amap_scale(v, am->max);
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (v <= am->band_hi[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return amap_band_scale(lo, am->nbands);
}

/* A band's label: "137-142", or "150" for a band of one count. */
static void amap_band_text(const struct addrmap_chart *am, int b, char *out, size_t size)
{
    char lo[28], hi[28];

    chart_format_value(am->band_lo[b], lo, sizeof lo);
    chart_format_value(am->band_hi[b], hi, sizeof hi);
    if (am->band_lo[b] == am->band_hi[b])
        snprintf(out, size, "%s", lo);
    else
        snprintf(out, size, "%s\xe2\x80\x93%s", lo, hi);
}

/* The top-left corner of the square of an aligned block of length len. */
static void amap_block_corner(const struct addrmap *map, const struct addrmap_grid *g,
                              uint32_t net, int len, double *bx, double *by)
{
    int k = (len - map->prefix - map->wide) / 2;
    uint32_t per = 1u << (map->order - k), cx, cy;

    /* Any cell of the block tells which aligned square it is. */
    addrmap_cell(map, net, &cx, &cy);
    *bx = g->x0 + (cx / per) * per * g->cell;
    *by = g->y0 + (cy / per) * per * g->cell;
}

/* The coarsest squares: a 2:1 map's two halves, or a square map's four quadrants. */
static int amap_edge_level(const struct addrmap *map)
{
    return map->wide ? 0 : map->order >= 1 ? 1 : -1;
}

/* Labels the coarsest squares on the map's edges: those in the top row above the map,
 * the others below it; a label wider than its square is left out. */
static void amap_edges_fit(struct chart_ctx *ctx, struct addrmap_chart *am)
{
    const struct addrmap *map = &am->map;
    const struct addrmap_grid *g = &am->grid;
    struct chart_font font = CHART_FONT_TICK;
    int k = amap_edge_level(map);
    char text[64];

    if (k < 0)
        return;
    int len = map->prefix + map->wide + 2 * k;
    uint32_t nblocks = 1u << (map->wide + 2 * k);
    double side = g->cell * (double)(1u << (map->order - k));
    am->edge_labels = xcalloc(nblocks, sizeof *am->edge_labels);
    for (uint32_t i = 0; i < nblocks; i++) {
        uint32_t net = map->base + (uint32_t)((uint64_t)i << (32 - len));
        double bx, by, tw, th;
        amap_block_corner(map, g, net, len, &bx, &by);
        amap_prefix_text(net, len, text, sizeof text);
        chart_text_size(ctx, &font, text, &tw, &th);
        if (tw > side - 4)
            continue;
        if (by <= g->y0)
            chart_label_set(&am->edge_labels[am->nedge_labels++], &font, text, bx + side / 2,
                            g->y0 - 5, ALIGN_CENTER, VALIGN_BOTTOM, 0, 0);
        else
            chart_label_set(&am->edge_labels[am->nedge_labels++], &font, text, bx + side / 2,
                            g->y0 + g->rows * g->cell + 5, ALIGN_CENTER, VALIGN_TOP, 0, 0);
    }
}

/* Inside the edge squares: the finest level of sub-blocks (at most three levels down)
 * whose labels fit, octet boundaries (/8, /16, /24) first. Returns the level, -1 when
 * none fits. */
static int amap_inner_level(struct chart_ctx *ctx, const struct addrmap *map,
                            const struct addrmap_grid *g, const struct chart_font *font)
{
    int edge = amap_edge_level(map), best = -1;
    char text[64];

    if (edge < 0)
        return -1;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        for (int k = edge + 1; k <= map->order && k <= edge + 3; k++) {
            int len = map->prefix + map->wide + 2 * k;
            uint32_t nblocks = 1u << (map->wide + 2 * k);
            double side = g->cell * (double)(1u << (map->order - k)), tw, th, widest = 0;
            if (pass == 0 && len % 8)
                continue;
            for (uint32_t i = 0; i < nblocks; i++) {
                amap_prefix_text(map->base + (uint32_t)((uint64_t)i << (32 - len)), len, text,
                                 sizeof text);
                chart_text_size(ctx, font, text, &tw, &th);
                widest = fmax(widest, tw);
            }
            if (widest + 10 <= side && th * 2 + 8 <= side)
                best = k;
        }
    }
    return best;
}

/* Whether no data cell lies under the box (x, y, w, h). */
static int amap_box_clear(const struct addrmap_grid *g, const double *grid, double x, double y,
                          double w, double h)
{
    double fx0 = floor((x - g->x0) / g->cell), fx1 = floor((x + w - g->x0) / g->cell);
    double fy0 = floor((y - g->y0) / g->cell), fy1 = floor((y + h - g->y0) / g->cell);

    for (double fy = fmax(fy0, 0); fy <= fy1 && fy < g->rows; fy++)
        for (double fx = fmax(fx0, 0); fx <= fx1 && fx < g->cols; fx++)
            if (grid[(size_t)fy * g->cols + (size_t)fx] > 0)
                return 0;
    return 1;
}

/* Inner labels sit in a corner of their block (top left first) on top of the cells,
 * but only where no data is under them: a label never hides a cell. */
static void amap_inner_labels_fit(struct chart_ctx *ctx, struct addrmap_chart *am, int k)
{
    const struct addrmap *map = &am->map;
    const struct addrmap_grid *g = &am->grid;
    struct chart_font font = CHART_FONT_TICK;
    char text[64];

    font.r = font.g = font.b = 0.45;
    int len = map->prefix + map->wide + 2 * k;
    uint32_t nblocks = 1u << (map->wide + 2 * k);
    double side = g->cell * (double)(1u << (map->order - k));
    am->inner_labels = xcalloc(nblocks, sizeof *am->inner_labels);
    for (uint32_t i = 0; i < nblocks; i++) {
        uint32_t net = map->base + (uint32_t)((uint64_t)i << (32 - len));
        double bx, by, tw, th;
        amap_block_corner(map, g, net, len, &bx, &by);
        amap_prefix_text(net, len, text, sizeof text);
        chart_text_size(ctx, &font, text, &tw, &th);
        for (int corner = 0; corner < 4; corner++) {
            int right = corner & 1, bottom = corner >> 1;
            double x = right ? bx + side - 4 - tw : bx + 4;
            double y = bottom ? by + side - 3 - th : by + 3;
            if (!amap_box_clear(g, am->values, x - 2, y - 1, tw + 4, th + 2))
                continue;
            chart_label_set(&am->inner_labels[am->ninner_labels++], &font, text, x, y,
                            ALIGN_LEFT, VALIGN_TOP, 0, 0);
            break;
        }
    }
}

/* White outlines of the aligned blocks of level k (none when k < 0), `width` thick. */
static void amap_outlines_fit(const struct addrmap_chart *am, int k, double width,
                              struct addrmap_outlines *o)
{
    const struct addrmap *map = &am->map;

    if (k < 0)
        return;
    int len = map->prefix + map->wide + 2 * k;
    uint32_t nblocks = 1u << (map->wide + 2 * k);
    double side = am->grid.cell * (double)(1u << (map->order - k));
    o->width = width;
    o->n = nblocks;
    o->box = xcalloc(nblocks, sizeof *o->box);
    for (uint32_t i = 0; i < nblocks; i++) {
        double bx, by;
        amap_block_corner(map, &am->grid, map->base + (uint32_t)((uint64_t)i << (32 - len)),
                          len, &bx, &by);
        o->box[i] = (struct chart_rect){ bx, by, side, side };
    }
}

/* What the map leaves out: blocks outside the enclosing one. */
struct amap_outside {
    size_t n;                   /* blocks */
    double hosts;
    struct amap_block first[AMAP_LIST_OUTSIDE];
};

static void amap_caption_build(const struct addrmap *map, int skipped_v6,
                               const struct amap_outside *out, const char *value_name,
                               int nbands, struct addrmap_caption *c)
{
    char block[40], num[40];

    c->n = 0;
    amap_prefix_text(map->base, map->prefix, block, sizeof block);
    snprintf(c->line[c->n++], sizeof c->line[0], "Block %s", block);
    format_thousands(1LL << (32 - map->cell_prefix), num, sizeof num);
    snprintf(c->line[c->n++], sizeof c->line[0], "One cell = /%d (%s address%s)",
             map->cell_prefix, num, map->cell_prefix == 32 ? "" : "es");
    snprintf(c->line[c->n++], sizeof c->line[0], "Hilbert curve, %u \xc3\x97 %u cells",
             (1u << map->order) << map->wide, 1u << map->order);
    if (nbands) {
        snprintf(c->line[c->n++], sizeof c->line[0], "Counts are even: colours are");
        snprintf(c->line[c->n++], sizeof c->line[0], "quantiles, each 1/%d of the cells",
                 nbands);
    }
    if (out->n > 0) {
        chart_format_value(out->hosts, num, sizeof num);
        snprintf(c->line[c->n++], sizeof c->line[0], "Outside it, not shown: %s %s", num,
                 value_name);
        if (out->n <= AMAP_LIST_OUTSIDE) {
            for (size_t i = 0; i < out->n; i++) {
                amap_prefix_text(out->first[i].net, out->first[i].len, block, sizeof block);
                chart_format_value(out->first[i].hosts, num, sizeof num);
                snprintf(c->line[c->n++], sizeof c->line[0], "%s: %s", block, num);
            }
        } else {
            format_thousands((long long)out->n, num, sizeof num);
            snprintf(c->line[c->n++], sizeof c->line[0], "in %s blocks", num);
        }
    }
    if (skipped_v6)
        snprintf(c->line[c->n++], sizeof c->line[0], "%d IPv6 block%s not shown",
                 skipped_v6, skipped_v6 == 1 ? "" : "s");
}

/* Ticks for the log scale: the maximum, powers of ten below it, and 1. */
static int amap_ticks(double max, double *ticks)
{
    int n = 0;

    ticks[n++] = max;
    for (double p = pow(10, floor(log10(fmax(max, 1)))); p >= 1 && n < 11; p /= 10)
        if (p < max)
            ticks[n++] = p;
    if (ticks[n - 1] > 1)
        ticks[n++] = 1;
    return n;
}

/* The legend column from (x, y), at most `room` points tall: title, colour bar with log
 * ticks, the swatch for empty cells and the caption; a short column gets a shorter bar,
 * then loses the caption. */
static void amap_legend_fit(struct chart_ctx *ctx, const struct addrmap_chart *am,
                            struct addrmap_legend *lg, double x, double y, double room,
                            const char *what, const struct addrmap_caption *caption)
{
    double max = am->max;
    struct chart_font title = CHART_FONT_LABEL, tick = CHART_FONT_TICK,
                      note = CHART_FONT_TICK;
    double tw, th, title_h, note_h, bar_y, bar_h, yy, last_y = -1e9, ticks[ADDRMAP_MAX_TICKS];
    int nt = amap_ticks(max, ticks), ncaption = caption->n;
    char num[64];

    title.bold = 1;
    title_h = chart_line_height(ctx, &title);
    note_h = chart_line_height(ctx, &note) + 3;
    bar_h = fmin(AMAP_BAR_H, room - (title_h + 10 + 14 + AMAP_BAR_W + 20 + ncaption * note_h));
    if (bar_h < AMAP_BAR_MIN) {
        ncaption = 0;
        bar_h = fmax(AMAP_BAR_MIN / 2, fmin(AMAP_BAR_H, room - (title_h + 10 + 14 + AMAP_BAR_W)));
    }
    chart_label_set(&lg->title, &title, what, x, y, ALIGN_LEFT, VALIGN_TOP, 0, 0);
    bar_y = y + title_h + 10;

    lg->tick_x = x + AMAP_BAR_W;
    chart_text_size(ctx, &tick, "0", &tw, &th);
    if (am->nbands) {
        /* One step per band, the highest at the top, each labelled with its counts. */
        int nb = am->nbands;
        lg->nsteps = nb;
        for (int i = 0; i < nb; i++) {
            int b = nb - 1 - i;
            double ty = bar_y + bar_h * (i + 0.5) / nb;
            chart_sequential(amap_band_scale(b, nb), &lg->step[i][0], &lg->step[i][1],
                             &lg->step[i][2]);
            lg->step_box[i] = (struct chart_rect){ x, bar_y + bar_h * i / nb, AMAP_BAR_W,
                                                   bar_h / nb - 1 };
            if (i > 0 && i + 1 < nb && ty - last_y < th + 2)
                continue;
            lg->tick_y[lg->nticks] = ty;
            amap_band_text(am, b, num, sizeof num);
            chart_label_set(&lg->tick[lg->nticks++], &tick, num, x + AMAP_BAR_W + 7, ty,
                            ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
            last_y = ty;
        }
        goto below;
    }

    /* The bar, the maximum at the top. */
    lg->nsteps = ADDRMAP_BAR_STEPS;
    for (int i = 0; i < ADDRMAP_BAR_STEPS; i++) {
        chart_sequential(1 - (1 - AMAP_T_MIN) * (i + 0.5) / ADDRMAP_BAR_STEPS, &lg->step[i][0],
                         &lg->step[i][1], &lg->step[i][2]);
        lg->step_box[i] = (struct chart_rect){ x, bar_y + bar_h * i / ADDRMAP_BAR_STEPS,
                                               AMAP_BAR_W, bar_h / ADDRMAP_BAR_STEPS + 0.3 };
    }
    for (int i = 0; i < nt; i++) {
        double ty = bar_y + bar_h * (1 - (amap_scale(ticks[i], max) - AMAP_T_MIN) /
                                             (1 - AMAP_T_MIN));
        /* Skip a tick whose label would touch the previous one, but never the last. */
        if (i + 1 < nt && ty - last_y < th + 2)
            continue;
        if (i + 1 == nt && ty - last_y < th + 2 && i > 0)
            continue;
        lg->tick_y[lg->nticks] = ty;
        chart_format_value(ticks[i], num, sizeof num);
        chart_label_set(&lg->tick[lg->nticks++], &tick, num, x + AMAP_BAR_W + 7, ty,
                        ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
        last_y = ty;
    }

below:
    /* The swatch for empty cells, then the caption. */
    yy = bar_y + bar_h + 14;
    lg->swatch = (struct chart_rect){ x, yy, AMAP_BAR_W, AMAP_BAR_W };
    chart_label_set(&lg->none, &tick, "none", x + AMAP_BAR_W + 7, yy + AMAP_BAR_W / 2,
                    ALIGN_LEFT, VALIGN_MIDDLE, 0, 0);
    note.r = note.g = note.b = 0.35;
    yy += AMAP_BAR_W + 20;
    for (int i = 0; i < ncaption; i++) {
        chart_label_set(&lg->caption[lg->ncaption++], &note, caption->line[i], x, yy,
                        ALIGN_LEFT, VALIGN_TOP, 0, 0);
        yy += note_h;
    }
}

/* Width the legend column needs. */
static double amap_legend_width(struct chart_ctx *ctx, const struct addrmap_chart *am,
                                const char *what, const struct addrmap_caption *caption)
{
    struct chart_font title = CHART_FONT_LABEL, tick = CHART_FONT_TICK;
    double w, tw, th;
    char num[64];

    title.bold = 1;
    chart_text_size(ctx, &title, what, &w, &th);
    chart_format_value(am->max, num, sizeof num);
    chart_text_size(ctx, &tick, num, &tw, &th);
    w = fmax(w, AMAP_BAR_W + 7 + tw);
    for (int b = 0; b < am->nbands; b++) {
        amap_band_text(am, b, num, sizeof num);
        chart_text_size(ctx, &tick, num, &tw, &th);
        w = fmax(w, AMAP_BAR_W + 7 + tw);
    }
    for (int i = 0; i < caption->n; i++) {
        chart_text_size(ctx, &tick, caption->line[i], &tw, &th);
        w = fmax(w, tw);
    }
    return ceil(w);
}

void addrmap_chart_release(struct addrmap_chart *am)
{
    struct addrmap_legend *lg = &am->legend;

    for (int i = 0; i < am->nedge_labels; i++)
        chart_label_release(&am->edge_labels[i]);
    for (int i = 0; i < am->ninner_labels; i++)
        chart_label_release(&am->inner_labels[i]);
    free(am->edge_labels);
    free(am->inner_labels);
    free(am->outlines[0].box);
    free(am->outlines[1].box);
    free(am->values);
    free(am->marks);
    chart_label_release(&lg->title);
    chart_label_release(&lg->none);
    for (int i = 0; i < lg->nticks; i++)
        chart_label_release(&lg->tick[i]);
    for (int i = 0; i < lg->ncaption; i++)
        chart_label_release(&lg->caption[i]);
    memset(am, 0, sizeof *am);
}

/* The table's IPv4 blocks with hosts, the number of IPv6 ones, into blocks (n of them). */
static enum tally_error amap_read(const struct table *t, const struct chart_spec *spec,
                                  struct amap_block *blocks, size_t *n, int *skipped_v6,
                                  struct tally_diag *diag)
{
    *n = 0;
    *skipped_v6 = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        char buf[128];
        const struct cell *c = table_cell(t, i, spec->category_col);
        const char *text;
        double hosts = table_number(t, i, spec->value_col);
        int kind;

        if (!c || c->is_null)
            continue;
        /* A text cell as table_cell() spelled it, without spelling it again. */
        text = column_is_text(&t->cols[spec->category_col]) ? c->v.text
                                                             : table_text(t, i, spec->category_col,
                                                                          buf, sizeof buf);
        kind = amap_parse(text, &blocks[*n].net, &blocks[*n].len);
        if (kind < 0)
            return diag_set(diag, TALLY_ERROR_DATA,
                            "address map: row %zu: \"%s\" is not an address block", i + 1,
                            text);
        if (kind == 0) {
            (*skipped_v6)++;
            continue;
        }
        if (!isfinite(hosts) || hosts <= 0)
            continue;
        blocks[*n].hosts = hosts;
        (*n)++;
    }
    return TALLY_OK;
}

/* The map covers where nearly all hosts are: keeps the blocks inside the focus at the
 * front of blocks (returning their count) and fits the map to them; the others are
 * counted in `outside`, for the caption to name. Done in place: at Internet scale the
 * blocks are millions of /24s. */
static size_t amap_focus_blocks(struct amap_block *blocks, size_t n,
                                struct amap_outside *outside, struct addrmap *map)
{
    uint32_t focus_net;
    int focus_len, cell = 32, common = 32;
    size_t kept = 0;
    double total = 0;

    for (size_t i = 0; i < n; i++)
        total += blocks[i].hosts;
    amap_focus_sorted(blocks, n, total, &focus_net, &focus_len);
    for (size_t i = 0; i < n; i++) {
        if (blocks[i].len >= focus_len && (blocks[i].net & amap_mask(focus_len)) == focus_net) {
            blocks[kept++] = blocks[i];
            if (blocks[i].len < cell)
                cell = blocks[i].len;
            continue;
        }
        if (outside->n < AMAP_LIST_OUTSIDE)
            outside->first[outside->n] = blocks[i];
        outside->n++;
        outside->hosts += blocks[i].hosts;
    }
    for (size_t i = 0; i < kept; i++) {
        int bits = amap_common_bits(blocks[0].net, blocks[i].net, cell);
        if (bits < common)
            common = bits;
    }
    amap_fit_span(kept ? blocks[0].net : 0, cell, common, map);
    return kept;
}

/* Cells smaller than AMAP_MIN_MARK are drawn that big, centred but kept inside the map,
 * so a lone /24 in a large block still shows; fuller cells come last, on top. */
static void amap_marks_fit(struct addrmap_chart *am)
{
    const struct addrmap_grid *g = &am->grid;
    uint32_t ncells = g->cols * g->rows;
    double map_w = g->cell * g->cols, map_h = g->cell * g->rows;
    double mark = fmin(fmax(g->cell, AMAP_MIN_MARK), fmin(map_w, map_h));
    struct amap_cell *order = xcalloc(ncells, sizeof *order);
    size_t nfull = 0;

    for (uint32_t k = 0; k < ncells; k++)
        if (am->values[k] > 0)
            order[nfull++] = (struct amap_cell){ k, am->values[k] };
    xqsort(order, nfull, sizeof *order, amap_cell_cmp);
    am->marks = xcalloc(nfull + 1, sizeof *am->marks);
    am->nmarks = nfull;
    for (size_t k = 0; k < nfull; k++) {
        struct addrmap_mark *m = &am->marks[k];
        m->cx = order[k].index % g->cols;
        m->cy = order[k].index / g->cols;
        m->value = order[k].value;
        double mx = g->x0 + (m->cx + 0.5) * g->cell - mark / 2;
        double my = g->y0 + (m->cy + 0.5) * g->cell - mark / 2;
        mx = fmin(fmax(mx, g->x0), g->x0 + map_w - mark);
        my = fmin(fmax(my, g->y0), g->y0 + map_h - mark);
        m->box = (struct chart_rect){ mx, my, mark, mark };
        chart_sequential(amap_position(am, m->value), &m->r, &m->g, &m->b);
    }
    free(order);
}

/* The colour scale: quantile bands when the counts per cell are flat, else log. */
static void amap_scale_fit(struct addrmap_chart *am)
{
    size_t ncells = (size_t)am->grid.cols * am->grid.rows, n = 0;
    double *full = xcalloc(ncells + 1, sizeof *full);

    for (size_t k = 0; k < ncells; k++)
        if (am->values[k] > 0)
            full[n++] = am->values[k];
    am->nbands = addrmap_quantile_bands(full, n, am->band_lo, am->band_hi);
    free(full);
}

enum tally_error addrmap_chart_layout(struct chart_ctx *ctx, struct addrmap_chart *am,
                                      struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    const struct chart_rect *p = &ctx->plot;
    struct amap_block *blocks = NULL;
    struct addrmap_caption caption;
    struct addrmap_grid *g = &am->grid;
    struct addrmap *map = &am->map;
    double legend_w, unit, tw, band;
    struct chart_font tick = CHART_FONT_TICK;
    struct amap_outside outside = { 0 };
    size_t n = 0;
    int skipped_v6 = 0;
    char what[128];
    enum tally_error err;

    memset(am, 0, sizeof *am);
    err = shape_check_columns(ctx, 0, "address map", diag);
    if (err != TALLY_OK)
        goto out;

    blocks = xcalloc(t->nrows ? t->nrows : 1, sizeof *blocks);
    err = amap_read(t, spec, blocks, &n, &skipped_v6, diag);
    if (err != TALLY_OK)
        goto out;
    if (n == 0) {
        am->empty = 1;
        goto out;
    }
    n = amap_focus_blocks(blocks, n, &outside, map);

    g->rows = 1u << map->order;
    g->cols = g->rows << map->wide;
    am->values = xcalloc((size_t)g->cols * g->rows, sizeof *am->values);
    for (size_t i = 0; i < n; i++) {
        uint32_t cx, cy;
        addrmap_cell(map, blocks[i].net, &cx, &cy);
        double *v = &am->values[(size_t)cy * g->cols + cx];
        *v += blocks[i].hosts;
        am->max = fmax(am->max, *v);
    }

    /* "Hosts per /24" from the value column's name (or the value axis title). */
    const char *value_name = spec->y_title ? spec->y_title : t->cols[spec->value_col].name;
    snprintf(what, sizeof what, "%s per /%d", value_name, map->cell_prefix);
    if (what[0] >= 'a' && what[0] <= 'z')
        what[0] = (char)(what[0] - 'a' + 'A');
    amap_scale_fit(am);
    amap_caption_build(map, skipped_v6, &outside, value_name, am->nbands, &caption);
    legend_w = fmin(amap_legend_width(ctx, am, what, &caption), p->w * 0.4);

    /* The map and legend centred together, with room above and below for the edge
     * labels. */
    chart_text_size(ctx, &tick, "0", &tw, &band);
    band += 8;
    unit = fmin(p->h - 2 * band, (p->w - legend_w - AMAP_GAP) / (1 + map->wide));
    g->cell = fmax(unit / g->rows, 0.01);
    double map_w = g->cell * g->cols, map_h = g->cell * g->rows;
    double total_w = map_w + AMAP_GAP + legend_w;
    g->x0 = round(p->x + fmax(0, (p->w - total_w) / 2));
    g->y0 = round(p->y + (p->h - map_h) / 2);

    /* Block outlines under the cells: they divide the empty space, never hide data. */
    am->inner = amap_inner_level(ctx, map, g, &tick);
    amap_outlines_fit(am, am->inner, 1.0, &am->outlines[0]);
    amap_outlines_fit(am, amap_edge_level(map), 2.0, &am->outlines[1]);
    amap_marks_fit(am);
    if (am->inner >= 0)
        amap_inner_labels_fit(ctx, am, am->inner);
    amap_edges_fit(ctx, am);
    amap_legend_fit(ctx, am, &am->legend, g->x0 + map_w + AMAP_GAP, g->y0,
                    p->y + p->h - g->y0, what, &caption);

out:
    if (err != TALLY_OK)
        addrmap_chart_release(am);
    free(blocks);
    return err;
}

static void amap_legend_paint(struct chart_ctx *ctx, const struct addrmap_legend *lg)
{
    chart_label_draw(ctx, &lg->title);
    for (int i = 0; i < lg->nsteps; i++) {
        const struct chart_rect *b = &lg->step_box[i];
        cairo_rectangle(ctx->cr, b->x, b->y, b->w, b->h);
        cairo_set_source_rgb(ctx->cr, lg->step[i][0], lg->step[i][1], lg->step[i][2]);
        cairo_fill(ctx->cr);
    }
    cairo_set_line_width(ctx->cr, 1.0);
    for (int i = 0; i < lg->nticks; i++) {
        cairo_move_to(ctx->cr, lg->tick_x, lg->tick_y[i]);
        cairo_line_to(ctx->cr, lg->tick_x + 4, lg->tick_y[i]);
        cairo_set_source_rgb(ctx->cr, 0.4, 0.4, 0.4);
        cairo_stroke(ctx->cr);
        chart_label_draw(ctx, &lg->tick[i]);
    }
    cairo_rectangle(ctx->cr, lg->swatch.x, lg->swatch.y, lg->swatch.w, lg->swatch.h);
    cairo_set_source_rgb(ctx->cr, AMAP_EMPTY, AMAP_EMPTY, AMAP_EMPTY);
    cairo_fill(ctx->cr);
    chart_label_draw(ctx, &lg->none);
    for (int i = 0; i < lg->ncaption; i++)
        chart_label_draw(ctx, &lg->caption[i]);
}

/* The empty map, block outlines, the cells (without antialiasing, so neighbours meet
 * without seams), block labels and the legend. */
/* Records each non-empty cell as a mark named by its block, in address order. */
static void amap_record_marks(struct chart_ctx *ctx, const struct addrmap_chart *am)
{
    const struct addrmap *map = &am->map;
    size_t ncells = (size_t)am->grid.cols * am->grid.rows;
    size_t *mark_of = xmalloc(ncells * sizeof *mark_of);
    char label[64];

    for (size_t k = 0; k < ncells; k++)
        mark_of[k] = SIZE_MAX;
    for (size_t k = 0; k < am->nmarks; k++)
        mark_of[(size_t)am->marks[k].cy * am->grid.cols + am->marks[k].cx] = k;
    for (uint64_t d = 0; d < ncells; d++) {
        uint32_t net = map->base + (uint32_t)(d << (32 - map->cell_prefix)), cx, cy;
        addrmap_cell(map, net, &cx, &cy);
        size_t k = mark_of[(size_t)cy * am->grid.cols + cx];
        if (k == SIZE_MAX)
            continue;
        snprintf(label, sizeof label, "%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255,
                 (net >> 8) & 255, net & 255, map->cell_prefix);
        chart_mark_box(ctx, &am->marks[k].box, label, NULL, am->marks[k].value);
    }
    free(mark_of);
}

static void amap_paint(struct chart_ctx *ctx, const struct addrmap_chart *am)
{
    const struct addrmap_grid *g = &am->grid;

    cairo_rectangle(ctx->cr, g->x0, g->y0, g->cell * g->cols, g->cell * g->rows);
    cairo_set_source_rgb(ctx->cr, AMAP_EMPTY, AMAP_EMPTY, AMAP_EMPTY);
    cairo_fill(ctx->cr);
    for (int k = 0; k < 2; k++) {
        const struct addrmap_outlines *o = &am->outlines[k];
        if (!o->box)
            continue;
        cairo_set_line_width(ctx->cr, o->width);
        cairo_set_source_rgb(ctx->cr, 1, 1, 1);
        for (size_t i = 0; i < o->n; i++) {
            cairo_rectangle(ctx->cr, o->box[i].x, o->box[i].y, o->box[i].w, o->box[i].h);
            cairo_stroke(ctx->cr);
        }
    }
    cairo_save(ctx->cr);
    cairo_set_antialias(ctx->cr, CAIRO_ANTIALIAS_NONE);
    for (size_t k = 0; k < am->nmarks; k++) {
        const struct addrmap_mark *m = &am->marks[k], *next = &am->marks[k + 1];
        cairo_rectangle(ctx->cr, m->box.x, m->box.y, m->box.w, m->box.h);
        /* A large map fills each run of one colour as one path (marks come in value
         * order, so the fuller still cover the emptier): an SVG of a whole /0 stays
         * small. */
        if (am->nmarks > AMAP_PATH_RUNS && k + 1 < am->nmarks && next->r == m->r &&
            next->g == m->g && next->b == m->b)
            continue;
        cairo_set_source_rgb(ctx->cr, m->r, m->g, m->b);
        cairo_fill(ctx->cr);
    }
    cairo_restore(ctx->cr);
    if (ctx->marks)
        amap_record_marks(ctx, am);
    for (int i = 0; i < am->ninner_labels; i++)
        chart_label_draw(ctx, &am->inner_labels[i]);
    for (int i = 0; i < am->nedge_labels; i++)
        chart_label_draw(ctx, &am->edge_labels[i]);
    amap_legend_paint(ctx, &am->legend);
}

static enum tally_error amap_draw(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct addrmap_chart am;
    enum tally_error err = addrmap_chart_layout(ctx, &am, diag);

    if (err != TALLY_OK)
        return err;
    if (am.empty)
        chart_no_data(ctx);
    else
        amap_paint(ctx, &am);
    addrmap_chart_release(&am);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_address_map = {
    .kind = CHART_ADDRESS_MAP,
    .name = "address-map",
    .draw = amap_draw,
};
