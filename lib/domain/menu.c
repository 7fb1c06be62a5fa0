/*
 * menu.c - the menu in the log (menu.h): folding stream "menu", the view
 * of the config through it, the events that make it a config's, and the
 * menu commands' decisions.
 *
 * Invariants: a product's name is its identity (the key of its stock
 * stream and of its events); a fold ignores an event it cannot use (a
 * change of a product it does not have), so a log is always readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "menu.h"
#include "base/people.h"

#define STREAM "menu"

static void
groups_free(char **g)
{
	for (char **p = g; p && *p; p++)
		free(*p);
	free(g);
}

static void
product_free(struct cafe_product *p)
{
	free(p->name);
	free(p->code);
	groups_free(p->groups);
	memset(p, 0, sizeof *p);
}

static void
group_free(struct cafe_option_group *g)
{
	for (size_t j = 0; j < g->nchoices; j++)
		free(g->choices[j].name);
	free(g->choices);
	free(g->name);
	memset(g, 0, sizeof *g);
}

void
cafe_menu_release(struct cafe_menu *m)
{
	for (size_t i = 0; i < m->nproducts; i++)
		product_free(&m->products[i]);
	for (size_t i = 0; i < m->ngroups; i++)
		group_free(&m->groups[i]);
	free(m->products);
	free(m->groups);
	cafe_product_index_free(m->index);
	memset(m, 0, sizeof *m);
}

static struct cafe_product *
find(const struct cafe_menu *m, const char *name)
{
	long i;

	if (!m->index)
		return NULL;
	i = cafe_product_index_find(m->index, m->products, name, 0);
	return i < 0 ? NULL : &m->products[i];
}

static struct cafe_option_group *
find_group(const struct cafe_menu *m, const char *name)
{
	for (size_t i = 0; i < m->ngroups; i++)
		if (strcmp(m->groups[i].name, name) == 0)
			return &m->groups[i];
	return NULL;
}

/* A group's choices from an event ({"regular":0,"large":500}): defines
 * it, or gives it these choices instead. */
static void
define_group(struct cafe_menu *m, const char *name, json_t *choices)
{
	struct cafe_option_group *g = find_group(m, name);
	const char *k;
	json_t *v;
	size_t j = 0;

	if (!json_is_object(choices) || json_object_size(choices) == 0)
		return;
	if (!g) {
		m->groups = cafe_xrealloc(m->groups, (m->ngroups + 1) * sizeof *m->groups);
		g = &m->groups[m->ngroups++];
		memset(g, 0, sizeof *g);
		g->name = cafe_xstrdup(name);
	} else {
		for (j = 0; j < g->nchoices; j++)
			free(g->choices[j].name);
		free(g->choices);
	}
	g->choices = cafe_xcalloc(json_object_size(choices), sizeof *g->choices);
	g->nchoices = 0;
	json_object_foreach(choices, k, v) {
		g->choices[g->nchoices].name = cafe_xstrdup(k);
		g->choices[g->nchoices++].price = json_integer_value(v);
	}
}

/* The groups of an event's options, in order, defined as they say. */
static char **
groups_of(struct cafe_menu *m, json_t *options)
{
	char **g = cafe_xcalloc(json_object_size(options) + 1, sizeof *g);
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(options, k, v) {
		define_group(m, k, v);
		g[n++] = cafe_xstrdup(k);
	}
	return g;
}

static void
set_code(struct cafe_product *p, json_t *code)
{
	if (!code)
		return;
	free(p->code);
	p->code = json_is_string(code) && *json_string_value(code) ?
	    cafe_xstrdup(json_string_value(code)) : NULL;
}

struct fold {
	struct cafe_menu *m;
	long long until_ms;
	const char *shop;           /* whose overrides apply; NULL: none */
	json_t *overrides;          /* {product: its shop's last event's data} */
};

