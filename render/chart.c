/* chart.c: the frame every chart shares: the cairo surface for PNG (at 2x scale), SVG or
 * PDF, pinned font options so identical input gives identical bytes, the title and
 * subtitle, the call into the drawer for the chart's kind, and the marks it records. */
#include "render/chart_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#define CHART_DEFAULT_WIDTH 800
#define CHART_DEFAULT_HEIGHT 500
#define CHART_MIN_SIZE 100
#define CHART_MAX_SIZE 5000
#define CHART_PNG_SCALE 2.0
#define CHART_MARGIN 16.0
/* PDF files carry this creation date so that two renders are byte for byte the same. */
#define CHART_PDF_DATE "2000-01-01T00:00:00Z"

/* For LeakSanitizer builds: fontconfig loses a few bytes while parsing its configuration
 * (FcInitLoadConfigAndFonts), once per process; that is not tally's to free. Weak, so a
 * program may define its own list. */
const char *__lsan_default_suppressions(void);
__attribute__((weak)) const char *__lsan_default_suppressions(void)
{
    return "leak:FcInitLoadConfigAndFonts\nleak:libfontconfig.so\n";
}

static const char *const kind_names[CHART_KIND_COUNT] = {
    [CHART_NONE] = "none",
    [CHART_BAR] = "bar",
    [CHART_HBAR] = "hbar",
    [CHART_STACKED_BAR] = "stacked-bar",
    [CHART_GROUPED_BAR] = "grouped-bar",
    [CHART_HISTOGRAM] = "histogram",
    [CHART_LINE] = "line",
    [CHART_HEATMAP] = "heatmap",
    [CHART_TREEMAP] = "treemap",
    [CHART_SANKEY] = "sankey",
    [CHART_ADDRESS_MAP] = "address-map",
    [CHART_DIVERGING_BAR] = "diverging-bar",
};

const char *chart_kind_name(enum chart_kind kind)
{
    if ((int)kind < 0 || kind >= CHART_KIND_COUNT)
        return "none";
    return kind_names[kind];
}

enum chart_kind chart_kind_parse(const char *name)
{
    int i;
    if (!name)
        return CHART_NONE;
    for (i = 0; i < CHART_KIND_COUNT; i++)
        if (strcasecmp(name, kind_names[i]) == 0)
            return (enum chart_kind)i;
    for (i = 0; chart_drawers[i]; i++)
        if (chart_drawers[i]->name && strcasecmp(name, chart_drawers[i]->name) == 0)
            return chart_drawers[i]->kind;
    return CHART_NONE;
}

int chart_format_from_path(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return -1;
    if (strcasecmp(dot, ".png") == 0)
        return CHART_PNG;
    if (strcasecmp(dot, ".svg") == 0)
        return CHART_SVG;
    if (strcasecmp(dot, ".pdf") == 0)
        return CHART_PDF;
    return -1;
}

static const struct chart_drawer *drawer_find(enum chart_kind kind)
{
    int i;
    for (i = 0; chart_drawers[i]; i++)
        if (chart_drawers[i]->kind == kind)
            return chart_drawers[i];
    return NULL;
}

