/* chart_sankey.c: the two-column Sankey diagram (CHART_SANKEY): category -> series flows
 * (app -> stack) as filled Bezier ribbons between value-sized nodes, ordered for the fewest
 * weighted crossings (every order tried when the chart is small, else barycentre sweeps
 * from several starts, polished), every node labelled "name (count)" outside. */
#include "render/chart_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SANKEY_SWEEPS 8                 /* barycentre passes, alternating columns */
#define SANKEY_EXCHANGE_PASSES 16       /* polishing passes at most */
#define SANKEY_EXACT_MAX 12             /* a column this small is ordered exactly */
#define SANKEY_EXHAUSTIVE_WORK 2e7      /* steps allowed for trying every order */
#define SANKEY_MAX_NODES 40             /* per column; the rest fold into "Other" */
#define SANKEY_NODE_W 14.0
#define SANKEY_PAD 8.0                  /* least gap between nodes */
#define SANKEY_LABEL_GAP 6.0            /* between a node and its label */
#define SANKEY_LABEL_SHARE 0.28         /* most of the width one label column may take */
#define SANKEY_FILL_SHARE 0.7           /* labels' share of a column at most, else fold */
#define SANKEY_ALPHA 0.45

/* ---- layout ---- */

static void sankey_values(int nleft, int nright, const struct sankey_flow *flows,
                          int nflows, double *left, double *right)
{
    for (int i = 0; i < nleft; i++)
        left[i] = 0;
    for (int i = 0; i < nright; i++)
        right[i] = 0;
    for (int f = 0; f < nflows; f++) {
        left[flows[f].source] += flows[f].value;
        right[flows[f].target] += flows[f].value;
    }
}

/* Sort keys for ranking a column. */
struct sankey_key {
    int node;
    double key;
    double tie;
};

static int sankey_key_cmp(const void *a, const void *b)
{
    const struct sankey_key *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->tie != y->tie)
        return x->tie < y->tie ? -1 : 1;
    return x->node - y->node;
}

static void sankey_rank_by(struct sankey_key *keys, int n, int *rank)
{
    xqsort(keys, (size_t)n, sizeof *keys, sankey_key_cmp);
    for (int r = 0; r < n; r++)
        rank[keys[r].node] = r;
}

/* Each node's centre when the column is stacked in rank order without gaps. */
static void sankey_positions(int n, const double *value, const int *rank, double *pos)
{
    int *at = xcalloc((size_t)(n ? n : 1), sizeof *at);
    double acc = 0;

    for (int i = 0; i < n; i++)
        at[rank[i]] = i;
    for (int r = 0; r < n; r++) {
        pos[at[r]] = acc + value[at[r]] / 2;
        acc += value[at[r]];
    }
    free(at);
}

double sankey_crossings(const struct sankey_flow *flows, int nflows, const int *left_rank,
                        const int *right_rank)
{
    double total = 0;

    for (int i = 0; i < nflows; i++) {
        for (int j = i + 1; j < nflows; j++) {
            int dl = left_rank[flows[i].source] - left_rank[flows[j].source];
            int dr = right_rank[flows[i].target] - right_rank[flows[j].target];
            if ((dl < 0 && dr > 0) || (dl > 0 && dr < 0))
                total += flows[i].value * flows[j].value;
        }
    }
    return total;
}

/* Re-ranks one column (`moving`) by the flow-weighted mean position of its partners in
 * the other column. */
static void sankey_sweep(int nmove, int nfixed, const struct sankey_flow *flows, int nflows,
                         int moving_is_right, const double *move_value,
                         const double *fixed_value, int *move_rank, const int *fixed_rank,
                         int pinned)
{
    double *fixed_pos = xcalloc((size_t)(nfixed ? nfixed : 1), sizeof *fixed_pos);
    double *move_pos = xcalloc((size_t)(nmove ? nmove : 1), sizeof *move_pos);
    double *sum = xcalloc((size_t)(nmove ? nmove : 1), sizeof *sum);
    double *weight = xcalloc((size_t)(nmove ? nmove : 1), sizeof *weight);
    struct sankey_key *keys = xcalloc((size_t)(nmove ? nmove : 1), sizeof *keys);

    sankey_positions(nfixed, fixed_value, fixed_rank, fixed_pos);
    sankey_positions(nmove, move_value, move_rank, move_pos);
    for (int f = 0; f < nflows; f++) {
        int m = moving_is_right ? flows[f].target : flows[f].source;
        int o = moving_is_right ? flows[f].source : flows[f].target;
        sum[m] += flows[f].value * fixed_pos[o];
        weight[m] += flows[f].value;
    }
    for (int i = 0; i < nmove; i++) {
        keys[i].node = i;
        keys[i].key = i == pinned ? INFINITY : weight[i] > 0 ? sum[i] / weight[i] : move_pos[i];
        keys[i].tie = move_rank[i];
    }
    sankey_rank_by(keys, nmove, move_rank);
    free(fixed_pos);
    free(move_pos);
    free(sum);
    free(weight);
    free(keys);
}

/* One pass of neighbour exchanges in a column: two adjacent nodes swap when that lowers
 * the weighted crossings between their flows; the pinned node stays where it is.
 * Returns whether anything moved. */
