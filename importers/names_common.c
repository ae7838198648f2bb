/* names_common.c: reverse names read back into addresses and DNS answers turned into host
 * names, for the importers of reverse-DNS results and the capture's DNS decoder. */
#include "importers/names_common.h"

#include <ctype.h>
#include <glib.h>
#include <string.h>
#include <strings.h>

#define MAX_ALIASES 100000      /* CNAMEs remembered per import: memory stays bounded */

struct names_aliases {
    GHashTable *map;            /* plain target name -> struct ip_addr */
};

/* The value of one hex digit, or -1. */
static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int reverse_v4(const char *name, size_t len, struct ip_addr *addr)
{
    unsigned octets[4];
    int n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned v = 0;
        size_t start = i;
        while (i < len && isdigit((unsigned char)name[i]) && i - start < 3)
            v = v * 10 + (unsigned)(name[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && name[start] == '0') || n == 4)
            return -1;
        octets[n++] = v;
        if (i == len)
            break;
        if (name[i++] != '.' || i == len)
            return -1;
    }
    if (n != 4)
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->family = 4;
    for (int k = 0; k < 4; k++)
        addr->bytes[k] = (uint8_t)octets[3 - k];
    return 0;
}

static int reverse_v6(const char *name, size_t len, struct ip_addr *addr)
{
    if (len != 63)                      /* 32 nibbles and 31 dots */
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->family = 6;
    for (int k = 0; k < 32; k++) {
        int v = hex_value((unsigned char)name[2 * k]);
        if (v < 0 || (k < 31 && name[2 * k + 1] != '.'))
            return -1;
        int nibble = 31 - k;            /* the first label is the last nibble */
        addr->bytes[nibble / 2] |= (uint8_t)(nibble % 2 ? v : v << 4);
    }
    return 0;
}

int names_reverse_addr(const char *name, struct ip_addr *addr)
{
    static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len > sizeof(v4) - 1 && strncasecmp(name + len - (sizeof(v4) - 1), v4,
                                            sizeof(v4) - 1) == 0)
        return reverse_v4(name, len - (sizeof(v4) - 1), addr);
    if (len > sizeof(v6) - 1 && strncasecmp(name + len - (sizeof(v6) - 1), v6,
                                            sizeof(v6) - 1) == 0)
        return reverse_v6(name, len - (sizeof(v6) - 1), addr);
    return -1;
}

int names_plain(const char *name, size_t len, char *out, size_t size)
{
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || len >= size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f)
            return -1;
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    return 0;
}

struct names_aliases *names_aliases_new(void)
{
    struct names_aliases *a = xcalloc(1, sizeof(*a));
    a->map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return a;
}

void names_aliases_free(struct names_aliases *a)
{
    if (!a)
        return;
    g_hash_table_destroy(a->map);
    free(a);
}

/* The address owner names: its reverse name, an alias of one, or the fallback. */
static int owner_addr(struct names_aliases *aliases, const char *owner,
                      const struct ip_addr *fallback, struct ip_addr *addr)
{
    if (names_reverse_addr(owner, addr) == 0)
        return 0;
    const struct ip_addr *alias = aliases ? g_hash_table_lookup(aliases->map, owner) : NULL;
    if (!alias)
        alias = fallback;
    if (!alias)
        return -1;
    *addr = *alias;
    return 0;
}

enum tally_error names_answer(struct import_ctx *ctx, struct names_aliases *aliases,
                              const char *origin, int forward, const char *owner,
                              const char *type, const char *data,
                              const struct ip_addr *fallback, int64_t seen)
{
    char plain_owner[NAMES_TEXT], plain_data[NAMES_TEXT];
    struct name_record rec = { .origin = origin, .seen = seen, .rrtype = type };
    int ptr = strcasecmp(type, "PTR") == 0, cname = strcasecmp(type, "CNAME") == 0;
    int a = strcasecmp(type, "A") == 0, aaaa = strcasecmp(type, "AAAA") == 0;
    if (!ptr && !cname && !((a || aaaa) && forward))
        return TALLY_OK;
    if (names_plain(owner, strlen(owner), plain_owner, sizeof(plain_owner)) < 0)
        return TALLY_ERROR_DATA;
    if (a || aaaa) {
        if (ip_parse(data, &rec.addr) < 0 || rec.addr.family != (a ? 4 : 6))
            return TALLY_ERROR_DATA;
        rec.name = plain_owner;
        rec.rrtype = a ? "A" : "AAAA";
    } else {
        if (names_plain(data, strlen(data), plain_data, sizeof(plain_data)) < 0)
            return TALLY_ERROR_DATA;
        if (cname) {
            struct ip_addr from;
            if (aliases && owner_addr(aliases, plain_owner, NULL, &from) == 0 &&
                g_hash_table_size(aliases->map) < MAX_ALIASES &&
                !g_hash_table_contains(aliases->map, plain_data))
                g_hash_table_insert(aliases->map, g_strdup(plain_data),
                                    g_memdup2(&from, sizeof(from)));
            return TALLY_OK;
        }
        if (owner_addr(aliases, plain_owner, fallback, &rec.addr) < 0)
            return TALLY_OK;            /* a PTR that names no address */
        rec.name = plain_data;
        rec.rrtype = "PTR";
    }
    if (store_add_name(ctx->store, &rec))
        return store_fail(ctx->store, ctx->diag, "cannot store a host name");
    return TALLY_OK;
}
