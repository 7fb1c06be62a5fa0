/*
 * payment.c - the payment path (payment.h): admission by the breaker, the
 * processor, the outcome back to the breaker.
 *
 * Only CAFE_UNAVAILABLE says the processor is unwell; a bad key or a bad
 * config is no verdict on it and frees a trial without counting.
 */
#include <string.h>

#include "payment.h"

/* What cafe_payment_admit() granted, for this process's next call. */
static struct cafe_log *granted_log;
static struct cafe_breaker_ticket granted;

int
cafe_payment_admit(const struct cafe_config *c, struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_breaker_ticket t = { 0, 0 };
	int status;

	if (granted_log == log)
		t = granted;    /* keeps a trial claimed for a call that never came */
	granted_log = NULL;
	if ((status = cafe_breaker_admit(c, log, &t, NULL, e)) != 0)
		return status;
	granted = t;
	granted_log = log;
	return 0;
}

void
cafe_payment_release(const struct cafe_config *c, struct cafe_log *log)
{
	struct cafe_payment_outcome o;
	struct cafe_err ignored;

	if (granted_log != log)
		return;
	granted_log = NULL;
	if (!granted.claim)
		return;         /* closed: nothing was taken */
	memset(&o, 0, sizeof o);
	o.ticket = granted;
	o.verdict = CAFE_BREAKER_NONE;
	o.called = 1;           /* an outcome to record: no verdict, claim freed */
	cafe_payment_settle(c, log, &o, &ignored);
}

int
cafe_payment_try(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
    struct cafe_payment_outcome *o, struct cafe_err *e)
{
	int status;

	memset(o, 0, sizeof *o);
	memset(rep, 0, sizeof *rep);
	if (granted_log == log) {
		o->ticket = granted;
		granted_log = NULL;
	} else if ((status = cafe_breaker_admit(c, log, &o->ticket, NULL, e)) != 0) {
		return status;
	}
	status = cafe_processor_call(c, cafe_log_db(log), req, rep, e);
	o->called = 1;
	o->elapsed_ms = rep->elapsed_ms;
	o->verdict = status == 0 ? CAFE_BREAKER_OK :
	    status == CAFE_UNAVAILABLE ? CAFE_BREAKER_FAILED : CAFE_BREAKER_NONE;
	return status;
}

int
cafe_payment_settle(const struct cafe_config *c, struct cafe_log *log,
    struct cafe_payment_outcome *o, struct cafe_err *e)
{
	int status;

	if (!o->called)
		return 0;
	if (cafe_log_in_txn(log)) {
		if ((status = cafe_breaker_record(c, log, &o->ticket, o->verdict,
		    o->elapsed_ms, e)) == 0)
			o->recorded = 1;
		return status;
	}
	if (o->recorded)
		return 0;
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((status = cafe_breaker_record(c, log, &o->ticket, o->verdict, o->elapsed_ms,
	    e)) != 0) {
		cafe_log_rollback(log);
		return status;
	}
	if ((status = cafe_log_commit(log, e)) == 0)
		o->recorded = 1;
	return status;
}

int
cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep, struct cafe_err *e)
{
	struct cafe_payment_outcome o;
	struct cafe_err ignored;
	int status;

	status = cafe_payment_try(c, log, req, rep, &o, e);
	/* The processor's answer matters more than the breaker's bookkeeping. */
	cafe_payment_settle(c, log, &o, &ignored);
	return status;
}

long long
cafe_payment_retry_ms(const struct cafe_config *c, struct cafe_log *log)
{
	return cafe_breaker_retry_ms(c, log);
}
