/*
 * items.c - parsing, pricing and describing an order's items (items.h).
 * No I/O here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "items.h"

/* "regular, large, whole, oat": what p offers, in buf. */
static const char *
offered(const struct cafe_config *c, const struct cafe_product *p, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (char **g = p->groups; g && *g; g++) {
		const struct cafe_option_group *grp = cafe_config_group(c, *g);

		for (size_t j = 0; grp && j < grp->nchoices && o < n; j++)
			o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "",
			    grp->choices[j].name);
	}
	return buf;
}

static const char *
menu_names(const struct cafe_config *c, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nmenu && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "",
		    c->menu[i].name);
	return buf;
}

int
cafe_item_price(const struct cafe_config *c, const char *product, long long qty,
    const char *const *choices, size_t nchoices, const char *what,
    struct cafe_line *l, struct cafe_err *e)
{
	const struct cafe_choice *picked[CAFE_MAX_CHOICES] = { 0 };
	const struct cafe_option_group *groups[CAFE_MAX_CHOICES];
	char q[96], list[320];
	size_t ngroups = 0;

	memset(l, 0, sizeof *l);
	if (!product || !*product)
		return cafe_err_set(e, CAFE_DATAERR, "item '%s' names no product",
		    cafe_quoted(what, q, sizeof q));
	if (qty < 1 || qty > CAFE_MAX_QTY)
		return cafe_err_set(e, CAFE_DATAERR, "item '%s': the quantity must be a "
		    "whole number from 1 to %d", cafe_quoted(what, q, sizeof q), CAFE_MAX_QTY);
	if (!(l->p = cafe_config_product(c, product)))
		return cafe_err_set(e, CAFE_REFUSED, "unknown product '%s' (the menu: %s)",
		    cafe_quoted(product, q, sizeof q), menu_names(c, list, sizeof list));
	for (char **g = l->p->groups; g && *g && ngroups < CAFE_MAX_CHOICES; g++)
		if ((groups[ngroups] = cafe_config_group(c, *g)))
			ngroups++;
	for (size_t i = 0; i < nchoices; i++) {
		size_t gi = ngroups, ci = 0;

		if (!choices[i] || !*choices[i])
			return cafe_err_set(e, CAFE_DATAERR, "item '%s' has an empty choice",
			    cafe_quoted(what, q, sizeof q));
		for (size_t g = 0; g < ngroups && gi == ngroups; g++)
			for (ci = 0; ci < groups[g]->nchoices; ci++)
				if (strcmp(groups[g]->choices[ci].name, choices[i]) == 0) {
					gi = g;
					break;
				}
		if (gi == ngroups) {
			if (ngroups == 0)
				return cafe_err_set(e, CAFE_REFUSED, "%s offers no choices, "
				    "not '%s'", l->p->name, cafe_quoted(choices[i], q, sizeof q));
			return cafe_err_set(e, CAFE_REFUSED, "%s: no choice '%s' (offered: %s)",
			    l->p->name, cafe_quoted(choices[i], q, sizeof q),
			    offered(c, l->p, list, sizeof list));
		}
		if (picked[gi] == &groups[gi]->choices[ci])
			return cafe_err_set(e, CAFE_DATAERR, "%s: '%s' is chosen twice",
			    l->p->name, picked[gi]->name);
		if (picked[gi])
			return cafe_err_set(e, CAFE_DATAERR,
			    "%s: '%s' and '%s' are both %s (choose one)", l->p->name,
			    picked[gi]->name, groups[gi]->choices[ci].name, groups[gi]->name);
		picked[gi] = &groups[gi]->choices[ci];
	}
	l->qty = qty;
	l->unit_price = l->p->price;
	for (size_t g = 0; g < ngroups; g++) {
		l->choice[g] = picked[g] ? picked[g] : &groups[g]->choices[0];
		l->unit_price += l->choice[g]->price;
	}
	l->nchoices = ngroups;
	l->total = l->unit_price * qty;
	return 0;
}

int
cafe_item_parse(const struct cafe_config *c, const char *spec, long long qty,
    struct cafe_line *l, struct cafe_err *e)
{
	char buf[CAFE_MAX_ITEM_SPEC + 1], q[96], *p, *colon, *choices[CAFE_MAX_CHOICES + 1];
	size_t n = 0, len = strlen(spec);

