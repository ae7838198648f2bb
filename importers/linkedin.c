/* linkedin.c: LinkedIn's "Get a copy of your data" export, as the .zip LinkedIn sends or
 * as one of its CSV files, and the small CSV of profile numbers the user keeps themselves
 * (linkedin-stats).
 *
 * From the zip, libarchive reads the entries named Connections.csv, Invitations.csv,
 * messages.csv, Positions.csv, Jobs/Job Applications*.csv, Jobs/Saved Jobs.csv,
 * Company Follows.csv and Account Status History.csv (names compared ignoring case,
 * spaces and underscores; folders ignored); the rest of the archive is not read into the
 * database. A lone CSV is told by its header line, found past the "Notes:" preamble
 * Connections.csv has had since 2022. UTF-16 files (a byte-order mark, tab-separated) are
 * converted with glib; other files not valid UTF-8 are read as Windows-1252.
 *
 * Times with no zone ("8/26/22, 8:56 PM") are read in --tz; "... UTC" ones as UTC. */
#include "importers/importers.h"
#include "importers/csv.h"
#include "importers/personal.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINKEDIN_MAX_FILE (128ull << 20)    /* one CSV of the export, read whole */
#define LINKEDIN_MAX_PREAMBLE 10        /* records before the header line */

enum linkedin_kind {
    KIND_NONE, KIND_CONNECTIONS, KIND_INVITATIONS, KIND_MESSAGES, KIND_POSITIONS,
    KIND_APPLICATIONS, KIND_SAVED_JOBS, KIND_FOLLOWS, KIND_ACCOUNT, KIND_STATS
};

/* How a file of each kind is recognised: by its name in the archive (lower case, no
 * spaces or underscores, ".csv" removed; a trailing '*' matches any rest) and by the
 * columns its header must have. */
static const struct linkedin_file {
    enum linkedin_kind kind;
    const char *name;
    const char *required[4];
} linkedin_files[] = {
    { KIND_CONNECTIONS, "connections", { "First Name", "Last Name", "Connected On", NULL } },
    { KIND_MESSAGES, "messages", { "FROM", "TO", "DATE", "CONTENT" } },
    { KIND_INVITATIONS, "invitations", { "From", "To", "Sent At", NULL } },
    { KIND_POSITIONS, "positions", { "Company Name", "Title", "Started On", NULL } },
    { KIND_APPLICATIONS, "jobapplications*", { "Application Date", "Company Name", NULL } },
    { KIND_SAVED_JOBS, "savedjobs", { "Saved Date", "Company Name", NULL } },
    { KIND_FOLLOWS, "companyfollows", { "Organization", "Followed On", NULL } },
    { KIND_ACCOUNT, "accountstatushistory", { "Time", "Event", NULL } },
    { KIND_NONE, NULL, { NULL } }
};

struct linkedin_state {
    struct import_ctx *ctx;
    icaltimezone *zone;
    unsigned char buf[65536];   /* for libarchive's reads */
};

static enum tally_error bad_line(struct import_ctx *ctx, const char *name, long line,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum tally_error bad_line(struct import_ctx *ctx, const char *name, long line,
                                 const char *fmt, ...)
{
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    va_list ap;
    va_start(ap, fmt);
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", name);
    ctx->diag->line = line;
    diag_setv(ctx->diag, TALLY_ERROR_DATA, fmt, ap);
    va_end(ap);
    return TALLY_ERROR_DATA;
}

static enum linkedin_kind kind_from_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[128];
    size_t n = 0;
    for (const char *p = base; *p && n < sizeof(name) - 1; p++)
        if (*p != ' ' && *p != '_')
            name[n++] = (char)tolower((unsigned char)*p);
    name[n] = '\0';
    if (n < 4 || strcmp(name + n - 4, ".csv") != 0)
        return KIND_NONE;
    name[n - 4] = '\0';
    for (int i = 0; linkedin_files[i].name; i++) {
        const char *want = linkedin_files[i].name;
        size_t wn = strlen(want);
        if (want[wn - 1] == '*' ? strncmp(name, want, wn - 1) == 0 : strcmp(name, want) == 0)
            return linkedin_files[i].kind;
    }
    return KIND_NONE;
}

