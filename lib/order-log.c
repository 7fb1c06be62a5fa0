/*
 * order-log.c - an order's state read from the log (order-log.h).
 */
#include <stdio.h>

#include "order-log.h"

static int
fold_order(const struct cafe_event *ev, void *arg)
{
	cafe_order_apply(arg, ev);
	return 0;
}

int
cafe_order_load(struct cafe_log *log, long long id, struct cafe_order *o,
    struct cafe_err *e)
{
	char corr[32];

	cafe_order_init(o, id);
	snprintf(corr, sizeof corr, "%lld", id);
	return cafe_log_read_correlated(log, corr, fold_order, o, e);
}
