/* registry.c: the table of every analysis, in the order `tally analyses` and reports list
 * them, and the catalogue `tally analyses` prints. Adding an analysis is one file plus one
 * line here. */
#include "analyzer/analyzer.h"

#include <string.h>

extern const struct analysis analysis_ports, analysis_subnets, analysis_top_subnets,
    analysis_subnet_squares, analysis_address_map;
extern const struct analysis analysis_dns_chains, analysis_talkers, analysis_capture_summary;
extern const struct analysis analysis_tls_names;
extern const struct analysis analysis_apps, analysis_stacks, analysis_app_stack, analysis_services;
extern const struct analysis analysis_changes, analysis_changed_services;
extern const struct analysis analysis_providers, analysis_asns, analysis_countries;
extern const struct analysis analysis_certs, analysis_tls_versions;
extern const struct analysis analysis_names, analysis_name_patterns;
extern const struct analysis analysis_meetings_per_day, analysis_time_per_company,
    analysis_meeting_durations, analysis_meeting_types, analysis_meeting_hours,
    analysis_linkedin_stats, analysis_connections, analysis_applications;

const struct analysis *const analysis_table[] = {
    &analysis_ports,
    &analysis_subnets,
    &analysis_top_subnets,
    &analysis_subnet_squares,
    &analysis_address_map,
    &analysis_apps, &analysis_stacks, &analysis_app_stack, &analysis_services,
    &analysis_changes, &analysis_changed_services,
    &analysis_providers, &analysis_asns, &analysis_countries,
    &analysis_certs, &analysis_tls_versions,
    &analysis_names, &analysis_name_patterns,
    &analysis_dns_chains, &analysis_talkers, &analysis_capture_summary,
    &analysis_tls_names,
    &analysis_meetings_per_day, &analysis_time_per_company, &analysis_meeting_durations,
    &analysis_meeting_types, &analysis_meeting_hours,
    &analysis_linkedin_stats, &analysis_connections, &analysis_applications,
    NULL
};

const struct analysis *analysis_find(const char *name)
{
    for (int i = 0; analysis_table[i]; i++)
        if (strcmp(analysis_table[i]->name, name) == 0)
            return analysis_table[i];
    return NULL;
}

enum tally_error analysis_catalogue(struct store *store, struct table **out,
                                    struct tally_diag *diag)
{
    static const char *const columns[] = { "name", "family", "has_data", "chart", "title" };
    struct table *t = table_new("analyses", "Analyses");
    (void)diag;
    for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++)
        table_add_column(t, columns[c], COLUMN_TEXT);
    for (int i = 0; analysis_table[i]; i++) {
        const struct analysis *a = analysis_table[i];
        size_t row = table_add_row(t);
        table_set_text(t, row, 0, a->name);
        table_set_text(t, row, 1, a->family);
        table_set_text(t, row, 2, store && analysis_has_data(a, store) ? "yes" : "no");
        table_set_text(t, row, 3, chart_kind_name(a->chart.kind));
        table_set_text(t, row, 4, a->title);
    }
    *out = t;
    return TALLY_OK;
}
