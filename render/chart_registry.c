/* chart_registry.c: the table of chart kinds (each kind's drawing lives in its own file)
 * and how a workbook shows each kind. Adding a kind is one file plus a line in each table. */
#include "render/chart_internal.h"

#include <stddef.h>

extern const struct chart_drawer chart_drawer_bar, chart_drawer_hbar;
extern const struct chart_drawer chart_drawer_stacked_bar, chart_drawer_grouped_bar;
extern const struct chart_drawer chart_drawer_line, chart_drawer_histogram;
extern const struct chart_drawer chart_drawer_treemap, chart_drawer_sankey, chart_drawer_heatmap,
    chart_drawer_address_map, chart_drawer_diverging_bar;

const struct chart_drawer *const chart_drawers[] = {
    &chart_drawer_bar,
    &chart_drawer_hbar,
    &chart_drawer_stacked_bar,
    &chart_drawer_grouped_bar,
    &chart_drawer_line,
    &chart_drawer_histogram,
    &chart_drawer_treemap,
    &chart_drawer_sankey,
    &chart_drawer_heatmap,
    &chart_drawer_address_map,
    &chart_drawer_diverging_bar,
    NULL
};

/* The Excel chart each kind becomes in a workbook: Excel's own where it has the kind,
 * else (and for a kind not listed) the rendered picture. */
static const enum chart_excel excel_forms[CHART_KIND_COUNT] = {
    [CHART_NONE] = CHART_EXCEL_NONE,
    [CHART_BAR] = CHART_EXCEL_COLUMN,
    [CHART_HBAR] = CHART_EXCEL_BAR,
    [CHART_STACKED_BAR] = CHART_EXCEL_STACKED_COLUMN,
    [CHART_GROUPED_BAR] = CHART_EXCEL_COLUMN,           /* series side by side */
    [CHART_HISTOGRAM] = CHART_EXCEL_PICTURE,            /* a column chart loses the box */
    [CHART_LINE] = CHART_EXCEL_LINE,
    [CHART_HEATMAP] = CHART_EXCEL_PICTURE,
    [CHART_TREEMAP] = CHART_EXCEL_PICTURE,
    [CHART_SANKEY] = CHART_EXCEL_PICTURE,
    [CHART_ADDRESS_MAP] = CHART_EXCEL_PICTURE,
};

enum chart_excel chart_kind_excel(enum chart_kind kind)
{
    if ((int)kind < 0 || kind >= CHART_KIND_COUNT)
        return CHART_EXCEL_NONE;
    return excel_forms[kind];
}
