/* ELF structure check before dlopen(): see elf_check.h for why. */
#include "elf_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h> /* ElfW(): the native word size */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* More program headers than any real shared object has; a bound on what we read. */
#define MAX_PHDRS 4096

/* The ELF header of the running executable (GNU ld and lld define it): the machine, class and
 * byte order a loadable plugin must share with us. */
extern const ElfW(Ehdr) __ehdr_start;

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -ENOEXEC;
}

/* Reads exactly len bytes at off; -1 with errno on a short read (EIO) or an error. */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* off + len <= size, without overflow. */
static int fits(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static int check_header(const ElfW(Ehdr) * eh, uint64_t size, char *why, size_t whylen)
{
    const ElfW(Ehdr) *self = &__ehdr_start;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        return refuse(why, whylen, "not an ELF file (no \\177ELF magic)");
    }
    if (eh->e_ident[EI_CLASS] != self->e_ident[EI_CLASS] ||
        eh->e_ident[EI_DATA] != self->e_ident[EI_DATA] || eh->e_machine != self->e_machine) {
        return refuse(why, whylen,
                      "built for another machine (ELF class %u, byte order %u, machine %u; this "
                      "server is %u, %u, %u)",
                      eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA], (unsigned)eh->e_machine,
                      self->e_ident[EI_CLASS], self->e_ident[EI_DATA], (unsigned)self->e_machine);
    }
    if (eh->e_type != ET_DYN) {
        return refuse(why, whylen, "not a shared object (ELF type %u)", (unsigned)eh->e_type);
    }
    if (eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS) {
        return refuse(why, whylen, "bad program header table (%u entries of %u bytes)",
                      (unsigned)eh->e_phnum, (unsigned)eh->e_phentsize);
    }
    if (!fits(eh->e_phoff, (uint64_t)eh->e_phnum * eh->e_phentsize, size)) {
        return refuse(why, whylen,
                      "file is truncated: the program headers end past byte %llu, the file has "
                      "%llu",
                      (unsigned long long)eh->e_phoff, (unsigned long long)size);
    }
    if (eh->e_shoff != 0) {
        /* dlopen() never reads section headers, but they sit at the very end of the file: a
         * table cut off is the surest sign of an interrupted copy. */
        if (eh->e_shentsize != sizeof(ElfW(Shdr)) ||
            !fits(eh->e_shoff, (uint64_t)eh->e_shnum * eh->e_shentsize, size)) {
            return refuse(why, whylen,
                          "file is truncated: the section headers (%u at byte %llu) end past "
                          "the end of the file (%llu bytes)",
                          (unsigned)eh->e_shnum, (unsigned long long)eh->e_shoff,
                          (unsigned long long)size);
        }
    }
    return 0;
}

int mcpd_elf_check_fd(int fd, char *why, size_t whylen)
{
    struct stat st;
    ElfW(Ehdr) eh;
    ElfW(Phdr) ph;

    if (fstat(fd, &st) < 0) {
        int e = errno;
        snprintf(why, whylen, "cannot stat the file: %s", strerror(e));
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        return refuse(why, whylen, "not a regular file");
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < sizeof eh) {
        return refuse(why, whylen,
                      "file is truncated or empty: %llu bytes, shorter than an ELF "
                      "header",
                      (unsigned long long)size);
    }
    if (read_at(fd, &eh, sizeof eh, 0) < 0) {
        int e = errno;
        snprintf(why, whylen, "cannot read the ELF header: %s", strerror(e));
        return -e;
    }
    int rc = check_header(&eh, size, why, whylen);
    if (rc < 0) {
        return rc;
    }
    int loads = 0, dynamic = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (read_at(fd, &ph, sizeof ph, eh.e_phoff + (uint64_t)i * sizeof ph) < 0) {
            int e = errno;
            snprintf(why, whylen, "cannot read program header %u: %s", i, strerror(e));
            return -e;
        }
        if (ph.p_type == PT_LOAD) {
            loads++;
            if (ph.p_filesz > ph.p_memsz) {
                return refuse(why, whylen, "segment %u claims more file bytes than memory", i);
            }
        }
        dynamic += ph.p_type == PT_DYNAMIC;
        if (ph.p_filesz && !fits(ph.p_offset, ph.p_filesz, size)) {
            return refuse(why, whylen,
                          "file is truncated: segment %u ends at byte %llu, the file has %llu", i,
                          (unsigned long long)ph.p_offset + (unsigned long long)ph.p_filesz,
                          (unsigned long long)size);
        }
    }
    if (!loads || !dynamic) {
        return refuse(why, whylen, "no loadable or no dynamic segment: not a shared library");
    }
    return 0;
}

int mcpd_elf_check(const char *path, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(e));
        return -e;
    }
    int rc = mcpd_elf_check_fd(fd, why, whylen);
    close(fd);
    return rc;
}
