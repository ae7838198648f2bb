/* names.c: the `names` analysis (each host with a name, its provider's label, and whether
 * the name follows that provider's default pattern: "ec2-A-B-C-D.compute-1.amazonaws.com"
 * rather than "mail.shop.example") and `name-patterns` (those names counted by provider
 * and answer, for a chart). Names come from PTR answers in captures and imported massdns,
 * zdns and dig results (host_name); labels from imported range files (analyzer/labels.c);
 * patterns from the built-in table below and the user's name-patterns imports. */
#include "analyzer/labels.h"
#include "util/name_pattern.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* The default names providers give their hosts (util/name_pattern.h for the syntax). A
 * user adds more with a CSV "provider,pattern" (format name-patterns). */
static const struct {
    const char *provider, *pattern;
} builtin_patterns[] = {
    { "aws", "ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com" },            /* us-east-1 */
    { "aws", "ec2-{a}-{b}-{c}-{d}.{region}.compute.amazonaws.com" },     /* other regions */
    { "aws", "server-{a}-{b}-{c}-{d}.{region}.r.cloudfront.net" },       /* CloudFront */
    { "google", "{d}.{c}.{b}.{a}.bc.googleusercontent.com" },            /* Compute Engine */
    { "google", "*.1e100.net" },                                         /* Google's own */
    { "azure", "*.cloudapp.azure.com" },                                 /* a VM's DNS label */
    { "azure", "*.cloudapp.net" },                                       /* classic */
    { "linode", "li*-*.members.linode.com" },
    { "linode", "{a}-{b}-{c}-{d}.ip.linodeusercontent.com" },
    { "hetzner", "static.{d}.{c}.{b}.{a}.clients.your-server.de" },
    { "hetzner", "static.{a}-{b}-{c}-{d}.clients.your-server.de" },
};
#define NBUILTIN (sizeof(builtin_patterns) / sizeof(builtin_patterns[0]))

struct pattern_list {
    size_t n, alloc;
    char **provider, **pattern;
};

static void patterns_add(struct pattern_list *p, const char *provider, const char *pattern)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->provider[i], provider) == 0 && strcmp(p->pattern[i], pattern) == 0)
            return;
    if (p->n == p->alloc) {
        p->alloc = p->alloc ? 2 * p->alloc : 32;
        p->provider = xrealloc(p->provider, p->alloc * sizeof(*p->provider));
        p->pattern = xrealloc(p->pattern, p->alloc * sizeof(*p->pattern));
    }
    p->provider[p->n] = xstrdup(provider);
    p->pattern[p->n++] = xstrdup(pattern);
}

static void patterns_release(struct pattern_list *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->provider[i]);
        free(p->pattern[i]);
    }
    free(p->provider);
    free(p->pattern);
}

/* The built-in patterns, then those imported (a pattern that does not check is left out:
 * the importer refuses them, so only a hand-edited database has one). */
static enum tally_error patterns_load(struct store *store, struct pattern_list *p,
                                      struct tally_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    int rc;
    for (size_t i = 0; i < NBUILTIN; i++)
        patterns_add(p, builtin_patterns[i].provider, builtin_patterns[i].pattern);
    if (sqlite3_prepare_v2(store_db(store), "SELECT provider, pattern FROM name_pattern "
                           "ORDER BY rowid", -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(store, diag, "cannot read the name patterns");
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *provider = (const char *)sqlite3_column_text(stmt, 0);
        const char *pattern = (const char *)sqlite3_column_text(stmt, 1);
        if (provider && pattern && !name_pattern_check(pattern))
            patterns_add(p, provider, pattern);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? TALLY_OK : store_fail(store, diag, "cannot read the name patterns");
}

/* One (address, name): the origins that gave it, ';'-separated. */
struct named {
    struct ip_addr addr;
    char *host, *name, *origins;
    char *provider;             /* the label's, else the matching pattern's; "" when none */
    char *label;                /* the provider label, "" when none */
    const char *answer;         /* "yes", "no", "unknown" */
};

struct named_list {
    size_t n, alloc;
    struct named *rows;
};

static void named_release(struct named_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].host);
        free(l->rows[i].name);
        free(l->rows[i].origins);
        free(l->rows[i].label);
        free(l->rows[i].provider);
    }
    free(l->rows);
}

