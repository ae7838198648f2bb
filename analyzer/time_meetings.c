/* time_meetings.c: the calendar analyses: meetings per day, minutes per company,
 * the distribution of meeting durations, meeting types by day, and meetings by weekday
 * and hour. Days, weeks and hours are local to --tz. */
#include "analyzer/time_events.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILLED_DAYS 3660    /* zero days filled in between, at most about ten years */

static const char *const type_order[] = { "video", "phone", "onsite", "unknown" };
static const char *const weekday_names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static int meetings_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM meeting LIMIT 1");
}

/* Loads the counted events and opens the zone; on success the caller frees both. */
static enum tally_error load(struct store *store, const struct filters *f, GTimeZone **tz,
                             struct time_events *ev, struct tally_diag *diag)
{
    enum tally_error err = time_zone_open(f->tz, tz, diag);
    if (err)
        return err;
    err = time_events_load(store, f, *tz, ev, diag);
    if (err) {
        g_time_zone_unref(*tz);
        *tz = NULL;
    }
    return err;
}

static void describe(struct table *t, const struct time_events *ev, const struct filters *f,
                     unsigned which)
{
    char *subtitle = time_events_describe(ev, f, which);
    table_set_subtitle(t, subtitle);
    free(subtitle);
}

/* ---- meetings-per-day ---- */

static GDate *parse_day(const char *day)
{
    GDate *d = g_date_new();
    int y, m, dd;
    if (sscanf(day, "%d-%d-%d", &y, &m, &dd) == 3 && g_date_valid_dmy(dd, m, y))
        g_date_set_dmy(d, (GDateDay)dd, (GDateMonth)m, (GDateYear)y);
    return d;
}

static void format_day(const GDate *d, char out[16])
{
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)g_date_get_year(d) % 10000u,
             (unsigned)g_date_get_month(d) % 100u, (unsigned)g_date_get_day(d) % 100u);
}

/* The days a by-date analysis shows, in order: every day from the first meeting (or
 * --since) to the last (or --until), zeros included, when that span is at most
 * MAX_FILLED_DAYS; otherwise only the days with meetings, so that no meeting is ever
 * lost to the cap. Returns the number of days; *filled says which was done. */
static size_t day_axis(const struct time_events *ev, const struct filters *f,
                       char (**out)[16], int *filled)
{
    size_t n = 0, alloc = 0;
    *out = NULL;
    *filled = 0;
    if (ev->n == 0)
        return 0;
    GDate *day = parse_day(f->since ? f->since : ev->v[0].local.day);
    GDate *last = parse_day(f->until ? f->until : ev->v[ev->n - 1].local.day);
    if (g_date_valid(day) && g_date_valid(last) && g_date_compare(day, last) <= 0 &&
        g_date_days_between(day, last) < MAX_FILLED_DAYS) {
        *filled = 1;
        alloc = (size_t)g_date_days_between(day, last) + 1;
        *out = xmalloc(alloc * sizeof(**out));
        for (; g_date_compare(day, last) <= 0; g_date_add_days(day, 1))
            format_day(day, (*out)[n++]);
    } else {
        for (size_t i = 0; i < ev->n; i++) {
            if (n > 0 && strcmp((*out)[n - 1], ev->v[i].local.day) == 0)
                continue;
            if (n == alloc) {
                alloc = alloc ? alloc * 2 : 64;
                *out = xrealloc(*out, alloc * sizeof(**out));
            }
            snprintf((*out)[n++], 16, "%s", ev->v[i].local.day);
        }
    }
    g_date_free(day);
    g_date_free(last);
    return n;
}

/* The subtitle, saying when days without meetings are left out. */
static void describe_axis(struct table *t, const struct time_events *ev,
                          const struct filters *f, int filled)
{
    char *subtitle = time_events_describe(ev, f, FILTER_DATES | FILTER_TZ | FILTER_SOURCE);
    if (!filled && ev->n > 0) {
        char *longer = xasprintf("%s; only days with meetings (the span is over %d days)",
                                 subtitle, MAX_FILLED_DAYS);
        free(subtitle);
        subtitle = longer;
    }
    table_set_subtitle(t, subtitle);
    free(subtitle);
}

