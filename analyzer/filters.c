/* filters.c: every filter, described once in filter_table: its option and value for the
 * command line, how its value is checked, what a subtitle says about it and how it is
 * bound to SQL. Adding a filter is one entry here (and a field in struct filters). */
#include "analyzer/analyzer.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *arg, long min, long max, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static const char **text_of(const struct filter_def *def, struct filters *f)
{
    return (const char **)(void *)((char *)f + def->text);
}

static const char *text_value(const struct filter_def *def, const struct filters *f)
{
    const char *const *text = (const char *const *)(const void *)((const char *)f + def->text);
    return def->text ? *text : NULL;
}

/* ---- parse ---- */

static enum tally_error parse_port(const struct filter_def *def, struct filters *f,
                                   const char *arg, struct tally_diag *diag)
{
    char *copy = xstrdup(arg), *save = NULL;
    enum tally_error err = TALLY_OK;
    long v;
    (void)def;
    f->nports = 0;
    for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (parse_int(p, 0, 65535, &v) || f->nports == FILTER_MAX_PORTS) {
            err = diag_set(diag, TALLY_ERROR_USAGE, "--port takes port numbers 0-65535 "
                           "separated by commas, not '%s'", arg);
            goto done;
        }
        f->ports[f->nports++] = (unsigned)v;
    }
    if (f->nports == 0)
        err = diag_set(diag, TALLY_ERROR_USAGE, "--port needs at least one port number");

done:
    free(copy);
    return err;
}

static enum tally_error parse_proto(const struct filter_def *def, struct filters *f,
                                    const char *arg, struct tally_diag *diag)
{
    if (strcmp(arg, "tcp") && strcmp(arg, "udp") && strcmp(arg, "sctp") && strcmp(arg, "icmp"))
        return diag_set(diag, TALLY_ERROR_USAGE, "--proto takes tcp, udp, sctp or icmp, "
                        "not '%s'", arg);
    *text_of(def, f) = arg;
    return TALLY_OK;
}

static enum tally_error parse_prefix(const struct filter_def *def, struct filters *f,
                                     const char *arg, struct tally_diag *diag)
{
    long v;
    (void)def;
    if (parse_int(arg, 8, 128, &v))
        return diag_set(diag, TALLY_ERROR_USAGE, "--prefix takes a length 8..32 (IPv4) or "
                        "16..128 (IPv6), not '%s'", arg);
    f->prefix = (int)v;
    return TALLY_OK;
}

static enum tally_error parse_top(const struct filter_def *def, struct filters *f,
                                  const char *arg, struct tally_diag *diag)
{
    long v;
    (void)def;
    if (parse_int(arg, 1, 1000000, &v))
        return diag_set(diag, TALLY_ERROR_USAGE, "--top takes a positive number, not '%s'",
                        arg);
    f->top = (int)v;
    return TALLY_OK;
}

static enum tally_error parse_date(const struct filter_def *def, struct filters *f,
                                   const char *arg, struct tally_diag *diag)
{
    int y, m, d;
    char extra;
    if (strlen(arg) != 10 || sscanf(arg, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
        m < 1 || m > 12 || d < 1 || d > 31)
        return diag_set(diag, TALLY_ERROR_USAGE, "--%s takes a date YYYY-MM-DD, not '%s'",
                        def->option, arg);
    *text_of(def, f) = arg;
    return TALLY_OK;
}

/* An import's id or tag, as `tally sources` shows them (which exist, the analysis
 * checks). */
/* A glob of names or a fingerprint prefix (scan_certs.c matches it). */
static enum tally_error parse_cert(const struct filter_def *def, struct filters *f,
                                   const char *arg, struct tally_diag *diag)
{
    if (*arg == '\0' || strlen(arg) > 255)
        return diag_set(diag, TALLY_ERROR_USAGE, "--cert takes a name glob (*.example) or a "
                        "SHA-256 fingerprint prefix, not '%s'", arg);
    *text_of(def, f) = arg;
    return TALLY_OK;
}

static enum tally_error parse_import(const struct filter_def *def, struct filters *f,
                                     const char *arg, struct tally_diag *diag)
{
    if (*arg == '\0' || strlen(arg) > 200)
        return diag_set(diag, TALLY_ERROR_USAGE, "--%s takes an import's id or tag "
                        "(tally sources lists them), not '%s'", def->option, arg);
    *text_of(def, f) = arg;
    return TALLY_OK;
}

/* ---- given ---- */

static int port_given(const struct filters *f)
{
    return f->nports > 0;
}

static int prefix_given(const struct filters *f)
{
    return f->prefix != 0;
}

static int top_given(const struct filters *f)
{
    return f->top != 0;
}

/* ---- describe ---- */

/* "port 80/tcp", "ports 80,443" (with the protocol, when given, after the numbers). */
static void describe_port(const struct filters *f, unsigned which, struct strbuf *out)
{
    if (!(which & FILTER_PORT) || f->nports == 0)
        return;
    strbuf_addstr(out, f->nports > 1 ? "ports " : "port ");
    for (int i = 0; i < f->nports; i++)
        strbuf_addf(out, "%s%u", i ? "," : "", f->ports[i]);
    if (f->proto)
        strbuf_addf(out, "/%s", f->proto);
}

/* "tcp only", unless the ports named it. */
static void describe_proto(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_PROTO) && f->proto && !((which & FILTER_PORT) && f->nports > 0))
        strbuf_addf(out, "%s only", f->proto);
}

