/* store_web.h: the web summaries (store_web.c) as the web analyses read them: the imports'
 * winners of shared services ranked again, into counts like web_count's. */
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
 * TALLY_ERROR_DATABASE, with diag filled, when the row is damaged. */
enum tally_error web_pick_add(struct web_builder *b, const char *proto, unsigned port,
                              int family, const void *names, size_t names_len,
                              const void *winners, size_t len, struct tally_diag *diag);
/* Empties the temporary table web_pick (source_id, proto, port, app, stack, service,
 * services: web_count's columns, source_id 0) and writes b's counts into it; b is then
 * empty. TALLY_ERROR_DATABASE when it cannot (store_fail() says why). */
enum tally_error web_pick_write(struct store *store, struct web_builder *b);

#endif
