/*
 * till.c - the cash drawer's fold and its decisions (till.h). Pure.
 *
 * Invariant: expected = float + cash in - cash out, counting only the
 * events between the TillOpened and now (or its TillClosed); a close
 * records the counts it was made from, so a close-out printed later
 * reads them from the log instead of folding the day again.
 */
#include <stdio.h>
#include <string.h>

#include "till.h"

void
cafe_till_init(struct cafe_till *t, const char *shop)
{
	memset(t, 0, sizeof *t);
	snprintf(t->shop, sizeof t->shop, "%s", shop ? shop : CAFE_SHOP_MAIN);
	snprintf(t->stream, sizeof t->stream, "till-%s", t->shop);
}

/* Cash of the till's own shop: a chain's drawers are counted apart. */
static int
ours(const struct cafe_till *t, const struct cafe_event *ev)
{
	char shop[168];

	return strcmp(cafe_event_shop(ev, shop, sizeof shop), t->shop) == 0;
}

static long long
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
cash(json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "tender"));

	return s && strcmp(s, "cash") == 0;
}

void
cafe_till_apply(struct cafe_till *t, const struct cafe_event *ev)
{
	json_t *tender;
	size_t i;

	switch (ev->kind) {
	case CAFE_EV_TILL_OPENED:
		t->version = ev->version;
		t->open = 1;
		t->opened_seq = ev->seq;
		t->float_amount = num(ev->data, "float");
		t->cash_in = t->cash_out = t->counted = t->over_short = 0;
		snprintf(t->opened_at, sizeof t->opened_at, "%s", ev->ts);
		t->closed_at[0] = '\0';
		break;
	case CAFE_EV_TILL_CLOSED:
		t->version = ev->version;
		t->open = 0;
		/* What the close saw is what the close-out reports. */
		t->float_amount = num(ev->data, "float");
		t->cash_in = num(ev->data, "cash_in");
		t->cash_out = num(ev->data, "cash_out");
		t->counted = num(ev->data, "counted");
		t->over_short = num(ev->data, "over_short");
		snprintf(t->closed_at, sizeof t->closed_at, "%s", ev->ts);
		break;
	case CAFE_EV_PAYMENT_APPROVED:
		if (!t->open || !ours(t, ev))
			break;
		json_array_foreach(json_object_get(ev->data, "tenders"), i, tender)
			if (cash(tender))
				t->cash_in += num(tender, "amount");
		break;
	case CAFE_EV_PAYMENT_REFUNDED:
		if (t->open && cash(ev->data) && ours(t, ev))
			t->cash_out += num(ev->data, "amount");
		break;
	default:
		break;
	}
}

long long
cafe_till_expected(const struct cafe_till *t)
{
	return t->float_amount + t->cash_in - t->cash_out;
}

json_t *
cafe_till_json(const struct cafe_till *t)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}",
	    "status", t->open ? "open" : "closed",
	    "float", (json_int_t)t->float_amount, "cash_in", (json_int_t)t->cash_in,
	    "cash_out", (json_int_t)t->cash_out,
	    "expected", (json_int_t)cafe_till_expected(t));

	json_object_set_new(o, "opened_at", t->opened_at[0] ?
	    json_string(t->opened_at) : json_null());
	if (!t->open && t->closed_at[0]) {
		json_object_set_new(o, "counted", json_integer(t->counted));
		json_object_set_new(o, "over_short", json_integer(t->over_short));
		json_object_set_new(o, "closed_at", json_string(t->closed_at));
	}
	return o;
}

int
cafe_decide_till_open(struct cafe_batch *b, const struct cafe_till *t,
    long long float_amount, struct cafe_err *e)
{
	if (t->open)
		return cafe_err_set(e, CAFE_REFUSED, "the till is already open (since %s): "
		    "close it first with 'cafe-pay till close --counted N'", t->opened_at);
	cafe_batch_add(b, t->stream, t->version, CAFE_EV_TILL_OPENED,
	    json_pack("{s:I}", "float", (json_int_t)float_amount));
	return 0;
}

int
cafe_decide_till_close(struct cafe_batch *b, const struct cafe_till *t, long long counted,
    struct cafe_err *e)
{
	long long expected = cafe_till_expected(t);

	if (!t->open)
		return cafe_err_set(e, CAFE_REFUSED, "the till is not open: there is "
		    "nothing to close (open it with 'cafe-pay till open --float N')");
	cafe_batch_add(b, t->stream, t->version, CAFE_EV_TILL_CLOSED,
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "float", (json_int_t)t->float_amount,
	    "cash_in", (json_int_t)t->cash_in, "cash_out", (json_int_t)t->cash_out,
	    "expected", (json_int_t)expected, "counted", (json_int_t)counted,
	    "over_short", (json_int_t)(counted - expected)));
	return 0;
}

int
cafe_till_require_open(const struct cafe_till *t, const char *what, struct cafe_err *e)
{
	if (t->open)
		return 0;
	return cafe_err_set(e, CAFE_REFUSED, "the till is not open: %s needs the cash "
	    "drawer (open it with 'cafe-pay till open --float N')", what);
}
