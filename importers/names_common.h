/* names_common.h: what the importers of host names share (massdns, zdns and dig results,
 * and PTR answers in captures): answers turned into host names (reverse names and plain
 * names by util/name_pattern.h), following the CNAMEs of classless reverse
 * delegation (RFC 2317: 4.3.2.1.in-addr.arpa CNAME 4.0/26.3.2.1.in-addr.arpa, whose PTR
 * names 1.2.3.4). Internal to importers/.
 *
 * Ownership: names_aliases_new() returns a map the caller frees with names_aliases_free(). */
#ifndef TALLY_NAMES_COMMON_H
#define TALLY_NAMES_COMMON_H

#include "importers/importers.h"
#include "store/store_names.h"
#include "util/name_pattern.h"

#define NAMES_TEXT 1024         /* a DNS name as text, escapes included */

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

/* A record line "NAME [TTL] [CLASS] TYPE DATA", as dig writes it, split in place, DATA's
 * trailing blanks cut; with bare set, only the form massdns writes, "NAME. TYPE DATA": no
 * TTL or class, the name ending in a dot. 0 when the line is not a record. */
int names_split_record(char *line, int bare, char **name, char **type, char **data);

/* names_answer() for a record read from line `found` of a text file (an excerpt of it):
 * a record whose data is not a name or address is reported as a bad record, "expected a
 * name or address after TYPE, found 'LINE'", and passed over when the import is lenient. */
enum tally_error names_answer_line(struct import_ctx *ctx, struct names_aliases *aliases,
                                   const char *origin, const char *name, const char *type,
                                   const char *data, const struct ip_addr *fallback,
                                   const char *found);

#endif
