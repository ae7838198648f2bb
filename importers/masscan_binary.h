/* masscan_binary.h: the pieces of masscan's binary format (-oB) that can be tested alone:
 * the record framing numbers, the application-protocol numbering of each masscan version,
 * and the TCP-flags "reason" text. Internal to importers/ (and tests/test-scanbin.c). */
#ifndef TALLY_MASSCAN_BINARY_H
#define TALLY_MASSCAN_BINARY_H

#include <stddef.h>

/* The application-protocol numbers in banner records changed between masscan versions;
 * these are the numberings (named after the release that wrote them). */
enum masscan_era {
    MASSCAN_ERA_1_0_3,
    MASSCAN_ERA_1_0_4,
    MASSCAN_ERA_1_0_5,
    MASSCAN_ERA_1_3_0,
    MASSCAN_ERA_1_3_2,
    MASSCAN_ERA_1_3_9,
    MASSCAN_ERA_COUNT
};
#define MASSCAN_ERA_DEFAULT MASSCAN_ERA_1_3_2

/* Longest varint accepted, in bytes (4 bytes hold 28 bits: more than any record length). */
#define MASSCAN_VARINT_MAX 4

/* Decodes a big-endian base-128 number (7 bits a byte, high bit = more bytes follow) from
 * data: returns the bytes used, 0 when data ends before the number does, -1 when the number
 * runs over MASSCAN_VARINT_MAX bytes. */
int masscan_varint(const unsigned char *data, size_t len, unsigned long long *value);

/* "1.0.3" "1.0.4" "1.0.5" "1.3.0" "1.3.2" "1.3.9" (what --masscan-version takes): 0 and
 * *era set, or -1 for any other text. */
int masscan_era_parse(const char *version, enum masscan_era *era);
/* The numbering a file header (the text of an 'm' record, "masscan/1.1\ns:...") implies:
 * returns 1 and sets *era, or 0 when the text says nothing (a trailer, another program). */
int masscan_era_from_header(const unsigned char *text, size_t len, enum masscan_era *era);
/* The name masscan prints for application protocol id ("http", "http.server", ...), or
 * "(N)" written into buf for an id that era does not know. */
const char *masscan_app_name(enum masscan_era era, unsigned id, char *buf, size_t size);
/* TCP flags as masscan's reason text: names joined by '-' in the order fin syn rst psh ack
 * urg ece cwr ("syn-ack" for 0x12), "none" for 0. Written into buf (24 bytes suffice). */
const char *masscan_reason(unsigned flags, char *buf, size_t size);

#endif
