/*
 * queue.c - the items of a window and the queue of waiting and parked
 * events: act, decide, record
 * (daemon-priv.h; the invariants are daemon.c's).
 */
#include "daemon-priv.h"

/* --- the queue of waiting and parked events --- */

static int
queue_put(struct worker *w, const struct item *it, const char *state, long long due,
    long long now, struct cafe_err *e)
{
	int status;

	if ((status = dm_stmt(w, &w->st_qput, "INSERT INTO daemon_queue(policy, seq, state,"
	    " due_ms, attempts, type, order_id, error, since_ms, updated_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
	    " ON CONFLICT(policy, seq) DO UPDATE SET state = excluded.state,"
	    " due_ms = excluded.due_ms, attempts = excluded.attempts,"
	    " error = excluded.error, updated_ms = excluded.updated_ms", e)) != 0)
		return status;
	cafe_stmt_text_ref(w->st_qput, 1, w->name);
	cafe_stmt_int(w->st_qput, 2, it->ev.seq);
	cafe_stmt_text_ref(w->st_qput, 3, state);
	cafe_stmt_int(w->st_qput, 4, due);
	cafe_stmt_int(w->st_qput, 5, it->attempts);
	cafe_stmt_text_ref(w->st_qput, 6, it->ev.type);
	if (cafe_event_order_id(&it->ev) > 0)
		cafe_stmt_int(w->st_qput, 7, cafe_event_order_id(&it->ev));
	if (it->error)
		cafe_stmt_text_ref(w->st_qput, 8, it->error);
	cafe_stmt_int(w->st_qput, 9, now);
	return dm_write(w, w->st_qput, "queue", e);
}

static int
queue_done(struct worker *w, long long seq, struct cafe_err *e)
{
	int status;

	if ((status = dm_stmt(w, &w->st_qdel, "DELETE FROM daemon_queue"
	    " WHERE policy = ?1 AND seq = ?2", e)) != 0)
		return status;
	cafe_stmt_text_ref(w->st_qdel, 1, w->name);
	cafe_stmt_int(w->st_qdel, 2, seq);
	return dm_write(w, w->st_qdel, "queue", e);
}

/* When the next waiting event is due; 0 when none waits. */
long long
dm_queue_next(struct worker *w)
{
	struct cafe_err e;
	long long due = 0;

	if (dm_stmt(w, &w->st_qnext, "SELECT min(due_ms) FROM daemon_queue"
	    " WHERE policy = ?1 AND state = 'wait'", &e) != 0)
		return 0;
	cafe_stmt_text_ref(w->st_qnext, 1, w->name);
	if (cafe_stmt_step(w->st_qnext) == CAFE_DB_ROW)
		due = cafe_col_int(w->st_qnext, 0);
	cafe_stmt_reset(w->st_qnext);
	return due;
}

long long
dm_count_parked(struct cafe_log *log, const char *policy)
{
	struct cafe_stmt *st;
	long long n = 0;

	if (cafe_db_prepare(cafe_log_store(log), "SELECT count(*) FROM daemon_queue"
	    " WHERE policy = ? AND state = 'parked'", &st) != CAFE_DB_OK)
		return 0;
	cafe_stmt_text_ref(st, 1, policy);
	if (cafe_stmt_step(st) == CAFE_DB_ROW)
		n = cafe_col_int(st, 0);
	cafe_stmt_free(st);
	return n;
}

/* --- items --- */

void
dm_items_clear(struct worker *w)
{
	for (size_t i = 0; i < w->nitems; i++) {
		cafe_event_release(&w->items[i].ev);
		free(w->items[i].scratch);
		free(w->items[i].error);
	}
	w->nitems = 0;
}

static struct item *
item_add(struct worker *w, const struct cafe_event *ev)
{
	struct item *it;

	if (w->nitems == w->capitems) {
		w->capitems = w->capitems ? 2 * w->capitems : 256;
		w->items = cafe_xrealloc(w->items, w->capitems * sizeof *w->items);
	}
	it = &w->items[w->nitems++];
	memset(it, 0, sizeof *it);
	cafe_event_copy(&it->ev, ev);
	return it;
}

int
dm_collect(const struct cafe_event *ev, void *arg)
{
	struct worker *w = arg;
	char shop[168];

	/* Another shop's event is its own worker's (read past, not queued). */
	if (w->shop[0] && strcmp(cafe_event_shop(ev, shop, sizeof shop), w->shop) != 0)
		return 0;
	item_add(arg, ev);
	return 0;
}

static void
item_error(struct item *it, const char *msg)
{
	free(it->error);
	it->error = cafe_xstrdup(msg);
}

