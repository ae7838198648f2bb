/* xml_stream.c: the chunked expat driver behind the XML importers. It never holds more than
 * one chunk of the file: documents appended one after another are split where a new
 * "<?xml" declaration starts (expat would call it a syntax error) and each gets a reset
 * parser; a document cut off at the end of the file is accepted with a warning. */
#include "importers/xml_stream.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_STREAM_CHUNK (64u * 1024)
/* Most bytes of a line cut by the end of a chunk held back for the next one, so that the
 * line callback sees whole lines (masscan's are a few hundred bytes). */
#define XML_STREAM_LINE_KEEP 4096u
/* Most bytes expat may hold between two tags (it keeps a whole token in memory). */
#define XML_STREAM_TOKEN_MAX (64ll << 20)
#define XML_DECL "<?xml"
#define XML_DECL_LEN 5

enum xml_skip {
    XML_SKIP_NONE,
    XML_SKIP_LINE,              /* until the next line, then resume inside resume_root */
    XML_SKIP_DOCUMENT           /* until the next "<?xml" */
};

struct xml_stream {
    XML_Parser parser;
    struct import_ctx *ctx;
    const struct xml_handlers *h;
    void *user;
    enum tally_error err;       /* what a callback stopped the parser with */
    long long newlines;         /* '\n' bytes of the file before the bytes being fed */
    long line_base;             /* lines of the file before the document's first line */
    long long doc_bytes;        /* bytes given to the current document's parser */
    long long since_tag;        /* bytes given to it since the last tag */
    int has_markup;             /* a '<' went to the current document */
    int has_content;            /* something other than white space went to it */
    int depth;                  /* elements open in the current document */
    int next_document;          /* the current document ends where another starts */
    enum xml_skip skip;
    int in_cdata;               /* inside a CDATA section of the current document */
    long quick_lines;           /* lines of the current document taken by h->line */
    int line_start;             /* the next byte starts a line */
};

static long long count_newlines(const char *data, size_t len)
{
    long long n = 0;
    const char *end = data + len;
    while ((data = memchr(data, '\n', (size_t)(end - data))) != NULL) {
        n++;
        data++;
    }
    return n;
}

const char *xml_attr(const char **attrs, const char *name)
{
    for (int i = 0; attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

int xml_sniff_nmaprun(const unsigned char *head, size_t len, char *out, size_t size)
{
    const char *p = (const char *)head, *end = p + len;
    while ((p = memmem(p, (size_t)(end - p), "<nmaprun", 8)) != NULL) {
        if (p + 8 < end && memchr(" \t\r\n>", p[8], 5)) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            size_t n = (size_t)((gt ? gt + 1 : end) - p);
            if (n >= size)
                n = size - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
        p += 8;
    }
    return 0;
}

int xml_parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno || v > max)
        return -1;
    *out = v;
    return 0;
}

long xml_stream_line(const struct xml_stream *s)
{
    return s->line_base + s->quick_lines + (long)XML_GetCurrentLineNumber(s->parser);
}

enum tally_error xml_stream_bad_record(struct xml_stream *s, const char *fmt, ...)
{
    struct import_ctx *ctx = s->ctx;
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    ctx->diag->line = xml_stream_line(s);
    ctx->diag->offset = -1;
    va_list ap;
    va_start(ap, fmt);
    enum tally_error err = diag_setv(ctx->diag, TALLY_ERROR_DATA, fmt, ap);
    va_end(ap);
    return err;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    struct xml_stream *s = data;
    s->depth++;
    s->since_tag = 0;
    if (s->err)
        return;
    s->err = s->h->start(s, s->user, name, attrs);
    if (s->err)
        XML_StopParser(s->parser, XML_FALSE);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    struct xml_stream *s = data;
    s->depth--;
    s->since_tag = 0;
    if (s->err)
        return;
    s->err = s->h->end(s, s->user, name);
    if (s->err)
        XML_StopParser(s->parser, XML_FALSE);
}

static void XMLCALL on_text(void *data, const XML_Char *text, int len)
{
    struct xml_stream *s = data;
    if (!s->err && len > 0)
        s->h->text(s->user, text, (size_t)len);
}

static void XMLCALL on_cdata_start(void *data)
{
    ((struct xml_stream *)data)->in_cdata = 1;
}

static void XMLCALL on_cdata_end(void *data)
{
    ((struct xml_stream *)data)->in_cdata = 0;
}

/* A fresh parser for the document that starts at the current position. */
static enum tally_error doc_begin(struct xml_stream *s)
{
    if (s->parser)
        XML_ParserReset(s->parser, NULL);
    else
        s->parser = XML_ParserCreate(NULL);
    if (!s->parser)
        return diag_set(s->ctx->diag, TALLY_ERROR_MEMORY, "cannot create an XML parser");
    XML_SetUserData(s->parser, s);
    XML_SetElementHandler(s->parser, on_start, on_end);
    if (s->h->text)
        XML_SetCharacterDataHandler(s->parser, on_text);
    if (s->h->line)
        XML_SetCdataSectionHandler(s->parser, on_cdata_start, on_cdata_end);
    s->line_base = (long)s->newlines;
    s->doc_bytes = 0;
    s->since_tag = 0;
    s->has_markup = 0;
    s->has_content = 0;
    s->depth = 0;
    s->skip = XML_SKIP_NONE;
    s->in_cdata = 0;
    s->quick_lines = 0;
    if (s->h->document)
        s->h->document(s->user);
    return TALLY_OK;
}

