/*
 * processor.c - one call to the payment processor (DESIGN §5).
 *
 * sim: the built-in processor. Its books are two tables in the caller's
 * database file, apart from the event log:
 *
 *   sim_ledger(key PRIMARY KEY, op, order_id, amount, outcome, ref, reason, ts)
 *	one row per decided request (approved or declined). The money the
 *	sim holds is
 *	  sum(amount) of approved charges
 *	  - sum(amount) of approved refunds - sum(amount) of approved voids,
 *	which is what tests compare with the event log.
 *   sim_attempts(key PRIMARY KEY, failures)
 *	how often a key has failed so far. A failure writes no ledger row, so
 *	a retry with the same key may succeed; the count makes the retry
 *	draw fresh dice while the whole run stays reproducible.
 *
 * Every random draw (latency, failure) comes from a generator seeded with
 * payment.sim.seed, the op, the key and the key's failure count: the same
 * config and the same calls give the same answers and refs. A key that
 * already has a ledger row gets that row back at once (no latency, no
 * dice); a key reused for another op, order or amount is refused
 * (CAFE_DATAERR), as card processors do. The sim keeps payment.timeout_ms
 * like a real processor behind a timeout: a drawn latency over it sleeps
 * timeout_ms and fails as a timeout (counted like any failure). Decisions are written under
 * BEGIN IMMEDIATE and the key is looked up again under that lock, so two
 * concurrent calls with one key record one answer. The latency sleep
 * happens outside the transaction.
 *
 * command: runs payment.command through the shared runner (child.h):
 * one JSON request line on its stdin, the reply read from its stdout (at
 * most REPLY_MAX bytes), the first line of its stderr kept for the error
 * message, payment.timeout_ms bounding the whole exchange. The runner
 * kills the process group and reaps the child before it returns, and
 * swallows a SIGPIPE the request caused.
 *
 * rep->elapsed_ms is set on every path, failures included.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/child.h"
#include "store/log.h"
#include "processor.h"

#define REPLY_MAX	65536	/* bytes of stdout we accept */
#define ERRLINE_MAX	200	/* bytes of the stderr line we keep */

const char *
cafe_pay_op_name(enum cafe_pay_op op)
{
	switch (op) {
	case CAFE_PAY_CHARGE:
		return "charge";
	case CAFE_PAY_REFUND:
		return "refund";
	case CAFE_PAY_VOID:
		return "void";
	}
	return "unknown";
}

/* --- sim: randomness --- */

/* splitmix64: small, fast, and good enough for dice. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
rng_seed(long long seed, const char *op, const char *key, long long failures)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, op);
	uint64_t s;

	h = fnv1a(h * 0x100000001b3ULL, key);	/* the multiply separates op from key */
	s = (uint64_t)seed ^ h ^ ((uint64_t)failures * 0xd1b54a32d192ed03ULL);
	rng_next(&s);
	return s;
}

/* --- sim: the ledger --- */

static int
db_fail(struct cafe_db *db, int rc, struct cafe_err *e)
{
	return cafe_db_status(db, rc, "sim payment ledger", "write", e);
}

static int
ledger_init(struct cafe_db *db, struct cafe_err *e)
{
	int rc = cafe_db_ensure(db, "sim_attempts",
	    "CREATE TABLE IF NOT EXISTS sim_ledger("
	    " key TEXT PRIMARY KEY, op TEXT NOT NULL,"
	    " order_id INTEGER NOT NULL, amount BIGINT NOT NULL,"
	    " outcome TEXT NOT NULL, ref TEXT, reason TEXT, ts TEXT NOT NULL);"
	    "CREATE TABLE IF NOT EXISTS sim_attempts("
	    " key TEXT PRIMARY KEY, failures INTEGER NOT NULL);");

	return rc == CAFE_DB_OK ? 0 : db_fail(db, rc, e);
}

/*
 * Looks req->key up. *found is 1 when the ledger holds an answer (copied
 * into rep); *failures is the key's failure count.
 */
