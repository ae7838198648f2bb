/* outlook_csv.c: calendars exported by Outlook (classic, Windows) as "Comma Separated
 * Values", and Outlook-style subsets such as Yahoo's. Columns are found by name in English,
 * German or Dutch; dates are in the exporting PC's short-date format, read M/D/Y or D/M/Y
 * as the values across the file show (a first number above 12 means D/M/Y), with no time
 * zone: they are wall-clock times in --tz. "Show time as" Free is stored as free time.
 * Fields that are not valid UTF-8 are read as Windows-1252. */
#include "importers/importers.h"
#include "importers/csv.h"
#include "importers/personal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum outlook_col {
    COL_SUBJECT, COL_START_DATE, COL_START_TIME, COL_END_DATE, COL_END_TIME, COL_ALL_DAY,
    COL_ORGANIZER, COL_REQUIRED, COL_OPTIONAL, COL_DESCRIPTION, COL_LOCATION, COL_SHOW_AS,
    COL_COUNT
};

/* Header names per column: English, German, Dutch (compared case-insensitively). */
static const char *const column_names[COL_COUNT][5] = {
    [COL_SUBJECT] = { "Subject", "Betreff", "Onderwerp", NULL },
    [COL_START_DATE] = { "Start Date", "Beginnt am", "Begindatum", NULL },
    [COL_START_TIME] = { "Start Time", "Beginnt um", "Begintijd", NULL },
    [COL_END_DATE] = { "End Date", "Endet am", "Einddatum", NULL },
    [COL_END_TIME] = { "End Time", "Endet um", "Eindtijd", NULL },
    [COL_ALL_DAY] = { "All day event", "Ganztägiges Ereignis", "Evenement, duurt hele dag",
                      "Hele dag", NULL },
    [COL_ORGANIZER] = { "Meeting Organizer", "Besprechungsplanung",
                        "Organisator van vergadering", NULL },
    [COL_REQUIRED] = { "Required Attendees", "Erforderliche Teilnehmer",
                       "Vereiste deelnemers", NULL },
    [COL_OPTIONAL] = { "Optional Attendees", "Optionale Teilnehmer", "Optionele deelnemers",
                       NULL },
    [COL_DESCRIPTION] = { "Description", "Beschreibung", "Beschrijving", NULL },
    [COL_LOCATION] = { "Location", "Ort", "Locatie", NULL },
    [COL_SHOW_AS] = { "Show time as", "Zeitspanne zeigen als", "Tijd weergeven als", NULL },
};

/* One data row, kept until the whole file has shown which way its dates are written. */
struct outlook_row {
    long line;
    char *field[COL_COUNT];
};

/* The "All day event" value meaning yes, in the languages Outlook writes: English True,
 * German Ein (the Ein/Aus of its check boxes) or Wahr, Dutch Waar or Aan, French Vrai or
 * Oui, Spanish Verdadero or Sí, Italian Vero. */
