/* ics.c: iCalendar (RFC 5545) files from Google, Outlook/Exchange, Apple and others, read
 * with libical. Every occurrence of an event becomes one row: RRULE and RDATE are
 * expanded, EXDATE removes occurrences, and an override (same UID with RECURRENCE-ID)
 * replaces the occurrence it names, so a moved meeting is counted once, at its new time.
 *
 * Times: UTC, a TZID (IANA names and aliases from the system zone database, the usual
 * Windows names mapped to IANA, else the file's own VTIMEZONE), or floating, which is
 * read in --tz. A TZID that none of these knows is read as floating, with a warning.
 *
 * Expansion is bounded: a rule with neither COUNT nor UNTIL stops one year (366 days)
 * after the latest DTSTART, DTEND, RDATE, RECURRENCE-ID or LAST-MODIFIED in the file, and
 * no event yields more than ICS_MAX_INSTANCES occurrences. */
#include "importers/importers.h"
#include "importers/personal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libical parses a calendar whole, at about 14 bytes of memory per byte of text: 64 MiB
 * (years of a busy calendar) keeps that under 1 GiB. */
#define ICS_MAX_BYTES (64ull << 20)
#define ICS_MAX_INSTANCES 10000
#define ICS_HORIZON (366LL * 86400)
#define ICS_MAX_DEPTH 32
#define ICS_MAX_ZONES 64

/* Windows zone names (Exchange, Outlook) and the IANA zone CLDR's windowsZones.xml maps
 * each to (territory 001). */
