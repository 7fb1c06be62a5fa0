/*
 * log-watch.c - the one loop that waits for commits, cafe_log_follow, and
 * the commit watcher (log.h): a thread whose rounds call on_commit.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct cafe_log_watch {
	struct cafe_log *log;
	long long seen;             /* where the thread starts */
	int wait_ms, retry_ms;
	void (*on_commit)(void *arg, struct cafe_log *log, long long head);
	void *arg;
	atomic_int stop;
	pthread_t thread;
};

int
cafe_log_follow(struct cafe_log *log, struct cafe_log_round *r,
    int (*round)(void *arg, struct cafe_log *log, struct cafe_log_round *r,
    struct cafe_err *e),
    void *arg, struct cafe_err *e)
{
	int status;

	r->woke = CAFE_WAKE_TIMEOUT;
	r->wait_status = 0;
	while ((status = round(arg, log, r, e)) == 0) {
		r->woke = CAFE_WAKE_TIMEOUT;
		r->wait_status = r->wait_ms > 0 ?
		    cafe_log_wait(log, r->seen, r->wait_ms, &r->woke, e) : 0;
	}
	return status == CAFE_FOLLOW_END ? 0 : status;
}

/* The watcher's round: on a new head, on_commit. */
static int
watch_round(void *arg, struct cafe_log *log, struct cafe_log_round *r, struct cafe_err *e)
{
	struct cafe_log_watch *w = arg;
	long long head;

	r->wait_ms = w->wait_ms;
	if (atomic_load(&w->stop))
		return CAFE_FOLLOW_END;
	if (r->wait_status != 0 ||
	    (r->woke == CAFE_WAKE_NEW && (head = cafe_log_head(log, e)) < 0)) {
		cafe_sleep_ms(w->retry_ms);
		return 0;
	}
	if (r->woke == CAFE_WAKE_NEW) {
		r->seen = head;
		w->on_commit(w->arg, log, head);
	}
	return 0;
}

static void *
watch_main(void *arg)
{
	struct cafe_log_watch *w = arg;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log_round r = { .seen = w->seen };

	cafe_log_follow(w->log, &r, watch_round, w, &e);
	return NULL;
}

int
cafe_log_watch_start(struct cafe_log_watch **out, struct cafe_log *log, long long from,
    int wait_ms, int retry_ms,
    void (*on_commit)(void *arg, struct cafe_log *log, long long head), void *arg,
    struct cafe_err *e)
{
	struct cafe_log_watch *w = cafe_xcalloc(1, sizeof *w);
	int rc;

	w->log = log;
	w->seen = from;
	w->wait_ms = wait_ms;
	w->retry_ms = retry_ms;
	w->on_commit = on_commit;
	w->arg = arg;
	atomic_init(&w->stop, 0);
	if ((rc = pthread_create(&w->thread, NULL, watch_main, w)) != 0) {
		free(w);
		*out = NULL;
		return cafe_err_set(e, CAFE_IOERR, "cannot start a thread: %s", strerror(rc));
	}
	*out = w;
	return 0;
}

void
cafe_log_watch_stop(struct cafe_log_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	pthread_join(w->thread, NULL);
	free(w);
}
