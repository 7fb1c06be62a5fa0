/*
 * payment.h - the one path every charge, refund and void takes. It calls
 * the configured processor (processor.h) through the shared circuit
 * breaker (breaker.h, DESIGN §5).
 *
 * A call is a struct cafe_payment_attempt that its caller owns, from
 * admission to the recording of its outcome; nothing of it is kept in
 * this file. Two ways to use it:
 *  - cafe_payment_call(): admission, the call and the recording of its
 *    outcome in one go (refunds and voids do this);
 *  - a placement's sequence: cafe_payment_admit() early,
 *    cafe_payment_try() for the call, cafe_payment_record() inside the
 *    write transaction that records the answer, so that a placed order
 *    pays for the breaker with no transaction of its own, and
 *    cafe_payment_end() on every way out that did not get that far.
 */
#ifndef CAFE_PAYMENT_H
#define CAFE_PAYMENT_H

#include "base/cafe.h"
#include "breaker.h"
#include "config/config.h"
#include "store/log.h"
#include "processor.h"

struct cafe_payment_attempt {
	struct cafe_breaker_ticket ticket;
	int admitted;           /* 1: admit granted the ticket; try uses it */
	int called;             /* 1: the processor was called: there is an outcome */
	enum cafe_breaker_outcome verdict;
	long long elapsed_ms;
	int recorded;           /* 1: the outcome is in the breaker's books */
};

/*
 * Asks whether a call may go to the processor now, and starts *a. 0: go
 * ahead; CAFE_TEMPFAIL with "payment system busy, try again in Ns (breaker
 * open)" when the breaker refuses. A half-open trial that *a already held
 * (admitted and not used) is kept. Must not be inside a transaction.
 */
int cafe_payment_admit(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_attempt *a, struct cafe_err *e);

/*
 * One processor call for *a: uses what cafe_payment_admit() granted, else
 * is admitted itself. 0 with an approved or declined reply;
 * CAFE_UNAVAILABLE when the processor failed; CAFE_TEMPFAIL when the
 * breaker is open. The outcome stays in *a, unrecorded. Must not be
 * inside a transaction.
 */
int cafe_payment_try(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_attempt *a, const struct cafe_pay_request *req,
		struct cafe_pay_reply *rep, struct cafe_err *e);

/*
 * Records a's outcome in the breaker inside the caller's write transaction
 * (every time it is called, so a transaction retried from the start
 * records once) and sets a->recorded. A caller whose transaction then
 * rolls back clears a->recorded and calls cafe_payment_end(). Nothing
 * to record (no call): 0.
 */
int cafe_payment_record(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_attempt *a, struct cafe_err *e);

/*
 * Whatever became of the attempt, the breaker hears of it once: a trial
 * admitted for a call that never came is given back at once (not when its
 * claim lapses), and an outcome that no transaction kept is recorded in a
 * transaction of its own. Nothing to do: nothing done, so it may be called
 * on every way out. Must not be inside a transaction; best effort.
 */
void cafe_payment_end(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_attempt *a);

/* admit, try, and the outcome recorded, for one call (refunds, voids). */
int cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
		struct cafe_err *e);

/* How long to wait before trying again after CAFE_TEMPFAIL: until the
 * breaker half-opens when it is open, a short pause otherwise. */
long long cafe_payment_retry_ms(const struct cafe_config *c, struct cafe_log *log);

#endif
