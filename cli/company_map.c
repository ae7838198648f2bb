/* company_map.c: reads the --map file (CSV "domain,company", a header line and lines
 * starting with '#' skipped) into the struct company_map the time analyses take. */
#include "cli/cli.h"
#include "importers/csv.h"

#include <glib.h>
#include <strings.h>

enum tally_error cli_read_map(const char *path, struct company_map **out,
                              struct tally_diag *diag)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    struct company_map *map = xcalloc(1, sizeof(*map));
    struct csv_reader *csv = NULL;
    struct csv_record rec;
    enum tally_error err = TALLY_OK;
    int rc;

    *out = NULL;
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        snprintf(diag->file, sizeof(diag->file), "%s", path);
        err = diag_set(diag, TALLY_ERROR_IO, "cannot read the --map file: %s",
                       gerr ? gerr->message : "error");
        g_clear_error(&gerr);
        goto done;
    }
    csv = csv_open_memory(data, len, ',', path);
    while ((rc = csv_next(csv, &rec, diag)) > 0) {
        char *domain = csv_field(&rec, 0);
        char *company = csv_field(&rec, 1);
        if (!domain || domain[0] == '#' || (rec.line == 1 && strcasecmp(domain, "domain") == 0))
            continue;
        if (!company || rec.nfields > 2) {
            snprintf(diag->file, sizeof(diag->file), "%s", path);
            diag->line = rec.line;
            err = diag_set(diag, TALLY_ERROR_DATA, "a line \"domain,company\" expected");
            goto done;
        }
        company_map_add(map, domain, company);
    }
    if (rc < 0)
        err = TALLY_ERROR_DATA;

done:
    csv_close(csv);
    g_free(data);
    if (err)
        company_map_free(map);
    else
        *out = map;
    return err;
}
