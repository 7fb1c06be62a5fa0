/*
 * menu.c - the menu and options sections of cafe.yaml(5) (walk.h): the
 * products, their codes, prices, stock and choices, and the option
 * groups they name.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

/*
 * A product's or a choice's name: any UTF-8 text of at most MAX_NAME
 * characters, without the characters an item on the command line is made
 * of (':' before a quantity, '+' before a choice, ',' between groups),
 * not starting with '-' (it would read as an option) and without spaces
 * at either end.
 */
int
cafe_config_valid_name(const char *s)
{
	size_t len = strlen(s), chars = 0;

	if (len == 0 || !cafe_valid_text(s) || strpbrk(s, ":+,") || *s == '-' ||
	    *s == ' ' || s[len - 1] == ' ')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	return chars <= MAX_NAME;
}

int
cafe_config_valid_shop(const char *s)
{
	return cafe_config_valid_name(s) && strcmp(s, "all") != 0;
}

/* An ASCII word: codes and option group names. */
int
cafe_config_valid_word(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > MAX_WORD || *s < 'a' || *s > 'z')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* 1 when name is taken by an earlier product's name or code (those in x). */
static int
menu_has(const struct cafe_product_index *x, const struct cafe_product *menu,
    const char *name)
{
	return cafe_product_index_find(x, menu, name, 0) >= 0 ||
	    cafe_product_index_find(x, menu, name, 1) >= 0;
}

static int
parse_groups(struct walk *w, yaml_node_t *v, const char *key, struct cafe_product *p)
{
	char item[224], buf[80];
	size_t len;

	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_bad(w, v, key, "must be a list of option groups, not %s",
		    cfg_what_is(v, buf, sizeof buf));
	len = cfg_seq_len(v);
	cfg_free_argv(p->groups);
	p->groups = cafe_xcalloc(len + 1, sizeof *p->groups);
	p->groups_line = cfg_line_of(v);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *g = cfg_node_at(w, v->data.sequence.items.start[i]);
		int rc;

		snprintf(item, sizeof item, "%s[%zu]", key, i);
		if ((rc = cfg_get_str(w, g, item, &p->groups[i])) != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->groups[j], p->groups[i]) == 0)
				return cfg_bad(w, g, item, "'%s' is named twice",
				    p->groups[i]);
	}
	return 0;
}

static int
parse_product(struct walk *w, yaml_node_t *n, const char *path,
    struct cafe_product *menu, const struct cafe_product_index *x, size_t i)
{
	struct cafe_product *p = &menu[i];
	struct cfg_pair kv;
	char key[192], buf[80];
	int rc, has_price = 0;

	if ((rc = cfg_pairs(w, n, path, &kv)) != 0)
		return rc;
	while (cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;

		snprintf(key, sizeof key, "%s", kv.key);
		if (!cfg_key_is(k, "name") && !cfg_key_is(k, "price") &&
		    !cfg_key_is(k, "stock") && !cfg_key_is(k, "code") &&
		    !cfg_key_is(k, "options"))
			return cfg_unknown_key(w, k, path);
		if (cfg_is_null(v))
			continue;
		if (cfg_key_is(k, "name") || cfg_key_is(k, "code")) {
			int is_code = cfg_key_is(k, "code");
			char **dst = is_code ? &p->code : &p->name;

			if ((rc = cfg_get_str(w, v, key, dst)) != 0)
				return rc;
			if (is_code && !cafe_config_valid_word(*dst))
				return cfg_bad(w, v, key, "must be a word of "
				    "a-z, 0-9, '_' and '-' starting with a "
				    "letter (at most %d), not %s", MAX_WORD,
				    cfg_what_is(v, buf, sizeof buf));
			if (!is_code && !cafe_config_valid_name(*dst))
				return cfg_bad(w, v, key, "must be text of at "
				    "most %d characters without ':', '+' or "
				    "',' (not starting with '-'), not %s",
				    MAX_NAME, cfg_what_is(v, buf, sizeof buf));
			if (menu_has(x, menu, *dst))
				return cfg_bad(w, v, key, "'%s' is on the "
				    "menu twice", *dst);
		} else if (cfg_key_is(k, "price")) {
			rc = cfg_get_ll(w, v, key, 1, MAX_PRICE, &p->price);
			if (rc != 0)
				return rc;
			has_price = 1;
		} else if (cfg_key_is(k, "options")) {
			if ((rc = parse_groups(w, v, key, p)) != 0)
				return rc;
		} else {
			rc = cfg_get_ll(w, v, key, 0, MAX_STOCK, &p->stock);
			if (rc != 0)
				return rc;
			p->tracked = 1;
		}
	}
	if (!p->name) {
		snprintf(key, sizeof key, "%s.name", path);
		return cfg_bad(w, n, key, "missing (every product needs a name "
		    "and a price)");
	}
	if (!has_price) {
		snprintf(key, sizeof key, "%s.price", path);
		return cfg_bad(w, n, key, "missing (every product needs a name "
		    "and a price)");
	}
	return 0;
}

void
cfg_free_menu(struct cafe_config *c)
{
	for (size_t i = 0; i < c->nmenu; i++) {
		free(c->menu[i].name);
		free(c->menu[i].code);
		cfg_free_argv(c->menu[i].groups);
	}
	free(c->menu);
	cafe_product_index_free(c->menu_index);
	c->menu = NULL;
	c->menu_index = NULL;
	c->nmenu = 0;
}

