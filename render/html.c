/* html.c: the report's index.html: one self-contained page (inline CSS and script, no
 * remote assets) with a table of contents, then per table its title, its chart drawn in the
 * page with a focusable area over each bar, cell or link that shows its value, and its rows
 * (the first as HTML, up to HTML_EMBED_ROWS as JSON data that render/report.js sorts,
 * filters and pages through), then the provenance of the data. Every piece of text is
 * escaped. */
#include "render/report_page.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HTML_SHOWN_ROWS 20              /* rows written as HTML per table (without script) */
#define HTML_EMBED_ROWS 50000           /* rows the page holds as data per table... */
#define HTML_EMBED_BYTES (8u << 20)     /* ...and at most about this many bytes of them */
#define HTML_CELL_CHARS 200             /* characters shown per cell */
#define HTML_MARK_MIN 4.0               /* points: the least width and height of a mark */
#define HTML_SHEET_ROWS (WORKBOOK_MAX_ROWS - 1)         /* data rows a sheet holds */

static const char html_style[] =
    "body{margin:0;background:#fff;color:#1f2328;line-height:1.5;"
    "font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\","
    "\"Helvetica Neue\",Arial,sans-serif}\n"
    "main{max-width:960px;margin:0 auto;padding:2rem 1.25rem 4rem}\n"
    "h1{font-size:1.9rem;line-height:1.25;margin:0 0 .25rem}\n"
    "h2{font-size:1.35rem;line-height:1.3;margin:2.5rem 0 .25rem;padding-top:1.25rem;"
    "border-top:1px solid #d0d7de}\n"
    "nav h2{border:0;margin-top:1.5rem;padding-top:0;font-size:1.1rem}\n"
    "nav ol{margin:.25rem 0;padding-left:1.5rem}\n"
    "a{color:#0a58ca}\n"
    ".generated,.subtitle,.more,figcaption{color:#57606a}\n"
    ".subtitle{margin:0 0 1rem}\n"
    ".more{font-size:.9rem;margin:.25rem 0 0}\n"
    "figure{margin:1rem 0}\n"
    "figure img{display:block;max-width:100%;height:auto;border:1px solid #eaeef2}\n"
    "figcaption{font-size:.85rem;margin-top:.25rem}\n"
    "table{border-collapse:collapse;font-size:.9rem;margin:.75rem 0;display:block;"
    "max-width:100%;overflow-x:auto}\n"
    "th,td{padding:.3rem .75rem;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #eaeef2}\n"
    "thead th{background:#f6f8fa;border-bottom:2px solid #8c959f;white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#f6f8fa}\n"
    "td{overflow-wrap:anywhere}\n"
    "th.num,td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "table.notes th{background:none;border-bottom:1px solid #eaeef2;font-weight:600}\n"
    "figure svg.chart{display:block;max-width:100%;height:auto;border:1px solid #eaeef2}\n"
    ".mark{fill:#000;fill-opacity:0;cursor:crosshair;outline:none}\n"
    ".mark:hover,.mark:focus{fill-opacity:.18;stroke:#1f2328;stroke-width:1.5}\n"
    "#tally-tooltip{position:absolute;z-index:10;pointer-events:none;background:#1f2328;"
    "color:#fff;font-size:.85rem;padding:.2rem .5rem;border-radius:4px;max-width:28rem}\n"
    ".controls{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;"
    "margin:.75rem 0 0;font-size:.9rem}\n"
    ".controls input{font:inherit;padding:.2rem .4rem;min-width:16rem}\n"
    ".status{color:#57606a}\n"
    "th button.sort{font:inherit;font-weight:600;background:none;border:0;padding:0;"
    "cursor:pointer;color:inherit}\n"
    "th[aria-sort=ascending] button.sort::after{content:\" \\25B2\"}\n"
    "th[aria-sort=descending] button.sort::after{content:\" \\25BC\"}\n"
    ".pager button{font:inherit;margin-right:.5rem}\n"
    "details.provenance{font-size:.9rem;margin:.5rem 0}\n";

static const char html_script[] =
#include "render/report_js.h"
    ;

/* Appends valid UTF-8 text escaped for HTML text and attributes, at most `max_chars`
 * characters (0 = all) with an ellipsis when cut. Control characters become their
 * visible Unicode pictures (U+2400...). */
static void html_escape(struct strbuf *sb, const char *text, size_t max_chars)
{
    if (!text)
        return;
    char *s = utf8_repair(text, strlen(text));
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && max_chars && ++chars > max_chars) {
            strbuf_addstr(sb, "\xe2\x80\xa6");
            break;
        }
        switch (*p) {
        case '&': strbuf_addstr(sb, "&amp;"); break;
        case '<': strbuf_addstr(sb, "&lt;"); break;
        case '>': strbuf_addstr(sb, "&gt;"); break;
        case '"': strbuf_addstr(sb, "&quot;"); break;
        case '\'': strbuf_addstr(sb, "&#39;"); break;
        case '\t':
        case '\n':
        case '\r':
            strbuf_addch(sb, ' ');
            break;
        default:
            if (*p < 0x20 || *p == 0x7F) {
                strbuf_addf(sb, "&#x%X;", 0x2400 + (*p == 0x7F ? 0x21 : *p));
            } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
                /* C1 controls are not allowed in HTML either. */
                strbuf_addstr(sb, "&#xFFFD;");
                p++;
            } else {
                strbuf_addch(sb, *p);
            }
        }
    }
    free(s);
}