static int is_true(const char *v)
{
    static const char *const yes[] = { "true", "yes", "ein", "an", "wahr", "ja", "waar",
                                       "aan", "vrai", "oui", "verdadero", "s\xc3\xad",
                                       "vero", "1", "x", NULL };
    for (int i = 0; v && yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    return 0;
}

static int is_free(const char *v)
{
    static const char *const free_words[] = { "3", "free", "frei", "beschikbaar", NULL };
    for (int i = 0; v && free_words[i]; i++)
        if (strcasecmp(v, free_words[i]) == 0)
            return 1;
    return 0;
}

static char *field_text(const struct csv_record *rec, int index)
{
    char *v = csv_field(rec, index);
    if (!v)
        return NULL;
    size_t n = strlen(v);
    return utf8_is_valid(v, n) ? xstrdup(v) : cp1252_to_utf8(v, n);
}

/* Finds each column by name in the header, whose names are read as the values are (so
 * "Ganztägiges Ereignis" in Windows-1252 matches its UTF-8 spelling). */
static void find_columns(const struct csv_record *header, int col[COL_COUNT])
{
    for (int c = 0; c < COL_COUNT; c++)
        col[c] = -1;
    for (int i = 0; i < header->nfields; i++) {
        char *name = field_text(header, i);
        for (int c = 0; name && c < COL_COUNT; c++)
            for (int k = 0; column_names[c][k] && col[c] < 0; k++)
                if (strcasecmp(name, column_names[c][k]) == 0)
                    col[c] = i;
        free(name);
    }
}

static void row_free(struct outlook_row *row)
{
    for (int c = 0; c < COL_COUNT; c++)
        free(row->field[c]);
}

static enum tally_error bad_row(struct import_ctx *ctx, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum tally_error bad_row(struct import_ctx *ctx, long line, const char *fmt, ...)
{
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    va_list ap;
    va_start(ap, fmt);
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    ctx->diag->line = line;
    diag_setv(ctx->diag, TALLY_ERROR_DATA, fmt, ap);
    va_end(ap);
    return TALLY_ERROR_DATA;
}

/* Splits "Ana Ruiz;Chen Li <chen@x.example>" into attendee records. */
static int split_attendees(char *list, const char *role, struct attendee_record *out,
                           char **emails, int n, int max)
{
    for (char *save = NULL, *tok = list ? strtok_r(list, ";", &save) : NULL; tok && n < max;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        emails[n] = email_from_text(tok);
        out[n] = (struct attendee_record){ .email = emails[n], .name = tok, .role = role };
        n++;
    }
    return n;
}

#define OUTLOOK_MAX_ATTENDEES 256

static enum tally_error store_row(struct import_ctx *ctx, struct outlook_row *row,
                                  enum date_order order, icaltimezone *zone)
{
    struct when start, end;
    struct event_record rec = { 0 };
    struct attendee_record *attendees = NULL;
    char **emails = NULL;
    char *organizer = NULL, *url = NULL;
    int n = 0;
    enum tally_error err = TALLY_OK;
    char **f = row->field;

    if (when_parse(f[COL_START_DATE], order, &start) < 0 || start.has_time || !start.day)
        return bad_row(ctx, row->line, "cannot read the start date \"%.40s\" (a date such as "
                       "3/14/2024 or 14.3.2024 expected)", f[COL_START_DATE]);
    rec.all_day = is_true(f[COL_ALL_DAY]) || !f[COL_START_TIME];
    if (!rec.all_day && when_parse_time(f[COL_START_TIME], &start) < 0)
        return bad_row(ctx, row->line, "cannot read the start time \"%.40s\" (a time such as "
                       "10:00:00 AM or 13:30 expected)", f[COL_START_TIME]);
    end = start;
    if (f[COL_END_DATE] && (when_parse(f[COL_END_DATE], order, &end) < 0 || end.has_time ||
                            !end.day))
        return bad_row(ctx, row->line, "cannot read the end date \"%.40s\"", f[COL_END_DATE]);
    if (!rec.all_day) {
        end.has_time = 0;
        if (f[COL_END_TIME] && when_parse_time(f[COL_END_TIME], &end) < 0)
            return bad_row(ctx, row->line, "cannot read the end time \"%.40s\"",
                           f[COL_END_TIME]);
        if (!f[COL_END_TIME]) {
            end.hour = start.hour;
            end.minute = start.minute;
            end.second = start.second;
        }
        /* Midnight to a later midnight is how all-day events look without the flag. */
        if (f[COL_END_TIME] && !start.hour && !start.minute && !start.second && !end.hour &&
            !end.minute && !end.second &&
            days_from_civil(end.year, end.month, end.day) >
                days_from_civil(start.year, start.month, start.day))
            rec.all_day = 1;
    }
    if (!rec.all_day) {
        rec.start = when_to_unix(&start, zone);
        rec.end = when_to_unix(&end, zone);
    } else {
        struct when day = start;
        day.hour = day.minute = day.second = 0;
        day.utc = 1;
        rec.start = when_to_unix(&day, NULL);
        day.year = end.year;
        day.month = end.month;
        day.day = end.day;
        rec.end = when_to_unix(&day, NULL);
        if (rec.end <= rec.start)
            rec.end = rec.start + 86400;
    }
    if (rec.end < rec.start)
        return bad_row(ctx, row->line, "the event ends before it starts");

    rec.summary = f[COL_SUBJECT];
    rec.location = f[COL_LOCATION];
    rec.description = f[COL_DESCRIPTION];
    rec.free = is_free(f[COL_SHOW_AS]);
    if (f[COL_ORGANIZER]) {
        organizer = email_from_text(f[COL_ORGANIZER]);
        rec.organizer = organizer;
        rec.organizer_name = f[COL_ORGANIZER];
    }
    attendees = xcalloc(OUTLOOK_MAX_ATTENDEES, sizeof(*attendees));
    emails = xcalloc(OUTLOOK_MAX_ATTENDEES, sizeof(*emails));
    n = split_attendees(f[COL_REQUIRED], "req-participant", attendees, emails, 0,
                        OUTLOOK_MAX_ATTENDEES);
    n = split_attendees(f[COL_OPTIONAL], "opt-participant", attendees, emails, n,
                        OUTLOOK_MAX_ATTENDEES);
    rec.attendees = attendees;
    rec.nattendees = n;
    struct meeting_text text = { .summary = rec.summary, .location = rec.location,
                                 .description = rec.description };
    rec.type = meeting_type(&text, &url);
    rec.conference_url = url;
    if (store_add_event(ctx->store, &rec))
        err = store_fail(ctx->store, ctx->diag, "cannot store an event");

    for (int i = 0; i < n; i++)
        free(emails[i]);
    free(emails);
    free(attendees);
    free(organizer);
    free(url);
    return err;
}

/* Which way round the file's numeric dates are, from the values themselves. */
static enum tally_error infer_order(struct import_ctx *ctx, struct outlook_row *rows,
                                    size_t n, enum date_order *order)
{
    long dmy_line = 0, mdy_line = 0;
    int slash = 0;
    for (size_t i = 0; i < n; i++) {
        const char *dates[2] = { rows[i].field[COL_START_DATE], rows[i].field[COL_END_DATE] };
        for (int k = 0; k < 2; k++) {
            int a, b;
            if (!dates[k] || when_leading_numbers(dates[k], &a, &b) < 0)
                continue;
            if (strchr(dates[k], '/'))
                slash = 1;
            if (a > 12 && !dmy_line)
                dmy_line = rows[i].line;
            if (b > 12 && !mdy_line)
                mdy_line = rows[i].line;
        }
    }
    if (dmy_line && mdy_line) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = mdy_line > dmy_line ? mdy_line : dmy_line;
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "dates are written day first on line "
                        "%ld and month first on line %ld: one order per file expected",
                        dmy_line, mdy_line);
    }
    if (dmy_line)
        *order = DATE_DMY;
    else if (mdy_line)
        *order = DATE_MDY;
    else
        *order = slash ? DATE_MDY : DATE_DMY;
    return TALLY_OK;
}

