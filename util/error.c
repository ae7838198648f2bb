/* error.c: names and exit codes for tally's error enum, and the diagnostic record that
 * carries "file:line: what was expected" from library code to the CLI. */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static const char *const error_names[TALLY_ERROR_COUNT] = {
    [TALLY_OK] = "no error",
    [TALLY_ERROR_DATA] = "malformed input",
    [TALLY_ERROR_USAGE] = "invalid usage",
    [TALLY_ERROR_IO] = "input/output error",
    [TALLY_ERROR_DATABASE] = "database error",
    [TALLY_ERROR_MEMORY] = "out of memory",
    [TALLY_ERROR_UNSUPPORTED] = "not supported",
    [TALLY_ERROR_DUPLICATE] = "already imported",
    [TALLY_ERROR_LIMIT] = "a safety limit was exceeded",
};

const char *tally_strerror(enum tally_error err)
{
    if ((unsigned)err >= TALLY_ERROR_COUNT)
        return "unknown error";
    return error_names[err];
}

int tally_exit_code(enum tally_error err)
{
    switch (err) {
    case TALLY_OK:
    case TALLY_ERROR_DUPLICATE:
        return 0;
    case TALLY_ERROR_DATA:
    case TALLY_ERROR_LIMIT:
    case TALLY_ERROR_UNSUPPORTED:
        return 1;
    case TALLY_ERROR_USAGE:
        return 2;
    default:
        return 3;
    }
}

void diag_clear(struct tally_diag *diag)
{
    if (!diag)
        return;
    diag->file[0] = '\0';
    diag->line = 0;
    diag->offset = -1;
    diag->message[0] = '\0';
}

enum tally_error diag_setv(struct tally_diag *diag, enum tally_error err, const char *fmt,
                           va_list ap)
{
    if (diag)
        vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
    return err;
}

enum tally_error diag_set(struct tally_diag *diag, enum tally_error err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_setv(diag, err, fmt, ap);
    va_end(ap);
    return err;
}

void diag_format(const struct tally_diag *diag, char *out, size_t size)
{
    const char *msg = diag->message[0] ? diag->message : "unknown error";
    if (diag->file[0] && diag->line > 0)
        snprintf(out, size, "%s:%ld: %s", diag->file, diag->line, msg);
    else if (diag->file[0] && diag->offset >= 0)
        snprintf(out, size, "%s: byte %lld: %s", diag->file, diag->offset, msg);
    else if (diag->file[0])
        snprintf(out, size, "%s: %s", diag->file, msg);
    else
        snprintf(out, size, "%s", msg);
}
