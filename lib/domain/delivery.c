/*
 * delivery.c - the kitchen's and the rider's steps (delivery.h): pure
 * decisions against a folded order, and the one command that reads,
 * decides and appends them under the write lock.
 *
 * Invariants the decisions keep:
 *  - a step is taken only from the state before it (brewing -> ready ->
 *    dispatched -> delivered; ready -> delivered for a pickup), so the
 *    delivery stream never goes backwards or skips;
 *  - nothing moves an order that is unknown, not paid, cancelled, rejected
 *    or delivered;
 *  - a refused step appends nothing.
 */
#include <stdio.h>
#include <string.h>

#include "order-log.h"
#include "delivery.h"

/* Why a step cannot be taken from where the order stands, or 0. */
static int
refuse_closed(const struct cafe_order *o, struct cafe_err *e)
{
	switch (o->status) {
	case CAFE_ORDER_NONE:
		return cafe_err_set(e, CAFE_REFUSED,
		    "unknown order %lld (see 'cafe-trace list')", o->id);
	case CAFE_ORDER_CANCELLED:
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld is cancelled%s%s%s: nothing more to do for it", o->id,
		    o->reason[0] ? " ('" : "", o->reason, o->reason[0] ? "')" : "");
	case CAFE_ORDER_REJECTED:
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld is rejected%s%s%s: nothing more to do for it", o->id,
		    o->reason[0] ? " ('" : "", o->reason, o->reason[0] ? "')" : "");
	case CAFE_ORDER_DELIVERED:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already delivered",
		    o->id);
	case CAFE_ORDER_PAID:
		break;
	}
	switch (o->delivery) {
	case CAFE_DELIVERY_DELIVERED:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already delivered",
		    o->id);
	case CAFE_DELIVERY_CANCELLED:
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld: its delivery is cancelled", o->id);
	default:
		return 0;
	}
}

static int
refuse_not_started(const struct cafe_order *o, struct cafe_err *e)
{
	return cafe_err_set(e, CAFE_REFUSED,
	    "order %lld is not started yet (the kitchen gets it when cafe-daemon "
	    "runs; see 'cafe-daemon status')", o->id);
}

static int
refuse_brewing(const struct cafe_order *o, struct cafe_err *e)
{
	return cafe_err_set(e, CAFE_REFUSED,
	    "order %lld is still brewing (mark it ready first: 'cafe-deliver ready "
	    "%lld')", o->id, o->id);
}

static int
refuse_dispatched(const struct cafe_order *o, struct cafe_err *e)
{
	return cafe_err_set(e, CAFE_REFUSED, "order %lld is already dispatched%s%s%s",
	    o->id, o->rider[0] ? " (rider " : "", o->rider, o->rider[0] ? ")" : "");
}

static void
add_delivery(struct cafe_batch *b, const struct cafe_order *o, enum cafe_event_type type,
    json_t *data)
{
	char stream[48];

	cafe_order_stream(stream, sizeof stream, "delivery", o->id);
	json_object_set_new(data, "order_id", json_integer(o->id));
	cafe_batch_add(b, stream, o->delivery_version, type, data);
}

/* The step that appends type, taken only from the delivery states in
 * from (a mask of 1 << state); refused, appending nothing, from anywhere
 * else, saying where the order stands. data is taken. */
static int
move_on(struct cafe_batch *b, const struct cafe_order *o, unsigned from,
    enum cafe_event_type type, json_t *data, struct cafe_err *e)
{
	int status;

	if ((status = refuse_closed(o, e)) == 0 && (from & (1u << o->delivery))) {
		add_delivery(b, o, type, data);
		return 0;
	}
	json_decref(data);
	if (status != 0)
		return status;
	switch (o->delivery) {
	case CAFE_DELIVERY_PENDING:
		return refuse_not_started(o, e);
	case CAFE_DELIVERY_BREWING:
		return refuse_brewing(o, e);
	case CAFE_DELIVERY_READY:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already ready", o->id);
	default:
		return refuse_dispatched(o, e);
	}
}

int
cafe_decide_ready(struct cafe_batch *b, const struct cafe_order *o,
    struct cafe_err *e)
{
	return move_on(b, o, 1u << CAFE_DELIVERY_BREWING, CAFE_EV_DRINK_READY, json_object(), e);
}

