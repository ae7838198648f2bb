/* cmd_output.c: the commands that run analyses and hand their tables to render/: `show`,
 * `chart`, `workbook` and `report`. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RUNS 64             /* analyses in one workbook or report */

struct output_args {
    struct filters filters;
    struct company_map *companies;      /* --map, read once an analysis takes it */
    int format;                 /* show --format */
    const char *output;         /* -o */
    const char *kind;           /* chart --kind */
    const char *title;          /* chart --title */
    int width, height;          /* chart --size */
    int first_arg;              /* index of the first non-option argument */
    struct cli_progress status; /* workbook's and report's status line */
    struct workbook_process *workbook;  /* report: the process writing report.xlsx */
};

/* Returns -1 after printing a usage error, 1 after printing help, 0 to go on. */
static int parse_output_args(const struct cli *cli, int argc, char **argv,
                             struct output_args *a)
{
    static const struct option own[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },
        { "kind", required_argument, NULL, OPT_KIND },
        { "title", required_argument, NULL, OPT_TITLE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *command = cli->command->name;
    struct option *options = cli_filter_options(own);
    int c, status = 0;
    memset(a, 0, sizeof(*a));
    a->format = TEXT_TABLE;
    /* Options may follow the analysis name: permute. */
    while ((c = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
        int r = cli_filter_option(command, &a->filters, c, optarg);
        if (r < 0) {
            status = -1;
            goto done;
        }
        if (r > 0)
            continue;
        switch (c) {
        case OPT_FORMAT:
            if ((a->format = text_format_parse(optarg)) < 0) {
                cli_usage_error(command, "--format takes table, csv, tsv or json, not '%s'",
                                optarg);
                status = -1;
                goto done;
            }
            break;
        case 'o': a->output = optarg; break;
        case OPT_KIND: a->kind = optarg; break;
        case OPT_TITLE: a->title = optarg; break;
        case OPT_SIZE:
            if (sscanf(optarg, "%dx%d", &a->width, &a->height) != 2 || a->width < 200 ||
                a->height < 150 || a->width > 10000 || a->height > 10000) {
                cli_usage_error(command, "--size takes WIDTHxHEIGHT in points (200x150 to "
                                "10000x10000), not '%s'", optarg);
                status = -1;
                goto done;
            }
            break;
        case OPT_HELP:
            cli_print_usage(cli->command, stdout);
            status = 1;
            goto done;
        default:
            cli_bad_option(command, c, argv);
            status = -1;
            goto done;
        }
    }
    a->first_arg = optind;

done:
    free(options);
    return status;
}

static const struct analysis *find_analysis(const char *command, const char *name)
{
    const struct analysis *a = analysis_find(name);
    if (!a)
        cli_usage_error(command, "no analysis named '%s' (tally analyses lists them)", name);
    return a;
}

/* A filter the analysis does not take is a usage error for `show` and `chart` (for
 * `workbook` and `report` each analysis uses the filters it takes). A setting (--tz) is
 * accepted everywhere. Returns 0 when all given filters apply. */
static int check_filters(const char *command, const struct analysis *a, const struct filters *f)
{
    for (int i = 0; i < filter_count; i++) {
        const struct filter_def *def = &filter_table[i];
        if (!filter_given(def, f) || (a->filters & def->flag))
            continue;
        struct strbuf given, takes;
        strbuf_init(&given);
        strbuf_init(&takes);
        filters_options(def->flag, &given);
        filters_options(a->filters, &takes);
        cli_usage_error(command, "%s does not take %s (it takes %s)", a->name, given.buf,
                        takes.len ? takes.buf : "no filters");
        strbuf_release(&given);
        strbuf_release(&takes);
        return -1;
    }
    return 0;
}

/* Runs a, reading the --map file first when a takes it (once per command). */
static enum tally_error run_analysis(const struct analysis *a, struct store *store,
                                     struct output_args *args, struct table **out,
                                     struct tally_diag *diag)
{
    *out = NULL;
    if ((a->filters & FILTER_MAP) && args->filters.map && !args->companies) {
        enum tally_error err = cli_read_map(args->filters.map, &args->companies, diag);
        if (err)
            return err;
        args->filters.companies = args->companies;
    }
    return analysis_run(a, store, &args->filters, out, diag);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct store *store = NULL;
    struct table *t = NULL;
    struct tally_diag diag;
    int r = parse_output_args(cli, argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (args.first_arg != argc - 1)
        return cli_usage_error("show", "name one ANALYSIS (tally analyses lists them)");
    const struct analysis *a = find_analysis("show", argv[args.first_arg]);
    if (!a || check_filters("show", a, &args.filters))
        return 2;
    /* Rows may be written as they are made (a terminal table's when its widths are known
     * before its rows: render.h). */
    struct table_stream stream = { (enum text_format)args.format, stdout };
    args.filters.stream = &stream;
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, &store, &diag);
    if (!err)
        err = run_analysis(a, store, &args, &t, &diag);
    if (!err)
        err = table_write_text(t, (enum text_format)args.format, stdout);
    table_free(t);
    company_map_free(args.companies);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}

/* The analysis's default chart, adjusted by --kind, --title and --size. */
static int chart_spec_for(const char *command, const struct analysis *a,
                          const struct output_args *args, struct chart_spec *spec)
{
    *spec = a->chart;
    if (args->kind) {
        spec->kind = chart_kind_parse(args->kind);
        if (spec->kind == CHART_NONE) {
            cli_usage_error(command, "unknown chart kind '%s'", args->kind);
            return -1;
        }
    }
    if (args->title)
        spec->title = args->title;
    if (args->width) {
        spec->width = args->width;
        spec->height = args->height;
    }
    return 0;
}

int cmd_chart(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct store *store = NULL;
    struct table *t = NULL;
    struct tally_diag diag;
    struct chart_spec spec;
    int r = parse_output_args(cli, argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (args.first_arg != argc - 1)
        return cli_usage_error("chart", "name one ANALYSIS (tally analyses lists them)");
    if (!args.output || chart_format_from_path(args.output) < 0)
        return cli_usage_error("chart", "name the output with -o FILE.png, .svg or .pdf");
    const struct analysis *a = find_analysis("chart", argv[args.first_arg]);
    if (!a || check_filters("chart", a, &args.filters) || chart_spec_for("chart", a, &args, &spec))
        return 2;
    if (spec.kind == CHART_NONE)
        return cli_usage_error("chart", "'%s' is a table only; choose a chart with --kind",
                               a->name);
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, &store, &diag);
    if (!err)
        err = run_analysis(a, store, &args, &t, &diag);
    memory_release();           /* what the analysis freed, for the chart's arrays */
    if (!err)
        err = chart_render(t, &spec, args.output, &diag);
    table_free(t);
    company_map_free(args.companies);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}

/* Where workbook and report differ: what is written, and how. Each analysis is handed to
 * `add` as soon as it has run and freed after, so that one table is held at once. */
struct output_kind {
    enum tally_error (*begin)(const struct output_args *args, const struct table *summary,
                              const struct table *sources, size_t rows, void **out,
                              struct tally_diag *diag);
    enum tally_error (*add)(void *out, const struct workbook_sheet *part,
                            struct tally_diag *diag);
    enum tally_error (*finish)(void *out, int keep, struct tally_diag *diag);
};

static enum tally_error workbook_output_begin(const struct output_args *args,
                                              const struct table *summary,
                                              const struct table *sources, size_t rows,
                                              void **out, struct tally_diag *diag)
{
    return workbook_begin(args->output, summary, sources, rows,
                          (struct workbook_writer **)out, diag);
}

static enum tally_error workbook_output_add(void *out, const struct workbook_sheet *part,
                                            struct tally_diag *diag)
{
    return workbook_add(out, part, NULL, diag);
}

static enum tally_error workbook_output_finish(void *out, int keep, struct tally_diag *diag)
{
    return workbook_finish(out, keep, diag);
}

static const struct output_kind workbook_output = {
    workbook_output_begin, workbook_output_add, workbook_output_finish
};

/* A report's workbook is written by a second process, started before the database is
 * opened, while this one draws the charts and the page: at scale each takes about as long
 * as the other. It writes report.xlsx.part, which becomes report.xlsx only once both are
 * done; it tells how it ended through a pipe. */
struct workbook_process {
    pid_t pid;                  /* 0: none, the report writes its own workbook */
    int result;                 /* the pipe's end this process reads */
    char *part, *path;
};

struct workbook_result {
    enum tally_error err;
    struct tally_diag diag;
};

static enum tally_error write_analyses(struct cli *cli, struct output_args *args, char **names,
                                       int nnames, const struct output_kind *kind,
                                       int *written, struct tally_diag *diag);

/* In the second process: writes the workbook to part and reports how it ended on fd. Its
 * warnings are the report's, which this process prints. */
static int workbook_process_run(struct cli *cli, const struct output_args *args,
                                const char *part, int fd)
{
    struct output_args own = *args;
    struct workbook_result result;
    int written, null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
    cli_progress_set(CLI_PROGRESS_NEVER);
    own.output = part;
    own.workbook = NULL;
    memset(&result, 0, sizeof(result));
    diag_clear(&result.diag);
    result.err = write_analyses(cli, &own, NULL, 0, &workbook_output, &written, &result.diag);
    int sent = write(fd, &result, sizeof(result)) == (ssize_t)sizeof(result);
    return sent && !result.err ? 0 : 1;
}

/* Starts the process that writes the workbook of the report in dir; when it cannot be
 * started, wp->pid stays 0 and the report writes the workbook itself. */
static void workbook_process_start(struct cli *cli, const struct output_args *args,
                                   struct workbook_process *wp)
{
    int fds[2];
    memset(wp, 0, sizeof(*wp));
    wp->result = -1;
    if (pipe(fds) != 0)
        return;
    wp->path = xasprintf("%s/report.xlsx", args->output);
    wp->part = xasprintf("%s/report.xlsx.part", args->output);
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        /* It ends with the report: a report killed leaves no process writing on. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(1);
        close(fds[0]);
        _exit(workbook_process_run(cli, args, wp->part, fds[1]));
    }
    close(fds[1]);
    if (pid > 0) {
        wp->pid = pid;
        wp->result = fds[0];
        return;
    }
    close(fds[0]);
    free(wp->part);
    free(wp->path);
    wp->part = wp->path = NULL;
}

/* Waits for the workbook process: TALLY_OK once it has written the part file, else its
 * error in diag. With keep 0, stops it and removes what it wrote. */
static enum tally_error workbook_process_finish(struct workbook_process *wp, int keep,
                                                struct tally_diag *diag)
{
    struct workbook_result result;
    ssize_t got = 0;
    int status = 0;
    if (!wp || !wp->pid)
        return TALLY_OK;
    if (!keep)
        kill(wp->pid, SIGTERM);
    do
        got = read(wp->result, &result, sizeof(result));
    while (got < 0 && errno == EINTR);
    while (waitpid(wp->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(wp->result);
    wp->pid = 0;
    if (!keep) {
        unlink(wp->part);
        return TALLY_OK;
    }
    if (got == (ssize_t)sizeof(result) && result.err) {
        *diag = result.diag;
        return result.err;
    }
    if (got != (ssize_t)sizeof(result) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(wp->part);
        snprintf(diag->file, sizeof(diag->file), "%s", wp->path);
        return diag_set(diag, TALLY_ERROR_IO, "the process writing the workbook ended "
                        "before it was done");
    }
    return TALLY_OK;
}

static void workbook_process_release(struct workbook_process *wp)
{
    workbook_process_finish(wp, 0, NULL);
    free(wp->part);
    free(wp->path);
}

/* The report, and the process writing its workbook when there is one. */
struct report_output {
    struct report_writer *writer;
    struct workbook_process *workbook;
};

static enum tally_error report_output_begin(const struct output_args *args,
                                            const struct table *summary,
                                            const struct table *sources, size_t rows,
                                            void **out, struct tally_diag *diag)
{
    struct report_output *ro = xcalloc(1, sizeof(*ro));
    int elsewhere = args->workbook && args->workbook->pid;
    ro->workbook = args->workbook;
    *out = ro;
    return report_begin(args->output, summary, sources, rows, !elsewhere, &ro->writer, diag);
}

static enum tally_error report_output_add(void *out, const struct workbook_sheet *part,
                                          struct tally_diag *diag)
{
    return report_add(((struct report_output *)out)->writer, part, diag);
}

/* The page is kept only with the workbook, and the workbook only with the page. */
static enum tally_error report_output_finish(void *out, int keep, struct tally_diag *diag)
{
    struct report_output *ro = out;
    struct workbook_process *wp = ro->workbook;
    struct tally_diag other;
    enum tally_error err = workbook_process_finish(wp, keep, diag);
    enum tally_error end = report_finish(ro->writer, keep && !err, err ? &other : diag);
    if (!err)
        err = end;
    if (wp && wp->part && keep && !err && rename(wp->part, wp->path) != 0) {
        snprintf(diag->file, sizeof(diag->file), "%s", wp->path);
        err = diag_set(diag, TALLY_ERROR_IO, "cannot write: %s", strerror(errno));
    }
    if (wp && wp->part && (!keep || err))
        unlink(wp->part);
    free(ro);
    return err;
}

static const struct output_kind report_output = {
    report_output_begin, report_output_add, report_output_finish
};

/* About how many rows the sheets will hold: no analysis has more rows than there are
 * records imported, bar the few that list imports. */
static size_t rows_expected(const struct table *summary, const struct table *sources)
{
    double rows = (double)summary->nrows + 2.0 * (double)sources->nrows;
    for (size_t r = 0; r < summary->nrows; r++)
        rows += table_number(summary, r, 2);
    return rows < (double)SIZE_MAX ? (size_t)rows : SIZE_MAX;
}

/* Runs analysis a and hands its table, with its chart and the imports it read, to `add`;
 * skipped (*added 0) when chosen for having data (named 0) yet empty under the filters
 * (or no address of the scans is in an AS): no empty section. */
static enum tally_error output_one(const struct analysis *a, struct store *store,
                                   struct output_args *args, int named,
                                   const struct output_kind *kind, void *out, int *added,
                                   struct tally_diag *diag)
{
    struct table *table = NULL, *provenance = NULL;
    struct chart_spec chart = a->chart;
    enum tally_error err = run_analysis(a, store, args, &table, diag);
    *added = 0;
    if (!err)
        err = provenance_sources(a, store, &args->filters, &provenance, diag);
    memory_release();           /* what the analysis freed, for the chart's arrays */
    if (!err && (named || table->nrows > 0)) {
        struct workbook_sheet part = {
            .table = table, .provenance = provenance,
            .chart = chart.kind == CHART_NONE ? NULL : &chart,
        };
        err = kind->add(out, &part, diag);
        *added = !err;
    }
    table_free(table);
    table_free(provenance);
    return err;
}

/* What workbook and report have in common: the analyses named (all with data when none
 * is) are run and written, one at a time, into the output args name. */
static enum tally_error write_analyses(struct cli *cli, struct output_args *args, char **names,
                                       int nnames, const struct output_kind *kind,
                                       int *written, struct tally_diag *diag)
{
    struct store *store = NULL;
    struct table *summary = NULL, *sources = NULL;
    void *out = NULL;
    int count = nnames;
    enum tally_error err = cli_open_store(cli, &store, diag);

    *written = 0;
    cli_progress_begin(&args->status, args->output);
    if (!err)
        err = summary_table(store, &summary, diag);
    if (!err)
        err = sources_table(store, &sources, diag);
    if (!err)
        err = kind->begin(args, summary, sources, rows_expected(summary, sources), &out,
                          diag);
    if (!nnames)
        while (analysis_table[count])
            count++;
    for (int i = 0; i < count && *written < MAX_RUNS && !err; i++) {
        const struct analysis *a = nnames ? analysis_find(names[i]) : analysis_table[i];
        int added;
        if (!nnames && !analysis_has_data(a, store))
            continue;
        cli_progress_step(&args->status, "%s (%d of %d)", a->name, i + 1, count);
        err = output_one(a, store, args, nnames > 0, kind, out, &added, diag);
        *written += added;
    }
    if (out) {
        if (!err)
            cli_progress_step(&args->status, "writing %d analyses", *written);
        enum tally_error end = kind->finish(out, !err, diag);
        if (!err)
            err = end;
    }
    cli_progress_end(&args->status);
    table_free(summary);
    table_free(sources);
    company_map_free(args->companies);
    store_close(store);
    return err;
}

int cmd_workbook(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct tally_diag diag;
    int written, r = parse_output_args(cli, argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (!args.output)
        return cli_usage_error("workbook", "name the output with -o FILE.xlsx");
    for (int i = args.first_arg; i < argc; i++)
        if (!find_analysis("workbook", argv[i]))
            return 2;
    diag_clear(&diag);
    enum tally_error err = write_analyses(cli, &args, argv + args.first_arg,
                                          argc - args.first_arg, &workbook_output, &written,
                                          &diag);
    return err ? cli_fail(err, &diag) : 0;
}

/* On ClickHouse: the scan and capture analyses a report leaves out, as they run on
 * SQLite only. */
static void note_sqlite_only(void)
{
    struct strbuf names;
    strbuf_init(&names);
    for (int i = 0; analysis_table[i]; i++) {
        const struct analysis *a = analysis_table[i];
        if (!a->run_clickhouse && strcmp(a->family, "time") != 0)
            strbuf_addf(&names, "%s%s", names.len ? ", " : "", a->name);
    }
    if (names.len)
        fprintf(stderr, "tally: left out, as they run on SQLite only: %s\n", names.buf);
    strbuf_release(&names);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct tally_diag diag;
    int written, r = parse_output_args(cli, argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (!args.output)
        return cli_usage_error("report", "name the output folder with -o DIR");
    if (args.first_arg != argc)
        return cli_usage_error("report", "unexpected argument '%s'", argv[args.first_arg]);
    diag_clear(&diag);
    /* The database is opened once before the workbook's process starts, so that one to
     * upgrade is upgraded before two processes read it. */
    struct workbook_process workbook = { .result = -1 };
    struct store *store = NULL;
    if (cli_open_store(cli, &store, &diag) == TALLY_OK &&
        (mkdir(args.output, 0777) == 0 || errno == EEXIST)) {
        store_close(store);
        store = NULL;
        workbook_process_start(cli, &args, &workbook);
    }
    store_close(store);
    diag_clear(&diag);
    args.workbook = &workbook;
    enum tally_error err = write_analyses(cli, &args, NULL, 0, &report_output, &written, &diag);
    workbook_process_release(&workbook);
    if (err)
        return cli_fail(err, &diag);
    if (!cli->quiet)
        fprintf(stderr, "tally: wrote %d analyses to %s/ (index.html, report.xlsx, PNG and "
                "SVG charts)\n", written, args.output);
    if (!cli->quiet && clickhouse_is_url(cli->db_path))
        note_sqlite_only();
    return 0;
}
