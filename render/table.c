/* table.c: the typed table analyses fill and renderers read. */
#include "render/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define TABLE_KEY_TEXT 128      /* bytes a keyed cell's text takes at most */
/* Cells of a table this big live on huge pages: a table of millions of rows (a subnet
 * per row) otherwise takes a page fault every 4 KiB as it fills, and on a virtual machine
 * those faults cost more than filling the rows. */
#define TABLE_HUGE_PAGE ((size_t)2 << 20)

/* A keyed cell spelled out for table_cell(). */
struct table_scratch {
    struct cell cell;
    char text[TABLE_KEY_TEXT];
};

/* Whether the cell owns a string (a text column's cell that is not keyed). */
static int owns_text(const struct table *t, const struct cell *c, int col)
{
    return column_is_text(&t->cols[col]) && !c->keyed;
}

/* Makes a text column's cell own no string before it is set anew. */
static void drop_text(struct table *t, struct cell *c, int col)
{
    if (owns_text(t, c, col))
        free(c->v.text);
    c->v.text = NULL;
    c->keyed = 0;
}

struct table *table_new(const char *name, const char *title)
{
    struct table *t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name ? name : "table");
    t->title = xstrdup(title ? title : t->name);
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            struct cell *cell = &t->cells[r * (size_t)t->ncols + (size_t)c];
            if (owns_text(t, cell, c))
                free(cell->v.text);
        }
    free(t->scratch);
    for (int c = 0; c < t->ncols; c++)
        free(t->cols[c].name);
    for (int i = 0; i < t->nnotes; i++)
        free(t->note_key[i]);
    free(t->cols);
    free(t->cells);
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
    return t->ncols++;
}

int table_add_keyed_column(struct table *t, const char *name, table_key_text_fn *key_text)
{
    int col = table_add_column(t, name, COLUMN_TEXT);
    if (col >= 0) {
        t->cols[col].key_text = key_text;
        if (!t->scratch)
            t->scratch = xcalloc(1, sizeof(*t->scratch));
    }
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

/* Room for twice the rows: a small table grows in place, a big one moves to memory
 * aligned for huge pages (realloc would not keep the alignment). */
static void grow_rows(struct table *t)
{
    size_t rows = t->alloc_rows ? t->alloc_rows * 2 : 16;
    size_t bytes = sizeof(*t->cells) * rows * (size_t)t->ncols;
    void *p;
    if (bytes < 2 * TABLE_HUGE_PAGE || posix_memalign(&p, TABLE_HUGE_PAGE, bytes) != 0) {
        t->cells = xrealloc(t->cells, bytes);
    } else {
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
        if (t->nrows)
            memcpy(p, t->cells, sizeof(*t->cells) * t->nrows * (size_t)t->ncols);
        free(t->cells);
        t->cells = p;
    }
    t->alloc_rows = rows;
}

size_t table_add_row(struct table *t)
{
    if (t->nrows == t->alloc_rows)
        grow_rows(t);
    struct cell *row = t->cells + t->nrows * (size_t)t->ncols;
    for (int c = 0; c < t->ncols; c++)
        row[c] = (struct cell){ .is_null = 1 };
    return t->nrows++;
}

static struct cell *cell_at(struct table *t, size_t row, int col)
{
    return t->cells + row * (size_t)t->ncols + (size_t)col;
}

const struct cell *table_cell(const struct table *t, size_t row, int col)
{
    const struct cell *c = t->cells + row * (size_t)t->ncols + (size_t)col;
    if (!c->keyed)
        return c;
    struct table_scratch *s = t->scratch;
    t->cols[col].key_text(c->v.integer, s->text, sizeof(s->text));
    s->cell.is_null = 0;
    s->cell.keyed = 0;
    s->cell.v.text = s->text;
    return &s->cell;
}

void table_set_textn(struct table *t, size_t row, int col, const char *text, size_t len)
{
    struct cell *c = cell_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, c, col);
        /* Valid text (nearly all of it) is copied as it is, in one allocation. */
        c->v.text = utf8_is_valid(text, len) ? xstrndup(text, len) : utf8_repair(text, len);
    } else {
        char *copy = xstrndup(text, len);
        if (t->cols[col].type == COLUMN_REAL)
            c->v.real = strtod(copy, NULL);
        else
            c->v.integer = strtoll(copy, NULL, 10);
        free(copy);
    }
    c->is_null = 0;
}

void table_set_text(struct table *t, size_t row, int col, const char *text)
{
    if (!text) {
        table_set_null(t, row, col);
        return;
    }
    table_set_textn(t, row, col, text, strlen(text));
}

void table_set_int(struct table *t, size_t row, int col, int64_t value)
{
    struct cell *c = cell_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, c, col);
        c->v.text = xasprintf("%lld", (long long)value);
    } else if (t->cols[col].type == COLUMN_REAL) {
        c->v.real = (double)value;
    } else {
        c->v.integer = value;
    }
    c->is_null = 0;
}

void table_set_real(struct table *t, size_t row, int col, double value)
{
    struct cell *c = cell_at(t, row, col);
    if (column_is_text(&t->cols[col])) {
        drop_text(t, c, col);
        c->v.text = xasprintf("%g", value);
    } else if (t->cols[col].type == COLUMN_REAL) {
        c->v.real = value;
    } else {
        c->v.integer = (int64_t)value;
    }
    c->is_null = 0;
}

void table_set_null(struct table *t, size_t row, int col)
{
    struct cell *c = cell_at(t, row, col);
    if (column_is_text(&t->cols[col]))
        drop_text(t, c, col);
    c->is_null = 1;
}

void table_set_key(struct table *t, size_t row, int col, int64_t key)
{
    if (!t->cols[col].key_text) {
        table_set_int(t, row, col, key);
        return;
    }
    struct cell *c = cell_at(t, row, col);
    drop_text(t, c, col);
    c->keyed = 1;
    c->v.integer = key;
    c->is_null = 0;
}

double table_number(const struct table *t, size_t row, int col)
{
    const struct cell *c = t->cells + row * (size_t)t->ncols + (size_t)col;
    char buf[TABLE_KEY_TEXT];
    if (c->is_null)
        return 0;
    if (c->keyed) {
        t->cols[col].key_text(c->v.integer, buf, sizeof(buf));
        return strtod(buf, NULL);
    }
    if (column_is_text(&t->cols[col]))
        return strtod(c->v.text, NULL);
    if (t->cols[col].type == COLUMN_REAL)
        return c->v.real;
    return (double)c->v.integer;
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

const char *table_text(const struct table *t, size_t row, int col, char *buf, size_t size)
{
    const struct cell *c = t->cells + row * (size_t)t->ncols + (size_t)col;
    if (c->is_null) {
        snprintf(buf, size, "%s", "");
        return buf;
    }
    if (c->keyed) {
        t->cols[col].key_text(c->v.integer, buf, size);
        return buf;
    }
    if (column_is_text(&t->cols[col]))
        return c->v.text;
    switch (t->cols[col].type) {
    case COLUMN_REAL:
        snprintf(buf, size, "%.10g", c->v.real);
        return buf;
    case COLUMN_TIMESTAMP: {
        time_t when = (time_t)c->v.integer;
        struct tm tm;
        gmtime_r(&when, &tm);
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf;
    }
    default:
        return format_integer(c->v.integer, buf, size);
    }
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
    if (col < 0 || col >= t->ncols || !t->cols[col].key_text)
        return 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const struct cell *c = t->cells + r * (size_t)t->ncols + (size_t)col;
        if (!c->keyed || (r > 0 && c->v.integer <= c[-t->ncols].v.integer))
            return 0;
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
