/*
 * counter.c - the counter's commands (counter.h): reads the streams a
 * decision needs, asks order.c to decide, appends the result, and talks
 * to the payment path between the two transactions of a placement.
 *
 * Money is never kept without an order: PaymentRequested, carrying the
 * processor's idempotency key, is committed before the processor is
 * called, so an order that dies before its OrderPlaced leaves a trace the
 * reconcile policy finds and voids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "counter.h"
#include "domain/menu.h"
#include "domain/order-log.h"
#include "pay/payment.h"
#include "domain/stock.h"
#include "config/staff.h"
#include "domain/tender.h"
#include "view/till.h"

/* The highest order id of the events it is given. */
static int
last_order_id(const struct cafe_event *ev, void *arg)
{
	long long id = cafe_event_order_id(ev);

	if (id > *(long long *)arg)
		*(long long *)arg = id;
	return 0;
}

/* What a key seen before stands for: the first event of its batch. */
struct key_hit {
	long long order_id;
	char type[48];                  /* for messages */
	enum cafe_event_type kind;
};

static int
key_event(const struct cafe_event *ev, void *arg)
{
	struct key_hit *h = arg;

	if (!h->type[0]) {
		h->order_id = cafe_event_order_id(ev);
		snprintf(h->type, sizeof h->type, "%s", ev->type);
		h->kind = ev->kind;
	}
	return 0;
}

static int
find_key(struct cafe_log *log, const char *key, struct key_hit *h, struct cafe_err *e)
{
	memset(h, 0, sizeof *h);
	if (!key || !*key)
		return 0;
	return cafe_log_read_key(log, key, key_event, h, e);
}

/* 1 when the order placed holds what r asks for. */
static int
same_items(const struct cafe_order *o, const struct cafe_place_request *r)
{
	json_t *had = cafe_order_items(o);
	json_t *asked = cafe_items_json(r->lines, r->nlines);
	int same = json_equal(had, asked);

	json_decref(had);
	json_decref(asked);
	return same;
}

/* The first result of a placement whose key is seen again. */
static int
replay_place(struct cafe_log *log, const struct cafe_place_request *r,
    const struct key_hit *h, struct cafe_place_result *res, struct cafe_err *e)
{
	struct cafe_order o;
	int status;

	/* A charge asked for first, or an order paid all in cash. */
	if (h->kind != CAFE_EV_PAYMENT_REQUESTED && h->kind != CAFE_EV_ORDER_PLACED)
		return cafe_err_set(e, CAFE_DATAERR,
		    "key '%s' was already used for another command (%s)", r->key, h->type);
	if ((status = cafe_order_load(log, h->order_id, &o, e)) != 0)
		return status;
	res->order_id = o.id;
	res->replayed = 1;
	if (o.status != CAFE_ORDER_NONE && !same_items(&o, r))
		return cafe_err_set(e, CAFE_DATAERR,
		    "key '%s' was already used for order %lld (%s)", r->key, o.id,
		    o.product);
	switch (o.payment) {
	case CAFE_PAYMENT_DECLINED:
		res->status = "declined";
		return cafe_err_set(e, CAFE_REFUSED, "payment declined: %s (order key '%s')",
		    o.reason, r->key);
	case CAFE_PAYMENT_REQUESTED:
		return cafe_err_set(e, CAFE_TEMPFAIL,
		    "the order with key '%s' is still being paid for, try again shortly",
		    r->key);
	case CAFE_PAYMENT_VOIDED:
	case CAFE_PAYMENT_ABANDONED:
		if (o.status == CAFE_ORDER_NONE)
			return cafe_err_set(e, CAFE_REFUSED,
			    "the payment for key '%s' was voided and no order was placed "
			    "(place it again with a new key)", r->key);
		break;
	default:
		break;
	}
	res->total = o.total;
	res->status = "paid";
	res->ticket = o.ticket;
	res->cash = o.cash;
	res->change = o.change;
	cafe_strcopy(res->pickup_at, sizeof res->pickup_at, o.pickup_at);
	return 0;
}

