/*
 * policy.c - what every policy shares (reading its order, its batch) and
 * the policies that only decide (policy.h): start-delivery, compensate
 * and trace. The policies that call the processor are in pay.c, the
 * messages in notify.c, and the list of them all in registry.c.
 *
 * Each decision re-reads the order inside the daemon's write transaction
 * and appends only what the order still lacks, with expected stream
 * versions, so handling an event twice appends nothing the second time:
 *  - start-delivery: one DeliveryStarted per paid order, never for an
 *    order cancelled or rejected before its delivery started;
 *  - compensate: one RefundRequested while the payment is approved, one
 *    DeliveryCancelled while a started delivery is not completed, one
 *    StockReleased per StockReserved of the order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order-log.h"
#include "domain/order.h"
#include "domain/tender.h"
#include "policy.h"
#include "view/trace.h"

static long long
event_order(const struct cafe_event *ev)
{
	long long id = cafe_event_order_id(ev);
	json_t *meta;

	if (id <= 0) {
		meta = cafe_event_meta(ev);
		id = cafe_order_id_parse(json_string_value(
		    json_object_get(meta, "correlation_id")));
		json_decref(meta);
	}
	return id;
}

int
cafe_policy_load_order(struct cafe_log *log, const struct cafe_event *ev,
    struct cafe_order *o, struct cafe_err *e)
{
	long long id = event_order(ev);

	if (id <= 0)
		return cafe_err_set(e, CAFE_DATAERR, "event %lld (%s) names no order",
		    ev->seq, ev->type);
	return cafe_order_load(log, id, o, e);
}

void
cafe_policy_batch(struct cafe_batch *out, const struct cafe_event *ev, long long order_id)
{
	snprintf(out->correlation_id, sizeof out->correlation_id, "%lld", order_id);
	snprintf(out->causation_id, sizeof out->causation_id, "%s", ev->id);
	/* What follows from an event happens in the shop it happened in,
	 * whichever host's daemon does it. */
	cafe_event_shop(ev, out->shop, sizeof out->shop);
}

static const char *
reason_of(const struct cafe_event *ev, const char *fallback)
{
	const char *s = json_string_value(json_object_get(ev->data, "reason"));

	return s && *s ? s : fallback;
}

static int
fold(const struct cafe_event *ev, void *arg)
{
	cafe_order_apply(arg, ev);
	return 0;
}

/*
 * The order's own stream (OrderPlaced, and OrderCancelled or OrderRejected
 * if any), read ahead outside the transaction by act. Inside it,
 * cafe_policy_order_stream() reads the stream again only if its version
 * moved: an append-only stream at the same version holds the same events.
 */
int
cafe_policy_read_ahead(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_err *e)
{
	struct cafe_order *o, *memo = pc->memo ? *pc->memo : NULL;
	char stream[48];
	long long id = event_order(ev);

	(void)e;
	if (id <= 0)
		return 0;       /* decide says what is wrong */
	if (ev->kind == CAFE_EV_ORDER_PLACED && pc->memo) {
		if (!memo)
			memo = *pc->memo = cafe_xmalloc(sizeof *memo);
		cafe_order_init(memo, id);
		cafe_order_apply(memo, ev);
		return 0;
	}
	o = cafe_xmalloc(sizeof *o);
	if (memo && memo->id == id) {
		*o = *memo;
		pc->scratch = o;
		return 0;
	}
	cafe_order_init(o, id);
	cafe_order_stream(stream, sizeof stream, "order", id);
	if (cafe_log_read_stream(pc->log, stream, fold, o, e) != 0) {
		free(o);        /* decide reads it itself */
		return 0;
	}
	pc->scratch = o;
	return 0;
}

int
cafe_policy_order_stream(struct cafe_policy_ctx *pc, long long id, struct cafe_order *o,
    struct cafe_err *e)
{
	const struct cafe_order *ahead = pc->scratch;
	char stream[48];
	long long v;

	cafe_order_stream(stream, sizeof stream, "order", id);
	if (ahead && ahead->id == id) {
		if ((v = cafe_log_stream_version(pc->log, stream, e)) < 0)
			return e->status;
		if (v == ahead->order_version) {
			*o = *ahead;
			return 0;
		}
	}
	cafe_order_init(o, id);
	return cafe_log_read_stream(pc->log, stream, fold, o, e);
}

/* --- start-delivery: PaymentApproved -> DeliveryStarted --- */