static int is_truncation(enum XML_Error code)
{
    return code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
           code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION;
}

/* expat gave up on the current document: decides between an early end (a warning), a
 * malformed document (an error), or, under --lenient, skipping (s->skip is set). */
static enum tally_error parse_failed(struct xml_stream *s, int final)
{
    struct import_ctx *ctx = s->ctx;
    enum XML_Error code = XML_GetErrorCode(s->parser);
    long line = xml_stream_line(s);
    const char *root = s->h->root ? s->h->root : "root";

    if (s->err)
        return s->err;
    if (final && is_truncation(code)) {
        /* Name the last line that has text, not the empty one after its newline. */
        if (XML_GetCurrentColumnNumber(s->parser) == 0 && line > 1)
            line--;
        if (s->depth > 1)
            import_warn(ctx, "%s:%ld: the %s ends inside a record (the scan stopped early?): "
                        "that record is left out", input_path(ctx->in), line,
                        s->next_document ? "document" : "file");
        else
            import_warn(ctx, "%s:%ld: the %s ends without </%s> (the scan stopped early?): "
                        "the records before it are kept", input_path(ctx->in), line,
                        s->next_document ? "document" : "file", root);
        return TALLY_OK;
    }
    if (!ctx->opt->lenient) {
        snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
        ctx->diag->line = line;
        ctx->diag->offset = -1;
        return diag_set(ctx->diag, TALLY_ERROR_DATA, "malformed XML (%s): expected "
                        "well-formed <%s> output", XML_ErrorString(code), root);
    }
    ctx->skipped++;
    if (s->h->resume_root) {
        s->skip = XML_SKIP_LINE;
        import_warn(ctx, "%s:%ld: malformed XML (%s): skipped to the next line",
                    input_path(ctx->in), line, XML_ErrorString(code));
    } else {
        s->skip = XML_SKIP_DOCUMENT;
        import_warn(ctx, "%s:%ld: malformed XML (%s): the rest of that document is skipped",
                    input_path(ctx->in), line, XML_ErrorString(code));
    }
    return TALLY_OK;
}

/* Gives len bytes of the current document to expat (final: it ends here). */
static enum tally_error feed_expat(struct xml_stream *s, const char *data, size_t len,
                                   int final)
{
    enum tally_error err;
    for (;;) {
        if (s->skip == XML_SKIP_DOCUMENT) {
            s->newlines += count_newlines(data, len);
            return TALLY_OK;
        }
        if (s->skip == XML_SKIP_LINE) {
            const char *nl = memchr(data, '\n', len);
            if (!nl)
                return TALLY_OK;
            size_t used = (size_t)(nl - data) + 1;
            s->newlines++;
            data += used;
            len -= used;
            err = doc_begin(s);
            if (err)
                return err;
            /* The records that follow are read as children of a new root element. */
            char root[80];
            int n = snprintf(root, sizeof(root), "<%s>", s->h->resume_root);
            if (XML_Parse(s->parser, root, n, 0) == XML_STATUS_ERROR)
                return s->err ? s->err : diag_set(s->ctx->diag, TALLY_ERROR_DATA,
                                                  "cannot resume after malformed XML");
            s->doc_bytes += n;
            s->has_markup = s->has_content = 1;
            continue;
        }
        if (len == 0 && (!final || !s->has_content))
            return TALLY_OK;
        if (!s->has_markup && memchr(data, '<', len))
            s->has_markup = 1;
        for (size_t i = 0; !s->has_content && i < len; i++)
            if (!memchr(" \t\r\n", data[i], 4))
                s->has_content = 1;
        s->since_tag += (long long)len;
        if (s->since_tag > XML_STREAM_TOKEN_MAX) {
            snprintf(s->ctx->diag->file, sizeof(s->ctx->diag->file), "%s",
                     input_path(s->ctx->in));
            s->ctx->diag->line = xml_stream_line(s);
            return diag_set(s->ctx->diag, TALLY_ERROR_LIMIT, "more than %lld MiB without an "
                            "XML tag: refusing to go on", XML_STREAM_TOKEN_MAX >> 20);
        }
        long long before = s->doc_bytes;
        if (XML_Parse(s->parser, len ? data : "", (int)len, final) != XML_STATUS_ERROR) {
            s->doc_bytes += (long long)len;
            s->newlines += count_newlines(data, len);
            return TALLY_OK;
        }
        err = parse_failed(s, final);
        if (err || s->skip == XML_SKIP_NONE || final) {
            s->newlines += count_newlines(data, len);
            return err;
        }
        if (s->skip == XML_SKIP_LINE) {
            /* Go on from where expat stopped: the rest of that line is skipped. */
            long long at = (long long)XML_GetCurrentByteIndex(s->parser) - before;
            if (at < 0)
                at = 0;
            if (at > (long long)len)
                at = (long long)len;
            s->newlines += count_newlines(data, (size_t)at);
            data += at;
            len -= (size_t)at;
        }
    }
}