/* A file name as a relative URL: unreserved bytes as they are, the rest %-encoded. */
static void html_url(struct strbuf *sb, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || strchr("-._~/", *p))
            strbuf_addch(sb, *p);
        else
            strbuf_addf(sb, "%%%02X", *p);
    }
}

/* An id for entry i: "t1-top-subnets". */
static void html_anchor(struct strbuf *sb, int i, const char *name)
{
    strbuf_addf(sb, "t%d", i + 1);
    if (!name || !*name)
        return;
    strbuf_addch(sb, '-');
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        strbuf_addch(sb, ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                          || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') ? *p : '-');
}

static int html_numeric(enum column_type type)
{
    return type == COLUMN_INTEGER || type == COLUMN_REAL;
}

/* A real with thousands separators and two decimals: 1234.5 -> "1,234.50". */
static void html_real(double v, char *out, size_t size)
{
    if (!isfinite(v)) {
        snprintf(out, size, "%s", isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    double r = round(fabs(v) * 100) / 100;
    double whole = floor(r);
    int cents = (int)lround((r - whole) * 100);
    if (cents == 100) {
        whole += 1;
        cents = 0;
    }
    char w[32];
    if (whole < 9e18)
        format_thousands((long long)whole, w, sizeof w);
    else
        snprintf(w, sizeof w, "%.0f", whole);
    snprintf(out, size, "%s%s.%02u", v < 0 && (whole > 0 || cents > 0) ? "-" : "", w,
             (unsigned)cents % 100u);
}

static void html_cell(struct strbuf *sb, const struct table *t, size_t r, int c)
{
    const struct cell *cell = table_cell(t, r, c);
    enum column_type type = t->cols[c].type;
    char buf[64];
    strbuf_addstr(sb, html_numeric(type) ? "<td class=\"num\">" : "<td>");
    if (cell && !cell->is_null) {
        switch (type) {
        case COLUMN_TEXT:
        case COLUMN_DATE:
        case COLUMN_MONTH:
        case COLUMN_WEEK:
            html_escape(sb, cell->v.text, HTML_CELL_CHARS);
            break;
        case COLUMN_INTEGER:
            if (column_is_identifier(&t->cols[c]))
                snprintf(buf, sizeof buf, "%lld", (long long)cell->v.integer);
            else
                format_thousands((long long)cell->v.integer, buf, sizeof buf);
            strbuf_addstr(sb, buf);
            break;
        case COLUMN_REAL:
            html_real(cell->v.real, buf, sizeof buf);
            strbuf_addstr(sb, buf);
            break;
        case COLUMN_TIMESTAMP: {
            time_t when = (time_t)cell->v.integer;
            struct tm tm;
            if (gmtime_r(&when, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm))
                strbuf_addstr(sb, buf);
            else
                strbuf_addf(sb, "%lld", (long long)cell->v.integer);
            break;
        }
        }
    }
    strbuf_addstr(sb, "</td>");
}

/* The first `max_rows` rows of t as an HTML table. */
static void html_table(struct strbuf *sb, const struct table *t, size_t max_rows)
{
    size_t n = t->nrows < max_rows ? t->nrows : max_rows;
    strbuf_addstr(sb, "<table>\n<thead><tr>");
    for (int c = 0; c < t->ncols; c++) {
        strbuf_addstr(sb, html_numeric(t->cols[c].type) ? "<th scope=\"col\" class=\"num\">"
                                                        : "<th scope=\"col\">");
        html_escape(sb, t->cols[c].name, 0);
        strbuf_addstr(sb, "</th>");
    }
    strbuf_addstr(sb, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; r < n; r++) {
        strbuf_addstr(sb, "<tr>");
        for (int c = 0; c < t->ncols; c++)
            html_cell(sb, t, r, c);
        strbuf_addstr(sb, "</tr>\n");
    }
    strbuf_addstr(sb, "</tbody>\n</table>\n");
}

/* Text as a JSON string that is safe inside a <script> element (no "<", ">" or "&"),
 * at most max_chars characters (0 = all) with an ellipsis when cut. */
static void json_string(struct strbuf *sb, const char *text, size_t max_chars)
{
    char *s = utf8_repair(text, strlen(text));
    size_t chars = 0;
    strbuf_addch(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && max_chars && ++chars > max_chars) {
            strbuf_addstr(sb, "\xe2\x80\xa6");
            break;
        }
        if (*p == '"' || *p == '\\')
            strbuf_addf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == 0x7F)
            strbuf_addf(sb, "\\u%04x", *p);
        else
            strbuf_addch(sb, *p);
    }
    strbuf_addch(sb, '"');
    free(s);
}

/* How report.js shows a column: "id", "int", "real", "time" or "text". */
static const char *json_kind(const struct column *col)
{
    switch (col->type) {
    case COLUMN_INTEGER: return column_is_identifier(col) ? "id" : "int";
    case COLUMN_REAL: return "real";
    case COLUMN_TIMESTAMP: return "time";
    default: return "text";
    }
}

/* t's columns and first rows as JSON, {"cols":[{"name","kind"}...],"rows":[[...]...]}:
 * at most HTML_EMBED_ROWS rows and about HTML_EMBED_BYTES bytes. Returns the rows
 * written. */
static size_t json_rows(struct strbuf *sb, const struct table *t)
{
    size_t start = sb->len, r;
    strbuf_addstr(sb, "{\"cols\":[");
    for (int c = 0; c < t->ncols; c++) {
        strbuf_addstr(sb, c ? ",{\"name\":" : "{\"name\":");
        json_string(sb, t->cols[c].name, 0);
        strbuf_addf(sb, ",\"kind\":\"%s\"}", json_kind(&t->cols[c]));
    }
    strbuf_addstr(sb, "],\"rows\":[\n");
    for (r = 0; r < t->nrows && r < HTML_EMBED_ROWS && sb->len - start < HTML_EMBED_BYTES;
         r++) {
        strbuf_addstr(sb, r ? ",\n[" : "[");
        for (int c = 0; c < t->ncols; c++) {
            const struct cell *cell = table_cell(t, r, c);
            if (c)
                strbuf_addch(sb, ',');
            if (!cell || cell->is_null)
                strbuf_addstr(sb, "null");
            else if (column_is_text(&t->cols[c]))
                json_string(sb, cell->v.text ? cell->v.text : "", HTML_CELL_CHARS);
            else if (t->cols[c].type == COLUMN_REAL)
                isfinite(cell->v.real) ? strbuf_addf(sb, "%.15g", cell->v.real)
                                       : strbuf_addstr(sb, "null");
            else
                strbuf_addf(sb, "%lld", (long long)cell->v.integer);
        }
        strbuf_addch(sb, ']');
    }
    strbuf_addstr(sb, "]}");
    return r;
}

/* The chart's SVG drawn into the page: its ids made unique to chart i (every chart's
 * glyphs are named alike), sized by its viewBox, with a layer of transparent, focusable
 * marks over what it drew, each labelled with its value. Only the first mark is in the
 * tab order; arrow keys move between them (report.js). */
static void html_inline_svg(struct strbuf *sb, int i, const char *svg,
                            const struct chart_marks *marks, const char *title)
{
    const char *open = strstr(svg, "<svg"), *open_end = open ? strchr(open, '>') : NULL;
    const char *close = NULL, *q, *view;
    double vw = 800, vh = 500;
    if (!open_end)
        return;
    for (q = open; (q = strstr(q, "</svg>")); q++)
        close = q;
    if (!close)
        return;
    view = strstr(open, "viewBox=\"");
    if (view && view < open_end)
        sscanf(view, "viewBox=\"%*f %*f %lf %lf", &vw, &vh);
    strbuf_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "xmlns:xlink=\"http://www.w3.org/1999/xlink\" class=\"chart\" "
                    "viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"group\" "
                    "aria-label=\"Chart: ", vw, vh, vw, vh);
    html_escape(sb, title, 0);
    strbuf_addstr(sb, "\">");
    for (q = open_end + 1; q < close;) {
        static const char *const refs[] = { "id=\"", "href=\"#", "url(#" };
        size_t k;
        for (k = 0; k < sizeof refs / sizeof *refs; k++)
            if (strncmp(q, refs[k], strlen(refs[k])) == 0)
                break;
        if (k < sizeof refs / sizeof *refs) {
            strbuf_addf(sb, "%sc%d-", refs[k], i + 1);
            q += strlen(refs[k]);
        } else {
            strbuf_addch(sb, *q++);
        }
    }
    strbuf_addstr(sb, "<g class=\"marks\">\n");
    for (size_t m = 0; marks && m < marks->n; m++) {
        const struct chart_mark *mk = &marks->v[m];
        char value[64];
        chart_format_value(mk->value, value, sizeof value);
        /* A box too thin to point at gets a few points around it. */
        double x = mk->box.x, y = mk->box.y, w = mk->box.w, h = mk->box.h;
        if (w < HTML_MARK_MIN) {
            x -= (HTML_MARK_MIN - w) / 2;
            w = HTML_MARK_MIN;
        }
        if (h < HTML_MARK_MIN) {
            y -= (HTML_MARK_MIN - h) / 2;
            h = HTML_MARK_MIN;
        }
        if (mk->path)
            strbuf_addf(sb, "<path class=\"mark\" d=\"%s\"", mk->path);
        else
            strbuf_addf(sb, "<rect class=\"mark\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                            "height=\"%.2f\"", x, y, w, h);
        strbuf_addf(sb, " tabindex=\"%d\" role=\"img\" data-value=\"%.15g\" aria-label=\"",
                    m == 0 ? 0 : -1, mk->value);
        html_escape(sb, mk->label, HTML_CELL_CHARS);
        strbuf_addf(sb, ": %s\"/>\n", value);
    }
    strbuf_addstr(sb, "</g>\n</svg>\n");
}

