/* workbook.c: writes tables as an XLSX workbook through libxlsxwriter: one sheet per table
 * (bold frozen header, autofilter, widths from the content, number formats from the column
 * types) with a native Excel chart beside the data where Excel has the kind and the
 * rendered PNG where it has not or would lose part of the chart (chart_kind_excel()),
 * after the Summary and Sources sheets, so the workbook opens on the Summary.
 *
 * Sheet layout: row 1 is the header (the CSV column names), the data follows. One empty
 * column to the right starts the side panel: title, subtitle, notes, then the chart. Charts
 * over category x series data read a pivoted copy ("chart data") written in the panel
 * below the chart, on the same sheet.
 *
 * A workbook of many rows is written in libxlsxwriter's constant-memory mode: each row
 * goes to a temporary file as soon as the next one starts (strings inline, not shared),
 * so rows must come in order. The panel is therefore prepared first and its cells kept
 * until the data rows reach them. */
#include "render/chart_internal.h"
#include "render/render.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define WB_MAX_ROWS WORKBOOK_MAX_ROWS
#define WB_MAX_TEXT 32767               /* characters (UTF-16 units) in an Excel cell */
#define WB_MAX_WIDTH 60.0               /* column width cap, in characters */
#define WB_MIN_WIDTH 6.0
#define WB_CHART_POINTS 4000            /* categories a native chart plots at most */
#define WB_LABELLED_POINTS 40           /* bars that get their value printed at most */
#define WB_MAX_SERIES 12                /* series a native chart plots at most */
#define WB_CHART_SCALE 1.5              /* of Excel's 480 x 288 pixel default chart */
#define WB_CHART_ROWS 23                /* rows the chart covers, with a margin */
#define WB_IMAGE_WIDTH 800.0            /* pixels an inserted PNG is shown at */
#define WB_ROW_PIXELS 20.0
#define WB_DEFAULT_CREATED 946684800    /* 2000-01-01T00:00:00Z */
/* Excel's date range as unix seconds: 1900-01-01 to 9999-12-31 23:59:59. */
#define WB_EXCEL_FIRST_TIME (-2208988800LL)
#define WB_EXCEL_LAST_TIME 253402300799LL
/* Rows (over every sheet) past which a workbook is written in constant memory. */
#define WB_STREAM_ROWS 65536

struct wb_formats {
    lxw_format *header, *integer, *plain, *real, *timestamp, *date, *month;
    lxw_format *title, *subtitle, *note_key;
};

/* One sheet being written: where, with which formats, and the widths its columns need. */
struct wb_sheet {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    const char *name;
    const struct wb_formats *fmt;
    lxw_error err;              /* the first libxlsxwriter error, or LXW_NO_ERROR */
    double *width;              /* characters wanted per column */
    int nwidth;
    int panel_col;              /* first column of the side panel */
    lxw_row_t panel_row;        /* next free row of the panel */
    int deferring;              /* cells go into `kept` instead of the sheet */
    int in_order;               /* constant memory: cells must be written row by row */
    GArray *kept;               /* struct wb_cell: the panel, until its rows come */
    guint flushed;              /* kept cells already written */
};

/* One cell kept for later: text (already fit for a cell, owned), a number, an Excel date
 * or unix seconds. */
enum wb_kind { WB_STRING, WB_NUMBER, WB_DATE, WB_SECONDS };
struct wb_cell {
    lxw_row_t row;
    lxw_col_t col;
    enum wb_kind kind;
    lxw_format *format;
    char *text;
    double number;
    lxw_datetime date;
    int64_t seconds;
};

/* Memory handed to libxlsxwriter that must live until workbook_close(). */
struct wb_keep {
    GPtrArray *blocks;
};

static void wb_check(struct wb_sheet *s, lxw_error e)
{
    if (e != LXW_NO_ERROR && s->err == LXW_NO_ERROR)
        s->err = e;
}

static void wb_need_width(struct wb_sheet *s, int col, double chars)
{
    if (col < 0 || col >= LXW_COL_MAX)
        return;
    if (col >= s->nwidth) {
        int n = col + 16;
        s->width = xrealloc(s->width, (size_t)n * sizeof *s->width);
        for (int i = s->nwidth; i < n; i++)
            s->width[i] = 0;
        s->nwidth = n;
    }
    if (chars > s->width[col])
        s->width[col] = chars;
}

/* Characters in valid UTF-8 text, as Excel counts them for widths. */
static size_t wb_char_count(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* Valid UTF-8 copy of text that fits one Excel cell: control characters other than tab
 * and line breaks shown as their Unicode pictures (U+2401...), at most WB_MAX_TEXT UTF-16
 * units, ending in an ellipsis when cut. */
static char *wb_cell_text(const char *text)
{
    char *s = utf8_repair(text, strlen(text));
    struct strbuf sb;
    strbuf_init(&sb);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F) {
            unsigned pic = 0x2400 + (*p == 0x7F ? 0x21 : *p);
            strbuf_addch(&sb, (char)(0xE0 | (pic >> 12)));
            strbuf_addch(&sb, (char)(0x80 | ((pic >> 6) & 0x3F)));
            strbuf_addch(&sb, (char)(0x80 | (pic & 0x3F)));
        } else {
            strbuf_addch(&sb, (char)*p);
        }
    }
    free(s);
    s = strbuf_detach(&sb);
    size_t units = 0, keep = 0;         /* keep: bytes that fit beside an ellipsis */
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80)
            continue;
        units += c >= 0xF0 ? 2 : 1;
        if (units <= WB_MAX_TEXT - 1)
            keep = i + 1;
        else if (units > WB_MAX_TEXT)
            break;
    }
    if (units > WB_MAX_TEXT) {
        while ((s[keep] & 0xC0) == 0x80)
            keep++;
        s[keep] = '\0';
        char *cut = xasprintf("%s\xe2\x80\xa6", s);
        free(s);
        return cut;
    }
    return s;
}

