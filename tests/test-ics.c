/* test-ics.c: unit tests for the iCalendar importer's parts: Windows zone names and TZID
 * resolution (ics_zone.c), and the occurrences and bounds of recurrence (ics_recur.c). */
#include "tests/tap.h"
#include "importers/ics_internal.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/tally-test-ics.XXXXXX";
static struct import_options options = { .tz = "UTC" };
static struct tally_diag diag;
static struct import_ctx ctx = { .opt = &options, .diag = &diag };

/* A state for one calendar: its VEVENTs become s->events, each on "line" 1, 2, ... */
static icalcomponent *state_for(struct ics_state *s, const char *text)
{
    memset(s, 0, sizeof(*s));
    s->ctx = &ctx;
    s->floating = icaltimezone_get_utc_timezone();
    ctx.warnings = 0;
    ctx.skipped = 0;
    icalcomponent *root = icalparser_parse_string(text);
    for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); c;
         c = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
        s->events = xrealloc(s->events, (s->nevents + 1) * sizeof(*s->events));
        struct ics_event *ev = &s->events[s->nevents++];
        memset(ev, 0, sizeof(*ev));
        ev->comp = c;
        ev->line = (long)s->nevents;
        ev->uid = ics_nonempty(icalcomponent_get_uid(c));
        ev->is_override = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) != NULL;
    }
    for (size_t i = 0; i < s->nevents; i++)
        ics_widen_horizon(s, &s->events[i]);
    return root;
}

static void state_free(struct ics_state *s, icalcomponent *root)
{
    for (int i = 0; i < s->nzones; i++)
        free(s->zones[i].tzid);
    free(s->events);
    icalcomponent_free(root);
}

/* The occurrences of the calendar's events, taken as one group (masters first). */
static enum tally_error expand(const char *text, struct ics_instances *list)
{
    struct ics_state s;
    icalcomponent *root = state_for(&s, text);
    struct ics_event **group = xmalloc((s.nevents + 1) * sizeof(*group));
    for (size_t i = 0; i < s.nevents; i++)
        group[i] = &s.events[i];
    memset(list, 0, sizeof(*list));
    enum tally_error err = ics_expand(&s, group, s.nevents, list);
    for (size_t i = 0; i < list->n; i++)
        list->v[i].source = NULL;       /* the events go with the state */
    free(group);
    state_free(&s, root);
    return err;
}

#define CAL(events) "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" events \
                    "END:VCALENDAR\r\n"
#define EVENT(lines) "BEGIN:VEVENT\r\n" lines "END:VEVENT\r\n"

static void test_windows_zones(void)
{
    CHECK_STR(ics_windows_zone("W. Europe Standard Time"), "Europe/Berlin",
              "W. Europe Standard Time is Europe/Berlin");
    CHECK_STR(ics_windows_zone("pacific standard time"), "America/Los_Angeles",
              "a Windows name in any case");
    CHECK_STR(ics_windows_zone("Pacific Standard Time (Mexico)"), "America/Tijuana",
              "a name is matched whole, not by its beginning");
    CHECK_STR(ics_windows_zone("UTC"), "Etc/UTC", "UTC is a Windows name too");
    CHECK(ics_windows_zone("Europe/Berlin") == NULL, "an IANA name is not a Windows name");
    CHECK(ics_windows_zone("Pacific Standard") == NULL, "nor is a part of one");
}

