/* test-shapes.c: unit tests for the shape charts: the squarified treemap layout, the
 * Hilbert curve and address map geometry, Sankey ordering and node placement, and each
 * kind (treemap, Sankey, heatmap, address map) rendered to PNG and SVG (sizes, labels in
 * the SVG's text, identical bytes twice, errors for unusable tables).
 * With TEST_SHAPES_DIR set, the rendered files are also written there for a look. */
#include "render/chart_layout.h"
#include "tests/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tally-shapes-XXXXXX";

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static uint32_t v4(int a, int b, int c, int d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

/* ---- squarify ---- */

static double overlap(const struct chart_rect *a, const struct chart_rect *b)
{
    double w = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
    double h = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);
    return w > 0 && h > 0 ? w * h : 0;
}

static void test_squarify(void)
{
    /* The example of Bruls, Huizing and van Wijk: 6 6 4 3 2 2 1 in a 6 x 4 rectangle. */
    static const double values[] = { 6, 6, 4, 3, 2, 2, 1 };
    const size_t n = sizeof values / sizeof values[0];
    struct chart_rect area = { 10, 20, 600, 400 }, out[7];
    double sum = 0, worst = 0;
    int proportional = 1, inside = 1, disjoint = 1;

    layout_squarify(values, n, area, out);
    for (size_t i = 0; i < n; i++) {
        double a = out[i].w * out[i].h;
        sum += a;
        proportional &= near(a, values[i] / 24.0 * 240000.0, 1e-9);
        inside &= out[i].x >= area.x - 1e-9 && out[i].y >= area.y - 1e-9 &&
                  out[i].x + out[i].w <= area.x + area.w + 1e-9 &&
                  out[i].y + out[i].h <= area.y + area.h + 1e-9;
        worst = fmax(worst, fmax(out[i].w / out[i].h, out[i].h / out[i].w));
        for (size_t j = 0; j < i; j++)
            disjoint &= overlap(&out[i], &out[j]) < 1e-6;
    }
    CHECK(proportional, "squarify: every area is proportional to its value");
    CHECK(near(sum, 240000.0, 1e-12), "squarify: the areas add up to the plot (%.9f)", sum);
    CHECK(inside, "squarify: every rectangle lies inside the plot");
    CHECK(disjoint, "squarify: no two rectangles overlap (so they tile the plot)");
    CHECK(worst < 3.0, "squarify: aspect ratios stay low (worst %.2f)", worst);
    CHECK(out[0].x == area.x && out[0].y == area.y, "squarify: the largest value is top left");
    /* As in the paper: the first row is the two 6s stacked along the shorter side, each
     * 3 x 2 (here 300 x 200 points); adding the 4 would make it worse. */
    CHECK(near(out[0].w, 300, 1e-9) && near(out[0].h, 200, 1e-9) &&
              near(out[1].y, 220, 1e-9) && out[1].x == area.x && near(out[1].w, 300, 1e-9),
          "squarify: first row is 6 and 6 as 300x200 rectangles (got %.1fx%.1f)", out[0].w,
          out[0].h);

    /* Order of input does not matter; empty and invalid values get nothing. */
    static const double odd[] = { 5, 0, -1, NAN, 15 };
    struct chart_rect o2[5];
    layout_squarify(odd, 5, area, o2);
    CHECK(o2[1].w * o2[1].h == 0 && o2[2].w * o2[2].h == 0 && o2[3].w * o2[3].h == 0,
          "squarify: zero, negative and NaN values get empty rectangles");
    CHECK(near(o2[4].w * o2[4].h, 180000, 1e-9) && near(o2[0].w * o2[0].h, 60000, 1e-9),
          "squarify: 15 and 5 take three quarters and one quarter");
    CHECK(o2[4].x == area.x && o2[4].y == area.y, "squarify: 15 (given last) comes first");

    static const double one[] = { 42 };
    struct chart_rect o3;
    layout_squarify(one, 1, area, &o3);
    CHECK(o3.x == area.x && o3.y == area.y && o3.w == area.w && o3.h == area.h,
          "squarify: one value fills the plot exactly");

    /* Many unequal values still tile exactly. */
    double many[200], total = 0, got = 0;
    struct chart_rect om[200];
    for (int i = 0; i < 200; i++) {
        many[i] = 1 + (i * 7919) % 97;
        total += many[i];
    }
    layout_squarify(many, 200, area, om);
    proportional = 1;
    for (int i = 0; i < 200; i++) {
        got += om[i].w * om[i].h;
        proportional &= near(om[i].w * om[i].h, many[i] / total * 240000, 1e-6);
    }
    CHECK(near(got, 240000, 1e-9) && proportional,
          "squarify: 200 values tile and stay proportional");
}

/* ---- Hilbert curve and address map ---- */

