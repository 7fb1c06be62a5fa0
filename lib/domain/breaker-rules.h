/*
 * breaker-rules.h - the circuit breaker's decisions (DESIGN §5) as pure
 * functions over its counts, a config and a time given to them: no
 * database, no clock. lib/pay/breaker.c reads and writes the state and asks
 * these what to do; tests/helpers/breaker-rules checks them alone.
 */
#ifndef CAFE_BREAKER_RULES_H
#define CAFE_BREAKER_RULES_H

#include "config/config.h"

enum cafe_breaker_state {
	CAFE_BREAKER_CLOSED,
	CAFE_BREAKER_OPEN,
	CAFE_BREAKER_HALF_OPEN
};

/* The window (closed) and the trials (half-open) of the current state. */
struct cafe_breaker_counts {
	int calls, failures, slow;      /* the window's calls, failed, slow */
	int live, ok;                   /* trials under way, trials that succeeded */
};

/* How one call counts: failed (the processor failed) or slow (answered,
 * but past slow_call_ms); a slow call counts as a failure. */
void cafe_breaker_classify(const struct cafe_breaker_conf *bc, int processor_failed,
		long long elapsed_ms, int *failed, int *slow);

/* Closed, after a call went into the window: 1 when the window opens it
 * (at least min_calls, capped at the window, and failed + slow at or over
 * failure_rate percent), with *rate the window's failure percentage. */
int cafe_breaker_trips(const struct cafe_breaker_conf *bc,
		const struct cafe_breaker_counts *n, int *rate);

/* What admission does for a call now. */
enum cafe_breaker_admission {
	CAFE_ADMIT_GO,                  /* closed: call */
	CAFE_ADMIT_REFUSE_OPEN,         /* open and not due: refuse, retry at open_until */
	CAFE_ADMIT_HALF_OPEN,           /* open and due: move to half-open, then claim */
	CAFE_ADMIT_CLAIM,               /* half-open with a trial free: claim it */
	CAFE_ADMIT_REFUSE_TRIALS        /* half-open, every trial taken: refuse */
};
enum cafe_breaker_admission cafe_breaker_admission(const struct cafe_breaker_conf *bc,
		enum cafe_breaker_state state, long long open_until_ms, long long now_ms,
		const struct cafe_breaker_counts *n);

/* Half-open, after a trial's outcome was recorded (n counts it): the state
 * to move to, or the state it is in (stay). */
enum cafe_breaker_state cafe_breaker_after_trial(const struct cafe_breaker_conf *bc,
		int failed, const struct cafe_breaker_counts *n);

/* How long a caller refused with "try again" should wait: until half-open
 * when open, else a short pause (poll_ms). */
long long cafe_breaker_retry_delay(enum cafe_breaker_state state, long long open_until_ms,
		long long now_ms, long long poll_ms);

#endif
