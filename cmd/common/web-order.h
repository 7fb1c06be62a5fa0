/*
 * web-order.h - customers order, pay and cancel on cafe-web (DESIGN §13,
 * cafe-web(1)) when the config says web: {ordering: true}: the menu at
 * /menu, an order posted to /orders, a cancel posted to LINK/cancel.
 * Orders go through the counter's own path (cafe_counter_place) with
 * "channel":"web"; every refusal appends nothing.
 *
 * Guards before anything is read from the log: a POST whose Origin (or
 * Referer) is another site's is 403; one client (its address, or the
 * address a trusted proxy forwarded) may order web.orders_per_minute
 * times a minute, then 429 with Retry-After; a body past 16 kB is 413.
 */
#ifndef CAFE_WEB_ORDER_H
#define CAFE_WEB_ORDER_H

#include <stddef.h>

#include <microhttpd.h>

#include "cli.h"

#define CAFE_WEB_MAX_BODY 16384

/* A POST's body as it comes in: JSON kept as bytes, a form's fields
 * gathered by libmicrohttpd's post processor. */
struct cafe_web_body {
	char *bytes;
	size_t len;
	int too_large;
	int form;                   /* application/x-www-form-urlencoded */
	struct MHD_PostProcessor *pp;
	json_t *fields;             /* the form's, in order: [[name, value]...] */
};

/* Opens what ordering and the riders' pages need (a connection that may
 * write, checked now so that a server that cannot take orders says so at
 * start); 0 when both are off. */
int cafe_web_order_start(struct cafe_ctx *ctx, struct cafe_err *e);
void cafe_web_order_stop(void);

/* The body of a POST to a route of this file, begun, fed and freed. */
void cafe_web_body_begin(struct cafe_web_body *b, struct MHD_Connection *c);
void cafe_web_body_feed(struct cafe_web_body *b, const char *data, size_t len);
void cafe_web_body_free(struct cafe_web_body *b);

/* GET /menu: the menu as a form, or JSON. */
enum MHD_Result cafe_web_menu(struct MHD_Connection *c);
/* POST /orders. */
enum MHD_Result cafe_web_order(struct MHD_Connection *c, const struct cafe_web_body *b);
/* POST /o/TOKEN/cancel, for the order id the token names. */
enum MHD_Result cafe_web_cancel(struct MHD_Connection *c, const struct cafe_web_body *b,
		long long id, const char *token);

/* /r/TOKEN: a rider's page (GET), and the rider's buttons (POST
 * /r/TOKEN/pickup/ID, /r/TOKEN/deliver/ID) through the kitchen's rules. */
enum MHD_Result cafe_web_rider(struct MHD_Connection *c, const char *url,
		const struct cafe_web_body *b);

#endif