static const char *const windows_zones[][2] = {
    { "Dateline Standard Time", "Etc/GMT+12" },
    { "UTC-11", "Etc/GMT+11" },
    { "Hawaiian Standard Time", "Pacific/Honolulu" },
    { "Alaskan Standard Time", "America/Anchorage" },
    { "Pacific Standard Time (Mexico)", "America/Tijuana" },
    { "Pacific Standard Time", "America/Los_Angeles" },
    { "US Mountain Standard Time", "America/Phoenix" },
    { "Mountain Standard Time (Mexico)", "America/Mazatlan" },
    { "Mountain Standard Time", "America/Denver" },
    { "Central America Standard Time", "America/Guatemala" },
    { "Central Standard Time (Mexico)", "America/Mexico_City" },
    { "Central Standard Time", "America/Chicago" },
    { "Canada Central Standard Time", "America/Regina" },
    { "SA Pacific Standard Time", "America/Bogota" },
    { "Eastern Standard Time (Mexico)", "America/Cancun" },
    { "Eastern Standard Time", "America/New_York" },
    { "US Eastern Standard Time", "America/Indiana/Indianapolis" },
    { "Venezuela Standard Time", "America/Caracas" },
    { "Paraguay Standard Time", "America/Asuncion" },
    { "Atlantic Standard Time", "America/Halifax" },
    { "Central Brazilian Standard Time", "America/Cuiaba" },
    { "SA Western Standard Time", "America/La_Paz" },
    { "Pacific SA Standard Time", "America/Santiago" },
    { "Newfoundland Standard Time", "America/St_Johns" },
    { "E. South America Standard Time", "America/Sao_Paulo" },
    { "Argentina Standard Time", "America/Argentina/Buenos_Aires" },
    { "SA Eastern Standard Time", "America/Cayenne" },
    { "Greenland Standard Time", "America/Godthab" },
    { "Montevideo Standard Time", "America/Montevideo" },
    { "UTC-02", "Etc/GMT+2" },
    { "Azores Standard Time", "Atlantic/Azores" },
    { "Cape Verde Standard Time", "Atlantic/Cape_Verde" },
    { "UTC", "Etc/UTC" },
    { "GMT Standard Time", "Europe/London" },
    { "Greenwich Standard Time", "Atlantic/Reykjavik" },
    { "W. Europe Standard Time", "Europe/Berlin" },
    { "Central Europe Standard Time", "Europe/Budapest" },
    { "Romance Standard Time", "Europe/Paris" },
    { "Central European Standard Time", "Europe/Warsaw" },
    { "W. Central Africa Standard Time", "Africa/Lagos" },
    { "Morocco Standard Time", "Africa/Casablanca" },
    { "Jordan Standard Time", "Asia/Amman" },
    { "GTB Standard Time", "Europe/Bucharest" },
    { "Middle East Standard Time", "Asia/Beirut" },
    { "Egypt Standard Time", "Africa/Cairo" },
    { "E. Europe Standard Time", "Europe/Chisinau" },
    { "Syria Standard Time", "Asia/Damascus" },
    { "South Africa Standard Time", "Africa/Johannesburg" },
    { "FLE Standard Time", "Europe/Kiev" },
    { "Israel Standard Time", "Asia/Jerusalem" },
    { "Kaliningrad Standard Time", "Europe/Kaliningrad" },
    { "Libya Standard Time", "Africa/Tripoli" },
    { "Namibia Standard Time", "Africa/Windhoek" },
    { "Sudan Standard Time", "Africa/Khartoum" },
    { "Arabic Standard Time", "Asia/Baghdad" },
    { "Turkey Standard Time", "Europe/Istanbul" },
    { "Arab Standard Time", "Asia/Riyadh" },
    { "Belarus Standard Time", "Europe/Minsk" },
    { "Russian Standard Time", "Europe/Moscow" },
    { "E. Africa Standard Time", "Africa/Nairobi" },
    { "Iran Standard Time", "Asia/Tehran" },
    { "Arabian Standard Time", "Asia/Dubai" },
    { "Azerbaijan Standard Time", "Asia/Baku" },
    { "Mauritius Standard Time", "Indian/Mauritius" },
    { "Georgian Standard Time", "Asia/Tbilisi" },
    { "Caucasus Standard Time", "Asia/Yerevan" },
    { "Afghanistan Standard Time", "Asia/Kabul" },
    { "West Asia Standard Time", "Asia/Tashkent" },
    { "Ekaterinburg Standard Time", "Asia/Yekaterinburg" },
    { "Pakistan Standard Time", "Asia/Karachi" },
    { "India Standard Time", "Asia/Kolkata" },
    { "Sri Lanka Standard Time", "Asia/Colombo" },
    { "Nepal Standard Time", "Asia/Kathmandu" },
    { "Central Asia Standard Time", "Asia/Almaty" },
    { "Bangladesh Standard Time", "Asia/Dhaka" },
    { "Myanmar Standard Time", "Asia/Yangon" },
    { "SE Asia Standard Time", "Asia/Bangkok" },
    { "N. Central Asia Standard Time", "Asia/Novosibirsk" },
    { "North Asia Standard Time", "Asia/Krasnoyarsk" },
    { "China Standard Time", "Asia/Shanghai" },
    { "North Asia East Standard Time", "Asia/Irkutsk" },
    { "Singapore Standard Time", "Asia/Singapore" },
    { "W. Australia Standard Time", "Australia/Perth" },
    { "Taipei Standard Time", "Asia/Taipei" },
    { "Ulaanbaatar Standard Time", "Asia/Ulaanbaatar" },
    { "Tokyo Standard Time", "Asia/Tokyo" },
    { "Korea Standard Time", "Asia/Seoul" },
    { "Yakutsk Standard Time", "Asia/Yakutsk" },
    { "Cen. Australia Standard Time", "Australia/Adelaide" },
    { "AUS Central Standard Time", "Australia/Darwin" },
    { "E. Australia Standard Time", "Australia/Brisbane" },
    { "AUS Eastern Standard Time", "Australia/Sydney" },
    { "West Pacific Standard Time", "Pacific/Port_Moresby" },
    { "Tasmania Standard Time", "Australia/Hobart" },
    { "Vladivostok Standard Time", "Asia/Vladivostok" },
    { "Magadan Standard Time", "Asia/Magadan" },
    { "Central Pacific Standard Time", "Pacific/Guadalcanal" },
    { "New Zealand Standard Time", "Pacific/Auckland" },
    { "Fiji Standard Time", "Pacific/Fiji" },
    { "Tonga Standard Time", "Pacific/Tongatapu" },
    { "Samoa Standard Time", "Pacific/Apia" },
    { NULL, NULL }
};

/* One VEVENT of the file. */
struct ics_event {
    icalcomponent *comp;
    long line;                  /* of its BEGIN:VEVENT */
    const char *uid;            /* NULL when it has none */
    int is_override;            /* has RECURRENCE-ID */
    int bad;                    /* malformed, skipped under --lenient */
};

/* One occurrence of an event. */
struct instance {
    int64_t key;                /* the occurrence's start in its series (unix seconds) */
    int64_t day;                /* days since 1970 of that start's local date */
    int64_t start, end;
    int all_day;
    int recurring;
    int sequence;               /* of the override applied, -1 for none */
    struct ics_event *source;   /* the master, or the override that replaced it */
};

