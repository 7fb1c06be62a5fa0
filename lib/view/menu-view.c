/*
 * menu-view.c - the menu as customers and scripts see it (menu-view.h).
 */
#include "domain/stock.h"
#include "menu-view.h"

/* {"size":{"regular":0,"large":500},...}: the groups of p, in order. */
static json_t *
options_json(const struct cafe_config *c, const struct cafe_product *p)
{
	json_t *o = json_object();

	for (char **g = p->groups; g && *g; g++) {
		const struct cafe_option_group *grp = cafe_config_group(c, *g);
		json_t *choices = json_object();

		for (size_t j = 0; grp && j < grp->nchoices; j++)
			json_object_set_new(choices, grp->choices[j].name,
			    json_integer(grp->choices[j].price));
		json_object_set_new(o, *g, choices);
	}
	return o;
}

json_t *
cafe_menu_product_json(const struct cafe_config *c, const struct cafe_product *p,
    const struct cafe_stock *s)
{
	return json_pack("{s:s, s:o, s:I, s:o, s:o}", "product", p->name,
	    "code", p->code ? json_string(p->code) : json_null(),
	    "price", (json_int_t)p->price,
	    "stock", s->tracked ? json_integer(s->level) : json_null(),
	    "options", options_json(c, p));
}

int
cafe_menu_json(struct cafe_log *log, const struct cafe_config *c, json_t **out,
    struct cafe_err *e)
{
	json_t *a = json_array();
	struct cafe_stock s;
	int status;

	for (size_t i = 0; i < c->nmenu; i++) {
		if ((status = cafe_stock_load(log, c, c->menu[i].name, &s, e)) != 0) {
			json_decref(a);
			return status;
		}
		json_array_append_new(a, cafe_menu_product_json(c, &c->menu[i], &s));
	}
	*out = a;
	return 0;
}