static int
fold_event(const struct cafe_event *ev, void *arg)
{
	struct fold *f = arg;
	struct cafe_menu *m = f->m;
	const char *name = json_string_value(json_object_get(ev->data, "name"));
	json_t *price = json_object_get(ev->data, "price");
	json_t *options = json_object_get(ev->data, "options");
	json_t *stock = json_object_get(ev->data, "stock");
	struct cafe_product *p;

	if (f->until_ms >= 0 && cafe_parse_ts(ev->ts) > f->until_ms)
		return 0;
	m->version = ev->version;
	if (!name)
		return 0;
	/* A shop's own price or absence (DESIGN §15): kept aside, and laid
	 * over the chain's menu once it is folded, so that a later change
	 * of the chain's price leaves the shop's standing. */
	if (json_is_string(json_object_get(ev->data, "shop"))) {
		if (f->shop && f->overrides && strcmp(json_string_value(json_object_get(ev->data,
		    "shop")), f->shop) == 0)
			json_object_set_new(f->overrides, name, json_pack("{s:b, s:O?}", "removed",
			    ev->kind == CAFE_EV_PRODUCT_REMOVED, "price", price));
		return 0;
	}
	p = find(m, name);
	if (ev->kind == CAFE_EV_PRODUCT_ADDED) {
		if (!json_is_integer(price) || json_integer_value(price) <= 0)
			return 0;
		if (p) {
			product_free(p);
			p->name = cafe_xstrdup(name);
		} else {
			/* Room doubled, not grown by one: a realloc that
			 * copies (a sanitizer's always does) made a menu of
			 * 50,000 products take minutes to fold. */
			if (m->nproducts == m->cap) {
				m->cap = m->cap ? 2 * m->cap : 16;
				m->products = cafe_xrealloc(m->products,
				    m->cap * sizeof *m->products);
			}
			p = &m->products[m->nproducts++];
			memset(p, 0, sizeof *p);
			p->name = cafe_xstrdup(name);
			cafe_product_index_add(m->index, m->products, m->nproducts - 1);
		}
		p->price = json_integer_value(price);
		set_code(p, json_object_get(ev->data, "code"));
		p->groups = json_is_object(options) ? groups_of(m, options) :
		    cafe_xcalloc(1, sizeof *p->groups);
		if (json_is_integer(stock)) {
			p->tracked = 1;
			p->stock = json_integer_value(stock);
		}
	} else if (ev->kind == CAFE_EV_PRODUCT_CHANGED && p) {
		if (json_is_integer(price) && json_integer_value(price) > 0)
			p->price = json_integer_value(price);
		set_code(p, json_object_get(ev->data, "code"));
		if (json_is_object(options)) {
			groups_free(p->groups);
			p->groups = groups_of(m, options);
		}
	} else if (ev->kind == CAFE_EV_PRODUCT_REMOVED && p) {
		product_free(p);
		memmove(p, p + 1, (size_t)(m->products + --m->nproducts - p) * sizeof *p);
		cafe_product_index_free(m->index);
		m->index = cafe_product_index_new(m->products, m->nproducts);
	}
	return 0;
}

/* The shop's overrides laid over the chain's menu. */
static void
override(struct cafe_menu *m, json_t *overrides)
{
	const char *name;
	json_t *o;

	json_object_foreach(overrides, name, o) {
		struct cafe_product *p = find(m, name);
		json_t *price = json_object_get(o, "price");

		if (!p)
			continue;
		if (json_is_true(json_object_get(o, "removed"))) {
			product_free(p);
			memmove(p, p + 1, (size_t)(m->products + --m->nproducts - p) * sizeof *p);
			cafe_product_index_free(m->index);
			m->index = cafe_product_index_new(m->products, m->nproducts);
		} else if (json_is_integer(price) && json_integer_value(price) > 0) {
			p->price = json_integer_value(price);
		}
	}
}

int
cafe_menu_load(struct cafe_log *log, long long until_ms, struct cafe_menu *m,
    struct cafe_err *e)
{
	return cafe_menu_load_shop(log, until_ms, log ? cafe_log_shop(log) : NULL, m, e);
}

int
cafe_menu_load_shop(struct cafe_log *log, long long until_ms, const char *shop,
    struct cafe_menu *m, struct cafe_err *e)
{
	struct fold f = { m, until_ms, shop, json_object() };
	int status;

	memset(m, 0, sizeof *m);
	m->index = cafe_product_index_new(NULL, 0);
	if (!log) {
		json_decref(f.overrides);
		return 0;
	}
	if ((status = cafe_log_read_stream(log, STREAM, fold_event, &f, e)) != 0) {
		json_decref(f.overrides);
		cafe_menu_release(m);
		return status;
	}
	override(m, f.overrides);
	json_decref(f.overrides);
	/* Codes change under ProductChanged: index them as they now are. */
	cafe_product_index_free(m->index);
	m->index = cafe_product_index_new(m->products, m->nproducts);
	return 0;
}

void
cafe_menu_view(struct cafe_config *view, const struct cafe_config *c,
    const struct cafe_menu *m)
{
	*view = *c;
	if (m->version == 0)
		return;
	/* The log has a menu: there is nothing left for a placement to seed. */
	view->menu_given = 0;
	view->menu_in_log = 1;
	view->menu = m->products;
	view->nmenu = m->nproducts;
	view->menu_index = m->index;
	view->options = m->groups;
	view->noptions = m->ngroups;
}

