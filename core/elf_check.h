/*
 * Checks a shared object's ELF structure against the file's real size before dlopen() maps it.
 *
 * dlopen() mmaps every PT_LOAD segment by the offsets the file claims. A file cut short (an
 * interrupted copy, a full disk) still claims its old segments, and the first access past the
 * end of the file raises SIGBUS inside the dynamic loader: the whole server dies, not just the
 * load. glibc checks only the ELF and program headers themselves. This check reads the headers
 * with pread() and refuses the file unless every segment, the program header table and the
 * section header table lie within it, so a truncated, empty or foreign file becomes an ordinary
 * load error that keeps the running generation.
 */
#ifndef MCPD_CORE_ELF_CHECK_H
#define MCPD_CORE_ELF_CHECK_H

#include <stddef.h>

/*
 * Checks the open file `fd` (borrowed; its offset is not used). Returns 0 when it is a shared
 * object for this machine whose headers and segments all fit in the file, or a negative errno
 * (-ENOEXEC for a bad or truncated file, another -errno when it cannot be read) with the reason
 * written to `why` (e.g. "file is truncated: segment 2 ends at byte 16384, the file has 9000").
 */
int mcpd_elf_check_fd(int fd, char *why, size_t whylen);

/* Same, opening `path` read-only. */
int mcpd_elf_check(const char *path, char *why, size_t whylen);

#endif
