/* text_output.c: a table as an aligned terminal table, CSV, TSV or JSON.
 * CSV/TSV: a header row of column names, RFC 4180 quoting, and text cells that a
 * spreadsheet would run as a formula (starting with = + - @ or a tab/CR) prefixed with a
 * single quote. Terminal, CSV and TSV output show control bytes as \xHH (CSV keeps tabs
 * and line feeds inside quotes; TSV makes them spaces). */
#include "render/render.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

int text_format_parse(const char *name)
{
    static const char *const names[] = { "table", "csv", "tsv", "json" };
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static int is_numeric(const struct table *t, int col)
{
    return t->cols[col].type == COLUMN_INTEGER || t->cols[col].type == COLUMN_REAL;
}

/* A column as the terminal table shows it: where its cells are spelled out, and the last
 * text cell shown (its string, as shown, and its width). A text many cells share (a
 * label, table_keep_text()) is then made safe and measured once: the table does not change
 * while it is written, so two cells with the same string are one string. */
struct column_showing {
    int is_text, thousands, right, padded;      /* right: aligned right; padded: not last */
    char spelled[128];          /* a number, a time, a keyed cell's text */
    struct strbuf safe;         /* text with bytes escaped or cut short */
    const char *raw, *shown;
    long width;
    size_t len;
};

static void column_showing_init(struct column_showing *col, const struct table *t, int c)
{
    const struct column *column = &t->cols[c];
    col->is_text = column_is_text(column);
    col->thousands = column->type == COLUMN_INTEGER && !column_is_identifier(column);
    col->right = column->type == COLUMN_INTEGER || column->type == COLUMN_REAL;
    col->padded = col->right || c < t->ncols - 1;
    strbuf_init(&col->safe);
}

/* text as a terminal table shows it, its width in columns and its length in bytes:
 * control bytes as \xHH, and an ellipsis past TABLE_CELL_MAX columns; sb holds it when it
 * is not text itself. */
static const char *shown_text(const char *text, struct strbuf *sb, long *width, size_t *len)
{
    /* Most text is printable: shown as it is, or, past TABLE_CELL_MAX columns, its first
     * ones and an ellipsis, whatever follows them (so no more of it is read). */
    size_t plain = 0;
    const unsigned char *u = (const unsigned char *)text;
    while (plain <= TABLE_CELL_MAX && u[plain] >= 0x20 && u[plain] < 0x7f)
        plain++;
    if (plain <= TABLE_CELL_MAX && !u[plain]) {
        *width = (long)plain;
        *len = plain;
        return text;
    }
    if (plain > TABLE_CELL_MAX) {
        strbuf_reset(sb);
        strbuf_add(sb, text, TABLE_CELL_MAX - 1);
        strbuf_addstr(sb, "\xe2\x80\xa6");      /* an ellipsis */
        *width = TABLE_CELL_MAX;
        *len = sb->len;
        return sb->buf;
    }
    long chars = 0;
    strbuf_reset(sb);
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        unsigned char ch = (unsigned char)*p;
        if (chars >= TABLE_CELL_MAX - 1 && g_utf8_strlen(p, -1) > 1) {
            strbuf_addstr(sb, "\xe2\x80\xa6");      /* an ellipsis */
            break;
        }
        if (ch < 0x20 || ch == 0x7f) {
            strbuf_addf(sb, "\\x%02x", ch);
            chars += 4;
        } else {
            strbuf_add(sb, p, (size_t)(g_utf8_next_char(p) - p));
            chars++;
        }
    }
    *width = g_utf8_strlen(sb->buf, -1);
    *len = sb->len;
    return sb->buf;
}

/* The cell as shown in a terminal, its width in columns and its length in bytes: numbers
 * with thousands separators, text made safe. Valid until the column's next cell is
 * shown. */
static const char *display_cell(const struct table_row *row, int c, struct column_showing *col,
                                long *width, size_t *len)
{
    const char *text;
    if (table_row_is_empty(row, c)) {
        *width = 0;
        *len = 0;
        return "";
    }
    if (!col->is_text) {
        int64_t value;
        if (col->thousands && table_row_int(row, c, &value)) {
            format_thousands(value, col->spelled, sizeof(col->spelled));
            text = col->spelled;
        } else {
            text = table_row_text(row, c, col->spelled, sizeof(col->spelled));
        }
        *len = strlen(text);            /* digits, signs, points, letters, colons */
        *width = (long)*len;
        return text;
    }
    text = table_row_text(row, c, col->spelled, sizeof(col->spelled));
    if (text == col->raw) {
        *width = col->width;
        *len = col->len;
        return col->shown;
    }
    col->raw = text != col->spelled ? text : NULL;
    col->shown = shown_text(text, &col->safe, &col->width, &col->len);
    *width = col->width;
    *len = col->len;
    return col->shown;
}

