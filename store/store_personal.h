/* store_personal.h: records calendar and LinkedIn imports hand the store. Part of store.h;
 * include that instead.
 *
 * Instants are unix seconds (UTC); date-only values are text ("YYYY-MM-DD", "YYYY-MM").
 * Every string may be NULL; the store copies what it keeps. */
#ifndef TALLY_STORE_PERSONAL_H
#define TALLY_STORE_PERSONAL_H

#include <stdint.h>

struct store;

/* ---- calendars: one event row per occurrence ---- */

struct attendee_record {
    const char *email;          /* lower case, or NULL when only a name is known */
    const char *name;
    const char *role;           /* "req-participant", "opt-participant", "chair", ... */
    const char *partstat;       /* "accepted", "declined", "tentative", "needs-action", ... */
};

struct event_record {
    const char *uid;
    int64_t start, end;         /* unix seconds UTC, end exclusive; all-day events: 00:00 UTC
                                 * of the first day and of the day after the last */
    int all_day;
    int64_t recurrence_id;      /* start of the occurrence in its series, 0 = not recurring */
    const char *status;         /* "confirmed", "tentative", "cancelled" or NULL */
    int free;                   /* shown as free: not busy time */
    int declined;               /* the calendar's owner declined it */
    const char *summary;
    const char *location;
    const char *description;
    const char *conference_url;
    const char *organizer;      /* e-mail, lower case */
    const char *organizer_name;
    const char *type;           /* "video", "phone", "onsite", "unknown" */
    int nattendees;
    const struct attendee_record *attendees;
};
enum tally_error store_add_event(struct store *store, const struct event_record *rec);

/* ---- the LinkedIn data export ---- */

struct linkedin_connection_record {
    const char *first_name, *last_name, *url, *email, *company, *position;
    const char *connected_on;   /* "YYYY-MM-DD" */
};
enum tally_error store_add_linkedin_connection(struct store *store,
                                               const struct linkedin_connection_record *rec);

struct linkedin_invitation_record {
    const char *sender, *recipient, *direction, *message;   /* direction INCOMING/OUTGOING */
    int64_t sent_at;
};
enum tally_error store_add_linkedin_invitation(struct store *store,
                                               const struct linkedin_invitation_record *rec);

struct linkedin_message_record {
    const char *conversation_id, *conversation_title, *sender, *sender_url, *recipients,
        *recipient_urls, *subject, *content, *folder;
    int64_t sent_at;
};
enum tally_error store_add_linkedin_message(struct store *store,
                                            const struct linkedin_message_record *rec);

struct linkedin_position_record {
    const char *company, *title, *description, *location;
    const char *started_on, *finished_on;   /* "YYYY-MM", NULL = current */
};
enum tally_error store_add_linkedin_position(struct store *store,
                                             const struct linkedin_position_record *rec);

/* A job applied for ("applied", Job Applications.csv) or saved ("saved", Saved Jobs.csv). */
struct linkedin_job_record {
    const char *kind;
    int64_t at;
    const char *company, *title, *url, *contact_email;
};
enum tally_error store_add_linkedin_job(struct store *store,
                                        const struct linkedin_job_record *rec);

struct linkedin_follow_record {
    const char *organization;
    int64_t followed_at;
};
enum tally_error store_add_linkedin_follow(struct store *store,
                                           const struct linkedin_follow_record *rec);

/* Account Status History.csv: account created, closed, ... */
struct linkedin_account_record {
    int64_t at;
    const char *event;
};
enum tally_error store_add_linkedin_account(struct store *store,
                                            const struct linkedin_account_record *rec);

/* A number the user noted (profile views, search appearances, ...) for one day. */
struct linkedin_stat_record {
    const char *day;            /* "YYYY-MM-DD" */
    const char *metric;
    double value;
};
enum tally_error store_add_linkedin_stat(struct store *store,
                                         const struct linkedin_stat_record *rec);

#endif
