/*
 * order.c - pure domain rules: folding an order's events into its state
 * and deciding commands against it (see order.h). No I/O here.
 *
 * Invariants the decisions keep:
 *  - no OrderPlaced without an approved charge (ref) for the same amount;
 *  - tracked stock never goes below 0;
 *  - an order that is cancelled, rejected or delivered is never cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "base/people.h"
#include "order.h"

static const char *order_names[] = { "none", "paid", "cancelled", "rejected", "delivered", "returned" };
static const char *payment_names[] = { "none", "requested", "declined", "approved",
	"refund_pending", "refunded", "refund_failed", "voided", "voiding",
	"partially_refunded" };
static const char *delivery_names[] = { "pending", "brewing", "ready", "dispatched",
	"delivered", "cancelled" };

const char *
cafe_order_status_name(enum cafe_order_status s)
{
	return order_names[s];
}

const char *
cafe_payment_status_name(enum cafe_payment_status s)
{
	return payment_names[s];
}

const char *
cafe_delivery_status_name(enum cafe_delivery_status s)
{
	return delivery_names[s];
}

int
cafe_delivery_status_parse(const char *name)
{
	for (size_t i = 0; i < sizeof delivery_names / sizeof *delivery_names; i++)
		if (strcmp(name, delivery_names[i]) == 0)
			return (int)i;
	return -1;
}

void
cafe_order_init(struct cafe_order *o, long long id)
{
	/* Its texts are most of its 15 kB and are read only up to their
	 * terminator: zeroing all of it, several times an order, cost the
	 * daemon's drain 3%. */
	memset(o, 0, offsetof(struct cafe_order, items));
	o->items[0] = '\0';
	memset(&o->total, 0, offsetof(struct cafe_order, customer) -
	    offsetof(struct cafe_order, total));
	o->customer[0] = o->address[0] = o->rider[0] = o->reason[0] = '\0';
	o->contact[0] = o->note[0] = o->returned_products[0] = '\0';
	o->pay_key[0] = o->ref[0] = '\0';
	memset(&o->messages, 0, sizeof *o - offsetof(struct cafe_order, messages));
	o->id = id;
}

long long
cafe_order_refundable(const struct cafe_order *o)
{
	long long left = o->amount - o->refunded - o->refund_open;

	return left > 0 ? left : 0;
}

json_t *
cafe_order_items(const struct cafe_order *o)
{
	json_t *items = o->items[0] ? json_loads(o->items, 0, NULL) : NULL;

	if (json_is_array(items))
		return items;
	json_decref(items);
	return json_array();
}

json_t *
cafe_tenders_json(long long total, long long cash, long long tendered)
{
	json_t *list = json_array(), *t;

	if (total - cash > 0)
		json_array_append_new(list, json_pack("{s:s, s:I}", "tender", "card",
		    "amount", (json_int_t)(total - cash)));
	if (cash > 0) {
		t = json_pack("{s:s, s:I}", "tender", "cash", "amount", (json_int_t)cash);
		if (tendered > 0) {
			json_object_set_new(t, "tendered", json_integer(tendered));
			json_object_set_new(t, "change", json_integer(tendered - cash));
		}
		json_array_append_new(list, t);
	}
	return list;
}

json_t *
cafe_order_tenders(const struct cafe_order *o)
{
	return cafe_tenders_json(o->amount, o->cash, o->tendered);
}

void
cafe_order_stream(char *buf, size_t n, const char *kind, long long id)
{
	snprintf(buf, n, "%s-%lld", kind, id);
}

long long
cafe_order_id_parse(const char *s)
{
	long long id;

	if (!s)
		return -1;
	if (strncmp(s, "order-", 6) == 0)
		s += 6;
	return cafe_parse_ll(s, 1, 1000000000000LL, &id) == 0 ? id : -1;
}

long long
cafe_event_order_id(const struct cafe_event *ev)
{
	json_t *v = json_object_get(ev->data, "order_id");

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *
str(const struct cafe_event *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev->data, key));

	return s ? s : "";
}

static long long
num(const struct cafe_event *ev, const char *key)
{
	return json_integer_value(json_object_get(ev->data, key));
}

#define COPY(dst, src) cafe_strcopy((dst), sizeof(dst), (src))

static int
stream_is(const struct cafe_event *ev, const char *kind)
{
	size_t n = strlen(kind);

	return strncmp(ev->stream, kind, n) == 0 && ev->stream[n] == '-';
}

