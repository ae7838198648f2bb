/* clickhouse_push.h: copying imports from a SQLite database into a ClickHouse one
 * (`tally push`): the rows of each ClickHouse row table (scans' and captures'), and the
 * source row with the original's provenance. A copy counts once it is whole, as an
 * import does.
 * Ownership: a struct store_push_result's texts are its own (store_push_result_release()). */
#ifndef TALLY_CLICKHOUSE_PUSH_H
#define TALLY_CLICKHOUSE_PUSH_H

#include "store/store.h"

/* Appends to *ids (*n of them, room for *alloc) the ids of the sources of the SQLite
 * database `from` that `which` names (an id or a tag; NULL: every source), in id order,
 * leaving out those already there; *found receives how many it named. */
enum tally_error store_push_select(struct store *from, const char *which, int64_t **ids,
                                   size_t *n, size_t *alloc, int *found,
                                   struct tally_diag *diag);

struct store_push_result {
    char *path, *format;        /* the original import's */
    int64_t source_id;          /* on the ClickHouse database (the earlier one if duplicate) */
    int duplicate;              /* the same content was there already: nothing copied */
    struct store_counts counts; /* the rows copied, by kind (the source row keeps the
                                 * original's counts of an earlier file of a split
                                 * capture, whose rows a later file rewrote) */
    double seconds;             /* how long the copy took */
};
void store_push_result_release(struct store_push_result *r);

/* Told how many rows were copied of about how many (the original's records). */
typedef void store_push_progress_fn(void *data, unsigned long long done,
                                    unsigned long long total);

/* Copies source `id` of the SQLite database `from` into the ClickHouse database `to`.
 * A source with the same content there already: TALLY_OK with r->duplicate set, nothing
 * written. TALLY_ERROR_UNSUPPORTED when ClickHouse does not take the import's format or
 * rows of a table it does not copy; on any error nothing of the copy counts. */
enum tally_error store_push(struct store *from, int64_t id, struct store *to,
                            store_push_progress_fn *progress, void *data,
                            struct store_push_result *r, struct tally_diag *diag);

#endif
