/*
 * config.c - reads cafe.yaml(5) into a struct cafe_config.
 *
 * The file is loaded with libyaml's document API, which keeps the line of
 * every node, and then walked key by key against the schema of DESIGN §7.
 * The walk only descends into keys it knows, so its depth is bounded by the
 * schema whatever the file holds (even a recursive alias).
 *
 * Invariants:
 *  - Every error is CAFE_CONFIG with "FILE:LINE: KEY: what is wrong", KEY
 *    being the dotted path (menu[0].price, payment.breaker.window).
 *  - A key whose value is null (`key:`, `~`) counts as omitted.
 *  - A list from the file (menu, channels, templates) replaces the default
 *    one as a whole.
 *  - Whatever happens, everything the struct holds was allocated here and
 *    cafe_config_release() frees it; after a failure the struct is zeroed.
 *
 * Why one file of over a thousand lines: it is one walk over one schema,
 * a section of cafe.yaml(5) per function; split across files, the schema
 * would have no one place to read it in.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "base/cafe.h"
#include "config.h"
#include "event/catalogue.h"

#define MAX_FILE   (4 * 1024 * 1024)
#define MAX_MS     86400000LL          /* a day */
#define MAX_COUNT  1000000LL
#define MAX_PRICE  1000000000000LL     /* keeps price * qty far from overflow */
#define MAX_STOCK  1000000000LL
#define MAX_NAME   40                  /* characters of a product or choice */
#define MAX_WORD   32
#define MAX_GROUPS 8                   /* option groups, choices in one */
#define UPPER      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* One file being walked: where messages point and what they go into. */
struct walk {
	const char *file;
	yaml_document_t *doc;
	struct cafe_err *e;
};

/* The events that send a customer a message: those the catalogue gives
 * a {status}. */
static int
notified(enum cafe_event_type t)
{
	return cafe_event_status(t) != NULL;
}

static const char *const placeholders[] = {
	"order_id", "product", "items", "qty", "customer", "amount", "status",
	"rider", "link", NULL
};

static unsigned long
line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

static yaml_node_t *
node_at(struct walk *w, int id)
{
	return yaml_document_get_node(w->doc, id);
}

/* The text of a scalar; NULL if it holds a NUL byte or is no scalar. */
static const char *
text_of(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)n->data.scalar.value;
	return strlen(s) == n->data.scalar.length ? s : NULL;
}

static size_t
seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

/*
 * Copies len bytes of s into buf for a one-line message: control bytes
 * become '?', and a long text is cut at a character boundary with "...".
 */
static void
show(char *buf, size_t n, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < len) {
		while (o > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) {
			i--;
			o--;
		}
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* How a node reads in "must be X, not Y". */
static const char *
what_is(const yaml_node_t *n, char *buf, size_t size)
{
	char v[64];

	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a map";
	case YAML_SCALAR_NODE:
		show(v, sizeof v, (const char *)n->data.scalar.value,
		    n->data.scalar.length);
		snprintf(buf, size, "'%s'", v);
		return buf;
	default:
		return "nothing";
	}
}

static int
bad(struct walk *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
bad(struct walk *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return cafe_err_set(w->e, CAFE_CONFIG, "%s:%lu: %s: %s", w->file,
	    line_of(n), key, what);
}

static int
is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

static int
key_is(const yaml_node_t *k, const char *name)
{
	return strcmp((const char *)k->data.scalar.value, name) == 0;
}

static void
subkey(char *buf, size_t n, const char *path, const yaml_node_t *k)
{
	char v[64];

	show(v, sizeof v, (const char *)k->data.scalar.value,
	    k->data.scalar.length);
	snprintf(buf, n, "%s%s%s", path, *path ? "." : "", v);
}

static int
unknown_key(struct walk *w, const yaml_node_t *k, const char *path)
{
	char key[192];

	subkey(key, sizeof key, path, k);
	return bad(w, k, key, "unknown key (see cafe.yaml(5))");
}

/*
 * Checks that n is a map whose keys are distinct plain scalars, so that the
 * callers' loops only have to dispatch on the key.
 */
static int
check_map(struct walk *w, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *p, *q;
	char buf[80];

	if (n->type != YAML_MAPPING_NODE)
		return bad(w, n, path, "must be a map, not %s",
		    what_is(n, buf, sizeof buf));
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = node_at(w, p->key);

		if (k->type != YAML_SCALAR_NODE)
			return bad(w, k, *path ? path : "top level",
			    "keys must be words, not %s",
			    what_is(k, buf, sizeof buf));
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k0 = node_at(w, q->key);
			char key[192];

			if (k0->type == YAML_SCALAR_NODE &&
			    k0->data.scalar.length == k->data.scalar.length &&
			    memcmp(k0->data.scalar.value, k->data.scalar.value,
			    k->data.scalar.length) == 0) {
				subkey(key, sizeof key, path, k);
				return bad(w, k, key,
				    "duplicate key (first at line %lu)",
				    line_of(k0));
			}
		}
	}
	return 0;
}