static int
ledger_find(struct cafe_db *db, const struct cafe_pay_request *req,
    struct cafe_pay_reply *rep, int *found, long long *failures,
    struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	const char *op = cafe_pay_op_name(req->op);
	const char *s;
	int rc;

	*found = 0;
	*failures = 0;
	rc = cafe_db_prepare(db, "SELECT op, order_id, amount, outcome, ref, reason FROM sim_ledger"
	    " WHERE key = ?1", &st);
	if (rc != CAFE_DB_OK)
		goto fail;
	cafe_stmt_text_ref(st, 1, req->key);
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW) {
		s = cafe_col_text(st, 0);
		if (strcmp(s ? s : "", op) != 0 ||
		    cafe_col_int(st, 1) != req->order_id ||
		    cafe_col_int(st, 2) != req->amount) {
			rc = cafe_err_set(e, CAFE_DATAERR,
			    "idempotency key '%s' was already used for a %s of "
			    "%lld for order %lld (use a new key)", req->key,
			    s ? s : "?", (long long)cafe_col_int(st, 2),
			    (long long)cafe_col_int(st, 1));
			goto out;
		}
		s = cafe_col_text(st, 3);
		if (s && strcmp(s, "approved") == 0) {
			rep->outcome = CAFE_PAY_APPROVED;
			s = cafe_col_text(st, 4);
			snprintf(rep->ref, sizeof rep->ref, "%s", s ? s : "");
		} else {
			rep->outcome = CAFE_PAY_DECLINED;
			s = cafe_col_text(st, 5);
			snprintf(rep->reason, sizeof rep->reason, "%s",
			    s ? s : "declined");
		}
		*found = 1;
		rc = 0;
		goto out;
	}
	if (rc != CAFE_DB_DONE)
		goto fail;
	cafe_stmt_free(st);
	rc = cafe_db_prepare(db, "SELECT failures FROM sim_attempts WHERE key = ?1", &st);
	if (rc != CAFE_DB_OK)
		goto fail;
	cafe_stmt_text_ref(st, 1, req->key);
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW)
		*failures = cafe_col_int(st, 0);
	else if (rc != CAFE_DB_DONE)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = db_fail(db, rc, e);
out:
	cafe_stmt_free(st);
	return rc;
}

static int
ledger_fail(struct cafe_db *db, const char *key, struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	int rc;

	rc = cafe_db_prepare(db, "INSERT INTO sim_attempts(key, failures) VALUES (?1, 1)"
	    " ON CONFLICT(key) DO UPDATE SET failures = sim_attempts.failures + 1", &st);
	if (rc == CAFE_DB_OK) {
		cafe_stmt_text_ref(st, 1, key);
		rc = cafe_stmt_step(st);
	}
	rc = rc == CAFE_DB_DONE ? 0 : db_fail(db, rc, e);
	cafe_stmt_free(st);
	return rc;
}

