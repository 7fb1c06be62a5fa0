/*
 * breaker.c - the shared circuit breaker (breaker.h).
 *
 * Every decision that changes the state re-reads it under the write lock
 * (BEGIN IMMEDIATE, or a savepoint inside a caller's transaction that
 * already holds it), so two processes never make the same transition or
 * take the same trial. Reads that only decide "go ahead" (closed) or
 * "refuse" (open, not yet due) take no lock at all: that is the fast path
 * a counter pays on every order and the fast answer it gets when the
 * processor is down.
 *
 * The window counts only the calls of the current closed period (same
 * generation); every transition empties it. Trials count per half-open
 * period. A missing table or row reads as "closed, never moved": the
 * tables are created by the first write that needs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breaker.h"

#define NAME            "payment"
#define TRIAL_POLL_MS   100     /* retry hint while every trial is taken */

static const char *const state_names[] = { "closed", "open", "half_open" };

/* %s: the self-numbering key type (cafe_db_autokey). */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS breaker("
	"  name TEXT PRIMARY KEY, state TEXT NOT NULL, generation INTEGER NOT NULL,"
	"  changed_ms BIGINT NOT NULL, open_until_ms BIGINT NOT NULL,"
	"  reason TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS breaker_calls("
	"  id %s, name TEXT NOT NULL, generation INTEGER NOT NULL,"
	"  failed INTEGER NOT NULL, slow INTEGER NOT NULL,"
	"  elapsed_ms BIGINT NOT NULL, at_ms BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS breaker_trials("
	"  id %s, name TEXT NOT NULL, generation INTEGER NOT NULL,"
	"  pid BIGINT NOT NULL, claimed_ms BIGINT NOT NULL,"
	"  expires_ms BIGINT NOT NULL, outcome TEXT);";

/* The breaker row; a zeroed one is "closed, never moved". */
struct row {
	enum cafe_breaker_state state;
	long long generation, changed_ms, open_until_ms;
	char reason[256];
	int tables;             /* 1: the tables exist */
};

const char *
cafe_breaker_state_name(enum cafe_breaker_state s)
{
	return state_names[s];
}

static int
sql_fail(struct cafe_log *log, int rc, const char *what, struct cafe_err *e)
{
	return cafe_log_sql_status(log, rc, "payment breaker", what, e);
}

/* 1 when the breaker's tables do not exist yet (after a failed prepare). */
static int
no_tables(struct cafe_log *log)
{
	return !cafe_db_has(cafe_log_store(log), "breaker", NULL);
}

static int
prepare(struct cafe_log *log, const char *sql, struct cafe_stmt **st, struct cafe_err *e)
{
	int rc = cafe_db_prepare(cafe_log_store(log), sql, st);

	return rc == CAFE_DB_OK ? 0 : sql_fail(log, rc, "prepare", e);
}

/* Runs a statement that returns no rows; finalizes it. */
static int
run(struct cafe_log *log, struct cafe_stmt *st, const char *what, struct cafe_err *e)
{
	int rc = cafe_stmt_step(st);

	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : sql_fail(log, rc, what, e);
}

static int
read_state(struct cafe_log *log, struct row *r, struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	const char *s;
	int rc;

	static const char sql[] = "SELECT state, generation, changed_ms, open_until_ms,"
	    " reason FROM breaker WHERE name = ?1";

	memset(r, 0, sizeof *r);
	/* Asked first: on some engines a failed statement spoils the whole
	 * transaction around it. */
	if (no_tables(log))
		return 0;
	if ((rc = cafe_db_prepare(cafe_log_store(log), sql, &st)) != CAFE_DB_OK)
		return sql_fail(log, rc, "reading the state", e);
	r->tables = 1;
	cafe_stmt_text_ref(st, 1, NAME);
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW) {
		s = cafe_col_text(st, 0);
		for (int i = 0; i < 3; i++)
			if (s && strcmp(s, state_names[i]) == 0)
				r->state = i;
		r->generation = cafe_col_int(st, 1);
		r->changed_ms = cafe_col_int(st, 2);
		r->open_until_ms = cafe_col_int(st, 3);
		s = cafe_col_text(st, 4);
		snprintf(r->reason, sizeof r->reason, "%s", s ? s : "");
	}
	cafe_stmt_free(st);
	if (rc != CAFE_DB_ROW && rc != CAFE_DB_DONE)
		return sql_fail(log, rc, "reading the state", e);
	return 0;
}

