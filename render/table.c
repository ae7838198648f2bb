/* table.c: the typed table analyses fill and renderers read. */
#include "render/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define TABLE_KEY_TEXT 128      /* bytes a keyed cell's text takes at most */
/* Rows are kept in chunks, column by column: chunk k holds TABLE_FIRST_ROWS << k rows,
 * up to TABLE_CHUNK_ROWS; a chunk is never moved or copied once made. */
#define TABLE_FIRST_ROWS ((size_t)16)
#define TABLE_CHUNK_ROWS ((size_t)1 << 18)
#define TABLE_GROWING 15        /* chunks before the first of TABLE_CHUNK_ROWS rows */
#define TABLE_GROWN_ROWS (TABLE_FIRST_ROWS * (((size_t)1 << TABLE_GROWING) - 1))
/* A chunk this big lives on huge pages: a table of millions of rows (a subnet per row)
 * otherwise takes a page fault every 4 KiB as it fills, and on a virtual machine those
 * faults cost more than filling the rows. */
#define TABLE_HUGE_PAGE ((size_t)2 << 20)

/* A cell's state, one byte of its chunk: a set cell of a text column owns its string
 * unless it is keyed or kept (the string is one of table_keep_text()'s). */
enum { CELL_SET = 1, CELL_KEYED = 2, CELL_KEPT = 4 };

union table_value {
    char *text;
    int64_t integer;
    double real;
};

/* rows rows of every column: a column's values together (8 bytes a cell, which a NULL
 * cell leaves untouched), then a byte of state per cell, column by column. */
struct table_chunk {
    size_t rows;
    union table_value *values;          /* ncols * rows */
    unsigned char *state;               /* ncols * rows */
};

/* Where table_cell() spells out a cell. */
struct table_scratch {
    struct cell cell;
    char text[TABLE_KEY_TEXT];
};

/* A cell's place: its chunk and its index in the chunk's arrays. */
struct slot {
    union table_value *value;
    unsigned char *state;
};

/* The chunk that holds row, and the row's place in it. */
static struct table_chunk *chunk_of(const struct table *t, size_t row, size_t *i)
{
    size_t k;
    if (row < TABLE_GROWN_ROWS) {
        size_t q = row / TABLE_FIRST_ROWS + 1;  /* chunk k starts at 16 * (2^k - 1) */
        k = (size_t)(63 - __builtin_clzll((unsigned long long)q));
        *i = row - TABLE_FIRST_ROWS * (((size_t)1 << k) - 1);
    } else {
        k = TABLE_GROWING + (row - TABLE_GROWN_ROWS) / TABLE_CHUNK_ROWS;
        *i = (row - TABLE_GROWN_ROWS) % TABLE_CHUNK_ROWS;
    }
    return t->chunks[k];
}

static struct slot slot_at(const struct table *t, size_t row, int col)
{
    size_t i;
    struct table_chunk *c = chunk_of(t, row, &i);
    i += (size_t)col * c->rows;
    return (struct slot){ &c->values[i], &c->state[i] };
}

static struct table_chunk *chunk_new(int ncols, size_t rows)
{
    struct table_chunk *c = xcalloc(1, sizeof(*c));
    size_t cells = rows * (size_t)(ncols ? ncols : 1);
    size_t bytes = cells * (sizeof(*c->values) + 1);
    void *p;
    c->rows = rows;
    if (bytes < 2 * TABLE_HUGE_PAGE || posix_memalign(&p, TABLE_HUGE_PAGE, bytes) != 0) {
        p = xmalloc(bytes);
    } else {
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    }
    c->values = p;
    c->state = (unsigned char *)(c->values + cells);
    memset(c->state, 0, cells);         /* every cell empty until it is set */
    return c;
}

/* Whether the cell owns a string (a set text cell that is not keyed). */
static int owns_text(const struct table *t, int col, unsigned char state)
{
    return state == CELL_SET && column_is_text(&t->cols[col]);
}

/* Makes a cell own no string before it is set anew. */
static void drop_text(struct table *t, struct slot s, int col)
{
    if (owns_text(t, col, *s.state))
        free(s.value->text);
    *s.state = 0;
}