/* Always, for the analyses that group by prefix: "/24 subnets". */
static void describe_prefix(const struct filters *f, unsigned which, struct strbuf *out)
{
    if (which & FILTER_PREFIX)
        strbuf_addf(out, "/%d subnets", f->prefix ? f->prefix : 24);
}

/* --since and --until together: "2024-01-01 to end". */
static void describe_dates(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_DATES) && (f->since || f->until))
        strbuf_addf(out, "%s to %s", f->since ? f->since : "start",
                    f->until ? f->until : "end");
}

static void describe_tz(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_TZ) && f->tz)
        strbuf_addf(out, "%s time", f->tz);
}

/* "certificate *.example" */
static void describe_cert(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_CERT) && f->cert)
        strbuf_addf(out, "certificate %s", f->cert);
}

static void describe_source(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_SOURCE) && f->source)
        strbuf_addf(out, "source %s", f->source);
}

/* "label aws:us-east-1". */
static void describe_label(const struct filters *f, unsigned which, struct strbuf *out)
{
    if ((which & FILTER_LABEL) && f->label)
        strbuf_addf(out, "label %s", f->label);
}

/* In the order `tally show --help` lists them. */
const struct filter_def filter_table[] = {
    { .option = "port", .syntax = "N[,N..]", .flag = FILTER_PORT, .subtitle_order = 1,
      .parse = parse_port, .given = port_given, .describe = describe_port },
    { .option = "proto", .syntax = "tcp|udp", .flag = FILTER_PROTO, .sql_param = ":proto",
      .subtitle_order = 2, .text = offsetof(struct filters, proto), .parse = parse_proto,
      .describe = describe_proto },
    { .option = "prefix", .syntax = "LEN", .flag = FILTER_PREFIX, .subtitle_order = 3,
      .parse = parse_prefix, .given = prefix_given, .describe = describe_prefix },
    { .option = "top", .syntax = "N", .flag = FILTER_TOP, .parse = parse_top,
      .given = top_given },
    { .option = "since", .syntax = "DATE", .flag = FILTER_DATES, .sql_param = ":since",
      .subtitle_order = 4, .text = offsetof(struct filters, since), .parse = parse_date,
      .describe = describe_dates },
    { .option = "until", .syntax = "DATE", .flag = FILTER_DATES, .sql_param = ":until",
      .text = offsetof(struct filters, until), .parse = parse_date },
    { .option = "source", .syntax = "ID|TAG", .flag = FILTER_SOURCE, .sql_param = ":source",
      .subtitle_order = 6, .text = offsetof(struct filters, source),
      .describe = describe_source },
    { .option = "from", .syntax = "ID|TAG", .flag = FILTER_SCANS,
      .text = offsetof(struct filters, from), .parse = parse_import },
    { .option = "to", .syntax = "ID|TAG", .flag = FILTER_SCANS,
      .text = offsetof(struct filters, to), .parse = parse_import },
    { .option = "label", .syntax = "PATTERN", .flag = FILTER_LABEL, .subtitle_order = 7,
      .text = offsetof(struct filters, label), .describe = describe_label },
    { .option = "tz", .syntax = "ZONE", .flag = FILTER_TZ, .setting = 1, .sql_param = ":tz",
      .subtitle_order = 5, .text = offsetof(struct filters, tz), .describe = describe_tz },
    { .option = "map", .syntax = "FILE", .flag = FILTER_MAP,
      .text = offsetof(struct filters, map) },
    { .option = "cert", .syntax = "PATTERN", .flag = FILTER_CERT, .sql_param = ":cert",
      .subtitle_order = 7, .text = offsetof(struct filters, cert), .parse = parse_cert,
      .describe = describe_cert },
};
const int filter_count = (int)(sizeof(filter_table) / sizeof(filter_table[0]));

