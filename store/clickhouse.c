/* clickhouse.c: the store's ClickHouse backend: the URL, the HTTP client (libcurl), the
 * schema (plain MergeTree tables on one server; on a cluster, local tables on every listed
 * shard and a Distributed table over them sharded by address), rows sent in batches as
 * INSERT ... FORMAT TabSeparated, and imports and forgetting on it.
 *
 * An import counts once its source row exists: rows are written with their source id as
 * they come, the source row last, and every query reads only rows whose source row exists.
 * A failed or repeated import has its rows deleted (ALTER TABLE ... DELETE, waited for).
 * A capture file that goes on from the one before deletes the rows of that one it wrote
 * again (connections still open at its end, its probes) once it counts itself. */
#include "store/store_internal.h"
#include "store/clickhouse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The version of the ClickHouse schema, kept in the tally_schema table: 2 added the
 * capture tables, 3 keeps the bookkeeping on every server, not the first one only (an
 * older database gets what it lacks when opened). */
#define CH_SCHEMA_VERSION 3
#define CH_MAX_ENDPOINTS 64
/* A batch of rows is sent when it holds this many bytes. */
#define CH_BATCH_BYTES (4u << 20)
/* How long a deletion (a mutation) is waited for. */
#define CH_MUTATION_SECONDS 120

/* The row tables, each with a source_id column first; a batch per table during an import.
 * The scan tables start with the service: addr, ip4, ip6, proto, port. */
enum ch_table {
    CH_OBSERVATION, CH_BANNER, CH_HEADER,
    CH_CONN, CH_PROBE, CH_DNS, CH_SUMMARY,
    CH_NTABLES
};

#define CH_SERVICE_COLUMNS "addr String, ip4 Nullable(UInt32), ip6 Nullable(FixedString(16)), " \
    "proto String, port UInt16, "

static const struct {
    const char *name;
    const char *columns;        /* after source_id */
    const char *order;          /* the MergeTree's ORDER BY, after source_id */
    const char *shard;          /* the Distributed table's sharding key */
} ch_tables[CH_NTABLES] = {
    { "observation", CH_SERVICE_COLUMNS "status String, reason Nullable(String), "
      "ttl Nullable(Int32), seen Nullable(Int64)", "proto, port", "cityHash64(addr)" },
    { "banner", CH_SERVICE_COLUMNS "service String, banner String, seen Nullable(Int64)",
      "proto, port", "cityHash64(addr)" },
    { "http_header", CH_SERVICE_COLUMNS "name String, raw String, product String, "
      "version Nullable(String), seen Nullable(Int64)", "proto, port", "cityHash64(addr)" },
    /* The capture tables: SQLite's columns; conn_state, history, ended, the flags and a
     * DNS answer's optional parts Nullable as there. */
    { "conn", "proto String, orig String, orig_port UInt16, resp String, resp_port UInt16, "
      "first_seen Float64, last_seen Float64, orig_packets Int64, orig_bytes Int64, "
      "resp_packets Int64, resp_bytes Int64, orig_flags Nullable(UInt16), "
      "resp_flags Nullable(UInt16), conn_state Nullable(String), history Nullable(String), "
      "ended Nullable(String)", "proto, orig", "cityHash64(orig)" },
    { "probe", "proto String, scanner String, sport UInt16, dport UInt16, "
      "first_seen Float64, last_seen Float64, packets Int64, bytes Int64, "
      "destinations Int64, answered Int64", "scanner, dport", "cityHash64(scanner)" },
    /* seq: the answer's place in its import (SQLite's rowid order: the first CNAME of a
     * name is the one followed). */
    { "dns_answer", "seq UInt64, seen Int64, client String, server String, "
      "qname Nullable(String), qtype Nullable(String), rcode String, name Nullable(String), "
      "type Nullable(String), ttl Nullable(Int64), data Nullable(String)", "seq",
      "cityHash64(client)" },
    /* value: the number as text (reals in 17 digits, read back exactly) or the text. */
    { "capture_summary", "metric String, value String", "metric", "source_id" },
};

struct ch_endpoint {
    char *host;                 /* "host:port" */
    CURL *curl;
};

/* Why the last request failed, as far as moving to another server goes. */
enum ch_reach {
    CH_ANSWERED,                /* the server answered (perhaps with an error) */
    CH_NOT_CONNECTED,           /* no connection: nothing was sent */
    CH_CUT_OFF,                 /* the connection failed after it was made */
};

struct clickhouse {
    char *label;                /* clickhouse://[user@]hosts/db: for messages */
    char *user;
    char *password;             /* NULL: none */
    char *database;
    char *cluster;              /* NULL: one server, plain tables */
    int nendpoints;
    struct ch_endpoint endpoint[CH_MAX_ENDPOINTS];
    int home;                   /* the server queries go to while it answers */
    enum ch_reach reach;        /* of the last request */
    struct strbuf batch[CH_NTABLES];
    int sent;                   /* rows of the import under way reached a server */
    char *path, *format, *tag, *owner;      /* the import under way's source_info */
    size_t batch_bytes;         /* a batch is sent when it holds this much */
    unsigned long long dns_seq; /* the import's DNS answers so far */
    int64_t continued;          /* the capture source this import goes on from; 0: none */
    double closed_since;        /* and since when its connections closed still linger */
    char failure[512];          /* why the last request failed */
};

static int curl_users;

int clickhouse_is_url(const char *name)
{
    return name && strncmp(name, "clickhouse://", 13) == 0;
}

int store_is_clickhouse(const struct store *store)
{
    return store && store->clickhouse;
}

static int is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* ---- the URL and the password ---- */

