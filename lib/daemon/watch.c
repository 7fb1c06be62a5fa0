/*
 * watch.c - the watcher that wakes the workers on commits, and the
 * checkpointer
 * (daemon-priv.h; the invariants are daemon.c's).
 */
#include "daemon-priv.h"

/* --- the watcher --- */

/* Wakes the waiting when the head moved or the daemon stops. */
void
dm_publish_head(struct cafe_daemon *d, long long head)
{
	pthread_mutex_lock(&d->head_lock);
	if (head > d->head || atomic_load(&d->stop)) {
		if (head > d->head)
			d->head = head;
		pthread_cond_broadcast(&d->head_cond);
	}
	pthread_mutex_unlock(&d->head_lock);
}

/* Stops the workers and wakes those waiting (not for signal handlers). */
void
dm_stop_all(struct cafe_daemon *d)
{
	atomic_store(&d->stop, 1);
	dm_publish_head(d, 0);
}

/*
 * The checkpointer copies the WAL back into the database file, without
 * waiting for anyone (PASSIVE), every CHECKPOINT_MS while there were
 * commits. The policies' connections do not checkpoint, so their commits
 * never pay for it. Under a steady stream of commits the WAL still grows
 * (it starts again from its beginning only when a commit finds it all
 * copied and no reader in it); once the commits stop, the checkpointer
 * empties it, and so does the daemon as it exits, so that the next program
 * to open the log does not read a long WAL to rebuild its index.
 */
#define CHECKPOINT_MS 200

/* Sleeps ms, or less when the daemon stops. */
void
dm_nap(struct cafe_daemon *d, long long ms)
{
	struct timespec until;

	until = cafe_cond_deadline_us(ms * 1000);
	pthread_mutex_lock(&d->head_lock);
	while (!atomic_load(&d->stop))
		if (cafe_cond_wait_until(&d->head_cond, &d->head_lock, &until) != 0)
			break;
	pthread_mutex_unlock(&d->head_lock);
}

void *
dm_checkpointer_main(void *arg)
{
	struct cafe_daemon *d = arg;
	long long done = 0;

	while (!atomic_load(&d->stop)) {
		long long head;

		pthread_mutex_lock(&d->head_lock);
		head = d->head;
		pthread_mutex_unlock(&d->head_lock);
		if (head != done) {
			cafe_log_checkpoint(d->ckpt_log, 0);
			done = head;
		} else {
			/* A quiet spell: empty the WAL. A reader in the way (it
			 * fails at once, never waits) is tried again at the next
			 * nap, until the WAL is empty or the log moves on. Asked
			 * at every nap, not only after events: a write that is no
			 * event (a policy's checkpoint, a lease) may come after
			 * the WAL was emptied, and is then emptied in turn. An
			 * empty WAL answers at once. */
			cafe_log_checkpoint(d->ckpt_log, 1);
		}
		dm_nap(d, CHECKPOINT_MS);
	}
	return NULL;
}

/*
 * The daemon's commit watcher (cafe_log_watch) calls this for each new
 * head: one thread waits however many policies run, and wakes them.
 */
void
dm_on_commit(void *arg, struct cafe_log *log, long long head)
{
	(void)log;
	dm_publish_head(arg, head);
}

/* Waits until the log's head passes pos, at most ms milliseconds; 1 if it did. */
int
dm_wait_head(struct worker *w, long long pos, long long ms)
{
	struct cafe_daemon *d = w->d;
	struct timespec until;
	int moved;

	until = cafe_cond_deadline_us(ms * 1000);
	pthread_mutex_lock(&d->head_lock);
	while (d->head <= pos && !atomic_load(&d->stop))
		if (cafe_cond_wait_until(&d->head_cond, &d->head_lock, &until) != 0)
			break;
	moved = d->head > pos;
	pthread_mutex_unlock(&d->head_lock);
	return moved;
}
