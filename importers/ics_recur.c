/* ics_recur.c: the occurrences of an iCalendar event, expanded with libical: DTSTART,
 * RRULE and RDATE, less EXDATE, with overrides (RECURRENCE-ID) applied, within bounds. */
#include "importers/ics_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void instances_add(struct ics_instances *list, const struct ics_instance *inst)
{
    if (list->n == list->alloc) {
        list->alloc = list->alloc ? list->alloc * 2 : 16;
        list->v = xrealloc(list->v, list->alloc * sizeof(*list->v));
    }
    list->v[list->n++] = *inst;
}

static int instance_cmp(const void *a, const void *b)
{
    const struct ics_instance *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return 0;
}

/* Sorts by key and drops repeated keys (DTSTART is also the rule's first occurrence). */
static void instances_unique(struct ics_instances *list)
{
    if (list->n == 0)
        return;
    xqsort(list->v, list->n, sizeof(*list->v), instance_cmp);
    size_t out = 1;
    for (size_t i = 1; i < list->n; i++)
        if (list->v[i].key != list->v[out - 1].key)
            list->v[out++] = list->v[i];
    list->n = out;
}

/* Whether the event says X-MICROSOFT-CDO-ALLDAYEVENT:TRUE, as Exchange does for all-day
 * events it writes as date-times from one midnight to another. */
static int exchange_all_day(icalcomponent *comp)
{
    for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        const char *v = icalproperty_get_value_as_string(p);
        if (name && v && strcasecmp(name, "X-MICROSOFT-CDO-ALLDAYEVENT") == 0)
            return strcasecmp(v, "TRUE") == 0;
    }
    return 0;
}

static int is_midnight(struct icaltimetype t)
{
    return !t.hour && !t.minute && !t.second;
}

/* Start, end and zone of an event's own DTSTART/DTEND/DURATION. Returns -1 when it has
 * no usable DTSTART, -2 when it ends before it starts. An Exchange all-day event written
 * from midnight to midnight is read as the dates it covers. */
static int event_times(struct ics_state *s, icalcomponent *comp, struct icaltimetype *dtstart,
                       icaltimezone **zone, int64_t *start, int64_t *duration)
{
    icalproperty *p = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
    if (!p)
        return -1;
    *dtstart = ics_prop_time(p);
    if (icaltime_is_null_time(*dtstart))
        return -1;
    *zone = ics_zone_of(s, comp, p, *dtstart);
    *start = ics_to_unix(*dtstart, *zone);
    int ends_at_midnight = 0;
    if ((p = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY)) != NULL) {
        struct icaltimetype e = ics_prop_time(p);
        if (icaltime_is_null_time(e))
            return -1;
        int64_t end = dtstart->is_date && e.is_date
                          ? ics_day_of(e) * 86400
                          : ics_to_unix(e, ics_zone_of(s, comp, p, e));
        *duration = end - *start;
        ends_at_midnight = !e.is_date && is_midnight(e);
    } else if ((p = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY)) != NULL) {
        *duration = icaldurationtype_as_int(icalproperty_get_duration(p));
        ends_at_midnight = *duration % 86400 == 0;
    } else {
        *duration = dtstart->is_date ? 86400 : 0;
    }
    if (*duration < 0)
        return -2;
    /* Whole days (23 or 25 hours across a change of clocks). */
    int64_t days = (*duration + 43200) / 86400;
    if (!dtstart->is_date && is_midnight(*dtstart) && ends_at_midnight && days > 0 &&
        exchange_all_day(comp)) {
        dtstart->is_date = 1;
        *start = ics_day_of(*dtstart) * 86400;
        *duration = days * 86400;
    }
    return 0;
}

/* The zone a date-only series' EXDATE or RDATE names, for reading a date-time UNTIL. */
static icaltimezone *date_series_zone(struct ics_state *s, icalcomponent *comp)
{
    icalproperty_kind kinds[] = { ICAL_EXDATE_PROPERTY, ICAL_RDATE_PROPERTY };
    for (int k = 0; k < 2; k++) {
        for (icalproperty *p = icalcomponent_get_first_property(comp, kinds[k]); p;
             p = icalcomponent_get_next_property(comp, kinds[k])) {
            icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
            if (param && icalparameter_get_tzid(param))
                return ics_resolve_zone(s, comp, icalparameter_get_tzid(param));
        }
    }
    return icaltimezone_get_utc_timezone();
}