static int
get_ll(struct walk *w, yaml_node_t *n, const char *key, long long min,
    long long max, long long *out)
{
	const char *s = text_of(n);
	char buf[80];

	if (s && cafe_parse_ll(s, min, max, out) == 0)
		return 0;
	if (min == LLONG_MIN)
		return bad(w, n, key, "must be a whole number, not %s",
		    what_is(n, buf, sizeof buf));
	return bad(w, n, key, "must be a whole number from %lld to %lld, "
	    "not %s", min, max, what_is(n, buf, sizeof buf));
}

static int
get_int(struct walk *w, yaml_node_t *n, const char *key, long long min,
    long long max, int *out)
{
	long long v;
	int rc;

	if ((rc = get_ll(w, n, key, min, max, &v)) != 0)
		return rc;
	*out = (int)v;
	return 0;
}

/* A share from 0 to 1: a plain decimal number, not hex, nan or inf. */
static int
get_share(struct walk *w, yaml_node_t *n, const char *key, double *out)
{
	const char *s;
	char buf[80], *end;
	double v;

	if (!(s = text_of(n)) || *s == '\0' ||
	    strspn(s, "0123456789.eE+-") != strlen(s))
		goto fail;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
		goto fail;
	*out = v;
	return 0;
fail:
	return bad(w, n, key, "must be a number from 0 to 1, not %s",
	    what_is(n, buf, sizeof buf));
}

/* A non-empty line of UTF-8 text; replaces *out. */
static int
get_str(struct walk *w, yaml_node_t *n, const char *key, char **out)
{
	const char *s;
	char buf[80];

	if (n->type != YAML_SCALAR_NODE)
		return bad(w, n, key, "must be a string, not %s",
		    what_is(n, buf, sizeof buf));
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.length == 0)
		return bad(w, n, key, "must not be empty");
	if (!text_of(n) || !cafe_valid_text(s))
		return bad(w, n, key, "must be text without control "
		    "characters, not %s", what_is(n, buf, sizeof buf));
	free(*out);
	*out = cafe_xstrdup(s);
	return 0;
}

/* One of the words in names (NULL-terminated); the index goes to *out. */
static int
get_word(struct walk *w, yaml_node_t *n, const char *key,
    const char *const *names, const char *choice, int *out)
{
	const char *s = text_of(n);
	char buf[80];

	if (s) {
		for (int i = 0; names[i]; i++) {
			if (strcmp(s, names[i]) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	return bad(w, n, key, "must be %s, not %s", choice,
	    what_is(n, buf, sizeof buf));
}

static void
free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* A non-empty list of strings, as a NULL-terminated argv; replaces *out. */
static int
get_argv(struct walk *w, yaml_node_t *n, const char *key, char ***out)
{
	char buf[80], item[192];
	char **argv;
	size_t len, i;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return bad(w, n, key, "must be a list of strings, not %s",
		    what_is(n, buf, sizeof buf));
	len = seq_len(n);
	if (len == 0)
		return bad(w, n, key, "must name a program to run");
	argv = cafe_xcalloc(len + 1, sizeof *argv);
	for (i = 0; i < len; i++) {
		snprintf(item, sizeof item, "%s[%zu]", key, i);
		rc = get_str(w, node_at(w, n->data.sequence.items.start[i]),
		    item, &argv[i]);
		if (rc != 0) {
			free_argv(argv);
			return rc;
		}
	}
	free_argv(*out);
	*out = argv;
	return 0;
}

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
		return bad(w, v, key, "must be a list of option groups, not %s",
		    what_is(v, buf, sizeof buf));
	len = seq_len(v);
	free_argv(p->groups);
	p->groups = cafe_xcalloc(len + 1, sizeof *p->groups);
	p->groups_line = line_of(v);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *g = node_at(w, v->data.sequence.items.start[i]);
		int rc;

		snprintf(item, sizeof item, "%s[%zu]", key, i);
		if ((rc = get_str(w, g, item, &p->groups[i])) != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->groups[j], p->groups[i]) == 0)
				return bad(w, g, item, "'%s' is named twice",
				    p->groups[i]);
	}
	return 0;
}