static enum tally_error parse_url(struct clickhouse *ch, const char *url,
                                  struct tally_diag *diag)
{
    char *copy = xstrdup(url + 13), *hosts = copy, *query, *slash, *at;
    enum tally_error err = TALLY_OK;
    query = strchr(copy, '?');
    if (query)
        *query++ = '\0';
    slash = strchr(copy, '/');
    if (!slash || !is_name(slash + 1)) {
        err = diag_set(diag, TALLY_ERROR_USAGE, "a ClickHouse URL is clickhouse://[USER@]HOST:"
                       "PORT[,HOST:PORT...]/DATABASE[?cluster=NAME], with a database name "
                       "of letters, digits and '_'");
        goto done;
    }
    *slash = '\0';
    ch->database = xstrdup(slash + 1);
    at = strchr(copy, '@');
    if (at) {
        *at = '\0';
        if (strchr(copy, ':')) {
            err = diag_set(diag, TALLY_ERROR_USAGE, "a ClickHouse URL names no password: "
                           "put it in $TALLY_CLICKHOUSE_PASSWORD or in a file named by "
                           "$TALLY_CLICKHOUSE_PASSWORD_FILE");
            goto done;
        }
        ch->user = xstrdup(copy);
        hosts = at + 1;
    }
    if (!ch->user)
        ch->user = xstrdup("default");
    for (char *h = strtok(hosts, ","); h; h = strtok(NULL, ",")) {
        const char *colon = strrchr(h, ':');
        if (!colon || colon == h || !colon[1] || strspn(colon + 1, "0123456789") !=
                                                      strlen(colon + 1)) {
            err = diag_set(diag, TALLY_ERROR_USAGE, "ClickHouse server '%s': expected "
                           "HOST:PORT (the HTTP port, 8123 by default)", h);
            goto done;
        }
        if (ch->nendpoints == CH_MAX_ENDPOINTS) {
            err = diag_set(diag, TALLY_ERROR_LIMIT, "more than %d ClickHouse servers",
                           CH_MAX_ENDPOINTS);
            goto done;
        }
        ch->endpoint[ch->nendpoints++].host = xstrdup(h);
    }
    if (ch->nendpoints == 0) {
        err = diag_set(diag, TALLY_ERROR_USAGE, "a ClickHouse URL names at least one "
                       "HOST:PORT");
        goto done;
    }
    if (query) {
        if (strncmp(query, "cluster=", 8) != 0 || !is_name(query + 8)) {
            err = diag_set(diag, TALLY_ERROR_USAGE, "a ClickHouse URL takes ?cluster=NAME "
                           "(letters, digits and '_'), not '?%s'", query);
            goto done;
        }
        ch->cluster = xstrdup(query + 8);
    }
    if (ch->nendpoints > 1 && !ch->cluster)
        err = diag_set(diag, TALLY_ERROR_USAGE, "several ClickHouse servers: name their "
                       "cluster (as in the servers' remote_servers) with ?cluster=NAME");
    ch->label = xasprintf("clickhouse://%s%s%s/%s", at ? ch->user : "", at ? "@" : "",
                          ch->endpoint[0].host, ch->database);

done:
    free(copy);
    return err;
}

/* The password from $TALLY_CLICKHOUSE_PASSWORD, or the first line of the file
 * $TALLY_CLICKHOUSE_PASSWORD_FILE names; none when neither is set. */
static enum tally_error read_password(struct clickhouse *ch, struct tally_diag *diag)
{
    const char *value = getenv("TALLY_CLICKHOUSE_PASSWORD");
    const char *file = getenv("TALLY_CLICKHOUSE_PASSWORD_FILE");
    if (value && *value) {
        ch->password = xstrdup(value);
        return TALLY_OK;
    }
    if (!file || !*file)
        return TALLY_OK;
    FILE *f = fopen(file, "r");
    char line[1024];
    if (!f)
        return diag_set(diag, TALLY_ERROR_IO, "cannot read the ClickHouse password file "
                        "named by $TALLY_CLICKHOUSE_PASSWORD_FILE (%s)", file);
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    ch->password = xstrdup(line);
    memset(line, 0, sizeof(line));
    return TALLY_OK;
}

/* ---- HTTP ---- */

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    strbuf_add(arg, data, size * n);
    return size * n;
}

/* The server's words in an error answer: "Code: 60, e.displayText() = DB::Exception:
 * Table x doesn't exist., e.what() = DB::Exception" gives "Table x doesn't exist.". */
static void server_message(const char *body, char *out, size_t size)
{
    const char *start = strstr(body, "e.displayText() = ");
    const char *end;
    if (start) {
        start += 18;
        if (strncmp(start, "DB::Exception: ", 15) == 0)
            start += 15;
        end = strstr(start, ", e.what()");
    } else {
        start = body;
        end = NULL;
    }
    if (!end)
        end = start + strcspn(start, "\n");
    snprintf(out, size, "%.*s", (int)(end - start), start);
}

enum request_flags {
    REQ_DATABASE = 1,           /* in the database (not before it exists) */
    REQ_SYNC = 2,               /* an insert into a Distributed table: wait for every shard */
    REQ_READ = 4,               /* changes nothing: may be sent again to another server */
};

/* ClickHouse's words when a server holds a request up: a shard of the cluster that
 * cannot be reached (code 279, "All connection tries failed"), a full disk (errno 28). */
static void explain(struct clickhouse *ch, const struct ch_endpoint *ep, const char *body,
                    const char *message)
{
    const char *inner = strstr(body, "Code: 210,");
    const char *refused = inner ? strstr(inner, "NetException: ") : NULL;
    const char *full = strstr(body, "Cannot write to file ");
    if (strstr(body, "Code: 279,")) {
        refused = refused ? refused + 14 : "All connection tries failed";
        snprintf(ch->failure, sizeof(ch->failure), "the ClickHouse server %s cannot reach "
                 "a shard of the cluster on its TCP port: %.*s; every shard must answer for "
                 "a whole answer (is clickhouse-server running on each?)", ep->host,
                 (int)strcspn(refused, ",\n"), refused);
    } else if (strstr(body, "errno: 28,") || strstr(body, "No space left on device")) {
        /* "Received from HOST:TCPPORT. DB::ErrnoException..." when a shard said it. */
        const char *from = strstr(body, "Received from ");
        const char *end = from ? strstr(from, ". ") : NULL;
        char shard[128] = "";
        if (from && end)
            snprintf(shard, sizeof(shard), "the shard at %.*s (its TCP port): ",
                     (int)(end - from - 14), from + 14);
        snprintf(ch->failure, sizeof(ch->failure), "a ClickHouse server has no space left "
                 "on its disk (%s%.*s): free space there and try again", shard,
                 full ? (int)strcspn(full, ",") : (int)strlen(message), full ? full : message);
    } else {
        snprintf(ch->failure, sizeof(ch->failure), "the ClickHouse server %s answered: %s%s",
                 ep->host, message,
                 strstr(body, "Code: 193") || strstr(body, "Code: 192") ?
                     " (check the user in the URL and $TALLY_CLICKHOUSE_PASSWORD)" : "");
    }
}

/* Sends one request to endpoint e: `query` in the URL (an INSERT whose rows are the body)
 * or NULL (the body is the query). The answer goes to out when not NULL. On failure,
 * ch->failure says why. */
static int request(struct clickhouse *ch, int e, const char *query, const char *body,
                   size_t len, unsigned flags, struct strbuf *out)
{
    struct ch_endpoint *ep = &ch->endpoint[e];
    struct strbuf url, answer;
    long status = 0;
    int ok = 0;
    strbuf_init(&url);
    strbuf_init(&answer);
    if (!ep->curl && !(ep->curl = curl_easy_init())) {
        snprintf(ch->failure, sizeof(ch->failure), "cannot start an HTTP client");
        goto done;
    }
    CURL *curl = ep->curl;
    strbuf_addf(&url, "http://%s/?", ep->host);
    if (flags & REQ_DATABASE)
        strbuf_addf(&url, "database=%s&", ch->database);
    if (flags & REQ_SYNC)
        strbuf_addstr(&url, "insert_distributed_sync=1&");
    if (query) {
        char *escaped = curl_easy_escape(curl, query, 0);
        strbuf_addf(&url, "query=%s", escaped);
        curl_free(escaped);
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.buf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, ch->user);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, ch->password ? ch->password : "");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    CURLcode rc = curl_easy_perform(curl);
    strbuf_addch(&answer, '\0');
    answer.len--;
    ch->reach = CH_ANSWERED;
    if (rc != CURLE_OK) {
        ch->reach = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                    rc == CURLE_OPERATION_TIMEDOUT ? CH_NOT_CONNECTED : CH_CUT_OFF;
        snprintf(ch->failure, sizeof(ch->failure), "cannot reach the ClickHouse server %s: "
                 "%s (is clickhouse-server running there, on its HTTP port?)", ep->host,
                 curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        char message[400];
        server_message(answer.buf, message, sizeof(message));
        explain(ch, ep, status == 401 ? "Code: 193" : answer.buf, message);
        goto done;
    }
    if (out) {
        strbuf_reset(out);
        strbuf_add(out, answer.buf, answer.len);
    }
    ok = 1;

done:
    strbuf_release(&url);
    strbuf_release(&answer);
    return ok;
}