static enum tally_error expand_rule(struct ics_state *s, struct ics_event *ev,
                                    icalproperty *p, struct icaltimetype dtstart,
                                    icaltimezone *zone, int64_t duration,
                                    struct ics_instances *list)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(p);
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    if (rule.freq == ICAL_NO_RECURRENCE)
        return ics_bad_event(s, ev, "cannot read its RRULE");
    int bounded = rule.count > 0 || !icaltime_is_null_time(rule.until);
    if (!icaltime_is_null_time(rule.until)) {
        struct icaltimetype until = rule.until;
        if (dtstart.is_date) {
            if (!until.is_date) {
                if (icaltime_is_utc(until))
                    icaltimezone_convert_time(&until, utc, date_series_zone(s, ev->comp));
                until.is_date = 1;
                until.hour = until.minute = until.second = 0;
            }
        } else if (until.is_date) {
            until.is_date = 0;          /* an UNTIL date includes that whole day */
            until.hour = 23;
            until.minute = 59;
            until.second = 59;
        } else if (icaltime_is_utc(until) && zone != utc) {
            icaltimezone_convert_time(&until, utc, zone);
        }
        until.zone = NULL;
        rule.until = until;
    }
    struct icaltimetype first = dtstart;
    first.zone = NULL;
    icalrecur_iterator *it = icalrecur_iterator_new(rule, first);
    if (!it) {
        /* A rule libical will not iterate (such as BYMONTHDAY=30 in February) adds nothing. */
        import_warn(s->ctx, "%s:%ld: event \"%.60s\": libical cannot expand its RRULE; only "
                    "DTSTART and RDATE were counted", input_path(s->ctx->in), ev->line,
                    ics_event_summary(ev));
        return TALLY_OK;
    }
    int n = 0;
    for (;;) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        int64_t start = ics_to_unix(t, zone);
        if (!bounded && start > s->horizon)
            break;
        if (++n > ICS_MAX_INSTANCES) {
            import_warn(s->ctx, "%s:%ld: event \"%.60s\" has more than %d occurrences; the "
                        "rest were left out", input_path(s->ctx->in), ev->line,
                        ics_event_summary(ev), ICS_MAX_INSTANCES);
            break;
        }
        struct ics_instance inst = { .key = start, .day = ics_day_of(t), .start = start,
                                     .end = start + duration, .all_day = dtstart.is_date,
                                     .recurring = 1, .sequence = -1, .source = ev };
        instances_add(list, &inst);
    }
    icalrecur_iterator_free(it);
    return TALLY_OK;
}

/* Occurrences of a master event: DTSTART, its RRULEs and RDATEs, less its EXDATEs. */
static enum tally_error expand_master(struct ics_state *s, struct ics_event *ev,
                                      struct ics_instances *list, icaltimezone **master_zone,
                                      int64_t *master_duration, int *master_all_day)
{
    struct icaltimetype dtstart;
    icaltimezone *zone;
    int64_t start, duration;
    enum tally_error err;
    int rc = event_times(s, ev->comp, &dtstart, &zone, &start, &duration);
    if (rc == -1)
        return ics_bad_event(s, ev, "no usable DTSTART");
    if (rc == -2)
        return ics_bad_event(s, ev, "it ends before it starts (DTEND before DTSTART)");
    *master_zone = zone;
    *master_duration = duration;
    *master_all_day = dtstart.is_date;
    int recurring = icalcomponent_get_first_property(ev->comp, ICAL_RRULE_PROPERTY) ||
                    icalcomponent_get_first_property(ev->comp, ICAL_RDATE_PROPERTY);
    struct ics_instance first = { .key = start, .day = ics_day_of(dtstart), .start = start,
                                  .end = start + duration, .all_day = dtstart.is_date,
                                  .recurring = recurring, .sequence = -1, .source = ev };
    instances_add(list, &first);

    /* The RRULEs are gathered first: expanding one calls getters (the summary, the zone
     * of an RDATE) that move the component's one property iterator, so walking the
     * RRULEs while expanding them would find the same rule again and never end. */
    size_t nrules = 0;
    for (icalproperty *p = icalcomponent_get_first_property(ev->comp, ICAL_RRULE_PROPERTY);
         p; p = icalcomponent_get_next_property(ev->comp, ICAL_RRULE_PROPERTY))
        nrules++;
    icalproperty **rules = nrules ? xmalloc(nrules * sizeof(*rules)) : NULL;
    size_t r = 0;
    for (icalproperty *p = icalcomponent_get_first_property(ev->comp, ICAL_RRULE_PROPERTY);
         p && r < nrules; p = icalcomponent_get_next_property(ev->comp, ICAL_RRULE_PROPERTY))
        rules[r++] = p;
    for (r = 0; r < nrules; r++) {
        err = expand_rule(s, ev, rules[r], dtstart, zone, duration, list);
        if (err != TALLY_OK || ev->bad) {
            free(rules);
            return err;
        }
    }
    free(rules);
    for (icalproperty *p = icalcomponent_get_first_property(ev->comp, ICAL_RDATE_PROPERTY);
         p; p = icalcomponent_get_next_property(ev->comp, ICAL_RDATE_PROPERTY)) {
        struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
        struct icaltimetype t = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
        if (icaltime_is_null_time(t))
            continue;
        int64_t at = ics_to_unix(t, ics_zone_of(s, ev->comp, p, t));
        int64_t end = at + duration;
        if (icaltime_is_null_time(dp.time)) {
            if (!icaltime_is_null_time(dp.period.end))
                end = ics_to_unix(dp.period.end, ics_zone_of(s, ev->comp, p, dp.period.end));
            else
                end = at + icaldurationtype_as_int(dp.period.duration);
        }
        struct ics_instance inst = { .key = at, .day = ics_day_of(t), .start = at,
                                     .end = end >= at ? end : at, .all_day = t.is_date,
                                     .recurring = 1, .sequence = -1, .source = ev };
        instances_add(list, &inst);
    }
    instances_unique(list);

    for (icalproperty *p = icalcomponent_get_first_property(ev->comp, ICAL_EXDATE_PROPERTY);
         p; p = icalcomponent_get_next_property(ev->comp, ICAL_EXDATE_PROPERTY)) {
        struct icaltimetype t = icalproperty_get_exdate(p);
        if (icaltime_is_null_time(t))
            continue;
        int by_day = t.is_date || dtstart.is_date;
        int64_t ex = by_day ? ics_day_of(t) : ics_to_unix(t, ics_zone_of(s, ev->comp, p, t));
        size_t out = 0;
        for (size_t i = 0; i < list->n; i++)
            if (by_day ? list->v[i].day != ex : list->v[i].key != ex)
                list->v[out++] = list->v[i];
        list->n = out;
    }
    return TALLY_OK;
}

