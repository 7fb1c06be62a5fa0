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
	return strcmp(ev->type, "PaymentApproved") == 0;
}

int
cafe_order_check_paid(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		json_int_t id;
		char stream[48];
		int found;

		if (strcmp(b->ev[i].type, "OrderPlaced") != 0)
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
