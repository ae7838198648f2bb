/* xml_stream.h: feeds an input to expat in chunks, for the XML importers (masscan -oX, nmap
 * -oX). Handles what scanners' XML files really look like: several documents appended to
 * one file (each with its own "<?xml" prologue), and a last document that stops early
 * (no closing root element, when the scanner was killed). Internal to importers/. */
#ifndef TALLY_XML_STREAM_H
#define TALLY_XML_STREAM_H

#include "importers/importers.h"

struct xml_stream;

/* Element callbacks. attrs alternate name, value and end with NULL (as expat gives them).
 * A callback returns TALLY_OK to go on; anything else stops the import with that error
 * (the callback has filled ctx->diag). */
struct xml_handlers {
    enum tally_error (*start)(struct xml_stream *stream, void *user, const char *name,
                              const char **attrs);
    enum tally_error (*end)(struct xml_stream *stream, void *user, const char *name);
    /* Called when a new document starts (the first one too), to reset per-document state.
     * May be NULL. */
    void (*document)(void *user);
    /* When set, a document with a syntax error resumes at the line after the error inside
     * a fresh element of this name (for formats with one record per line, like masscan's);
     * otherwise the rest of that document is skipped. Only under --lenient. */
    const char *resume_root;
    /* What the format's root element is called, for the warning about a missing end. */
    const char *root;
    /* May be NULL. When set, the input goes to expat a line at a time, and each whole line
     * (with its '\n') that starts where expat has read everything before it, inside an
     * open element, is first offered here: the callback sets *taken when the line is
     * exactly the format's plain record line (one balanced element, no white space or
     * references in its values, so expat would pass on the same names and values) and it
     * has handled the record; expat then never sees that line. Otherwise the line goes to
     * expat, so what is accepted, and every message, stays expat's. */
    enum tally_error (*line)(struct xml_stream *stream, void *user, const char *text,
                             size_t len, int *taken);
    /* May be NULL: character data between tags, in pieces as expat gives them. */
    void (*text)(void *user, const char *text, size_t len);
};

/* Reads ctx->in to its end, calling the handlers. A document that ends early gets a
 * warning, not an error; a malformed one is an error naming the file and line (skipped
 * and counted under --lenient). */
enum tally_error xml_stream_run(struct import_ctx *ctx, const struct xml_handlers *handlers,
                                void *user);

/* For callbacks: the file's line number of the element being handled. */
long xml_stream_line(const struct xml_stream *stream);
/* For callbacks: a malformed record at the current line (see import_bad_record()). */
enum tally_error xml_stream_bad_record(struct xml_stream *stream, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The value of attribute name in attrs, or NULL. */
const char *xml_attr(const char **attrs, const char *name);
/* For sniff(): copies the <nmaprun ...> start tag found in the first bytes into out
 * (NUL-terminated, cut to size) and returns 1, or returns 0 when there is none. */
int xml_sniff_nmaprun(const unsigned char *head, size_t len, char *out, size_t size);
/* Parses an unsigned decimal attribute value up to max: 0 on success, -1 otherwise. */
int xml_parse_uint(const char *text, unsigned long long max, unsigned long long *out);

#endif
