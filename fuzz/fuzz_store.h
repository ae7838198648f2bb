/* fuzz_store.h: what the decoder harnesses that store what they decode share: one
 * in-memory database, opened on first use; an import begun for each input and rolled back
 * after it; and an exact-size copy of the input, so a read one byte past it is caught. */
#ifndef TALLY_FUZZ_STORE_H
#define TALLY_FUZZ_STORE_H

#include "importers/importers.h"

struct fuzz_import {
    struct store *store;
    struct tally_diag diag;
    struct import_options opt;
    struct import_ctx ctx;      /* points into this struct: do not copy it */
};

/* Begins an import of a file named path in format; aborts when the database refuses. */
void fuzz_import_begin(struct fuzz_import *fi, const char *path, const char *format);
/* Rolls the import back, leaving the database as it was. */
void fuzz_import_end(struct fuzz_import *fi);
/* A malloc'd copy of exactly size bytes (at least one byte allocated); the caller frees it. */
uint8_t *fuzz_copy(const uint8_t *data, size_t size);

#endif
