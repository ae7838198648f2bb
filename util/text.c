/* text.c: text repair and formatting: valid UTF-8 from untrusted bytes (glib does the
 * decoding), Windows-1252 conversion, and thousands separators. */
#include "util/util.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

int utf8_is_valid(const char *data, size_t len)
{
    return g_utf8_validate(data, (gssize)len, NULL) && memchr(data, '\0', len) == NULL;
}

char *utf8_repair(const char *data, size_t len)
{
    struct strbuf sb;
    strbuf_init(&sb);
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *bad;
        /* g_utf8_validate stops at the first invalid byte or NUL. */
        g_utf8_validate(p, end - p, &bad);
        strbuf_add(&sb, p, (size_t)(bad - p));
        if (bad >= end)
            break;
        strbuf_addstr(&sb, *bad == '\0' ? "\xe2\x90\x80" : "\xef\xbf\xbd");
        p = bad + 1;
    }
    return strbuf_detach(&sb);
}

char *cp1252_to_utf8(const char *data, size_t len)
{
    gsize written = 0;
    char *converted = g_convert(data, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, &written,
                                NULL);
    if (!converted)     /* bytes 0x81 0x8d 0x8f 0x90 0x9d are undefined in Windows-1252 */
        converted = g_convert_with_fallback(data, (gssize)len, "UTF-8", "ISO-8859-1", "?",
                                            NULL, &written, NULL);
    if (!converted)
        return utf8_repair(data, len);
    char *out = xstrndup(converted, written);
    g_free(converted);
    return out;
}

void hex_encode(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void format_thousands(long long value, char *out, size_t size)
{
    /* Written from the last digit back, without printf: a terminal table of millions of
     * rows spells a number per row. */
    char buf[48];
    int at = (int)sizeof(buf) - 1, digits = 0;
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value
                                             : (unsigned long long)value;
    buf[at] = '\0';
    do {
        if (digits > 0 && digits % 3 == 0)
            buf[--at] = ',';
        buf[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
        digits++;
    } while (magnitude > 0);
    if (value < 0)
        buf[--at] = '-';
    size_t len = sizeof(buf) - 1 - (size_t)at;
    if (size == 0)
        return;
    if (len >= size)
        len = size - 1;
    memcpy(out, buf + at, len);
    out[len] = '\0';
}
