/* changes.h: what `changes` and `changed-services` share on either backend (the SQLite
 * path in analyzer/scan_changes.c, ClickHouse's in analyzer/clickhouse_changes.c): the
 * scan imports, the two sides chosen from them, and the tables the results fill. */
#ifndef TALLY_CHANGES_H
#define TALLY_CHANGES_H

#include "analyzer/analyzer.h"

#include <glib.h>
#include <stdint.h>

struct label_filter;

/* A scan import: an import with host sets (of the ports the filters let through), and
 * the ports it saw, in any state: those it scanned, as far as its file tells. */
struct scan {
    long long id;
    char *name;                 /* the file's base name */
    char *tag;                  /* or NULL */
    size_t first_port, nports;  /* its ports in the scan_list's ports */
};

struct port_key {
    char *proto;
    unsigned port;
};

struct scan_list {
    struct scan *items;
    size_t n, alloc;
    struct port_key *ports;     /* of every scan, by scan, each sorted */
    size_t nports, allocports;
};

/* One side of the comparison: which scans it holds. */
struct side {
    const char *option;         /* "--from", "--to" */
    const char *given;          /* the id or tag given, or NULL */
    char *in;                   /* per scan: 1 when on this side */
    size_t count;               /* scans on this side */
};

/* A service whose Server, X-Powered-By or banner service changed: one per field. Its
 * texts are the list's, each kept once however many services share it. */
struct changed_service {
    struct ip_addr addr;
    const char *proto, *field, *before, *after;
    unsigned port;
};

struct changed_list {
    struct changed_service *items;
    size_t n, alloc;
    GHashTable *texts;          /* the texts the services name, each once */
};

/* One row of `changes`, of which there can be millions: kept small (a subnet's hosts in
 * one scan fit 32 bits). */
struct change_row {
    struct ip_addr net;
    int prefix;
    uint32_t port;              /* index into the compared ports */
    uint32_t appeared, disappeared, both, changed;
};

struct change_rows {
    struct change_row *items;
    size_t n, alloc;
    /* While one port is compared (the SQLite path): */
    int prefix;
    size_t port;
    const struct changed_service *changed;      /* its changed services, by address */
    size_t nchanged, next;
};

/* The two sides and what they share. */
struct comparison {
    struct scan_list scans;
    struct side from, to;
    struct port_key *ports;     /* the ports both sides scanned, sorted */
    size_t nports;
    struct changed_list changed;
    struct label_filter *labels;        /* --label, or NULL */
    /* How many imports (scans or not) have the id or tag given: the backend's count,
     * for the message when a side names no scan. */
    int (*imports_named)(struct store *store, const char *given);
};

/* Adds a scan import's port to l; the rows come by import (in import order), then port. */
void changes_scan_add(struct scan_list *l, long long id, const char *path, const char *tag,
                      const char *proto, unsigned port);
/* The two sides (as --from and --to give them, or the two most recent scan imports that
 * share a port) and the ports both scanned, from c->scans; a usage error saying why when
 * there is nothing to compare. */
enum tally_error changes_choose(struct store *store, const struct filters *f,
                                struct comparison *c, struct tally_diag *diag);
/* "1,2,3": the ids of a side's scans, for SQL. */
void changes_side_ids(const struct comparison *c, const struct side *s, struct strbuf *out);
/* The index of a compared port in c->ports, or c->nports when it is not one. */
size_t changes_port_index(const struct comparison *c, const char *proto, unsigned port);
/* Appends a changed field of the service at addr; the list keeps its own copies of the
 * texts. */
void changes_add_changed(struct changed_list *l, const struct ip_addr *addr,
                         const char *proto, unsigned port, const char *field,
                         const char *before, const char *after);
/* Puts the changed services in the order the table lists them: address, port, field. */
void changes_sort_changed(struct changed_list *l);
/* The `changes` table of the rows, the first --top kept. They are put in order here, most
 * change first; rows that tie keep their order, which within a family must be by port
 * and then by subnet. */
struct table *changes_table(const struct comparison *c, const struct filters *f,
                            struct change_rows *rows);
/* The `changed-services` table of c->changed (in changes_sort_changed's order). */
struct table *changed_services_table(const struct comparison *c, const struct filters *f);
void changes_release(struct comparison *c);

#endif
