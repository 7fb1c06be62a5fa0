/*
 * step.c - one step of a worker: the stream, the queue or a whole-log
 * policy
 * (daemon-priv.h; the invariants are daemon.c's).
 */
#include "daemon-priv.h"

/* Writes the checkpoint when the position ran ahead, and renews the lease. */
int
dm_keep_up(struct worker *w, struct cafe_err *e)
{
	long long now = cafe_now_ms(), pos = w->pos;
	int status, move = !w->p->apply && pos > w->cp;

	if ((status = dm_txn_begin(w, e)) != 0)
		return status;
	if ((status = dm_lease_keep(w, e)) != 0)
		goto fail;
	if (move) {
		if ((status = dm_checkpoint_unmoved(w, e)) != 0)
			goto fail;
		if ((status = cafe_checkpoint_set(w->log, w->checkpoint, pos, e)) != 0)
			goto fail;
	}
	if ((status = dm_txn_commit(w, e)) != 0)
		return status;
	if (move) {
		w->cp = pos;
		w->cp_written_ms = now;
	}
	return 0;
fail:
	dm_txn_rollback(w);
	return status == CAFE_REFUSED ? 0 : status;
}

/*
 * The log's head: as the watcher last published it (a commit it has not
 * seen yet wakes us again when it has), or from the database before the
 * watcher's first look. --once has no watcher and always asks the database.
 */
static long long
current_head(struct worker *w, struct cafe_err *e)
{
	long long head;

	if (w->d->o.once)
		return cafe_log_head(w->log, e);
	pthread_mutex_lock(&w->d->head_lock);
	head = w->d->head;
	pthread_mutex_unlock(&w->d->head_lock);
	return head > 0 ? head : cafe_log_head(w->log, e);
}

/* Reads a window past the position, acts, records. */
static int
step_stream(struct worker *w, int *progress, struct cafe_err *e)
{
	long long head, upto, t0;
	size_t n;
	int status;

	if ((head = current_head(w, e)) < 0)
		return e->status;
	w->seen_head = head;
	if (w->hold_until > cafe_now_ms())
		return 0;
	w->hold_until = 0;
	if (w->pos >= head)
		return 0;
	upto = head - w->pos > WINDOW ? w->pos + WINDOW : head;
	dm_items_clear(w);
	if ((status = cafe_log_read_types(w->log, w->pos, upto, w->p->types, dm_collect, w,
	    e)) != 0)
		return status;
	*progress = 1;
	if (w->nitems == 0) {
		w->pos = upto;
		return 0;
	}
	t0 = cafe_mono_ms();
	for (n = 0; n < w->nitems; n++) {
		/* Calls to the processor take time: commit what we have now
		 * and then, and as soon as we are asked to stop. */
		if (w->p->act && n > 0 && (atomic_load(&w->d->stop) ||
		    cafe_mono_ms() - t0 > ACT_BUDGET_MS))
			break;
		dm_item_prepare(w, &w->items[n]);
		if (w->items[n].hold) {
			/* Due in a moment: stop the window before it. */
			w->hold_until = w->items[n].due_ms;
			free(w->items[n].scratch);
			w->items[n].scratch = NULL;
			break;
		}
	}
	if (n == 0) {
		dm_items_clear(w);
		*progress = 0;
		return 0;
	}
	if (n < w->nitems) {
		upto = w->items[n - 1].ev.seq;
		for (size_t i = n; i < w->nitems; i++) {
			cafe_event_release(&w->items[i].ev);
			free(w->items[i].scratch);
			free(w->items[i].error);
		}
		w->nitems = n;
	}
	status = dm_record(w, upto, e);
	dm_items_clear(w);
	return status;
}

/* Handles the queued events that are due. */
static int
step_queue(struct worker *w, int *progress, struct cafe_err *e)
{
	long long seqs[QUEUE_BATCH];
	int attempts[QUEUE_BATCH], rc, status;
	size_t n = 0;

	if ((status = dm_stmt(w, &w->st_qdue, "SELECT seq, attempts FROM daemon_queue"
	    " WHERE policy = ?1 AND state = 'wait' AND due_ms <= ?2"
	    " ORDER BY due_ms, seq LIMIT ?3", e)) != 0)
		return status;
	cafe_stmt_text_ref(w->st_qdue, 1, w->name);
	cafe_stmt_int(w->st_qdue, 2, cafe_now_ms());
	cafe_stmt_int(w->st_qdue, 3, QUEUE_BATCH);
	while ((rc = cafe_stmt_step(w->st_qdue)) == CAFE_DB_ROW) {
		seqs[n] = cafe_col_int(w->st_qdue, 0);
		attempts[n++] = cafe_col_int(w->st_qdue, 1);
	}
	cafe_stmt_reset(w->st_qdue);
	if (rc != CAFE_DB_DONE)
		return dm_sql_fail(w, rc, e, "queue");
	if (n == 0)
		return 0;
	dm_items_clear(w);
	for (size_t i = 0; i < n; i++) {
		size_t before = w->nitems;

		if ((status = cafe_log_read(w->log, seqs[i] - 1, 1, dm_collect, w, e)) != 0)
			return status;
		if (w->nitems == before)
			continue;
		w->items[before].from_queue = 1;
		w->items[before].attempts = attempts[i];
	}
	for (size_t i = 0; i < w->nitems; i++)
		dm_item_prepare(w, &w->items[i]);
	*progress = w->nitems > 0;
	status = dm_record(w, 0, e);
	dm_items_clear(w);
	return status;
}

