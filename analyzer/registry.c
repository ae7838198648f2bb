/* registry.c: the table of every analysis, in the order `tally analyses` and reports list
 * them. Adding an analysis is one file plus one line here. */
#include "analyzer/analyzer.h"

#include <string.h>

extern const struct analysis analysis_ports, analysis_subnets, analysis_top_subnets,
    analysis_subnet_squares, analysis_address_map;
extern const struct analysis analysis_dns_chains, analysis_talkers, analysis_capture_summary;
extern const struct analysis analysis_apps, analysis_stacks, analysis_app_stack, analysis_services;
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
    &analysis_dns_chains, &analysis_talkers, &analysis_capture_summary,
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