static enum tally_error per_day_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    struct time_events ev;
    GTimeZone *tz;
    char (*days)[16];
    int filled;
    enum tally_error err = load(store, f, &tz, &ev, diag);
    if (err)
        return err;
    struct table *t = table_new("meetings-per-day", "Daily distribution of meetings");
    table_add_column(t, "day", COLUMN_DATE);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    *out = t;
    size_t ndays = day_axis(&ev, f, &days, &filled);
    describe_axis(t, &ev, f, filled);
    size_t i = 0;
    for (size_t d = 0; d < ndays; d++) {
        long long count = 0;
        while (i < ev.n && strcmp(ev.v[i].local.day, days[d]) < 0)
            i++;
        while (i < ev.n && strcmp(ev.v[i].local.day, days[d]) == 0) {
            count++;
            i++;
        }
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, days[d]);
        table_set_int(t, row, 1, count);
    }
    free(days);
    time_events_free(&ev);
    g_time_zone_unref(tz);
    return TALLY_OK;
}

/* ---- time-per-company ---- */

struct interval {
    int64_t start, end;
};

static int interval_cmp(const void *a, const void *b)
{
    const struct interval *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Seconds covered by the union of the intervals (sorted here). */
static int64_t union_seconds(struct interval *v, size_t n)
{
    int64_t total = 0, cur_start = 0, cur_end = 0;
    xqsort(v, n, sizeof(*v), interval_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || v[i].start > cur_end) {
            total += cur_end - cur_start;
            cur_start = v[i].start;
            cur_end = v[i].end;
        } else if (v[i].end > cur_end) {
            cur_end = v[i].end;
        }
    }
    return total + cur_end - cur_start;
}

struct company_total {
    char *company;
    int64_t minutes;
};

static int company_total_cmp(const void *a, const void *b)
{
    const struct company_total *x = a, *y = b;
    if (x->minutes != y->minutes)
        return x->minutes > y->minutes ? -1 : 1;
    return strcmp(x->company, y->company);
}

static int pair_company_cmp(const void *a, const void *b)
{
    const struct event_company *x = a, *y = b;
    int c = strcmp(x->company, y->company);
    return c ? c : (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

static enum tally_error per_company_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct time_events ev;
    struct event_company *pairs = NULL;
    struct company_total *totals = NULL;
    struct interval *iv = NULL;
    size_t npairs = 0, ntotals = 0;
    GTimeZone *tz;
    GHashTable *by_id = NULL;
    enum tally_error err = load(store, f, &tz, &ev, diag);
    if (err)
        return err;
    if ((err = time_companies_load(store, f, f->companies, &pairs, &npairs, diag)) != TALLY_OK)
        goto done;

    struct table *t = table_new("time-per-company", "Time spent per company (minutes)");
    table_add_column(t, "company", COLUMN_TEXT);
    table_add_column(t, "minutes", COLUMN_INTEGER);
    *out = t;
    describe(t, &ev, f, FILTER_DATES | FILTER_TZ | FILTER_SOURCE | FILTER_TOP);

    /* Events in the window, by id. */
    by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (size_t i = 0; i < ev.n; i++)
        g_hash_table_insert(by_id, &ev.v[i].id, &ev.v[i]);
    if (npairs > 1)
        xqsort(pairs, npairs, sizeof(*pairs), pair_company_cmp);
    iv = xmalloc((npairs ? npairs : 1) * sizeof(*iv));
    totals = xmalloc((npairs ? npairs : 1) * sizeof(*totals));
    for (size_t i = 0; i < npairs;) {
        size_t j = i, n = 0;
        for (; j < npairs && strcmp(pairs[j].company, pairs[i].company) == 0; j++) {
            const struct time_event *e = g_hash_table_lookup(by_id, &pairs[j].event_id);
            if (e)
                iv[n++] = (struct interval){ e->start, e->end };
        }
        if (n > 0) {
            int64_t seconds = union_seconds(iv, n);
            totals[ntotals++] = (struct company_total){ pairs[i].company, (seconds + 30) / 60 };
        }
        i = j;
    }
    xqsort(totals, ntotals, sizeof(*totals), company_total_cmp);
    for (size_t i = 0; i < ntotals; i++) {
        if (f->top > 0 && i == (size_t)f->top) {
            t->truncated = 1;
            break;
        }
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, totals[i].company);
        table_set_int(t, row, 1, totals[i].minutes);
    }

done:
    if (by_id)
        g_hash_table_destroy(by_id);
    free(iv);
    free(totals);
    time_companies_free(pairs, npairs);
    time_events_free(&ev);
    g_time_zone_unref(tz);
    return err;
}