long table_text_width(const char *text)
{
    struct strbuf sb;
    long width;
    size_t len;
    strbuf_init(&sb);
    shown_text(text, &sb, &width, &len);
    strbuf_release(&sb);
    return width;
}

/* Output gathered in a buffer and written in large pieces: a table of millions of rows
 * is tens of millions of small pieces, each otherwise a locked stdio call. */
struct text_out {
    FILE *file;
    size_t len;
    char buf[1 << 16];
};

static void out_flush(struct text_out *o)
{
    if (o->len)
        fwrite(o->buf, 1, o->len, o->file);
    o->len = 0;
}

static void out_add(struct text_out *o, const char *s, size_t n)
{
    if (o->len + n > sizeof(o->buf)) {
        out_flush(o);
        if (n > sizeof(o->buf)) {
            fwrite(s, 1, n, o->file);
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_ch(struct text_out *o, char ch)
{
    if (o->len == sizeof(o->buf))
        out_flush(o);
    o->buf[o->len++] = ch;
}

static void out_str(struct text_out *o, const char *s)
{
    out_add(o, s, strlen(s));
}

static void out_spaces(struct text_out *o, long n)
{
    static const char spaces[] = "                                ";
    for (; n > 0; n -= (long)sizeof(spaces) - 1)
        out_add(o, spaces, n < (long)sizeof(spaces) - 1 ? (size_t)n : sizeof(spaces) - 1);
}

/* One cell of a terminal table, len bytes width columns wide: numbers to the right of
 * their column, text to the left (the last column unpadded), columns two spaces apart.
 * Spaces wait in *pending until text follows them, so that no line ends in spaces. */
static void out_cell(struct text_out *o, int c, const struct column_showing *col,
                     const char *s, size_t len, long pad, long *pending)
{
    if (c)
        *pending += 2;
    if (col->right)
        *pending += pad;
    if (len) {
        out_spaces(o, *pending);
        *pending = 0;
        out_add(o, s, len);
    }
    if (!col->right && col->padded)
        *pending += pad;
}

/* Rows [from, to) of a terminal table whose columns are widths[] wide: the header before
 * row 0, and the notes after the last row when `last`. */
static void write_table_rows(const struct table *t, FILE *out, const long *widths,
                             size_t from, size_t to, int last)
{
    int ncols = t->ncols;
    struct column_showing *cols = xcalloc((size_t)ncols + 1, sizeof(*cols));
    struct text_out *o = xmalloc(sizeof(*o));
    struct table_row row;
    long w, pending = 0;
    size_t len;
    o->file = out;
    o->len = 0;
    for (int c = 0; c < ncols; c++)
        column_showing_init(&cols[c], t, c);
    for (int c = 0; c < ncols && from == 0; c++) {
        const char *name = t->cols[c].name;
        out_cell(o, c, &cols[c], name, strlen(name), widths[c] - g_utf8_strlen(name, -1),
                 &pending);
    }
    if (from == 0) {
        out_ch(o, '\n');
        for (int c = 0; c < ncols; c++) {
            if (c)
                out_add(o, "  ", 2);
            for (long i = 0; i < widths[c]; i++)
                out_ch(o, '-');
        }
        out_ch(o, '\n');
    }
    for (size_t r = from; r < to; r++) {
        table_row_at(t, r, &row);
        pending = 0;
        for (int c = 0; c < ncols; c++) {
            const char *s = display_cell(&row, c, &cols[c], &w, &len);
            out_cell(o, c, &cols[c], s, len, widths[c] - w, &pending);
        }
        out_ch(o, '\n');
    }
    out_flush(o);
    for (int i = 0; i < t->nnotes && last; i++)
        fprintf(out, "%s%s: %g\n", i ? "" : "\n", t->note_key[i], t->note_value[i]);
    if (t->truncated && last)
        fprintf(out, "(more rows were left out)\n");
    for (int c = 0; c < ncols; c++)
        strbuf_release(&cols[c].safe);
    free(cols);
    free(o);
}

/* The widths of a terminal table: its columns' names, and either each column's widest
 * cell (table_set_widest: the table is written as it is made) or the cells themselves,
 * spelled out once to measure them and again to write them, so that a table of millions
 * of rows holds no text per cell. */
static long *table_widths(const struct table *t, int streamed)
{
    long *widths = xcalloc((size_t)t->ncols + 1, sizeof(long));
    struct column_showing *cols = xcalloc((size_t)t->ncols + 1, sizeof(*cols));
    struct table_row row;
    long w;
    size_t len;
    for (int c = 0; c < t->ncols; c++) {
        column_showing_init(&cols[c], t, c);
        widths[c] = g_utf8_strlen(t->cols[c].name, -1);
        if (streamed && t->cols[c].widest > widths[c])
            widths[c] = t->cols[c].widest;
    }
    for (size_t r = 0; r < t->nrows && !streamed; r++) {
        table_row_at(t, r, &row);
        for (int c = 0; c < t->ncols; c++) {
            display_cell(&row, c, &cols[c], &w, &len);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (int c = 0; c < t->ncols; c++)
        strbuf_release(&cols[c].safe);
    free(cols);
    return widths;
}

static int looks_like_formula(const char *s)
{
    return *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
}

/* A byte of a delimited cell: control bytes other than tab and line feed (which the
 * caller handles) are written as \xHH, as the terminal table shows them, so that a value
 * cannot move the cursor, clear a screen or end a field. */
static void put_cell_byte(char ch, struct text_out *o)
{
    unsigned char u = (unsigned char)ch;
    if ((u < 0x20 && u != '\t' && u != '\n') || u == 0x7f) {
        char hex[8];
        snprintf(hex, sizeof(hex), "\\x%02x", u);
        out_str(o, hex);
    } else {
        out_ch(o, ch);
    }
}

/* Whether s can be written as it is: no byte a delimited cell quotes or escapes. */
static int is_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == ',')
            return 0;
    return 1;
}

/* What write_delimited() knows of a column as it writes: whether it holds text, and the
 * last string of it written as it is. A text shared by many cells (a label, table_keep_text())
 * is then checked once: two cells with the same string are one string, since no cell is
 * freed while the rows are written. */
struct column_writing {
    int is_text;
    const char *plain;
    size_t plain_len;
    char *key;                  /* JSON: the text before each of its cells, then null */
    size_t key_len;
};

static void write_delimited_cell(const struct table_row *row, int c, char sep,
                                 struct column_writing *col, struct text_out *o)
{
    char buf[64];
    if (table_row_is_empty(row, c))
        return;                 /* a column of millions may be mostly empty */
    const char *s = table_row_text(row, c, buf, sizeof(buf));
    if (!*s)
        return;
    /* Numbers and times are written plainly: digits, signs, points, letters, colons. */
    if (!col->is_text) {
        out_str(o, s);
        return;
    }
    if (s == col->plain) {
        out_add(o, s, col->plain_len);
        return;
    }
    int guard = looks_like_formula(s);
    if (!guard && is_plain(s)) {
        if (s != buf) {         /* a keyed cell's text is spelled into buf, cell by cell */
            col->plain = s;
            col->plain_len = strlen(s);
        }
        out_str(o, s);
        return;
    }
    if (sep == '\t') {
        /* TSV has no quoting: tabs and line breaks inside a value become spaces. */
        if (guard)
            out_ch(o, '\'');
        for (const char *p = s; *p; p++)
            put_cell_byte(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, o);
        return;
    }
    /* Tabs and line feeds stay (a line feed inside quotes, RFC 4180); CR is \x0d. */
    int quote = guard || strpbrk(s, ",\"\n") != NULL;
    if (quote)
        out_ch(o, '"');
    if (guard)
        out_ch(o, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            out_ch(o, '"');
        put_cell_byte(*p, o);
    }
    if (quote)
        out_ch(o, '"');
}

/* Rows [from, to) of t, the header first when from is 0. */
static void write_delimited(const struct table *t, char sep, FILE *out, size_t from, size_t to)
{
    struct text_out *o = xmalloc(sizeof(*o));
    struct column_writing *cols = xcalloc((size_t)t->ncols + 1, sizeof(*cols));
    o->file = out;
    o->len = 0;
    for (int c = 0; c < t->ncols; c++)
        cols[c].is_text = column_is_text(&t->cols[c]);
    for (int c = 0; c < t->ncols && from == 0; c++) {
        if (c)
            out_ch(o, sep);
        out_str(o, t->cols[c].name);
    }
    if (from == 0)
        out_ch(o, '\n');
    for (size_t r = from; r < to; r++) {
        struct table_row row;
        table_row_at(t, r, &row);
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                out_ch(o, sep);
            write_delimited_cell(&row, c, sep, &cols[c], o);
        }
        out_ch(o, '\n');
    }
    out_flush(o);
    free(cols);
    free(o);
}

/* The length of s when it needs no JSON escape, or -1. */
static long json_plain_length(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++)
        if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
            return -1;
    return (long)(p - (const unsigned char *)s);
}

static void write_json_string(const char *s, struct text_out *o)
{
    long plain = json_plain_length(s);
    out_ch(o, '"');
    if (plain >= 0) {
        out_add(o, s, (size_t)plain);
        out_ch(o, '"');
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': out_add(o, "\\\"", 2); break;
        case '\\': out_add(o, "\\\\", 2); break;
        case '\n': out_add(o, "\\n", 2); break;
        case '\r': out_add(o, "\\r", 2); break;
        case '\t': out_add(o, "\\t", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                char escaped[8];
                snprintf(escaped, sizeof(escaped), "\\u%04x", *p);
                out_add(o, escaped, 6);
            } else {
                out_ch(o, (char)*p);
            }
        }
    }
    out_ch(o, '"');
}

