/*
 * order.h - the domain rules of an order, its payment, its delivery and
 * the stock, as pure functions over events: fold events into a state,
 * decide a command against that state, return the new events. Nothing
 * here touches the database, a processor or a clock; callers pass them in.
 */
#ifndef CAFE_ORDER_H
#define CAFE_ORDER_H

#include "base/cafe.h"
#include "config/config.h"
#include "items.h"
#include "store/log.h"

#define CAFE_MAX_NAME 200       /* customer, rider: characters */
#define CAFE_MAX_CONTACT 254    /* a phone number or an e-mail address: bytes */
#define CAFE_MAX_TEXT 500       /* address, reason */

enum cafe_order_status {
	CAFE_ORDER_NONE,            /* no OrderPlaced yet */
	CAFE_ORDER_PAID,
	CAFE_ORDER_CANCELLED,
	CAFE_ORDER_REJECTED,
	CAFE_ORDER_DELIVERED,
	CAFE_ORDER_RETURNED         /* delivered, then all of it brought back */
};

enum cafe_payment_status {
	CAFE_PAYMENT_NONE,
	CAFE_PAYMENT_REQUESTED,     /* charge asked for, no answer recorded */
	CAFE_PAYMENT_DECLINED,
	CAFE_PAYMENT_APPROVED,
	CAFE_PAYMENT_REFUND_PENDING,
	CAFE_PAYMENT_REFUNDED,
	CAFE_PAYMENT_REFUND_FAILED,
	CAFE_PAYMENT_VOIDED,
	CAFE_PAYMENT_ABANDONED,     /* given up (PaymentAbandoned): a void is due */
	CAFE_PAYMENT_PARTIALLY_REFUNDED,   /* some of the charge went back */
	CAFE_PAYMENT_STATUSES       /* how many there are */
};

enum cafe_delivery_status {
	CAFE_DELIVERY_PENDING,      /* not yet started */
	CAFE_DELIVERY_BREWING,
	CAFE_DELIVERY_READY,
	CAFE_DELIVERY_DISPATCHED,
	CAFE_DELIVERY_DELIVERED,
	CAFE_DELIVERY_CANCELLED
};

/* Everything known about one order, folded from its correlated events.
 * cafe_order_init zeroes the numbers and empties the texts: a text added
 * between customer and messages is emptied there too. */
struct cafe_order {
	long long id;
	char shop[168];                        /* where it was placed (DESIGN §15) */
	enum cafe_order_status status;
	enum cafe_payment_status payment;
	enum cafe_delivery_status delivery;
	char product[256];                     /* the items, short, for people */
	long long qty;                         /* drinks, all items together */
	char items[CAFE_ITEMS_JSON];           /* OrderPlaced's items, as JSON */
	long long total, amount;               /* the order's; what was charged */
	int tax_rate, tax_included;            /* as OrderPlaced recorded them */
	long long tax;                         /* of the total; 0 without tax */
	/* Refunds: each RefundRequested is answered, in order, by one
	 * PaymentRefunded or RefundFailed; several may be asked for, each
	 * of part of the charge, and together they never exceed it. */
	long long refund_asks, refund_answers;
	long long refund_open;                 /* asked for and not yet answered */
	long long refunded;                    /* given back */
	long long refund_failed;               /* failed, not asked for again: owed */
	int refund_last_failed;                /* the latest answer was a failure */
	/* Tenders (tender.h): the part of amount paid in cash (the rest went
	 * through the card processor), and the cash given back or asked for. */
	long long cash, cash_refunded, cash_refund_open;
	long long tendered, change;            /* the cash handed over, and back */
	long long ticket;                      /* of its business day, 0: none (older) */
	int takeout;                           /* 1: to take away; 0: dine-in */
	long long returned;                    /* drinks brought back (OrderReturned) */
	char customer[CAFE_MAX_NAME * 4 + 1];
	char address[CAFE_MAX_TEXT * 4 + 1];
	char contact[CAFE_MAX_CONTACT + 1];
	char note[CAFE_MAX_TEXT * 4 + 1];
	char returned_products[1024];          /* brought back: names, each ended by '\n' */
	char rider[CAFE_MAX_NAME * 4 + 1];
	char reason[CAFE_MAX_TEXT * 4 + 1];    /* of a decline, cancel or reject */
	char pay_key[128];                     /* processor idempotency key */
	char ref[128];                         /* processor reference */
	long long messages;                    /* NotificationSent to the customer */
	char pickup_at[32];                    /* RFC 3339 UTC, or "": as soon as made */
	long long pickup_ms;                   /* the same, ms; 0: none */
	char language[8];                      /* the customer's ("ko"), or "": the shop's */
	int made;                              /* DrinkReady or later: the drink exists */
	char requested_at[32], placed_at[32], updated_at[32];
	long long order_version, payment_version, delivery_version;
};