struct instances {
    struct instance *v;
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
    struct ics_zone_entry zones[ICS_MAX_ZONES];
    int nzones;
};

static const char *event_summary(const struct ics_event *ev)
{
    const char *s = icalcomponent_get_summary(ev->comp);
    return s ? s : "(no summary)";
}

/* A malformed event: skipped under --lenient, else an error at its BEGIN:VEVENT line. */
static enum tally_error bad_event(struct ics_state *s, struct ics_event *ev, const char *fmt,
                                  ...) __attribute__((format(printf, 3, 4)));
static enum tally_error bad_event(struct ics_state *s, struct ics_event *ev, const char *fmt,
                                  ...)
{
    struct import_ctx *ctx = s->ctx;
    ev->bad = 1;
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    ctx->diag->line = ev->line;
    return diag_set(ctx->diag, TALLY_ERROR_DATA, "event \"%.80s\": %s", event_summary(ev),
                    what);
}

/* ---- reading the file and checking its structure ---- */

static enum tally_error read_all(struct import_ctx *ctx, struct strbuf *sb)
{
    char chunk[65536];
    for (;;) {
        long n = input_read(ctx->in, chunk, sizeof(chunk), ctx->diag);
        if (n < 0)
            return TALLY_ERROR_IO;
        if (n == 0)
            return TALLY_OK;
        if (sb->len + (size_t)n > ICS_MAX_BYTES)
            return diag_set(ctx->diag, TALLY_ERROR_LIMIT, "a calendar larger than %llu MiB",
                            ICS_MAX_BYTES >> 20);
        strbuf_add(sb, chunk, (size_t)n);
        import_progress(ctx);
    }
}

static int name_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && strncasecmp(line, name, n) == 0;
}

/* The component name of a BEGIN: or END: line, trimmed, into out. */
static void component_name(const char *value, size_t len, char *out, size_t size)
{
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)toupper((unsigned char)value[i]);
    out[len] = '\0';
}

/* Checks that every content line is NAME[;PARAM...]:VALUE and that BEGIN and END match,
 * and notes the line of each VEVENT. Under --lenient, lines that are not content lines are
 * left out of `clean`. Returns TALLY_OK or an error at the offending line. */