static int sankey_exchange(int n, const struct sankey_flow *flows, int nflows, int is_right,
                           int *rank, const int *other_rank, int pinned)
{
    int *at = xcalloc((size_t)(n ? n : 1), sizeof *at);
    int changed = 0;

    for (int i = 0; i < n; i++)
        at[rank[i]] = i;
    for (int r = 0; r + 1 < n; r++) {
        int u = at[r], v = at[r + 1];
        double delta = 0;
        if (u == pinned || v == pinned)
            continue;
        for (int f = 0; f < nflows; f++) {
            if ((is_right ? flows[f].target : flows[f].source) != u)
                continue;
            int of = other_rank[is_right ? flows[f].source : flows[f].target];
            for (int g = 0; g < nflows; g++) {
                if ((is_right ? flows[g].target : flows[g].source) != v)
                    continue;
                int og = other_rank[is_right ? flows[g].source : flows[g].target];
                /* u above v: f and g cross when of > og; after the swap when of < og. */
                delta += flows[f].value * flows[g].value * ((of < og) - (of > og));
            }
        }
        if (delta < 0) {
            at[r] = v;
            at[r + 1] = u;
            rank[v] = r;
            rank[u] = r + 1;
            changed = 1;
        }
    }
    free(at);
    return changed;
}

/* Weighted crossings between the flows of nodes u and v of one column when u is drawn above
 * v, the other column's order fixed: cost[u * n + v]. Flows of one node never cross. */
static double *sankey_pair_costs(int n, const struct sankey_flow *flows, int nflows,
                                 int is_right, const int *other_rank)
{
    double *cost = xcalloc((size_t)(n ? n * n : 1), sizeof *cost);

    for (int f = 0; f < nflows; f++) {
        int u = is_right ? flows[f].target : flows[f].source;
        int of = other_rank[is_right ? flows[f].source : flows[f].target];
        for (int g = 0; g < nflows; g++) {
            int v = is_right ? flows[g].target : flows[g].source;
            int og = other_rank[is_right ? flows[g].source : flows[g].target];
            if (u != v && of > og)
                cost[u * n + v] += flows[f].value * flows[g].value;
        }
    }
    return cost;
}

/* Re-ranks one column (of at most SANKEY_EXACT_MAX free nodes) to the fewest weighted
 * crossings given the other column: a dynamic programme over the subsets of nodes placed
 * so far, each step putting one more node below them. Among equal orders the current one
 * wins, so the result is never worse than the order it started from. The pinned node
 * stays last. */
static void sankey_exact(int n, const struct sankey_flow *flows, int nflows, int is_right,
                         int *rank, const int *other_rank, int pinned)
{
    double *cost = sankey_pair_costs(n, flows, nflows, is_right, other_rank);
    int node[SANKEY_EXACT_MAX], m = 0;
    int *at = xcalloc((size_t)(n ? n : 1), sizeof *at);

    for (int i = 0; i < n; i++)
        at[rank[i]] = i;
    for (int r = 0; r < n; r++)
        if (at[r] != pinned)
            node[m++] = at[r];
    unsigned full = (1u << m) - 1;
    double *best = xcalloc((size_t)full + 1, sizeof *best);
    signed char *last = xcalloc((size_t)full + 1, sizeof *last);
    for (unsigned set = 1; set <= full; set++) {
        best[set] = INFINITY;
        /* Highest rank first: on a tie the node already lowest stays last. */
        for (int i = m - 1; i >= 0; i--) {
            if (!(set & (1u << i)))
                continue;
            unsigned rest = set & ~(1u << i);
            double c = best[rest];
            for (int j = 0; j < m; j++)
                if (rest & (1u << j))
                    c += cost[node[j] * n + node[i]];
            if (c < best[set]) {
                best[set] = c;
                last[set] = (signed char)i;
            }
        }
    }
    unsigned set = full;
    for (int r = m - 1; r >= 0; r--) {
        rank[node[last[set]]] = r;
        set &= ~(1u << last[set]);
    }
    if (pinned >= 0 && pinned < n)
        rank[pinned] = m;
    free(cost);
    free(at);
    free(best);
    free(last);
}

/* Lowers the crossings of a start order: neighbour exchanges, or for a column small
 * enough its exact best order given the other, the columns in turn until neither improves.
 * Returns the weighted crossings reached. */
static double sankey_polish(int nleft, int nright, const struct sankey_flow *flows,
                            int nflows, const struct sankey_options *opt, int *lr, int *rr)
{
    int left_exact = nleft - (opt->left_last >= 0) <= SANKEY_EXACT_MAX;
    int right_exact = nright - (opt->right_last >= 0) <= SANKEY_EXACT_MAX;
    double c = sankey_crossings(flows, nflows, lr, rr);

    for (int pass = 0; pass < SANKEY_EXCHANGE_PASSES && c > 0; pass++) {
        if (right_exact)
            sankey_exact(nright, flows, nflows, 1, rr, lr, opt->right_last);
        else
            sankey_exchange(nright, flows, nflows, 1, rr, lr, opt->right_last);
        if (left_exact)
            sankey_exact(nleft, flows, nflows, 0, lr, rr, opt->left_last);
        else
            sankey_exchange(nleft, flows, nflows, 0, lr, rr, opt->left_last);
        double next = sankey_crossings(flows, nflows, lr, rr);
        if (!(next < c)) {
            c = next;
            break;
        }
        c = next;
    }
    return c;
}

/* Moves node k to the top of a column, the others keeping their order. */
static void sankey_to_top(int n, int *rank, int k)
{
    for (int i = 0; i < n; i++)
        if (rank[i] < rank[k])
            rank[i]++;
    rank[k] = 0;
}

/* Advances perm (a permutation of 0..n-1) to the next in lexicographic order; 0 after
 * the last. */
