/*
 * delivery-rules - checks the pure rules of lib/domain/delivery.c without any
 * database: an order is folded from events built in memory and every step
 * is decided from every state. Prints "ok N - what" per check and exits 1
 * on the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/delivery.h"

static int checks;

#define CHECK(cond, what) do { \
	checks++; \
	if (!(cond)) { \
		printf("not ok %d - %s (%s:%d)\n", checks, what, __FILE__, __LINE__); \
		exit(1); \
	} \
	printf("ok %d - %s\n", checks, what); \
} while (0)

/* Folds one event into o as if the log had stored it. */
static void
happen(struct cafe_order *o, const char *stream, const char *type, json_t *data)
{
	struct cafe_event ev;
	static long long seq;

	memset(&ev, 0, sizeof ev);
	ev.seq = ++seq;
	ev.stream = (char *)stream;
	ev.type = (char *)type;
	ev.kind = cafe_event_type_of(type);
	ev.data = data;
	ev.version = strncmp(stream, "delivery", 8) == 0 ? o->delivery_version + 1 :
	    strncmp(stream, "order", 5) == 0 ? o->order_version + 1 : o->payment_version + 1;
	snprintf(ev.ts, sizeof ev.ts, "2026-11-22T10:00:00.000Z");
	cafe_order_apply(o, &ev);
	json_decref(data);
}

static void
paid(struct cafe_order *o, long long id)
{
	cafe_order_init(o, id);
	happen(o, "payment-1", "PaymentRequested", json_pack("{s:I, s:I, s:s}",
	    "order_id", (json_int_t)id, "amount", (json_int_t)4000, "key", "k"));
	happen(o, "order-1", "OrderPlaced", json_pack("{s:I, s:s, s:I, s:I, s:I}",
	    "order_id", (json_int_t)id, "product", "latte", "qty", (json_int_t)1,
	    "unit_price", (json_int_t)4000, "total", (json_int_t)4000));
	happen(o, "payment-1", "PaymentApproved", json_pack("{s:I, s:s}",
	    "order_id", (json_int_t)id, "ref", "r"));
}

/* Decides step on o; returns the status, checks that a refusal appends
 * nothing and an acceptance exactly one event, and applies it. */
static int
decide(struct cafe_order *o, enum cafe_delivery_step step, const char *text,
    struct cafe_err *e)
{
	struct cafe_batch b;
	int status = 0;

	cafe_batch_init(&b);
	memset(e, 0, sizeof *e);
	switch (step) {
	case CAFE_STEP_READY: status = cafe_decide_ready(&b, o, e); break;
	case CAFE_STEP_DISPATCH: status = cafe_decide_dispatch(&b, o, text, e); break;
	case CAFE_STEP_COMPLETE: status = cafe_decide_complete(&b, o, e); break;
	case CAFE_STEP_REJECT: status = cafe_decide_reject(&b, o, text, e); break;
	case CAFE_STEP_DELIVERED_BY: status = cafe_decide_delivered_by(&b, o, text, e); break;
	}
	if (status) {
		CHECK(b.n == 0, "a refusal appends nothing");
	} else {
		CHECK(b.n == 1, "a step appends one event");
		happen(o, b.ev[0].stream, b.ev[0].type, json_incref(b.ev[0].data));
	}
	cafe_batch_release(&b);
	return status;
}

