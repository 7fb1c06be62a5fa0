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
 * The walk's readers are walk.c's; the menu, payment and notify sections
 * have a file each (menu.c, payment.c, notify.c); the top level, the
 * small sections, the defaults and loading the file are here.
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
#include "walk.h"

/* tax: {rate_percent: 10, included: true} */
static int
parse_tax(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const truth[] = { "false", "true", NULL };
	struct cfg_pair kv;
	int rc;

	if ((rc = cfg_pairs(w, n, "tax", &kv)) != 0)
		return rc;
	while (cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;
		const char *key = kv.key;

		if (cfg_is_null(v) && (cfg_key_is(k, "rate_percent") || cfg_key_is(k, "included")))
			continue;
		if (cfg_key_is(k, "rate_percent"))
			rc = cfg_get_int(w, v, key, 0, 100, &c->tax.rate_percent);
		else if (cfg_key_is(k, "included"))
			rc = cfg_get_word(w, v, key, truth, "true or false", &c->tax.included);
		else
			rc = cfg_unknown_key(w, k, "tax");
		if (rc)
			return rc;
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

	if ((rc = cfg_get_str(w, n, "timezone", &c->timezone)) != 0)
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
		return cfg_bad(w, n, "timezone", "must be a time zone such as Asia/Seoul "
		    "or UTC (one of /usr/share/zoneinfo), not %s",
		    cfg_what_is(n, buf, sizeof buf));
	return 0;
}

static const struct int_key kitchen_keys[] = {
	INT_KEY(kitchen.late_after_ms, 1, MAX_MS),
	INT_KEY(kitchen.prep_ms, 0, 86400000),
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

static int
parse_top(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const durability[] = { "full", "normal", NULL };
	struct cfg_pair kv;
	char buf[80];
	int rc = 0;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_bad(w, n, "top level", "must be a map of keys, not %s "
		    "(see cafe.yaml(5))", cfg_what_is(n, buf, sizeof buf));
	if ((rc = cfg_pairs(w, n, "", &kv)) != 0)
		return rc;
	while (rc == 0 && cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;
		const char *name = (const char *)k->data.scalar.value;

		if (cfg_key_is(k, "db")) {
			if (!cfg_is_null(v))
				rc = cfg_get_str(w, v, name, &c->db);
		} else if (cfg_key_is(k, "currency")) {
			if (cfg_is_null(v))
				continue;
			rc = cfg_get_str(w, v, name, &c->currency);
			if (rc == 0 && (strlen(c->currency) != 3 ||
			    strspn(c->currency, UPPER) != 3))
				rc = cfg_bad(w, v, name, "must be a three-letter "
				    "code like KRW or EUR, not %s",
				    cfg_what_is(v, buf, sizeof buf));
		} else if (cfg_key_is(k, "shop")) {
			if (cfg_is_null(v))
				continue;
			rc = cfg_get_str(w, v, name, &c->shop);
			if (rc == 0 && !cafe_config_valid_shop(c->shop))
				rc = cfg_bad(w, v, name, "must be a name of at most 40 "
				    "characters without ':', '+' or ',', other than 'all', "
				    "not %s", cfg_what_is(v, buf, sizeof buf));
		} else if (cfg_key_is(k, "durability")) {
			if (!cfg_is_null(v))
				rc = cfg_get_word(w, v, name, durability,
				    "full or normal", &c->durability_normal);
		} else if (cfg_key_is(k, "menu")) {
			if (!cfg_is_null(v) && (rc = cfg_parse_menu(w, c, v)) == 0)
				c->menu_given = 1;
		} else if (cfg_key_is(k, "options")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_options(w, c, v);
		} else if (cfg_key_is(k, "tax")) {
			if (!cfg_is_null(v))
				rc = parse_tax(w, c, v);
		} else if (cfg_key_is(k, "timezone")) {
			if (!cfg_is_null(v))
				rc = parse_timezone(w, c, v);
		} else if (cfg_key_is(k, "hours")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_hours(w, c, v);
		} else if (cfg_key_is(k, "staff")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_staff(w, c, v);
		} else if (cfg_key_is(k, "printer")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_printer(w, c, v);
		} else if (cfg_key_is(k, "language")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_language(w, c, v);
		} else if (cfg_key_is(k, "payment")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_payment(w, c, v);
		} else if (cfg_key_is(k, "notify")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_notify(w, c, v);
		} else if (cfg_key_is(k, "daemon")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_ints(w, c, v, "daemon",
				    daemon_keys);
		} else if (cfg_key_is(k, "web")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_web(w, c, v);
		} else if (cfg_key_is(k, "kitchen")) {
			if (!cfg_is_null(v))
				rc = cfg_parse_ints(w, c, v, "kitchen", kitchen_keys);
		} else {
			rc = cfg_unknown_key(w, k, "");
		}
	}
	return rc ? rc : cfg_check_groups(w, c);
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
	c->shop = cafe_xstrdup("main");
	c->tax.included = 1;
	c->printer.width = 42;
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
	c->kitchen.prep_ms = 300000;
	c->hours.open_min = c->hours.close_min = -1;
	c->language = "en";
	c->daemon.lag_alert = 1000;
	c->daemon.lag_alert_ms = 300000;
	c->daemon.max_attempts = 8;
	c->daemon.backoff_ms = 500;
	c->web.orders_per_minute = 10;
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
	if (root && !cfg_is_null(root))
		rc = cafe_err_set(e, CAFE_CONFIG, "%s:%lu: YAML syntax error: "
		    "a second document (a file holds only one)", name,
		    (unsigned long)extra.start_mark.line + 1);
	yaml_document_delete(&extra);
	if (rc != 0)
		goto out;

	root = yaml_document_get_root_node(&doc);
	if (root && !cfg_is_null(root))
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
	free(c->shop);
	free(c->timezone);
	free(c->web_url);
	free(c->web.proxies);
	free(c->staff.managers_group);
	free(c->printer.device);
	free(c->printer.codepage);
	cfg_free_argv(c->printer.command);
	cfg_free_menu(c);
	cfg_free_options(c);
	cfg_free_argv(c->payment.command);
	cfg_free_channels(c);
	cfg_free_templates(c);
	memset(c, 0, sizeof *c);
}
