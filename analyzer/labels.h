/* labels.h: address labels as analyses read them (analyzer/labels.c): for each kind
 * (provider, AS, country) a table of disjoint address ranges sorted by address, each
 * naming its most specific label, loaded once per analysis from the newest imports
 * (label_current) or, for AS and country when none was imported, from IPFire's location
 * database (libloc), or the cache of it (analyzer/label_cache.h). Internal to analyzer/.
 *
 * Ownership: label_set_load() fills a set the caller releases with label_set_release(). */
#ifndef TALLY_LABELS_H
#define TALLY_LABELS_H

#include "analyzer/analyzer.h"

enum label_kind { LABEL_PROVIDER, LABEL_ASN, LABEL_COUNTRY, LABEL_KINDS };

struct label_index;

struct label_set {
    struct label_index *index[LABEL_KINDS];     /* NULL: not loaded */
};

/* Loads the kinds in `which` (bits 1 << enum label_kind). An AS or country kind with no
 * imported labels is read from the location database when one is installed
 * ($TALLY_LOCATION_DB, or /usr/share/libloc-location/location.db; $TALLY_LOCATION_DB
 * empty: none): when hosts (may be NULL) holds few hosts, only their networks. */
enum tally_error label_set_load(struct store *store, unsigned which, struct hostset *hosts,
                                struct label_set *set, struct tally_diag *diag);
void label_set_release(struct label_set *set);
/* Whether the database holds imported labels (of any kind). */
int labels_imported(struct store *store);

/* Whether the index has no range. */
int label_index_empty(const struct label_index *idx);
/* Where its labels come from: "aws-ip-ranges.json" or "IPFire location database of
 * 2022-10-29"; "" when none. */
const char *label_index_origin(const struct label_index *idx);
/* How many distinct labels it holds; their ids are 0 .. n-1. */
size_t label_index_count(const struct label_index *idx);
const char *label_index_label(const struct label_index *idx, int id);
const char *label_index_detail(const struct label_index *idx, int id);    /* may be NULL */
/* The label of addr, or -1. */
int label_index_find(const struct label_index *idx, const struct ip_addr *addr);
/* The label of every address of the subnet net/prefix when one label covers it all, -2
 * when parts of it have different labels (or none), -1 when none of it is labelled. */
int label_index_cover(const struct label_index *idx, const struct ip_addr *net, int prefix);
/* label_index_cover() of subnets given in ascending address order (IPv4 first), walking
 * the ranges in step with them from *walk (zeroed before the first). An IPv4 answer is
 * held with the addresses it holds for, so that the subnets after it within them (most
 * subnets, labelled or not) are answered without a range. */
struct label_walk {
    size_t i4, i6;
    uint32_t held_first4, held_last4;   /* held: every subnet within these has held_id4 */
    int held_id4, held;
};
int label_index_walk_to(const struct label_index *idx, struct label_walk *walk,
                        const struct ip_addr *net, int prefix);
/* The last address of the IPv4 subnet lo/prefix. */
static inline uint32_t label_subnet_last4(uint32_t lo, int prefix)
{
    return lo | (uint32_t)(UINT64_C(0xffffffff) >> (prefix < 0 ? 0 : prefix > 32 ? 32 : prefix));
}
/* Inline: millions of subnets, most of them answered by the one before, are told apart
 * here, in 32 bits, before any range is read. */
static inline int label_index_cover_next(const struct label_index *idx,
                                         struct label_walk *walk, const struct ip_addr *net,
                                         int prefix)
{
    if (walk->held && net->family == 4) {
        uint32_t lo = ip_v4_value(net);
        if (lo >= walk->held_first4 && label_subnet_last4(lo, prefix) <= walk->held_last4)
            return walk->held_id4;
    }
    return label_index_walk_to(idx, walk, net, prefix);
}
/* Adds to counts[id] the hosts of set with label id (counts: label_index_count() long
 * longs, zeroed by the caller), walking the set and the ranges in step. */