/* Width and height of the PNG at path, from its IHDR chunk; 0 when unreadable. */
static int html_png_size(const char *path, unsigned *w, unsigned *h)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t got = fread(b, 1, sizeof b, f);
    fclose(f);
    if (got < sizeof b || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return 0;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    return *w > 0 && *h > 0 && *w < 100000 && *h < 100000;
}

/* `name` beside the file at `path`: "DIR/name". */
static char *html_beside(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    if (name[0] == '/' || !slash)
        return xstrdup(name);
    return xasprintf("%.*s/%s", (int)(slash - path), path, name);
}

static int html_file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static void html_figure(struct strbuf *sb, const char *path, const struct table *t,
                        const char *image)
{
    char *file = html_beside(path, image);
    unsigned w, h;
    strbuf_addstr(sb, "<figure>\n<img src=\"");
    html_url(sb, image);
    strbuf_addstr(sb, "\" alt=\"Chart: ");
    html_escape(sb, t->title && *t->title ? t->title : t->name, 0);
    strbuf_addch(sb, '"');
    if (html_png_size(file, &w, &h)) {
        /* Charts are drawn at twice their size for sharp display on dense screens. */
        strbuf_addf(sb, " width=\"%u\" height=\"%u\"", (w + 1) / 2, (h + 1) / 2);
    }
    strbuf_addstr(sb, ">\n<figcaption>Download: <a href=\"");
    html_url(sb, image);
    strbuf_addstr(sb, "\">");
    html_escape(sb, image, 0);
    strbuf_addstr(sb, "</a>");
    /* The vector version, when the report has one beside the PNG. */
    size_t len = strlen(image);
    if (len > 4 && strcmp(image + len - 4, ".png") == 0) {
        char *svg = xasprintf("%.*s.svg", (int)(len - 4), image);
        char *svg_file = html_beside(path, svg);
        if (html_file_exists(svg_file)) {
            strbuf_addstr(sb, " &middot; <a href=\"");
            html_url(sb, svg);
            strbuf_addstr(sb, "\">");
            html_escape(sb, svg, 0);
            strbuf_addstr(sb, "</a>");
        }
        free(svg_file);
        free(svg);
    }
    strbuf_addstr(sb, "</figcaption>\n</figure>\n");
    free(file);
}