/* Text for a chart title or axis name: libxlsxwriter reads a leading '=' as a cell
 * reference, so such text gets a leading space. */
static char *wb_chart_text(const char *text)
{
    char *s = wb_cell_text(text);
    if (s[0] == '=') {
        char *spaced = xasprintf(" %s", s);
        free(s);
        return spaced;
    }
    return s;
}

/* Writes the cell into the sheet, and frees its text. */
static void wb_emit(struct wb_sheet *s, struct wb_cell *c)
{
    switch (c->kind) {
    case WB_STRING:
        wb_check(s, worksheet_write_string(s->ws, c->row, c->col, c->text, c->format));
        break;
    case WB_NUMBER:
        wb_check(s, worksheet_write_number(s->ws, c->row, c->col, c->number, c->format));
        break;
    case WB_DATE:
        wb_check(s, worksheet_write_datetime(s->ws, c->row, c->col, &c->date, c->format));
        break;
    case WB_SECONDS:
        wb_check(s, worksheet_write_unixtime(s->ws, c->row, c->col, c->seconds, c->format));
        break;
    }
    free(c->text);
    c->text = NULL;
}

/* Writes the cell now, or keeps it while the panel is being prepared. */
static void wb_put(struct wb_sheet *s, struct wb_cell c)
{
    if (s->deferring)
        g_array_append_val(s->kept, c);
    else
        wb_emit(s, &c);
}

/* Writes the kept cells of the rows before `row` (every one with LXW_ROW_MAX). */
static void wb_flush_kept(struct wb_sheet *s, lxw_row_t row)
{
    while (s->flushed < s->kept->len) {
        struct wb_cell *c = &g_array_index(s->kept, struct wb_cell, s->flushed);
        if (c->row >= row)
            break;
        wb_emit(s, c);
        s->flushed++;
    }
}

/* Whether wb_cell_text() would return the text unchanged: printable ASCII (tabs and line
 * breaks too) short enough for a cell. */
static int wb_plain_text(const char *text)
{
    size_t i = 0;
    for (; text[i]; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7F)
            return 0;
    }
    return i < WB_MAX_TEXT;
}

static void wb_write_text(struct wb_sheet *s, lxw_row_t row, int col, const char *text,
                          lxw_format *format, int measure)
{
    if (!s->deferring && wb_plain_text(text)) {
        /* The common case, without a copy: every character is one byte. */
        wb_check(s, worksheet_write_string(s->ws, row, (lxw_col_t)col, text, format));
        if (measure)
            wb_need_width(s, col, (double)strlen(text) + 1);
        return;
    }
    char *cell = wb_cell_text(text);
    if (measure)
        wb_need_width(s, col, (double)wb_char_count(cell) + 1);
    wb_put(s, (struct wb_cell){ .row = row, .col = (lxw_col_t)col, .kind = WB_STRING,
                                .format = format, .text = cell });
}

/* Writes a number (Excel has no NaN or infinity: those are said in words) and notes the
 * width it needs with thousands separators and `decimals` decimals. */
static void wb_write_number(struct wb_sheet *s, lxw_row_t row, int col, double value,
                            lxw_format *format, int decimals)
{
    char buf[64];
    if (!isfinite(value)) {
        wb_write_text(s, row, col, isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity",
                      NULL, 1);
        return;
    }
    wb_put(s, (struct wb_cell){ .row = row, .col = (lxw_col_t)col, .kind = WB_NUMBER,
                                .format = format, .number = value });
    if (fabs(value) < 1e15)
        format_thousands((long long)fabs(value), buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "%.6g", value);
    wb_need_width(s, col, (double)strlen(buf) + (value < 0) + (decimals ? decimals + 1 : 0) + 1);
}

/* The text of a date or month column's cell as an Excel date, so that it sorts, filters
 * and adds up as one: an ISO date (YYYY-MM-DD) or month (YYYY-MM) from 1900 on. Returns
 * whether text is such a date, with *is_month. */
static int wb_iso_date(const char *text, lxw_datetime *dt, int *is_month)
{
    size_t len = strlen(text);
    if (len != 7 && len != 10)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((i == 4 || i == 7) ? text[i] != '-' : !isdigit((unsigned char)text[i]))
            return 0;
    int year = atoi(text), month = atoi(text + 5), day = len == 10 ? atoi(text + 8) : 1;
    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1900 || month < 1 || month > 12 || day < 1 || day > days[month - 1] ||
        (month == 2 && day == 29 && !leap))
        return 0;
    *dt = (lxw_datetime){ .year = year, .month = month, .day = day };
    *is_month = len == 7;
    return 1;
}

