/* label_cache.h: the AS and country labels read from the location database, kept in a
 * file of the user's cache directory once flattened (analyzer/label_cache.c), so that an
 * analysis reads them in milliseconds instead of walking every network of the database.
 * Internal to analyzer/labels.c. */
#ifndef TALLY_LABEL_CACHE_H
#define TALLY_LABEL_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* A label's disjoint range of addresses; IPv4 as a number, IPv6 as a 128-bit one. */
struct seg4 {
    uint32_t first, last;
    int32_t id;
};

struct seg6 {
    unsigned __int128 first, last;
    int id;
};

/* What a finished label index holds. */
struct label_cached {
    struct seg4 *v4;
    size_t n4;
    struct seg6 *v6;
    size_t n6;
    char **label, **detail;     /* nlabels each; a detail may be NULL */
    size_t nlabels;
    char *origin;
};

/* Fills *out from the cache of the labels of kind ("asn", "country") made from the
 * location database at path, when there is one made from this very file (the same
 * device, inode, size and modification time) and it is whole; returns 1 then, else 0
 * with nothing allocated. */
int label_cache_read(const char *location_db, const char *kind, struct label_cached *out);
/* Replaces that cache by the labels of in; a cache that cannot be written is no error. */
void label_cache_write(const char *location_db, const char *kind,
                       const struct label_cached *in);
/* Frees the ranges, labels and origin of c (what label_cache_read() allocated). */
void label_cached_release(struct label_cached *c);

#endif