int
cafe_decide_dispatch(struct cafe_batch *b, const struct cafe_order *o,
    const char *rider, struct cafe_err *e)
{
	int status;

	if ((status = cafe_check_text("rider", rider, CAFE_MAX_NAME, 0, e)) != 0)
		return status;
	return move_on(b, o, 1u << CAFE_DELIVERY_READY, CAFE_EV_DELIVERY_DISPATCHED,
	    json_pack("{s:s}", "rider", rider ? rider : ""), e);
}

/* From ready too: a drink picked up at the counter is delivered. */
int
cafe_decide_complete(struct cafe_batch *b, const struct cafe_order *o,
    struct cafe_err *e)
{
	return move_on(b, o, (1u << CAFE_DELIVERY_READY) | (1u << CAFE_DELIVERY_DISPATCHED),
	    CAFE_EV_DELIVERY_COMPLETED, json_object(), e);
}

int
cafe_decide_delivered_by(struct cafe_batch *b, const struct cafe_order *o,
    const char *rider, struct cafe_err *e)
{
	int status;

	if ((status = refuse_closed(o, e)) != 0)
		return status;
	if (o->delivery != CAFE_DELIVERY_DISPATCHED)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is not out for delivery (it is %s)",
		    o->id, cafe_delivery_status_name(o->delivery));
	if (!rider || strcmp(o->rider, rider) != 0)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is carried by %s, not by %s",
		    o->id, o->rider[0] ? o->rider : "nobody", rider ? rider : "nobody");
	return cafe_decide_complete(b, o, e);
}

int
cafe_decide_reject(struct cafe_batch *b, const struct cafe_order *o,
    const char *reason, struct cafe_err *e)
{
	char stream[48];
	int status;

	if ((status = cafe_check_text("reason", reason, CAFE_MAX_TEXT, 1, e)) != 0 ||
	    (status = refuse_closed(o, e)) != 0)
		return status;
	if (o->delivery == CAFE_DELIVERY_DISPATCHED)
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld is already dispatched%s%s%s: too late to reject it (to "
		    "call it off and refund it: 'cafe-order cancel %lld')", o->id,
		    o->rider[0] ? " (rider " : "", o->rider, o->rider[0] ? ")" : "",
		    o->id);
	cafe_order_stream(stream, sizeof stream, "order", o->id);
	cafe_batch_add(b, stream, o->order_version, CAFE_EV_ORDER_REJECTED,
	    json_pack("{s:I, s:s}", "order_id", (json_int_t)o->id, "reason", reason));
	return 0;
}

struct step_txn {
	enum cafe_delivery_step step;
	long long order_id;
	const char *text;
	struct cafe_order o;
};

static int
step_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct step_txn *t = arg;
	struct cafe_batch b;
	int status;

	if ((status = cafe_order_load(log, t->order_id, &t->o, e)) != 0)
		return status;
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	switch (t->step) {
	case CAFE_STEP_READY:
		status = cafe_decide_ready(&b, &t->o, e);
		break;
	case CAFE_STEP_DISPATCH:
		status = cafe_decide_dispatch(&b, &t->o, t->text, e);
		break;
	case CAFE_STEP_COMPLETE:
		status = cafe_decide_complete(&b, &t->o, e);
		break;
	case CAFE_STEP_REJECT:
		status = cafe_decide_reject(&b, &t->o, t->text, e);
		break;
	case CAFE_STEP_DELIVERED_BY:
		status = cafe_decide_delivered_by(&b, &t->o, t->text, e);
		break;
	}
	if (status == 0 && (status = cafe_log_append(log, &b, e)) == 0)
		for (size_t i = 0; i < b.n; i++)
			cafe_order_apply(&t->o, &b.ev[i]);
	cafe_batch_release(&b);
	return status;
}

int
cafe_delivery_step(struct cafe_log *log, enum cafe_delivery_step step,
    long long order_id, const char *text, struct cafe_order *after,
    struct cafe_err *e)
{
	struct step_txn t;
	int status;

	memset(&t, 0, sizeof t);
	t.step = step;
	t.order_id = order_id;
	t.text = text;
	if ((status = cafe_log_transact(log, step_txn, &t, e)) == 0 && after)
		*after = t.o;
	return status;
}