/* Writes one table cell at (row, col); NULL cells stay empty. */
static void wb_write_cell(struct wb_sheet *s, lxw_row_t row, int col, const struct table *t,
                          size_t r, int c)
{
    const struct cell *cell = table_cell(t, r, c);
    char buf[64];
    if (!cell || cell->is_null)
        return;
    lxw_datetime date;
    int is_month;
    switch (t->cols[c].type) {
    case COLUMN_DATE:
    case COLUMN_MONTH:
        if (cell->v.text && wb_iso_date(cell->v.text, &date, &is_month)) {
            wb_put(s, (struct wb_cell){ .row = row, .col = (lxw_col_t)col, .kind = WB_DATE,
                                        .format = is_month ? s->fmt->month : s->fmt->date,
                                        .date = date });
            wb_need_width(s, col, is_month ? 8 : 11);
            break;
        }
        /* Not a date Excel has: kept as the text it is. */
        /* fall through */
    case COLUMN_TEXT:
    case COLUMN_WEEK:           /* Excel has no week: the text */
        wb_write_text(s, row, col, cell->v.text ? cell->v.text : "", NULL, 1);
        break;
    case COLUMN_INTEGER: {
        int plain = column_is_identifier(&t->cols[c]);
        wb_put(s, (struct wb_cell){ .row = row, .col = (lxw_col_t)col, .kind = WB_NUMBER,
                                    .format = plain ? s->fmt->plain : s->fmt->integer,
                                    .number = (double)cell->v.integer });
        if (plain)
            snprintf(buf, sizeof buf, "%lld", (long long)cell->v.integer);
        else
            format_thousands((long long)cell->v.integer, buf, sizeof buf);
        wb_need_width(s, col, (double)strlen(buf) + 1);
        break;
    }
    case COLUMN_REAL:
        wb_write_number(s, row, col, cell->v.real, s->fmt->real, 2);
        break;
    case COLUMN_TIMESTAMP:
        if (cell->v.integer < WB_EXCEL_FIRST_TIME || cell->v.integer > WB_EXCEL_LAST_TIME) {
            /* Outside Excel's dates: the number of seconds, as text. */
            snprintf(buf, sizeof buf, "%lld", (long long)cell->v.integer);
            wb_write_text(s, row, col, buf, NULL, 1);
            break;
        }
        wb_put(s, (struct wb_cell){ .row = row, .col = (lxw_col_t)col, .kind = WB_SECONDS,
                                    .format = s->fmt->timestamp,
                                    .seconds = cell->v.integer });
        wb_need_width(s, col, 17);
        break;
    }
}

/* The data rows of t a sheet holds. */
static size_t wb_rows_written(const struct table *t)
{
    return t->nrows < WB_MAX_ROWS - 1 ? t->nrows : WB_MAX_ROWS - 1;
}

/* Header row, the first n data rows, frozen header and autofilter, and the panel's kept
 * cells: beside the rows when the sheet takes its rows in order, else after them (as
 * they were prepared, so that shared strings are numbered as always). */
static void wb_write_data(struct wb_sheet *s, const struct table *t, size_t n)
{
    for (int c = 0; c < t->ncols; c++) {
        wb_write_text(s, 0, c, t->cols[c].name ? t->cols[c].name : "", s->fmt->header, 0);
        /* Room for the autofilter button. */
        wb_need_width(s, c, (double)wb_char_count(t->cols[c].name ? t->cols[c].name : "") + 4);
    }
    for (size_t r = 0; r < n; r++) {
        if (s->in_order)
            wb_flush_kept(s, (lxw_row_t)(r + 1));
        for (int c = 0; c < t->ncols; c++)
            wb_write_cell(s, (lxw_row_t)(r + 1), c, t, r, c);
    }
    /* Before the panel's last rows: in constant memory the autofilter's last row must
     * not lie behind the row being written. */
    worksheet_freeze_panes(s->ws, 1, 0);
    if (t->ncols > 0)
        wb_check(s, worksheet_autofilter(s->ws, 0, 0, (lxw_row_t)n, (lxw_col_t)(t->ncols - 1)));
    wb_flush_kept(s, LXW_ROW_MAX);
}

