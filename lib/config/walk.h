/*
 * walk.h - private to lib/config/: one cafe.yaml(5) document being walked,
 * the readers of its nodes (walk.c), and each section's parser (menu.c,
 * payment.c, notify.c), which config.c calls from the top level. Every
 * reader and parser returns 0 or CAFE_CONFIG with e set to
 * "FILE:LINE: KEY: what is wrong".
 */
#ifndef CAFE_CONFIG_WALK_H
#define CAFE_CONFIG_WALK_H

#include <stddef.h>

#include <yaml.h>

#include "base/cafe.h"
#include "config.h"

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

/* A map whose keys all hold whole numbers, stored as int fields of c. */
struct int_key {
	const char *name;
	long long min, max;
	size_t off;             /* in struct cafe_config */
};

#define INT_KEY(field, min, max) \
	{ #field, min, max, offsetof(struct cafe_config, field) }

/* walk.c */
unsigned long cfg_line_of(const yaml_node_t *n);
yaml_node_t *cfg_node_at(struct walk *w, int id);
const char *cfg_text_of(const yaml_node_t *n);
size_t cfg_seq_len(const yaml_node_t *n);
void cfg_show(char *buf, size_t n, const char *s, size_t len);
const char *cfg_what_is(const yaml_node_t *n, char *buf, size_t size);
int cfg_bad(struct walk *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cfg_is_null(const yaml_node_t *n);
int cfg_key_is(const yaml_node_t *k, const char *name);
void cfg_subkey(char *buf, size_t n, const char *path, const yaml_node_t *k);
int cfg_unknown_key(struct walk *w, const yaml_node_t *k, const char *path);
int cfg_check_map(struct walk *w, yaml_node_t *n, const char *path);
/*
 * A mapping's pairs in order, each with its key's full name:
 *	struct cfg_pair p;
 *	int rc = cfg_pairs(w, n, "tax", &p);
 *
 *	while (rc == 0 && cfg_next(&p))
 *		... p.k, p.v, p.key ("tax.included") ...
 * cfg_pairs refuses what cfg_check_map refuses; then cfg_next has no pair.
 */
struct cfg_pair {
	struct walk *w;
	const char *path;
	yaml_node_pair_t *at, *end;
	yaml_node_t *k, *v;
	char key[192];
};
int cfg_pairs(struct walk *w, yaml_node_t *n, const char *path, struct cfg_pair *p);
int cfg_next(struct cfg_pair *p);
int cfg_get_ll(struct walk *w, yaml_node_t *n, const char *key, long long min,
		long long max, long long *out);
int cfg_get_int(struct walk *w, yaml_node_t *n, const char *key, long long min,
		long long max, int *out);
int cfg_get_share(struct walk *w, yaml_node_t *n, const char *key, double *out);
int cfg_get_str(struct walk *w, yaml_node_t *n, const char *key, char **out);
int cfg_get_word(struct walk *w, yaml_node_t *n, const char *key,
		const char *const *names, const char *choice, int *out);
void cfg_free_argv(char **argv);
int cfg_get_argv(struct walk *w, yaml_node_t *n, const char *key, char ***out);
int cfg_parse_ints(struct walk *w, struct cafe_config *c, yaml_node_t *n,
		const char *path, const struct int_key *keys);

/* menu.c */
void cfg_free_menu(struct cafe_config *c);
int cfg_parse_menu(struct walk *w, struct cafe_config *c, yaml_node_t *n);
void cfg_free_options(struct cafe_config *c);
int cfg_parse_options(struct walk *w, struct cafe_config *c, yaml_node_t *n);
int cfg_check_groups(struct walk *w, struct cafe_config *c);

/* payment.c */
int cfg_parse_payment(struct walk *w, struct cafe_config *c, yaml_node_t *n);

/* notify.c */
void cfg_free_channels(struct cafe_config *c);
void cfg_free_templates(struct cafe_config *c);
int cfg_parse_notify(struct walk *w, struct cafe_config *c, yaml_node_t *n);

/* shop.c */
int cfg_parse_hours(struct walk *w, struct cafe_config *c, yaml_node_t *n);
int cfg_parse_language(struct walk *w, struct cafe_config *c, yaml_node_t *n);
int cfg_parse_staff(struct walk *w, struct cafe_config *c, yaml_node_t *n);
int cfg_parse_printer(struct walk *w, struct cafe_config *c, yaml_node_t *n);

/* web.c */
int cfg_parse_web(struct walk *w, struct cafe_config *c, yaml_node_t *n);

#endif
