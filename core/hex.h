/* Hexadecimal digits: the one decoder the core's %XX and hex-hash parsers share. */
#ifndef MCPD_CORE_HEX_H
#define MCPD_CORE_HEX_H

/* The value 0..15 of the hex digit ch (either case), or -1 for anything else, '\0' included,
 * so a caller may read s[i + 1] after a non-NUL s[i] without going past the terminator. */
static inline int mcpd_hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

#endif