static void test_hilbert(void)
{
    static const uint32_t order1[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 } };
    static const uint32_t order2[16][2] = {
        { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 }, { 0, 2 }, { 0, 3 }, { 1, 3 }, { 1, 2 },
        { 2, 2 }, { 2, 3 }, { 3, 3 }, { 3, 2 }, { 3, 1 }, { 2, 1 }, { 2, 0 }, { 3, 0 },
    };
    uint32_t x, y, px = 0, py = 0;
    int ok = 1, adjacent = 1, distinct = 1;
    static unsigned char seen[32][32];

    for (uint32_t d = 0; d < 4; d++) {
        layout_hilbert_d2xy(1, d, &x, &y);
        ok &= x == order1[d][0] && y == order1[d][1];
    }
    CHECK(ok, "hilbert order 1: (0,0) (0,1) (1,1) (1,0)");
    ok = 1;
    for (uint32_t d = 0; d < 16; d++) {
        layout_hilbert_d2xy(2, d, &x, &y);
        if (x != order2[d][0] || y != order2[d][1]) {
            printf("# order 2, d=%u: got (%u,%u)\n", d, x, y);
            ok = 0;
        }
    }
    CHECK(ok, "hilbert order 2: all 16 cells as published");
    layout_hilbert_d2xy(0, 0, &x, &y);
    CHECK(x == 0 && y == 0, "hilbert order 0 is one cell");

    memset(seen, 0, sizeof seen);
    for (uint32_t d = 0; d < 1024; d++) {
        layout_hilbert_d2xy(5, d, &x, &y);
        if (x >= 32 || y >= 32 || seen[y][x]++)
            distinct = 0;
        if (d > 0 && (x > px ? x - px : px - x) + (y > py ? y - py : py - y) != 1)
            adjacent = 0;
        px = x;
        py = y;
    }
    CHECK(distinct, "hilbert order 5: every cell once");
    CHECK(adjacent, "hilbert order 5: consecutive cells are neighbours");
    layout_hilbert_d2xy(16, 0xffffffffu, &x, &y);
    CHECK(x == 65535 && y == 0, "hilbert order 16: the last step ends bottom right (%u,%u)", x,
          y);
}

/* Cells of n consecutive addresses from first: whether they are distinct and fill a
 * w x h box exactly. */
static int block_shape(const struct addrmap *m, uint32_t first, uint32_t n, uint32_t step,
                       uint32_t *w, uint32_t *h)
{
    uint32_t minx = UINT32_MAX, miny = UINT32_MAX, maxx = 0, maxy = 0, x, y;
    static unsigned char seen[256][256];

    memset(seen, 0, sizeof seen);
    for (uint32_t i = 0; i < n; i++) {
        addrmap_cell(m, first + i * step, &x, &y);
        if (x >= 256 || y >= 256 || seen[y][x]++)
            return 0;
        minx = x < minx ? x : minx;
        miny = y < miny ? y : miny;
        maxx = x > maxx ? x : maxx;
        maxy = y > maxy ? y : maxy;
    }
    *w = maxx - minx + 1;
    *h = maxy - miny + 1;
    return *w * *h == n;
}

