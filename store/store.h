/* store.h: the SQLite file tally keeps everything in. The store owns the schema and every
 * INSERT; importers hand it records, analyses read it with SELECT through store_db().
 *
 * One import is one transaction: store_import_begin() ... store_import_commit() or
 * store_import_rollback(), so a failed or interrupted import leaves the file unchanged.
 * Ownership: struct store is owned by whoever opened it; records passed in are copied. */
#ifndef TALLY_STORE_H
#define TALLY_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "util/util.h"

struct store;

enum store_mode { STORE_READ_WRITE, STORE_READ_ONLY };

/* Opens (creating if needed, in read-write mode) and migrates the database at path. A
 * read-only open of a database an older tally wrote migrates it first, through a
 * read-write connection of its own; a database from a newer tally is refused
 * (TALLY_ERROR_DATABASE) and not written. */
enum tally_error store_open(const char *path, enum store_mode mode, struct store **out,
                            struct tally_diag *diag);
void store_close(struct store *store);          /* accepts NULL */
/* Long work inside store_open() (a migration that builds tables from every row) is told
 * to fn while one is set: what it does, rows done of total, and finished = 1 at the end.
 * One hook for the process, as sqlite3_config() is; NULL removes it. */
typedef void store_progress_fn(void *data, const char *what, unsigned long long done,
                               unsigned long long total, int finished);
void store_set_progress(store_progress_fn *fn, void *data);
sqlite3 *store_db(struct store *store);
/* Fills diag with SQLite's last message for `what` and returns TALLY_ERROR_DATABASE. */
enum tally_error store_fail(struct store *store, struct tally_diag *diag, const char *what);

/* ---- provenance ---- */

struct source_info {
    const char *path;           /* as the user named it; "-" for stdin */
    const char *format;         /* importer name */
    const char *tag;            /* --tag, may be NULL */
    const char *owner;          /* --owner e-mail, may be NULL */
};

/* Per-import record counts by kind ("open", "closed", "banner", "event", ...). */
#define STORE_MAX_KINDS 24
struct store_counts {
    int n;
    char kind[STORE_MAX_KINDS][24];      /* copied: callers may pass any string */
    long long count[STORE_MAX_KINDS];
};

enum tally_error store_import_begin(struct store *store, const struct source_info *info,
                                    struct tally_diag *diag);
/* Finishes the source row. If a source with the same content hash exists, rolls back and
 * returns TALLY_ERROR_DUPLICATE with *source_id set to the earlier import. */
enum tally_error store_import_commit(struct store *store, const char *sha256_hex,
                                     long long bytes, long long skipped, double seconds,
                                     int64_t *source_id, struct tally_diag *diag);
void store_import_rollback(struct store *store);
int64_t store_import_source(const struct store *store);
const struct store_counts *store_import_counts(const struct store *store);
/* How much of its input (done of total bytes; total 0: not known) the import under way
 * has read: the store then sees how many rows the import will add, and indexes them the
 * cheaper way. */
void store_import_progress(struct store *store, unsigned long long done,
                           unsigned long long total);
/* Adds n to the count of `kind` for the import under way. TALLY_ERROR_LIMIT when the
 * kinds are full or the name too long: the import then fails, store_fail() says why. */
enum tally_error store_count(struct store *store, const char *kind, long long n);
/* Removes an import and every row it brought; `which` is a source id or a tag.
 * *removed receives how many sources were removed. */
enum tally_error store_forget(struct store *store, const char *which, int *removed,
                              struct tally_diag *diag);

/* ---- scans (store_scan.c) ---- */

struct scan_record {
    struct ip_addr addr;
    const char *proto;          /* "tcp", "udp", "sctp", "icmp", "arp" */
    unsigned port;
    const char *status;         /* "open", "closed", "up" */
    const char *reason;         /* "syn-ack", ... or NULL */
    int ttl;                    /* -1 when unknown */
    int64_t seen;               /* unix seconds, 0 when unknown */
};
enum tally_error store_add_observation(struct store *store, const struct scan_record *rec);

struct banner_record {
    struct ip_addr addr;
    const char *proto;
    unsigned port;
    const char *service;        /* masscan's app name ("http", "http.server", "ssh", ...) */
    const unsigned char *data;  /* raw bytes, escaping already decoded */
    size_t len;
    int64_t seen;
};
enum tally_error store_add_banner(struct store *store, const struct banner_record *rec);

/* An HTTP response header of one service: name is "server", "x-powered-by" or
 * "x-aspnet-version"; value is the header as sent (text); product and version are what
 * the importer read in it (importers/banner.c). */
struct header_record {
    struct ip_addr addr;
    const char *proto;
    unsigned port;
    const char *name;
    const char *value;
    const char *product;
    const char *version;        /* NULL when the value names none */
    int64_t seen;
};
enum tally_error store_add_header(struct store *store, const struct header_record *rec);