/* OrderPlaced: what was bought, for how much, by whom. */
static void
placed(struct cafe_order *o, const struct cafe_event *ev)
{
	json_t *items = cafe_items_of(ev->data), *tax;
	size_t n;

	o->status = CAFE_ORDER_PAID;
	cafe_items_summary(items, o->product, sizeof o->product, &o->qty);
	n = json_dumpb(items, o->items, sizeof o->items - 1, JSON_COMPACT);
	if (n == 0 || n >= sizeof o->items - 1)
		COPY(o->items, "[]");   /* imported, larger than any placed */
	else
		o->items[n] = '\0';
	json_decref(items);
	o->total = num(ev, "total");
	tax = json_object_get(ev->data, "tax");
	o->tax_rate = (int)json_integer_value(json_object_get(tax, "rate_percent"));
	o->tax = json_integer_value(json_object_get(tax, "amount"));
	o->tax_included = !json_is_false(json_object_get(tax, "included"));
	COPY(o->customer, str(ev, "customer"));
	COPY(o->address, str(ev, "address"));
	COPY(o->contact, str(ev, "contact"));
	COPY(o->note, str(ev, "note"));
	COPY(o->language, str(ev, "language"));
	COPY(o->pickup_at, str(ev, "pickup_at"));
	o->pickup_ms = o->pickup_at[0] ? cafe_parse_ts(o->pickup_at) : 0;
	if (o->pickup_ms < 0)
		o->pickup_ms = 0;
	o->ticket = num(ev, "ticket");
	o->takeout = json_is_true(json_object_get(ev->data, "takeout"));
	COPY(o->placed_at, ev->ts);
}

/* PaymentApproved: all that was paid, and the cash part of it. */
static void
approved(struct cafe_order *o, const struct cafe_event *ev)
{
	json_t *t;
	size_t i;

	o->payment = CAFE_PAYMENT_APPROVED;
	COPY(o->ref, str(ev, "ref"));
	if (num(ev, "amount") > 0)
		o->amount = num(ev, "amount");
	json_array_foreach(json_object_get(ev->data, "tenders"), i, t) {
		if (strcmp(json_string_value(json_object_get(t, "tender")) ?
		    json_string_value(json_object_get(t, "tender")) : "", "cash") != 0)
			continue;
		o->cash = json_integer_value(json_object_get(t, "amount"));
		o->tendered = json_integer_value(json_object_get(t, "tendered"));
		o->change = json_integer_value(json_object_get(t, "change"));
	}
}

static int
is_cash(const struct cafe_event *ev)
{
	return strcmp(str(ev, "tender"), "cash") == 0;
}

