/*
 * daemon.c - the loop that runs the policies (daemon.h, policy.h).
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
 * Around the workers: a watcher thread waits for commits (cafe_log_wait)
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
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "order.h"
#include "policy.h"

#define WINDOW          4096        /* seqs read per group */
#define ACT_BUDGET_MS   200         /* processor time per group before committing */
#define QUEUE_BATCH     64          /* queue rows handled per transaction */
#define TRACE_BATCH     2000        /* events folded per trace transaction */
#define CP_LAZY_MS      1000        /* longest an idle checkpoint lags in memory */
#define BACKOFF_MAX_MS  600000      /* longest wait between processor retries */
#define ERR_BACKOFF_MIN 100         /* after a database error ... */
#define ERR_BACKOFF_MAX 30000       /* ... doubling up to this */
#define ONCE_FAILURES   5           /* --once gives up after this many in a row */
#define PARKED_SHOWN    100
#define HOLD_MS         2000        /* an event due sooner holds the window */
#define REDO_CAREFULLY  1000        /* item_record: not a status, see there */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS daemon_leases("
	"  policy     TEXT PRIMARY KEY,"
	"  owner      TEXT NOT NULL,"
	"  pid        INTEGER NOT NULL,"
	"  host       TEXT NOT NULL,"
	"  since_ms   INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS daemon_queue("
	"  policy     TEXT NOT NULL,"
	"  seq        INTEGER NOT NULL,"
	"  state      TEXT NOT NULL CHECK (state IN ('wait', 'parked')),"
	"  due_ms     INTEGER NOT NULL,"
	"  attempts   INTEGER NOT NULL,"
	"  type       TEXT NOT NULL,"
	"  order_id   INTEGER,"
	"  error      TEXT,"
	"  since_ms   INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (policy, seq));"
	"CREATE INDEX IF NOT EXISTS daemon_queue_due ON daemon_queue(policy, state, due_ms);";

/* A config shared by the workers; replaced whole on reload. */
struct conf_ref {
	struct cafe_config c;
	int refs;
};

enum outcome { DO_DECIDE, DO_WAIT, DO_PARK, DO_GIVE_UP };

struct item {
	struct cafe_event ev;       /* owned copy */
	int from_queue;
	int attempts;               /* failed processor calls so far */
	enum outcome outcome;
	long long due_ms;           /* DO_WAIT */
	int hold;                   /* due soon: hold the window rather than queue it */
	void *scratch;              /* from act */
	char *error;                /* DO_WAIT, DO_PARK, DO_GIVE_UP: why */
};

enum step { IDLE, PROGRESS, FAILED };

struct worker {
	struct cafe_daemon *d;
	const struct cafe_policy *p;
	struct cafe_log *log;
	struct conf_ref *conf;
	pthread_t thread;
	int started;

	long long cp;               /* the checkpoint as committed */
	long long pos;              /* read up to here; >= cp */
	long long cp_written_ms;
	int holder;                 /* we hold the lease */
	int known;                  /* cp/pos were read under the lease */
	long long lease_until;
	long long other_until;      /* someone else's lease expires then */
	char other[300];            /* pid@host of that someone */
	int skipped;                /* --once: the lease is someone else's */
	int idle;                   /* --once: found nothing at idle_head */
	long long idle_head;
	long long seen_head;        /* the head the last step found nothing below */
	long long hold_until;       /* the window waits for an event due then */
	int wrote;                  /* this transaction changed something */

	long long retry_at;         /* after an error: not before this */
	long long err_backoff;
	int failures;               /* errors in a row */
	int status;                 /* the last error's status (--once) */
	struct cafe_err err;

	struct item *items;
	size_t nitems, capitems;
	char **lines;               /* output waiting for the commit */
	int *levels;
	size_t nlines, caplines;

	void *memo;                 /* the policy's own (struct cafe_policy_ctx) */
	long long busy_since;       /* for busy_wait */
	int yielded;                /* busy_wait gave up our turn */

	sqlite3_stmt *st_keep, *st_qput, *st_qdel, *st_qdue, *st_qnext;
	sqlite3_stmt *st_save, *st_release, *st_undo;
};

struct cafe_daemon {
	struct cafe_daemon_opts o;
	char owner[33];
	pthread_mutex_t wl_mutex;   /* the write lock (wlock): */
	pthread_cond_t wl_cond;
	int wl_held, wl_urgent;
	pthread_mutex_t conf_lock;
	struct conf_ref *conf;
	atomic_int stop;
	atomic_int hurry;           /* react-at-once workers stepping right now */
	struct worker *w;
	size_t nw;
	pthread_t once_thread;
	int once_started;
	/* --once: every worker idle at the same head means the work is done. */
	pthread_mutex_t idle_lock;
	size_t nidle;
	int failed;
	/* The watcher: one thread waits for commits and tells the workers. */
	struct cafe_log *watch_log, *ckpt_log;
	pthread_t watcher, checkpointer;
	int watcher_started, checkpointer_started;
	pthread_mutex_t head_lock;
	pthread_cond_t head_cond;
	long long head;             /* the log's head as last seen */
};

/* --- output --- */

static void
vsay(struct cafe_daemon *d, int level, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	int n = 0;

	if (level > d->o.verbosity || !d->o.say)
		return;
	if (prefix)
		n = snprintf(msg, sizeof msg, "%s: ", prefix);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	d->o.say(d->o.arg, level, msg);
}

static void say(struct worker *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void later(struct worker *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(struct worker *w, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w->d, level, w->p->name, fmt, ap);
	va_end(ap);
}

/* A line that is only true once the transaction commits. */
static void
later(struct worker *w, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > w->d->o.verbosity || !w->d->o.say)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->nlines == w->caplines) {
		w->caplines = w->caplines ? 2 * w->caplines : 64;
		w->lines = cafe_xrealloc(w->lines, w->caplines * sizeof *w->lines);
		w->levels = cafe_xrealloc(w->levels, w->caplines * sizeof *w->levels);
	}
	w->lines[w->nlines] = cafe_xstrdup(msg);
	w->levels[w->nlines++] = level;
}

