/*
 * trace.h - the read model (CQRS view): table order_trace, one row per
 * order, with the fields of DESIGN §6, kept current from the log with
 * checkpoint "trace". Rebuildable at any time: it is a fold of the log.
 *
 * order_trace(order_id INTEGER PRIMARY KEY, customer, product, qty, total,
 *   order_status, payment_status, delivery_status, messages, placed_at,
 *   updated_at, address, rider)
 * Only orders with an OrderPlaced have a row (a declined payment is no
 * order; see cafe-pay for those).
 */
#ifndef CAFE_TRACE_H
#define CAFE_TRACE_H

#include <jansson.h>
#include "cafe.h"
#include "log.h"

/* Brings order_trace up to the log's head. Opens its own write
 * transactions (must not be inside one). On a read-only database it does
 * nothing and returns 0: the view is then as fresh as its last catch-up. */
int cafe_trace_catch_up(struct cafe_log *log, struct cafe_err *e);
/* Folds events (seq > checkpoint) into order_trace inside the caller's open
 * write transaction and moves the checkpoint: what the daemon's trace policy
 * calls. *applied counts the events read. */
int cafe_trace_apply_pending(struct cafe_log *log, long long limit, long long *applied,
		struct cafe_err *e);
/* Makes sure the table exists (inside a write transaction). */
int cafe_trace_schema(struct cafe_log *log, struct cafe_err *e);

struct cafe_trace_query {
	const char *customer;       /* NULL: any */
	const char *status;         /* matches order, payment or delivery status */
	const char *since;          /* RFC 3339: placed at or after */
	long long limit;            /* 0: no limit */
	const char *as_of;          /* RFC 3339: the view as the log stood then */
};

/* Calls fn with one JSON object per order (borrowed), oldest first. */
int cafe_trace_list(struct cafe_log *log, const struct cafe_trace_query *q,
		int (*fn)(json_t *row, void *arg), void *arg, struct cafe_err *e);
/* One order's row, or NULL with CAFE_REFUSED ("unknown order N"). New reference. */
json_t *cafe_trace_get(struct cafe_log *log, long long order_id, struct cafe_err *e);

#endif
