/* fuzz_masscan_record.c: a libFuzzer harness for the record framing of masscan's binary
 * format (-oB): the input is read as records of (type, length) base-128 numbers and a
 * payload, as the binary importer frames them, and each piece goes through the decoders of
 * masscan_binary.h (varint, header text, application name, reason text). The importer's
 * handling of whole files is fuzzed by fuzz-import-binary. */
#include "importers/masscan_binary.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so a read one byte past the input is caught. */
    unsigned char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    enum masscan_era era = MASSCAN_ERA_DEFAULT;
    size_t at = 0;
    while (at < size) {
        unsigned long long type = 0, length = 0;
        int n1 = masscan_varint(buf + at, size - at, &type);
        if (n1 > MASSCAN_VARINT_MAX || type >> (7 * MASSCAN_VARINT_MAX))
            abort();
        if (n1 <= 0)
            break;
        int n2 = masscan_varint(buf + at + n1, size - at - (size_t)n1, &length);
        if (n2 > MASSCAN_VARINT_MAX || length >> (7 * MASSCAN_VARINT_MAX))
            abort();
        if (n2 <= 0)
            break;
        at += (size_t)(n1 + n2);
        size_t payload = length < size - at ? (size_t)length : size - at;
        const unsigned char *p = buf + at;
        if (masscan_era_from_header(p, payload, &era) &&
            (unsigned)era >= MASSCAN_ERA_COUNT)
            abort();
        char name[32], reason[24];
        unsigned id = payload >= 2 ? (unsigned)p[0] << 8 | p[1] : (unsigned)type;
        const char *app = masscan_app_name(era, id, name, sizeof(name));
        if (!app || strlen(app) >= sizeof(name) + 16)
            abort();
        const char *why = masscan_reason(payload ? p[0] : (unsigned)type, reason,
                                         sizeof(reason));
        if (strlen(why) >= sizeof(reason))
            abort();
        at += payload;
    }
    free(buf);
    return 0;
}