/* p's options as an event holds them, its groups defined by groups. */
static json_t *
options_json(const struct cafe_product *p, const struct cafe_option_group *groups,
    size_t ngroups)
{
	json_t *o = json_object();

	for (char **g = p->groups; g && *g; g++) {
		json_t *choices = json_object();

		for (size_t i = 0; i < ngroups; i++) {
			if (strcmp(groups[i].name, *g) != 0)
				continue;
			for (size_t j = 0; j < groups[i].nchoices; j++)
				json_object_set_new(choices, groups[i].choices[j].name,
				    json_integer(groups[i].choices[j].price));
		}
		json_object_set_new(o, *g, choices);
	}
	return o;
}

static json_t *
added_json(const struct cafe_product *p, const struct cafe_config *c)
{
	json_t *d = json_pack("{s:s, s:I, s:o}", "name", p->name, "price",
	    (json_int_t)p->price, "options", options_json(p, c->options, c->noptions));

	if (p->code)
		json_object_set_new(d, "code", json_string(p->code));
	if (p->tracked)
		json_object_set_new(d, "stock", json_integer(p->stock));
	return d;
}

static int
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* 1 when the products offer the same choices at the same prices. */
static int
same_options(const struct cafe_product *a, const struct cafe_config *ca,
    const struct cafe_product *b, const struct cafe_config *cb)
{
	json_t *x = options_json(a, ca->options, ca->noptions);
	json_t *y = options_json(b, cb->options, cb->noptions);
	int same = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

/* The log's menu as a config, for comparing. */
static void
as_config(struct cafe_config *v, const struct cafe_menu *m)
{
	memset(v, 0, sizeof *v);
	v->menu = m->products;
	v->nmenu = m->nproducts;
	v->menu_index = m->index;
	v->options = m->groups;
	v->noptions = m->ngroups;
}

size_t
cafe_menu_diff(struct cafe_batch *b, const struct cafe_menu *m, const struct cafe_config *c,
    int prune, size_t *kept)
{
	struct cafe_config logc;
	long long v = m->version;
	size_t n = 0;

	*kept = 0;
	as_config(&logc, m);
	for (size_t i = 0; i < c->nmenu; i++) {
		const struct cafe_product *p = &c->menu[i], *q = find(m, p->name);
		json_t *d;

		if (!q) {
			cafe_batch_add(b, STREAM, v + (long long)n, CAFE_EV_PRODUCT_ADDED, added_json(p, c));
			n++;
			continue;
		}
		d = json_pack("{s:s}", "name", p->name);
		if (p->price != q->price)
			json_object_set_new(d, "price", json_integer(p->price));
		if (!same_str(p->code, q->code))
			json_object_set_new(d, "code", p->code ? json_string(p->code) :
			    json_string(""));
		if (!same_options(p, c, q, &logc))
			json_object_set_new(d, "options", options_json(p, c->options,
			    c->noptions));
		if (json_object_size(d) == 1) {
			json_decref(d);
			continue;
		}
		cafe_batch_add(b, STREAM, v + (long long)n, CAFE_EV_PRODUCT_CHANGED, d);
		n++;
	}
	for (size_t i = 0; i < m->nproducts; i++) {
		if (cafe_config_product(c, m->products[i].name) &&
		    strcmp(cafe_config_product(c, m->products[i].name)->name,
		    m->products[i].name) == 0)
			continue;
		if (!prune) {
			++*kept;
			continue;
		}
		cafe_batch_add(b, STREAM, v + (long long)n, CAFE_EV_PRODUCT_REMOVED,
		    json_pack("{s:s}", "name", m->products[i].name));
		n++;
	}
	return n;
}

const char *
cafe_menu_differs(const struct cafe_menu *m, const struct cafe_config *c)
{
	static char why[400];
	struct cafe_config logc;
	char a[64], b[64];

	if (m->version == 0)
		return NULL;
	as_config(&logc, m);
	for (size_t i = 0; i < c->nmenu; i++) {
		const struct cafe_product *p = &c->menu[i], *q = find(m, p->name);

		if (!q)
			snprintf(why, sizeof why, "%s is on the config's menu, not the log's",
			    p->name);
		else if (p->price != q->price)
			snprintf(why, sizeof why, "%s costs %s in the config, %s in the log",
			    p->name, cafe_grouped(p->price, a, sizeof a),
			    cafe_grouped(q->price, b, sizeof b));
		else if (!same_str(p->code, q->code))
			snprintf(why, sizeof why, "%s has another code in the config", p->name);
		else if (!same_options(p, c, q, &logc))
			snprintf(why, sizeof why, "%s has other choices in the config", p->name);
		else
			continue;
		return why;
	}
	for (size_t i = 0; i < m->nproducts; i++) {
		const struct cafe_product *p = cafe_config_product(c, m->products[i].name);

		if (p && strcmp(p->name, m->products[i].name) == 0)
			continue;
		snprintf(why, sizeof why, "%s is on the log's menu, not the config's",
		    m->products[i].name);
		return why;
	}
	return NULL;
}

int
cafe_menu_seed(struct cafe_log *log, struct cafe_batch *b, const struct cafe_config *c,
    struct cafe_err *e)
{
	long long v = cafe_log_stream_version(log, STREAM, e);

	if (v < 0)
		return e->status;
	if (v > 0)
		return 0;
	/* Its own story, whatever the batch it rides with (an order's). */
	for (size_t i = 0; i < c->nmenu; i++)
		cafe_batch_add(b, STREAM, (long long)i, CAFE_EV_PRODUCT_ADDED,
		    added_json(&c->menu[i], c))->meta = cafe_log_meta(log, STREAM);
	return 0;
}

/* --- the menu commands --- */

enum verb { ADD, SET, REMOVE, IMPORT };

struct menu_txn {
	enum verb verb;
	const struct cafe_config *c;
	const struct cafe_menu_item *it;
	const char *name;
	const char *shop;           /* remove: only from this shop's menu */
	size_t n;
	struct cafe_menu_import *import;
};

/* The options of a product whose groups are named: each defined by the
 * config's options, else by the log's. */
static int
named_options(const struct cafe_config *c, const struct cafe_menu *m, char **groups,
    json_t **out, struct cafe_err *e)
{
	json_t *o = json_object();

	for (char **g = groups; g && *g; g++) {
		const struct cafe_option_group *grp = cafe_config_group(c, *g);
		json_t *choices = json_object();

		if (!grp)
			grp = find_group(m, *g);
		if (!grp) {
			json_decref(choices);
			json_decref(o);
			return cafe_err_set(e, CAFE_REFUSED, "no option group '%s' (the config's "
			    "options: define it first, see cafe.yaml(5))", *g);
		}
		for (size_t j = 0; j < grp->nchoices; j++)
			json_object_set_new(choices, grp->choices[j].name,
			    json_integer(grp->choices[j].price));
		json_object_set_new(o, *g, choices);
	}
	*out = o;
	return 0;
}

/* Appends to b what the verb asks for, at version v of the menu. */
static int
decide(struct menu_txn *t, const struct cafe_menu *m, struct cafe_batch *b, long long v,
    struct cafe_err *e)
{
	const struct cafe_menu_item *it = t->it;
	struct cafe_config logc;
	const struct cafe_product *p, *other;
	json_t *d, *options = NULL;
	int status;

	as_config(&logc, m);
	if (t->verb == REMOVE) {
		if (!(p = cafe_config_product(&logc, t->name)))
			return cafe_err_set(e, CAFE_REFUSED, "unknown product '%s' (see "
			    "'cafe-order menu')", t->name);
		d = json_pack("{s:s}", "name", p->name);
		if (t->shop)
			json_object_set_new(d, "shop", json_string(t->shop));
		cafe_batch_add(b, STREAM, v, CAFE_EV_PRODUCT_REMOVED, d);
		return 0;
	}
	if (t->verb == SET && it->shop) {
		/* One shop's price: the product stays the chain's. */
		if (!(p = cafe_config_product(&logc, it->name)))
			return cafe_err_set(e, CAFE_REFUSED, "unknown product '%s' in shop '%s' "
			    "(see 'cafe-order menu')", it->name, it->shop);
		if (it->code || it->groups || it->stock >= 0 || it->price <= 0)
			return cafe_err_set(e, CAFE_USAGE, "a shop's own menu sets only --price "
			    "(codes, options and the menu itself are the chain's)");
		if (it->price == p->price)
			return 0;
		cafe_batch_add(b, STREAM, v, CAFE_EV_PRODUCT_CHANGED, json_pack("{s:s, s:I, s:s}",
		    "name", p->name, "price", (json_int_t)it->price, "shop", it->shop));
		return 0;
	}
	p = find(m, it->name);
	if (t->verb == ADD && (p || cafe_config_product(&logc, it->name)))
		return cafe_err_set(e, CAFE_REFUSED, "'%s' is on the menu already (change it "
		    "with 'cafe-order menu set')", it->name);
	if (t->verb == SET && !(p = cafe_config_product(&logc, it->name)))
		return cafe_err_set(e, CAFE_REFUSED, "unknown product '%s' (see 'cafe-order "
		    "menu'; add it with 'cafe-order menu add')", it->name);
	if (it->code && *it->code && (other = cafe_config_product(&logc, it->code)) &&
	    other != p)
		return cafe_err_set(e, CAFE_REFUSED, "'%s' is on the menu already, as %s",
		    it->code, other->name);
	if (it->groups && (status = named_options(t->c, m, it->groups, &options, e)) != 0)
		return status;
	if (t->verb == ADD) {
		d = json_pack("{s:s, s:I, s:o}", "name", it->name, "price",
		    (json_int_t)it->price, "options", options ? options : json_object());
		if (it->code)
			json_object_set_new(d, "code", json_string(it->code));
		if (it->stock >= 0)
			json_object_set_new(d, "stock", json_integer(it->stock));
		cafe_batch_add(b, STREAM, v, CAFE_EV_PRODUCT_ADDED, d);
		return 0;
	}
	d = json_pack("{s:s}", "name", p->name);
	if (it->price > 0 && it->price != p->price)
		json_object_set_new(d, "price", json_integer(it->price));
	if (it->code && !same_str(*it->code ? it->code : NULL, p->code))
		json_object_set_new(d, "code", json_string(it->code));
	if (options) {
		json_t *had = options_json(p, m->groups, m->ngroups);

		if (!json_equal(had, options))
			json_object_set(d, "options", options);
		json_decref(had);
		json_decref(options);
	}
	if (json_object_size(d) == 1) {
		json_decref(d);
		return 0;       /* as it is already */
	}
	cafe_batch_add(b, STREAM, v, CAFE_EV_PRODUCT_CHANGED, d);
	return 0;
}

static int
menu_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct menu_txn *t = arg;
	struct cafe_menu m;
	struct cafe_batch b;
	int status;

	t->n = 0;
	cafe_batch_init(&b);
	/* A shop's own change is decided on that shop's menu. */
	if ((status = cafe_menu_load_shop(log, -1, t->shop ? t->shop : t->it && t->it->shop ?
	    t->it->shop : NULL, &m, e)) != 0)
		goto out;
	/* An empty log's menu is the config's: it is written first. */
	if (m.version == 0 && t->verb != IMPORT) {
		if ((status = cafe_menu_seed(log, &b, t->c, e)) != 0)
			goto out;
		for (size_t i = 0; i < b.n; i++)
			fold_event(&b.ev[i], &(struct fold){ &m, -1, NULL, NULL });
		m.version = (long long)b.n;
	}
	if (t->verb == IMPORT) {
		struct cafe_menu_import *r = t->import;

		r->added = r->changed = r->removed = 0;
		cafe_menu_diff(&b, &m, t->c, r->prune, &r->kept);
		for (size_t i = 0; i < b.n; i++) {
			const char *ty = b.ev[i].type;

			*(ty[7] == 'A' ? &r->added : ty[7] == 'C' ? &r->changed : &r->removed) += 1;
		}
	} else if ((status = decide(t, &m, &b, m.version, e)) != 0) {
		goto out;
	}
	t->n = b.n;
	if (b.n)
		status = cafe_log_append(log, &b, e);
out:
	cafe_batch_release(&b);
	cafe_menu_release(&m);
	return status;
}

