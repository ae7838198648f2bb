/* json_doc.c: a quick reader for one JSON record into a flat array of nodes (json_doc.h).
 * It reads the plain JSON that scanners write; whatever else it hands back to jansson, so
 * what is accepted, and every error message, stays jansson's. */
#include "importers/json_doc.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"

#define JDOC_MAX_DEPTH 32
#define JDOC_MAX_NODES 65536
#define JDOC_MAX_DIGITS 18      /* every integer of 18 digits fits a long long */

struct jdoc_reader {
    struct jdoc *doc;
    const unsigned char *p, *end;
    int bare_keys;
};

void jdoc_init(struct jdoc *doc)
{
    memset(doc, 0, sizeof(*doc));
}

void jdoc_release(struct jdoc *doc)
{
    free(doc->nodes);
    free(doc->text);
    jdoc_init(doc);
}

static void jdoc_reset(struct jdoc *doc)
{
    doc->count = 0;
    doc->text_len = 0;
}

/* Adds a node of the given type at *index; -1 when the document has too many nodes. */
static int jdoc_add(struct jdoc *doc, enum jdoc_type type, size_t limit, size_t *index)
{
    struct jdoc_node *node;

    if (doc->count >= limit)
        return -1;
    if (doc->count == doc->alloc) {
        doc->alloc = doc->alloc ? 2 * doc->alloc : 32;
        doc->nodes = xrealloc(doc->nodes, doc->alloc * sizeof(*doc->nodes));
    }
    node = &doc->nodes[doc->count];
    node->type = type;
    node->key = node->str = NULL;
    node->key_len = node->len = 0;
    node->integer = 0;
    node->first = node->next = 0;
    *index = doc->count++;
    return 0;
}

