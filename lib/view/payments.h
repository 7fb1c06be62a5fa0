/*
 * payments.h - what cafe-pay works on: the payments read model and the
 * manual refund.
 *
 * Table payments: one row per order that asked for a payment, folded from
 * the events of its payment-N stream, kept current from the log with
 * checkpoint "payments" (a fold of the log, rebuildable at any time:
 * dropping the table and the checkpoint rebuilds it on the next call).
 *
 *   payments(order_id INTEGER PRIMARY KEY, status, amount, currency, key,
 *     ref, reason, refund_reason, refund_ref, refund_error, void_ref,
 *     requested_at, decided_at, refund_requested_at, updated_at)
 *
 * status is one of requested (charge asked for, no answer recorded: in
 * flight, or the processor failed and the reconcile policy will void it),
 * approved, declined, refund_pending, refunded, refund_failed, voided: the
 * payment_status names of cafe-trace.
 */
#ifndef CAFE_PAYMENT_VIEW_H
#define CAFE_PAYMENT_VIEW_H

#include <jansson.h>
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"


/* The status names --status accepts; NULL when s is none of them. The
 * alias "failed" stands for refund_failed. Borrowed. */
const char *cafe_payments_status(const char *s);

struct cafe_payments_query {
	long long order_id;         /* 0: any */
	const char *status;         /* NULL: any; a name from cafe_payments_status() */
};

/* Calls fn with one JSON object per payment (borrowed), by order id. fn
 * returns 0 to go on. */
int cafe_payments_list(struct cafe_log *log, const struct cafe_payments_query *q,
		int (*fn)(json_t *row, void *arg), void *arg, struct cafe_err *e);

/* One payment's row plus "events" (seq, type, ts, data of its payment-N
 * stream), or NULL with CAFE_REFUSED for an unknown order. New reference. */
json_t *cafe_payments_get(struct cafe_log *log, long long order_id, struct cafe_err *e);

/*
 * A manual refund of amount (0: all that is left of the charge): appends
 * RefundRequested {order_id, amount, reason[, tender]} on payment-N, one
 * per tender it goes back to, the card first unless cash_first (tender.h);
 * the refund policy of cafe-daemon sends the card's to the processor and
 * records the cash's as given out of the drawer. Refunds together never
 * exceed the charge. Refused (CAFE_REFUSED, nothing appended) for an
 * unknown order, a payment that was not approved, one already refunded or
 * with a refund pending, and an amount over what is left; a payment whose
 * refund failed may be refunded again. A reason that is not text or too
 * long: CAFE_DATAERR. *out (may be NULL) gets {order_id, status, amount,
 * tenders, charged, refunded, reason, requested_at}. With a key (may be NULL) seen
 * before on a refund of this order, *out is that refund's answer and
 * nothing is appended; a key used by another command: CAFE_DATAERR. With
 * staff (may be NULL), a refund over its limit by someone who is not a
 * manager: CAFE_NOPERM (staff.h), nothing appended.
 */
int cafe_payments_refund(struct cafe_log *log, const struct cafe_config *staff,
		long long order_id, long long amount, int cash_first, const char *reason, const char *key, json_t **out, struct cafe_err *e);

#endif
