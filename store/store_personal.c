/* store_personal.c: the tables calendar and LinkedIn imports write. Calendar events are
 * kept one row per occurrence (recurrences already expanded) with their attendees in a
 * table of their own; LinkedIn files each get a table named after what they hold. */
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
    { 1, personal_v1 },
    { 0, NULL }
};

const struct store_part store_part_personal = {
    .name = "personal", .migrations = personal_migrations, .tables = personal_tables
};

static void bind_time(sqlite3_stmt *stmt, int index, int64_t t)
{
    if (t)
        sqlite3_bind_int64(stmt, index, t);
    else
        sqlite3_bind_null(stmt, index);
}

static enum tally_error add_attendees(struct store *store, int64_t event_id,
                                      const struct event_record *rec)
{
    static const char sql[] =
        "INSERT INTO event_attendee (source_id, event_id, email, name, role, partstat) "
        "VALUES (?,?,?,?,?,?)";
    for (int i = 0; i < rec->nattendees; i++) {
        const struct attendee_record *a = &rec->attendees[i];
        sqlite3_stmt *stmt = store_statement(store, sql);
        if (!stmt)
            return TALLY_ERROR_DATABASE;
        sqlite3_bind_int64(stmt, 1, store->source_id);
        sqlite3_bind_int64(stmt, 2, event_id);
        store_bind_text(stmt, 3, a->email);
        store_bind_text(stmt, 4, a->name);
        store_bind_text(stmt, 5, a->role);
        store_bind_text(stmt, 6, a->partstat);
        if (store_step_done(stmt))
            return TALLY_ERROR_DATABASE;
    }
    return TALLY_OK;
}

enum tally_error store_add_event(struct store *store, const struct event_record *rec)
{
    static const char sql[] =
        "INSERT INTO event (source_id, uid, recurrence_id, start, end, all_day, status, free, "
        "declined, summary, location, description, conference_url, organizer, "
        "organizer_name, type) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->uid);
    bind_time(stmt, 3, rec->recurrence_id);
    sqlite3_bind_int64(stmt, 4, rec->start);
    sqlite3_bind_int64(stmt, 5, rec->end);
    sqlite3_bind_int(stmt, 6, rec->all_day != 0);
    store_bind_text(stmt, 7, rec->status);
    sqlite3_bind_int(stmt, 8, rec->free != 0);
    sqlite3_bind_int(stmt, 9, rec->declined != 0);
    store_bind_text(stmt, 10, rec->summary);
    store_bind_text(stmt, 11, rec->location);
    store_bind_text(stmt, 12, rec->description);
    store_bind_text(stmt, 13, rec->conference_url);
    store_bind_text(stmt, 14, rec->organizer);
    store_bind_text(stmt, 15, rec->organizer_name);
    store_bind_text(stmt, 16, rec->type ? rec->type : "unknown");
    if (store_step_done(stmt))
        return TALLY_ERROR_DATABASE;
    store_count(store, "event", 1);
    return add_attendees(store, sqlite3_last_insert_rowid(store->db), rec);
}

enum tally_error store_add_linkedin_connection(struct store *store,
                                               const struct linkedin_connection_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_connection (source_id, first_name, last_name, url, email, "
        "company, position, connected_on) VALUES (?,?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->first_name);
    store_bind_text(stmt, 3, rec->last_name);
    store_bind_text(stmt, 4, rec->url);
    store_bind_text(stmt, 5, rec->email);
    store_bind_text(stmt, 6, rec->company);
    store_bind_text(stmt, 7, rec->position);
    store_bind_text(stmt, 8, rec->connected_on);
    store_count(store, "connection", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_invitation(struct store *store,
                                               const struct linkedin_invitation_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_invitation (source_id, sender, recipient, sent_at, direction, "
        "message) VALUES (?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->sender);
    store_bind_text(stmt, 3, rec->recipient);
    bind_time(stmt, 4, rec->sent_at);
    store_bind_text(stmt, 5, rec->direction);
    store_bind_text(stmt, 6, rec->message);
    store_count(store, "invitation", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_message(struct store *store,
                                            const struct linkedin_message_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_message (source_id, conversation_id, conversation_title, sender, "
        "sender_url, recipients, recipient_urls, sent_at, subject, content, folder) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->conversation_id);
    store_bind_text(stmt, 3, rec->conversation_title);
    store_bind_text(stmt, 4, rec->sender);
    store_bind_text(stmt, 5, rec->sender_url);
    store_bind_text(stmt, 6, rec->recipients);
    store_bind_text(stmt, 7, rec->recipient_urls);
    bind_time(stmt, 8, rec->sent_at);
    store_bind_text(stmt, 9, rec->subject);
    store_bind_text(stmt, 10, rec->content);
    store_bind_text(stmt, 11, rec->folder);
    store_count(store, "message", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_position(struct store *store,
                                             const struct linkedin_position_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_position (source_id, company, title, description, location, "
        "started_on, finished_on) VALUES (?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->company);
    store_bind_text(stmt, 3, rec->title);
    store_bind_text(stmt, 4, rec->description);
    store_bind_text(stmt, 5, rec->location);
    store_bind_text(stmt, 6, rec->started_on);
    store_bind_text(stmt, 7, rec->finished_on);
    store_count(store, "position", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_job(struct store *store,
                                        const struct linkedin_job_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_job (source_id, kind, at, company, title, url, contact_email) "
        "VALUES (?,?,?,?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->kind);
    bind_time(stmt, 3, rec->at);
    store_bind_text(stmt, 4, rec->company);
    store_bind_text(stmt, 5, rec->title);
    store_bind_text(stmt, 6, rec->url);
    store_bind_text(stmt, 7, rec->contact_email);
    store_count(store, rec->kind[0] == 'a' ? "application" : "saved_job", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_follow(struct store *store,
                                           const struct linkedin_follow_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_follow (source_id, organization, followed_at) VALUES (?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->organization);
    bind_time(stmt, 3, rec->followed_at);
    store_count(store, "follow", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_account(struct store *store,
                                            const struct linkedin_account_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_account (source_id, at, event) VALUES (?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    bind_time(stmt, 2, rec->at);
    store_bind_text(stmt, 3, rec->event);
    store_count(store, "account_event", 1);
    return store_step_done(stmt);
}

enum tally_error store_add_linkedin_stat(struct store *store,
                                         const struct linkedin_stat_record *rec)
{
    static const char sql[] =
        "INSERT INTO linkedin_stat (source_id, day, metric, value) VALUES (?,?,?,?)";
    sqlite3_stmt *stmt = store_statement(store, sql);
    if (!stmt)
        return TALLY_ERROR_DATABASE;
    sqlite3_bind_int64(stmt, 1, store->source_id);
    store_bind_text(stmt, 2, rec->day);
    store_bind_text(stmt, 3, rec->metric);
    sqlite3_bind_double(stmt, 4, rec->value);
    store_count(store, "stat", 1);
    return store_step_done(stmt);
}
