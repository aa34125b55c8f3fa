/* Worker pool: a mutex-protected FIFO and a condition variable. Plugin handlers block (file I/O,
 * sleeps, waiting on the client), so the pool is sized by config, not by core count. */
#include "worker_pool.h"

#include "condwait.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct job {
    mcpd_job_fn fn;
    void *arg;
    struct job *next;
};

/* Submits from this thread are being held (see mcpd_pool_hold). */
static _Thread_local int held;

struct mcpd_pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job arrived or the pool stops */
    pthread_cond_t idle; /* busy dropped to 0 */
    struct job *head, *tail;
    size_t queued, running, queue_max;
    size_t waiting; /* workers waiting for work */
    int stopping;
    int n_threads;
    pthread_t *threads;
};

static void *worker_main(void *arg)
{
    struct mcpd_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping) {
            p->waiting++;
            pthread_cond_wait(&p->work, &p->lock);
            p->waiting--;
        }
        if (!p->head) {
            break; /* stopping and drained */
        }
        struct job *j = p->head;
        p->head = j->next;
        if (!p->head) {
            p->tail = NULL;
        }
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->lock);

        j->fn(j->arg);
        free(j);

        pthread_mutex_lock(&p->lock);
        p->running--;
        if (p->running == 0 && p->queued == 0) {
            pthread_cond_broadcast(&p->idle);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct mcpd_pool *mcpd_pool_new(int threads, size_t queue_max)
{
    struct mcpd_pool *p = calloc(1, sizeof *p);
    if (!p) {
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL); /* never waited on with a deadline */
    if (mcpd_cond_init_monotonic(&p->idle) != 0) {
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    p->queue_max = queue_max;
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    if (!p->threads) {
        mcpd_pool_free(p);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            mcpd_pool_free(p);
            return NULL;
        }
        p->n_threads++;
    }
    return p;
}

int mcpd_pool_submit(struct mcpd_pool *p, mcpd_job_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);
    if (!j) {
        return -ENOMEM;
    }
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        rc = -ESHUTDOWN;
    } else if (p->queued >= p->queue_max) {
        rc = -EAGAIN;
    } else {
        if (p->tail) {
            p->tail->next = j;
        } else {
            p->head = j;
        }
        p->tail = j;
        p->queued++;
        if (!held) {
            pthread_cond_signal(&p->work);
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        free(j);
    }
    return rc;
}

void mcpd_pool_hold(struct mcpd_pool *p)
{
    (void)p;
    held = 1;
}

void mcpd_pool_release(struct mcpd_pool *p)
{
    held = 0;
    pthread_mutex_lock(&p->lock);
    size_t wake = p->queued < p->waiting ? p->queued : p->waiting;
    if (wake > 0 && wake >= p->waiting) {
        pthread_cond_broadcast(&p->work);
    } else {
        for (size_t i = 0; i < wake; i++) {
            pthread_cond_signal(&p->work);
        }
    }
    pthread_mutex_unlock(&p->lock);
}

size_t mcpd_pool_busy(struct mcpd_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->queued + p->running;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int mcpd_pool_wait_idle(struct mcpd_pool *p, int timeout_ms)
{
    struct timespec deadline = mcpd_deadline_ms(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    while (p->queued + p->running > 0) {
        if (timeout_ms == 0 ||
            mcpd_cond_wait_until(&p->idle, &p->lock, timeout_ms < 0 ? NULL : &deadline) ==
                -ETIMEDOUT) {
            rc = (p->queued + p->running > 0) ? -ETIMEDOUT : 0;
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void mcpd_pool_free(struct mcpd_pool *p)
{
    if (!p) {
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_threads; i++) {
        pthread_join(p->threads[i], NULL);
    }
    free(p->threads);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