static enum tally_error fail(struct clickhouse *ch, struct tally_diag *diag, const char *what)
{
    return diag_set(diag, TALLY_ERROR_DATABASE, "%s: %s (database %s)", what, ch->failure,
                    ch->label);
}

/* Runs sql (no answer wanted) on endpoint e. */
static int run(struct clickhouse *ch, int e, const char *sql, unsigned flags)
{
    return request(ch, e, NULL, sql, strlen(sql), flags, NULL);
}

/* ch->failure when no listed server could be reached. */
static void all_away(struct clickhouse *ch)
{
    struct strbuf hosts;
    strbuf_init(&hosts);
    for (int e = 0; e < ch->nendpoints; e++)
        strbuf_addf(&hosts, "%s%s", e ? ", " : "", ch->endpoint[e].host);
    snprintf(ch->failure, sizeof(ch->failure), "cannot reach any of the ClickHouse servers "
             "%s (is clickhouse-server running there, on its HTTP port?)", hosts.buf);
    strbuf_release(&hosts);
}

/* A request any server answers (a read, an insert into a Distributed table) to the
 * server in use; when that one cannot be reached, to the next listed ones in turn (an
 * insert only when it was not sent), and the first that answers stays in use. */
static int ask(struct clickhouse *ch, const char *query, const char *body, size_t len,
               unsigned flags, struct strbuf *out)
{
    int n = ch->nendpoints;
    for (int i = 0; i < n; i++) {
        int e = (ch->home + i) % n;
        if (request(ch, e, query, body, len, flags, out)) {
            ch->home = e;
            return 1;
        }
        if (ch->reach == CH_ANSWERED || (ch->reach == CH_CUT_OFF && !(flags & REQ_READ)))
            return 0;
    }
    if (n > 1)
        all_away(ch);
    return 0;
}

/* Runs sql on every server, for the bookkeeping each keeps a copy of (source,
 * source_claim, tally_schema); stops at the first that fails. */
static int run_every(struct clickhouse *ch, const char *sql)
{
    for (int e = 0; e < ch->nendpoints; e++)
        if (!run(ch, e, sql, REQ_DATABASE))
            return 0;
    return 1;
}

/* The one number a read answers; -1 when it failed. */
static long long query_number(struct clickhouse *ch, const char *sql, unsigned flags)
{
    struct strbuf out;
    long long value = -1;
    strbuf_init(&out);
    if (ask(ch, NULL, sql, strlen(sql), flags | REQ_READ, &out))
        value = strtoll(out.buf ? out.buf : "", NULL, 10);
    strbuf_release(&out);
    return value;
}

/* ---- rows as TabSeparated ---- */

void clickhouse_quote(struct strbuf *sql, const char *text)
{
    strbuf_addch(sql, '\'');
    for (; *text; text++) {
        if (*text == '\'' || *text == '\\')
            strbuf_addch(sql, '\\');
        strbuf_addch(sql, *text);
    }
    strbuf_addch(sql, '\'');
}

static void tsv_bytes(struct strbuf *sb, const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (data[i]) {
        case '\\': strbuf_add(sb, "\\\\", 2); break;
        case '\t': strbuf_add(sb, "\\t", 2); break;
        case '\n': strbuf_add(sb, "\\n", 2); break;
        case '\r': strbuf_add(sb, "\\r", 2); break;
        case '\0': strbuf_add(sb, "\\0", 2); break;
        default: strbuf_addch(sb, data[i]);
        }
    }
}

/* A text field then a tab; NULL is \N. */
static void tsv_text(struct strbuf *sb, const char *text)
{
    if (text)
        tsv_bytes(sb, (const unsigned char *)text, strlen(text));
    else
        strbuf_add(sb, "\\N", 2);
    strbuf_addch(sb, '\t');
}

static void tsv_seen(struct strbuf *sb, int64_t seen)
{
    if (seen)
        strbuf_addf(sb, "%lld\n", (long long)seen);
    else
        strbuf_add(sb, "\\N\n", 3);
}

/* source_id, addr, ip4, ip6, proto, port: the columns every row table starts with. */
static void tsv_service(struct strbuf *sb, int64_t source, const struct ip_addr *addr,
                        const char *proto, unsigned port)
{
    char text[64];
    ip_format(addr, text, sizeof(text));
    strbuf_addf(sb, "%lld\t", (long long)source);
    tsv_text(sb, text);
    if (addr->family == 4) {
        strbuf_addf(sb, "%u\t\\N\t", (unsigned)ip_v4_value(addr));
    } else {
        strbuf_add(sb, "\\N\t", 3);
        tsv_bytes(sb, addr->bytes, 16);
        strbuf_addch(sb, '\t');
    }
    tsv_text(sb, proto);
    strbuf_addf(sb, "%u\t", port);
}

/* The table rows go to: on a cluster, the Distributed one. */
static int flush(struct clickhouse *ch, enum ch_table t)
{
    struct strbuf *b = &ch->batch[t];
    if (b->len == 0)
        return 1;
    char *query = xasprintf("INSERT INTO %s FORMAT TabSeparated", ch_tables[t].name);
    ch->sent = 1;
    int ok = ask(ch, query, b->buf, b->len, REQ_DATABASE | (ch->cluster ? REQ_SYNC : 0),
                 NULL);
    free(query);
    strbuf_reset(b);
    return ok;
}

static enum tally_error row_done(struct store *store, enum ch_table t, const char *kind)
{
    struct clickhouse *ch = store->clickhouse;
    if (ch->batch[t].len >= ch->batch_bytes && !flush(ch, t))
        return TALLY_ERROR_DATABASE;
    return store_count(store, kind, 1);
}

enum tally_error clickhouse_add_observation(struct store *store, const struct scan_record *rec)
{
    struct strbuf *b = &store->clickhouse->batch[CH_OBSERVATION];
    tsv_service(b, store->source_id, &rec->addr, rec->proto, rec->port);
    tsv_text(b, rec->status);
    tsv_text(b, rec->reason);
    if (rec->ttl >= 0)
        strbuf_addf(b, "%d\t", rec->ttl);
    else
        strbuf_add(b, "\\N\t", 3);
    tsv_seen(b, rec->seen);
    return row_done(store, CH_OBSERVATION, rec->status);
}