static enum linkedin_kind kind_from_header(const struct csv_record *rec)
{
    for (int i = 0; linkedin_files[i].name; i++) {
        int all = 1;
        for (int k = 0; k < 4 && linkedin_files[i].required[k] && all; k++)
            all = csv_find_field(rec, linkedin_files[i].required[k]) >= 0;
        if (all)
            return linkedin_files[i].kind;
    }
    return KIND_NONE;
}

/* UTF-8 text of a file's bytes: UTF-16 (with a byte-order mark, or recognised by its NUL
 * bytes) converted, Windows-1252 converted when not valid UTF-8. NULL if UTF-16 is broken. */
static char *decode_text(const char *data, size_t len, size_t *out_len)
{
    const char *from = NULL;
    size_t skip = 0;
    if (len >= 2 && (unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe)
        from = "UTF-16LE", skip = 2;
    else if (len >= 2 && (unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff)
        from = "UTF-16BE", skip = 2;
    else if (len >= 4 && data[0] && !data[1] && data[2] && !data[3])
        from = "UTF-16LE";
    else if (len >= 4 && !data[0] && data[1] && !data[2] && data[3])
        from = "UTF-16BE";
    if (from) {
        gsize written = 0;
        gchar *utf8 = g_convert(data + skip, (gssize)((len - skip) & ~(size_t)1), "UTF-8",
                                from, NULL, &written, NULL);
        if (!utf8)
            return NULL;
        char *out = xstrndup(utf8, written);
        g_free(utf8);
        *out_len = written;
        return out;
    }
    char *out = utf8_is_valid(data, len) ? xstrndup(data, len) : cp1252_to_utf8(data, len);
    *out_len = strlen(out);
    return out;
}

/* ',' or a tab, whichever the first line has more of outside quotes. */
/* Tab or comma, from the first of the first lines with either outside quotes (the
 * "Notes:" preamble of Connections.csv has neither). */
static char sniff_delimiter(const char *text, size_t len)
{
    int commas = 0, tabs = 0, quoted = 0, lines = 0;
    for (size_t i = 0; i < len && lines < 8; i++) {
        if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == ',')
            commas++;
        else if (!quoted && text[i] == '\t')
            tabs++;
        else if (!quoted && text[i] == '\n' && (lines++, commas || tabs))
            break;
    }
    return tabs > commas ? '\t' : ',';
}

/* ---- one record of each kind ---- */

struct row_ctx {
    struct linkedin_state *s;
    const char *name;           /* for diagnostics */
    const struct csv_record *header;
    const struct csv_record *rec;
};

static char *col(const struct row_ctx *r, const char *name)
{
    return csv_field(r->rec, csv_find_field(r->header, name));
}

/* A date-time column as unix seconds; 0 when empty. -1 with an error when unreadable. */
static int col_time(const struct row_ctx *r, const char *name, int64_t *out,
                    enum tally_error *err)
{
    const char *v = col(r, name);
    struct when w;
    *out = 0;
    if (!v)
        return 0;
    if (when_parse(v, DATE_MDY, &w) < 0 || !w.day) {
        *err = bad_line(r->s->ctx, r->name, r->rec->line, "cannot read the %s \"%.40s\" "
                        "(a date such as \"8/26/22, 8:56 PM\" or \"2022-08-20 11:00:00 UTC\" "
                        "expected)", name, v);
        return -1;
    }
    *out = when_to_unix(&w, r->s->zone);
    return 0;
}

/* A date column as "YYYY-MM-DD" (or "YYYY-MM" when month_only); NULL when empty. */
static int col_date(const struct row_ctx *r, const char *name, int month_only,
                    char out[16], const char **value, enum tally_error *err)
{
    const char *v = col(r, name);
    struct when w;
    *value = NULL;
    if (!v)
        return 0;
    if (when_parse(v, DATE_MDY, &w) < 0 || (!month_only && !w.day)) {
        *err = bad_line(r->s->ctx, r->name, r->rec->line, "cannot read the %s \"%.40s\" (a "
                        "date such as \"%s\" expected)", name, v,
                        month_only ? "Aug 2022" : "22 Dec 2025");
        return -1;
    }
    if (month_only)
        w.day = 0;
    when_format_date(&w, out, 16);
    *value = out;
    return 0;
}

static enum tally_error store_record(const struct row_ctx *r, enum linkedin_kind kind)
{
    struct store *store = r->s->ctx->store;
    enum tally_error err = TALLY_OK, db = TALLY_OK;
    char d1[16], d2[16];

    switch (kind) {
    case KIND_CONNECTIONS: {
        struct linkedin_connection_record rec = {
            .first_name = col(r, "First Name"), .last_name = col(r, "Last Name"),
            .url = col(r, "URL"), .email = col(r, "Email Address"),
            .company = col(r, "Company"), .position = col(r, "Position") };
        if (col_date(r, "Connected On", 0, d1, &rec.connected_on, &err) < 0)
            return err;
        db = store_add_linkedin_connection(store, &rec);
        break;
    }
    case KIND_INVITATIONS: {
        struct linkedin_invitation_record rec = {
            .sender = col(r, "From"), .recipient = col(r, "To"),
            .direction = col(r, "Direction"), .message = col(r, "Message") };
        if (col_time(r, "Sent At", &rec.sent_at, &err) < 0)
            return err;
        db = store_add_linkedin_invitation(store, &rec);
        break;
    }
    case KIND_MESSAGES: {
        struct linkedin_message_record rec = {
            .conversation_id = col(r, "CONVERSATION ID"),
            .conversation_title = col(r, "CONVERSATION TITLE"), .sender = col(r, "FROM"),
            .sender_url = col(r, "SENDER PROFILE URL"), .recipients = col(r, "TO"),
            .recipient_urls = col(r, "RECIPIENT PROFILE URLS"), .subject = col(r, "SUBJECT"),
            .content = col(r, "CONTENT"), .folder = col(r, "FOLDER") };
        if (col_time(r, "DATE", &rec.sent_at, &err) < 0)
            return err;
        db = store_add_linkedin_message(store, &rec);
        break;
    }
    case KIND_POSITIONS: {
        struct linkedin_position_record rec = {
            .company = col(r, "Company Name"), .title = col(r, "Title"),
            .description = col(r, "Description"), .location = col(r, "Location") };
        if (col_date(r, "Started On", 1, d1, &rec.started_on, &err) < 0 ||
            col_date(r, "Finished On", 1, d2, &rec.finished_on, &err) < 0)
            return err;
        db = store_add_linkedin_position(store, &rec);
        break;
    }
    case KIND_APPLICATIONS:
    case KIND_SAVED_JOBS: {
        int applied = kind == KIND_APPLICATIONS;
        struct linkedin_job_record rec = {
            .kind = applied ? "applied" : "saved", .company = col(r, "Company Name"),
            .title = col(r, "Job Title"), .url = col(r, "Job Url"),
            .contact_email = col(r, "Contact Email") };
        if (col_time(r, applied ? "Application Date" : "Saved Date", &rec.at, &err) < 0)
            return err;
        db = store_add_linkedin_job(store, &rec);
        break;
    }
    case KIND_FOLLOWS: {
        struct linkedin_follow_record rec = { .organization = col(r, "Organization") };
        if (col_time(r, "Followed On", &rec.followed_at, &err) < 0)
            return err;
        db = store_add_linkedin_follow(store, &rec);
        break;
    }
    case KIND_ACCOUNT: {
        struct linkedin_account_record rec = { .event = col(r, "Event") };
        if (col_time(r, "Time", &rec.at, &err) < 0)
            return err;
        db = store_add_linkedin_account(store, &rec);
        break;
    }
    case KIND_STATS: {
        struct linkedin_stat_record rec = { .metric = col(r, "metric") };
        struct when w;
        const char *day = col(r, "date"), *value = col(r, "value");
        char clean[64], *end;
        size_t n = 0;
        if (!day || when_parse(day, DATE_MDY, &w) < 0 || !w.day || w.has_time)
            return bad_line(r->s->ctx, r->name, r->rec->line, "cannot read the date \"%.40s\" "
                            "(YYYY-MM-DD expected)", day ? day : "");
        if (!rec.metric)
            return bad_line(r->s->ctx, r->name, r->rec->line, "no metric name");
        for (const char *p = value; p && *p && n < sizeof(clean) - 1; p++)
            if (*p != ',')
                clean[n++] = *p;
        clean[n] = '\0';
        rec.value = strtod(clean, &end);
        if (!value || n == 0 || *end)
            return bad_line(r->s->ctx, r->name, r->rec->line, "cannot read the value "
                            "\"%.40s\" (a number expected)", value ? value : "");
        when_format_date(&w, d1, sizeof(d1));
        rec.day = d1;
        db = store_add_linkedin_stat(store, &rec);
        break;
    }
    case KIND_NONE:
        break;
    }
    if (db)
        return store_fail(store, r->s->ctx->diag, "cannot store a LinkedIn record");
    return TALLY_OK;
}

/* Reads one CSV file held in memory. `expected` is the kind its name says (KIND_NONE: tell
 * by the header). */
static enum tally_error read_file(struct linkedin_state *s, const char *name,
                                  const char *bytes, size_t len, enum linkedin_kind expected)
{
    struct import_ctx *ctx = s->ctx;
    size_t text_len;
    char *text = decode_text(bytes, len, &text_len);
    struct csv_reader *csv = NULL;
    struct csv_record header = { 0 }, rec;
    char **header_copy = NULL;
    enum linkedin_kind kind = KIND_NONE;
    enum tally_error err = TALLY_OK;
    int rc, ncols = 0;

    if (!text) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", name);
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "not valid UTF-16 text");
    }
    csv = csv_open_memory(text, text_len, sniff_delimiter(text, text_len), name);
    for (int i = 0; i <= LINKEDIN_MAX_PREAMBLE; i++) {
        rc = csv_next(csv, &rec, ctx->diag);
        if (rc <= 0)
            break;
        if (expected == KIND_STATS) {
            if (csv_find_field(&rec, "date") >= 0 && csv_find_field(&rec, "metric") >= 0 &&
                csv_find_field(&rec, "value") >= 0)
                kind = KIND_STATS;
        } else {
            kind = kind_from_header(&rec);
        }
        if (kind != KIND_NONE)
            break;
    }
    if (rc < 0) {
        err = TALLY_ERROR_DATA;
        goto done;
    }
    if (kind == KIND_NONE || (expected != KIND_NONE && kind != expected)) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", name);
        ctx->diag->line = rc > 0 ? rec.line : 1;
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, expected == KIND_STATS
                       ? "a header line \"date,metric,value\" expected"
                       : "no header line of a LinkedIn export file (such as \"First Name,Last "
                         "Name,...,Connected On\") in the first lines");
        goto done;
    }
    /* The header's fields live in the reader until the next record: keep a copy. */
    ncols = rec.nfields;
    header_copy = xcalloc((size_t)ncols, sizeof(char *));
    for (int i = 0; i < ncols; i++)
        header_copy[i] = xstrdup(rec.fields[i]);
    header.nfields = ncols;
    header.fields = header_copy;
    header.line = rec.line;

    while ((rc = csv_next(csv, &rec, ctx->diag)) > 0) {
        if (rec.nfields == 1 && !csv_field(&rec, 0))
            continue;                   /* a blank line */
        if (rec.nfields != ncols) {
            if ((err = bad_line(ctx, name, rec.line, "%d fields where the header has %d",
                                rec.nfields, ncols)) != TALLY_OK)
                goto done;
            continue;
        }
        struct row_ctx r = { .s = s, .name = name, .header = &header, .rec = &rec };
        if ((err = store_record(&r, kind)) != TALLY_OK)
            goto done;
        import_progress(ctx);
    }
    if (rc < 0) {
        err = TALLY_ERROR_DATA;
        goto done;
    }
    if (csv_cut_off(csv))
        import_warn(ctx, "%s: the file ends inside a quoted field; the last record was left "
                    "out", name);

