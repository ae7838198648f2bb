/* personal.c: helpers the calendar and LinkedIn importers share: reading the many date
 * formats their exports use, wall-clock time to UTC through libical's zone database, and
 * the meeting type read from an event's title, location and description. */
#include "importers/personal.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int64_t days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

static int month_from_name(const char *word, size_t len)
{
    static const char *const names[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec" };
    static const char *const full[] = { "january", "february", "march", "april", "may",
                                        "june", "july", "august", "september", "october",
                                        "november", "december" };
    for (int i = 0; i < 12; i++) {
        if ((len == 3 && strncasecmp(word, names[i], 3) == 0) ||
            (len == strlen(full[i]) && strncasecmp(word, full[i], len) == 0) ||
            (len == 4 && i == 8 && strncasecmp(word, "sept", 4) == 0))
            return i + 1;
    }
    return 0;
}

static int is_weekday_name(const char *word, size_t len)
{
    static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun",
                                         "monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (len == strlen(names[i]) && strncasecmp(word, names[i], len) == 0)
            return 1;
    return 0;
}

static int expand_year(long value, int digits)
{
    if (digits <= 2)
        return (int)(value < 70 ? 2000 + value : 1900 + value);
    return (int)value;
}

/* Reads "H:MM[:SS[.fff]]" at *p; returns 0 and advances, or -1. */
static int read_clock(const char **p, struct when *w)
{
    const char *s = *p;
    int part[3] = { 0, 0, 0 }, n = 0;
    while (n < 3) {
        if (!isdigit((unsigned char)*s))
            return -1;
        int v = 0, digits = 0;
        while (isdigit((unsigned char)*s) && digits < 3) {
            v = v * 10 + (*s++ - '0');
            digits++;
        }
        if (digits > 2)
            return -1;
        part[n++] = v;
        if (*s != ':' || !isdigit((unsigned char)s[1]))
            break;
        s++;
    }
    if (n < 2)
        return -1;
    if (*s == '.' && isdigit((unsigned char)s[1])) {      /* fractions of a second */
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    w->hour = part[0];
    w->minute = part[1];
    w->second = part[2];
    w->has_time = 1;
    *p = s;
    return 0;
}

static int finish_time(struct when *w, int ampm)
{
    if (ampm) {
        if (!w->has_time || w->hour < 1 || w->hour > 12)
            return -1;
        if (ampm == 'a' && w->hour == 12)
            w->hour = 0;
        else if (ampm == 'p' && w->hour < 12)
            w->hour += 12;
    }
    if (w->hour > 23 || w->minute > 59 || w->second > 60)
        return -1;
    return 0;
}

int when_parse(const char *text, enum date_order order, struct when *w)
{
    long num[4];
    int digits[4], nnum = 0, month = 0, ampm = 0;
    const char *p = text;
    memset(w, 0, sizeof(*w));
    if (!text)
        return -1;

    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c)) {
            const char *q = p;
            while (isdigit((unsigned char)*q))
                q++;
            if (*q == ':') {
                if (w->has_time || read_clock(&p, w) < 0)
                    return -1;
                continue;
            }
            if (nnum == 4 || q - p > 4)
                return -1;
            digits[nnum] = (int)(q - p);
            num[nnum++] = strtol(p, NULL, 10);
            p = q;
        } else if (isalpha(c)) {
            const char *q = p;
            while (isalpha((unsigned char)*q) || *q == '.')
                q++;
            size_t len = (size_t)(q - p);
            while (len > 0 && p[len - 1] == '.')
                len--;
            int m = month_from_name(p, len);
            if (m && !month)
                month = m;
            else if ((len == 2 && strncasecmp(p, "am", 2) == 0) ||
                     (len == 3 && strncasecmp(p, "a.m", 3) == 0))
                ampm = 'a';
            else if ((len == 2 && strncasecmp(p, "pm", 2) == 0) ||
                     (len == 3 && strncasecmp(p, "p.m", 3) == 0))
                ampm = 'p';
            else if ((len == 3 && (strncasecmp(p, "utc", 3) == 0 ||
                                   strncasecmp(p, "gmt", 3) == 0)) ||
                     (len == 1 && (*p == 'Z' || *p == 'z')))
                w->utc = 1;
            else if (len == 1 && (*p == 'T' || *p == 't'))
                ;                                   /* ISO date-time separator */
            else if (!is_weekday_name(p, len))
                return -1;
            p = q;
        } else if (strchr(" \t,/-.", c)) {
            p++;
        } else {
            return -1;
        }
    }

    if (month) {
        w->month = month;
        if (nnum == 1 && digits[0] == 4) {
            w->year = (int)num[0];
        } else if (nnum == 2) {
            int yi = digits[0] == 4 ? 0 : 1;
            w->year = expand_year(num[yi], digits[yi]);
            w->day = (int)num[1 - yi];
            if (digits[1 - yi] > 2)
                return -1;
        } else {
            return -1;
        }
    } else {
        if (nnum != 3)
            return -1;
        if (digits[0] == 4) {
            w->year = (int)num[0];
            w->month = (int)num[1];
            w->day = (int)num[2];
        } else {
            if (digits[0] > 2 || digits[1] > 2 || digits[2] == 3)
                return -1;
            w->month = (int)(order == DATE_MDY ? num[0] : num[1]);
            w->day = (int)(order == DATE_MDY ? num[1] : num[0]);
            w->year = expand_year(num[2], digits[2]);
        }
    }
    if (w->year < 1900 || w->year > 9999 || w->month < 1 || w->month > 12)
        return -1;
    if (w->day != 0 || !month || nnum != 1) {
        if (w->day < 1 || w->day > days_in_month(w->year, w->month))
            return -1;
    }
    return finish_time(w, ampm);
}