static void wb_apply_widths(struct wb_sheet *s)
{
    for (int c = 0; c < s->nwidth; c++) {
        if (s->width[c] <= 0)
            continue;
        double w = s->width[c];
        if (w < WB_MIN_WIDTH)
            w = WB_MIN_WIDTH;
        if (w > WB_MAX_WIDTH)
            w = WB_MAX_WIDTH;
        wb_check(s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
    }
}

/* A line of text in the panel (not measured: it may run over the empty cells beside). */
static void wb_panel_line(struct wb_sheet *s, const char *text, lxw_format *format)
{
    wb_write_text(s, s->panel_row++, s->panel_col, text, format, 0);
}

static void wb_panel_number(struct wb_sheet *s, lxw_row_t row, int col, double value)
{
    int whole = value == floor(value) && fabs(value) < 1e15;
    wb_write_number(s, row, col, value, whole ? s->fmt->integer : s->fmt->real, whole ? 0 : 2);
}

static void wb_write_panel(struct wb_sheet *s, const struct table *t, size_t written)
{
    char a[32], b[32];
    if (t->title && *t->title)
        wb_panel_line(s, t->title, s->fmt->title);
    if (t->subtitle && *t->subtitle)
        wb_panel_line(s, t->subtitle, s->fmt->subtitle);
    if (written < t->nrows) {
        format_thousands((long long)written, a, sizeof a);
        format_thousands((long long)(t->nrows - written), b, sizeof b);
        char *line = xasprintf("Only the first %s rows fit in a sheet; %s more rows were "
                               "left out.", a, b);
        wb_panel_line(s, line, s->fmt->subtitle);
        free(line);
    }
    if (t->truncated)
        wb_panel_line(s, "Not every row is shown: the analysis left some out.",
                      s->fmt->subtitle);
    if (t->nnotes > 0) {
        s->panel_row++;
        for (int i = 0; i < t->nnotes && i < TABLE_MAX_NOTES; i++) {
            const char *key = t->note_key[i] ? t->note_key[i] : "";
            wb_write_text(s, s->panel_row, s->panel_col, key, s->fmt->note_key, 1);
            wb_panel_number(s, s->panel_row, s->panel_col + 1, t->note_value[i]);
            s->panel_row++;
        }
    }
    s->panel_row++;
}

static lxw_color_t wb_palette(int i)
{
    double r, g, b;
    chart_palette(i, &r, &g, &b);
    return ((lxw_color_t)lround(r * 255) << 16) | ((lxw_color_t)lround(g * 255) << 8)
           | (lxw_color_t)lround(b * 255);
}

/* ---- category x series data pivoted into one column per series ---- */

struct wb_pivot {
    int ncat, nser;
    size_t *cat_row;            /* a table row naming each category */
    char **ser_name;
    double *value;              /* ncat * nser */
    unsigned char *present;
    int dropped;                /* series left out (line charts) */
    int other;                  /* the last series is "Other", the sum of the rest */
};

static void wb_pivot_free(struct wb_pivot *p)
{
    for (int i = 0; i < p->nser; i++)
        free(p->ser_name[i]);
    free(p->ser_name);
    free(p->cat_row);
    free(p->value);
    free(p->present);
}

struct wb_series_rank {
    int index;
    double total;
};

static int wb_rank_compare(const void *pa, const void *pb)
{
    const struct wb_series_rank *a = pa, *b = pb;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return a->index - b->index;
}

/* Pivots t into categories (first appearance order, at most WB_CHART_POINTS) by series
 * (largest total first, at most WB_MAX_SERIES; the rest summed into "Other" when
 * `sum_rest`, else dropped). */
static void wb_pivot_build(struct wb_pivot *p, const struct table *t, int cat_col,
                           int ser_col, int val_col, int sum_rest)
{
    GHashTable *cats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *sers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GArray *cat_rows = g_array_new(FALSE, FALSE, sizeof(size_t));
    int *row_cat = xcalloc(t->nrows ? t->nrows : 1, sizeof *row_cat);
    int *row_ser = xcalloc(t->nrows ? t->nrows : 1, sizeof *row_ser);
    char buf[256];

    memset(p, 0, sizeof *p);
    /* Pass 1: number the categories and series. */
    for (size_t r = 0; r < t->nrows; r++) {
        const char *key = table_text(t, r, cat_col, buf, sizeof buf);
        gpointer found = g_hash_table_lookup(cats, key);
        if (!found && g_hash_table_size(cats) < WB_CHART_POINTS) {
            found = GINT_TO_POINTER((int)g_hash_table_size(cats) + 1);
            g_hash_table_insert(cats, g_strdup(key), found);
            g_array_append_val(cat_rows, r);
        }
        row_cat[r] = GPOINTER_TO_INT(found) - 1;
        key = table_text(t, r, ser_col, buf, sizeof buf);
        found = g_hash_table_lookup(sers, key);
        if (!found) {
            found = GINT_TO_POINTER((int)names->len + 1);
            g_hash_table_insert(sers, g_strdup(key), found);
            g_ptr_array_add(names, g_strdup(key));
        }
        row_ser[r] = GPOINTER_TO_INT(found) - 1;
    }
    int ncat = (int)cat_rows->len, nall = (int)names->len;

    /* Rank the series by their total over the plotted categories. */
    struct wb_series_rank *rank = xcalloc(nall ? (size_t)nall : 1, sizeof *rank);
    for (int i = 0; i < nall; i++)
        rank[i].index = i;
    for (size_t r = 0; r < t->nrows; r++)
        if (row_cat[r] >= 0 && isfinite(table_number(t, r, val_col)))
            rank[row_ser[r]].total += table_number(t, r, val_col);
    xqsort(rank, (size_t)nall, sizeof *rank, wb_rank_compare);
    int keep = nall, other = 0;
    if (nall > WB_MAX_SERIES) {
        other = sum_rest;
        keep = sum_rest ? WB_MAX_SERIES - 1 : WB_MAX_SERIES;
    }
    int *slot = xcalloc(nall ? (size_t)nall : 1, sizeof *slot);     /* series -> column */
    for (int i = 0; i < nall; i++)
        slot[rank[i].index] = i < keep ? i : other ? keep : -1;

    p->ncat = ncat;
    p->nser = keep + other;
    p->other = other;
    p->dropped = other ? 0 : nall - keep;
    p->cat_row = xcalloc(ncat ? (size_t)ncat : 1, sizeof *p->cat_row);
    memcpy(p->cat_row, cat_rows->data, (size_t)ncat * sizeof *p->cat_row);
    p->ser_name = xcalloc(p->nser ? (size_t)p->nser : 1, sizeof *p->ser_name);
    for (int i = 0; i < keep; i++)
        p->ser_name[i] = xstrdup(g_ptr_array_index(names, rank[i].index));
    if (other)
        p->ser_name[keep] = xstrdup("Other");
    size_t cells = (size_t)(ncat ? ncat : 1) * (size_t)(p->nser ? p->nser : 1);
    p->value = xcalloc(cells, sizeof *p->value);
    p->present = xcalloc(cells, 1);
    for (size_t r = 0; r < t->nrows; r++) {
        int sl = slot[row_ser[r]];
        if (row_cat[r] < 0 || sl < 0 || !isfinite(table_number(t, r, val_col)))
            continue;
        size_t at = (size_t)row_cat[r] * (size_t)p->nser + (size_t)sl;
        p->value[at] += table_number(t, r, val_col);
        p->present[at] = 1;
    }

    free(slot);
    free(rank);
    free(row_cat);
    free(row_ser);
    g_array_free(cat_rows, TRUE);
    g_ptr_array_free(names, TRUE);
    g_hash_table_destroy(cats);
    g_hash_table_destroy(sers);
}

/* Writes the pivot at (row, s->panel_col): a header row, then one row per category.
 * Missing values are 0 when `zero_fill` (stacked bars), else left empty (lines). */
static void wb_pivot_write(struct wb_sheet *s, const struct wb_pivot *p, const struct table *t,
                           int cat_col, int val_col, lxw_row_t row, int zero_fill)
{
    int col = s->panel_col;
    int decimals = t->cols[val_col].type == COLUMN_INTEGER ? 0 : 2;
    lxw_format *num = decimals ? s->fmt->real : s->fmt->integer;
    wb_write_text(s, row, col, t->cols[cat_col].name ? t->cols[cat_col].name : "",
                  s->fmt->header, 1);
    for (int j = 0; j < p->nser; j++)
        wb_write_text(s, row, col + 1 + j, p->ser_name[j], s->fmt->header, 1);
    for (int i = 0; i < p->ncat; i++) {
        lxw_row_t at = row + 1 + (lxw_row_t)i;
        wb_write_cell(s, at, col, t, p->cat_row[i], cat_col);
        for (int j = 0; j < p->nser; j++) {
            size_t k = (size_t)i * (size_t)p->nser + (size_t)j;
            if (!p->present[k] && !zero_fill)
                continue;
            wb_write_number(s, at, col + 1 + j, p->value[k], num, decimals);
        }
    }
}

/* ---- charts ---- */

static int wb_column_ok(const struct table *t, int col)
{
    return col >= 0 && col < t->ncols;
}

static int wb_column_numeric(const struct table *t, int col)
{
    return wb_column_ok(t, col)
           && (t->cols[col].type == COLUMN_INTEGER || t->cols[col].type == COLUMN_REAL);
}

static void wb_style_series(lxw_chart_series *series, enum chart_excel form, int i)
{
    lxw_color_t color = wb_palette(i);
    if (form == CHART_EXCEL_LINE) {
        lxw_chart_line line = { .color = color, .width = 2.25 };
        chart_series_set_line(series, &line);
        chart_series_set_marker_type(series, LXW_CHART_MARKER_NONE);
        return;
    }
    lxw_chart_fill fill = { .color = color };
    chart_series_set_fill(series, &fill);
}

/* The value printed on each bar, as in the rendered charts: at the end of a plain or
 * grouped bar, inside a stacked segment. Zeros (empty segments) print nothing. */
static void wb_label_series(lxw_chart_series *series, enum chart_excel form, int integer)
{
    chart_series_set_labels(series);
    chart_series_set_labels_num_format(series, integer ? "#,##0;-#,##0;;"
                                                       : "#,##0.00;-#,##0.00;;");
    chart_series_set_labels_position(series, form == CHART_EXCEL_STACKED_COLUMN
                                                 ? LXW_CHART_LABEL_POSITION_CENTER
                                                 : LXW_CHART_LABEL_POSITION_OUTSIDE_END);
}

/* libxlsxwriter's chart type for each of Excel's forms (chart_kind_excel()). */
static const uint8_t wb_excel_types[] = {
    [CHART_EXCEL_COLUMN] = LXW_CHART_COLUMN,
    [CHART_EXCEL_BAR] = LXW_CHART_BAR,
    [CHART_EXCEL_STACKED_COLUMN] = LXW_CHART_COLUMN_STACKED,
    [CHART_EXCEL_LINE] = LXW_CHART_LINE,
};

/* A native chart of the table, at the panel's next row. */
static void wb_native_chart(struct wb_sheet *s, const struct table *t,
                            const struct chart_spec *spec, size_t written)
{
    enum chart_excel form = chart_kind_excel(spec->kind);
    int cat = spec->category_col, ser = spec->series_col, val = spec->value_col;
    int pivot = wb_column_ok(t, ser) && ser != cat && ser != val;
    struct wb_pivot p;
    size_t n = written < WB_CHART_POINTS ? written : WB_CHART_POINTS;
    char *title = NULL, *text = NULL;
    char count[32];

    if (!wb_column_ok(t, cat) || !wb_column_numeric(t, val) || n == 0)
        return;
    const char *num = t->cols[val].type == COLUMN_INTEGER ? "#,##0" : "#,##0.00";
    memset(&p, 0, sizeof p);
    lxw_chart *chart = workbook_add_chart(s->wb, wb_excel_types[form]);
    if (!chart) {
        wb_check(s, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    lxw_row_t chart_row = s->panel_row;
    if (pivot) {
        wb_pivot_build(&p, t, cat, ser, val, form != CHART_EXCEL_LINE);
        lxw_row_t head = chart_row + WB_CHART_ROWS;
        char *what = xasprintf("Chart data: %s by %s, one column per %s%s.",
                               t->cols[val].name, t->cols[cat].name, t->cols[ser].name,
                               p.other ? " (the smaller ones summed as Other)" : "");
        wb_write_text(s, head, s->panel_col, what, s->fmt->subtitle, 0);
        free(what);
        if (p.dropped > 0) {
            what = xasprintf("The chart shows the %d largest of %d series.", p.nser,
                             p.nser + p.dropped);
            wb_write_text(s, head + 1, s->panel_col, what, s->fmt->subtitle, 0);
            free(what);
            head++;
        }
        wb_pivot_write(s, &p, t, cat, val, head + 1, form != CHART_EXCEL_LINE);
        lxw_row_t first = head + 2, last = head + 1 + (lxw_row_t)p.ncat;
        for (int j = 0; j < p.nser; j++) {
            lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
            if (!series)
                break;
            lxw_col_t vcol = (lxw_col_t)(s->panel_col + 1 + j);
            chart_series_set_categories(series, s->name, first, (lxw_col_t)s->panel_col, last,
                                        (lxw_col_t)s->panel_col);
            chart_series_set_values(series, s->name, first, vcol, last, vcol);
            chart_series_set_name_range(series, s->name, head + 1, vcol);
            wb_style_series(series, form, j);
            if (form != CHART_EXCEL_LINE && p.ncat <= WB_LABELLED_POINTS)
                wb_label_series(series, form, t->cols[val].type == COLUMN_INTEGER);
        }
        chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
        if (p.ncat < (int)written && p.ncat >= WB_CHART_POINTS) {
            format_thousands(WB_CHART_POINTS, count, sizeof count);
            text = xasprintf("The chart shows the first %s categories.", count);
        }
    } else {
        lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
        if (series) {
            chart_series_set_categories(series, s->name, 1, (lxw_col_t)cat, (lxw_row_t)n,
                                        (lxw_col_t)cat);
            chart_series_set_values(series, s->name, 1, (lxw_col_t)val, (lxw_row_t)n,
                                    (lxw_col_t)val);
            chart_series_set_name_range(series, s->name, 0, (lxw_col_t)val);
            wb_style_series(series, form, 0);
            if (form != CHART_EXCEL_LINE && n <= WB_LABELLED_POINTS)
                wb_label_series(series, form, t->cols[val].type == COLUMN_INTEGER);
        }
        chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
        if (n < written) {
            format_thousands((long long)n, count, sizeof count);
            text = xasprintf("The chart shows the first %s rows.", count);
        }
    }
    /* In libxlsxwriter x_axis is the horizontal one: for bar charts, the value axis. */
    lxw_chart_axis *cat_axis = form == CHART_EXCEL_BAR ? chart->y_axis : chart->x_axis;
    lxw_chart_axis *val_axis = form == CHART_EXCEL_BAR ? chart->x_axis : chart->y_axis;
    if (form == CHART_EXCEL_BAR) {
        /* Excel draws the first category at the bottom: reverse so the table's first
         * (largest) is on top, with the value axis crossing at the bottom. */
        chart_axis_set_reverse(cat_axis);
        chart_axis_set_crossing_max(cat_axis);
    }

    const char *want = spec->title ? spec->title : t->title;
    if (want && *want) {
        title = wb_chart_text(want);
        chart_title_set_name(chart, title);
    } else {
        chart_title_off(chart);
    }
    if (spec->x_title && *spec->x_title) {
        char *name = wb_chart_text(spec->x_title);
        chart_axis_set_name(cat_axis, name);
        free(name);
    }
    if (spec->y_title && *spec->y_title) {
        char *name = wb_chart_text(spec->y_title);
        chart_axis_set_name(val_axis, name);
        free(name);
    }
    chart_axis_set_num_format(val_axis, num);

    lxw_chart_options opt = { .x_scale = WB_CHART_SCALE, .y_scale = WB_CHART_SCALE,
                              .description = title };
    wb_check(s, worksheet_insert_chart_opt(s->ws, chart_row, (lxw_col_t)s->panel_col, chart,
                                           &opt));
    s->panel_row = chart_row + WB_CHART_ROWS;
    if (pivot)
        s->panel_row += 3 + (lxw_row_t)p.ncat + (p.dropped > 0);
    if (text)
        wb_panel_line(s, text, s->fmt->subtitle);
    free(text);
    free(title);
    wb_pivot_free(&p);
}

/* Width and height of a PNG from its IHDR chunk; 0 when the bytes are not a PNG. */
static int wb_png_size(const unsigned char *png, size_t len, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (len < 24 || memcmp(png, sig, 8) != 0 || memcmp(png + 12, "IHDR", 4) != 0)
        return 0;
    *w = (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 | (uint32_t)png[18] << 8 | png[19];
    *h = (uint32_t)png[20] << 24 | (uint32_t)png[21] << 16 | (uint32_t)png[22] << 8 | png[23];
    return *w > 0 && *h > 0;
}

/* The chart drawn by chart_render_png() (or given drawn, `given` of `given_len` bytes),
 * inserted as a picture at the panel's next row. A chart that cannot be drawn is named in
 * the panel instead of failing the workbook. */
static void wb_image_chart(struct wb_sheet *s, const struct table *t,
                           const struct chart_spec *spec, const unsigned char *given,
                           size_t given_len, struct wb_keep *keep)
{
    unsigned char *png = NULL;
    size_t len = 0;
    uint32_t w, h;
    struct tally_diag local;

    diag_clear(&local);
    if (t->nrows == 0)
        return;
    if (given) {
        png = xmalloc(given_len ? given_len : 1);
        memcpy(png, given, given_len);
        len = given_len;
    } else if (chart_render_png(t, spec, &png, &len, &local) != TALLY_OK || !png) {
        char *line = xasprintf("The chart could not be drawn: %s", local.message);
        wb_panel_line(s, line, s->fmt->subtitle);
        free(line);
        free(png);
        return;
    }
    if (!wb_png_size(png, len, &w, &h)) {
        wb_panel_line(s, "The chart could not be drawn: not a PNG image.", s->fmt->subtitle);
        free(png);
        return;
    }
    g_ptr_array_add(keep->blocks, png);
    const char *want = spec->title ? spec->title : t->title;
    char *alt = wb_cell_text(want ? want : (t->name ? t->name : "chart"));
    g_ptr_array_add(keep->blocks, alt);
    double scale = WB_IMAGE_WIDTH / w;
    lxw_image_options opt = { .x_scale = scale, .y_scale = scale, .description = alt };
    wb_check(s, worksheet_insert_image_buffer_opt(s->ws, s->panel_row, (lxw_col_t)s->panel_col,
                                                  png, len, &opt));
    s->panel_row += (lxw_row_t)ceil(h * scale / WB_ROW_PIXELS) + 1;
}

static void wb_chart(struct wb_sheet *s, const struct workbook_sheet *part,
                     const struct workbook_png *drawn, size_t written, struct wb_keep *keep)
{
    const struct table *t = part->table;
    const struct chart_spec *spec = part->chart;
    enum chart_excel form = chart_kind_excel(spec->kind);
    /* A bar per row no longer fits: the rendered chart draws what stands in for them
     * (their distribution, or the largest) and says so; Excel's would show the first
     * rows only. */
    int crowded = (spec->kind == CHART_BAR || spec->kind == CHART_HBAR) &&
                  !wb_column_ok(t, spec->series_col) && written > WB_CHART_POINTS;
    if (form == CHART_EXCEL_PICTURE || crowded)
        wb_image_chart(s, t, spec, drawn ? drawn->bytes : NULL, drawn ? drawn->len : 0, keep);
    else if (form != CHART_EXCEL_NONE)
        wb_native_chart(s, t, spec, written);
}

/* ---- sheet names ---- */

static int wb_name_taken(GPtrArray *used, const char *name)
{
    char *fold = g_utf8_casefold(name, -1);
    int taken = 0;
    for (guint i = 0; i < used->len && !taken; i++)
        taken = strcmp(fold, g_ptr_array_index(used, i)) == 0;
    g_free(fold);
    return taken;
}

/* The first `chars` characters of valid UTF-8 text. */
static char *wb_prefix(const char *text, size_t chars)
{
    const char *end = text;
    for (size_t i = 0; i < chars && *end; i++)
        end = g_utf8_next_char(end);
    return xstrndup(text, (size_t)(end - text));
}

/* A valid sheet name for `want` (at most 31 characters, none of []:*?/\, not starting or
 * ending with an apostrophe, not "History"), unique within `used` ignoring case. */
static char *wb_sheet_name(GPtrArray *used, const char *want)
{
    char *clean = utf8_repair(want ? want : "", want ? strlen(want) : 0);
    for (char *p = clean; *p; p++)
        if (strchr("[]:*?/\\", *p) || (unsigned char)*p < 0x20)
            *p = '_';
    char *start = clean;
    while (*start == '\'')
        start++;
    char *base = wb_prefix(start, LXW_SHEETNAME_MAX);
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '\'')
        base[--len] = '\0';
    if (len == 0 || g_ascii_strcasecmp(base, "History") == 0) {
        char *fixed = xstrdup(len == 0 ? "Sheet" : "History_");
        free(base);
        base = fixed;
    }
    char *name = xstrdup(base);
    for (int i = 2; wb_name_taken(used, name); i++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "~%d", i);
        char *head = wb_prefix(base, LXW_SHEETNAME_MAX - strlen(suffix));
        size_t hl = strlen(head);
        while (hl > 0 && head[hl - 1] == '\'')
            head[--hl] = '\0';
        free(name);
        name = xasprintf("%s%s", head, suffix);
        free(head);
    }
    g_ptr_array_add(used, g_utf8_casefold(name, -1));
    free(base);
    free(clean);
    return name;
}

/* ---- the workbook ---- */

static void wb_make_formats(lxw_workbook *wb, struct wb_formats *f)
{
    f->header = workbook_add_format(wb);
    format_set_bold(f->header);
    format_set_bottom(f->header, LXW_BORDER_THIN);
    format_set_bg_color(f->header, 0xF2F2F2);
    f->integer = workbook_add_format(wb);
    format_set_num_format(f->integer, "#,##0");
    f->plain = workbook_add_format(wb);
    format_set_num_format(f->plain, "0");
    f->real = workbook_add_format(wb);
    format_set_num_format(f->real, "#,##0.00");
    f->timestamp = workbook_add_format(wb);
    format_set_num_format(f->timestamp, "yyyy-mm-dd hh:mm");
    f->date = workbook_add_format(wb);
    format_set_num_format(f->date, "yyyy-mm-dd");
    f->month = workbook_add_format(wb);
    format_set_num_format(f->month, "yyyy-mm");
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 13);
    f->subtitle = workbook_add_format(wb);
    format_set_italic(f->subtitle);
    format_set_font_color(f->subtitle, 0x595959);
    f->note_key = workbook_add_format(wb);
    format_set_bold(f->note_key);
}

/* The creation time stored in the file: SOURCE_DATE_EPOCH when set, else a fixed date,
 * so the same tables always give the same bytes. */
static time_t wb_created(void)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    if (env && *env) {
        char *end;
        long long v = strtoll(env, &end, 10);
        if (*end == '\0' && v > 0)
            return (time_t)v;
    }
    return (time_t)WB_DEFAULT_CREATED;
}