static cairo_status_t write_to_strbuf(void *closure, const unsigned char *data,
                                      unsigned int length)
{
    strbuf_add(closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

static const char *chart_title(const struct table *t, const struct chart_spec *spec)
{
    if (spec->title)
        return spec->title;
    return t->title ? t->title : t->name;
}

static const char *chart_subtitle(const struct table *t, const struct chart_spec *spec)
{
    return spec->subtitle ? spec->subtitle : t->subtitle;
}

/* Title (bold, left) and subtitle (grey) along the top, drawn when `paint`; the rest
 * becomes ctx->plot. */
static void frame_fit(struct chart_ctx *ctx, int paint)
{
    const char *title = chart_title(ctx->table, ctx->spec);
    const char *subtitle = chart_subtitle(ctx->table, ctx->spec);
    double y = CHART_MARGIN - 2, w, h, text_w = ctx->width - 2 * CHART_MARGIN;

    if (title && *title) {
        chart_text_size(ctx, &CHART_FONT_TITLE, title, &w, &h);
        if (paint)
            chart_text(ctx, &CHART_FONT_TITLE, title, CHART_MARGIN, y, ALIGN_LEFT, VALIGN_TOP,
                       0, text_w);
        y += h + 1;
    }
    if (subtitle && *subtitle) {
        chart_text_size(ctx, &CHART_FONT_SUBTITLE, subtitle, &w, &h);
        if (paint)
            chart_text(ctx, &CHART_FONT_SUBTITLE, subtitle, CHART_MARGIN, y, ALIGN_LEFT,
                       VALIGN_TOP, 0, text_w);
        y += h;
    }
    y += 12;
    ctx->plot.x = CHART_MARGIN;
    ctx->plot.y = y;
    ctx->plot.w = ctx->width - 2 * CHART_MARGIN;
    ctx->plot.h = ctx->height - CHART_MARGIN - y;
}

/* Text layout for ctx: a font map of its own, released with the chart, so that no font
 * caches outlive the render, and font options pinned for identical bytes. */
static void fonts_open(struct chart_ctx *ctx)
{
    cairo_font_options_t *options = cairo_font_options_create();

    ctx->font_map = pango_cairo_font_map_new();
    ctx->pango = pango_font_map_create_context(ctx->font_map);
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(ctx->pango, options);
    cairo_font_options_destroy(options);
    pango_cairo_context_set_resolution(ctx->pango, 72);
    pango_context_set_round_glyph_positions(ctx->pango, FALSE);
}

static void fonts_close(struct chart_ctx *ctx)
{
    if (ctx->pango)
        g_object_unref(ctx->pango);
    if (ctx->font_map)
        g_object_unref(ctx->font_map);
    ctx->pango = NULL;
    ctx->font_map = NULL;
}

/* The canvas size the spec asks for, refused when out of bounds. */
static enum tally_error chart_size(const struct chart_spec *spec, double *width,
                                   double *height, struct tally_diag *diag)
{
    *width = spec->width > 0 ? spec->width : CHART_DEFAULT_WIDTH;
    *height = spec->height > 0 ? spec->height : CHART_DEFAULT_HEIGHT;
    if (*width < CHART_MIN_SIZE || *height < CHART_MIN_SIZE || *width > CHART_MAX_SIZE ||
        *height > CHART_MAX_SIZE)
        return diag_set(diag, TALLY_ERROR_USAGE, "chart size %gx%g is outside %dx%d..%dx%d",
                        *width, *height, CHART_MIN_SIZE, CHART_MIN_SIZE, CHART_MAX_SIZE,
                        CHART_MAX_SIZE);
    return TALLY_OK;
}

enum tally_error chart_measure_open(struct chart_ctx *ctx, const struct table *t,
                                    const struct chart_spec *spec, struct tally_diag *diag)
{
    cairo_surface_t *surface;
    enum tally_error err;

    memset(ctx, 0, sizeof *ctx);
    err = chart_size(spec, &ctx->width, &ctx->height, diag);
    if (err != TALLY_OK)
        return err;
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    ctx->cr = cairo_create(surface);
    cairo_surface_destroy(surface);
    if (cairo_status(ctx->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(ctx->cr);
        ctx->cr = NULL;
        return diag_set(diag, TALLY_ERROR_MEMORY, "cannot create a chart surface");
    }
    fonts_open(ctx);
    ctx->table = t;
    ctx->spec = spec;
    frame_fit(ctx, 0);
    return TALLY_OK;
}

void chart_measure_close(struct chart_ctx *ctx)
{
    fonts_close(ctx);
    if (ctx->cr)
        cairo_destroy(ctx->cr);
    ctx->cr = NULL;
}

/* Copies svg with every "surfaceN" id renumbered from 1 in order of appearance (cairo
 * numbers surfaces with a counter global to the process), the title and subtitle as
 * <title> and <desc>, and the searchable text layer before the closing tag. */
static void svg_finish(const struct strbuf *svg, const char *title, const char *subtitle,
                       const struct strbuf *text_layer, struct strbuf *out)
{
    const char *p = svg->buf, *end = svg->buf + svg->len;
    const char *svg_open = strstr(p, "<svg");
    const char *open_end = svg_open ? strchr(svg_open, '>') : NULL;
    const char *close = NULL, *q;
    long *ids = NULL;
    size_t nids = 0, i;

    for (q = p; (q = strstr(q, "</svg>")); q++)
        close = q;
    while (p < end) {
        if (open_end && p == open_end + 1) {
            strbuf_addch(out, '\n');
            if (title && *title) {
                strbuf_addstr(out, "<title>");
                chart_svg_escape(out, title);
                strbuf_addstr(out, "</title>\n");
            }
            if (subtitle && *subtitle) {
                strbuf_addstr(out, "<desc>");
                chart_svg_escape(out, subtitle);
                strbuf_addstr(out, "</desc>\n");
            }
        }
        if (p == close && text_layer->len) {
            strbuf_addstr(out, "<g fill=\"#000\" fill-opacity=\"0\" "
                               "font-family=\"DejaVu Sans\">\n");
            strbuf_add(out, text_layer->buf, text_layer->len);
            strbuf_addstr(out, "</g>\n");
        }
        if ((size_t)(end - p) > 7 && memcmp(p, "surface", 7) == 0 && p > svg->buf &&
            (p[-1] == '"' || p[-1] == '#') && p[7] >= '0' && p[7] <= '9') {
            char *digits_end;
            long id = strtol(p + 7, &digits_end, 10);
            for (i = 0; i < nids && ids[i] != id; i++)
                ;
            if (i == nids) {
                ids = xrealloc(ids, (nids + 1) * sizeof *ids);
                ids[nids++] = id;
            }
            strbuf_addf(out, "surface%zu", i + 1);
            p = digits_end;
            continue;
        }
        strbuf_addch(out, *p++);
    }
    free(ids);
}

/* Draws the chart into `out` as fmt. */
static enum tally_error chart_draw(const struct table *t, const struct chart_spec *spec,
                                   enum chart_format fmt, struct strbuf *out,
                                   struct chart_marks *marks, struct tally_diag *diag)
{
    const struct chart_drawer *drawer = drawer_find(spec->kind);
    double width, height;
    cairo_surface_t *surface = NULL;
    struct chart_ctx ctx;
    struct strbuf svg, text_layer;
    enum tally_error err = TALLY_OK;
    cairo_status_t status;

    memset(&ctx, 0, sizeof ctx);
    strbuf_init(&svg);
    strbuf_init(&text_layer);
    if (!drawer) {
        err = diag_set(diag, TALLY_ERROR_UNSUPPORTED, "no drawing for chart kind '%s'",
                       chart_kind_name(spec->kind));
        goto cleanup;
    }
    err = chart_size(spec, &width, &height, diag);
    if (err != TALLY_OK)
        goto cleanup;

    switch (fmt) {
    case CHART_PNG:
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
                                             (int)(width * CHART_PNG_SCALE + 0.5),
                                             (int)(height * CHART_PNG_SCALE + 0.5));
        break;
    case CHART_SVG:
        surface = cairo_svg_surface_create_for_stream(write_to_strbuf, &svg, width, height);
        cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1);
        ctx.svg_text = &text_layer;
        break;
    case CHART_PDF:
        surface = cairo_pdf_surface_create_for_stream(write_to_strbuf, out, width, height);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE,
                                       CHART_PDF_DATE);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                       chart_title(t, spec) ? chart_title(t, spec) : "");
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "tally");
        break;
    }
    if (!surface || cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        err = diag_set(diag, TALLY_ERROR_MEMORY, "cannot create a chart surface");
        goto cleanup;
    }

    ctx.cr = cairo_create(surface);
    if (fmt == CHART_PNG)
        cairo_scale(ctx.cr, CHART_PNG_SCALE, CHART_PNG_SCALE);
    cairo_set_source_rgb(ctx.cr, 1, 1, 1);
    cairo_paint(ctx.cr);

    fonts_open(&ctx);

    ctx.table = t;
    ctx.spec = spec;
    ctx.marks = marks;
    ctx.width = width;
    ctx.height = height;
    frame_fit(&ctx, 1);
    if (t->nrows == 0)
        chart_no_data(&ctx);
    else
        err = drawer->draw(&ctx, diag);
    if (err != TALLY_OK)
        goto cleanup;

    status = cairo_status(ctx.cr);
    cairo_destroy(ctx.cr);
    ctx.cr = NULL;
    if (status == CAIRO_STATUS_SUCCESS && fmt == CHART_PNG)
        status = cairo_surface_write_to_png_stream(surface, write_to_strbuf, out);
    cairo_surface_finish(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
        err = diag_set(diag, TALLY_ERROR_IO, "drawing the chart failed: %s",
                       cairo_status_to_string(status));
        goto cleanup;
    }
    if (fmt == CHART_SVG)
        svg_finish(&svg, chart_title(t, spec), chart_subtitle(t, spec), &text_layer, out);

