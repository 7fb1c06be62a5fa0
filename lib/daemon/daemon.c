/*
 * daemon.c - the loop that runs the policies (daemon.h, policy.h): the
 * worker threads and the daemon's lifecycle. Its pieces are listed in
 * daemon-priv.h.
 *
 * Each policy has a worker thread: its own connection, its lease, its
 * position in the log. A worker reads a window of the log past its
 * position (only the types its policy wants), lets the policy act on each
 * event outside any transaction, then records everything in one write
 * transaction: the policy's new events, the queue rows of what must wait
 * or is parked, the lease renewal and the checkpoint. A window that asks
 * for nothing to be written moves the position in memory only; the
 * checkpoint catches up at the next transaction, at most CP_LAZY_MS later,
 * and always before exiting.
 *
 * Around the workers: the log's commit watcher (cafe_log_watch) waits for commits
 * and wakes them, so one thread polls however many policies run; a
 * checkpointer thread copies the WAL back into the database, so that no
 * policy's commit pays for it. Write transactions take turns on a lock
 * with two classes (wlock): policies that react at once go before those
 * that let events settle.
 *
 * Invariants:
 *  - Every write transaction of a worker first renews its lease with
 *    `owner = me`, and one that moves the checkpoint first checks that the
 *    checkpoint is still where the worker left it; either check failing
 *    rolls everything back. So two daemons never both append for a policy.
 *  - A failing event is parked and what the others appended is kept: the
 *    transaction is first tried without savepoints and, when an event
 *    fails, rolled back and done again with one savepoint per event.
 *  - Nothing here exits or prints; errors are logged through opts->say and
 *    retried with backoff (run) or returned after a few tries (--once).
 */
#include "daemon-priv.h"

static void
worker_finish(struct worker *w)
{
	struct cafe_err e = { 0, "", 0, 0 };

	if (w->holder && !w->p->apply && w->pos > w->cp && dm_keep_up(w, &e) != 0)
		dm_say(w, CAFE_SAY_ERROR, "%s: the checkpoint stays at %lld", e.msg, w->cp);
	dm_lease_release(w);
}

/*
 * --once: a worker with nothing to do says so with the head it found
 * nothing below; when every worker is idle at the current head, no policy
 * can give another anything more and the run is over.
 */
static int
once_idle(struct worker *w, int idle)
{
	struct cafe_daemon *d = w->d;
	struct cafe_err e;
	long long head = idle ? cafe_log_head(w->log, &e) : 0;
	int over = 0;

	pthread_mutex_lock(&d->idle_lock);
	if (w->idle != idle) {
		w->idle = idle;
		if (idle)
			d->nidle++;
		else
			d->nidle--;
	}
	w->idle_head = w->seen_head;
	if (idle && d->nidle == d->nw) {
		over = 1;
		/* A queue-only run (retry) does not follow the log. */
		for (size_t i = 0; i < d->nw && !d->o.queue_only; i++)
			if (!d->w[i].skipped && d->w[i].idle_head != head)
				over = 0;
	}
	pthread_mutex_unlock(&d->idle_lock);
	if (over)
		dm_stop_all(d);
	return over;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct cafe_daemon *d = w->d;

	while (!atomic_load(&d->stop)) {
		enum step r;
		long long t;

		if (w->p->settle_ms == 0)
			atomic_fetch_add(&d->hurry, 1);
		r = dm_step(w);
		if (w->p->settle_ms == 0)
			atomic_fetch_sub(&d->hurry, 1);
		if (r == PROGRESS) {
			if (d->o.once && w->idle)
				once_idle(w, 0);
			continue;
		}
		if (d->o.once) {
			if (r == FAILED && w->failures >= ONCE_FAILURES) {
				d->failed = 1;
				dm_stop_all(d);
				break;
			}
			if (r == IDLE && !w->holder && !w->skipped) {
				w->skipped = 1;
				dm_say(w, CAFE_SAY_ACTION, d->o.queue_only ?
				    "left to the daemon that holds its lease (%s)" :
				    "not run: its lease is held by %s",
				    w->other[0] ? w->other : "another daemon");
			}
			if (r == IDLE && once_idle(w, 1))
				break;
		}
		if (atomic_load(&d->stop))
			break;
		t = dm_idle_ms(w);
		if (d->o.once && t > 20)
			t = 20;
		if (!w->holder) {
			cafe_sleep_ms(t);
		} else {
			/* A held window waits for its time, not for news. */
			if (dm_wait_head(w, w->hold_until > cafe_now_ms() ? LLONG_MAX : w->pos,
			    t) && !d->o.once && w->p->settle_ms > 0 &&
			    !atomic_load(&d->stop))
				cafe_sleep_ms(w->p->settle_ms);
		}
	}
	worker_finish(w);
	return NULL;
}

