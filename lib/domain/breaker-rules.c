/*
 * breaker-rules.c - the breaker's arithmetic (breaker-rules.h). Every
 * decision the breaker makes is here, and nothing else is.
 */
#include "breaker-rules.h"

void
cafe_breaker_classify(const struct cafe_breaker_conf *bc, int processor_failed,
    long long elapsed_ms, int *failed, int *slow)
{
	*failed = processor_failed;
	*slow = !processor_failed && elapsed_ms > bc->slow_call_ms;
}

int
cafe_breaker_trips(const struct cafe_breaker_conf *bc, const struct cafe_breaker_counts *n,
    int *rate)
{
	int min_calls = bc->min_calls < bc->window ? bc->min_calls : bc->window;
	long long bad = (long long)n->failures + n->slow;

	*rate = n->calls > 0 ? (int)(bad * 100 / n->calls) : 0;
	return n->calls >= min_calls && n->calls > 0 &&
	    bad * 100 >= (long long)bc->failure_rate * n->calls;
}

enum cafe_breaker_admission
cafe_breaker_admission(const struct cafe_breaker_conf *bc, enum cafe_breaker_state state,
    long long open_until_ms, long long now_ms, const struct cafe_breaker_counts *n)
{
	switch (state) {
	case CAFE_BREAKER_CLOSED:
		return CAFE_ADMIT_GO;
	case CAFE_BREAKER_OPEN:
		return now_ms < open_until_ms ? CAFE_ADMIT_REFUSE_OPEN : CAFE_ADMIT_HALF_OPEN;
	case CAFE_BREAKER_HALF_OPEN:
		break;
	}
	return n->live + n->ok >= bc->half_open_calls ? CAFE_ADMIT_REFUSE_TRIALS :
	    CAFE_ADMIT_CLAIM;
}

enum cafe_breaker_state
cafe_breaker_after_trial(const struct cafe_breaker_conf *bc, int failed,
    const struct cafe_breaker_counts *n)
{
	if (failed)
		return CAFE_BREAKER_OPEN;
	return n->ok >= bc->half_open_calls ? CAFE_BREAKER_CLOSED : CAFE_BREAKER_HALF_OPEN;
}

long long
cafe_breaker_retry_delay(enum cafe_breaker_state state, long long open_until_ms,
    long long now_ms, long long poll_ms)
{
	if (state == CAFE_BREAKER_OPEN && open_until_ms > now_ms)
		return open_until_ms - now_ms;
	return poll_ms;
}