/* Inside a write transaction. */
static int
ensure_tables(struct cafe_log *log, struct row *r, struct cafe_err *e)
{
	const char *key;
	char *sql;
	int rc;

	if (r->tables)
		return 0;
	key = cafe_db_autokey(cafe_log_store(log));
	sql = cafe_xasprintf(schema, key, key);
	rc = cafe_db_exec(cafe_log_store(log), sql);
	free(sql);
	if (rc != CAFE_DB_OK)
		return sql_fail(log, rc, "creating its tables", e);
	r->tables = 1;
	return 0;
}


static int
read_counts(const struct cafe_config *c, struct cafe_log *log, const struct row *r,
    long long now, struct cafe_breaker_counts *n, struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	int rc, status;

	memset(n, 0, sizeof *n);
	if (!r->tables)
		return 0;
	if ((status = prepare(log, "SELECT count(*), coalesce(sum(failed), 0),"
	    " coalesce(sum(slow), 0) FROM (SELECT failed, slow FROM breaker_calls"
	    " WHERE name = ?1 AND generation = ?2 ORDER BY id DESC LIMIT ?3) AS recent",
	    &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_int(st, 2, r->generation);
	cafe_stmt_int(st, 3, c->payment.breaker.window);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		n->calls = cafe_col_int(st, 0);
		n->failures = cafe_col_int(st, 1);
		n->slow = cafe_col_int(st, 2);
	}
	cafe_stmt_free(st);
	if (rc != CAFE_DB_ROW)
		return sql_fail(log, rc, "reading the window", e);
	if (r->state != CAFE_BREAKER_HALF_OPEN)
		return 0;
	if ((status = prepare(log, "SELECT count(CASE WHEN outcome = 'ok' THEN 1 END),"
	    " count(CASE WHEN outcome IS NULL AND expires_ms > ?3 THEN 1 END)"
	    " FROM breaker_trials WHERE name = ?1 AND generation = ?2", &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_int(st, 2, r->generation);
	cafe_stmt_int(st, 3, now);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		n->ok = cafe_col_int(st, 0);
		n->live = cafe_col_int(st, 1);
	}
	cafe_stmt_free(st);
	return rc == CAFE_DB_ROW ? 0 : sql_fail(log, rc, "reading the trials", e);
}

static enum cafe_event_type
event_type(enum cafe_breaker_state to)
{
	return to == CAFE_BREAKER_OPEN ? CAFE_EV_BREAKER_OPENED :
	    to == CAFE_BREAKER_HALF_OPEN ? CAFE_EV_BREAKER_HALF_OPENED : CAFE_EV_BREAKER_CLOSED;
}

/*
 * Moves the breaker from r's state to `to` inside the open write
 * transaction, empties the window, forgets older trials and appends the
 * event with `data` (stolen) plus breaker, from and reason. r becomes the
 * new state.
 */
static int
transition(const struct cafe_config *c, struct cafe_log *log, struct row *r,
    enum cafe_breaker_state to, const char *reason, json_t *data, long long now,
    struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	struct cafe_batch b;
	char ts[32];
	int status;

	cafe_batch_init(&b);
	json_object_set_new(data, "breaker", json_string(NAME));
	json_object_set_new(data, "from", json_string(state_names[r->state]));
	json_object_set_new(data, "reason", json_string(reason));
	if (to == CAFE_BREAKER_OPEN) {
		cafe_format_ts(now + c->payment.breaker.open_ms, ts, sizeof ts);
		json_object_set_new(data, "open_ms",
		    json_integer(c->payment.breaker.open_ms));
		json_object_set_new(data, "half_open_at", json_string(ts));
	}
	cafe_batch_add(&b, CAFE_BREAKER_STREAM, CAFE_ANY_VERSION, event_type(to), data);

	if ((status = ensure_tables(log, r, e)) != 0)
		goto out;
	r->state = to;
	r->generation++;
	r->changed_ms = now;
	r->open_until_ms = to == CAFE_BREAKER_OPEN ? now + c->payment.breaker.open_ms : 0;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	if ((status = prepare(log, "INSERT INTO breaker(name, state, generation,"
	    " changed_ms, open_until_ms, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT(name) DO UPDATE SET state = excluded.state,"
	    " generation = excluded.generation, changed_ms = excluded.changed_ms,"
	    " open_until_ms = excluded.open_until_ms, reason = excluded.reason",
	    &st, e)) != 0)
		goto out;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_text_ref(st, 2, state_names[to]);
	cafe_stmt_int(st, 3, r->generation);
	cafe_stmt_int(st, 4, now);
	cafe_stmt_int(st, 5, r->open_until_ms);
	cafe_stmt_text(st, 6, reason);
	if ((status = run(log, st, "writing the state", e)) != 0)
		goto out;
	if ((status = prepare(log, "DELETE FROM breaker_calls WHERE name = ?1",
	    &st, e)) != 0)
		goto out;
	cafe_stmt_text_ref(st, 1, NAME);
	if ((status = run(log, st, "emptying the window", e)) != 0)
		goto out;
	if ((status = prepare(log, "DELETE FROM breaker_trials WHERE name = ?1"
	    " AND generation < ?2", &st, e)) != 0)
		goto out;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_int(st, 2, r->generation);
	status = run(log, st, "forgetting old trials", e);
out:
	return cafe_log_append_done(log, &b, status, e);
}

static int
refuse_open(const struct row *r, long long now, long long *retry_ms, struct cafe_err *e)
{
	long long left = r->open_until_ms - now;

	if (retry_ms)
		*retry_ms = left;
	return cafe_err_set(e, CAFE_TEMPFAIL,
	    "payment system busy, try again in %llds (breaker open)", (left + 999) / 1000);
}

/* The claim is ours, unresolved and not lapsed. */
static int
claim_live(struct cafe_log *log, long long id, long long now, int *live, struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	int rc, status;

	*live = 0;
	if ((status = prepare(log, "SELECT 1 FROM breaker_trials WHERE id = ?1"
	    " AND outcome IS NULL AND expires_ms > ?2", &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, id);
	cafe_stmt_int(st, 2, now);
	rc = cafe_stmt_step(st);
	*live = rc == CAFE_DB_ROW;
	cafe_stmt_free(st);
	return rc == CAFE_DB_ROW || rc == CAFE_DB_DONE ? 0 :
	    sql_fail(log, rc, "reading a claim", e);
}

/*
 * How long a trial claim lives: the call is bounded by timeout_ms, the
 * transactions around it by a little more; a holder that died frees its
 * trial after this.
 */
static long long
claim_ttl(const struct cafe_config *c)
{
	return 2LL * c->payment.timeout_ms + 1000;
}

/* Half-open admission, inside the write transaction. */
static int
claim_trial(const struct cafe_config *c, struct cafe_log *log, struct row *r,
    struct cafe_breaker_ticket *t, long long now, long long *retry_ms,
    struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	struct cafe_breaker_counts n = { 0, 0, 0, 0, 0 };
	int status, live;

	if (cafe_breaker_admission(&c->payment.breaker, r->state, r->open_until_ms, now,
	    &n) == CAFE_ADMIT_REFUSE_OPEN)
		return refuse_open(r, now, retry_ms, e);
	if (r->state == CAFE_BREAKER_OPEN) {
		if ((status = transition(c, log, r, CAFE_BREAKER_HALF_OPEN, "open_ms passed",
		    json_pack("{s:i, s:i}", "open_ms", c->payment.breaker.open_ms,
		    "half_open_calls", c->payment.breaker.half_open_calls), now, e)) != 0)
			return status;
	}
	if (t->claim && t->generation == r->generation) {
		if ((status = claim_live(log, t->claim, now, &live, e)) != 0)
			return status;
		if (live)
			return 0;
	}
	if ((status = read_counts(c, log, r, now, &n, e)) != 0)
		return status;
	if (cafe_breaker_admission(&c->payment.breaker, r->state, r->open_until_ms, now,
	    &n) == CAFE_ADMIT_REFUSE_TRIALS) {
		if (retry_ms)
			*retry_ms = TRIAL_POLL_MS;
		return cafe_err_set(e, CAFE_TEMPFAIL, "payment system busy, try again in 1s "
		    "(breaker half-open, %d trial call%s under way)", n.live,
		    n.live == 1 ? "" : "s");
	}
	if ((status = prepare(log, "INSERT INTO breaker_trials(name, generation, pid,"
	    " claimed_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)", &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_int(st, 2, r->generation);
	cafe_stmt_int(st, 3, (long long)getpid());
	cafe_stmt_int(st, 4, now);
	cafe_stmt_int(st, 5, now + claim_ttl(c));
	if ((status = run(log, st, "claiming a trial", e)) != 0)
		return status;
	t->generation = r->generation;
	t->claim = cafe_db_last_id(cafe_log_store(log));
	return 0;
}

struct admit {
	const struct cafe_config *c;
	struct cafe_breaker_ticket *t;
	long long *retry_ms;
};

/* Half-open: a trial is claimed under the write lock, from the state as
 * it is now. */
static int
admit_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct admit *a = arg;
	long long now;
	struct row r;
	int status;

	if ((status = read_state(log, &r, e)) != 0)
		return status;
	now = cafe_db_now_ms(cafe_log_store(log));
	if (r.state != CAFE_BREAKER_CLOSED)
		return claim_trial(a->c, log, &r, a->t, now, a->retry_ms, e);
	a->t->generation = r.generation;
	a->t->claim = 0;
	return 0;
}

int
cafe_breaker_admit(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_breaker_ticket *t, long long *retry_ms, struct cafe_err *e)
{
	struct row r;
	long long now = cafe_db_now_ms(cafe_log_store(log));
	int status;

	if (retry_ms)
		*retry_ms = 0;
	if ((status = read_state(log, &r, e)) != 0)
		return status;
	switch (cafe_breaker_admission(&c->payment.breaker, r.state, r.open_until_ms, now,
	    &(struct cafe_breaker_counts){ 0, 0, 0, 0, 0 })) {
	case CAFE_ADMIT_GO:
		t->generation = r.generation;
		t->claim = 0;
		return 0;
	case CAFE_ADMIT_REFUSE_OPEN:
		return refuse_open(&r, now, retry_ms, e);
	default:
		break;  /* half-open business: under the write lock */
	}

	return cafe_log_transact(log, admit_txn, &(struct admit){ c, t, retry_ms }, e);
}

static int
record_trial(const struct cafe_config *c, struct cafe_log *log, struct row *r,
    const struct cafe_breaker_ticket *t, enum cafe_breaker_outcome out,
    long long elapsed_ms, long long now, struct cafe_err *e)
{
	const struct cafe_breaker_conf *bc = &c->payment.breaker;
	struct cafe_stmt *st = NULL;
	struct cafe_breaker_counts n;
	char reason[96];
	int failed, slow, status;
	enum cafe_breaker_state next;

	cafe_breaker_classify(bc, out == CAFE_BREAKER_FAILED, elapsed_ms, &failed, &slow);
	failed = failed || slow;

	if (out == CAFE_BREAKER_NONE) {
		if ((status = prepare(log, "DELETE FROM breaker_trials WHERE id = ?1",
		    &st, e)) != 0)
			return status;
		cafe_stmt_int(st, 1, t->claim);
		return run(log, st, "releasing a claim", e);
	}
	if ((status = prepare(log, "UPDATE breaker_trials SET outcome = ?2 WHERE id = ?1",
	    &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, t->claim);
	cafe_stmt_text_ref(st, 2, failed ? "failed" : "ok");
	if ((status = run(log, st, "recording a trial", e)) != 0)
		return status;
	if ((status = read_counts(c, log, r, now, &n, e)) != 0)
		return status;
	next = cafe_breaker_after_trial(bc, failed, &n);
	if (next == CAFE_BREAKER_OPEN) {
		if (out == CAFE_BREAKER_FAILED)
			snprintf(reason, sizeof reason, "a trial call failed");
		else
			snprintf(reason, sizeof reason, "a trial call was slow (%lld ms, "
			    "over %d ms)", elapsed_ms, bc->slow_call_ms);
		return transition(c, log, r, CAFE_BREAKER_OPEN, reason,
		    json_pack("{s:i, s:i, s:i, s:I}", "trials", n.ok + n.live + 1,
		    "trial_successes", n.ok, "half_open_calls", bc->half_open_calls,
		    "elapsed_ms", (json_int_t)elapsed_ms), now, e);
	}
	if (next != CAFE_BREAKER_CLOSED)
		return 0;
	return transition(c, log, r, CAFE_BREAKER_CLOSED, "trial calls succeeded",
	    json_pack("{s:i, s:i, s:i}", "trials", n.ok, "trial_successes", n.ok,
	    "half_open_calls", bc->half_open_calls), now, e);
}

static int
record_closed(const struct cafe_config *c, struct cafe_log *log, struct row *r,
    enum cafe_breaker_outcome out, long long elapsed_ms, long long now,
    struct cafe_err *e)
{
	const struct cafe_breaker_conf *bc = &c->payment.breaker;
	struct cafe_stmt *st = NULL;
	struct cafe_breaker_counts n;
	char reason[128];
	int failed, slow, status, rate;

	cafe_breaker_classify(bc, out == CAFE_BREAKER_FAILED, elapsed_ms, &failed, &slow);

	if ((status = ensure_tables(log, r, e)) != 0)
		return status;
	if ((status = prepare(log, "INSERT INTO breaker_calls(name, generation, failed,"
	    " slow, elapsed_ms, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, NAME);
	cafe_stmt_int(st, 2, r->generation);
	cafe_stmt_int(st, 3, failed);
	cafe_stmt_int(st, 4, slow);
	cafe_stmt_int(st, 5, elapsed_ms);
	cafe_stmt_int(st, 6, now);
	if ((status = run(log, st, "recording a call", e)) != 0)
		return status;
	/* Calls that slid out of the window. */
	if ((status = prepare(log, "DELETE FROM breaker_calls WHERE name = ?1 AND id <= ?2",
	    &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, NAME);
	cafe_stmt_int(st, 2, cafe_db_last_id(cafe_log_store(log)) - bc->window);
	if ((status = run(log, st, "trimming the window", e)) != 0)
		return status;
	if ((status = read_counts(c, log, r, now, &n, e)) != 0)
		return status;
	if (!cafe_breaker_trips(bc, &n, &rate))
		return 0;
	snprintf(reason, sizeof reason, "%d%% of the last %d calls failed or were slow "
	    "(threshold %d%%)", rate, n.calls, bc->failure_rate);
	return transition(c, log, r, CAFE_BREAKER_OPEN, reason,
	    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "calls", n.calls,
	    "failures", n.failures, "slow", n.slow, "failure_rate", rate,
	    "threshold", bc->failure_rate, "window", bc->window, "min_calls", bc->min_calls,
	    "slow_call_ms", bc->slow_call_ms), now, e);
}

struct record {
	const struct cafe_config *c;
	struct cafe_log *log;
	const struct cafe_breaker_ticket *t;
	enum cafe_breaker_outcome out;
	long long elapsed_ms;
};

static int
record_txn(struct cafe_db *db, void *arg, struct cafe_err *e)
{
	struct record *a = arg;
	long long now = cafe_db_now_ms(db);
	struct row r;
	int status;

	if ((status = read_state(a->log, &r, e)) != 0)
		return status;
	/* The state it was admitted under is gone: its answer says nothing now. */
	if (r.generation != a->t->generation)
		return 0;
	if (a->t->claim && r.state == CAFE_BREAKER_HALF_OPEN)
		return record_trial(a->c, a->log, &r, a->t, a->out, a->elapsed_ms, now, e);
	if (!a->t->claim && r.state == CAFE_BREAKER_CLOSED && a->out != CAFE_BREAKER_NONE)
		return record_closed(a->c, a->log, &r, a->out, a->elapsed_ms, now, e);
	return 0;
}

/* Under a savepoint: a failure here undoes only the breaker's rows, and
 * the caller's transaction (the order it records) goes on. */
int
cafe_breaker_record(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_breaker_ticket *t, enum cafe_breaker_outcome out,
    long long elapsed_ms, struct cafe_err *e)
{
	if (!cafe_log_in_txn(log))
		return cafe_err_set(e, CAFE_IOERR,
		    "internal error: breaker outcome recorded outside a transaction");
	return cafe_db_savepoint(cafe_log_store(log), "breaker_record", record_txn,
	    &(struct record){ c, log, t, out, elapsed_ms }, "breaker", e);
}

int
cafe_breaker_status(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_breaker_status *s, struct cafe_err *e)
{
	long long now = cafe_db_now_ms(cafe_log_store(log));
	struct cafe_breaker_counts n;
	struct row r;
	int status;

	memset(s, 0, sizeof *s);
	if ((status = read_state(log, &r, e)) != 0 ||
	    (status = read_counts(c, log, &r, now, &n, e)) != 0)
		return status;
	s->state = r.state;
	s->generation = r.generation;
	s->changed_ms = r.changed_ms;
	s->open_until_ms = r.open_until_ms;
	if (r.state == CAFE_BREAKER_OPEN)
		s->half_open_in_ms = r.open_until_ms > now ? r.open_until_ms - now : 0;
	snprintf(s->reason, sizeof s->reason, "%s", r.reason);
	s->calls = n.calls;
	s->failures = n.failures;
	s->slow = n.slow;
	s->trials = n.live + n.ok;
	s->trial_successes = n.ok;
	return 0;
}

struct reset {
	const struct cafe_config *c;
	struct cafe_breaker_status *before;
};

static int
reset_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	const struct cafe_config *c = ((struct reset *)arg)->c;
	struct cafe_breaker_status *before = ((struct reset *)arg)->before;
	long long now = cafe_db_now_ms(cafe_log_store(log));
	struct cafe_breaker_counts n;
	struct row r;
	int status;

	if ((status = read_state(log, &r, e)) != 0 ||
	    (status = read_counts(c, log, &r, now, &n, e)) != 0)
		return status;
	if (before) {
		memset(before, 0, sizeof *before);
		before->state = r.state;
		before->generation = r.generation;
		before->changed_ms = r.changed_ms;
		before->open_until_ms = r.open_until_ms;
		snprintf(before->reason, sizeof before->reason, "%s", r.reason);
		before->calls = n.calls;
		before->failures = n.failures;
		before->slow = n.slow;
		before->trials = n.live + n.ok;
		before->trial_successes = n.ok;
	}
	return transition(c, log, &r, CAFE_BREAKER_CLOSED, "manual",
	    json_pack("{s:i, s:i, s:i, s:i, s:i}", "calls", n.calls, "failures", n.failures,
	    "slow", n.slow, "trials", n.live + n.ok, "trial_successes", n.ok), now, e);
}

int
cafe_breaker_reset(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_breaker_status *before, struct cafe_err *e)
{
	return cafe_log_transact(log, reset_txn, &(struct reset){ c, before }, e);
}

long long
cafe_breaker_retry_ms(const struct cafe_config *c, struct cafe_log *log)
{
	struct cafe_err e;
	long long now = cafe_db_now_ms(cafe_log_store(log));
	struct row r;

	(void)c;
	if (read_state(log, &r, &e) != 0)
		return TRIAL_POLL_MS;
	return cafe_breaker_retry_delay(r.state, r.open_until_ms, now, TRIAL_POLL_MS);
}
