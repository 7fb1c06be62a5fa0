/*
 * order-log.h - an order's state read from the log: the I/O half of the
 * order's fold in order.h, for the counter, the kitchen and the policies.
 */
#ifndef CAFE_ORDER_LOG_H
#define CAFE_ORDER_LOG_H

#include "base/cafe.h"
#include "store/log.h"
#include "order.h"

/* The folded state of order id from the log (every event correlated with
 * it, in order). An id the log does not know folds to CAFE_ORDER_NONE. */
int cafe_order_load(struct cafe_log *log, long long id, struct cafe_order *o,
		struct cafe_err *e);

/*
 * No order without payment, for events that come from outside (an
 * import): every OrderPlaced in b needs a PaymentApproved for its order,
 * in b or already in the log. Call it inside the transaction that
 * appended b. CAFE_DATAERR names the first order without one (and sets
 * b->failed to its index).
 */
int cafe_order_check_paid(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e);
/* The same for every OrderPlaced with seq > after, as the log now holds
 * them (inside the transaction that appended them); *failed gets the seq
 * of the first without its payment. */
int cafe_order_check_paid_after(struct cafe_log *log, long long after, long long *failed,
		struct cafe_err *e);

#endif
