/* cli.h: tally's command line. cli_main() is the program; the rest is what the command
 * files (cmd_*.c) share with cli.c: the parsed global options, printing errors the way
 * the command-line contract says, and filter options. */
#ifndef TALLY_CLI_H
#define TALLY_CLI_H

#include <getopt.h>

#include "analyzer/analyzer.h"
#include "importers/importers.h"

/* Runs tally with the program's arguments; returns the exit status. */
int cli_main(int argc, char **argv);

struct cli {
    const char *db_path;        /* -d, $TALLY_DB, or ./tally.db */
};

struct cli_command {
    const char *name;
    const char *usage;          /* the synopsis after "tally [-d DB] NAME" */
    const char *summary;        /* one line for `tally --help` */
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Prints "tally: <diag>" and returns the exit code for err. */
int cli_fail(enum tally_error err, const struct tally_diag *diag);
/* Prints "tally: <command>: <message>" plus a hint, and returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_print_usage(const struct cli_command *cmd, FILE *out);
const struct cli_command *cli_find_command(const char *name);

/* Filter options: long options common to show, chart, workbook and report. */
enum {
    OPT_PORT = 1000, OPT_PROTO, OPT_PREFIX, OPT_TOP, OPT_SINCE, OPT_UNTIL, OPT_SOURCE,
    OPT_TZ, OPT_MAP, OPT_FORMAT, OPT_KIND, OPT_TITLE, OPT_SIZE, OPT_HELP, OPT_TAG,
    OPT_OWNER, OPT_LENIENT, OPT_MASSCAN_VERSION, OPT_QUIET
};
#define CLI_FILTER_OPTIONS \
    { "port", required_argument, NULL, OPT_PORT }, \
    { "proto", required_argument, NULL, OPT_PROTO }, \
    { "prefix", required_argument, NULL, OPT_PREFIX }, \
    { "top", required_argument, NULL, OPT_TOP }, \
    { "since", required_argument, NULL, OPT_SINCE }, \
    { "until", required_argument, NULL, OPT_UNTIL }, \
    { "source", required_argument, NULL, OPT_SOURCE }, \
    { "tz", required_argument, NULL, OPT_TZ }, \
    { "map", required_argument, NULL, OPT_MAP }
/* Applies one filter option; returns 1 if it was one, 0 if not, -1 (message printed) if
 * its value is invalid. */
int cli_filter_option(const char *command, struct filters *f, int opt, const char *arg);

/* Opens the database the global options name. */
enum tally_error cli_open_store(struct cli *cli, enum store_mode mode, struct store **store,
                                struct tally_diag *diag);

/* The provenance table (`tally sources`, the workbook's Sources sheet, the report). */
enum tally_error sources_table(struct store *store, struct table **out,
                               struct tally_diag *diag);
/* What was imported, by format (the workbook's Summary sheet). */
enum tally_error summary_table(struct store *store, struct table **out,
                               struct tally_diag *diag);

int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_sources(struct cli *cli, int argc, char **argv);
int cmd_forget(struct cli *cli, int argc, char **argv);
int cmd_analyses(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_chart(struct cli *cli, int argc, char **argv);
int cmd_workbook(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);

#endif
