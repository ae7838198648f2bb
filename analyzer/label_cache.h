/* label_cache.h: flattened labels kept as bytes (analyzer/label_cache.c): the AS and
 * country labels read from the location database, in a file of the user's cache
 * directory, and the imported labels, in the database, so that an analysis reads them in
 * milliseconds instead of walking every network or range again. Internal to
 * analyzer/labels.c. */
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

/* Flattened labels as bytes (label_cache.c gives the layout), checked against a key of
 * five words when read back: decoding gives 1, and *out, when the bytes are whole and were
 * encoded with this key, else 0 with nothing allocated. */
#define LABEL_CACHE_KEY_WORDS 5
unsigned char *label_cache_encode(const uint64_t key[LABEL_CACHE_KEY_WORDS],
                                  const struct label_cached *in, size_t *len);
int label_cache_decode(const unsigned char *data, size_t len,
                       const uint64_t key[LABEL_CACHE_KEY_WORDS], struct label_cached *out);

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