done:
    for (int i = 0; i < ncols; i++)
        free(header_copy[i]);
    free(header_copy);
    csv_close(csv);
    free(text);
    return err;
}

/* ---- the zip, read through libarchive from the input stream ---- */

static la_ssize_t zip_read(struct archive *a, void *data, const void **buffer)
{
    struct linkedin_state *s = data;
    long n = input_read(s->ctx->in, s->buf, sizeof(s->buf), s->ctx->diag);
    if (n < 0) {
        archive_set_error(a, EIO, "%s", s->ctx->diag->message);
        return -1;
    }
    *buffer = s->buf;
    return n;
}

static enum tally_error read_entry(struct linkedin_state *s, struct archive *a,
                                   struct strbuf *sb, const char *name)
{
    char chunk[65536];
    strbuf_reset(sb);
    for (;;) {
        la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
        if (n < 0) {
            snprintf(s->ctx->diag->file, sizeof(s->ctx->diag->file), "%s", name);
            return diag_set(s->ctx->diag, TALLY_ERROR_DATA, "cannot read from the zip: %s",
                            archive_error_string(a) ? archive_error_string(a) : "error");
        }
        if (n == 0)
            return TALLY_OK;
        if (sb->len + (size_t)n > LINKEDIN_MAX_FILE) {
            snprintf(s->ctx->diag->file, sizeof(s->ctx->diag->file), "%s", name);
            return diag_set(s->ctx->diag, TALLY_ERROR_LIMIT, "a file larger than %llu MiB",
                            LINKEDIN_MAX_FILE >> 20);
        }
        strbuf_add(sb, chunk, (size_t)n);
    }
}