static int by_address_then_name(const void *pa, const void *pb)
{
    const struct named *a = pa, *b = pb;
    if (a->addr.family != b->addr.family)
        return a->addr.family - b->addr.family;
    int c = memcmp(a->addr.bytes, b->addr.bytes, a->addr.family == 4 ? 4 : 16);
    return c ? c : strcmp(a->name, b->name);
}

/* Every (address, name) the filters select, with its origins, in address order. */
static enum tally_error names_load(struct store *store, const struct filters *f,
                                   struct named_list *l, struct tally_diag *diag)
{
    struct strbuf sql;
    sqlite3_stmt *stmt = NULL;
    enum tally_error err = TALLY_OK;
    int rc;
    strbuf_init(&sql);
    strbuf_addstr(&sql, "SELECT addr, name, group_concat(origin, ';') FROM (SELECT DISTINCT "
                  "addr, name, origin FROM host_name WHERE 1");
    filters_sql_source(f, &sql, "source_id");
    strbuf_addstr(&sql, " ORDER BY addr, name, origin) GROUP BY addr, name");
    if (sqlite3_prepare_v2(store_db(store), sql.buf, -1, &stmt, NULL) != SQLITE_OK) {
        err = store_fail(store, diag, "cannot read the host names");
        goto done;
    }
    filters_bind(stmt, f);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *addr = (const char *)sqlite3_column_text(stmt, 0);
        const char *name = (const char *)sqlite3_column_text(stmt, 1);
        const char *origins = (const char *)sqlite3_column_text(stmt, 2);
        struct named row = { .answer = "unknown" };
        if (!addr || !name || ip_parse(addr, &row.addr) < 0)
            continue;
        if (l->n == l->alloc) {
            l->alloc = l->alloc ? 2 * l->alloc : 64;
            l->rows = xrealloc(l->rows, l->alloc * sizeof(*l->rows));
        }
        row.host = xstrdup(addr);
        row.name = xstrdup(name);
        row.origins = xstrdup(origins ? origins : "");
        row.label = xstrdup("");
        row.provider = xstrdup("");
        l->rows[l->n++] = row;
    }
    if (rc != SQLITE_DONE)
        err = store_fail(store, diag, "cannot read the host names");
    else
        xqsort(l->rows, l->n, sizeof(*l->rows), by_address_then_name);

done:
    sqlite3_finalize(stmt);
    strbuf_release(&sql);
    return err;
}

static void keep_host(void *arg, const struct ip_addr *net, long long hosts)
{
    char text[64];
    (void)hosts;
    ip_format(net, text, sizeof(text));
    g_hash_table_add(arg, g_strdup(text));
}

/* With --label, leaves out the names of hosts without a matching label. */
static enum tally_error apply_label_filter(struct store *store, const struct filters *f,
                                           struct named_list *l, struct tally_diag *diag)
{
    if (!f->label)
        return TALLY_OK;
    struct hostset *set = hostset_new();
    for (size_t i = 0; i < l->n; i++)
        hostset_add(set, &l->rows[i].addr);
    enum tally_error err = labels_apply_filter(store, f, &set, diag);
    if (!err) {
        GHashTable *keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        hostset_each_subnet(set, 4, 32, keep_host, keep);
        hostset_each_subnet(set, 6, 128, keep_host, keep);
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (g_hash_table_contains(keep, l->rows[i].host)) {
                l->rows[kept++] = l->rows[i];
            } else {
                free(l->rows[i].host);
                free(l->rows[i].name);
                free(l->rows[i].origins);
                free(l->rows[i].label);
                free(l->rows[i].provider);
            }
        }
        l->n = kept;
        g_hash_table_destroy(keep);
    }
    hostset_free(set);
    return err;
}

