/*
 * cond.h - condition variables on the monotonic clock: the one way the
 * daemon's threads wait with a deadline. A condition made on the default
 * (realtime) clock and waited on with a monotonic deadline returns at once,
 * because the monotonic clock is far behind the realtime one, and its
 * waiter spins; made and waited on here, the clocks always agree, and a
 * change of the wall clock never shortens or stretches a wait.
 */
#ifndef CAFE_COND_H
#define CAFE_COND_H

#include <pthread.h>
#include <time.h>

/* pthread_cond_init on CLOCK_MONOTONIC. */
void cafe_cond_init(pthread_cond_t *c);
/* The monotonic time us microseconds from now, for cafe_cond_wait_until. */
struct timespec cafe_cond_deadline_us(long long us);
/* pthread_cond_timedwait on a condition made by cafe_cond_init: 0 when
 * woken (perhaps spuriously: check the predicate), ETIMEDOUT at the deadline. */
int cafe_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t);

#endif
