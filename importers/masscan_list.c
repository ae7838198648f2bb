/* masscan_list.c: masscan's list output (-oL): "#masscan", one record per line
 *   open tcp 443 93.184.216.34 1629960470
 *   banner tcp 80 93.184.216.34 1629960472 http.server nginx/1.4.4
 * and "# end". Banner text is \xHH-escaped and runs to the end of the line. */
#include "importers/importers.h"

#include <stdlib.h>
#include <string.h>

static const char *const list_statuses[] = { "open", "closed", "up", "unknown", NULL };
static const char *const list_protos[] = { "tcp", "udp", "sctp", "icmp", "arp", NULL };

static const char *known_word(const char *word, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(word, words[i]) == 0)
            return words[i];
    return NULL;
}

/* Splits off the next space-separated field: returns it NUL-terminated, or NULL. */
static char *next_field(char **cursor)
{
    char *start = *cursor;
    if (!start || *start == '\0')
        return NULL;
    char *space = strchr(start, ' ');
    if (space) {
        *space = '\0';
        *cursor = space + 1;
    } else {
        *cursor = start + strlen(start);
    }
    return start;
}

static int parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parses one record line; returns TALLY_OK, or TALLY_ERROR_DATA with *why set. */
static enum tally_error list_record(struct import_ctx *ctx, char *line, size_t len,
                                    const char **why)
{
    size_t line_len = strlen(line);
    char *cursor = line;
    char *kind = next_field(&cursor);
    char *proto = next_field(&cursor);
    char *port = next_field(&cursor);
    char *ip = next_field(&cursor);
    char *when = next_field(&cursor);
    unsigned long long port_value, when_value;
    struct ip_addr addr;

    if (line_len != len) {
        *why = "a NUL byte inside a line (masscan escapes every unprintable byte)";
        return TALLY_ERROR_DATA;
    }
    if (!when) {
        *why = "expected 'STATUS PROTO PORT ADDRESS TIME' or 'banner PROTO PORT ADDRESS TIME "
               "SERVICE TEXT'";
        return TALLY_ERROR_DATA;
    }
    const char *proto_name = known_word(proto, list_protos);
    if (!proto_name) {
        *why = "expected a protocol (tcp, udp, sctp, icmp, arp) in the second field";
        return TALLY_ERROR_DATA;
    }
    if (parse_uint(port, 65535, &port_value)) {
        *why = "expected a port number 0-65535 in the third field";
        return TALLY_ERROR_DATA;
    }
    if (ip_parse(ip, &addr)) {
        *why = "expected an IPv4 or IPv6 address in the fourth field";
        return TALLY_ERROR_DATA;
    }
    if (parse_uint(when, 0xffffffffull * 16, &when_value)) {
        *why = "expected a unix timestamp in the fifth field";
        return TALLY_ERROR_DATA;
    }
    if (strcmp(kind, "banner") == 0) {
        char *service = next_field(&cursor);
        if (!service) {
            *why = "expected a service name after the timestamp of a banner";
            return TALLY_ERROR_DATA;
        }
        char *text = cursor;
        size_t text_len = masscan_unescape(text, len - (size_t)(text - line));
        if (text_len == (size_t)-1) {
            *why = "expected \\x and two hex digits for each escaped byte of a banner";
            return TALLY_ERROR_DATA;
        }
        struct banner_record rec = { .addr = addr, .proto = proto_name,
                                     .port = (unsigned)port_value, .service = service,
                                     .data = (const unsigned char *)text, .len = text_len,
                                     .seen = (int64_t)when_value };
        return import_banner(ctx, &rec);
    }
    const char *status = known_word(kind, list_statuses);
    if (!status || *cursor != '\0') {
        *why = status ? "unexpected text after the timestamp of a status line"
                      : "expected a status (open, closed, up) or 'banner' in the first field";
        return TALLY_ERROR_DATA;
    }
    struct scan_record rec = { .addr = addr, .proto = proto_name, .port = (unsigned)port_value,
                               .status = status, .ttl = -1, .seen = (int64_t)when_value };
    return store_add_observation(ctx->store, &rec);
}

static enum tally_error list_run(struct import_ctx *ctx)
{
    char *line;
    size_t len;
    int rc;
    while ((rc = input_getline(ctx->in, &line, &len, ctx->diag)) > 0) {
        import_progress(ctx);
        if (len == 0 || line[0] == '#')
            continue;
        /* masscan ends every record with a newline: a last line without one was cut off
         * mid-write, even when what is left still reads as a record (a port or a time cut
         * short, a banner cut inside its text). */
        if (input_last_line_unterminated(ctx->in)) {
            import_warn_cut_off(ctx);
            break;
        }
        const char *why = NULL;
        enum tally_error err = list_record(ctx, line, len, &why);
        if (err == TALLY_ERROR_DATA)
            err = import_bad_record(ctx, "%s", why);
        else if (err)
            err = store_fail(ctx->store, ctx->diag, "cannot store the record");
        if (err)
            return err;
    }
    return rc < 0 ? input_error(ctx->in) : TALLY_OK;
}

/* "#masscan" at the top, or a first line shaped like a list record. */
static int list_sniff(const unsigned char *head, size_t len, const char *path)
{
    (void)path;
    if (len >= 8 && memcmp(head, "#masscan", 8) == 0)
        return 100;
    char first[128];
    size_t n = 0;
    while (n < len && n < sizeof(first) - 1 && head[n] != '\n') {
        first[n] = (char)head[n];
        n++;
    }
    first[n] = '\0';
    char *cursor = first;
    char *kind = next_field(&cursor), *proto = next_field(&cursor), *port = next_field(&cursor);
    unsigned long long v;
    if (kind && (known_word(kind, list_statuses) || strcmp(kind, "banner") == 0) && proto &&
        known_word(proto, list_protos) && !parse_uint(port, 65535, &v))
        return 90;
    return 0;
}

const struct importer importer_masscan_list = {
    .name = "list",
    .description = "masscan list output (-oL): status and banner lines",
    .sniff = list_sniff,
    .run = list_run,
};
