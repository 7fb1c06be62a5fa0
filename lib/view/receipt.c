/*
 * receipt.c - an order's receipt (receipt.h): the order's fold for what
 * was bought and paid, and its payment stream for the refunds, each
 * answered in the order it was asked (see RefundRequested in cafe-log(5)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order-log.h"
#include "domain/tender.h"
#include "link.h"
#include "receipt.h"

#define MAX_ASKS 64             /* refunds of one order remembered */

struct refunds {
	json_t *list;               /* what went back */
	json_t *asks[MAX_ASKS];     /* requests not answered yet, oldest first */
	size_t nasks;
	char currency[8];
};

static int
refund_event(const struct cafe_event *ev, void *arg)
{
	struct refunds *r = arg;
	const char *cur = json_string_value(json_object_get(ev->data, "currency"));

	if (ev->kind == CAFE_EV_PAYMENT_REQUESTED && cur)
		snprintf(r->currency, sizeof r->currency, "%s", cur);
	if (ev->kind == CAFE_EV_REFUND_REQUESTED && r->nasks < MAX_ASKS) {
		r->asks[r->nasks++] = json_incref(ev->data);
	} else if ((ev->kind == CAFE_EV_PAYMENT_REFUNDED ||
	    ev->kind == CAFE_EV_REFUND_FAILED) && r->nasks > 0) {
		json_t *ask = r->asks[0];
		const char *why = json_string_value(json_object_get(ask, "reason"));

		const char *tender = json_string_value(json_object_get(ev->data, "tender"));

		if (ev->kind == CAFE_EV_PAYMENT_REFUNDED)
			json_array_append_new(r->list, json_pack("{s:O, s:s, s:s, s:s}",
			    "amount", json_object_get(ev->data, "amount"),
			    "reason", why ? why : "", "ts", ev->ts,
			    "tender", tender ? tender : "card"));
		json_decref(ask);
		memmove(r->asks, r->asks + 1, --r->nasks * sizeof *r->asks);
	}
	return 0;
}

int
cafe_receipt(struct cafe_log *log, const struct cafe_config *c, long long id,
    json_t **out, struct cafe_err *e)
{
	struct cafe_order *o = cafe_xmalloc(sizeof *o);
	struct refunds r;
	char stream[48];
	int status;

	memset(&r, 0, sizeof r);
	r.list = json_array();
	if ((status = cafe_order_load(log, id, o, e)) != 0)
		goto out;
	if (o->status == CAFE_ORDER_NONE) {
		status = cafe_err_set(e, CAFE_REFUSED, "unknown order %lld (see "
		    "'cafe-trace list')", id);
		goto out;
	}
	cafe_order_stream(stream, sizeof stream, "payment", id);
	if ((status = cafe_log_read_stream(log, stream, refund_event, &r, e)) != 0)
		goto out;
	{
		json_t *items = cafe_order_items(o);
		long long sub = 0;
		size_t i;
		json_t *it;

		json_array_foreach(items, i, it)
			sub += json_integer_value(json_object_get(it, "total"));
		*out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:I, s:I, s:s, "
		    "s:{s:i, s:I, s:b}, s:{s:s, s:s}, s:O}",
		    "order_id", (json_int_t)id, "placed_at", o->placed_at,
		    "customer", o->customer, "address", o->address,
		    "items", items, "subtotal", (json_int_t)sub, "total", (json_int_t)o->total,
		    "currency", r.currency[0] ? r.currency : c->currency,
		    "tax", "rate_percent", o->tax_rate, "amount", (json_int_t)o->tax,
		    "included", o->tax_included,
		    "payment", "status", cafe_payment_status_name(o->payment), "ref", o->ref,
		    "refunds", r.list);
		/* The counter's: the day's ticket, how it was paid, how served. */
		json_object_set_new(*out, "ticket", o->ticket > 0 ? json_integer(o->ticket) :
		    json_null());
		json_object_set_new(*out, "tenders", cafe_order_tenders(o));
		json_object_set_new(*out, "change", json_integer(o->change));
		json_object_set_new(*out, "takeout", json_boolean(o->takeout));
		if (o->note[0])
			json_object_set_new(*out, "note", json_string(o->note));
	}
	{
		char token[CAFE_LINK_TOKEN], url[512];

		/* The customer's page, when the database has the links' key. */
		if (*out && cafe_link_token(log, id, 0, token, e) == 0 && token[0]) {
			cafe_link_url(c, token, url, sizeof url);
			json_object_set_new(*out, "link", json_string(url));
		}
	}
out:
	for (size_t i = 0; i < r.nasks; i++)
		json_decref(r.asks[i]);
	json_decref(r.list);
	free(o);
	return status;
}
