/*
 * payment.c - the payment section of cafe.yaml(5) (walk.h): the
 * processor, the sim's knobs and the circuit breaker.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

static int
parse_sim(struct walk *w, struct cafe_sim_conf *s, yaml_node_t *n)
{
	static const char path[] = "payment.sim";
	struct cfg_pair kv;
	int rc = cfg_pairs(w, n, path, &kv);

	while (rc == 0 && cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;
		const char *key = kv.key;

		if (cfg_key_is(k, "latency_ms")) {
			if (!cfg_is_null(v))
				rc = cfg_get_int(w, v, key, 0, MAX_MS,
				    &s->latency_ms);
		} else if (cfg_key_is(k, "jitter_ms")) {
			if (!cfg_is_null(v))
				rc = cfg_get_int(w, v, key, 0, MAX_MS,
				    &s->jitter_ms);
		} else if (cfg_key_is(k, "failure_rate")) {
			if (!cfg_is_null(v))
				rc = cfg_get_share(w, v, key, &s->failure_rate);
		} else if (cfg_key_is(k, "decline_over")) {
			if (!cfg_is_null(v))
				rc = cfg_get_ll(w, v, key, 0, LLONG_MAX,
				    &s->decline_over);
		} else if (cfg_key_is(k, "seed")) {
			if (!cfg_is_null(v))
				rc = cfg_get_ll(w, v, key, LLONG_MIN, LLONG_MAX,
				    &s->seed);
		} else {
			rc = cfg_unknown_key(w, k, path);
		}
	}
	return rc;
}

static const struct int_key breaker_keys[] = {
	INT_KEY(payment.breaker.window, 1, MAX_COUNT),
	INT_KEY(payment.breaker.min_calls, 1, MAX_COUNT),
	INT_KEY(payment.breaker.failure_rate, 1, 100),
	INT_KEY(payment.breaker.slow_call_ms, 1, MAX_MS),
	INT_KEY(payment.breaker.open_ms, 1, MAX_MS),
	INT_KEY(payment.breaker.half_open_calls, 1, MAX_COUNT),
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
		if (cfg_key_is(cfg_node_at(w, p->key), "min_calls"))
			return cfg_bad(w, cfg_node_at(w, p->value), "payment.breaker.min_calls",
			    "is %d, more than the window of %d calls: the breaker "
			    "could never open", b->min_calls, b->window);
	b->min_calls = b->window;
	return 0;
}

int
cfg_parse_payment(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char path[] = "payment";
	static const char *const kinds[] = { "sim", "command", NULL };
	yaml_node_t *processor = NULL;
	struct cfg_pair kv;
	int kind;
	int rc = cfg_pairs(w, n, path, &kv);

	while (rc == 0 && cfg_next(&kv)) {
		yaml_node_t *k = kv.k, *v = kv.v;
		const char *key = kv.key;

		if (cfg_key_is(k, "processor")) {
			if (cfg_is_null(v))
				continue;
			rc = cfg_get_word(w, v, key, kinds, "sim or command",
			    &kind);
			if (rc == 0)
				c->payment.kind = kind == 1 ?
				    CAFE_PROC_COMMAND : CAFE_PROC_SIM;
			processor = v;
		} else if (cfg_key_is(k, "command")) {
			if (!cfg_is_null(v))
				rc = cfg_get_argv(w, v, key, &c->payment.command);
		} else if (cfg_key_is(k, "timeout_ms")) {
			if (!cfg_is_null(v))
				rc = cfg_get_int(w, v, key, 1, MAX_MS,
				    &c->payment.timeout_ms);
		} else if (cfg_key_is(k, "sim")) {
			if (!cfg_is_null(v))
				rc = parse_sim(w, &c->payment.sim, v);
		} else if (cfg_key_is(k, "breaker")) {
			if (!cfg_is_null(v) && (rc = cfg_parse_ints(w, c, v, "payment.breaker",
			    breaker_keys)) == 0)
				rc = check_min_calls(w, c, v);
		} else {
			rc = cfg_unknown_key(w, k, path);
		}
	}
	if (rc == 0 && processor && c->payment.kind == CAFE_PROC_COMMAND &&
	    !c->payment.command)
		rc = cfg_bad(w, processor, "payment.command", "required when "
		    "processor is command (a list: program and arguments)");
	return rc;
}