int when_parse_time(const char *text, struct when *w)
{
    const char *p = text;
    int ampm = 0;
    while (*p == ' ')
        p++;
    if (read_clock(&p, w) < 0)
        return -1;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "am", 2) == 0 || strncasecmp(p, "a.m.", 4) == 0)
        ampm = 'a';
    else if (strncasecmp(p, "pm", 2) == 0 || strncasecmp(p, "p.m.", 4) == 0)
        ampm = 'p';
    else if (*p)
        return -1;
    return finish_time(w, ampm);
}

int when_leading_numbers(const char *text, int *first, int *second)
{
    const char *p = text;
    char *end;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    long a = strtol(p, &end, 10);
    if (end - p > 2 || *end == '\0' || !strchr("/.-", *end) || !isdigit((unsigned char)end[1]))
        return -1;
    p = end + 1;
    long b = strtol(p, &end, 10);
    if (end - p > 2)
        return -1;
    *first = (int)a;
    *second = (int)b;
    return 0;
}

int64_t when_to_unix(const struct when *w, icaltimezone *zone)
{
    int day = w->day ? w->day : 1;
    if (w->utc || !zone || zone == icaltimezone_get_utc_timezone())
        return days_from_civil(w->year, w->month, day) * 86400 + w->hour * 3600 +
               w->minute * 60 + w->second;
    struct icaltimetype t = icaltime_null_time();
    t.year = w->year;
    t.month = w->month;
    t.day = day;
    t.hour = w->hour;
    t.minute = w->minute;
    t.second = w->second;
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

void when_format_date(const struct when *w, char *out, size_t size)
{
    if (w->day)
        snprintf(out, size, "%04d-%02d-%02d", w->year, w->month, w->day);
    else
        snprintf(out, size, "%04d-%02d", w->year, w->month);
}

icaltimezone *personal_zone(const char *name)
{
    if (!name || !*name || strcasecmp(name, "UTC") == 0 || strcasecmp(name, "GMT") == 0 ||
        strcmp(name, "Etc/UTC") == 0)
        return icaltimezone_get_utc_timezone();
    return icaltimezone_get_builtin_timezone(name);
}

/* ---- meeting type ---- */

/* Case-insensitive search for needle (ASCII) in hay. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* Whether word occurs in text as a whole word (case-insensitive). */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; p && (p = find_ci(p, word)) != NULL; p++) {
        int before = p == text || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[n]);
        if (before && after)
            return 1;
    }
    return 0;
}

static int url_char_ends(char c)
{
    return c == '\0' || isspace((unsigned char)c) || strchr("<>()\"'[]|", c) != NULL;
}

/* A link to one of the video services in text, as a new string; NULL when none. */
static char *video_link(const char *text)
{
    static const char *const hosts[] = { "meet.google.com", "zoom.us", "teams.microsoft.com",
                                         "teams.live.com", "webex.com", "zoomgov.com",
                                         "whereby.com",
                                         "gotomeeting.com", "meet.jit.si", NULL };
    if (!text)
        return NULL;
    for (int i = 0; hosts[i]; i++) {
        for (const char *p = text; (p = find_ci(p, hosts[i])) != NULL; p++) {
            char before = p == text ? ' ' : p[-1];
            char after = p[strlen(hosts[i])];
            if (!(url_char_ends(before) || strchr("./@:", before)) ||
                !(url_char_ends(after) || strchr("/:?#.,;", after)))
                continue;
            const char *start = p, *end = p;
            while (start > text && !url_char_ends(start[-1]))
                start--;
            while (!url_char_ends(*end))
                end++;
            while (end > p && strchr(".,;:", end[-1]))
                end--;
            return xstrndup(start, (size_t)(end - start));
        }
    }
    return NULL;
}

static int is_phone_number(const char *text)
{
    int digits = 0;
    if (strncasecmp(text, "tel:", 4) == 0)
        return 1;
    for (const char *p = text; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr(" +-().,/", *p))
            return 0;
    }
    return digits >= 7;
}

