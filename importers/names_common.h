/* names_common.h: what the importers of host names share (massdns, zdns and dig results,
 * and PTR answers in captures): reverse names read back into addresses, DNS names made
 * plain, and answers turned into host names, following the CNAMEs of classless reverse
 * delegation (RFC 2317: 4.3.2.1.in-addr.arpa CNAME 4.0/26.3.2.1.in-addr.arpa, whose PTR
 * names 1.2.3.4). Internal to importers/.
 *
 * Ownership: names_aliases_new() returns a map the caller frees with names_aliases_free(). */
#ifndef TALLY_NAMES_COMMON_H
#define TALLY_NAMES_COMMON_H

#include "importers/importers.h"
#include "store/store_names.h"

#define NAMES_TEXT 1024         /* a DNS name as text, escapes included */

/* "4.3.2.1.in-addr.arpa" (a final dot allowed, case ignored) is 1.2.3.4; the 32 nibbles
 * of an ip6.arpa name an IPv6 address. Returns 0, or -1 when name is not the reverse
 * name of one whole address. */
int names_reverse_addr(const char *name, struct ip_addr *addr);
/* name (len bytes) without its final dot and in lower case into out; -1 when it is empty
 * (the root), longer than a DNS name, or holds a byte that is not printable ASCII or is a
 * space. */
int names_plain(const char *name, size_t len, char *out, size_t size);

/* Reverse names reached through a CNAME: target -> the address of the name that led to it. */
struct names_aliases;
struct names_aliases *names_aliases_new(void);
void names_aliases_free(struct names_aliases *a);      /* accepts NULL */

/* One answer record: its owner name, type ("PTR", "A", ...) and data (the text of a name
 * or an address). A PTR whose owner is a reverse name (or an alias of one, or else when
 * `fallback` is not NULL, the address the question named) becomes a host name of that
 * address; with forward set, an A or AAAA answer makes its owner a name of its address;
 * a CNAME from a reverse name is remembered in aliases (may be NULL). Other types are
 * passed over. TALLY_ERROR_DATA when the owner or the data of a record it reads is not a
 * name or address (diag untouched: the caller reports where); a store error after
 * store_fail(). */
enum tally_error names_answer(struct import_ctx *ctx, struct names_aliases *aliases,
                              const char *origin, int forward, const char *owner,
                              const char *type, const char *data,
                              const struct ip_addr *fallback, int64_t seen);

#endif