static int sankey_next_permutation(int *perm, int n)
{
    int i = n - 2, j = n - 1, t;

    while (i >= 0 && perm[i] >= perm[i + 1])
        i--;
    if (i < 0)
        return 0;
    while (perm[j] <= perm[i])
        j--;
    t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) {
        t = perm[a];
        perm[a] = perm[b];
        perm[b] = t;
    }
    return 1;
}

/* For a small chart, the fewest weighted crossings for certain: every order of the column
 * with fewer free nodes (starting from the order in its rank, which wins ties), the other
 * column ordered exactly for each. Returns 0, doing nothing, when that is too much work. */
static int sankey_exhaustive(int nleft, int nright, const struct sankey_flow *flows,
                             int nflows, const struct sankey_options *opt, int *left_rank,
                             int *right_rank)
{
    int free_left = nleft - (opt->left_last >= 0), free_right = nright - (opt->right_last >= 0);
    int perm_left = free_left <= free_right;
    int na = perm_left ? nleft : nright, nb = perm_left ? nright : nleft;
    int a = perm_left ? free_left : free_right, b = perm_left ? free_right : free_left;
    int pin_a = perm_left ? opt->left_last : opt->right_last;
    int pin_b = perm_left ? opt->right_last : opt->left_last;
    int *rank_a = perm_left ? left_rank : right_rank, *rank_b = perm_left ? right_rank : left_rank;
    /* Per order tried: the exact programme and two passes over the pairs of flows. */
    double work = (double)(1u << (b < 30 ? b : 30)) * b * b + 2.0 * nflows * nflows;

    if (b > SANKEY_EXACT_MAX)
        return 0;
    for (int k = 2; k <= a; k++)
        work *= k;
    if (work > SANKEY_EXHAUSTIVE_WORK)
        return 0;

    int *node = xcalloc((size_t)(na ? na : 1), sizeof *node);
    int *perm = xcalloc((size_t)(na ? na : 1), sizeof *perm);
    int *ra = xcalloc((size_t)(na ? na : 1), sizeof *ra);
    int *rb = xcalloc((size_t)(nb ? nb : 1), sizeof *rb);
    int *start_b = xcalloc((size_t)(nb ? nb : 1), sizeof *start_b);
    double best = INFINITY;
    int m = 0;

    for (int r = 0; r < na; r++)
        for (int i = 0; i < na; i++)
            if (rank_a[i] == r && i != pin_a)
                node[m++] = i;
    for (int i = 0; i < a; i++)
        perm[i] = i;
    memcpy(start_b, rank_b, (size_t)nb * sizeof *rb);
    do {
        for (int i = 0; i < a; i++)
            ra[node[perm[i]]] = i;
        if (pin_a >= 0)
            ra[pin_a] = a;
        memcpy(rb, start_b, (size_t)nb * sizeof *rb);
        sankey_exact(nb, flows, nflows, perm_left, rb, ra, pin_b);
        double c = perm_left ? sankey_crossings(flows, nflows, ra, rb)
                             : sankey_crossings(flows, nflows, rb, ra);
        if (c < best) {
            best = c;
            memcpy(rank_a, ra, (size_t)na * sizeof *ra);
            memcpy(rank_b, rb, (size_t)nb * sizeof *rb);
        }
    } while (best > 0 && sankey_next_permutation(perm, a));
    free(node);
    free(perm);
    free(ra);
    free(rb);
    free(start_b);
    return 1;
}

void sankey_order(int nleft, int nright, const struct sankey_flow *flows, int nflows,
                  const struct sankey_options *opt, int *left_rank, int *right_rank)
{
    double *lv = xcalloc((size_t)(nleft ? nleft : 1), sizeof *lv);
    double *rv = xcalloc((size_t)(nright ? nright : 1), sizeof *rv);
    int *lr = xcalloc((size_t)(nleft ? nleft : 1), sizeof *lr);
    int *rr = xcalloc((size_t)(nright ? nright : 1), sizeof *rr);
    int *vl = xcalloc((size_t)(nleft ? nleft : 1), sizeof *vl);
    int *vr = xcalloc((size_t)(nright ? nright : 1), sizeof *vr);
    int nkeys = nleft > nright ? nleft : nright;
    struct sankey_key *keys = xcalloc((size_t)(nkeys ? nkeys : 1), sizeof *keys);
    double best;

    sankey_values(nleft, nright, flows, nflows, lv, rv);
    /* Start from value order, largest first, pinned nodes last. */
    for (int i = 0; i < nleft; i++)
        keys[i] = (struct sankey_key){ i, i == opt->left_last ? INFINITY : -lv[i], i };
    sankey_rank_by(keys, nleft, vl);
    for (int i = 0; i < nright; i++)
        keys[i] = (struct sankey_key){ i, i == opt->right_last ? INFINITY : -rv[i], i };
    sankey_rank_by(keys, nright, vr);
    memcpy(left_rank, vl, (size_t)nleft * sizeof *vl);
    memcpy(right_rank, vr, (size_t)nright * sizeof *vr);
    best = sankey_crossings(flows, nflows, left_rank, right_rank);
    int certain = opt->sweeps > 0 && best > 0 &&
                  sankey_exhaustive(nleft, nright, flows, nflows, opt, left_rank, right_rank);

    /* Too big to try every order: sweeps can settle on a local optimum, so several starts
     * are tried and the order with the fewest weighted crossings kept (the earliest on a
     * tie): value order swept right column first, then left first; then, when both columns
     * are small, value order with each node in turn moved to the top of its column. Each
     * start is polished. */
    int small = nleft <= SANKEY_EXACT_MAX && nright <= SANKEY_EXACT_MAX;
    int nstarts = opt->sweeps <= 0 || certain ? 0 : 2 + (small ? nleft + nright : 0);
    for (int start = 0; start < nstarts && best > 0; start++) {
        memcpy(lr, vl, (size_t)nleft * sizeof *lr);
        memcpy(rr, vr, (size_t)nright * sizeof *rr);
        if (start >= 2) {
            int k = start - 2;
            if (k < nleft ? k == opt->left_last || vl[k] == 0
                          : k - nleft == opt->right_last || vr[k - nleft] == 0)
                continue;   /* pinned, or already on top: the same as the first start */
            if (k < nleft)
                sankey_to_top(nleft, lr, k);
            else
                sankey_to_top(nright, rr, k - nleft);
        }
        int *sl = xcalloc((size_t)(nleft ? nleft : 1), sizeof *sl);
        int *sr = xcalloc((size_t)(nright ? nright : 1), sizeof *sr);
        memcpy(sl, lr, (size_t)nleft * sizeof *sl);
        memcpy(sr, rr, (size_t)nright * sizeof *sr);
        double run_best = sankey_crossings(flows, nflows, lr, rr);
        for (int s = 0; start < 2 && s < opt->sweeps && run_best > 0; s++) {
            if ((s + start) % 2 == 0)
                sankey_sweep(nright, nleft, flows, nflows, 1, rv, lv, rr, lr, opt->right_last);
            else
                sankey_sweep(nleft, nright, flows, nflows, 0, lv, rv, lr, rr, opt->left_last);
            double c = sankey_crossings(flows, nflows, lr, rr);
            if (c < run_best) {
                run_best = c;
                memcpy(sl, lr, (size_t)nleft * sizeof *sl);
                memcpy(sr, rr, (size_t)nright * sizeof *sr);
            }
        }
        double c = sankey_polish(nleft, nright, flows, nflows, opt, sl, sr);
        if (c < best || start == 0) {
            best = c;
            memcpy(left_rank, sl, (size_t)nleft * sizeof *sl);
            memcpy(right_rank, sr, (size_t)nright * sizeof *sr);
        }
        free(sl);
        free(sr);
    }
    free(lv);
    free(rv);
    free(lr);
    free(rr);
    free(vl);
    free(vr);
    free(keys);
}