int
main(void)
{
	struct cafe_order o;
	struct cafe_batch b;
	struct cafe_err e;

	cafe_order_init(&o, 7);
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == CAFE_REFUSED &&
	    strcmp(e.msg, "unknown order 7 (see 'cafe-trace list')") == 0,
	    "an unknown order is refused");

	paid(&o, 1);
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "not started yet"), "ready before DeliveryStarted is refused");
	happen(&o, "delivery-1", "DeliveryStarted", json_pack("{s:i}", "order_id", 1));
	CHECK(o.delivery == CAFE_DELIVERY_BREWING, "DeliveryStarted: brewing");
	CHECK(decide(&o, CAFE_STEP_DISPATCH, "minho", &e) == CAFE_REFUSED &&
	    strstr(e.msg, "still brewing"), "dispatch while brewing is refused");
	CHECK(decide(&o, CAFE_STEP_COMPLETE, NULL, &e) == CAFE_REFUSED,
	    "complete while brewing is refused");

	cafe_batch_init(&b);
	CHECK(cafe_decide_ready(&b, &o, &e) == 0 && b.ev[0].kind == CAFE_EV_DRINK_READY &&
	    strcmp(b.ev[0].stream, "delivery-1") == 0 && b.ev[0].expected == o.delivery_version &&
	    json_integer_value(json_object_get(b.ev[0].data, "order_id")) == 1,
	    "ready: DrinkReady on delivery-1 at the stream's version");
	cafe_batch_release(&b);
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == 0 && o.delivery == CAFE_DELIVERY_READY,
	    "brewing -> ready");
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == CAFE_REFUSED &&
	    strcmp(e.msg, "order 1 is already ready") == 0, "ready twice is refused");
	CHECK(decide(&o, CAFE_STEP_DISPATCH, "r\001", &e) == CAFE_DATAERR,
	    "a rider with a control character is bad data");
	CHECK(decide(&o, CAFE_STEP_DISPATCH, "minho", &e) == 0 &&
	    o.delivery == CAFE_DELIVERY_DISPATCHED && strcmp(o.rider, "minho") == 0,
	    "ready -> dispatched, with the rider");
	CHECK(decide(&o, CAFE_STEP_REJECT, "late", &e) == CAFE_REFUSED &&
	    strstr(e.msg, "too late to reject"), "reject after dispatch is refused");
	CHECK(decide(&o, CAFE_STEP_COMPLETE, NULL, &e) == 0 &&
	    o.delivery == CAFE_DELIVERY_DELIVERED && o.status == CAFE_ORDER_DELIVERED,
	    "dispatched -> delivered");
	CHECK(decide(&o, CAFE_STEP_COMPLETE, NULL, &e) == CAFE_REFUSED &&
	    strcmp(e.msg, "order 1 is already delivered") == 0, "complete twice is refused");
	CHECK(decide(&o, CAFE_STEP_REJECT, "late", &e) == CAFE_REFUSED,
	    "reject after delivery is refused");

	paid(&o, 2);
	happen(&o, "delivery-2", "DeliveryStarted", json_pack("{s:i}", "order_id", 2));
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == 0, "order 2 is ready");
	CHECK(decide(&o, CAFE_STEP_COMPLETE, NULL, &e) == 0 &&
	    o.status == CAFE_ORDER_DELIVERED, "ready -> delivered: a pickup");

	/* The rider's own "delivered": only what that rider carries. */
	paid(&o, 5);
	happen(&o, "delivery-5", "DeliveryStarted", json_pack("{s:i}", "order_id", 5));
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == 0, "order 5 is ready");
	CHECK(decide(&o, CAFE_STEP_DELIVERED_BY, "minho", &e) == CAFE_REFUSED &&
	    strcmp(e.msg, "order 5 is not out for delivery (it is ready)") == 0,
	    "a rider cannot deliver what nobody picked up");
	CHECK(decide(&o, CAFE_STEP_DISPATCH, "minho", &e) == 0, "minho picks order 5 up");
	CHECK(decide(&o, CAFE_STEP_DELIVERED_BY, "jisoo", &e) == CAFE_REFUSED &&
	    strcmp(e.msg, "order 5 is carried by minho, not by jisoo") == 0,
	    "another rider cannot deliver it");
	CHECK(decide(&o, CAFE_STEP_DELIVERED_BY, "minho", &e) == 0 &&
	    o.status == CAFE_ORDER_DELIVERED, "its rider delivers it");
	CHECK(decide(&o, CAFE_STEP_DELIVERED_BY, "minho", &e) == CAFE_REFUSED,
	    "delivered twice is refused");

	paid(&o, 3);
	CHECK(decide(&o, CAFE_STEP_REJECT, "", &e) == CAFE_DATAERR,
	    "reject without a reason is bad data");
	CHECK(decide(&o, CAFE_STEP_REJECT, "out of milk", &e) == 0 &&
	    o.status == CAFE_ORDER_REJECTED && strcmp(o.reason, "out of milk") == 0,
	    "a pending order can be rejected");
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "is rejected ('out of milk')"), "a rejected order is refused");

	paid(&o, 4);
	happen(&o, "delivery-4", "DeliveryStarted", json_pack("{s:i}", "order_id", 4));
	happen(&o, "order-4", "OrderCancelled", json_pack("{s:i, s:s}", "order_id", 4,
	    "reason", "changed my mind"));
	CHECK(decide(&o, CAFE_STEP_READY, NULL, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "is cancelled"), "a cancelled order is refused");

	printf("%d passed, 0 failed\n", checks);
	return 0;
}
