/*
 * breaker.h - the circuit breaker in front of the payment processor
 * (DESIGN §5), shared by every process through the database.
 *
 * States: closed (calls go through and are counted), open (calls are
 * refused at once until open_ms has passed), half-open (a few trial calls
 * go through; they all succeed: closed; one fails: open again).
 *
 * The state lives in operational tables of the log's file (never a second
 * truth: the Breaker* events explain every transition):
 *
 *   breaker(name PRIMARY KEY, state, generation, changed_ms, open_until_ms,
 *           reason)
 *	one row per breaker ("payment"); no row means closed. generation
 *	grows by one at every transition, so an answer that arrives after
 *	the state it was admitted under has gone is recognised and ignored.
 *   breaker_calls(id PRIMARY KEY, name, generation, failed, slow,
 *           elapsed_ms, at_ms)
 *	the count-based window: the last `window` calls made while closed.
 *   breaker_trials(id PRIMARY KEY, name, generation, pid, claimed_ms,
 *           expires_ms, outcome)
 *	half-open trial claims; outcome NULL while under way, then "ok" or
 *	"failed". A claim whose holder died lapses at expires_ms.
 *
 * Invariants: every transition and every trial claim happens inside one
 * BEGIN IMMEDIATE transaction (cafe_log_begin) that re-reads the state
 * first, so concurrent processes cannot both open it or all become
 * trials; the transition's event (BreakerOpened, BreakerHalfOpened,
 * BreakerClosed on stream breaker-payment, with the counts that caused
 * it) commits in that same transaction. A closed breaker costs a caller
 * one read before the call and a few rows written in a transaction the
 * caller already holds (cafe_breaker_record).
 *
 * The decisions (trip, admit, claim, close, how long to wait) are pure
 * functions in breaker-rules.h; this file reads and writes around them.
 */
#ifndef CAFE_BREAKER_H
#define CAFE_BREAKER_H

#include "domain/breaker-rules.h"
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

#define CAFE_BREAKER_STREAM "breaker-payment"

/* "closed", "open", "half_open". */
const char *cafe_breaker_state_name(enum cafe_breaker_state s);

/* What admission granted one call; handed back to cafe_breaker_record. */
struct cafe_breaker_ticket {
	long long generation;   /* the state the call was admitted under */
	long long claim;        /* the trial claim's id in half-open; 0 when closed */
};

/*
 * Asks whether one call may go to the processor now. Closed: 0 after one
 * read. Open and not yet due: CAFE_TEMPFAIL at once, "payment system busy,
 * try again in Ns (breaker open)". Open and due, or half-open: a write
 * transaction moves it to half-open (BreakerHalfOpened) if needed and
 * claims a trial; with every trial taken, CAFE_TEMPFAIL. A ticket that
 * already holds a live claim of the current half-open period (t->claim
 * set on entry) keeps it instead of claiming another; otherwise zero *t
 * before the call. *retry_ms (may be NULL) gets how long to wait before
 * asking again. Must not be inside a transaction.
 */
int cafe_breaker_admit(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_breaker_ticket *t, long long *retry_ms, struct cafe_err *e);

enum cafe_breaker_outcome {
	CAFE_BREAKER_OK,        /* the processor answered (approved or declined) */
	CAFE_BREAKER_FAILED,    /* the processor failed (exit 69) */
	CAFE_BREAKER_NONE       /* no verdict on the processor: release the claim */
};

/*
 * Records one admitted call's outcome inside the caller's open write
 * transaction, and makes the transition it causes (appending its event).
 * A call slower than slow_call_ms counts as a failure. An answer whose
 * generation is gone is ignored. Atomic on its own (a savepoint): on an
 * error nothing of it stays in the caller's transaction.
 */
int cafe_breaker_record(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_breaker_ticket *t, enum cafe_breaker_outcome out,
		long long elapsed_ms, struct cafe_err *e);

/* What `cafe-pay breaker` shows. */
struct cafe_breaker_status {
	enum cafe_breaker_state state;
	long long generation;
	long long changed_ms;       /* when it entered this state; 0: never moved */
	long long open_until_ms;    /* open: when trials may start */
	long long half_open_in_ms;  /* open: how long until then (0: due) */
	char reason[256];           /* of the last transition */
	int calls, failures, slow;  /* the window (closed) */
	int trials, trial_successes;/* half-open: claims under way or done, successes */
};

/* Reads the state; never writes. */
int cafe_breaker_status(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_breaker_status *s, struct cafe_err *e);

/* Closes it whatever its state, empties the window and appends
 * BreakerClosed with reason "manual"; *before (may be NULL) gets the state
 * it was in. Opens its own write transaction. */
int cafe_breaker_reset(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_breaker_status *before, struct cafe_err *e);

/* How long a caller refused with CAFE_TEMPFAIL should wait before trying
 * again: until half-open when open, a short pause otherwise. */
long long cafe_breaker_retry_ms(const struct cafe_config *c, struct cafe_log *log);

#endif
