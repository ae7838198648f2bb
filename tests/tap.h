/* tap.h: a minimal Test Anything Protocol writer for the C unit tests: each check prints
 * "ok N - what" or "not ok N - what", and tap_done() prints the plan and the exit status. */
#ifndef TALLY_TAP_H
#define TALLY_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define CHECK(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR(got, want, what) tap_check_str((got), (want), __FILE__, __LINE__, (what))
#define CHECK_INT(got, want, what) tap_check_int((long long)(got), (long long)(want), \
                                                 __FILE__, __LINE__, (what))

__attribute__((format(printf, 4, 5), unused))
static void tap_check(int ok, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    printf("%s %d - ", ok ? "ok" : "not ok", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!ok) {
        tap_failed++;
        printf("#   at %s:%d\n", file, line);
    }
}

__attribute__((unused))
static void tap_check_str(const char *got, const char *want, const char *file, int line,
                          const char *what)
{
    int ok = got && want ? strcmp(got, want) == 0 : got == want;
    tap_check(ok, file, line, "%s", what);
    if (!ok)
        printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)",
               want ? want : "(null)");
}

__attribute__((unused))
static void tap_check_int(long long got, long long want, const char *file, int line,
                          const char *what)
{
    tap_check(got == want, file, line, "%s", what);
    if (got != want)
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
}

__attribute__((unused))
static int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
