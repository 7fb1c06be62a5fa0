/*
 * log-wait.c - waiting for the log to move past a position (log.h): the
 * backend's wake-up descriptor when it has one, else polling.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log-priv.h"

#define db_status cafe_log_db_status

/* The head for cafe_log_wait, which asks often: a statement kept prepared. */
static long long
wait_head(struct cafe_log *log, struct cafe_err *e)
{
	long long head = -1;
	int rc;

	/* Named, for whoever reads pg_stat_activity: this connection waits. */
	if (cafe_log_prepare_cached(log, &log->head,
	    "/* waiting for events */ SELECT coalesce(max(seq), 0) FROM events", e) != 0)
		return -1;
	if ((rc = cafe_stmt_step(log->head)) == CAFE_DB_ROW)
		head = cafe_col_int(log->head, 0);
	else
		db_status(log, rc, e, "read");
	cafe_stmt_reset(log->head);
	return head;
}

/*
 * The backend's descriptor says someone may have appended. With SQLite
 * (quick_recheck) inotify reports a writer's commit when it writes the
 * WAL, but the commit becomes visible only after its fsync, when the WAL index (a shared
 * memory map, which inotify does not see) is updated. So after a write is
 * reported (in this call or the one before) we look again every 50 us for
 * a millisecond (an fsync takes about 0.15 ms here), then at growing
 * intervals until 20 ms have passed, before sleeping on inotify again.
 * A look costs a few microseconds.
 */
#define WAIT_QUICK_US   1000
#define WAIT_RECHECK_US 20000

static long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
cafe_log_wait(struct cafe_log *log, long long after, int timeout_ms,
    enum cafe_wake *woke, struct cafe_err *e)
{
	long long deadline = timeout_ms < 0 ? LLONG_MAX : cafe_mono_ms() + timeout_ms;

	for (;;) {
		int fd = log->be->wake_fd(log);
		long long head, now, slice_us, since;
		struct pollfd pfd;
		struct timespec ts;
		int rc;

		/* Drain queued notifications before looking, so none is missed. */
		if (fd >= 0 && log->be->drain(log))
			log->woke_us = mono_us();
		if ((head = wait_head(log, e)) < 0)
			return e->status;
		if (head > after) {
			*woke = CAFE_WAKE_NEW;
			return 0;
		}
		now = cafe_mono_ms();
		if (now >= deadline) {
			*woke = CAFE_WAKE_TIMEOUT;
			return 0;
		}
		since = mono_us() - log->woke_us;
		if (fd < 0)
			slice_us = 25000;
		else if (!log->be->quick_recheck)
			slice_us = 1000000;  /* the wake-up comes after the commit */
		else if (since < WAIT_QUICK_US)
			slice_us = 50;
		else if (since < WAIT_RECHECK_US)
			slice_us = since / 4;
		else
			slice_us = 1000000;  /* inotify wakes us: only a safety net */
		/* deadline is LLONG_MAX for "forever": nothing to cut, and its
		 * distance in microseconds would overflow. */
		if (deadline != LLONG_MAX && (deadline - now) * 1000 < slice_us)
			slice_us = (deadline - now) * 1000;
		ts.tv_sec = slice_us / 1000000;
		ts.tv_nsec = (slice_us % 1000000) * 1000;
		pfd.fd = fd >= 0 ? fd : -1;
		pfd.events = POLLIN;
		rc = ppoll(&pfd, 1, &ts, NULL);
		if (rc < 0 && errno == EINTR) {
			*woke = CAFE_WAKE_SIGNAL;
			return 0;
		}
	}
}