static gint wb_by_row(gconstpointer pa, gconstpointer pb)
{
    const struct wb_cell *a = pa, *b = pb;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Adds one sheet for the part's table, named `want` or near it; `drawn` (or NULL) is its
 * chart already drawn. in_order: the workbook is written in constant memory. */
static lxw_error wb_add_sheet(lxw_workbook *wb, const struct wb_formats *fmt, GPtrArray *used,
                              const struct workbook_sheet *part,
                              const struct workbook_png *drawn, const char *want,
                              struct wb_keep *keep, int in_order)
{
    const struct table *t = part->table;
    struct wb_sheet s;
    memset(&s, 0, sizeof s);
    s.wb = wb;
    s.fmt = fmt;
    s.in_order = in_order;
    s.kept = g_array_new(FALSE, FALSE, sizeof(struct wb_cell));
    char *name = wb_sheet_name(used, want);
    s.name = name;
    s.ws = workbook_add_worksheet(wb, name);
    if (!s.ws) {
        s.err = LXW_ERROR_SHEETNAME_ALREADY_USED;
        goto done;
    }
    /* The panel first, kept; then the rows, with the panel's cells in their place. */
    size_t written = wb_rows_written(t);
    s.panel_col = t->ncols + 1;
    s.panel_row = 0;
    s.deferring = 1;
    wb_write_panel(&s, t, written);
    if (part->chart)
        wb_chart(&s, part, drawn, written, keep);
    s.deferring = 0;
    if (in_order)
        g_array_sort(s.kept, wb_by_row);        /* stable: a later write still wins */
    wb_write_data(&s, t, written);
    wb_apply_widths(&s);
done:
    for (guint i = s.flushed; i < s.kept->len; i++)
        free(g_array_index(s.kept, struct wb_cell, i).text);
    g_array_free(s.kept, TRUE);
    free(s.width);
    free(name);
    return s.err;
}

/* A workbook being written a sheet at a time, under a temporary name beside it until
 * finished: a workbook that fails leaves an older file of its name as it was. */
struct workbook_writer {
    char *path;
    char *temp;
    lxw_workbook *wb;
    struct wb_formats fmt;
    struct wb_keep keep;        /* until the workbook is closed */
    GPtrArray *used;            /* sheet names taken, case-folded */
    int in_order;               /* constant memory: each row goes to a temporary file */
};

static enum tally_error wb_writer_error(struct workbook_writer *w, lxw_error err,
                                        struct tally_diag *diag)
{
    return diag_set(diag, TALLY_ERROR_IO, "%s: %s", w->path, lxw_strerror(err));
}

enum tally_error workbook_begin(const char *path, const struct table *summary,
                                const struct table *sources, size_t rows,
                                struct workbook_writer **out, struct tally_diag *diag)
{
    lxw_doc_properties props = { .title = "tally workbook", .created = wb_created() };
    lxw_workbook_options options = { .constant_memory = LXW_FALSE };
    lxw_error err = LXW_NO_ERROR;

    *out = NULL;
    /* Many rows: each goes to a temporary file once written ($TMPDIR when set), instead
     * of every cell staying in memory until the workbook is closed. */
    if (rows > WB_STREAM_ROWS) {
        char *tmpdir = getenv("TMPDIR");
        options.constant_memory = LXW_TRUE;
        options.tmpdir = tmpdir && *tmpdir ? tmpdir : NULL;
    }
    /* libxlsxwriter opens the file only when closing, and prints when it cannot: find out
     * first, with the system's reason. */
    char *temp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        free(temp);
        return diag_set(diag, TALLY_ERROR_IO, "%s: %s", path, strerror(errno));
    }
    close(fd);
    lxw_workbook *wb = workbook_new_opt(temp, &options);
    if (!wb) {
        unlink(temp);
        free(temp);
        return diag_set(diag, TALLY_ERROR_IO, "%s: cannot create the workbook", path);
    }
    struct workbook_writer *w = xcalloc(1, sizeof(*w));
    w->path = xstrdup(path);
    w->temp = temp;
    w->wb = wb;
    w->keep.blocks = g_ptr_array_new_with_free_func(free);
    w->used = g_ptr_array_new_with_free_func(g_free);
    w->in_order = options.constant_memory;
    *out = w;
    workbook_set_properties(wb, &props);
    wb_make_formats(wb, &w->fmt);
    /* Summary and Sources first: the workbook opens on what was imported. */
    if (summary)
        err = wb_add_sheet(wb, &w->fmt, w->used, &(struct workbook_sheet){ .table = summary },
                           NULL, "Summary", &w->keep, w->in_order);
    if (sources && err == LXW_NO_ERROR)
        err = wb_add_sheet(wb, &w->fmt, w->used, &(struct workbook_sheet){ .table = sources },
                           NULL, "Sources", &w->keep, w->in_order);
    return err == LXW_NO_ERROR ? TALLY_OK : wb_writer_error(w, err, diag);
}