void
cafe_order_apply(struct cafe_order *o, const struct cafe_event *ev)
{
	if (stream_is(ev, "order"))
		o->order_version = ev->version;
	else if (stream_is(ev, "payment"))
		o->payment_version = ev->version;
	else if (stream_is(ev, "delivery"))
		o->delivery_version = ev->version;

	switch (ev->kind) {
	case CAFE_EV_PAYMENT_REQUESTED:
		o->payment = CAFE_PAYMENT_REQUESTED;
		o->amount = num(ev, "amount");
		COPY(o->pay_key, str(ev, "key"));
		COPY(o->requested_at, ev->ts);
		break;
	case CAFE_EV_PAYMENT_DECLINED:
		o->payment = CAFE_PAYMENT_DECLINED;
		COPY(o->reason, str(ev, "reason"));
		break;
	case CAFE_EV_PAYMENT_APPROVED:
		approved(o, ev);
		break;
	case CAFE_EV_PAYMENT_VOIDED:
		o->payment = CAFE_PAYMENT_VOIDED;
		break;
	case CAFE_EV_PAYMENT_ABANDONED:
		o->payment = CAFE_PAYMENT_ABANDONED;
		COPY(o->reason, str(ev, "reason"));
		break;
	case CAFE_EV_REFUND_REQUESTED: {
		/* One without an amount (as the log had before partial refunds)
		 * asks for all that is left. */
		long long a = num(ev, "amount");

		if (a <= 0)
			a = cafe_order_refundable(o);
		o->refund_asks++;
		o->refund_open += a;
		if (is_cash(ev))
			o->cash_refund_open += a;
		/* Asking again for what failed: it is no longer owed. */
		o->refund_failed -= a < o->refund_failed ? a : o->refund_failed;
		o->payment = CAFE_PAYMENT_REFUND_PENDING;
		break;
	}
	case CAFE_EV_PAYMENT_REFUNDED:
	case CAFE_EV_REFUND_FAILED: {
		long long a = num(ev, "amount");

		if (a <= 0 || a > o->refund_open)
			a = o->refund_open;
		o->refund_open -= a;
		o->refund_answers++;
		o->refund_last_failed = ev->kind == CAFE_EV_REFUND_FAILED;
		if (is_cash(ev)) {
			o->cash_refund_open -= a < o->cash_refund_open ? a : o->cash_refund_open;
			if (!o->refund_last_failed)
				o->cash_refunded += a;
		}
		if (o->refund_last_failed)
			o->refund_failed += a;
		else
			o->refunded += a;
		o->payment = o->refund_asks > o->refund_answers ? CAFE_PAYMENT_REFUND_PENDING :
		    o->refund_last_failed ? CAFE_PAYMENT_REFUND_FAILED :
		    o->refunded >= o->amount ? CAFE_PAYMENT_REFUNDED :
		    CAFE_PAYMENT_PARTIALLY_REFUNDED;
		break;
	}
	case CAFE_EV_ORDER_PLACED:
		placed(o, ev);
		cafe_event_shop(ev, o->shop, sizeof o->shop);
		break;
	case CAFE_EV_ORDER_CANCELLED:
	case CAFE_EV_ORDER_REJECTED:
		o->status = ev->kind == CAFE_EV_ORDER_CANCELLED ? CAFE_ORDER_CANCELLED :
		    CAFE_ORDER_REJECTED;
		COPY(o->reason, str(ev, "reason"));
		/* Called off before the kitchen started: it never will. */
		if (o->delivery == CAFE_DELIVERY_PENDING)
			o->delivery = CAFE_DELIVERY_CANCELLED;
		break;
	case CAFE_EV_DELIVERY_STARTED:
		if (o->delivery == CAFE_DELIVERY_PENDING)
			o->delivery = CAFE_DELIVERY_BREWING;
		break;
	case CAFE_EV_DRINK_READY:
		o->delivery = CAFE_DELIVERY_READY;
		o->made = 1;
		break;
	case CAFE_EV_DELIVERY_DISPATCHED:
		o->delivery = CAFE_DELIVERY_DISPATCHED;
		o->made = 1;
		COPY(o->rider, str(ev, "rider"));
		break;
	case CAFE_EV_DELIVERY_COMPLETED:
		o->delivery = CAFE_DELIVERY_DELIVERED;
		o->made = 1;
		if (o->status == CAFE_ORDER_PAID)
			o->status = CAFE_ORDER_DELIVERED;
		break;
	case CAFE_EV_DELIVERY_CANCELLED:
		o->delivery = CAFE_DELIVERY_CANCELLED;
		break;
	case CAFE_EV_ORDER_RETURNED: {
		json_t *it;
		size_t i;

		json_array_foreach(json_object_get(ev->data, "items"), i, it) {
			const char *p = json_string_value(json_object_get(it, "product"));
			size_t len = strlen(o->returned_products);

			o->returned += json_integer_value(json_object_get(it, "qty"));
			if (p && len + strlen(p) + 2 <= sizeof o->returned_products)
				snprintf(o->returned_products + len,
				    sizeof o->returned_products - len, "%s\n", p);
		}
		if (o->returned >= o->qty)
			o->status = CAFE_ORDER_RETURNED;
		COPY(o->reason, str(ev, "reason"));
		break;
	}
	case CAFE_EV_NOTIFICATION_SENT: {
		/* One message counts once, however many channels carried it:
		 * the sender marks the first successful send with "first": true. */
		json_t *first = json_object_get(ev->data, "first");

		if (!first || json_is_true(first))
			o->messages++;
		break;
	}
	/* Not an order's business: the stock's, the breaker's, the menu's,
	 * and a message's life before it is sent. */
	case CAFE_EV_UNKNOWN:
	case CAFE_EV_STOCK_RESERVED:
	case CAFE_EV_STOCK_RELEASED:
	case CAFE_EV_STOCK_ADJUSTED:
	case CAFE_EV_BREAKER_OPENED:
	case CAFE_EV_BREAKER_HALF_OPENED:
	case CAFE_EV_BREAKER_CLOSED:
	case CAFE_EV_NOTIFICATION_QUEUED:
	case CAFE_EV_NOTIFICATION_FAILED:
	case CAFE_EV_NOTIFICATION_REQUEUED:
	case CAFE_EV_PRODUCT_ADDED:
	case CAFE_EV_PRODUCT_CHANGED:
	case CAFE_EV_PRODUCT_REMOVED:
	case CAFE_EV_TILL_OPENED:
	case CAFE_EV_TILL_CLOSED:
	case CAFE_EV_COUNT:
		break;
	}
	if (ev->ts[0])
		COPY(o->updated_at, ev->ts);
}