enum tally_error clickhouse_add_banner(struct store *store, const struct banner_record *rec)
{
    struct strbuf *b = &store->clickhouse->batch[CH_BANNER];
    tsv_service(b, store->source_id, &rec->addr, rec->proto, rec->port);
    tsv_text(b, rec->service);
    tsv_bytes(b, rec->data, rec->len);
    strbuf_addch(b, '\t');
    tsv_seen(b, rec->seen);
    return row_done(store, CH_BANNER, "banner");
}

enum tally_error clickhouse_add_header(struct store *store, const struct header_record *rec)
{
    struct strbuf *b = &store->clickhouse->batch[CH_HEADER];
    tsv_service(b, store->source_id, &rec->addr, rec->proto, rec->port);
    tsv_text(b, rec->name);
    tsv_text(b, rec->value);
    tsv_text(b, rec->product);
    tsv_text(b, rec->version);
    tsv_seen(b, rec->seen);
    return row_done(store, CH_HEADER, "header");
}

/* ---- captures ---- */

static void tsv_address(struct strbuf *sb, const struct ip_addr *addr)
{
    char text[64];
    ip_format(addr, text, sizeof(text));
    tsv_text(sb, text);
}

/* A real as 17 significant digits: what strtod reads back is the same double. */
static void tsv_real(struct strbuf *sb, double value)
{
    strbuf_addf(sb, "%.17g\t", value);
}

/* Ends a row whose last field was followed by a tab. */
static void tsv_end(struct strbuf *sb)
{
    sb->buf[sb->len - 1] = '\n';
}

enum tally_error clickhouse_add_conns(struct store *store, const struct conn_record *recs,
                                      size_t n)
{
    struct strbuf *b = &store->clickhouse->batch[CH_CONN];
    enum tally_error err;
    for (size_t i = 0; i < n; i++) {
        const struct conn_record *rec = &recs[i];
        int tcp = strcmp(rec->proto, "tcp") == 0;
        strbuf_addf(b, "%lld\t", (long long)store->source_id);
        tsv_text(b, rec->proto);
        tsv_address(b, &rec->orig);
        strbuf_addf(b, "%u\t", rec->orig_port);
        tsv_address(b, &rec->resp);
        strbuf_addf(b, "%u\t", rec->resp_port);
        tsv_real(b, rec->first_seen);
        tsv_real(b, rec->last_seen);
        strbuf_addf(b, "%lld\t%lld\t%lld\t%lld\t", rec->orig_packets, rec->orig_bytes,
                    rec->resp_packets, rec->resp_bytes);
        /* As SQLite keeps them: flags for TCP, the responder's once it sent something. */
        if (tcp)
            strbuf_addf(b, "%u\t", rec->orig_flags);
        else
            strbuf_add(b, "\\N\t", 3);
        if (tcp && rec->resp_packets > 0)
            strbuf_addf(b, "%u\t", rec->resp_flags);
        else
            strbuf_add(b, "\\N\t", 3);
        tsv_text(b, rec->conn_state);
        tsv_text(b, rec->history);
        tsv_text(b, rec->ended);
        tsv_end(b);
        if ((err = row_done(store, CH_CONN, "connection")))
            return err;
    }
    return TALLY_OK;
}

enum tally_error clickhouse_add_probe(struct store *store, const struct probe_record *rec)
{
    struct strbuf *b = &store->clickhouse->batch[CH_PROBE];
    strbuf_addf(b, "%lld\t", (long long)store->source_id);
    tsv_text(b, "tcp");
    tsv_address(b, &rec->scanner);
    strbuf_addf(b, "%u\t%u\t", rec->sport, rec->dport);
    tsv_real(b, rec->first_seen);
    tsv_real(b, rec->last_seen);
    strbuf_addf(b, "%lld\t%lld\t%lld\t%lld\n", rec->packets, rec->bytes,
                rec->destinations, rec->answered);
    return row_done(store, CH_PROBE, "probe");
}

enum tally_error clickhouse_add_dns(struct store *store, const struct dns_record *rec)
{
    struct clickhouse *ch = store->clickhouse;
    struct strbuf *b = &ch->batch[CH_DNS];
    strbuf_addf(b, "%lld\t%llu\t%lld\t", (long long)store->source_id, ++ch->dns_seq,
                (long long)rec->seen);
    tsv_address(b, &rec->client);
    tsv_address(b, &rec->server);
    tsv_text(b, rec->qname);
    tsv_text(b, rec->qtype);
    tsv_text(b, rec->rcode);
    tsv_text(b, rec->name);
    tsv_text(b, rec->type);
    if (rec->ttl >= 0)
        strbuf_addf(b, "%lld\t", rec->ttl);
    else
        strbuf_add(b, "\\N\t", 3);
    tsv_text(b, rec->data);
    tsv_end(b);
    return row_done(store, CH_DNS, "dns");
}

/* A capture_summary row; not counted as a record, as with SQLite. */
enum tally_error clickhouse_add_capture(struct store *store, const char *metric,
                                        const char *value)
{
    struct clickhouse *ch = store->clickhouse;
    struct strbuf *b = &ch->batch[CH_SUMMARY];
    strbuf_addf(b, "%lld\t", (long long)store->source_id);
    tsv_text(b, metric);
    tsv_text(b, value);
    tsv_end(b);
    if (b->len >= ch->batch_bytes && !flush(ch, CH_SUMMARY))
        return TALLY_ERROR_DATABASE;
    return TALLY_OK;
}

enum tally_error clickhouse_add_capture_int(struct store *store, const char *metric,
                                            long long value)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", value);
    return clickhouse_add_capture(store, metric, text);
}

enum tally_error clickhouse_add_capture_real(struct store *store, const char *metric,
                                             double value)
{
    char text[40];
    snprintf(text, sizeof(text), "%.17g", value);
    return clickhouse_add_capture(store, metric, text);
}

enum tally_error clickhouse_capture_continue(struct store *store, int64_t source_id,
                                             double closed_since)
{
    /* Nothing is deleted yet: the import that goes on deletes those rows of the earlier
     * one once its own count (clickhouse_import_commit). */
    store->clickhouse->continued = source_id;
    store->clickhouse->closed_since = closed_since;
    return TALLY_OK;
}

/* ---- reading ---- */

enum tally_error clickhouse_select(struct store *store, const char *sql,
                                   struct clickhouse_rows *rows, const char *what,
                                   struct tally_diag *diag)
{
    struct clickhouse *ch = store->clickhouse;
    char *query = xasprintf("%s FORMAT TabSeparated", sql);
    memset(rows, 0, sizeof(*rows));
    strbuf_init(&rows->text);
    int ok = ask(ch, NULL, query, strlen(query), REQ_DATABASE | REQ_READ, &rows->text);
    free(query);
    return ok ? TALLY_OK : fail(ch, diag, what);
}

/* Unescapes the field at s (ending at a tab, a newline or the end) in place; returns
 * where it ends, with *stop the character that ended it. */