enum tally_error workbook_add(struct workbook_writer *w, const struct workbook_sheet *sheet,
                              const struct workbook_png *drawn, struct tally_diag *diag)
{
    const struct table *t = sheet->table;
    if (!t)
        return TALLY_OK;
    if (t->ncols >= LXW_COL_MAX - 2 * WB_MAX_SERIES)
        return diag_set(diag, TALLY_ERROR_LIMIT, "%s: table %s has more columns than a "
                        "sheet holds", w->path, t->name);
    lxw_error err = wb_add_sheet(w->wb, &w->fmt, w->used, sheet, drawn, t->name, &w->keep,
                                 w->in_order);
    return err == LXW_NO_ERROR ? TALLY_OK : wb_writer_error(w, err, diag);
}

enum tally_error workbook_finish(struct workbook_writer *w, int keep, struct tally_diag *diag)
{
    enum tally_error rc = TALLY_OK;
    lxw_error err = LXW_NO_ERROR;
    if (!w)
        return TALLY_OK;
    /* A workbook without sheets is not valid XLSX: give it one empty sheet. */
    if (keep && w->used->len == 0 && !workbook_add_worksheet(w->wb, "Sheet1"))
        err = LXW_ERROR_MEMORY_MALLOC_FAILED;
    /* Closing is the only way to free a workbook: it writes the file, removed when the
     * workbook is not kept. */
    lxw_error closed = workbook_close(w->wb);
    if (keep && err == LXW_NO_ERROR)
        err = closed;
    if (keep && err != LXW_NO_ERROR)
        rc = wb_writer_error(w, err, diag);
    /* mkstemp() made the file readable by its owner only: as fopen() would have. */
    mode_t mask = umask(0);
    umask(mask);
    if (keep && rc == TALLY_OK &&
        (chmod(w->temp, 0666 & ~mask) != 0 || rename(w->temp, w->path) != 0))
        rc = diag_set(diag, TALLY_ERROR_IO, "%s: %s", w->path, strerror(errno));
    if (!keep || rc != TALLY_OK)
        unlink(w->temp);
    g_ptr_array_free(w->used, TRUE);
    g_ptr_array_free(w->keep.blocks, TRUE);
    free(w->temp);
    free(w->path);
    free(w);
    return rc;
}

enum tally_error workbook_write(const char *path, const struct workbook_sheet *sheets,
                                int nsheets, const struct table *summary,
                                const struct table *sources, struct tally_diag *diag)
{
    struct workbook_writer *w;
    size_t rows = (summary ? summary->nrows : 0) + (sources ? sources->nrows : 0);
    for (int i = 0; i < nsheets; i++)
        if (sheets[i].table)
            rows += wb_rows_written(sheets[i].table);
    enum tally_error err = workbook_begin(path, summary, sources, rows, &w, diag);
    for (int i = 0; i < nsheets && !err; i++)
        err = workbook_add(w, &sheets[i], NULL, diag);
    enum tally_error end = workbook_finish(w, !err, diag);
    return err ? err : end;
}
