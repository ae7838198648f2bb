/* time_events.c: reading calendar events for the time-spent analyses: which ones count,
 * where they fall in the local calendar of --tz (glib's GTimeZone), and which companies
 * (e-mail domains, renamed by --map) each involves. */
#include "analyzer/time_events.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Domains of personal mailboxes and calendar resources: never a company by themselves. */
static const char *const free_mail[] = { "gmail.com", "outlook.com", "yahoo.com",
                                         "hotmail.com", "icloud.com",
                                         "resource.calendar.google.com",
                                         "group.calendar.google.com", NULL };

enum tally_error time_zone_open(const char *name, GTimeZone **out, struct tally_diag *diag)
{
    *out = NULL;
    if (!name || !*name || strcmp(name, "UTC") == 0) {
        *out = g_time_zone_new_utc();
        return TALLY_OK;
    }
    *out = g_time_zone_new_identifier(name);
    if (!*out)
        return diag_set(diag, TALLY_ERROR_USAGE, "unknown time zone '%s' (--tz wants an IANA "
                        "name such as Europe/Berlin)", name);
    return TALLY_OK;
}

void time_local(GTimeZone *tz, int64_t t, struct local_time *out)
{
    GDateTime *utc = g_date_time_new_from_unix_utc(t);
    GDateTime *local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
    memset(out, 0, sizeof(*out));
    if (local) {
        snprintf(out->day, sizeof(out->day), "%04u-%02u-%02u",
                 (unsigned)g_date_time_get_year(local) % 10000u,
                 (unsigned)g_date_time_get_month(local) % 100u,
                 (unsigned)g_date_time_get_day_of_month(local) % 100u);
        snprintf(out->week, sizeof(out->week), "%04u-W%02u",
                 (unsigned)g_date_time_get_week_numbering_year(local) % 10000u,
                 (unsigned)g_date_time_get_week_of_year(local) % 100u);
        out->weekday = g_date_time_get_day_of_week(local);
        out->hour = g_date_time_get_hour(local);
    } else {
        snprintf(out->day, sizeof(out->day), "0000-00-00");
        snprintf(out->week, sizeof(out->week), "0000-W00");
        out->weekday = 1;
    }
    if (local)
        g_date_time_unref(local);
    if (utc)
        g_date_time_unref(utc);
}

int time_in_window(const struct filters *f, const char *day)
{
    if (f->since && strcmp(day, f->since) < 0)
        return 0;
    if (f->until && strcmp(day, f->until) > 0)
        return 0;
    return 1;
}

static const char *static_type(const char *type)
{
    static const char *const types[] = { "video", "phone", "onsite", "unknown" };
    for (int i = 0; i < 3; i++)
        if (type && strcmp(type, types[i]) == 0)
            return types[i];
    return types[3];
}

enum tally_error time_events_load(struct store *store, const struct filters *f,
                                  GTimeZone *tz, struct time_events *out,
                                  struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    size_t alloc = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT id, start, end, type, COALESCE(status, '') = 'cancelled', "
                  "declined, all_day, free FROM event WHERE 1");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " ORDER BY start, id");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the events");
        goto done;
    }
    if (f->source)
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":source"), f->source, -1,
                          SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct time_event ev = { .id = sqlite3_column_int64(stmt, 0),
                                 .start = sqlite3_column_int64(stmt, 1),
                                 .end = sqlite3_column_int64(stmt, 2),
                                 .type = static_type((const char *)
                                                     sqlite3_column_text(stmt, 3)) };
        time_local(tz, ev.start, &ev.local);
        if (!time_in_window(f, ev.local.day))
            continue;
        if (sqlite3_column_int(stmt, 4)) {
            out->cancelled++;
        } else if (sqlite3_column_int(stmt, 5)) {
            out->declined++;
        } else if (sqlite3_column_int(stmt, 6)) {
            out->all_day++;
        } else if (sqlite3_column_int(stmt, 7)) {
            out->free++;
        } else if (ev.end <= ev.start) {
            out->zero_length++;
        } else {
            if (out->n == alloc) {
                alloc = alloc ? alloc * 2 : 64;
                out->v = xrealloc(out->v, alloc * sizeof(*out->v));
            }
            out->v[out->n++] = ev;
        }
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the events");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

void time_events_free(struct time_events *ev)
{
    free(ev->v);
    memset(ev, 0, sizeof(*ev));
}