const char *cafe_order_status_name(enum cafe_order_status s);
const char *cafe_payment_status_name(enum cafe_payment_status s);
const char *cafe_delivery_status_name(enum cafe_delivery_status s);
/* -1 when the name is unknown. */
int cafe_delivery_status_parse(const char *name);

void cafe_order_init(struct cafe_order *o, long long id);
/* Folds one event of the order (any of its streams) into o. */
void cafe_order_apply(struct cafe_order *o, const struct cafe_event *ev);

/* The tenders as OrderPlaced and PaymentApproved keep them (tender.h):
 * [{tender, amount}], the cash one with tendered and change when tendered
 * is above 0. A new reference. */
json_t *cafe_tenders_json(long long total, long long cash, long long tendered);
/* The same from a folded order. */
json_t *cafe_order_tenders(const struct cafe_order *o);

/* What is left of the charge to refund: neither given back nor asked for. */
long long cafe_order_refundable(const struct cafe_order *o);

/* The order's items as JSON (a new reference; an empty list before it
 * was placed). */
json_t *cafe_order_items(const struct cafe_order *o);

/* Order ids in streams and correlation ids. */
void cafe_order_stream(char *buf, size_t n, const char *kind, long long id);
/* The order id named by a string like "42"; -1 when it is not one. */
long long cafe_order_id_parse(const char *s);
/* The order id an event belongs to (data.order_id), or 0. */
long long cafe_event_order_id(const struct cafe_event *ev);

/* Stock of one product, folded from stock-PRODUCT. */
struct cafe_stock {
	int tracked;
	long long level;
	long long version;          /* of the stock stream */
};
void cafe_stock_init(struct cafe_stock *s, const struct cafe_product *p);
void cafe_stock_apply(struct cafe_stock *s, const struct cafe_event *ev);

/* What a customer asks for at the counter: items priced by items.c. */
struct cafe_place_request {
	struct cafe_line lines[CAFE_MAX_ITEMS];
	size_t nlines;
	const char *customer;
	const char *contact;        /* a phone number or an e-mail address, or NULL */
	const char *address;
	const char *note;           /* for the kitchen: "less ice", or NULL */
	const char *channel;        /* "web" for a customer's own order; NULL: the counter */
	const char *pickup_at;      /* when it is collected, RFC 3339 as cafe_format_ts
	                             * makes it (cafe_check_pickup), or NULL: now */
	const char *language;       /* the customer's ("ko"), or NULL: the shop's */
	const char *key;            /* idempotency key, or NULL */
	const char *shop;           /* where it is placed (its stock); NULL: "main" */
	int takeout;                /* 1: to take away */
	/* How it is paid (tender.h): as asked, then resolved against the total. */
	struct cafe_tender_ask {
		int cash;               /* 1: cash; 0: card */
		long long amount;       /* -1: the rest */
	} tenders[2];
	size_t ntenders;            /* 0: all by card */
	long long tendered;         /* cash handed over, -1: not said */
	long long ticket;           /* given under the write lock (counter.c) */
	long long cash;             /* resolved: the cash part of the total */
	const char *currency;       /* the shop's, for an order all in cash */
	int tax_rate;               /* percent (config tax), 0: none */
	int tax_included;           /* 1: in the prices; 0: charged on top */
};

/* What the order is charged: its items' totals, plus the tax when it is
 * not included in the prices; *tax gets the tax (included or not). */
long long cafe_place_total(const struct cafe_place_request *r, long long *tax);

/* Text a person typed (a name, an address, a reason): 0, or CAFE_DATAERR
 * when it is not UTF-8 text, longer than max characters, or empty while
 * required; the message names it as `what`. */
int cafe_check_text(const char *what, const char *s, size_t max, int required,
		struct cafe_err *e);
