/* analyzer.h: the analyses (each a `const struct analysis` in its own file, listed once in
 * analysis_table in analyzer/registry.c), the filters they take (described once, in
 * filter_table in analyzer/filters.c) and the provenance tables. An analysis runs SQL
 * against the store and fills a struct table.
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
    FILTER_MAP    = 1 << 7,
    FILTER_SCANS  = 1 << 8,     /* --from --to: the two scans compared */
    FILTER_CERT   = 1 << 9,     /* --cert: services presenting a matching certificate */
    FILTER_LABEL  = 1 << 10     /* --label PATTERN: hosts with a matching address label */
};

/* Domain -> company renames from --map FILE (CSV "domain,company"): domains in lower
 * case, without a leading '@'. The command line reads the file (analyses read no files). */
struct company_map {
    size_t n, alloc;
    char **domain;
    char **company;
};
void company_map_add(struct company_map *map, const char *domain, const char *company);
void company_map_free(struct company_map *map);         /* accepts NULL */

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
    const char *from;           /* the scan compared against: id or tag, NULL = default */
    const char *to;             /* the scan compared */
    const char *cert;           /* subject CN or SAN DNS glob, or fingerprint prefix */
    const char *label;          /* --label: a glob over address labels, or NULL */
    const struct company_map *companies;        /* --map as read, or NULL */
    /* Not a filter: where an analysis whose rows are final as it adds them may write
     * them at once (`show` in CSV, TSV or JSON), or NULL (render.h: table_stream_rows). */
    const struct table_stream *stream;
};

/* One filter option, as the command line offers it and analyses honour it. Filters that
 * belong together (--since and --until) share a flag. */
struct filter_def {
    const char *option;         /* the long option without "--": "port" */
    const char *syntax;         /* its value in the FILTERS help: "N[,N..]" */
    unsigned flag;              /* enum filter_flags: the analyses that take it */
    int setting;                /* a setting every analysis accepts, never refused (--tz) */
    const char *sql_param;      /* bound by filters_bind() to this name, or NULL */
    int subtitle_order;         /* place of its words in a subtitle; 0 = none */
    /* Where a text value lives: offsetof(struct filters, ...); 0 for other values. */
    size_t text;
    /* Checks arg and stores it in f; a usage error (diag filled) when it is invalid.
     * NULL: any text is stored as it is. */
    enum tally_error (*parse)(const struct filter_def *def, struct filters *f,
                              const char *arg, struct tally_diag *diag);
    /* Whether f gives it; NULL: whether its text is set. */
    int (*given)(const struct filters *f);
    /* Appends its words for a subtitle ("port 9543/tcp") when which takes it. */
    void (*describe)(const struct filters *f, unsigned which, struct strbuf *out);
};
extern const struct filter_def filter_table[];
extern const int filter_count;

/* Stores arg in f as def says (checking it first). */
enum tally_error filter_parse(const struct filter_def *def, struct filters *f,
                              const char *arg, struct tally_diag *diag);
/* Whether f gives the filter (a setting such as --tz never counts). */
int filter_given(const struct filter_def *def, const struct filters *f);
/* Appends the options of the filters in which (enum filter_flags), in table order and
 * separated by spaces, those that share a flag joined by "/": "--since/--until --source". */
void filters_options(unsigned which, struct strbuf *out);

struct analysis {
    const char *name;
    const char *title;          /* one line for `tally analyses` */
    const char *family;         /* "scan", "capture", "time" */
    unsigned filters;           /* enum filter_flags */
    struct chart_spec chart;    /* default chart (kind, columns, axis titles) */
    /* Runs the SQL and fills *out (a new table). */
    enum tally_error (*run)(struct store *store, const struct filters *filters,
                            struct table **out, struct tally_diag *diag);
    /* The same on a ClickHouse database (analyzer/clickhouse_*.c): the aggregation runs
     * there and the table it fills is the one run fills. NULL: not ported yet. */
    enum tally_error (*run_clickhouse)(struct store *store, const struct filters *filters,
                                       struct table **out, struct tally_diag *diag);
    /* Whether the database holds data this analysis reads (for `analyses` and `report`). */
    int (*has_data)(struct store *store);
    /* The store table whose source_id says which imports the analysis reads, and its
     * column of unix seconds, for the subtitle ("from scan.oL, 2014-01-10"). NULL: the
     * family's (observation.seen for scans, capture_summary for captures, none for time
     * analyses). time_last_col, when the table keeps the latest time apart (NULL: the
     * same column). */
    const char *source_table;
    const char *time_col, *time_last_col;
    /* 1: its run's subtitle names the imports it read (two scans compared), so no
     * provenance is added to it. */
    int names_sources;
};