static enum tally_error read_zip(struct linkedin_state *s)
{
    struct import_ctx *ctx = s->ctx;
    struct archive *a = archive_read_new();
    struct archive_entry *entry;
    struct strbuf data;
    enum tally_error err = TALLY_OK;
    int files = 0, rc;

    strbuf_init(&data);
    archive_read_support_format_zip(a);
    if (archive_read_open(a, s, NULL, zip_read, NULL) != ARCHIVE_OK) {
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, "not a zip archive LinkedIn wrote: %s",
                       archive_error_string(a) ? archive_error_string(a) : "unreadable");
        goto done;
    }
    while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
        const char *path = archive_entry_pathname(entry);
        if (!path || archive_entry_filetype(entry) != AE_IFREG || strstr(path, "__MACOSX"))
            continue;
        enum linkedin_kind kind = kind_from_name(path);
        if (kind == KIND_NONE)
            continue;
        char *name = xasprintf("%s:%s", input_path(ctx->in), path);
        err = read_entry(s, a, &data, name);
        if (!err)
            err = read_file(s, name, data.buf, data.len, kind);
        free(name);
        if (err)
            goto done;
        files++;
    }
    if (rc != ARCHIVE_EOF) {
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, "cannot read the zip: %s",
                       archive_error_string(a) ? archive_error_string(a) : "damaged");
        goto done;
    }
    if (files == 0)
        err = diag_set(ctx->diag, TALLY_ERROR_DATA, "no LinkedIn export files "
                       "(Connections.csv, messages.csv, ...) in this zip");