static int per_company_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM meeting m JOIN event_attendee a ON "
                          "a.event_id = m.id WHERE a.email IS NOT NULL UNION ALL SELECT 1 "
                          "FROM meeting WHERE organizer IS NOT NULL LIMIT 1");
}

/* ---- meeting-durations ---- */

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted v by linear interpolation between closest ranks. */
static double quantile(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

/* Bin width in minutes: Freedman-Diaconis (2 IQR / cube root of n); Sturges' rule (range
 * over log2(n) + 1 bins) when the IQR is 0; 15 minutes when all durations are equal. Then
 * rounded up to the next width a calendar reader expects: 1, 2, 5, 10, 15, 20, 30, 45, 60
 * minutes or a multiple of an hour. */
static double bin_width(const double *v, size_t n, double q1, double q3)
{
    static const double nice[] = { 1, 2, 5, 10, 15, 20, 30, 45, 60 };
    double width = 2.0 * (q3 - q1) / cbrt((double)n);
    if (width <= 0)
        width = (v[n - 1] - v[0]) / (ceil(log2((double)n)) + 1.0);
    if (width <= 0)
        return 15;
    for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++)
        if (width <= nice[i])
            return nice[i];
    return ceil(width / 60.0) * 60.0;
}

static enum tally_error durations_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct time_events ev;
    GTimeZone *tz;
    enum tally_error err = load(store, f, &tz, &ev, diag);
    if (err)
        return err;
    struct table *t = table_new("meeting-durations", "Distribution of meeting duration");
    table_add_column(t, "minutes", COLUMN_INTEGER);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    *out = t;
    describe(t, &ev, f, FILTER_DATES | FILTER_TZ | FILTER_SOURCE);
    if (ev.n == 0)
        goto done;

    double *v = xmalloc(ev.n * sizeof(*v));
    for (size_t i = 0; i < ev.n; i++)
        v[i] = (double)(ev.v[i].end - ev.v[i].start) / 60.0;
    xqsort(v, ev.n, sizeof(*v), double_cmp);
    double q1 = quantile(v, ev.n, 0.25), median = quantile(v, ev.n, 0.5);
    double q3 = quantile(v, ev.n, 0.75);
    double width = bin_width(v, ev.n, q1, q3);
    double first = floor(v[0] / width) * width;
    size_t k = 0;
    for (double lo = first; lo <= v[ev.n - 1]; lo += width) {
        long long count = 0;
        while (k < ev.n && v[k] < lo + width) {
            count++;
            k++;
        }
        size_t row = table_add_row(t);
        table_set_int(t, row, 0, (int64_t)lo);
        table_set_int(t, row, 1, count);
    }
    table_add_note(t, "min", v[0]);
    table_add_note(t, "q1", q1);
    table_add_note(t, "median", median);
    table_add_note(t, "q3", q3);
    table_add_note(t, "max", v[ev.n - 1]);
    table_add_note(t, "bin_width", width);
    table_add_note(t, "n", (double)ev.n);
    free(v);

done:
    time_events_free(&ev);
    g_time_zone_unref(tz);
    return TALLY_OK;
}

/* ---- meeting-types ---- */

/* Rows (day, type, meetings) for the types seen that day; a day without meetings gets
 * one row of 0 under the first type the window has, so the date axis has no gaps and
 * no series is added. */
static enum tally_error types_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct time_events ev;
    GTimeZone *tz;
    char (*days)[16];
    int filled;
    enum tally_error err = load(store, f, &tz, &ev, diag);
    if (err)
        return err;
    struct table *t = table_new("meeting-types", "Distribution of meeting type by date");
    table_add_column(t, "day", COLUMN_DATE);
    table_add_column(t, "type", COLUMN_TEXT);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    *out = t;
    size_t ndays = day_axis(&ev, f, &days, &filled);
    describe_axis(t, &ev, f, filled);
    int first_type = 3;
    for (size_t i = 0; i < ev.n; i++)
        for (int k = 0; k < first_type; k++)
            if (strcmp(ev.v[i].type, type_order[k]) == 0)
                first_type = k;
    size_t i = 0;
    for (size_t d = 0; d < ndays; d++) {
        long long counts[4] = { 0, 0, 0, 0 };
        while (i < ev.n && strcmp(ev.v[i].local.day, days[d]) < 0)
            i++;
        for (; i < ev.n && strcmp(ev.v[i].local.day, days[d]) == 0; i++)
            for (int k = 0; k < 4; k++)
                if (strcmp(ev.v[i].type, type_order[k]) == 0)
                    counts[k]++;
        for (int k = 0; k < 4; k++) {
            if (!counts[k])
                continue;
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, days[d]);
            table_set_text(t, row, 1, type_order[k]);
            table_set_int(t, row, 2, counts[k]);
        }
        if (counts[0] + counts[1] + counts[2] + counts[3] == 0) {
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, days[d]);
            table_set_text(t, row, 1, type_order[first_type]);
            table_set_int(t, row, 2, 0);
        }
    }
    free(days);
    time_events_free(&ev);
    g_time_zone_unref(tz);
    return TALLY_OK;
}

