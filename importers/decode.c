/* decode.c: masscan's banner escaping, shared by every masscan text format: bytes outside
 * 0x20-0x7e and the characters < > & \ " ' are written as \xHH (list, XML, grepable) or
 * \u00HH (JSON, NDJSON); this turns them back into the bytes. masscan writes an escape
 * whole or not at all (a full output buffer drops whole escapes), so "\x" followed by fewer
 * than two hex digits is not something masscan wrote. */
#include "importers/importers.h"

#include <glib.h>

/* The byte written as two hex digits at p (p[0], p[1] within the text), or -1. */
static int hex_byte(const char *p)
{
    int hi = g_ascii_xdigit_value(p[0]), lo = g_ascii_xdigit_value(p[1]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* Returns the decoded length, or (size_t)-1 for a broken "\x" escape (text is then
 * partly decoded and must not be used). Other backslashes are kept as they are. */
size_t masscan_unescape(char *text, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        int byte;
        if (text[in] != '\\') {
            text[out++] = text[in++];
        } else if (in + 1 < len && text[in + 1] == 'x') {
            if (in + 3 >= len || (byte = hex_byte(text + in + 2)) < 0)
                return (size_t)-1;
            text[out++] = (char)byte;
            in += 4;
        } else if (in + 5 < len && text[in + 1] == 'u' && text[in + 2] == '0' &&
                   text[in + 3] == '0' && (byte = hex_byte(text + in + 4)) >= 0) {
            text[out++] = (char)byte;
            in += 6;
        } else {
            text[out++] = text[in++];
        }
    }
    if (out < len)
        text[out] = '\0';
    return out;
}
