/*
 * delivery.h - the kitchen and the rider (cafe-deliver): the rules that
 * move a paid order through brewing, ready, dispatched and delivered, and
 * the shop's refusal of an order.
 *
 * The decisions are pure, like those of order.h: they look at a struct
 * cafe_order folded from the order's events and either append the events
 * of the step to a batch or refuse with CAFE_REFUSED and a message saying
 * where the order stands. The commands below them are the I/O edge: each
 * reads the order, decides and appends inside one write transaction
 * (BEGIN IMMEDIATE), so two people pressing the same button cannot both
 * succeed.
 *
 * The steps (DESIGN §4):
 *   ready     brewing -> ready                    DrinkReady on delivery-N
 *   dispatch  ready -> dispatched                 DeliveryDispatched {rider}
 *   complete  dispatched -> delivered, or ready -> delivered (picked up at
 *             the counter)                        DeliveryCompleted
 *   reject    a paid order not yet dispatched     OrderRejected on order-N
 *             (pending, brewing or ready); the daemon's compensate policy
 *             then cancels the delivery and refunds.
 * An order cancelled at the counter (cafe-order cancel) while dispatched
 * is called off: `complete` is refused from then on and the rider brings
 * the drink back; the daemon refunds it and cancels the delivery.
 */
#ifndef CAFE_DELIVERY_H
#define CAFE_DELIVERY_H

#include "base/cafe.h"
#include "store/log.h"
#include "order.h"

/* Pure decisions: append to b, or CAFE_REFUSED (the state in e) or
 * CAFE_DATAERR (a bad rider or reason) and append nothing. */
int cafe_decide_ready(struct cafe_batch *b, const struct cafe_order *o,
		struct cafe_err *e);
int cafe_decide_dispatch(struct cafe_batch *b, const struct cafe_order *o,
		const char *rider, struct cafe_err *e);
int cafe_decide_complete(struct cafe_batch *b, const struct cafe_order *o,
		struct cafe_err *e);
/* The rider says it is delivered: only an order out for delivery with
 * that rider (CAFE_REFUSED otherwise, saying whose it is). */
int cafe_decide_delivered_by(struct cafe_batch *b, const struct cafe_order *o,
		const char *rider, struct cafe_err *e);
int cafe_decide_reject(struct cafe_batch *b, const struct cafe_order *o,
		const char *reason, struct cafe_err *e);

/*
 * A delivered order brought back (001, 004): OrderReturned with the items
 * of the products asked for (n of them; none: all that are not returned
 * yet) and the amount they are refunded by (their share of the total,
 * no more than is left). The daemon's compensate policy then refunds it
 * and puts the stock back. CAFE_REFUSED for an order not delivered, a
 * product it does not hold or one brought back already.
 */
int cafe_decide_return(struct cafe_batch *b, const struct cafe_order *o,
		const char *const *products, size_t n, const char *reason, struct cafe_err *e);
/* The same as a command; with staff (may be NULL), a refund over its
 * limit needs a manager (CAFE_NOPERM). *after as cafe_delivery_step's. */
int cafe_delivery_return(const struct cafe_config *staff, struct cafe_log *log,
		long long order_id, const char *const *products, size_t n,
		const char *reason, struct cafe_order *after, struct cafe_err *e);

enum cafe_delivery_step {
	CAFE_STEP_READY,
	CAFE_STEP_DISPATCH,
	CAFE_STEP_COMPLETE,
	CAFE_STEP_REJECT,
	CAFE_STEP_DELIVERED_BY      /* the rider's own complete: text is the rider */
};

/*
 * Runs one step for order_id: `text` is the rider (dispatch) or the reason
 * (reject), NULL otherwise. On success *after (if not NULL) holds the order
 * as it stands with the new events applied.
 */
int cafe_delivery_step(struct cafe_log *log, enum cafe_delivery_step step,
		long long order_id, const char *text, struct cafe_order *after,
		struct cafe_err *e);

#endif
