/* json_doc.h: one JSON record (a line of -oJ or -oD) as a flat array of nodes, read without
 * a heap allocation per value; jansson reads what the quick reader leaves to it. Internal to
 * importers/ (the public contract is importers.h). */
#ifndef TALLY_JSON_DOC_H
#define TALLY_JSON_DOC_H

#include <jansson.h>
#include <stddef.h>

enum jdoc_type {
    JDOC_NULL,
    JDOC_TRUE,
    JDOC_FALSE,
    JDOC_INTEGER,
    JDOC_REAL,
    JDOC_STRING,
    JDOC_ARRAY,
    JDOC_OBJECT,
};

/* One value. Children of an array or object are chained by index through `next`
 * (0 ends the chain: node 0 is the root, never a child). */
struct jdoc_node {
    enum jdoc_type type;
    const char *key;        /* the member's name inside an object, else NULL */
    size_t key_len;
    const char *str;        /* JDOC_STRING: the decoded text, NUL-terminated, may hold NULs */
    size_t len;             /* JDOC_STRING: its length in bytes */
    long long integer;      /* JDOC_INTEGER */
    size_t first, next;     /* first child (containers), next sibling */
};

/* The nodes of the last record read, and the decoded text they point into. Reused from
 * record to record: it grows to the largest record and no further. */
struct jdoc {
    struct jdoc_node *nodes;
    size_t count, alloc;
    char *text;             /* decoded strings and keys */
    size_t text_len, text_alloc;
};

void jdoc_init(struct jdoc *doc);
void jdoc_release(struct jdoc *doc);

/* Reads text[0, len) as one JSON object, the way jansson's json_loadb() with
 * JSON_ALLOW_NUL would read it; with bare_keys, an object's keys may also be written as
 * bare names ([A-Za-z_][A-Za-z0-9_-]*), as masscan_json_quote_keys() would quote them.
 * Returns 0 when it read the object, -1 when it did not: the text is malformed, or uses
 * what this reader leaves to jansson (bytes above 0x7f, escaped keys, surrogates, reals,
 * integers of more than 18 digits, deep nesting, very many values). On -1, jansson decides. */
int jdoc_parse(struct jdoc *doc, const char *text, size_t len, int bare_keys);

/* Takes a tree jansson read (any JSON value) as the document. Strings and keys point into
 * root, which must outlive the use of the document. */
void jdoc_from_jansson(struct jdoc *doc, json_t *root);

const struct jdoc_node *jdoc_root(const struct jdoc *doc);
/* The member of an object named key (the last one, as jansson keeps, when it is named twice),
 * or NULL when obj is NULL, not an object, or has no such member. */
const struct jdoc_node *jdoc_get(const struct jdoc *doc, const struct jdoc_node *obj,
                                 const char *key);
/* A key to look up with jdoc_members(), with its length: JDOC_KEY("ip"). */
struct jdoc_key {
    const char *name;
    size_t len;
};
#define JDOC_KEY(name) { name, sizeof(name) - 1 }

/* jdoc_get() of several keys at once: out[i] is the member named keys[i].name, or NULL. */
void jdoc_members(const struct jdoc *doc, const struct jdoc_node *obj,
                  const struct jdoc_key *keys, size_t nkeys, const struct jdoc_node **out);
/* The first child of an array or object and the next sibling; NULL at the end. */
const struct jdoc_node *jdoc_first(const struct jdoc *doc, const struct jdoc_node *node);
const struct jdoc_node *jdoc_next(const struct jdoc *doc, const struct jdoc_node *node);

#endif
