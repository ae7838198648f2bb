/* render.h: turns tables into text (table, csv, tsv, json), charts (PNG, SVG, PDF through
 * cairo and pango), workbooks (XLSX through libxlsxwriter) and an HTML report page.
 * render/ knows tables and chart specs only: not SQLite, scans or calendars.
 *
 * Ownership: a struct table owns its strings (copied in); table_free() releases them.
 * A keyed cell (table_set_key()) holds a number its column turns into text when read. */
#ifndef TALLY_RENDER_H
#define TALLY_RENDER_H

#include <stdio.h>
#include <stdint.h>

#include "util/util.h"

/* ---- the table: typed columns and rows, the hinge between analyzer and render ---- */

/* What a column holds, which every renderer reads instead of guessing from its name.
 * Dates, months and weeks are stored as their text ("2024-01-05", "2024-01", "2024-W03"),
 * so text, CSV and JSON show them as written; a workbook makes dates and months Excel
 * dates (Excel has no week). */
enum column_type {
    COLUMN_TEXT,
    COLUMN_INTEGER,
    COLUMN_REAL,
    COLUMN_TIMESTAMP,           /* unix seconds */
    COLUMN_DATE,                /* YYYY-MM-DD */
    COLUMN_MONTH,               /* YYYY-MM */
    COLUMN_WEEK,                /* YYYY-Www, the ISO week */
};

struct cell {
    int is_null;
    int keyed;                  /* text column: v.integer is a key for the column's
                                   key_text(); read it through table_cell() or table_text() */
    union {
        char *text;             /* COLUMN_TEXT, COLUMN_DATE, COLUMN_MONTH, COLUMN_WEEK */
        int64_t integer;        /* COLUMN_INTEGER, COLUMN_TIMESTAMP (unix seconds) */
        double real;            /* COLUMN_REAL */
    } v;
};

/* Writes the text a key stands for into buf (NUL-terminated, at most size bytes). */
typedef void table_key_text_fn(int64_t key, char *buf, size_t size);

struct column {
    char *name;                 /* the CSV header: part of the contract */
    enum column_type type;
    int identifier;             /* an integer that names something (port 8080, hour 9,
                                   source 3) rather than counts: no thousands separators */
    table_key_text_fn *key_text;        /* a keyed text column (table_add_keyed_column) */
    int owns_texts;             /* table.c: a cell of it was given a string of its own */
    long widest;                /* terminal columns a cell of it can take at most, or 0:
                                   unknown (table_set_widest) */
};

#define TABLE_MAX_NOTES 16
struct table {
    char *name;                 /* analysis name, e.g. "top-subnets" */
    char *title;                /* "Top 10 subnets with port 9543/tcp open" */
    char *subtitle;             /* what produced it: filters, sources; may be NULL */
    int ncols;
    struct column *cols;
    size_t nrows;
    struct table_chunk **chunks;        /* the rows, in chunks (table.c): read them
                                           through table_cell() and table_text() */
    size_t nchunks;
    int nnotes;                 /* extra "key: value" lines (e.g. a five-number summary) */
    char *note_key[TABLE_MAX_NOTES];
    double note_value[TABLE_MAX_NOTES];
    int truncated;              /* rows were left out (say so when shown) */
    struct table_scratch *scratch;      /* where table_cell() spells out a cell */
    char **kept;                /* table_keep_text()'s copies */
    size_t nkept;
    const struct table_stream *stream;  /* where rows go once final, or NULL */
    size_t written;             /* rows written to the stream, and freed */
};

struct table *table_new(const char *name, const char *title);
void table_free(struct table *t);               /* accepts NULL */
void table_set_subtitle(struct table *t, const char *subtitle);
/* Adds a column (before the first row); returns its index, or -1 once rows exist. */
int table_add_column(struct table *t, const char *name, enum column_type type);
/* Adds an integer column whose numbers name things (port 8080, not 8,080), as every
 * renderer shows them. */
int table_add_id_column(struct table *t, const char *name);
/* Adds a text column whose cells may hold a number (table_set_key()) that key_text turns
 * into their text when read: a compact cell for text made from a number (a subnet), with
 * no string kept per row. Its other cells are set as in any text column. Distinct keys
 * must give distinct texts. */
int table_add_keyed_column(struct table *t, const char *name, table_key_text_fn *key_text);
/* Whether the column's cells hold text (text, date, month, week). */
int column_is_text(const struct column *col);
/* Whether the column is an integer column of identifiers (table_add_id_column). */
int column_is_identifier(const struct column *col);
/* Appends an empty row and returns its index; fill it with table_set_*(). */
size_t table_add_row(struct table *t);
void table_set_text(struct table *t, size_t row, int col, const char *text);
void table_set_textn(struct table *t, size_t row, int col, const char *text, size_t len);
void table_set_int(struct table *t, size_t row, int col, int64_t value);
void table_set_real(struct table *t, size_t row, int col, double value);
void table_set_null(struct table *t, size_t row, int col);
/* A copy of text that the table keeps until it is freed, for table_set_kept_text(): a
 * text that many cells share (a label) stored once, not once per row. Invalid UTF-8 is
 * repaired in it, as table_set_text() repairs it. */
