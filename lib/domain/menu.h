/*
 * menu.h - the menu in the log (stream "menu", DESIGN §11), so that every
 * terminal of a chain charges the same prices: ProductAdded {name, code,
 * price, options, stock}, ProductChanged {name and the fields that
 * changed}, ProductRemoved {name}. An event's options map each of the
 * product's option groups to its choices and what they add
 * ({"size":{"regular":0,"large":500}}), so the log holds the whole menu;
 * a group's choices are the latest any product's event gave it.
 *
 * The menu that priced the first order (a config file's, else the built-in
 * one) seeds the log with that order, or with the first menu command;
 * after that the log's menu is what is charged, and the config's is only
 * compared with it (cafe_menu_differs) and applied on request (import).
 */
#ifndef CAFE_MENU_H
#define CAFE_MENU_H

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

/* The menu as the log has it. Its products and groups are shaped as the
 * config's (config.h), so that a config viewed through it prices items. */
struct cafe_menu {
	struct cafe_product *products;
	size_t nproducts, cap;      /* cap: room in products */
	struct cafe_option_group *groups;
	size_t ngroups;
	long long version;          /* of stream "menu"; 0: never written */
	struct cafe_product_index *index;   /* of products, kept current */
};

/* The menu folded from the log, up to until_ms (-1: all of it); a NULL
 * log folds to an empty menu. Release with cafe_menu_release. */
int cafe_menu_load(struct cafe_log *log, long long until_ms, struct cafe_menu *m,
		struct cafe_err *e);
/* The menu as one shop of a chain has it (DESIGN §15): the chain's, with
 * the shop's own prices and without what it took off (ProductChanged and
 * ProductRemoved with data.shop). cafe_menu_load is the log's shop's;
 * shop NULL, the chain's alone. */
int cafe_menu_load_shop(struct cafe_log *log, long long until_ms, const char *shop,
		struct cafe_menu *m, struct cafe_err *e);
void cafe_menu_release(struct cafe_menu *m);

/*
 * *view becomes c seen through m: c's settings with m's products and
 * groups (borrowed from m; never release *view) and menu_given 0, or c
 * itself while the log has no menu yet (m->version 0).
 */
void cafe_menu_view(struct cafe_config *view, const struct cafe_config *c,
		const struct cafe_menu *m);

/* The events that turn m into c's menu (ProductAdded, ProductChanged,
 * and with prune ProductRemoved), appended to b at m's version; returns
 * how many. *kept: the log's products c does not have, left as they are
 * (prune 0). */
size_t cafe_menu_diff(struct cafe_batch *b, const struct cafe_menu *m,
		const struct cafe_config *c, int prune, size_t *kept);

/* The first difference between c's menu and m's as one phrase ("latte:
 * price 4500 in the config, 4000 in the log"), or NULL when they agree
 * or the log has no menu yet. Borrowed, until the next call. */
const char *cafe_menu_differs(const struct cafe_menu *m, const struct cafe_config *c);

/* A product as the menu commands give it: name, and what is set (price
 * 0, code NULL, groups NULL, stock -1: left as it is). */
struct cafe_menu_item {
	const char *name;
	long long price;
	const char *code;
	char **groups;              /* NULL-terminated; an empty list clears them */
	long long stock;
	const char *shop;           /* set: only this shop's price (DESIGN §15) */
};

/* cafe-order menu add|set|remove in one write transaction; the config
 * seeds an empty log's menu first and defines the groups named. *n gets
 * how many events were appended (0: nothing to change). */
int cafe_menu_add(struct cafe_log *log, const struct cafe_config *c,
		const struct cafe_menu_item *it, size_t *n, struct cafe_err *e);
int cafe_menu_set(struct cafe_log *log, const struct cafe_config *c,
		const struct cafe_menu_item *it, size_t *n, struct cafe_err *e);
int cafe_menu_remove(struct cafe_log *log, const struct cafe_config *c, const char *name,
		const char *shop, size_t *n, struct cafe_err *e);
/* The config c's menu as the events that differ from the log's: what
 * it adds and changes, and what it does not have removed only with
 * prune (else counted as kept). */
struct cafe_menu_import {
	int prune;
	size_t added, changed, removed, kept;
};
int cafe_menu_import(struct cafe_log *log, const struct cafe_config *c,
		struct cafe_menu_import *r, struct cafe_err *e);

/* The seed: when the log has no menu yet, c's menu as ProductAdded
 * events appended to b (at version 0). Call it inside the transaction
 * that appends b. */
int cafe_menu_seed(struct cafe_log *log, struct cafe_batch *b, const struct cafe_config *c,
		struct cafe_err *e);

#endif
