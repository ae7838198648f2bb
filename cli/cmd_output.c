/* cmd_output.c: the commands that run analyses and hand their tables to render/: `show`,
 * `chart`, `workbook` and `report`. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct output_args {
    struct filters filters;
    int format;                 /* show --format */
    const char *output;         /* -o */
    const char *kind;           /* chart --kind */
    const char *title;          /* chart --title */
    int width, height;          /* chart --size */
    int first_arg;              /* index of the first non-option argument */
};

/* Returns -1 after printing a usage error, 1 after printing help, 0 to go on. */
static int parse_output_args(const char *command, int argc, char **argv, struct output_args *a)
{
    static const struct option options[] = {
        CLI_FILTER_OPTIONS,
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },
        { "kind", required_argument, NULL, OPT_KIND },
        { "title", required_argument, NULL, OPT_TITLE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    int c;
    memset(a, 0, sizeof(*a));
    a->format = TEXT_TABLE;
    /* Options may follow the analysis name: permute. */
    while ((c = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        int r = cli_filter_option(command, &a->filters, c, optarg);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        switch (c) {
        case OPT_FORMAT:
            if ((a->format = text_format_parse(optarg)) < 0) {
                cli_usage_error(command, "--format takes table, csv, tsv or json, not '%s'",
                                optarg);
                return -1;
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
                return -1;
            }
            break;
        case OPT_HELP:
            cli_print_usage(cli_find_command(command), stdout);
            return 1;
        default:
            cli_usage_error(command, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    a->first_arg = optind;
    return 0;
}

static const struct analysis *find_analysis(const char *command, const char *name)
{
    const struct analysis *a = analysis_find(name);
    if (!a)
        cli_usage_error(command, "no analysis named '%s' (tally analyses lists them)", name);
    return a;
}

/* A filter the analysis does not take is a usage error for `show` and `chart` (for
 * `workbook` and `report` each analysis uses the filters it takes). --tz is a setting
 * of how times read, accepted everywhere. Returns 0 when all given filters apply. */
static int check_filters(const char *command, const struct analysis *a, const struct filters *f)
{
    static const struct {
        unsigned flag;
        const char *option;
    } names[] = {
        { FILTER_PORT, "--port" }, { FILTER_PROTO, "--proto" }, { FILTER_PREFIX, "--prefix" },
        { FILTER_TOP, "--top" }, { FILTER_DATES, "--since/--until" },
        { FILTER_SOURCE, "--source" }, { FILTER_TZ, "--tz" }, { FILTER_MAP, "--map" },
    };
    unsigned given = (f->nports ? FILTER_PORT : 0) | (f->proto ? FILTER_PROTO : 0) |
                     (f->prefix ? FILTER_PREFIX : 0) | (f->top ? FILTER_TOP : 0) |
                     (f->since || f->until ? FILTER_DATES : 0) |
                     (f->source ? FILTER_SOURCE : 0) | (f->map ? FILTER_MAP : 0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(given & names[i].flag) || (a->filters & names[i].flag))
            continue;
        struct strbuf takes;
        strbuf_init(&takes);
        for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
            if (a->filters & names[j].flag)
                strbuf_addf(&takes, "%s%s", takes.len ? " " : "", names[j].option);
        cli_usage_error(command, "%s does not take %s (it takes %s)", a->name, names[i].option,
                        takes.len ? takes.buf : "no filters");
        strbuf_release(&takes);
        return -1;
    }
    return 0;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct store *store = NULL;
    struct table *t = NULL;
    struct tally_diag diag;
    int r = parse_output_args("show", argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (args.first_arg != argc - 1)
        return cli_usage_error("show", "name one ANALYSIS (tally analyses lists them)");
    const struct analysis *a = find_analysis("show", argv[args.first_arg]);
    if (!a || check_filters("show", a, &args.filters))
        return 2;
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, STORE_READ_ONLY, &store, &diag);
    if (!err)
        err = analysis_run(a, store, &args.filters, &t, &diag);
    if (!err)
        err = table_write_text(t, (enum text_format)args.format, stdout);
    table_free(t);
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
    int r = parse_output_args("chart", argc, argv, &args);
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
    enum tally_error err = cli_open_store(cli, STORE_READ_ONLY, &store, &diag);
    if (!err)
        err = analysis_run(a, store, &args.filters, &t, &diag);
    if (!err)
        err = chart_render(t, &spec, args.output, &diag);
    table_free(t);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}

/* Runs the named analyses (or every one with data when none is named). */
struct analysis_run_list {
    int n;
    const struct analysis *analyses[64];
    struct table *tables[64];
    struct chart_spec charts[64];
};

static void run_list_free(struct analysis_run_list *list)
{
    for (int i = 0; i < list->n; i++)
        table_free(list->tables[i]);
}

static enum tally_error run_analyses(struct store *store, const struct filters *f,
                                     char **names, int nnames, struct analysis_run_list *list,
                                     struct tally_diag *diag)
{
    int count = nnames;
    list->n = 0;
    if (!nnames)
        while (analysis_table[count])
            count++;
    for (int i = 0; i < count && list->n < 64; i++) {
        const struct analysis *a = nnames ? analysis_find(names[i]) : analysis_table[i];
        if (!nnames && !a->has_data(store))
            continue;
        enum tally_error err = analysis_run(a, store, f, &list->tables[list->n], diag);
        if (err)
            return err;
        list->analyses[list->n] = a;
        list->charts[list->n] = a->chart;
        list->n++;
    }
    return TALLY_OK;
}

static enum tally_error write_workbook(struct store *store, const char *path,
                                       struct analysis_run_list *list, struct tally_diag *diag)
{
    struct workbook_sheet sheets[64];
    struct table *summary = NULL, *sources = NULL;
    enum tally_error err = summary_table(store, &summary, diag);
    if (!err)
        err = sources_table(store, &sources, diag);
    for (int i = 0; i < list->n; i++) {
        sheets[i].table = list->tables[i];
        sheets[i].chart = list->charts[i].kind == CHART_NONE ? NULL : &list->charts[i];
    }
    if (!err)
        err = workbook_write(path, sheets, list->n, summary, sources, diag);
    table_free(summary);
    table_free(sources);
    return err;
}

int cmd_workbook(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct store *store = NULL;
    struct tally_diag diag;
    struct analysis_run_list list = { 0 };
    int r = parse_output_args("workbook", argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (!args.output)
        return cli_usage_error("workbook", "name the output with -o FILE.xlsx");
    for (int i = args.first_arg; i < argc; i++)
        if (!find_analysis("workbook", argv[i]))
            return 2;
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, STORE_READ_ONLY, &store, &diag);
    if (!err)
        err = run_analyses(store, &args.filters, argv + args.first_arg, argc - args.first_arg,
                           &list, &diag);
    if (!err)
        err = write_workbook(store, args.output, &list, &diag);
    run_list_free(&list);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    struct output_args args;
    struct store *store = NULL;
    struct tally_diag diag;
    struct analysis_run_list list = { 0 };
    struct report_entry entries[64];
    char *images[64] = { 0 };
    struct table *sources = NULL;
    int r = parse_output_args("report", argc, argv, &args);
    if (r)
        return r < 0 ? 2 : 0;
    if (!args.output)
        return cli_usage_error("report", "name the output folder with -o DIR");
    if (args.first_arg != argc)
        return cli_usage_error("report", "unexpected argument '%s'", argv[args.first_arg]);
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, STORE_READ_ONLY, &store, &diag);
    if (err)
        return cli_fail(err, &diag);
    if (mkdir(args.output, 0777) != 0 && errno != EEXIST) {
        snprintf(diag.file, sizeof(diag.file), "%s", args.output);
        err = diag_set(&diag, TALLY_ERROR_IO, "cannot create the folder: %s", strerror(errno));
        goto done;
    }
    err = run_analyses(store, &args.filters, NULL, 0, &list, &diag);
    for (int i = 0; i < list.n && !err; i++) {
        entries[i].table = list.tables[i];
        entries[i].image = NULL;
        if (list.charts[i].kind == CHART_NONE)
            continue;
        const char *name = list.analyses[i]->name;
        char *png = xasprintf("%s/%s.png", args.output, name);
        char *svg = xasprintf("%s/%s.svg", args.output, name);
        err = chart_render(list.tables[i], &list.charts[i], png, &diag);
        if (!err)
            err = chart_render(list.tables[i], &list.charts[i], svg, &diag);
        free(png);
        free(svg);
        images[i] = xasprintf("%s.png", name);
        entries[i].image = images[i];
    }
    if (!err) {
        char *xlsx = xasprintf("%s/report.xlsx", args.output);
        err = write_workbook(store, xlsx, &list, &diag);
        free(xlsx);
    }
    if (!err)
        err = sources_table(store, &sources, &diag);
    if (!err) {
        char *html = xasprintf("%s/index.html", args.output);
        err = report_write_html(html, "tally report", entries, list.n, sources, &diag);
        free(html);
    }
    if (!err)
        fprintf(stderr, "tally: wrote %d analyses to %s/ (index.html, report.xlsx, PNG and "
                "SVG charts)\n", list.n, args.output);

done:
    for (int i = 0; i < 64; i++)
        free(images[i]);
    table_free(sources);
    run_list_free(&list);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}