const char *table_keep_text(struct table *t, const char *text);
/* Sets a text cell to a string table_keep_text() returned, without copying it. */
void table_set_kept_text(struct table *t, size_t row, int col, const char *kept);
/* Sets a cell of a keyed column (table_add_keyed_column) to the text `key` stands for. */
void table_set_key(struct table *t, size_t row, int col, int64_t key);
/* The cell, copied into the table's scratch space (a keyed one as the text cell it
 * stands for), valid until the next table_cell() of the same table. */
const struct cell *table_cell(const struct table *t, size_t row, int col);
/* The cell as a number (text parsed, NULL as 0) and as text (into buf). */
double table_number(const struct table *t, size_t row, int col);
const char *table_text(const struct table *t, size_t row, int col, char *buf, size_t size);
/* A row's place, found once to read several of its cells: writers of millions of rows
 * read table_row_text(), which is table_text() without finding the row again. */
union table_value;
struct table_row {
    const struct table *table;
    const union table_value *values;    /* column 0's cell; column c's is c * stride on */
    const unsigned char *state;
    size_t stride;
};
void table_row_at(const struct table *t, size_t row, struct table_row *out);
const char *table_row_text(const struct table_row *r, int col, char *buf, size_t size);
static inline int table_row_is_empty(const struct table_row *r, int col)
{
    return r->state[(size_t)col * r->stride] == 0;
}
/* An integer cell's value into *value; 0 when the cell is empty. */
int table_row_int(const struct table_row *r, int col, int64_t *value);
int table_column_index(const struct table *t, const char *name);
/* Whether every cell of the column is keyed, the keys in ascending order with no two
 * equal: then no two rows have the same text, found without spelling out a row. */
int table_keys_ascend(const struct table *t, int col);
void table_add_note(struct table *t, const char *key, double value);

/* ---- text output ---- */

enum text_format { TEXT_TABLE, TEXT_CSV, TEXT_TSV, TEXT_JSON };
/* Parses "table", "csv", "tsv", "json"; returns -1 when unknown. */
int text_format_parse(const char *name);
enum tally_error table_write_text(const struct table *t, enum text_format format, FILE *out);

/* Rows written as they are made (`show` of a table with millions of rows): a table given a
 * stream by table_stream_rows() before its first row writes each full chunk of rows in the
 * stream's format when the next chunk begins, and frees it, so that only the last rows are
 * held; table_write_text(), in the same format to the same file, writes the rest. Its rows
 * must not be read or changed once later ones are added. A terminal table, whose widths
 * would need every row, streams only past its first half million rows and only when every
 * column has a widest cell (table_set_widest): its columns are then that wide. */
struct table_stream {
    enum text_format format;
    FILE *out;
};
void table_stream_rows(struct table *t, const struct table_stream *stream);
/* The most terminal columns a text cell takes in a terminal table: a longer one is cut. */
#define TABLE_CELL_MAX 60
/* The most terminal columns a cell of column col can take as a terminal table shows it
 * (thousands separators included: table_text_width() measures a text). */
void table_set_widest(struct table *t, int col, long width);
/* The terminal columns text takes in a terminal table: escaped, and cut short when long. */
long table_text_width(const char *text);
/* Writes the rows not yet written before row `end` (render/text_output.c, for table.c). */
void table_stream_write(struct table *t, size_t end);

/* ---- charts ---- */

enum chart_kind {
    CHART_NONE,                 /* shown as a table only */
    CHART_BAR,                  /* vertical bars, one per category */
    CHART_HBAR,                 /* horizontal bars, categories top to bottom */
    CHART_STACKED_BAR,          /* category x series, stacked */
    CHART_GROUPED_BAR,          /* category x series, side by side */
    CHART_HISTOGRAM,            /* bins + a box summary from the table's notes */
    CHART_LINE,                 /* category (dates) x series */
    CHART_HEATMAP,              /* category (rows) x series (columns) */
    CHART_TREEMAP,              /* squarified, labels inside */
    CHART_SANKEY,               /* category -> series flows */
    CHART_ADDRESS_MAP,          /* Hilbert curve of /24s */
    CHART_DIVERGING_BAR,        /* horizontal: value_col to the right, series_col's to the left */
    CHART_KIND_COUNT
};
const char *chart_kind_name(enum chart_kind kind);
enum chart_kind chart_kind_parse(const char *name);      /* CHART_NONE when unknown */

/* How a workbook shows a kind: as one of Excel's own charts where Excel has the kind and
 * loses nothing of it, else as the rendered picture. */
