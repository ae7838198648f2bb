/* masscan_json.c: masscan's JSON output (-oJ) in every shape it has had: the valid array
 * of today, the trailing comma of 1.0.4/1.0.5, the "{finished: 1}" footer and bare keys of
 * 2014-2016, and files cut short when masscan was killed. Read one record per line. */
#include "importers/masscan_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_MAX 15

size_t masscan_json_bytes(char *text, size_t len)
{
    unsigned char *s = (unsigned char *)text;
    size_t in = 0, out = 0;

    while (in < len) {
        /* U+0080..U+00FF are C2 80 .. C3 BF in UTF-8. */
        if ((s[in] == 0xc2 || s[in] == 0xc3) && in + 1 < len && (s[in + 1] & 0xc0) == 0x80) {
            s[out++] = (unsigned char)(((s[in] & 0x1f) << 6) | (s[in + 1] & 0x3f));
            in += 2;
        } else {
            s[out++] = s[in++];
        }
    }
    if (out < len)
        s[out] = '\0';
    return out;
}

static int is_key_start(unsigned char c)
{
    return isalpha(c) || c == '_';
}

static int is_key_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

void masscan_json_quote_keys(const char *text, size_t len, struct strbuf *out)
{
    int in_string = 0;
    char prev = 0;              /* the last non-space character outside strings */

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (in_string) {
            strbuf_addch(out, c);
            if (c == '\\' && i + 1 < len)
                strbuf_addch(out, text[++i]);
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if ((prev == '{' || prev == ',') && is_key_start(c)) {
            size_t end = i, colon;
            while (end < len && is_key_char((unsigned char)text[end]))
                end++;
            colon = end;
            while (colon < len && isspace((unsigned char)text[colon]))
                colon++;
            if (colon < len && text[colon] == ':') {
                strbuf_addch(out, '"');
                strbuf_add(out, text + i, end - i);
                strbuf_addch(out, '"');
                i = end - 1;
                prev = '"';
                continue;
            }
        }
        if (c == '"')
            in_string = 1;
        strbuf_addch(out, c);
        if (!isspace(c))
            prev = (char)c;
    }
}

static int is_string(const struct jdoc_node *v)
{
    return v && v->type == JDOC_STRING;
}

static int is_integer(const struct jdoc_node *v)
{
    return v && v->type == JDOC_INTEGER;
}

/* masscan writes "timestamp" as a string ("%d"); other writers and hand edits use a
 * number; 2014 files have none (0 = unknown). */