static int
start_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	struct cafe_order o;
	char stream[48];
	json_t *data;
	long long id = event_order(ev), v = 0;
	int status;

	if (ev->kind == CAFE_EV_ORDER_PLACED)
		return 0;       /* only read ahead */
	if (id <= 0)
		return cafe_err_set(e, CAFE_DATAERR, "event %lld (%s) names no order",
		    ev->seq, ev->type);
	if ((status = cafe_policy_order_stream(pc, id, &o, e)) != 0)
		return status;
	if (o.status == CAFE_ORDER_NONE)
		return cafe_err_set(e, CAFE_DATAERR,
		    "order %lld was paid for but never placed (no OrderPlaced)", id);
	if (o.status != CAFE_ORDER_PAID)
		return 0;       /* cancelled or rejected before the kitchen started */
	cafe_order_stream(stream, sizeof stream, "delivery", id);
	/* Not careful: if it was started after all, the append fails and
	 * the daemon asks again, carefully. */
	if (pc->careful && (v = cafe_log_stream_version(pc->log, stream, e)) < 0)
		return e->status;
	if (v > 0)
		return 0;       /* already started */
	cafe_policy_batch(out, ev, id);
	data = json_pack("{s:I, s:s, s:s, s:I, s:s}", "order_id", (json_int_t)id,
	    "address", o.address, "product", o.product, "qty", (json_int_t)o.qty,
	    "customer", o.customer);
	/* The notify policy's message about it reads no further. */
	if (o.contact[0])
		json_object_set_new(data, "contact", json_string(o.contact));
	if (o.language[0])
		json_object_set_new(data, "language", json_string(o.language));
	if (o.ticket > 0)
		json_object_set_new(data, "ticket", json_integer(o.ticket));
	cafe_batch_add(out, stream, CAFE_NO_STREAM, CAFE_EV_DELIVERY_STARTED, data);
	return 0;
}

/*
 * An order to be picked up later starts kitchen.prep_ms before its
 * pick-up. Its OrderPlaced came just before (the memo); after a restart
 * the order is read.
 */
static long long
start_due(struct cafe_policy_ctx *pc, const struct cafe_event *ev)
{
	const struct cafe_order *memo = pc->memo ? *pc->memo : NULL;
	struct cafe_order *o;
	struct cafe_err e;
	long long id = event_order(ev), at = 0;

	if (ev->kind != CAFE_EV_PAYMENT_APPROVED || id <= 0)
		return 0;
	if (memo && memo->id == id) {
		at = memo->pickup_ms;
	} else {
		o = cafe_xmalloc(sizeof *o);
		if (cafe_order_load(pc->log, id, o, &e) == 0)
			at = o->pickup_ms;
		free(o);        /* unread: decide says what is wrong */
	}
	return at > 0 ? at - pc->config->kitchen.prep_ms : 0;
}

static const enum cafe_event_type start_types[] = {
	CAFE_EV_ORDER_PLACED, CAFE_EV_PAYMENT_APPROVED, 0
};

const struct cafe_policy cafe_policy_start_delivery = {
	.name = "start-delivery",
	.checkpoint = "start-delivery",
	.types = start_types,
	.due = start_due,
	.act = cafe_policy_read_ahead,
	.decide = start_decide,
};

/* --- compensate: OrderCancelled | OrderRejected | OrderReturned -> undo
 * what was done --- */

/* What the order holds of each product's stock. */
struct comp_stock {
	char product[256];
	long long reserved, released;
};

struct comp_fold {
	struct cafe_order o;
	struct comp_stock stock[CAFE_MAX_ITEMS];
	size_t nstock;
};

static int
comp_fold(const struct cafe_event *ev, void *arg)
{
	struct comp_fold *f = arg;
	long long qty = json_integer_value(json_object_get(ev->data, "qty"));
	const char *p = json_string_value(json_object_get(ev->data, "product"));
	int reserved = ev->kind == CAFE_EV_STOCK_RESERVED;
	size_t i;

	cafe_order_apply(&f->o, ev);
	if (!p || (!reserved && ev->kind != CAFE_EV_STOCK_RELEASED))
		return 0;
	for (i = 0; i < f->nstock && strcmp(f->stock[i].product, p) != 0; i++)
		;
	if (i == f->nstock) {
		if (i == CAFE_MAX_ITEMS)
			return 0;       /* no order takes more products */
		snprintf(f->stock[f->nstock++].product, sizeof f->stock[i].product, "%s", p);
	}
	if (reserved)
		f->stock[i].reserved += qty;
	else
		f->stock[i].released += qty;
	return 0;
}

/* A return: the money its items cost back to the tenders that paid it,
 * and their stock back on the shelf; the delivery is over already. */