/* Height a column needs at scale ky: nodes in rank order, consecutive nodes `pad` apart
 * and centres `pitch` apart at least, the end nodes' labels inside. */
static double sankey_extent(const struct sankey_column *c, const int *at, double ky,
                            double pad, double pitch)
{
    double e;

    if (c->n == 0)
        return 0;
    e = fmax(c->value[at[0]] * ky, pitch) / 2 + fmax(c->value[at[c->n - 1]] * ky, pitch) / 2;
    for (int r = 0; r + 1 < c->n; r++)
        e += fmax((c->value[at[r]] + c->value[at[r + 1]]) * ky / 2 + pad, pitch);
    return e;
}

/* The largest ky at which the column fits in height (binary search: the extent grows
 * with ky); -1 when it does not fit even with flat nodes. */
static double sankey_fit(const struct sankey_column *c, const int *at, double height,
                         double pad, double pitch)
{
    double total = 0, lo = 0, hi;

    for (int i = 0; i < c->n; i++)
        total += c->value[i];
    if (sankey_extent(c, at, 0, pad, pitch) > height)
        return -1;
    if (total <= 0)
        return INFINITY;
    hi = height / total;
    for (int k = 0; k < 60; k++) {
        double mid = (lo + hi) / 2;
        if (sankey_extent(c, at, mid, pad, pitch) <= height)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void sankey_place(struct sankey_column *c, const int *at, double ky, double top,
                         double height, double pad, double pitch)
{
    double extent = sankey_extent(c, at, ky, pad, pitch);
    double centre;

    if (c->n == 0)
        return;
    centre = top + (height - extent) / 2 + fmax(c->value[at[0]] * ky, pitch) / 2;
    for (int r = 0; r < c->n; r++) {
        int i = at[r];
        c->h[i] = c->value[i] * ky;
        c->y[i] = centre - c->h[i] / 2;
        if (r + 1 < c->n)
            centre += fmax((c->value[i] + c->value[at[r + 1]]) * ky / 2 + pad, pitch);
    }
}

static void sankey_column_init(struct sankey_column *c, int n)
{
    size_t k = (size_t)(n ? n : 1);

    c->n = n;
    c->value = xcalloc(k, sizeof *c->value);
    c->rank = xcalloc(k, sizeof *c->rank);
    c->y = xcalloc(k, sizeof *c->y);
    c->h = xcalloc(k, sizeof *c->h);
}

static void sankey_column_free(struct sankey_column *c)
{
    free(c->value);
    free(c->rank);
    free(c->y);
    free(c->h);
    memset(c, 0, sizeof *c);
}

void sankey_layout_free(struct sankey_layout *layout)
{
    if (!layout)
        return;
    sankey_column_free(&layout->left);
    sankey_column_free(&layout->right);
}

/* at[r] = the node of rank r. */
static int *sankey_at(const struct sankey_column *c)
{
    int *at = xcalloc((size_t)(c->n ? c->n : 1), sizeof *at);

    for (int i = 0; i < c->n; i++)
        at[c->rank[i]] = i;
    return at;
}

enum tally_error sankey_layout(int nleft, int nright, const struct sankey_flow *flows,
                               int nflows, const struct sankey_options *opt,
                               struct sankey_layout *out)
{
    int *lat = NULL, *rat = NULL;
    double kl, kr;
    enum tally_error err = TALLY_OK;

    memset(out, 0, sizeof *out);
    sankey_column_init(&out->left, nleft);
    sankey_column_init(&out->right, nright);
    sankey_values(nleft, nright, flows, nflows, out->left.value, out->right.value);
    sankey_order(nleft, nright, flows, nflows, opt, out->left.rank, out->right.rank);
    lat = sankey_at(&out->left);
    rat = sankey_at(&out->right);

    kl = sankey_fit(&out->left, lat, opt->height, opt->pad, opt->min_pitch);
    kr = sankey_fit(&out->right, rat, opt->height, opt->pad, opt->min_pitch);
    if (kl < 0 || kr < 0) {
        err = TALLY_ERROR_LIMIT;
        goto out;
    }
    out->ky = fmin(kl, kr);
    if (!isfinite(out->ky))
        out->ky = 0;
    sankey_place(&out->left, lat, out->ky, opt->top, opt->height, opt->pad, opt->min_pitch);
    sankey_place(&out->right, rat, out->ky, opt->top, opt->height, opt->pad, opt->min_pitch);

out:
    free(lat);
    free(rat);
    return err;
}

/* ---- drawing ---- */

struct sankey_names {
    int n, alloc;
    char **name;
};

static int sankey_names_find(struct sankey_names *names, const char *name)
{
    for (int i = 0; i < names->n; i++)
        if (strcmp(names->name[i], name) == 0)
            return i;
    if (names->n == names->alloc) {
        names->alloc = names->alloc ? names->alloc * 2 : 16;
        names->name = xrealloc(names->name, (size_t)names->alloc * sizeof *names->name);
    }
    names->name[names->n] = xstrdup(name);
    return names->n++;
}

static void sankey_names_release(struct sankey_names *names)
{
    for (int i = 0; i < names->n; i++)
        free(names->name[i]);
    free(names->name);
    memset(names, 0, sizeof *names);
}

struct sankey_flows {
    int n, alloc;
    struct sankey_flow *flow;
};

static void sankey_flows_add(struct sankey_flows *fl, int source, int target, double value)
{
    for (int i = 0; i < fl->n; i++) {
        if (fl->flow[i].source == source && fl->flow[i].target == target) {
            fl->flow[i].value += value;
            return;
        }
    }
    if (fl->n == fl->alloc) {
        fl->alloc = fl->alloc ? fl->alloc * 2 : 16;
        fl->flow = xrealloc(fl->flow, (size_t)fl->alloc * sizeof *fl->flow);
    }
    fl->flow[fl->n++] = (struct sankey_flow){ source, target, value };
}

/* Keeps the `keep` - 1 largest nodes of a column and folds the rest into one "Other"
 * node; map[i] receives each old node's new index. Returns the new node count. */
static int sankey_fold(struct sankey_names *names, const double *value, int keep, int *map)
{
    struct sankey_key *keys = xcalloc((size_t)names->n, sizeof *keys);
    struct sankey_names kept = { 0, 0, NULL };
    int *rank = xcalloc((size_t)names->n, sizeof *rank);
    int other = -1;

    for (int i = 0; i < names->n; i++)
        keys[i] = (struct sankey_key){ i, -value[i], i };
    sankey_rank_by(keys, names->n, rank);
    for (int i = 0; i < names->n; i++) {
        if (rank[i] < keep - 1) {
            map[i] = sankey_names_find(&kept, names->name[i]);
        } else {
            if (other < 0)
                other = -2;
            map[i] = -1;
        }
    }
    if (other == -2) {
        other = kept.n;
        /* A name no real node has: the label is built from it later. */
        if (kept.n == kept.alloc) {
            kept.alloc = kept.alloc ? kept.alloc * 2 : 16;
            kept.name = xrealloc(kept.name, (size_t)kept.alloc * sizeof *kept.name);
        }
        kept.name[kept.n++] = xstrdup("Other");
        for (int i = 0; i < names->n; i++)
            if (map[i] < 0)
                map[i] = other;
    }
    sankey_names_release(names);
    *names = kept;
    free(keys);
    free(rank);
    return other;
}

/* Orders flow indices by (this end's rank, other end's rank). */
struct sankey_end {
    int flow;
    int rank, other;
};

static int sankey_end_cmp(const void *a, const void *b)
{
    const struct sankey_end *x = a, *y = b;

    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->other != y->other)
        return x->other - y->other;
    return x->flow - y->flow;
}

/* Offsets of each flow inside its node: ribbons leave a node in the order of the node
 * they go to, so no two ribbons cross at a node. */
static void sankey_offsets(const struct sankey_flow *flows, int nflows,
                           const struct sankey_layout *lay, int at_right, double *offset)
{
    struct sankey_end *ends = xcalloc((size_t)(nflows ? nflows : 1), sizeof *ends);
    double acc = 0;
    int node = -1;

    for (int f = 0; f < nflows; f++) {
        int l = lay->left.rank[flows[f].source], r = lay->right.rank[flows[f].target];
        ends[f] = (struct sankey_end){ f, at_right ? r : l, at_right ? l : r };
    }
    xqsort(ends, (size_t)nflows, sizeof *ends, sankey_end_cmp);
    for (int k = 0; k < nflows; k++) {
        const struct sankey_flow *fl = &flows[ends[k].flow];
        int n = at_right ? fl->target : fl->source;
        if (n != node) {
            node = n;
            acc = 0;
        }
        offset[ends[k].flow] = acc;
        acc += fl->value * lay->ky;
    }
    free(ends);
}

/* Places a node's label "name (count)" within width w, right-aligned at x when
 * `at_left`, else left-aligned there. When it is too wide the name is cut short with an
 * ellipsis and the count kept. */
static void sankey_label_fit(struct chart_ctx *ctx, const struct chart_font *font,
                             const char *label, const char *name, double x, double cy,
                             int at_left, double w, struct chart_label *out)
{
    const char *count = label + strlen(name);
    enum chart_align align = at_left ? ALIGN_RIGHT : ALIGN_LEFT;
    size_t nlen = strlen(name), lo = 0, hi;
    double tw, th;
    char *shown;

    chart_text_size(ctx, font, label, &tw, &th);
    if (tw <= w) {
        chart_label_set(out, font, label, x, cy, align, VALIGN_MIDDLE, 0, 0);
        return;
    }
    /* The longest prefix of the name (whole UTF-8 characters) that fits with the
     * ellipsis and the count: the width grows with the prefix, so search. */
    hi = nlen;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        while (mid > 0 && mid < nlen && ((unsigned char)name[mid] & 0xc0) == 0x80)
            mid--;
        if (mid <= lo) {
            hi = lo;
            break;
        }
        shown = xasprintf("%.*s\xe2\x80\xa6%s", (int)mid, name, count);
        chart_text_size(ctx, font, shown, &tw, &th);
        free(shown);
        if (tw <= w)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (lo > 0 && lo < nlen && ((unsigned char)name[lo] & 0xc0) == 0x80)
        lo--;
    shown = xasprintf("%.*s\xe2\x80\xa6%s", (int)lo, name, count);
    chart_label_set(out, font, shown, x, cy, align, VALIGN_MIDDLE, 0, w);
    free(shown);
}

static void sankey_node_colour(int left, int rank_by_value, int is_other, double *r,
                               double *g, double *b)
{
    if (is_other)
        chart_palette_other(r, g, b);
    else if (left)
        shape_palette(rank_by_value, r, g, b);
    else
        *r = *g = *b = 0.42;
}

/* The ribbons from sc->x0 (the left nodes' right edge) to sc->x1, in the source node's
 * colour; largest first so the thin ones stay visible on top. */
static void sankey_ribbons_fit(struct sankey_chart *sc, const struct sankey_flows *flows,
                               const struct sankey_layout *lay)
{
    size_t n = (size_t)(flows->n ? flows->n : 1);
    double *soff = xcalloc(n, sizeof *soff), *toff = xcalloc(n, sizeof *toff);
    struct sankey_key *keys = xcalloc(n, sizeof *keys);
    int *rank = xcalloc(n, sizeof *rank), *order = xcalloc(n, sizeof *order);

    sankey_offsets(flows->flow, flows->n, lay, 0, soff);
    sankey_offsets(flows->flow, flows->n, lay, 1, toff);
    for (int f = 0; f < flows->n; f++)
        keys[f] = (struct sankey_key){ f, -flows->flow[f].value, f };
    sankey_rank_by(keys, flows->n, rank);
    for (int f = 0; f < flows->n; f++)
        order[rank[f]] = f;
    sc->nribbons = flows->n;
    sc->ribbons = xcalloc(n, sizeof *sc->ribbons);
    for (int k = 0; k < flows->n; k++) {
        const struct sankey_flow *fl = &flows->flow[order[k]];
        const struct sankey_node *from = &sc->left[fl->source];
        struct sankey_ribbon *rb = &sc->ribbons[k];
        rb->source = fl->source;
        rb->target = fl->target;
        rb->value = fl->value;
        rb->w = fl->value * lay->ky;
        rb->sy = lay->left.y[fl->source] + soff[order[k]];
        rb->ty = lay->right.y[fl->target] + toff[order[k]];
        rb->r = from->r;
        rb->g = from->g;
        rb->b = from->b;
        /* Pale colours (the palette's lighter repeats) need more opacity to show. */
        rb->alpha = fmin(SANKEY_ALPHA + fmax(0, shape_luminance(rb->r, rb->g, rb->b) - 0.3),
                         0.8);
    }
    free(soff);
    free(toff);
    free(keys);
    free(rank);
    free(order);
}

/* The nodes' boxes, colours and labels "name (count)", each label column taking at most
 * a share of the width; then where the node columns stand. */
static void sankey_nodes_fit(struct chart_ctx *ctx, struct sankey_chart *sc,
                             const struct sankey_layout *lay, struct sankey_names *names)
{
    const struct chart_rect *p = &ctx->plot;
    const struct chart_font *font = &CHART_FONT_LABEL;
    char **lab[2];
    double labw[2] = { 0, 0 }, tw, th;
    int *lcolour;

    for (int side = 0; side < 2; side++) {
        const struct sankey_column *c = side ? &lay->right : &lay->left;
        lab[side] = xcalloc((size_t)c->n, sizeof *lab[side]);
        for (int i = 0; i < c->n; i++) {
            char num[64];
            chart_format_value(c->value[i], num, sizeof num);
            lab[side][i] = xasprintf("%s (%s)", names[side].name[i], num);
            chart_text_size(ctx, font, lab[side][i], &tw, &th);
            labw[side] = fmax(labw[side], tw);
        }
        labw[side] = fmin(labw[side], p->w * SANKEY_LABEL_SHARE);
    }
    sc->xl = p->x + labw[0] + SANKEY_LABEL_GAP;
    sc->xr = p->x + p->w - labw[1] - SANKEY_LABEL_GAP - SANKEY_NODE_W;

    /* Left colours by value rank, largest first ("Other" is grey and takes none). */
    lcolour = xcalloc((size_t)(sc->nleft ? sc->nleft : 1), sizeof *lcolour);
    {
        struct sankey_key *keys = xcalloc((size_t)(sc->nleft ? sc->nleft : 1), sizeof *keys);
        for (int i = 0; i < sc->nleft; i++)
            keys[i] = (struct sankey_key){ i, i == sc->left_other ? INFINITY
                                                                  : -lay->left.value[i], i };
        sankey_rank_by(keys, sc->nleft, lcolour);
        free(keys);
    }

    for (int side = 0; side < 2; side++) {
        const struct sankey_column *c = side ? &lay->right : &lay->left;
        struct sankey_node *nodes = side ? sc->right : sc->left;
        int other = side ? sc->right_other : sc->left_other;
        double x = side ? sc->xr : sc->xl;
        for (int i = 0; i < c->n; i++) {
            struct sankey_node *nd = &nodes[i];
            double h = fmax(c->h[i], 1.0), cy = c->y[i] + c->h[i] / 2;
            nd->value = c->value[i];
            nd->rank = c->rank[i];
            nd->name = xstrdup(names[side].name[i]);
            nd->box = (struct chart_rect){ x, cy - h / 2, SANKEY_NODE_W, h };
            sankey_node_colour(!side, side ? 0 : lcolour[i], i == other, &nd->r, &nd->g,
                               &nd->b);
            if (side)
                sankey_label_fit(ctx, font, lab[side][i], names[side].name[i],
                                 x + SANKEY_NODE_W + SANKEY_LABEL_GAP, cy, 0, labw[side],
                                 &nd->label);
            else
                sankey_label_fit(ctx, font, lab[side][i], names[side].name[i],
                                 x - SANKEY_LABEL_GAP, cy, 1, labw[side], &nd->label);
            free(lab[side][i]);
        }
        free(lab[side]);
    }
    free(lcolour);
}

/* Headings over the node columns, kept inside the plot. */
static void sankey_headings_fit(struct chart_ctx *ctx, struct sankey_chart *sc,
                                const char *lhead, const char *rhead,
                                const struct chart_font *heading)
{
    const struct chart_rect *p = &ctx->plot;
    double tw, th;

    if (lhead) {
        chart_text_size(ctx, heading, lhead, &tw, &th);
        chart_label_set(&sc->left_heading, heading, lhead,
                        fmax(sc->xl + SANKEY_NODE_W,
                             p->x + fmin(tw, p->w / 2 - SANKEY_LABEL_GAP)),
                        p->y, ALIGN_RIGHT, VALIGN_TOP, 0, p->w / 2 - SANKEY_LABEL_GAP);
    }
    if (rhead) {
        chart_text_size(ctx, heading, rhead, &tw, &th);
        chart_label_set(&sc->right_heading, heading, rhead,
                        fmin(sc->xr, p->x + p->w - fmin(tw, p->w / 2 - SANKEY_LABEL_GAP)),
                        p->y, ALIGN_LEFT, VALIGN_TOP, 0, p->w / 2 - SANKEY_LABEL_GAP);
    }
}

/* A column with more than `keep` nodes keeps its keep - 1 largest and folds the rest
 * into "Other" (its index in *lother, *rother); flows receives raw's flows between the
 * nodes kept. */
static void sankey_fold_columns(struct sankey_names names[2], const struct sankey_flows *raw,
                                int keep, struct sankey_flows *flows, int *lother,
                                int *rother)
{
    double *lv = xcalloc((size_t)names[0].n, sizeof *lv);
    double *rv = xcalloc((size_t)names[1].n, sizeof *rv);
    int *lmap = xcalloc((size_t)names[0].n, sizeof *lmap);
    int *rmap = xcalloc((size_t)names[1].n, sizeof *rmap);

    sankey_values(names[0].n, names[1].n, raw->flow, raw->n, lv, rv);
    for (int i = 0; i < names[0].n; i++)
        lmap[i] = i;
    for (int i = 0; i < names[1].n; i++)
        rmap[i] = i;
    if (names[0].n > keep)
        *lother = sankey_fold(&names[0], lv, keep, lmap);
    if (names[1].n > keep)
        *rother = sankey_fold(&names[1], rv, keep, rmap);
    for (int f = 0; f < raw->n; f++)
        sankey_flows_add(flows, lmap[raw->flow[f].source], rmap[raw->flow[f].target],
                         raw->flow[f].value);
    free(lv);
    free(rv);
    free(lmap);
    free(rmap);
}

void sankey_chart_release(struct sankey_chart *sc)
{
    for (int i = 0; sc->left && i < sc->nleft; i++) {
        chart_label_release(&sc->left[i].label);
        free(sc->left[i].name);
    }
    for (int i = 0; sc->right && i < sc->nright; i++) {
        chart_label_release(&sc->right[i].label);
        free(sc->right[i].name);
    }
    free(sc->left);
    free(sc->right);
    free(sc->ribbons);
    chart_label_release(&sc->left_heading);
    chart_label_release(&sc->right_heading);
    memset(sc, 0, sizeof *sc);
}

enum tally_error sankey_chart_layout(struct chart_ctx *ctx, struct sankey_chart *sc,
                                     struct tally_diag *diag)
{
    const struct table *t = ctx->table;
    const struct chart_spec *spec = ctx->spec;
    const struct chart_rect *p = &ctx->plot;
    struct sankey_names names[2] = { { 0, 0, NULL }, { 0, 0, NULL } };
    struct sankey_flows raw = { 0, 0, NULL }, flows = { 0, 0, NULL };
    struct sankey_layout lay;
    struct sankey_options opt;
    struct chart_font label = CHART_FONT_LABEL, heading = CHART_FONT_LABEL;
    char *lhead = NULL, *rhead = NULL;
    int keep;
    double tw, th, head_h, pitch;
    enum tally_error err;

    memset(sc, 0, sizeof *sc);
    memset(&lay, 0, sizeof lay);
    sc->left_other = sc->right_other = -1;
    err = shape_check_columns(ctx, 1, "Sankey", diag);
    if (err != TALLY_OK)
        goto out;

    for (size_t i = 0; i < t->nrows; i++) {
        char a[256], b[256];
        double v = table_number(t, i, spec->value_col);
        if (!isfinite(v) || v <= 0)
            continue;
        int from = sankey_names_find(&names[0],
                                     shape_cell_text(t, i, spec->category_col, a, sizeof a));
        int to = sankey_names_find(&names[1],
                                   shape_cell_text(t, i, spec->series_col, b, sizeof b));
        sankey_flows_add(&raw, from, to, v);
    }
    if (raw.n == 0) {
        sc->empty = 1;
        goto out;
    }

    heading.bold = 1;
    /* Column headings: the axis titles (x for the left column, y for the right), else
     * the column names. */
    lhead = chart_axis_title(t, spec->x_title, spec->category_col);
    rhead = chart_axis_title(t, spec->y_title, spec->series_col);
    head_h = lhead || rhead ? chart_line_height(ctx, &heading) + 10 : 0;
    chart_text_size(ctx, &label, "Ag (0)", &tw, &th);
    pitch = th + 3;

    /* Fold the smallest nodes of a crowded column into "Other" so every label fits. */
    keep = (int)floor((p->h - head_h) * SANKEY_FILL_SHARE / fmax(pitch, SANKEY_PAD));
    if (keep > SANKEY_MAX_NODES)
        keep = SANKEY_MAX_NODES;
    if (keep < 2)
        keep = 2;
    sankey_fold_columns(names, &raw, keep, &flows, &sc->left_other, &sc->right_other);

    opt = (struct sankey_options){ SANKEY_SWEEPS, sc->left_other, sc->right_other,
                                   p->y + head_h, p->h - head_h, SANKEY_PAD, pitch };
    err = sankey_layout(names[0].n, names[1].n, flows.flow, flows.n, &opt, &lay);
    if (err != TALLY_OK) {
        diag_set(diag, err, "the Sankey diagram does not fit in %.0f points", p->h);
        goto out;
    }

    sc->nleft = names[0].n;
    sc->nright = names[1].n;
    sc->left = xcalloc((size_t)sc->nleft, sizeof *sc->left);
    sc->right = xcalloc((size_t)sc->nright, sizeof *sc->right);
    sc->ky = lay.ky;
    sankey_nodes_fit(ctx, sc, &lay, names);
    sankey_ribbons_fit(sc, &flows, &lay);
    sankey_headings_fit(ctx, sc, lhead, rhead, &heading);

out:
    if (err != TALLY_OK)
        sankey_chart_release(sc);
    sankey_layout_free(&lay);
    sankey_names_release(&names[0]);
    sankey_names_release(&names[1]);
    free(raw.flow);
    free(flows.flow);
    free(lhead);
    free(rhead);
    return err;
}

/* Ribbons as filled bands between two horizontal cubic Beziers, then the nodes with
 * their labels, then the headings. */
static void sankey_paint(struct chart_ctx *ctx, const struct sankey_chart *sc)
{
    double x0 = sc->xl + SANKEY_NODE_W, x1 = sc->xr, xm = (x0 + x1) / 2;

    for (int k = 0; k < sc->nribbons; k++) {
        const struct sankey_ribbon *rb = &sc->ribbons[k];
        cairo_move_to(ctx->cr, x0, rb->sy);
        cairo_curve_to(ctx->cr, xm, rb->sy, xm, rb->ty, x1, rb->ty);
        cairo_line_to(ctx->cr, x1, rb->ty + rb->w);
        cairo_curve_to(ctx->cr, xm, rb->ty + rb->w, xm, rb->sy + rb->w, x0, rb->sy + rb->w);
        cairo_close_path(ctx->cr);
        chart_mark_path(ctx, sc->left[rb->source].name, sc->right[rb->target].name, rb->value);
        cairo_set_source_rgba(ctx->cr, rb->r, rb->g, rb->b, rb->alpha);
        cairo_fill(ctx->cr);
    }
    for (int side = 0; side < 2; side++) {
        const struct sankey_node *nodes = side ? sc->right : sc->left;
        int n = side ? sc->nright : sc->nleft;
        for (int i = 0; i < n; i++) {
            const struct sankey_node *nd = &nodes[i];
            cairo_rectangle(ctx->cr, nd->box.x, nd->box.y, nd->box.w, nd->box.h);
            cairo_set_source_rgb(ctx->cr, nd->r, nd->g, nd->b);
            cairo_fill(ctx->cr);
            chart_label_draw(ctx, &nd->label);
        }
    }
    chart_label_draw(ctx, &sc->left_heading);
    chart_label_draw(ctx, &sc->right_heading);
}

static enum tally_error sankey_draw(struct chart_ctx *ctx, struct tally_diag *diag)
{
    struct sankey_chart sc;
    enum tally_error err = sankey_chart_layout(ctx, &sc, diag);

    if (err != TALLY_OK)
        return err;
    if (sc.empty)
        chart_no_data(ctx);
    else
        sankey_paint(ctx, &sc);
    sankey_chart_release(&sc);
    return TALLY_OK;
}

const struct chart_drawer chart_drawer_sankey = {
    .kind = CHART_SANKEY,
    .name = "sankey",
    .draw = sankey_draw,
};