static char sniff_delimiter(struct input *in)
{
    size_t len;
    const unsigned char *head = input_head(in, &len);
    int commas = 0, semicolons = 0, quoted = 0;
    for (size_t i = 0; i < len && head[i] != '\n'; i++) {
        if (head[i] == '"')
            quoted = !quoted;
        else if (!quoted && head[i] == ',')
            commas++;
        else if (!quoted && head[i] == ';')
            semicolons++;
    }
    return semicolons > commas ? ';' : ',';
}

static enum tally_error outlook_run(struct import_ctx *ctx)
{
    struct csv_reader *csv = csv_open_input(ctx->in, sniff_delimiter(ctx->in), NULL);
    struct csv_record rec;
    struct outlook_row *rows = NULL;
    size_t nrows = 0, alloc = 0;
    int col[COL_COUNT], ncols = 0;
    enum date_order order = DATE_MDY;
    enum tally_error err = TALLY_OK;
    icaltimezone *zone = personal_zone(ctx->opt->tz);
    int rc;

    if (!zone) {
        err = diag_set(ctx->diag, TALLY_ERROR_USAGE, "unknown time zone '%s' (--tz wants an "
                       "IANA name such as Europe/Berlin)", ctx->opt->tz);
        goto done;
    }
    rc = csv_next(csv, &rec, ctx->diag);
    if (rc <= 0) {
        if (rc == 0) {
            snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
            ctx->diag->line = 1;
            diag_set(ctx->diag, TALLY_ERROR_DATA, "no header line");
        }
        err = TALLY_ERROR_DATA;
        goto done;
    }
    ncols = rec.nfields;
    find_columns(&rec, col);
    if (col[COL_SUBJECT] < 0 || col[COL_START_DATE] < 0) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = rec.line;
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, "not an Outlook calendar CSV: a header "
                       "with \"Subject\" and \"Start Date\" columns (or their German or Dutch "
                       "names) expected");
        goto done;
    }

    while ((rc = csv_next(csv, &rec, ctx->diag)) > 0) {
        if (rec.nfields == 1 && !csv_field(&rec, 0))
            continue;                   /* a blank line */
        if (rec.nfields != ncols) {
            if ((err = bad_row(ctx, rec.line, "%d fields where the header has %d",
                               rec.nfields, ncols)) != TALLY_OK)
                goto done;
            continue;
        }
        if (nrows == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            rows = xrealloc(rows, alloc * sizeof(*rows));
        }
        struct outlook_row *row = &rows[nrows++];
        row->line = rec.line;
        for (int c = 0; c < COL_COUNT; c++)
            row->field[c] = field_text(&rec, col[c]);
        if (!row->field[COL_START_DATE]) {
            row_free(row);
            nrows--;
            if ((err = bad_row(ctx, rec.line, "no start date")) != TALLY_OK)
                goto done;
        }
        import_progress(ctx);
    }
    if (rc < 0) {
        err = TALLY_ERROR_DATA;
        goto done;
    }
    if (csv_cut_off(csv))
        import_warn(ctx, "%s: the file ends inside a quoted field; the last record was left "
                    "out", input_path(ctx->in));
    if ((err = infer_order(ctx, rows, nrows, &order)) != TALLY_OK)
        goto done;
    for (size_t i = 0; i < nrows && !err; i++)
        err = store_row(ctx, &rows[i], order, zone);

done:
    for (size_t i = 0; i < nrows; i++)
        row_free(&rows[i]);
    free(rows);
    csv_close(csv);
    return err;
}

static int outlook_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    size_t n = 0;
    while (n < len && head[n] != '\n')
        n++;
    char line[2048];
    if (n >= sizeof(line))
        n = sizeof(line) - 1;
    memcpy(line, head, n);
    line[n] = '\0';
    static const char *const pairs[][2] = { { "\"Subject\"", "\"Start Date\"" },
                                            { "Subject,", "Start Date" },
                                            { "\"Betreff\"", "\"Beginnt am\"" },
                                            { "Betreff", "Beginnt am" },
                                            { "Onderwerp", "Begindatum" } };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const char *a = strstr(line, pairs[i][0]);
        if (a && strstr(a, pairs[i][1]))
            return 80;
    }
    return 0;
}

const struct importer importer_outlook_csv = {
    .name = "outlook-csv",
    .description = "Outlook calendar exported as CSV (English, German or Dutch headers)",
    .sniff = outlook_sniff,
    .run = outlook_run,
    .reads = IMPORTER_READS_OWNER | IMPORTER_READS_TZ,
};