static char *unescape_field(char *s, char **field, char *stop)
{
    char *w = s, *r = s;
    *field = s;
    if (r[0] == '\\' && r[1] == 'N' && (r[2] == '\t' || r[2] == '\n' || r[2] == '\0')) {
        *field = NULL;
        *stop = r[2];
        return r + 2;
    }
    while (*r && *r != '\t' && *r != '\n') {
        if (*r == '\\' && r[1]) {
            r++;
            switch (*r) {
            case 't': *w++ = '\t'; break;
            case 'n': *w++ = '\n'; break;
            case 'r': *w++ = '\r'; break;
            case '0': *w++ = '\0'; break;
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            default: *w++ = *r;
            }
            r++;
        } else {
            *w++ = *r++;
        }
    }
    *stop = *r;
    *w = '\0';
    return r;
}

int clickhouse_next_row(struct clickhouse_rows *rows)
{
    char *text = rows->text.buf;
    rows->nfields = 0;
    if (!text || rows->pos >= rows->text.len)
        return 0;
    char *p = text + rows->pos;
    for (;;) {
        char *field, stop, *end = unescape_field(p, &field, &stop);
        if (rows->nfields < CLICKHOUSE_MAX_FIELDS)
            rows->field[rows->nfields++] = field;
        if (stop == '\t') {
            p = end + 1;
            continue;
        }
        rows->pos = (size_t)(end - text) + (stop ? 1 : 0);
        return 1;
    }
}

void clickhouse_rows_release(struct clickhouse_rows *rows)
{
    strbuf_release(&rows->text);
    memset(rows, 0, sizeof(*rows));
}

/* ---- the schema ---- */

static char *row_table_sql(int t, const char *name)
{
    return xasprintf("CREATE TABLE IF NOT EXISTS %s (source_id UInt64, %s) ENGINE = MergeTree "
                     "ORDER BY (source_id, %s)", name, ch_tables[t].columns,
                     ch_tables[t].order);
}

/* The bookkeeping every server keeps whole, so that any of them answers a read: the
 * sources, the id claims and, written last, the schema version. */
static const char *const ch_bookkeeping[] = {
    "CREATE TABLE IF NOT EXISTS source (id UInt64, path String, format String, "
    "tag Nullable(String), owner Nullable(String), bytes Int64, sha256 String, "
    "imported_at String, seconds Float64, records Int64, skipped Int64, counts String) "
    "ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE IF NOT EXISTS source_claim (id UInt64, token String) "
    "ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE IF NOT EXISTS tally_schema (version UInt32) ENGINE = TinyLog",
};

/* Creates what endpoint e lacks: the row tables (on a cluster, local ones and a
 * Distributed one over every shard's, sharded by address), then the bookkeeping. */
static int create_tables(struct clickhouse *ch, int e)
{
    for (int t = 0; t < CH_NTABLES; t++) {
        char *local = xasprintf("%s%s", ch_tables[t].name, ch->cluster ? "_local" : "");
        char *sql = row_table_sql(t, local);
        int ok = run(ch, e, sql, REQ_DATABASE);
        free(sql);
        if (ok && ch->cluster) {
            sql = xasprintf("CREATE TABLE IF NOT EXISTS %s AS %s ENGINE = "
                            "Distributed(%s, %s, %s, %s)", ch_tables[t].name, local,
                            ch->cluster, ch->database, local, ch_tables[t].shard);
            ok = run(ch, e, sql, REQ_DATABASE);
            free(sql);
        }
        free(local);
        if (!ok)
            return 0;
    }
    for (size_t i = 0; i < sizeof(ch_bookkeeping) / sizeof(ch_bookkeeping[0]); i++)
        if (!run(ch, e, ch_bookkeeping[i], REQ_DATABASE))
            return 0;
    return 1;
}

/* Endpoint e's copy of the bookkeeping becomes endpoint from's: its own (none, or one
 * left by an older tally, which kept it on the first server only) is dropped first. */
static int copy_bookkeeping(struct clickhouse *ch, int from, int e)
{
    static const char *const tables[] = { "source", "source_claim" };   /* as made there */
    struct strbuf rows;
    int ok = 1;
    strbuf_init(&rows);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && ok; i++) {
        char *sql = xasprintf("SELECT * FROM %s FORMAT TabSeparated", tables[i]);
        ok = request(ch, from, NULL, sql, strlen(sql), REQ_DATABASE, &rows);
        free(sql);
        sql = xasprintf("DROP TABLE IF EXISTS %s", tables[i]);
        ok = ok && run(ch, e, sql, REQ_DATABASE) && run(ch, e, ch_bookkeeping[i],
                                                        REQ_DATABASE);
        free(sql);
        if (ok && rows.len > 0) {
            sql = xasprintf("INSERT INTO %s FORMAT TabSeparated", tables[i]);
            ok = request(ch, e, sql, rows.buf, rows.len, REQ_DATABASE, NULL);
            free(sql);
        }
    }
    strbuf_release(&rows);
    return ok;
}

/* Endpoint e's schema version: 0 when it has none, -1 when it was not asked (ch->reach
 * says whether it answered). */
static long long server_version(struct clickhouse *ch, int e)
{
    struct strbuf sql, out;
    long long version = -1;
    strbuf_init(&sql);
    strbuf_init(&out);
    strbuf_addstr(&sql, "SELECT count() FROM system.tables WHERE name = 'tally_schema' AND "
                  "database = ");
    clickhouse_quote(&sql, ch->database);
    if (request(ch, e, NULL, sql.buf, sql.len, 0, &out)) {
        version = 0;
        if (strtoll(out.buf ? out.buf : "0", NULL, 10) > 0) {
            const char *max = "SELECT max(version) FROM tally_schema";
            version = request(ch, e, NULL, max, strlen(max), REQ_DATABASE, &out) ?
                      strtoll(out.buf ? out.buf : "", NULL, 10) : -1;
        }
    }
    strbuf_release(&sql);
    strbuf_release(&out);
    return version;
}

/* Checks (and in read-write mode makes) the schema. Reading needs one server that
 * answers with the whole schema (the first listed); changing anything, every server. */