char *time_events_describe(const struct time_events *ev, const struct filters *f,
                           unsigned which)
{
    struct strbuf sb;
    char *filters = filters_describe(f, which);
    strbuf_init(&sb);
    strbuf_addf(&sb, "%zu meeting%s", ev->n, ev->n == 1 ? "" : "s");
    const char *names[] = { "cancelled", "declined", "all-day", "free", "0-minute" };
    long long counts[] = { ev->cancelled, ev->declined, ev->all_day, ev->free,
                           ev->zero_length };
    int first = 1;
    for (int i = 0; i < 5; i++) {
        if (!counts[i])
            continue;
        strbuf_addf(&sb, "%s%lld %s", first ? "; left out: " : ", ", counts[i], names[i]);
        first = 0;
    }
    if (*filters)
        strbuf_addf(&sb, "; %s", filters);
    free(filters);
    return strbuf_detach(&sb);
}

/* ---- companies ---- */

static char *lower_dup(const char *s)
{
    char *out = xstrdup(s);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

void company_map_add(struct company_map *map, const char *domain, const char *company)
{
    if (*domain == '@')
        domain++;
    if (map->n == map->alloc) {
        map->alloc = map->alloc ? map->alloc * 2 : 16;
        map->domain = xrealloc(map->domain, map->alloc * sizeof(char *));
        map->company = xrealloc(map->company, map->alloc * sizeof(char *));
    }
    map->domain[map->n] = lower_dup(domain);
    map->company[map->n++] = xstrdup(company);
}

void company_map_free(struct company_map *map)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->n; i++) {
        free(map->domain[i]);
        free(map->company[i]);
    }
    free(map->domain);
    free(map->company);
    free(map);
}

/* The map's company for domain or one of its parent domains (mail.acme.example ->
 * acme.example), or NULL. */
static const char *map_lookup(const struct company_map *map, const char *domain)
{
    for (const char *d = domain; map && d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
        for (size_t i = 0; i < map->n; i++)
            if (strcmp(map->domain[i], d) == 0)
                return map->company[i];
    }
    return NULL;
}

/* The company an address stands for, or NULL when it stands for none. */
static char *company_of(const char *email, const char *owner_domain,
                        const struct company_map *map)
{
    const char *at = strrchr(email, '@');
    if (!at || !at[1])
        return NULL;
    char *domain = lower_dup(at + 1);
    const char *mapped = map_lookup(map, domain);
    char *company = NULL;
    if (mapped) {
        company = xstrdup(mapped);
    } else if (strchr(domain, '.') && !(owner_domain && strcmp(domain, owner_domain) == 0)) {
        int excluded = 0;
        for (int i = 0; free_mail[i]; i++)
            excluded |= strcmp(domain, free_mail[i]) == 0;
        if (!excluded)
            company = xstrdup(domain);
    }
    free(domain);
    return company;
}

enum tally_error time_companies_load(struct store *store, const struct filters *f,
                                     const struct company_map *map,
                                     struct event_company **out, size_t *n,
                                     struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    size_t alloc = 0, group = 0;
    int rc;

    *out = NULL;
    *n = 0;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT m.id, a.email, lower(s.owner) FROM meeting m "
                  "JOIN source s ON s.id = m.source_id "
                  "JOIN (SELECT event_id AS eid, email FROM event_attendee WHERE email IS NOT "
                  "NULL UNION ALL SELECT id, organizer FROM event WHERE organizer IS NOT NULL) "
                  "a ON a.eid = m.id WHERE 1");
    filters_sql_source(f, &sql, "m.source_id");
    strbuf_addstr(&sql, " ORDER BY m.id");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the attendees");
        goto done;
    }
    if (f->source)
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":source"), f->source, -1,
                          SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        const char *email = (const char *)sqlite3_column_text(stmt, 1);
        const char *owner = (const char *)sqlite3_column_text(stmt, 2);
        const char *owner_at = owner ? strrchr(owner, '@') : NULL;
        char *company = email ? company_of(email, owner_at ? owner_at + 1 : NULL, map) : NULL;
        if (!company)
            continue;
        if (*n == 0 || (*out)[*n - 1].event_id != id)
            group = *n;
        int seen = 0;
        for (size_t i = group; i < *n && !seen; i++)
            seen = strcmp((*out)[i].company, company) == 0;
        if (seen) {
            free(company);
            continue;
        }
        if (*n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            *out = xrealloc(*out, alloc * sizeof(**out));
        }
        (*out)[(*n)++] = (struct event_company){ .event_id = id, .company = company };
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the attendees");

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

void time_companies_free(struct event_company *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].company);
    free(v);
}
