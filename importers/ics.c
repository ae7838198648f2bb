/* ics.c: the iCalendar (RFC 5545) importer: reads the file, checks its structure and each
 * event's times, and walks its events, one UID at a time, into occurrences and rows.
 *
 * Files from Google, Outlook/Exchange, Apple and others are read with libical. Every
 * occurrence of an event becomes one row: RRULE and RDATE are expanded, EXDATE removes
 * occurrences, and an override (same UID with RECURRENCE-ID) replaces the occurrence it
 * names, so a moved meeting is counted once, at its new time (ics_recur.c).
 *
 * Times: UTC, a TZID (IANA names and aliases from the system zone database, the usual
 * Windows names mapped to IANA, else the file's own VTIMEZONE), or floating, which is
 * read in --tz. A TZID that none of these knows is read as floating, with a warning
 * (ics_zone.c).
 *
 * Expansion is bounded: a rule with neither COUNT nor UNTIL stops one year (366 days)
 * after the latest DTSTART, DTEND, RDATE, RECURRENCE-ID or LAST-MODIFIED in the file, and
 * no event yields more than ICS_MAX_INSTANCES occurrences. Each occurrence is stored by
 * ics_event.c. */
#include "importers/ics_internal.h"
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
#define ICS_MAX_DEPTH 32

const char *ics_event_summary(const struct ics_event *ev)
{
    const char *s = icalcomponent_get_summary(ev->comp);
    return s ? s : "(no summary)";
}

enum tally_error ics_bad_event(struct ics_state *s, struct ics_event *ev, const char *fmt,
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
    return diag_set(ctx->diag, TALLY_ERROR_DATA, "event \"%.80s\": %s",
                    ics_event_summary(ev), what);
}

/* ---- reading the file and checking its structure ---- */

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

/* Whether a VEVENT begun at this depth is one libical hands back: at the top, or directly
 * inside the top VCALENDAR. */
static int is_calendar_level(char (*stack)[32], int depth)
{
    return depth == 0 || (depth == 1 && strcmp(stack[0], "VCALENDAR") == 0);
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
                if (is_calendar_level(stack, depth)) {
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
            if (is_calendar_level(stack, i))
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
        ev->uid = ics_nonempty(icalcomponent_get_uid(comp));
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
            } else if (!time_in_range(ics_prop_time(p))) {
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
        return ics_bad_event(s, ev, "%s \"%.40s\" is not a real date or time (months 01-12, "
                             "a day the month has, hours 00-23, minutes and seconds 00-59 "
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
                return ics_bad_event(s, ev, "%s", msg);
        if (strstr(msg, "RDATE property") || strstr(msg, "EXDATE property"))
            import_warn(s->ctx, "%s:%ld: %s", input_path(s->ctx->in), ev->line, msg);
    }
    if (!icalcomponent_get_first_property(ev->comp, ICAL_DTSTART_PROPERTY) &&
        !ev->is_override)
        return ics_bad_event(s, ev, "no DTSTART");
    return TALLY_OK;
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
    struct ics_instances list = { 0 };
    enum tally_error err = ics_expand(s, group, n, &list);

    for (size_t i = 0; i < list.n && !err; i++) {
        if (list.v[i].source->bad)
            continue;
        err = ics_store_instance(s, &list.v[i]);
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
    if ((err = import_read_whole(ctx, &raw, ICS_MAX_BYTES, "calendar")) != TALLY_OK)
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
            ics_widen_horizon(&s, &s.events[i]);
    }

    order = xmalloc((s.nevents ? s.nevents : 1) * sizeof(*order));
    for (size_t i = 0; i < s.nevents; i++)
        order[i] = &s.events[i];
    if (s.nevents > 1)
        xqsort(order, s.nevents, sizeof(*order), event_order);
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