/* A pick-up time a person gave: RFC 3339, a local date and time
 * ("2026-12-07 14:30") or a time today ("14:30"). It must be later than
 * now_ms, on the same local day, and within the shop's hours (open_min and
 * close_min, minutes after local midnight; -1: any time). 0 with the
 * instant in canon (>= 32 bytes) as cafe_format_ts makes it; CAFE_DATAERR
 * for what is not a time; CAFE_REFUSED for a time the shop cannot keep,
 * saying why (with the hours). */
int cafe_check_pickup(const char *s, long long now_ms, int open_min, int close_min,
		char *canon, struct cafe_err *e);
/* The languages customers are spoken to in; 0 when s is one of them. */
int cafe_check_language(const char *s, struct cafe_err *e);

/* A customer's contact: 0 when it is a phone number (digits, at least 7
 * and at most 15, with an optional leading '+' and spaces, dashes or
 * dots between) or an e-mail address (one '@', a domain with a dot);
 * else CAFE_DATAERR saying so. NULL is no contact, and fine. */
int cafe_check_contact(const char *s, struct cafe_err *e);
/* Checks the rest of a request (its items are priced already):
 * CAFE_DATAERR for malformed values or no items. */
int cafe_place_validate(const struct cafe_place_request *r, struct cafe_err *e);

/* A product an order takes, and how many of it, all its items together. */
struct cafe_want {
	const struct cafe_product *p;
	long long qty;
};
/* Fills w (CAFE_MAX_ITEMS long) with the request's distinct products, in
 * the order they first appear; returns how many. */
size_t cafe_place_wants(const struct cafe_place_request *r, struct cafe_want *w);
/* Stock rule: CAFE_REFUSED when qty more than the level of a tracked product. */
int cafe_stock_check(const struct cafe_stock *s, const char *product, long long qty,
		struct cafe_err *e);

/*
 * Decisions: each appends the events of its command to b, or refuses
 * (CAFE_REFUSED with the reason in e) and appends nothing.
 */
void cafe_decide_request_payment(struct cafe_batch *b, long long order_id,
		long long amount, const char *currency, const char *pay_key);
void cafe_decide_declined(struct cafe_batch *b, const struct cafe_order *o,
		const char *reason);
/* s holds the stock of each of cafe_place_wants()'s products, in order. */
int cafe_decide_place(struct cafe_batch *b, const struct cafe_order *o,
		const struct cafe_place_request *r, const struct cafe_stock *s,
		const char *ref, struct cafe_err *e);
/*
 * Gives up a charge that has no answer in the log yet (PaymentAbandoned),
 * before anyone voids it: whoever wins the payment stream's next version
 * decides, so a late approval can no longer place the order, and a void
 * is never sent for a charge whose order exists. CAFE_REFUSED when the
 * charge was answered (placed, declined) or given up already.
 */
int cafe_decide_abandon(struct cafe_batch *b, const struct cafe_order *o,
		const char *reason, struct cafe_err *e);
int cafe_decide_cancel(struct cafe_batch *b, const struct cafe_order *o,
		const char *reason, struct cafe_err *e);
/* The customer's own cancel: only while the drink is not yet made
 * (DrinkReady or later refuses it), and not twice. */
int cafe_decide_customer_cancel(struct cafe_batch *b, const struct cafe_order *o,
		struct cafe_err *e);
/* Where a refund goes first: the card unless told (cafe-pay --tender). */
enum { CAFE_REFUND_ANY, CAFE_REFUND_CASH_FIRST, CAFE_REFUND_CARD_FIRST };
/*
 * A refund of amount (0: all that is left) of an approved charge, with a
 * reason: a RefundRequested per tender it goes back to (tender.h), the
 * card first unless cash_first is CAFE_REFUND_CASH_FIRST; asking for a
 * tender the order was not paid with is CAFE_REFUSED. CAFE_REFUSED while another refund is being
 * made, when nothing is left, or when amount is more than is left.
 */
int cafe_decide_refund(struct cafe_batch *b, const struct cafe_order *o,
		long long amount, int cash_first, const char *reason, struct cafe_err *e);
int cafe_decide_stock(struct cafe_batch *b, const char *shop, const char *product,
		const struct cafe_stock *s, int set, long long n, struct cafe_err *e);
/* A product's stock stream in a shop (DESIGN §15): stock-PRODUCT in the
 * shop "main" (and every log from before shops), stock-SHOP:PRODUCT in
 * another (neither name holds a ':'). */
void cafe_stock_stream(char *buf, size_t n, const char *shop, const char *product);

#endif
