/*
 * template.c - rendering customer messages (template.h).
 *
 * Invariants: rendering never fails and never reads past the template; a
 * placeholder is replaced by its value verbatim (values are not templates
 * themselves, so a customer named "{rider}" stays "{rider}").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lang.h"
#include "base/people.h"
#include "template.h"

/* The built-in texts are the catalogue's (event/catalogue.h). */
const char *
cafe_template_default(enum cafe_event_type event)
{
	return cafe_event_message(event);
}

const char *
cafe_template_for(const struct cafe_config *c, enum cafe_event_type event, const char *lang)
{
	const char *t = c ? cafe_config_template(c, cafe_event_name(event)) : NULL;

	return t ? t : cafe_tr(lang, cafe_template_default(event));
}

const char *
cafe_template_fit(const struct cafe_config *c, const char *tmpl, enum cafe_event_type event,
    const struct cafe_template_vars *v)
{
	/* A dispatch with no rider named says nothing about a rider. */
	if (tmpl && !(c && cafe_config_template(c, cafe_event_name(event))) &&
	    event == CAFE_EV_DELIVERY_DISPATCHED && (!v->rider || !v->rider[0]))
		return cafe_tr(v->lang, N_("Order {ticket}: your {product} is on its way"));
	return tmpl;
}

/* Appends the value of placeholder name (n bytes); 0 if name is unknown. */
static int
value(struct cafe_buf *b, const char *name, size_t n, const struct cafe_template_vars *v)
{
	char num[64];

#define IS(k) (n == sizeof(k) - 1 && memcmp(name, k, n) == 0)
	if (IS("order_id")) {
		snprintf(num, sizeof num, "%lld", v->order_id);
		cafe_buf_cat(b, num);
	} else if (IS("ticket")) {
		snprintf(num, sizeof num, "%lld", v->ticket > 0 ? v->ticket : v->order_id);
		cafe_buf_cat(b, num);
	} else if (IS("product")) {
		cafe_buf_cat(b, v->product);
	} else if (IS("items")) {
		cafe_buf_cat(b, v->items);
	} else if (IS("qty")) {
		snprintf(num, sizeof num, "%lld", v->qty);
		cafe_buf_cat(b, num);
	} else if (IS("customer")) {
		cafe_buf_cat(b, v->customer);
	} else if (IS("amount")) {
		char money[80];

		cafe_buf_cat(b, cafe_money_in(v->lang, v->amount, v->currency, money,
		    sizeof money));
	} else if (IS("status")) {
		cafe_buf_cat(b, v->status);
	} else if (IS("rider")) {
		cafe_buf_cat(b, v->rider);
	} else if (IS("link")) {
		cafe_buf_cat(b, v->link ? v->link : "");
	} else {
		return 0;
	}
#undef IS
	return 1;
}

char *
cafe_template_render(const char *tmpl, const struct cafe_template_vars *v)
{
	struct cafe_buf b = { NULL, 0, 0 };
	const char *p = tmpl ? tmpl : "";

	cafe_buf_add(&b, "", 0);
	while (*p) {
		const char *open = strchr(p, '{'), *close;

		if (!open) {
			cafe_buf_cat(&b, p);
			break;
		}
		cafe_buf_add(&b, p, (size_t)(open - p));
		close = strchr(open + 1, '}');
		if (!close || !value(&b, open + 1, (size_t)(close - open - 1), v)) {
			cafe_buf_add(&b, "{", 1);
			p = open + 1;
			continue;
		}
		p = close + 1;
	}
	return b.s;
}
