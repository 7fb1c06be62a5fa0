/*
 * page.c - the customer's order page's model (page.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lang.h"
#include "base/people.h"
#include "domain/order.h"
#include "page.h"
#include "trace.h"

struct timeline {
	struct cafe_order o;
	json_t *steps;
};

static int
timeline_event(const struct cafe_event *ev, void *arg)
{
	struct timeline *t = arg;
	const char *words = cafe_event_step(ev->kind);
	json_t *amount = json_object_get(ev->data, "amount");

	cafe_order_apply(&t->o, ev);
	if (words)
		json_array_append_new(t->steps, json_pack("{s:s, s:s, s:s, s:O?}",
		    "event", ev->type, "text", words, "ts", ev->ts,
		    "amount", ev->kind == CAFE_EV_PAYMENT_REFUNDED ||
		    ev->kind == CAFE_EV_REFUND_REQUESTED ? amount : NULL));
	return 0;
}

json_t *
cafe_page_order(struct cafe_log *log, long long id, const char *currency,
    struct cafe_err *e)
{
	struct timeline *t = cafe_xcalloc(1, sizeof *t);
	char corr[32];
	json_t *row = NULL;

	cafe_order_init(&t->o, id);
	t->steps = json_array();
	snprintf(corr, sizeof corr, "%lld", id);
	if (cafe_log_read_correlated(log, corr, timeline_event, t, e) == 0) {
		if (t->o.status == CAFE_ORDER_NONE) {
			cafe_err_set(e, CAFE_REFUSED, "no such order");
		} else {
			row = cafe_trace_row_of(&t->o);
			json_object_set(row, "steps", t->steps);
			json_object_set_new(row, "refunded", json_integer(t->o.refunded));
			/* Where the messages go, mostly hidden: the page is the
			 * customer's, but a link travels. */
			if (t->o.contact[0]) {
				char masked[CAFE_MAX_CONTACT + 1];

				json_object_set_new(row, "contact", json_string(
				    cafe_mask_contact(t->o.contact, masked, sizeof masked)));
			}
			/* What the customer's own cancel would take (order.h). */
			json_object_set_new(row, "cancellable", json_boolean(
			    t->o.status == CAFE_ORDER_PAID && !t->o.made));
			json_object_set_new(row, "currency", json_string(currency));
		}
	}
	json_decref(t->steps);
	free(t);
	return row;
}

static const char *
status_words(json_t *row)
{
	const char *order = json_string_value(json_object_get(row, "order_status"));
	const char *d = json_string_value(json_object_get(row, "delivery_status"));

	if (order && strcmp(order, "cancelled") == 0)
		return N_("Cancelled");
	if (order && strcmp(order, "rejected") == 0)
		return N_("The shop could not make it");
	if ((!d || strcmp(d, "pending") == 0) && json_object_get(row, "pickup_at"))
		return N_("Paid, to be made for your pick-up");
	if (!d || strcmp(d, "pending") == 0)
		return N_("Paid, waiting for the kitchen");
	if (strcmp(d, "brewing") == 0)
		return N_("Being made");
	if (strcmp(d, "ready") == 0)
		return N_("Ready");
	if (strcmp(d, "dispatched") == 0)
		return N_("On its way");
	if (strcmp(d, "delivered") == 0)
		return N_("Delivered");
	return d;
}

const char *
cafe_page_status(json_t *row, const char *lang)
{
	return cafe_tr(lang, status_words(row));
}

/* For the script: the status line and the steps, ready to show as text. */
json_t *
cafe_page_view(json_t *row, const char *lang)
{
	json_t *steps = json_array(), *it;
	char when[64], money[64];
	const char *cur = json_string_value(json_object_get(row, "currency"));
	size_t i;

	json_array_foreach(json_object_get(row, "steps"), i, it) {
		char line[256];

		snprintf(line, sizeof line, "%s %s%s%s",
		    cafe_local_time(json_string_value(json_object_get(it, "ts")), when, sizeof when),
		    cafe_tr(lang, json_string_value(json_object_get(it, "text"))),
		    json_is_integer(json_object_get(it, "amount")) ? " " : "",
		    json_is_integer(json_object_get(it, "amount")) ?
		    cafe_money_in(lang, json_integer_value(json_object_get(it, "amount")), cur,
		    money, sizeof money) : "");
		json_array_append_new(steps, json_string(line));
	}
	return json_pack("{s:s, s:o, s:O}", "status", cafe_page_status(row, lang),
	    "steps", steps, "cancellable", json_object_get(row, "cancellable"));
}
