/* The hostile-input catalogue, part 4: plugin files that are not whole mcpd plugins, as an
 * interrupted copy, a bad deploy or a hostile file leaves them. Each row is made from the test
 * plugin (testkit.so) by the runner in tests/integration/test_plugin_files.c, which expects
 * --check-config to exit 1 naming the section and `why`, and a SIGHUP onto the file to keep the
 * running generation serving with `why` in the log. */
#ifndef MCPD_HOSTILE_ROWS_PLUGIN_H
#define MCPD_HOSTILE_ROWS_PLUGIN_H

enum plugin_file {
    PF_CUT,        /* the first `arg` per mille of the file (an interrupted copy) */
    PF_BYTES,      /* the first `arg` bytes */
    PF_TEXT,       /* a shell script */
    PF_RANDOM,     /* `arg` pseudo-random bytes */
    PF_PATCH,      /* the whole file with byte at offset `arg` set to `val` */
    PF_PATCH16,    /* the whole file with the 16-bit field at `arg` set to `val` */
    PF_DIRECTORY,  /* a directory where the file should be */
    PF_FIFO,       /* a named pipe (must not block the loader) */
    PF_DEVZERO,    /* a symlink to /dev/zero */
    PF_MISSING,    /* no file at all */
    PF_NOT_PLUGIN, /* a real shared library that is not an mcpd plugin (libm) */
};

struct plugin_row {
    const char *cls;
    enum plugin_file kind;
    long arg;
    unsigned val;
    const char *why; /* a substring of the refusal */
};

static const struct plugin_row PLUGIN_ROWS[] = {
    {"truncated", PF_BYTES, 0, 0, "file is truncated or empty"},
    {"truncated", PF_BYTES, 1, 0, "file is truncated or empty"},
    {"truncated", PF_BYTES, 63, 0, "shorter than an ELF header"},
    {"truncated", PF_BYTES, 64, 0, "file is truncated"},
    {"truncated", PF_BYTES, 200, 0, "file is truncated"},
    {"truncated", PF_CUT, 100, 0, "file is truncated"},
    {"truncated", PF_CUT, 250, 0, "file is truncated"},
    {"truncated", PF_CUT, 500, 0, "file is truncated"},
    {"truncated", PF_CUT, 750, 0, "file is truncated"},
    {"truncated", PF_CUT, 900, 0, "file is truncated"},
    {"truncated", PF_CUT, 990, 0, "file is truncated"},
    {"not-elf", PF_TEXT, 0, 0, "not an ELF file"},
    {"not-elf", PF_RANDOM, 4096, 0, "not an ELF file"},
    {"not-elf", PF_PATCH, 0, 0x7e, "not an ELF file"},
    {"wrong-elf", PF_PATCH, 4, 1, "built for another machine"},        /* EI_CLASS = 32-bit */
    {"wrong-elf", PF_PATCH, 5, 2, "built for another machine"},        /* EI_DATA = big endian */
    {"wrong-elf", PF_PATCH16, 18, 40, "built for another machine"},    /* e_machine = ARM */
    {"wrong-elf", PF_PATCH16, 16, 2, "not a shared object"},           /* e_type = ET_EXEC */
    {"wrong-elf", PF_PATCH16, 16, 1, "not a shared object"},           /* e_type = ET_REL */
    {"wrong-elf", PF_PATCH16, 54, 7, "bad program header table"},      /* e_phentsize */
    {"wrong-elf", PF_PATCH16, 56, 0xffff, "bad program header table"}, /* e_phnum */
    {"not-file", PF_DIRECTORY, 0, 0, "Is a directory"},
    {"not-file", PF_FIFO, 0, 0, "not a regular file"},
    {"not-file", PF_DEVZERO, 0, 0, "not a regular file"},
    {"not-file", PF_MISSING, 0, 0, "No such file"},
    {"not-plugin", PF_NOT_PLUGIN, 0, 0, "not an mcpd plugin"},
};

#endif
