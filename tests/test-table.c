/* test-table.c: unit tests for a table of many rows: cells read back as set across the
 * table's chunks (text, integers, reals, keys, NULLs, cells set twice), text kept once
 * and shared by many cells, keys in order found distinct, a large table written as CSV
 * with every row, and written as it is made (streamed) in CSV, TSV, JSON and as a
 * terminal table whose widths are known; long cells cut short in a terminal table. */
#include "tests/tap.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#define ROWS 600000             /* past the growing chunks into full ones */

static void key_text(int64_t key, char *buf, size_t size)
{
    snprintf(buf, size, "k%lld", (long long)key);
}

/* ROWS rows of every kind of cell; stream: where they are written as they are made, or
 * NULL; widest: each column's widest cell (table_set_widest), or NULL. */
static struct table *big_table_widest(const struct table_stream *stream, const long *widest)
{
    struct table *t = table_new("big", "Many rows");
    table_add_keyed_column(t, "key", key_text);
    table_add_column(t, "n", COLUMN_INTEGER);
    table_add_column(t, "x", COLUMN_REAL);
    table_add_column(t, "name", COLUMN_TEXT);
    for (int c = 0; c < 4 && widest; c++)
        table_set_widest(t, c, widest[c]);
    table_stream_rows(t, stream);
    for (size_t r = 0; r < ROWS; r++) {
        size_t row = table_add_row(t);
        char name[32];
        table_set_key(t, row, 0, (int64_t)r * 2);
        table_set_int(t, row, 1, (int64_t)r);
        if (r % 3)
            table_set_real(t, row, 2, (double)r / 4);
        snprintf(name, sizeof name, "row %zu", r);
        if (r % 5 == 0) {
            table_set_text(t, row, 3, "replaced");
            table_set_text(t, row, 3, name);    /* the first text is freed */
        } else if (r % 5 == 1) {
            table_set_text(t, row, 3, name);
            table_set_null(t, row, 3);
        } else {
            table_set_text(t, row, 3, name);
        }
    }
    return t;
}

static struct table *big_table_to(const struct table_stream *stream)
{
    return big_table_widest(stream, NULL);
}

static struct table *big_table(void)
{
    return big_table_to(NULL);
}

static void test_cells(void)
{
    struct table *t = big_table();
    size_t bad = 0;
    char buf[64], want[64];
    CHECK_INT(t->nrows, ROWS, "every row added");
    for (size_t r = 0; r < ROWS; r++) {
        const struct cell *c = table_cell(t, r, 0);
        snprintf(want, sizeof want, "k%zu", r * 2);
        if (c->is_null || strcmp(c->v.text, want) != 0)
            bad++;
        c = table_cell(t, r, 1);
        if (c->is_null || c->v.integer != (int64_t)r)
            bad++;
        c = table_cell(t, r, 2);
        if (r % 3 ? c->is_null || c->v.real != (double)r / 4 : !c->is_null)
            bad++;
        c = table_cell(t, r, 3);
        snprintf(want, sizeof want, "row %zu", r);
        if (r % 5 == 1 ? !c->is_null : c->is_null || strcmp(c->v.text, want) != 0)
            bad++;
        if (strcmp(table_text(t, r, 1, buf, sizeof buf), want + 4) != 0)
            bad++;
    }
    CHECK_INT(bad, 0, "every cell reads back as set, in every chunk");
    CHECK(table_number(t, ROWS - 1, 2) == (double)(ROWS - 1) / 4, "a real in the last chunk");
    CHECK(table_keys_ascend(t, 0), "ascending keys are found distinct");
    CHECK(!table_keys_ascend(t, 1), "a column without keys is not");
    table_set_key(t, ROWS - 1, 0, 0);
    CHECK(!table_keys_ascend(t, 0), "nor keys out of order");
    table_set_text(t, ROWS / 2, 0, "plain");
    CHECK_STR(table_cell(t, ROWS / 2, 0)->v.text, "plain", "a keyed column takes text too");
    table_set_key(t, ROWS - 1, 0, (int64_t)ROWS * 2);
    CHECK(!table_keys_ascend(t, 0), "nor a column with a cell that is not keyed");
    table_free(t);
}