static long long
backoff_ms(const struct cafe_config *c, int attempts)
{
	return cafe_backoff_ms(c->daemon.backoff_ms, attempts, BACKOFF_MAX_MS);
}

void
dm_pc_init(struct worker *w, struct cafe_policy_ctx *pc, const struct item *it, long long now)
{
	pc->config = dm_conf(w);
	pc->log = w->log;
	pc->now_ms = now;
	pc->attempts = it ? it->attempts : 0;
	pc->scratch = it ? it->scratch : NULL;
	pc->memo = &w->memo;
	pc->retry_ms = 0;
	pc->careful = 1;
}

void
dm_format_seconds(char *buf, size_t n, long long ms)
{
	if (ms < 1000)
		snprintf(buf, n, "%lldms", ms);
	else
		snprintf(buf, n, "%llds", (ms + 500) / 1000);
}

/* Outside any transaction: is it due, and what did act say? */
void
dm_item_prepare(struct worker *w, struct item *it)
{
	const struct cafe_policy *p = w->p;
	struct cafe_policy_ctx pc;
	struct cafe_err e = { 0, "", 0, 0 };
	long long now = cafe_now_ms(), due;
	char wait[32];
	int status;

	dm_pc_init(w, &pc, it, now);
	it->outcome = DO_DECIDE;
	if (p->due && (due = p->due(&pc, &it->ev)) > now) {
		it->outcome = DO_WAIT;
		it->due_ms = due;
		it->hold = !it->from_queue && due - now <= HOLD_MS;
		return;
	}
	if (!p->act)
		return;
	status = p->act(&pc, &it->ev, &e);
	it->scratch = pc.scratch;
	if (status == 0)
		return;
	item_error(it, e.msg);
	if (status == CAFE_TEMPFAIL) {
		/* Not the processor's fault (breaker open, database busy):
		 * try again later without counting an attempt. */
		it->outcome = DO_WAIT;
		it->due_ms = now + (pc.retry_ms > backoff_ms(dm_conf(w), 1) ? pc.retry_ms :
		    backoff_ms(dm_conf(w), 1));
		dm_format_seconds(wait, sizeof wait, it->due_ms - now);
		dm_say(w, CAFE_SAY_DEBUG, "order %lld: %s, trying again in %s",
		    cafe_event_order_id(&it->ev), e.msg, wait);
		return;
	} else if (status == CAFE_UNAVAILABLE) {
		it->attempts++;
		if (it->attempts >= dm_conf(w)->daemon.max_attempts) {
			it->outcome = DO_GIVE_UP;
			return;
		}
		it->outcome = DO_WAIT;
		it->due_ms = now + backoff_ms(dm_conf(w), it->attempts);
	} else {
		it->outcome = DO_PARK;
		return;
	}
	dm_format_seconds(wait, sizeof wait, it->due_ms - now);
	dm_say(w, CAFE_SAY_ACTION, "order %lld: %s (attempt %d of %d), retrying in %s",
	    cafe_event_order_id(&it->ev), e.msg, it->attempts,
	    dm_conf(w)->daemon.max_attempts, wait);
}

/* The lines for what an item appended (called before the batch is freed). */
static void
note_appended(struct worker *w, const struct item *it, const struct cafe_batch *out)
{
	for (size_t i = 0; i < out->n; i++)
		dm_later(w, CAFE_SAY_ACTION, "order %lld: %s -> %s", cafe_event_order_id(&it->ev),
		    it->ev.type, out->ev[i].type);
}

/*
 * Inside the transaction: decide (or give up) and append. Carefully, each
 * item in a savepoint, so that a failure parks it and keeps what the others
 * appended; otherwise without (a savepoint copies every page an item
 * touches), and a failure returns REDO_CAREFULLY: dm_record() rolls the whole
 * transaction back and does it again carefully.
 */
static int
item_record(struct worker *w, struct item *it, long long now, int careful,
    struct cafe_err *e)
{
	struct cafe_policy_ctx pc;
	struct cafe_err ie = { 0, "", 0, 0 };
	struct cafe_db *db = cafe_log_store(w->log);
	struct cafe_batch out;
	int status;

