/* store_internal.h: what the store's files (store.c, store_scan.c, store_capture.c,
 * store_personal.c) share and nothing outside store/ may use. */
#ifndef TALLY_STORE_INTERNAL_H
#define TALLY_STORE_INTERNAL_H

#include "store/store.h"

#define STORE_MAX_STATEMENTS 48

struct store {
    sqlite3 *db;
    char *path;
    int in_import;
    int64_t source_id;
    struct store_counts counts;
    int nstatements;
    const char *statement_sql[STORE_MAX_STATEMENTS];
    sqlite3_stmt *statements[STORE_MAX_STATEMENTS];
};

/* A prepared statement for sql (a string literal: cached by its address), reset and with
 * its bindings cleared; NULL if preparation failed. Finalised by store_close(). */
sqlite3_stmt *store_statement(struct store *store, const char *sql);
/* Steps a statement that returns no rows; TALLY_OK or TALLY_ERROR_DATABASE. */
enum tally_error store_step_done(sqlite3_stmt *stmt);

/* Binds an address as the three columns addr (text), ip4 (integer or NULL), ip6 (blob or
 * NULL) starting at parameter index first. The text is formatted into `text` (at least
 * 64 bytes), which must outlive the statement's next step. */
void store_bind_addr(sqlite3_stmt *stmt, int first, const struct ip_addr *addr, char *text);
/* Binds text or NULL. */
void store_bind_text(sqlite3_stmt *stmt, int index, const char *text);

#endif