struct place_txn {
	const struct cafe_config *c;
	struct cafe_place_request *r;   /* its ticket is given under the lock */
	struct cafe_want want[CAFE_MAX_ITEMS];   /* the products it takes */
	size_t nwant;
	long long total;
	long long order_id;
	char pay_key[64];
	const char *ref;            /* approved: the processor's reference */
	const char *declined;       /* declined: the reason */
	int void_needed;            /* approved, but the order could not be placed */
	int given_up;               /* reconcile gave the charge up first */
	int no_till;                /* cash, and the till is not open */
	struct cafe_err why;        /* ... and why not */
	struct cafe_payment_attempt pay;   /* the charge, admission to its outcome */
	struct key_hit hit;         /* the key, seen under the write lock */
};

/* The stock of each product the order takes, checked when check is 1. */
static int
load_stock(struct cafe_log *log, const struct place_txn *t, struct cafe_stock *s,
    int check, struct cafe_err *e)
{
	int status;

	for (size_t i = 0; i < t->nwant; i++) {
		const struct cafe_want *w = &t->want[i];

		if ((status = cafe_stock_load(log, t->c, w->p->name, &s[i], e)) != 0 ||
		    (check && (status = cafe_stock_check(&s[i], w->p->name, w->qty, e)) != 0))
			return status;
	}
	return 0;
}

/* The last order's ticket, and whether it was placed today. */
struct last_ticket {
	long long ticket;
	char day[16];
};

static int
last_ticket(const struct cafe_event *ev, void *arg)
{
	struct last_ticket *l = arg;
	long long ms = cafe_parse_ts(ev->ts);

	l->ticket = json_integer_value(json_object_get(ev->data, "ticket"));
	if (ms >= 0)
		cafe_local_format(ms, "%Y-%m-%d", l->day, sizeof l->day);
	return 0;
}

/*
 * The order's ticket: 1, 2, 3... through the shop's business day (its
 * zone), the number people call out; each shop of a chain counts its own
 * (DESIGN §15). Under the write lock, so that no two orders of a day
 * share one; the day by the log's clock, which is the server's on one.
 */
static int
give_ticket(struct cafe_log *log, struct cafe_place_request *r, struct cafe_err *e)
{
	struct last_ticket l = { 0, "" };
	char today[16];
	int status;

	if ((status = cafe_log_last_in_shop(log, CAFE_EV_ORDER_PLACED, cafe_log_shop(log),
	    last_ticket, &l, e)) != 0)
		return status;
	cafe_local_format(cafe_log_now_ms(log), "%Y-%m-%d", today, sizeof today);
	r->ticket = strcmp(l.day, today) == 0 ? l.ticket + 1 : 1;
	return 0;
}

/* Cash goes into an open drawer only: its stream's last event says. */
static int
cash_needs_till(struct cafe_log *log, struct place_txn *t, struct cafe_err *e)
{
	struct cafe_till till;
	int status;

	if (t->r->cash == 0)
		return 0;
	cafe_till_init(&till, cafe_log_shop(log));
	if ((status = cafe_till_is_open(log, &till.open, e)) != 0)
		return status;
	t->no_till = !till.open;
	return cafe_till_require_open(&till, "a cash payment", e);
}

/* The next id after the log's last: a log imported from elsewhere (or made
 * by a tool) may hold orders without a PaymentRequested. */
static int
next_order_id(struct cafe_log *log, struct place_txn *t, struct cafe_err *e)
{
	int status;

	t->order_id = 0;
	if ((status = cafe_log_last_of_type(log, CAFE_EV_PAYMENT_REQUESTED, last_order_id,
	    &t->order_id, e)) != 0 ||
	    (status = cafe_log_last_of_type(log, CAFE_EV_ORDER_PLACED, last_order_id,
	    &t->order_id, e)) != 0)
		return status;
	t->order_id++;
	return 0;
}

