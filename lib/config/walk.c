/*
 * walk.c - walking a cafe.yaml(5) document (walk.h): where a node is, what
 * it holds, and the typed readers every section's parser uses. Every
 * error is "FILE:LINE: KEY: what is wrong".
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

unsigned long
cfg_line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

yaml_node_t *
cfg_node_at(struct walk *w, int id)
{
	return yaml_document_get_node(w->doc, id);
}

/* The text of a scalar; NULL if it holds a NUL byte or is no scalar. */
const char *
cfg_text_of(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)n->data.scalar.value;
	return strlen(s) == n->data.scalar.length ? s : NULL;
}

size_t
cfg_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

/*
 * Copies len bytes of s into buf for a one-line message: control bytes
 * become '?', and a long text is cut at a character boundary with "...".
 */
void
cfg_show(char *buf, size_t n, const char *s, size_t len)
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
const char *
cfg_what_is(const yaml_node_t *n, char *buf, size_t size)
{
	char v[64];

	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a map";
	case YAML_SCALAR_NODE:
		cfg_show(v, sizeof v, (const char *)n->data.scalar.value,
		    n->data.scalar.length);
		snprintf(buf, size, "'%s'", v);
		return buf;
	default:
		return "nothing";
	}
}

int
cfg_bad(struct walk *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return cafe_err_set(w->e, CAFE_CONFIG, "%s:%lu: %s: %s", w->file,
	    cfg_line_of(n), key, what);
}

int
cfg_is_null(const yaml_node_t *n)
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

int
cfg_key_is(const yaml_node_t *k, const char *name)
{
	return strcmp((const char *)k->data.scalar.value, name) == 0;
}

void
cfg_subkey(char *buf, size_t n, const char *path, const yaml_node_t *k)
{
	char v[64];

	cfg_show(v, sizeof v, (const char *)k->data.scalar.value,
	    k->data.scalar.length);
	snprintf(buf, n, "%s%s%s", path, *path ? "." : "", v);
}

int
cfg_unknown_key(struct walk *w, const yaml_node_t *k, const char *path)
{
	char key[192];

	cfg_subkey(key, sizeof key, path, k);
	return cfg_bad(w, k, key, "unknown key (see cafe.yaml(5))");
}

/*
 * Checks that n is a map whose keys are distinct plain scalars, so that the
 * callers' loops only have to dispatch on the key.
 */
int
cfg_check_map(struct walk *w, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *p, *q;
	char buf[80];

	if (n->type != YAML_MAPPING_NODE)
		return cfg_bad(w, n, path, "must be a map, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = cfg_node_at(w, p->key);

		if (k->type != YAML_SCALAR_NODE)
			return cfg_bad(w, k, *path ? path : "top level",
			    "keys must be words, not %s",
			    cfg_what_is(k, buf, sizeof buf));
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k0 = cfg_node_at(w, q->key);
			char key[192];

			if (k0->type == YAML_SCALAR_NODE &&
			    k0->data.scalar.length == k->data.scalar.length &&
			    memcmp(k0->data.scalar.value, k->data.scalar.value,
			    k->data.scalar.length) == 0) {
				cfg_subkey(key, sizeof key, path, k);
				return cfg_bad(w, k, key,
				    "duplicate key (first at line %lu)",
				    cfg_line_of(k0));
			}
		}
	}
	return 0;
}

int
cfg_pairs(struct walk *w, yaml_node_t *n, const char *path, struct cfg_pair *p)
{
	int rc;

	memset(p, 0, sizeof *p);
	if ((rc = cfg_check_map(w, n, path)) != 0)
		return rc;
	p->w = w;
	p->path = path;
	p->at = n->data.mapping.pairs.start;
	p->end = n->data.mapping.pairs.top;
	return 0;
}

int
cfg_next(struct cfg_pair *p)
{
	if (p->at >= p->end)
		return 0;
	p->k = cfg_node_at(p->w, p->at->key);
	p->v = cfg_node_at(p->w, p->at->value);
	cfg_subkey(p->key, sizeof p->key, p->path, p->k);
	p->at++;
	return 1;
}

