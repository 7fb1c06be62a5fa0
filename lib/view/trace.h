/*
 * trace.h - the read model (CQRS view): table order_trace, one row per
 * order, with the fields of DESIGN §6, kept current from the log with
 * checkpoint "trace". Rebuildable at any time: it is a fold of the log.
 *
 * order_trace(order_id INTEGER PRIMARY KEY, customer, product, qty, total,
 *   order_status, payment_status, delivery_status, messages, placed_at,
 *   updated_at, address, rider, amount, delivered_at)
 * Times are stored as RFC 3339 UTC with milliseconds whatever form the
 * events carry, so they compare as strings. delivered_at is '' until a
 * DeliveryCompleted. A table of an older shape is dropped and folded again
 * (with the checkpoint reset) the next time the view is brought up to date.
 * Only orders with an OrderPlaced show up in answers (a declined payment
 * is no order; see cafe-pay for those).
 *
 * "As of" a past instant, or on a database we may not write, the log is
 * folded into a TEMP table instead: the live table and the checkpoint are
 * never written then. The instant is compared with each event's ts, so
 * "as of T" means every event stamped at or before T.
 */
#ifndef CAFE_TRACE_H
#define CAFE_TRACE_H

#include <jansson.h>
#include "base/cafe.h"
#include "store/log.h"
#include "base/progress.h"

/* Brings order_trace up to the log's head. Opens its own write
 * transactions (must not be inside one). On a read-only database it does
 * nothing and returns 0: the view is then as fresh as its last catch-up. */
int cafe_trace_catch_up(struct cafe_log *log, struct cafe_err *e);
/* The same, reporting events folded of events pending to p (may be NULL). */
int cafe_trace_catch_up_progress(struct cafe_log *log, const struct cafe_progress *p,
		struct cafe_err *e);
/* Drops the view and folds the whole log again; *events gets the count. */
int cafe_trace_rebuild(struct cafe_log *log, const struct cafe_progress *p,
		long long *events, struct cafe_err *e);
/*
 * What the daemon's trace policy calls, in two steps so that the reading
 * and folding happen outside the write lock. cafe_trace_fold_ahead() folds
 * up to limit events after the checkpoint into memory, from one read
 * snapshot; NULL when it cannot (no table yet, an error): apply then does
 * it all. cafe_trace_apply_pending(), inside the caller's open write
 * transaction, writes what was folded ahead if the checkpoint has not
 * moved since, else folds up to limit events itself; either way it moves
 * the checkpoint, and *applied counts the events read.
 */
struct cafe_trace_fold;
struct cafe_trace_fold *cafe_trace_fold_ahead(struct cafe_log *log, long long limit);
void cafe_trace_fold_free(struct cafe_trace_fold *ahead);
int cafe_trace_apply_pending(struct cafe_log *log, struct cafe_trace_fold *ahead,
		long long limit, long long *applied, struct cafe_err *e);
/* Makes sure the table exists with its current shape (inside a write
 * transaction); an older shape is dropped and the checkpoint reset. */
int cafe_trace_schema(struct cafe_log *log, struct cafe_err *e);

struct cafe_trace_query {
	const char *customer;       /* NULL: any */
	const char *status;         /* matches order, payment or delivery status */
	const char *shop;           /* placed in this shop; NULL: the chain's */
	const char *since;          /* RFC 3339: placed at or after */
	long long limit;            /* 0: no limit */
	const char *as_of;          /* RFC 3339: the view as the log stood then */
	const struct cafe_progress *progress;  /* catch-up reports, or NULL */
};

/* Calls fn with one JSON object per order (borrowed), oldest first:
 * order_id, customer, product, qty, total, order_status, payment_status,
 * delivery_status, messages, placed_at, updated_at, address, rider, shop.
 * A bad since or as_of is CAFE_USAGE. */
int cafe_trace_list(struct cafe_log *log, const struct cafe_trace_query *q,
		int (*fn)(json_t *row, void *arg), void *arg, struct cafe_err *e);
struct cafe_order;
/* An order folded from the log (order-log.h) as a row of the trace, in the
 * fields cafe-trace follow gives. New reference. */
json_t *cafe_trace_row_of(const struct cafe_order *o);
/* One order's row, or NULL with CAFE_REFUSED ("unknown order N"). New reference. */
json_t *cafe_trace_get(struct cafe_log *log, long long order_id, struct cafe_err *e);

/*
 * Follow: calls fn with the change every event after seq `after` makes to
 * an order's row, in log order: the row's fields as cafe_trace_list gives
 * them, as they stand right after that event, plus "seq" and "event" (its
 * type). Events that touch no placed order (stock, breaker, a payment with
 * no order yet) give none. *last gets the seq of the last event read.
 * Reads nothing but the log; fn's non-zero return stops and is returned.
 */
int cafe_trace_changes(struct cafe_log *log, long long after,
		int (*fn)(json_t *change, void *arg), void *arg, long long *last,
		struct cafe_err *e);

/*
 * Stats over the orders placed since q->since (all when NULL), as of
 * q->as_of (now when NULL): {orders, delivered, cancelled, rejected,
 * revenue, delivery_p50_ms, delivery_p90_ms, hours: [{hour, the same
 * counts}]}. revenue is the total of orders neither cancelled nor
 * rejected; the delivery times run from payment (OrderPlaced) to
 * DeliveryCompleted, null when nothing was delivered; hours are UTC
 * ("2026-11-22T09:00:00Z"), by the time orders were placed. New reference.
 */
json_t *cafe_trace_stats(struct cafe_log *log, const struct cafe_trace_query *q,
		struct cafe_err *e);

#endif