/* All in cash: no processor, so one transaction places the order. */
static int
place_cash(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct place_txn *t = arg;
	struct cafe_stock s[CAFE_MAX_ITEMS];
	struct cafe_order o;
	struct cafe_batch b;
	int status;

	if ((status = find_key(log, t->r->key, &t->hit, e)) != 0 || t->hit.type[0])
		return status;
	if ((status = load_stock(log, t, s, 1, e)) != 0 ||
	    (status = cash_needs_till(log, t, e)) != 0 ||
	    (status = next_order_id(log, t, e)) != 0 ||
	    (status = give_ticket(log, t->r, e)) != 0)
		return status;
	cafe_order_init(&o, t->order_id);
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	if (t->r->key)
		snprintf(b.key, sizeof b.key, "%s", t->r->key);
	status = cafe_decide_place(&b, &o, t->r, s, "", e);
	if (status == 0 && !t->c->menu_in_log)
		status = cafe_menu_seed(log, &b, t->c, e);
	return cafe_log_append_done(log, &b, status, e);
}

/* First transaction: the stock check and PaymentRequested. */
static int
request_payment(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct place_txn *t = arg;
	struct cafe_stock s[CAFE_MAX_ITEMS];
	struct cafe_batch b;
	int status;

	/* Again under the lock: a twin with the same key may have won the race. */
	if ((status = find_key(log, t->r->key, &t->hit, e)) != 0 || t->hit.type[0])
		return status;
	if ((status = load_stock(log, t, s, 1, e)) != 0 ||
	    (status = cash_needs_till(log, t, e)) != 0 ||
	    (status = next_order_id(log, t, e)) != 0)
		return status;
	cafe_random_hex(t->pay_key);
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	if (t->r->key)
		snprintf(b.key, sizeof b.key, "%s", t->r->key);
	cafe_decide_request_payment(&b, t->order_id, t->total - t->r->cash, t->c->currency,
	    t->pay_key);
	/* The menu that priced this order (the config file's or the built-in
	 * one) goes into a log that has none yet, with the order's first
	 * events or not at all (menu.h): whatever terminal comes first, every
	 * terminal then charges the same menu. */
	if (!t->c->menu_in_log)
		status = cafe_menu_seed(log, &b, t->c, e);
	return cafe_log_append_done(log, &b, status, e);
}

/*
 * The order as the first transaction left it. When its payment stream
 * still holds nothing but our PaymentRequested, that is all there is to
 * know; otherwise (a reconcile got there first) fold it from the log.
 */
static int
load_requested(struct cafe_log *log, const struct place_txn *t, struct cafe_order *o,
    struct cafe_err *e)
{
	char stream[48];
	long long v;

	cafe_order_stream(stream, sizeof stream, "payment", t->order_id);
	if ((v = cafe_log_stream_version(log, stream, e)) < 0)
		return e->status;
	if (v != 1)
		return cafe_order_load(log, t->order_id, o, e);
	cafe_order_init(o, t->order_id);
	o->payment = CAFE_PAYMENT_REQUESTED;
	o->payment_version = 1;
	o->amount = t->total - t->r->cash;
	snprintf(o->pay_key, sizeof o->pay_key, "%s", t->pay_key);
	return 0;
}

/* Second transaction: the processor's answer, and the order if approved. */
static int
record_answer(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct place_txn *t = arg;
	struct cafe_order o;
	struct cafe_stock s[CAFE_MAX_ITEMS];
	struct cafe_batch b;
	struct cafe_err ignored;
	int status;

	/* A transaction retried after a conflict starts from a fresh read. */
	t->void_needed = t->given_up = 0;
	/* The breaker's share rides along; its trouble is not the order's. */
	cafe_payment_record(t->c, log, &t->pay, &ignored);
	if ((status = load_requested(log, t, &o, e)) != 0)
		return status;
	if (o.payment == CAFE_PAYMENT_ABANDONED || o.payment == CAFE_PAYMENT_VOIDED) {
		/* The answer came after reconcile had given the charge up in
		 * the log: it won, and voids the charge; no order is placed. */
		t->given_up = 1;
		return 0;
	}
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	if (t->declined) {
		cafe_decide_declined(&b, &o, t->declined);
	} else {
		if ((status = load_stock(log, t, s, 0, e)) != 0 ||
		    (status = give_ticket(log, t->r, e)) != 0)
			goto out;
		/* The drawer closed while the card was charged: the cash part
		 * has nowhere to go, and the order is not placed after all. */
		if ((status = cash_needs_till(log, t, e)) == 0)
			status = cafe_decide_place(&b, &o, t->r, s, t->ref, e);
		if (status == CAFE_REFUSED) {
			/* Sold out while we were charging: give the charge up in
			 * the log first, then give the money back (void_now). */
			t->void_needed = 1;
			t->why = *e;
			status = cafe_decide_abandon(&b, &o, t->why.msg, e);
		}
	}
out:
	return cafe_log_append_done(log, &b, status, e);
}

