/*
 * till.h - the cash drawer (DESIGN §14), folded from the events: the
 * float it was opened with, the cash taken in (the cash parts of the
 * orders paid while it was open) and given out (cash refunds), and what
 * should be in it. A till is opened (TillOpened) and closed (TillClosed,
 * with what was counted) on its stream, till-SHOP. Pure: no I/O.
 */
#ifndef CAFE_TILL_H
#define CAFE_TILL_H

#include "base/cafe.h"
#include "event/event.h"

struct cafe_till {
	char shop[168];                 /* whose drawer: its cash only counts */
	char stream[176];               /* till-SHOP */
	int open;
	long long version;              /* of the till's stream */
	long long opened_seq;           /* the TillOpened's, 0: never opened */
	char opened_at[32], closed_at[32];
	long long float_amount, cash_in, cash_out;
	long long counted, over_short;  /* of the last close */
};

/* A shop's till, never opened (shop NULL: CAFE_SHOP_MAIN). */
void cafe_till_init(struct cafe_till *t, const char *shop);
/* TillOpened and TillClosed; while open, PaymentApproved's cash part and
 * a cash PaymentRefunded, of the till's shop. Other events change nothing. */
void cafe_till_apply(struct cafe_till *t, const struct cafe_event *ev);
/* What should be in the drawer: float + cash in - cash out. */
long long cafe_till_expected(const struct cafe_till *t);
/* {status, float, cash_in, cash_out, expected, opened_at} and, once
 * closed, {counted, over_short, closed_at}: a new reference. */
json_t *cafe_till_json(const struct cafe_till *t);

/* TillOpened; CAFE_REFUSED when it is open already. */
int cafe_decide_till_open(struct cafe_batch *b, const struct cafe_till *t,
		long long float_amount, struct cafe_err *e);
/* TillClosed with the count; CAFE_REFUSED when it is not open. */
int cafe_decide_till_close(struct cafe_batch *b, const struct cafe_till *t,
		long long counted, struct cafe_err *e);
/* CAFE_REFUSED, saying how to open it, unless the till is open: cash
 * cannot be taken or given back into a closed drawer. */
int cafe_till_require_open(const struct cafe_till *t, const char *what,
		struct cafe_err *e);

#endif
