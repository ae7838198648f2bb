/* tally.c: the program's entry point; everything else lives in the libraries. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