/* The order could not be placed after all: void the charge now and say so. */
static int
void_now(const struct cafe_config *c, struct cafe_log *log, struct place_txn *t,
    struct cafe_err *e)
{
	struct cafe_pay_request req = { CAFE_PAY_VOID, NULL, t->order_id,
	    t->total - t->r->cash, c->currency, NULL };
	struct cafe_pay_reply rep;
	struct cafe_err verr = { 0, "", 0, 0 };
	struct cafe_batch b;
	char key[80], stream[48];
	long long version;

	snprintf(key, sizeof key, "void-%s", t->pay_key);
	req.key = key;
	if (cafe_payment_call(c, log, &req, &rep, &verr) != 0 ||
	    rep.outcome != CAFE_PAY_APPROVED)
		return 0;       /* the reconcile policy voids it later */
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	cafe_order_stream(stream, sizeof stream, "payment", t->order_id);
	if ((version = cafe_log_stream_version(log, stream, &verr)) >= 0) {
		cafe_batch_add(&b, stream, version, CAFE_EV_PAYMENT_VOIDED,
		    json_pack("{s:I, s:I, s:s, s:s}", "order_id", (json_int_t)t->order_id,
		    "amount", (json_int_t)req.amount, "ref", rep.ref,
		    "reason", e->msg));
		cafe_log_append_batch(log, &b, &verr);
	}
	cafe_batch_release(&b);
	return 0;
}

static int place(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_place_request *r, struct cafe_place_result *res,
    struct cafe_err *e);

int
cafe_counter_place(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_place_request *r, struct cafe_place_result *res,
    struct cafe_err *e)
{
	int status = place(c, log, r, res, e);

	/* The breaker's wait goes back with the refusal, so that the counter
	 * need not ask the payment path again. */
	if (status == CAFE_TEMPFAIL)
		res->retry_ms = cafe_payment_retry_ms(c, log);
	return status;
}

static int
place(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_place_request *asked, struct cafe_place_result *res,
    struct cafe_err *e)
{
	/* The shop's tax goes with the order it prices. */
	struct cafe_place_request taxed = *asked, *r = &taxed;
	struct place_txn t;
	struct cafe_pay_request req;
	struct cafe_pay_reply rep;
	struct key_hit hit;
	char pickup[32];
	long long tax;
	int status;

