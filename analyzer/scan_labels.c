/* scan_labels.c: whose networks the hosts with a port open are in: `providers` (cloud
 * provider, region and service, from imported range files), `asns` (autonomous systems)
 * and `countries`, the last two from imported AS and country databases or else IPFire's
 * location database. Each counts the union of the open host sets the filters select
 * (as `subnets` does), walked in address order in step with the sorted label ranges
 * (analyzer/labels.c). */
#include "analyzer/labels.h"

#include <stdlib.h>
#include <string.h>

/* The union of the open host sets the filters select, of one family (4 or 6) or both (0),
 * --label applied. */
static enum tally_error open_hosts(struct store *store, const struct filters *f, int family,
                                   struct hostset **out, struct tally_diag *diag)
{
    static const char what[] = "cannot read the hosts";
    struct hostset *set = hostset_new();
    sqlite3_stmt *stmt;
    enum tally_error err = filters_host_sets(store, f, "family, members", family, what, &stmt,
                                             diag);
    if (!err)
        err = hostset_add_rows(store, set, stmt, what, diag);
    if (!err)
        err = labels_apply_filter(store, f, &set, diag);
    sqlite3_finalize(stmt);
    if (err) {
        hostset_free(set);
        set = NULL;
    }
    *out = set;
    return err;
}

/* How many hosts the open host sets the filters select hold, counted once per set. */
static enum tally_error open_hosts_at_most(struct store *store, const struct filters *f,
                                           long long *hosts, struct tally_diag *diag)
{
    static const char what[] = "cannot read the hosts";
    sqlite3_stmt *stmt;
    enum tally_error err = filters_host_sets(store, f, "COALESCE(SUM(hosts), 0)", 0, what,
                                             &stmt, diag);
    if (!err && sqlite3_step(stmt) != SQLITE_ROW)
        err = store_fail(store, diag, what);
    *hosts = err ? 0 : sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return err;
}

/* Counts the hosts per label of the open host sets the filters select into counts, the
 * labels of kind loaded into labels. Many hosts and no --label (which picks hosts out of
 * the sets): the IPv4 sets are read in place, their memory not growing with them, and
 * every label is loaded; else the union is loaded, which label_set_load() may look up. */
static enum tally_error count_labels(struct store *store, const struct filters *f,
                                     enum label_kind kind, struct label_set *labels,
                                     long long **counts, struct tally_diag *diag)
{
    static const char what[] = "cannot read the hosts";
    struct hostset *hosts = NULL;
    sqlite3_stmt *stmt = NULL;
    long long at_most = 0;
    enum tally_error err = TALLY_OK;
    int in_place = !f->label;
    if (in_place && (err = open_hosts_at_most(store, f, &at_most, diag)))
        return err;
    in_place = in_place && at_most > LABEL_HOST_LOOKUPS;
    err = open_hosts(store, f, in_place ? 6 : 0, &hosts, diag);
    if (!err)
        err = label_set_load(store, 1u << kind, in_place ? NULL : hosts, labels, diag);
    if (!err) {
        const struct label_index *idx = labels->index[kind];
        *counts = xcalloc(label_index_count(idx) + 1, sizeof(**counts));
        if (!in_place)
            label_index_hosts(idx, hosts, *counts);
        else if (!(err = filters_host_sets(store, f, "rowid", 4, what, &stmt, diag)))
            err = label_index_hosts_stored(idx, store, stmt, hosts, *counts, diag);
        sqlite3_finalize(stmt);
    }
    hostset_free(hosts);
    return err;
}

struct label_row {
    int id;
    long long hosts;
    const struct label_index *idx;
};

static int by_hosts_then_label(const void *pa, const void *pb)
{
    const struct label_row *a = pa, *b = pb;
    if (a->hosts != b->hosts)
        return a->hosts < b->hosts ? 1 : -1;
    int c = strcmp(label_index_label(a->idx, a->id), label_index_label(b->idx, b->id));
    if (c)
        return c;
    const char *da = label_index_detail(a->idx, a->id), *db = label_index_detail(b->idx, b->id);
    return strcmp(da ? da : "", db ? db : "");
}

/* Fills t (its columns made by the caller) with one row per label that has hosts, the
 * fullest first, through row_fn; the subtitle says where the labels come from. */
typedef void label_row_fn(struct table *t, size_t row, const struct label_index *idx, int id,
                          long long hosts);

static enum tally_error run_kind(struct store *store, const struct filters *f,
                                 enum label_kind kind, struct table *t, label_row_fn *row_fn,
                                 struct tally_diag *diag)
{
    struct label_set labels = { { NULL } };
    long long *counts = NULL;
    struct label_row *rows = NULL;
    size_t nrows = 0;
    enum tally_error err = count_labels(store, f, kind, &labels, &counts, diag);
    if (err)
        goto done;
    const struct label_index *idx = labels.index[kind];
    size_t n = label_index_count(idx);
    rows = xmalloc((n + 1) * sizeof(*rows));
    for (size_t i = 0; i < n; i++)
        if (counts[i] > 0)
            rows[nrows++] = (struct label_row){ (int)i, counts[i], idx };
    xqsort(rows, nrows, sizeof(*rows), by_hosts_then_label);
    size_t shown = f->top > 0 && (size_t)f->top < nrows ? (size_t)f->top : nrows;
    for (size_t i = 0; i < shown; i++)
        row_fn(t, table_add_row(t), idx, rows[i].id, rows[i].hosts);
    if (shown < nrows)
        t->truncated = 1;
    char *what = filters_describe(f, FILTER_PORT | FILTER_PROTO | FILTER_LABEL);
    const char *origin = label_index_origin(idx);
    char *subtitle = xasprintf("%s%slabels from %s", what, *what ? "; " : "",
                               *origin ? origin : "nothing (import a range file or database)");
    table_set_subtitle(t, subtitle);
    free(subtitle);
    free(what);

done:
    free(rows);
    free(counts);
    label_set_release(&labels);
    return err;
}

