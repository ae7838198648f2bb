/* fuzz_store.c: the in-memory database, per-input import and exact-size input copy the
 * decoder harnesses share (fuzz_store.h). */
#include "fuzz/fuzz_store.h"

#include <stdlib.h>
#include <string.h>

static struct store *store;     /* one for the whole run; each import is rolled back */

void fuzz_import_begin(struct fuzz_import *fi, const char *path, const char *format)
{
    memset(fi, 0, sizeof(*fi));
    if (!store && store_open(":memory:", STORE_READ_WRITE, &store, &fi->diag) != TALLY_OK)
        abort();
    struct source_info info = { .path = path, .format = format };
    if (store_import_begin(store, &info, &fi->diag) != TALLY_OK)
        abort();
    fi->store = store;
    fi->opt.tz = "UTC";
    fi->ctx.store = store;
    fi->ctx.opt = &fi->opt;
    fi->ctx.diag = &fi->diag;
}

void fuzz_import_end(struct fuzz_import *fi)
{
    store_import_rollback(fi->store);
}

uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    return copy;
}
