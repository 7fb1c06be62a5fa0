/*
 * payment.c - the payment path (payment.h): admission by the breaker, the
 * processor, the outcome back to the breaker, for an attempt its caller
 * owns. No state is kept here.
 *
 * Only CAFE_UNAVAILABLE says the processor is unwell; a bad key or a bad
 * config is no verdict on it and frees a trial without counting.
 */
#include <string.h>

#include "payment.h"

int
cafe_payment_admit(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_payment_attempt *a, struct cafe_err *e)
{
	struct cafe_breaker_ticket t = { 0, 0 };
	int status;

	if (a->admitted)
		t = a->ticket;  /* keeps a trial claimed for a call that never came */
	memset(a, 0, sizeof *a);
	if ((status = cafe_breaker_admit(c, log, &t, NULL, e)) != 0)
		return status;
	a->ticket = t;
	a->admitted = 1;
	return 0;
}

static int settle(const struct cafe_config *c, struct cafe_log *log,
		struct cafe_payment_attempt *a, struct cafe_err *e);

/* Gives back what admission granted when no call followed: a half-open
 * trial is free for the next call at once instead of when its claim
 * lapses. Best effort (a claim it cannot free still lapses). */
static void
release(const struct cafe_config *c, struct cafe_log *log, struct cafe_payment_attempt *a)
{
	struct cafe_err ignored;

	if (!a->admitted)
		return;
	a->admitted = 0;
	if (!a->ticket.claim)
		return;         /* closed: nothing was taken */
	a->verdict = CAFE_BREAKER_NONE;
	a->called = 1;          /* an outcome to record: no verdict, claim freed */
	a->recorded = 0;
	settle(c, log, a, &ignored);
}

int
cafe_payment_try(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_payment_attempt *a, const struct cafe_pay_request *req,
    struct cafe_pay_reply *rep, struct cafe_err *e)
{
	int status;

	memset(rep, 0, sizeof *rep);
	if (!a->admitted && (status = cafe_payment_admit(c, log, a, e)) != 0)
		return status;
	a->admitted = 0;
	status = cafe_processor_call(c, cafe_log_store(log), req, rep, e);
	a->called = 1;
	a->recorded = 0;
	a->elapsed_ms = rep->elapsed_ms;
	a->verdict = status == 0 ? CAFE_BREAKER_OK :
	    status == CAFE_UNAVAILABLE ? CAFE_BREAKER_FAILED : CAFE_BREAKER_NONE;
	return status;
}

int
cafe_payment_record(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_payment_attempt *a, struct cafe_err *e)
{
	int status;

	if (!a->called)
		return 0;
	if ((status = cafe_breaker_record(c, log, &a->ticket, a->verdict, a->elapsed_ms,
	    e)) == 0)
		a->recorded = 1;
	return status;
}

struct settle {
	const struct cafe_config *c;
	struct cafe_payment_attempt *a;
};

static int
settle_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct settle *s = arg;

	return cafe_payment_record(s->c, log, s->a, e);
}

/* Records an outcome no transaction of the caller's kept, in a
 * transaction of its own. */
static int
settle(const struct cafe_config *c, struct cafe_log *log, struct cafe_payment_attempt *a,
    struct cafe_err *e)
{
	struct settle s = { c, a };
	int status;

	if (!a->called || a->recorded)
		return 0;
	if ((status = cafe_log_transact(log, settle_txn, &s, e)) != 0)
		a->recorded = 0;
	return status;
}

int
cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep, struct cafe_err *e)
{
	struct cafe_payment_attempt a;
	struct cafe_err ignored;
	int status;

	memset(&a, 0, sizeof a);
	status = cafe_payment_try(c, log, &a, req, rep, e);
	/* The processor's answer matters more than the breaker's bookkeeping. */
	settle(c, log, &a, &ignored);
	return status;
}

void
cafe_payment_end(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_payment_attempt *a)
{
	struct cafe_err ignored;

	if (a->admitted)
		release(c, log, a);
	else
		settle(c, log, a, &ignored);
}

long long
cafe_payment_retry_ms(const struct cafe_config *c, struct cafe_log *log)
{
	return cafe_breaker_retry_ms(c, log);
}