/* ---- meeting-hours ---- */

static enum tally_error hours_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct time_events ev;
    GTimeZone *tz;
    long long grid[7][24];
    int lo = 24, hi = -1;
    enum tally_error err = load(store, f, &tz, &ev, diag);
    if (err)
        return err;
    struct table *t = table_new("meeting-hours", "When meetings happen: weekday and hour");
    table_add_column(t, "weekday", COLUMN_TEXT);
    table_add_id_column(t, "hour");
    table_add_column(t, "meetings", COLUMN_INTEGER);
    *out = t;
    describe(t, &ev, f, FILTER_DATES | FILTER_TZ | FILTER_SOURCE);
    memset(grid, 0, sizeof(grid));
    for (size_t i = 0; i < ev.n; i++) {
        int h = ev.v[i].local.hour;
        grid[ev.v[i].local.weekday - 1][h]++;
        lo = h < lo ? h : lo;
        hi = h > hi ? h : hi;
    }
    /* Every weekday, and every hour from the earliest to the latest start, zeros too. */
    for (int d = 0; d < 7 && hi >= 0; d++) {
        for (int h = lo; h <= hi; h++) {
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, weekday_names[d]);
            table_set_int(t, row, 1, h);
            table_set_int(t, row, 2, grid[d][h]);
        }
    }
    time_events_free(&ev);
    g_time_zone_unref(tz);
    return TALLY_OK;
}

#define TIME_FILTERS (FILTER_DATES | FILTER_TZ | FILTER_SOURCE)

const struct analysis analysis_meetings_per_day = {
    .name = "meetings-per-day",
    .title = "Daily distribution of meetings",
    .family = "time",
    .source_table = "event",
    .time_col = "start",
    .filters = TIME_FILTERS,
    .chart = { .kind = CHART_BAR, .x_title = "Day", .y_title = "Meetings",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = per_day_run,
    .has_data = meetings_has_data,
};

const struct analysis analysis_time_per_company = {
    .name = "time-per-company",
    .title = "Time spent per company (minutes, overlaps counted once)",
    .family = "time",
    .source_table = "event",
    .time_col = "start",
    .filters = TIME_FILTERS | FILTER_TOP | FILTER_MAP,
    .chart = { .kind = CHART_HBAR, .x_title = "Company", .y_title = "Minutes",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = per_company_run,
    .has_data = per_company_has_data,
};

const struct analysis analysis_meeting_durations = {
    .name = "meeting-durations",
    .title = "Distribution of meeting duration (histogram and five-number summary)",
    .family = "time",
    .source_table = "event",
    .time_col = "start",
    .filters = TIME_FILTERS,
    .chart = { .kind = CHART_HISTOGRAM, .x_title = "Duration (minutes)",
               .y_title = "Meetings", .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = durations_run,
    .has_data = meetings_has_data,
};

const struct analysis analysis_meeting_types = {
    .name = "meeting-types",
    .title = "Distribution of meeting type (video, phone, onsite) by date",
    .family = "time",
    .source_table = "event",
    .time_col = "start",
    .filters = TIME_FILTERS,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "Day", .y_title = "Meetings",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = types_run,
    .has_data = meetings_has_data,
};

const struct analysis analysis_meeting_hours = {
    .name = "meeting-hours",
    .title = "When meetings happen: weekday and hour of the start",
    .family = "time",
    .source_table = "event",
    .time_col = "start",
    .filters = TIME_FILTERS,
    .chart = { .kind = CHART_HEATMAP, .x_title = "Hour of day", .y_title = "Weekday",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = hours_run,
    .has_data = meetings_has_data,
};