/* A whole-log policy: one transaction per TRACE_BATCH events. */
static int
step_apply(struct worker *w, int *progress, struct cafe_err *e)
{
	struct cafe_policy_ctx pc;
	long long head, applied = 0;
	int status;

	if ((head = current_head(w, e)) < 0)
		return e->status;
	w->seen_head = head;
	if (w->known && w->pos >= head)
		return 0;
	dm_pc_init(w, &pc, NULL, cafe_now_ms());
	if (w->p->ahead)
		w->p->ahead(&pc, TRACE_BATCH);     /* outside the write lock */
	if ((status = dm_txn_begin(w, e)) != 0)
		goto out;
	pc.now_ms = cafe_now_ms();
	if ((status = dm_lease_keep(w, e)) != 0 ||
	    (status = w->p->apply(&pc, TRACE_BATCH, &applied, e)) != 0) {
		dm_txn_rollback(w);
		status = status == CAFE_REFUSED ? 0 : status;
		goto out;
	}
	if (applied > 0)
		dm_later(w, CAFE_SAY_DEBUG, "%lld events folded", applied);
	status = dm_txn_commit(w, e);
out:
	if (pc.scratch)
		w->p->ahead_free(pc.scratch);
	if (status != 0)
		return status;
	w->known = 1;
	if (applied > 0)
		*progress = 1;
	else
		w->pos = head;
	return 0;
}

enum step
dm_step(struct worker *w)
{
	const struct cafe_config *c;
	struct cafe_err e = { 0, "", 0, 0 };
	long long now;
	int status = 0, progress = 0;
	char wait[32];

	dm_conf_refresh(w);
	c = dm_conf(w);
	now = cafe_now_ms();
	if (now < w->retry_at)
		return IDLE;
	if (!w->holder) {
		if (w->skipped)
			return IDLE;
		if ((status = dm_lease_take(w, &e)) == 0 && !w->holder)
			return IDLE;
	} else if (w->lease_until - now < (long long)c->daemon.lease_ms * 2 / 3) {
		status = dm_keep_up(w, &e);
	}
	if (status == 0 && w->holder) {
		if (w->p->apply) {
			if (!w->d->o.queue_only)
				status = step_apply(w, &progress, &e);
		} else {
			if (!w->d->o.queue_only)
				status = step_stream(w, &progress, &e);
			if (status == 0 && !progress)
				status = step_queue(w, &progress, &e);
			if (status == 0 && !progress && w->holder && w->pos > w->cp &&
			    (w->d->o.once || atomic_load(&w->d->stop) ||
			    now - w->cp_written_ms >= CP_LAZY_MS))
				status = dm_keep_up(w, &e);
		}
	}
	if (status == 0) {
		w->failures = 0;
		w->err_backoff = 0;
		return progress ? PROGRESS : IDLE;
	}
	w->failures++;
	w->status = status;
	w->err = e;
	w->err_backoff = w->err_backoff ? 2 * w->err_backoff : ERR_BACKOFF_MIN;
	if (w->err_backoff > ERR_BACKOFF_MAX)
		w->err_backoff = ERR_BACKOFF_MAX;
	w->retry_at = cafe_now_ms() + w->err_backoff;
	dm_format_seconds(wait, sizeof wait, w->err_backoff);
	dm_say(w, CAFE_SAY_ERROR, "%s; trying again in %s", e.msg, wait);
	return FAILED;
}

/* How long an idle worker may sleep before it has something to do. */
long long
dm_idle_ms(struct worker *w)
{
	const struct cafe_config *c = dm_conf(w);
	long long now = cafe_now_ms(), t = c->daemon.poll_ms, at;

	if (w->retry_at > now && w->retry_at - now < t)
		t = w->retry_at - now;
	if (w->hold_until > now && w->hold_until - now < t)
		t = w->hold_until - now;
	if (w->holder) {
		at = w->lease_until - (long long)c->daemon.lease_ms * 2 / 3;
		if (at - now < t)
			t = at - now;
		if (!w->p->apply && (at = dm_queue_next(w)) > 0 && at - now < t)
			t = at - now;
	} else if (w->other_until > 0 && w->other_until + 1 - now < t) {
		t = w->other_until + 1 - now;
	}
	return t > 0 ? t : 0;
}