static int
parse_product(struct walk *w, yaml_node_t *n, const char *path,
    struct cafe_product *menu, const struct cafe_product_index *x, size_t i)
{
	struct cafe_product *p = &menu[i];
	yaml_node_pair_t *pair;
	char key[192], buf[80];
	int rc, has_price = 0;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		subkey(key, sizeof key, path, k);
		if (!key_is(k, "name") && !key_is(k, "price") &&
		    !key_is(k, "stock") && !key_is(k, "code") &&
		    !key_is(k, "options"))
			return unknown_key(w, k, path);
		if (is_null(v))
			continue;
		if (key_is(k, "name") || key_is(k, "code")) {
			int is_code = key_is(k, "code");
			char **dst = is_code ? &p->code : &p->name;

			if ((rc = get_str(w, v, key, dst)) != 0)
				return rc;
			if (is_code && !cafe_config_valid_word(*dst))
				return bad(w, v, key, "must be a word of "
				    "a-z, 0-9, '_' and '-' starting with a "
				    "letter (at most %d), not %s", MAX_WORD,
				    what_is(v, buf, sizeof buf));
			if (!is_code && !cafe_config_valid_name(*dst))
				return bad(w, v, key, "must be text of at "
				    "most %d characters without ':', '+' or "
				    "',' (not starting with '-'), not %s",
				    MAX_NAME, what_is(v, buf, sizeof buf));
			if (menu_has(x, menu, *dst))
				return bad(w, v, key, "'%s' is on the "
				    "menu twice", *dst);
		} else if (key_is(k, "price")) {
			rc = get_ll(w, v, key, 1, MAX_PRICE, &p->price);
			if (rc != 0)
				return rc;
			has_price = 1;
		} else if (key_is(k, "options")) {
			if ((rc = parse_groups(w, v, key, p)) != 0)
				return rc;
		} else {
			rc = get_ll(w, v, key, 0, MAX_STOCK, &p->stock);
			if (rc != 0)
				return rc;
			p->tracked = 1;
		}
	}
	if (!p->name) {
		snprintf(key, sizeof key, "%s.name", path);
		return bad(w, n, key, "missing (every product needs a name "
		    "and a price)");
	}
	if (!has_price) {
		snprintf(key, sizeof key, "%s.price", path);
		return bad(w, n, key, "missing (every product needs a name "
		    "and a price)");
	}
	return 0;
}

static void
free_menu(struct cafe_config *c)
{
	for (size_t i = 0; i < c->nmenu; i++) {
		free(c->menu[i].name);
		free(c->menu[i].code);
		free_argv(c->menu[i].groups);
	}
	free(c->menu);
	cafe_product_index_free(c->menu_index);
	c->menu = NULL;
	c->menu_index = NULL;
	c->nmenu = 0;
}

static int
parse_menu(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char path[32], buf[80];
	size_t len;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return bad(w, n, "menu", "must be a list, not %s",
		    what_is(n, buf, sizeof buf));
	len = seq_len(n);
	if (len == 0)
		return bad(w, n, "menu", "must list at least one product");
	free_menu(c);
	c->menu = cafe_xcalloc(len, sizeof *c->menu);
	c->nmenu = len;
	c->menu_index = cafe_product_index_new(c->menu, 0);
	for (size_t i = 0; i < len; i++) {
		snprintf(path, sizeof path, "menu[%zu]", i);
		rc = parse_product(w, node_at(w,
		    n->data.sequence.items.start[i]), path, c->menu, c->menu_index, i);
		if (rc != 0)
			return rc;
		cafe_product_index_add(c->menu_index, c->menu, i);
	}
	return 0;
}

static void
free_options(struct cafe_config *c)
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
static int
parse_options(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char key[192], ckey[320];
	size_t len;
	int rc;

	if ((rc = check_map(w, n, "options")) != 0)
		return rc;
	free_options(c);
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	c->options = cafe_xcalloc(len ? len : 1, sizeof *c->options);
	for (size_t i = 0; i < len; i++) {
		yaml_node_pair_t *pair = &n->data.mapping.pairs.start[i];
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);
		struct cafe_option_group *g = &c->options[i];
		size_t nch;

		subkey(key, sizeof key, "options", k);
		if (!cafe_config_valid_word((const char *)k->data.scalar.value))
			return bad(w, k, key, "a group's name must be a word of "
			    "a-z, 0-9, '_' and '-' starting with a letter");
		c->noptions = i + 1;
		g->name = cafe_xstrdup((const char *)k->data.scalar.value);
		if ((rc = check_map(w, v, key)) != 0)
			return rc;
		nch = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
		if (nch == 0 || nch > MAX_GROUPS)
			return bad(w, v, key, "must list from 1 to %d choices "
			    "(the first is the default), not %zu", MAX_GROUPS, nch);
		g->choices = cafe_xcalloc(nch, sizeof *g->choices);
		for (size_t j = 0; j < nch; j++) {
			yaml_node_pair_t *cp = &v->data.mapping.pairs.start[j];
			yaml_node_t *ck = node_at(w, cp->key);
			const char *name = (const char *)ck->data.scalar.value;

			subkey(ckey, sizeof ckey, key, ck);
			if (!text_of(ck) || !cafe_config_valid_name(name))
				return bad(w, ck, ckey, "a choice must be text of at "
				    "most %d characters without ':', '+' or ','",
				    MAX_NAME);
			if (choice_taken(c, i, j, name))
				return bad(w, ck, ckey, "choice '%s' is offered twice "
				    "(a choice's name says its group)", name);
			g->nchoices = j + 1;
			g->choices[j].name = cafe_xstrdup(name);
			if ((rc = get_ll(w, node_at(w, cp->value), ckey, 0, MAX_PRICE,
			    &g->choices[j].price)) != 0)
				return rc;
		}
	}
	return 0;
}

/* Every group a product names is in options:, and no more than fit. */
static int
check_groups(struct walk *w, struct cafe_config *c)
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

