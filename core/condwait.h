/*
 * Timed waits on condition variables against CLOCK_MONOTONIC deadlines (monotime.h), so that a
 * wall-clock step (NTP, `date -s`, a VM resume) neither cuts a wait short nor stretches it.
 * pthread_cond_timedwait() measures its deadline with the clock the condition variable was
 * created with, CLOCK_REALTIME by default: the two functions below go together, one creates the
 * condition variable with the clock the other's deadlines are computed on.
 */
#ifndef MCPD_CORE_CONDWAIT_H
#define MCPD_CORE_CONDWAIT_H

#include <pthread.h>
#include <time.h>

/*
 * Initialises *cond (@param[out]) to measure timed waits with CLOCK_MONOTONIC. The caller
 * destroys it with pthread_cond_destroy(). Any thread.
 * @return 0, or a negative errno from pthread (then *cond is not initialised).
 */
int mcpd_cond_init_monotonic(pthread_cond_t *cond);

/*
 * Waits on cond, which must come from mcpd_cond_init_monotonic(), with mutex locked by the
 * caller (as pthread_cond_wait(): released while waiting, held again on return), until it is
 * signalled or the CLOCK_MONOTONIC time `deadline` (borrowed; e.g. mcpd_deadline_ms(); NULL =
 * no deadline) has passed.
 * @return 0 when woken, which may be spurious: callers re-check their predicate in a loop;
 *         -ETIMEDOUT when the deadline has passed (at once if it already had);
 *         another negative errno from pthread (e.g. -EINVAL for a malformed deadline).
 */
int mcpd_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
                         const struct timespec *deadline);

#endif
