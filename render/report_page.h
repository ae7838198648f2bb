/* report_page.h: what report.c hands the page writer (html.c) beyond the public
 * report_entry: each chart drawn as SVG with the marks it recorded, shown in the page,
 * and the imports each table was made from; and the page written a section at a time. */
#ifndef TALLY_REPORT_PAGE_H
#define TALLY_REPORT_PAGE_H

#include "render/chart_internal.h"

struct report_part {
    const struct table *table;
    const char *image;                  /* its chart's PNG file in the folder, or NULL */
    const char *svg;                    /* its chart as SVG, drawn into the page, or NULL */
    const struct chart_marks *marks;    /* what the SVG's bars, cells and links stand for */
    const struct table *provenance;     /* the imports it was made from, or NULL */
};

/* index.html at path, written a section at a time: report_page_begin(), then
 * report_page_add() for each part in order (its tables may be freed once it returns), then
 * report_page_finish(), which writes the header, the contents, the sections and the
 * sources (NULL for none), or with keep 0 writes nothing, and frees the page. */
struct report_page;
enum tally_error report_page_begin(const char *path, const char *title,
                                   struct report_page **out, struct tally_diag *diag);
enum tally_error report_page_add(struct report_page *page, const struct report_part *part,
                                 struct tally_diag *diag);
enum tally_error report_page_finish(struct report_page *page, const struct table *sources,
                                    int keep, struct tally_diag *diag);
/* The same, for parts all at hand. */
enum tally_error report_page_write(const char *path, const char *title,
                                   const struct report_part *parts, int n,
                                   const struct table *sources, struct tally_diag *diag);

#endif
