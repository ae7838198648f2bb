/* chart_registry.c: the table of chart kinds; each kind's drawing lives in its own file.
 * Adding a kind is one file plus one line here. */
#include "render/chart_internal.h"

#include <stddef.h>

extern const struct chart_drawer chart_drawer_bar, chart_drawer_hbar;
extern const struct chart_drawer chart_drawer_stacked_bar, chart_drawer_grouped_bar;
extern const struct chart_drawer chart_drawer_line, chart_drawer_histogram;
extern const struct chart_drawer chart_drawer_treemap, chart_drawer_sankey, chart_drawer_heatmap,
    chart_drawer_address_map;

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
    NULL
};