static enum tally_error open_schema(struct clickhouse *ch, enum store_mode mode,
                                    struct tally_diag *diag)
{
    long long version[CH_MAX_ENDPOINTS];
    char away[sizeof(ch->failure)] = "";    /* why the first server not reached was not */
    int newest = -1, reached = 0, n = ch->nendpoints;
    for (int e = 0; e < n; e++) {
        version[e] = server_version(ch, e);
        if (version[e] < 0 && ch->reach == CH_ANSWERED)
            return fail(ch, diag, "cannot open the database");
        if (version[e] < 0) {
            if (!away[0])
                memcpy(away, ch->failure, sizeof(away));
            continue;
        }
        reached++;
        if (version[e] > 0 && (newest < 0 || version[e] > version[newest]))
            newest = e;
        if (mode == STORE_READ_ONLY && newest >= 0 && version[newest] == CH_SCHEMA_VERSION)
            break;
    }
    if (reached == 0) {
        if (n > 1)
            all_away(ch);
        return fail(ch, diag, "cannot open the database");
    }
    if (newest >= 0) {
        long long v = version[newest];
        if (v > CH_SCHEMA_VERSION || v < 1)
            return diag_set(diag, TALLY_ERROR_DATABASE, "%s was written by %s tally "
                            "(ClickHouse schema %lld, this one knows %d)", ch->label,
                            v > CH_SCHEMA_VERSION ? "a newer" : "another", v,
                            CH_SCHEMA_VERSION);
        ch->home = newest;
        /* An older schema lacks tables or copies only: they are added, also to read it. */
        if (v == CH_SCHEMA_VERSION && mode == STORE_READ_ONLY)
            return TALLY_OK;
        mode = STORE_READ_WRITE;
    }
    if (reached < n) {
        memcpy(ch->failure, away, sizeof(away));
        return fail(ch, diag, newest >= 0 ? "cannot change the database, which takes every "
                    "listed server" : "cannot open the database");
    }
    if (mode == STORE_READ_ONLY)
        return diag_set(diag, TALLY_ERROR_DATABASE, "%s has no tally data yet: import "
                        "something first", ch->label);
    for (int e = 0; e < n; e++) {
        char *create = xasprintf("CREATE DATABASE IF NOT EXISTS %s", ch->database);
        int ok = run(ch, e, create, 0);
        free(create);
        if (!ok)
            return fail(ch, diag, "cannot create the database");
    }
    /* Every server makes what it lacks (a shard added to the URL gets its tables and a
     * copy of the bookkeeping); the schema version goes last. */
    for (int e = 0; e < n; e++) {
        int ok = create_tables(ch, e);
        if (ok && newest >= 0 && e != newest && version[e] < CH_SCHEMA_VERSION)
            ok = copy_bookkeeping(ch, newest, e);
        if (!ok)
            return fail(ch, diag, "cannot create the tables");
    }
    char *sql = xasprintf("INSERT INTO tally_schema VALUES (%d)", CH_SCHEMA_VERSION);
    for (int e = 0; e < n; e++) {
        if (version[e] < CH_SCHEMA_VERSION && !run(ch, e, sql, REQ_DATABASE)) {
            free(sql);
            return fail(ch, diag, "cannot create the tables");
        }
    }
    free(sql);
    return TALLY_OK;
}

static void forget_info(struct clickhouse *ch)
{
    free(ch->path);
    free(ch->format);
    free(ch->tag);
    free(ch->owner);
    ch->path = ch->format = ch->tag = ch->owner = NULL;
}

static void clickhouse_free(struct clickhouse *ch)
{
    if (!ch)
        return;
    forget_info(ch);
    for (int e = 0; e < ch->nendpoints; e++) {
        if (ch->endpoint[e].curl)
            curl_easy_cleanup(ch->endpoint[e].curl);
        free(ch->endpoint[e].host);
    }
    for (int t = 0; t < CH_NTABLES; t++)
        strbuf_release(&ch->batch[t]);
    if (ch->password) {
        memset(ch->password, 0, strlen(ch->password));
        free(ch->password);
    }
    free(ch->label);
    free(ch->user);
    free(ch->database);
    free(ch->cluster);
    free(ch);
    if (--curl_users == 0)
        curl_global_cleanup();
}

void clickhouse_close(struct store *store)
{
    clickhouse_free(store->clickhouse);
    store->clickhouse = NULL;
}

enum tally_error clickhouse_store_open(const char *url, enum store_mode mode,
                                       struct store **out, struct tally_diag *diag)
{
    struct clickhouse *ch = xcalloc(1, sizeof(*ch));
    enum tally_error err;
    *out = NULL;
    if (curl_users++ == 0)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int t = 0; t < CH_NTABLES; t++)
        strbuf_init(&ch->batch[t]);
    /* $TALLY_CLICKHOUSE_BATCH: smaller batches (bytes), for tests of half-sent imports. */
    const char *batch = getenv("TALLY_CLICKHOUSE_BATCH");
    ch->batch_bytes = batch && atol(batch) > 0 ? (size_t)atol(batch) : CH_BATCH_BYTES;
    if ((err = parse_url(ch, url, diag)) || (err = read_password(ch, diag)) ||
        (err = open_schema(ch, mode, diag))) {
        clickhouse_free(ch);
        return err;
    }
    struct store *store = xcalloc(1, sizeof(*store));
    store->clickhouse = ch;
    store->path = xstrdup(ch->label);
    *out = store;
    return TALLY_OK;
}

enum tally_error clickhouse_fail(struct store *store, struct tally_diag *diag,
                                 const char *what)
{
    struct clickhouse *ch = store->clickhouse;
    if (store->counts_failure[0])
        return diag_set(diag, TALLY_ERROR_LIMIT, "%s: %s", what, store->counts_failure);
    if (!ch->failure[0])
        snprintf(ch->failure, sizeof(ch->failure), "failed");
    return fail(ch, diag, what);
}

/* ---- imports ---- */

/* Waits until the deletions (mutations) under way on endpoint e are done. */
static int wait_mutations(struct clickhouse *ch, int e)
{
    char *sql = xasprintf("SELECT count() FROM system.mutations WHERE database = '%s' "
                          "AND is_done = 0", ch->database);
    long long pending = 1;
    int ok = 1;
    for (int tries = 0; ok && tries < CH_MUTATION_SECONDS * 10 && pending > 0; tries++) {
        struct strbuf out;
        strbuf_init(&out);
        ok = request(ch, e, NULL, sql, strlen(sql), 0, &out);
        pending = ok ? strtoll(out.buf ? out.buf : "0", NULL, 10) : 1;
        strbuf_release(&out);
        if (ok && pending > 0)
            usleep(100 * 1000);
    }
    if (ok && pending > 0) {
        snprintf(ch->failure, sizeof(ch->failure), "the server %s has not finished deleting "
                 "rows after %d s", ch->endpoint[e].host, CH_MUTATION_SECONDS);
        ok = 0;
    }
    free(sql);
    return ok;
}

/* Gives back the source ids `ids` ("3" or "3,4"): with_rows, deletes their rows from every
 * row table of every server first; once those are gone, their claims, so that the ids
 * may be used again (as SQLite uses the highest again). Waits for every deletion. An id
 * whose rows could not be deleted stays claimed: it never names another import's rows. */
static int release_ids(struct clickhouse *ch, const char *ids, int with_rows)
{
    int ok = 1;
    char failure[sizeof(ch->failure)] = "";
    /* Every server that answers deletes its rows, whichever did not. */
    for (int e = 0; with_rows && e < ch->nendpoints; e++) {
        int done = 1;
        for (int t = 0; t < CH_NTABLES && done; t++) {
            char *sql = xasprintf("ALTER TABLE %s%s DELETE WHERE source_id IN (%s)",
                                  ch_tables[t].name, ch->cluster ? "_local" : "", ids);
            done = run(ch, e, sql, REQ_DATABASE);
            free(sql);
        }
        if (!done || !wait_mutations(ch, e)) {
            if (ok)
                memcpy(failure, ch->failure, sizeof(failure));
            ok = 0;
        }
    }
    if (ok) {
        char *sql = xasprintf("ALTER TABLE source_claim DELETE WHERE id IN (%s)", ids);
        for (int e = 0; e < ch->nendpoints && ok; e++)
            ok = run(ch, e, sql, REQ_DATABASE) && wait_mutations(ch, e);
        free(sql);
    } else {
        memcpy(ch->failure, failure, sizeof(failure));
    }
    return ok;
}

