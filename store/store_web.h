/* store_web.h: the web summaries (store_web.c) as the analyses read them: the imports'
 * winners of shared services ranked again, into counts like web_count's; one import's
 * winners of a port, service by service. */
#ifndef TALLY_STORE_WEB_H
#define TALLY_STORE_WEB_H

#include "store/store.h"

/* The winner per service of what it is given, and the texts of the answers; memory grows
 * with the services. */
struct web_builder;
struct web_builder *web_builder_new(void);
void web_builder_free(struct web_builder *b);       /* accepts NULL */

/* Adds the winners of one web_winner row (its proto, port, family, names and winners) to
 * b, where each service keeps the winner that ranks first whichever import it came from;
 * TALLY_ERROR_DATABASE, with diag filled, when the row is damaged (its services out of
 * address order among them). The rows of one (proto, port) must come one after another:
 * b counts a (proto, port)'s answers when the next one starts. */
enum tally_error web_pick_add(struct web_builder *b, const char *proto, unsigned port,
                              int family, const void *names, size_t names_len,
                              const void *winners, size_t len, struct tally_diag *diag);
/* Empties the temporary table web_pick (source_id, proto, port, app, stack, service,
 * services: web_count's columns, source_id 0) and writes b's counts into it; b is then
 * empty. TALLY_ERROR_DATABASE when it cannot (store_fail() says why). */
enum tally_error web_pick_write(struct store *store, struct web_builder *b);

/* One service's winners in one import, as web_winner packs them. */
struct web_winner {
    struct ip_addr addr;
    const char *app, *stack, *service;  /* NULL: none; stack 'ASP.NET' when stack_aspnet */
    int has_app_seen, has_stack_seen;   /* whether app_seen and stack_seen are known */
    int stack_aspnet;                   /* the stack is from X-AspNet-Version */
    int64_t app_seen, stack_seen;
};

/* One import's winners of one (proto, port), IPv4 then IPv6, each in address order, read
 * a window at a time. */
struct web_winners;
/* Opens them into *out (none when the import has no web answer there);
 * TALLY_ERROR_DATABASE, with diag filled, when they cannot be read or are damaged. */
enum tally_error web_winners_load(struct store *store, int64_t source, const char *proto,
                                  unsigned port, struct web_winners **out,
                                  struct tally_diag *diag);
void web_winners_free(struct web_winners *w);      /* accepts NULL */
/* The next service into *out, *got set to 1, or *got 0 when there is none left (w may be
 * NULL); TALLY_ERROR_DATABASE when it cannot be read or is damaged. Its texts live as long
 * as w. */
enum tally_error web_winners_next(struct web_winners *w, struct web_winner *out, int *got,
                                  struct tally_diag *diag);

#endif
