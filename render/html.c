/* html.c: the report's index.html: one self-contained page (inline CSS, no scripts, no
 * remote assets) with a table of contents, then per table its title, chart image and first
 * rows (with how many more are in report.xlsx, and how many fit in no sheet), then the
 * provenance of the data. Every piece of text is escaped. */
#include "render/render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTML_SHOWN_ROWS 20              /* rows shown per table; the rest are in report.xlsx */
#define HTML_SOURCE_ROWS 500            /* provenance rows shown */
#define HTML_CELL_CHARS 200             /* characters shown per cell */
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
    "table.notes th{background:none;border-bottom:1px solid #eaeef2;font-weight:600}\n";

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

static void html_entry(struct strbuf *sb, const char *path, const struct report_entry *e, int i)
{
    const struct table *t = e->table;
    char a[32];
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
    if (e->image && *e->image)
        html_figure(sb, path, t, e->image);
    html_notes(sb, t);
    html_table(sb, t, HTML_SHOWN_ROWS);
    if (t->nrows > HTML_SHOWN_ROWS) {
        /* The sheet holds as many rows as Excel allows; past that the page says how
         * many are in no sheet. */
        size_t in_sheet = t->nrows < HTML_SHEET_ROWS ? t->nrows : HTML_SHEET_ROWS;
        format_thousands((long long)(in_sheet - HTML_SHOWN_ROWS), a, sizeof a);
        strbuf_addf(sb, "<p class=\"more\">%s more %s in report.xlsx (sheet ", a,
                    in_sheet - HTML_SHOWN_ROWS == 1 ? "row" : "rows");
        html_escape(sb, t->name, 0);
        if (in_sheet < t->nrows) {
            char b[32], c[32];
            format_thousands((long long)(t->nrows - in_sheet), b, sizeof b);
            format_thousands((long long)WORKBOOK_MAX_ROWS, c, sizeof c);
            strbuf_addf(sb, "); the last %s rows are left out, as a sheet holds %s rows.</p>\n",
                        b, c);
        } else {
            strbuf_addstr(sb, ").</p>\n");
        }
    } else if (t->nrows == 0) {
        strbuf_addstr(sb, "<p class=\"more\">No rows.</p>\n");
    }
    if (t->truncated)
        strbuf_addstr(sb, "<p class=\"more\">Not every row is shown: the analysis left some "
                          "out.</p>\n");
    strbuf_addstr(sb, "</section>\n");
}

enum tally_error report_write_html(const char *path, const char *title,
                                   const struct report_entry *entries, int n,
                                   const struct table *sources, struct tally_diag *diag)
{
    enum tally_error rc = TALLY_OK;
    struct strbuf sb;
    FILE *f = NULL;
    int shown = 0, cut = 0;

    strbuf_init(&sb);
    if (!title || !*title)
        title = "tally report";
    for (int i = 0; i < n; i++)
        if (entries[i].table) {
            shown++;
            cut |= entries[i].table->nrows > HTML_SHEET_ROWS;
        }
    strbuf_addstr(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta name=\"generator\" content=\"tally\">\n<title>");
    html_escape(&sb, title, 0);
    strbuf_addf(&sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>",
                html_style);
    html_escape(&sb, title, 0);
    strbuf_addf(&sb, "</h1>\n<p class=\"generated\">Generated by tally: %d %s; %s "
                     "<a href=\"report.xlsx\">report.xlsx</a>%s.</p>\n</header>\n",
                shown, shown == 1 ? "analysis" : "analyses",
                cut ? "the rows are in" : "every row is in",
                cut ? ", as many as a sheet holds" : "");

    strbuf_addstr(&sb, "<nav>\n<h2>Contents</h2>\n<ol>\n");
    for (int i = 0; i < n; i++) {
        const struct table *t = entries[i].table;
        if (!t)
            continue;
        strbuf_addstr(&sb, "<li><a href=\"#");
        html_anchor(&sb, i, t->name);
        strbuf_addstr(&sb, "\">");
        html_escape(&sb, t->title && *t->title ? t->title : t->name, 0);
        strbuf_addstr(&sb, "</a></li>\n");
    }
    if (sources)
        strbuf_addstr(&sb, "<li><a href=\"#sources\">Sources</a></li>\n");
    strbuf_addstr(&sb, "</ol>\n</nav>\n");

    for (int i = 0; i < n; i++)
        if (entries[i].table)
            html_entry(&sb, path, &entries[i], i);

    if (sources) {
        strbuf_addstr(&sb, "<section id=\"sources\">\n<h2>Sources</h2>\n"
                           "<p class=\"subtitle\">The files this report was made from.</p>\n");
        html_table(&sb, sources, HTML_SOURCE_ROWS);
        if (sources->nrows > HTML_SOURCE_ROWS) {
            char a[32];
            format_thousands((long long)(sources->nrows - HTML_SOURCE_ROWS), a, sizeof a);
            strbuf_addf(&sb, "<p class=\"more\">%s more in report.xlsx (sheet Sources).</p>\n",
                        a);
        }
        strbuf_addstr(&sb, "</section>\n");
    }
    strbuf_addstr(&sb, "</main>\n</body>\n</html>\n");

    f = fopen(path, "w");
    if (!f) {
        rc = diag_set(diag, TALLY_ERROR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (fwrite(sb.buf, 1, sb.len, f) != sb.len || fflush(f) != 0) {
        rc = diag_set(diag, TALLY_ERROR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
done:
    if (f && fclose(f) != 0 && rc == TALLY_OK)
        rc = diag_set(diag, TALLY_ERROR_IO, "%s: %s", path, strerror(errno));
    strbuf_release(&sb);
    return rc;
}
