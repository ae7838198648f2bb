/* analyzer.h: the analyses (each a `const struct analysis` in its own file, listed once in
 * analysis_table in analyzer/registry.c) and the command-line interface that dispatches to
 * them. An analysis runs SQL against the store and fills a struct table.
 *
 * Ownership: analysis_run() returns a table the caller frees with table_free(). */
#ifndef TALLY_ANALYZER_H
#define TALLY_ANALYZER_H

#include "render/render.h"
#include "store/store.h"
#include "util/util.h"

/* Which filters an analysis honours. */
enum filter_flags {
    FILTER_PORT   = 1 << 0,
    FILTER_PROTO  = 1 << 1,
    FILTER_PREFIX = 1 << 2,
    FILTER_TOP    = 1 << 3,
    FILTER_DATES  = 1 << 4,     /* --since --until */
    FILTER_SOURCE = 1 << 5,
    FILTER_TZ     = 1 << 6,
    FILTER_MAP    = 1 << 7
};

#define FILTER_MAX_PORTS 64
struct filters {
    int nports;
    unsigned ports[FILTER_MAX_PORTS];
    const char *proto;          /* NULL = any */
    int prefix;                 /* 0 = the analysis default (24 for IPv4) */
    int top;                    /* 0 = the analysis default */
    const char *since;          /* "YYYY-MM-DD" or NULL */
    const char *until;
    const char *source;         /* id or tag, NULL = all */
    const char *tz;             /* zone name, NULL = UTC */
    const char *map;            /* path of a domain,company CSV, or NULL */
};

struct analysis {
    const char *name;
    const char *title;          /* one line for `tally analyses` */
    const char *family;         /* "scan", "capture", "time" */
    unsigned filters;           /* enum filter_flags */
    struct chart_spec chart;    /* default chart (kind, columns, axis titles) */
    /* Runs the SQL and fills *out (a new table). */
    enum tally_error (*run)(struct store *store, const struct filters *filters,
                            struct table **out, struct tally_diag *diag);
    /* Whether the database holds data this analysis reads (for `analyses` and `report`). */
    int (*has_data)(struct store *store);
    /* The store table whose source_id says which imports the analysis reads, and its
     * column of unix seconds, for the subtitle ("from scan.oL, 2014-01-10"). NULL: the
     * family's (observation.seen for scans, capture_summary for captures, none for time
     * analyses). */
    const char *source_table;
    const char *time_col;
};

extern const struct analysis *const analysis_table[];
const struct analysis *analysis_find(const char *name);
enum tally_error analysis_run(const struct analysis *a, struct store *store,
                              const struct filters *filters, struct table **out,
                              struct tally_diag *diag);

/* ---- helpers shared by analyses (analyzer/filters.c) ---- */

/* Appends " AND port IN (...) AND proto = ?" style SQL for the filters the analysis takes,
 * on the given column names (NULL to skip one). */
void filters_sql_ports(const struct filters *f, struct strbuf *sql, const char *port_col,
                       const char *proto_col);
void filters_sql_source(const struct filters *f, struct strbuf *sql, const char *source_col);
/* A subtitle naming the filters in effect ("port 9543/tcp, /24, top 10"). */
char *filters_describe(const struct filters *f, unsigned which);
/* True when `sql` (a SELECT) returns at least one row. */
int store_has_rows(struct store *store, const char *sql);
/* Binds the filters to the statement's :source :proto :since :until :tz, those it has. */
void filters_bind(sqlite3_stmt *stmt, const struct filters *f);
/* Runs sql (with the filter's source bound to ?1 where filters_sql_source used it) and
 * appends one table row per result row, columns in order. */
enum tally_error query_into_table(struct store *store, const char *sql,
                                  const struct filters *f, struct table *t,
                                  struct tally_diag *diag);

#endif