/* Whether a line starting now may go around expat: expat has read every byte it was given
 * (no token left open) and is inside an element but not in a CDATA section, and nothing
 * is being skipped. */
static int between_tags(const struct xml_stream *s)
{
    return s->line_start && s->skip == XML_SKIP_NONE && s->depth > 0 && !s->in_cdata &&
           !s->err &&
           (long long)XML_GetCurrentByteIndex(s->parser) == s->doc_bytes;
}

/* Feeds len bytes to the current document (final: it ends here); with h->line, a line at
 * a time, offering each whole line to it first. */
static enum tally_error feed(struct xml_stream *s, const char *data, size_t len, int final)
{
    enum tally_error err;
    while (s->h->line && len > 0 && s->skip == XML_SKIP_NONE) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) + 1 : len;
        int taken = 0;
        if (nl && between_tags(s)) {
            err = s->h->line(s, s->user, data, n, &taken);
            if (err)
                return err;
        }
        if (taken) {
            s->quick_lines++;
            s->newlines++;
            s->since_tag = 0;
        } else if ((err = feed_expat(s, data, n, 0)) != TALLY_OK) {
            return err;
        }
        s->line_start = nl != NULL;
        data += n;
        len -= n;
    }
    if (len > 0)
        s->line_start = data[len - 1] == '\n';
    return feed_expat(s, data, len, final);
}

/* The end of a document: the end of the file or the start of the next document. */
static enum tally_error doc_end(struct xml_stream *s, int next_document)
{
    if (s->skip != XML_SKIP_NONE || !s->has_content)
        return TALLY_OK;
    s->next_document = next_document;
    return feed(s, "", 0, 1);
}

/* An "<?xml" declaration (not "<?xml-stylesheet") in data, or NULL; at_end: the file ends
 * with data. */
static const char *find_decl(const char *data, size_t len, int at_end)
{
    const char *p = data, *end = data + len;
    while ((p = memmem(p, (size_t)(end - p), XML_DECL, XML_DECL_LEN)) != NULL) {
        if (p + XML_DECL_LEN == end ? at_end : memchr(" \t\r\n", p[XML_DECL_LEN], 4) != NULL)
            return p;
        p += XML_DECL_LEN;
    }
    return NULL;
}

/* Feeds data to the documents, starting a new one at each further "<?xml". */
static enum tally_error process(struct xml_stream *s, const char *data, size_t len, int at_end)
{
    const char *end = data + len;
    while (data < end) {
        const char *decl = find_decl(data, (size_t)(end - data), at_end);
        const char *upto = decl ? decl : end;
        enum tally_error err;
        if (decl && !s->has_markup && !memchr(data, '<', (size_t)(decl - data))) {
            /* The declaration that opens the current document. */
            upto = decl + XML_DECL_LEN;
            decl = NULL;
        }
        err = feed(s, data, (size_t)(upto - data), 0);
        if (!err && decl) {
            err = doc_end(s, 1);
            if (!err)
                err = doc_begin(s);
        }
        if (err)
            return err;
        data = upto;
    }
    return TALLY_OK;
}

enum tally_error xml_stream_run(struct import_ctx *ctx, const struct xml_handlers *handlers,
                                void *user)
{
    struct xml_stream s = { .ctx = ctx, .h = handlers, .user = user, .line_start = 1 };
    char *buf = xmalloc(XML_STREAM_CHUNK + XML_STREAM_LINE_KEEP);
    size_t kept = 0;
    enum tally_error err = doc_begin(&s);

    while (!err) {
        long n = input_read(ctx->in, buf + kept, XML_STREAM_CHUNK, ctx->diag);
        if (n < 0) {
            err = TALLY_ERROR_IO;
            break;
        }
        size_t total = kept + (size_t)n, ready = total;
        /* A '<' too near the end to tell whether it opens "<?xml " waits for more. */
        if (n > 0) {
            const char *lt = memchr(buf + (total > XML_DECL_LEN ? total - XML_DECL_LEN : 0),
                                    '<', total > XML_DECL_LEN ? XML_DECL_LEN : total);
            if (lt)
                ready = (size_t)(lt - buf);
        }
        /* So does a short last line, for the line callback. */
        if (n > 0 && handlers->line) {
            const char *nl = memrchr(buf, '\n', total);
            if (nl && total - (size_t)(nl - buf) - 1 <= XML_STREAM_LINE_KEEP &&
                (size_t)(nl - buf) + 1 < ready)
                ready = (size_t)(nl - buf) + 1;
        }
        err = process(&s, buf, ready, n == 0);
        memmove(buf, buf + ready, total - ready);
        kept = total - ready;
        if (n == 0)
            break;
    }
    if (!err)
        err = doc_end(&s, 0);
    if (s.parser)
        XML_ParserFree(s.parser);
    free(buf);
    return err;
}
