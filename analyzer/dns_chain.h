/* dns_chain.h: the DNS answers of captures held in memory to follow a name's CNAME chain
 * to its final addresses, for dns-chains (on either backend) and tls-names. Names are held
 * in lower case; answers are kept apart per scope (an import's id, or 0 for all together).
 *
 * Ownership: dns_chain_map_new() returns a map the caller frees with dns_chain_map_free(). */
#ifndef TALLY_DNS_CHAIN_H
#define TALLY_DNS_CHAIN_H

#include "analyzer/analyzer.h"

struct dns_chain_map;

struct dns_chain_map *dns_chain_map_new(void);
void dns_chain_map_free(struct dns_chain_map *m);      /* accepts NULL */

/* An answer of scope: a CNAME (the first target met for a name is kept), an A or AAAA
 * (each address once); other types are passed over. */
void dns_chain_add(struct dns_chain_map *m, long long scope, const char *name,
                   const char *type, const char *data);
/* A name asked in a query of scope 0, for dns_chain_rows(). */
void dns_chain_ask(struct dns_chain_map *m, const char *qname);

/* Follows name in scope: the CNAME targets from it (';'-separated, stopping before a loop
 * or after 16 hops) into chain, the addresses of the name it ends at (sorted as
 * dns_compare_addresses) into addresses; 0 when neither says anything. */
int dns_chain_follow(const struct dns_chain_map *m, long long scope, const char *name,
                     struct strbuf *chain, struct strbuf *addresses);

/* A row (name, chain, addresses) in t for each name asked, in name order, whose answers in
 * scope 0 say anything about it. */
void dns_chain_rows(const struct dns_chain_map *m, struct table *t);

/* qsort order of two address texts (const char *const *): by family, then numerically;
 * text that is not an address by strcmp. */
int dns_compare_addresses(const void *a, const void *b);

#endif
