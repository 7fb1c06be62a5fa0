/*
 * template.h - the text of a customer message: a template with
 * placeholders, filled in from what is known about the order.
 *
 * Placeholders (cafe.yaml(5), notify.templates): {order_id} {ticket} {product}
 * {items} {qty} {customer} {amount} {status} {rider} {link}. An unknown placeholder, or a
 * brace that opens none, is copied as it stands. The config refuses
 * unknown placeholders, so only the built-in templates rely on that.
 */
#ifndef CAFE_TEMPLATE_H
#define CAFE_TEMPLATE_H

#include "base/cafe.h"
#include "config/config.h"
#include "event/catalogue.h"

/* What a template may name; NULL strings render as "". Borrowed. */
struct cafe_template_vars {
	long long order_id;
	long long ticket;           /* the day's number; 0 (older orders): {order_id} */
	const char *product;        /* the items, short: "latte x2 + americano" */
	const char *items;          /* whole: "latte x2 (large, oat), americano" */
	long long qty;
	const char *customer;
	long long amount;           /* in the currency's smallest unit */
	const char *currency;       /* appended to {amount} when not empty */
	const char *status;         /* the status the event brings */
	const char *rider;
	const char *link;           /* the customer's page (link.h); "" when none */
	const char *lang;           /* the customer's ("ko"; NULL: English): {amount} */
};

/* The built-in template for an event type, in the customer's terms; NULL
 * for a type that has none. Borrowed. */
const char *cafe_template_default(enum cafe_event_type event);

/* The template for an event type: the config's (notify.templates: the
 * shop's own words, for every language), else the built-in one in lang
 * (base/lang.h), else NULL. Borrowed. */
const char *cafe_template_for(const struct cafe_config *c, enum cafe_event_type event,
		const char *lang);

/* tmpl as it suits what v knows: a built-in template that would name
 * something v lacks (a dispatch without a rider) gives way to one that
 * does not, in v->lang. Borrowed. */
const char *cafe_template_fit(const struct cafe_config *c, const char *tmpl,
		enum cafe_event_type event, const struct cafe_template_vars *v);

/* tmpl with its placeholders filled in. New string (free()). */
char *cafe_template_render(const char *tmpl, const struct cafe_template_vars *v);

#endif
