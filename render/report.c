/* report.c: a report folder: NAME.png and NAME.svg for each table that has a chart (NAME
 * is the table's name), report.xlsx with every table, and index.html showing them all.
 * The caller computes the tables; this only writes them. Each chart is drawn once per
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

enum tally_error report_write(const char *dir, const struct workbook_sheet *parts, int n,
                              const struct table *summary, const struct table *sources,
                              struct tally_diag *diag)
{
    struct report_part *entries = xcalloc((size_t)n + 1, sizeof(*entries));
    struct workbook_png *drawn = xcalloc((size_t)n + 1, sizeof(*drawn));
    struct strbuf *svgs = xcalloc((size_t)n + 1, sizeof(*svgs));
    struct chart_marks *marks = xcalloc((size_t)n + 1, sizeof(*marks));
    char **images = xcalloc((size_t)n + 1, sizeof(*images));
    char *path = NULL;
    enum tally_error err = TALLY_OK;

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        int error = errno;
        snprintf(diag->file, sizeof(diag->file), "%s", dir);
        err = diag_set(diag, TALLY_ERROR_IO, "cannot create the folder: %s", strerror(error));
        goto done;
    }
    for (int i = 0; i < n && !err; i++) {
        entries[i].table = parts[i].table;
        entries[i].provenance = parts[i].provenance;
        if (!parts[i].chart)
            continue;
        strbuf_init(&svgs[i]);
        err = write_charts(dir, &parts[i], &drawn[i], &svgs[i], &marks[i], diag);
        images[i] = xasprintf("%s.png", parts[i].table->name);
        entries[i].image = images[i];
        entries[i].svg = svgs[i].buf;
        entries[i].marks = &marks[i];
    }
    if (!err) {
        path = xasprintf("%s/report.xlsx", dir);
        err = workbook_write_drawn(path, parts, drawn, n, summary, sources, diag);
        free(path);
    }
    if (!err) {
        path = xasprintf("%s/index.html", dir);
        err = report_page_write(path, "tally report", entries, n, sources, diag);
        free(path);
    }

done:
    for (int i = 0; i < n; i++) {
        free(images[i]);
        free((unsigned char *)drawn[i].bytes);
        strbuf_release(&svgs[i]);
        chart_marks_release(&marks[i]);
    }
    free(svgs);
    free(marks);
    free(images);
    free(drawn);
    free(entries);
    return err;
}
