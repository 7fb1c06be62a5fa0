/*
 * log-watch.c - the one commit watcher (log.h): a thread around
 * cafe_log_wait.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct cafe_log_watch {
	struct cafe_log *log;
	long long seen;
	int wait_ms, retry_ms;
	void (*on_commit)(void *arg, struct cafe_log *log, long long head);
	void *arg;
	atomic_int stop;
	pthread_t thread;
};

static void *
watch_main(void *arg)
{
	struct cafe_log_watch *w = arg;
	struct cafe_err e = { 0, "", 0, 0 };
	enum cafe_wake woke;
	long long head;

	while (!atomic_load(&w->stop)) {
		if (cafe_log_wait(w->log, w->seen, w->wait_ms, &woke, &e) != 0 ||
		    (woke == CAFE_WAKE_NEW && (head = cafe_log_head(w->log, &e)) < 0)) {
			cafe_sleep_ms(w->retry_ms);
			continue;
		}
		if (woke != CAFE_WAKE_NEW)
			continue;
		w->seen = head;
		w->on_commit(w->arg, w->log, head);
	}
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
