/*
 * The INI reader: see config_ini.h. The rules, in one place:
 *   - a line is at most MCPD_INI_MAX_LINE characters (a longer one is refused, never cut) and may
 *     not hold a NUL byte; "\n" or "\r\n" ends it; a UTF-8 byte order mark may start the file;
 *   - blank lines and lines whose first non-blank character is ';' or '#' are comments;
 *   - "[name]" opens a section; only a comment may follow the ']';
 *   - otherwise the first '=' or ':' separates key and value; a ';' preceded by whitespace
 *     starts an inline comment; everything else is kept (quotes are not special);
 *   - no continuation lines: an indented line is a line of its own.
 */
#include "config_ini.h"

#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct source {
    FILE *fp;
    const char *text;
    struct mcpd_strbuf line; /* the current line, with its line break */
};

/* The next physical line (with its line break) in s->line. Returns its length, 0 at the end, or a
 * negative errno. */
static ssize_t next_line(struct source *s)
{
    mcpd_strbuf_truncate(&s->line, 0);
    if (s->fp) {
        int ch;
        errno = 0;
        while ((ch = getc(s->fp)) != EOF) {
            if (mcpd_strbuf_putc(&s->line, (char)ch) != 0 || ch == '\n') {
                break;
            }
        }
        if (ferror(s->fp)) {
            return errno ? -errno : -EIO;
        }
    } else {
        const char *nl = strchr(s->text, '\n');
        size_t n = nl ? (size_t)(nl - s->text) + 1 : strlen(s->text);
        mcpd_strbuf_append(&s->line, s->text, n);
        s->text += n;
    }
    int rc = mcpd_strbuf_error(&s->line);
    return rc ? rc : (ssize_t)s->line.len;
}

/* The first of `chars` in s, or the start of an inline comment (';' after whitespace), or the
 * end of s. */
static char *find_chars_or_comment(char *s, const char *chars)
{
    bool was_space = false;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static char *rstrip(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

static char *lstrip(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    return s;
}

/* One line without its line break: a comment, a header, a key or an error. */
static void parse_line(char *line, int lineno, const struct mcpd_ini_handler *h, void *user)
{
    char msg[96];
    char *s = rstrip(lstrip(line));
    if (*s == '\0' || *s == ';' || *s == '#') {
        return;
    }
    if (*s == '[') {
        char *end = find_chars_or_comment(s + 1, "]");
        if (*end != ']') {
            h->error(user, lineno, "section header has no closing ']'");
            h->section(user, lineno, NULL);
            return;
        }
        *end = '\0';
        char *after = lstrip(end + 1);
        if (*after && *after != ';' && *after != '#') {
            snprintf(msg, sizeof msg, "unexpected text after ']': \"%.40s\"", after);
            h->error(user, lineno, msg);
            h->section(user, lineno, NULL);
            return;
        }
        h->section(user, lineno, rstrip(lstrip(s + 1)));
        return;
    }
    char *end = find_chars_or_comment(s, "=:");
    if (*end != '=' && *end != ':') {
        h->error(user, lineno, "expected \"key = value\", a [section] header or a comment");
        return;
    }
    *end = '\0';
    char *value = end + 1;
    char *comment = find_chars_or_comment(value, NULL);
    *comment = '\0';
    h->key(user, lineno, rstrip(s), rstrip(lstrip(value)));
}

int mcpd_ini_parse(FILE *fp, const char *text, const struct mcpd_ini_handler *h, void *user)
{
    struct source src = {.fp = fp, .text = text ? text : ""};
    char msg[96];
    int rc = 0;
    for (int lineno = 1;; lineno++) {
        ssize_t n = next_line(&src);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        char *line = src.line.data;
        size_t len = (size_t)n;
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            len -= 3;
        }
        if (len > 0 && line[len - 1] == '\n') {
            len--;
        }
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        if (len > MCPD_INI_MAX_LINE) {
            snprintf(msg, sizeof msg, "line is longer than %d characters", MCPD_INI_MAX_LINE);
            h->error(user, lineno, msg);
            continue;
        }
        if (memchr(line, '\0', len)) {
            h->error(user, lineno, "line contains a NUL byte");
            continue;
        }
        line[len] = '\0';
        parse_line(line, lineno, h, user);
    }
    mcpd_strbuf_free(&src.line);
    return rc;
}