static int
comp_returned(const struct comp_fold *f, const struct cafe_event *ev, struct cafe_batch *out)
{
	long long amount = json_integer_value(json_object_get(ev->data, "amount"));
	long long left = cafe_order_refundable(&f->o);
	const char *why = reason_of(ev, "returned");
	char stream[300];
	json_t *it;
	size_t i;

	if (amount > left)
		amount = left;
	if (amount > 0)
		cafe_refund_split(out, &f->o, amount, 0, why);
	json_array_foreach(json_object_get(ev->data, "items"), i, it) {
		const char *p = json_string_value(json_object_get(it, "product"));
		long long qty = json_integer_value(json_object_get(it, "qty"));

		for (size_t k = 0; p && k < f->nstock; k++) {
			const struct comp_stock *st = &f->stock[k];

			if (strcmp(st->product, p) != 0 || st->reserved <= st->released)
				continue;
			if (qty > st->reserved - st->released)
				qty = st->reserved - st->released;
			cafe_stock_stream(stream, sizeof stream, f->o.shop, p);
			cafe_batch_add(out, stream, CAFE_ANY_VERSION, CAFE_EV_STOCK_RELEASED,
			    json_pack("{s:I, s:s, s:I}", "order_id", (json_int_t)f->o.id,
			    "product", p, "qty", (json_int_t)qty));
		}
	}
	return 0;
}

static int
comp_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	struct comp_fold f;
	const char *why = reason_of(ev, ev->kind == CAFE_EV_ORDER_REJECTED ?
	    "rejected by the shop" : "cancelled at the counter");
	char stream[300], corr[32];
	long long id = event_order(ev);
	int status;

	if (id <= 0)
		return cafe_err_set(e, CAFE_DATAERR, "event %lld (%s) names no order",
		    ev->seq, ev->type);
	memset(&f, 0, sizeof f);
	cafe_order_init(&f.o, id);
	snprintf(corr, sizeof corr, "%lld", id);
	if ((status = cafe_log_read_correlated(pc->log, corr, comp_fold, &f, e)) != 0)
		return status;
	cafe_policy_batch(out, ev, id);
	if (ev->kind == CAFE_EV_ORDER_RETURNED)
		return comp_returned(&f, ev, out);
	/* What was not given back or asked for already goes back: all of it,
	 * or the rest after a partial refund (a pending one included). */
	if ((f.o.payment == CAFE_PAYMENT_APPROVED ||
	    f.o.payment == CAFE_PAYMENT_PARTIALLY_REFUNDED ||
	    f.o.payment == CAFE_PAYMENT_REFUND_PENDING) && cafe_order_refundable(&f.o) > 0) {
		/* Each tender gets back what it paid. */
		cafe_refund_split(out, &f.o, 0, 0, why);
	}
	/* A delivery never started is called off too, so the customer hears
	 * that the order is cancelled, not only that the money comes back. */
	if (f.o.delivery_version == 0 || f.o.delivery == CAFE_DELIVERY_BREWING ||
	    f.o.delivery == CAFE_DELIVERY_READY || f.o.delivery == CAFE_DELIVERY_DISPATCHED) {
		cafe_order_stream(stream, sizeof stream, "delivery", id);
		cafe_batch_add(out, stream, f.o.delivery_version, CAFE_EV_DELIVERY_CANCELLED,
		    json_pack("{s:I, s:s}", "order_id", (json_int_t)id, "reason", why));
	}
	/* A drink that was made is not put back: it cannot be sold again. */
	for (size_t i = 0; i < f.nstock && !f.o.made; i++) {
		const struct comp_stock *st = &f.stock[i];

		if (st->reserved <= st->released)
			continue;
		cafe_stock_stream(stream, sizeof stream, f.o.shop, st->product);
		cafe_batch_add(out, stream, CAFE_ANY_VERSION, CAFE_EV_STOCK_RELEASED,
		    json_pack("{s:I, s:s, s:I}", "order_id", (json_int_t)id,
		    "product", st->product, "qty", (json_int_t)(st->reserved - st->released)));
	}
	return 0;
}

static const enum cafe_event_type comp_types[] = {
	CAFE_EV_ORDER_CANCELLED, CAFE_EV_ORDER_REJECTED, CAFE_EV_ORDER_RETURNED, 0
};

const struct cafe_policy cafe_policy_compensate = {
	.name = "compensate",
	.checkpoint = "compensate",
	.types = comp_types,
	.decide = comp_decide,
	.settle_ms = 5,
};

/* --- trace: every event -> the order_trace projection --- */

static void
trace_ahead(struct cafe_policy_ctx *pc, long long limit)
{
	pc->scratch = cafe_trace_fold_ahead(pc->log, limit);
}

static void
trace_ahead_free(void *scratch)
{
	cafe_trace_fold_free(scratch);
}

static int
trace_apply(struct cafe_policy_ctx *pc, long long limit, long long *applied,
    struct cafe_err *e)
{
	return cafe_trace_apply_pending(pc->log, pc->scratch, limit, applied, e);
}

const struct cafe_policy cafe_policy_trace = {
	.name = "trace",
	.checkpoint = "trace",
	.apply = trace_apply,
	.ahead = trace_ahead,
	.ahead_free = trace_ahead_free,
	.settle_ms = 500,       /* readers catch up themselves anyway */
};
