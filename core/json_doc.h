/*
 * Reading JSON through RFC 6901 pointers: the one resolver and the one set of typed getters
 * (call_args.c) behind both the arguments half of the host API (arg_*, over a call's
 * params.arguments) and the parsed documents of ABI 1.3 (json_doc_*, json_doc.c).
 *
 * Threads: the getters only read (Jansson lookups do not touch reference counts), so one root
 * may be read from several threads at once. Every refusal is recorded with mcpd_refuse() under
 * the name `fn` of the host table entry the plugin called.
 */
#ifndef MCPD_CORE_JSON_DOC_H
#define MCPD_CORE_JSON_DOC_H

#include "mcpd/plugin.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The typed getters over `root` (borrowed; NULL reads as an empty document: every pointer is
 * absent). Same results as the plugin.h arg_* entries: enum mcpd_json_type or -ENOENT; the
 * string (borrowed from root) or NULL; 0, -ENOENT or -EINVAL; a count, 0 when not a container;
 * the index-th member's name (borrowed) or NULL. */
int mcpd_jread_type(const char *fn, json_t *root, const char *pointer);
const char *mcpd_jread_string(const char *fn, json_t *root, const char *pointer, size_t *len);
int mcpd_jread_int(const char *fn, json_t *root, const char *pointer, int64_t *out);
int mcpd_jread_number(const char *fn, json_t *root, const char *pointer, double *out);
int mcpd_jread_bool(const char *fn, json_t *root, const char *pointer, int *out);
size_t mcpd_jread_count(json_t *root, const char *pointer);
const char *mcpd_jread_key(const char *fn, json_t *root, const char *pointer, size_t index);

/* The host API entries (plugin.h, ABI 1.3 json_doc_*). A NULL document is refused with
 * -EINVAL (json_doc_free: a no-op). */
mcpd_json_doc *mcpd_jdoc_parse(mcpd_call *call, const char *text, size_t len);
void mcpd_jdoc_free(mcpd_json_doc *doc);
int mcpd_jdoc_type(mcpd_json_doc *doc, const char *pointer);
const char *mcpd_jdoc_string(mcpd_json_doc *doc, const char *pointer, size_t *len);
int mcpd_jdoc_int(mcpd_json_doc *doc, const char *pointer, int64_t *out);
int mcpd_jdoc_number(mcpd_json_doc *doc, const char *pointer, double *out);
int mcpd_jdoc_bool(mcpd_json_doc *doc, const char *pointer, int *out);
size_t mcpd_jdoc_count(mcpd_json_doc *doc, const char *pointer);
const char *mcpd_jdoc_key(mcpd_json_doc *doc, const char *pointer, size_t index);

/* Frees every document on a call's list (`head`, taken): call.c runs it when the call is freed,
 * after the handler returned. */
void mcpd_jdoc_free_list(mcpd_json_doc *head);

#endif