/* --once: the policies' threads, then the caller's done callback. */
static void *
once_main(void *arg)
{
	struct cafe_daemon *d = arg;
	int rc;

	for (size_t i = 0; i < d->nw; i++) {
		if ((rc = pthread_create(&d->w[i].thread, NULL, worker_main, &d->w[i])) != 0) {
			dm_say(&d->w[i], CAFE_SAY_ERROR, "cannot start a thread: %s",
			    strerror(rc));
			d->failed = 1;
			dm_stop_all(d);
			break;
		}
		d->w[i].started = 1;
	}
	for (size_t i = 0; i < d->nw; i++)
		if (d->w[i].started)
			pthread_join(d->w[i].thread, NULL);
	if (d->o.done)
		d->o.done(d->o.arg);
	return NULL;
}

/* --- setting up and tearing down --- */

static void
worker_release(struct worker *w)
{
	dm_items_clear(w);
	free(w->items);
	dm_lines_end(w, 0);
	free(w->lines);
	free(w->levels);
	free(w->memo);
	cafe_stmt_free(w->st_keep);
	cafe_stmt_free(w->st_qput);
	cafe_stmt_free(w->st_qdel);
	cafe_stmt_free(w->st_qdue);
	cafe_stmt_free(w->st_qnext);
	cafe_log_close(w->log);
	if (w->d)
		dm_conf_put(w->d, w->conf);
}

static int
select_policies(struct cafe_daemon *d, const char *const *shops, struct cafe_err *e)
{
	const char *const *names = d->o.policies;
	size_t n = 0, nshops;

	for (size_t i = 0; names && names[i]; i++)
		if (!cafe_policy_find(names[i])) {
			char known[256] = "";

			for (size_t j = 0; cafe_policies[j]; j++) {
				strcat(known, j ? ", " : "");
				strncat(known, cafe_policies[j]->name, 40);
			}
			return cafe_err_set(e, CAFE_USAGE, "unknown policy '%s' (policies: %s)",
			    names[i], known);
		}
	for (size_t j = 0; cafe_policies[j]; j++)
		n++;
	for (nshops = 0; shops[nshops]; nshops++)
		;
	d->w = cafe_xcalloc(n * nshops, sizeof *d->w);
	for (size_t j = 0; cafe_policies[j]; j++) {
		const struct cafe_policy *p = cafe_policies[j];
		int wanted = !names;

		for (size_t i = 0; names && names[i]; i++)
			if (strcmp(names[i], p->name) == 0)
				wanted = 1;
		for (size_t k = 0; wanted && k < (p->apply ? 1 : nshops); k++) {
			struct worker *w = &d->w[d->nw++];
			int main_shop = p->apply || strcmp(shops[k], CAFE_SHOP_MAIN) == 0;

			w->p = p;
			if (!p->apply)
				snprintf(w->shop, sizeof w->shop, "%s", shops[k]);
			snprintf(w->name, sizeof w->name, main_shop ? "%s" : "%s@%s", p->name,
			    shops[k]);
			snprintf(w->checkpoint, sizeof w->checkpoint, main_shop ? "%s" : "%s@%s",
			    p->checkpoint, shops[k]);
		}
	}
	return 0;
}

