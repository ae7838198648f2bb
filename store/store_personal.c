/* store_personal.c: the tables calendar and LinkedIn imports write, through the queued
 * rows of store_writer.c. Calendar events are kept one row per occurrence (recurrences
 * already expanded) with their attendees in a table of their own; LinkedIn files each get
 * a table named after what they hold, its rows described by a layout. */
#include "store/store_internal.h"

#include <stddef.h>

static const char personal_v1[] =
    "CREATE TABLE event (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source_id INTEGER NOT NULL,  -- source.id\n"
    "  uid TEXT,                    -- the calendar's UID (shared by a series' occurrences)\n"
    "  recurrence_id INTEGER,       -- unix seconds: the occurrence's start in its series\n"
    "  start INTEGER NOT NULL,      -- unix seconds UTC (all-day: 00:00 UTC of the day)\n"
    "  end INTEGER NOT NULL,        -- unix seconds UTC, exclusive\n"
    "  all_day INTEGER NOT NULL,    -- 1 = date-only event\n"
    "  status TEXT,                 -- confirmed, tentative, cancelled (NULL = not said)\n"
    "  free INTEGER NOT NULL,       -- 1 = shown as free (TRANSP:TRANSPARENT, BUSYSTATUS FREE)\n"
    "  declined INTEGER NOT NULL,   -- 1 = the owner (--owner) declined\n"
    "  summary TEXT,\n"
    "  location TEXT,\n"
    "  description TEXT,\n"
    "  conference_url TEXT,         -- video call link, if any\n"
    "  organizer TEXT,              -- e-mail, lower case\n"
    "  organizer_name TEXT,\n"
    "  type TEXT NOT NULL           -- video, phone, onsite, unknown\n"
    ");\n"
    "CREATE INDEX event_source ON event(source_id);\n"
    "CREATE INDEX event_start ON event(start);\n"
    "CREATE TABLE event_attendee (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  event_id INTEGER NOT NULL,   -- event.id\n"
    "  email TEXT,                  -- lower case; NULL when only a name is known\n"
    "  name TEXT,\n"
    "  role TEXT,                   -- req-participant, opt-participant, chair, ...\n"
    "  partstat TEXT                -- accepted, declined, tentative, needs-action, ...\n"
    ");\n"
    "CREATE INDEX event_attendee_event ON event_attendee(event_id);\n"
    "-- The events the time-spent analyses count (a 0-minute event is a reminder).\n"
    "CREATE VIEW meeting AS SELECT * FROM event WHERE all_day = 0 AND free = 0 AND "
    "declined = 0 AND COALESCE(status, '') <> 'cancelled' AND \"end\" > start;\n"
    "CREATE TABLE linkedin_connection (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  first_name TEXT, last_name TEXT, url TEXT, email TEXT, company TEXT, position TEXT,\n"
    "  connected_on TEXT            -- YYYY-MM-DD\n"
    ");\n"
    "CREATE TABLE linkedin_invitation (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  sender TEXT, recipient TEXT,\n"
    "  sent_at INTEGER,             -- unix seconds\n"
    "  direction TEXT,              -- INCOMING, OUTGOING\n"
    "  message TEXT\n"
    ");\n"
    "CREATE TABLE linkedin_message (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  conversation_id TEXT, conversation_title TEXT,\n"
    "  sender TEXT, sender_url TEXT,\n"
    "  recipients TEXT, recipient_urls TEXT,\n"
    "  sent_at INTEGER,             -- unix seconds\n"
    "  subject TEXT, content TEXT,\n"
    "  folder TEXT                  -- INBOX, ARCHIVE, SPAM, ...\n"
    ");\n"
    "CREATE TABLE linkedin_position (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  company TEXT, title TEXT, description TEXT, location TEXT,\n"
    "  started_on TEXT,             -- YYYY-MM\n"
    "  finished_on TEXT             -- YYYY-MM, NULL = current\n"
    ");\n"
    "CREATE TABLE linkedin_job (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,          -- applied, saved\n"
    "  at INTEGER,                  -- unix seconds\n"
    "  company TEXT, title TEXT, url TEXT, contact_email TEXT\n"
    ");\n"
    "CREATE TABLE linkedin_follow (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  organization TEXT,\n"
    "  followed_at INTEGER          -- unix seconds\n"
    ");\n"
    "CREATE TABLE linkedin_account (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  at INTEGER,                  -- unix seconds\n"
    "  event TEXT\n"
    ");\n"
    "CREATE TABLE linkedin_stat (\n"
    "  source_id INTEGER NOT NULL,\n"
    "  day TEXT NOT NULL,           -- YYYY-MM-DD\n"
    "  metric TEXT NOT NULL,        -- profile_views, search_appearances, ...\n"
    "  value REAL NOT NULL\n"
    ");\n";

static const char *const personal_tables[] = {
    "event", "event_attendee", "linkedin_connection", "linkedin_invitation",
    "linkedin_message", "linkedin_position", "linkedin_job", "linkedin_follow",
    "linkedin_account", "linkedin_stat", NULL
};

