/*
 * counter.h - the counter's commands (cafe-order): the menu with stock
 * levels, placing an order with its synchronous payment, cancelling,
 * adjusting stock. The I/O edge around the rules of order.h.
 */
#ifndef CAFE_COUNTER_H
#define CAFE_COUNTER_H

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"
#include "domain/order.h"

struct cafe_place_result {
	long long order_id;         /* 0 when no order id was assigned */
	long long total;
	const char *status;         /* "paid", "declined", "out_of_stock", ... */
	int replayed;               /* 1: the key was seen before; nothing appended */
	char pickup_at[32];         /* when it is to be collected, or "" */
	long long ticket;           /* of the business day; 0: not placed */
	long long cash, change;     /* the cash part of the total, and the change due */
	long long retry_ms;         /* CAFE_TEMPFAIL: how long to wait before trying
	                             * again (until the breaker half-opens) */
};

/*
 * Places one order (DESIGN §4): validates it, commits PaymentRequested,
 * charges through cafe_payment_call(), then commits OrderPlaced,
 * PaymentApproved and StockReserved together; or PaymentDeclined (exit 1);
 * or nothing more when the processor failed (exit 69: the reconcile
 * policy voids whatever the processor may have taken).
 * A key seen before gives the first result and appends nothing.
 */
int cafe_counter_place(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_place_request *r, struct cafe_place_result *res,
		struct cafe_err *e);

/* A placed order as `cafe-order --json place` and cafe-web answer it:
 * {[line,] order_id, status, total, link (NULL: null), [pickup_at,]
 * ticket, tenders, change}; line 0 leaves it out. A new reference. */
json_t *cafe_place_answer(const struct cafe_place_result *res, long long line,
		const char *link);

/* Cancels a paid order not yet delivered. A key seen before: same result.
 * With staff (may be NULL), giving back more than its refund limit needs a
 * manager (CAFE_NOPERM); giving back cash needs the till open. */
int cafe_counter_cancel(const struct cafe_config *staff, struct cafe_log *log,
		long long order_id, const char *reason, const char *key, struct cafe_err *e);

/* The customer cancels their own order (cafe-web): as a staff cancel,
 * but refused (CAFE_REFUSED) once the drink is made or the order is
 * cancelled already. */
int cafe_counter_customer_cancel(struct cafe_log *log, long long order_id,
		struct cafe_err *e);

/* Sets (set = 1) or adds to a product's stock level; *level gets the new one. */
int cafe_counter_stock(const struct cafe_config *c, struct cafe_log *log,
		const char *product, int set, long long n, long long *level,
		struct cafe_err *e);

#endif
