/* cli.c: tally's command line: global options, the command table, help, and the shared
 * parsing of filter options. Commands live in cmd_*.c; this file only dispatches. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_command commands[] = {
    { "import", "import [-f FORMAT] [--tag TAG] [--owner EMAIL] [--tz ZONE] [--lenient] "
      "[--masscan-version V] FILE...", "read files into the database ('-' = stdin)",
      cmd_import },
    { "sources", "sources [--format table|csv|tsv|json]", "list what was imported, and from where",
      cmd_sources },
    { "forget", "forget SOURCE...", "remove an import (by id or tag) and all its rows",
      cmd_forget },
    { "analyses", "analyses [--format table|csv|tsv|json]",
      "list the analyses, marking those with data", cmd_analyses },
    { "show", "show ANALYSIS [FILTERS] [--format table|csv|tsv|json]",
      "print an analysis as a table", cmd_show },
    { "chart", "chart ANALYSIS [FILTERS] -o FILE.png|.svg|.pdf [--kind K] [--title T] "
      "[--size WxH]", "draw an analysis", cmd_chart },
    { "workbook", "workbook -o FILE.xlsx [ANALYSIS...] [FILTERS]",
      "write analyses to an Excel workbook", cmd_workbook },
    { "report", "report -o DIR [FILTERS]",
      "write every analysis with data as charts, a workbook and index.html", cmd_report },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char filters_help[] =
    "FILTERS: --port N[,N..] --proto tcp|udp --prefix LEN --top N --since DATE --until DATE\n"
    "         --source ID|TAG --tz ZONE --map FILE\n";

const struct cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_print_usage(const struct cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: tally [-d DB] %s\n\n%s.\n", cmd->usage, cmd->summary);
    if (strstr(cmd->usage, "FILTERS"))
        fprintf(out, "\n%s", filters_help);
    if (strcmp(cmd->name, "import") == 0) {
        fprintf(out, "\nFormats (detected from the content; -f names one):\n");
        for (int i = 0; importer_table[i]; i++)
            fprintf(out, "  %-16s %s\n", importer_table[i]->name,
                    importer_table[i]->description);
    }
    if (strcmp(cmd->name, "show") == 0 || strcmp(cmd->name, "chart") == 0 ||
        strcmp(cmd->name, "workbook") == 0) {
        fprintf(out, "\nAnalyses:\n");
        for (int i = 0; analysis_table[i]; i++)
            fprintf(out, "  %-18s %s\n", analysis_table[i]->name, analysis_table[i]->title);
    }
}

static void print_help(FILE *out)
{
    fprintf(out, "usage: tally [-d DB] COMMAND [ARGS]\n"
            "       tally --version\n\n"
            "tally turns scan results, packet captures and personal exports into tables,\n"
            "charts and workbooks. The database is ./tally.db, $TALLY_DB, or -d DB.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'tally COMMAND --help' describes one command; 'man tally' all of them.\n");
}

int cli_fail(enum tally_error err, const struct tally_diag *diag)
{
    char text[1200];
    diag_format(diag, text, sizeof(text));
    fprintf(stderr, "tally: %s\n", text);
    return tally_exit_code(err);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tally: %s%s", command ? command : "", command ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'tally %s%s--help')\n", command ? command : "",
            command ? " " : "");
    return 2;
}

static int parse_int(const char *arg, long min, long max, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char extra;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 &&
           m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int cli_filter_option(const char *command, struct filters *f, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case OPT_PORT: {
        char *copy = xstrdup(arg), *save = NULL;
        f->nports = 0;
        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
            if (parse_int(p, 0, 65535, &v) || f->nports == FILTER_MAX_PORTS) {
                free(copy);
                cli_usage_error(command, "--port takes port numbers 0-65535 separated by "
                                "commas, not '%s'", arg);
                return -1;
            }
            f->ports[f->nports++] = (unsigned)v;
        }
        free(copy);
        if (f->nports == 0) {
            cli_usage_error(command, "--port needs at least one port number");
            return -1;
        }
        return 1;
    }
    case OPT_PROTO:
        if (strcmp(arg, "tcp") && strcmp(arg, "udp") && strcmp(arg, "sctp") &&
            strcmp(arg, "icmp")) {
            cli_usage_error(command, "--proto takes tcp, udp, sctp or icmp, not '%s'", arg);
            return -1;
        }
        f->proto = arg;
        return 1;
    case OPT_PREFIX:
        if (parse_int(arg, 8, 128, &v)) {
            cli_usage_error(command, "--prefix takes a length 8..32 (IPv4) or 16..128 "
                            "(IPv6), not '%s'", arg);
            return -1;
        }
        f->prefix = (int)v;
        return 1;
    case OPT_TOP:
        if (parse_int(arg, 1, 1000000, &v)) {
            cli_usage_error(command, "--top takes a positive number, not '%s'", arg);
            return -1;
        }
        f->top = (int)v;
        return 1;
    case OPT_SINCE:
    case OPT_UNTIL:
        if (!valid_date(arg)) {
            cli_usage_error(command, "--%s takes a date YYYY-MM-DD, not '%s'",
                            opt == OPT_SINCE ? "since" : "until", arg);
            return -1;
        }
        if (opt == OPT_SINCE)
            f->since = arg;
        else
            f->until = arg;
        return 1;
    case OPT_SOURCE:
        f->source = arg;
        return 1;
    case OPT_TZ:
        f->tz = arg;
        return 1;
    case OPT_MAP:
        f->map = arg;
        return 1;
    default:
        return 0;
    }
}

enum tally_error cli_open_store(struct cli *cli, enum store_mode mode, struct store **store,
                                struct tally_diag *diag)
{
    return store_open(cli->db_path, mode, store, diag);
}

int cli_main(int argc, char **argv)
{
    struct cli cli = { .db_path = getenv("TALLY_DB") };
    int i = 1;
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "tally.db";
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--version") == 0) {
            printf("tally %s\n", PACKAGE_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(stdout);
            return 0;
        }
        if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
            cli.db_path = argv[i + 1];
            i += 2;
            continue;
        }
        if (strncmp(argv[i], "-d", 2) == 0 && argv[i][2]) {
            cli.db_path = argv[i] + 2;
            i++;
            continue;
        }
        if (strncmp(argv[i], "--db=", 5) == 0) {
            cli.db_path = argv[i] + 5;
            i++;
            continue;
        }
        return cli_usage_error(NULL, "unknown option '%s'", argv[i]);
    }
    if (i >= argc) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[i], "help") == 0) {
        const struct cli_command *cmd = i + 1 < argc ? cli_find_command(argv[i + 1]) : NULL;
        if (cmd)
            cli_print_usage(cmd, stdout);
        else
            print_help(stdout);
        return 0;
    }
    const struct cli_command *cmd = cli_find_command(argv[i]);
    if (!cmd)
        return cli_usage_error(NULL, "'%s' is not a tally command", argv[i]);
    optind = 1;
    opterr = 0;
    return cmd->run(&cli, argc - i, argv + i);
}
