/*
 * cond.c - condition variables on the monotonic clock (cond.h).
 */
#include "cond.h"

void
cafe_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

struct timespec
cafe_cond_deadline_us(long long us)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += us / 1000000;
	t.tv_nsec += (us % 1000000) * 1000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

int
cafe_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	return pthread_cond_timedwait(c, m, t);
}
