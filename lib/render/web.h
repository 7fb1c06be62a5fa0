/*
 * web.h - the customers' pages as HTML: the pick-up board and an order's
 * page, each a whole document that links /style.css and /app.js and
 * names its event stream in body's data-stream.
 */
#ifndef CAFE_WEB_H
#define CAFE_WEB_H

#include <stddef.h>

#include <jansson.h>

/* The page's script and style, share/cafe/web/app.js and style.css as
 * the build embedded them (a NUL follows each). */
extern const char cafe_web_app_js[], cafe_web_style_css[];
extern const size_t cafe_web_app_js_len, cafe_web_style_css_len;

/* Each page is in lang ("ko", "en": base/lang.h); the rider's is staff's,
 * in English. */

/* The pick-up board from cafe_pickup_json's object. Malloc'd. */
char *cafe_web_board_html(json_t *board, const char *lang);
/* An order's page from cafe_page_order's row; token is its link's.
 * Malloc'd. */
char *cafe_web_order_html(json_t *row, const char *token, int ordering, const char *lang);
/* The menu to order from (cafe_menu_json's list) as a form that posts to
 * /orders, key its idempotency key. Malloc'd. */
char *cafe_web_menu_html(json_t *menu, const char *currency, const char *key,
		const char *lang);
/* A rider's page from cafe_rider_view's object; token is the rider's
 * link's. Malloc'd. */
char *cafe_web_rider_html(json_t *view, const char *token);
/* A refused order or cancel, for a browser: what happened in the
 * customer's words (an N_ msgid), the message, and the way back. Malloc'd. */
char *cafe_web_refusal_html(const char *headline, const char *message, const char *back,
		const char *lang);

#endif
