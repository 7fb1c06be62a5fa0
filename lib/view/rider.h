/*
 * rider.h - what a rider sees (seed 003): the deliveries ready and not
 * yet taken, and those the rider carries, oldest first. The model of
 * `cafe-deliver list --rider NAME --waiting` and of the rider's page on
 * cafe-web.
 */
#ifndef CAFE_RIDER_H
#define CAFE_RIDER_H

#include <jansson.h>

#include "base/cafe.h"
#include "store/log.h"

/* A row of the trace (trace.h) that is a delivery waiting for a rider:
 * made, paid, and taken by nobody. */
int cafe_rider_waiting(json_t *row);
/* A row that rider carries: out for delivery with that rider. */
int cafe_rider_carries(json_t *row, const char *rider);
/* {"rider", "waiting": [...], "carrying": [...]}, each delivery
 * {order_id, items, qty, customer, address, placed_at}. New reference in
 * *out. */
int cafe_rider_view(struct cafe_log *log, const char *rider, json_t **out,
		struct cafe_err *e);

#endif