static const struct store_migration personal_migrations[] = {
    { 1, personal_v1, NULL },
    { 0, NULL, NULL }
};

const struct store_part store_part_personal = {
    .name = "personal", .migrations = personal_migrations, .tables = personal_tables
};

/* ---- events ---- */

/* Events get their ids here (the next after the highest), so that their attendees can be
 * queued with them: the same ids SQLite would choose. */
static enum tally_error next_event_id(struct store *store, int64_t *id)
{
    if (store->next_event_id == 0) {
        sqlite3_stmt *stmt = store_statement(store, "SELECT COALESCE(MAX(id), 0) + 1 FROM event");
        if (!stmt || sqlite3_step(stmt) != SQLITE_ROW) {
            if (stmt)
                sqlite3_reset(stmt);
            return TALLY_ERROR_DATABASE;
        }
        store->next_event_id = sqlite3_column_int64(stmt, 0);
        sqlite3_reset(stmt);
    }
    *id = store->next_event_id++;
    return TALLY_OK;
}

enum tally_error store_add_event(struct store *store, const struct event_record *rec)
{
    static const char sql[] =
        "INSERT INTO event (id, source_id, uid, recurrence_id, start, end, all_day, status, "
        "free, declined, summary, location, description, conference_url, organizer, "
        "organizer_name, type) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    static const char attendee_sql[] =
        "INSERT INTO event_attendee (source_id, event_id, email, name, role, partstat) "
        "VALUES (?,?,?,?,?,?)";
    int64_t id;
    enum tally_error err;
    if ((err = next_event_id(store, &id)) || (err = store_row_begin(store, sql)))
        return err;
    store_row_int(store, 1, id);
    store_row_int(store, 2, store->source_id);
    store_row_text(store, 3, rec->uid);
    if (rec->recurrence_id)
        store_row_int(store, 4, rec->recurrence_id);
    store_row_int(store, 5, rec->start);
    store_row_int(store, 6, rec->end);
    store_row_int(store, 7, rec->all_day != 0);
    store_row_text(store, 8, rec->status);
    store_row_int(store, 9, rec->free != 0);
    store_row_int(store, 10, rec->declined != 0);
    store_row_text(store, 11, rec->summary);
    store_row_text(store, 12, rec->location);
    store_row_text(store, 13, rec->description);
    store_row_text(store, 14, rec->conference_url);
    store_row_text(store, 15, rec->organizer);
    store_row_text(store, 16, rec->organizer_name);
    store_row_text(store, 17, rec->type ? rec->type : "unknown");
    if ((err = store_row_end_counted(store, "event", 1)))
        return err;
    for (int i = 0; i < rec->nattendees && !err; i++) {
        const struct attendee_record *a = &rec->attendees[i];
        if ((err = store_row_begin(store, attendee_sql)))
            break;
        store_row_int(store, 1, store->source_id);
        store_row_int(store, 2, id);
        store_row_text(store, 3, a->email);
        store_row_text(store, 4, a->name);
        store_row_text(store, 5, a->role);
        store_row_text(store, 6, a->partstat);
        err = store_row_end(store);
    }
    return err;
}

/* ---- LinkedIn: one layout per record type, one function that queues any of them ---- */

enum field_type {
    FIELD_END,                  /* after the last field */
    FIELD_TEXT,                 /* const char *, NULL = NULL */
    FIELD_TIME,                 /* int64_t unix seconds, 0 = NULL */
    FIELD_REAL                  /* double */
};

struct field {
    enum field_type type;
    size_t offset;              /* in the record */
};

#define LAYOUT_FIELDS 12

/* An INSERT whose first parameter is source_id and whose others are the fields, in order. */
struct layout {
    const char *sql;
    struct field fields[LAYOUT_FIELDS];     /* ends with FIELD_END */
};

#define TEXT(type, member) { FIELD_TEXT, offsetof(type, member) }
#define TIME(type, member) { FIELD_TIME, offsetof(type, member) }
#define REAL(type, member) { FIELD_REAL, offsetof(type, member) }
#define LAYOUT(sql_text, ...) { .sql = sql_text, .fields = { __VA_ARGS__ } }

/* Queues rec (a record of layout's type) and counts it as `kind`. */
static enum tally_error add_record(struct store *store, const struct layout *layout,
                                   const void *rec, const char *kind)
{
    enum tally_error err = store_row_begin(store, layout->sql);
    if (err)
        return err;
    store_row_int(store, 1, store->source_id);
    for (int i = 0; i < LAYOUT_FIELDS && layout->fields[i].type != FIELD_END; i++) {
        const char *at = (const char *)rec + layout->fields[i].offset;
        int index = i + 2;
        switch (layout->fields[i].type) {
        case FIELD_TEXT:
            store_row_text(store, index, *(const char *const *)at);
            break;
        case FIELD_TIME:
            if (*(const int64_t *)at)
                store_row_int(store, index, *(const int64_t *)at);
            break;
        case FIELD_REAL:
            store_row_double(store, index, *(const double *)at);
            break;
        case FIELD_END:
            break;
        }
    }
    return store_row_end_counted(store, kind, 1);
}

