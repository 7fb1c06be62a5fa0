/*
 * notify.c - the notify section of cafe.yaml(5) (walk.h): the channels,
 * the retry policy and the customers' message templates.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"
#include "event/catalogue.h"

/* The events that send a customer a message: those the catalogue gives
 * a {status}. */
static int
notified(enum cafe_event_type t)
{
	return cafe_event_status(t) != NULL;
}

static const char *const placeholders[] = {
	"order_id", "ticket", "product", "items", "qty", "customer", "amount", "status",
	"rider", "link", NULL
};

static const struct int_key retry_keys[] = {
	{ "notify.retry.max_attempts", 1, 1000,
	    offsetof(struct cafe_config, notify.max_attempts) },
	{ "notify.retry.backoff_ms", 0, MAX_MS,
	    offsetof(struct cafe_config, notify.backoff_ms) },
	{ NULL, 0, 0, 0 }
};

static int
parse_channel(struct walk *w, struct cafe_channel *ch, yaml_node_t *n,
    const char *path)
{
	static const char *const kinds[] = {
		"file", "command", "stdout", NULL
	};
	yaml_node_t *type = NULL, *pathv = NULL, *command = NULL;
	struct cfg_pair kv;
	char key[192];
	int rc, kind;

	if ((rc = cfg_pairs(w, n, path, &kv)) != 0)
		return rc;
	while (cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;

		if (cfg_key_is(k, "type"))
			type = cfg_is_null(v) ? NULL : v;
		else if (cfg_key_is(k, "path"))
			pathv = cfg_is_null(v) ? NULL : v;
		else if (cfg_key_is(k, "command"))
			command = cfg_is_null(v) ? NULL : v;
		else
			return cfg_unknown_key(w, k, path);
	}
	snprintf(key, sizeof key, "%s.type", path);
	if (!type)
		return cfg_bad(w, n, key, "missing (file, command or stdout)");
	if ((rc = cfg_get_word(w, type, key, kinds, "file, command or stdout",
	    &kind)) != 0)
		return rc;
	ch->kind = kind == 0 ? CAFE_CHAN_FILE : kind == 1 ? CAFE_CHAN_COMMAND :
	    CAFE_CHAN_STDOUT;

	snprintf(key, sizeof key, "%s.path", path);
	if (pathv && ch->kind != CAFE_CHAN_FILE)
		return cfg_bad(w, pathv, key, "only a file channel has a path");
	if (!pathv && ch->kind == CAFE_CHAN_FILE)
		return cfg_bad(w, n, key, "missing (a file channel needs a path)");
	if (pathv && (rc = cfg_get_str(w, pathv, key, &ch->path)) != 0)
		return rc;

	snprintf(key, sizeof key, "%s.command", path);
	if (command && ch->kind != CAFE_CHAN_COMMAND)
		return cfg_bad(w, command, key, "only a command channel has a "
		    "command");
	if (!command && ch->kind == CAFE_CHAN_COMMAND)
		return cfg_bad(w, n, key, "missing (a command channel needs a "
		    "command: program and arguments)");
	if (command && (rc = cfg_get_argv(w, command, key, &ch->argv)) != 0)
		return rc;
	return 0;
}

void
cfg_free_channels(struct cafe_config *c)
{
	for (size_t i = 0; i < c->notify.nchannels; i++) {
		free(c->notify.channels[i].path);
		cfg_free_argv(c->notify.channels[i].argv);
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
		return cfg_bad(w, n, "notify.channels", "must be a list, not %s",
		    cfg_what_is(n, buf, sizeof buf));
	len = cfg_seq_len(n);
	cfg_free_channels(c);
	c->notify.channels = cafe_xcalloc(len, sizeof *c->notify.channels);
	c->notify.nchannels = len;
	for (size_t i = 0; i < len; i++) {
		snprintf(path, sizeof path, "notify.channels[%zu]", i);
		rc = parse_channel(w, &c->notify.channels[i],
		    cfg_node_at(w, n->data.sequence.items.start[i]), path);
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
	const char *s = cfg_text_of(n);
	char *copy, *p, buf[80];
	int ok;

	if (!s)
		return cfg_bad(w, n, key, "must be text without control "
		    "characters");
	copy = cafe_xstrdup(s);
	for (p = copy; *p; p++)
		if (*p == '\n')
			*p = ' ';
	ok = cafe_valid_text(copy);
	free(copy);
	if (!ok)
		return cfg_bad(w, n, key, "must be text without control characters "
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
			cfg_show(buf, sizeof buf, p, len + 2);
			return cfg_bad(w, n, key, "unknown placeholder '%s' "
			    "(known: {order_id} {product} {items} {qty} {customer} "
			    "{amount} {status} {rider})", buf);
		}
	}
	return 0;
}

void
cfg_free_templates(struct cafe_config *c)
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
	struct cfg_pair kv;
	struct cafe_template *t;
	char buf[80];
	int rc;

	if ((rc = cfg_pairs(w, n, path, &kv)) != 0)
		return rc;
	cfg_free_templates(c);
	c->notify.templates = cafe_xcalloc((size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start), sizeof *c->notify.templates);
	while (cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;
		const char *key = kv.key;

		if (!notified(cafe_event_type_of((const char *)k->data.scalar.value))) {
			const char *names[CAFE_EV_COUNT];
			char list[512];
			size_t len = 0;

			cafe_event_names(names, notified);
			for (size_t i = 0; names[i] && len < sizeof list; i++)
				len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
				    i ? ", " : "", names[i]);
			return cfg_bad(w, k, key, "not an event that sends a message (%s)", list);
		}
		if (cfg_is_null(v))
			continue;
		if (v->type != YAML_SCALAR_NODE)
			return cfg_bad(w, v, key, "must be a string, not %s",
			    cfg_what_is(v, buf, sizeof buf));
		if ((rc = check_template(w, v, key)) != 0)
			return rc;
		t = &c->notify.templates[c->notify.ntemplates++];
		t->event = cafe_xstrdup((const char *)k->data.scalar.value);
		t->text = cafe_xstrdup((const char *)v->data.scalar.value);
	}
	return 0;
}

int
cfg_parse_notify(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char path[] = "notify";
	struct cfg_pair kv;
	int rc = cfg_pairs(w, n, path, &kv);

	while (rc == 0 && cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;

		if (!cfg_key_is(k, "channels") && !cfg_key_is(k, "retry") &&
		    !cfg_key_is(k, "templates"))
			rc = cfg_unknown_key(w, k, path);
		else if (cfg_is_null(v))
			continue;
		else if (cfg_key_is(k, "channels"))
			rc = parse_channels(w, c, v);
		else if (cfg_key_is(k, "retry"))
			rc = cfg_parse_ints(w, c, v, "notify.retry", retry_keys);
		else
			rc = parse_templates(w, c, v);
	}
	return rc;
}

const char *
cafe_config_template(const struct cafe_config *c, const char *event)
{
	for (size_t i = 0; i < c->notify.ntemplates; i++)
		if (strcmp(c->notify.templates[i].event, event) == 0)
			return c->notify.templates[i].text;
	return NULL;
}