static enum tally_error check_structure(struct ics_state *s, const char *data, size_t len,
                                        struct strbuf *clean, long **vevent_lines,
                                        size_t *nvevents)
{
    struct import_ctx *ctx = s->ctx;
    char stack[ICS_MAX_DEPTH][32];
    long stack_line[ICS_MAX_DEPTH];
    size_t stack_offset[ICS_MAX_DEPTH];     /* where each BEGIN line starts in clean */
    int depth = 0, seen_begin = 0, skipping = 0;
    long line_no = 0;
    size_t alloc = 0;
    const char *p = data, *end = data + len;

    *vevent_lines = NULL;
    *nvevents = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *next = nl ? nl + 1 : end;
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        line_no++;
        const char *line = p;
        p = next;
        if (n == 0 || line[0] == ' ' || line[0] == '\t') {
            if (!skipping)
                strbuf_add(clean, line, (size_t)(next - line));
            continue;
        }
        skipping = 0;
        size_t name_len = 0;
        while (name_len < n && (isalnum((unsigned char)line[name_len]) || line[name_len] == '-'))
            name_len++;
        if (name_len == 0 || (name_len < n && line[name_len] != ';' && line[name_len] != ':')) {
            if (ctx->opt->lenient && seen_begin) {
                ctx->skipped++;
                skipping = 1;           /* and its continuation lines */
                continue;
            }
            snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
            ctx->diag->line = line_no;
            return diag_set(ctx->diag, TALLY_ERROR_DATA,
                            seen_begin ? "not an iCalendar content line (NAME:VALUE expected)"
                                       : "not an iCalendar file (BEGIN:VCALENDAR expected)");
        }
        size_t offset = clean->len;
        strbuf_add(clean, line, (size_t)(next - line));
        int is_begin = name_is(line, n, "BEGIN:");
        int is_end = !is_begin && name_is(line, n, "END:");
        if (!seen_begin && !is_begin) {
            snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
            ctx->diag->line = line_no;
            return diag_set(ctx->diag, TALLY_ERROR_DATA,
                            "not an iCalendar file (BEGIN:VCALENDAR expected)");
        }
        if (!is_begin && !is_end)
            continue;
        char name[32];
        component_name(line + (is_begin ? 6 : 4), n - (is_begin ? 6 : 4), name, sizeof(name));
        if (is_begin) {
            seen_begin = 1;
            if (depth == ICS_MAX_DEPTH) {
                snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
                ctx->diag->line = line_no;
                return diag_set(ctx->diag, TALLY_ERROR_LIMIT, "components nested deeper "
                                "than %d", ICS_MAX_DEPTH);
            }
            if (strcmp(name, "VEVENT") == 0) {
                for (int i = 0; i < depth; i++) {
                    if (strcmp(stack[i], "VEVENT") == 0) {
                        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s",
                                 input_path(ctx->in));
                        ctx->diag->line = line_no;
                        return diag_set(ctx->diag, TALLY_ERROR_DATA, "BEGIN:VEVENT inside "
                                        "the event begun on line %ld (END:VEVENT expected)",
                                        stack_line[i]);
                    }
                }
                if (depth == 0 || (depth == 1 && strcmp(stack[0], "VCALENDAR") == 0)) {
                    if (*nvevents == alloc) {
                        alloc = alloc ? alloc * 2 : 64;
                        *vevent_lines = xrealloc(*vevent_lines, alloc * sizeof(long));
                    }
                    (*vevent_lines)[(*nvevents)++] = line_no;
                }
            }
            snprintf(stack[depth], sizeof(stack[depth]), "%s", name);
            stack_offset[depth] = offset;
            stack_line[depth++] = line_no;
        } else {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
                ctx->diag->line = line_no;
                if (depth == 0)
                    return diag_set(ctx->diag, TALLY_ERROR_DATA,
                                    "END:%s without a BEGIN:%s", name, name);
                return diag_set(ctx->diag, TALLY_ERROR_DATA, "END:%s where END:%s was "
                                "expected (BEGIN on line %ld)", name, stack[depth - 1],
                                stack_line[depth - 1]);
            }
            depth--;
        }
    }
    if (!seen_begin) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = 1;
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "no calendar data (BEGIN:VCALENDAR "
                        "expected)");
    }
    /* A file that stops early: an event it stops inside is left out, and the components
     * still open are closed so that libical reads the rest. */
    for (int i = 0; i < depth; i++) {
        if (strcmp(stack[i], "VEVENT") == 0) {
            import_warn(ctx, "%s: the file ends inside the event begun on line %ld; that "
                        "event was left out", input_path(ctx->in), stack_line[i]);
            clean->len = stack_offset[i];
            clean->buf[clean->len] = '\0';
            (*nvevents)--;
            depth = i;
            break;
        }
    }
    if (clean->len > 0 && clean->buf[clean->len - 1] != '\n')
        strbuf_addstr(clean, "\r\n");
    while (depth > 0)
        strbuf_addf(clean, "END:%s\r\n", stack[--depth]);
    return TALLY_OK;
}

/* ---- time zones and times ---- */

static icaltimezone *resolve_zone(struct ics_state *s, icalcomponent *comp, const char *tzid)
{
    for (int i = 0; i < s->nzones; i++)
        if (strcmp(s->zones[i].tzid, tzid) == 0)
            return s->zones[i].zone ? s->zones[i].zone : s->floating;

    icaltimezone *zone = NULL;
    if (strcasecmp(tzid, "UTC") == 0 || strcasecmp(tzid, "GMT") == 0 ||
        strcasecmp(tzid, "Z") == 0)
        zone = icaltimezone_get_utc_timezone();
    if (!zone)
        zone = icaltimezone_get_builtin_timezone(tzid);
    if (!zone && tzid[0] == '/')
        zone = icaltimezone_get_builtin_timezone_from_tzid(tzid);
    for (int i = 0; !zone && windows_zones[i][0]; i++)
        if (strcasecmp(windows_zones[i][0], tzid) == 0)
            zone = icaltimezone_get_builtin_timezone(windows_zones[i][1]);
    for (icalcomponent *c = icalcomponent_get_parent(comp); !zone && c;
         c = icalcomponent_get_parent(c))
        zone = icalcomponent_get_timezone(c, tzid);
    if (!zone)
        import_warn(s->ctx, "%s: unknown time zone \"%s\" (no VTIMEZONE for it): its times "
                    "were read in --tz", input_path(s->ctx->in), tzid);
    if (s->nzones < ICS_MAX_ZONES) {
        s->zones[s->nzones].tzid = xstrdup(tzid);
        s->zones[s->nzones++].zone = zone;
    }
    return zone ? zone : s->floating;
}

