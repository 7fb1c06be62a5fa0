/*
 * catalogue.h - the event catalogue (cafe-log(5), DESIGN §3): for every
 * event type, the stream it lives on and the data fields it must carry,
 * with their JSON types. `cafe-log import` checks each event against it,
 * so that a file from elsewhere cannot bring in an OrderPlaced with no
 * product, or a payment event on an order's stream. Pure: no I/O.
 */
#ifndef CAFE_CATALOGUE_H
#define CAFE_CATALOGUE_H

#include "base/cafe.h"
#include "store/log.h"

/* 0 when ev is a known type, on its kind of stream (order-N, payment-N,
 * delivery-N, stock-PRODUCT, notify-ID, breaker-NAME), with every
 * required field of the right type and, on an order's streams, the
 * order_id of its stream's N. Else CAFE_DATAERR with what is wrong. */
int cafe_catalogue_check(const struct cafe_event *ev, struct cafe_err *e);

#endif