#define CONNECTION struct linkedin_connection_record
static const struct layout connection_layout = LAYOUT(
    "INSERT INTO linkedin_connection (source_id, first_name, last_name, url, email, company, "
    "position, connected_on) VALUES (?,?,?,?,?,?,?,?)",
    TEXT(CONNECTION, first_name), TEXT(CONNECTION, last_name), TEXT(CONNECTION, url),
    TEXT(CONNECTION, email), TEXT(CONNECTION, company), TEXT(CONNECTION, position),
    TEXT(CONNECTION, connected_on));

#define INVITATION struct linkedin_invitation_record
static const struct layout invitation_layout = LAYOUT(
    "INSERT INTO linkedin_invitation (source_id, sender, recipient, sent_at, direction, "
    "message) VALUES (?,?,?,?,?,?)",
    TEXT(INVITATION, sender), TEXT(INVITATION, recipient), TIME(INVITATION, sent_at),
    TEXT(INVITATION, direction), TEXT(INVITATION, message));

#define MESSAGE struct linkedin_message_record
static const struct layout message_layout = LAYOUT(
    "INSERT INTO linkedin_message (source_id, conversation_id, conversation_title, sender, "
    "sender_url, recipients, recipient_urls, sent_at, subject, content, folder) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    TEXT(MESSAGE, conversation_id), TEXT(MESSAGE, conversation_title), TEXT(MESSAGE, sender),
    TEXT(MESSAGE, sender_url), TEXT(MESSAGE, recipients), TEXT(MESSAGE, recipient_urls),
    TIME(MESSAGE, sent_at), TEXT(MESSAGE, subject), TEXT(MESSAGE, content),
    TEXT(MESSAGE, folder));

#define POSITION struct linkedin_position_record
static const struct layout position_layout = LAYOUT(
    "INSERT INTO linkedin_position (source_id, company, title, description, location, "
    "started_on, finished_on) VALUES (?,?,?,?,?,?,?)",
    TEXT(POSITION, company), TEXT(POSITION, title), TEXT(POSITION, description),
    TEXT(POSITION, location), TEXT(POSITION, started_on), TEXT(POSITION, finished_on));

#define JOB struct linkedin_job_record
static const struct layout job_layout = LAYOUT(
    "INSERT INTO linkedin_job (source_id, kind, at, company, title, url, contact_email) "
    "VALUES (?,?,?,?,?,?,?)",
    TEXT(JOB, kind), TIME(JOB, at), TEXT(JOB, company), TEXT(JOB, title), TEXT(JOB, url),
    TEXT(JOB, contact_email));

#define FOLLOW struct linkedin_follow_record
static const struct layout follow_layout = LAYOUT(
    "INSERT INTO linkedin_follow (source_id, organization, followed_at) VALUES (?,?,?)",
    TEXT(FOLLOW, organization), TIME(FOLLOW, followed_at));

#define ACCOUNT struct linkedin_account_record
static const struct layout account_layout = LAYOUT(
    "INSERT INTO linkedin_account (source_id, at, event) VALUES (?,?,?)",
    TIME(ACCOUNT, at), TEXT(ACCOUNT, event));

#define STAT struct linkedin_stat_record
static const struct layout stat_layout = LAYOUT(
    "INSERT INTO linkedin_stat (source_id, day, metric, value) VALUES (?,?,?,?)",
    TEXT(STAT, day), TEXT(STAT, metric), REAL(STAT, value));

enum tally_error store_add_linkedin_connection(struct store *store, const CONNECTION *rec)
{
    return add_record(store, &connection_layout, rec, "connection");
}

enum tally_error store_add_linkedin_invitation(struct store *store, const INVITATION *rec)
{
    return add_record(store, &invitation_layout, rec, "invitation");
}

enum tally_error store_add_linkedin_message(struct store *store, const MESSAGE *rec)
{
    return add_record(store, &message_layout, rec, "message");
}

enum tally_error store_add_linkedin_position(struct store *store, const POSITION *rec)
{
    return add_record(store, &position_layout, rec, "position");
}

enum tally_error store_add_linkedin_job(struct store *store, const JOB *rec)
{
    return add_record(store, &job_layout, rec,
                      rec->kind[0] == 'a' ? "application" : "saved_job");
}

enum tally_error store_add_linkedin_follow(struct store *store, const FOLLOW *rec)
{
    return add_record(store, &follow_layout, rec, "follow");
}

enum tally_error store_add_linkedin_account(struct store *store, const ACCOUNT *rec)
{
    return add_record(store, &account_layout, rec, "account_event");
}

enum tally_error store_add_linkedin_stat(struct store *store, const STAT *rec)
{
    return add_record(store, &stat_layout, rec, "stat");
}