	if (careful && (status = cafe_db_mark(db, "item", NULL, e)) != 0)
		return status;
	dm_pc_init(w, &pc, it, now);
	pc.careful = careful;
	cafe_batch_init(&out);
	if (it->outcome == DO_GIVE_UP) {
		snprintf(ie.msg, sizeof ie.msg, "%s", it->error ? it->error : "failed");
		status = w->p->give_up ? w->p->give_up(&pc, &it->ev, &out, &ie) :
		    cafe_err_set(&ie, CAFE_UNAVAILABLE, "%s (gave up after %d attempts)",
		    it->error ? it->error : "failed", it->attempts);
	} else {
		status = w->p->decide(&pc, &it->ev, &out, &ie);
	}
	if (status == 0 && out.n > 0) {
		status = cafe_log_append(w->log, &out, &ie);
		w->wrote = 1;
	}
	if (status == CAFE_IOERR || (status == CAFE_TEMPFAIL &&
	    !ie.conflict)) {
		/* The database, not the event: retry the whole transaction. */
		if (careful)
			cafe_db_undo(db, "item", NULL, &ie);
		cafe_batch_release(&out);
		*e = ie;
		return status;
	}
	if (status != 0 && !careful) {
		cafe_batch_release(&out);
		return REDO_CAREFULLY;
	}
	if (status != 0) {
		if ((status = cafe_db_undo(db, "item", NULL, e)) != 0) {
			cafe_batch_release(&out);
			return status;
		}
		item_error(it, ie.msg);
		status = queue_put(w, it, "parked", 0, now, e);
		if (status == 0)
			dm_later(w, CAFE_SAY_ERROR, "order %lld: %s (seq %lld) parked: %s "
			    "(see 'cafe-daemon status', then 'cafe-daemon retry %s')",
			    cafe_event_order_id(&it->ev), it->ev.type, it->ev.seq, ie.msg,
			    w->name);
		cafe_batch_release(&out);
		return status;
	}
	note_appended(w, it, &out);
	cafe_batch_release(&out);
	if (careful && (status = cafe_db_keep(db, "item", NULL, e)) != 0)
		return status;
	if (it->from_queue && (status = queue_done(w, it->ev.seq, e)) != 0)
		return status;
	return 0;
}

static int
record_items(struct worker *w, long long upto, int careful, struct cafe_err *e)
{
	long long now = cafe_now_ms();
	int status;

	if ((status = dm_txn_begin(w, e)) != 0)
		return status;
	w->wrote = 0;
	if ((status = dm_lease_keep(w, e)) != 0)
		goto fail;
	if (upto > 0 && (status = dm_checkpoint_unmoved(w, e)) != 0)
		goto fail;
	for (size_t i = 0; i < w->nitems; i++) {
		struct item *it = &w->items[i];

		switch (it->outcome) {
		case DO_WAIT:
			status = queue_put(w, it, "wait", it->due_ms, now, e);
			if (status == 0 && !it->error) {
				char ts[40];

				cafe_format_ts(it->due_ms, ts, sizeof ts);
				dm_later(w, CAFE_SAY_DEBUG, "order %lld: %s (seq %lld) waits "
				    "until %s", cafe_event_order_id(&it->ev), it->ev.type,
				    it->ev.seq, ts);
			}
			break;
		case DO_PARK:
			status = queue_put(w, it, "parked", 0, now, e);
			if (status == 0)
				dm_later(w, CAFE_SAY_ERROR, "order %lld: %s (seq %lld) parked: "
				    "%s (see 'cafe-daemon status', then 'cafe-daemon retry %s')",
				    cafe_event_order_id(&it->ev), it->ev.type, it->ev.seq,
				    it->error, w->name);
			break;
		case DO_DECIDE:
		case DO_GIVE_UP:
			status = item_record(w, it, now, careful, e);
			break;
		}
		if (status)
			goto fail;
	}
	if (upto > 0 && !w->wrote) {
		/* Nothing to say: move on in memory, like past a window of
		 * events nobody wants, and spare the disk a commit. */
		dm_txn_rollback(w);
		w->pos = upto;
		return 0;
	}
	if (upto > 0 && (status = cafe_checkpoint_set(w->log, w->checkpoint, upto, e)) != 0)
		goto fail;
	if ((status = dm_txn_commit(w, e)) != 0)
		return status;
	if (upto > 0) {
		w->cp = w->pos = upto;
		w->cp_written_ms = now;
	}
	return 0;
fail:
	dm_txn_rollback(w);
	return status == CAFE_REFUSED ? 0 : status;    /* lost lease: not an error */
}

/*
 * Records the prepared items in one transaction, and moves the checkpoint
 * to upto when upto > 0. Returns 0 (also when the lease or the checkpoint
 * turned out not to be ours: nothing was written then) or a status.
 */
int
dm_record(struct worker *w, long long upto, struct cafe_err *e)
{
	int status = record_items(w, upto, 0, e);

	return status == REDO_CAREFULLY ? record_items(w, upto, 1, e) : status;
}
