/* clickhouse.h: the store's ClickHouse backend (-d clickhouse://...): what the rest of
 * tally may ask of it beyond the store API, namely whether a store is one, and running a
 * SELECT whose answer comes back as TabSeparated rows (the analyses' queries). */
#ifndef TALLY_CLICKHOUSE_H
#define TALLY_CLICKHOUSE_H

#include <stddef.h>

#include "util/util.h"

struct store;

/* Whether a database name is a ClickHouse URL (clickhouse://...). */
int clickhouse_is_url(const char *name);
/* Whether the store is a ClickHouse database. */
int store_is_clickhouse(const struct store *store);

/* The rows a SELECT returned: clickhouse_next_row() steps through them, each field
 * unescaped and NUL-terminated in field[], NULL for \N. */
#define CLICKHOUSE_MAX_FIELDS 32
struct clickhouse_rows {
    struct strbuf text;         /* the answer, TabSeparated */
    size_t pos;
    int nfields;
    char *field[CLICKHOUSE_MAX_FIELDS];
};
/* Runs sql (a SELECT, without a FORMAT clause) on the store's first server; the rows
 * come back in *rows (release with clickhouse_rows_release()). TALLY_ERROR_DATABASE with
 * diag saying "<what>: <why>" when the server refused or could not be reached. */
enum tally_error clickhouse_select(struct store *store, const char *sql,
                                   struct clickhouse_rows *rows, const char *what,
                                   struct tally_diag *diag);
int clickhouse_next_row(struct clickhouse_rows *rows);
void clickhouse_rows_release(struct clickhouse_rows *rows);
/* Appends text as a quoted SQL string literal. */
void clickhouse_quote(struct strbuf *sql, const char *text);

#endif