/* The zone a date-time property's value is in: UTC, its TZID, or floating (--tz). */
static icaltimezone *zone_of(struct ics_state *s, icalcomponent *comp, icalproperty *prop,
                             struct icaltimetype t)
{
    if (icaltime_is_utc(t))
        return icaltimezone_get_utc_timezone();
    icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
    if (tzid && *tzid)
        return resolve_zone(s, comp, tzid);
    return s->floating;
}

static int64_t day_of(struct icaltimetype t)
{
    return days_from_civil(t.year, t.month, t.day);
}

/* Unix seconds of t read in zone; dates are 00:00 UTC of the day. */
static int64_t to_unix(struct icaltimetype t, icaltimezone *zone)
{
    if (t.is_date)
        return day_of(t) * 86400;
    if (!zone || zone == icaltimezone_get_utc_timezone())
        return day_of(t) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    t.zone = NULL;
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

static struct icaltimetype prop_time(icalproperty *p)
{
    return icalvalue_get_datetime(icalproperty_get_value(p));
}

/* ---- expansion ---- */

static void instances_add(struct instances *list, const struct instance *inst)
{
    if (list->n == list->alloc) {
        list->alloc = list->alloc ? list->alloc * 2 : 16;
        list->v = xrealloc(list->v, list->alloc * sizeof(*list->v));
    }
    list->v[list->n++] = *inst;
}

static int instance_cmp(const void *a, const void *b)
{
    const struct instance *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return 0;
}

/* Sorts by key and drops repeated keys (DTSTART is also the rule's first occurrence). */
static void instances_unique(struct instances *list)
{
    if (list->n == 0)
        return;
    qsort(list->v, list->n, sizeof(*list->v), instance_cmp);
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
    *dtstart = prop_time(p);
    if (icaltime_is_null_time(*dtstart))
        return -1;
    *zone = zone_of(s, comp, p, *dtstart);
    *start = to_unix(*dtstart, *zone);
    int ends_at_midnight = 0;
    if ((p = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY)) != NULL) {
        struct icaltimetype e = prop_time(p);
        if (icaltime_is_null_time(e))
            return -1;
        int64_t end = dtstart->is_date && e.is_date ? day_of(e) * 86400
                                                    : to_unix(e, zone_of(s, comp, p, e));
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
        *start = day_of(*dtstart) * 86400;
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
                return resolve_zone(s, comp, icalparameter_get_tzid(param));
        }
    }
    return icaltimezone_get_utc_timezone();
}

static enum tally_error expand_rule(struct ics_state *s, struct ics_event *ev,
                                    icalproperty *p, struct icaltimetype dtstart,
                                    icaltimezone *zone, int64_t duration,
                                    struct instances *list)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(p);
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    if (rule.freq == ICAL_NO_RECURRENCE)
        return bad_event(s, ev, "cannot read its RRULE");
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
                    event_summary(ev));
        return TALLY_OK;
    }
    int n = 0;
    for (;;) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        int64_t start = to_unix(t, zone);
        if (!bounded && start > s->horizon)
            break;
        if (++n > ICS_MAX_INSTANCES) {
            import_warn(s->ctx, "%s:%ld: event \"%.60s\" has more than %d occurrences; the "
                        "rest were left out", input_path(s->ctx->in), ev->line,
                        event_summary(ev), ICS_MAX_INSTANCES);
            break;
        }
        struct instance inst = { .key = start, .day = day_of(t), .start = start,
                                 .end = start + duration, .all_day = dtstart.is_date,
                                 .recurring = 1, .sequence = -1, .source = ev };
        instances_add(list, &inst);
    }
    icalrecur_iterator_free(it);
    return TALLY_OK;
}