/* Rows [from, to) of t as JSON objects, the array opened when from is 0 and closed when
 * `end`. */
static void write_json(const struct table *t, FILE *out, size_t from, size_t to, int end)
{
    struct text_out *o = xmalloc(sizeof(*o));
    struct column_writing *cols = xcalloc((size_t)t->ncols + 1, sizeof(*cols));
    struct text_out *key = xmalloc(sizeof(*key));
    char buf[64];
    /* Each column's `"name": ` once, as the text before its cells (a name is a few bytes:
     * key is never flushed). */
    for (int c = 0; c < t->ncols; c++) {
        key->len = 0;
        if (c)
            out_add(key, ", ", 2);
        write_json_string(t->cols[c].name, key);
        out_add(key, ": null", 6);
        cols[c].key = xstrndup(key->buf, key->len);
        cols[c].key_len = key->len - 4;         /* "null" follows, for an empty cell */
        cols[c].is_text = !is_numeric(t, c);
    }
    free(key);
    o->file = out;
    o->len = 0;
    if (from == 0)
        out_ch(o, '[');
    for (size_t r = from; r < to; r++) {
        struct table_row row;
        table_row_at(t, r, &row);
        out_str(o, r ? ",\n {" : "\n {");
        for (int c = 0; c < t->ncols; c++) {
            struct column_writing *col = &cols[c];
            if (table_row_is_empty(&row, c)) {
                out_add(o, col->key, col->key_len + 4);         /* the key and null */
                continue;
            }
            out_add(o, col->key, col->key_len);
            const char *s = table_row_text(&row, c, buf, sizeof(buf));
            if (!col->is_text) {
                out_str(o, s);
            } else if (s == col->plain) {     /* a shared string, written as it is before */
                out_ch(o, '"');
                out_add(o, s, col->plain_len);
                out_ch(o, '"');
            } else {
                long plain = s != buf ? json_plain_length(s) : -1;
                if (plain >= 0) {
                    col->plain = s;
                    col->plain_len = (size_t)plain;
                }
                write_json_string(s, o);
            }
        }
        out_ch(o, '}');
    }
    if (end)
        out_str(o, t->nrows ? "\n]\n" : "]\n");
    out_flush(o);
    for (int c = 0; c < t->ncols; c++)
        free(cols[c].key);
    free(cols);
    free(o);
}