/* Cells that share a kept text read it back, may be set anew as any other cell, and the
 * table frees each kept text once (the sanitizers' and valgrind's runs tell). */
static void test_kept_text(void)
{
    struct table *t = table_new("kept", "Kept text");
    table_add_column(t, "label", COLUMN_TEXT);
    table_add_column(t, "n", COLUMN_INTEGER);
    char label[16] = "aws:eu-west-1";
    const char *kept = table_keep_text(t, label);
    const char *other = table_keep_text(t, "(several)");
    size_t bad = 0;
    char buf[32];
    memset(label, 'x', sizeof(label) - 1);     /* the table's copy does not change */
    for (size_t r = 0; r < ROWS; r++) {
        size_t row = table_add_row(t);
        table_set_kept_text(t, row, 0, r % 2 ? kept : other);
        table_set_kept_text(t, row, 1, "7");   /* a number column takes the number */
    }
    table_set_text(t, 1, 0, "own");            /* a kept cell set anew: nothing freed */
    table_set_null(t, 3, 0);
    table_set_kept_text(t, 4, 0, kept);        /* and a cell owning text set to a kept one */
    for (size_t r = 0; r < ROWS; r++) {
        const char *want = r == 1 ? "own" : r == 3 ? "" : r % 2 || r == 4 ? "aws:eu-west-1"
                                                                           : "(several)";
        if (strcmp(table_text(t, r, 0, buf, sizeof buf), want) != 0 ||
            table_cell(t, r, 0)->is_null != (r == 3) || table_number(t, r, 1) != 7)
            bad++;
    }
    CHECK_INT(bad, 0, "every cell reads the kept text it was set to");
    CHECK(table_cell(t, 5, 0)->v.text == kept, "and shares the one copy");
    CHECK_STR(table_keep_text(t, "caf\xe9"), "caf\xef\xbf\xbd",
              "a kept text is valid UTF-8, as a set one is");
    table_free(t);
}

/* A table whose text cells share kept strings, written in each format, is written as the
 * same table with a copy of the string in every cell: the writers' reuse of what they made
 * of a shared string (checked for quoting, made safe, measured) does not show. The kept
 * strings need quoting, escaping, a formula guard or cutting short, or none of these, and
 * alternate with empty cells, keyed cells and owned copies of the same text. */
static struct table *shared_text_table(int kept)
{
    static const char *const texts[] = {
        "aws:eu-west-1", "a,b \"c\"", "tab\there\x01", "=1+1", "",
        "caf\xc3\xa9 " "0123456789012345678901234567890123456789012345678901234567890123",
    };
    enum { NTEXTS = sizeof texts / sizeof texts[0] };
    struct table *t = table_new("shared", "Shared text");
    const char *shared[NTEXTS];
    table_add_keyed_column(t, "key", key_text);
    table_add_column(t, "label", COLUMN_TEXT);
    table_add_column(t, "n", COLUMN_INTEGER);
    table_add_column(t, "last", COLUMN_TEXT);
    for (size_t i = 0; i < NTEXTS; i++)
        shared[i] = table_keep_text(t, texts[i]);
    for (size_t r = 0; r < 1000; r++) {
        size_t row = table_add_row(t), i = (r / 3 + r % 7) % NTEXTS;
        table_set_key(t, row, 0, (int64_t)r);
        if (r % 4 == 3)
            ;                                   /* empty */
        else if (kept && r % 5)
            table_set_kept_text(t, row, 1, shared[i]);
        else
            table_set_text(t, row, 1, texts[i]);
        table_set_int(t, row, 2, (int64_t)r * 1001);
        if (r % 9 == 0)
            ;                                   /* empty */
        else if (kept && r % 2)
            table_set_kept_text(t, row, 3, shared[(i + 1) % NTEXTS]);
        else
            table_set_text(t, row, 3, texts[(i + 1) % NTEXTS]);
    }
    return t;
}