/* A chart drawn in the page, with links to its files. */
static void html_chart(struct strbuf *sb, const struct report_part *part, int i)
{
    const struct table *t = part->table;
    strbuf_addstr(sb, "<figure>\n");
    html_inline_svg(sb, i, part->svg, part->marks, t->title && *t->title ? t->title : t->name);
    strbuf_addstr(sb, "<figcaption>");
    if (part->marks && part->marks->n)
        strbuf_addstr(sb, "Point at a bar, cell or link, or tab to the chart and use the "
                          "arrow keys, to read its value. ");
    if (part->marks && part->marks->dropped) {
        char a[32];
        format_thousands((long long)CHART_MAX_MARKS, a, sizeof a);
        strbuf_addf(sb, "(The first %s marks show theirs.) ", a);
    }
    strbuf_addstr(sb, "Download:");
    if (part->image) {
        size_t len = strlen(part->image);
        strbuf_addstr(sb, " <a href=\"");
        html_url(sb, part->image);
        strbuf_addstr(sb, "\">");
        html_escape(sb, part->image, 0);
        strbuf_addstr(sb, "</a>");
        if (len > 4 && strcmp(part->image + len - 4, ".png") == 0) {
            char *svg = xasprintf("%.*s.svg", (int)(len - 4), part->image);
            strbuf_addstr(sb, " &middot; <a href=\"");
            html_url(sb, svg);
            strbuf_addstr(sb, "\">");
            html_escape(sb, svg, 0);
            strbuf_addstr(sb, "</a>");
            free(svg);
        }
    }
    strbuf_addstr(sb, "</figcaption>\n</figure>\n");
}