enum tally_error filter_parse(const struct filter_def *def, struct filters *f,
                              const char *arg, struct tally_diag *diag)
{
    if (def->parse)
        return def->parse(def, f, arg, diag);
    *text_of(def, f) = arg;
    return TALLY_OK;
}

int filter_given(const struct filter_def *def, const struct filters *f)
{
    if (def->setting)
        return 0;
    return def->given ? def->given(f) : text_value(def, f) != NULL;
}

void filters_options(unsigned which, struct strbuf *out)
{
    unsigned done = 0;
    for (int i = 0; i < filter_count; i++) {
        unsigned flag = filter_table[i].flag;
        if (!(which & flag) || (done & flag))
            continue;
        done |= flag;
        if (out->len)
            strbuf_addch(out, ' ');
        for (int j = i, first = 1; j < filter_count; j++) {
            if (filter_table[j].flag != flag)
                continue;
            strbuf_addf(out, "%s--%s", first ? "" : "/", filter_table[j].option);
            first = 0;
        }
    }
}

void filters_sql_ports(const struct filters *f, struct strbuf *sql, const char *port_col,
                       const char *proto_col)
{
    if (port_col && f->nports > 0) {
        strbuf_addf(sql, " AND %s IN (", port_col);
        for (int i = 0; i < f->nports; i++)
            strbuf_addf(sql, "%s%u", i ? "," : "", f->ports[i]);
        strbuf_addstr(sql, ")");
    }
    if (proto_col && f->proto)
        strbuf_addf(sql, " AND %s = :proto", proto_col);
}

void filters_sql_source(const struct filters *f, struct strbuf *sql, const char *source_col)
{
    if (f->source)
        strbuf_addf(sql, " AND %s IN (SELECT id FROM source WHERE CAST(id AS TEXT) = :source "
                    "OR tag = :source)", source_col);
}

enum tally_error filters_host_sets(struct store *store, const struct filters *f,
                                   const char *columns, int family, const char *what,
                                   sqlite3_stmt **out, struct tally_diag *diag)
{
    struct strbuf sql;
    enum tally_error err = TALLY_OK;
    strbuf_init(&sql);
    strbuf_addf(&sql, "SELECT %s FROM host_set WHERE status = 'open'", columns);
    if (family)
        strbuf_addf(&sql, " AND family = %d", family);
    filters_sql_ports(f, &sql, "port", "proto");
    filters_sql_source(f, &sql, "source_id");
    *out = NULL;
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, out, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, what);
        sqlite3_finalize(*out);
        *out = NULL;
    } else {
        filters_bind(*out, f);
    }
    strbuf_release(&sql);
    return err;
}

void filters_bind(sqlite3_stmt *stmt, const struct filters *f)
{
    for (int i = 0; i < filter_count; i++) {
        const struct filter_def *def = &filter_table[i];
        const char *value = text_value(def, f);
        int index = def->sql_param ? sqlite3_bind_parameter_index(stmt, def->sql_param) : 0;
        if (index > 0 && value)
            sqlite3_bind_text(stmt, index, value, -1, SQLITE_TRANSIENT);
    }
}

char *filters_describe(const struct filters *f, unsigned which)
{
    struct strbuf sb, part;
    strbuf_init(&sb);
    strbuf_init(&part);
    for (int order = 1; order <= filter_count; order++) {
        for (int i = 0; i < filter_count; i++) {
            if (filter_table[i].subtitle_order != order || !filter_table[i].describe)
                continue;
            strbuf_reset(&part);
            filter_table[i].describe(f, which, &part);
            if (part.len)
                strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", part.buf);
        }
    }
    strbuf_release(&part);
    return strbuf_detach(&sb);
}
