/* cmd_import.c: `tally import`: each file in its own transaction, one summary line each. */
#include "analyzer/cli.h"

#include <string.h>
#include <unistd.h>

static void print_summary(const char *path, const struct import_result *r)
{
    struct strbuf sb;
    char number[32];
    strbuf_init(&sb);
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

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        { "format", required_argument, NULL, 'f' },
        { "tag", required_argument, NULL, OPT_TAG },
        { "owner", required_argument, NULL, OPT_OWNER },
        { "tz", required_argument, NULL, OPT_TZ },
        { "lenient", no_argument, NULL, OPT_LENIENT },
        { "masscan-version", required_argument, NULL, OPT_MASSCAN_VERSION },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    struct import_options opt = { .tz = "UTC", .progress = isatty(2) };
    struct store *store = NULL;
    struct tally_diag diag;
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "+f:", options, NULL)) != -1) {
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
        case OPT_HELP:
            cli_print_usage(cli_find_command("import"), stdout);
            return 0;
        default:
            return cli_usage_error("import", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("import", "name at least one FILE ('-' for stdin)");

    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, STORE_READ_WRITE, &store, &diag);
    if (err)
        return cli_fail(err, &diag);
    for (int i = optind; i < argc; i++) {
        struct import_result result;
        err = import_file(store, argv[i], &opt, &result, &diag);
        if (err) {
            if (!diag.file[0])
                snprintf(diag.file, sizeof(diag.file), "%s", argv[i]);
            status = cli_fail(err, &diag);
            break;
        }
        print_summary(argv[i], &result);
    }
    store_close(store);
    return status;
}
