/* cli.c: tally's command line: global options, the command table, help, and the filter
 * options (built from analyzer/filters.c). Commands live in cmd_*.c; this file only
 * dispatches. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void usage_formats(FILE *out)
{
    fprintf(out, "\nFormats (detected from the content; -f names one):\n");
    for (int i = 0; importer_table[i]; i++)
        fprintf(out, "  %-16s %s\n", importer_table[i]->name, importer_table[i]->description);
}

static void usage_analyses(FILE *out)
{
    fprintf(out, "\nAnalyses:\n");
    for (int i = 0; analysis_table[i]; i++)
        fprintf(out, "  %-18s %s\n", analysis_table[i]->name, analysis_table[i]->title);
}

/* chart's help: the analyses, then the kinds --kind takes. */
static void usage_chart(FILE *out)
{
    usage_analyses(out);
    fprintf(out, "\nChart kinds (--kind; default: the analysis's own):\n ");
    for (int kind = CHART_NONE + 1; kind < CHART_KIND_COUNT; kind++)
        fprintf(out, " %s", chart_kind_name((enum chart_kind)kind));
    fprintf(out, "\n");
}

static const struct cli_command commands[] = {
    { .name = "import",
      .usage = "import [-f FORMAT] [--tag TAG] [--owner EMAIL] [--tz ZONE] [--lenient] "
               "[--masscan-version V] [--flow-timeout T] FILE...",
      .summary = "read files into the database ('-' = stdin)",
      .store = CLI_STORE_WRITE, .usage_more = usage_formats, .run = cmd_import },
    { .name = "sources", .usage = "sources [--format table|csv|tsv|json]",
      .summary = "list what was imported, and from where",
      .store = CLI_STORE_READ, .run = cmd_sources },
    { .name = "forget", .usage = "forget SOURCE...",
      .summary = "remove an import (by id or tag) and all its rows",
      .store = CLI_STORE_WRITE, .run = cmd_forget },
    { .name = "push", .usage = "push URL [SOURCE...]",
      .summary = "copy imports (all, or by id or tag) into a ClickHouse database",
      .store = CLI_STORE_READ, .run = cmd_push },
    { .name = "analyses", .usage = "analyses [--format table|csv|tsv|json]",
      .summary = "list the analyses, marking those with data",
      .store = CLI_STORE_READ_IF_ANY, .run = cmd_analyses },
    { .name = "show", .usage = "show ANALYSIS [FILTERS] [--format table|csv|tsv|json]",
      .summary = "print an analysis as a table",
      .store = CLI_STORE_READ, .takes_filters = 1, .usage_more = usage_analyses,
      .run = cmd_show },
    { .name = "chart",
      .usage = "chart ANALYSIS [FILTERS] -o FILE.png|.svg|.pdf [--kind K] [--title T] "
               "[--size WxH]",
      .summary = "draw an analysis",
      .store = CLI_STORE_READ, .takes_filters = 1, .usage_more = usage_chart,
      .run = cmd_chart },
    { .name = "workbook", .usage = "workbook -o FILE.xlsx [ANALYSIS...] [FILTERS]",
      .summary = "write analyses to an Excel workbook",
      .store = CLI_STORE_READ, .takes_filters = 1, .usage_more = usage_analyses,
      .run = cmd_workbook },
    { .name = "report", .usage = "report -o DIR [FILTERS]",
      .summary = "write every analysis with data as charts, a workbook and index.html",
      .store = CLI_STORE_READ, .takes_filters = 1, .run = cmd_report },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

#define FILTERS_HELP_WIDTH 90   /* the FILTERS lines wrap before this column */

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* "FILTERS: --port N[,N..] ...", wrapped, from filter_table. */
static void usage_filters(FILE *out)
{
    struct strbuf line;
    strbuf_init(&line);
    strbuf_addstr(&line, "FILTERS:");
    for (int i = 0; i < filter_count; i++) {
        const struct filter_def *def = &filter_table[i];
        size_t len = strlen(def->option) + strlen(def->syntax) + 4;     /* " --O S" */
        if (line.len + len > FILTERS_HELP_WIDTH) {
            fprintf(out, "%s\n", line.buf);
            strbuf_reset(&line);
            strbuf_addstr(&line, "        ");
        }
        strbuf_addf(&line, " --%s %s", def->option, def->syntax);
    }
    fprintf(out, "%s\n", line.buf);
    strbuf_release(&line);
}

void cli_print_usage(const struct cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: tally [-d DB] %s\n\n%s.\n", cmd->usage, cmd->summary);
    if (cmd->takes_filters) {
        fprintf(out, "\n");
        usage_filters(out);
    }
    if (cmd->usage_more)
        cmd->usage_more(out);
}

static void print_help(FILE *out)
{
    fprintf(out, "usage: tally [-d DB] [-q] [--progress never|auto|always] COMMAND [ARGS]\n"
            "       tally --version\n\n"
            "tally turns scan results, packet captures and personal exports into tables,\n"
            "charts and workbooks. The database is ./tally.db, $TALLY_DB, or -d DB.\n"
            "A status line follows long work on a terminal (--progress); -q (--quiet)\n"
            "prints only warnings and errors.\n\n"
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

int cli_bad_option(const char *command, int c, char **argv)
{
    if (c == ':')
        return cli_usage_error(command, "option '%s' needs a value", argv[optind - 1]);
    return cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
}

struct option *cli_filter_options(const struct option *options)
{
    size_t n = 0;
    while (options[n].name)
        n++;
    struct option *all = xcalloc((size_t)filter_count + n + 1, sizeof(*all));
    for (int i = 0; i < filter_count; i++)
        all[i] = (struct option){ filter_table[i].option, required_argument, NULL,
                                  CLI_OPT_FILTER + i };
    memcpy(all + filter_count, options, n * sizeof(*all));
    return all;
}

int cli_filter_option(const char *command, struct filters *f, int opt, const char *arg)
{
    struct tally_diag diag;
    if (opt < CLI_OPT_FILTER || opt >= CLI_OPT_FILTER + filter_count)
        return 0;
    diag_clear(&diag);
    if (filter_parse(&filter_table[opt - CLI_OPT_FILTER], f, arg, &diag)) {
        cli_usage_error(command, "%s", diag.message);
        return -1;
    }
    return 1;
}

/* The status line of a migration that rebuilds tables of a large database. */
static void draw_store_progress(void *data, const char *what, unsigned long long done,
                                unsigned long long total, int finished)
{
    struct cli_progress *line = data;
    if (finished)
        cli_progress_end(line);
    else
        cli_progress_count(line, what, done, total, "rows");
}

enum tally_error cli_open_store(struct cli *cli, struct store **store, struct tally_diag *diag)
{
    enum cli_store_use use = cli->command->store;
    enum store_mode mode = use == CLI_STORE_WRITE ? STORE_READ_WRITE : STORE_READ_ONLY;
    struct cli_progress line;
    cli_progress_begin(&line, cli->db_path);
    if (line.enabled)
        store_set_progress(draw_store_progress, &line);
    enum tally_error err = store_open(cli->db_path, mode, store, diag);
    store_set_progress(NULL, NULL);
    cli_progress_end(&line);
    if (err && use == CLI_STORE_READ_IF_ANY) {
        *store = NULL;
        return TALLY_OK;
    }
    return err;
}

int cli_main(int argc, char **argv)
{
    struct cli cli = { .db_path = getenv("TALLY_DB") };
    int i = 1;
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "tally.db";
    memory_use_huge_pages();
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
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            cli.quiet = 1;
            i++;
            continue;
        }
        if (strncmp(argv[i], "--progress", 10) == 0 &&
            (argv[i][10] == '=' || (argv[i][10] == '\0' && i + 1 < argc))) {
            const char *when = argv[i][10] == '=' ? argv[i] + 11 : argv[i + 1];
            i += argv[i][10] == '=' ? 1 : 2;
            if (strcmp(when, "never") == 0)
                cli_progress_set(CLI_PROGRESS_NEVER);
            else if (strcmp(when, "auto") == 0)
                cli_progress_set(CLI_PROGRESS_AUTO);
            else if (strcmp(when, "always") == 0)
                cli_progress_set(CLI_PROGRESS_ALWAYS);
            else
                return cli_usage_error(NULL, "--progress takes never, auto or always, not "
                                       "'%s'", when);
            continue;
        }
        return cli_usage_error(NULL, "unknown option '%s'", argv[i]);
    }
    if (cli.quiet)
        cli_progress_set(CLI_PROGRESS_NEVER);
    if (i >= argc) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[i], "help") == 0) {
        const struct cli_command *cmd = i + 1 < argc ? find_command(argv[i + 1]) : NULL;
        if (cmd)
            cli_print_usage(cmd, stdout);
        else
            print_help(stdout);
        return 0;
    }
    cli.command = find_command(argv[i]);
    if (!cli.command)
        return cli_usage_error(NULL, "'%s' is not a tally command", argv[i]);
    optind = 1;
    opterr = 0;
    return cli.command->run(&cli, argc - i, argv + i);
}