/* tax: {rate_percent: 10, included: true} */
static int
parse_tax(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const truth[] = { "false", "true", NULL };
	yaml_node_pair_t *pair;
	char key[192];
	int rc;

	if ((rc = check_map(w, n, "tax")) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		subkey(key, sizeof key, "tax", k);
		if (is_null(v) && (key_is(k, "rate_percent") || key_is(k, "included")))
			continue;
		if (key_is(k, "rate_percent"))
			rc = get_int(w, v, key, 0, 100, &c->tax.rate_percent);
		else if (key_is(k, "included"))
			rc = get_word(w, v, key, truth, "true or false", &c->tax.included);
		else
			rc = unknown_key(w, k, "tax");
		if (rc)
			return rc;
	}
	return 0;
}

/* web: {url: ...}: where cafe-web is reached, for the customers' links. */
static int
parse_web(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	yaml_node_pair_t *pair;
	int rc;

	if ((rc = check_map(w, n, "web")) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		if (is_null(v) && key_is(k, "url"))
			continue;
		if (!key_is(k, "url"))
			return unknown_key(w, k, "web");
		free(c->web_url);
		c->web_url = NULL;
		if ((rc = get_str(w, v, "web.url", &c->web_url)) != 0)
			return rc;
		if ((strncmp(c->web_url, "http://", 7) != 0 &&
		    strncmp(c->web_url, "https://", 8) != 0) || strlen(c->web_url) > 200 ||
		    strpbrk(c->web_url, " \t\r\n\"'<>\\`"))
		{
			char buf[80];

			return bad(w, v, "web.url", "must be an http:// or https:// address of at "
			    "most 200 characters, without spaces or quotes, not %s",
			    what_is(v, buf, sizeof buf));
		}
	}
	return 0;
}

/* A zone of the system's tz database, such as Asia/Seoul or UTC. */
static int
parse_timezone(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	const char *dir = getenv("TZDIR");
	char buf[80], *path;
	int rc, ok;

	if ((rc = get_str(w, n, "timezone", &c->timezone)) != 0)
		return rc;
	ok = strlen(c->timezone) < 64 && c->timezone[0] != '/' &&
	    !strstr(c->timezone, "..") && strspn(c->timezone, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789/_+-") == strlen(c->timezone);
	if (ok) {
		path = cafe_xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
		    c->timezone);
		ok = access(path, R_OK) == 0;
		free(path);
	}
	if (!ok)
		return bad(w, n, "timezone", "must be a time zone such as Asia/Seoul "
		    "or UTC (one of /usr/share/zoneinfo), not %s",
		    what_is(n, buf, sizeof buf));
	return 0;
}

static int
parse_sim(struct walk *w, struct cafe_sim_conf *s, yaml_node_t *n)
{
	static const char path[] = "payment.sim";
	yaml_node_pair_t *pair;
	char key[192];
	int rc = 0;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top && rc == 0; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		subkey(key, sizeof key, path, k);
		if (key_is(k, "latency_ms")) {
			if (!is_null(v))
				rc = get_int(w, v, key, 0, MAX_MS,
				    &s->latency_ms);
		} else if (key_is(k, "jitter_ms")) {
			if (!is_null(v))
				rc = get_int(w, v, key, 0, MAX_MS,
				    &s->jitter_ms);
		} else if (key_is(k, "failure_rate")) {
			if (!is_null(v))
				rc = get_share(w, v, key, &s->failure_rate);
		} else if (key_is(k, "decline_over")) {
			if (!is_null(v))
				rc = get_ll(w, v, key, 0, LLONG_MAX,
				    &s->decline_over);
		} else if (key_is(k, "seed")) {
			if (!is_null(v))
				rc = get_ll(w, v, key, LLONG_MIN, LLONG_MAX,
				    &s->seed);
		} else {
			rc = unknown_key(w, k, path);
		}
	}
	return rc;
}

/* A map whose keys all hold whole numbers, stored as int fields of c. */
struct int_key {
	const char *name;
	long long min, max;
	size_t off;             /* in struct cafe_config */
};

