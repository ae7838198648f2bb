/* clickhouse_internal.h: what store.c, store_scan.c and store_capture.c hand to the ClickHouse backend
 * (store/clickhouse.c) when the store is a ClickHouse database; nothing outside store/. */
#ifndef TALLY_CLICKHOUSE_INTERNAL_H
#define TALLY_CLICKHOUSE_INTERNAL_H

#include "store/store.h"

/* store_open() of a clickhouse:// URL: a struct store whose `clickhouse` is set. */
enum tally_error clickhouse_store_open(const char *url, enum store_mode mode,
                                       struct store **out, struct tally_diag *diag);
void clickhouse_close(struct store *store);
enum tally_error clickhouse_fail(struct store *store, struct tally_diag *diag,
                                 const char *what);
enum tally_error clickhouse_import_begin(struct store *store, const struct source_info *info,
                                         struct tally_diag *diag);
enum tally_error clickhouse_import_commit(struct store *store, const char *sha256_hex,
                                          long long bytes, long long skipped, double seconds,
                                          int64_t *source_id, struct tally_diag *diag);
void clickhouse_import_rollback(struct store *store);
enum tally_error clickhouse_forget(struct store *store, const char *which, int *removed,
                                   struct tally_diag *diag);
enum tally_error clickhouse_add_observation(struct store *store, const struct scan_record *rec);
enum tally_error clickhouse_add_banner(struct store *store, const struct banner_record *rec);
enum tally_error clickhouse_add_header(struct store *store, const struct header_record *rec);
enum tally_error clickhouse_add_conns(struct store *store, const struct conn_record *recs,
                                      size_t n);
enum tally_error clickhouse_add_probe(struct store *store, const struct probe_record *rec);
enum tally_error clickhouse_add_dns(struct store *store, const struct dns_record *rec);
/* A capture_summary row: value is the number as text, or the text. */
enum tally_error clickhouse_add_capture(struct store *store, const char *metric,
                                        const char *value);
enum tally_error clickhouse_add_capture_int(struct store *store, const char *metric,
                                            long long value);
enum tally_error clickhouse_add_capture_real(struct store *store, const char *metric,
                                             double value);
/* The rows store_capture_continue() names are deleted when this import commits. */
enum tally_error clickhouse_capture_continue(struct store *store, int64_t source_id,
                                             double closed_since);

/* ---- copying an import from SQLite (store/clickhouse_push.c) ---- */

/* The row tables (observation, banner, ...): how many, and the name of each. */
int clickhouse_row_table_count(void);
const char *clickhouse_row_table_name(int t);
/* What the source row of a copied import keeps from the original's. */
struct clickhouse_copied {
    const char *sha256;
    long long bytes, skipped;
    double seconds;
    const char *imported_at;    /* ISO-8601 UTC, as the original says */
};
/* clickhouse_import_commit() of a copy: the source row with the original's provenance
 * and the counts of the rows copied. TALLY_ERROR_DUPLICATE (rolled back, *source_id the
 * earlier one) when a source with the same content hash is there. */
enum tally_error clickhouse_import_commit_copy(struct store *store,
                                               const struct clickhouse_copied *src,
                                               int64_t *source_id, struct tally_diag *diag);

#endif
