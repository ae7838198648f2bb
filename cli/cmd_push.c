/* cmd_push.c: `tally push URL [SOURCE...]`: imports of the SQLite database copied into the
 * ClickHouse database at URL with their provenance, one summary line each, and the status
 * line while the rows go. */
#include "cli/cli.h"
#include "store/clickhouse_push.h"

#include <stdlib.h>
#include <string.h>

static void draw_progress(void *data, unsigned long long done, unsigned long long total)
{
    cli_progress_count(data, "pushing", done, total, "rows");
}

/* The line that says what a push did. */
static void print_summary(int64_t id, const struct store_push_result *r)
{
    struct strbuf sb;
    char number[32];
    strbuf_init(&sb);
    if (r->duplicate) {
        fprintf(stderr, "tally: source %lld (%s): already pushed as source %lld (same "
                "content): nothing to do\n", (long long)id, r->path, (long long)r->source_id);
        strbuf_release(&sb);
        return;
    }
    for (int i = 0; i < r->counts.n; i++) {
        format_thousands(r->counts.count[i], number, sizeof(number));
        strbuf_addf(&sb, "%s%s %s", i ? ", " : "", number, r->counts.kind[i]);
    }
    if (r->counts.n == 0)
        strbuf_addstr(&sb, "no records");
    fprintf(stderr, "tally: source %lld (%s): pushed as source %lld: %s; %.2f s\n",
            (long long)id, r->path, (long long)r->source_id, sb.buf, r->seconds);
    strbuf_release(&sb);
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
    struct store *from = NULL, *to = NULL;
    struct tally_diag diag;
    int64_t *ids = NULL;
    size_t n = 0, alloc = 0;
    int status = 0;
    enum tally_error err;

    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        cli_print_usage(cli->command, stdout);
        return 0;
    }
    if (argc < 2)
        return cli_usage_error("push", "name the ClickHouse database to push to "
                               "(clickhouse://HOST:PORT/DATABASE)");
    const char *url = argv[1];
    if (!clickhouse_is_url(url))
        return cli_usage_error("push", "'%s' is not a ClickHouse database: push copies "
                               "into clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE", url);
    if (clickhouse_is_url(cli->db_path))
        return cli_usage_error("push", "push copies from a SQLite database (-d FILE.db), "
                               "not from %s", cli->db_path);
    diag_clear(&diag);
    err = cli_open_store(cli, &from, &diag);
    for (int i = 2; !err && i < argc && !status; i++) {
        int found = 0;
        err = store_push_select(from, argv[i], &ids, &n, &alloc, &found, &diag);
        if (!err && found == 0)
            status = cli_usage_error("push", "no source has id or tag '%s'", argv[i]);
    }
    if (!err && !status && argc == 2) {
        int found = 0;
        err = store_push_select(from, NULL, &ids, &n, &alloc, &found, &diag);
    }
    if (!err && !status && n == 0 && !cli->quiet)
        fprintf(stderr, "tally: %s holds no imports: nothing to push\n", cli->db_path);
    if (!err && !status && n > 0)
        err = store_open(url, STORE_READ_WRITE, &to, &diag);
    for (size_t i = 0; !err && !status && i < n; i++) {
        struct store_push_result r;
        struct cli_progress line;
        char *label = xasprintf("source %lld", (long long)ids[i]);
        cli_progress_begin(&line, label);
        err = store_push(from, ids[i], to, line.enabled ? draw_progress : NULL, &line, &r,
                         &diag);
        cli_progress_end(&line);
        free(label);
        if (err == TALLY_ERROR_UNSUPPORTED) {
            /* ClickHouse does not take it: said, and the others go on. */
            fprintf(stderr, "tally: source %lld (%s): not pushed: %s\n", (long long)ids[i],
                    r.path ? r.path : "?", diag.message);
            err = TALLY_OK;
            diag_clear(&diag);
        } else if (!err && !cli->quiet) {
            print_summary(ids[i], &r);
        }
        store_push_result_release(&r);
    }
    if (err)
        status = cli_fail(err, &diag);
    store_close(to);
    store_close(from);
    free(ids);
    return status;
}