int
cfg_parse_menu(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char path[32], buf[80];
	size_t len;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_bad(w, n, "menu", "must be a list, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	len = cfg_seq_len(n);
	if (len == 0)
		return cfg_bad(w, n, "menu", "must list at least one product");
	cfg_free_menu(c);
	c->menu = cafe_xcalloc(len, sizeof *c->menu);
	c->nmenu = len;
	c->menu_index = cafe_product_index_new(c->menu, 0);
	for (size_t i = 0; i < len; i++) {
		snprintf(path, sizeof path, "menu[%zu]", i);
		rc = parse_product(w, cfg_node_at(w,
		    n->data.sequence.items.start[i]), path, c->menu, c->menu_index, i);
		if (rc != 0)
			return rc;
		cafe_product_index_add(c->menu_index, c->menu, i);
	}
	return 0;
}

void
cfg_free_options(struct cafe_config *c)
{
	for (size_t i = 0; i < c->noptions; i++) {
		for (size_t j = 0; j < c->options[i].nchoices; j++)
			free(c->options[i].choices[j].name);
		free(c->options[i].choices);
		free(c->options[i].name);
	}
	free(c->options);
	c->options = NULL;
	c->noptions = 0;
}

/* 1 when a choice called name is in any group before g's choice j. */
static int
choice_taken(const struct cafe_config *c, size_t g, size_t j, const char *name)
{
	for (size_t i = 0; i <= g; i++)
		for (size_t k = 0; k < (i == g ? j : c->options[i].nchoices); k++)
			if (strcmp(c->options[i].choices[k].name, name) == 0)
				return 1;
	return 0;
}

/* options: {size: {regular: 0, large: 500}, milk: {...}} */
int
cfg_parse_options(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char key[192], ckey[320];
	size_t len;
	int rc;

	if ((rc = cfg_check_map(w, n, "options")) != 0)
		return rc;
	cfg_free_options(c);
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	c->options = cafe_xcalloc(len ? len : 1, sizeof *c->options);
	for (size_t i = 0; i < len; i++) {
		yaml_node_pair_t *pair = &n->data.mapping.pairs.start[i];
		yaml_node_t *k = cfg_node_at(w, pair->key);
		yaml_node_t *v = cfg_node_at(w, pair->value);
		struct cafe_option_group *g = &c->options[i];
		size_t nch;

		cfg_subkey(key, sizeof key, "options", k);
		if (!cafe_config_valid_word((const char *)k->data.scalar.value))
			return cfg_bad(w, k, key, "a group's name must be a word of "
			    "a-z, 0-9, '_' and '-' starting with a letter");
		c->noptions = i + 1;
		g->name = cafe_xstrdup((const char *)k->data.scalar.value);
		if ((rc = cfg_check_map(w, v, key)) != 0)
			return rc;
		nch = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
		if (nch == 0 || nch > MAX_GROUPS)
			return cfg_bad(w, v, key, "must list from 1 to %d choices "
			    "(the first is the default), not %zu", MAX_GROUPS, nch);
		g->choices = cafe_xcalloc(nch, sizeof *g->choices);
		for (size_t j = 0; j < nch; j++) {
			yaml_node_pair_t *cp = &v->data.mapping.pairs.start[j];
			yaml_node_t *ck = cfg_node_at(w, cp->key);
			const char *name = (const char *)ck->data.scalar.value;

			cfg_subkey(ckey, sizeof ckey, key, ck);
			if (!cfg_text_of(ck) || !cafe_config_valid_name(name))
				return cfg_bad(w, ck, ckey, "a choice must be text of at "
				    "most %d characters without ':', '+' or ','",
				    MAX_NAME);
			if (choice_taken(c, i, j, name))
				return cfg_bad(w, ck, ckey, "choice '%s' is offered twice "
				    "(a choice's name says its group)", name);
			g->nchoices = j + 1;
			g->choices[j].name = cafe_xstrdup(name);
			if ((rc = cfg_get_ll(w, cfg_node_at(w, cp->value), ckey, 0, MAX_PRICE,
			    &g->choices[j].price)) != 0)
				return rc;
		}
	}
	return 0;
}

/* Every group a product names is in options:, and no more than fit. */
int
cfg_check_groups(struct walk *w, struct cafe_config *c)
{
	for (size_t i = 0; i < c->nmenu; i++) {
		const struct cafe_product *p = &c->menu[i];
		size_t n = 0;

		for (char **g = p->groups; g && *g; g++, n++)
			if (!cafe_config_group(c, *g))
				return cafe_err_set(w->e, CAFE_CONFIG, "%s:%lu: "
				    "menu[%zu].options: no option group '%s' (see "
				    "options: in cafe.yaml(5))", w->file, p->groups_line,
				    i, *g);
		if (n > MAX_GROUPS)
			return cafe_err_set(w->e, CAFE_CONFIG, "%s:%lu: menu[%zu].options: "
			    "at most %d groups", w->file, p->groups_line, i, MAX_GROUPS);
	}
	return 0;
}

const struct cafe_product *
cafe_config_product(const struct cafe_config *c, const char *name)
{
	long i;

	if (c->menu_index && cafe_product_index_count(c->menu_index) == c->nmenu) {
		if ((i = cafe_product_index_find(c->menu_index, c->menu, name, 0)) < 0)
			i = cafe_product_index_find(c->menu_index, c->menu, name, 1);
		return i < 0 ? NULL : &c->menu[i];
	}
	for (size_t i = 0; i < c->nmenu; i++)
		if (c->menu[i].name && strcmp(c->menu[i].name, name) == 0)
			return &c->menu[i];
	for (size_t i = 0; i < c->nmenu; i++)
		if (c->menu[i].code && strcmp(c->menu[i].code, name) == 0)
			return &c->menu[i];
	return NULL;
}

const struct cafe_option_group *
cafe_config_group(const struct cafe_config *c, const char *name)
{
	for (size_t i = 0; i < c->noptions; i++)
		if (strcmp(c->options[i].name, name) == 0)
			return &c->options[i];
	return NULL;
}
