/* time_events.h: what the time-spent analyses share: the events they count, read from the
 * store with their local date and hour in --tz, and the companies each one involves
 * (renamed by --map).
 *
 * Ownership: time_events_load() fills a struct the caller releases with time_events_free().
 * Counted: not cancelled, not declined by the owner, not all-day, not shown as free, not
 * of zero length (a DTSTART with no DTEND or DURATION: a reminder, not a meeting). */
#ifndef TALLY_TIME_EVENTS_H
#define TALLY_TIME_EVENTS_H

#include <glib.h>
#include <stdint.h>

#include "analyzer/analyzer.h"

/* A local calendar position of an instant. */
struct local_time {
    char day[16];               /* YYYY-MM-DD */
    char week[9];               /* ISO week, YYYY-Www */
    int weekday;                /* 1 = Monday ... 7 = Sunday */
    int hour;
};

struct time_event {
    int64_t id;                 /* event.id */
    int64_t start, end;         /* unix seconds */
    const char *type;           /* video, phone, onsite, unknown (static) */
    struct local_time local;    /* of start */
};

struct time_events {
    struct time_event *v;
    size_t n;
    /* Left out in the same window, by the first reason that applies. */
    long long cancelled, declined, all_day, free, zero_length;
};

/* --tz as a GTimeZone (UTC when NULL); a usage error when the name is unknown. */
enum tally_error time_zone_open(const char *name, GTimeZone **out, struct tally_diag *diag);
void time_local(GTimeZone *tz, int64_t t, struct local_time *out);
/* Whether a YYYY-MM-DD day lies within --since/--until (inclusive). */
int time_in_window(const struct filters *f, const char *day);

/* The counted events whose local start date is in the window, ordered by start. */
enum tally_error time_events_load(struct store *store, const struct filters *f,
                                  GTimeZone *tz, struct time_events *out,
                                  struct tally_diag *diag);
void time_events_free(struct time_events *ev);
/* "12 meetings; left out: 1 cancelled, 2 all-day" plus the filters in effect. */
char *time_events_describe(const struct time_events *ev, const struct filters *f,
                           unsigned which);

/* (event id, company) pairs for the counted events, without repeats: the lower-case
 * e-mail domains of organizer and attendees, renamed by the map; the owner's domain and
 * free-mail domains left out unless the map names them. Ordered by event id. */
struct event_company {
    int64_t event_id;
    char *company;
};
enum tally_error time_companies_load(struct store *store, const struct filters *f,
                                     const struct company_map *map,
                                     struct event_company **out, size_t *n,
                                     struct tally_diag *diag);
void time_companies_free(struct event_company *v, size_t n);

#endif
