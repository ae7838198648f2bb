/* masscan_json.h: what the masscan JSON (-oJ) and NDJSON (-oD) importers share: turning
 * the values of one masscan record into an observation or a banner. Internal to
 * importers/ (the public contract is importers.h). */
#ifndef TALLY_MASSCAN_JSON_H
#define TALLY_MASSCAN_JSON_H

#include "importers/importers.h"
#include "importers/json_doc.h"

/* One masscan record's fields, borrowed from a read record; NULL when absent. A status
 * record has status (and maybe reason, ttl); a banner record has service and banner. */
struct masscan_json_fields {
    const struct jdoc_node *ip, *timestamp, *port, *proto;
    const struct jdoc_node *status, *reason, *ttl;
    const struct jdoc_node *service, *banner;
};

/* Checks the fields and stores one observation or banner. A malformed record goes to
 * import_bad_record() (so it is an error, or skipped under --lenient). */
enum tally_error masscan_json_store(struct import_ctx *ctx, const struct masscan_json_fields *f);

/* JSON readers decode masscan's "\u00HH" escapes to the code point U+00HH (two UTF-8 bytes),
 * but masscan meant the byte 0xHH. Turns every code point up to U+00FF back into that one
 * byte, in place; larger code points keep their UTF-8 bytes. Returns the new length. */
size_t masscan_json_bytes(char *text, size_t len);

/* Appends to out a copy of one JSON record with its bare keys quoted, as 2014 masscan
 * wrote them ({ip: "1.2.3.4", ports: [ {port: 80} ]} -> {"ip": "1.2.3.4", ...}).
 * Strings are copied unchanged; the output is at most 2 bytes per key longer. */
void masscan_json_quote_keys(const char *text, size_t len, struct strbuf *out);

#endif
