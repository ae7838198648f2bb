/* report_page.h: what report.c hands the page writer (html.c) beyond the public
 * report_entry: each chart drawn as SVG with the marks it recorded, shown in the page,
 * and the imports each table was made from. */
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

/* index.html at path: the parts in order, then the sources (NULL for none). */
enum tally_error report_page_write(const char *path, const char *title,
                                   const struct report_part *parts, int n,
                                   const struct table *sources, struct tally_diag *diag);

#endif
