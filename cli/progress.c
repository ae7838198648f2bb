/* progress.c: the one status line tally keeps on a terminal while it works: what it is
 * reading, how far it is, how fast and how long is left; never written into a pipe unless
 * --progress=always asks for it, never with --quiet. */
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.1      /* the line is drawn at most this often */
#define ESTIMATE_AFTER 1.0      /* seconds of work before a time left is guessed */

static enum cli_progress_when progress_when = CLI_PROGRESS_AUTO;

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_set(enum cli_progress_when when)
{
    progress_when = when;
}

int cli_progress_wanted(void)
{
    if (progress_when == CLI_PROGRESS_AUTO)
        return isatty(2);
    return progress_when == CLI_PROGRESS_ALWAYS;
}

/* The columns the line may take: the terminal's width less one; 0 (no limit) when stderr
 * is not a terminal. */
static int line_width(void)
{
    struct winsize ws;
    if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col - 1;
    return isatty(2) ? 79 : 0;
}

void cli_progress_begin(struct cli_progress *p, const char *label)
{
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->enabled = cli_progress_wanted();
    p->started = monotonic_seconds();
}

/* "12.3 MiB", "1.2 GiB", "512 KiB". */
static void format_bytes(double bytes, char *out, size_t size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(out, size, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
}

/* "42 s", "3:05", "1:02:03". */
static void format_duration(double seconds, char *out, size_t size)
{
    long s = (long)(seconds + 0.5);
    if (s < 60)
        snprintf(out, size, "%ld s", s);
    else if (s < 3600)
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

/* Draws text over the line drawn before, cut at the terminal's width. */
static void draw(struct cli_progress *p, const char *text)
{
    int width = line_width(), length = (int)strlen(text);
    if (width > 0 && length > width)
        length = width;
    fprintf(stderr, "\r%.*s%*s\r", length, text,
            p->drawn_length > length ? p->drawn_length - length : 0, "");
    fflush(stderr);
    p->drawn = 1;
    p->drawn_length = length;
}

/* The label as the line shows it: the whole path, or its last part when the whole line
 * would not fit. */
static const char *shown_label(const struct cli_progress *p, int shorten)
{
    const char *slash = strrchr(p->label, '/');
    return shorten && slash && slash[1] ? slash + 1 : p->label;
}

/* Whether now is too soon after the last drawing to draw again. */
static int too_soon(struct cli_progress *p, double now)
{
    if (p->drawn && now - p->last_drawn < REDRAW_SECONDS)
        return 1;
    p->last_drawn = now;
    return 0;
}

static void compose_bytes(const struct cli_progress *p, int shorten, double elapsed,
                          unsigned long long done, unsigned long long total, long long records,
                          char *line, size_t size)
{
    char amount[32], whole[32], rate[32], count[32], left[32];
    size_t n;
    if (total > 0) {
        format_bytes((double)total, whole, sizeof(whole));
        snprintf(line, size, "tally: %s: %d%% of %s", shown_label(p, shorten),
                 (int)(done >= total ? 100 : done * 100 / total), whole);
    } else {
        format_bytes((double)done, amount, sizeof(amount));
        snprintf(line, size, "tally: %s: %s read", shown_label(p, shorten), amount);
    }
    if (records >= 0 && (n = strlen(line)) < size) {
        format_thousands(records, count, sizeof(count));
        snprintf(line + n, size - n, ", %s records", count);
    }
    if (elapsed >= ESTIMATE_AFTER && done > 0 && (n = strlen(line)) < size) {
        double per_second = (double)done / elapsed;
        format_bytes(per_second, rate, sizeof(rate));
        snprintf(line + n, size - n, ", %s/s", rate);
        if (total > done && (n = strlen(line)) < size) {
            format_duration((double)(total - done) / per_second, left, sizeof(left));
            snprintf(line + n, size - n, ", %s left", left);
        }
    }
}

void cli_progress_bytes(struct cli_progress *p, unsigned long long done,
                        unsigned long long total, long long records)
{
    char line[512];
    double now = monotonic_seconds();
    if (!p->enabled || too_soon(p, now))
        return;
    compose_bytes(p, 0, now - p->started, done, total, records, line, sizeof(line));
    if (line_width() > 0 && (int)strlen(line) > line_width())
        compose_bytes(p, 1, now - p->started, done, total, records, line, sizeof(line));
    draw(p, line);
}

static void compose_count(const struct cli_progress *p, int shorten, double elapsed,
                          const char *what, unsigned long long done, unsigned long long total,
                          const char *unit, char *line, size_t size)
{
    char whole[32], left[32];
    size_t n;
    format_thousands((long long)total, whole, sizeof(whole));
    snprintf(line, size, "tally: %s: %s, %d%% of %s %s", shown_label(p, shorten), what,
             (int)(total == 0 || done >= total ? 100 : done * 100 / total), whole, unit);
    if (elapsed >= ESTIMATE_AFTER && done > 0 && total > done && (n = strlen(line)) < size) {
        format_duration((double)(total - done) * elapsed / (double)done, left, sizeof(left));
        snprintf(line + n, size - n, ", %s left", left);
    }
}

void cli_progress_count(struct cli_progress *p, const char *what, unsigned long long done,
                        unsigned long long total, const char *unit)
{
    char line[512];
    double now = monotonic_seconds();
    if (!p->enabled || too_soon(p, now))
        return;
    compose_count(p, 0, now - p->started, what, done, total, unit, line, sizeof(line));
    if (line_width() > 0 && (int)strlen(line) > line_width())
        compose_count(p, 1, now - p->started, what, done, total, unit, line, sizeof(line));
    draw(p, line);
}

void cli_progress_step(struct cli_progress *p, const char *fmt, ...)
{
    if (!p->enabled)
        return;
    char line[512];
    int n = snprintf(line, sizeof(line), "tally: %s: ", p->label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    p->last_drawn = monotonic_seconds();
    draw(p, line);
}

void cli_progress_end(struct cli_progress *p)
{
    if (!p->enabled || !p->drawn)
        return;
    fprintf(stderr, "\r%*s\r", p->drawn_length, "");
    fflush(stderr);
    p->drawn = 0;
    p->drawn_length = 0;
}