#define INT_KEY(field, min, max) \
	{ #field, min, max, offsetof(struct cafe_config, field) }

static const struct int_key breaker_keys[] = {
	INT_KEY(payment.breaker.window, 1, MAX_COUNT),
	INT_KEY(payment.breaker.min_calls, 1, MAX_COUNT),
	INT_KEY(payment.breaker.failure_rate, 1, 100),
	INT_KEY(payment.breaker.slow_call_ms, 1, MAX_MS),
	INT_KEY(payment.breaker.open_ms, 1, MAX_MS),
	INT_KEY(payment.breaker.half_open_calls, 1, MAX_COUNT),
	{ NULL, 0, 0, 0 }
};

static const struct int_key retry_keys[] = {
	{ "notify.retry.max_attempts", 1, 1000,
	    offsetof(struct cafe_config, notify.max_attempts) },
	{ "notify.retry.backoff_ms", 0, MAX_MS,
	    offsetof(struct cafe_config, notify.backoff_ms) },
	{ NULL, 0, 0, 0 }
};

static const struct int_key kitchen_keys[] = {
	INT_KEY(kitchen.late_after_ms, 1, MAX_MS),
	{ NULL, 0, 0, 0 }
};

static const struct int_key daemon_keys[] = {
	INT_KEY(daemon.poll_ms, 1, MAX_MS),
	INT_KEY(daemon.lease_ms, 1, MAX_MS),
	INT_KEY(daemon.reconcile_after_ms, 0, MAX_MS),
	INT_KEY(daemon.lag_alert, 1, INT_MAX),
	INT_KEY(daemon.lag_alert_ms, 1, MAX_MS),
	INT_KEY(daemon.max_attempts, 1, 1000),
	INT_KEY(daemon.backoff_ms, 0, MAX_MS),
	{ NULL, 0, 0, 0 }
};

/* A breaker that needs more calls than its window holds could never open:
 * refused when both were given; a smaller window alone takes min_calls
 * down with it. */
static int
check_min_calls(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	struct cafe_breaker_conf *b = &c->payment.breaker;

	if (b->min_calls <= b->window)
		return 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++)
		if (key_is(node_at(w, p->key), "min_calls"))
			return bad(w, node_at(w, p->value), "payment.breaker.min_calls",
			    "is %d, more than the window of %d calls: the breaker "
			    "could never open", b->min_calls, b->window);
	b->min_calls = b->window;
	return 0;
}

/* keys[].name is the full dotted path: path, a dot, then the key. */
static int
parse_ints(struct walk *w, struct cafe_config *c, yaml_node_t *n,
    const char *path, const struct int_key *keys)
{
	yaml_node_pair_t *pair;
	const struct int_key *ik;
	size_t plen = strlen(path);
	int rc;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		for (ik = keys; ik->name; ik++)
			if (key_is(k, ik->name + plen + 1))
				break;
		if (!ik->name)
			return unknown_key(w, k, path);
		if (is_null(v))
			continue;
		rc = get_int(w, v, ik->name, ik->min, ik->max,
		    (int *)(void *)((char *)c + ik->off));
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
parse_payment(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char path[] = "payment";
	static const char *const kinds[] = { "sim", "command", NULL };
	yaml_node_t *processor = NULL;
	yaml_node_pair_t *pair;
	char key[192];
	int rc = 0, kind;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top && rc == 0; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		subkey(key, sizeof key, path, k);
		if (key_is(k, "processor")) {
			if (is_null(v))
				continue;
			rc = get_word(w, v, key, kinds, "sim or command",
			    &kind);
			if (rc == 0)
				c->payment.kind = kind == 1 ?
				    CAFE_PROC_COMMAND : CAFE_PROC_SIM;
			processor = v;
		} else if (key_is(k, "command")) {
			if (!is_null(v))
				rc = get_argv(w, v, key, &c->payment.command);
		} else if (key_is(k, "timeout_ms")) {
			if (!is_null(v))
				rc = get_int(w, v, key, 1, MAX_MS,
				    &c->payment.timeout_ms);
		} else if (key_is(k, "sim")) {
			if (!is_null(v))
				rc = parse_sim(w, &c->payment.sim, v);
		} else if (key_is(k, "breaker")) {
			if (!is_null(v) && (rc = parse_ints(w, c, v, "payment.breaker",
			    breaker_keys)) == 0)
				rc = check_min_calls(w, c, v);
		} else {
			rc = unknown_key(w, k, path);
		}
	}
	if (rc == 0 && processor && c->payment.kind == CAFE_PROC_COMMAND &&
	    !c->payment.command)
		rc = bad(w, processor, "payment.command", "required when "
		    "processor is command (a list: program and arguments)");
	return rc;
}

static int
parse_channel(struct walk *w, struct cafe_channel *ch, yaml_node_t *n,
    const char *path)
{
	static const char *const kinds[] = {
		"file", "command", "stdout", NULL
	};
	yaml_node_t *type = NULL, *pathv = NULL, *command = NULL;
	yaml_node_pair_t *pair;
	char key[192];
	int rc, kind;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		if (key_is(k, "type"))
			type = is_null(v) ? NULL : v;
		else if (key_is(k, "path"))
			pathv = is_null(v) ? NULL : v;
		else if (key_is(k, "command"))
			command = is_null(v) ? NULL : v;
		else
			return unknown_key(w, k, path);
	}
	snprintf(key, sizeof key, "%s.type", path);
	if (!type)
		return bad(w, n, key, "missing (file, command or stdout)");
	if ((rc = get_word(w, type, key, kinds, "file, command or stdout",
	    &kind)) != 0)
		return rc;
	ch->kind = kind == 0 ? CAFE_CHAN_FILE : kind == 1 ? CAFE_CHAN_COMMAND :
	    CAFE_CHAN_STDOUT;

	snprintf(key, sizeof key, "%s.path", path);
	if (pathv && ch->kind != CAFE_CHAN_FILE)
		return bad(w, pathv, key, "only a file channel has a path");
	if (!pathv && ch->kind == CAFE_CHAN_FILE)
		return bad(w, n, key, "missing (a file channel needs a path)");
	if (pathv && (rc = get_str(w, pathv, key, &ch->path)) != 0)
		return rc;

	snprintf(key, sizeof key, "%s.command", path);
	if (command && ch->kind != CAFE_CHAN_COMMAND)
		return bad(w, command, key, "only a command channel has a "
		    "command");
	if (!command && ch->kind == CAFE_CHAN_COMMAND)
		return bad(w, n, key, "missing (a command channel needs a "
		    "command: program and arguments)");
	if (command && (rc = get_argv(w, command, key, &ch->argv)) != 0)
		return rc;
	return 0;
}

