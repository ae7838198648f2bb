/* cmd_listing.c: the listing commands `sources` and `analyses`, and `forget`. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* Parses the one option listing commands take. Returns the format, or -1 after printing. */
static int listing_format(const struct cli *cli, int argc, char **argv, int *done)
{
    static const struct option options[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *command = cli->command->name;
    int c, format = TEXT_TABLE;
    *done = 0;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        if (c == OPT_FORMAT && (format = text_format_parse(optarg)) >= 0)
            continue;
        if (c == OPT_HELP) {
            cli_print_usage(cli->command, stdout);
            *done = 1;
            return 0;
        }
        if (c == OPT_FORMAT)
            cli_usage_error(command, "--format takes table, csv, tsv or json, not '%s'", optarg);
        else
            cli_bad_option(command, c, argv);
        return -1;
    }
    if (optind < argc) {
        cli_usage_error(command, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return format;
}

/* A listing command: its one option, then the table `make` builds, printed. Commands whose
 * entry says CLI_STORE_READ_IF_ANY list without a database too (store NULL). */
static int run_listing(struct cli *cli, int argc, char **argv,
                       enum tally_error (*make)(struct store *, struct table **,
                                                struct tally_diag *))
{
    struct store *store = NULL;
    struct table *t = NULL;
    struct tally_diag diag;
    int done, format = listing_format(cli, argc, argv, &done);
    if (format < 0)
        return 2;
    if (done)
        return 0;
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, &store, &diag);
    if (!err)
        err = make(store, &t, &diag);
    if (!err)
        err = table_write_text(t, (enum text_format)format, stdout);
    table_free(t);
    store_close(store);
    return err ? cli_fail(err, &diag) : 0;
}

int cmd_sources(struct cli *cli, int argc, char **argv)
{
    return run_listing(cli, argc, argv, sources_table);
}

int cmd_analyses(struct cli *cli, int argc, char **argv)
{
    return run_listing(cli, argc, argv, analysis_catalogue);
}

int cmd_forget(struct cli *cli, int argc, char **argv)
{
    struct store *store = NULL;
    struct tally_diag diag;
    int status = 0, forgotten = 0;
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        cli_print_usage(cli->command, stdout);
        return 0;
    }
    if (argc < 2)
        return cli_usage_error("forget", "name at least one SOURCE (an id or a tag; see "
                               "tally sources)");
    diag_clear(&diag);
    enum tally_error err = cli_open_store(cli, &store, &diag);
    if (err)
        return cli_fail(err, &diag);
    for (int i = 1; i < argc && !status; i++) {
        int removed = 0;
        err = store_forget(store, argv[i], &removed, &diag);
        if (err)
            status = cli_fail(err, &diag);
        else if (removed == 0)
            status = cli_usage_error("forget", "no source has id or tag '%s'", argv[i]);
        else
            fprintf(stderr, "tally: forgot %d source%s for '%s'\n", removed,
                    removed == 1 ? "" : "s", argv[i]);
        forgotten += removed;
    }
    if (forgotten)
        keep_labels_flattened(store);
    store_close(store);
    return status;
}
