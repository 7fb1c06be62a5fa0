/*
 * pickup.h - the pick-up board's model: the orders being made and ready,
 * by ticket number only (no names, no addresses), kept from the log itself. It
 * starts from the trace's open orders and then reads every event after
 * the trace's checkpoint that moves an order on or off the board (the
 * catalogue's board column), so a projection's own commits are never
 * waited for.
 */
#ifndef CAFE_PICKUP_H
#define CAFE_PICKUP_H

#include <pthread.h>

#include <jansson.h>

#include "base/cafe.h"
#include "store/log.h"

struct cafe_pickup {
	pthread_mutex_t mu;
	struct cafe_pickup_spot {
		long long id;
		long long number;       /* the day's ticket, called out; else the id */
		int ready;
	} *spots;
	size_t n, cap;
	long long seq;              /* the last event read */
	const char *shop;           /* its shop's orders only (DESIGN §15); NULL: all */
	long long latest;           /* the order that became ready last, while it
	                             * is on the board: the one to call out; 0 none */
};

/* The board of one shop's orders (borrowed; NULL: every shop's). */
void cafe_pickup_init(struct cafe_pickup *p, const char *shop);
void cafe_pickup_free(struct cafe_pickup *p);
/* The board as the trace has it, and where the trace stands (nothing when
 * there is no trace: the whole log is read by the first catch-up). */
int cafe_pickup_start(struct cafe_pickup *p, struct cafe_log *log, struct cafe_err *e);
/* Reads the events after the last one read. */
int cafe_pickup_catch_up(struct cafe_pickup *p, struct cafe_log *log, struct cafe_err *e);
/* {"making": [numbers], "ready": [numbers], "latest": number or null}: each
 * order's ticket (its id when it has none). New reference. */
json_t *cafe_pickup_json(struct cafe_pickup *p);

#endif