static void
free_channels(struct cafe_config *c)
{
	for (size_t i = 0; i < c->notify.nchannels; i++) {
		free(c->notify.channels[i].path);
		free_argv(c->notify.channels[i].argv);
	}
	free(c->notify.channels);
	c->notify.channels = NULL;
	c->notify.nchannels = 0;
}

static int
parse_channels(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char path[48], buf[80];
	size_t len;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return bad(w, n, "notify.channels", "must be a list, not %s",
		    what_is(n, buf, sizeof buf));
	len = seq_len(n);
	free_channels(c);
	c->notify.channels = cafe_xcalloc(len, sizeof *c->notify.channels);
	c->notify.nchannels = len;
	for (size_t i = 0; i < len; i++) {
		snprintf(path, sizeof path, "notify.channels[%zu]", i);
		rc = parse_channel(w, &c->notify.channels[i],
		    node_at(w, n->data.sequence.items.start[i]), path);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * A template is text for one message: UTF-8, tabs and newlines allowed,
 * and every {word} must be a known placeholder. Other braces are literal.
 */
static int
check_template(struct walk *w, yaml_node_t *n, const char *key)
{
	const char *s = text_of(n);
	char *copy, *p, buf[80];
	int ok;

	if (!s)
		return bad(w, n, key, "must be text without control "
		    "characters");
	copy = cafe_xstrdup(s);
	for (p = copy; *p; p++)
		if (*p == '\n')
			*p = ' ';
	ok = cafe_valid_text(copy);
	free(copy);
	if (!ok)
		return bad(w, n, key, "must be text without control characters "
		    "other than tab and newline");
	for (p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
		size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		int known = 0;

		if (len == 0 || p[1 + len] != '}')
			continue;
		for (int i = 0; placeholders[i]; i++)
			if (strlen(placeholders[i]) == len &&
			    strncmp(placeholders[i], p + 1, len) == 0)
				known = 1;
		if (!known) {
			show(buf, sizeof buf, p, len + 2);
			return bad(w, n, key, "unknown placeholder '%s' "
			    "(known: {order_id} {product} {items} {qty} {customer} "
			    "{amount} {status} {rider})", buf);
		}
	}
	return 0;
}

static void
free_templates(struct cafe_config *c)
{
	for (size_t i = 0; i < c->notify.ntemplates; i++) {
		free(c->notify.templates[i].event);
		free(c->notify.templates[i].text);
	}
	free(c->notify.templates);
	c->notify.templates = NULL;
	c->notify.ntemplates = 0;
}

static int
parse_templates(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char path[] = "notify.templates";
	yaml_node_pair_t *pair;
	struct cafe_template *t;
	char key[192], buf[80];
	int rc;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	free_templates(c);
	c->notify.templates = cafe_xcalloc((size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start), sizeof *c->notify.templates);
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		subkey(key, sizeof key, path, k);
		if (!notified(cafe_event_type_of((const char *)k->data.scalar.value))) {
			const char *names[CAFE_EV_COUNT];
			char list[512];
			size_t len = 0;

			cafe_event_names(names, notified);
			for (size_t i = 0; names[i] && len < sizeof list; i++)
				len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
				    i ? ", " : "", names[i]);
			return bad(w, k, key, "not an event that sends a message (%s)", list);
		}
		if (is_null(v))
			continue;
		if (v->type != YAML_SCALAR_NODE)
			return bad(w, v, key, "must be a string, not %s",
			    what_is(v, buf, sizeof buf));
		if ((rc = check_template(w, v, key)) != 0)
			return rc;
		t = &c->notify.templates[c->notify.ntemplates++];
		t->event = cafe_xstrdup((const char *)k->data.scalar.value);
		t->text = cafe_xstrdup((const char *)v->data.scalar.value);
	}
	return 0;
}

static int
parse_notify(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char path[] = "notify";
	yaml_node_pair_t *pair;
	int rc = 0;

	if ((rc = check_map(w, n, path)) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top && rc == 0; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);

		if (!key_is(k, "channels") && !key_is(k, "retry") &&
		    !key_is(k, "templates"))
			rc = unknown_key(w, k, path);
		else if (is_null(v))
			continue;
		else if (key_is(k, "channels"))
			rc = parse_channels(w, c, v);
		else if (key_is(k, "retry"))
			rc = parse_ints(w, c, v, "notify.retry", retry_keys);
		else
			rc = parse_templates(w, c, v);
	}
	return rc;
}

