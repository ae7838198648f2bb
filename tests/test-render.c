/* test-render.c: unit tests for the table and its text output: CSV quoting and the formula
 * guard, TSV, JSON escaping, the aligned terminal table. */
#include "tests/tap.h"
#include "render/render.h"

#include <stdlib.h>

static char *render(const struct table *t, enum text_format format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    table_write_text(t, format, out);
    fclose(out);
    return buf;
}

static struct table *sample_table(void)
{
    struct table *t = table_new("apps", "Application server");
    table_add_column(t, "app", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    const char *names[] = { "nginx", "=cmd|' /C calc'!A0", "a,b \"quoted\"", "line\nbreak",
                            "-2+3", "tab\there" };
    for (int i = 0; i < 6; i++) {
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, names[i]);
        table_set_int(t, row, 1, 1000 * (i + 1));
    }
    return t;
}

int main(void)
{
    struct table *t = sample_table();
    CHECK_INT(t->nrows, 6, "rows added");
    CHECK_INT(table_column_index(t, "services"), 1, "columns found by name");
    CHECK(table_number(t, 2, 1) == 3000.0, "numbers read back");
    CHECK_INT(table_add_column(t, "late", COLUMN_TEXT), -1, "no columns after rows");

    char *csv = render(t, TEXT_CSV);
    CHECK_STR(csv, "app,services\n"
                   "nginx,1000\n"
                   "\"'=cmd|' /C calc'!A0\",2000\n"
                   "\"a,b \"\"quoted\"\"\",3000\n"
                   "\"line\nbreak\",4000\n"
                   "\"'-2+3\",5000\n"
                   "tab\there,6000\n",
              "CSV: header, RFC 4180 quoting, formulas guarded with a quote");
    free(csv);

    char *tsv = render(t, TEXT_TSV);
    CHECK(strstr(tsv, "app\tservices\n") == tsv, "TSV header");
    CHECK(strstr(tsv, "line break\t4000\n") != NULL, "TSV: line breaks become spaces");
    CHECK(strstr(tsv, "tab here\t6000\n") != NULL, "TSV: tabs become spaces");
    free(tsv);

    char *json = render(t, TEXT_JSON);
    CHECK(strstr(json, "{\"app\": \"line\\nbreak\", \"services\": 4000}") != NULL,
          "JSON escapes newlines and keeps numbers as numbers");
    CHECK(strstr(json, "\"a,b \\\"quoted\\\"\"") != NULL, "JSON escapes quotes");
    free(json);

    char *text = render(t, TEXT_TABLE);
    CHECK(strstr(text, "app                 services\n") == text, "table header aligned");
    CHECK(strstr(text, "nginx                  1,000\n") != NULL,
          "numbers right-aligned with thousands separators");
    CHECK(strstr(text, "line\\x0abreak") != NULL, "control bytes shown as \\xHH");
    free(text);

    size_t row = table_add_row(t);
    table_set_textn(t, row, 0, "bad \xff\xfe", 6);
    CHECK_STR(table_cell(t, row, 0)->v.text, "bad \xef\xbf\xbd\xef\xbf\xbd",
              "text cells are stored as valid UTF-8");
    CHECK(table_cell(t, row, 1)->is_null, "unset cells are NULL");
    table_free(t);

    struct table *empty = table_new("e", NULL);
    table_add_column(empty, "x", COLUMN_INTEGER);
    char *ej = render(empty, TEXT_JSON);
    CHECK_STR(ej, "[]\n", "an empty table is an empty JSON array");
    free(ej);
    table_free(empty);
    return tap_done();
}