extern const struct analysis *const analysis_table[];
const struct analysis *analysis_find(const char *name);
/* The catalogue (`tally analyses`): name, family, has_data, chart, title of every analysis;
 * store may be NULL (no database yet: nothing has data). */
enum tally_error analysis_catalogue(struct store *store, struct table **out,
                                    struct tally_diag *diag);
enum tally_error analysis_run(const struct analysis *a, struct store *store,
                              const struct filters *filters, struct table **out,
                              struct tally_diag *diag);
/* Whether the database holds data the analysis reads, on either backend. */
int analysis_has_data(const struct analysis *a, struct store *store);
/* Keeps each kind of imported address labels flattened in the database, as the analyses
 * read them (analyzer/labels.c): run after imports and forgets change them; a kind whose
 * flattened ranges are current is left as it is. */
enum tally_error labels_keep_flattened(struct store *store, struct tally_diag *diag);

/* ---- on a ClickHouse database (analyzer/clickhouse_scan.c) ---- */

enum tally_error clickhouse_ports_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_subnets_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_top_subnets_run(struct store *store, const struct filters *f,
                                            struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_subnet_squares_run(struct store *store, const struct filters *f,
                                               struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_address_map_run(struct store *store, const struct filters *f,
                                            struct table **out, struct tally_diag *diag);
/* The web analyses there (analyzer/clickhouse_web.c). */
enum tally_error clickhouse_apps_run(struct store *store, const struct filters *f,
                                     struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_stacks_run(struct store *store, const struct filters *f,
                                       struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_app_stack_run(struct store *store, const struct filters *f,
                                          struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_services_run(struct store *store, const struct filters *f,
                                         struct table **out, struct tally_diag *diag);
/* changes and changed-services there (analyzer/clickhouse_changes.c); has-data of one of
 * them (-1: not one of them). */
enum tally_error clickhouse_changes_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_changed_services_run(struct store *store, const struct filters *f,
                                                 struct table **out, struct tally_diag *diag);
int clickhouse_changes_has_data(const struct analysis *a, struct store *store);
/* ClickHouse SQL of the selection (analyzer/clickhouse_scan.c): "source_id GLOBAL IN
 * (<the committed imports --source selects>)", and " AND port IN (...) AND proto = ..." of
 * --port and --proto (nothing for those not given). */
void clickhouse_sql_selected(struct strbuf *sql, const struct filters *f);
void clickhouse_sql_ports(struct strbuf *sql, const struct filters *f);
/* Appends "from NAME", "from NAME and NAME" or "from N sources": the selected imports with
 * rows in table, by file name; returns how many. */
int clickhouse_name_sources(struct store *store, const char *table, const struct filters *f,
                            struct strbuf *sb);
/* The metrics capture-summary lists, in its order, and how each combines over several
 * captures (capture_talkers.c; the ClickHouse run reads the same list). */
enum capture_combine {
    CAPTURE_SUM, CAPTURE_MIN_TIME, CAPTURE_MAX_TIME, CAPTURE_MAX, CAPTURE_LIST, CAPTURE_SECONDS
};
struct capture_metric {
    const char *metric;
    enum capture_combine how;
};
#define CAPTURE_NMETRICS 27
extern const struct capture_metric capture_metrics[CAPTURE_NMETRICS];
/* A capture time as capture-summary writes it: "2026-11-22T02:03:09.166879Z". */
void capture_format_time(double t, char *out, size_t size);

/* The capture analyses there (analyzer/clickhouse_capture.c); has-data of one of them
 * (-1: not a capture analysis), the provenance of a capture analysis (NULL: not one). */
enum tally_error clickhouse_talkers_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_capture_summary_run(struct store *store, const struct filters *f,
                                                struct table **out, struct tally_diag *diag);
enum tally_error clickhouse_dns_chains_run(struct store *store, const struct filters *f,
                                           struct table **out, struct tally_diag *diag);
int clickhouse_capture_has_data(const struct analysis *a, struct store *store);
char *clickhouse_capture_provenance(const struct analysis *a, struct store *store,
                                    const struct filters *f);
/* Whether the rows an analysis reads are there; its provenance for the subtitle. */
int clickhouse_has_data(const struct analysis *a, struct store *store);
char *clickhouse_provenance_describe(const struct analysis *a, struct store *store,
                                     const struct filters *f);
/* query_into_table() on a ClickHouse database: cells typed by the table's columns. */
enum tally_error clickhouse_query_into_table(struct store *store, const char *sql,
                                             struct table *t, struct tally_diag *diag);

/* ---- filters in SQL and subtitles (analyzer/filters.c) ---- */

/* Appends " AND port IN (...) AND proto = :proto" style SQL for the filters the analysis
 * takes, on the given column names (NULL to skip one). */
void filters_sql_ports(const struct filters *f, struct strbuf *sql, const char *port_col,
                       const char *proto_col);
void filters_sql_source(const struct filters *f, struct strbuf *sql, const char *source_col);
/* Binds the filters to the statement's :source :proto :since :until :tz, those it has. */
void filters_bind(sqlite3_stmt *stmt, const struct filters *f);
/* "SELECT columns FROM host_set" of the open host sets --port, --proto and --source
 * select, of one family (4 or 6) or both (0), prepared and bound into *out (NULL, with
 * diag saying "<what>: <why>", when SQLite refuses it). */
enum tally_error filters_host_sets(struct store *store, const struct filters *f,
                                   const char *columns, int family, const char *what,
                                   sqlite3_stmt **out, struct tally_diag *diag);
/* A subtitle naming the filters in effect ("port 9543/tcp, /24, top 10"). */
char *filters_describe(const struct filters *f, unsigned which);

/* ---- what analyses share (analyzer/query.c) ---- */

/* True when `sql` (a SELECT) returns at least one row. */
int store_has_rows(struct store *store, const char *sql);
/* Runs sql (with the filters bound by filters_bind()) and appends one table row per
 * result row, columns in order. */
enum tally_error query_into_table(struct store *store, const char *sql,
                                  const struct filters *f, struct table *t,
                                  struct tally_diag *diag);

/* ---- the --cert filter (analyzer/scan_certs.c) ---- */

/* Whether pattern (a glob, case-insensitive; or 4+ hex digits, colons allowed) matches the
 * certificate's subject CN or a SAN DNS name (san_dns ';'-separated), or prefixes sha256. */
int cert_matches(const char *pattern, const char *sha256, const char *subject_cn,
                 const char *san_dns);
/* SELECT proto, port, 1, hosts of the services presenting a certificate --cert matches,
 * with the port, proto and source filters, grouped by (proto, port); NULL on failure. */
sqlite3_stmt *cert_ports_prepare(struct store *store, const struct filters *f);
/* Adds to set the addresses (family 4 or 6, 0 both) of those services. */
enum tally_error cert_hosts_load(struct store *store, const struct filters *f, int family,
                                 struct hostset *set, struct tally_diag *diag);

/* ---- what the subnet analyses share, on either backend (analyzer/scan_subnets.c) ---- */

/* "Hosts per subnet with port 9543/tcp open" or "... with an open port": what plus the
 * port the filters name (a new string). */
char *subnet_title(const char *what, const struct filters *f);
/* Sets cell (row, col) to the subnet net/prefix: an IPv4 subnet as the key
 * subnet4_key_text() prints, an IPv6 one as text. */
void subnet_set_cell(struct table *t, size_t row, int col, const struct ip_addr *net,
                     int prefix);
/* table_key_text_fn of a subnet column: an IPv4 subnet's key (the address shifted left by
 * 8 bits, the prefix length in the low 8) as "198.51.100.0/24". */
void subnet4_key_text(int64_t key, char *buf, size_t size);

/* ---- provenance (analyzer/provenance.c) ---- */

/* The provenance table (`tally sources`, the workbook's Sources sheet, the report). */
enum tally_error sources_table(struct store *store, struct table **out,
                               struct tally_diag *diag);
/* What was imported, by format (the workbook's Summary sheet). */
enum tally_error summary_table(struct store *store, struct table **out,
                               struct tally_diag *diag);
/* "from cloud-scan.oL", "from a.oL and b.oL" or "from 3 sources", then the UTC days the
 * data spans when the analysis's table has a time column: the provenance of a chart in
 * its subtitle. Empty when nothing is known. */
char *provenance_describe(const struct analysis *a, struct store *store,
                          const struct filters *f);
/* The imports the analysis reads, as rows of the sources table (id, path, format, tag,
 * imported_at, records): the provenance of its chart in a report. *out is NULL when that
 * is not known (an analysis whose subtitle names the imports it compares). */
enum tally_error provenance_sources(const struct analysis *a, struct store *store,
                                    const struct filters *f, struct table **out,
                                    struct tally_diag *diag);

#endif