static int
parse_top(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const durability[] = { "full", "normal", NULL };
	yaml_node_pair_t *pair;
	char buf[80];
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return bad(w, n, "top level", "must be a map of keys, not %s "
		    "(see cafe.yaml(5))", what_is(n, buf, sizeof buf));
	if ((rc = check_map(w, n, "")) != 0)
		return rc;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top && rc == 0; pair++) {
		yaml_node_t *k = node_at(w, pair->key);
		yaml_node_t *v = node_at(w, pair->value);
		const char *name = (const char *)k->data.scalar.value;

		if (key_is(k, "db")) {
			if (!is_null(v))
				rc = get_str(w, v, name, &c->db);
		} else if (key_is(k, "currency")) {
			if (is_null(v))
				continue;
			rc = get_str(w, v, name, &c->currency);
			if (rc == 0 && (strlen(c->currency) != 3 ||
			    strspn(c->currency, UPPER) != 3))
				rc = bad(w, v, name, "must be a three-letter "
				    "code like KRW or EUR, not %s",
				    what_is(v, buf, sizeof buf));
		} else if (key_is(k, "durability")) {
			if (!is_null(v))
				rc = get_word(w, v, name, durability,
				    "full or normal", &c->durability_normal);
		} else if (key_is(k, "menu")) {
			if (!is_null(v) && (rc = parse_menu(w, c, v)) == 0)
				c->menu_given = 1;
		} else if (key_is(k, "options")) {
			if (!is_null(v))
				rc = parse_options(w, c, v);
		} else if (key_is(k, "tax")) {
			if (!is_null(v))
				rc = parse_tax(w, c, v);
		} else if (key_is(k, "timezone")) {
			if (!is_null(v))
				rc = parse_timezone(w, c, v);
		} else if (key_is(k, "payment")) {
			if (!is_null(v))
				rc = parse_payment(w, c, v);
		} else if (key_is(k, "notify")) {
			if (!is_null(v))
				rc = parse_notify(w, c, v);
		} else if (key_is(k, "daemon")) {
			if (!is_null(v))
				rc = parse_ints(w, c, v, "daemon",
				    daemon_keys);
		} else if (key_is(k, "web")) {
			if (!is_null(v))
				rc = parse_web(w, c, v);
		} else if (key_is(k, "kitchen")) {
			if (!is_null(v))
				rc = parse_ints(w, c, v, "kitchen", kitchen_keys);
		} else {
			rc = unknown_key(w, k, "");
		}
	}
	return rc ? rc : check_groups(w, c);
}

static int
syntax_error(yaml_parser_t *p, const char *name, const char *text, size_t len,
    struct cafe_err *e)
{
	const char *problem = p->problem ? p->problem : "out of memory";
	unsigned long line;

	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		line = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++)
			if (text[i] == '\n')
				line++;
	} else {
		line = (unsigned long)p->problem_mark.line + 1;
	}
	return cafe_err_set(e, CAFE_CONFIG, "%s:%lu: YAML syntax error: %s",
	    name, line, problem);
}

void
cafe_config_defaults(struct cafe_config *c)
{
	static const struct {
		const char *name;
		long long price, stock;
		int tracked;
		const char *groups[3];
	} menu[] = {
		{ "americano", 3000, 100, 1, { "size", NULL } },
		{ "latte", 4000, 100, 1, { "size", "milk", NULL } },
		{ "mocha", 4500, 0, 0, { "size", "milk", NULL } },
		{ "tea", 2500, 0, 0, { NULL } },
	};
	static const struct {
		const char *group, *choice[2];
		long long price[2];
	} options[] = {
		{ "size", { "regular", "large" }, { 0, 500 } },
		{ "milk", { "whole", "oat" }, { 0, 600 } },
	};

	memset(c, 0, sizeof *c);
	c->currency = cafe_xstrdup("KRW");
	c->tax.included = 1;
	c->nmenu = sizeof menu / sizeof menu[0];
	c->menu = cafe_xcalloc(c->nmenu, sizeof *c->menu);
	for (size_t i = 0; i < c->nmenu; i++) {
		size_t n = 0;

		c->menu[i].name = cafe_xstrdup(menu[i].name);
		c->menu[i].price = menu[i].price;
		c->menu[i].stock = menu[i].stock;
		c->menu[i].tracked = menu[i].tracked;
		while (menu[i].groups[n])
			n++;
		c->menu[i].groups = cafe_xcalloc(n + 1, sizeof *c->menu[i].groups);
		for (size_t j = 0; j < n; j++)
			c->menu[i].groups[j] = cafe_xstrdup(menu[i].groups[j]);
	}
	c->noptions = sizeof options / sizeof options[0];
	c->options = cafe_xcalloc(c->noptions, sizeof *c->options);
	for (size_t i = 0; i < c->noptions; i++) {
		c->options[i].name = cafe_xstrdup(options[i].group);
		c->options[i].nchoices = 2;
		c->options[i].choices = cafe_xcalloc(2, sizeof *c->options[i].choices);
		for (size_t j = 0; j < 2; j++) {
			c->options[i].choices[j].name = cafe_xstrdup(options[i].choice[j]);
			c->options[i].choices[j].price = options[i].price[j];
		}
	}
	c->payment.kind = CAFE_PROC_SIM;
	c->payment.timeout_ms = 610;
	c->payment.sim.seed = 1;
	c->payment.breaker.window = 20;
	c->payment.breaker.min_calls = 5;
	c->payment.breaker.failure_rate = 50;
	c->payment.breaker.slow_call_ms = 610;
	c->payment.breaker.open_ms = 5000;
	c->payment.breaker.half_open_calls = 3;
	c->notify.max_attempts = 5;
	c->notify.backoff_ms = 1000;
	c->daemon.poll_ms = 50;
	c->daemon.lease_ms = 5000;
	c->daemon.reconcile_after_ms = 60000;
	c->kitchen.late_after_ms = 600000;
	c->daemon.lag_alert = 1000;
	c->daemon.lag_alert_ms = 300000;
	c->daemon.max_attempts = 8;
	c->daemon.backoff_ms = 500;
}