/* Frees the strings a chunk's cells own (its cells past the table's last row are empty). */
static void chunk_free_texts(const struct table *t, struct table_chunk *chunk)
{
    for (int c = 0; c < t->ncols; c++) {
        if (!t->cols[c].owns_texts)     /* keyed or kept texts only (a label column) */
            continue;
        size_t first = (size_t)c * chunk->rows;
        for (size_t i = first; i < first + chunk->rows; i++)
            if (chunk->state[i] == CELL_SET)
                free(chunk->values[i].text);
    }
}

struct table *table_new(const char *name, const char *title)
{
    struct table *t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name ? name : "table");
    t->title = xstrdup(title ? title : t->name);
    t->scratch = xcalloc(1, sizeof(*t->scratch));
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (size_t k = 0; k < t->nchunks; k++) {
        if (t->chunks[k]) {
            chunk_free_texts(t, t->chunks[k]);
            free(t->chunks[k]->values);
        }
        free(t->chunks[k]);
    }
    free(t->chunks);
    free(t->scratch);
    for (size_t i = 0; i < t->nkept; i++)
        free(t->kept[i]);
    free(t->kept);
    for (int c = 0; c < t->ncols; c++)
        free(t->cols[c].name);
    for (int i = 0; i < t->nnotes; i++)
        free(t->note_key[i]);
    free(t->cols);
    free(t->name);
    free(t->title);
    free(t->subtitle);
    free(t);
}

void table_set_subtitle(struct table *t, const char *subtitle)
{
    free(t->subtitle);
    t->subtitle = subtitle ? xstrdup(subtitle) : NULL;
}

int table_add_column(struct table *t, const char *name, enum column_type type)
{
    /* Columns are fixed before the first row. */
    if (t->nrows > 0)
        return -1;
    t->cols = xrealloc(t->cols, sizeof(*t->cols) * (size_t)(t->ncols + 1));
    t->cols[t->ncols].name = xstrdup(name);
    t->cols[t->ncols].type = type;
    t->cols[t->ncols].identifier = 0;
    t->cols[t->ncols].key_text = NULL;
    t->cols[t->ncols].owns_texts = 0;
    t->cols[t->ncols].widest = 0;
    return t->ncols++;
}

int table_add_keyed_column(struct table *t, const char *name, table_key_text_fn *key_text)
{
    int col = table_add_column(t, name, COLUMN_TEXT);
    if (col >= 0)
        t->cols[col].key_text = key_text;
    return col;
}

int table_add_id_column(struct table *t, const char *name)
{
    int col = table_add_column(t, name, COLUMN_INTEGER);
    if (col >= 0)
        t->cols[col].identifier = 1;
    return col;
}

int column_is_text(const struct column *col)
{
    switch (col->type) {
    case COLUMN_TEXT:
    case COLUMN_DATE:
    case COLUMN_MONTH:
    case COLUMN_WEEK:
        return 1;
    default:
        return 0;
    }
}

int column_is_identifier(const struct column *col)
{
    return col && col->type == COLUMN_INTEGER && col->identifier;
}

void table_stream_rows(struct table *t, const struct table_stream *stream)
{
    if (t->nrows == 0 && stream)
        t->stream = stream;
}

void table_set_widest(struct table *t, int col, long width)
{
    if (col >= 0 && col < t->ncols)
        t->cols[col].widest = width;
}

/* Whether the rows before `row` are written now: a terminal table's only when its columns'
 * widths are known, and not before it is large (a small one is measured, as it was). */
static int stream_now(const struct table *t, size_t row)
{
    if (t->stream->format != TEXT_TABLE)
        return 1;
    if (row < TABLE_GROWN_ROWS)
        return 0;
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].widest <= 0)
            return 0;
    return 1;
}

/* Rows 0 .. end - 1, every row of the chunks before the one row `end` starts, written to
 * the stream: their strings and chunks are freed. */
static void stream_chunks(struct table *t, size_t end)
{
    table_stream_write(t, end);
    for (size_t k = 0; k < t->nchunks; k++) {
        if (t->chunks[k]) {
            chunk_free_texts(t, t->chunks[k]);
            free(t->chunks[k]->values);
            free(t->chunks[k]);
            t->chunks[k] = NULL;
        }
    }
}