/* Deletes the source rows `ids` ("3" or "3,4") from every server, waiting for each: from
 * then on their rows no longer count. Keeps the first failure. */
static int drop_sources(struct clickhouse *ch, const char *ids)
{
    char failure[sizeof(ch->failure)] = "";
    char *sql = xasprintf("ALTER TABLE source DELETE WHERE id IN (%s)", ids);
    int ok = 1;
    for (int e = 0; e < ch->nendpoints; e++) {
        if (!run(ch, e, sql, REQ_DATABASE) || !wait_mutations(ch, e)) {
            if (ok)
                memcpy(failure, ch->failure, sizeof(failure));
            ok = 0;
        }
    }
    if (!ok)
        memcpy(ch->failure, failure, sizeof(failure));
    free(sql);
    return ok;
}

/* Writes the source row `row` (TabSeparated) of import `id` to every server: the import
 * counts from then on. Should one server fail, the row is taken back from the others. */
static int write_source(struct clickhouse *ch, int64_t id, const struct strbuf *row)
{
    for (int e = 0; e < ch->nendpoints; e++) {
        if (!request(ch, e, "INSERT INTO source FORMAT TabSeparated", row->buf, row->len,
                     REQ_DATABASE, NULL)) {
            char failure[sizeof(ch->failure)], text[32];
            memcpy(failure, ch->failure, sizeof(failure));
            snprintf(text, sizeof(text), "%lld", (long long)id);
            drop_sources(ch, text);
            memcpy(ch->failure, failure, sizeof(failure));
            return 0;
        }
    }
    return 1;
}

enum tally_error clickhouse_import_begin(struct store *store, const struct source_info *info,
                                         struct tally_diag *diag)
{
    /* The formats whose records are scans (store_add_observation, _banner, _header) and
     * captures (those and the capture tables). */
    static const char *const scan_formats[] = { "binary", "grepable", "json", "list",
                                                "ndjson", "xml", "nmap", "zgrab2", "pcap",
                                                NULL };
    struct clickhouse *ch = store->clickhouse;
    int known = 0;
    for (int i = 0; scan_formats[i]; i++)
        known |= strcmp(scan_formats[i], info->format) == 0;
    if (!known)
        return diag_set(diag, TALLY_ERROR_UNSUPPORTED, "%s imports are kept in SQLite only "
                        "for now; ClickHouse takes scans (masscan, nmap, zgrab2) and "
                        "captures: import this file with -d FILE.db", info->format);
    memset(&store->counts, 0, sizeof(store->counts));
    store->counts_failure[0] = '\0';
    for (int t = 0; t < CH_NTABLES; t++)
        strbuf_reset(&ch->batch[t]);
    ch->sent = 0;
    ch->dns_seq = 0;
    ch->continued = 0;
    forget_info(ch);
    ch->path = xstrdup(info->path);
    ch->format = xstrdup(info->format);
    ch->tag = info->tag ? xstrdup(info->tag) : NULL;
    ch->owner = info->owner ? xstrdup(info->owner) : NULL;
    /* The next id neither a source's nor claimed: an import that failed has its claim
     * removed only once its rows are gone, so they never join a later import. Two tallies
     * that claim the same id at once: the one with the lower token keeps it, the other
     * tries the next. */
    char token[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(token, sizeof(token), "%lld.%09ld.%d", (long long)ts.tv_sec, ts.tv_nsec,
             (int)getpid());
    long long id = query_number(ch, "SELECT max(id) FROM (SELECT id FROM source UNION ALL "
                                "SELECT id FROM source_claim)", REQ_DATABASE);
    for (int tries = 0; id >= 0 && tries < 100; tries++) {
        id++;
        char *sql = xasprintf("INSERT INTO source_claim VALUES (%lld, '%s')", id, token);
        int ok = run_every(ch, sql);
        free(sql);
        if (!ok)
            return fail(ch, diag, "cannot record the import");
        struct strbuf out;
        strbuf_init(&out);
        sql = xasprintf("SELECT min(token) FROM source_claim WHERE id = %lld", id);
        ok = ask(ch, NULL, sql, strlen(sql), REQ_DATABASE | REQ_READ, &out);
        free(sql);
        int mine = ok && out.buf && strncmp(out.buf, token, strlen(token)) == 0;
        strbuf_release(&out);
        if (!ok)
            return fail(ch, diag, "cannot record the import");
        if (mine) {
            store->source_id = id;
            store->in_import = 1;
            return TALLY_OK;
        }
    }
    return fail(ch, diag, "cannot record the import");
}

void clickhouse_import_rollback(struct store *store)
{
    struct clickhouse *ch = store->clickhouse;
    for (int t = 0; t < CH_NTABLES; t++)
        strbuf_reset(&ch->batch[t]);
    if (store->in_import) {
        /* Its rows never count (it has no source row); they are deleted all the same. */
        char *id = xasprintf("%lld", (long long)store->source_id);
        release_ids(ch, id, ch->sent);
        free(id);
    }
    ch->sent = 0;
    ch->continued = 0;
    store->in_import = 0;
}

/* The rows of the capture this import goes on from that it wrote again (as
 * store_capture_continue() says), deleted on every server; waits for the deletions. */
static int drop_continued(struct clickhouse *ch)
{
    const char *local = ch->cluster ? "_local" : "";
    int ok = 1;
    for (int e = 0; e < ch->nendpoints && ok; e++) {
        char *sql = xasprintf("ALTER TABLE conn%s DELETE WHERE source_id = %lld AND "
                              "(ended = 'eof' OR (ended IN ('fin', 'rst') AND "
                              "last_seen >= %.17g))", local, (long long)ch->continued,
                              ch->closed_since);
        ok = run(ch, e, sql, REQ_DATABASE);
        free(sql);
        if (ok) {
            sql = xasprintf("ALTER TABLE probe%s DELETE WHERE source_id = %lld", local,
                            (long long)ch->continued);
            ok = run(ch, e, sql, REQ_DATABASE);
            free(sql);
        }
    }
    for (int e = 0; e < ch->nendpoints && ok; e++)
        ok = wait_mutations(ch, e);
    return ok;
}

enum tally_error clickhouse_import_commit(struct store *store, const char *sha256_hex,
                                          long long bytes, long long skipped, double seconds,
                                          int64_t *source_id, struct tally_diag *diag)
{
    struct clickhouse *ch = store->clickhouse;
    enum tally_error err;
    struct strbuf sql, row, counts;
    strbuf_init(&sql);
    strbuf_init(&row);
    strbuf_init(&counts);
    if (store->counts_failure[0]) {
        err = clickhouse_fail(store, diag, "cannot finish the import");
        goto done;
    }
    for (int t = 0; t < CH_NTABLES; t++) {
        if (!flush(ch, t)) {
            err = fail(ch, diag, "cannot finish the import");
            goto done;
        }
    }
    strbuf_addstr(&sql, "SELECT min(id), count() FROM source WHERE sha256 = ");
    clickhouse_quote(&sql, sha256_hex);
    struct strbuf out;
    strbuf_init(&out);
    int ok = ask(ch, NULL, sql.buf, sql.len, REQ_DATABASE | REQ_READ, &out);
    long long same = 0, nsame = 0;
    if (ok && out.buf)
        sscanf(out.buf, "%lld\t%lld", &same, &nsame);
    strbuf_release(&out);
    if (!ok) {
        err = fail(ch, diag, "cannot finish the import");
        goto done;
    }
    if (nsame > 0) {
        clickhouse_import_rollback(store);
        *source_id = same;
        err = TALLY_ERROR_DUPLICATE;
        goto done;
    }

    /* The source row: written last, it makes the import count. */
    long long records = 0;
    for (int i = 0; i < store->counts.n; i++) {
        strbuf_addf(&counts, "%s%s=%lld", i ? " " : "", store->counts.kind[i],
                    store->counts.count[i]);
        records += store->counts.count[i];
    }
    char now[32];
    time_t t = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch)
        t = (time_t)strtoll(epoch, NULL, 10);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    strbuf_addf(&row, "%lld\t", (long long)store->source_id);
    tsv_text(&row, ch->path);
    tsv_text(&row, ch->format);
    tsv_text(&row, ch->tag);
    tsv_text(&row, ch->owner);
    strbuf_addf(&row, "%lld\t", bytes);
    tsv_text(&row, sha256_hex);
    tsv_text(&row, now);
    strbuf_addf(&row, "%.17g\t%lld\t%lld\t", seconds, records, skipped);
    tsv_text(&row, counts.buf ? counts.buf : "");
    row.buf[row.len - 1] = '\n';
    if (!write_source(ch, store->source_id, &row)) {
        err = fail(ch, diag, "cannot finish the import");
        goto done;
    }
    /* A capture going on from an earlier file: that file's rows this one wrote again go
     * once this import counts. Should that fail, this import is taken back whole (its
     * source row first), leaving the earlier file as it was. */
    if (ch->continued && !drop_continued(ch)) {
        err = fail(ch, diag, "cannot finish the import");
        char id[32];
        snprintf(id, sizeof(id), "%lld", (long long)store->source_id);
        drop_sources(ch, id);
        goto done;
    }
    store->in_import = 0;
    ch->sent = 0;
    *source_id = store->source_id;
    err = TALLY_OK;

done:
    if (err && err != TALLY_ERROR_DUPLICATE)
        clickhouse_import_rollback(store);
    strbuf_release(&sql);
    strbuf_release(&row);
    strbuf_release(&counts);
    return err;
}

