/*
 * config-dump - test driver for lib/config/config.c: loads the config (FILE, or
 * the lookup order of cafe.yaml(5) without one) and prints it as one JSON
 * object, so tests can check what was read. On failure it prints
 * "config-dump: MSG" to stderr and exits with the library's status.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
argv_json(char **argv)
{
	json_t *a;

	if (!argv)
		return json_null();
	a = json_array();
	for (; *argv; argv++)
		json_array_append_new(a, json_string(*argv));
	return a;
}

static json_t *
menu_json(const struct cafe_config *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->nmenu; i++) {
		const struct cafe_product *p = &c->menu[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:I, s:o, s:o}",
		    "name", p->name, "code", str_or_null(p->code),
		    "price", (json_int_t)p->price, "stock",
		    p->tracked ? json_integer(p->stock) : json_null(),
		    "options", p->groups ? argv_json(p->groups) : json_array()));
	}
	return a;
}

static json_t *
options_json(const struct cafe_config *c)
{
	json_t *o = json_object();

	for (size_t i = 0; i < c->noptions; i++) {
		json_t *g = json_object();

		for (size_t j = 0; j < c->options[i].nchoices; j++)
			json_object_set_new(g, c->options[i].choices[j].name,
			    json_integer(c->options[i].choices[j].price));
		json_object_set_new(o, c->options[i].name, g);
	}
	return o;
}

static json_t *
payment_json(const struct cafe_config *c)
{
	const struct cafe_sim_conf *s = &c->payment.sim;
	const struct cafe_breaker_conf *b = &c->payment.breaker;

	return json_pack("{s:s, s:o, s:i, s:{s:i, s:i, s:f, s:I, s:I}, "
	    "s:{s:i, s:i, s:i, s:i, s:i, s:i}}",
	    "processor",
	    c->payment.kind == CAFE_PROC_COMMAND ? "command" : "sim",
	    "command", argv_json(c->payment.command),
	    "timeout_ms", c->payment.timeout_ms,
	    "sim", "latency_ms", s->latency_ms, "jitter_ms", s->jitter_ms,
	    "failure_rate", s->failure_rate,
	    "decline_over", (json_int_t)s->decline_over,
	    "seed", (json_int_t)s->seed,
	    "breaker", "window", b->window, "min_calls", b->min_calls,
	    "failure_rate", b->failure_rate, "slow_call_ms", b->slow_call_ms,
	    "open_ms", b->open_ms, "half_open_calls", b->half_open_calls);
}

static json_t *
notify_json(const struct cafe_config *c)
{
	static const char *const kinds[] = { "file", "command", "stdout" };
	json_t *channels = json_array(), *templates = json_object();

	for (size_t i = 0; i < c->notify.nchannels; i++) {
		const struct cafe_channel *ch = &c->notify.channels[i];
		json_t *o = json_pack("{s:s}", "type", kinds[ch->kind]);

		if (ch->path)
			json_object_set_new(o, "path", json_string(ch->path));
		if (ch->argv)
			json_object_set_new(o, "command", argv_json(ch->argv));
		json_array_append_new(channels, o);
	}
	for (size_t i = 0; i < c->notify.ntemplates; i++)
		json_object_set_new(templates, c->notify.templates[i].event,
		    json_string(c->notify.templates[i].text));
	return json_pack("{s:o, s:{s:i, s:i}, s:o}", "channels", channels,
	    "retry", "max_attempts", c->notify.max_attempts,
	    "backoff_ms", c->notify.backoff_ms, "templates", templates);
}

int
main(int argc, char **argv)
{
	struct cafe_config c = { 0 };
	struct cafe_err e = { 0 };
	json_t *out = NULL;
	int rc;

	if (argc > 2) {
		fputs("usage: config-dump [FILE]\n", stderr);
		return CAFE_USAGE;
	}
	if ((rc = cafe_config_load(&c, argc == 2 ? argv[1] : NULL, &e)) != 0) {
		fprintf(stderr, "config-dump: %s\n", e.msg);
		goto out;
	}
	out = json_pack("{s:o, s:o, s:s, s:o, s:{s:i, s:b}, s:s, s:o, s:o, s:o, s:o, "
	    "s:{s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:i}, s:s, s:o}",
	    "path", str_or_null(c.path), "db", str_or_null(c.db),
	    "currency", c.currency, "timezone", str_or_null(c.timezone),
	    "tax", "rate_percent", c.tax.rate_percent, "included", c.tax.included,
	    "durability", c.durability_normal ? "normal" : "full",
	    "menu", menu_json(&c), "options", options_json(&c), "payment", payment_json(&c),
	    "notify", notify_json(&c),
	    "daemon", "poll_ms", c.daemon.poll_ms,
	    "lease_ms", c.daemon.lease_ms,
	    "reconcile_after_ms", c.daemon.reconcile_after_ms,
	    "lag_alert", c.daemon.lag_alert,
	    "lag_alert_ms", c.daemon.lag_alert_ms,
	    "kitchen", "late_after_ms", c.kitchen.late_after_ms, "prep_ms", c.kitchen.prep_ms,
	    "language", c.language,
	    "hours", c.hours.open_min < 0 ? json_null() : json_pack("{s:i, s:i}",
	    "open_min", c.hours.open_min, "close_min", c.hours.close_min));
	if (out) {
		json_object_set_new(out, "staff", json_pack("{s:o, s:I}", "managers_group",
		    str_or_null(c.staff.managers_group), "refund_limit",
		    (json_int_t)c.staff.refund_limit));
		json_object_set_new(out, "printer", json_pack("{s:o, s:o, s:o, s:i}", "device",
		    str_or_null(c.printer.device), "command", c.printer.command ?
		    argv_json(c.printer.command) : json_null(), "codepage",
		    str_or_null(c.printer.codepage), "width", c.printer.width));
		json_object_set_new(out, "web", json_pack("{s:b}", "cash", c.web.cash));
	}
	if (!out || json_dumpf(out, stdout, JSON_INDENT(2)) != 0 ||
	    putchar('\n') == EOF || fflush(stdout) != 0) {
		fputs("config-dump: cannot write the JSON\n", stderr);
		rc = CAFE_IOERR;
	}
out:
	json_decref(out);
	cafe_config_release(&c);
	return rc;
}
