/*
 * The tasks extension (io.modelcontextprotocol/tasks, SEP-2663) for protocol 2026-07-28: a
 * tools/call that the tool turns into a task (task_begin()) is answered at once with a
 * CreateTaskResult, and the handler goes on in the background; the client polls tasks/get,
 * answers the task's questions with tasks/update and stops it with tasks/cancel.
 *
 * Unlike an MRTR round, a task is server state: it lives in this process's memory (a table of
 * at most MCPD_TASKS_MAX tasks) for its ttlMs after it was last updated. Each task belongs to
 * the principal (auth.h) whose tools/call created it: tasks/get, update and cancel from any other
 * principal get the same -32602 as an unknown task id (SEP-2663, "Auth binding").
 */
#ifndef MCPD_CORE_TASKS_H
#define MCPD_CORE_TASKS_H

#include <jansson.h>

struct mcpd_call;
struct mcpd_task;
struct rq;

#define MCPD_TASKS_EXTENSION "io.modelcontextprotocol/tasks"
#define MCPD_TASKS_MAX       1024
#define MCPD_TASK_TTL_MS     (60 * 60 * 1000) /* kept an hour after the last change */
#define MCPD_TASK_POLL_MS    500

/* Nonzero when capabilities `caps` (a clientCapabilities object) declare the extension. */
int mcpd_tasks_declared(const json_t *caps);

/* ABI 1.2 task_begin(): turns the running tools/call into a task and answers it. Handler. */
int mcpd_call_task_begin(struct mcpd_call *c);

/* For the worker running a task's handler (protocol_calls.c). The handler asked questions
 * (MRTR): parks the task in input_required and waits until every question is answered by
 * tasks/update. 0 = run the handler again; -ECANCELED (cancelled, or the server stops) or
 * -ETIMEDOUT (nobody answered within the task's ttl). */
int mcpd_task_wait_input(struct mcpd_call *c);
/* Ends the task with the call's final answer: a result (completed) or an error (failed).
 * `response` is borrowed. */
void mcpd_task_finish(struct mcpd_call *c, const json_t *response);

/* The methods (modern table). */
void m_tasks_get(struct rq *r);
void m_tasks_update(struct rq *r);
void m_tasks_cancel(struct rq *r);

/* Server shutdown: cancels every running task so its worker returns. */
void mcpd_tasks_cancel_all(void);

#endif
