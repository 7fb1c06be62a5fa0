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

#include "config/staff.h"
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
	case CAFE_ORDER_RETURNED:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld was delivered and returned",
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

/* 1 when product is one of the n asked for (all, when none was). */
static int
asked_for(const char *product, const char *const *products, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(products[i], product) == 0)
			return 1;
	return n == 0;
}

/* 1 when product was brought back already. */
static int
returned(const struct cafe_order *o, const char *product)
{
	size_t len = strlen(product);

	for (const char *p = o->returned_products; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, product, len) == 0 && p[len] == '\n')
			return 1;
	return 0;
}

int
cafe_decide_return(struct cafe_batch *b, const struct cafe_order *o,
    const char *const *products, size_t n, const char *reason, struct cafe_err *e)
{
	json_t *items, *it, *back;
	long long sum = 0, all = 0, amount, left = cafe_order_refundable(o);
	char stream[48];
	size_t i;
	int status;

	if (o->status == CAFE_ORDER_NONE)
		return cafe_err_set(e, CAFE_REFUSED,
		    "unknown order %lld (see 'cafe-trace list')", o->id);
	if (o->status == CAFE_ORDER_RETURNED)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld was returned already", o->id);
	if (o->status != CAFE_ORDER_DELIVERED)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is %s, not delivered: only "
		    "a delivered order is returned (cancel it instead)", o->id,
		    o->status == CAFE_ORDER_PAID ? cafe_delivery_status_name(o->delivery) :
		    cafe_order_status_name(o->status));
	if ((status = cafe_check_text("reason", reason, CAFE_MAX_TEXT, 0, e)) != 0)
		return status;
	items = cafe_order_items(o);
	for (size_t k = 0; k < n; k++) {
		int held = 0;

		json_array_foreach(items, i, it)
			held |= strcmp(json_string_value(json_object_get(it, "product")),
			    products[k]) == 0;
		if (!held || returned(o, products[k])) {
			json_decref(items);
			return cafe_err_set(e, CAFE_REFUSED, held ? "order %lld: %s was "
			    "returned already" : "order %lld holds no %s", o->id, products[k]);
		}
	}
	back = json_array();
	json_array_foreach(items, i, it) {
		const char *p = json_string_value(json_object_get(it, "product"));
		long long total = json_integer_value(json_object_get(it, "total"));

		all += total;
		if (!p || !asked_for(p, products, n) || returned(o, p))
			continue;
		sum += total;
		json_array_append_new(back, json_pack("{s:s, s:O}", "product", p,
		    "qty", json_object_get(it, "qty")));
	}
	json_decref(items);
	/* Their share of what was charged (tax on top included). */
	amount = all > 0 ? sum * o->total / all : 0;
	if (amount > left)
		amount = left;
	cafe_order_stream(stream, sizeof stream, "order", o->id);
	cafe_batch_add(b, stream, o->order_version, CAFE_EV_ORDER_RETURNED,
	    json_pack("{s:I, s:o, s:I, s:s}", "order_id", (json_int_t)o->id, "items", back,
	    "amount", (json_int_t)amount, "reason", reason && *reason ? reason :
	    "returned"));
	return 0;
}

struct return_txn {
	const struct cafe_config *staff;
	long long order_id;
	const char *const *products;
	size_t n;
	const char *reason;
	struct cafe_order o;
};

static int
return_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct return_txn *t = arg;
	struct cafe_batch b;
	int status;

	if ((status = cafe_order_load(log, t->order_id, &t->o, e)) != 0)
		return status;
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	status = cafe_decide_return(&b, &t->o, t->products, t->n, t->reason, e);
	if (status == 0 && t->staff)
		status = cafe_staff_may_refund(t->staff, json_integer_value(
		    json_object_get(b.ev[0].data, "amount")), e);
	if (status == 0 && (status = cafe_log_append(log, &b, e)) == 0)
		for (size_t i = 0; i < b.n; i++)
			cafe_order_apply(&t->o, &b.ev[i]);
	cafe_batch_release(&b);
	return status;
}

int
cafe_delivery_return(const struct cafe_config *staff, struct cafe_log *log,
    long long order_id, const char *const *products, size_t n, const char *reason,
    struct cafe_order *after, struct cafe_err *e)
{
	struct return_txn *t = cafe_xcalloc(1, sizeof *t);
	int status;

	t->staff = staff;
	t->order_id = order_id;
	t->products = products;
	t->n = n;
	t->reason = reason;
	if ((status = cafe_log_transact(log, return_txn, t, e)) == 0 && after)
		*after = t->o;
	free(t);
	return status;
}