static void html_notes(struct strbuf *sb, const struct table *t)
{
    char buf[64];
    if (t->nnotes <= 0)
        return;
    strbuf_addstr(sb, "<table class=\"notes\">\n<tbody>\n");
    for (int i = 0; i < t->nnotes && i < TABLE_MAX_NOTES; i++) {
        double v = t->note_value[i];
        if (v == floor(v) && fabs(v) < 1e15)
            format_thousands((long long)v, buf, sizeof buf);
        else
            html_real(v, buf, sizeof buf);
        strbuf_addstr(sb, "<tr><th scope=\"row\">");
        html_escape(sb, t->note_key[i], 0);
        strbuf_addf(sb, "</th><td class=\"num\">%s</td></tr>\n", buf);
    }
    strbuf_addstr(sb, "</tbody>\n</table>\n");
}

/* t's rows: the first HTML_SHOWN_ROWS as HTML (what shows without script), the rest
 * the page holds as JSON data beside them for report.js, and where the others are. */
static void html_rows(struct strbuf *sb, const struct table *t, const char *id,
                      const char *sheet)
{
    struct strbuf json;
    char a[32], b[32], c[32];
    strbuf_init(&json);
    size_t embedded = json_rows(&json, t);

    strbuf_addf(sb, "<div class=\"rows\" data-rows=\"%s\">\n", id);
    html_table(sb, t, HTML_SHOWN_ROWS);
    strbuf_addstr(sb, "</div>\n");
    if (t->nrows > HTML_SHOWN_ROWS) {
        /* The sheet holds as many rows as Excel allows; past that the page says how
         * many are in no sheet. */
        size_t in_sheet = t->nrows < HTML_SHEET_ROWS ? t->nrows : HTML_SHEET_ROWS;
        format_thousands((long long)t->nrows, a, sizeof a);
        format_thousands((long long)embedded, b, sizeof b);
        if (embedded == t->nrows)
            strbuf_addf(sb, "<p class=\"more\">All %s rows are in this page", a);
        else
            strbuf_addf(sb, "<p class=\"more\">The first %s of %s rows are in this page", b,
                        a);
        if (in_sheet < t->nrows) {
            format_thousands((long long)in_sheet, b, sizeof b);
            strbuf_addf(sb, "; the first %s in report.xlsx (sheet ", b);
            html_escape(sb, sheet, 0);
            format_thousands((long long)(t->nrows - in_sheet), b, sizeof b);
            format_thousands((long long)WORKBOOK_MAX_ROWS, c, sizeof c);
            strbuf_addf(sb, "): the last %s rows are left out, as a sheet holds %s rows.</p>\n",
                        b, c);
        } else {
            strbuf_addstr(sb, "; every row is in report.xlsx (sheet ");
            html_escape(sb, sheet, 0);
            strbuf_addstr(sb, ").</p>\n");
        }
    } else if (t->nrows == 0) {
        strbuf_addstr(sb, "<p class=\"more\">No rows.</p>\n");
    }
    if (t->truncated)
        strbuf_addstr(sb, "<p class=\"more\">Not every row is shown: the analysis left some "
                          "out.</p>\n");
    strbuf_addf(sb, "<script type=\"application/json\" id=\"%s\">", id);
    strbuf_add(sb, json.buf, json.len);
    strbuf_addstr(sb, "</script>\n");
    strbuf_release(&json);
}

