/* store_names.h: host names (what reverse DNS, or a forward lookup, says an address is
 * called), from PTR answers in captures and from massdns, zdns and dig results, and the
 * patterns of providers' default names a user adds to the built-in ones. */
#ifndef TALLY_STORE_NAMES_H
#define TALLY_STORE_NAMES_H

#include "store/store.h"
#include "util/util.h"

/* Where a name was learnt (host_name.origin). */
#define NAME_ORIGIN_CAPTURE "ptr-capture"
#define NAME_ORIGIN_MASSDNS "massdns"
#define NAME_ORIGIN_ZDNS "zdns"
#define NAME_ORIGIN_DIG "dig"

/* One name of one address. The strings are copied. */
struct name_record {
    struct ip_addr addr;
    const char *name;           /* lower case, without the final dot */
    const char *rrtype;         /* "PTR" (the address's reverse name), "A" or "AAAA" (a
                                 * name that resolves to the address) */
    const char *origin;         /* NAME_ORIGIN_* */
    int64_t seen;               /* unix seconds, 0 when unknown */
};
/* Stores a host name for the import under way (counted as "name"); the same name of the
 * same address by the same import is kept once. Kept in SQLite only: on ClickHouse it is
 * passed over. */
enum tally_error store_add_name(struct store *store, const struct name_record *rec);

/* Stores a pattern of a provider's default host names (util/name_pattern.h), counted as
 * "pattern". */
enum tally_error store_add_name_pattern(struct store *store, const char *provider,
                                        const char *pattern);

#endif
