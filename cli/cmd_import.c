/* cmd_import.c: `tally import`: each file in its own transaction, one summary line each,
 * the status line (progress.c) while a file is read, and the address labels kept
 * flattened once the files are in (also after `forget`). */
#include "cli/cli.h"
#include "store/clickhouse.h"

#include <string.h>

/* The line that says what a file brought; under --quiet only its warning, if any. */
static void print_summary(const char *path, const struct import_result *r, int quiet)
{
    struct strbuf sb;
    char number[32];
    if (quiet) {
        if (r->warnings)
            fprintf(stderr, "tally: warning: %s%s\n", r->warning,
                    r->warnings > 1 ? " (and more warnings)" : "");
        return;
    }
    strbuf_init(&sb);
    if (r->empty) {
        fprintf(stderr, "tally: %s: the file is empty: nothing to import\n", path);
        strbuf_release(&sb);
        return;
    }
    if (r->duplicate) {
        fprintf(stderr, "tally: %s: already imported as source %lld (same content): "
                "nothing to do\n", path, (long long)r->source_id);
        strbuf_release(&sb);
        return;
    }
    for (int i = 0; i < r->counts.n; i++) {
        format_thousands(r->counts.count[i], number, sizeof(number));
        strbuf_addf(&sb, "%s%s %s", i ? ", " : "", number, r->counts.kind[i]);
    }
    if (r->counts.n == 0)
        strbuf_addstr(&sb, "no records");
    format_thousands(r->skipped, number, sizeof(number));
    fprintf(stderr, "tally: %s: imported as %s (source %lld): %s; %s skipped; %.2f s\n", path,
            r->format, (long long)r->source_id, sb.buf, number, r->seconds);
    if (r->warnings)
        fprintf(stderr, "tally: warning: %s%s\n", r->warning,
                r->warnings > 1 ? " (and more warnings)" : "");
    strbuf_release(&sb);
}

/* What the status line follows while a file is read. */
struct import_progress {
    struct cli_progress line;
    struct store *store;
};

/* The records stored so far by the import under way: every kind counted. */
static long long records_so_far(struct store *store)
{
    const struct store_counts *counts = store_import_counts(store);
    long long n = 0;
    for (int i = 0; i < counts->n; i++)
        n += counts->count[i];
    return n;
}

static void draw_progress(void *data, const char *path, unsigned long long done,
                          unsigned long long total, int finished)
{
    struct import_progress *p = data;
    if (finished) {
        cli_progress_end(&p->line);
        return;
    }
    if (!p->line.label || strcmp(p->line.label, path) != 0)
        cli_progress_begin(&p->line, path);
    cli_progress_bytes(&p->line, done, total, records_so_far(p->store));
}

/* The binary format's application-protocol numbers changed between masscan releases; the
 * other formats name the protocol and need no version. */
static const char masscan_version_help[] =
    "\n--masscan-version V\n"
    "  the masscan release whose application-protocol numbers a binary (-oB) file uses:\n"
    "  1.0.3, 1.0.4, 1.0.5, 1.3.0, 1.3.2 or 1.3.9. Default: what the file header tells\n"
    "  (masscan/1.1.01: 1.0.3, masscan/1.1.02: 1.0.5, masscan/1.6: 1.3.0), else 1.3.2\n"
    "  (every 1.3.x release writes masscan/1.1: name 1.3.9 for files of 1.3.9 and later).\n"
    "  The text formats name the protocol and ignore it.\n";

/* Captures: how long an idle connection lives, by capture time. */
static const char flow_timeout_help[] =
    "\n--flow-timeout T\n"
    "  captures: seconds after its last packet an idle connection ends: one number for\n"
    "  every protocol, or tcp=SECONDS,udp=SECONDS (udp also for ICMP and the others);\n"
    "  0 never. Default tcp=300,udp=60.\n";

void keep_labels_flattened(struct store *store)
{
    struct tally_diag diag;
    char message[1100];
    if (!store || store_is_clickhouse(store))
        return;
    diag_clear(&diag);
    if (labels_keep_flattened(store, &diag) != TALLY_OK) {
        diag_format(&diag, message, sizeof(message));
        fprintf(stderr, "tally: warning: address labels not kept flattened (the analyses read "
                "them more slowly): %s\n", message);
    }
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        { "format", required_argument, NULL, 'f' },
        { "tag", required_argument, NULL, OPT_TAG },
        { "owner", required_argument, NULL, OPT_OWNER },
        { "tz", required_argument, NULL, OPT_TZ },
        { "lenient", no_argument, NULL, OPT_LENIENT },
        { "masscan-version", required_argument, NULL, OPT_MASSCAN_VERSION },
        { "flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    struct import_progress progress = { .line = { 0 } };
    struct import_options opt = { .tz = "UTC" };
    struct store *store = NULL;
    struct tally_diag diag;
    int c, status = 0, imported = 0;

    while ((c = getopt_long(argc, argv, "+:f:", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!importer_find(optarg))
                return cli_usage_error("import", "unknown format '%s'", optarg);
            opt.format = optarg;
            break;
        case OPT_TAG: opt.tag = optarg; break;
        case OPT_OWNER: opt.owner = optarg; break;
        case OPT_TZ: opt.tz = optarg; break;
        case OPT_LENIENT: opt.lenient = 1; break;
        case OPT_MASSCAN_VERSION: opt.masscan_version = optarg; break;
        case OPT_FLOW_TIMEOUT: opt.flow_timeout = optarg; break;
        case OPT_HELP:
            cli_print_usage(cli->command, stdout);
            fputs(masscan_version_help, stdout);
            fputs(flow_timeout_help, stdout);
            return 0;
        default:
            return cli_bad_option("import", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("import", "name at least one FILE ('-' for stdin)");

    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, &store, &diag);
    if (err)
        return cli_fail(err, &diag);
    if (cli_progress_wanted()) {
        progress.store = store;
        opt.progress = draw_progress;
        opt.progress_data = &progress;
    }
    for (int i = optind; i < argc; i++) {
        struct import_result result;
        err = import_file(store, argv[i], &opt, &result, &diag);
        if (err) {
            if (!diag.file[0])
                snprintf(diag.file, sizeof(diag.file), "%s", argv[i]);
            status = cli_fail(err, &diag);
            if (i + 1 < argc)
                fprintf(stderr, "tally: stopped: %d more file%s not imported, from %s on\n",
                        argc - i - 1, argc - i - 1 == 1 ? "" : "s", argv[i + 1]);
            break;
        }
        print_summary(strcmp(argv[i], "-") == 0 ? "(stdin)" : argv[i], &result, cli->quiet);
        imported++;
    }
    if (imported)
        keep_labels_flattened(store);
    store_close(store);
    return status;
}
