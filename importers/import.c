/* import.c: runs one import: opens the input, picks the importer (named or sniffed), wraps
 * the records in one transaction, and reports malformed records, warnings and progress
 * (to the caller's callback: a library does not print). */
#include "importers/importers.h"

#include <ctype.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum tally_error bad_record(struct import_ctx *ctx, long long offset, const char *fmt,
                                   va_list ap)
{
    if (ctx->opt->lenient) {
        ctx->skipped++;
        return TALLY_OK;
    }
    snprintf(ctx->diag->file, sizeof(ctx->diag->file), "%s", input_path(ctx->in));
    if (offset >= 0) {
        ctx->diag->line = 0;
        ctx->diag->offset = offset;
    } else {
        ctx->diag->line = input_line_number(ctx->in);
    }
    return diag_setv(ctx->diag, TALLY_ERROR_DATA, fmt, ap);
}

enum tally_error import_bad_record(struct import_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum tally_error err = bad_record(ctx, -1, fmt, ap);
    va_end(ap);
    return err;
}

enum tally_error import_bad_record_at(struct import_ctx *ctx, long long offset,
                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum tally_error err = bad_record(ctx, offset, fmt, ap);
    va_end(ap);
    return err;
}

void import_warn(struct import_ctx *ctx, const char *fmt, ...)
{
    if (ctx->warnings++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->warning, sizeof(ctx->warning), fmt, ap);
        va_end(ap);
    }
}

void import_warn_cut_off(struct import_ctx *ctx)
{
    import_warn(ctx, "%s:%ld: the last record is cut off: left out", input_path(ctx->in),
                input_line_number(ctx->in));
}

/* The store hears of progress every 2^12 records, the caller at most every 2^16. */
void import_progress(struct import_ctx *ctx)
{
    static unsigned long calls;
    if (++calls & 0xfff)
        return;
    unsigned long long done = input_bytes_done(ctx->in), total = input_size_hint(ctx->in);
    store_import_progress(ctx->store, done, total);
    if (ctx->opt->progress && (calls & 0xffff) == 0)
        ctx->opt->progress(ctx->opt->progress_data, input_path(ctx->in), done, total, 0);
}

enum tally_error import_read_whole(struct import_ctx *ctx, struct strbuf *sb,
                                   unsigned long long max, const char *what)
{
    char chunk[65536];
    for (;;) {
        long n = input_read(ctx->in, chunk, sizeof(chunk), ctx->diag);
        if (n < 0)
            return TALLY_ERROR_IO;
        if (n == 0)
            return TALLY_OK;
        if (sb->len + (size_t)n > max)
            return diag_set(ctx->diag, TALLY_ERROR_LIMIT, "a %s larger than %llu MiB", what,
                            max >> 20);
        strbuf_add(sb, chunk, (size_t)n);
        import_progress(ctx);
    }
}

/* The key that tells a repeated import: the SHA-256 of the content. For an importer whose
 * rows depend on --owner (declined events, the owner's company), --tz (times written
 * without a zone) or --flow-timeout (when connections end), when those are given with a
 * value other than the default, it is the SHA-256 of the content's hash with them, so that
 * the same calendar read for another owner or zone, or the same capture cut into
 * connections another way, is a new import. */
static void import_key(const struct importer *importer, const struct import_options *opt,
                       char key[65])
{
    const char *owner = importer->reads & IMPORTER_READS_OWNER && opt->owner && *opt->owner
                            ? opt->owner : NULL;
    const char *tz = importer->reads & IMPORTER_READS_TZ && opt->tz && *opt->tz &&
                             strcmp(opt->tz, "UTC") != 0
                         ? opt->tz : NULL;
    long long tcp = 0, udp = 0, default_tcp, default_udp;
    const char *bad;
    int timeouts = importer->reads & IMPORTER_READS_FLOW_TIMEOUT && opt->flow_timeout &&
                   pcap_flow_timeouts(opt->flow_timeout, &tcp, &udp, &bad) &&
                   pcap_flow_timeouts(NULL, &default_tcp, &default_udp, &bad) &&
                   (tcp != default_tcp || udp != default_udp);
    if (!owner && !tz && !timeouts)
        return;
    GString *text = g_string_new(key);
    if (owner) {
        g_string_append(text, "\n--owner ");
        for (const char *c = owner; *c; c++)
            g_string_append_c(text, (char)tolower((unsigned char)*c));
    }
    if (tz)
        g_string_append_printf(text, "\n--tz %s", tz);
    if (timeouts)
        g_string_append_printf(text, "\n--flow-timeout tcp=%lld,udp=%lld", tcp, udp);
    gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text->str, (gssize)text->len);
    snprintf(key, 65, "%s", sum);
    g_free(sum);
    g_string_free(text, TRUE);
}

enum tally_error import_file(struct store *store, const char *path,
                             const struct import_options *opt, struct import_result *result,
                             struct tally_diag *diag)
{
    struct input *in = NULL;
    const struct importer *importer;
    enum tally_error err;
    double started = now_seconds();
    char sha[65];

    memset(result, 0, sizeof(*result));
    diag_clear(diag);
    err = input_open(path, &in, diag);
    if (err)
        return err;

    if (opt->format) {
        importer = importer_find(opt->format);
        if (!importer) {
            err = diag_set(diag, TALLY_ERROR_USAGE, "unknown format '%s' (see tally import "
                           "--help for the list)", opt->format);
            goto done;
        }
    } else {
        size_t len;
        const unsigned char *head = input_head(in, &len);
        if (len == 0) {
            /* masscan writes an empty file when it found nothing: not an error. */
            result->empty = 1;
            goto done;
        }
        importer = importer_sniff(head, len, path);
        if (!importer) {
            snprintf(diag->file, sizeof(diag->file), "%s", input_path(in));
            err = diag_set(diag, TALLY_ERROR_DATA, "cannot tell the format from the first "
                           "bytes; name it with -f FORMAT (see tally import --help)");
            goto done;
        }
    }
    result->format = importer->name;

    struct source_info info = { .path = path, .format = importer->name, .tag = opt->tag,
                                .owner = opt->owner };
    err = store_import_begin(store, &info, diag);
    if (err)
        goto done;
    struct import_ctx ctx = { .in = in, .store = store, .opt = opt, .diag = diag };
    err = importer->run(&ctx);
    if (!err)
        err = input_drain(in, diag);
    if (opt->progress)
        opt->progress(opt->progress_data, input_path(in), input_bytes_done(in),
                      input_size_hint(in), 1);
    if (err) {
        if (!diag->file[0])
            snprintf(diag->file, sizeof(diag->file), "%s", input_path(in));
        store_import_rollback(store);
        goto done;
    }
    result->counts = *store_import_counts(store);
    result->skipped = ctx.skipped;
    result->warnings = ctx.warnings;
    memcpy(result->warning, ctx.warning, sizeof(result->warning));
    result->bytes = input_bytes_read(in);
    result->seconds = now_seconds() - started;
    input_sha256(in, sha);
    import_key(importer, opt, sha);
    err = store_import_commit(store, sha, (long long)result->bytes, ctx.skipped,
                              result->seconds, &result->source_id, diag);
    if (err == TALLY_ERROR_DUPLICATE) {
        result->duplicate = 1;
        err = TALLY_OK;
    }

done:
    input_close(in);
    return err;
}
