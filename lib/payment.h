/*
 * payment.h - the one path every charge, refund and void takes. It calls
 * the configured processor (processor.h) and is where the shared circuit
 * breaker stands (DESIGN §5).
 */
#ifndef CAFE_PAYMENT_H
#define CAFE_PAYMENT_H

#include "cafe.h"
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
 * One processor call through the breaker: 0 with an approved or declined
 * reply; CAFE_UNAVAILABLE when the processor failed; CAFE_TEMPFAIL when the
 * breaker is open. Records the outcome in the breaker. Must not be inside
 * a transaction.
 */
int cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
		struct cafe_err *e);

#endif
