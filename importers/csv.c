/* csv.c: the RFC 4180 reader shared by the Outlook CSV and LinkedIn importers. A record
 * is read line by line; a quoted field that spans lines gets its line breaks back as
 * "\n". */
#include "importers/csv.h"
#include "importers/importers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct csv_reader {
    struct input *in;           /* or, reading from memory: */
    const char *data;
    size_t len, pos;
    long line;                  /* lines returned so far */
    char delimiter;
    char *name;
    int first_line;
    int cut_off;
    struct strbuf text;         /* the record's fields, NUL-separated */
    size_t offsets[CSV_MAX_FIELDS];
    char *fields[CSV_MAX_FIELDS];
};

static struct csv_reader *reader_new(char delimiter, const char *name)
{
    struct csv_reader *r = xcalloc(1, sizeof(*r));
    r->delimiter = delimiter;
    r->name = xstrdup(name ? name : "");
    r->first_line = 1;
    strbuf_init(&r->text);
    return r;
}

struct csv_reader *csv_open_input(struct input *in, char delimiter, const char *name)
{
    struct csv_reader *r = reader_new(delimiter, name ? name : input_path(in));
    r->in = in;
    return r;
}

struct csv_reader *csv_open_memory(const char *data, size_t len, char delimiter,
                                   const char *name)
{
    struct csv_reader *r = reader_new(delimiter, name);
    r->data = data;
    r->len = len;
    return r;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    strbuf_release(&r->text);
    free(r->name);
    free(r);
}

int csv_cut_off(const struct csv_reader *r)
{
    return r->cut_off;
}

const char *csv_name(const struct csv_reader *r)
{
    return r->name;
}

static int fail(struct csv_reader *r, struct tally_diag *diag, long line, const char *what)
{
    snprintf(diag->file, sizeof(diag->file), "%s", r->name);
    diag->line = line;
    diag_set(diag, TALLY_ERROR_DATA, "%s", what);
    return -1;
}

/* The next line without its line ending: 1, 0 at the end, -1 on error. */
static int next_line(struct csv_reader *r, const char **line, size_t *len,
                     struct tally_diag *diag)
{
    if (r->in) {
        char *l;
        int rc = input_getline(r->in, &l, len, diag);
        if (rc < 0) {
            snprintf(diag->file, sizeof(diag->file), "%s", r->name);
            return -1;
        }
        if (rc == 0)
            return 0;
        *line = l;
        r->line = input_line_number(r->in);
    } else {
        if (r->pos >= r->len)
            return 0;
        const char *start = r->data + r->pos;
        const char *nl = memchr(start, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
        r->pos += n + (nl ? 1 : 0);
        if (n > 0 && start[n - 1] == '\r')
            n--;
        *line = start;
        *len = n;
        r->line++;
    }
    if (r->first_line) {
        r->first_line = 0;
        if (*len >= 3 && memcmp(*line, "\xef\xbb\xbf", 3) == 0) {
            *line += 3;
            *len -= 3;
        }
    }
    return 1;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct tally_diag *diag)
{
    const char *line;
    size_t len;
    int nfields = 0;
    int rc = next_line(r, &line, &len, diag);
    if (rc <= 0)
        return rc;
    long first = r->line;
    strbuf_reset(&r->text);
    r->offsets[nfields++] = 0;

    enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } state = FIELD_START;
    for (;;) {
        for (size_t i = 0; i < len; i++) {
            char c = line[i];
            switch (state) {
            case FIELD_START:
                if (c == '"') {
                    state = QUOTED;
                    continue;
                }
                state = UNQUOTED;
                /* fall through */
            case UNQUOTED:
                if (c == r->delimiter)
                    goto next_field;
                strbuf_addch(&r->text, c);
                continue;
            case QUOTED:
                if (c == '"')
                    state = QUOTE_IN_QUOTED;
                else
                    strbuf_addch(&r->text, c);
                continue;
            case QUOTE_IN_QUOTED:
                if (c == '"') {
                    strbuf_addch(&r->text, '"');
                    state = QUOTED;
                    continue;
                }
                if (c == r->delimiter)
                    goto next_field;
                /* Blanks after a closing quote are tolerated and dropped. */
                if (c == ' ' || c == '\t')
                    continue;
                return fail(r, diag, r->line, "a quoted field must end at a delimiter or "
                            "the end of the line (a stray character follows its closing quote)");
            }
        next_field:
            if (nfields == CSV_MAX_FIELDS)
                return fail(r, diag, first, "more fields in one record than tally accepts");
            strbuf_addch(&r->text, '\0');
            r->offsets[nfields++] = r->text.len;
            state = FIELD_START;
        }
        if (state != QUOTED)
            break;
        /* A line break inside a quoted field belongs to the field. */
        strbuf_addch(&r->text, '\n');
        if (r->text.len > CSV_MAX_RECORD)
            return fail(r, diag, first, "a record longer than 16 MiB (a quote never closed?)");
        rc = next_line(r, &line, &len, diag);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            r->cut_off = 1;
            return 0;
        }
    }
    if (r->text.len > CSV_MAX_RECORD)
        return fail(r, diag, first, "a record longer than 16 MiB");
    strbuf_addch(&r->text, '\0');
    for (int i = 0; i < nfields; i++)
        r->fields[i] = r->text.buf + r->offsets[i];
    rec->nfields = nfields;
    rec->fields = r->fields;
    rec->line = first;
    return 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int csv_find_field(const struct csv_record *header, const char *name)
{
    for (int i = 0; i < header->nfields; i++) {
        const char *f = header->fields[i];
        while (*f == ' ' || *f == '\t')
            f++;
        size_t n = strlen(f);
        while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
            n--;
        if (n == strlen(name) && strncasecmp(f, name, n) == 0)
            return i;
    }
    return -1;
}

char *csv_field(const struct csv_record *rec, int i)
{
    if (i < 0 || i >= rec->nfields)
        return NULL;
    char *s = trim(rec->fields[i]);
    return *s ? s : NULL;
}