/* Whether the text has a phone number: a tel: link, a number written with its country
 * code (+49 30 1234567), or one of at least 7 digits just after "phone", "tel", "dial",
 * "call" or their German and Dutch words. Dates and meeting numbers alone are not. */
static int has_phone_number(const char *text)
{
    static const char *const cues[] = { "phone", "tel", "dial", "call", "telefon",
                                         "telefoon", "anruf", "bellen", NULL };
    if (!text)
        return 0;
    if (find_ci(text, "tel:"))
        return 1;
    for (const char *p = text; *p; p++) {
        if (!(*p == '+' || isdigit((unsigned char)*p)) ||
            (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '+')))
            continue;
        int digits = 0;
        const char *q = p;
        for (; *q && (isdigit((unsigned char)*q) || strchr(" +-().", *q)); q++)
            digits += isdigit((unsigned char)*q) != 0;
        if (digits < 7)
            continue;
        if (*p == '+' && digits <= 15)
            return 1;
        /* A cue word in the 24 characters before the number. */
        const char *from = p - text > 24 ? p - 24 : text;
        char window[32];
        snprintf(window, sizeof(window), "%.*s", (int)(p - from), from);
        for (int i = 0; cues[i]; i++)
            if (find_ci(window, cues[i]))
                return 1;
    }
    return 0;
}

/* The location with its URLs blanked out: a link is never a place. */
static char *without_urls(const char *location)
{
    char *out = xstrdup(location);
    for (char *p = out; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        char *end = p;
        while (*end && !isspace((unsigned char)*end))
            end++;
        size_t n = (size_t)(end - p);
        int url = strncasecmp(p, "www.", 4) == 0 || strncasecmp(p, "mailto:", 7) == 0;
        for (char *c = p; !url && c + 3 <= end; c++)
            url = c[0] == ':' && c[1] == '/' && c[2] == '/';
        if (url)
            memset(p, ' ', n);
        p = end;
    }
    return out;
}

static int looks_like_place(const char *location)
{
    static const char *const words[] = { "room", "raum", "office", "building", "floor",
                                         "suite", "hq", "lobby", "campus", "street", "st",
                                         "avenue", "ave", "road", "rd", "blvd", "lane",
                                         "plaza", "square", "onsite", "on-site", NULL };
    for (int i = 0; words[i]; i++)
        if (has_word(location, words[i]))
            return 1;
    if (find_ci(location, "straße") || find_ci(location, "strasse") ||
        find_ci(location, "büro") || find_ci(location, "weg ") || find_ci(location, "laan"))
        return 1;
    /* A number next to a name: "1333 14th Street", "Römerstraße 49", "Kalverstraat 1". */
    int digit = 0, alpha = 0;
    for (const char *p = location; *p; p++) {
        if (isdigit((unsigned char)*p))
            digit = 1;
        else if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)
            alpha++;
    }
    return digit && alpha >= 3;
}

const char *meeting_type(const struct meeting_text *t, char **url)
{
    const char *loc = t->location ? t->location : "";
    const char *summary = t->summary ? t->summary : "";
    *url = NULL;

    if (t->conference && *t->conference) {
        *url = xstrdup(t->conference);
        return "video";
    }
    const char *texts[] = { t->location, t->description, t->summary };
    for (int i = 0; i < 3; i++) {
        if ((*url = video_link(texts[i])) != NULL)
            return "video";
    }
    if (find_ci(loc, "teams meeting") || find_ci(loc, "zoom meeting") ||
        find_ci(loc, "google meet") || has_word(loc, "webex") || has_word(loc, "skype") ||
        has_word(summary, "video") || has_word(loc, "video"))
        return "video";
    if ((*loc && is_phone_number(loc)) || has_word(summary, "phone") ||
        has_word(summary, "call") || has_word(loc, "phone") || has_word(loc, "call") ||
        has_word(summary, "telefonat") || has_word(summary, "anruf") ||
        has_word(summary, "telefoon"))
        return "phone";
    char *place = without_urls(loc);
    int onsite = t->has_geo || (*place && looks_like_place(place));
    free(place);
    if (onsite)
        return "onsite";
    /* After conference links (their invitations list dial-in numbers) and the place. */
    if (has_phone_number(t->description))
        return "phone";
    if (has_word(summary, "onsite") || has_word(summary, "on-site") ||
        find_ci(summary, "in person") || find_ci(summary, "in-person"))
        return "onsite";
    return "unknown";
}

char *email_from_text(const char *text)
{
    if (!text)
        return NULL;
    const char *at = strchr(text, '@');
    if (!at)
        return NULL;
    const char *start = at, *end = at + 1;
    while (start > text && !strchr(" \t<>():;,\"'", start[-1]))
        start--;
    if (strncasecmp(start, "mailto:", 7) == 0)
        start += 7;
    while (*end && !strchr(" \t<>():;,\"'", *end))
        end++;
    if (start == at || end == at + 1)
        return NULL;
    char *email = xstrndup(start, (size_t)(end - start));
    for (char *p = email; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return email;
}