done:
    archive_read_free(a);
    strbuf_release(&data);
    return err;
}

static enum tally_error run_kind(struct import_ctx *ctx, enum linkedin_kind expected)
{
    struct linkedin_state *s = xcalloc(1, sizeof(*s));
    enum tally_error err;
    s->ctx = ctx;
    s->zone = personal_zone(ctx->opt->tz);
    if (!s->zone) {
        err = diag_set(ctx->diag, TALLY_ERROR_USAGE, "unknown time zone '%s' (--tz wants an "
                       "IANA name such as Europe/Berlin)", ctx->opt->tz);
        goto done;
    }
    size_t len;
    const unsigned char *head = input_head(ctx->in, &len);
    if (expected != KIND_STATS && len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
        err = read_zip(s);
    } else {
        struct strbuf sb;
        strbuf_init(&sb);
        err = import_read_whole(ctx, &sb, LINKEDIN_MAX_FILE, "file");
        if (!err)
            err = read_file(s, input_path(ctx->in), sb.buf, sb.len, expected);
        strbuf_release(&sb);
    }
done:
    free(s);
    return err;
}

static enum tally_error linkedin_run(struct import_ctx *ctx)
{
    return run_kind(ctx, KIND_NONE);
}

static enum tally_error linkedin_stats_run(struct import_ctx *ctx)
{
    return run_kind(ctx, KIND_STATS);
}