/* Rows [from, to) of t in format (not TEXT_TABLE); `end`: the last of them. */
static void write_rows(const struct table *t, enum text_format format, FILE *out,
                       size_t from, size_t to, int end)
{
    switch (format) {
    case TEXT_TABLE:
        break;
    case TEXT_CSV:
        write_delimited(t, ',', out, from, to);
        break;
    case TEXT_TSV:
        write_delimited(t, '\t', out, from, to);
        break;
    case TEXT_JSON:
        write_json(t, out, from, to, end);
        break;
    }
}

void table_stream_write(struct table *t, size_t end)
{
    if (!t->stream || end <= t->written)
        return;
    if (t->stream->format == TEXT_TABLE) {
        long *widths = table_widths(t, 1);
        write_table_rows(t, t->stream->out, widths, t->written, end, 0);
        free(widths);
    } else {
        write_rows(t, t->stream->format, t->stream->out, t->written, end, 0);
    }
    t->written = end;
}

enum tally_error table_write_text(const struct table *t, enum text_format format, FILE *out)
{
    /* A table streamed has written its first rows: the rest follow them. */
    if (format == TEXT_TABLE) {
        long *widths = table_widths(t, t->written > 0);
        write_table_rows(t, out, widths, t->written, t->nrows, 1);
        free(widths);
    } else {
        write_rows(t, format, out, t->written, t->nrows, 1);
    }
    return ferror(out) ? TALLY_ERROR_IO : TALLY_OK;
}
