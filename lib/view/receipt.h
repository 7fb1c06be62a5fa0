/*
 * receipt.h - the customer's receipt of an order (cafe-order receipt),
 * read from the log: what was bought, with its choices and prices, the
 * tax, what was charged and by which payment, and what went back.
 */
#ifndef CAFE_RECEIPT_H
#define CAFE_RECEIPT_H

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

/*
 * The receipt of order id as one object (DESIGN §11): order_id,
 * placed_at, customer, address, items (as in OrderPlaced), subtotal,
 * total, currency, tax {rate_percent, amount, included}, payment {status,
 * ref}, refunds [{amount, reason, ts}]. A new reference in *out.
 * CAFE_REFUSED for an order that was never placed.
 */
int cafe_receipt(struct cafe_log *log, const struct cafe_config *c, long long id,
		json_t **out, struct cafe_err *e);

#endif
