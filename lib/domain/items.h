/*
 * items.h - the items of an order: what the counter types
 * (PRODUCT[:QTY][+CHOICE...]), what a batch line holds, priced against the
 * menu; and how an order's items read for people.
 *
 * An item names a product by its name or code and at most one choice from
 * each of the product's option groups; a group not chosen from takes its
 * first choice, the default. A line's unit price is the product's price
 * plus its choices', so what an item costs is decided here once.
 */
#ifndef CAFE_ITEMS_H
#define CAFE_ITEMS_H

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"

#define CAFE_MAX_ITEMS 20       /* items in one order */
#define CAFE_MAX_QTY 100        /* of one item */
#define CAFE_MAX_CHOICES 8      /* option groups of a product */
#define CAFE_MAX_ITEM_SPEC 256  /* bytes of one typed item */
#define CAFE_ITEMS_JSON 8192    /* bytes an order's items may take as JSON */

/* One priced item. The pointers borrow from the config it was priced by. */
struct cafe_line {
	const struct cafe_product *p;
	long long qty;
	const struct cafe_choice *choice[CAFE_MAX_CHOICES];   /* one per group of p */
	size_t nchoices;
	long long unit_price, total;
	const char *note;           /* for the kitchen: "less ice", or NULL */
};

/*
 * "latte:2+large+oat" priced into l; qty is used when the item gives none.
 * CAFE_DATAERR for an item that is not well formed (empty parts, a bad
 * quantity, two choices from one group); CAFE_REFUSED for a product not on
 * the menu or a choice it does not offer. The message names the item and
 * what is offered.
 */
int cafe_item_parse(const struct cafe_config *c, const char *spec, long long qty,
		struct cafe_line *l, struct cafe_err *e);
/* The same from parts (a batch line's {"product","qty","options"}); what
 * names the item in messages. */
int cafe_item_price(const struct cafe_config *c, const char *product, long long qty,
		const char *const *choices, size_t nchoices, const char *what,
		struct cafe_line *l, struct cafe_err *e);

/* The lines as OrderPlaced's items (a new reference). */
json_t *cafe_items_json(const struct cafe_line *l, size_t n);
long long cafe_items_total(const struct cafe_line *l, size_t n);

/* The items of an OrderPlaced's data, new or old shape (product, qty,
 * unit_price): a new reference, an empty array when there are none. */
json_t *cafe_items_of(json_t *data);
/* For people, short: how many of each product, "latte x3 + americano"
 * (cut with "+ N more" to fit n bytes); *drinks gets how many drinks the
 * items hold. */
void cafe_items_summary(json_t *items, char *buf, size_t n, long long *drinks);
/* For people, whole: "latte x2 (large, oat), americano (regular)". */
char *cafe_items_text(json_t *items);

#endif
