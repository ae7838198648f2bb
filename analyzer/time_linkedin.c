/* time_linkedin.c: the LinkedIn analyses: the numbers the user noted over time
 * (linkedin-stats), new connections per month, and job applications per week and company. */
#include "analyzer/time_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILLED_MONTHS 1200

/* ---- linkedin-stats ---- */

static enum tally_error stats_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    strbuf_init(&sql);
    /* One value per day and metric: the largest, when two imports both give one. The
     * metric is shown as a reader writes it: search_appearances as "Search appearances". */
    strbuf_addstr(&sql, "SELECT day, upper(substr(name, 1, 1)) || substr(name, 2) AS shown, "
                  "MAX(value) FROM (SELECT *, trim(replace(replace(metric, '_', ' '), '-', "
                  "' ')) AS name FROM linkedin_stat) WHERE 1");
    if (f->since)
        strbuf_addstr(&sql, " AND day >= :since");
    if (f->until)
        strbuf_addstr(&sql, " AND day <= :until");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " GROUP BY day, shown ORDER BY day, shown");
    *out = table_new("linkedin-stats", "LinkedIn search stats");
    table_add_column(*out, "day", COLUMN_DATE);
    table_add_column(*out, "metric", COLUMN_TEXT);
    table_add_column(*out, "value", COLUMN_REAL);
    enum tally_error err = query_into_table(store, sql.buf, f, *out, diag);
    strbuf_release(&sql);
    return err;
}

static int stats_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM linkedin_stat LIMIT 1");
}

/* ---- connections ---- */

static enum tally_error connections_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    struct table *raw = table_new("connections", "");
    enum tally_error err;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT substr(connected_on, 1, 7) AS month, COUNT(*) FROM "
                  "linkedin_connection WHERE connected_on IS NOT NULL");
    if (f->since)
        strbuf_addstr(&sql, " AND connected_on >= :since");
    if (f->until)
        strbuf_addstr(&sql, " AND connected_on <= :until");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " GROUP BY month ORDER BY month");
    table_add_column(raw, "month", COLUMN_MONTH);
    table_add_column(raw, "connections", COLUMN_INTEGER);
    err = query_into_table(store, sql.buf, f, raw, diag);
    strbuf_release(&sql);

    struct table *t = table_new("connections", "LinkedIn connections made per month");
    table_add_column(t, "month", COLUMN_MONTH);
    table_add_column(t, "connections", COLUMN_INTEGER);
    *out = t;
    if (err || raw->nrows == 0)
        goto done;
    /* Every month from the first to the last, zeros included. */
    int y, m, last_y, last_m;
    char buf[16];
    if (sscanf(table_text(raw, 0, 0, buf, sizeof(buf)), "%d-%d", &y, &m) != 2 ||
        sscanf(table_text(raw, raw->nrows - 1, 0, buf, sizeof(buf)), "%d-%d", &last_y,
               &last_m) != 2)
        goto done;
    size_t i = 0;
    for (int filled = 0; (y < last_y || (y == last_y && m <= last_m)) &&
                         filled < MAX_FILLED_MONTHS; filled++) {
        char month[16];
        snprintf(month, sizeof(month), "%04d-%02d", y % 10000, m % 100);
        int64_t count = 0;
        if (i < raw->nrows && strcmp(table_text(raw, i, 0, buf, sizeof(buf)), month) == 0)
            count = (int64_t)table_number(raw, i++, 1);
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, month);
        table_set_int(t, row, 1, count);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }

done:
    table_free(raw);
    return err;
}

static int connections_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM linkedin_connection WHERE connected_on IS "
                          "NOT NULL LIMIT 1");
}

/* ---- applications ---- */

struct application {
    char week[16];
    char *company;
};

static int application_cmp(const void *a, const void *b)
{
    const struct application *x = a, *y = b;
    int c = strcmp(x->week, y->week);
    return c ? c : strcmp(x->company, y->company);
}

static enum tally_error applications_run(struct store *store, const struct filters *f,
                                         struct table **out, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    struct application *apps = NULL;
    size_t n = 0, alloc = 0;
    GTimeZone *tz = NULL;
    enum tally_error err = time_zone_open(f->tz, &tz, diag);
    int rc;
    strbuf_init(&sql);
    if (err)
        goto done;
    strbuf_addstr(&sql, "SELECT at, COALESCE(company, '(unknown)') FROM linkedin_job WHERE "
                  "kind = 'applied' AND at IS NOT NULL");
    filters_sql_source(f, &sql, "source_id");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the applications");
        goto done;
    }
    if (f->source)
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":source"), f->source, -1,
                          SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct local_time lt;
        time_local(tz, sqlite3_column_int64(stmt, 0), &lt);
        if (!time_in_window(f, lt.day))
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            apps = xrealloc(apps, alloc * sizeof(*apps));
        }
        memcpy(apps[n].week, lt.week, sizeof(lt.week));
        apps[n++].company = xstrdup((const char *)sqlite3_column_text(stmt, 1));
    }
    if (rc != SQLITE_DONE) {
        err = store_fail(store, diag, "cannot read the applications");
        goto done;
    }

    struct table *t = table_new("applications", "Job applications sent per week");
    table_add_column(t, "week", COLUMN_WEEK);
    table_add_column(t, "company", COLUMN_TEXT);
    table_add_column(t, "applications", COLUMN_INTEGER);
    *out = t;
    if (n > 1)
        xqsort(apps, n, sizeof(*apps), application_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && application_cmp(&apps[i], &apps[j]) == 0)
            j++;
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, apps[i].week);
        table_set_text(t, row, 1, apps[i].company);
        table_set_int(t, row, 2, (int64_t)(j - i));
        i = j;
    }

done:
    for (size_t i = 0; i < n; i++)
        free(apps[i].company);
    free(apps);
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    if (tz)
        g_time_zone_unref(tz);
    return err;
}

static int applications_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM linkedin_job WHERE kind = 'applied' LIMIT 1");
}

const struct analysis analysis_linkedin_stats = {
    .name = "linkedin-stats",
    .title = "LinkedIn numbers over time (profile views, search appearances, ...)",
    .family = "time",
    .source_table = "linkedin_stat",
    .filters = FILTER_DATES | FILTER_SOURCE,
    .chart = { .kind = CHART_LINE, .x_title = "Day", .y_title = "Count",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = stats_run,
    .has_data = stats_has_data,
};

const struct analysis analysis_connections = {
    .name = "connections",
    .title = "LinkedIn connections made per month",
    .family = "time",
    .source_table = "linkedin_connection",
    .filters = FILTER_DATES | FILTER_SOURCE,
    .chart = { .kind = CHART_BAR, .x_title = "Month", .y_title = "New connections",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = connections_run,
    .has_data = connections_has_data,
};

const struct analysis analysis_applications = {
    .name = "applications",
    .title = "Job applications sent per week (LinkedIn)",
    .family = "time",
    .source_table = "linkedin_job",
    .time_col = "at",
    .filters = FILTER_DATES | FILTER_SOURCE | FILTER_TZ,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "Week", .y_title = "Applications",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = applications_run,
    .has_data = applications_has_data,
};
