/* fuzz_import.c: a libFuzzer harness for one importer: the input bytes are imported, strict
 * and then lenient, into an in-memory database. The format comes from the program's name
 * (fuzz-import-list fuzzes the list importer), so one source serves every format. */
#include "importers/importers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char format[64];
static struct store *store;     /* one in-memory database; each import is forgotten */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *name = strrchr((*argv)[0], '/');
    name = name ? name + 1 : (*argv)[0];
    const char *prefix = "fuzz-import-";
    if (strncmp(name, prefix, strlen(prefix)) != 0 || !importer_find(name + strlen(prefix))) {
        fprintf(stderr, "fuzz_import: name the program fuzz-import-FORMAT\n");
        exit(2);
    }
    snprintf(format, sizeof(format), "%s", name + strlen(prefix));
    struct tally_diag diag;
    if (store_open(":memory:", STORE_READ_WRITE, &store, &diag) != TALLY_OK)
        abort();
    (void)argc;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-input", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    for (int lenient = 0; lenient <= 1; lenient++) {
        struct tally_diag diag;
        struct import_result result;
        struct import_options opt = { .format = format, .tz = "UTC", .lenient = lenient,
                                      .owner = "owner@example.com" };
        if (import_file(store, path, &opt, &result, &diag) == TALLY_OK && !result.duplicate) {
            char id[32];
            int removed;
            snprintf(id, sizeof(id), "%lld", (long long)result.source_id);
            if (store_forget(store, id, &removed, &diag) != TALLY_OK || removed != 1)
                abort();
        }
    }
    close(fd);
    return 0;
}