static void test_addrmap(void)
{
    struct addrmap m;
    uint32_t w, h, x1, y1, x2, y2;
    int ok = 1;

    /* A /24 map of single addresses: 16 x 16, every aligned /26 an 8 x 8 square. */
    addrmap_init(&m, v4(198, 51, 100, 77), 24, 32);
    CHECK(m.base == v4(198, 51, 100, 0) && m.order == 4 && !m.wide,
          "a /24 of addresses is a 16 x 16 grid");
    for (int q = 0; q < 4; q++)
        ok &= block_shape(&m, v4(198, 51, 100, 64 * q), 64, 1, &w, &h) && w == 8 && h == 8;
    CHECK(ok, "every /26 inside the /24 map is a contiguous 8 x 8 square");
    CHECK(block_shape(&m, v4(198, 51, 100, 64), 64, 1, &w, &h) && w == 8 && h == 8,
          "198.51.100.64/26 is an 8 x 8 square");
    CHECK(block_shape(&m, v4(198, 51, 100, 128), 128, 1, &w, &h) && w * h == 128 &&
              (w == 2 * h || h == 2 * w),
          "a /25 is a 2:1 rectangle (%ux%u)", w, h);
    CHECK(block_shape(&m, v4(198, 51, 100, 240), 16, 1, &w, &h) && w == 4 && h == 4,
          "a /28 is a 4 x 4 square");
    CHECK(addrmap_contains(&m, v4(198, 51, 100, 255)) &&
              !addrmap_contains(&m, v4(198, 51, 101, 0)),
          "the /24 map contains its addresses only");

    /* An odd number of bits: two squares side by side, the curve running on. */
    addrmap_init(&m, v4(198, 18, 0, 0), 15, 24);
    CHECK(m.order == 4 && m.wide == 1, "a /15 of /24s is two 16 x 16 squares");
    CHECK(block_shape(&m, v4(198, 18, 0, 0), 512, 256, &w, &h) && w == 32 && h == 16,
          "the /15 fills 32 x 16 cells");
    CHECK(block_shape(&m, v4(198, 19, 0, 0), 256, 256, &w, &h) && w == 16 && h == 16,
          "198.19.0.0/16 is one square");
    addrmap_cell(&m, v4(198, 19, 0, 0), &x1, &y1);
    CHECK(x1 >= 16, "the upper /16 is on the right (x %u)", x1);
    addrmap_cell(&m, v4(198, 18, 255, 0), &x2, &y2);
    CHECK((x1 > x2 ? x1 - x2 : x2 - x1) + (y1 > y2 ? y1 - y2 : y2 - y1) == 1,
          "198.18.255.0/24 and 198.19.0.0/24 are neighbours");

    /* Fitting the enclosing block. */
    uint32_t nets[600];
    int lens[600];
    nets[0] = v4(203, 0, 113, 0);
    lens[0] = 24;
    addrmap_fit(nets, lens, 1, &m);
    CHECK(m.base == v4(203, 0, 0, 0) && m.prefix == 16 && m.cell_prefix == 24 && m.order == 4 &&
              !m.wide,
          "one /24: its /16, 16 x 16 cells (got /%d, order %d)", m.prefix, m.order);
    nets[0] = v4(198, 18, 0, 0);
    nets[1] = v4(198, 19, 255, 0);
    lens[1] = 24;
    addrmap_fit(nets, lens, 2, &m);
    CHECK(m.base == v4(198, 18, 0, 0) && m.prefix == 15 && m.wide && m.order == 4,
          "198.18.0.0/24 and 198.19.255.0/24: the /15 as a 2:1 map");
    for (int i = 0; i < 512; i++) {
        nets[i] = v4(198, 18 + i / 256, i % 256, 0);
        lens[i] = 24;
    }
    nets[512] = v4(203, 0, 113, 0);
    lens[512] = 24;
    addrmap_fit(nets, lens, 513, &m);
    CHECK(m.base == v4(192, 0, 0, 0) && m.prefix == 4 && m.cell_prefix == 20 && m.order == 8,
          "198.18.0.0/15 and 203.0.113.0/24: 192.0.0.0/4 in /20 cells, 256 x 256 (got /%d, "
          "cells /%d)",
          m.prefix, m.cell_prefix);
    CHECK(addrmap_contains(&m, v4(203, 0, 113, 9)) && addrmap_contains(&m, v4(198, 19, 1, 1)),
          "the fitted block contains both");
    nets[0] = v4(10, 0, 0, 0);
    lens[0] = 16;
    nets[1] = v4(10, 1, 2, 0);
    lens[1] = 24;
    addrmap_fit(nets, lens, 2, &m);
    CHECK(m.cell_prefix == 16 && m.prefix == 8 && m.base == v4(10, 0, 0, 0),
          "a /16 and a /24: cells are /16s, in 10.0.0.0/8");

    /* The focus: where most hosts are. */
    double hosts[600];
    uint32_t fnet;
    int flen;
    for (int i = 0; i < 512; i++) {
        nets[i] = v4(198, 18 + i / 256, i % 256, 0);
        lens[i] = 24;
        hosts[i] = 2 + i % 3;
    }
    nets[512] = v4(203, 0, 113, 0);
    hosts[512] = 93;
    nets[513] = v4(192, 0, 2, 0);
    hosts[513] = 41;
    nets[514] = v4(198, 51, 100, 0);
    hosts[514] = 64;
    lens[512] = lens[513] = lens[514] = 24;
    addrmap_focus(nets, lens, hosts, 515, &fnet, &flen);
    CHECK(fnet == v4(198, 18, 0, 0) && flen == 15,
          "a /15 of hosts and three heavy strays: the map is the /15 (got /%d)", flen);
    hosts[512] = hosts[513] = hosts[514] = 1;
    addrmap_focus(nets, lens, hosts, 515, &fnet, &flen);
    CHECK(fnet == v4(198, 18, 0, 0) && flen == 15, "three one-host strays: the /15");
    hosts[512] = hosts[513] = hosts[514] = 0;
    nets[515] = v4(10, 0, 0, 0);
    lens[515] = 8;
    hosts[515] = -1;
    addrmap_focus(nets, lens, hosts, 516, &fnet, &flen);
    CHECK(fnet == v4(198, 18, 0, 0) && flen == 15, "blocks without hosts count for nothing");
    for (int i = 0; i < 256; i++) {
        nets[i] = (uint32_t)i << 24;
        lens[i] = 24;
        hosts[i] = 1;
    }
    addrmap_focus(nets, lens, hosts, 256, &fnet, &flen);
    CHECK(fnet == 0 && flen == 0, "hosts in every /8: the whole space (got /%d)", flen);
    addrmap_focus(nets, lens, hosts, 0, &fnet, &flen);
    CHECK(fnet == 0 && flen == 0, "no blocks: 0.0.0.0/0");
    nets[0] = v4(203, 0, 113, 0);
    addrmap_focus(nets, lens, hosts, 1, &fnet, &flen);
    CHECK(fnet == v4(203, 0, 113, 0) && flen == 24, "one /24: itself");
}