/* Applies an override (RECURRENCE-ID) to the occurrence it names, or adds it when the
 * series has no such occurrence. */
static enum tally_error apply_override(struct ics_state *s, struct ics_event *ov,
                                       struct ics_instances *list, int master_all_day,
                                       int64_t master_duration)
{
    icalproperty *p = icalcomponent_get_first_property(ov->comp, ICAL_RECURRENCEID_PROPERTY);
    struct icaltimetype rid = icalproperty_get_recurrenceid(p);
    if (icaltime_is_null_time(rid))
        return ics_bad_event(s, ov, "cannot read its RECURRENCE-ID");
    int64_t key = master_all_day || rid.is_date
                      ? ics_day_of(rid) * 86400
                      : ics_to_unix(rid, ics_zone_of(s, ov->comp, p, rid));
    struct ics_instance *match = NULL;
    for (size_t i = 0; i < list->n && !match; i++)
        if (list->v[i].key == key)
            match = &list->v[i];
    if (!match) {
        /* Same local date when the instant differs (a RECURRENCE-ID written in another
         * zone than the series, or a date against a date-time series). */
        struct ics_instance *only = NULL;
        int count = 0;
        for (size_t i = 0; i < list->n; i++) {
            if (list->v[i].day == ics_day_of(rid)) {
                only = &list->v[i];
                count++;
            }
        }
        if (count == 1)
            match = only;
    }

    struct icaltimetype dtstart;
    icaltimezone *zone;
    int64_t start, duration;
    int rc = event_times(s, ov->comp, &dtstart, &zone, &start, &duration);
    if (rc == -2)
        return ics_bad_event(s, ov, "it ends before it starts (DTEND before DTSTART)");
    int sequence = icalcomponent_get_sequence(ov->comp);
    if (match) {
        if (match->sequence > sequence)
            return TALLY_OK;            /* a later edit of the same occurrence is kept */
        if (rc == -1) {
            start = match->start;
            duration = master_duration;
            dtstart.is_date = match->all_day;
        }
        match->start = start;
        match->end = start + duration;
        match->all_day = dtstart.is_date;
        match->source = ov;
        match->sequence = sequence;
        return TALLY_OK;
    }
    if (rc == -1)
        return ics_bad_event(s, ov, "no usable DTSTART");
    struct ics_instance inst = { .key = key, .day = ics_day_of(rid), .start = start,
                                 .end = start + duration, .all_day = dtstart.is_date,
                                 .recurring = 1, .sequence = sequence, .source = ov };
    instances_add(list, &inst);
    return TALLY_OK;
}

void ics_widen_horizon(struct ics_state *s, struct ics_event *ev)
{
    static const icalproperty_kind kinds[] = { ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
                                               ICAL_RECURRENCEID_PROPERTY,
                                               ICAL_LASTMODIFIED_PROPERTY,
                                               ICAL_RDATE_PROPERTY };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (icalproperty *p = icalcomponent_get_first_property(ev->comp, kinds[k]); p;
             p = icalcomponent_get_next_property(ev->comp, kinds[k])) {
            struct icaltimetype t;
            if (kinds[k] == ICAL_RDATE_PROPERTY) {
                struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
                t = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
            } else {
                t = ics_prop_time(p);
            }
            if (icaltime_is_null_time(t))
                continue;
            int64_t at = ics_to_unix(t, ics_zone_of(s, ev->comp, p, t));
            if (at + ICS_HORIZON > s->horizon)
                s->horizon = at + ICS_HORIZON;
        }
    }
}

enum tally_error ics_expand(struct ics_state *s, struct ics_event **group, size_t n,
                            struct ics_instances *list)
{
    enum tally_error err = TALLY_OK;
    icaltimezone *zone = s->floating;
    int64_t duration = 0;
    int all_day = 0;

    for (size_t i = 0; i < n && !err; i++) {
        struct ics_event *ev = group[i];
        if (ev->bad)
            continue;
        if (ev->is_override)
            err = apply_override(s, ev, list, all_day, duration);
        else
            err = expand_master(s, ev, list, &zone, &duration, &all_day);
    }
    if (list->n > 1)
        xqsort(list->v, list->n, sizeof(*list->v), instance_cmp);
    return err;
}
