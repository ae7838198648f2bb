/* ics_internal.h: what the files of the iCalendar importer share (ics.c, ics_zone.c,
 * ics_recur.c, ics_event.c): an import's state, its events and their occurrences. */
#ifndef TALLY_ICS_INTERNAL_H
#define TALLY_ICS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

#include "importers/importers.h"

#define ICS_MAX_INSTANCES 10000         /* occurrences of one event at the most */
#define ICS_HORIZON (366LL * 86400)     /* an open-ended rule stops this long after the
                                           latest time in the file */
#define ICS_MAX_ZONES 64                /* TZIDs remembered per file */

/* One VEVENT of the file. */
struct ics_event {
    icalcomponent *comp;
    long line;                  /* of its BEGIN:VEVENT */
    const char *uid;            /* NULL when it has none */
    int is_override;            /* has RECURRENCE-ID */
    int bad;                    /* malformed, skipped under --lenient */
};

/* One occurrence of an event. */
struct ics_instance {
    int64_t key;                /* the occurrence's start in its series (unix seconds) */
    int64_t day;                /* days since 1970 of that start's local date */
    int64_t start, end;
    int all_day;
    int recurring;
    int sequence;               /* of the override applied, -1 for none */
    struct ics_event *source;   /* the master, or the override that replaced it */
};

struct ics_instances {
    struct ics_instance *v;
    size_t n, alloc;
};

struct ics_zone_entry {
    char *tzid;
    icaltimezone *zone;         /* NULL: unknown, read as floating */
};

struct ics_state {
    struct import_ctx *ctx;
    icaltimezone *floating;     /* --tz */
    char *owner;                /* --owner, lower case */
    int cancel_all;             /* METHOD:CANCEL */
    int64_t horizon;
    struct ics_event *events;
    size_t nevents, alloc_events;
    struct ics_zone_entry zones[ICS_MAX_ZONES];     /* TZIDs resolved so far */
    int nzones;
};

static inline const char *ics_nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---- ics.c: reading the file and checking its structure ---- */

/* The event's SUMMARY, or "(no summary)". */
const char *ics_event_summary(const struct ics_event *ev);
/* A malformed event: marks it bad; under --lenient counts it as skipped and returns
 * TALLY_OK, else fills the diag (at its BEGIN:VEVENT line) and returns TALLY_ERROR_DATA. */
enum tally_error ics_bad_event(struct ics_state *s, struct ics_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- ics_zone.c: time zones and times ---- */

/* The IANA zone CLDR maps a Windows zone name ("W. Europe Standard Time", any case) to,
 * or NULL when name is not one. */
const char *ics_windows_zone(const char *name);
/* The zone a TZID names: UTC, the system zone database (IANA names, aliases,
 * "/vendor/Region/City"), a Windows name, else a VTIMEZONE above comp. An unknown TZID
 * is warned about once and read as floating (s->floating). */
icaltimezone *ics_resolve_zone(struct ics_state *s, icalcomponent *comp, const char *tzid);
/* The zone a date-time property's value t is in: UTC, its TZID, or floating. */
icaltimezone *ics_zone_of(struct ics_state *s, icalcomponent *comp, icalproperty *prop,
                          struct icaltimetype t);
/* Days since 1970-01-01 of t's date. */
int64_t ics_day_of(struct icaltimetype t);
/* Unix seconds of t read in zone; dates are 00:00 UTC of the day. */
int64_t ics_to_unix(struct icaltimetype t, icaltimezone *zone);
/* The date or date-time value of a property. */
struct icaltimetype ics_prop_time(icalproperty *p);

/* ---- ics_recur.c: occurrences ---- */

/* Moves s->horizon to ICS_HORIZON after the latest time in the event. */
void ics_widen_horizon(struct ics_state *s, struct ics_event *ev);
/* Appends the occurrences of group[0, n), one UID's masters and overrides (masters
 * first), to list, sorted by their start in the series. An event found malformed is
 * marked bad (see ics_bad_event()). */
enum tally_error ics_expand(struct ics_state *s, struct ics_event **group, size_t n,
                            struct ics_instances *list);

/* ---- ics_event.c: one occurrence into the store ---- */

enum tally_error ics_store_instance(struct ics_state *s, const struct ics_instance *inst);

#endif