void
cafe_stock_init(struct cafe_stock *s, const struct cafe_product *p)
{
	memset(s, 0, sizeof *s);
	if (p && p->tracked) {
		s->tracked = 1;
		s->level = p->stock;
	}
}

void
cafe_stock_apply(struct cafe_stock *s, const struct cafe_event *ev)
{
	int reserved = ev->kind == CAFE_EV_STOCK_RESERVED;

	s->version = ev->version;
	if (ev->kind == CAFE_EV_STOCK_ADJUSTED ||
	    (reserved && json_is_integer(json_object_get(ev->data, "stock")))) {
		/* A level set by hand, or the one the log started from (the
		 * product's first reservation records it): the config's own
		 * starting level no longer counts. */
		s->tracked = 1;
		s->level = num(ev, "stock");
	}
	if (!s->tracked)
		return;
	if (reserved)
		s->level -= num(ev, "qty");
	else if (ev->kind == CAFE_EV_STOCK_RELEASED)
		s->level += num(ev, "qty");
}

int
cafe_place_validate(const struct cafe_place_request *r, struct cafe_err *e)
{
	json_t *items;
	size_t size;
	int status;

	if (r->nlines == 0)
		return cafe_err_set(e, CAFE_DATAERR, "an order needs at least one item");
	if ((status = cafe_check_text("customer", r->customer, CAFE_MAX_NAME, 0, e)) != 0 ||
	    (status = cafe_check_text("address", r->address, CAFE_MAX_TEXT, 0, e)) != 0 ||
	    (status = cafe_check_text("note", r->note, CAFE_MAX_TEXT, 0, e)) != 0 ||
	    (status = cafe_check_text("key", r->key, 200, 0, e)) != 0 ||
	    (status = cafe_check_contact(r->contact, e)) != 0 ||
	    (status = cafe_check_language(r->language, e)) != 0)
		return status;
	for (size_t i = 0; i < r->nlines; i++)
		if ((status = cafe_check_text("an item's note", r->lines[i].note,
		    CAFE_MAX_TEXT, 0, e)) != 0)
			return status;
	items = cafe_items_json(r->lines, r->nlines);
	size = json_dumpb(items, NULL, 0, JSON_COMPACT);
	json_decref(items);
	if (size >= CAFE_ITEMS_JSON)
		return cafe_err_set(e, CAFE_DATAERR, "the order is too large (split it "
		    "into two)");
	return 0;
}

long long
cafe_place_total(const struct cafe_place_request *r, long long *tax)
{
	long long sub = cafe_items_total(r->lines, r->nlines);
	long long r100 = r->tax_rate;

	/* Rounded half up, in the smallest unit: what is in a price of 110
	 * at 10% is 10; what goes on top of 100 is 10. */
	if (r100 <= 0)
		*tax = 0;
	else if (r->tax_included)
		*tax = (sub * r100 * 2 + (100 + r100)) / (2 * (100 + r100));
	else
		*tax = (sub * r100 * 2 + 100) / 200;
	return r->tax_included ? sub : sub + *tax;
}

size_t
cafe_place_wants(const struct cafe_place_request *r, struct cafe_want *w)
{
	size_t n = 0, j;

	for (size_t i = 0; i < r->nlines; i++) {
		for (j = 0; j < n && w[j].p != r->lines[i].p; j++)
			;
		if (j == n) {
			w[n].p = r->lines[i].p;
			w[n++].qty = 0;
		}
		w[j].qty += r->lines[i].qty;
	}
	return n;
}

int
cafe_stock_check(const struct cafe_stock *s, const char *product, long long qty,
    struct cafe_err *e)
{
	if (!s->tracked || s->level >= qty)
		return 0;
	if (s->level <= 0)
		return cafe_err_set(e, CAFE_REFUSED, "out of stock: no %s left", product);
	return cafe_err_set(e, CAFE_REFUSED,
	    "out of stock: only %lld %s left, %lld asked for", s->level, product, qty);
}