	taxed.tax_rate = c->tax.rate_percent;
	taxed.tax_included = c->tax.included;
	taxed.currency = c->currency;
	taxed.shop = cafe_log_shop(log);
	memset(res, 0, sizeof *res);
	memset(&t, 0, sizeof t);
	if ((status = cafe_place_validate(r, e)) != 0)
		return status;
	t.c = c;
	t.r = r;
	t.nwant = cafe_place_wants(r, t.want);
	t.total = res->total = cafe_place_total(r, &tax);
	if ((status = cafe_tender_resolve(r, t.total, e)) != 0)
		return status;
	res->cash = r->cash;
	res->change = cafe_tender_change(r);
	if ((status = find_key(log, r->key, &hit, e)) != 0)
		return status;
	if (hit.type[0])
		return replay_place(log, r, &hit, res, e);
	if (asked->pickup_at) {
		if ((status = cafe_check_pickup(asked->pickup_at, cafe_now_ms(),
		    c->hours.open_min, c->hours.close_min, pickup, e)) != 0) {
			res->status = "refused";
			return status;
		}
		taxed.pickup_at = pickup;
		cafe_strcopy(res->pickup_at, sizeof res->pickup_at, pickup);
	}
	if (r->cash == t.total) {
		/* All in cash: the processor (and its breaker) is not asked. */
		if ((status = cafe_log_transact(log, place_cash, &t, e)) != 0) {
			res->status = t.no_till ? "refused" : status == CAFE_REFUSED ?
			    "out_of_stock" : "failed";
			return status;
		}
		if (t.hit.type[0])
			return replay_place(log, r, &t.hit, res, e);
		res->order_id = t.order_id;
		res->ticket = r->ticket;
		res->status = "paid";
		return 0;
	}
	if ((status = cafe_payment_admit(c, log, &t.pay, e)) != 0)
		return status;
	if ((status = cafe_log_transact(log, request_payment, &t, e)) != 0) {
		cafe_payment_end(c, log, &t.pay);
		if (status == CAFE_REFUSED)
			res->status = t.no_till ? "refused" : "out_of_stock";
		return status;
	}
	if (t.hit.type[0]) {
		cafe_payment_end(c, log, &t.pay);
		return replay_place(log, r, &t.hit, res, e);
	}
	res->order_id = t.order_id;

	req.op = CAFE_PAY_CHARGE;
	req.key = t.pay_key;
	req.order_id = t.order_id;
	req.amount = res->total - r->cash;
	req.currency = c->currency;
	req.channel = r->channel;
	if ((status = cafe_payment_try(c, log, &t.pay, &req, &rep, e)) != 0) {
		cafe_payment_end(c, log, &t.pay);
		res->status = status == CAFE_TEMPFAIL ? "busy" : "unavailable";
		return status;
	}
	if (rep.outcome == CAFE_PAY_DECLINED)
		t.declined = rep.reason[0] ? rep.reason : "declined";
	else
		t.ref = rep.ref;
	if ((status = cafe_log_transact(log, record_answer, &t, e)) != 0) {
		t.pay.recorded = 0;     /* it rolled back with the answer */
		cafe_payment_end(c, log, &t.pay);
		return status;
	}
	if (t.given_up && t.declined) {
		res->status = "declined";
		return cafe_err_set(e, CAFE_REFUSED, "payment declined: %s", t.declined);
	}
	if (t.given_up) {
		res->status = "unavailable";
		return cafe_err_set(e, CAFE_UNAVAILABLE, "the charge for order %lld was "
		    "given up before its answer came and is being voided: place the "
		    "order again", t.order_id);
	}
	if (t.void_needed) {
		*e = t.why;
		void_now(c, log, &t, e);
		res->status = t.no_till ? "refused" : "out_of_stock";
		return CAFE_REFUSED;
	}
	if (t.declined) {
		res->status = "declined";
		return cafe_err_set(e, CAFE_REFUSED, "payment declined: %s", t.declined);
	}
	res->status = "paid";
	res->ticket = r->ticket;
	return 0;
}

json_t *
cafe_place_answer(const struct cafe_place_result *res, long long line, const char *link)
{
	json_t *o = json_object();

	if (line > 0)
		json_object_set_new(o, "line", json_integer(line));
	json_object_set_new(o, "order_id", json_integer(res->order_id));
	json_object_set_new(o, "status", json_string("paid"));
	json_object_set_new(o, "total", json_integer(res->total));
	json_object_set_new(o, "link", link && *link ? json_string(link) : json_null());
	if (res->pickup_at[0])
		json_object_set_new(o, "pickup_at", json_string(res->pickup_at));
	json_object_set_new(o, "ticket", json_integer(res->ticket));
	json_object_set_new(o, "tenders", cafe_tenders_json(res->total, res->cash, -1));
	json_object_set_new(o, "change", json_integer(res->change));
	return o;
}

struct cancel_txn {
	const struct cafe_config *staff;    /* who may give how much back; NULL: anyone */
	long long order_id;
	const char *reason;
	const char *key;
	struct key_hit hit;         /* the key, seen under the write lock */
	int customer;               /* the customer's own: not once it is made */
};