void label_index_hosts(const struct label_index *idx, struct hostset *set, long long *counts);
/* The same of the IPv4 sets stmt selects (rowids of host_set, read in place and counted
 * range by range: see hostset_stored_count_in_ranges4()) and the IPv6 hosts of set. */
enum tally_error label_index_hosts_stored(const struct label_index *idx, struct store *store,
                                          sqlite3_stmt *stmt, struct hostset *set,
                                          long long *counts, struct tally_diag *diag);
/* Hosts up to which label_set_load() looks up in the location database only the networks
 * of the hosts it is given; past them it loads every network (about a second, less than
 * the lookups would take), and needs no hosts. */
#define LABEL_HOST_LOOKUPS 200000

/* The --label filter, loaded once: the ranges of the labels the pattern matches. */
struct label_filter;
/* Loads the labels a --label pattern can match (hosts, which may be NULL, as for
 * label_set_load()) into *out; *out NULL when f has no --label. */
enum tally_error label_filter_load(struct store *store, const struct filters *f,
                                   struct hostset *hosts, struct label_filter **out,
                                   struct tally_diag *diag);
void label_filter_free(struct label_filter *lf);        /* accepts NULL */
/* Whether label_filter_load() would read the location database, where the hosts to
 * label, when they are few, spare it reading every network. */
int label_filter_reads_location(struct store *store, const struct filters *f);
/* label_filter_load(), where label_filter_reads_location(), given the hosts of the rows
 * stmt selects (family, members, hosts of host_set or web_host_set) when they spare it
 * reading every network: when the rows hold at most LABEL_HOST_LOOKUPS hosts in all. They
 * are not loaded otherwise; `what` names the reading when SQLite fails. */
enum tally_error label_filter_load_selected(struct store *store, const struct filters *f,
                                            sqlite3_stmt *stmt, const char *what,
                                            struct label_filter **out,
                                            struct tally_diag *diag);
/* Whether addr carries a matching label (a binary search). */
int label_filter_has(const struct label_filter *lf, const struct ip_addr *addr);
/* Copies to out (len bytes at least) the records of `records` (len bytes of records of
 * size bytes, each starting with its address of the family, in address order) whose
 * address carries a matching label, in the same order: one binary search per range.
 * Returns how many bytes it copied. */
size_t label_filter_keep_sorted(const struct label_filter *lf, int family,
                                const unsigned char *records, size_t len, size_t size,
                                unsigned char *out);
/* Cuts set to its hosts that carry a matching label (a bitmap AND for IPv4). */
void label_filter_keep(const struct label_filter *lf, struct hostset *set);
/* How many of set's hosts carry a matching label (set may be cut to them). */
long long label_filter_count(const struct label_filter *lf, struct hostset *set);
/* The same of the IPv4 sets stmt selects (rowids of host_set, read in place: see
 * hostset_stored_subnets4()) and the IPv6 hosts of set, into *hosts. */
enum tally_error label_filter_count_stored(const struct label_filter *lf, struct store *store,
                                           sqlite3_stmt *stmt, struct hostset *set,
                                           long long *hosts, struct tally_diag *diag);

/* Whether a location database is installed to read AS and country labels from. */
int labels_location_installed(void);
/* With --label, cuts *set to its hosts that carry a matching label (a glob of any kind
 * compared without regard to case: "aws:us-east-1", "as16509", "aws:*"); else leaves it. */
enum tally_error labels_apply_filter(struct store *store, const struct filters *f,
                                     struct hostset **set, struct tally_diag *diag);
/* The labels the subnet analyses show in their label column: the first kind (provider,
 * AS, country) with imported labels, or *idx NULL when none was imported (no column). */
enum tally_error labels_for_subnets(struct store *store, struct label_set *set,
                                    const struct label_index **idx, struct tally_diag *diag);

#endif
