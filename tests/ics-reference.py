#!/usr/bin/python3
"""ics-reference.py: occurrences of the events in an iCalendar file as the Python
icalendar + recurring_ical_events libraries compute them, to check tally's ICS importer
against an independent implementation.

Usage: ics-reference.py FILE
Prints "window END" (unix seconds: one year, 366 days, after the latest DTSTART, DTEND or
LAST-MODIFIED in the file), then one line "START END ALL_DAY" per occurrence that starts
before END and is not cancelled, sorted, then "day YYYY-MM-DD MINUTES" per UTC day for the
timed ones. Floating times are read as UTC. Exits 77 when the modules are missing."""
import calendar
import datetime
import sys

try:
    import icalendar
    import recurring_ical_events
except ImportError:
    sys.exit(77)


def unix(value):
    """Unix seconds of a date (00:00 UTC), naive date-time (UTC) or aware date-time."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return calendar.timegm(value.timetuple())
        return int(value.timestamp())
    return calendar.timegm(value.timetuple())


def without_known_vtimezones(text):
    """The file without VTIMEZONE blocks for zones pytz knows: icalendar prefers pytz for
    those anyway, and cannot read some historical ones (offsets like +5328)."""
    import pytz
    out, block, tzid = [], None, None
    for line in text.splitlines(keepends=True):
        if block is None and line.strip().upper() == "BEGIN:VTIMEZONE":
            block, tzid = [line], None
            continue
        if block is not None:
            block.append(line)
            if line.upper().startswith("TZID:"):
                tzid = line[5:].strip()
            if line.strip().upper() == "END:VTIMEZONE":
                if tzid not in pytz.all_timezones_set:
                    out.extend(block)
                block = None
            continue
        out.append(line)
    return "".join(out)


def rrule_without_spaces(text):
    """RRULE values with the blanks some Exchange versions write ("BYDAY=MO, TU") removed:
    dateutil does not accept them, libical (like Outlook) does."""
    import re
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    return re.sub(r"(?im)^(RRULE:.*)$", lambda m: m.group(1).replace(" ", ""), unfolded)


def main():
    with open(sys.argv[1], "rb") as f:
        text = rrule_without_spaces(without_known_vtimezones(f.read().decode("utf-8")))
    component = icalendar.Calendar.from_ical(text)
    if component.name != "VCALENDAR":
        cal = icalendar.Calendar()
        cal.add_component(component)
    else:
        cal = component

    latest = None
    periods = {}    # RDATE;VALUE=PERIOD start -> end: recurring_ical_events cannot use them
    for event in cal.walk("VEVENT"):
        rdates = event.get("RDATE")
        for rdate in rdates if isinstance(rdates, list) else [rdates] if rdates else []:
            if rdate is None:
                continue
            for value in rdate.dts:
                if isinstance(value.dt, tuple):
                    begin, finish = value.dt
                    if isinstance(finish, datetime.timedelta):
                        finish = begin + finish
                    periods[(str(event.get("UID")), unix(begin))] = unix(finish)
                    value.dt = begin
        # Values icalendar could not read are left as None; libical drops them too.
        for name in ("RDATE", "EXDATE"):
            values = event.get(name)
            if isinstance(values, list) and None in values:
                kept = [v for v in values if v is not None]
                del event[name]
                if kept:
                    event[name] = kept
        for name in ("DTSTART", "DTEND", "LAST-MODIFIED"):
            if name in event:
                at = unix(event[name].dt)
                latest = at if latest is None or at > latest else latest
    if latest is None:
        print("window 0")
        return
    end = latest + 366 * 86400
    print("window %d" % end)

    start = datetime.datetime(1900, 1, 1)
    stop = datetime.datetime.utcfromtimestamp(end)
    rows = []
    for event in recurring_ical_events.of(cal).between(start, stop):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begin = event["DTSTART"].dt
        finish = event["DTEND"].dt if "DTEND" in event else begin
        all_day = 0 if isinstance(begin, datetime.datetime) else 1
        if unix(begin) >= end:
            continue
        finish = periods.get((str(event.get("UID")), unix(begin)), unix(finish))
        rows.append((unix(begin), finish, all_day))
    rows.sort()
    minutes = {}
    for begin, finish, all_day in rows:
        print("%d %d %d" % (begin, finish, all_day))
        if not all_day:
            day = datetime.datetime.utcfromtimestamp(begin).strftime("%Y-%m-%d")
            minutes[day] = minutes.get(day, 0) + (finish - begin) // 60
    for day in sorted(minutes):
        print("day %s %d" % (day, minutes[day]))


main()
