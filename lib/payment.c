/*
 * payment.c - the payment path (payment.h): admission, then the processor.
 */
#include "payment.h"

int
cafe_payment_admit(const struct cafe_config *c, struct cafe_log *log, struct cafe_err *e)
{
	(void)c;
	(void)log;
	(void)e;
	return 0;
}

int
cafe_payment_call(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_pay_request *req, struct cafe_pay_reply *rep, struct cafe_err *e)
{
	return cafe_processor_call(c, cafe_log_db(log), req, rep, e);
}
