/* scan_subnets.c: hosts with a port open per subnet: `subnets` (every subnet, by address),
 * `top-subnets` and `subnet-squares` (the N fullest, ties broken by address) and
 * `address-map` (every /24, drawn on a Hilbert curve). They read the host sets
 * (store/store_hostset.c), not the observation rows: the union of the sets the filters
 * select, walked in address order, one count per subnet. An IPv4 subnet is kept in its
 * table as a number (address and prefix length), spelled out only when shown. When address
 * labels were imported, `subnets` and `top-subnets` add the label that covers each subnet
 * (analyzer/labels.c). */
#include "analyzer/labels.h"

#include <stdlib.h>
#include <string.h>

struct subnet {
    struct ip_addr net;         /* masked */
    int prefix;
    long long hosts;
};

/* The subnets counted: every one as a row of a table, or (top > 0) the `top` fullest
 * kept in a heap whose root is the one that ranks last. */
struct subnet_list {
    struct table *rows;         /* top == 0: where each subnet goes, in address order */
    struct subnet *items;
    size_t n, alloc;
    size_t top;
    size_t seen;                /* subnets counted, kept or not */
    int prefix;                 /* of the subnets being counted */
    const struct label_index *labels;   /* the label column's, or NULL: no such column */
    struct label_walk walk;             /* top == 0: the labels' ranges, in step with rows */
    const char **label_text;    /* by label id, the rows' copy of it (table_keep_text());
                                   the last one "(several)" */
};

static void subnet_push(struct subnet_list *list, const struct subnet *s)
{
    if (list->n == list->alloc) {
        list->alloc = list->alloc ? list->alloc * 2 : 256;
        list->items = xrealloc(list->items, list->alloc * sizeof(*list->items));
    }
    list->items[list->n++] = *s;
}

static int compare_address(const struct subnet *a, const struct subnet *b)
{
    if (a->net.family != b->net.family)
        return a->net.family - b->net.family;
    return memcmp(a->net.bytes, b->net.bytes, 16);
}

static int by_hosts_then_address(const void *pa, const void *pb)
{
    const struct subnet *a = pa, *b = pb;
    if (a->hosts != b->hosts)
        return a->hosts < b->hosts ? 1 : -1;
    return compare_address(a, b);
}

static void swap(struct subnet *a, struct subnet *b)
{
    struct subnet t = *a;
    *a = *b;
    *b = t;
}

/* Restores the heap from i down: a parent ranks after its children. */
static void sift_down(struct subnet_list *list, size_t i)
{
    for (;;) {
        size_t last = i, l = 2 * i + 1, r = l + 1;
        if (l < list->n && by_hosts_then_address(&list->items[l], &list->items[last]) > 0)
            last = l;
        if (r < list->n && by_hosts_then_address(&list->items[r], &list->items[last]) > 0)
            last = r;
        if (last == i)
            return;
        swap(&list->items[i], &list->items[last]);
        i = last;
    }
}