static int
ledger_record(struct cafe_db *db, const struct cafe_pay_request *req,
    const struct cafe_pay_reply *rep, struct cafe_err *e)
{
	struct cafe_stmt *st = NULL;
	char ts[32];
	int rc;

	cafe_format_ts(cafe_now_ms(), ts, sizeof ts);
	rc = cafe_db_prepare(db, "INSERT INTO sim_ledger(key, op, order_id, amount, outcome, ref,"
	    " reason, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st);
	if (rc != CAFE_DB_OK)
		goto out;
	cafe_stmt_text_ref(st, 1, req->key);
	cafe_stmt_text_ref(st, 2, cafe_pay_op_name(req->op));
	cafe_stmt_int(st, 3, req->order_id);
	cafe_stmt_int(st, 4, req->amount);
	if (rep->outcome == CAFE_PAY_APPROVED) {
		cafe_stmt_text_ref(st, 5, "approved");
		cafe_stmt_text_ref(st, 6, rep->ref);
	} else {
		cafe_stmt_text_ref(st, 5, "declined");
		cafe_stmt_text_ref(st, 7, rep->reason);
	}
	cafe_stmt_text_ref(st, 8, ts);
	rc = cafe_stmt_step(st);
out:
	rc = rc == CAFE_DB_DONE ? 0 : db_fail(db, rc, e);
	cafe_stmt_free(st);
	return rc;
}

struct answer {
	const struct cafe_config *c;
	const struct cafe_pay_request *req;
	struct cafe_pay_reply *rep;
	uint64_t *s;
	int failed;
	int failed_now;             /* out: a failure went into the books */
};

/* The sim's answer, under the write lock. */
static int
answer_txn(struct cafe_db *db, void *arg, struct cafe_err *e)
{
	struct answer *a = arg;
	const struct cafe_sim_conf *sc = &a->c->payment.sim;
	long long failures;
	int found, rc;

	/* Someone may have answered this key while we slept. */
	if ((rc = ledger_find(db, a->req, a->rep, &found, &failures, e)) != 0 || found)
		return rc;
	if (a->failed) {
		a->failed_now = 1;
		return ledger_fail(db, a->req->key, e);
	}
	if (a->req->op == CAFE_PAY_CHARGE && sc->decline_over > 0 &&
	    a->req->amount > sc->decline_over) {
		a->rep->outcome = CAFE_PAY_DECLINED;
		snprintf(a->rep->reason, sizeof a->rep->reason, "amount over limit");
	} else {
		a->rep->outcome = CAFE_PAY_APPROVED;
		snprintf(a->rep->ref, sizeof a->rep->ref, "sim-%s-%016llx",
		    cafe_pay_op_name(a->req->op), (unsigned long long)rng_next(a->s));
	}
	return ledger_record(db, a->req, a->rep, e);
}

static int
sim_call(const struct cafe_config *c, struct cafe_db *db,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
    struct cafe_err *e)
{
	const struct cafe_sim_conf *sc = &c->payment.sim;
	const char *op = cafe_pay_op_name(req->op);
	long long failures, latency;
	int found, failed, timedout = 0, rc;
	uint64_t s;

	if (!db)
		return cafe_err_set(e, CAFE_IOERR,
		    "the sim payment processor needs a database");
	if (cafe_db_readonly(db))
		return db_fail(db, CAFE_DB_READONLY, e);
	if ((rc = ledger_init(db, e)) != 0 ||
	    (rc = ledger_find(db, req, rep, &found, &failures, e)) != 0 ||
	    found)
		return rc;

	s = rng_seed(sc->seed, op, req->key, failures);
	latency = sc->latency_ms;
	if (sc->jitter_ms > 0)
		latency += (long long)(rng_next(&s) %
		    (2 * (uint64_t)sc->jitter_ms + 1)) - sc->jitter_ms;
	if (c->payment.timeout_ms > 0 && latency > c->payment.timeout_ms) {
		latency = c->payment.timeout_ms;
		timedout = 1;
	}
	cafe_sleep_ms(latency);
	failed = rng_unit(&s) < sc->failure_rate || timedout;

	{
		struct answer a = { c, req, rep, &s, failed, 0 };

		if ((rc = cafe_db_transact(db, CAFE_DB_WRITE, answer_txn, &a, "the sim's books",
		    e)) != 0 || !a.failed_now)
			return rc;
	}
	/* The failure is in the books (a retry of the key sees it); now say so. */
	if (timedout)
		return cafe_err_set(e, CAFE_UNAVAILABLE, "payment processor timed out after %d ms",
		    c->payment.timeout_ms);
	return cafe_err_set(e, CAFE_UNAVAILABLE, "payment processor failed (sim failure_rate)");
}

/* --- command --- */

/* The first non-blank line of what the command said on stderr, made safe
 * to show (control characters as '?'), at most ERRLINE_MAX - 1 bytes. */
static size_t
first_line(const struct cafe_child *ch, char *line)
{
	size_t i = 0, n = 0;

	while (i < ch->headlen && (ch->head[i] == '\n' || ch->head[i] == '\r'))
		i++;
	for (; i < ch->headlen && ch->head[i] != '\n' && ch->head[i] != '\r'; i++)
		if (n < ERRLINE_MAX - 1)
			line[n++] = (unsigned char)ch->head[i] < 0x20 ? '?' : ch->head[i];
	line[n] = '\0';
	return n;
}

static int
verdict(const struct cafe_child *x, int timeout_ms, struct cafe_pay_reply *rep,
    struct cafe_err *e)
{
	json_error_t jerr;
	json_t *j = NULL;
	const char *status, *s;
	char errline[ERRLINE_MAX];
	size_t errlen = first_line(x, errline);
	const char *sep = errlen ? ": " : "";
	int rc = CAFE_UNAVAILABLE;

	if (x->timedout) {
		cafe_err_set(e, rc, "payment processor timed out after %d ms",
		    timeout_ms);
		goto out;
	}
	if (x->wstatus == -1) {
		cafe_err_set(e, rc, "payment processor vanished (reaped "
		    "elsewhere)");
		goto out;
	}
	if (WIFSIGNALED(x->wstatus)) {
		cafe_err_set(e, rc, "payment processor was killed by signal "
		    "%d (%s)%s%.*s", WTERMSIG(x->wstatus),
		    strsignal(WTERMSIG(x->wstatus)), sep, (int)errlen,
		    errline);
		goto out;
	}
	if (WEXITSTATUS(x->wstatus) != 0) {
		cafe_err_set(e, rc, "payment processor exited with status "
		    "%d%s%.*s", WEXITSTATUS(x->wstatus), sep, (int)errlen,
		    errline);
		goto out;
	}
	if (x->out_over) {
		cafe_err_set(e, rc, "payment processor gave an unreadable reply "
		    "(over %d bytes)", REPLY_MAX);
		goto out;
	}
	if (strspn(x->out, " \t\r\n") == x->outlen) {
		cafe_err_set(e, rc, "payment processor gave no reply");
		goto out;
	}
	j = json_loadb(x->out, x->outlen, 0, &jerr);
	if (!j || !json_is_object(j)) {
		cafe_err_set(e, rc, "payment processor gave an unreadable reply "
		    "(%s)", j ? "not a JSON object" : jerr.text);
		goto out;
	}
	status = json_string_value(json_object_get(j, "status"));
	if (status && strcmp(status, "approved") == 0) {
		s = json_string_value(json_object_get(j, "ref"));
		if (!s || !*s || strlen(s) >= sizeof rep->ref ||
		    !cafe_valid_text(s)) {
			cafe_err_set(e, rc, "payment processor gave an "
			    "unreadable reply (approved without a usable ref)");
			goto out;
		}
		rep->outcome = CAFE_PAY_APPROVED;
		snprintf(rep->ref, sizeof rep->ref, "%s", s);
	} else if (status && strcmp(status, "declined") == 0) {
		s = json_string_value(json_object_get(j, "reason"));
		if (!s || !cafe_valid_text(s)) {
			cafe_err_set(e, rc, "payment processor gave an "
			    "unreadable reply (declined without a reason)");
			goto out;
		}
		rep->outcome = CAFE_PAY_DECLINED;
		snprintf(rep->reason, sizeof rep->reason, "%s", s);
	} else {
		cafe_err_set(e, rc, "payment processor gave an unreadable reply "
		    "(status is not \"approved\" or \"declined\")");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

static int
command_call(const struct cafe_config *c, const struct cafe_pay_request *req,
    struct cafe_pay_reply *rep, long long start, struct cafe_err *e)
{
	struct cafe_child ch;
	json_t *j = NULL;
	char *line = NULL, *body = NULL;
	int timeout_ms = c->payment.timeout_ms > 0 ? c->payment.timeout_ms : 1;
	int rc = 0;

	memset(&ch, 0, sizeof ch);
	if (!c->payment.command || !c->payment.command[0]) {
		rc = cafe_err_set(e, CAFE_CONFIG,
		    "payment.command is not set (the command processor needs "
		    "it)");
		goto out;
	}
	j = json_pack("{s:s, s:s, s:I, s:I, s:s}",
	    "op", cafe_pay_op_name(req->op), "key", req->key,
	    "order_id", (json_int_t)req->order_id,
	    "amount", (json_int_t)req->amount,
	    "currency", req->currency ? req->currency :
	    c->currency ? c->currency : "KRW");
	if (j && req->channel)
		json_object_set_new(j, "channel", json_string(req->channel));
	if (!j || !(body = json_dumps(j, JSON_COMPACT))) {
		rc = cafe_err_set(e, CAFE_DATAERR,
		    "cannot encode the payment request (key '%s' is not "
		    "valid UTF-8?)", req->key);
		goto out;
	}
	line = cafe_xasprintf("%s\n", body);
	ch.argv = c->payment.command;
	ch.input = line;
	ch.inlen = strlen(line);
	ch.deadline_ms = start + timeout_ms;
	ch.out_max = REPLY_MAX;
	if (cafe_child_run(&ch) != 0)
		rc = cafe_err_set(e, CAFE_UNAVAILABLE, "cannot run payment processor '%s': %s",
		    c->payment.command[0], strerror(errno));
	else if (ch.exec_errno)
		rc = cafe_err_set(e, CAFE_UNAVAILABLE, "cannot run payment processor '%s': %s",
		    c->payment.command[0], strerror(ch.exec_errno));
	else
		rc = verdict(&ch, timeout_ms, rep, e);
out:
	cafe_child_release(&ch);
	free(line);
	free(body);
	json_decref(j);
	return rc;
}

/*
 * The sim's books stand for a remote processor's, whose durability is not
 * ours to pay for: its transaction does not fsync (synchronous=OFF for its
 * duration). The WAL is written in order, so the next durable commit of
 * the log (the order's) makes the ledger row durable too.
 */
static int
sim_call_unsynced(const struct cafe_config *c, struct cafe_db *db,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep, struct cafe_err *e)
{
	int was = db ? cafe_db_durable(db, 0) : -1, rc;

	rc = sim_call(c, db, req, rep, e);
	if (db)
		cafe_db_durable(db, was);
	return rc;
}

int
cafe_processor_call(const struct cafe_config *c, struct cafe_db *db,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
    struct cafe_err *e)
{
	long long start = cafe_mono_ms();
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!req->key || !*req->key)
		rc = cafe_err_set(e, CAFE_DATAERR,
		    "a payment request needs an idempotency key");
	else if (c->payment.kind == CAFE_PROC_SIM)
		rc = sim_call_unsynced(c, db, req, rep, e);
	else if (c->payment.kind == CAFE_PROC_COMMAND)
		rc = command_call(c, req, rep, start, e);
	else
		rc = cafe_err_set(e, CAFE_CONFIG,
		    "unknown payment processor kind %d", (int)c->payment.kind);
	rep->elapsed_ms = cafe_mono_ms() - start;
	return rc;
}
