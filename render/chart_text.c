/* chart_text.c: text in charts through pango (measured, aligned, rotated, ellipsised,
 * mirrored as real text in SVG output), labels placed by layout steps, and the colours:
 * the Okabe-Ito categorical palette and a sequential ramp. */
#include "render/chart_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHART_FONT_FAMILY "DejaVu Sans"

const struct chart_font CHART_FONT_TITLE = { 14, 1, 0.10, 0.10, 0.10 };
const struct chart_font CHART_FONT_SUBTITLE = { 10, 0, 0.40, 0.40, 0.40 };
const struct chart_font CHART_FONT_AXIS_TITLE = { 10, 0, 0.25, 0.25, 0.25 };
const struct chart_font CHART_FONT_TICK = { 8.5, 0, 0.30, 0.30, 0.30 };
const struct chart_font CHART_FONT_LABEL = { 9, 0, 0.20, 0.20, 0.20 };
const struct chart_font CHART_FONT_VALUE = { 8, 0, 0.20, 0.20, 0.20 };

/* Valid UTF-8 on one line: control characters (a newline in a banner) become spaces. */
static char *text_clean(const char *text)
{
    size_t len = strlen(text);
    char *s = utf8_is_valid(text, len) ? xstrdup(text) : utf8_repair(text, len);
    char *p;
    for (p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return s;
}

/* A one-line layout of text in font for the current transformation of ctx->cr. */
static PangoLayout *text_layout(struct chart_ctx *ctx, const struct chart_font *font,
                                const char *text, double max_width)
{
    PangoFontDescription *desc = pango_font_description_new();
    PangoLayout *layout;
    char *clean = text_clean(text);

    pango_cairo_update_context(ctx->cr, ctx->pango);
    layout = pango_layout_new(ctx->pango);
    pango_font_description_set_family(desc, CHART_FONT_FAMILY);
    pango_font_description_set_weight(desc, font->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(desc, (int)lround(font->size * PANGO_SCALE));
    pango_layout_set_font_description(layout, desc);
    pango_font_description_free(desc);
    pango_layout_set_single_paragraph_mode(layout, TRUE);
    pango_layout_set_text(layout, clean, -1);
    if (max_width > 0) {
        pango_layout_set_width(layout, (int)(max_width * PANGO_SCALE));
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
    }
    free(clean);
    return layout;
}

/* The logical box of the layout's one line, in points. */
static void layout_box(PangoLayout *layout, double *x, double *y, double *w, double *h)
{
    PangoRectangle logical;
    pango_layout_line_get_extents(pango_layout_get_line_readonly(layout, 0), NULL, &logical);
    *x = (double)logical.x / PANGO_SCALE;
    *w = (double)logical.width / PANGO_SCALE;
    pango_layout_get_extents(layout, NULL, &logical);
    *y = (double)logical.y / PANGO_SCALE;
    *h = (double)logical.height / PANGO_SCALE;
}

void chart_text_size(struct chart_ctx *ctx, const struct chart_font *font, const char *text,
                     double *width, double *height)
{
    PangoLayout *layout = text_layout(ctx, font, text, 0);
    double x, y;
    layout_box(layout, &x, &y, width, height);
    g_object_unref(layout);
}

void chart_label_set(struct chart_label *label, const struct chart_font *font,
                     const char *text, double x, double y, enum chart_align align,
                     enum chart_valign valign, double degrees, double max_width)
{
    free(label->text);
    *label = (struct chart_label){ xstrdup(text), *font, x, y, align, valign, degrees,
                                   max_width };
}

void chart_label_draw(struct chart_ctx *ctx, const struct chart_label *label)
{
    if (label->text)
        chart_text(ctx, &label->font, label->text, label->x, label->y, label->align,
                   label->valign, label->degrees, label->max_width);
}

void chart_label_release(struct chart_label *label)
{
    free(label->text);
    label->text = NULL;
}

/* A number for SVG attributes, independent of the locale. */
static void svg_number(struct strbuf *sb, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    strbuf_addstr(sb, g_ascii_formatd(buf, sizeof buf, "%.2f", v));
}

void chart_svg_escape(struct strbuf *sb, const char *text)
{
    char *clean = text_clean(text), *p;
    for (p = clean; *p; p++) {
        switch (*p) {
        case '<': strbuf_addstr(sb, "&lt;"); break;
        case '>': strbuf_addstr(sb, "&gt;"); break;
        case '&': strbuf_addstr(sb, "&amp;"); break;
        case '"': strbuf_addstr(sb, "&quot;"); break;
        default: strbuf_addch(sb, *p);
        }
    }
    free(clean);
}

/* SVG output: cairo draws glyphs as outlines, so the same text is also written as an
 * invisible <text> element at the same place, which makes it searchable and
 * selectable. Called with the text's transformation current and its baseline origin at
 * (x, y) in user space. */
static void svg_text_add(struct chart_ctx *ctx, const struct chart_font *font,
                         const char *text, double x, double y, double width, double degrees)
{
    struct strbuf *sb = ctx->svg_text;
    cairo_user_to_device(ctx->cr, &x, &y);
    strbuf_addstr(sb, "<text x=\"");
    svg_number(sb, x);
    strbuf_addstr(sb, "\" y=\"");
    svg_number(sb, y);
    strbuf_addstr(sb, "\" font-size=\"");
    svg_number(sb, font->size);
    strbuf_addstr(sb, "\"");
    if (font->bold)
        strbuf_addstr(sb, " font-weight=\"bold\"");
    if (degrees != 0) {
        strbuf_addstr(sb, " transform=\"rotate(");
        svg_number(sb, -degrees);
        strbuf_addch(sb, ' ');
        svg_number(sb, x);
        strbuf_addch(sb, ' ');
        svg_number(sb, y);
        strbuf_addstr(sb, ")\"");
    }
    if (width > 0) {
        strbuf_addstr(sb, " textLength=\"");
        svg_number(sb, width);
        strbuf_addstr(sb, "\" lengthAdjust=\"spacingAndGlyphs\"");
    }
    strbuf_addch(sb, '>');
    chart_svg_escape(sb, text);
    strbuf_addstr(sb, "</text>\n");
}

void chart_text(struct chart_ctx *ctx, const struct chart_font *font, const char *text,
                double x, double y, enum chart_align align, enum chart_valign valign,
                double degrees, double max_width)
{
    PangoLayout *layout;
    double lx, ly, w, h, dx, dy;

    if (!text || !*text)
        return;
    cairo_save(ctx->cr);
    cairo_translate(ctx->cr, x, y);
    if (degrees != 0)
        cairo_rotate(ctx->cr, -degrees * G_PI / 180);
    layout = text_layout(ctx, font, text, max_width);
    layout_box(layout, &lx, &ly, &w, &h);
    dx = align == ALIGN_LEFT ? 0 : align == ALIGN_CENTER ? -w / 2 : -w;
    dy = valign == VALIGN_TOP ? 0 : valign == VALIGN_MIDDLE ? -h / 2 : -h;
    cairo_move_to(ctx->cr, dx - lx, dy - ly);
    cairo_set_source_rgb(ctx->cr, font->r, font->g, font->b);
    pango_cairo_show_layout(ctx->cr, layout);
    if (ctx->svg_text)
        svg_text_add(ctx, font, text, dx - lx,
                     dy - ly + (double)pango_layout_get_baseline(layout) / PANGO_SCALE, w,
                     degrees);
    g_object_unref(layout);
    cairo_restore(ctx->cr);
}

/* ---- colours ---- */

/* Okabe and Ito's colour-blind-safe set, blue first; amber replaces their yellow, which
 * is too light on white. */
static const unsigned palette_rgb[] = {
    0x0072B2, /* blue */
    0xE69F00, /* orange */
    0x009E73, /* bluish green */
    0xCC79A7, /* reddish purple */
    0x56B4E9, /* sky blue */
    0xD55E00, /* vermillion */
    0xF5C710, /* amber */
    0x000000, /* black */
};
#define PALETTE_N ((int)(sizeof palette_rgb / sizeof palette_rgb[0]))

static void rgb_split(unsigned rgb, double *r, double *g, double *b)
{
    *r = ((rgb >> 16) & 0xff) / 255.0;
    *g = ((rgb >> 8) & 0xff) / 255.0;
    *b = (rgb & 0xff) / 255.0;
}

void chart_palette(int i, double *r, double *g, double *b)
{
    int round;
    if (i < 0)
        i = 0;
    rgb_split(palette_rgb[i % PALETTE_N], r, g, b);
    /* Past the eighth colour, the same set again, mixed towards white. */
    for (round = i / PALETTE_N; round > 0 && round < 4; round--) {
        *r += (1 - *r) * 0.4;
        *g += (1 - *g) * 0.4;
        *b += (1 - *b) * 0.4;
    }
}

void chart_palette_other(double *r, double *g, double *b)
{
    rgb_split(0xB3B3B3, r, g, b);
}

/* ColorBrewer "Blues", light to dark. */
static const unsigned sequential_rgb[] = {
    0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B,
};
#define SEQUENTIAL_N ((int)(sizeof sequential_rgb / sizeof sequential_rgb[0]))

void chart_sequential(double t, double *r, double *g, double *b)
{
    double pos, f, r1, g1, b1, r2, g2, b2;
    int i;
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    pos = t * (SEQUENTIAL_N - 1);
    i = (int)floor(pos);
    if (i >= SEQUENTIAL_N - 1)
        i = SEQUENTIAL_N - 2;
    f = pos - i;
    rgb_split(sequential_rgb[i], &r1, &g1, &b1);
    rgb_split(sequential_rgb[i + 1], &r2, &g2, &b2);
    *r = r1 + (r2 - r1) * f;
    *g = g1 + (g2 - g1) * f;
    *b = b1 + (b2 - b1) * f;
}