/* ---- Sankey ---- */

static void test_sankey_order(void)
{
    /* A -> Z, B -> Y, C -> X: value order (ties by index) crosses all three. */
    static const struct sankey_flow rev[] = { { 0, 2, 10 }, { 1, 1, 10 }, { 2, 0, 10 } };
    int lr[8], rr[8];
    struct sankey_options value_order = { 0, -1, -1, 0, 100, 8, 12 };
    struct sankey_options sweeps = { 8, -1, -1, 0, 100, 8, 12 };

    sankey_order(3, 3, rev, 3, &value_order, lr, rr);
    CHECK(sankey_crossings(rev, 3, lr, rr) == 300, "value order: weighted crossings 300");
    sankey_order(3, 3, rev, 3, &sweeps, lr, rr);
    CHECK(sankey_crossings(rev, 3, lr, rr) == 0, "barycentre sweeps: no crossings left");
    CHECK(rr[2] < rr[1] && rr[1] < rr[0], "right column reversed to Z Y X");
    struct sankey_options pinned = { 8, 0, -1, 0, 100, 8, 12 };
    sankey_order(3, 3, rev, 3, &pinned, lr, rr);
    CHECK(lr[0] == 2 && sankey_crossings(rev, 3, lr, rr) == 0,
          "a node pinned last stays at the bottom, and still nothing crosses");

    static const struct sankey_flow two[] = { { 0, 1, 3 }, { 1, 0, 4 } };
    int l2[2] = { 0, 1 }, r2[2] = { 0, 1 };
    CHECK(sankey_crossings(two, 2, l2, r2) == 12, "two crossing flows of 3 and 4 weigh 12");

    /* Five apps and five stacks along the diagonal, the biggest app also feeding the
     * smallest one's stack: in value order the small app's flow crosses all the others;
     * moving it and its stack up beside the big app removes every crossing. */
    static const struct sankey_flow mix[] = {
        { 0, 0, 50 }, { 1, 1, 40 }, { 2, 2, 30 }, { 3, 3, 20 }, { 4, 4, 10 }, { 0, 4, 45 },
    };
    int n = sizeof mix / sizeof mix[0];
    double before, after;
    sankey_order(5, 5, mix, n, &value_order, lr, rr);
    before = sankey_crossings(mix, n, lr, rr);
    CHECK(before == 1400, "crafted 5 x 5 in value order: weighted crossings 1400 (%.0f)",
          before);
    sankey_order(5, 5, mix, n, &sweeps, lr, rr);
    after = sankey_crossings(mix, n, lr, rr);
    CHECK(after == 0, "crafted 5 x 5 after the sweeps: no crossings (%.0f)", after);
    CHECK(lr[4] <= 1 && rr[4] <= 1,
          "the small app and its stack move up beside the big app (ranks %d, %d)", lr[4],
          rr[4]);
}

/* Advances perm (a permutation of 0..n-1) to the next one in lexicographic order;
 * returns 0 after the last. */
static int next_permutation(int *perm, int n)
{
    int i = n - 2;
    while (i >= 0 && perm[i] >= perm[i + 1])
        i--;
    if (i < 0)
        return 0;
    int j = n - 1;
    while (perm[j] <= perm[i])
        j--;
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) {
        t = perm[a];
        perm[a] = perm[b];
        perm[b] = t;
    }
    return 1;
}

/* The fewest weighted crossings of any pair of orders, by trying them all (n <= 6). */
static double sankey_fewest(int nleft, int nright, const struct sankey_flow *flows,
                            int nflows)
{
    int lr[6], rr[6];
    double fewest = INFINITY;
    for (int i = 0; i < nleft; i++)
        lr[i] = i;
    do {
        for (int i = 0; i < nright; i++)
            rr[i] = i;
        do {
            double c = sankey_crossings(flows, nflows, lr, rr);
            if (c < fewest)
                fewest = c;
        } while (next_permutation(rr, nright));
    } while (next_permutation(lr, nleft));
    return fewest;
}