	memset(l, 0, sizeof *l);
	if (len == 0)
		return cafe_err_set(e, CAFE_DATAERR, "an empty item (see 'cafe-order menu')");
	if (len > CAFE_MAX_ITEM_SPEC)
		return cafe_err_set(e, CAFE_DATAERR, "item '%s' is too long (%zu bytes, at "
		    "most %d)", cafe_quoted(spec, q, 40), len, CAFE_MAX_ITEM_SPEC);
	for (const unsigned char *s = (const unsigned char *)spec; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return cafe_err_set(e, CAFE_DATAERR, "item '%s' holds a control "
			    "character", cafe_quoted(spec, q, sizeof q));
	if (!cafe_valid_text(spec))
		return cafe_err_set(e, CAFE_DATAERR, "item '%s' is not valid UTF-8 text",
		    cafe_quoted(spec, q, sizeof q));
	memcpy(buf, spec, len + 1);
	p = buf;
	while (1) {
		char *plus = strchr(p, '+');

		if (n > CAFE_MAX_CHOICES)
			return cafe_err_set(e, CAFE_DATAERR, "item '%s' has more than %d "
			    "choices", cafe_quoted(spec, q, sizeof q), CAFE_MAX_CHOICES);
		choices[n++] = p;
		if (!plus)
			break;
		*plus = '\0';
		p = plus + 1;
	}
	/* choices[0] is PRODUCT[:QTY]. */
	if ((colon = strchr(choices[0], ':'))) {
		*colon = '\0';
		if (cafe_parse_ll(colon + 1, 1, CAFE_MAX_QTY, &qty) != 0)
			return cafe_err_set(e, CAFE_DATAERR, "item '%s': the quantity after "
			    "':' must be a whole number from 1 to %d",
			    cafe_quoted(spec, q, sizeof q), CAFE_MAX_QTY);
	}
	return cafe_item_price(c, choices[0], qty, (const char *const *)choices + 1, n - 1,
	    spec, l, e);
}

json_t *
cafe_items_json(const struct cafe_line *l, size_t n)
{
	json_t *items = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *opts = json_array(), *it;

		for (size_t j = 0; j < l[i].nchoices; j++)
			json_array_append_new(opts, json_string(l[i].choice[j]->name));
		it = json_pack("{s:s, s:I, s:o, s:I, s:I}",
		    "product", l[i].p->name, "qty", (json_int_t)l[i].qty, "options", opts,
		    "unit_price", (json_int_t)l[i].unit_price,
		    "total", (json_int_t)l[i].total);
		if (l[i].note && *l[i].note)
			json_object_set_new(it, "note", json_string(l[i].note));
		json_array_append_new(items, it);
	}
	return items;
}

long long
cafe_items_total(const struct cafe_line *l, size_t n)
{
	long long total = 0;

	for (size_t i = 0; i < n; i++)
		total += l[i].total;
	return total;
}

json_t *
cafe_items_of(json_t *data)
{
	json_t *items = json_object_get(data, "items");
	json_t *product = json_object_get(data, "product");
	json_int_t qty, unit;

	if (json_is_array(items))
		return json_incref(items);
	if (!json_is_string(product))
		return json_array();
	/* An OrderPlaced from before orders had items: one item. */
	qty = json_integer_value(json_object_get(data, "qty"));
	unit = json_integer_value(json_object_get(data, "unit_price"));
	/* An imported event may say anything: a product that overflows is
	 * no amount at all, not undefined behaviour. */
	{
		json_int_t total;

		if (__builtin_mul_overflow(unit, qty, &total))
			total = 0;
		return json_pack("[{s:O, s:I, s:[], s:I, s:I}]", "product", product, "qty", qty,
		    "options", "unit_price", unit, "total", total);
	}
}

void
cafe_items_summary(json_t *items, char *buf, size_t n, long long *drinks)
{
	const char *names[CAFE_MAX_ITEMS];
	long long qty[CAFE_MAX_ITEMS];
	size_t i, k, o = 0, count = 0;
	json_t *it;

	buf[0] = '\0';
	*drinks = 0;
	/* Drinks of a product together, in the order they were first asked. */
	json_array_foreach(items, i, it) {
		const char *name = json_string_value(json_object_get(it, "product"));
		long long q = json_integer_value(json_object_get(it, "qty"));

		*drinks += q;
		name = name ? name : "?";
		for (k = 0; k < count && strcmp(names[k], name) != 0; k++)
			;
		if (k == count) {
			if (count == CAFE_MAX_ITEMS)
				continue;
			names[count] = name;
			qty[count++] = 0;
		}
		qty[k] += q;
	}
	for (k = 0; k < count; k++) {
		char one[256];
		int w = snprintf(one, sizeof one, qty[k] > 1 ? "%s%s x%lld" : "%s%s",
		    k ? " + " : "", names[k], qty[k]);

		/* Keep room to say how many did not fit. */
		if (o + (size_t)w + (k + 1 < count ? 12 : 0) >= n) {
			snprintf(buf + o, n - o, " + %zu more", count - k);
			return;
		}
		memcpy(buf + o, one, (size_t)w + 1);
		o += (size_t)w;
	}
}

char *
cafe_items_text(json_t *items)
{
	struct cafe_buf b = { NULL, 0, 0 };
	size_t i, j;
	json_t *it, *opt;

	cafe_buf_add(&b, "", 0);
	json_array_foreach(items, i, it) {
		long long qty = json_integer_value(json_object_get(it, "qty"));
		json_t *opts = json_object_get(it, "options");
		char num[32];

		if (i)
			cafe_buf_cat(&b, ", ");
		cafe_buf_cat(&b, json_string_value(json_object_get(it, "product")));
		if (qty > 1) {
			snprintf(num, sizeof num, " x%lld", qty);
			cafe_buf_cat(&b, num);
		}
		json_array_foreach(opts, j, opt) {
			cafe_buf_cat(&b, j ? ", " : " (");
			cafe_buf_cat(&b, json_string_value(opt));
		}
		if (json_is_string(json_object_get(it, "note"))) {
			cafe_buf_cat(&b, json_array_size(opts) ? "; " : " (");
			cafe_buf_cat(&b, json_string_value(json_object_get(it, "note")));
		}
		if (json_array_size(opts) || json_is_string(json_object_get(it, "note")))
			cafe_buf_cat(&b, ")");
	}
	return b.s;
}
