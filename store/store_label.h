/* store_label.h: address labels (who owns an address range: a cloud provider's region, an
 * autonomous system, a country), as range files and AS or country databases give them. */
#ifndef TALLY_STORE_LABEL_H
#define TALLY_STORE_LABEL_H

#include "store/store.h"
#include "util/util.h"

/* What a label says about its range. */
#define LABEL_KIND_PROVIDER "provider"      /* "aws:us-east-1", detail the service */
#define LABEL_KIND_ASN "asn"                /* "as16509", detail the AS name */
#define LABEL_KIND_COUNTRY "country"        /* "DE", detail the country's name if known */

/* One labelled range of addresses, first..last inclusive, of one family. The strings
 * are copied. */
struct label_record {
    struct ip_addr first, last;
    const char *network;        /* as the file wrote it: "3.5.140.0/22", "1.0.0.0-1.0.0.255" */
    const char *kind;           /* LABEL_KIND_* */
    const char *provider;       /* who published it: "aws", "google", "ip-location-db", ... */
    const char *label;
    const char *detail;         /* may be NULL */
    int general;                /* 0, or how much more general than another entry for the
                                 * same range it is (AWS's service AMAZON): outranked */
};
/* Stores a label range for the import under way (counted under its kind). */
enum tally_error store_add_label(struct store *store, const struct label_record *rec);

/* One kind's labels as last flattened (label_index): the imports they were made from, as
 * *sources, and the ranges (unless ranges is NULL), both allocated; both NULL when there
 * are none. */
enum tally_error store_label_index_get(struct store *store, const char *kind, char **sources,
                                      unsigned char **ranges, size_t *len,
                                      struct tally_diag *diag);
/* Replaces them; ranges NULL: removes them. */
enum tally_error store_label_index_put(struct store *store, const char *kind,
                                      const char *sources, const void *ranges, size_t len,
                                      struct tally_diag *diag);

/* "3.5.140.0/22" or "2600:1f14::/35" into its first and last addresses; -1 when it is not
 * a network with a prefix length (bits beyond the prefix are ignored). */
int label_parse_prefix(const char *text, struct ip_addr *first, struct ip_addr *last);

#endif