static void test_sankey_fewest_crossings(void)
{
    struct sankey_options value_order = { 0, -1, -1, 0, 100, 8, 12 };
    struct sankey_options sweeps = { 8, -1, -1, 0, 100, 8, 12 };
    int lr[6], rr[6], lr2[14], rr2[14];

    /* The lab scan's app-stack: Apache, Apache-Coyote, Microsoft-IIS, nginx, lighttpd ->
     * PHP, Servlet, ASP.NET, (none). Value order (stacks PHP, (none), Servlet, ASP.NET)
     * crosses nginx's and lighttpd's ribbons with Coyote's and IIS's: 12+12+4+4+8+8; the
     * barycentre sweeps from there used to stop with nginx -> PHP crossing two ribbons. */
    static const struct sankey_flow lab[] = {
        { 0, 0, 4 }, { 1, 1, 4 }, { 2, 2, 4 }, { 3, 3, 3 }, { 4, 3, 2 }, { 3, 0, 1 },
    };
    int n = sizeof lab / sizeof lab[0];
    sankey_order(5, 4, lab, n, &value_order, lr, rr);
    CHECK(sankey_crossings(lab, n, lr, rr) == 48,
          "lab app-stack in value order: weighted crossings 48 (%.0f)",
          sankey_crossings(lab, n, lr, rr));
    CHECK(sankey_fewest(5, 4, lab, n) == 0, "lab app-stack: a crossing-free order exists");
    sankey_order(5, 4, lab, n, &sweeps, lr, rr);
    CHECK(sankey_crossings(lab, n, lr, rr) == 0,
          "lab app-stack ordered: no crossings (%.0f)", sankey_crossings(lab, n, lr, rr));
    CHECK(abs(lr[3] - lr[0]) == 1 && abs(rr[3] - rr[0]) == 1,
          "nginx sits next to Apache, (none) next to PHP");
    int l2[6], r2[6];
    sankey_order(5, 4, lab, n, &sweeps, l2, r2);
    CHECK(memcmp(lr, l2, sizeof(int) * 5) == 0 && memcmp(rr, r2, sizeof(int) * 4) == 0,
          "the same flows give the same order");

    /* Every 5 x 5 set of flows from a fixed generator: the order reaches the fewest
     * weighted crossings that trying every pair of orders finds, crossings or not. */
    uint32_t seed = 12345;
    int reached = 0, tried = 0, unavoidable = 0;
    for (int t = 0; t < 40; t++) {
        struct sankey_flow flows[25];
        int nf = 0;
        for (int a = 0; a < 5; a++) {
            for (int b = 0; b < 5; b++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 3 == 0)
                    flows[nf++] = (struct sankey_flow){ a, b, 1 + (double)((seed >> 8) % 9) };
            }
        }
        for (int a = 0; a < 5; a++)     /* every node has a flow */
            flows[nf++] = (struct sankey_flow){ a, (a * 2) % 5, 1 };
        double fewest = sankey_fewest(5, 5, flows, nf);
        sankey_order(5, 5, flows, nf, &sweeps, lr, rr);
        tried++;
        reached += sankey_crossings(flows, nf, lr, rr) == fewest;
        unavoidable += fewest > 0;
    }
    CHECK(unavoidable > 10, "the generator makes unavoidable crossings too (%d of %d)",
          unavoidable, tried);
    CHECK_INT(reached, tried, "generated 5 x 5 flows: the fewest crossings reached");

    /* 14 x 14, too many to try every order: a ladder (app k feeds stacks k and k+1) under
     * scrambled indices and with values that put it out of order. The starts and their
     * polishing must do better than value order, and give the same order every time. */
    struct sankey_flow ladder[27];
    int nl = 0, lr3[14], rr3[14];
    for (int k = 0; k < 14; k++) {
        int app = (k * 5) % 14, stack = (k * 3) % 14, next = ((k + 1) * 3) % 14;
        ladder[nl++] = (struct sankey_flow){ app, stack, 1 + (k * 7) % 5 };
        if (k < 13)
            ladder[nl++] = (struct sankey_flow){ app, next, 1 + (k * 3) % 4 };
    }
    sankey_order(14, 14, ladder, nl, &value_order, lr2, rr2);
    double ladder_before = sankey_crossings(ladder, nl, lr2, rr2);
    sankey_order(14, 14, ladder, nl, &sweeps, lr2, rr2);
    double ladder_after = sankey_crossings(ladder, nl, lr2, rr2);
    CHECK(ladder_after < ladder_before, "14 x 14 ladder: %.0f weighted crossings in value "
          "order, fewer after (%.0f)", ladder_before, ladder_after);
    sankey_order(14, 14, ladder, nl, &sweeps, lr3, rr3);
    CHECK(memcmp(lr2, lr3, sizeof lr2) == 0 && memcmp(rr2, rr3, sizeof rr2) == 0,
          "14 x 14 ladder: the same order twice");
}

