/*
 * grep-files: finding one member of a JSON object without a JSON library.
 *
 * The host parses a tool's arguments for the plugin (arg_*), but the answer to client_request()
 * arrives as JSON text. This plugin needs two values from it ("action" and "content.confirm"),
 * so a scanner that skips values by their syntax is enough; the host already checked the text
 * is well-formed JSON.
 */
#include "grep_files.h"

#include <errno.h>
#include <string.h>

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
        i++;
    }
    return i;
}

/* s[i] is '"': the index just past the closing quote, or n + 1 when the string is unclosed. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return n + 1;
}

/* The index just past the value starting at s[i], or n + 1 when it is malformed. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
    if (i >= n) {
        return n + 1;
    }
    if (s[i] == '"') {
        return skip_string(s, i, n);
    }
    if (s[i] == '{' || s[i] == '[') {
        unsigned depth = 0;
        while (i < n) {
            if (s[i] == '"') {
                i = skip_string(s, i, n);
                continue;
            }
            depth += s[i] == '{' || s[i] == '[';
            depth -= s[i] == '}' || s[i] == ']';
            i++;
            if (depth == 0) {
                return i;
            }
        }
        return n + 1;
    }
    size_t start = i; /* number, true, false, null */
    while (i < n && !strchr(",}] \t\r\n", s[i])) {
        i++;
    }
    return i > start ? i : n + 1;
}

int gf_json_member(const char *json, size_t len, const char *key, const char **val, size_t *vlen)
{
    size_t klen = strlen(key);
    size_t i = skip_ws(json, 0, len);
    if (i >= len || json[i] != '{') {
        return -EINVAL;
    }
    i = skip_ws(json, i + 1, len);
    if (i < len && json[i] == '}') {
        return -ENOENT;
    }
    while (i < len && json[i] == '"') {
        size_t kstart = i + 1, kend = skip_string(json, i, len);
        if (kend > len) {
            return -EINVAL;
        }
        i = skip_ws(json, kend, len);
        if (i >= len || json[i] != ':') {
            return -EINVAL;
        }
        size_t vstart = skip_ws(json, i + 1, len);
        size_t vend = skip_value(json, vstart, len);
        if (vend > len) {
            return -EINVAL;
        }
        if (kend - 1 - kstart == klen && memcmp(json + kstart, key, klen) == 0) {
            *val = json + vstart;
            *vlen = vend - vstart;
            return 0;
        }
        i = skip_ws(json, vend, len);
        if (i < len && json[i] == '}') {
            return -ENOENT;
        }
        if (i >= len || json[i] != ',') {
            return -EINVAL;
        }
        i = skip_ws(json, i + 1, len);
    }
    return -EINVAL;
}