static int
cancel_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct cancel_txn *t = arg;
	struct cafe_order o;
	struct cafe_batch b;
	int status;

	if ((status = find_key(log, t->key, &t->hit, e)) != 0 || t->hit.type[0])
		return status;
	if ((status = cafe_order_load(log, t->order_id, &o, e)) != 0)
		return status;
	/* Staff give back all that is left: a refund like any other. */
	if (t->staff && o.status == CAFE_ORDER_PAID &&
	    (status = cafe_staff_may_refund(t->staff, cafe_order_refundable(&o), e)) != 0)
		return status;
	if (!t->customer && o.status == CAFE_ORDER_PAID && cafe_order_cash_left(&o) > 0) {
		struct cafe_till till;

		cafe_till_init(&till, cafe_log_shop(log));
		if ((status = cafe_till_is_open(log, &till.open, e)) != 0 ||
		    (status = cafe_till_require_open(&till, "giving back its cash", e)) != 0)
			return status;
	}
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	if (t->key)
		snprintf(b.key, sizeof b.key, "%s", t->key);
	status = t->customer ? cafe_decide_customer_cancel(&b, &o, e) :
	    cafe_decide_cancel(&b, &o, t->reason, e);
	return cafe_log_append_done(log, &b, status, e);
}

int
cafe_counter_cancel(const struct cafe_config *staff, struct cafe_log *log,
    long long order_id, const char *reason, const char *key, struct cafe_err *e)
{
	struct cancel_txn t = { staff, order_id, reason, key, { 0, "", CAFE_EV_UNKNOWN }, 0 };
	int status;

	if (key && (status = cafe_valid_text(key) ? 0 :
	    cafe_err_set(e, CAFE_DATAERR, "key is not valid UTF-8 text")) != 0)
		return status;
	/* Outside the lock first, so a plain retry takes no write lock. */
	if ((status = find_key(log, key, &t.hit, e)) != 0)
		return status;
	if (!t.hit.type[0] && (status = cafe_log_transact(log, cancel_txn, &t, e)) != 0)
		return status;
	if (t.hit.type[0] && (t.hit.kind != CAFE_EV_ORDER_CANCELLED ||
	    t.hit.order_id != order_id))
		return cafe_err_set(e, CAFE_DATAERR,
		    "key '%s' was already used for another command (%s, order %lld)",
		    key, t.hit.type, t.hit.order_id);
	return 0;
}

int
cafe_counter_customer_cancel(struct cafe_log *log, long long order_id, struct cafe_err *e)
{
	struct cancel_txn t = { NULL, order_id, NULL, NULL, { 0, "", CAFE_EV_UNKNOWN }, 1 };

	return cafe_log_transact(log, cancel_txn, &t, e);
}

struct stock_txn {
	const struct cafe_config *c;
	const char *product;
	int set;
	long long n, level;
};

static int
stock_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct stock_txn *t = arg;
	struct cafe_stock s;
	struct cafe_batch b;
	int status;

	if ((status = cafe_stock_load(log, t->c, t->product, &s, e)) != 0)
		return status;
	cafe_batch_init(&b);
	if ((status = cafe_decide_stock(&b, cafe_log_shop(log), t->product, &s, t->set, t->n,
	    e)) == 0) {
		t->level = json_integer_value(json_object_get(b.ev[0].data, "stock"));
		status = cafe_log_append(log, &b, e);
	}
	cafe_batch_release(&b);
	return status;
}

int
cafe_counter_stock(const struct cafe_config *c, struct cafe_log *log,
    const char *product, int set, long long n, long long *level, struct cafe_err *e)
{
	struct stock_txn t = { c, product, set, n, 0 };
	int status;

	if (!cafe_config_product(c, product))
		return cafe_err_set(e, CAFE_REFUSED,
		    "unknown product '%s' (see 'cafe-order menu')", product);
	if ((status = cafe_log_transact(log, stock_txn, &t, e)) == 0)
		*level = t.level;
	return status;
}