static int json_timestamp(const struct jdoc_node *v, int64_t *out)
{
    const char *s;
    size_t n, i = 0;
    char *end;
    long long value;

    *out = 0;
    if (!v)
        return 0;
    if (is_integer(v)) {
        *out = v->integer;
        return 0;
    }
    if (!is_string(v))
        return -1;
    s = v->str;
    n = v->len;
    if (n > 0 && s[0] == '-')
        i++;
    if (i == n || n - i > 19)
        return -1;
    for (; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    errno = 0;
    value = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = value;
    return 0;
}

static int json_proto_ok(const struct jdoc_node *v)
{
    if (!is_string(v) || v->len == 0 || v->len > PROTO_MAX)
        return 0;
    for (size_t i = 0; i < v->len; i++)
        if (!islower((unsigned char)v->str[i]) && !isdigit((unsigned char)v->str[i]))
            return 0;
    return 1;
}

/* The status as the store's static string (the store counts records by it), or NULL. */
static const char *json_status(const struct jdoc_node *v)
{
    static const char *const statuses[] = { "open", "closed", "up", NULL };

    if (!is_string(v))
        return NULL;
    for (int i = 0; statuses[i]; i++)
        if (strcmp(v->str, statuses[i]) == 0)
            return statuses[i];
    return NULL;
}

enum tally_error masscan_json_store(struct import_ctx *ctx, const struct masscan_json_fields *f)
{
    struct ip_addr addr;
    int64_t seen;
    long long port;
    enum tally_error err;

    if (!is_string(f->ip) || ip_parse(f->ip->str, &addr) != 0)
        return import_bad_record(ctx, "expected an IP address in \"ip\"");
    if (json_timestamp(f->timestamp, &seen) != 0)
        return import_bad_record(ctx, "expected unix seconds in \"timestamp\"");
    if (!is_integer(f->port) || (port = f->port->integer) < 0 || port > 65535)
        return import_bad_record(ctx, "expected a port number 0-65535 in \"port\"");
    if (!json_proto_ok(f->proto))
        return import_bad_record(ctx, "expected a protocol name in \"proto\"");

    if (f->status) {
        struct scan_record rec = {
            .addr = addr,
            .proto = f->proto->str,
            .port = (unsigned)port,
            .ttl = -1,
            .seen = seen,
        };
        rec.status = json_status(f->status);
        if (!rec.status)
            return import_bad_record(ctx, "expected \"open\", \"closed\" or \"up\" in \"status\"");
        if (f->reason && f->reason->type != JDOC_NULL) {
            if (!is_string(f->reason))
                return import_bad_record(ctx, "expected a string in \"reason\"");
            rec.reason = f->reason->str;
        }
        if (f->ttl && f->ttl->type != JDOC_NULL) {
            if (!is_integer(f->ttl) || f->ttl->integer < 0 || f->ttl->integer > 255)
                return import_bad_record(ctx, "expected a TTL 0-255 in \"ttl\"");
            rec.ttl = (int)f->ttl->integer;
        }
        err = store_add_observation(ctx->store, &rec);
        if (err)
            return store_fail(ctx->store, ctx->diag, "storing an observation");
        return TALLY_OK;
    }

    if (f->service || f->banner) {
        struct banner_record rec = {
            .addr = addr,
            .proto = f->proto->str,
            .port = (unsigned)port,
            .seen = seen,
        };
        char *data;
        size_t len;

        if (!is_string(f->service) || f->service->len == 0 ||
            strlen(f->service->str) != f->service->len)
            return import_bad_record(ctx, "expected a banner type in the service name");
        if (!is_string(f->banner))
            return import_bad_record(ctx, "expected a string in \"banner\"");
        /* A copy to decode in place; it may hold NUL bytes ("\u0000"). */
        len = f->banner->len;
        data = xmalloc(len + 1);
        memcpy(data, f->banner->str, len);
        data[len] = '\0';
        rec.service = f->service->str;
        rec.data = (const unsigned char *)data;
        rec.len = masscan_json_bytes(data, len);
        err = import_banner(ctx, &rec);
        free(data);
        if (err)
            return store_fail(ctx->store, ctx->diag, "storing a banner");
        return TALLY_OK;
    }

    return import_bad_record(ctx, "expected a \"status\" or a \"service\" in the record");
}

/* ---- the -oJ reader ---- */


static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)(*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* One record object: {ip, timestamp, ports: [ {port, proto, status...|service{}} ]}. */
static enum tally_error json_record(struct import_ctx *ctx, const struct jdoc *doc)
{
    static const struct jdoc_key record_keys[] = {
        JDOC_KEY("ip"), JDOC_KEY("timestamp"), JDOC_KEY("ports"), JDOC_KEY("finished"),
    };
    static const struct jdoc_key port_keys[] = {
        JDOC_KEY("port"), JDOC_KEY("proto"), JDOC_KEY("status"), JDOC_KEY("reason"),
        JDOC_KEY("ttl"), JDOC_KEY("service"),
    };
    static const struct jdoc_key service_keys[] = { JDOC_KEY("name"), JDOC_KEY("banner") };
    const struct jdoc_node *rec[4], *port[6], *service[2], *entry;
    enum tally_error err;

    jdoc_members(doc, jdoc_root(doc), record_keys, 4, rec);
    if (!rec[0] && rec[3])
        return TALLY_OK;        /* the 2014-2017 footer, {finished: 1} */
    if (!rec[2] || rec[2]->type != JDOC_ARRAY || !jdoc_first(doc, rec[2]))
        return import_bad_record(ctx, "expected a non-empty \"ports\" array");
    for (entry = jdoc_first(doc, rec[2]); entry; entry = jdoc_next(doc, entry)) {
        struct masscan_json_fields f = { .ip = rec[0], .timestamp = rec[1] };
        if (entry->type != JDOC_OBJECT) {
            err = import_bad_record(ctx, "expected an object in \"ports\"");
            if (err)
                return err;
            continue;
        }
        jdoc_members(doc, entry, port_keys, 6, port);
        f.port = port[0];
        f.proto = port[1];
        f.status = port[2];
        f.reason = port[3];
        f.ttl = port[4];
        if (port[5] && !f.status) {
            if (port[5]->type != JDOC_OBJECT) {
                err = import_bad_record(ctx, "expected an object in \"service\"");
                if (err)
                    return err;
                continue;
            }
            jdoc_members(doc, port[5], service_keys, 2, service);
            f.service = service[0];
            f.banner = service[1];
        }
        err = masscan_json_store(ctx, &f);
        if (err)
            return err;
    }
    return TALLY_OK;
}

/* Reads one line's record: the quick reader first; what it leaves, jansson, as before it
 * with bare keys (2014 builds) quoted when the line does not read as it is. */
static enum tally_error json_line(struct import_ctx *ctx, const char *p, size_t n,
                                  struct jdoc *doc, struct strbuf *quoted)
{
    json_error_t jerr;
    json_t *root;
    enum tally_error err;

    if (jdoc_parse(doc, p, n, 1) == 0)
        return json_record(ctx, doc);
    root = json_loadb(p, n, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        strbuf_reset(quoted);
        masscan_json_quote_keys(p, n, quoted);
        if (quoted->len != n)
            root = json_loadb(quoted->buf, quoted->len, JSON_ALLOW_NUL, &jerr);
    }
    if (!root) {
        if (input_last_line_unterminated(ctx->in)) {
            import_warn_cut_off(ctx);
            return TALLY_OK;
        }
        return import_bad_record(ctx, "expected a masscan JSON record (%s at column %d)",
                                 jerr.text, jerr.column);
    }
    if (!json_is_object(root)) {
        err = import_bad_record(ctx, "expected a JSON object");
    } else {
        jdoc_from_jansson(doc, root);
        err = json_record(ctx, doc);
    }
    json_decref(root);
    return err;
}

static enum tally_error masscan_json_run(struct import_ctx *ctx)
{
    struct strbuf quoted;
    struct jdoc doc;
    enum tally_error err = TALLY_OK;
    char *line;
    size_t len;
    int r;

    strbuf_init(&quoted);
    jdoc_init(&doc);
    while ((r = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        const char *p = line;
        size_t n = len;

        trim(&p, &n);
        /* The array's brackets, the ",\n" separator lines, and blank lines. */
        if (n == 0 || (n == 1 && (p[0] == '[' || p[0] == ']' || p[0] == ',')))
            continue;
        if (p[0] == ',') {
            p++;
            n--;
            trim(&p, &n);
        }
        if (n && p[n - 1] == ',') {     /* "}," of 2014-2018 */
            n--;
            trim(&p, &n);
        }
        if (n == 0 || p[0] != '{') {
            if (input_last_line_unterminated(ctx->in)) {
                import_warn_cut_off(ctx);
                break;
            }
            err = import_bad_record(ctx, "expected a masscan JSON record starting with '{'");
            if (err)
                goto done;
            continue;
        }
        err = json_line(ctx, p, n, &doc, &quoted);
        if (err)
            goto done;
        import_progress(ctx);
    }
    if (r < 0)
        err = input_error(ctx->in);   /* diag says why */
done:
    jdoc_release(&doc);
    strbuf_release(&quoted);
    return err;
}

/* Bounded substring search in the sniffed head. */
static int head_has(const unsigned char *head, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(head + i, what, n) == 0)
            return 1;
    return 0;
}

static int masscan_json_sniff(const unsigned char *head, size_t len, const char *path)
{
    size_t i = 0, line_end;

    (void)path;
    while (i < len && isspace(head[i]))
        i++;
    if (i < len && head[i] == '[') {
        i++;
        while (i < len && isspace(head[i]))
            i++;
    }
    if (i >= len || head[i] != '{')
        return 0;
    for (line_end = i; line_end < len && head[line_end] != '\n'; line_end++)
        ;
    head += i;
    len = line_end - i;
    if ((head_has(head, len, "\"ip\":") || head_has(head, len, " ip:")) &&
        (head_has(head, len, "\"ports\":") || head_has(head, len, " ports:")))
        return 95;
    if (head_has(head, len, "{finished: 1}"))
        return 60;
    return 0;
}

const struct importer importer_masscan_json = {
    .name = "json",
    .description = "masscan -oJ JSON, every version (also bare-key and unfinished files)",
    .sniff = masscan_json_sniff,
    .run = masscan_json_run,
};