int
cfg_get_ll(struct walk *w, yaml_node_t *n, const char *key, long long min,
    long long max, long long *out)
{
	const char *s = cfg_text_of(n);
	char buf[80];

	if (s && cafe_parse_ll(s, min, max, out) == 0)
		return 0;
	if (min == LLONG_MIN)
		return cfg_bad(w, n, key, "must be a whole number, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	return cfg_bad(w, n, key, "must be a whole number from %lld to %lld, "
	    "not %s", min, max, cfg_what_is(n, buf, sizeof buf));
}

int
cfg_get_int(struct walk *w, yaml_node_t *n, const char *key, long long min,
    long long max, int *out)
{
	long long v;
	int rc;

	if ((rc = cfg_get_ll(w, n, key, min, max, &v)) != 0)
		return rc;
	*out = (int)v;
	return 0;
}

/* A share from 0 to 1: a plain decimal number, not hex, nan or inf. */
int
cfg_get_share(struct walk *w, yaml_node_t *n, const char *key, double *out)
{
	const char *s;
	char buf[80], *end;
	double v;

	if (!(s = cfg_text_of(n)) || *s == '\0' ||
	    strspn(s, "0123456789.eE+-") != strlen(s))
		goto fail;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
		goto fail;
	*out = v;
	return 0;
fail:
	return cfg_bad(w, n, key, "must be a number from 0 to 1, not %s",
	    cfg_what_is(n, buf, sizeof buf));
}

/* A non-empty line of UTF-8 text; replaces *out. */
int
cfg_get_str(struct walk *w, yaml_node_t *n, const char *key, char **out)
{
	const char *s;
	char buf[80];

	if (n->type != YAML_SCALAR_NODE)
		return cfg_bad(w, n, key, "must be a string, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.length == 0)
		return cfg_bad(w, n, key, "must not be empty");
	if (!cfg_text_of(n) || !cafe_valid_text(s))
		return cfg_bad(w, n, key, "must be text without control "
		    "characters, not %s", cfg_what_is(n, buf, sizeof buf));
	free(*out);
	*out = cafe_xstrdup(s);
	return 0;
}

/* One of the words in names (NULL-terminated); the index goes to *out. */
int
cfg_get_word(struct walk *w, yaml_node_t *n, const char *key,
    const char *const *names, const char *choice, int *out)
{
	const char *s = cfg_text_of(n);
	char buf[80];

	if (s) {
		for (int i = 0; names[i]; i++) {
			if (strcmp(s, names[i]) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	return cfg_bad(w, n, key, "must be %s, not %s", choice,
	    cfg_what_is(n, buf, sizeof buf));
}

void
cfg_free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* A non-empty list of strings, as a NULL-terminated argv; replaces *out. */
int
cfg_get_argv(struct walk *w, yaml_node_t *n, const char *key, char ***out)
{
	char buf[80], item[192];
	char **argv;
	size_t len, i;
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_bad(w, n, key, "must be a list of strings, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	len = cfg_seq_len(n);
	if (len == 0)
		return cfg_bad(w, n, key, "must name a program to run");
	argv = cafe_xcalloc(len + 1, sizeof *argv);
	for (i = 0; i < len; i++) {
		snprintf(item, sizeof item, "%s[%zu]", key, i);
		rc = cfg_get_str(w, cfg_node_at(w, n->data.sequence.items.start[i]),
		    item, &argv[i]);
		if (rc != 0) {
			cfg_free_argv(argv);
			return rc;
		}
	}
	cfg_free_argv(*out);
	*out = argv;
	return 0;
}

/* keys[].name is the full dotted path: path, a dot, then the key. */
int
cfg_parse_ints(struct walk *w, struct cafe_config *c, yaml_node_t *n,
    const char *path, const struct int_key *keys)
{
	struct cfg_pair kv;
	const struct int_key *ik;
	size_t plen = strlen(path);
	int rc;

	if ((rc = cfg_pairs(w, n, path, &kv)) != 0)
		return rc;
	while (cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;

		for (ik = keys; ik->name; ik++)
			if (cfg_key_is(k, ik->name + plen + 1))
				break;
		if (!ik->name)
			return cfg_unknown_key(w, k, path);
		if (cfg_is_null(v))
			continue;
		rc = cfg_get_int(w, v, ik->name, ik->min, ik->max,
		    (int *)(void *)((char *)c + ik->off));
		if (rc != 0)
			return rc;
	}
	return 0;
}
