/*
 * mcpd_test_certgen DIR [PASSWORD]: writes DIR/ca.pem, DIR/cert.pem and DIR/key.pem (see
 * certgen.h) for tests that need TLS material but are not C (the e2e tests in Node).
 */
#include "certgen.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [PASSWORD]\n", argv[0]);
        return 2;
    }
    char err[512] = "";
    if (certgen_write(argv[1], argc == 3 ? argv[2] : NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return 0;
}
