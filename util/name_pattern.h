/* name_pattern.h: the patterns of a provider's default host names ("ec2-{a}-{b}-{c}-{d}.
 * compute-1.amazonaws.com"), checked where a user imports them and matched where the
 * names analysis reads them. */
#ifndef TALLY_NAME_PATTERN_H
#define TALLY_NAME_PATTERN_H

#include "util/util.h"

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