/* Occurrences of a master event: DTSTART, its RRULEs and RDATEs, less its EXDATEs. */
static enum tally_error expand_master(struct ics_state *s, struct ics_event *ev,
                                      struct instances *list, icaltimezone **master_zone,
                                      int64_t *master_duration, int *master_all_day)
{
    struct icaltimetype dtstart;
    icaltimezone *zone;
    int64_t start, duration;
    enum tally_error err;
    int rc = event_times(s, ev->comp, &dtstart, &zone, &start, &duration);
    if (rc == -1)
        return bad_event(s, ev, "no usable DTSTART");
    if (rc == -2)
        return bad_event(s, ev, "it ends before it starts (DTEND before DTSTART)");
    *master_zone = zone;
    *master_duration = duration;
    *master_all_day = dtstart.is_date;
    int recurring = icalcomponent_get_first_property(ev->comp, ICAL_RRULE_PROPERTY) ||
                    icalcomponent_get_first_property(ev->comp, ICAL_RDATE_PROPERTY);
    struct instance first = { .key = start, .day = day_of(dtstart), .start = start,
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
        int64_t at = to_unix(t, zone_of(s, ev->comp, p, t));
        int64_t end = at + duration;
        if (icaltime_is_null_time(dp.time)) {
            if (!icaltime_is_null_time(dp.period.end))
                end = to_unix(dp.period.end, zone_of(s, ev->comp, p, dp.period.end));
            else
                end = at + icaldurationtype_as_int(dp.period.duration);
        }
        struct instance inst = { .key = at, .day = day_of(t), .start = at,
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
        int64_t ex = by_day ? day_of(t) : to_unix(t, zone_of(s, ev->comp, p, t));
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
                                       struct instances *list, int master_all_day,
                                       int64_t master_duration)
{
    icalproperty *p = icalcomponent_get_first_property(ov->comp, ICAL_RECURRENCEID_PROPERTY);
    struct icaltimetype rid = icalproperty_get_recurrenceid(p);
    if (icaltime_is_null_time(rid))
        return bad_event(s, ov, "cannot read its RECURRENCE-ID");
    int64_t key = master_all_day || rid.is_date ? day_of(rid) * 86400
                                                : to_unix(rid, zone_of(s, ov->comp, p, rid));
    struct instance *match = NULL;
    for (size_t i = 0; i < list->n && !match; i++)
        if (list->v[i].key == key)
            match = &list->v[i];
    if (!match) {
        /* Same local date when the instant differs (a RECURRENCE-ID written in another
         * zone than the series, or a date against a date-time series). */
        struct instance *only = NULL;
        int count = 0;
        for (size_t i = 0; i < list->n; i++) {
            if (list->v[i].day == day_of(rid)) {
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
        return bad_event(s, ov, "it ends before it starts (DTEND before DTSTART)");
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
        return bad_event(s, ov, "no usable DTSTART");
    struct instance inst = { .key = key, .day = day_of(rid), .start = start,
                             .end = start + duration, .all_day = dtstart.is_date,
                             .recurring = 1, .sequence = sequence, .source = ov };
    instances_add(list, &inst);
    return TALLY_OK;
}

/* ---- one occurrence into the store ---- */

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
    const char *cn = param ? icalparameter_get_cn(param) : NULL;
    return cn && *cn ? cn : NULL;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static enum tally_error store_instance(struct ics_state *s, const struct instance *inst)
{
    icalcomponent *comp = inst->source->comp;
    struct event_record rec = { 0 };
    char *organizer = NULL, *url = NULL;
    char **emails = NULL;
    struct attendee_record *attendees = NULL;
    const char *conference = NULL;
    int has_geo = 0, nattendees = 0, alloc = 0;
    enum tally_error err;

    rec.uid = nonempty(icalcomponent_get_uid(comp));
    rec.start = inst->start;
    rec.end = inst->end;
    rec.all_day = inst->all_day;
    rec.recurrence_id = inst->recurring ? inst->key : 0;
    rec.summary = nonempty(icalcomponent_get_summary(comp));
    rec.location = nonempty(icalcomponent_get_location(comp));
    rec.description = nonempty(icalcomponent_get_description(comp));

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
            conference = nonempty(icalproperty_get_value_as_string(p));
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

/* ---- the whole file ---- */

static void collect_events(struct ics_state *s, icalcomponent *comp, int depth)
{
    icalcomponent_kind kind = icalcomponent_isa(comp);
    if (kind == ICAL_VEVENT_COMPONENT) {
        if (s->nevents == s->alloc_events) {
            s->alloc_events = s->alloc_events ? s->alloc_events * 2 : 64;
            s->events = xrealloc(s->events, s->alloc_events * sizeof(*s->events));
        }
        struct ics_event *ev = &s->events[s->nevents++];
        memset(ev, 0, sizeof(*ev));
        ev->comp = comp;
        ev->uid = nonempty(icalcomponent_get_uid(comp));
        ev->is_override =
            icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY) != NULL;
        return;
    }
    if (depth >= 2)
        return;
    if (kind == ICAL_VCALENDAR_COMPONENT || kind == ICAL_XROOT_COMPONENT) {
        if (kind == ICAL_VCALENDAR_COMPONENT) {
            icalproperty *m = icalcomponent_get_first_property(comp, ICAL_METHOD_PROPERTY);
            if (m && icalproperty_get_method(m) == ICAL_METHOD_CANCEL)
                s->cancel_all = 1;
        }
        for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT);
             c; c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
            collect_events(s, c, depth + 1);
    }
}

/* Whether t names a real date and time of day: libical reads 20240231 or T250000 as
 * written and would roll them over into another day. */
static int time_in_range(struct icaltimetype t)
{
    if (icaltime_is_null_time(t))
        return 1;
    if (t.month < 1 || t.month > 12 || t.day < 1 ||
        t.day > icaltime_days_in_month(t.month, t.year))
        return 0;
    return t.is_date || (t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
                         t.second >= 0 && t.second <= 60);
}

/* The first date or time of the event's DTSTART, DTEND, RECURRENCE-ID, RDATE or EXDATE
 * that is out of range, or NULL. */
static icalproperty *time_out_of_range(icalcomponent *comp)
{
    static const icalproperty_kind kinds[] = { ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
                                               ICAL_RECURRENCEID_PROPERTY,
                                               ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (icalproperty *p = icalcomponent_get_first_property(comp, kinds[k]); p;
             p = icalcomponent_get_next_property(comp, kinds[k])) {
            if (kinds[k] == ICAL_RDATE_PROPERTY) {
                struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
                if (!time_in_range(dp.time) || !time_in_range(dp.period.start) ||
                    !time_in_range(dp.period.end))
                    return p;
            } else if (kinds[k] == ICAL_EXDATE_PROPERTY) {
                if (!time_in_range(icalproperty_get_exdate(p)))
                    return p;
            } else if (!time_in_range(prop_time(p))) {
                return p;
            }
        }
    }
    return NULL;
}

/* A libical parse error on a property the times depend on makes the event malformed, and
 * so does a date or time that does not exist. */
static enum tally_error check_event(struct ics_state *s, struct ics_event *ev)
{
    icalproperty *bad = time_out_of_range(ev->comp);
    if (bad) {
        const char *v = icalproperty_get_value_as_string(bad);
        return bad_event(s, ev, "%s \"%.40s\" is not a real date or time (months 01-12, a "
                         "day the month has, hours 00-23, minutes and seconds 00-59 "
                         "expected)", icalproperty_get_property_name(bad), v ? v : "");
    }
    static const char *const vital[] = { "DTSTART property", "DTEND property",
                                         "DURATION property", "RRULE property",
                                         "RECURRENCE-ID property", NULL };
    for (icalproperty *p = icalcomponent_get_first_property(ev->comp, ICAL_XLICERROR_PROPERTY);
         p; p = icalcomponent_get_next_property(ev->comp, ICAL_XLICERROR_PROPERTY)) {
        const char *msg = icalproperty_get_xlicerror(p);
        if (!msg)
            continue;
        for (int i = 0; vital[i]; i++)
            if (strstr(msg, vital[i]))
                return bad_event(s, ev, "%s", msg);
        if (strstr(msg, "RDATE property") || strstr(msg, "EXDATE property"))
            import_warn(s->ctx, "%s:%ld: %s", input_path(s->ctx->in), ev->line, msg);
    }
    if (!icalcomponent_get_first_property(ev->comp, ICAL_DTSTART_PROPERTY) &&
        !ev->is_override)
        return bad_event(s, ev, "no DTSTART");
    return TALLY_OK;
}

static void widen_horizon(struct ics_state *s, struct ics_event *ev)
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
                t = prop_time(p);
            }
            if (icaltime_is_null_time(t))
                continue;
            int64_t at = to_unix(t, zone_of(s, ev->comp, p, t));
            if (at + ICS_HORIZON > s->horizon)
                s->horizon = at + ICS_HORIZON;
        }
    }
}

