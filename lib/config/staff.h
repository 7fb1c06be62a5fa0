/*
 * staff.h - who may do what at the counter (DESIGN §14): with
 * staff.managers_group configured, refunds over staff.refund_limit and
 * closing the till need a member of that Unix group. The person is the
 * process's real uid, never $USER. Without the key, anyone who may write
 * the log may (as before).
 */
#ifndef CAFE_STAFF_H
#define CAFE_STAFF_H

#include "base/cafe.h"
#include "config.h"

/* 0 when the person running this may do `what` (a manager's task), else
 * CAFE_NOPERM saying who may. */
int cafe_staff_may(const struct cafe_config *c, const char *what, struct cafe_err *e);
/* The same for a refund of amount: over the limit it is a manager's. */
int cafe_staff_may_refund(const struct cafe_config *c, long long amount,
		struct cafe_err *e);

#endif