cleanup:
    fonts_close(&ctx);
    if (ctx.cr)
        cairo_destroy(ctx.cr);
    if (surface)
        cairo_surface_destroy(surface);
    strbuf_release(&svg);
    strbuf_release(&text_layer);
    return err;
}

static enum tally_error file_write(const char *path, const struct strbuf *data,
                                   struct tally_diag *diag)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        goto fail;
    ok = fwrite(data->buf, 1, data->len, f) == data->len;
    if (fclose(f) != 0 || !ok)
        goto fail;
    return TALLY_OK;
fail:
    g_strlcpy(diag->file, path, sizeof diag->file);
    return diag_set(diag, TALLY_ERROR_IO, "cannot write: %s", strerror(errno));
}

enum tally_error chart_render(const struct table *t, const struct chart_spec *spec,
                              const char *path, struct tally_diag *diag)
{
    int fmt = chart_format_from_path(path);
    struct strbuf out;
    enum tally_error err;

    if (fmt < 0)
        return diag_set(diag, TALLY_ERROR_USAGE,
                        "%s: a chart file name ends in .png, .svg or .pdf", path);
    strbuf_init(&out);
    err = chart_draw(t, spec, (enum chart_format)fmt, &out, NULL, diag);
    if (err == TALLY_OK)
        err = file_write(path, &out, diag);
    strbuf_release(&out);
    return err;
}

