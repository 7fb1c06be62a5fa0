/*
 * web.c - the config's web section (cafe.yaml(5)): where cafe-web is
 * reached (url), whether customers order on it (ordering) and riders
 * have their pages (riders), how they may pay (tenders), how often one
 * client may order (orders_per_minute), and the proxies whose
 * X-Forwarded-For names the client (trusted_proxies).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "walk.h"

static int
parse_url(struct walk *w, struct cafe_config *c, yaml_node_t *v)
{
	char buf[80];
	int rc;

	free(c->web_url);
	c->web_url = NULL;
	if ((rc = cfg_get_str(w, v, "web.url", &c->web_url)) != 0)
		return rc;
	if ((strncmp(c->web_url, "http://", 7) != 0 &&
	    strncmp(c->web_url, "https://", 8) != 0) || strlen(c->web_url) > 200 ||
	    strpbrk(c->web_url, " \t\r\n\"'<>\\`"))
		return cfg_bad(w, v, "web.url", "must be an http:// or https:// address of at "
		    "most 200 characters, without spaces or quotes, not %s",
		    cfg_what_is(v, buf, sizeof buf));
	return 0;
}

/* "10.0.0.0/8", "::1/128", or an address alone (all its bits). */
static int
parse_cidr(const char *s, struct cafe_cidr *out)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	long long bits;
	char *end;

	if (len == 0 || len >= sizeof host)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	out->bits = out->family == AF_INET ? 32 : 128;
	if (slash) {
		bits = strtoll(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0 || bits > out->bits)
			return -1;
		out->bits = (int)bits;
	}
	return 0;
}

static int
parse_proxies(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char key[64], buf[80];
	size_t len, i = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_bad(w, n, "web.trusted_proxies", "must be a list of address "
		    "blocks like 10.0.0.0/8 or ::1, not %s", cfg_what_is(n, buf, sizeof buf));
	len = cfg_seq_len(n);
	free(c->web.proxies);
	c->web.proxies = cafe_xcalloc(len ? len : 1, sizeof *c->web.proxies);
	c->web.nproxies = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++, i++) {
		yaml_node_t *v = cfg_node_at(w, *it);

		snprintf(key, sizeof key, "web.trusted_proxies[%zu]", i);
		if (v->type != YAML_SCALAR_NODE ||
		    parse_cidr(cfg_text_of(v), &c->web.proxies[i]) != 0)
			return cfg_bad(w, v, key, "must be an address block like 10.0.0.0/8, "
			    "192.168.1.5 or ::1/128, not %s", cfg_what_is(v, buf, sizeof buf));
		c->web.nproxies++;
	}
	return 0;
}

/* tenders: [card] (the default) or [card, cash]: a kiosk with a cash
 * acceptor; a phone pays by card. */
static int
parse_tenders(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	char key[48], buf[80];
	size_t i = 0;

	if (n->type != YAML_SEQUENCE_NODE || cfg_seq_len(n) == 0)
		return cfg_bad(w, n, "web.tenders", "must be a list like [card] or "
		    "[card, cash], not %s", cfg_what_is(n, buf, sizeof buf));
	c->web.cash = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++, i++) {
		yaml_node_t *v = cfg_node_at(w, *it);
		const char *t = v->type == YAML_SCALAR_NODE ? cfg_text_of(v) : NULL;

		snprintf(key, sizeof key, "web.tenders[%zu]", i);
		if (t && strcmp(t, "cash") == 0)
			c->web.cash = 1;
		else if (!t || strcmp(t, "card") != 0)
			return cfg_bad(w, v, key, "must be card or cash, not %s",
			    cfg_what_is(v, buf, sizeof buf));
	}
	return 0;
}

int
cfg_parse_web(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const truth[] = { "false", "true", NULL };
	struct cfg_pair kv;
	int rc = cfg_pairs(w, n, "web", &kv);

	while (rc == 0 && cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;

		if (!cfg_key_is(k, "url") && !cfg_key_is(k, "ordering") &&
		    !cfg_key_is(k, "riders") && !cfg_key_is(k, "tenders") &&
		    !cfg_key_is(k, "orders_per_minute") && !cfg_key_is(k, "trusted_proxies"))
			return cfg_unknown_key(w, k, "web");
		if (cfg_is_null(v))
			continue;
		if (cfg_key_is(k, "url"))
			rc = parse_url(w, c, v);
		else if (cfg_key_is(k, "ordering"))
			rc = cfg_get_word(w, v, kv.key, truth, "true or false", &c->web.ordering);
		else if (cfg_key_is(k, "riders"))
			rc = cfg_get_word(w, v, kv.key, truth, "true or false", &c->web.riders);
		else if (cfg_key_is(k, "tenders"))
			rc = parse_tenders(w, c, v);
		else if (cfg_key_is(k, "orders_per_minute"))
			rc = cfg_get_int(w, v, kv.key, 1, 10000, &c->web.orders_per_minute);
		else
			rc = parse_proxies(w, c, v);
	}
	return rc;
}
