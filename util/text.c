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

void format_thousands(long long value, char *out, size_t size)
{
    char digits[32];
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value
                                             : (unsigned long long)value;
    int n = snprintf(digits, sizeof(digits), "%llu", magnitude);
    char buf[48];
    int o = 0;
    if (value < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    snprintf(out, size, "%s", buf);
}