static void test_sankey_layout(void)
{
    static const struct sankey_flow flows[] = {
        { 0, 0, 500 }, { 0, 1, 120 }, { 1, 1, 300 }, { 1, 0, 200 }, { 2, 2, 250 },
        { 2, 0, 40 },  { 3, 0, 3 },   { 4, 3, 1 },   { 5, 3, 2 },
    };
    const int nflows = sizeof flows / sizeof flows[0];
    struct sankey_layout lay;
    const double top = 10, height = 300, pad = 8, pitch = 13;
    struct sankey_options opt = { 8, -1, -1, top, height, pad, pitch };
    int proportional = 1, inside = 1, spaced = 1;
    double lsum = 0, rsum = 0;

    CHECK_INT(sankey_layout(6, 4, flows, nflows, &opt, &lay), TALLY_OK,
              "sankey layout fits 6 + 4 nodes in 300 points");
    CHECK(lay.ky > 0, "sankey: a positive scale (%.4f points per unit)", lay.ky);
    CHECK(near(lay.left.value[0], 620, 1e-12) && near(lay.right.value[0], 743, 1e-12),
          "sankey: node values are flow sums");
    for (int side = 0; side < 2; side++) {
        const struct sankey_column *c = side ? &lay.right : &lay.left;
        int at[8];
        for (int i = 0; i < c->n; i++) {
            proportional &= near(c->h[i], c->value[i] * lay.ky, 1e-12);
            at[c->rank[i]] = i;
            (side ? &rsum : &lsum)[0] += c->h[i];
        }
        for (int r = 0; r < c->n; r++) {
            int i = at[r];
            double centre = c->y[i] + c->h[i] / 2;
            inside &= c->y[i] >= top - 1e-9 && c->y[i] + c->h[i] <= top + height + 1e-9 &&
                      centre - pitch / 2 >= top - 1e-9 &&
                      centre + pitch / 2 <= top + height + 1e-9;
            if (r > 0) {
                int j = at[r - 1];
                spaced &= c->y[i] - (c->y[j] + c->h[j]) >= pad - 1e-9 &&
                          centre - (c->y[j] + c->h[j] / 2) >= pitch - 1e-9;
            }
        }
    }
    CHECK(proportional, "sankey: node heights are value x one scale, both columns");
    CHECK(near(lsum, rsum, 1e-9), "sankey: both columns carry the same total height");
    CHECK(inside, "sankey: nodes and their labels stay inside the height");
    CHECK(spaced, "sankey: nodes keep the padding and labels the pitch");
    sankey_layout_free(&lay);

    /* 40 nodes with 13-point labels cannot fit in 100 points. */
    struct sankey_flow many[40];
    for (int i = 0; i < 40; i++)
        many[i] = (struct sankey_flow){ i, 0, 1 };
    opt.height = 100;
    CHECK_INT(sankey_layout(40, 1, many, 40, &opt, &lay), TALLY_ERROR_LIMIT,
              "sankey: too many labels for the height is a limit error");
    sankey_layout_free(&lay);
}

/* ---- renders ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    *len = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = xmalloc((size_t)size + 1);
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static void keep(const char *name, const unsigned char *data, size_t len)
{
    const char *dir = getenv("TEST_SHAPES_DIR");
    char path[512];
    FILE *f;
    if (!dir || !*dir)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static unsigned char *render(const struct table *t, const struct chart_spec *spec,
                             const char *name, size_t *len, enum tally_error *err)
{
    struct tally_diag diag;
    char path[256];
    unsigned char *data;

    diag_clear(&diag);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    *err = chart_render(t, spec, path, &diag);
    if (*err != TALLY_OK) {
        printf("# %s: %s\n", name, diag.message);
        *len = 0;
        return NULL;
    }
    data = slurp(path, len);
    unlink(path);
    if (data)
        keep(name, data, *len);
    return data;
}

static int contains(const unsigned char *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; data && i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

/* The text of the SVG's searchable layer: ">label<" for each label. */
static int svg_has_label(const unsigned char *svg, size_t len, const char *label)
{
    char needle[512];
    snprintf(needle, sizeof needle, ">%s</text>", label);
    return contains(svg, len, needle);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG and SVG of one chart: the PNG's size at 2x, identical bytes twice, and each of
 * `present` (NULL-terminated) a label in the SVG, none of `absent`. */
static void check_render(const struct table *t, const struct chart_spec *spec,
                         const char *name, const char *const *present,
                         const char *const *absent)
{
    char file[128];
    unsigned char *a, *b, *svg;
    size_t alen, blen, slen;
    enum tally_error err;
    int w = spec->width ? spec->width : 800, h = spec->height ? spec->height : 500;

    snprintf(file, sizeof file, "%s.png", name);
    a = render(t, spec, file, &alen, &err);
    b = render(t, spec, file, &blen, &err);
    CHECK(a && alen > 24 && memcmp(a + 12, "IHDR", 4) == 0 && be32(a + 16) == (uint32_t)w * 2 &&
              be32(a + 20) == (uint32_t)h * 2,
          "%s: %dx%d PNG", file, w * 2, h * 2);
    CHECK(a && b && alen == blen && memcmp(a, b, alen) == 0, "%s: identical bytes twice", file);
    free(a);
    free(b);

    snprintf(file, sizeof file, "%s.svg", name);
    svg = render(t, spec, file, &slen, &err);
    char size[64];
    snprintf(size, sizeof size, "width=\"%dpt\" height=\"%dpt\"", w, h);
    CHECK(svg && contains(svg, slen, size), "%s: %s", file, size);
    for (const char *const *p = present; p && *p; p++)
        CHECK(svg_has_label(svg, slen, *p), "%s: label \"%s\"", file, *p);
    for (const char *const *p = absent; p && *p; p++)
        CHECK(svg && !svg_has_label(svg, slen, *p), "%s: no label \"%s\"", file, *p);
    free(svg);
}

static struct table *two_columns(const char *name, const char *title, const char *cat,
                                 const char *val)
{
    struct table *t = table_new(name, title);
    table_add_column(t, cat, COLUMN_TEXT);
    table_add_column(t, val, COLUMN_INTEGER);
    return t;
}

static void add2(struct table *t, const char *cat, long long v)
{
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, cat);
    table_set_int(t, r, 1, v);
}

