/* stubs.c - placeholders so the API links while the implementation lands.
 * Each function moves to its real file as it is written; this file then goes. */
#include "spec/spec.h"

#include <stdlib.h>

#define NOTYET(err) spec_error_set((err), SPEC_E_IO, "%s: not implemented yet", __func__)

const char *spec_create_kind_name(enum spec_create_kind k)
{
    (void)k;
    return "feature";
}
int spec_create_kind_parse(const char *name, enum spec_create_kind *out)
{
    (void)name;
    (void)out;
    return -SPEC_E_INVALID_ARGUMENT;
}
const char *spec_layout_name(enum spec_layout l)
{
    (void)l;
    return "swm";
}
int spec_layout_parse(const char *name, enum spec_layout *out)
{
    (void)name;
    (void)out;
    return -SPEC_E_INVALID_ARGUMENT;
}
void spec_create_opts_init(struct spec_create_opts *o)
{
    (void)o;
}
void spec_create_result_free(struct spec_create_result *r)
{
    (void)r;
}
int spec_create(const char *project_root, const char *name, const struct spec_create_opts *opts,
                struct spec_create_result **out, struct spec_error *err)
{
    (void)project_root;
    (void)name;
    (void)opts;
    *out = NULL;
    return NOTYET(err);
}
const char *spec_template_builtin(const char *doc)
{
    (void)doc;
    return NULL;
}
