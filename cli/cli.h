/* cli.h: tally's command line. cli_main() is the program; the rest is what the command
 * files (cmd_*.c) share with cli.c: the command entries, the parsed global options,
 * printing errors the way the command-line contract says, and filter options. */
#ifndef TALLY_CLI_H
#define TALLY_CLI_H

#include <getopt.h>

#include "analyzer/analyzer.h"
#include "importers/importers.h"

/* Runs tally with the program's arguments; returns the exit status. */
int cli_main(int argc, char **argv);

/* How a command opens the database (cli_open_store() follows it). */
enum cli_store_use {
    CLI_STORE_READ,             /* read-only; a database that cannot be opened is an error */
    CLI_STORE_READ_IF_ANY,      /* read-only when it opens; else the command goes on without */
    CLI_STORE_WRITE             /* read-write, created when missing */
};

struct cli;

/* One command, as tmux's cmd_entry: everything `tally help NAME` says and how it runs. */
struct cli_command {
    const char *name;
    const char *usage;          /* the synopsis after "tally [-d DB] NAME" */
    const char *summary;        /* one line for `tally --help` */
    enum cli_store_use store;
    int takes_filters;          /* its usage lists the FILTERS */
    /* Prints the last section of its usage (the formats, the analyses), or NULL. */
    void (*usage_more)(FILE *out);
    int (*run)(struct cli *cli, int argc, char **argv);
};

struct cli {
    const char *db_path;        /* -d, $TALLY_DB, or ./tally.db */
    int quiet;                  /* -q: no progress and no summary lines, only problems */
    const struct cli_command *command;  /* the one running */
};

/* Prints "tally: <diag>" and returns the exit code for err. */
int cli_fail(enum tally_error err, const struct tally_diag *diag);
/* Prints "tally: <command>: <message>" plus a hint, and returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_print_usage(const struct cli_command *cmd, FILE *out);
/* The usage error for what getopt_long() returned c for (its optstring starts with ':'):
 * an option without its value, or one the command does not know. Returns 2. */
int cli_bad_option(const char *command, int c, char **argv);

/* Long option values; the filters' are CLI_OPT_FILTER + their index in filter_table. */
enum {
    OPT_TZ = 1000, OPT_FORMAT, OPT_KIND, OPT_TITLE, OPT_SIZE, OPT_HELP, OPT_TAG,
    OPT_OWNER, OPT_LENIENT, OPT_MASSCAN_VERSION,
    OPT_FLOW_TIMEOUT,
    CLI_OPT_FILTER = 2000
};
/* The filters' long options followed by options (ended by a zero entry), for
 * getopt_long(); free() the result. */
struct option *cli_filter_options(const struct option *options);
/* Applies one filter option; returns 1 if it was one, 0 if not, -1 (message printed) if
 * its value is invalid. */
int cli_filter_option(const char *command, struct filters *f, int opt, const char *arg);

/* Opens the database the global options name, as the running command's entry says. With
 * CLI_STORE_READ_IF_ANY, *store is NULL when it does not open. */
enum tally_error cli_open_store(struct cli *cli, struct store **store,
                                struct tally_diag *diag);

/* After an import or a forget: keeps the imported address labels flattened for the
 * analyses (labels_keep_flattened()); failing to is a warning, not an error. */
void keep_labels_flattened(struct store *store);

/* ---- the status line (progress.c) ---- */

/* --progress: when the status line is drawn (auto: when stderr is a terminal). */
enum cli_progress_when { CLI_PROGRESS_NEVER, CLI_PROGRESS_AUTO, CLI_PROGRESS_ALWAYS };
void cli_progress_set(enum cli_progress_when when);
int cli_progress_wanted(void);

/* One piece of work the line follows; `label` (a file, a folder) starts the line. */
struct cli_progress {
    const char *label;
    int enabled, drawn;
    int drawn_length;           /* the columns the line takes now */
    double started, last_drawn;
};
void cli_progress_begin(struct cli_progress *p, const char *label);
/* Bytes read of total (0: unknown) and records stored (-1: not counted), with the rate and
 * the time left; drawn at most ten times a second. */
void cli_progress_bytes(struct cli_progress *p, unsigned long long done,
                        unsigned long long total, long long records);
/* "what, n% of total units, time left", for work counted in rows or steps. */
void cli_progress_count(struct cli_progress *p, const char *what, unsigned long long done,
                        unsigned long long total, const char *unit);
/* A line of its own: "tally: LABEL: <text>". */
void cli_progress_step(struct cli_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Clears the line. */
void cli_progress_end(struct cli_progress *p);

/* Reads a --map file (CSV "domain,company"). */
enum tally_error cli_read_map(const char *path, struct company_map **out,
                              struct tally_diag *diag);

int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_sources(struct cli *cli, int argc, char **argv);
int cmd_forget(struct cli *cli, int argc, char **argv);
int cmd_push(struct cli *cli, int argc, char **argv);
int cmd_analyses(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_chart(struct cli *cli, int argc, char **argv);
int cmd_workbook(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);

#endif
