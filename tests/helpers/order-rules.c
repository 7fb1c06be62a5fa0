/*
 * order-rules - checks the pure domain rules of lib/domain/order.c without any
 * database: events are built in memory, folded and decided on. Prints
 * "ok N - what" per check and exits 1 on the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"

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
	struct cafe_place_request r;
	struct cafe_line l;
	struct cafe_stock st[2];
	const struct cafe_product *latte;
	char summary[256];
	long long v = 0, drinks;
	json_t *items;

	cafe_config_defaults(&c);
	latte = cafe_config_product(&c, "latte");
	CHECK(latte && latte->tracked, "the built-in menu has a tracked latte");

	CHECK(cafe_item_parse(&c, "latte:2+large+oat", 1, &l, &e) == 0 && l.qty == 2 &&
	    l.unit_price == 4000 + 500 + 600 && l.total == 2 * 5100 && l.nchoices == 2,
	    "latte:2+large+oat is two lattes at 5100");
	CHECK(cafe_item_parse(&c, "latte", 3, &l, &e) == 0 && l.qty == 3 &&
	    l.unit_price == 4000 && strcmp(l.choice[0]->name, "regular") == 0 &&
	    strcmp(l.choice[1]->name, "whole") == 0, "a group not chosen from takes its default");
	CHECK(cafe_item_parse(&c, "latte:0", 1, &l, &e) == CAFE_DATAERR, "qty 0 is bad data");
	CHECK(cafe_item_parse(&c, "latte:101", 1, &l, &e) == CAFE_DATAERR,
	    "qty over the limit is bad data");
	CHECK(cafe_item_parse(&c, "latte:", 1, &l, &e) == CAFE_DATAERR, "latte: is bad data");
	CHECK(cafe_item_parse(&c, ":2", 1, &l, &e) == CAFE_DATAERR &&
	    strstr(e.msg, "names no product"), ":2 names no product");
	CHECK(cafe_item_parse(&c, "latte++oat", 1, &l, &e) == CAFE_DATAERR &&
	    strstr(e.msg, "empty choice"), "latte++oat has an empty choice");
	CHECK(cafe_item_parse(&c, "latte+large+regular", 1, &l, &e) == CAFE_DATAERR &&
	    strstr(e.msg, "both size"), "two choices from one group are bad data");
	CHECK(cafe_item_parse(&c, "lattee", 1, &l, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "unknown product 'lattee' (the menu: americano, latte"),
	    "an unknown product is refused, naming the menu");
	CHECK(cafe_item_parse(&c, "latte+soy", 1, &l, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "latte: no choice 'soy' (offered: regular, large, whole, oat)"),
	    "a choice not offered is refused, naming what is");
	CHECK(cafe_item_parse(&c, "tea+large", 1, &l, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "tea offers no choices"), "tea offers no choices");
	CHECK(cafe_item_parse(&c, "latte\x01", 1, &l, &e) == CAFE_DATAERR &&
	    strstr(e.msg, "control character"), "a control character is bad data");

	memset(&r, 0, sizeof r);
	r.customer = "kim";
	r.address = "table 4";
	CHECK(cafe_place_validate(&r, &e) == CAFE_DATAERR, "an order needs an item");
	CHECK(cafe_item_parse(&c, "latte:2+large", 1, &r.lines[0], &e) == 0 &&
	    cafe_item_parse(&c, "americano", 1, &r.lines[1], &e) == 0 &&
	    cafe_item_parse(&c, "latte+oat", 1, &r.lines[2], &e) == 0, "three items parse");
	r.nlines = 3;
	CHECK(cafe_place_validate(&r, &e) == 0, "a good request is valid");
	CHECK(cafe_items_total(r.lines, r.nlines) == 2 * 4500 + 3000 + 4600,
	    "the total is the items' totals");
	{
		struct cafe_want w[CAFE_MAX_ITEMS];

		CHECK(cafe_place_wants(&r, w) == 2 && w[0].p == latte && w[0].qty == 3 &&
		    w[1].qty == 1, "stock is wanted per product: 3 lattes, 1 americano");
	}
	r.customer = "\xff";
	CHECK(cafe_place_validate(&r, &e) == CAFE_DATAERR, "invalid UTF-8 is bad data");
	r.customer = "kim";

	cafe_stock_init(&s, latte);
	s.level = 1;
	CHECK(cafe_stock_check(&s, "latte", 2, &e) == CAFE_REFUSED &&
	    strstr(e.msg, "only 1 latte left"), "stock never goes below 0");
	cafe_stock_init(&st[0], latte);
	cafe_stock_init(&st[1], cafe_config_product(&c, "americano"));
	st[0].level = 2;

	cafe_order_init(&o, 7);
	cafe_batch_init(&b);
	CHECK(cafe_decide_place(&b, &o, &r, st, "ref-1", &e) == CAFE_REFUSED,
	    "no order without a requested payment");
	cafe_batch_release(&b);

	cafe_batch_init(&b);
	cafe_decide_request_payment(&b, 7, 16600, "KRW", "k");
	commit(&o, &b, &v);
	CHECK(o.payment == CAFE_PAYMENT_REQUESTED && o.amount == 16600,
	    "PaymentRequested folds to requested");

	cafe_batch_init(&b);
	CHECK(cafe_decide_place(&b, &o, &r, st, "ref-1", &e) == CAFE_REFUSED && b.n == 0 &&
	    strstr(e.msg, "only 2 latte left, 3 asked for"),
	    "all or nothing: one product short refuses the whole order");
	cafe_batch_release(&b);
	st[0].level = 10;
	cafe_batch_init(&b);
	CHECK(cafe_decide_place(&b, &o, &r, st, "ref-1", &e) == 0 && b.n == 4,
	    "an approved charge places OrderPlaced, PaymentApproved, 2 StockReserved");
	CHECK(b.ev[0].kind == CAFE_EV_ORDER_PLACED &&
	    b.ev[1].kind == CAFE_EV_PAYMENT_APPROVED &&
	    b.ev[2].kind == CAFE_EV_STOCK_RESERVED &&
	    strcmp(b.ev[2].stream, "stock-latte") == 0 &&
	    strcmp(b.ev[3].stream, "stock-americano") == 0, "in that order");
	CHECK(json_array_size(json_object_get(b.ev[0].data, "items")) == 3 &&
	    json_integer_value(json_object_get(b.ev[0].data, "total")) == 16600,
	    "OrderPlaced carries the items and the total");
	cafe_stock_apply(&st[0], &b.ev[2]);
	commit(&o, &b, &v);
	CHECK(o.status == CAFE_ORDER_PAID && o.payment == CAFE_PAYMENT_APPROVED &&
	    o.total == 16600 && o.qty == 4 && st[0].level == 7,
	    "the order is paid and stock reserved");
	CHECK(strcmp(o.product, "latte x3 + americano") == 0, "its summary, per product");

	items = json_pack("{s:I, s:s, s:I, s:I, s:I}", "order_id", 3, "product", "latte",
	    "qty", 2, "unit_price", 4000, "total", 8000);
	{
		json_t *one = cafe_items_of(items);
		char *text = cafe_items_text(one);

		cafe_items_summary(one, summary, sizeof summary, &drinks);
		CHECK(json_array_size(one) == 1 && strcmp(summary, "latte x2") == 0 &&
		    drinks == 2 && strcmp(text, "latte x2") == 0,
		    "an older OrderPlaced reads as one item");
		free(text);
		json_decref(one);
	}
	json_decref(items);
	items = cafe_items_json(r.lines, r.nlines);
	{
		char *text = cafe_items_text(items);

		CHECK(strcmp(text, "latte x2 (large, whole), americano (regular), "
		    "latte (regular, oat)") == 0, "the items as text");
		free(text);
	}
	json_decref(items);
	items = json_loads("[{\"product\":\"latte\",\"qty\":3},{\"product\":\"americano\","
	    "\"qty\":1},{\"product\":\"tea\",\"qty\":2}]", 0, NULL);
	cafe_items_summary(items, summary, 24, &drinks);
	CHECK(strcmp(summary, "latte x3 + 2 more") == 0 && drinks == 6,
	    "a summary too long says how many more");
	json_decref(items);

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
	CHECK(cafe_decide_stock(&b, NULL, "mocha", &s, 0, 5, &e) == CAFE_REFUSED,
	    "--add on an untracked product is refused");
	CHECK(cafe_decide_stock(&b, NULL, "mocha", &s, 1, 5, &e) == 0 && b.n == 1,
	    "--set starts tracking");
	cafe_stock_apply(&s, &b.ev[0]);
	cafe_batch_release(&b);
	cafe_batch_init(&b);
	CHECK(s.tracked && s.level == 5 &&
	    cafe_decide_stock(&b, NULL, "mocha", &s, 0, -6, &e) == CAFE_REFUSED,
	    "stock cannot be adjusted below 0");
	cafe_batch_release(&b);

	cafe_config_release(&c);
	printf("%d passed, 0 failed\n", checks);
	return 0;
}
