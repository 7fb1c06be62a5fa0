/*
 * order-log.c - an order's state read from the log (order-log.h).
 */
#include <stdio.h>
#include <string.h>

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

static int
approved(const struct cafe_event *ev, void *arg)
{
	(void)arg;
	return ev->kind == CAFE_EV_PAYMENT_APPROVED;
}

int
cafe_order_check_paid(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		json_int_t id;
		char stream[48];
		int found;

		if (b->ev[i].kind != CAFE_EV_ORDER_PLACED)
			continue;
		id = json_integer_value(json_object_get(b->ev[i].data, "order_id"));
		snprintf(stream, sizeof stream, "payment-%lld", (long long)id);
		found = cafe_log_read_stream(log, stream, approved, NULL, e);
		b->failed = i;
		if (found == 0)
			return cafe_err_set(e, CAFE_DATAERR, "OrderPlaced of order %lld has no "
			    "PaymentApproved (no order without payment)", (long long)id);
		if (found != 1)
			return found;
	}
	return 0;
}

struct paid_check {
	struct cafe_log *log;
	long long failed;
	struct cafe_err *e;
};

static int
check_one(const struct cafe_event *ev, void *arg)
{
	struct paid_check *c = arg;
	long long id = json_integer_value(json_object_get(ev->data, "order_id"));
	char stream[48];
	int found;

	snprintf(stream, sizeof stream, "payment-%lld", id);
	found = cafe_log_read_stream(c->log, stream, approved, NULL, c->e);
	if (found == 1)
		return 0;
	c->failed = ev->seq;
	if (found == 0)
		return cafe_err_set(c->e, CAFE_DATAERR, "OrderPlaced of order %lld has no "
		    "PaymentApproved (no order without payment)", id);
	return found;
}

int
cafe_order_check_paid_after(struct cafe_log *log, long long after, long long *failed,
    struct cafe_err *e)
{
	static const enum cafe_event_type placed[] = { CAFE_EV_ORDER_PLACED, 0 };
	struct paid_check c = { log, 0, e };
	long long head = cafe_log_head(log, e);
	int status;

	if (head < 0)
		return e->status;
	status = cafe_log_read_types(log, after, head, placed, check_one, &c, e);
	*failed = c.failed;
	return status;
}