static void sift_up(struct subnet_list *list, size_t i)
{
    while (i > 0 && by_hosts_then_address(&list->items[i], &list->items[(i - 1) / 2]) > 0) {
        swap(&list->items[i], &list->items[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

void subnet4_key_text(int64_t key, char *buf, size_t size)
{
    /* Spelled out by hand: it runs once per subnet shown, millions of times. */
    unsigned parts[5] = { (unsigned)(key >> 32) & 0xff, (unsigned)(key >> 24) & 0xff,
                          (unsigned)(key >> 16) & 0xff, (unsigned)(key >> 8) & 0xff,
                          (unsigned)key & 0xff };
    char text[24];
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        unsigned v = parts[i];
        if (v >= 100)
            text[n++] = (char)('0' + v / 100);
        if (v >= 10)
            text[n++] = (char)('0' + v / 10 % 10);
        text[n++] = (char)('0' + v % 10);
        text[n++] = i < 3 ? '.' : i == 3 ? '/' : '\0';
    }
    if (size == 0)
        return;
    if (n > size)               /* n counts the NUL */
        n = size;
    memcpy(buf, text, n);
    buf[n - 1] = '\0';
}

static struct table *subnet_table_new(const char *name, const char *title,
                                      const struct label_index *labels)
{
    struct table *t = table_new(name, title);
    table_add_keyed_column(t, "subnet", subnet4_key_text);
    table_add_column(t, "hosts", COLUMN_INTEGER);
    if (labels)
        table_add_column(t, "label", COLUMN_TEXT);
    return t;
}

/* The label column: the label over the whole subnet, "(several)" when parts of it have
 * different ones, "" when it has none; walk not NULL: subnets come in address order. A
 * label's text is kept once by the table, not once per row. */
static void subnet_label(struct table *t, size_t row, const struct subnet *s,
                         struct subnet_list *list, struct label_walk *walk)
{
    const struct label_index *labels = list->labels;
    int id = walk ? label_index_cover_next(labels, walk, &s->net, s->prefix)
                  : label_index_cover(labels, &s->net, s->prefix);
    if (id == -1)
        return;         /* a new row's cells are empty: shown empty, and no string kept */
    size_t n = label_index_count(labels), i = id >= 0 ? (size_t)id : n;
    if (!list->label_text)
        list->label_text = xcalloc(n + 1, sizeof(*list->label_text));
    if (!list->label_text[i])
        list->label_text[i] = table_keep_text(t, id >= 0 ? label_index_label(labels, id)
                                                         : "(several)");
    table_set_kept_text(t, row, 2, list->label_text[i]);
}

void subnet_set_cell(struct table *t, size_t row, int col, const struct ip_addr *net,
                     int prefix)
{
    if (net->family == 4) {
        table_set_key(t, row, col, (int64_t)ip_v4_value(net) << 8 | prefix);
    } else {
        char text[80];
        ip_format_prefix(net, prefix, text, sizeof(text));
        table_set_text(t, row, col, text);
    }
}

static void subnet_row(struct table *t, const struct subnet *s, struct subnet_list *list,
                       struct label_walk *walk)
{
    size_t row = table_add_row(t);
    subnet_set_cell(t, row, 0, &s->net, s->prefix);
    table_set_int(t, row, 1, s->hosts);
    if (list->labels)
        subnet_label(t, row, s, list, walk);
}

/* hostset_subnet_fn: one subnet, kept when the list keeps every one or when it ranks
 * among the top. */
static void subnet_counted(void *arg, const struct ip_addr *net, long long hosts)
{
    struct subnet_list *list = arg;
    struct subnet s = { .net = *net, .prefix = list->prefix, .hosts = hosts };
    list->seen++;
    if (list->top == 0) {
        subnet_row(list->rows, &s, list, &list->walk);
    } else if (list->n < list->top) {
        subnet_push(list, &s);
        sift_up(list, list->n - 1);
    } else if (by_hosts_then_address(&s, &list->items[0]) < 0) {
        list->items[0] = s;
        sift_down(list, 0);
    }
}

/* The union of the open host sets the filters select, of one family (4 or 6) or both (0). */
static enum tally_error load_sets(struct store *store, const struct filters *f, int family,
                                  struct hostset *set, struct tally_diag *diag)
{
    static const char what[] = "cannot count subnets";
    if (f->cert)        /* the hosts presenting a certificate it matches (scan_certs.c) */
        return cert_hosts_load(store, f, family, set, diag);
    sqlite3_stmt *stmt;
    enum tally_error err = filters_host_sets(store, f, "family, members", family, what, &stmt,
                                             diag);
    if (!err)
        err = hostset_add_rows(store, set, stmt, what, diag);
    sqlite3_finalize(stmt);
    return err;
}

/* The IPv4 subnets of the open host sets the filters select, each set read from the
 * database as it is counted rather than loaded whole. */
static enum tally_error stream_sets4(struct store *store, const struct filters *f, int prefix,
                                     struct subnet_list *list, struct tally_diag *diag)
{
    static const char what[] = "cannot count subnets";
    sqlite3_stmt *stmt;
    enum tally_error err = filters_host_sets(store, f, "rowid", 4, what, &stmt, diag);
    if (!err)
        err = hostset_stored_subnets4(store, stmt, prefix, subnet_counted, list, what, diag);
    sqlite3_finalize(stmt);
    return err;
}

/* Counts the subnets of the hosts with a port open into list. --prefix applies to IPv4
 * when 8..32 and to IPv6 when 16..128; IPv6 defaults to /64. only4: IPv4 /prefix only.
 * Without --label and --cert, which pick hosts out of the sets, the IPv4 sets are read
 * in place: memory does not grow with them. */
static enum tally_error collect(struct store *store, const struct filters *f, int only4,
                                struct subnet_list *list, struct tally_diag *diag)
{
    int prefix = f->prefix ? f->prefix : 24;
    int prefix6 = f->prefix >= 16 ? f->prefix : 64;
    int with4 = prefix >= 8 && prefix <= 32;
    int in_place = with4 && !f->label && !f->cert;
    struct hostset *set = hostset_new();
    enum tally_error err = TALLY_OK;
    if (in_place) {
        list->prefix = prefix;
        err = stream_sets4(store, f, prefix, list, diag);
    }
    /* The sets still to load: IPv6 alone when IPv4 was read in place. */
    if (!err && !(in_place && only4))
        err = load_sets(store, f, only4 ? 4 : with4 && !in_place ? 0 : 6, set, diag);
    if (!err)
        err = labels_apply_filter(store, f, &set, diag);
    if (!err && with4 && !in_place) {
        list->prefix = prefix;
        hostset_each_subnet(set, 4, prefix, subnet_counted, list);
    }
    if (!err && !only4) {
        list->prefix = prefix6;
        hostset_each_subnet(set, 6, prefix6, subnet_counted, list);
    }
    hostset_free(set);
    return err;
}

char *subnet_title(const char *what, const struct filters *f)
{
    if (f->nports == 1)
        return xasprintf("%s with port %u/%s open", what, f->ports[0],
                         f->proto ? f->proto : "tcp");
    return xasprintf("%s with an open port", what);
}

/* Whether the host sets the filters select hold IPv6 hosts. */
static enum tally_error selects_ipv6(struct store *store, const struct filters *f, int *any,
                                     struct tally_diag *diag)
{
    sqlite3_stmt *stmt;
    enum tally_error err = filters_host_sets(store, f, "rowid", 6, "cannot count subnets",
                                             &stmt, diag);
    *any = !err && sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return err;
}

/* The widest each cell of an IPv4 listing can be, so that a terminal table of millions
 * of subnets is written as they are counted (render.h: table_set_widest). */
static void subnet_widest4(struct table *t, int prefix, const struct label_index *labels)
{
    char most[32];
    format_thousands((long long)1 << (32 - prefix), most, sizeof(most));
    table_set_widest(t, 0, (long)strlen("255.255.255.255/32"));
    table_set_widest(t, 1, (long)strlen(most));
    if (!labels)
        return;
    long widest = table_text_width("(several)");
    for (size_t id = 0; id < label_index_count(labels); id++) {
        long w = table_text_width(label_index_label(labels, (int)id));
        if (w > widest)
            widest = w;
    }
    table_set_widest(t, 2, widest);
}

/* Every subnet, in address order (they are counted in that order: IPv4, then IPv6). */
static enum tally_error run_all(struct store *store, const struct filters *f, int only4,
                                int labelled, struct table **out, struct tally_diag *diag,
                                const char *name, const char *what)
{
    char *title = subnet_title(what, f);
    struct label_set labels = { { NULL } };
    const struct label_index *idx = NULL;
    enum tally_error err = labelled ? labels_for_subnets(store, &labels, &idx, diag) : TALLY_OK;
    struct subnet_list list = { .rows = subnet_table_new(name, title, idx), .labels = idx };
    int prefix = f->prefix ? f->prefix : 24, with4 = prefix >= 8 && prefix <= 32;
    int with6 = !only4;
    if (!err && with4 && with6)
        err = selects_ipv6(store, f, &with6, diag);
    if (!err && with4 && !with6)
        subnet_widest4(list.rows, prefix, idx);
    table_stream_rows(list.rows, f->stream);    /* every row is final once added */
    if (!err)
        err = collect(store, f, only4, &list, diag);
    free(list.label_text);
    label_set_release(&labels);
    free(title);
    if (err) {
        table_free(list.rows);
        list.rows = NULL;
    }
    *out = list.rows;
    return err;
}

/* The `top` fullest subnets, ties broken by address. */
static enum tally_error run_top(struct store *store, const struct filters *f, int labelled,
                                struct table **out, struct tally_diag *diag,
                                const char *name, const char *what)
{
    struct subnet_list list = { .top = (size_t)(f->top > 0 ? f->top : 10) };
    struct label_set labels = { { NULL } };
    const struct label_index *idx = NULL;
    enum tally_error err = labelled ? labels_for_subnets(store, &labels, &idx, diag) : TALLY_OK;
    if (!err)
        err = collect(store, f, 0, &list, diag);
    if (!err) {
        xqsort(list.items, list.n, sizeof(*list.items), by_hosts_then_address);
        /* The count shown, not the one asked for: "Top 2" when there are two. */
        char *lead = xasprintf("Top %zu %s", list.n, what);
        char *title = subnet_title(lead, f);
        *out = subnet_table_new(name, title, idx);
        list.labels = idx;
        for (size_t i = 0; i < list.n; i++)
            subnet_row(*out, &list.items[i], &list, NULL);
        if (list.seen > list.n)
            (*out)->truncated = 1;
        free(title);
        free(lead);
    }
    free(list.items);
    free(list.label_text);
    label_set_release(&labels);
    return err;
}

static enum tally_error subnets_run(struct store *store, const struct filters *f,
                                    struct table **out, struct tally_diag *diag)
{
    return run_all(store, f, 0, 1, out, diag, "subnets", "Hosts per subnet");
}

static enum tally_error top_subnets_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    return run_top(store, f, 1, out, diag, "top-subnets", "subnets");
}

static enum tally_error subnet_squares_run(struct store *store, const struct filters *f,
                                           struct table **out, struct tally_diag *diag)
{
    return run_top(store, f, 0, out, diag, "subnet-squares", "subnets with counts: hosts");
}

static enum tally_error address_map_run(struct store *store, const struct filters *f,
                                        struct table **out, struct tally_diag *diag)
{
    struct filters per24 = *f;
    per24.prefix = 24;
    return run_all(store, &per24, 1, 0, out, diag, "address-map", "Address map: hosts");
}

static int subnets_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM host_set WHERE status = 'open' LIMIT 1");
}

static int address_map_has_data(struct store *store)
{
    return store_has_rows(store, "SELECT 1 FROM host_set WHERE status = 'open' "
                          "AND family = 4 LIMIT 1");
}

#define SUBNET_FILTERS (FILTER_PORT | FILTER_PROTO | FILTER_PREFIX | FILTER_SOURCE | FILTER_LABEL | FILTER_CERT)

const struct analysis analysis_subnets = {
    .name = "subnets",
    .title = "Hosts with a port open per subnet, by address",
    .family = "scan",
    .filters = SUBNET_FILTERS,
    .chart = { .kind = CHART_BAR, .x_title = "Subnet", .y_title = "Hosts",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = subnets_run,
    .run_clickhouse = clickhouse_subnets_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_top_subnets = {
    .name = "top-subnets",
    .title = "The subnets with the most hosts with a port open (--top, default 10)",
    .family = "scan",
    .filters = SUBNET_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_HBAR, .x_title = "Subnet", .y_title = "Hosts",
               .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = top_subnets_run,
    .run_clickhouse = clickhouse_top_subnets_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_subnet_squares = {
    .name = "subnet-squares",
    .title = "The top subnets as squares sized by hosts",
    .family = "scan",
    .filters = SUBNET_FILTERS | FILTER_TOP,
    .chart = { .kind = CHART_TREEMAP, .category_col = 0, .series_col = -1, .value_col = 1 },
    .run = subnet_squares_run,
    .run_clickhouse = clickhouse_subnet_squares_run,
    .has_data = subnets_has_data,
};

const struct analysis analysis_address_map = {
    .name = "address-map",
    .title = "Hosts per /24 on a Hilbert curve of the scanned space",
    .family = "scan",
    .filters = FILTER_PORT | FILTER_PROTO | FILTER_SOURCE | FILTER_LABEL | FILTER_CERT,
    .chart = { .kind = CHART_ADDRESS_MAP, .category_col = 0, .series_col = -1,
               .value_col = 1 },
    .run = address_map_run,
    .run_clickhouse = clickhouse_address_map_run,
    .has_data = address_map_has_data,
};