/* The first line of head as ASCII (UTF-16, with a byte-order mark or told by its NUL
 * bytes, reduced to its low bytes), lower case, quotes dropped and tabs read as commas. */
static void first_line(const unsigned char *head, size_t len, char *out, size_t size)
{
    size_t i = 0, step = 1, o = 0;
    if (len >= 2 && head[0] == 0xff && head[1] == 0xfe)
        i = 2, step = 2;
    else if (len >= 2 && head[0] == 0xfe && head[1] == 0xff)
        i = 3, step = 2;
    else if (len >= 4 && head[0] && !head[1] && head[2] && !head[3])
        i = 0, step = 2;
    else if (len >= 4 && !head[0] && head[1] && !head[2] && head[3])
        i = 1, step = 2;
    else if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    for (; i < len && o < size - 1 && head[i] != '\n'; i += step)
        if (head[i] == '\t')
            out[o++] = ',';
        else if (head[i] != '\r' && head[i] != '"')
            out[o++] = (char)tolower(head[i]);
    out[o] = '\0';
}

static int linkedin_sniff(const unsigned char *head, size_t len, const char *path)
{
    static const char *const headers[] = {
        "first name,last name,", "from,to,sent at", "conversation id,",
        "from,to,date,subject,content", "company name,title,description", "application date,",
        "saved date,", "organization,followed on", "time,event", NULL };
    char line[512];
    size_t plen = path ? strlen(path) : 0;
    if (len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)
        return plen > 4 && strcasecmp(path + plen - 4, ".zip") == 0 ? 60 : 40;
    first_line(head, len, line, sizeof(line));
    if (strcmp(line, "notes:") == 0)
        return 90;
    for (int i = 0; headers[i]; i++)
        if (strncmp(line, headers[i], strlen(headers[i])) == 0)
            return 85;
    return 0;
}

static int linkedin_stats_sniff(const unsigned char *head, size_t len, const char *path)
{
    char line[512];
    (void)path;
    first_line(head, len, line, sizeof(line));
    return strcmp(line, "date,metric,value") == 0 ? 90 : 0;
}

const struct importer importer_linkedin = {
    .name = "linkedin",
    .description = "LinkedIn data export: the .zip, or one of its CSV files (Connections, "
                   "messages, Invitations, Positions, job applications, ...)",
    .sniff = linkedin_sniff,
    .run = linkedin_run,
    .reads = IMPORTER_READS_TZ,
};

const struct importer importer_linkedin_stats = {
    .name = "linkedin-stats",
    .description = "your own LinkedIn numbers: a CSV with the header date,metric,value",
    .sniff = linkedin_stats_sniff,
    .run = linkedin_stats_run,
};