/* The imports a table was made from, named in a line that opens onto their rows. */
static void html_provenance(struct strbuf *sb, const struct table *p, int i)
{
    char buf[64];
    strbuf_addstr(sb, "<details class=\"provenance\">\n<summary>");
    if (p->nrows == 0) {
        strbuf_addstr(sb, "Made from no import");
    } else {
        strbuf_addf(sb, "Made from %zu %s: ", p->nrows, p->nrows == 1 ? "import" : "imports");
        for (size_t r = 0; r < p->nrows && r < 3; r++) {
            const char *path = table_text(p, r, 1, buf, sizeof buf);
            const char *base = strrchr(path, '/');
            if (r)
                strbuf_addstr(sb, ", ");
            html_escape(sb, base ? base + 1 : path, 0);
        }
        if (p->nrows > 3)
            strbuf_addstr(sb, ", \xe2\x80\xa6");
    }
    strbuf_addstr(sb, "</summary>\n");
    snprintf(buf, sizeof buf, "rows-%d-sources", i + 1);
    html_rows(sb, p, buf, "Sources");
    strbuf_addstr(sb, "</details>\n");
}

static void html_entry(struct strbuf *sb, const char *path, const struct report_part *e, int i)
{
    const struct table *t = e->table;
    char id[32];
    strbuf_addstr(sb, "<section id=\"");
    html_anchor(sb, i, t->name);
    strbuf_addstr(sb, "\">\n<h2>");
    html_escape(sb, t->title && *t->title ? t->title : t->name, 0);
    strbuf_addstr(sb, "</h2>\n");
    if (t->subtitle && *t->subtitle) {
        strbuf_addstr(sb, "<p class=\"subtitle\">");
        html_escape(sb, t->subtitle, 0);
        strbuf_addstr(sb, "</p>\n");
    }
    if (e->svg)
        html_chart(sb, e, i);
    else if (e->image && *e->image)
        html_figure(sb, path, t, e->image);
    html_notes(sb, t);
    snprintf(id, sizeof id, "rows-%d", i + 1);
    html_rows(sb, t, id, t->name);
    if (e->provenance)
        html_provenance(sb, e->provenance, i);
    strbuf_addstr(sb, "</section>\n");
}