void
cafe_decide_request_payment(struct cafe_batch *b, long long order_id, long long amount,
    const char *currency, const char *pay_key)
{
	char stream[48];

	cafe_order_stream(stream, sizeof stream, "payment", order_id);
	cafe_batch_add(b, stream, CAFE_NO_STREAM, CAFE_EV_PAYMENT_REQUESTED,
	    json_pack("{s:I, s:I, s:s, s:s}", "order_id", (json_int_t)order_id,
	    "amount", (json_int_t)amount, "currency", currency, "key", pay_key));
}

void
cafe_decide_declined(struct cafe_batch *b, const struct cafe_order *o, const char *reason)
{
	char stream[48];

	cafe_order_stream(stream, sizeof stream, "payment", o->id);
	cafe_batch_add(b, stream, o->payment_version, CAFE_EV_PAYMENT_DECLINED,
	    json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)o->id,
	    "amount", (json_int_t)o->amount, "reason", reason));
}

int
cafe_decide_place(struct cafe_batch *b, const struct cafe_order *o,
    const struct cafe_place_request *r, const struct cafe_stock *s,
    const char *ref, struct cafe_err *e)
{
	struct cafe_want w[CAFE_MAX_ITEMS];
	size_t nw = cafe_place_wants(r, w);
	long long tax, total = cafe_place_total(r, &tax);
	char stream[48], sstream[256];
	json_t *data;
	int status;

	/* All in cash: no charge was asked for. */
	if (r->cash == total ? o->payment != CAFE_PAYMENT_NONE :
	    o->payment != CAFE_PAYMENT_REQUESTED)
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld: payment is %s, not awaiting approval", o->id,
		    cafe_payment_status_name(o->payment));
	if (r->cash < total && o->amount != total - r->cash)
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld: charged %lld but the card's part is %lld", o->id,
		    o->amount, total - r->cash);
	for (size_t i = 0; i < nw; i++)
		if ((status = cafe_stock_check(&s[i], w[i].p->name, w[i].qty, e)) != 0)
			return status;

	cafe_order_stream(stream, sizeof stream, "order", o->id);
	data = json_pack("{s:I, s:o, s:I, s:s, s:s}",
	    "order_id", (json_int_t)o->id, "items", cafe_items_json(r->lines, r->nlines),
	    "total", (json_int_t)total,
	    "customer", r->customer ? r->customer : "",
	    "address", r->address ? r->address : "");
	/* What only some orders have is in those orders only. */
	if (r->contact)
		json_object_set_new(data, "contact", json_string(r->contact));
	if (r->note && *r->note)
		json_object_set_new(data, "note", json_string(r->note));
	if (r->channel)
		json_object_set_new(data, "channel", json_string(r->channel));
	if (r->pickup_at)
		json_object_set_new(data, "pickup_at", json_string(r->pickup_at));
	if (r->language)
		json_object_set_new(data, "language", json_string(r->language));
	if (r->ticket > 0)
		json_object_set_new(data, "ticket", json_integer(r->ticket));
	if (r->takeout)
		json_object_set_new(data, "takeout", json_true());
	if (r->cash > 0)
		json_object_set_new(data, "tenders", cafe_tenders_json(total, r->cash,
		    r->tendered));
	/* The tax as it stood, so that a receipt printed later says it. */
	if (r->tax_rate > 0)
		json_object_set_new(data, "tax", json_pack("{s:i, s:I, s:b}", "rate_percent",
		    r->tax_rate, "amount", (json_int_t)tax, "included", r->tax_included));
	cafe_batch_add(b, stream, CAFE_NO_STREAM, CAFE_EV_ORDER_PLACED, data);
	cafe_order_stream(stream, sizeof stream, "payment", o->id);
	data = json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)o->id,
	    "amount", (json_int_t)total, "ref", ref ? ref : "");
	/* All in cash, no request said the currency: the approval does. */
	if (r->cash == total && r->currency)
		json_object_set_new(data, "currency", json_string(r->currency));
	if (r->cash > 0)
		json_object_set_new(data, "tenders", cafe_tenders_json(total, r->cash,
		    r->tendered));
	cafe_batch_add(b, stream, o->payment_version, CAFE_EV_PAYMENT_APPROVED, data);
	for (size_t i = 0; i < nw; i++) {
		if (!s[i].tracked)
			continue;
		data = json_pack("{s:I, s:s, s:I}", "order_id", (json_int_t)o->id,
		    "product", w[i].p->name, "qty", (json_int_t)w[i].qty);
		/* The product's first use records the level it starts from, so
		 * that editing the config's stock later changes nothing (only
		 * `cafe-order stock` does). */
		if (s[i].version == 0)
			json_object_set_new(data, "stock", json_integer(s[i].level));
		cafe_stock_stream(sstream, sizeof sstream, r->shop, w[i].p->name);
		cafe_batch_add(b, sstream, s[i].version, CAFE_EV_STOCK_RESERVED, data);
	}
	return 0;
}

