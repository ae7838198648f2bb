/* fuzz_unescape.c: a libFuzzer harness for masscan's banner unescaping and the HTTP header
 * scan that follows it, on arbitrary bytes. */
#include "importers/importers.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = masscan_unescape(text, size);
    if (n > size)
        abort();
    char *fixed = utf8_repair(text, n);
    if (!utf8_is_valid(fixed, strlen(fixed)))
        abort();
    char *product, *version;
    store_split_product(fixed, &product, &version);
    free(product);
    free(version);
    free(fixed);
    free(text);
    return 0;
}
