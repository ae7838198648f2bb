/* ics_event.c: one occurrence of an iCalendar event as a struct event_record (times,
 * status, free/busy, organizer, attendees, meeting type) handed to store_add_event(). */
#include "importers/ics_internal.h"
#include "importers/personal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *partstat_name(icalparameter_partstat ps)
{
    switch (ps) {
    case ICAL_PARTSTAT_NEEDSACTION: return "needs-action";
    case ICAL_PARTSTAT_ACCEPTED: return "accepted";
    case ICAL_PARTSTAT_DECLINED: return "declined";
    case ICAL_PARTSTAT_TENTATIVE: return "tentative";
    case ICAL_PARTSTAT_DELEGATED: return "delegated";
    case ICAL_PARTSTAT_COMPLETED: return "completed";
    case ICAL_PARTSTAT_INPROCESS: return "in-process";
    default: return NULL;
    }
}

static const char *role_name(icalparameter_role role)
{
    switch (role) {
    case ICAL_ROLE_CHAIR: return "chair";
    case ICAL_ROLE_REQPARTICIPANT: return "req-participant";
    case ICAL_ROLE_OPTPARTICIPANT: return "opt-participant";
    case ICAL_ROLE_NONPARTICIPANT: return "non-participant";
    default: return NULL;
    }
}

static const char *param_cn(icalproperty *p)
{
    icalparameter *param = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
    return ics_nonempty(param ? icalparameter_get_cn(param) : NULL);
}

enum tally_error ics_store_instance(struct ics_state *s, const struct ics_instance *inst)
{
    icalcomponent *comp = inst->source->comp;
    struct event_record rec = { 0 };
    char *organizer = NULL, *url = NULL;
    char **emails = NULL;
    struct attendee_record *attendees = NULL;
    const char *conference = NULL;
    int has_geo = 0, nattendees = 0, alloc = 0;
    enum tally_error err;

    rec.uid = ics_nonempty(icalcomponent_get_uid(comp));
    rec.start = inst->start;
    rec.end = inst->end;
    rec.all_day = inst->all_day;
    rec.recurrence_id = inst->recurring ? inst->key : 0;
    rec.summary = ics_nonempty(icalcomponent_get_summary(comp));
    rec.location = ics_nonempty(icalcomponent_get_location(comp));
    rec.description = ics_nonempty(icalcomponent_get_description(comp));

    if (s->cancel_all) {
        rec.status = "cancelled";
    } else if (icalcomponent_get_first_property(comp, ICAL_STATUS_PROPERTY)) {
        switch (icalcomponent_get_status(comp)) {
        case ICAL_STATUS_CANCELLED: rec.status = "cancelled"; break;
        case ICAL_STATUS_TENTATIVE: rec.status = "tentative"; break;
        case ICAL_STATUS_CONFIRMED: rec.status = "confirmed"; break;
        default: break;
        }
    }
    icalproperty *p = icalcomponent_get_first_property(comp, ICAL_TRANSP_PROPERTY);
    if (p) {
        icalproperty_transp transp = icalproperty_get_transp(p);
        rec.free = transp == ICAL_TRANSP_TRANSPARENT ||
                   transp == ICAL_TRANSP_TRANSPARENTNOCONFLICT;
    }
    for (p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
        const char *name = icalproperty_get_property_name(p);
        if (!name)
            continue;
        if (strcasecmp(name, "X-MICROSOFT-CDO-BUSYSTATUS") == 0) {
            const char *v = icalproperty_get_value_as_string(p);
            if (v && strcasecmp(v, "FREE") == 0)
                rec.free = 1;
        } else if (!conference && (strcasecmp(name, "X-GOOGLE-CONFERENCE") == 0 ||
                                   strcasecmp(name, "X-MICROSOFT-SKYPETEAMSMEETINGURL") == 0 ||
                                   strcasecmp(name, "X-MICROSOFT-ONLINEMEETINGCONFLINK") == 0 ||
                                   strcasecmp(name, "CONFERENCE") == 0)) {
            conference = ics_nonempty(icalproperty_get_value_as_string(p));
        } else if (strcasecmp(name, "GEO") == 0 ||
                   strcasecmp(name, "X-APPLE-STRUCTURED-LOCATION") == 0) {
            has_geo = 1;
        }
    }
    char *conference_copy = conference ? xstrdup(conference) : NULL;

    if ((p = icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY)) != NULL) {
        organizer = email_from_text(icalproperty_get_organizer(p));
        rec.organizer = organizer;
        rec.organizer_name = param_cn(p);
    }
    for (p = icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(comp, ICAL_ATTENDEE_PROPERTY)) {
        if (nattendees == alloc) {
            alloc = alloc ? alloc * 2 : 8;
            attendees = xrealloc(attendees, (size_t)alloc * sizeof(*attendees));
            emails = xrealloc(emails, (size_t)alloc * sizeof(*emails));
        }
        struct attendee_record *a = &attendees[nattendees];
        emails[nattendees] = email_from_text(icalproperty_get_attendee(p));
        a->email = emails[nattendees++];
        a->name = param_cn(p);
        icalparameter *param = icalproperty_get_first_parameter(p, ICAL_ROLE_PARAMETER);
        a->role = param ? role_name(icalparameter_get_role(param)) : NULL;
        param = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
        a->partstat = param ? partstat_name(icalparameter_get_partstat(param)) : NULL;
        if (s->owner && a->email && strcmp(a->email, s->owner) == 0 && a->partstat &&
            strcmp(a->partstat, "declined") == 0)
            rec.declined = 1;
    }
    rec.attendees = attendees;
    rec.nattendees = nattendees;

    struct meeting_text text = { .summary = rec.summary, .location = rec.location,
                                 .description = rec.description, .conference = conference_copy,
                                 .has_geo = has_geo };
    rec.type = meeting_type(&text, &url);
    rec.conference_url = url;
    err = store_add_event(s->ctx->store, &rec);
    if (err)
        err = store_fail(s->ctx->store, s->ctx->diag, "cannot store an event");

    for (int i = 0; i < nattendees; i++)
        free(emails[i]);
    free(emails);
    free(attendees);
    free(organizer);
    free(url);
    free(conference_copy);
    return err;
}
