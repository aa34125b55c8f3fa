/* The periodic ticker: see ticker.h. */
#include "ticker.h"

#include "condwait.h"
#include "monotime.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct mcpd_ticker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    int period_ms;
    void (*fn)(void *arg);
    void *arg;
};

static void *ticker_main(void *p)
{
    struct mcpd_ticker *t = p;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        struct timespec until = mcpd_deadline_ms(t->period_ms);
        while (!t->stop && mcpd_cond_wait_until(&t->wake, &t->lock, &until) == 0) {
        }
        if (t->stop) {
            break;
        }
        pthread_mutex_unlock(&t->lock);
        t->fn(t->arg);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct mcpd_ticker *mcpd_ticker_start(void (*fn)(void *arg), void *arg, int period_ms)
{
    struct mcpd_ticker *t = calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->period_ms = period_ms > 0 ? period_ms : 1000;
    pthread_mutex_init(&t->lock, NULL);
    if (mcpd_cond_init_monotonic(&t->wake) != 0) {
        goto fail_cond;
    }
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        goto fail_thread;
    }
    return t;
fail_thread:
    pthread_cond_destroy(&t->wake);
fail_cond:
    pthread_mutex_destroy(&t->lock);
    free(t);
    return NULL;
}

void mcpd_ticker_stop(struct mcpd_ticker *t)
{
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
