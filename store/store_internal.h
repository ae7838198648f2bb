/* store_internal.h: what the store's files (store.c, store_scan.c, store_capture.c,
 * store_personal.c, store_hostset.c, store_web.c, store_writer.c) share and nothing outside store/ may use. */
#ifndef TALLY_STORE_INTERNAL_H
#define TALLY_STORE_INTERNAL_H

#include "store/store.h"
#include "store/store_web.h"
#include "store/store_label.h"
#include "store/clickhouse_internal.h"

/* ---- the parts of the store (listed in store.c) ---- */

/* One step of a part's schema: the SQL that brings it from version - 1 to version
 * (PRAGMA user_version), then, when not NULL, `build`: what SQL alone cannot do (filling a
 * new table from the rows already there), in the same transaction. Steps are never edited
 * once released; a change is a new step. */
struct store_migration {
    int version;                /* 0 ends a part's list */
    const char *sql;
    enum tally_error (*build)(struct store *store, struct tally_diag *diag);
};

/* A part of the store: the tables one family of imports writes. */
struct store_part {
    const char *name;
    const struct store_migration *migrations;   /* ascending; ends with version 0 */
    const char *const *tables;  /* with a source_id column, for forget; NULL-terminated */
};

extern const struct store_part store_part_scan;         /* store_scan.c */
extern const struct store_part store_part_capture;      /* store_capture.c */
extern const struct store_part store_part_personal;     /* store_personal.c */
extern const struct store_part store_part_hostset;      /* store_hostset.c */
extern const struct store_part store_part_web;          /* store_web.c */
extern const struct store_part store_part_label;        /* store_label.c */
extern const struct store_part store_part_cert;         /* store_cert.c */
extern const struct store_part store_part_names;        /* store_names.c */
extern const struct store_part store_part_tls;          /* store_tls.c */

/* A prepared statement, cached by the address of its SQL (a string literal). */
struct store_statement {
    const char *sql;
    sqlite3_stmt *stmt;
};

/* Whether an import drops a table's index to build it again when it commits
 * (store_scan.c). */
struct index_plan {
    long long table_rows;           /* about how many the table held before the import's */
    int decided;                    /* dropped, or not to be dropped */
};

struct store {
    sqlite3 *db;
    char *path;
    int created;                    /* the file did not exist before store_open() */
    int in_import;
    int64_t source_id;
    struct store_counts counts;
    char counts_failure[128];       /* why a count could not be kept; "" = none */
    int64_t next_event_id;          /* store_personal.c; 0 = not known yet */
    size_t nstatements, statements_alloc;
    struct store_statement *statements;
    struct store_writer *writer;    /* store_writer.c */
    struct hostset_builder *hostsets;       /* the import's host sets; NULL outside one */
    struct web_builder *web;        /* the import's web summaries (store_web.c); the same */
    struct clickhouse *clickhouse;  /* a ClickHouse database (clickhouse.c), else NULL */
    struct cert_known *certs;       /* the certificates the import stored (store_cert.c) */
    /* The largest rowid of cert_service and tls_service when the import began: the
     * import's rows come after them (store_cert.c). */
    int64_t cert_rowid_floor, tls_rowid_floor;
    struct index_plan banner_index, header_index;   /* store_scan.c */
};

/* A prepared statement for sql (a string literal: cached by its address), reset and with
 * its bindings cleared, once the writer thread has written what it was given; NULL if
 * preparation failed. Finalised by store_close(). */
sqlite3_stmt *store_statement(struct store *store, const char *sql);
/* The cached statement for sql, prepared when new, as it is: for queuing rows. NULL if
 * preparation failed (store_fail() says why). */
sqlite3_stmt *store_prepared(struct store *store, const char *sql);
/* Steps a statement that returns no rows; TALLY_OK or TALLY_ERROR_DATABASE. */
enum tally_error store_step_done(sqlite3_stmt *stmt);

/* Binds text or NULL. */
void store_bind_text(sqlite3_stmt *stmt, int index, const char *text);

/* ---- rows queued for the writer thread (store_writer.c) ---- */

struct store_writer *store_writer_new(void);
void store_writer_free(struct store_writer *w);     /* after store_writer_stop() */
/* From now on rows are written by a thread of their own (if one can be started). */
void store_writer_start(struct store *store);
/* Waits until every row queued so far is written; TALLY_ERROR_DATABASE if any failed. */
enum tally_error store_writer_wait(struct store *store);
/* Writes (or, with discard, drops) what is queued, ends the thread and forgets failures. */
void store_writer_stop(struct store *store, int discard);
/* Whether a queued row failed, and how. */
int store_writer_failure(struct store *store, int *code, int *sys, const char **message);