size_t table_add_row(struct table *t)
{
    size_t row = t->nrows, k = t->nchunks;
    /* The chunks so far hold rows 0 .. row - 1: a new one starts here. */
    if (row == (k <= TABLE_GROWING ? TABLE_FIRST_ROWS * (((size_t)1 << k) - 1)
                                   : TABLE_GROWN_ROWS + (k - TABLE_GROWING) * TABLE_CHUNK_ROWS)) {
        size_t rows = k < TABLE_GROWING ? TABLE_FIRST_ROWS << k : TABLE_CHUNK_ROWS;
        if (t->stream && row > 0 && stream_now(t, row))
            stream_chunks(t, row);
        if ((k & (k - 1)) == 0)         /* 0, 1, 2, 4, 8, ...: the list of chunks is full */
            t->chunks = xrealloc(t->chunks, (k ? 2 * k : 1) * sizeof(*t->chunks));
        t->chunks[k] = chunk_new(t->ncols, rows);
        t->nchunks++;
    }
    return t->nrows++;
}

const struct cell *table_cell(const struct table *t, size_t row, int col)
{
    struct slot s = slot_at(t, row, col);
    struct table_scratch *scratch = t->scratch;
    struct cell *cell = &scratch->cell;
    cell->keyed = 0;
    cell->is_null = !*s.state;
    cell->v.integer = 0;
    if (*s.state & CELL_KEYED) {
        t->cols[col].key_text(s.value->integer, scratch->text, sizeof(scratch->text));
        cell->v.text = scratch->text;
    } else if (*s.state) {
        if (column_is_text(&t->cols[col]))
            cell->v.text = s.value->text;
        else if (t->cols[col].type == COLUMN_REAL)
            cell->v.real = s.value->real;
        else
            cell->v.integer = s.value->integer;
    } else if (column_is_text(&t->cols[col])) {
        cell->v.text = NULL;
    }
    return cell;
}

void table_set_textn(struct table *t, size_t row, int col, const char *text, size_t len)
{
    struct slot s = slot_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, s, col);
        t->cols[col].owns_texts = 1;
        /* Valid text (nearly all of it) is copied as it is, in one allocation. */
        s.value->text = utf8_is_valid(text, len) ? xstrndup(text, len) : utf8_repair(text, len);
    } else {
        char *copy = xstrndup(text, len);
        if (t->cols[col].type == COLUMN_REAL)
            s.value->real = strtod(copy, NULL);
        else
            s.value->integer = strtoll(copy, NULL, 10);
        free(copy);
    }
    *s.state = CELL_SET;
}

void table_set_text(struct table *t, size_t row, int col, const char *text)
{
    if (!text) {
        table_set_null(t, row, col);
        return;
    }
    table_set_textn(t, row, col, text, strlen(text));
}

const char *table_keep_text(struct table *t, const char *text)
{
    if ((t->nkept & (t->nkept - 1)) == 0)       /* 0, 1, 2, 4, ...: the list is full */
        t->kept = xrealloc(t->kept, (t->nkept ? 2 * t->nkept : 1) * sizeof(*t->kept));
    size_t len = strlen(text);
    return t->kept[t->nkept++] = utf8_is_valid(text, len) ? xstrdup(text)
                                                          : utf8_repair(text, len);
}

void table_set_kept_text(struct table *t, size_t row, int col, const char *kept)
{
    if (!column_is_text(&t->cols[col])) {
        table_set_text(t, row, col, kept);
        return;
    }
    struct slot s = slot_at(t, row, col);
    drop_text(t, s, col);
    s.value->text = (char *)kept;       /* read only: owns_text() tells it is not the cell's */
    *s.state = CELL_SET | CELL_KEPT;
}

void table_set_int(struct table *t, size_t row, int col, int64_t value)
{
    struct slot s = slot_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, s, col);
        t->cols[col].owns_texts = 1;
        s.value->text = xasprintf("%lld", (long long)value);
    } else if (t->cols[col].type == COLUMN_REAL) {
        s.value->real = (double)value;
    } else {
        s.value->integer = value;
    }
    *s.state = CELL_SET;
}