static void provider_row(struct table *t, size_t row, const struct label_index *idx, int id,
                         long long hosts)
{
    const char *label = label_index_label(idx, id), *colon = strchr(label, ':');
    const char *detail = label_index_detail(idx, id);
    if (colon) {
        table_set_textn(t, row, 0, label, (size_t)(colon - label));
        table_set_text(t, row, 1, colon + 1);
    } else {
        table_set_text(t, row, 0, label);
        table_set_text(t, row, 1, "");
    }
    table_set_text(t, row, 2, detail ? detail : "");
    table_set_int(t, row, 3, hosts);
}

static enum tally_error providers_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct table *t = table_new("providers", "Hosts with a port open by provider, region "
                                "and service");
    table_add_column(t, "provider", COLUMN_TEXT);
    table_add_column(t, "region", COLUMN_TEXT);
    table_add_column(t, "service", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    *out = t;
    return run_kind(store, f, LABEL_PROVIDER, t, provider_row, diag);
}

static void asn_row(struct table *t, size_t row, const struct label_index *idx, int id,
                    long long hosts)
{
    const char *label = label_index_label(idx, id), *detail = label_index_detail(idx, id);
    table_set_int(t, row, 0, strtoll(label + 2, NULL, 10));
    table_set_text(t, row, 1, detail ? detail : "");
    table_set_int(t, row, 2, hosts);
}

static enum tally_error asns_run(struct store *store, const struct filters *f,
                                 struct table **out, struct tally_diag *diag)
{
    struct table *t = table_new("asns", "Hosts with a port open by autonomous system");
    table_add_id_column(t, "asn");
    table_add_column(t, "as_name", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    *out = t;
    return run_kind(store, f, LABEL_ASN, t, asn_row, diag);
}

static void country_row(struct table *t, size_t row, const struct label_index *idx, int id,
                        long long hosts)
{
    table_set_text(t, row, 0, label_index_label(idx, id));
    table_set_int(t, row, 1, hosts);
}

static enum tally_error countries_run(struct store *store, const struct filters *f,
                                      struct table **out, struct tally_diag *diag)
{
    struct table *t = table_new("countries", "Hosts with a port open by country");
    table_add_column(t, "country", COLUMN_TEXT);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    *out = t;
    return run_kind(store, f, LABEL_COUNTRY, t, country_row, diag);
}

static int providers_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM host_set WHERE status = 'open' LIMIT 1") &&
           store_has_rows(store, "SELECT 1 FROM label_range WHERE kind = 'provider' LIMIT 1");
}

/* Scans and labels of the kind, imported or from the location database. */
static int located_has_data(struct store *store, const char *kind)
{
    if (!store_has_rows(store, "SELECT 1 FROM host_set WHERE status = 'open' LIMIT 1"))
        return 0;
    char *sql = xasprintf("SELECT 1 FROM label_range WHERE kind = '%s' LIMIT 1", kind);
    int imported = store_has_rows(store, sql);
    free(sql);
    return imported || labels_location_installed();
}

static int asns_has_data(struct store *store)
{
    return located_has_data(store, "asn");
}

static int countries_has_data(struct store *store)
{
    return located_has_data(store, "country");
}

#define LABEL_FILTERS (FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_TOP | FILTER_LABEL)

const struct analysis analysis_providers = {
    .name = "providers",
    .title = "Hosts with a port open by cloud provider, region and service (imported "
             "range files)",
    .family = "scan",
    .filters = LABEL_FILTERS,
    .chart = { .kind = CHART_HBAR, .x_title = "Region", .y_title = "Hosts",
               .category_col = 1, .series_col = -1, .value_col = 3 },
    .run = providers_run,
    .has_data = providers_has_data,
};

const struct analysis analysis_asns = {
    .name = "asns",
    .title = "Hosts with a port open by autonomous system",
    .family = "scan",
    .filters = LABEL_FILTERS,
    .chart = { .kind = CHART_HBAR, .x_title = "Autonomous system", .y_title = "Hosts",
               .category_col = 1, .series_col = -1, .value_col = 2 },
    .run = asns_run,
    .has_data = asns_has_data,
};

const struct analysis analysis_countries = {
    .name = "countries",
    .title = "Hosts with a port open by country",
    .family = "scan",
    .filters = LABEL_FILTERS,
    .chart = { .kind = CHART_HBAR, .x_title = "Country", .y_title = "Hosts",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = countries_run,
    .has_data = countries_has_data,
};