static void test_shared_text_written(void)
{
    static const struct { enum text_format format; const char *name; } formats[] = {
        { TEXT_TABLE, "terminal" }, { TEXT_CSV, "CSV" }, { TEXT_TSV, "TSV" },
        { TEXT_JSON, "JSON" },
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *out[2] = { NULL, NULL };
        size_t len[2] = { 0, 0 };
        for (int kept = 0; kept < 2; kept++) {
            FILE *f = open_memstream(&out[kept], &len[kept]);
            struct table *t = shared_text_table(kept);
            table_write_text(t, formats[i].format, f);
            fclose(f);
            table_free(t);
        }
        CHECK(len[0] > 20000 && len[0] == len[1] && memcmp(out[0], out[1], len[0]) == 0,
              "%s: shared strings written as copies are (%zu and %zu bytes)", formats[i].name,
              len[0], len[1]);
        /* Keyed cells, spelled out one by one into the same place, are each their own. */
        size_t keys = 0;
        char want[32];
        for (const char *p = out[1]; p && (p = strchr(p, '\n')) != NULL; p++) {
            int n = snprintf(want, sizeof want, "%sk%zu%s", i == 3 ? " {\"key\": \"" : "",
                             keys, i == 0 ? " " : i == 3 ? "\"" : i == 1 ? "," : "\t");
            keys += strncmp(p + 1, want, (size_t)n) == 0;
        }
        CHECK(keys == 1000, "%s: every key in its row (%zu)", formats[i].name, keys);
        free(out[0]);
        free(out[1]);
    }
}

static void test_csv(void)
{
    struct table *t = big_table();
    char *buf = NULL;
    size_t len = 0, lines = 0;
    FILE *out = open_memstream(&buf, &len);
    CHECK_INT(table_write_text(t, TEXT_CSV, out), TALLY_OK, "CSV of many rows");
    fclose(out);
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    CHECK_INT(lines, ROWS + 1, "a header and every row");
    CHECK(strncmp(buf, "key,n,x,name\nk0,0,,row 0\nk2,1,0.25,\nk4,2,0.5,row 2\n", 49) == 0,
          "the first rows as set");
    CHECK(len > 40 && strcmp(buf + len - 38, "\nk1199998,599999,149999.75,row 599999\n") == 0,
          "the last row as set");
    free(buf);
    table_free(t);
}

/* The rows of a table streamed in each format are those of the table written whole; the
 * first are written, and their memory freed, before the table is done. */
static void test_stream(void)
{
    static const struct { enum text_format format; const char *name; } formats[] = {
        { TEXT_CSV, "CSV" }, { TEXT_TSV, "TSV" }, { TEXT_JSON, "JSON" },
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *whole = NULL, *streamed = NULL;
        size_t whole_len = 0, streamed_len = 0;
        FILE *out = open_memstream(&whole, &whole_len);
        struct table *t = big_table();
        table_write_text(t, formats[i].format, out);
        fclose(out);
        table_free(t);

        out = open_memstream(&streamed, &streamed_len);
        struct table_stream stream = { formats[i].format, out };
        t = big_table_to(&stream);
        fflush(out);
        CHECK(t->written > ROWS / 2 && streamed_len > whole_len / 2,
              "%s: most rows written while the table is made (%zu rows, %zu bytes)",
              formats[i].name, t->written, streamed_len);
        CHECK(t->chunks[0] == NULL && t->chunks[t->nchunks - 1] != NULL,
              "%s: their chunks freed, the last kept", formats[i].name);
        CHECK_INT(table_write_text(t, formats[i].format, out), TALLY_OK, "and the rest after");
        fclose(out);
        CHECK(streamed_len == whole_len && memcmp(streamed, whole, whole_len) == 0,
              "%s: the same bytes as the table written whole (%zu and %zu)", formats[i].name,
              streamed_len, whole_len);
        table_free(t);
        free(whole);
        free(streamed);
    }
}

/* A terminal table is streamed only when every column has a widest cell: its columns are
 * then that wide. Given the widths its cells have, it is the table written whole. */
