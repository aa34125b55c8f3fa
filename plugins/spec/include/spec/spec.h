/*
 * spec/spec.h - the whole spec library in one include.
 *
 * The library (CMake target mcpd_spec, static, position independent) holds
 * every piece of spec logic the spec tool plugins share: parsing of the four
 * dialects (md4c), the rule catalogue, traceability, the task state machine,
 * the locked atomic writer, path hygiene, scaffolding and JSON shapes.
 *
 * Conventions for every header:
 *  - int functions return 0 or -SPEC_E_* (spec/error.h), never a raw errno;
 *  - `struct spec_error *err` may be NULL;
 *  - @param[out] results are owned by the caller and freed with the matching
 *    *_free(); everything reached through a struct spec is owned by the spec;
 *  - nothing keeps global mutable state: any thread may call anything, and
 *    immutable objects (struct spec, spec_roots, spec_rule_config) may be read
 *    from several threads at once.
 */
#ifndef MCPD_SPEC_SPEC_H
#define MCPD_SPEC_SPEC_H

#include "spec/approval.h"
#include "spec/create.h"
#include "spec/delta.h"
#include "spec/error.h"
#include "spec/json.h"
#include "spec/model.h"
#include "spec/paths.h"
#include "spec/rules.h"
#include "spec/store.h"
#include "spec/tasks.h"
#include "spec/trace.h"
#include "spec/workflow.h"

#endif
