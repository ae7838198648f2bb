/* personal.h: what the calendar and LinkedIn importers share: dates and times as people's
 * exports write them, time-zone conversion, and the meeting type (video, phone, onsite)
 * read from an event's text.
 *
 * Ownership: functions returning char * return memory the caller frees with free(). */
#ifndef TALLY_PERSONAL_H
#define TALLY_PERSONAL_H

#include <stdint.h>

#include <libical/ical.h>

/* A calendar date with an optional wall-clock time, as read from text. */
struct when {
    int year, month, day;       /* day 0 = only a month was given ("Aug 2022") */
    int hour, minute, second;
    int has_time;
    int utc;                    /* the text said UTC / GMT / Z */
};

/* Which way round a numeric date with slashes, dots or dashes is: 3/4/2024 is March 4
 * (DATE_MDY) or 3 April (DATE_DMY). Year-first dates (2024-03-04) are always Y-M-D. */
enum date_order { DATE_MDY, DATE_DMY };

/* Parses the date formats of calendar and LinkedIn exports: "22 Dec 2025", "9-Sep-22",
 * "8/26/22, 8:56 PM", "26.2.2025 13:30:00", "2022-08-20 11:00:00 UTC", "2022/07/21 20:53:18
 * UTC", "2019-11-06T02:08:20", "Tue Aug 30 14:33:11 UTC 2022", "Aug 2022". Returns 0, or
 * -1 when text is not such a date (or names an impossible one). */
int when_parse(const char *text, enum date_order order, struct when *w);
/* Parses a time of day alone ("10:00:00 AM", "13:30", "08:00 AM") into w's time. */
int when_parse_time(const char *text, struct when *w);
/* The first two numbers of a numeric date ("3/14/2024" -> 3, 14); -1 when not numeric or
 * year-first. For telling D/M from M/D across a file. */
int when_leading_numbers(const char *text, int *first, int *second);
/* Unix seconds of w: UTC when w->utc, else wall-clock time in zone. */
int64_t when_to_unix(const struct when *w, icaltimezone *zone);
/* "YYYY-MM-DD" (or "YYYY-MM" when day is 0) into out (at least 11 bytes). */
void when_format_date(const struct when *w, char *out, size_t size);

/* The zone named by --tz (NULL or "" = UTC): libical's copy of the system zone database.
 * NULL when the name is unknown. */
icaltimezone *personal_zone(const char *name);

/* Days since 1970-01-01 of a proleptic Gregorian date (negative before). */
int64_t days_from_civil(int year, int month, int day);

/* What an event's text says about how it happens. */
struct meeting_text {
    const char *summary;
    const char *location;
    const char *description;
    const char *conference;     /* an explicit conference property (URL), or NULL */
    int has_geo;                /* the calendar gave coordinates for the location */
};
/* "video" (conference field, or a meet.google.com / zoom.us / teams.microsoft.com /
 * teams.live.com / webex.com link, or a "Microsoft Teams Meeting" / "Zoom Meeting"
 * location), "phone" (a location that is a phone number or tel: URI, or "phone" / "call"
 * / "Telefonat" / "Anruf" / "telefoon" in the title or location), "onsite" (a street
 * address, a room, coordinates, or "onsite" / "in person" in the title), else "unknown".
 * *url receives the conference link found, or NULL. */
const char *meeting_type(const struct meeting_text *t, char **url);

/* The e-mail address in "mailto:Ann@X.example", "Ann <ann@x.example>" or
 * "ann@x.example", lower-cased; NULL when there is none. */
char *email_from_text(const char *text);

#endif