void table_set_real(struct table *t, size_t row, int col, double value)
{
    struct slot s = slot_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, s, col);
        t->cols[col].owns_texts = 1;
        s.value->text = xasprintf("%g", value);
    } else if (t->cols[col].type == COLUMN_REAL) {
        s.value->real = value;
    } else {
        s.value->integer = (int64_t)value;
    }
    *s.state = CELL_SET;
}

void table_set_null(struct table *t, size_t row, int col)
{
    drop_text(t, slot_at(t, row, col), col);
}

void table_set_key(struct table *t, size_t row, int col, int64_t key)
{
    if (!t->cols[col].key_text) {
        table_set_int(t, row, col, key);
        return;
    }
    struct slot s = slot_at(t, row, col);
    drop_text(t, s, col);
    s.value->integer = key;
    *s.state = CELL_SET | CELL_KEYED;
}

double table_number(const struct table *t, size_t row, int col)
{
    struct slot s = slot_at(t, row, col);
    char buf[TABLE_KEY_TEXT];
    if (!*s.state)
        return 0;
    if (*s.state & CELL_KEYED) {
        t->cols[col].key_text(s.value->integer, buf, sizeof(buf));
        return strtod(buf, NULL);
    }
    if (column_is_text(&t->cols[col]))
        return strtod(s.value->text, NULL);
    if (t->cols[col].type == COLUMN_REAL)
        return s.value->real;
    return (double)s.value->integer;
}

/* value in decimal into buf, as "%lld" would write it: it runs once per integer cell
 * written out, millions of times. */
static const char *format_integer(int64_t value, char *buf, size_t size)
{
    char digits[24];
    char *p = digits + sizeof(digits);
    uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    *--p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (value < 0)
        *--p = '-';
    size_t n = (size_t)(digits + sizeof(digits) - p);  /* with the NUL */
    if (size == 0)
        return buf;
    if (n > size)
        n = size;
    memcpy(buf, p, n);
    buf[n - 1] = '\0';
    return buf;
}

void table_row_at(const struct table *t, size_t row, struct table_row *out)
{
    size_t i;
    const struct table_chunk *c = chunk_of(t, row, &i);
    *out = (struct table_row){ t, &c->values[i], &c->state[i], c->rows };
}

const char *table_row_text(const struct table_row *r, int col, char *buf, size_t size)
{
    const struct table *t = r->table;
    const union table_value *value = &r->values[(size_t)col * r->stride];
    unsigned char state = r->state[(size_t)col * r->stride];
    if (!state) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    if (state & CELL_KEPT)
        return value->text;
    if (state & CELL_KEYED) {
        t->cols[col].key_text(value->integer, buf, size);
        return buf;
    }
    if (column_is_text(&t->cols[col]))
        return value->text;
    switch (t->cols[col].type) {
    case COLUMN_REAL:
        snprintf(buf, size, "%.10g", value->real);
        return buf;
    case COLUMN_TIMESTAMP: {
        time_t when = (time_t)value->integer;
        struct tm tm;
        gmtime_r(&when, &tm);
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf;
    }
    default:
        return format_integer(value->integer, buf, size);
    }
}

int table_row_int(const struct table_row *r, int col, int64_t *value)
{
    size_t i = (size_t)col * r->stride;
    *value = r->values[i].integer;
    return r->state[i] != 0;
}

const char *table_text(const struct table *t, size_t row, int col, char *buf, size_t size)
{
    struct table_row r;
    table_row_at(t, row, &r);
    return table_row_text(&r, col, buf, size);
}

int table_column_index(const struct table *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return c;
    return -1;
}

int table_keys_ascend(const struct table *t, int col)
{
    int64_t last = 0;
    if (col < 0 || col >= t->ncols || !t->cols[col].key_text)
        return 0;
    for (size_t r = 0; r < t->nrows; r++) {
        struct slot s = slot_at(t, r, col);
        if (!(*s.state & CELL_KEYED) || (r > 0 && s.value->integer <= last))
            return 0;
        last = s.value->integer;
    }
    return 1;
}

void table_add_note(struct table *t, const char *key, double value)
{
    if (t->nnotes == TABLE_MAX_NOTES)
        return;
    t->note_key[t->nnotes] = xstrdup(key);
    t->note_value[t->nnotes++] = value;
}
