/* test-render.c: unit tests for the table and its text output: CSV quoting and the formula
 * guard, TSV, JSON escaping, the aligned terminal table, columns shown by their type (not
 * their name), and the Excel chart each chart kind becomes. */
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

/* Columns whose names say the opposite of their types: "x" holds dates, "n" ports, "day"
 * plain text and "port" a count. */
static struct table *typed_table(void)
{
    struct table *t = table_new("typed", "Typed columns");
    table_add_column(t, "x", COLUMN_DATE);
    table_add_column(t, "m", COLUMN_MONTH);
    table_add_column(t, "w", COLUMN_WEEK);
    table_add_id_column(t, "n");
    table_add_column(t, "day", COLUMN_TEXT);
    table_add_column(t, "port", COLUMN_INTEGER);
    size_t row = table_add_row(t);
    table_set_text(t, row, 0, "2024-01-05");
    table_set_text(t, row, 1, "2024-02");
    table_set_text(t, row, 2, "2024-W03");
    table_set_int(t, row, 3, 8080);
    table_set_text(t, row, 4, "2024-01-05");
    table_set_int(t, row, 5, 8080);
    return t;
}

static void check_typed(void)
{
    struct table *t = typed_table();
    char buf[64];
    CHECK(column_is_text(&t->cols[0]) && column_is_text(&t->cols[1])
          && column_is_text(&t->cols[2]), "dates, months and weeks are stored as text");
    CHECK(column_is_identifier(&t->cols[3]) && t->cols[3].type == COLUMN_INTEGER,
          "an id column is an integer column of identifiers");
    CHECK(!column_is_identifier(&t->cols[5]), "a column named port is a count unless said");
    CHECK_STR(table_text(t, 0, 0, buf, sizeof buf), "2024-01-05", "a date reads as its text");
    CHECK(table_number(t, 0, 3) == 8080.0, "an identifier reads as its number");

    char *csv = render(t, TEXT_CSV);
    CHECK_STR(csv, "x,m,w,n,day,port\n2024-01-05,2024-02,2024-W03,8080,2024-01-05,8080\n",
              "CSV: dates, months and weeks as written");
    free(csv);
    char *json = render(t, TEXT_JSON);
    CHECK_STR(json, "[\n {\"x\": \"2024-01-05\", \"m\": \"2024-02\", \"w\": \"2024-W03\", "
                    "\"n\": 8080, \"day\": \"2024-01-05\", \"port\": 8080}\n]\n",
              "JSON: dates as strings, identifiers as numbers");
    free(json);
    char *text = render(t, TEXT_TABLE);
    CHECK(strstr(text, "2024-01-05  2024-02  2024-W03  8080  2024-01-05  8,080\n") != NULL,
          "table: the id column without separators, the count with them");
    free(text);
    table_free(t);

    struct table *late = table_new("late", NULL);
    table_add_column(late, "a", COLUMN_TEXT);
    table_add_row(late);
    CHECK_INT(table_add_id_column(late, "n"), -1, "no id columns after rows");
    table_free(late);
}

static void check_chart_excel(void)
{
    CHECK_INT(chart_kind_excel(CHART_BAR), CHART_EXCEL_COLUMN, "bar: Excel column chart");
    CHECK_INT(chart_kind_excel(CHART_HBAR), CHART_EXCEL_BAR, "hbar: Excel bar chart");
    CHECK_INT(chart_kind_excel(CHART_STACKED_BAR), CHART_EXCEL_STACKED_COLUMN,
              "stacked bar: Excel stacked column chart");
    CHECK_INT(chart_kind_excel(CHART_GROUPED_BAR), CHART_EXCEL_COLUMN,
              "grouped bar: Excel column chart");
    CHECK_INT(chart_kind_excel(CHART_LINE), CHART_EXCEL_LINE, "line: Excel line chart");
    static const enum chart_kind pictures[] = { CHART_HISTOGRAM, CHART_HEATMAP, CHART_TREEMAP,
                                                CHART_SANKEY, CHART_ADDRESS_MAP };
    for (size_t i = 0; i < sizeof pictures / sizeof pictures[0]; i++)
        CHECK(chart_kind_excel(pictures[i]) == CHART_EXCEL_PICTURE, "%s: a picture",
              chart_kind_name(pictures[i]));
    CHECK_INT(chart_kind_excel(CHART_NONE), CHART_EXCEL_NONE, "none: no chart");
    CHECK_INT(chart_kind_excel(CHART_KIND_COUNT), CHART_EXCEL_NONE, "unknown: no chart");
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

    check_typed();
    check_chart_excel();
    return tap_done();
}
