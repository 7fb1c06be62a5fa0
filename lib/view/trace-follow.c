/*
 * trace-follow.c - following the orders' rows as the log moves
 * (`cafe-trace follow`, trace.h): each change refolded from the log only.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "domain/order.h"
#include "domain/tender.h"
#include "trace.h"
#include "trace-priv.h"

struct follow {
	struct cafe_log *log;
	int (*fn)(json_t *, void *);
	void *arg;
	long long *last;
	struct cafe_err *e;
	int status;                 /* of a read inside the callback */
};

struct refold {
	struct cafe_order o;
	long long upto;
};

static int
refold_event(const struct cafe_event *event, void *arg)
{
	struct refold *r = arg;
	long long ms;
	struct cafe_event ev;

	if (event->seq > r->upto)
		return 0;
	ev = cafe_trace_canonical(event, &ms, 0);
	cafe_order_apply(&r->o, &ev);
	return 0;
}

static json_t *
order_json(const struct cafe_order *o)
{
	json_t *row = json_pack("{s:I, s:s, s:s, s:o, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, "
	    "s:s}",
	    "order_id", (json_int_t)o->id, "customer", o->customer, "product", o->product,
	    "items", cafe_order_items(o), "qty", (json_int_t)o->qty, "total", (json_int_t)o->total,
	    "order_status", cafe_order_status_name(o->status),
	    "payment_status", cafe_payment_status_name(o->payment),
	    "delivery_status", cafe_delivery_status_name(o->delivery),
	    "messages", (json_int_t)o->messages, "placed_at", o->placed_at,
	    "updated_at", o->updated_at, "address", o->address, "rider", o->rider);

	/* As a row of the list has them (trace.c). */
	if (row && o->pickup_at[0])
		json_object_set_new(row, "pickup_at", json_string(o->pickup_at));
	if (row && o->note[0])
		json_object_set_new(row, "note", json_string(o->note));
	if (!row)
		return NULL;
	json_object_set_new(row, "ticket", o->ticket > 0 ? json_integer(o->ticket) :
	    json_null());
	json_object_set_new(row, "takeout", json_boolean(o->takeout));
	json_object_set_new(row, "tenders", cafe_order_tenders(o));
	json_object_set_new(row, "shop", json_string(o->shop[0] ? o->shop : CAFE_SHOP_MAIN));
	return row;
}

json_t *
cafe_trace_row_of(const struct cafe_order *o)
{
	return order_json(o);
}

static int
change_event(const struct cafe_event *ev, void *arg)
{
	struct follow *fl = arg;
	struct refold *r;
	char corr[32];
	long long id = cafe_trace_event_row(ev);
	json_t *change;
	int status;

	*fl->last = ev->seq;
	if (id == 0)
		return 0;
	r = cafe_xmalloc(sizeof *r);
	cafe_order_init(&r->o, id);
	r->upto = ev->seq;
	snprintf(corr, sizeof corr, "%lld", id);
	if ((status = cafe_log_read_correlated(fl->log, corr, refold_event, r, fl->e)) != 0) {
		free(r);
		return fl->status = status;
	}
	if (r->o.status == CAFE_ORDER_NONE) {
		free(r);
		return 0;
	}
	change = json_pack("{s:I, s:s}", "seq", (json_int_t)ev->seq, "event", ev->type);
	json_object_update_new(change, order_json(&r->o));
	free(r);
	status = fl->fn(change, fl->arg);
	json_decref(change);
	return status;
}

int
cafe_trace_changes(struct cafe_log *log, long long after,
    int (*fn)(json_t *, void *), void *arg, long long *last, struct cafe_err *e)
{
	struct follow fl = { log, fn, arg, last, e, 0 };
	int status;

	*last = after;
	status = cafe_log_read(log, after, 0, change_event, &fl, e);
	return fl.status ? fl.status : status;
}

/* Stats: counts by hour, and the payment-to-delivery times. */
