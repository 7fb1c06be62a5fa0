/*
 * menu-view.h - the menu as customers and scripts see it: each product
 * with its price, its stock now and its option groups' choices, the
 * objects of `cafe-order --json menu` and of cafe-web's /menu.
 */
#ifndef CAFE_MENU_VIEW_H
#define CAFE_MENU_VIEW_H

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"
#include "domain/order.h"
#include "store/log.h"

/* {product, code, price, stock (null: not counted), options: {group:
 * {choice: price...}...}}, the groups and choices in the menu's order
 * (the first choice of each is the default). A new reference. */
json_t *cafe_menu_product_json(const struct cafe_config *c, const struct cafe_product *p,
		const struct cafe_stock *s);
/* Every product of c's menu so, with its stock in the log now, in *out. */
int cafe_menu_json(struct cafe_log *log, const struct cafe_config *c, json_t **out,
		struct cafe_err *e);

#endif