static int
run(struct cafe_log *log, struct menu_txn *t, size_t *n, struct cafe_err *e)
{
	int status = cafe_log_transact(log, menu_txn, t, e);

	if (status == 0 && n)
		*n = t->n;
	return status;
}

int
cafe_menu_add(struct cafe_log *log, const struct cafe_config *c,
    const struct cafe_menu_item *it, size_t *n, struct cafe_err *e)
{
	struct menu_txn t = { ADD, c, it, NULL, NULL, 0, NULL };

	return run(log, &t, n, e);
}

int
cafe_menu_set(struct cafe_log *log, const struct cafe_config *c,
    const struct cafe_menu_item *it, size_t *n, struct cafe_err *e)
{
	struct menu_txn t = { SET, c, it, NULL, NULL, 0, NULL };

	return run(log, &t, n, e);
}

int
cafe_menu_remove(struct cafe_log *log, const struct cafe_config *c, const char *name,
    const char *shop, size_t *n, struct cafe_err *e)
{
	struct menu_txn t = { REMOVE, c, NULL, name, shop, 0, NULL };

	return run(log, &t, n, e);
}

int
cafe_menu_import(struct cafe_log *log, const struct cafe_config *c,
    struct cafe_menu_import *r, struct cafe_err *e)
{
	struct menu_txn t = { IMPORT, c, NULL, NULL, NULL, 0, r };

	return run(log, &t, NULL, e);
}