static void set_provider(struct named *row, const char *provider, size_t len)
{
    free(row->provider);
    row->provider = xstrndup(provider, len);
}

/* Labels a name and says whether it follows its provider's default pattern: "yes" when a
 * pattern of the host's provider (or, for a host with no provider label or a provider with
 * no pattern, of any provider) matches, "no" when its provider has patterns and none
 * matches, "unknown" otherwise. */
static void judge(struct named *row, const struct label_index *idx,
                  const struct pattern_list *p)
{
    int id = idx ? label_index_find(idx, &row->addr) : -1;
    if (id >= 0) {
        const char *label = label_index_label(idx, id);
        size_t plen = strcspn(label, ":");
        int has_patterns = 0;
        free(row->label);
        row->label = xstrdup(label);
        set_provider(row, label, plen);
        for (size_t i = 0; i < p->n; i++) {
            if (strlen(p->provider[i]) != plen || strncmp(p->provider[i], label, plen) != 0)
                continue;
            has_patterns = 1;
            if (name_pattern_match(p->pattern[i], row->name, &row->addr)) {
                row->answer = "yes";
                return;
            }
        }
        if (has_patterns) {
            row->answer = "no";
            return;
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        if (name_pattern_match(p->pattern[i], row->name, &row->addr)) {
            set_provider(row, p->provider[i], strlen(p->provider[i]));
            row->answer = "yes";
            return;
        }
    }
    row->answer = "unknown";
}

/* The names the filters select, labelled and judged. */
static enum tally_error names_compute(struct store *store, const struct filters *f,
                                      struct named_list *l, struct tally_diag *diag)
{
    struct label_set labels = { { NULL } };
    struct pattern_list patterns = { 0 };
    struct hostset *hosts = hostset_new();
    enum tally_error err = names_load(store, f, l, diag);
    if (err || (err = apply_label_filter(store, f, l, diag)) ||
        (err = patterns_load(store, &patterns, diag)))
        goto done;
    for (size_t i = 0; i < l->n; i++)
        hostset_add(hosts, &l->rows[i].addr);
    if ((err = label_set_load(store, 1u << LABEL_PROVIDER, hosts, &labels, diag)))
        goto done;
    for (size_t i = 0; i < l->n; i++)
        judge(&l->rows[i], labels.index[LABEL_PROVIDER], &patterns);

done:
    hostset_free(hosts);
    label_set_release(&labels);
    patterns_release(&patterns);
    return err;
}

/* How many hosts have a name that does not follow their provider's default pattern. */
static long long hosts_not_default(const struct named_list *l)
{
    long long n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->rows[i].answer, "no") != 0)
            continue;
        n++;
        while (i + 1 < l->n && strcmp(l->rows[i + 1].host, l->rows[i].host) == 0)
            i++;                        /* the rows of one host are together */
    }
    return n;
}

/* "3 hosts have names not following their provider's default pattern", then the filters. */
static void set_summary(struct table *t, const struct filters *f, long long n)
{
    char *what = filters_describe(f, FILTER_LABEL);
    char *subtitle = xasprintf("%lld host%s %s a name not following %s provider's default "
                               "pattern%s%s", n, n == 1 ? "" : "s", n == 1 ? "has" : "have",
                               n == 1 ? "its" : "their", *what ? "; " : "", what);
    table_set_subtitle(t, subtitle);
    table_add_note(t, "hosts with a name not following the provider's default pattern",
                   (double)n);
    free(subtitle);
    free(what);
}

