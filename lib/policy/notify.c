/*
 * notify.c - the notify policy (policy.h): every change of a
 * payment or a delivery the customer should hear about becomes one
 * NotificationQueued on its own stream notify-ID. Sending is cafe-notify's
 * job (outbox.h).
 *
 * Invariants: the message id is the id of the event that caused it, so a
 * message is queued at most once per event however often the event is
 * handled (the stream must not exist yet: CAFE_NO_STREAM). The text is
 * rendered once, when queued, from the config's template for the event
 * type or the built-in one (template.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "view/link.h"
#include "policy.h"
#include "render/template.h"

/* The events a customer hears of (those the catalogue gives a {status}),
 * and OrderPlaced only to read ahead what their messages name. */
static enum cafe_event_type notify_types[CAFE_EV_COUNT];

/* Made from the catalogue before main(), so that the policy's table
 * below can stay constant. */
__attribute__((constructor)) static void
list_types(void)
{
	size_t n = 0;

	notify_types[n++] = CAFE_EV_ORDER_PLACED;
	for (int t = 1; t < CAFE_EV_COUNT; t++)
		if (cafe_event_status((enum cafe_event_type)t))
			notify_types[n++] = (enum cafe_event_type)t;
	notify_types[n] = CAFE_EV_UNKNOWN;
}

/*
 * What a message names (product, qty, customer, total) never changes once
 * the order is placed: what act read ahead is good as it is, unless the
 * template wants an {amount} neither the event nor the read-ahead has.
 */
static int
facts(struct cafe_policy_ctx *pc, long long id, const char *tmpl, int has_amount,
    struct cafe_order *o, struct cafe_err *e)
{
	const struct cafe_order *ahead = pc->scratch;

	if (ahead && ahead->id == id &&
	    (ahead->total >= 0 || has_amount || !strstr(tmpl, "{amount}")) &&
	    (ahead->items[0] || !strstr(tmpl, "{items}")) &&
	    (ahead->ticket > 0 || !strstr(tmpl, "{ticket}"))) {
		*o = *ahead;
		return 0;
	}
	return cafe_policy_order_stream(pc, id, o, e);
}

static int
notify_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	struct cafe_template_vars v;
	struct cafe_order o;
	const char *tmpl, *rider;
	char stream[80];
	json_t *amount, *items, *data;
	long long id, ver = 0;
	char *text, *items_text, link[512];
	int status;

	if (ev->kind == CAFE_EV_ORDER_PLACED)
		return 0;
	memset(&v, 0, sizeof v);
	snprintf(stream, sizeof stream, "notify-%s", ev->id);
	/* Not careful: if it was queued after all, the append fails and the
	 * daemon asks again, carefully. */
	if (pc->careful && (ver = cafe_log_stream_version(pc->log, stream, e)) < 0)
		return e->status;
	/* Whether there is a message, and what it names, in any language. */
	if (ver > 0 || !(tmpl = cafe_template_for(pc->config, ev->kind, NULL)))
		return 0;
	if ((id = cafe_event_order_id(ev)) <= 0)
		return cafe_err_set(e, CAFE_DATAERR, "event %lld (%s) names no order",
		    ev->seq, ev->type);
	amount = json_object_get(ev->data, "amount");
	if ((status = facts(pc, id, tmpl, json_is_integer(amount), &o, e)) != 0)
		return status;
	/* In the customer's language: the order's, else the shop's. */
	v.lang = o.language[0] ? o.language : pc->config->language;
	tmpl = cafe_template_for(pc->config, ev->kind, v.lang);
	if (!o.product[0])
		return cafe_err_set(e, CAFE_DATAERR,
		    "order %lld was never placed (no OrderPlaced): no message to write", id);
	rider = json_string_value(json_object_get(ev->data, "rider"));
	v.order_id = id;
	v.ticket = o.ticket;
	/* The items in words only for a template that names them. */
	items_text = NULL;
	if (strstr(tmpl, "{items}")) {
		items = cafe_order_items(&o);
		items_text = cafe_items_text(items);
		json_decref(items);
	}
	v.product = o.product;
	v.items = items_text;
	v.qty = o.qty;
	v.customer = o.customer;
	v.amount = json_is_integer(amount) ? json_integer_value(amount) : o.total;
	v.currency = pc->config->currency;
	v.status = cafe_event_status(ev->kind);
	v.rider = rider ? rider : o.rider;
	/* The customer's page only for a template that names it. */
	link[0] = '\0';
	if (strstr(tmpl, "{link}")) {
		char token[CAFE_LINK_TOKEN];

		if (cafe_link_token(pc->log, id, 0, token, e) != 0) {
			free(items_text);
			return e->status;
		}
		cafe_link_url(pc->config, token, link, sizeof link);
	}
	v.link = link;
	text = cafe_template_render(cafe_template_fit(pc->config, tmpl, ev->kind, &v), &v);
	cafe_policy_batch(out, ev, id);
	data = json_pack("{s:I, s:s, s:s, s:s, s:s}", "order_id", (json_int_t)id,
	    "message_id", ev->id, "event", ev->type, "customer", o.customer, "text", text);
	/* Where it goes, when the customer said. */
	if (o.contact[0])
		json_object_set_new(data, "contact", json_string(o.contact));
	cafe_batch_add(out, stream, CAFE_NO_STREAM, CAFE_EV_NOTIFICATION_QUEUED, data);
	free(text);
	free(items_text);
	return 0;
}

/* DeliveryStarted carries what a message names; anything else reads ahead. */
static int
notify_act(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_err *e)
{
	const char *product = json_string_value(json_object_get(ev->data, "product"));
	const char *customer = json_string_value(json_object_get(ev->data, "customer"));
	json_t *qty = json_object_get(ev->data, "qty");
	struct cafe_order *o;

	if (ev->kind != CAFE_EV_DELIVERY_STARTED || !product || !customer ||
	    !json_is_integer(qty) || cafe_event_order_id(ev) <= 0)
		return cafe_policy_read_ahead(pc, ev, e);
	o = cafe_xmalloc(sizeof *o);
	cafe_order_init(o, cafe_event_order_id(ev));
	snprintf(o->product, sizeof o->product, "%s", product);
	snprintf(o->customer, sizeof o->customer, "%s", customer);
	snprintf(o->contact, sizeof o->contact, "%s",
	    json_string_value(json_object_get(ev->data, "contact")) ?
	    json_string_value(json_object_get(ev->data, "contact")) : "");
	snprintf(o->language, sizeof o->language, "%s",
	    json_string_value(json_object_get(ev->data, "language")) ?
	    json_string_value(json_object_get(ev->data, "language")) : "");
	o->qty = json_integer_value(qty);
	o->ticket = json_integer_value(json_object_get(ev->data, "ticket"));
	if (json_is_array(json_object_get(ev->data, "items")) &&
	    json_dumpb(json_object_get(ev->data, "items"), NULL, 0, JSON_COMPACT) <
	    sizeof o->items)
		json_dumpb(json_object_get(ev->data, "items"), o->items, sizeof o->items,
		    JSON_COMPACT);
	o->total = -1;          /* not known here: {amount} reads the stream */
	pc->scratch = o;
	return 0;
}

const struct cafe_policy cafe_policy_notify = {
	.name = "notify",
	.checkpoint = "notify",
	.types = notify_types,
	.act = notify_act,
	.settle_ms = 10,
	.decide = notify_decide,
};
