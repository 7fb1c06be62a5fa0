/*
 * order-rules - checks the pure domain rules of lib/order.c without any
 * database: events are built in memory, folded and decided on. Prints
 * "ok N - what" per check and exits 1 on the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

static int checks;

#define CHECK(cond, what) do { \
	checks++; \
	if (!(cond)) { \
		printf("not ok %d - %s (%s:%d)\n", checks, what, __FILE__, __LINE__); \
		exit(1); \
	} \
	printf("ok %d - %s\n", checks, what); \
} while (0)

/* Appends the batch's events to the order as if the log had stored them. */
static void
commit(struct cafe_order *o, struct cafe_batch *b, long long *version)
{
	for (size_t i = 0; i < b->n; i++) {
		b->ev[i].version = ++*version;
		snprintf(b->ev[i].ts, sizeof b->ev[i].ts, "2026-11-22T10:00:0%d.000Z", (int)(i % 10));
		cafe_order_apply(o, &b->ev[i]);
	}
	cafe_batch_release(b);
}

int
main(void)
{
	struct cafe_config c;
	struct cafe_order o;
	struct cafe_stock s;
	struct cafe_batch b;
	struct cafe_err e;
	struct cafe_place_request r = { "latte", 2, "kim", "table 4", NULL };
	const struct cafe_product *latte;
	long long v = 0;

	cafe_config_defaults(&c);
	latte = cafe_config_product(&c, "latte");
	CHECK(latte && latte->tracked, "the built-in menu has a tracked latte");

	CHECK(cafe_place_validate(&c, &r, &e) == 0, "a good request is valid");
	r.qty = 0;
	CHECK(cafe_place_validate(&c, &r, &e) == CAFE_DATAERR, "qty 0 is bad data");
	r.qty = CAFE_MAX_QTY + 1;
	CHECK(cafe_place_validate(&c, &r, &e) == CAFE_DATAERR, "qty over the limit is bad data");
	r.qty = 2;
	r.product = "lattee";
	CHECK(cafe_place_validate(&c, &r, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "unknown product 'lattee'"), "an unknown product is refused");
	r.product = "latte";
	r.customer = "\xff";
	CHECK(cafe_place_validate(&c, &r, &e) == CAFE_DATAERR, "invalid UTF-8 is bad data");
	r.customer = "kim";

	cafe_stock_init(&s, latte);
	s.level = 1;
	CHECK(cafe_stock_check(&s, "latte", 2, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "only 1 latte left"), "stock never goes below 0");
	s.level = 10;

	cafe_order_init(&o, 7);
	cafe_batch_init(&b);
	CHECK(cafe_decide_place(&b, &o, &r, latte, &s, "ref-1", &e) == CAFE_REFUSED,
	    "no order without a requested payment");
	cafe_batch_release(&b);

	cafe_batch_init(&b);
	cafe_decide_request_payment(&b, 7, latte->price * 2, "KRW", "k");
	commit(&o, &b, &v);
	CHECK(o.payment == CAFE_PAYMENT_REQUESTED && o.amount == 8000,
	    "PaymentRequested folds to requested");

	cafe_batch_init(&b);
	CHECK(cafe_decide_place(&b, &o, &r, latte, &s, "ref-1", &e) == 0 && b.n == 3,
	    "an approved charge places OrderPlaced, PaymentApproved, StockReserved");
	CHECK(strcmp(b.ev[0].type, "OrderPlaced") == 0 &&
	    strcmp(b.ev[1].type, "PaymentApproved") == 0 &&
	    strcmp(b.ev[2].type, "StockReserved") == 0, "in that order");
	for (size_t i = 0; i < b.n; i++)
		cafe_stock_apply(&s, &b.ev[i]);
	commit(&o, &b, &v);
	CHECK(o.status == CAFE_ORDER_PAID && o.payment == CAFE_PAYMENT_APPROVED &&
	    o.total == 8000 && s.level == 8, "the order is paid and stock reserved");

	cafe_batch_init(&b);
	CHECK(cafe_decide_cancel(&b, &o, "changed mind", &e) == 0 && b.n == 1,
	    "a paid order can be cancelled");
	commit(&o, &b, &v);
	CHECK(o.status == CAFE_ORDER_CANCELLED, "cancelled");
	cafe_batch_init(&b);
	CHECK(cafe_decide_cancel(&b, &o, NULL, &e) == CAFE_REFUSED && b.n == 0 &&
	    strstr(e.msg, "already cancelled"), "a cancelled order cannot be cancelled");
	cafe_batch_release(&b);

	cafe_order_init(&o, 8);
	cafe_batch_init(&b);
	CHECK(cafe_decide_cancel(&b, &o, NULL, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "unknown order 8"), "an unknown order cannot be cancelled");
	cafe_batch_release(&b);

	cafe_stock_init(&s, cafe_config_product(&c, "mocha"));
	cafe_batch_init(&b);
	CHECK(cafe_decide_stock(&b, "mocha", &s, 0, 5, &e) == CAFE_REFUSED,
	    "--add on an untracked product is refused");
	CHECK(cafe_decide_stock(&b, "mocha", &s, 1, 5, &e) == 0 && b.n == 1,
	    "--set starts tracking");
	cafe_stock_apply(&s, &b.ev[0]);
	cafe_batch_release(&b);
	cafe_batch_init(&b);
	CHECK(s.tracked && s.level == 5 &&
	    cafe_decide_stock(&b, "mocha", &s, 0, -6, &e) == CAFE_REFUSED,
	    "stock cannot be adjusted below 0");
	cafe_batch_release(&b);

	cafe_config_release(&c);
	printf("%d passed, 0 failed\n", checks);
	return 0;
}
