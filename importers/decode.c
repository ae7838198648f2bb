/* decode.c: masscan's banner escaping, shared by every masscan text format: bytes outside
 * 0x20-0x7e and the characters < > & \ " ' are written as \xHH (list, XML, grepable) or
 * \u00HH (JSON, NDJSON); this turns them back into the bytes. */
#include "importers/importers.h"

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t masscan_unescape(char *text, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        if (text[in] == '\\' && in + 3 < len && text[in + 1] == 'x' &&
            hex_value((unsigned char)text[in + 2]) >= 0 &&
            hex_value((unsigned char)text[in + 3]) >= 0) {
            text[out++] = (char)(hex_value((unsigned char)text[in + 2]) * 16 +
                                 hex_value((unsigned char)text[in + 3]));
            in += 4;
        } else if (text[in] == '\\' && in + 5 < len && text[in + 1] == 'u' &&
                   text[in + 2] == '0' && text[in + 3] == '0' &&
                   hex_value((unsigned char)text[in + 4]) >= 0 &&
                   hex_value((unsigned char)text[in + 5]) >= 0) {
            text[out++] = (char)(hex_value((unsigned char)text[in + 4]) * 16 +
                                 hex_value((unsigned char)text[in + 5]));
            in += 6;
        } else {
            text[out++] = text[in++];
        }
    }
    if (out < len)
        text[out] = '\0';
    return out;
}