/* ---- host sets (store_hostset.c) ----
 * The host_set table holds, for each import and each (proto, port, status) its
 * observations name, the hosts seen: one row per address family (IPv6 in rows of up to
 * 2^20 addresses), `hosts` addresses in `members`. A struct hostset is a union of such
 * rows, or of addresses added one by one; whoever made it owns it. */
struct hostset;
struct hostset *hostset_new(void);
void hostset_free(struct hostset *set);         /* accepts NULL */
void hostset_add(struct hostset *set, const struct ip_addr *addr);
/* Adds the addresses of one host_set row (its family and members); TALLY_ERROR_DATABASE,
 * with diag filled, when members is not a set of that family. */
enum tally_error hostset_add_stored(struct hostset *set, int family, const void *members,
                                    size_t len, struct tally_diag *diag);
/* Steps stmt, a SELECT of (family, members) of host_set rows, adding each row; when
 * SQLite fails, TALLY_ERROR_DATABASE with diag saying "<what>: <why>". */
enum tally_error hostset_add_rows(struct store *store, struct hostset *set, sqlite3_stmt *stmt,
                                  const char *what, struct tally_diag *diag);
/* How many distinct addresses the set holds, IPv4 and IPv6. */
long long hostset_count(struct hostset *set);
/* Calls fn for every subnet of the family (4 or 6) and prefix length that holds addresses
 * of the set, in address order, with the subnet's address (masked) and how many it holds. */
typedef void hostset_subnet_fn(void *arg, const struct ip_addr *net, long long hosts);
void hostset_each_subnet(struct hostset *set, int family, int prefix, hostset_subnet_fn *fn,
                         void *arg);
/* hostset_each_subnet() of the union of the stored IPv4 sets stmt selects (the rowids of
 * host_set rows of family 4), each read from the database a container at a time: the
 * memory taken does not grow with the sets. TALLY_ERROR_DATABASE, with diag saying
 * "<what>: ...", when SQLite fails or a set is not a valid bitmap; subnets may have been
 * reported before. */
enum tally_error hostset_stored_subnets4(struct store *store, sqlite3_stmt *stmt, int prefix,
                                         hostset_subnet_fn *fn, void *arg, const char *what,
                                         struct tally_diag *diag);
/* How many addresses of the union of the stored IPv4 sets stmt selects (as for
 * hostset_stored_subnets4(), and read the same way) are inside the ranges (as
 * hostset_keep_ranges() takes them): per_range[r] (when not NULL) gains those inside range
 * r, and *hosts (when not NULL) receives those inside any. */
enum tally_error hostset_stored_count_in_ranges4(struct store *store, sqlite3_stmt *stmt,
                                                 const uint32_t (*ranges4)[2], size_t n4,
                                                 long long *per_range, long long *hosts,
                                                 const char *what, struct tally_diag *diag);
/* Calls fn for every subnet of the family (4 or 6) and prefix length that holds addresses
 * of a or b, in address order, with how many are only in a, only in b, and in both. */
typedef void hostset_compare_fn(void *arg, const struct ip_addr *net, long long only_a,
                                long long only_b, long long both);
void hostset_compare_subnets(struct hostset *a, struct hostset *b, int family, int prefix,
                             hostset_compare_fn *fn, void *arg);
/* The same of IPv4, a being the union of the stored sets stmt a selects and b that of
 * stmt b (rowids of host_set rows of family 4), each read in place as
 * hostset_stored_subnets4() reads them; TALLY_ERROR_DATABASE as it returns it. */
enum tally_error hostset_stored_compare_subnets4(struct store *store, sqlite3_stmt *a,
                                                 sqlite3_stmt *b, int prefix,
                                                 hostset_compare_fn *fn, void *arg,
                                                 const char *what, struct tally_diag *diag);
/* Keeps only the addresses inside one of the ranges (first and last address, inclusive;
 * IPv4 as numbers, IPv6 as bytes in network order), each list sorted and disjoint. */
void hostset_keep_ranges(struct hostset *set, const uint32_t (*ranges4)[2], size_t n4,
                         const uint8_t (*ranges6)[2][16], size_t n6);
/* How many of its addresses are inside one of the ranges (as hostset_keep_ranges() takes
 * them); the set may be cut to them. */
long long hostset_count_in_ranges(struct hostset *set, const uint32_t (*ranges4)[2],
                                  size_t n4, const uint8_t (*ranges6)[2][16], size_t n6);

/* Captures and personal exports have their own record types. */
#include "store/store_capture.h"
#include "store/store_personal.h"
#include "store/clickhouse.h"
#include "store/store_cert.h"
#include "store/store_tls.h"

#endif
