/*
 * breaker-rules - checks the circuit breaker's decisions
 * (lib/domain/breaker-rules.c) as pure functions: counts, a config and a time
 * are given, no database and no clock. Prints "ok N - what" per check,
 * and "N passed, 0 failed"; exits 1 at the first failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "domain/breaker-rules.h"

static int checks;

#define CHECK(cond, what) do { \
	checks++; \
	if (!(cond)) { \
		printf("not ok %d - %s (%s:%d)\n", checks, what, __FILE__, __LINE__); \
		printf("%d passed, 1 failed\n", checks - 1); \
		exit(1); \
	} \
	printf("ok %d - %s\n", checks, what); \
} while (0)

int
main(void)
{
	/* window 4, min_calls 2, 50%, slow over 2000 ms, open 700 ms, 2 trials */
	struct cafe_breaker_conf bc = { 4, 2, 50, 2000, 700, 2 };
	struct cafe_breaker_counts n = { 0, 0, 0, 0, 0 };
	int failed, slow, rate;

	cafe_breaker_classify(&bc, 1, 10, &failed, &slow);
	CHECK(failed && !slow, "a failed call is a failure, whatever its time");
	cafe_breaker_classify(&bc, 0, 2001, &failed, &slow);
	CHECK(!failed && slow, "an answer past slow_call_ms is slow");
	cafe_breaker_classify(&bc, 0, 2000, &failed, &slow);
	CHECK(!failed && !slow, "an answer at slow_call_ms is not slow");

	n = (struct cafe_breaker_counts){ 1, 1, 0, 0, 0 };
	CHECK(!cafe_breaker_trips(&bc, &n, &rate), "below min_calls it never opens");
	n = (struct cafe_breaker_counts){ 2, 1, 0, 0, 0 };
	CHECK(cafe_breaker_trips(&bc, &n, &rate) && rate == 50,
	    "at min_calls, half failed: opens at the 50% threshold");
	n = (struct cafe_breaker_counts){ 4, 1, 0, 0, 0 };
	CHECK(!cafe_breaker_trips(&bc, &n, &rate) && rate == 25, "25% stays closed");
	n = (struct cafe_breaker_counts){ 4, 1, 1, 0, 0 };
	CHECK(cafe_breaker_trips(&bc, &n, &rate) && rate == 50,
	    "slow calls count as failures");
	bc.min_calls = 10;
	n = (struct cafe_breaker_counts){ 4, 4, 0, 0, 0 };
	CHECK(cafe_breaker_trips(&bc, &n, &rate),
	    "min_calls above the window is capped at the window");
	bc.min_calls = 2;
	n = (struct cafe_breaker_counts){ 0, 0, 0, 0, 0 };
	CHECK(!cafe_breaker_trips(&bc, &n, &rate) && rate == 0, "an empty window is closed");

	CHECK(cafe_breaker_admission(&bc, CAFE_BREAKER_CLOSED, 0, 1000, &n) == CAFE_ADMIT_GO,
	    "closed: go");
	CHECK(cafe_breaker_admission(&bc, CAFE_BREAKER_OPEN, 1700, 1699, &n) ==
	    CAFE_ADMIT_REFUSE_OPEN, "open, 1 ms before open_until: refused");
	CHECK(cafe_breaker_admission(&bc, CAFE_BREAKER_OPEN, 1700, 1700, &n) ==
	    CAFE_ADMIT_HALF_OPEN, "open at open_until: half-opens");
	n = (struct cafe_breaker_counts){ 0, 0, 0, 1, 0 };
	CHECK(cafe_breaker_admission(&bc, CAFE_BREAKER_HALF_OPEN, 0, 0, &n) == CAFE_ADMIT_CLAIM,
	    "half-open, one of two trials under way: claim the other");
	n = (struct cafe_breaker_counts){ 0, 0, 0, 1, 1 };
	CHECK(cafe_breaker_admission(&bc, CAFE_BREAKER_HALF_OPEN, 0, 0, &n) ==
	    CAFE_ADMIT_REFUSE_TRIALS, "half-open, both trials taken: refused");

	n = (struct cafe_breaker_counts){ 0, 0, 0, 1, 0 };
	CHECK(cafe_breaker_after_trial(&bc, 1, &n) == CAFE_BREAKER_OPEN,
	    "a failed trial opens it again");
	n = (struct cafe_breaker_counts){ 0, 0, 0, 1, 1 };
	CHECK(cafe_breaker_after_trial(&bc, 0, &n) == CAFE_BREAKER_HALF_OPEN,
	    "one trial of two succeeded: still half-open");
	n = (struct cafe_breaker_counts){ 0, 0, 0, 0, 2 };
	CHECK(cafe_breaker_after_trial(&bc, 0, &n) == CAFE_BREAKER_CLOSED,
	    "every trial succeeded: closed");

	CHECK(cafe_breaker_retry_delay(CAFE_BREAKER_OPEN, 5000, 3800, 1000) == 1200,
	    "open: wait until it half-opens");
	CHECK(cafe_breaker_retry_delay(CAFE_BREAKER_OPEN, 5000, 5000, 1000) == 1000,
	    "open and due: a short pause");
	CHECK(cafe_breaker_retry_delay(CAFE_BREAKER_HALF_OPEN, 0, 5000, 1000) == 1000,
	    "half-open: a short pause");

	printf("%d passed, 0 failed\n", checks);
	return 0;
}
