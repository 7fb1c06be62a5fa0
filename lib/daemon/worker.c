/*
 * worker.c - what a worker thread works with (daemon-priv.h): its lines
 * for the log, the config it reads (swapped whole on reload), its
 * statements, and its write transactions, which take turns on a lock
 * with two classes: policies that react at once go before those that let
 * events settle. The loop that runs the workers is daemon.c's; the
 * invariants are listed there.
 */
#include "daemon-priv.h"

const char dm_schema[] =
	"CREATE TABLE IF NOT EXISTS daemon_leases("
	"  policy     TEXT PRIMARY KEY,"
	"  owner      TEXT NOT NULL,"
	"  pid        BIGINT NOT NULL,"
	"  host       TEXT NOT NULL,"
	"  since_ms   BIGINT NOT NULL,"
	"  expires_ms BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS daemon_queue("
	"  policy     TEXT NOT NULL,"
	"  seq        BIGINT NOT NULL,"
	"  state      TEXT NOT NULL CHECK (state IN ('wait', 'parked')),"
	"  due_ms     BIGINT NOT NULL,"
	"  attempts   INTEGER NOT NULL,"
	"  type       TEXT NOT NULL,"
	"  order_id   INTEGER,"
	"  error      TEXT,"
	"  since_ms   BIGINT NOT NULL,"
	"  updated_ms BIGINT NOT NULL,"
	"  PRIMARY KEY (policy, seq));"
	"CREATE INDEX IF NOT EXISTS daemon_queue_due ON daemon_queue(policy, state, due_ms);";

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

void
dm_say(struct worker *w, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w->d, level, w->name, fmt, ap);
	va_end(ap);
}

/* A line that is only true once the transaction commits. */
void
dm_later(struct worker *w, int level, const char *fmt, ...)
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

void
dm_lines_end(struct worker *w, int committed)
{
	for (size_t i = 0; i < w->nlines; i++) {
		if (committed)
			dm_say(w, w->levels[i], "%s", w->lines[i]);
		free(w->lines[i]);
	}
	w->nlines = 0;
}

/* --- config --- */

struct conf_ref *
dm_conf_get(struct cafe_daemon *d)
{
	struct conf_ref *r;

	pthread_mutex_lock(&d->conf_lock);
	r = d->conf;
	r->refs++;
	pthread_mutex_unlock(&d->conf_lock);
	return r;
}

void
dm_conf_put(struct cafe_daemon *d, struct conf_ref *r)
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

const struct cafe_config *
dm_conf(struct worker *w)
{
	return &w->conf->c;
}

/* Takes the newest config between batches. */
void
dm_conf_refresh(struct worker *w)
{
	struct cafe_daemon *d = w->d;
	int changed;

	pthread_mutex_lock(&d->conf_lock);
	changed = w->conf != d->conf;
	pthread_mutex_unlock(&d->conf_lock);
	if (changed) {
		dm_conf_put(d, w->conf);
		w->conf = dm_conf_get(d);
	}
}

/* --- SQL helpers for the operational tables --- */

int
dm_sql_fail(struct worker *w, int rc, struct cafe_err *e, const char *what)
{
	return cafe_log_sql_status(w->log, rc, NULL, what, e);
}

int
dm_stmt(struct worker *w, struct cafe_stmt **st, const char *sql, struct cafe_err *e)
{
	int rc;

	if (*st) {
		cafe_stmt_reset(*st);
		cafe_stmt_clear(*st);
		return 0;
	}
	rc = cafe_db_prepare(cafe_log_store(w->log), sql, st);
	return rc == CAFE_DB_OK ? 0 : dm_sql_fail(w, rc, e, "prepare");
}

int
dm_write(struct worker *w, struct cafe_stmt *st, const char *what, struct cafe_err *e)
{
	int rc = cafe_stmt_step(st);

	cafe_stmt_reset(st);
	w->wrote = 1;
	return rc == CAFE_DB_DONE ? 0 : dm_sql_fail(w, rc, e, what);
}

int
dm_exec(struct worker *w, const char *sql, struct cafe_err *e)
{
	int rc = cafe_db_exec(cafe_log_store(w->log), sql);

	return rc == CAFE_DB_OK ? 0 : dm_sql_fail(w, rc, e, "daemon tables");
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
		t = cafe_cond_deadline_us(200);
		cafe_cond_wait_until(&d->wl_cond, &d->wl_mutex, &t);
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

/* For dm_busy_wait: should this worker let a waiting urgent one go first? */
int
dm_should_yield(struct worker *w)
{
	int yes;

	if (urgent(w))
		return 0;
	pthread_mutex_lock(&w->d->wl_mutex);
	yes = w->d->wl_urgent > 0;
	pthread_mutex_unlock(&w->d->wl_mutex);
	return yes;
}

int
dm_txn_begin(struct worker *w, struct cafe_err *e)
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


/* A commit of ours wakes the other policies at once, watcher or not. */
int
dm_txn_commit(struct worker *w, struct cafe_err *e)
{
	struct cafe_err ignored;
	int status = cafe_log_commit(w->log, e);

	wunlock(w);
	dm_lines_end(w, status == 0);
	if (status == 0)
		dm_publish_head(w->d, cafe_log_head(w->log, &ignored));
	return status;
}

void
dm_txn_rollback(struct worker *w)
{
	cafe_log_rollback(w->log);
	wunlock(w);
	dm_lines_end(w, 0);
}

/*
 * SQLite's own busy handler sleeps 1, 2, 5, 10 ms and more while another
 * process holds the write lock; a policy waiting so would hold up the
 * others behind the process's write mutex. This one looks every 50 us at
 * first, doubling to 1 ms, for as long as log.c's busy timeout (10 s).
 */
int
dm_busy_wait(void *arg, int count)
{
	struct worker *w = arg;
	long long slept_us = 50LL << (count < 5 ? count : 5);
	struct timespec ts;

	if (count == 0)
		w->busy_since = cafe_mono_ms();
	else if (cafe_mono_ms() - w->busy_since > 10000)
		return 0;
	if (dm_should_yield(w)) {
		w->yielded = 1;
		return 0;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = (slept_us < 1000 ? slept_us : 1000) * 1000;
	nanosleep(&ts, NULL);
	return 1;
}