static void test_stream_terminal(void)
{
    char *whole = NULL, *streamed = NULL;
    size_t whole_len = 0, streamed_len = 0;
    FILE *out = open_memstream(&whole, &whole_len);
    struct table *t = big_table();
    table_write_text(t, TEXT_TABLE, out);
    fclose(out);
    table_free(t);
    /* The widths, from the rule under the header: dashes, two spaces apart. */
    long widths[4] = { 0 };
    int c = 0;
    for (const char *p = strchr(whole, '\n') + 1; *p != '\n' && c < 4; p++) {
        if (*p == '-')
            widths[c]++;
        else if (p[1] != ' ')
            c++;
    }
    CHECK(widths[0] > 0 && widths[3] > 0, "four columns measured (%ld %ld %ld %ld)",
          widths[0], widths[1], widths[2], widths[3]);

    out = open_memstream(&streamed, &streamed_len);
    struct table_stream stream = { TEXT_TABLE, out };
    t = big_table_to(&stream);
    CHECK_INT(t->written, 0, "a terminal table without its widths holds every row");
    table_free(t);
    fclose(out);
    free(streamed);

    streamed = NULL;
    out = open_memstream(&streamed, &streamed_len);
    stream.out = out;
    t = big_table_widest(&stream, widths);
    CHECK(t->written > ROWS / 2 && t->chunks[0] == NULL,
          "with them, most rows written while the table is made (%zu), their chunks freed",
          t->written);
    CHECK_INT(table_write_text(t, TEXT_TABLE, out), TALLY_OK, "and the rest after");
    fclose(out);
    CHECK(streamed_len == whole_len && memcmp(streamed, whole, whole_len) == 0,
          "the same bytes as the table written whole (%zu and %zu)", streamed_len, whole_len);
    table_free(t);
    free(whole);
    free(streamed);

    CHECK_INT(table_text_width("row 599999"), 10, "a text's width in a terminal table");
    CHECK_INT(table_text_width("a\tb"), 6, "a control byte's: shown as \\xHH");
}

/* A terminal table shows a long text cell's first 59 columns and an ellipsis: printable
 * text, and text with a control byte (shown as \\xHH) alike; a cell of 60 whole. */
static void test_long_cells(void)
{
    char sixty[61], long_text[81], with_tab[81], tab_late[81];
    memset(sixty, 'b', 60);
    sixty[60] = '\0';
    memset(long_text, 'a', 80);
    long_text[80] = '\0';
    memcpy(with_tab, long_text, sizeof(with_tab));
    with_tab[2] = '\t';
    memcpy(tab_late, long_text, sizeof(tab_late));
    tab_late[70] = '\t';               /* past the cut: not shown, whatever it is */
    CHECK_INT(table_text_width(long_text), 60, "80 columns of text take 60");
    CHECK_INT(table_text_width(sixty), 60, "60 take 60");
    CHECK_INT(table_text_width(with_tab), 60, "80 with a tab take 60");

    struct table *t = table_new("long", "Long cells");
    table_add_column(t, "text", COLUMN_TEXT);
    table_add_column(t, "n", COLUMN_INTEGER);
    const char *cells[] = { long_text, sixty, with_tab, tab_late };
    for (int i = 0; i < 4; i++) {
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, cells[i]);
        table_set_int(t, row, 1, i);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    table_write_text(t, TEXT_TABLE, out);
    fclose(out);
    char want[4][128];
    snprintf(want[0], sizeof want[0], "\n%.59s\xe2\x80\xa6  0\n", long_text);
    snprintf(want[1], sizeof want[1], "\n%s  1\n", sixty);
    snprintf(want[2], sizeof want[2], "\naa\\x09%.53s\xe2\x80\xa6  2\n", long_text);
    snprintf(want[3], sizeof want[3], "\n%.59s\xe2\x80\xa6  3\n", long_text);
    for (int i = 0; i < 4; i++)
        CHECK(strstr(buf, want[i]) != NULL, "row %d shown as it should be", i);
    free(buf);
    table_free(t);
}

int main(void)
{
    test_cells();
    test_kept_text();
    test_shared_text_written();
    test_csv();
    test_stream();
    test_stream_terminal();
    test_long_cells();
    return tap_done();
}
