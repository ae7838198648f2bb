/* gen-list.c: writes a masscan list file (-oL) of N status records, shaped like a
 * single-port scan of a cloud (a few dense /24s, a long tail) on benchmark addresses
 * 198.18.0.0/15, and the same rows as CSV for the sqlite3 shell's .import. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x9543u;

static uint32_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)state;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen-list N LIST.oL ROWS.csv\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    FILE *list = fopen(argv[2], "w"), *csv = fopen(argv[3], "w");
    if (!list || !csv) {
        perror("gen-list");
        return 1;
    }
    fprintf(list, "#masscan\n");
    fprintf(csv, "status,proto,port,addr,seen\n");
    for (long long i = 0; i < n; i++) {
        uint32_t r = next_random();
        /* One in four records lands in 64 dense /24s; the rest anywhere in the /15. */
        uint32_t host = (r & 3) == 0 ? ((r >> 2) & 0x3f) << 8 | ((r >> 8) & 0xff)
                                     : (r >> 2) & 0x1ffff;
        uint32_t ip = 0xc6120000u | host;
        unsigned port = (r >> 20) % 50 == 0 ? 80 : 9543;
        long long seen = 1389312000 + i / 1000;
        fprintf(list, "open tcp %u %u.%u.%u.%u %lld\n", port, ip >> 24, (ip >> 16) & 255,
                (ip >> 8) & 255, ip & 255, seen);
        fprintf(csv, "open,tcp,%u,%u.%u.%u.%u,%lld\n", port, ip >> 24, (ip >> 16) & 255,
                (ip >> 8) & 255, ip & 255, seen);
    }
    fprintf(list, "# end\n");
    return fclose(list) || fclose(csv) ? 1 : 0;
}