enum tally_error chart_render_png(const struct table *t, const struct chart_spec *spec,
                                  unsigned char **png, size_t *len, struct tally_diag *diag)
{
    struct strbuf out;
    enum tally_error err;

    strbuf_init(&out);
    err = chart_draw(t, spec, CHART_PNG, &out, NULL, diag);
    if (err != TALLY_OK) {
        strbuf_release(&out);
        *png = NULL;
        *len = 0;
        return err;
    }
    *len = out.len;
    *png = (unsigned char *)strbuf_detach(&out);
    return TALLY_OK;
}

enum tally_error chart_render_svg_marked(const struct table *t, const struct chart_spec *spec,
                                         struct strbuf *svg, struct chart_marks *marks,
                                         struct tally_diag *diag)
{
    return chart_draw(t, spec, CHART_SVG, svg, marks, diag);
}

void chart_marks_release(struct chart_marks *marks)
{
    for (size_t i = 0; i < marks->n; i++) {
        free(marks->v[i].path);
        free(marks->v[i].label);
    }
    free(marks->v);
    memset(marks, 0, sizeof *marks);
}

/* A new mark at the end of ctx's list, or NULL when none is recorded. */
static struct chart_mark *mark_add(struct chart_ctx *ctx, const char *category,
                                   const char *series, double value)
{
    struct chart_marks *m = ctx->marks;
    if (!m)
        return NULL;
    if (m->n >= CHART_MAX_MARKS) {
        m->dropped++;
        return NULL;
    }
    if (m->n == m->alloc) {
        m->alloc = m->alloc ? 2 * m->alloc : 64;
        m->v = xrealloc(m->v, m->alloc * sizeof *m->v);
    }
    struct chart_mark *mk = &m->v[m->n++];
    memset(mk, 0, sizeof *mk);
    if (series && *series)
        mk->label = xasprintf("%s, %s", category ? category : "", series);
    else
        mk->label = xstrdup(category ? category : "");
    mk->value = value;
    return mk;
}

void chart_mark_box(struct chart_ctx *ctx, const struct chart_rect *box, const char *category,
                    const char *series, double value)
{
    struct chart_mark *mk;
    double x0 = box->x, y0 = box->y, x1 = box->x + box->w, y1 = box->y + box->h;
    if (!ctx->marks || !(box->w > 0 && box->h > 0))
        return;
    mk = mark_add(ctx, category, series, value);
    if (!mk)
        return;
    cairo_user_to_device(ctx->cr, &x0, &y0);
    cairo_user_to_device(ctx->cr, &x1, &y1);
    mk->box.x = fmin(x0, x1);
    mk->box.y = fmin(y0, y1);
    mk->box.w = fabs(x1 - x0);
    mk->box.h = fabs(y1 - y0);
}

void chart_mark_path(struct chart_ctx *ctx, const char *category, const char *series,
                     double value)
{
    struct chart_mark *mk;
    cairo_path_t *path;
    struct strbuf d;
    double lo_x = INFINITY, lo_y = INFINITY, hi_x = -INFINITY, hi_y = -INFINITY;
    static const char ops[] = { 'M', 'L', 'C', 'Z' };

    if (!ctx->marks || !(mk = mark_add(ctx, category, series, value)))
        return;
    strbuf_init(&d);
    path = cairo_copy_path(ctx->cr);
    for (int i = 0; path->status == CAIRO_STATUS_SUCCESS && i < path->num_data;
         i += path->data[i].header.length) {
        const cairo_path_data_t *h = &path->data[i];
        int npoints = h->header.type == CAIRO_PATH_CURVE_TO ? 3
                      : h->header.type == CAIRO_PATH_CLOSE_PATH ? 0 : 1;
        strbuf_addf(&d, "%s%c", d.len ? " " : "", ops[h->header.type]);
        for (int k = 1; k <= npoints; k++) {
            double x = h[k].point.x, y = h[k].point.y;
            cairo_user_to_device(ctx->cr, &x, &y);
            strbuf_addf(&d, " %.2f %.2f", x, y);
            lo_x = fmin(lo_x, x);
            lo_y = fmin(lo_y, y);
            hi_x = fmax(hi_x, x);
            hi_y = fmax(hi_y, y);
        }
    }
    cairo_path_destroy(path);
    if (lo_x <= hi_x) {
        mk->box = (struct chart_rect){ lo_x, lo_y, hi_x - lo_x, hi_y - lo_y };
        mk->path = strbuf_detach(&d);
    } else {
        /* Nothing drawn: no area to hover. */
        free(mk->label);
        ctx->marks->n--;
        strbuf_release(&d);
    }
}