static void add3(struct table *t, const char *a, const char *b, long long v)
{
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, a);
    table_set_text(t, r, 1, b);
    table_set_int(t, r, 2, v);
}

static void test_render_treemap(void)
{
    struct table *t = two_columns("subnet-squares", "Top subnets with port 9543/tcp open",
                                  "subnet", "hosts");
    struct chart_spec spec = { CHART_TREEMAP, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    static const char *const present[] = { "52.14.0.0/24", "1,234", "18.188.12.0/24", "987",
                                           NULL };
    static const char *const absent[] = { "203.0.113.0/24", NULL };

    add2(t, "52.14.0.0/24", 1234);
    add2(t, "18.188.12.0/24", 987);
    add2(t, "3.17.201.0/24", 143);
    add2(t, "13.59.44.0/24", 120);
    add2(t, "203.0.113.0/24", 1);      /* far too small for its label */
    check_render(t, &spec, "treemap", present, absent);
    spec.width = 400;
    spec.height = 300;
    check_render(t, &spec, "treemap-small", present, absent);

    enum tally_error err;
    size_t len;
    spec.value_col = 5;
    CHECK(!render(t, &spec, "treemap-bad.png", &len, &err) && err == TALLY_ERROR_USAGE,
          "treemap without a value column is a usage error");
    table_free(t);

    struct table *empty = two_columns("subnet-squares", "No subnets", "subnet", "hosts");
    static const char *const nodata[] = { "No data", NULL };
    spec.width = spec.height = 0;
    spec.value_col = 1;
    check_render(empty, &spec, "treemap-empty", nodata, NULL);
    table_free(empty);
}

static void test_render_sankey(void)
{
    struct table *t = table_new("app-stack", "Application server to application stack");
    struct chart_spec spec = { CHART_SANKEY, NULL, NULL, "Application server",
                               "Application stack", 0, 1, 2, 0, 0 };
    static const char *const present[] = { "nginx (662)", "Apache (505)", "(none) (790)",
                                           "PHP (420)", "ASP.NET (250)", "Application server",
                                           "Application stack", "Jetty (8)", NULL };
    enum tally_error err;
    size_t len;

    table_add_column(t, "app", COLUMN_TEXT);
    table_add_column(t, "stack", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    add3(t, "nginx", "(none)", 500);
    add3(t, "nginx", "PHP", 120);
    add3(t, "Apache", "PHP", 300);
    add3(t, "Apache", "(none)", 200);
    add3(t, "Apache", "Express", 5);
    add3(t, "nginx", "Express", 30);
    add3(t, "nginx", "(none)", 12);    /* a repeated pair adds up */
    add3(t, "Microsoft-IIS", "ASP.NET", 250);
    add3(t, "Microsoft-IIS", "(none)", 40);
    add3(t, "cloudflare", "(none)", 38);
    add3(t, "Jetty", "Servlet", 8);
    check_render(t, &spec, "sankey", present, NULL);

    /* A name too long for its label column is cut short; its count stays. */
    char long_name[200], full[220];
    memset(long_name, 'x', sizeof long_name - 1);
    memcpy(long_name, "Very-Long-Server", 16);
    long_name[sizeof long_name - 1] = '\0';
    add3(t, long_name, "PHP", 5);
    snprintf(full, sizeof full, ">%s (5)</text>", long_name);
    unsigned char *svg = render(t, &spec, "sankey-long.svg", &len, &err);
    CHECK(svg && contains(svg, len, ">Very-Long-Server") &&
              contains(svg, len, "\xe2\x80\xa6 (5)</text>") && !contains(svg, len, full),
          "sankey-long.svg: a long name is ellipsised before its count");
    CHECK(svg_has_label(svg, len, "nginx (662)"), "sankey-long.svg: short names stay whole");
    free(svg);

    /* Without a series column there are no flows. */
    spec.series_col = -1;
    CHECK(!render(t, &spec, "sankey-bad.png", &len, &err) && err == TALLY_ERROR_USAGE,
          "sankey without a series column is a usage error");
    table_free(t);

    /* Sixty servers cannot all have a label in 500 points: the smallest fold into
     * "Other". */
    t = table_new("app-stack", "Many servers");
    table_add_column(t, "app", COLUMN_TEXT);
    table_add_column(t, "stack", COLUMN_TEXT);
    table_add_column(t, "services", COLUMN_INTEGER);
    for (int i = 0; i < 60; i++) {
        char name[64];
        snprintf(name, sizeof name, "server-%02d", i);
        add3(t, name, i % 3 ? "PHP" : "(none)", 100 - i);
    }
    spec.series_col = 1;
    static const char *const folded[] = { "server-00 (100)", "server-01 (99)", NULL };
    static const char *const gone[] = { "server-59 (41)", NULL };
    check_render(t, &spec, "sankey-many", folded, gone);
    svg = render(t, &spec, "sankey-many.svg", &len, &err);
    CHECK(contains(svg, len, ">Other ("), "sankey-many.svg: an \"Other\" node");
    free(svg);
    table_free(t);
}

static void test_render_heatmap(void)
{
    static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    struct table *t = table_new("meeting-hours", "When meetings happen");
    struct chart_spec spec = { CHART_HEATMAP, NULL, NULL, "Hour of day", "Weekday", 0, 1, 2, 0,
                               0 };
    static const char *const present[] = { "Mon", "Sun", "Hour of day", "Weekday", "Meetings",
                                           "32", "9", "17", NULL };

    table_add_column(t, "weekday", COLUMN_TEXT);
    table_add_column(t, "hour", COLUMN_INTEGER);
    table_add_column(t, "meetings", COLUMN_INTEGER);
    for (int d = 0; d < 7; d++) {
        for (int h = 8; h <= 18; h++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, 0, days[d]);
            table_set_int(t, r, 1, h);
            table_set_int(t, r, 2, d < 5 ? (d * 7 + h * 3) % 20 : 0);
        }
    }
    /* A second row for Tue 12:00 adds to the first: 3 + 29 = 32, the busiest cell. */
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, "Tue");
    table_set_int(t, r, 1, 12);
    table_set_int(t, r, 2, 32 - (7 + 36) % 20);
    check_render(t, &spec, "heatmap", present, NULL);
    table_free(t);
}

