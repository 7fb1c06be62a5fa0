/*
 * cond-wait - how often a timed wait wakes before its deadline, on a
 * condition from cafe_cond_init (or, with --default-clock, one made as
 * daemon.c once made wl_cond: on the default clock while waited on with
 * monotonic deadlines). Waits MS milliseconds in steps of 200 us, as wlock
 * does, and prints how many waits said "timed out" while their deadline
 * was still ahead on the monotonic clock: 0 when the waits wait, nearly
 * all of them when they return at once and the loop spins.
 *
 * usage: cond-wait [--default-clock] MS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cafe.h"
#include "base/cond.h"

int
main(int argc, char **argv)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c;
	int plain = argc > 2 && strcmp(argv[1], "--default-clock") == 0;
	long long ms, until, early = 0;

	if (argc < 2 || (ms = atoll(argv[argc - 1])) <= 0) {
		fprintf(stderr, "usage: cond-wait [--default-clock] MS\n");
		return 64;
	}
	if (plain)
		pthread_cond_init(&c, NULL);
	else
		cafe_cond_init(&c);
	until = cafe_mono_ms() + ms;
	pthread_mutex_lock(&m);
	while (cafe_mono_ms() < until) {
		struct timespec t = cafe_cond_deadline_us(200), now;

		if (cafe_cond_wait_until(&c, &m, &t) == ETIMEDOUT) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec < t.tv_sec ||
			    (now.tv_sec == t.tv_sec && now.tv_nsec < t.tv_nsec))
				early++;
		}
	}
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&c);
	printf("%lld\n", early);
	return 0;
}