static int event_order(const void *a, const void *b)
{
    const struct ics_event *x = *(struct ics_event *const *)a;
    const struct ics_event *y = *(struct ics_event *const *)b;
    if (!x->uid || !y->uid) {
        if (x->uid || y->uid)
            return x->uid ? -1 : 1;
    } else {
        int c = strcmp(x->uid, y->uid);
        if (c)
            return c;
    }
    if (x->is_override != y->is_override)
        return x->is_override - y->is_override;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Expands and stores the events group[0, n): one UID's masters and overrides. */
static enum tally_error store_group(struct ics_state *s, struct ics_event **group, size_t n)
{
    struct instances list = { 0 };
    enum tally_error err = TALLY_OK;
    icaltimezone *zone = s->floating;
    int64_t duration = 0;
    int all_day = 0;

    for (size_t i = 0; i < n && !err; i++) {
        struct ics_event *ev = group[i];
        if (ev->bad)
            continue;
        if (ev->is_override)
            err = apply_override(s, ev, &list, all_day, duration);
        else
            err = expand_master(s, ev, &list, &zone, &duration, &all_day);
    }
    if (list.n > 1)
        qsort(list.v, list.n, sizeof(*list.v), instance_cmp);
    for (size_t i = 0; i < list.n && !err; i++) {
        if (list.v[i].source->bad)
            continue;
        err = store_instance(s, &list.v[i]);
        import_progress(s->ctx);
    }
    free(list.v);
    return err;
}

static enum tally_error ics_run(struct import_ctx *ctx)
{
    struct ics_state s = { .ctx = ctx };
    struct strbuf raw, clean;
    char *converted = NULL;
    long *vevent_lines = NULL;
    size_t nvevents = 0;
    icalcomponent *root = NULL;
    struct ics_event **order = NULL;
    enum tally_error err;

    strbuf_init(&raw);
    strbuf_init(&clean);
    s.floating = personal_zone(ctx->opt->tz);
    if (!s.floating) {
        err = diag_set(ctx->diag, TALLY_ERROR_USAGE, "unknown time zone '%s' (--tz wants an "
                       "IANA name such as Europe/Berlin)", ctx->opt->tz);
        goto done;
    }
    if (ctx->opt->owner) {
        s.owner = xstrdup(ctx->opt->owner);
        for (char *c = s.owner; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    if ((err = read_all(ctx, &raw)) != TALLY_OK)
        goto done;

    const char *data = raw.buf;
    size_t len = raw.len;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (!utf8_is_valid(data, len)) {
        converted = memchr(data, '\0', len) ? utf8_repair(data, len)
                                            : cp1252_to_utf8(data, len);
        data = converted;
        len = strlen(converted);
    }
    err = check_structure(&s, data, len, &clean, &vevent_lines, &nvevents);
    if (err)
        goto done;

    icalerror_set_errors_are_fatal(0);
    root = icalparser_parse_string(clean.buf);
    if (!root) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = 1;
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, "libical could not read this calendar");
        goto done;
    }
    collect_events(&s, root, 0);
    for (size_t i = 0; i < s.nevents; i++)
        s.events[i].line = i < nvevents ? vevent_lines[i] : 0;
    for (size_t i = 0; i < s.nevents; i++) {
        if (s.events[i].bad)
            continue;
        if ((err = check_event(&s, &s.events[i])) != TALLY_OK)
            goto done;
        if (!s.events[i].bad)
            widen_horizon(&s, &s.events[i]);
    }

    order = xmalloc((s.nevents ? s.nevents : 1) * sizeof(*order));
    for (size_t i = 0; i < s.nevents; i++)
        order[i] = &s.events[i];
    if (s.nevents > 1)
        qsort(order, s.nevents, sizeof(*order), event_order);
    for (size_t i = 0; i < s.nevents && !err;) {
        size_t j = i + 1;
        while (j < s.nevents && order[i]->uid && order[j]->uid &&
               strcmp(order[i]->uid, order[j]->uid) == 0)
            j++;
        err = store_group(&s, order + i, j - i);
        i = j;
    }

done:
    if (root)
        icalcomponent_free(root);
    for (int i = 0; i < s.nzones; i++)
        free(s.zones[i].tzid);
    free(order);
    free(s.events);
    free(vevent_lines);
    free(converted);
    free(s.owner);
    strbuf_release(&raw);
    strbuf_release(&clean);
    return err;
}

static int ics_sniff(const unsigned char *head, size_t len, const char *path)
{
    size_t i = 0;
    if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && isspace(head[i]))
        i++;
    const char *text = (const char *)head + i;
    size_t n = len - i;
    if ((n >= 15 && strncasecmp(text, "BEGIN:VCALENDAR", 15) == 0) ||
        (n >= 12 && strncasecmp(text, "BEGIN:VEVENT", 12) == 0))
        return 95;
    size_t plen = path ? strlen(path) : 0;
    if (plen > 4 && strcasecmp(path + plen - 4, ".ics") == 0)
        return 20;
    return 0;
}

const struct importer importer_ics = {
    .name = "ics",
    .description = "iCalendar (.ics) from Google, Outlook/Exchange, Apple, ...: one row per "
                   "occurrence",
    .sniff = ics_sniff,
    .run = ics_run,
    .reads = IMPORTER_READS_OWNER | IMPORTER_READS_TZ,
};