/* Queues a row of the INSERT statement sql: store_row_begin(), then a store_row_*() per
 * parameter that is not NULL, then store_row_end(). Every value is copied. The errors are
 * those of the statement, or of an earlier row. */
enum tally_error store_row_begin(struct store *store, const char *sql);
/* The same for a single-row INSERT whose VALUES list ends sql: rows of it queued one after
 * the other share a statement. */
enum tally_error store_row_begin_grouped(struct store *store, const char *sql);
void store_row_int(struct store *store, int index, sqlite3_int64 value);
void store_row_double(struct store *store, int index, double value);
void store_row_text(struct store *store, int index, const char *text);     /* NULL: NULL */
void store_row_blob(struct store *store, int index, const void *data, size_t len);
/* An address as the three columns addr (text), ip4 (integer or NULL), ip6 (blob or NULL)
 * from parameter index first. */
void store_row_addr(struct store *store, int first, const struct ip_addr *addr);
enum tally_error store_row_end(struct store *store);
/* store_row_end(), then store_count(store, kind, n) when the row was queued. */
enum tally_error store_row_end_counted(struct store *store, const char *kind, long long n);

/* Builds the scan tables' indexes an import dropped to fill an empty table faster
 * (store_scan.c); before it commits. */
enum tally_error scan_indexes_build(struct store *store);

/* ---- host sets as an import builds them (store_hostset.c) ---- */

/* The sets of hosts per (source, proto, port, status) being built; memory grows with the
 * distinct hosts, not with the observations. */
struct hostset_builder *hostset_builder_new(void);
void hostset_builder_free(struct hostset_builder *b);       /* accepts NULL */
/* Adds addr, seen at unix time seen (0: unknown), to the set of (source, proto, port,
 * status); the names are copied. */
void hostset_builder_add(struct hostset_builder *b, int64_t source, const char *proto,
                         unsigned port, const char *status, const struct ip_addr *addr,
                         int64_t seen);
/* Writes every set as host_set rows, in the transaction under way, in the order of
 * (source, proto, port, status); TALLY_ERROR_DATABASE when a row cannot be written
 * (store_fail() says why). */
enum tally_error hostset_builder_write(struct store *store, struct hostset_builder *b);

/* Tells the progress hook (store_set_progress) how far a long migration step is;
 * finished = 1 when it is done. Cheap when no hook is set. */
void store_progress(const char *what, unsigned long long done, unsigned long long total,
                    int finished);
/* The highest rowid of table (a trusted name), for the total of such a step; 0 if none. */
unsigned long long store_last_rowid(struct store *store, const char *table);

/* ---- web summaries as an import builds them (store_web.c) ---- */

/* A struct web_builder (store_web.h) keeps one winner per service (source, proto, port,
 * address): its Server product, its stack and its banner type. */
/* An HTTP header row (name server, x-powered-by or x-aspnet-version; others are ignored);
 * has_seen 0: its seen is unknown (NULL). */
void web_builder_header(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *name,
                        const char *product, int has_seen, int64_t seen);
/* A banner row of the given service (masscan's name). */
void web_builder_banner(struct web_builder *b, int64_t source, const char *proto,
                        unsigned port, const struct ip_addr *addr, const char *service);
/* Writes the web_winner, web_count and web_host_set rows, in the transaction under way,
 * in the order of (source, proto, port, ...); accepts NULL. */
enum tally_error web_builder_write(struct store *store, struct web_builder *b);

/* ---- certificates (store_cert.c) ---- */

/* The set store_cert_known() asks; accepts NULL. */
void cert_known_free(struct cert_known *k);
/* Notes where the import beginning will add its certificate and TLS rows. */
void cert_import_begin(struct store *store);
/* Moves into the chain, in the import under way, each certificate a service was linked to
 * as its own that issued another certificate the same service presented (some scanners,
 * masscan 1.3.2 among them, name every certificate of the chain alike). */
enum tally_error cert_chain_mark(struct store *store);
/* Counts the import under way's services per certificate and port into cert_count, once
 * its links are final (after cert_chain_mark()), and per TLS version and cipher suite into
 * tls_count. */
enum tally_error cert_count_build(struct store *store);

#endif
