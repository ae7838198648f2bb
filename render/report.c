/* report.c: a report folder: NAME.png and NAME.svg for each table that has a chart (NAME
 * is the table's name), report.xlsx with every table, and index.html showing them all.
 * The caller computes the tables and hands them over one at a time; this only writes
 * them, so that a report holds one analysis's table at once. Each chart is drawn once per
 * format: the workbook shows the PNG's bytes where it shows the chart as a picture, and
 * the page the SVG's, with the marks recorded while it was drawn. */
#include "render/report_page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static enum tally_error write_file(const char *path, const unsigned char *data, size_t len,
                                   struct tally_diag *diag)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok)
        return TALLY_OK;
    snprintf(diag->file, sizeof(diag->file), "%s", path);
    return diag_set(diag, TALLY_ERROR_IO, "cannot write: %s", strerror(errno));
}

/* NAME.png and NAME.svg; the PNG's bytes stay in *drawn for the workbook, the SVG in
 * *svg with its marks for the page. */
static enum tally_error write_charts(const char *dir, const struct workbook_sheet *part,
                                     struct workbook_png *drawn, struct strbuf *svg_out,
                                     struct chart_marks *marks, struct tally_diag *diag)
{
    char *png = xasprintf("%s/%s.png", dir, part->table->name);
    char *svg = xasprintf("%s/%s.svg", dir, part->table->name);
    unsigned char *bytes = NULL;
    size_t len = 0;
    enum tally_error err = chart_render_png(part->table, part->chart, &bytes, &len, diag);
    if (!err) {
        drawn->bytes = bytes;
        drawn->len = len;
        err = write_file(png, bytes, len, diag);
    }
    if (!err)
        err = chart_render_svg_marked(part->table, part->chart, svg_out, marks, diag);
    if (!err)
        err = write_file(svg, (const unsigned char *)svg_out->buf, svg_out->len, diag);
    free(png);
    free(svg);
    return err;
}

struct report_writer {
    char *dir;
    const struct table *sources;
    struct workbook_writer *book;       /* NULL: report.xlsx is the caller's */
    struct report_page *page;
};

enum tally_error report_begin(const char *dir, const struct table *summary,
                              const struct table *sources, size_t rows, int with_workbook,
                              struct report_writer **out, struct tally_diag *diag)
{
    *out = NULL;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        int error = errno;
        snprintf(diag->file, sizeof(diag->file), "%s", dir);
        return diag_set(diag, TALLY_ERROR_IO, "cannot create the folder: %s",
                        strerror(error));
    }
    struct report_writer *r = xcalloc(1, sizeof(*r));
    r->dir = xstrdup(dir);
    r->sources = sources;
    *out = r;
    char *path = xasprintf("%s/index.html", dir);
    enum tally_error err = report_page_begin(path, "tally report", &r->page, diag);
    free(path);
    if (err || !with_workbook)
        return err;
    path = xasprintf("%s/report.xlsx", dir);
    err = workbook_begin(path, summary, sources, rows, &r->book, diag);
    free(path);
    return err;
}

enum tally_error report_add(struct report_writer *r, const struct workbook_sheet *part,
                            struct tally_diag *diag)
{
    struct report_part entry = { .table = part->table, .provenance = part->provenance };
    struct workbook_png drawn = { NULL, 0 };
    struct strbuf svg;
    struct chart_marks marks = { 0 };
    char *image = NULL;
    enum tally_error err = TALLY_OK;

    strbuf_init(&svg);
    if (part->chart && part->table) {
        err = write_charts(r->dir, part, &drawn, &svg, &marks, diag);
        image = xasprintf("%s.png", part->table->name);
        entry.image = image;
        entry.svg = svg.buf;
        entry.marks = &marks;
    }
    if (!err && r->book)
        err = workbook_add(r->book, part, &drawn, diag);
    if (!err)
        err = report_page_add(r->page, &entry, diag);
    free(image);
    free((unsigned char *)drawn.bytes);
    strbuf_release(&svg);
    chart_marks_release(&marks);
    return err;
}

enum tally_error report_finish(struct report_writer *r, int keep, struct tally_diag *diag)
{
    if (!r)
        return TALLY_OK;
    enum tally_error err = r->book ? workbook_finish(r->book, keep, diag) : TALLY_OK;
    enum tally_error page = report_page_finish(r->page, r->sources, keep && !err, diag);
    free(r->dir);
    free(r);
    return err ? err : page;
}