static inline void skip_space(struct jdoc_reader *r)
{
    while (r->p < r->end && *r->p <= ' ' &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* 1 for a byte a string holds as it is: 0x20-0x7f except '"' and '\\' (control characters
 * are malformed, bytes above 0x7f are left to jansson). 32 bytes a row. */
static const unsigned char plain_byte[256] = {
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    1,1,0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};

/* The string at r->p (its opening quote), decoded into the document's text as jansson
 * decodes it; NULL when it is malformed or not plain (a key with an escape, a byte above
 * 0x7f, a surrogate escape). The text always has room: decoded, a string and its NUL take
 * fewer bytes than its quoted form. */
static const char *read_string(struct jdoc_reader *r, size_t *len, int is_key)
{
    const unsigned char *p = r->p + 1, *end = r->end;
    char *start = r->doc->text + r->doc->text_len, *out = start;

    for (;;) {
        unsigned code;
        int digit;

        while (p < end && plain_byte[*p])
            *out++ = (char)*p++;
        if (p == end)
            return NULL;
        if (*p == '"')
            break;
        if (*p != '\\' || is_key || end - p < 2)
            return NULL;        /* a control character, a byte above 0x7f, an escaped key */
        p += 2;
        switch (p[-1]) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u':
            if (end - p < 4)
                return NULL;
            code = 0;
            for (int i = 0; i < 4; i++) {
                if ((digit = g_ascii_xdigit_value((char)p[i])) < 0)
                    return NULL;
                code = code << 4 | (unsigned)digit;
            }
            p += 4;
            if (code >= 0xd800 && code <= 0xdfff)
                return NULL;    /* surrogate pairs are left to jansson */
            if (code < 0x80) {
                *out++ = (char)code;
            } else if (code < 0x800) {
                *out++ = (char)(0xc0 | code >> 6);
                *out++ = (char)(0x80 | (code & 0x3f));
            } else {
                *out++ = (char)(0xe0 | code >> 12);
                *out++ = (char)(0x80 | (code >> 6 & 0x3f));
                *out++ = (char)(0x80 | (code & 0x3f));
            }
            break;
        default:
            return NULL;
        }
    }
    *out = '\0';
    r->p = p + 1;
    *len = (size_t)(out - start);
    r->doc->text_len += *len + 1;
    return start;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* An object's key: a string, or with bare_keys a bare name (copied with its NUL; the ':'
 * after it leaves room for that). */
static const char *read_key(struct jdoc_reader *r, size_t *len)
{
    if (*r->p == '"')
        return read_string(r, len, 1);
    if (r->bare_keys && is_name_start(*r->p)) {
        const unsigned char *name = r->p;
        char *out = r->doc->text + r->doc->text_len;
        while (r->p < r->end && is_name_char(*r->p))
            r->p++;
        *len = (size_t)(r->p - name);
        memcpy(out, name, *len);
        out[*len] = '\0';
        r->doc->text_len += *len + 1;
        return out;
    }
    return NULL;
}

/* An integer as jansson reads one (no leading zeros); reals and long integers are left to
 * jansson. */
static int read_number(struct jdoc_reader *r, long long *value)
{
    const unsigned char *p = r->p;
    int negative = 0, digits = 0;
    long long v = 0;

    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (p == r->end || *p < '0' || *p > '9')
        return -1;
    if (*p == '0' && p + 1 < r->end && p[1] >= '0' && p[1] <= '9')
        return -1;
    while (p < r->end && *p >= '0' && *p <= '9') {
        if (++digits > JDOC_MAX_DIGITS)
            return -1;
        v = v * 10 + (*p++ - '0');
    }
    if (p < r->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return -1;
    *value = negative ? -v : v;
    r->p = p;
    return 0;
}

static int read_word(struct jdoc_reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

/* Reads the value at r->p into a new node, *index; -1 when it is not read. */
static int read_value(struct jdoc_reader *r, int depth, size_t *index)
{
    struct jdoc *doc = r->doc;
    size_t node, child, last = 0, len, key_len = 0;
    enum jdoc_type type;
    char close;
    const char *key, *s;
    long long integer;

    if (r->p == r->end || depth > JDOC_MAX_DEPTH)
        return -1;
    switch (*r->p) {
    case '{':
    case '[':
        type = *r->p == '{' ? JDOC_OBJECT : JDOC_ARRAY;
        close = type == JDOC_OBJECT ? '}' : ']';
        if (jdoc_add(doc, type, JDOC_MAX_NODES, &node) != 0)
            return -1;
        r->p++;
        skip_space(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            break;
        }
        for (;;) {
            key = NULL;
            if (r->p == r->end)
                return -1;
            if (type == JDOC_OBJECT) {
                if (!(key = read_key(r, &key_len)))
                    return -1;
                skip_space(r);
                if (r->p == r->end || *r->p != ':')
                    return -1;
                r->p++;
                skip_space(r);
            }
            if (read_value(r, depth + 1, &child) != 0)
                return -1;
            doc->nodes[child].key = key;
            doc->nodes[child].key_len = key_len;
            if (last)
                doc->nodes[last].next = child;
            else
                doc->nodes[node].first = child;
            last = child;
            skip_space(r);
            if (r->p == r->end)
                return -1;
            if (*r->p == close)
                break;
            if (*r->p != ',')
                return -1;
            r->p++;
            skip_space(r);
        }
        r->p++;
        break;
    case '"':
        if (jdoc_add(doc, JDOC_STRING, JDOC_MAX_NODES, &node) != 0 ||
            !(s = read_string(r, &len, 0)))
            return -1;
        doc->nodes[node].str = s;
        doc->nodes[node].len = len;
        break;
    case 't':
        if (read_word(r, "true") != 0 || jdoc_add(doc, JDOC_TRUE, JDOC_MAX_NODES, &node) != 0)
            return -1;
        break;
    case 'f':
        if (read_word(r, "false") != 0 || jdoc_add(doc, JDOC_FALSE, JDOC_MAX_NODES, &node) != 0)
            return -1;
        break;
    case 'n':
        if (read_word(r, "null") != 0 || jdoc_add(doc, JDOC_NULL, JDOC_MAX_NODES, &node) != 0)
            return -1;
        break;
    default:
        if (read_number(r, &integer) != 0 ||
            jdoc_add(doc, JDOC_INTEGER, JDOC_MAX_NODES, &node) != 0)
            return -1;
        doc->nodes[node].integer = integer;
        break;
    }
    *index = node;
    return 0;
}

int jdoc_parse(struct jdoc *doc, const char *text, size_t len, int bare_keys)
{
    struct jdoc_reader r = {
        .doc = doc,
        .p = (const unsigned char *)text,
        .end = (const unsigned char *)text + len,
        .bare_keys = bare_keys,
    };
    size_t root;

    jdoc_reset(doc);
    if (doc->text_alloc < len + 1) {
        free(doc->text);
        doc->text_alloc = len + 1;
        doc->text = xmalloc(doc->text_alloc);
    }
    skip_space(&r);
    if (r.p == r.end || *r.p != '{' || read_value(&r, 0, &root) != 0)
        return -1;
    skip_space(&r);
    return r.p == r.end ? 0 : -1;
}

/* Adds value (named key inside an object) and what it holds; its index. */
static size_t add_jansson(struct jdoc *doc, json_t *value, const char *key)
{
    size_t node, child, last = 0, i;
    const char *name;
    json_t *item;

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        jdoc_add(doc, JDOC_OBJECT, SIZE_MAX, &node);
        json_object_foreach(value, name, item) {
            child = add_jansson(doc, item, name);
            *(last ? &doc->nodes[last].next : &doc->nodes[node].first) = child;
            last = child;
        }
        break;
    case JSON_ARRAY:
        jdoc_add(doc, JDOC_ARRAY, SIZE_MAX, &node);
        json_array_foreach(value, i, item) {
            child = add_jansson(doc, item, NULL);
            *(last ? &doc->nodes[last].next : &doc->nodes[node].first) = child;
            last = child;
        }
        break;
    case JSON_STRING:
        jdoc_add(doc, JDOC_STRING, SIZE_MAX, &node);
        doc->nodes[node].str = json_string_value(value);
        doc->nodes[node].len = json_string_length(value);
        break;
    case JSON_INTEGER:
        jdoc_add(doc, JDOC_INTEGER, SIZE_MAX, &node);
        doc->nodes[node].integer = json_integer_value(value);
        break;
    case JSON_REAL:
        jdoc_add(doc, JDOC_REAL, SIZE_MAX, &node);
        break;
    case JSON_TRUE:
        jdoc_add(doc, JDOC_TRUE, SIZE_MAX, &node);
        break;
    case JSON_FALSE:
        jdoc_add(doc, JDOC_FALSE, SIZE_MAX, &node);
        break;
    default:
        jdoc_add(doc, JDOC_NULL, SIZE_MAX, &node);
        break;
    }
    doc->nodes[node].key = key;
    doc->nodes[node].key_len = key ? strlen(key) : 0;
    return node;
}

void jdoc_from_jansson(struct jdoc *doc, json_t *root)
{
    jdoc_reset(doc);
    add_jansson(doc, root, NULL);
}

const struct jdoc_node *jdoc_root(const struct jdoc *doc)
{
    return doc->count ? &doc->nodes[0] : NULL;
}

const struct jdoc_node *jdoc_get(const struct jdoc *doc, const struct jdoc_node *obj,
                                 const char *key)
{
    const struct jdoc_node *found = NULL;
    size_t len = strlen(key);

    if (!obj || obj->type != JDOC_OBJECT)
        return NULL;
    for (const struct jdoc_node *n = jdoc_first(doc, obj); n; n = jdoc_next(doc, n))
        if (n->key_len == len && memcmp(n->key, key, len) == 0)
            found = n;
    return found;
}

void jdoc_members(const struct jdoc *doc, const struct jdoc_node *obj,
                  const struct jdoc_key *keys, size_t nkeys, const struct jdoc_node **out)
{
    for (size_t i = 0; i < nkeys; i++)
        out[i] = NULL;
    if (!obj || obj->type != JDOC_OBJECT)
        return;
    for (const struct jdoc_node *n = jdoc_first(doc, obj); n; n = jdoc_next(doc, n))
        for (size_t i = 0; i < nkeys; i++)
            if (n->key_len == keys[i].len && memcmp(n->key, keys[i].name, keys[i].len) == 0)
                out[i] = n;
}

const struct jdoc_node *jdoc_first(const struct jdoc *doc, const struct jdoc_node *node)
{
    return node && node->first ? &doc->nodes[node->first] : NULL;
}

const struct jdoc_node *jdoc_next(const struct jdoc *doc, const struct jdoc_node *node)
{
    return node && node->next ? &doc->nodes[node->next] : NULL;
}