static void
daemon_free(struct cafe_daemon *d)
{
	for (size_t i = 0; i < d->nw; i++)
		worker_release(&d->w[i]);
	free(d->w);
	cafe_log_close(d->watch_log);
	cafe_log_close(d->ckpt_log);
	dm_conf_put(d, d->conf);
	pthread_mutex_destroy(&d->wl_mutex);
	pthread_cond_destroy(&d->wl_cond);
	pthread_mutex_destroy(&d->conf_lock);
	pthread_mutex_destroy(&d->idle_lock);
	pthread_mutex_destroy(&d->head_lock);
	pthread_cond_destroy(&d->head_cond);
	free(d);
}

int
cafe_daemon_open(struct cafe_daemon **out, const struct cafe_daemon_opts *o,
    struct cafe_err *e)
{
	struct cafe_daemon *d;
	int status;

	*out = NULL;
	d = cafe_xcalloc(1, sizeof *d);
	d->o = *o;
	atomic_init(&d->stop, 0);
	atomic_init(&d->hurry, 0);
	pthread_mutex_init(&d->wl_mutex, NULL);
	pthread_mutex_init(&d->conf_lock, NULL);
	pthread_mutex_init(&d->idle_lock, NULL);
	pthread_mutex_init(&d->head_lock, NULL);
	/* Both are waited on with monotonic deadlines (wlock, dm_nap). */
	cafe_cond_init(&d->wl_cond);
	cafe_cond_init(&d->head_cond);
	cafe_random_hex(d->owner);
	/* Fill their caches before there are threads. */
	(void)cafe_actor();
	(void)cafe_host();
	d->conf = cafe_xcalloc(1, sizeof *d->conf);
	d->conf->refs = 1;
	if ((status = cafe_config_load(&d->conf->c, o->config_path, e)) != 0)
		goto fail;
	if ((status = select_policies(d, o->shops ? o->shops :
	    (const char *const[]){ d->conf->c.shop, NULL }, e)) != 0)
		goto fail;
	for (size_t i = 0; i < d->nw; i++) {
		struct worker *w = &d->w[i];

		w->d = d;
		w->conf = dm_conf_get(d);
		/*
		 * The policies commit with synchronous=NORMAL whatever the
		 * durability: their events and checkpoint go together, so a
		 * power cut that takes back their last commits takes back
		 * both, and they are done again (with the same idempotency
		 * keys at the processor). Any durable commit after them, and
		 * the checkpointer within CHECKPOINT_MS, makes them durable
		 * too: the WAL is written in order. An fsync inside the write
		 * lock had held up every other policy.
		 */
		if ((status = cafe_log_open(&w->log, o->db_path,
		    CAFE_LOG_CREATE | o->log_flags | CAFE_LOG_SYNC_NORMAL, e)) != 0)
			goto fail;
		/* SQLite opens a file it may not write read-only, without a
		 * word: every lease would then look held by someone else. */
		if (i == 0 && cafe_db_readonly(cafe_log_store(w->log))) {
			status = cafe_err_set(e, CAFE_IOERR, "database '%s' is read-only for "
			    "this user (uid %ld): the daemon must write it (check the "
			    "permissions of the file and its directory)", o->db_path,
			    (long)getuid());
			goto fail;
		}
		cafe_log_set_tool(w->log, o->tool ? o->tool : "cafe-daemon");
		cafe_log_as_worker(w->log, dm_busy_wait, w);
	}
	if (d->nw > 0) {
		struct worker *w = &d->w[0];

		if ((status = dm_txn_begin(w, e)) != 0)
			goto fail;
		if ((status = dm_exec(w, dm_schema, e)) != 0) {
			dm_txn_rollback(w);
			goto fail;
		}
		if ((status = dm_txn_commit(w, e)) != 0)
			goto fail;
	}
	if ((status = cafe_log_open(&d->watch_log, o->db_path, o->log_flags, e)) != 0 ||
	    (status = cafe_log_open(&d->ckpt_log, o->db_path, o->log_flags, e)) != 0)
		goto fail;
	*out = d;
	return 0;
fail:
	daemon_free(d);
	return status;
}

