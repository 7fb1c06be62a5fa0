/*
 * payment.h - the one path every charge, refund and void takes. It calls
 * the configured processor (processor.h) through the shared circuit
 * breaker (breaker.h, DESIGN §5).
 *
 * Two ways to use it:
 *  - cafe_payment_call(): admission, the call and the recording of its
 *    outcome in one go (refunds and voids do this);
 *  - cafe_payment_admit() early, then cafe_payment_try() and
 *    cafe_payment_settle() inside the write transaction that records the
 *    answer, so that a placed order pays for the breaker with no
 *    transaction of its own (cafe-order place does this).
 * What cafe_payment_admit() granted is kept for this process's next call
 * on the same log: a half-open trial it claimed, or the right to call even
 * if the breaker opens meanwhile. That grant is the only state this file
 * keeps in memory.
 */
#ifndef CAFE_PAYMENT_H
#define CAFE_PAYMENT_H

#include "cafe.h"
#include "breaker.h"
#include "config.h"
#include "log.h"
#include "processor.h"

/*
 * Asks whether a call may go to the processor now. 0: go ahead;
 * CAFE_TEMPFAIL with "payment system busy, try again in Ns (breaker open)"
 * when the breaker refuses. Must not be inside a transaction.
 */
int cafe_payment_admit(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_err *e);

/*
 * Gives back what cafe_payment_admit() granted when no call follows (the
 * order was refused before its charge): a half-open trial is free for the
 * next call at once instead of when its claim lapses. Must not be inside
 * a transaction; best effort (a claim it cannot free still lapses).
 */
void cafe_payment_release(const struct cafe_config *c, struct cafe_log *log);

/*
 * One processor call through the breaker: 0 with an approved or declined
 * reply; CAFE_UNAVAILABLE when the processor failed; CAFE_TEMPFAIL when the
 * breaker is open. Records the outcome in the breaker. Must not be inside
 * a transaction.
 */
int cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
		struct cafe_err *e);

/* A call's outcome on its way to the breaker. */
struct cafe_payment_outcome {
	struct cafe_breaker_ticket ticket;
	enum cafe_breaker_outcome verdict;
	long long elapsed_ms;
	int called;             /* 1: the processor was called: there is an outcome */
	int recorded;           /* 1: recorded (see cafe_payment_settle) */
};

/*
 * Like cafe_payment_call() but leaves the outcome in *o, unrecorded. Uses
 * what cafe_payment_admit() granted, else is admitted itself. Must not be
 * inside a transaction.
 */
int cafe_payment_try(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
		struct cafe_payment_outcome *o, struct cafe_err *e);

/*
 * Records o in the breaker. Inside a write transaction it records there
 * (every time it is called, so a transaction retried from the start
 * records once) and sets o->recorded; a caller whose transaction then
 * rolls back clears o->recorded and calls it again outside. Outside a
 * transaction it records in a small one of its own unless o->recorded.
 * An outcome with nothing to record (o->called == 0) is fine.
 */
int cafe_payment_settle(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_outcome *o, struct cafe_err *e);

/* How long to wait before trying again after CAFE_TEMPFAIL: until the
 * breaker half-opens when it is open, a short pause otherwise. */
long long cafe_payment_retry_ms(const struct cafe_config *c, struct cafe_log *log);

#endif