/* ---- forget ---- */

enum tally_error clickhouse_forget(struct store *store, const char *which, int *removed,
                                   struct tally_diag *diag)
{
    struct clickhouse *ch = store->clickhouse;
    struct strbuf sql, ids;
    struct clickhouse_rows rows;
    enum tally_error err;
    *removed = 0;
    strbuf_init(&sql);
    strbuf_init(&ids);
    strbuf_addstr(&sql, "SELECT id FROM source WHERE toString(id) = ");
    clickhouse_quote(&sql, which);
    strbuf_addstr(&sql, " OR tag = ");
    clickhouse_quote(&sql, which);
    strbuf_addstr(&sql, " ORDER BY id");
    err = clickhouse_select(store, sql.buf, &rows, "cannot find the source", diag);
    while (!err && clickhouse_next_row(&rows))
        if (rows.field[0]) {
            strbuf_addf(&ids, "%s%s", *removed ? "," : "", rows.field[0]);
            (*removed)++;
        }
    clickhouse_rows_release(&rows);
    if (err || *removed == 0)
        goto done;
    /* The source rows first: from then on their rows no longer count. */
    strbuf_reset(&sql);
    strbuf_addf(&sql, "id IN (%s)", ids.buf);
    if (!drop_sources(ch, ids.buf) || !release_ids(ch, ids.buf, 1))
        err = fail(ch, diag, "cannot forget");

done:
    strbuf_release(&sql);
    strbuf_release(&ids);
    return err;
}

/* ---- copying an import from SQLite (store/clickhouse_push.c) ---- */

int clickhouse_row_table_count(void)
{
    return CH_NTABLES;
}

const char *clickhouse_row_table_name(int t)
{
    return t >= 0 && t < CH_NTABLES ? ch_tables[t].name : NULL;
}

/* clickhouse_import_commit() of a copied import: its source row says what the original's
 * says (bytes, content hash, time of import, duration, skipped), not the copy's. */
enum tally_error clickhouse_import_commit_copy(struct store *store,
                                               const struct clickhouse_copied *src,
                                               int64_t *source_id, struct tally_diag *diag)
{
    struct clickhouse *ch = store->clickhouse;
    struct strbuf sql, row, counts, out;
    enum tally_error err = TALLY_OK;
    long long same = 0, nsame = 0, records = 0;
    strbuf_init(&sql);
    strbuf_init(&row);
    strbuf_init(&counts);
    strbuf_init(&out);
    if (store->counts_failure[0]) {
        err = clickhouse_fail(store, diag, "cannot finish the copy");
        goto done;
    }
    for (int t = 0; t < CH_NTABLES && !err; t++)
        if (!flush(ch, t))
            err = fail(ch, diag, "cannot finish the copy");
    strbuf_addstr(&sql, "SELECT min(id), count() FROM source WHERE sha256 = ");
    clickhouse_quote(&sql, src->sha256);
    if (!err && !ask(ch, NULL, sql.buf, sql.len, REQ_DATABASE | REQ_READ, &out))
        err = fail(ch, diag, "cannot finish the copy");
    if (err)
        goto done;
    if (out.buf)
        sscanf(out.buf, "%lld\t%lld", &same, &nsame);
    if (nsame > 0) {
        clickhouse_import_rollback(store);
        *source_id = same;
        err = TALLY_ERROR_DUPLICATE;
        goto done;
    }
    for (int i = 0; i < store->counts.n; i++) {
        strbuf_addf(&counts, "%s%s=%lld", i ? " " : "", store->counts.kind[i],
                    store->counts.count[i]);
        records += store->counts.count[i];
    }
    strbuf_addf(&row, "%lld\t", (long long)store->source_id);
    tsv_text(&row, ch->path);
    tsv_text(&row, ch->format);
    tsv_text(&row, ch->tag);
    tsv_text(&row, ch->owner);
    strbuf_addf(&row, "%lld\t", src->bytes);
    tsv_text(&row, src->sha256);
    tsv_text(&row, src->imported_at);
    strbuf_addf(&row, "%.17g\t%lld\t%lld\t", src->seconds, records, src->skipped);
    tsv_text(&row, counts.buf ? counts.buf : "");
    row.buf[row.len - 1] = '\n';
    if (!write_source(ch, store->source_id, &row)) {
        err = fail(ch, diag, "cannot finish the copy");
        goto done;
    }
    store->in_import = 0;
    ch->sent = 0;
    *source_id = store->source_id;

done:
    if (err && err != TALLY_ERROR_DUPLICATE)
        clickhouse_import_rollback(store);
    strbuf_release(&sql);
    strbuf_release(&row);
    strbuf_release(&counts);
    strbuf_release(&out);
    return err;
}
