/*
 * Parsed documents of the host API (plugin.h, ABI 1.3: json_doc_parse() ... json_doc_key()):
 * any JSON text a plugin holds, parsed once by the host's parser and read through the same
 * pointer resolver and typed getters as the arguments (call_args.c, json_doc.h).
 *
 * Threads: reading does not change a document, so any number of threads may read one. Documents
 * owned by a call are linked on it under the call's lock (as call-owned builders are), so
 * several threads of one handler may parse and free them concurrently.
 */
#include "json_doc.h"

#include "call.h"
#include "reason.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct mcpd_json_doc {
    json_t *root;
    struct mcpd_call *call; /* the owning call, or NULL: the plugin's to free */
    mcpd_json_doc *prev, *next;
};

mcpd_json_doc *mcpd_jdoc_parse(mcpd_call *call, const char *text, size_t len)
{
    if (!text) {
        mcpd_refuse(-EINVAL, "json_doc_parse", "text is NULL");
        return NULL;
    }
    if (len == MCPD_NTS) {
        len = strlen(text);
    } else {
        /* Jansson would stop at a NUL byte and call the rest trailing garbage: name it. */
        const char *nul = memchr(text, '\0', len);
        if (nul) {
            mcpd_refuse(-EINVAL, "json_doc_parse", "invalid JSON: a NUL byte at byte %zu of %zu",
                        (size_t)(nul - text), len);
            return NULL;
        }
    }
    mcpd_json_doc *d = calloc(1, sizeof *d);
    if (!d) {
        mcpd_refuse(-ENOMEM, "json_doc_parse", "out of memory");
        return NULL;
    }
    json_error_t e;
    d->root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!d->root) {
        free(d);
        mcpd_refuse(-EINVAL, "json_doc_parse",
                    "invalid JSON at line %d, column %d (byte %d of %zu): %s", e.line, e.column,
                    e.position, len, e.text);
        return NULL;
    }
    if (call) {
        d->call = call;
        pthread_mutex_lock(&call->lock);
        d->next = call->json_docs;
        if (d->next) {
            d->next->prev = d;
        }
        call->json_docs = d;
        pthread_mutex_unlock(&call->lock);
    }
    return d;
}

static void destroy(mcpd_json_doc *d)
{
    json_decref(d->root);
    free(d);
}

void mcpd_jdoc_free(mcpd_json_doc *d)
{
    if (!d) {
        return;
    }
    struct mcpd_call *c = d->call;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if (d->prev) {
            d->prev->next = d->next;
        } else {
            c->json_docs = d->next;
        }
        if (d->next) {
            d->next->prev = d->prev;
        }
        pthread_mutex_unlock(&c->lock);
    }
    destroy(d);
}

void mcpd_jdoc_free_list(mcpd_json_doc *head)
{
    while (head) {
        mcpd_json_doc *next = head->next;
        destroy(head);
        head = next;
    }
}

/* The root of `d`, or NULL with the refusal recorded: a NULL document is the plugin's bug (a
 * parse that failed and was not checked), not an absent value. */
static json_t *root_of(const mcpd_json_doc *d, const char *fn, int *rc)
{
    if (!d) {
        *rc = mcpd_refuse(-EINVAL, fn, "doc is NULL");
        return NULL;
    }
    *rc = 0;
    return d->root;
}

int mcpd_jdoc_type(mcpd_json_doc *d, const char *pointer)
{
    int rc;
    json_t *root = root_of(d, "json_doc_type", &rc);
    return root ? mcpd_jread_type("json_doc_type", root, pointer) : rc;
}

const char *mcpd_jdoc_string(mcpd_json_doc *d, const char *pointer, size_t *len)
{
    int rc;
    json_t *root = root_of(d, "json_doc_string", &rc);
    return root ? mcpd_jread_string("json_doc_string", root, pointer, len) : NULL;
}

int mcpd_jdoc_int(mcpd_json_doc *d, const char *pointer, int64_t *out)
{
    int rc;
    json_t *root = root_of(d, "json_doc_int", &rc);
    return root ? mcpd_jread_int("json_doc_int", root, pointer, out) : rc;
}

int mcpd_jdoc_number(mcpd_json_doc *d, const char *pointer, double *out)
{
    int rc;
    json_t *root = root_of(d, "json_doc_number", &rc);
    return root ? mcpd_jread_number("json_doc_number", root, pointer, out) : rc;
}

int mcpd_jdoc_bool(mcpd_json_doc *d, const char *pointer, int *out)
{
    int rc;
    json_t *root = root_of(d, "json_doc_bool", &rc);
    return root ? mcpd_jread_bool("json_doc_bool", root, pointer, out) : rc;
}

size_t mcpd_jdoc_count(mcpd_json_doc *d, const char *pointer)
{
    int rc;
    json_t *root = root_of(d, "json_doc_count", &rc);
    return root ? mcpd_jread_count(root, pointer) : 0;
}

const char *mcpd_jdoc_key(mcpd_json_doc *d, const char *pointer, size_t index)
{
    int rc;
    json_t *root = root_of(d, "json_doc_key", &rc);
    return root ? mcpd_jread_key("json_doc_key", root, pointer, index) : NULL;
}