static void
lines_end(struct worker *w, int committed)
{
	for (size_t i = 0; i < w->nlines; i++) {
		if (committed)
			say(w, w->levels[i], "%s", w->lines[i]);
		free(w->lines[i]);
	}
	w->nlines = 0;
}

/* --- config --- */

static struct conf_ref *
conf_get(struct cafe_daemon *d)
{
	struct conf_ref *r;

	pthread_mutex_lock(&d->conf_lock);
	r = d->conf;
	r->refs++;
	pthread_mutex_unlock(&d->conf_lock);
	return r;
}

static void
conf_put(struct cafe_daemon *d, struct conf_ref *r)
{
	int last;

	if (!r)
		return;
	pthread_mutex_lock(&d->conf_lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&d->conf_lock);
	if (last) {
		cafe_config_release(&r->c);
		free(r);
	}
}

static const struct cafe_config *
conf(struct worker *w)
{
	return &w->conf->c;
}

/* Takes the newest config between batches. */
static void
conf_refresh(struct worker *w)
{
	struct cafe_daemon *d = w->d;
	int changed;

	pthread_mutex_lock(&d->conf_lock);
	changed = w->conf != d->conf;
	pthread_mutex_unlock(&d->conf_lock);
	if (changed) {
		conf_put(d, w->conf);
		w->conf = conf_get(d);
	}
}

/* --- SQL helpers for the operational tables --- */

static int
sql_fail(struct worker *w, int rc, struct cafe_err *e, const char *what)
{
	return cafe_log_sql_status(w->log, rc, NULL, what, e);
}

static int
stmt(struct worker *w, sqlite3_stmt **st, const char *sql, struct cafe_err *e)
{
	int rc;

	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		return 0;
	}
	rc = sqlite3_prepare_v3(cafe_log_db(w->log), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    st, NULL);
	return rc == SQLITE_OK ? 0 : sql_fail(w, rc, e, "prepare");
}

/* Runs a cached statement that returns no rows. */
static int
run(struct worker *w, sqlite3_stmt **st, const char *sql, struct cafe_err *e)
{
	int rc, status;

	if ((status = stmt(w, st, sql, e)) != 0)
		return status;
	rc = sqlite3_step(*st);
	sqlite3_reset(*st);
	return rc == SQLITE_DONE ? 0 : sql_fail(w, rc, e, "savepoint");
}

static int
exec_sql(struct worker *w, const char *sql, struct cafe_err *e)
{
	int rc = sqlite3_exec(cafe_log_db(w->log), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_fail(w, rc, e, "daemon tables");
}

/*
 * Write transactions: one at a time in this process, taking turns on a
 * lock with two classes. Following the log, the policies that react at
 * once (settle_ms 0: the kitchen's) go first; those that let events settle
 * wait while one of them is stepping (up to YIELD_MS), and give their turn
 * up when one is waiting while they wait for another process's lock.
 * --once has one class: everyone is in a hurry.
 */
#define YIELD_MS 10

static int
urgent(const struct worker *w)
{
	return w->p->settle_ms == 0 || w->d->o.once;
}

static void
wlock(struct worker *w)
{
	struct cafe_daemon *d = w->d;
	long long until = cafe_mono_ms() + YIELD_MS;

	pthread_mutex_lock(&d->wl_mutex);
	if (urgent(w))
		d->wl_urgent++;
	for (;;) {
		int hurry = !urgent(w) && atomic_load(&d->hurry) > 0 &&
		    cafe_mono_ms() < until;
		struct timespec t;

		if (!d->wl_held && (urgent(w) || (d->wl_urgent == 0 && !hurry)))
			break;
		if (!hurry) {
			pthread_cond_wait(&d->wl_cond, &d->wl_mutex);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_nsec += 200000) >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->wl_cond, &d->wl_mutex, &t);
	}
	if (urgent(w))
		d->wl_urgent--;
	d->wl_held = 1;
	pthread_mutex_unlock(&d->wl_mutex);
}

static void
wunlock(struct worker *w)
{
	struct cafe_daemon *d = w->d;

	pthread_mutex_lock(&d->wl_mutex);
	d->wl_held = 0;
	pthread_cond_broadcast(&d->wl_cond);
	pthread_mutex_unlock(&d->wl_mutex);
}

/* For busy_wait: should this worker let a waiting urgent one go first? */
static int
should_yield(struct worker *w)
{
	int yes;

	if (urgent(w))
		return 0;
	pthread_mutex_lock(&w->d->wl_mutex);
	yes = w->d->wl_urgent > 0;
	pthread_mutex_unlock(&w->d->wl_mutex);
	return yes;
}

static int
txn_begin(struct worker *w, struct cafe_err *e)
{
	int status;

	for (;;) {
		wlock(w);
		w->yielded = 0;
		if ((status = cafe_log_begin(w->log, e)) == 0)
			return 0;
		wunlock(w);
		if (!w->yielded)
			return status;
	}
}

static void publish_head(struct cafe_daemon *d, long long head);

/* A commit of ours wakes the other policies at once, watcher or not. */
static int
txn_commit(struct worker *w, struct cafe_err *e)
{
	struct cafe_err ignored;
	int status = cafe_log_commit(w->log, e);

	wunlock(w);
	lines_end(w, status == 0);
	if (status == 0)
		publish_head(w->d, cafe_log_head(w->log, &ignored));
	return status;
}

static void
txn_rollback(struct worker *w)
{
	cafe_log_rollback(w->log);
	wunlock(w);
	lines_end(w, 0);
}

/* --- leases --- */