int
cafe_decide_abandon(struct cafe_batch *b, const struct cafe_order *o, const char *reason,
    struct cafe_err *e)
{
	char stream[48];

	if (o->payment != CAFE_PAYMENT_REQUESTED)
		return cafe_err_set(e, CAFE_REFUSED,
		    "order %lld: payment is %s, not awaiting an answer", o->id,
		    cafe_payment_status_name(o->payment));
	cafe_order_stream(stream, sizeof stream, "payment", o->id);
	cafe_batch_add(b, stream, o->payment_version, CAFE_EV_PAYMENT_ABANDONED,
	    json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)o->id,
	    "amount", (json_int_t)o->amount, "reason", reason));
	return 0;
}

int
cafe_decide_cancel(struct cafe_batch *b, const struct cafe_order *o, const char *reason,
    struct cafe_err *e)
{
	char stream[48];
	int status;

	if (o->status == CAFE_ORDER_NONE)
		return cafe_err_set(e, CAFE_REFUSED,
		    "unknown order %lld (see 'cafe-trace list')", o->id);
	if (o->status != CAFE_ORDER_PAID || o->delivery == CAFE_DELIVERY_DELIVERED)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already %s", o->id,
		    o->delivery == CAFE_DELIVERY_DELIVERED ? "delivered" :
		    cafe_order_status_name(o->status));
	if ((status = cafe_check_text("reason", reason, CAFE_MAX_TEXT, 0, e)) != 0)
		return status;
	cafe_order_stream(stream, sizeof stream, "order", o->id);
	cafe_batch_add(b, stream, o->order_version, CAFE_EV_ORDER_CANCELLED,
	    json_pack("{s:I, s:s}", "order_id", (json_int_t)o->id,
	    "reason", reason && *reason ? reason : "cancelled at the counter"));
	return 0;
}

int
cafe_decide_customer_cancel(struct cafe_batch *b, const struct cafe_order *o,
    struct cafe_err *e)
{
	if (o->status == CAFE_ORDER_CANCELLED)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already cancelled", o->id);
	if (o->status == CAFE_ORDER_PAID && o->made)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already made: it can no "
		    "longer be cancelled here (ask at the counter)", o->id);
	return cafe_decide_cancel(b, o, "cancelled by the customer", e);
}

int
cafe_decide_stock(struct cafe_batch *b, const char *shop, const char *product,
    const struct cafe_stock *s,
    int set, long long n, struct cafe_err *e)
{
	char stream[256];
	long long level;

	if (!set && !s->tracked)
		return cafe_err_set(e, CAFE_REFUSED,
		    "stock of '%s' is not tracked (use --set to start tracking it)", product);
	level = set ? n : s->level + n;
	if (level < 0)
		return cafe_err_set(e, CAFE_REFUSED,
		    "stock of '%s' cannot go below 0 (it is %lld)", product, s->level);
	if (level > 1000000000)
		return cafe_err_set(e, CAFE_DATAERR, "stock level %lld is too large", level);
	cafe_stock_stream(stream, sizeof stream, shop, product);
	cafe_batch_add(b, stream, s->version, CAFE_EV_STOCK_ADJUSTED,
	    json_pack("{s:s, s:I}", "product", product, "stock", (json_int_t)level));
	return 0;
}

void
cafe_stock_stream(char *buf, size_t n, const char *shop, const char *product)
{
	if (!shop || strcmp(shop, CAFE_SHOP_MAIN) == 0)
		snprintf(buf, n, "stock-%s", product);
	else
		snprintf(buf, n, "stock-%s:%s", shop, product);
}
