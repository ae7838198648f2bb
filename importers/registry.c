/* registry.c: the table of every format tally imports. Adding a format is one file plus
 * one line here. */
#include "importers/importers.h"

#include <string.h>

extern const struct importer importer_masscan_list;
extern const struct importer importer_pcap;
extern const struct importer importer_masscan_json, importer_masscan_ndjson,
    importer_masscan_grepable;
extern const struct importer importer_masscan_xml, importer_nmap_xml, importer_masscan_binary;
extern const struct importer importer_zgrab2;
extern const struct importer importer_aws_ranges, importer_gcp_ranges, importer_azure_tags,
    importer_oracle_ranges, importer_label_csv, importer_iplocation_csv, importer_mmdb;

extern const struct importer importer_massdns, importer_zdns, importer_dig,
    importer_name_patterns;
extern const struct importer importer_ics, importer_outlook_csv, importer_linkedin,
    importer_linkedin_stats;

const struct importer *const importer_table[] = {
    &importer_masscan_list,
    &importer_masscan_json, &importer_masscan_ndjson, &importer_masscan_grepable,
    &importer_masscan_xml, &importer_nmap_xml, &importer_masscan_binary,
    &importer_zgrab2,
    &importer_pcap,
    &importer_ics,
    &importer_outlook_csv,
    &importer_linkedin,
    &importer_linkedin_stats,
    &importer_aws_ranges, &importer_gcp_ranges, &importer_azure_tags, &importer_oracle_ranges,
    &importer_label_csv, &importer_iplocation_csv, &importer_mmdb,
    &importer_massdns, &importer_zdns, &importer_dig, &importer_name_patterns,
    NULL
};

const struct importer *importer_find(const char *name)
{
    for (int i = 0; importer_table[i]; i++)
        if (strcmp(importer_table[i]->name, name) == 0)
            return importer_table[i];
    return NULL;
}

static const struct importer *best_sniff(const unsigned char *head, size_t len,
                                         const char *path)
{
    const struct importer *best = NULL;
    int best_score = 0;
    for (int i = 0; importer_table[i]; i++) {
        int score = importer_table[i]->sniff(head, len, path);
        if (score > best_score) {
            best_score = score;
            best = importer_table[i];
        }
    }
    return best;
}

const struct importer *importer_sniff(const unsigned char *head, size_t len, const char *path)
{
    const struct importer *best = best_sniff(head, len, path);
    /* Blank lines before the first record of a text format say nothing of the format
     * (a pcapng file does start with CR and LF bytes, so this comes second). */
    size_t blank = 0;
    while (blank < len && (head[blank] == '\n' || head[blank] == '\r'))
        blank++;
    if (!best && blank > 0 && blank < len)
        best = best_sniff(head + blank, len - blank, path);
    return best;
}
