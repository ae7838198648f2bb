/* zdns.c: zdns JSON lines (zmap/zdns), one object per name looked up. Its PTR module
 *   {"name":"8.8.8.8","status":"NOERROR","data":{"answers":[{"type":"PTR","class":"IN",
 *    "name":"8.8.8.8.in-addr.arpa","answer":"dns.google."}]}}
 * gives host names; so do the A and AAAA modules (the answer's name is a name of its
 * address) and alookup ({"name":"example.com","data":{"ipv4_addresses":[...],
 * "ipv6_addresses":[...]}}). zdns 2 nests each module's result under "results"
 * ({"name":..,"results":{"PTR":{"data":{..},"status":"NOERROR"}}}); both are read. */
#include "importers/json_lines.h"
#include "importers/names_common.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

static int zdns_sniff(const unsigned char *head, size_t len, const char *path)
{
    const unsigned char *line;
    size_t n;
    (void)path;
    if (!json_first_line(head, len, &line, &n) || !json_line_has(line, n, "\"name\":"))
        return 0;
    /* zdns writes its status in capitals (NOERROR, NXDOMAIN, TIMEOUT); zgrab2 does not. */
    static const char status[] = "\"status\":\"";
    for (size_t i = 0; i + sizeof(status) <= n; i++)
        if (memcmp(line + i, status, sizeof(status) - 1) == 0 &&
            isupper(line[i + sizeof(status) - 1]))
            return 85;
    return 0;
}

/* The answers of one module's data. */
static enum tally_error zdns_data(struct import_ctx *ctx, const char *name, json_t *data)
{
    struct ip_addr asked, *fallback = NULL;
    json_t *answers = json_object_get(data, "answers"), *item;
    size_t i;
    enum tally_error err;
    if (!json_is_object(data))
        return data && !json_is_null(data)
                   ? import_bad_record(ctx, "expected a zdns \"data\" object, found %s",
                                       json_is_array(data) ? "an array" : "a value")
                   : TALLY_OK;
    if (ip_parse(name, &asked) == 0 || host_reverse_addr(name, &asked) == 0)
        fallback = &asked;                      /* the PTR module's input is an address */
    json_array_foreach(answers, i, item) {
        const char *owner = json_string_value(json_object_get(item, "name"));
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *answer = json_string_value(json_object_get(item, "answer"));
        if (!owner || !type)
            return import_bad_record(ctx, "expected each zdns answer to have a \"name\" and "
                                     "a \"type\", found answer %zu without", i + 1);
        if (!answer)
            continue;                           /* MX, SOA, ...: an object */
        err = names_answer(ctx, NULL, NAME_ORIGIN_ZDNS, 1, owner, type, answer, fallback,
                           0);
        if (err == TALLY_ERROR_DATA)
            return import_bad_record(ctx, "expected a name or address in the %s answer, "
                                     "found '%.80s'", type, answer);
        if (err)
            return err;
    }
    /* alookup: the addresses the name leads to. */
    static const char *const lists[][2] = { { "ipv4_addresses", "A" },
                                            { "ipv6_addresses", "AAAA" } };
    for (size_t l = 0; l < 2; l++) {
        json_array_foreach(json_object_get(data, lists[l][0]), i, item) {
            const char *addr = json_string_value(item);
            err = addr ? names_answer(ctx, NULL, NAME_ORIGIN_ZDNS, 1, name, lists[l][1],
                                      addr, NULL, 0)
                       : TALLY_ERROR_DATA;
            if (err == TALLY_ERROR_DATA)
                return import_bad_record(ctx, "expected addresses in \"%s\", found '%.80s'",
                                         lists[l][0], addr ? addr : "a value");
            if (err)
                return err;
        }
    }
    return TALLY_OK;
}

static enum tally_error zdns_record(struct import_ctx *ctx, json_t *object)
{
    const char *name = json_string_value(json_object_get(object, "name"));
    json_t *results = json_object_get(object, "results"), *module;
    const char *key;
    enum tally_error err;
    if (!name)
        return import_bad_record(ctx, "expected a zdns result with a \"name\", found none");
    if (!results)
        err = zdns_data(ctx, name, json_object_get(object, "data"));
    else if (!json_is_object(results))
        err = import_bad_record(ctx, "expected zdns \"results\" to be an object of modules");
    else {
        err = TALLY_OK;
        json_object_foreach(results, key, module) {
            if ((err = zdns_data(ctx, name, json_object_get(module, "data"))))
                break;
        }
    }
    if (!err)
        import_progress(ctx);
    return err;
}

/* A PTR reached through a CNAME (classless delegation) is the input address's: no CNAMEs
 * need remembering across lines. */
static enum tally_error zdns_run(struct import_ctx *ctx)
{
    return json_lines_run(ctx, "a zdns JSON result", 0, zdns_record);
}

const struct importer importer_zdns = {
    .name = "zdns",
    .description = "zdns JSON lines: PTR lookups as host names (and A, AAAA, alookup)",
    .sniff = zdns_sniff,
    .run = zdns_run,
};