enum chart_excel {
    CHART_EXCEL_PICTURE,        /* the PNG chart_render_png() draws (any kind can) */
    CHART_EXCEL_NONE,           /* no chart (CHART_NONE) */
    CHART_EXCEL_COLUMN,         /* vertical bars; several series side by side */
    CHART_EXCEL_BAR,            /* horizontal bars */
    CHART_EXCEL_STACKED_COLUMN, /* vertical bars, series stacked */
    CHART_EXCEL_LINE,
};
enum chart_excel chart_kind_excel(enum chart_kind kind);

struct chart_spec {
    enum chart_kind kind;
    const char *title;          /* default: the table's title */
    const char *subtitle;       /* default: the table's subtitle */
    const char *x_title;        /* axis titles (category axis, value axis) */
    const char *y_title;
    int category_col;           /* column giving categories (x, or rows) */
    int series_col;             /* column giving series, or -1 */
    int value_col;              /* column giving the value */
    int width, height;          /* in points; 0 = the default 800 x 500 */
};

enum chart_format { CHART_PNG, CHART_SVG, CHART_PDF };
/* From the file name's extension; -1 when none matches. */
int chart_format_from_path(const char *path);
/* Draws t as spec says into path, in the format its extension names. */
enum tally_error chart_render(const struct table *t, const struct chart_spec *spec,
                              const char *path, struct tally_diag *diag);
/* PNG bytes in memory (for workbooks); *png is malloc'd. */
enum tally_error chart_render_png(const struct table *t, const struct chart_spec *spec,
                                  unsigned char **png, size_t *len, struct tally_diag *diag);

/* ---- workbooks ---- */

/* Rows in an Excel sheet, the header included: a table longer than this loses its
 * last rows in a workbook, which says so (as does the report page). */
#define WORKBOOK_MAX_ROWS 1048576u

struct workbook_sheet {
    const struct table *table;
    const struct chart_spec *chart;   /* NULL = no chart */
    const struct table *provenance;   /* the imports the table was made from (a report
                                         shows them beside it), or NULL */
};
/* "Summary" and "Sources" sheets from the two tables given (either may be NULL), then one
 * sheet per entry. */
enum tally_error workbook_write(const char *path, const struct workbook_sheet *sheets,
                                int nsheets, const struct table *summary,
                                const struct table *sources, struct tally_diag *diag);
/* A chart as chart_render_png() drew it; bytes NULL when not drawn. */
struct workbook_png {
    const unsigned char *bytes;
    size_t len;
};
/* The same, a sheet at a time, so that only one table need be held at once:
 * workbook_begin() writes the Summary and Sources sheets (either table may be NULL) of
 * the workbook at path; rows, about how many all its sheets will hold, decides whether
 * each row goes to a temporary file as it is written. workbook_add() adds a sheet (its
 * table may be freed once it returns); a sheet that shows its chart as a picture shows
 * drawn (NULL: draws it). workbook_finish() writes the file, or with keep 0 (after a
 * failure) removes it, and frees w; it is called whenever *out was set, even to report
 * a failure of workbook_begin(). */
struct workbook_writer;
enum tally_error workbook_begin(const char *path, const struct table *summary,
                                const struct table *sources, size_t rows,
                                struct workbook_writer **out, struct tally_diag *diag);
enum tally_error workbook_add(struct workbook_writer *w, const struct workbook_sheet *sheet,
                              const struct workbook_png *drawn, struct tally_diag *diag);
enum tally_error workbook_finish(struct workbook_writer *w, int keep, struct tally_diag *diag);

/* ---- the HTML report page ---- */

struct report_entry {
    const struct table *table;
    const char *image;          /* file name of its chart in the report folder, or NULL */
};
enum tally_error report_write_html(const char *path, const char *title,
                                   const struct report_entry *entries, int n,
                                   const struct table *sources, struct tally_diag *diag);

/* A report folder (render/report.c), written an analysis at a time: report_begin()
 * creates dir when missing and, with_workbook, starts report.xlsx (as workbook_begin();
 * sources must live until report_finish(), which shows them in the page too); report_add()
 * writes NAME.png and NAME.svg when the part has a chart, NAME being its table's name, its
 * sheet and its section of index.html (its tables may be freed once it returns);
 * report_finish() writes report.xlsx and index.html, or with keep 0 neither, and frees r.
 * Without with_workbook, report.xlsx is left to the caller. */
struct report_writer;
enum tally_error report_begin(const char *dir, const struct table *summary,
                              const struct table *sources, size_t rows, int with_workbook,
                              struct report_writer **out, struct tally_diag *diag);
enum tally_error report_add(struct report_writer *r, const struct workbook_sheet *part,
                            struct tally_diag *diag);
enum tally_error report_finish(struct report_writer *r, int keep, struct tally_diag *diag);

#endif
