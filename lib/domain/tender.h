/*
 * tender.h - how an order is paid (DESIGN §14): by card (the processor)
 * or in cash (the drawer), or split between the two; and which tender a
 * refund goes back to. Pure: no I/O.
 *
 * A split is all-or-nothing: the card part is charged first, and the
 * order with its cash part is committed only with the card's approval.
 * OrderPlaced and PaymentApproved carry "tenders": [{tender, amount}]
 * (cash also with "tendered" and "change"); PaymentApproved's amount is
 * the whole of what was paid, PaymentRequested's only the card's part.
 * A RefundRequested and its answer carry "tender": "cash" when the money
 * comes out of the drawer; without it they are the card's, as before.
 */
#ifndef CAFE_TENDER_H
#define CAFE_TENDER_H

#include "order.h"

/* "card", "cash" or "cash:5000" (a tender and its part) into t; 0, or
 * CAFE_DATAERR saying what a tender is. */
int cafe_tender_parse(const char *s, struct cafe_tender_ask *t, struct cafe_err *e);
/* Adds one asked tender to r (two at most, one of each kind). */
int cafe_tender_add(struct cafe_place_request *r, const struct cafe_tender_ask *t,
		struct cafe_err *e);
/*
 * Splits total between r's tenders: r->cash gets the cash part (the
 * card's is the rest). CAFE_DATAERR for two tenders without an amount,
 * parts over the total (or short of it with none left to take the rest),
 * --tendered without a cash part or below it.
 */
int cafe_tender_resolve(struct cafe_place_request *r, long long total, struct cafe_err *e);
/* The change due: tendered - cash, or 0 when nothing was handed over. */
long long cafe_tender_change(const struct cafe_place_request *r);

/* What is left to refund of each tender (neither given back nor asked for). */
long long cafe_order_card_left(const struct cafe_order *o);
long long cafe_order_cash_left(const struct cafe_order *o);

/*
 * Asks for a refund of amount (0: all that is left) as RefundRequested
 * events, one per tender it comes from: the card first, unless
 * cash_first. The cash part comes first in the batch, so that it is
 * answered at once (the refund policy needs no processor for it).
 * Appends nothing when nothing is left.
 */
void cafe_refund_split(struct cafe_batch *b, const struct cafe_order *o, long long amount,
		int cash_first, const char *reason);

#endif