/* The page being written: its sections go to a temporary file beside it as they are added
 * (the tables they show may then be freed), and the header and contents, which name them
 * all, are written before them when the page is finished. */
struct report_page {
    char *path;
    char *title;
    FILE *sections;             /* unlinked already: nothing is left behind */
    struct strbuf contents;     /* the <li> of each section */
    struct strbuf section;      /* the one being added */
    int added, shown, cut;
};

static enum tally_error page_io_error(const char *path, struct tally_diag *diag)
{
    int error = errno;
    snprintf(diag->file, sizeof(diag->file), "%s", path);
    return diag_set(diag, TALLY_ERROR_IO, "cannot write: %s", strerror(error));
}

enum tally_error report_page_begin(const char *path, const char *title,
                                   struct report_page **out, struct tally_diag *diag)
{
    char *temp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(temp);
    FILE *sections = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (fd >= 0)
        unlink(temp);
    free(temp);
    *out = NULL;
    if (!sections) {
        enum tally_error err = page_io_error(path, diag);
        if (fd >= 0)
            close(fd);
        return err;
    }
    struct report_page *page = xcalloc(1, sizeof(*page));
    page->path = xstrdup(path);
    page->title = xstrdup(title && *title ? title : "tally report");
    page->sections = sections;
    strbuf_init(&page->contents);
    strbuf_init(&page->section);
    *out = page;
    return TALLY_OK;
}

enum tally_error report_page_add(struct report_page *page, const struct report_part *part,
                                 struct tally_diag *diag)
{
    const struct table *t = part->table;
    int i = page->added++;
    if (!t)
        return TALLY_OK;
    page->shown++;
    page->cut |= t->nrows > HTML_SHEET_ROWS;
    strbuf_addstr(&page->contents, "<li><a href=\"#");
    html_anchor(&page->contents, i, t->name);
    strbuf_addstr(&page->contents, "\">");
    html_escape(&page->contents, t->title && *t->title ? t->title : t->name, 0);
    strbuf_addstr(&page->contents, "</a></li>\n");
    strbuf_reset(&page->section);
    html_entry(&page->section, page->path, part, i);
    if (fwrite(page->section.buf, 1, page->section.len, page->sections) != page->section.len)
        return page_io_error(page->path, diag);
    return TALLY_OK;
}

