/* name_pattern.h: host names: reverse names (4.3.2.1.in-addr.arpa) read back into
 * addresses and names made plain, as importers and the store's migration keep them, and
 * the patterns of providers' default host names ("ec2-{a}-{b}-{c}-{d}.compute-1.
 * amazonaws.com"), checked where a user imports them and matched where the names
 * analysis reads them. */
#ifndef TALLY_NAME_PATTERN_H
#define TALLY_NAME_PATTERN_H

#include <stddef.h>

#include "util/util.h"

/* "4.3.2.1.in-addr.arpa" (a final dot allowed, case ignored) is 1.2.3.4; the 32 nibbles
 * of an ip6.arpa name an IPv6 address. Returns 0, or -1 when name is not the reverse
 * name of one whole address. */
int host_reverse_addr(const char *name, struct ip_addr *addr);
/* name (len bytes) without its final dot and in lower case into out; -1 when it is empty
 * (the root), longer than a DNS name, or holds a byte that is not printable ASCII or is a
 * space. */
int host_name_plain(const char *name, size_t len, char *out, size_t size);

#define NAME_PATTERN_MAX 253    /* as long as a DNS name */

/* A pattern is compared with a name without regard to case. Besides literal text it has
 *   *         one or more characters of any kind (dots too)
 *   {a}..{d}  the first to fourth byte of the host's IPv4 address, in decimal
 *   {region}  one DNS label: letters, digits and hyphens
 * Returns NULL when text is a pattern, else why not (a static string). */
const char *name_pattern_check(const char *text);
/* Whether name (without its final dot) follows pattern for the host at addr. */
int name_pattern_match(const char *pattern, const char *name, const struct ip_addr *addr);

#endif
