/*
 * catalogue.h - the event catalogue (cafe-log(5), DESIGN §3): every event
 * type in one table. Each row gives the type's name, the stream it lives
 * on, the data fields it must carry with their JSON types, and the words
 * people meet it by: the {status} of a customer's message (NULL: the
 * customer is not told), the message sent when notify.templates has none,
 * the step as the customer's order page shows it, and what it does to
 * the pick-up board.
 *
 * The code names a type by its enum (CAFE_EV_ORDER_PLACED), never by its
 * text, and the fold and the policies switch on it: a type added here is
 * a warning at every switch that does not handle it (-Wswitch). What else
 * a new type needs is listed in the README ("Adding an event type").
 *
 * Field types: 'i' a whole number, 's' a string, 'b' a boolean, 'n' a
 * number, 'a' a list, 'o' an object; a name starting with '?' is optional
 * but typed when present. Pure: no I/O.
 */
#ifndef CAFE_CATALOGUE_H
#define CAFE_CATALOGUE_H

#include "base/cafe.h"
#include "base/lang.h"

#define CAFE_EV_ORDER_PAY "order_id:i amount:i"

/* X(ENUM, Name, stream, fields, status, message, step, board) */
#define CAFE_EVENT_TYPES(X) \
	X(PAYMENT_REQUESTED, PaymentRequested, "payment", \
	    CAFE_EV_ORDER_PAY " key:s ?currency:s", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(PAYMENT_APPROVED, PaymentApproved, "payment", CAFE_EV_ORDER_PAY " ref:s ?tenders:a ?currency:s", \
	    "approved", N_("Order {ticket}: thank you, {amount} received for your {product}"), \
	    NULL, CAFE_BOARD_NONE) \
	X(PAYMENT_DECLINED, PaymentDeclined, "payment", CAFE_EV_ORDER_PAY " reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(PAYMENT_ABANDONED, PaymentAbandoned, "payment", CAFE_EV_ORDER_PAY " reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(PAYMENT_VOIDED, PaymentVoided, "payment", CAFE_EV_ORDER_PAY " ref:s ?reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(REFUND_REQUESTED, RefundRequested, "payment", \
	    "order_id:i ?amount:i ?reason:s ?tender:s", \
	    NULL, NULL, N_("Refund asked for"), CAFE_BOARD_NONE) \
	X(PAYMENT_REFUNDED, PaymentRefunded, "payment", CAFE_EV_ORDER_PAY " ref:s ?tender:s", \
	    "refunded", N_("Order {ticket}: {amount} has been refunded to you"), \
	    N_("Refunded"), CAFE_BOARD_NONE) \
	X(REFUND_FAILED, RefundFailed, "payment", \
	    "order_id:i ?amount:i error:s ?attempts:i", "refund_failed", \
	    N_("Order {ticket}: your refund of {amount} is delayed; we are looking into it"), \
	    N_("Refund delayed"), CAFE_BOARD_NONE) \
	X(STOCK_RESERVED, StockReserved, "stock", "order_id:i product:s qty:i ?stock:i", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(STOCK_RELEASED, StockReleased, "stock", "order_id:i product:s qty:i", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(STOCK_ADJUSTED, StockAdjusted, "stock", "product:s stock:i", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(DELIVERY_STARTED, DeliveryStarted, "delivery", "order_id:i ?address:s ?product:s " \
	    "?qty:i ?items:a ?customer:s ?contact:s ?language:s ?ticket:i", "brewing", \
	    N_("Order {ticket}: your {product} is being made"), N_("Being made"), \
	    CAFE_BOARD_MAKING) \
	X(DRINK_READY, DrinkReady, "delivery", "order_id:i", "ready", \
	    N_("Order {ticket}: your {product} is ready"), N_("Ready"), CAFE_BOARD_READY) \
	X(DELIVERY_DISPATCHED, DeliveryDispatched, "delivery", "order_id:i ?rider:s", \
	    "dispatched", N_("Order {ticket}: your {product} is on its way with {rider}"), \
	    N_("On its way"), CAFE_BOARD_GONE) \
	X(DELIVERY_COMPLETED, DeliveryCompleted, "delivery", "order_id:i", "delivered", \
	    N_("Order {ticket}: your {product} has been delivered, enjoy"), N_("Delivered"), \
	    CAFE_BOARD_GONE) \
	X(DELIVERY_CANCELLED, DeliveryCancelled, "delivery", "order_id:i ?reason:s", \
	    "cancelled", N_("Order {ticket}: your {product} is cancelled"), \
	    N_("Delivery called off"), CAFE_BOARD_GONE) \
	/* items, or (before orders had items) product, qty and unit_price */ \
	X(ORDER_PLACED, OrderPlaced, "order", "order_id:i ?items:a ?product:s ?qty:i " \
	    "?unit_price:i total:i ?tax:o ?customer:s ?address:s ?contact:s ?note:s " \
	    "?channel:s ?pickup_at:s ?language:s ?ticket:i ?takeout:b ?tenders:a", NULL, NULL, \
	    N_("Order placed and paid"), CAFE_BOARD_NONE) \
	X(ORDER_CANCELLED, OrderCancelled, "order", "order_id:i ?reason:s", \
	    NULL, NULL, N_("Cancelled"), CAFE_BOARD_GONE) \
	/* a delivered order brought back: its items (all, or some) and why */ \
	X(ORDER_RETURNED, OrderReturned, "order", "order_id:i items:a amount:i ?reason:s", \
	    "returned", N_("Order {ticket}: your return is taken back; {amount} will be " \
	    "refunded to you"), N_("Returned"), CAFE_BOARD_NONE) \
	X(ORDER_REJECTED, OrderRejected, "order", "order_id:i ?reason:s", "rejected", \
	    N_("Order {ticket}: sorry, we cannot make your {product}; your money will be " \
	    "refunded"), N_("The shop could not make it"), CAFE_BOARD_GONE) \
	X(BREAKER_OPENED, BreakerOpened, "breaker", "?calls:i ?failures:i ?reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(BREAKER_HALF_OPENED, BreakerHalfOpened, "breaker", "?reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(BREAKER_CLOSED, BreakerClosed, "breaker", "?reason:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(NOTIFICATION_QUEUED, NotificationQueued, "notify", "order_id:i message_id:s " \
	    "event:s text:s ?customer:s ?contact:s", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(NOTIFICATION_SENT, NotificationSent, "notify", "order_id:i message_id:s " \
	    "channel:s ?attempt:i ?first:b", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(NOTIFICATION_FAILED, NotificationFailed, "notify", "order_id:i message_id:s " \
	    "channel:s error:s ?attempt:i ?dead:b", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(NOTIFICATION_REQUEUED, NotificationRequeued, "notify", "order_id:i message_id:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	/* the drawer: till-SHOP */ \
	X(TILL_OPENED, TillOpened, "till", "float:i", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(TILL_CLOSED, TillClosed, "till", "float:i cash_in:i cash_out:i expected:i " \
	    "counted:i over_short:i", NULL, NULL, NULL, CAFE_BOARD_NONE) \
	/* the menu's one stream is called "menu", without a suffix */ \
	X(PRODUCT_ADDED, ProductAdded, "menu", "name:s ?code:s price:i ?options:o ?stock:i", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(PRODUCT_CHANGED, ProductChanged, "menu", "name:s ?code:s ?price:i ?options:o", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE) \
	X(PRODUCT_REMOVED, ProductRemoved, "menu", "name:s", \
	    NULL, NULL, NULL, CAFE_BOARD_NONE)

/* What an event does to an order on the pick-up board. */
enum cafe_board_effect {
	CAFE_BOARD_NONE,        /* nothing */
	CAFE_BOARD_MAKING,      /* shown as being made */
	CAFE_BOARD_READY,       /* shown as ready to collect */
	CAFE_BOARD_GONE         /* taken off */
};

enum cafe_event_type {
	CAFE_EV_UNKNOWN = 0,    /* a name the catalogue does not have */
#define CAFE_EV_ENUM(id, name, stream, fields, status, message, step, board) CAFE_EV_##id,
	CAFE_EVENT_TYPES(CAFE_EV_ENUM)
#undef CAFE_EV_ENUM
	CAFE_EV_COUNT
};

struct cafe_event;

/* The type's name as the log keeps it ("OrderPlaced"); "" for UNKNOWN. */
const char *cafe_event_name(enum cafe_event_type t);
/* The type a name stands for; CAFE_EV_UNKNOWN for any other text. */
enum cafe_event_type cafe_event_type_of(const char *name);
/* The words of the table's row (NULL where the row has none). */
const char *cafe_event_status(enum cafe_event_type t);
const char *cafe_event_message(enum cafe_event_type t);
const char *cafe_event_step(enum cafe_event_type t);
enum cafe_board_effect cafe_event_board(enum cafe_event_type t);
/* Fills types with the names of the types for which want(t) is true,
 * NULL-terminated (types has room for CAFE_EV_COUNT). For reads that
 * take a list of names (cafe_log_read_types). */
void cafe_event_names(const char **types, int (*want)(enum cafe_event_type t));

/* 0 when ev is a known type, on its kind of stream (order-N, payment-N,
 * delivery-N, stock-PRODUCT, notify-ID, breaker-NAME), with every
 * required field of the right type and, on an order's streams, the
 * order_id of its stream's N. Else CAFE_DATAERR with what is wrong. */
int cafe_catalogue_check(const struct cafe_event *ev, struct cafe_err *e);

#endif