/* The sections written so far, copied to f. */
static int copy_sections(FILE *sections, FILE *f)
{
    char buf[65536];
    size_t n;
    if (fflush(sections) != 0 || fseek(sections, 0, SEEK_SET) != 0)
        return 0;
    while ((n = fread(buf, 1, sizeof(buf), sections)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            return 0;
    return !ferror(sections);
}

static void report_page_free(struct report_page *page)
{
    fclose(page->sections);
    strbuf_release(&page->contents);
    strbuf_release(&page->section);
    free(page->title);
    free(page->path);
    free(page);
}

enum tally_error report_page_finish(struct report_page *page, const struct table *sources,
                                    int keep, struct tally_diag *diag)
{
    enum tally_error rc = TALLY_OK;
    struct strbuf sb;
    FILE *f = NULL;

    if (!page)
        return TALLY_OK;
    if (!keep) {
        report_page_free(page);
        return TALLY_OK;
    }
    strbuf_init(&sb);
    strbuf_addstr(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta name=\"generator\" content=\"tally\">\n<title>");
    html_escape(&sb, page->title, 0);
    strbuf_addf(&sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>",
                html_style);
    html_escape(&sb, page->title, 0);
    strbuf_addf(&sb, "</h1>\n<p class=\"generated\">Generated by tally: %d %s; %s "
                     "<a href=\"report.xlsx\">report.xlsx</a>%s.</p>\n</header>\n",
                page->shown, page->shown == 1 ? "analysis" : "analyses",
                page->cut ? "the rows are in" : "every row is in",
                page->cut ? ", as many as a sheet holds" : "");
    strbuf_addstr(&sb, "<nav>\n<h2>Contents</h2>\n<ol>\n");
    strbuf_add(&sb, page->contents.buf, page->contents.len);
    if (sources)
        strbuf_addstr(&sb, "<li><a href=\"#sources\">Sources</a></li>\n");
    strbuf_addstr(&sb, "</ol>\n</nav>\n");

    f = fopen(page->path, "w");
    if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len || !copy_sections(page->sections, f)) {
        rc = page_io_error(page->path, diag);
        goto done;
    }
    strbuf_reset(&sb);
    if (sources) {
        strbuf_addstr(&sb, "<section id=\"sources\">\n<h2>Sources</h2>\n"
                           "<p class=\"subtitle\">The files this report was made from.</p>\n");
        html_rows(&sb, sources, "rows-sources", "Sources");
        strbuf_addstr(&sb, "</section>\n");
    }
    strbuf_addf(&sb, "</main>\n<script>\n%s</script>\n</body>\n</html>\n", html_script);
    if (fwrite(sb.buf, 1, sb.len, f) != sb.len || fflush(f) != 0)
        rc = page_io_error(page->path, diag);
done:
    if (f && fclose(f) != 0 && rc == TALLY_OK)
        rc = page_io_error(page->path, diag);
    strbuf_release(&sb);
    report_page_free(page);
    return rc;
}

enum tally_error report_page_write(const char *path, const char *title,
                                   const struct report_part *entries, int n,
                                   const struct table *sources, struct tally_diag *diag)
{
    struct report_page *page;
    enum tally_error err = report_page_begin(path, title, &page, diag);
    for (int i = 0; i < n && !err; i++)
        err = report_page_add(page, &entries[i], diag);
    enum tally_error end = report_page_finish(page, sources, !err, diag);
    return err ? err : end;
}

enum tally_error report_write_html(const char *path, const char *title,
                                   const struct report_entry *entries, int n,
                                   const struct table *sources, struct tally_diag *diag)
{
    struct report_part *parts = xcalloc((size_t)n + 1, sizeof *parts);
    for (int i = 0; i < n; i++) {
        parts[i].table = entries[i].table;
        parts[i].image = entries[i].image;
    }
    enum tally_error err = report_page_write(path, title, parts, n, sources, diag);
    free(parts);
    return err;
}