static enum tally_error names_run(struct store *store, const struct filters *f,
                                  struct table **out, struct tally_diag *diag)
{
    struct named_list l = { 0 };
    struct table *t = table_new("names", "Hosts with a name, and whether it follows the "
                                "provider's default pattern");
    table_add_column(t, "host", COLUMN_TEXT);
    table_add_column(t, "name", COLUMN_TEXT);
    table_add_column(t, "provider", COLUMN_TEXT);
    table_add_column(t, "label", COLUMN_TEXT);
    table_add_column(t, "default_name", COLUMN_TEXT);
    table_add_column(t, "origin", COLUMN_TEXT);
    *out = t;
    enum tally_error err = names_compute(store, f, &l, diag);
    if (!err) {
        for (size_t i = 0; i < l.n; i++) {
            const struct named *r = &l.rows[i];
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, r->host);
            table_set_text(t, row, 1, r->name);
            table_set_text(t, row, 2, r->provider);
            table_set_text(t, row, 3, r->label);
            table_set_text(t, row, 4, r->answer);
            table_set_text(t, row, 5, r->origins);
        }
        set_summary(t, f, hosts_not_default(&l));
    }
    named_release(&l);
    return err;
}

/* The answers in the order a chart stacks them. */
static const char *const answers[] = { "no", "yes", "unknown" };

struct provider_count {
    const char *provider;
    long long count[3];
};

static int by_provider(const void *pa, const void *pb)
{
    const struct provider_count *a = pa, *b = pb;
    if (!*a->provider != !*b->provider)
        return *a->provider ? -1 : 1;           /* "(none)" last */
    return strcmp(a->provider, b->provider);
}

static enum tally_error name_patterns_run(struct store *store, const struct filters *f,
                                          struct table **out, struct tally_diag *diag)
{
    struct named_list l = { 0 };
    struct provider_count *counts = NULL;
    size_t ncounts = 0;
    struct table *t = table_new("name-patterns", "Host names by provider, following its "
                                "default pattern or not");
    table_add_column(t, "provider", COLUMN_TEXT);
    table_add_column(t, "default_name", COLUMN_TEXT);
    table_add_column(t, "names", COLUMN_INTEGER);
    *out = t;
    enum tally_error err = names_compute(store, f, &l, diag);
    if (err)
        goto done;
    counts = xcalloc(l.n + 1, sizeof(*counts));
    for (size_t i = 0; i < l.n; i++) {
        size_t c = 0;
        while (c < ncounts && strcmp(counts[c].provider, l.rows[i].provider) != 0)
            c++;
        if (c == ncounts)
            counts[ncounts++].provider = l.rows[i].provider;
        for (int a = 0; a < 3; a++)
            if (strcmp(l.rows[i].answer, answers[a]) == 0)
                counts[c].count[a]++;
    }
    xqsort(counts, ncounts, sizeof(*counts), by_provider);
    for (size_t c = 0; c < ncounts; c++) {
        for (int a = 0; a < 3; a++) {
            if (!counts[c].count[a])
                continue;
            size_t row = table_add_row(t);
            table_set_text(t, row, 0, *counts[c].provider ? counts[c].provider : "(none)");
            table_set_text(t, row, 1, answers[a]);
            table_set_int(t, row, 2, counts[c].count[a]);
        }
    }
    set_summary(t, f, hosts_not_default(&l));

done:
    free(counts);
    named_release(&l);
    return err;
}

static int names_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM host_name LIMIT 1");
}

const struct analysis analysis_names = {
    .name = "names",
    .title = "Hosts with a name (reverse DNS and lookups), and whether it follows their "
             "provider's default pattern",
    .family = "scan",
    .filters = FILTER_SOURCE | FILTER_LABEL,
    .chart = { .kind = CHART_NONE, .category_col = 0, .series_col = -1, .value_col = -1 },
    .run = names_run,
    .has_data = names_has_data,
    .source_table = "host_name",
    .time_col = "seen",
};

const struct analysis analysis_name_patterns = {
    .name = "name-patterns",
    .title = "Host names by provider, following its default pattern or not",
    .family = "scan",
    .filters = FILTER_SOURCE | FILTER_LABEL,
    .chart = { .kind = CHART_STACKED_BAR, .x_title = "Provider", .y_title = "Host names",
               .category_col = 0, .series_col = 1, .value_col = 2 },
    .run = name_patterns_run,
    .has_data = names_has_data,
    .source_table = "host_name",
    .time_col = "seen",
};