static void test_resolve_zone(void)
{
    struct ics_state s;
    icalcomponent *root = state_for(&s, CAL(
        "BEGIN:VTIMEZONE\r\nTZID:Office\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        EVENT("UID:z\r\nDTSTART;TZID=Office:20240115T120000\r\n")));
    icalcomponent *ev = s.events[0].comp;
    icaltimezone *utc = icaltimezone_get_utc_timezone();

    icaltimezone *z = ics_resolve_zone(&s, ev, "Romance Standard Time");
    CHECK_STR(z ? icaltimezone_get_location(z) : NULL, "Europe/Paris",
              "a Windows TZID is read as its IANA zone");
    z = ics_resolve_zone(&s, ev, "America/New_York");
    CHECK_STR(z ? icaltimezone_get_location(z) : NULL, "America/New_York",
              "an IANA TZID is the system's zone");
    CHECK(ics_resolve_zone(&s, ev, "gmt") == utc, "GMT in any case is UTC");
    z = ics_resolve_zone(&s, ev, "Office");
    CHECK(z && z != s.floating, "a TZID the file defines in a VTIMEZONE is that zone");
    struct icaltimetype noon = icaltime_from_string("20240115T120000");
    CHECK_INT(ics_to_unix(noon, z), 1705300200, "its offset (+05:30) applies");
    CHECK_INT(ctx.warnings, 0, "no warning for zones that are known");

    CHECK(ics_resolve_zone(&s, ev, "Mars/Olympus_Mons") == s.floating,
          "an unknown TZID is read as floating");
    CHECK_INT(ctx.warnings, 1, "with a warning");
    CHECK(strstr(ctx.warning, "unknown time zone \"Mars/Olympus_Mons\"") != NULL,
          "naming the TZID: %s", ctx.warning);
    ics_resolve_zone(&s, ev, "Mars/Olympus_Mons");
    CHECK_INT(ctx.warnings, 1, "once per file");
    state_free(&s, root);
}

static void test_times(void)
{
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    icaltimezone *berlin = icaltimezone_get_builtin_timezone("Europe/Berlin");
    CHECK_INT(ics_to_unix(icaltime_from_string("20240701"), berlin), 1719792000,
              "a date is 00:00 UTC of that day, whatever the zone");
    CHECK_INT(ics_to_unix(icaltime_from_string("20240701T120000Z"), utc), 1719835200,
              "a UTC time");
    CHECK_INT(ics_to_unix(icaltime_from_string("20240701T120000"), berlin), 1719828000,
              "a time in Europe/Berlin in summer is two hours ahead of UTC");
    CHECK_INT(ics_to_unix(icaltime_from_string("18500101T000000Z"), utc), -3786825600LL,
              "a UTC time before 1902");
    CHECK_INT(ics_day_of(icaltime_from_string("19700102T235959")), 1, "the day of a time");
}

static void test_expand(void)
{
    struct ics_instances list;

    /* Open-ended: one year (366 days) after the latest time in the file, here DTEND. */
    CHECK_INT(expand(CAL(EVENT("UID:a\r\nDTSTART:20240101T090000Z\r\n"
                               "DTEND:20240101T100000Z\r\nRRULE:FREQ=DAILY\r\n")), &list),
              TALLY_OK, "an open-ended daily rule expands");
    CHECK_INT(list.n, 367, "up to 366 days after its end: 367 days");
    CHECK_INT(list.v[0].start, 1704099600, "the first is DTSTART");
    CHECK_INT(list.v[list.n - 1].start, 1704099600 + 366 * 86400, "the last, 366 days on");
    CHECK_INT(list.v[1].end - list.v[1].start, 3600, "each as long as the event");
    CHECK_INT(ctx.warnings, 0, "without a warning");
    free(list.v);

    CHECK_INT(expand(CAL(EVENT("UID:b\r\nDTSTART:20240101T090000Z\r\n"
                               "RRULE:FREQ=MINUTELY;COUNT=20000\r\n")), &list),
              TALLY_OK, "a rule of 20000 occurrences expands");
    CHECK_INT(list.n, ICS_MAX_INSTANCES, "to ICS_MAX_INSTANCES");
    CHECK_INT(ctx.warnings, 1, "with a warning");
    CHECK(strstr(ctx.warning, "has more than 10000 occurrences") != NULL, "saying so: %s",
          ctx.warning);
    free(list.v);

    CHECK_INT(expand(CAL(EVENT("UID:c\r\nDTSTART:20240101T090000Z\r\n"
                               "RRULE:FREQ=DAILY;UNTIL=20240105\r\n"
                               "EXDATE:20240103T090000Z\r\n"
                               "RDATE:20240201T090000Z\r\n")), &list),
              TALLY_OK, "a rule with a date UNTIL, an EXDATE and an RDATE expands");
    CHECK_INT(list.n, 5, "an UNTIL date includes its day; EXDATE removes one, RDATE adds one");
    CHECK_INT(list.v[2].start, 1704358800, "the third is 4 January");
    CHECK_INT(list.v[4].start, 1706778000, "the last is the RDATE");
    free(list.v);

    CHECK_INT(expand(CAL(EVENT("UID:d\r\nDTSTART:20240101T090000Z\r\n"
                               "DTEND:20240101T093000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n")
                         EVENT("UID:d\r\nRECURRENCE-ID:20240102T090000Z\r\n"
                               "DTSTART:20240102T150000Z\r\nDTEND:20240102T160000Z\r\n")),
                     &list),
              TALLY_OK, "a series with an override expands");
    CHECK_INT(list.n, 3, "the moved occurrence is counted once");
    CHECK(list.n == 3 && list.v[1].start == 1704207600 && list.v[1].end == 1704211200,
          "at its new time, for its new length");
    CHECK(list.n == 3 && list.v[1].key == 1704186000, "keeping its place in the series");
    free(list.v);

    CHECK_INT(expand(CAL(EVENT("UID:e\r\nSUMMARY:Backwards\r\nDTSTART:20240101T100000Z\r\n"
                               "DTEND:20240101T090000Z\r\n")), &list),
              TALLY_ERROR_DATA, "an event that ends before it starts is an error");
    CHECK_STR(diag.message, "event \"Backwards\": it ends before it starts (DTEND before "
              "DTSTART)", "saying so");
    CHECK_INT(diag.line, 1, "at its BEGIN:VEVENT");
    CHECK_INT(list.n, 0, "and has no occurrences");
    free(list.v);

    options.lenient = 1;
    CHECK_INT(expand(CAL(EVENT("UID:e\r\nDTSTART:20240101T100000Z\r\n"
                               "DTEND:20240101T090000Z\r\n")), &list),
              TALLY_OK, "under --lenient it is skipped");
    CHECK_INT(ctx.skipped, 1, "and counted");
    CHECK_INT(list.n, 0, "with no occurrences");
    free(list.v);
    options.lenient = 0;
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return 99;
    close(fd);
    if (input_open(path, &ctx.in, &diag) != TALLY_OK)
        return 99;
    icalerror_set_errors_are_fatal(0);
    test_windows_zones();
    test_resolve_zone();
    test_times();
    test_expand();
    input_close(ctx.in);
    unlink(path);
    return tap_done();
}