int
cafe_config_parse(struct cafe_config *c, const char *name, const char *text,
    size_t len, struct cafe_err *e)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	struct walk w = { name, &doc, e };
	int rc = 0, have_doc = 0;

	cafe_config_defaults(c);
	if (!yaml_parser_initialize(&parser)) {
		rc = cafe_err_set(e, CAFE_CONFIG, "%s: cannot start the YAML "
		    "parser", name);
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax_error(&parser, name, text, len, e);
		goto out;
	}
	have_doc = 1;
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = syntax_error(&parser, name, text, len, e);
		goto out;
	}
	root = yaml_document_get_root_node(&extra);
	if (root && !is_null(root))
		rc = cafe_err_set(e, CAFE_CONFIG, "%s:%lu: YAML syntax error: "
		    "a second document (a file holds only one)", name,
		    (unsigned long)extra.start_mark.line + 1);
	yaml_document_delete(&extra);
	if (rc != 0)
		goto out;

	root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root))
		rc = parse_top(&w, c, root);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc != 0)
		cafe_config_release(c);
	return rc;
}

/* Reads all of path into *text (NUL-terminated). */
static int
slurp(const char *path, char **text, size_t *len, struct cafe_err *e)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0, got;
	int rc = 0;

	if (!(f = fopen(path, "r")))
		return cafe_err_set(e, CAFE_CONFIG, "%s: cannot read: %s", path,
		    strerror(errno));
	buf = cafe_xmalloc(MAX_FILE + 1);
	while ((got = fread(buf + n, 1, MAX_FILE + 1 - n, f)) > 0) {
		n += got;
		if (n > MAX_FILE) {
			rc = cafe_err_set(e, CAFE_CONFIG, "%s: cannot read: "
			    "larger than %d bytes", path, MAX_FILE);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = cafe_err_set(e, CAFE_CONFIG, "%s: cannot read: %s", path,
		    strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* 1 if there is something at path worth trying to read. */
static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

int
cafe_config_load(struct cafe_config *c, const char *explicit_path,
    struct cafe_err *e)
{
	const char *env, *home;
	char *path = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	if (explicit_path) {
		path = cafe_xstrdup(explicit_path);
	} else if ((env = getenv("CAFE_CONFIG")) && *env) {
		path = cafe_xstrdup(env);
	} else {
		if ((env = getenv("XDG_CONFIG_HOME")) && *env == '/')
			path = cafe_xasprintf("%s/cafe/config.yaml", env);
		else if ((home = getenv("HOME")) && *home)
			path = cafe_xasprintf("%s/.config/cafe/config.yaml",
			    home);
		if (path && !exists(path)) {
			free(path);
			path = NULL;
		}
		if (!path && exists("/etc/cafe/config.yaml"))
			path = cafe_xstrdup("/etc/cafe/config.yaml");
	}
	if (!path) {
		cafe_config_defaults(c);
		return 0;
	}
	if ((rc = slurp(path, &text, &len, e)) != 0) {
		memset(c, 0, sizeof *c);
		goto out;
	}
	if ((rc = cafe_config_parse(c, path, text, len, e)) != 0)
		goto out;
	c->path = path;
	path = NULL;
out:
	free(text);
	free(path);
	return rc;
}

void
cafe_config_release(struct cafe_config *c)
{
	free(c->path);
	free(c->db);
	free(c->currency);
	free(c->timezone);
	free(c->web_url);
	free_menu(c);
	free_options(c);
	free_argv(c->payment.command);
	free_channels(c);
	free_templates(c);
	memset(c, 0, sizeof *c);
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

const char *
cafe_config_template(const struct cafe_config *c, const char *event)
{
	for (size_t i = 0; i < c->notify.ntemplates; i++)
		if (strcmp(c->notify.templates[i].event, event) == 0)
			return c->notify.templates[i].text;
	return NULL;
}
