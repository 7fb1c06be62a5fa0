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

#include "template.h"

static const struct {
	const char *event;
	const char *text;
} builtins[] = {
	{ "PaymentApproved", "Order {order_id}: thank you, {amount} received for your {product}" },
	{ "DeliveryStarted", "Order {order_id}: your {product} is being made" },
	{ "DrinkReady", "Order {order_id}: your {product} is ready" },
	{ "DeliveryDispatched", "Order {order_id}: your {product} is on its way with {rider}" },
	{ "DeliveryCompleted", "Order {order_id}: your {product} has been delivered, enjoy" },
	{ "DeliveryCancelled", "Order {order_id}: your {product} will not be delivered" },
	{ "OrderRejected", "Order {order_id}: sorry, we cannot make your {product}; "
	    "your money will be refunded" },
	{ "PaymentRefunded", "Order {order_id}: {amount} has been refunded to you" },
	{ "RefundFailed", "Order {order_id}: your refund of {amount} is delayed; "
	    "we are looking into it" },
};

const char *
cafe_template_default(const char *event)
{
	for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
		if (strcmp(builtins[i].event, event) == 0)
			return builtins[i].text;
	return NULL;
}

const char *
cafe_template_for(const struct cafe_config *c, const char *event)
{
	const char *t = c ? cafe_config_template(c, event) : NULL;

	return t ? t : cafe_template_default(event);
}

/* A growing string. */
struct buf {
	char *s;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 128;
		b->s = cafe_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
put_str(struct buf *b, const char *s)
{
	put(b, s ? s : "", strlen(s ? s : ""));
}

/* Appends the value of placeholder name (n bytes); 0 if name is unknown. */
static int
value(struct buf *b, const char *name, size_t n, const struct cafe_template_vars *v)
{
	char num[64];

#define IS(k) (n == sizeof(k) - 1 && memcmp(name, k, n) == 0)
	if (IS("order_id")) {
		snprintf(num, sizeof num, "%lld", v->order_id);
		put_str(b, num);
	} else if (IS("product")) {
		put_str(b, v->product);
	} else if (IS("qty")) {
		snprintf(num, sizeof num, "%lld", v->qty);
		put_str(b, num);
	} else if (IS("customer")) {
		put_str(b, v->customer);
	} else if (IS("amount")) {
		if (v->currency && *v->currency)
			snprintf(num, sizeof num, "%lld %.8s", v->amount, v->currency);
		else
			snprintf(num, sizeof num, "%lld", v->amount);
		put_str(b, num);
	} else if (IS("status")) {
		put_str(b, v->status);
	} else if (IS("rider")) {
		put_str(b, v->rider);
	} else {
		return 0;
	}
#undef IS
	return 1;
}

char *
cafe_template_render(const char *tmpl, const struct cafe_template_vars *v)
{
	struct buf b = { NULL, 0, 0 };
	const char *p = tmpl ? tmpl : "";

	put(&b, "", 0);
	while (*p) {
		const char *open = strchr(p, '{'), *close;

		if (!open) {
			put_str(&b, p);
			break;
		}
		put(&b, p, (size_t)(open - p));
		close = strchr(open + 1, '}');
		if (!close || !value(&b, open + 1, (size_t)(close - open - 1), v)) {
			put(&b, "{", 1);
			p = open + 1;
			continue;
		}
		p = close + 1;
	}
	return b.s;
}