/* Inside a transaction: renews our lease; CAFE_REFUSED when it is not ours. */
static int
lease_keep(struct worker *w, long long now, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(w->log);
	long long until = now + conf(w)->daemon.lease_ms;
	int rc, status;

	if ((status = stmt(w, &w->st_keep, "UPDATE daemon_leases SET expires_ms = ?1"
	    " WHERE policy = ?2 AND owner = ?3", e)) != 0)
		return status;
	sqlite3_bind_int64(w->st_keep, 1, until);
	sqlite3_bind_text(w->st_keep, 2, w->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->st_keep, 3, w->d->owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(w->st_keep);
	sqlite3_reset(w->st_keep);
	if (rc != SQLITE_DONE)
		return sql_fail(w, rc, e, "lease");
	if (sqlite3_changes(db) != 1) {
		w->holder = 0;
		return cafe_err_set(e, CAFE_REFUSED, "lost the lease");
	}
	w->lease_until = until;
	return 0;
}

/* The position of a worker's policy as committed (inside a transaction). */
static long long
committed_position(struct worker *w, struct cafe_err *e)
{
	return cafe_checkpoint_get(w->log, w->p->checkpoint, e);
}

/*
 * Inside a transaction: 0 when the committed checkpoint is where the worker
 * left it; CAFE_REFUSED, the worker now reading from there, when someone
 * else moved it (nothing of ours may be written then); or a status.
 */
static int
checkpoint_unmoved(struct worker *w, struct cafe_err *e)
{
	long long cp = committed_position(w, e);

	if (cp < 0)
		return e->status;
	if (cp == w->cp)
		return 0;
	say(w, CAFE_SAY_ACTION, "checkpoint moved from %lld to %lld by someone else: "
	    "reading from there", w->cp, cp);
	w->cp = w->pos = cp;
	return CAFE_REFUSED;
}

/* Takes the lease if it is free, expired or ours. */
static int
lease_take(struct worker *w, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(w->log);
	sqlite3_stmt *st = NULL;
	long long now = cafe_now_ms(), expires = 0, cp;
	char prev[300] = "";
	int rc, status, mine = 0, row;

	if ((status = txn_begin(w, e)) != 0)
		return status;
	rc = sqlite3_prepare_v2(db, "SELECT owner, pid, host, expires_ms FROM daemon_leases"
	    " WHERE policy = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		status = sql_fail(w, rc, e, "lease");
		goto fail;
	}
	sqlite3_bind_text(st, 1, w->p->name, -1, SQLITE_STATIC);
	if ((row = sqlite3_step(st)) == SQLITE_ROW) {
		mine = strcmp((const char *)sqlite3_column_text(st, 0), w->d->owner) == 0;
		snprintf(prev, sizeof prev, "%lld@%s", (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2));
		expires = sqlite3_column_int64(st, 3);
	} else if (row != SQLITE_DONE) {
		status = sql_fail(w, row, e, "lease");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (row == SQLITE_ROW && !mine && expires > now) {
		txn_rollback(w);
		if (!w->other_until || strcmp(w->other, prev) != 0)
			say(w, CAFE_SAY_DEBUG, "lease held by %s until %lld", prev, expires);
		snprintf(w->other, sizeof w->other, "%s", prev);
		w->other_until = expires;
		return 0;
	}
	rc = sqlite3_prepare_v2(db, "INSERT INTO daemon_leases(policy, owner, pid, host,"
	    " since_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT(policy) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,"
	    " host = excluded.host, since_ms = excluded.since_ms,"
	    " expires_ms = excluded.expires_ms", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		status = sql_fail(w, rc, e, "lease");
		goto fail;
	}
	sqlite3_bind_text(st, 1, w->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->d->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)getpid());
	sqlite3_bind_text(st, 4, cafe_host(), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now + conf(w)->daemon.lease_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		status = sql_fail(w, rc, e, "lease");
		goto fail;
	}
	if ((cp = committed_position(w, e)) < 0) {
		status = e->status;
		goto fail;
	}
	if (row == SQLITE_ROW && !mine)
		later(w, CAFE_SAY_ACTION, "took over the lease from %s (expired)", prev);
	else
		later(w, CAFE_SAY_DEBUG, "took the lease");
	if ((status = txn_commit(w, e)) != 0)
		return status;
	w->holder = 1;
	w->known = 1;
	w->cp = w->pos = cp;
	w->cp_written_ms = now;
	w->lease_until = now + conf(w)->daemon.lease_ms;
	w->other_until = 0;
	w->other[0] = '\0';
	return 0;
fail:
	sqlite3_finalize(st);
	txn_rollback(w);
	return status;
}

static void
lease_release(struct worker *w)
{
	struct cafe_err e;
	sqlite3_stmt *st;

	if (!w->holder || txn_begin(w, &e) != 0)
		return;
	if (sqlite3_prepare_v2(cafe_log_db(w->log), "DELETE FROM daemon_leases"
	    " WHERE policy = ? AND owner = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, w->p->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w->d->owner, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (txn_commit(w, &e) == 0)
		say(w, CAFE_SAY_DEBUG, "gave up the lease");
	w->holder = 0;
}

/* --- the queue of waiting and parked events --- */

static int
queue_put(struct worker *w, const struct item *it, const char *state, long long due,
    long long now, struct cafe_err *e)
{
	int rc, status;

	if ((status = stmt(w, &w->st_qput, "INSERT INTO daemon_queue(policy, seq, state,"
	    " due_ms, attempts, type, order_id, error, since_ms, updated_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
	    " ON CONFLICT(policy, seq) DO UPDATE SET state = excluded.state,"
	    " due_ms = excluded.due_ms, attempts = excluded.attempts,"
	    " error = excluded.error, updated_ms = excluded.updated_ms", e)) != 0)
		return status;
	sqlite3_bind_text(w->st_qput, 1, w->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st_qput, 2, it->ev.seq);
	sqlite3_bind_text(w->st_qput, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st_qput, 4, due);
	sqlite3_bind_int(w->st_qput, 5, it->attempts);
	sqlite3_bind_text(w->st_qput, 6, it->ev.type, -1, SQLITE_STATIC);
	if (cafe_event_order_id(&it->ev) > 0)
		sqlite3_bind_int64(w->st_qput, 7, cafe_event_order_id(&it->ev));
	if (it->error)
		sqlite3_bind_text(w->st_qput, 8, it->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st_qput, 9, now);
	rc = sqlite3_step(w->st_qput);
	sqlite3_reset(w->st_qput);
	w->wrote = 1;
	return rc == SQLITE_DONE ? 0 : sql_fail(w, rc, e, "queue");
}

static int
queue_done(struct worker *w, long long seq, struct cafe_err *e)
{
	int rc, status;

	if ((status = stmt(w, &w->st_qdel, "DELETE FROM daemon_queue"
	    " WHERE policy = ?1 AND seq = ?2", e)) != 0)
		return status;
	sqlite3_bind_text(w->st_qdel, 1, w->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st_qdel, 2, seq);
	rc = sqlite3_step(w->st_qdel);
	sqlite3_reset(w->st_qdel);
	w->wrote = 1;
	return rc == SQLITE_DONE ? 0 : sql_fail(w, rc, e, "queue");
}

/* When the next waiting event is due; 0 when none waits. */
static long long
queue_next(struct worker *w)
{
	struct cafe_err e;
	long long due = 0;

	if (stmt(w, &w->st_qnext, "SELECT min(due_ms) FROM daemon_queue"
	    " WHERE policy = ?1 AND state = 'wait'", &e) != 0)
		return 0;
	sqlite3_bind_text(w->st_qnext, 1, w->p->name, -1, SQLITE_STATIC);
	if (sqlite3_step(w->st_qnext) == SQLITE_ROW)
		due = sqlite3_column_int64(w->st_qnext, 0);
	sqlite3_reset(w->st_qnext);
	return due;
}

static long long
count_parked(struct cafe_log *log, const char *policy)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (sqlite3_prepare_v2(cafe_log_db(log), "SELECT count(*) FROM daemon_queue"
	    " WHERE policy = ? AND state = 'parked'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* --- items --- */

static void
items_clear(struct worker *w)
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

static int
collect(const struct cafe_event *ev, void *arg)
{
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

static void
pc_init(struct worker *w, struct cafe_policy_ctx *pc, const struct item *it, long long now)
{
	pc->config = conf(w);
	pc->log = w->log;
	pc->now_ms = now;
	pc->attempts = it ? it->attempts : 0;
	pc->scratch = it ? it->scratch : NULL;
	pc->memo = &w->memo;
	pc->retry_ms = 0;
	pc->careful = 1;
}

static void
format_seconds(char *buf, size_t n, long long ms)
{
	if (ms < 1000)
		snprintf(buf, n, "%lldms", ms);
	else
		snprintf(buf, n, "%llds", (ms + 500) / 1000);
}

/* Outside any transaction: is it due, and what did act say? */
static void
item_prepare(struct worker *w, struct item *it)
{
	const struct cafe_policy *p = w->p;
	struct cafe_policy_ctx pc;
	struct cafe_err e = { 0, "", 0 };
	long long now = cafe_now_ms(), due;
	char wait[32];
	int status;

	pc_init(w, &pc, it, now);
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
		it->due_ms = now + (pc.retry_ms > backoff_ms(conf(w), 1) ? pc.retry_ms :
		    backoff_ms(conf(w), 1));
		format_seconds(wait, sizeof wait, it->due_ms - now);
		say(w, CAFE_SAY_DEBUG, "order %lld: %s, trying again in %s",
		    cafe_event_order_id(&it->ev), e.msg, wait);
		return;
	} else if (status == CAFE_UNAVAILABLE) {
		it->attempts++;
		if (it->attempts >= conf(w)->daemon.max_attempts) {
			it->outcome = DO_GIVE_UP;
			return;
		}
		it->outcome = DO_WAIT;
		it->due_ms = now + backoff_ms(conf(w), it->attempts);
	} else {
		it->outcome = DO_PARK;
		return;
	}
	format_seconds(wait, sizeof wait, it->due_ms - now);
	say(w, CAFE_SAY_ACTION, "order %lld: %s (attempt %d of %d), retrying in %s",
	    cafe_event_order_id(&it->ev), e.msg, it->attempts,
	    conf(w)->daemon.max_attempts, wait);
}

/* The lines for what an item appended (called before the batch is freed). */
static void
note_appended(struct worker *w, const struct item *it, const struct cafe_batch *out)
{
	for (size_t i = 0; i < out->n; i++)
		later(w, CAFE_SAY_ACTION, "order %lld: %s -> %s", cafe_event_order_id(&it->ev),
		    it->ev.type, out->ev[i].type);
}

/*
 * Inside the transaction: decide (or give up) and append. Carefully, each
 * item in a savepoint, so that a failure parks it and keeps what the others
 * appended; otherwise without (a savepoint copies every page an item
 * touches), and a failure returns REDO_CAREFULLY: record() rolls the whole
 * transaction back and does it again carefully.
 */
static int
item_record(struct worker *w, struct item *it, long long now, int careful,
    struct cafe_err *e)
{
	struct cafe_policy_ctx pc;
	struct cafe_err ie = { 0, "", 0 };
	struct cafe_batch out;
	int status;

	if (careful && (status = run(w, &w->st_save, "SAVEPOINT item", e)) != 0)
		return status;
	pc_init(w, &pc, it, now);
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
		if (careful) {
			run(w, &w->st_undo, "ROLLBACK TO item", &ie);
			run(w, &w->st_release, "RELEASE item", &ie);
		}
		cafe_batch_release(&out);
		*e = ie;
		return status;
	}
	if (status != 0 && !careful) {
		cafe_batch_release(&out);
		return REDO_CAREFULLY;
	}
	if (status != 0) {
		if ((status = run(w, &w->st_undo, "ROLLBACK TO item", e)) != 0 ||
		    (status = run(w, &w->st_release, "RELEASE item", e)) != 0) {
			cafe_batch_release(&out);
			return status;
		}
		item_error(it, ie.msg);
		status = queue_put(w, it, "parked", 0, now, e);
		if (status == 0)
			later(w, CAFE_SAY_ERROR, "order %lld: %s (seq %lld) parked: %s "
			    "(see 'cafe-daemon status', then 'cafe-daemon retry %s')",
			    cafe_event_order_id(&it->ev), it->ev.type, it->ev.seq, ie.msg,
			    w->p->name);
		cafe_batch_release(&out);
		return status;
	}
	note_appended(w, it, &out);
	cafe_batch_release(&out);
	if (careful && (status = run(w, &w->st_release, "RELEASE item", e)) != 0)
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

	if ((status = txn_begin(w, e)) != 0)
		return status;
	w->wrote = 0;
	if ((status = lease_keep(w, now, e)) != 0)
		goto fail;
	if (upto > 0 && (status = checkpoint_unmoved(w, e)) != 0)
		goto fail;
	for (size_t i = 0; i < w->nitems; i++) {
		struct item *it = &w->items[i];

		switch (it->outcome) {
		case DO_WAIT:
			status = queue_put(w, it, "wait", it->due_ms, now, e);
			if (status == 0 && !it->error) {
				char ts[40];

				cafe_format_ts(it->due_ms, ts, sizeof ts);
				later(w, CAFE_SAY_DEBUG, "order %lld: %s (seq %lld) waits "
				    "until %s", cafe_event_order_id(&it->ev), it->ev.type,
				    it->ev.seq, ts);
			}
			break;
		case DO_PARK:
			status = queue_put(w, it, "parked", 0, now, e);
			if (status == 0)
				later(w, CAFE_SAY_ERROR, "order %lld: %s (seq %lld) parked: "
				    "%s (see 'cafe-daemon status', then 'cafe-daemon retry %s')",
				    cafe_event_order_id(&it->ev), it->ev.type, it->ev.seq,
				    it->error, w->p->name);
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
		txn_rollback(w);
		w->pos = upto;
		return 0;
	}
	if (upto > 0 && (status = cafe_checkpoint_set(w->log, w->p->checkpoint, upto, e)) != 0)
		goto fail;
	if ((status = txn_commit(w, e)) != 0)
		return status;
	if (upto > 0) {
		w->cp = w->pos = upto;
		w->cp_written_ms = now;
	}
	return 0;
fail:
	txn_rollback(w);
	return status == CAFE_REFUSED ? 0 : status;    /* lost lease: not an error */
}

/*
 * Records the prepared items in one transaction, and moves the checkpoint
 * to upto when upto > 0. Returns 0 (also when the lease or the checkpoint
 * turned out not to be ours: nothing was written then) or a status.
 */
static int
record(struct worker *w, long long upto, struct cafe_err *e)
{
	int status = record_items(w, upto, 0, e);

	return status == REDO_CAREFULLY ? record_items(w, upto, 1, e) : status;
}

/* Writes the checkpoint when the position ran ahead, and renews the lease. */
static int
keep_up(struct worker *w, struct cafe_err *e)
{
	long long now = cafe_now_ms(), pos = w->pos;
	int status, move = !w->p->apply && pos > w->cp;

	if ((status = txn_begin(w, e)) != 0)
		return status;
	if ((status = lease_keep(w, now, e)) != 0)
		goto fail;
	if (move) {
		if ((status = checkpoint_unmoved(w, e)) != 0)
			goto fail;
		if ((status = cafe_checkpoint_set(w->log, w->p->checkpoint, pos, e)) != 0)
			goto fail;
	}
	if ((status = txn_commit(w, e)) != 0)
		return status;
	if (move) {
		w->cp = pos;
		w->cp_written_ms = now;
	}
	return 0;
fail:
	txn_rollback(w);
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
	items_clear(w);
	if ((status = cafe_log_read_types(w->log, w->pos, upto, w->p->types, collect, w,
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
		item_prepare(w, &w->items[n]);
		if (w->items[n].hold) {
			/* Due in a moment: stop the window before it. */
			w->hold_until = w->items[n].due_ms;
			free(w->items[n].scratch);
			w->items[n].scratch = NULL;
			break;
		}
	}
	if (n == 0) {
		items_clear(w);
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
	status = record(w, upto, e);
	items_clear(w);
	return status;
}

/* Handles the queued events that are due. */
static int
step_queue(struct worker *w, int *progress, struct cafe_err *e)
{
	long long seqs[QUEUE_BATCH];
	int attempts[QUEUE_BATCH], rc, status;
	size_t n = 0;

	if ((status = stmt(w, &w->st_qdue, "SELECT seq, attempts FROM daemon_queue"
	    " WHERE policy = ?1 AND state = 'wait' AND due_ms <= ?2"
	    " ORDER BY due_ms, seq LIMIT ?3", e)) != 0)
		return status;
	sqlite3_bind_text(w->st_qdue, 1, w->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->st_qdue, 2, cafe_now_ms());
	sqlite3_bind_int(w->st_qdue, 3, QUEUE_BATCH);
	while ((rc = sqlite3_step(w->st_qdue)) == SQLITE_ROW) {
		seqs[n] = sqlite3_column_int64(w->st_qdue, 0);
		attempts[n++] = sqlite3_column_int(w->st_qdue, 1);
	}
	sqlite3_reset(w->st_qdue);
	if (rc != SQLITE_DONE)
		return sql_fail(w, rc, e, "queue");
	if (n == 0)
		return 0;
	items_clear(w);
	for (size_t i = 0; i < n; i++) {
		size_t before = w->nitems;

		if ((status = cafe_log_read(w->log, seqs[i] - 1, 1, collect, w, e)) != 0)
			return status;
		if (w->nitems == before)
			continue;
		w->items[before].from_queue = 1;
		w->items[before].attempts = attempts[i];
	}
	for (size_t i = 0; i < w->nitems; i++)
		item_prepare(w, &w->items[i]);
	*progress = w->nitems > 0;
	status = record(w, 0, e);
	items_clear(w);
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
	pc_init(w, &pc, NULL, cafe_now_ms());
	if (w->p->ahead)
		w->p->ahead(&pc, TRACE_BATCH);     /* outside the write lock */
	if ((status = txn_begin(w, e)) != 0)
		goto out;
	pc.now_ms = cafe_now_ms();
	if ((status = lease_keep(w, pc.now_ms, e)) != 0 ||
	    (status = w->p->apply(&pc, TRACE_BATCH, &applied, e)) != 0) {
		txn_rollback(w);
		status = status == CAFE_REFUSED ? 0 : status;
		goto out;
	}
	if (applied > 0)
		later(w, CAFE_SAY_DEBUG, "%lld events folded", applied);
	status = txn_commit(w, e);
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

static enum step
step(struct worker *w)
{
	const struct cafe_config *c;
	struct cafe_err e = { 0, "", 0 };
	long long now;
	int status = 0, progress = 0;
	char wait[32];

	conf_refresh(w);
	c = conf(w);
	now = cafe_now_ms();
	if (now < w->retry_at)
		return IDLE;
	if (!w->holder) {
		if (w->skipped)
			return IDLE;
		if ((status = lease_take(w, &e)) == 0 && !w->holder)
			return IDLE;
	} else if (w->lease_until - now < (long long)c->daemon.lease_ms * 2 / 3) {
		status = keep_up(w, &e);
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
				status = keep_up(w, &e);
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
	format_seconds(wait, sizeof wait, w->err_backoff);
	say(w, CAFE_SAY_ERROR, "%s; trying again in %s", e.msg, wait);
	return FAILED;
}

/* How long an idle worker may sleep before it has something to do. */
static long long
idle_ms(struct worker *w)
{
	const struct cafe_config *c = conf(w);
	long long now = cafe_now_ms(), t = c->daemon.poll_ms, at;

	if (w->retry_at > now && w->retry_at - now < t)
		t = w->retry_at - now;
	if (w->hold_until > now && w->hold_until - now < t)
		t = w->hold_until - now;
	if (w->holder) {
		at = w->lease_until - (long long)c->daemon.lease_ms * 2 / 3;
		if (at - now < t)
			t = at - now;
		if (!w->p->apply && (at = queue_next(w)) > 0 && at - now < t)
			t = at - now;
	} else if (w->other_until > 0 && w->other_until + 1 - now < t) {
		t = w->other_until + 1 - now;
	}
	return t > 0 ? t : 0;
}

static void
worker_finish(struct worker *w)
{
	struct cafe_err e = { 0, "", 0 };

	if (w->holder && !w->p->apply && w->pos > w->cp && keep_up(w, &e) != 0)
		say(w, CAFE_SAY_ERROR, "%s: the checkpoint stays at %lld", e.msg, w->cp);
	lease_release(w);
}

/* --- the watcher --- */

/* Wakes the waiting when the head moved or the daemon stops. */
static void
publish_head(struct cafe_daemon *d, long long head)
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
static void
stop_all(struct cafe_daemon *d)
{
	atomic_store(&d->stop, 1);
	publish_head(d, 0);
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

/* ms from now on the clock of head_cond. */
static struct timespec
deadline(long long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Sleeps ms, or less when the daemon stops. */
static void
nap(struct cafe_daemon *d, long long ms)
{
	struct timespec until;

	until = deadline(ms);
	pthread_mutex_lock(&d->head_lock);
	while (!atomic_load(&d->stop))
		if (pthread_cond_timedwait(&d->head_cond, &d->head_lock, &until) != 0)
			break;
	pthread_mutex_unlock(&d->head_lock);
}

static void *
checkpointer_main(void *arg)
{
	struct cafe_daemon *d = arg;
	long long done = 0, frames = 0;

	while (!atomic_load(&d->stop)) {
		long long head;

		pthread_mutex_lock(&d->head_lock);
		head = d->head;
		pthread_mutex_unlock(&d->head_lock);
		if (head != done) {
			frames = cafe_log_checkpoint(d->ckpt_log, 0);
			done = head;
		} else if (frames > 0) {
			/* Once per quiet spell: if a reader is in the way, the
			 * next spell (or the exit) tries again. */
			cafe_log_checkpoint(d->ckpt_log, 1);
			frames = 0;
		}
		nap(d, CHECKPOINT_MS);
	}
	return NULL;
}

/*
 * SQLite's own busy handler sleeps 1, 2, 5, 10 ms and more while another
 * process holds the write lock; a policy waiting so would hold up the
 * others behind the process's write mutex. This one looks every 50 us at
 * first, doubling to 1 ms, for as long as log.c's busy timeout (10 s).
 */
static int
busy_wait(void *arg, int count)
{
	struct worker *w = arg;
	long long slept_us = 50LL << (count < 5 ? count : 5);
	struct timespec ts;

	if (count == 0)
		w->busy_since = cafe_mono_ms();
	else if (cafe_mono_ms() - w->busy_since > 10000)
		return 0;
	if (should_yield(w)) {
		w->yielded = 1;
		return 0;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = (slept_us < 1000 ? slept_us : 1000) * 1000;
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * One thread per daemon waits for commits (cafe_log_wait: inotify, with
 * quick looks after each write) and wakes the workers, so that only one
 * thread polls however many policies run.
 */
static void *
watcher_main(void *arg)
{
	struct cafe_daemon *d = arg;
	struct cafe_err e = { 0, "", 0 };
	enum cafe_wake woke;
	long long seen = 0, head;
	int rc;

	while (!atomic_load(&d->stop)) {
		rc = cafe_log_wait(d->watch_log, seen, 100, &woke, &e);
		if (rc == 0 && woke != CAFE_WAKE_NEW)
			continue;
		if (rc != 0 || (head = cafe_log_head(d->watch_log, &e)) < 0) {
			cafe_sleep_ms(d->conf->c.daemon.poll_ms);
			continue;
		}
		seen = head;
		publish_head(d, head);
	}
	publish_head(d, 0);
	return NULL;
}

/* Waits until the log's head passes pos, at most ms milliseconds; 1 if it did. */
static int
wait_head(struct worker *w, long long pos, long long ms)
{
	struct cafe_daemon *d = w->d;
	struct timespec until;
	int moved;

	until = deadline(ms);
	pthread_mutex_lock(&d->head_lock);
	while (d->head <= pos && !atomic_load(&d->stop))
		if (pthread_cond_timedwait(&d->head_cond, &d->head_lock, &until) != 0)
			break;
	moved = d->head > pos;
	pthread_mutex_unlock(&d->head_lock);
	return moved;
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
		stop_all(d);
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
		r = step(w);
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
				stop_all(d);
				break;
			}
			if (r == IDLE && !w->holder && !w->skipped) {
				w->skipped = 1;
				say(w, CAFE_SAY_ACTION, d->o.queue_only ?
				    "left to the daemon that holds its lease (%s)" :
				    "not run: its lease is held by %s",
				    w->other[0] ? w->other : "another daemon");
			}
			if (r == IDLE && once_idle(w, 1))
				break;
		}
		if (atomic_load(&d->stop))
			break;
		t = idle_ms(w);
		if (d->o.once && t > 20)
			t = 20;
		if (!w->holder) {
			cafe_sleep_ms(t);
		} else {
			/* A held window waits for its time, not for news. */
			if (wait_head(w, w->hold_until > cafe_now_ms() ? LLONG_MAX : w->pos,
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
			say(&d->w[i], CAFE_SAY_ERROR, "cannot start a thread: %s",
			    strerror(rc));
			d->failed = 1;
			stop_all(d);
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
	items_clear(w);
	free(w->items);
	lines_end(w, 0);
	free(w->lines);
	free(w->levels);
	free(w->memo);
	sqlite3_finalize(w->st_keep);
	sqlite3_finalize(w->st_qput);
	sqlite3_finalize(w->st_qdel);
	sqlite3_finalize(w->st_qdue);
	sqlite3_finalize(w->st_qnext);
	sqlite3_finalize(w->st_save);
	sqlite3_finalize(w->st_release);
	sqlite3_finalize(w->st_undo);
	cafe_log_close(w->log);
	if (w->d)
		conf_put(w->d, w->conf);
}

static int
select_policies(struct cafe_daemon *d, struct cafe_err *e)
{
	const char *const *names = d->o.policies;
	size_t n = 0;

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
	d->w = cafe_xcalloc(n, sizeof *d->w);
	for (size_t j = 0; cafe_policies[j]; j++) {
		int wanted = !names;

		for (size_t i = 0; names && names[i]; i++)
			if (strcmp(names[i], cafe_policies[j]->name) == 0)
				wanted = 1;
		if (wanted)
			d->w[d->nw++].p = cafe_policies[j];
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
	conf_put(d, d->conf);
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
	pthread_condattr_t ca;
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
	/* Both are waited on with CLOCK_MONOTONIC deadlines (wlock, nap). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wl_cond, &ca);
	pthread_cond_init(&d->head_cond, &ca);
	pthread_condattr_destroy(&ca);
	cafe_random_hex(d->owner);
	/* Fill their caches before there are threads. */
	(void)cafe_actor();
	(void)cafe_host();
	d->conf = cafe_xcalloc(1, sizeof *d->conf);
	d->conf->refs = 1;
	if ((status = cafe_config_load(&d->conf->c, o->config_path, e)) != 0)
		goto fail;
	if ((status = select_policies(d, e)) != 0)
		goto fail;
	for (size_t i = 0; i < d->nw; i++) {
		struct worker *w = &d->w[i];

		w->d = d;
		w->conf = conf_get(d);
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
		if (i == 0 && sqlite3_db_readonly(cafe_log_db(w->log), "main") == 1) {
			status = cafe_err_set(e, CAFE_IOERR, "database '%s' is read-only for "
			    "this user (uid %ld): the daemon must write it (check the "
			    "permissions of the file and its directory)", o->db_path,
			    (long)getuid());
			goto fail;
		}
		cafe_log_set_tool(w->log, o->tool ? o->tool : "cafe-daemon");
		/* The checkpointer keeps the WAL short, off the policies' commits. */
		sqlite3_wal_autocheckpoint(cafe_log_db(w->log), 0);
		sqlite3_busy_handler(cafe_log_db(w->log), busy_wait, w);
	}
	if (d->nw > 0) {
		struct worker *w = &d->w[0];

		if ((status = txn_begin(w, e)) != 0)
			goto fail;
		if ((status = exec_sql(w, schema, e)) != 0) {
			txn_rollback(w);
			goto fail;
		}
		if ((status = txn_commit(w, e)) != 0)
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
	if (!d->o.once) {
		if ((rc = pthread_create(&d->watcher, NULL, watcher_main, d)) != 0)
			return cafe_err_set(e, CAFE_IOERR, "cannot start a thread: %s",
			    strerror(rc));
		d->watcher_started = 1;
	}
	if ((rc = pthread_create(&d->checkpointer, NULL, checkpointer_main, d)) != 0)
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
			stop_all(d);
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
	conf_put(d, old);
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
		stop_all(d);
		for (size_t i = 0; i < d->nw; i++)
			if (d->w[i].started)
				pthread_join(d->w[i].thread, NULL);
	}
	stop_all(d);
	if (d->watcher_started)
		pthread_join(d->watcher, NULL);
	if (d->checkpointer_started)
		pthread_join(d->checkpointer, NULL);
	if (d->ckpt_log)
		cafe_log_checkpoint(d->ckpt_log, 1);
	for (size_t i = 0; i < d->nw && d->o.once; i++) {
		struct worker *w = &d->w[i];

		if (d->failed && w->failures > 0 && !status) {
			status = w->status;
			cafe_err_set(e, status, "%s: %s", w->p->name, w->err.msg);
		}
		if (!w->skipped)
			parked += count_parked(w->log, w->p->name);
	}
	if (!status && parked > 0)
		status = cafe_err_set(e, CAFE_REFUSED, "%lld event%s parked (see "
		    "'cafe-daemon status', then 'cafe-daemon retry')", parked,
		    parked == 1 ? " is" : "s are");
	daemon_free(d);
	return status;
}

/* --- status, unpark, holder: for `cafe-daemon status` and `retry` --- */

static int
db_fail(struct cafe_log *log, int rc, struct cafe_err *e)
{
	return cafe_log_sql_status(log, rc, NULL, "status", e);
}

static int
has_tables(struct cafe_log *log)
{
	sqlite3_stmt *st;
	int yes = 0;

	if (sqlite3_prepare_v2(cafe_log_db(log), "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name IN ('daemon_leases', 'daemon_queue')",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0) == 2;
	sqlite3_finalize(st);
	return yes;
}

static json_t *
ts_json(long long ms)
{
	char ts[40];

	cafe_format_ts(ms, ts, sizeof ts);
	return json_string(ts);
}

/* Fills the lease and queue fields of one policy's row. */
static int
status_tables(struct cafe_log *log, const char *policy, long long lease_ms, json_t *row,
    long long *parked, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	long long now = cafe_now_ms(), waiting = 0;
	int rc;

	json_object_set_new(row, "parked_events", list);
	*parked = 0;
	/* A lease given up is deleted; one left to expire belongs to a holder
	 * that stopped renewing it: frozen, or dead without a word. */
	rc = sqlite3_prepare_v2(db, "SELECT pid, host, expires_ms FROM daemon_leases"
	    " WHERE policy = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long expires = sqlite3_column_int64(st, 2);
		json_t *who = json_sprintf("%lld@%s", (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1));

		if (expires > now) {
			json_object_set_new(row, "holder", who);
			json_object_set_new(row, "lease_expires", ts_json(expires));
		} else {
			json_object_set_new(row, "stale_holder", who);
			json_object_set_new(row, "last_seen", ts_json(expires - lease_ms));
			json_object_set_new(row, "last_seen_ms_ago",
			    json_integer(now - (expires - lease_ms)));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(log, rc, e);

	rc = sqlite3_prepare_v2(db, "SELECT state, count(*) FROM daemon_queue"
	    " WHERE policy = ?1 GROUP BY state", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), "parked") == 0)
			*parked = sqlite3_column_int64(st, 1);
		else
			waiting = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(log, rc, e);
	json_object_set_new(row, "waiting", json_integer(waiting));

	rc = sqlite3_prepare_v2(db, "SELECT seq, type, order_id, error, attempts, updated_ms"
	    " FROM daemon_queue WHERE policy = ?1 AND state = 'parked' ORDER BY seq"
	    " LIMIT ?2", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, PARKED_SHOWN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:s, s:i, s:o}",
		    "seq", (json_int_t)sqlite3_column_int64(st, 0),
		    "type", (const char *)sqlite3_column_text(st, 1),
		    "order_id", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(st, 2)),
		    "error", sqlite3_column_text(st, 3) ?
		    (const char *)sqlite3_column_text(st, 3) : "",
		    "attempts", sqlite3_column_int(st, 4),
		    "parked_at", ts_json(sqlite3_column_int64(st, 5))));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(log, rc, e);
}

int
cafe_daemon_status(const struct cafe_config *c, struct cafe_log *log,
    int (*fn)(json_t *row, void *arg), void *arg, int *healthy, struct cafe_err *e)
{
	long long head, cp, parked;
	int tables = has_tables(log), status = 0;

	*healthy = 1;
	if ((head = cafe_log_head(log, e)) < 0)
		return e->status;
	for (size_t i = 0; cafe_policies[i] && !status; i++) {
		const struct cafe_policy *p = cafe_policies[i];
		json_t *row;
		int ok;

		if ((cp = cafe_checkpoint_get(log, p->checkpoint, e)) < 0)
			return e->status;
		row = json_pack("{s:s, s:I, s:I, s:I, s:n, s:n, s:i, s:i}",
		    "policy", p->name, "checkpoint", (json_int_t)cp,
		    "head", (json_int_t)head, "lag", (json_int_t)(head - cp),
		    "holder", "lease_expires", "waiting", 0, "parked", 0);
		parked = 0;
		if (tables && (status = status_tables(log, p->name, c->daemon.lease_ms, row,
		    &parked, e)) != 0) {
			json_decref(row);
			return status;
		}
		if (!tables)
			json_object_set_new(row, "parked_events", json_array());
		json_object_set_new(row, "parked", json_integer(parked));
		ok = head - cp <= c->daemon.lag_alert && parked == 0;
		/* A holder that stopped renewing while work waits: nobody else
		 * takes the policy up until someone looks. */
		if (json_object_get(row, "stale_holder") && (head > cp ||
		    json_integer_value(json_object_get(row, "waiting")) > 0))
			ok = 0;
		json_object_set_new(row, "healthy", json_boolean(ok));
		if (!ok)
			*healthy = 0;
		status = fn(row, arg);
		json_decref(row);
	}
	return status;
}

int
cafe_daemon_unpark(struct cafe_log *log, const char *policy, long long *count,
    struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	sqlite3_stmt *st;
	long long now = cafe_now_ms();
	int rc, status;

	*count = 0;
	if (policy && !cafe_policy_find(policy))
		return cafe_err_set(e, CAFE_USAGE, "unknown policy '%s' (see 'cafe-daemon "
		    "status')", policy);
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((rc = sqlite3_exec(db, schema, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	rc = sqlite3_prepare_v2(db, "UPDATE daemon_queue SET state = 'wait', due_ms = ?1,"
	    " attempts = 0, updated_ms = ?1 WHERE state = 'parked'"
	    " AND (?2 IS NULL OR policy = ?2)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	if (policy)
		sqlite3_bind_text(st, 2, policy, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	*count = sqlite3_changes(db);
	return cafe_log_commit(log, e);
fail:
	status = db_fail(log, rc, e);
	cafe_log_rollback(log);
	return status;
}

char *
cafe_daemon_holder(struct cafe_log *log, const char *policy, struct cafe_err *e)
{
	sqlite3_stmt *st;
	char *who = NULL;
	int rc;

	if (!has_tables(log))
		return NULL;
	rc = sqlite3_prepare_v2(cafe_log_db(log), "SELECT pid, host FROM daemon_leases"
	    " WHERE policy = ?1 AND expires_ms > ?2", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(log, rc, e);
		return NULL;
	}
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cafe_now_ms());
	if (sqlite3_step(st) == SQLITE_ROW)
		who = cafe_xasprintf("%lld@%s", (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return who;
}