int
cafe_daemon_start(struct cafe_daemon *d, struct cafe_err *e)
{
	int rc;

	/* --once reads the head itself: others' commits need no watching. */
	if (!d->o.once && cafe_log_watch_start(&d->watcher, d->watch_log, 0, 100,
	    d->conf->c.daemon.poll_ms, dm_on_commit, d, e) != 0)
		return e->status;
	if ((rc = pthread_create(&d->checkpointer, NULL, dm_checkpointer_main, d)) != 0)
		return cafe_err_set(e, CAFE_IOERR, "cannot start a thread: %s", strerror(rc));
	d->checkpointer_started = 1;

	if (d->o.once) {
		if ((rc = pthread_create(&d->once_thread, NULL, once_main, d)) != 0)
			return cafe_err_set(e, CAFE_IOERR, "cannot start a thread: %s",
			    strerror(rc));
		d->once_started = 1;
		return 0;
	}
	for (size_t i = 0; i < d->nw; i++) {
		if ((rc = pthread_create(&d->w[i].thread, NULL, worker_main, &d->w[i])) != 0) {
			dm_stop_all(d);
			return cafe_err_set(e, CAFE_IOERR, "cannot start a thread: %s",
			    strerror(rc));
		}
		d->w[i].started = 1;
	}
	return 0;
}

void
cafe_daemon_stop(struct cafe_daemon *d)
{
	atomic_store(&d->stop, 1);
}

int
cafe_daemon_reload(struct cafe_daemon *d, struct cafe_err *e)
{
	struct conf_ref *r = cafe_xcalloc(1, sizeof *r), *old;
	int status;

	if ((status = cafe_config_load(&r->c, d->o.config_path, e)) != 0) {
		cafe_config_release(&r->c);
		free(r);
		return status;
	}
	r->refs = 1;
	pthread_mutex_lock(&d->conf_lock);
	old = d->conf;
	d->conf = r;
	pthread_mutex_unlock(&d->conf_lock);
	dm_conf_put(d, old);
	return 0;
}

int
cafe_daemon_close(struct cafe_daemon *d, struct cafe_err *e)
{
	long long parked = 0;
	int status = 0;

	if (!d)
		return 0;
	if (d->once_started) {
		pthread_join(d->once_thread, NULL);
	} else if (!d->o.once) {
		dm_stop_all(d);
		for (size_t i = 0; i < d->nw; i++)
			if (d->w[i].started)
				pthread_join(d->w[i].thread, NULL);
	}
	dm_stop_all(d);
	cafe_log_watch_stop(d->watcher);
	if (d->checkpointer_started)
		pthread_join(d->checkpointer, NULL);
	if (d->ckpt_log)
		cafe_log_checkpoint(d->ckpt_log, 1);
	for (size_t i = 0; i < d->nw && d->o.once; i++) {
		struct worker *w = &d->w[i];

		if (d->failed && w->failures > 0 && !status) {
			status = w->status;
			cafe_err_set(e, status, "%s: %s", w->name, w->err.msg);
		}
		if (!w->skipped)
			parked += dm_count_parked(w->log, w->name);
	}
	if (!status && parked > 0)
		status = cafe_err_set(e, CAFE_REFUSED, "%lld event%s parked (see "
		    "'cafe-daemon status', then 'cafe-daemon retry')", parked,
		    parked == 1 ? " is" : "s are");
	daemon_free(d);
	return status;
}
