/* fuzz_unescape.c: a libFuzzer harness for masscan's banner unescaping, the UTF-8 repair
 * that follows it and the split of a Server value into product and version, on arbitrary
 * bytes. The HTTP header scan has its own harness (fuzz_http.c). */
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
    if (n == (size_t)-1) {              /* a broken escape: the importers refuse the banner */
        free(text);
        return 0;
    }
    if (n > size)
        abort();
    char *fixed = utf8_repair(text, n);
    if (!utf8_is_valid(fixed, strlen(fixed)))
        abort();
    char *product, *version;
    http_split_product(fixed, &product, &version);
    free(product);
    free(version);
    free(fixed);
    free(text);
    return 0;
}