static void test_render_address_map(void)
{
    struct table *t = two_columns("address-map", "Hosts per /24", "subnet", "hosts");
    struct chart_spec spec = { CHART_ADDRESS_MAP, NULL, NULL, NULL, NULL, 0, -1, 1, 0, 0 };
    static const char *const present[] = { "198.18.0.0/16", "198.19.0.0/16",
                                           "Block 198.18.0.0/15", "Hosts per /24", NULL };
    enum tally_error err;
    size_t len;

    for (int i = 0; i < 512; i += 3) {
        char net[32];
        snprintf(net, sizeof net, "198.%d.%d.0/24", 18 + i / 256, i % 256);
        add2(t, net, 1 + (i * 37) % 200);
    }
    add2(t, "2001:db8::/48", 5);
    static const char *const v6[] = { "1 IPv6 block not shown", NULL };
    check_render(t, &spec, "address-map", present, NULL);
    check_render(t, &spec, "address-map-v6", v6, NULL);
    /* A stray /24 far away: the map stays on the cluster and names the stray. */
    add2(t, "203.0.113.0/24", 77);
    static const char *const stray[] = { "Block 198.18.0.0/15", "Hosts per /24",
                                         "Outside it, not shown: 77 hosts",
                                         "203.0.113.0/24: 77", NULL };
    check_render(t, &spec, "address-map-stray", stray, NULL);
    /* As many hosts again across 203.0.0.0/8: one map of 192.0.0.0/4, in /20 cells. */
    for (int i = 0; i < 256; i += 3) {
        char net[32];
        snprintf(net, sizeof net, "203.%d.0.0/24", i);
        add2(t, net, 200);
    }
    static const char *const wide[] = { "Block 192.0.0.0/4", "Hosts per /20",
                                        "One cell = /20 (4,096 addresses)", NULL };
    check_render(t, &spec, "address-map-wide", wide, NULL);
    add2(t, "not an address", 1);
    CHECK(!render(t, &spec, "address-map-bad.png", &len, &err) && err == TALLY_ERROR_DATA,
          "address map of a non-address is a data error");
    table_free(t);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_squarify();
    test_hilbert();
    test_addrmap();
    test_sankey_order();
    test_sankey_fewest_crossings();
    test_sankey_layout();
    test_render_treemap();
    test_render_sankey();
    test_render_heatmap();
    test_render_address_map();
    rmdir(tmpdir);
    return tap_done();
}
