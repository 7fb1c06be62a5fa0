/*
 * tender.c - card, cash and split payments, and the tenders refunds go
 * back to (tender.h). Pure: no I/O.
 *
 * Invariant: the parts of a paid order add up to its total, the cash
 * part is never more than what was handed over, and what goes back to a
 * tender is never more than what it paid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "tender.h"

int
cafe_tender_parse(const char *s, struct cafe_tender_ask *t, struct cafe_err *e)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t n = colon ? (size_t)(colon - s) : (s ? strlen(s) : 0);
	char shown[64];

	t->amount = -1;
	if (n == 4 && strncmp(s, "card", 4) == 0)
		t->cash = 0;
	else if (n == 4 && strncmp(s, "cash", 4) == 0)
		t->cash = 1;
	else
		return cafe_err_set(e, CAFE_DATAERR, "a tender is card or cash, with an "
		    "optional amount (cash:5000), not '%s'",
		    cafe_quoted(s ? s : "", shown, sizeof shown));
	if (colon && cafe_parse_ll(colon + 1, 1, 1000000000000LL, &t->amount) != 0)
		return cafe_err_set(e, CAFE_DATAERR, "a tender's amount is a whole number "
		    "above 0, not '%s'", cafe_quoted(colon + 1, shown, sizeof shown));
	return 0;
}

int
cafe_tender_add(struct cafe_place_request *r, const struct cafe_tender_ask *t,
    struct cafe_err *e)
{
	for (size_t i = 0; i < r->ntenders; i++)
		if (r->tenders[i].cash == t->cash)
			return cafe_err_set(e, CAFE_DATAERR, "tender %s is given twice: an "
			    "order is paid by card, in cash, or split between the two",
			    t->cash ? "cash" : "card");
	r->tenders[r->ntenders++] = *t;
	return 0;
}

int
cafe_tender_resolve(struct cafe_place_request *r, long long total, struct cafe_err *e)
{
	long long given = 0;
	int rest = -1;

	r->cash = 0;
	for (size_t i = 0; i < r->ntenders; i++) {
		if (r->tenders[i].amount >= 0) {
			given += r->tenders[i].amount;
			continue;
		}
		if (rest >= 0)
			return cafe_err_set(e, CAFE_DATAERR, "two tenders without an amount: "
			    "give one of them its part (--tender cash:5000 --tender card)");
		rest = (int)i;
	}
	if (given > total)
		return cafe_err_set(e, CAFE_DATAERR, "the tenders add up to %lld, more than "
		    "the order's total of %lld", given, total);
	if (rest < 0 && r->ntenders > 0 && given < total)
		return cafe_err_set(e, CAFE_DATAERR, "the tenders add up to %lld, less than "
		    "the order's total of %lld: leave the last one without an amount to "
		    "take the rest", given, total);
	if (rest >= 0 && given == total)
		return cafe_err_set(e, CAFE_DATAERR, "the tenders with amounts already make "
		    "the total of %lld: the %s tender would take nothing", total,
		    r->tenders[rest].cash ? "cash" : "card");
	for (size_t i = 0; i < r->ntenders; i++)
		if (r->tenders[i].cash)
			r->cash = r->tenders[i].amount >= 0 ? r->tenders[i].amount :
			    total - given;
	if (r->tendered >= 0 && r->cash == 0)
		return cafe_err_set(e, CAFE_DATAERR, "--tendered is the cash handed over, "
		    "but the order is not paid in cash (add --tender cash)");
	if (r->tendered >= 0 && r->tendered < r->cash)
		return cafe_err_set(e, CAFE_DATAERR, "%lld in cash was handed over, less "
		    "than the cash part of %lld", r->tendered, r->cash);
	return 0;
}

long long
cafe_tender_change(const struct cafe_place_request *r)
{
	return r->cash > 0 && r->tendered > r->cash ? r->tendered - r->cash : 0;
}

long long
cafe_order_cash_left(const struct cafe_order *o)
{
	long long left = o->cash - o->cash_refunded - o->cash_refund_open;

	return left > 0 ? left : 0;
}

long long
cafe_order_card_left(const struct cafe_order *o)
{
	long long left = cafe_order_refundable(o) - cafe_order_cash_left(o);

	return left > 0 ? left : 0;
}

static void
ask(struct cafe_batch *b, const struct cafe_order *o, long long version, long long amount,
    int cash, const char *reason)
{
	char stream[48];
	json_t *data = json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)o->id,
	    "amount", (json_int_t)amount, "reason", reason);

	if (cash)
		json_object_set_new(data, "tender", json_string("cash"));
	cafe_order_stream(stream, sizeof stream, "payment", o->id);
	cafe_batch_add(b, stream, version, CAFE_EV_REFUND_REQUESTED, data);
}

void
cafe_refund_split(struct cafe_batch *b, const struct cafe_order *o, long long amount,
    int cash_first, const char *reason)
{
	long long card_left = cafe_order_card_left(o), cash_left = cafe_order_cash_left(o);
	long long cash, card, v = o->payment_version;

	if (amount <= 0)
		amount = card_left + cash_left;
	if (cash_first) {
		cash = amount < cash_left ? amount : cash_left;
		card = amount - cash;
	} else {
		card = amount < card_left ? amount : card_left;
		cash = amount - card;
	}
	if (cash > 0)
		ask(b, o, v++, cash, 1, reason);
	if (card > 0)
		ask(b, o, v, card, 0, reason);
}

int
cafe_decide_refund(struct cafe_batch *b, const struct cafe_order *o, long long amount,
    int cash_first, const char *reason, struct cafe_err *e)
{
	long long left = cafe_order_refundable(o);

	switch (o->payment) {
	case CAFE_PAYMENT_NONE:
		return cafe_err_set(e, CAFE_REFUSED, "unknown order %lld (see 'cafe-pay list')",
		    o->id);
	case CAFE_PAYMENT_REFUND_PENDING:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld already has a refund pending "
		    "(see 'cafe-pay show %lld')", o->id, o->id);
	case CAFE_PAYMENT_REFUNDED:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already refunded", o->id);
	case CAFE_PAYMENT_APPROVED:
	case CAFE_PAYMENT_PARTIALLY_REFUNDED:
	case CAFE_PAYMENT_REFUND_FAILED:
		break;
	case CAFE_PAYMENT_REQUESTED:
		return cafe_err_set(e, CAFE_REFUSED, "order %lld was never paid: the "
		    "processor gave no answer (the reconcile policy voids the charge)", o->id);
	default:
		return cafe_err_set(e, CAFE_REFUSED, "the payment of order %lld was %s, not "
		    "approved: there is nothing to refund", o->id,
		    cafe_payment_status_name(o->payment));
	}
	if (left == 0)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld is already refunded", o->id);
	if (amount > left)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld: only %lld is left to refund "
		    "(of %lld charged), not %lld", o->id, left, o->amount, amount);
	if (cash_first == CAFE_REFUND_CASH_FIRST && o->cash == 0)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld was not paid in cash: "
		    "its refund goes back to the card", o->id);
	if (cash_first == CAFE_REFUND_CARD_FIRST && o->cash == o->amount)
		return cafe_err_set(e, CAFE_REFUSED, "order %lld was paid in cash: its "
		    "refund comes out of the drawer (--tender cash)", o->id);
	cafe_refund_split(b, o, amount > 0 ? amount : left,
	    cash_first == CAFE_REFUND_CASH_FIRST, reason);
	return 0;
}
