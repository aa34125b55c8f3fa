/* Monotonic condition-variable waits: see condwait.h. */
#include "condwait.h"

#include <errno.h>

int mcpd_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);

    if (rc != 0) {
        return -rc;
    }
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0) {
        rc = pthread_cond_init(cond, &ca);
    }
    pthread_condattr_destroy(&ca);
    return -rc;
}

int mcpd_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
                         const struct timespec *deadline)
{
    int rc =
        deadline ? pthread_cond_timedwait(cond, mutex, deadline) : pthread_cond_wait(cond, mutex);
    return -rc;
}
