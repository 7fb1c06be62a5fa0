/*
 * cafe-pay - payments: what was charged, declined, refunded or voided for
 * each order, a manual refund, and the shared circuit breaker in front of
 * the payment processor (show it, reset it).
 *
 * Only this file prints and exits; the payments view and the refund rule
 * are in lib/view/payments.c, the breaker in lib/pay/breaker.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay/breaker.h"
#include "cli.h"
#include "domain/order.h"
#include "view/payments.h"
#include "view/till.h"
#include "config/staff.h"
#include "base/people.h"

static const char usage[] =
"usage: cafe-pay [--db PATH] [--config PATH] [--json] [-q] list [--order ID]\n"
"                [--status STATUS]\n"
"       cafe-pay show ORDER_ID\n"
"       cafe-pay refund ORDER_ID [--amount N] [--reason TEXT] [--key KEY]\n"
"                [--tender cash|card]\n"
"       cafe-pay till [open --float N | close --counted N]\n"
"       cafe-pay breaker [reset]\n"
"example: cafe-pay refund 42 --amount 600 --reason 'no oat milk after all'\n";

enum { OPT_ORDER = CAFE_OPT_FIRST_LOCAL, OPT_STATUS, OPT_REASON, OPT_AMOUNT, OPT_KEY,
	OPT_TENDER, OPT_FLOAT, OPT_COUNTED };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("order", OPT_ORDER),
	CAFE_ARG("status", OPT_STATUS),
	CAFE_ARG("reason", OPT_REASON),
	CAFE_ARG("amount", OPT_AMOUNT),
	CAFE_ARG("key", OPT_KEY),
	CAFE_ARG("tender", OPT_TENDER),
	CAFE_ARG("float", OPT_FLOAT),
	CAFE_ARG("counted", OPT_COUNTED),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *order, *status, *reason, *amount, *key, *tender, *float_amount, *counted;
};

static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_ORDER: o->order = optarg; break;
	case OPT_STATUS: o->status = optarg; break;
	case OPT_REASON: o->reason = optarg; break;
	case OPT_AMOUNT: o->amount = optarg; break;
	case OPT_KEY: o->key = optarg; break;
	case OPT_TENDER: o->tender = optarg; break;
	case OPT_FLOAT: o->float_amount = optarg; break;
	case OPT_COUNTED: o->counted = optarg; break;
	}
}

static int
fail(struct cafe_ctx *ctx, int status, struct cafe_err *e)
{
	cafe_ctx_error(ctx, e);
	return status;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* What a person wants to read next to the status. */
static const char *
detail(json_t *row)
{
	const char *keys[] = { "refund_error", "refund_reason", "reason" };
	const char *st = str(row, "status");

	if (strcmp(st, "approved") == 0 || strcmp(st, "requested") == 0)
		return "";
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (*str(row, keys[i]))
			return str(row, keys[i]);
	return "";
}

static int
list_row(json_t *row, void *arg)
{
	struct cafe_ctx *ctx = ((void **)arg)[0];
	struct cafe_table *t = ((void **)arg)[1];
	char id[32], amount[48], updated[48];

	if (ctx->json) {
		cafe_print_json(json_incref(row));
		return 0;
	}
	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row,
	    "order_id")));
	cafe_grouped(json_integer_value(json_object_get(row, "amount")), amount, sizeof amount);
	cafe_local_short(str(row, "updated_at"), cafe_now_ms(), updated, sizeof updated);
	cafe_table_add(t, (const char *const[]){ id, str(row, "status"), amount,
	    str(row, "ref"), updated, detail(row) });
	return 0;
}

static int
parse_order(const char *s, long long *id, struct cafe_err *e)
{
	if ((*id = cafe_order_id_parse(s)) < 0)
		return cafe_err_set(e, CAFE_DATAERR, "'%s' is not an order id", s);
	return 0;
}

static int
do_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	char updated[32];
	const char *const head[] = { ">ORDER", "STATUS", ">AMOUNT", "REF", updated,
		"DETAIL" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_payments_query q = { 0, NULL };
	struct cafe_table *t = NULL;
	void *arg[2];
	int status;

	snprintf(updated, sizeof updated, "UPDATED (%s)", cafe_local_zone());
	(void)argc, (void)argv;
	if (o->order && (status = parse_order(o->order, &q.order_id, &e)) != 0)
		return fail(ctx, status, &e);
	if (o->status && !(q.status = cafe_payments_status(o->status)))
		return cafe_usage_error(ctx, "unknown status '%s' (requested, approved, "
		    "declined, refund_pending, refunded, refund_failed or failed, voiding, voided)",
		    o->status);
	if (!ctx->json)
		t = cafe_table_new(6, head);
	arg[0] = ctx;
	arg[1] = t;
	status = cafe_payments_list(ctx->log, &q, list_row, arg, &e);
	if (status == 0 && t)
		cafe_table_print(t, stdout);
	cafe_table_free(t);
	return status ? fail(ctx, status, &e) : 0;
}

static int
do_show(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	static const char *const fields[] = { "status", "amount", "currency", "ref",
		"reason", "key", "requested_at", "decided_at", "refund_reason",
		"refund_requested_at", "refund_ref", "refund_error", "void_ref",
		"updated_at" };
	static const char *const head[] = { ">SEQ", "TYPE", "TS" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_table *t;
	json_t *row, *ev;
	long long id;
	size_t i;
	int status;
	char money[64];

	(void)opts, (void)argc;
	if ((status = parse_order(argv[0], &id, &e)) != 0)
		return fail(ctx, status, &e);
	if (!(row = cafe_payments_get(ctx->log, id, &e)))
		return fail(ctx, e.status, &e);
	if (ctx->json) {
		cafe_print_json(row);
		return 0;
	}
	printf("%-20s %lld\n", "order", id);
	for (i = 0; i < sizeof fields / sizeof *fields; i++) {
		json_t *v = json_object_get(row, fields[i]);

		if (json_is_integer(v)) {   /* amount: the only number among them */
			json_t *t;
			size_t k;

			printf("%-20s %s\n", fields[i], cafe_grouped(json_integer_value(v),
			    money, sizeof money));
			/* Each tender's part: "card 7,000", "cash 1,000". */
			json_array_foreach(json_object_get(row, "tenders"), k, t)
				printf("  %-18s %s\n", str(t, "tender"), cafe_grouped(
				    json_integer_value(json_object_get(t, "amount")), money,
				    sizeof money));
		} else if (json_is_string(v) && *json_string_value(v))
			printf("%-20s %s\n", fields[i], json_string_value(v));
	}
	putchar('\n');
	t = cafe_table_new(3, head);
	json_array_foreach(json_object_get(row, "events"), i, ev) {
		char seq[32], when[64];

		snprintf(seq, sizeof seq, "%lld", (long long)json_integer_value(
		    json_object_get(ev, "seq")));
		cafe_table_add(t, (const char *const[]){ seq, str(ev, "type"),
		    cafe_local_time(str(ev, "ts"), when, sizeof when) });
	}
	cafe_table_print(t, stdout);
	cafe_table_free(t);
	json_decref(row);
	return 0;
}

static int
do_refund(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	json_t *out = NULL;
	long long id, amount = 0;
	int status, cash_first = !o->tender ? CAFE_REFUND_ANY :
	    strcmp(o->tender, "cash") == 0 ? CAFE_REFUND_CASH_FIRST : CAFE_REFUND_CARD_FIRST;

	(void)argc;
	if (o->amount && cafe_parse_ll(o->amount, 1, 1000000000000000LL, &amount) != 0)
		return cafe_err_set(&e, CAFE_DATAERR, "--amount wants a whole number from 1 "
		    "(in the smallest unit of the currency), not '%s'", o->amount),
		    fail(ctx, CAFE_DATAERR, &e);
	if (o->tender && strcmp(o->tender, "cash") != 0 && strcmp(o->tender, "card") != 0)
		return cafe_err_set(&e, CAFE_DATAERR, "--tender is cash or card, not '%s'",
		    o->tender), fail(ctx, CAFE_DATAERR, &e);
	if ((status = parse_order(argv[0], &id, &e)) != 0 ||
	    (status = cafe_payments_refund(ctx->log, &ctx->config, id, amount, cash_first,
	    o->reason,
	    o->key, &out, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(out);
	else {
		char amount[64], charged[64];

		if (!ctx->quiet)
			printf("%lld refund requested (%s of %s)%s\n", id,
			    cafe_money(json_integer_value(json_object_get(out, "amount")),
			    ctx->config.currency, amount, sizeof amount),
			    cafe_grouped(json_integer_value(json_object_get(out, "charged")),
			    charged, sizeof charged),
			    json_is_true(json_object_get(out, "order_cancelled")) ?
			    "; the order is cancelled: it was not made yet" : "");
		json_decref(out);
	}
	return 0;
}

/* --- the till --- */

static int
till_amount(const char *opt, const char *s, long long *n, struct cafe_err *e)
{
	if (!s)
		return cafe_err_set(e, CAFE_USAGE, "%s needs %s N (the cash in the drawer)",
		    strcmp(opt, "--float") == 0 ? "'till open'" : "'till close'", opt);
	if (cafe_parse_ll(s, 0, 1000000000000LL, n) != 0)
		return cafe_err_set(e, CAFE_DATAERR, "%s wants a whole number from 0 (in the "
		    "smallest unit of the currency), not '%s'", opt, s);
	return 0;
}

static void
till_print(struct cafe_ctx *ctx, json_t *t, const char *said)
{
	const char *rows[] = { "float", "cash_in", "cash_out", "expected", "counted",
		"over_short" };
	const char *names[] = { "float", "cash in", "cash out", "expected", "counted",
		"over/short" };
	char money[64], when[64];
	json_t *v;

	if (ctx->json) {
		cafe_print_json(t);
		return;
	}
	if (said && !ctx->quiet)
		printf("%s\n", said);
	if (!said || !ctx->quiet) {
		printf("%-11s %s", "till", str(t, "status"));
		if (json_is_string(json_object_get(t, "opened_at")))
			printf(" (opened %s)", cafe_local_time(str(t, "opened_at"), when,
			    sizeof when));
		putchar('\n');
		for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
			if ((v = json_object_get(t, rows[i])))
				printf("%-11s %s\n", names[i], cafe_money(json_integer_value(v),
				    ctx->config.currency, money, sizeof money));
	}
	json_decref(t);
}

static int
do_till(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_till t;
	json_t *out = NULL;
	long long n;
	int status;

	if (argc == 0) {
		cafe_till_init(&t, ctx->config.shop);     /* no log yet: never opened */
		if (ctx->log && (status = cafe_till_load(ctx->log, &t, &e)) != 0)
			return fail(ctx, status, &e);
		till_print(ctx, cafe_till_json(&t), NULL);
		return 0;
	}
	if (strcmp(argv[0], "open") == 0) {
		if ((status = till_amount("--float", o->float_amount, &n, &e)) != 0 ||
		    (status = cafe_till_open(ctx->log, n, &out, &e)) != 0)
			return fail(ctx, status, &e);
		till_print(ctx, out, "till opened");
		return 0;
	}
	if ((status = till_amount("--counted", o->counted, &n, &e)) != 0 ||
	    (status = cafe_staff_may(&ctx->config, "close the till", &e)) != 0 ||
	    (status = cafe_till_close(ctx->log, n, &out, &e)) != 0)
		return fail(ctx, status, &e);
	till_print(ctx, out, "till closed");
	return 0;
}

static int
check_till(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	/* Opening the drawer may be the day's first command. */
	if (argc == 1)
		*open = CAFE_OPEN_CREATE;
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "open") != 0 &&
	    strcmp(argv[0], "close") != 0))
		return cafe_usage_error(ctx, "'till' takes nothing, 'open --float N' or "
		    "'close --counted N', not '%s'", argv[argc - 1]);
	if (o->float_amount && (argc == 0 || strcmp(argv[0], "open") != 0))
		return cafe_usage_error(ctx, "--float goes with 'till open'");
	if (o->counted && (argc == 0 || strcmp(argv[0], "close") != 0))
		return cafe_usage_error(ctx, "--counted goes with 'till close'");
	return 0;
}

static json_t *
breaker_json(const struct cafe_config *c, const struct cafe_breaker_status *s)
{
	const struct cafe_breaker_conf *bc = &c->payment.breaker;
	int open = s->state == CAFE_BREAKER_OPEN;
	char since[32], at[32];

	cafe_format_ts(s->changed_ms, since, sizeof since);
	cafe_format_ts(s->open_until_ms, at, sizeof at);
	return json_pack("{s:s, s:o, s:o, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
	    " s:o, s:o, s:i, s:i, s:i}",
	    "state", cafe_breaker_state_name(s->state),
	    "since", s->changed_ms ? json_string(since) : json_null(),
	    "reason", s->reason[0] ? json_string(s->reason) : json_null(),
	    "calls", s->calls, "failures", s->failures, "slow", s->slow,
	    "failure_rate", s->calls ? (s->failures + s->slow) * 100 / s->calls : 0,
	    "window", bc->window, "min_calls", bc->min_calls,
	    "threshold", bc->failure_rate, "slow_call_ms", bc->slow_call_ms,
	    "open_ms", bc->open_ms,
	    "half_open_at", open ? json_string(at) : json_null(),
	    "half_open_in_ms", open ? json_integer(s->half_open_in_ms) : json_null(),
	    "trials", s->trials, "trial_successes", s->trial_successes,
	    "half_open_calls", bc->half_open_calls);
}

static void
breaker_print(const struct cafe_config *c, const struct cafe_breaker_status *s)
{
	const struct cafe_breaker_conf *bc = &c->payment.breaker;
	char ts[32];

	printf("%-10s %s\n", "state", cafe_breaker_state_name(s->state));
	if (s->changed_ms) {
		cafe_format_ts(s->changed_ms, ts, sizeof ts);
		printf("%-10s %s\n", "since", ts);
		printf("%-10s %s\n", "reason", s->reason);
	}
	/* Only a closed breaker counts calls; what opened it is in the reason. */
	if (s->state == CAFE_BREAKER_CLOSED)
		printf("%-10s %d of the last %d calls: %d failed, %d slow (over %d ms); "
		    "opens at %d%% of at least %d calls\n", "window", s->calls, bc->window,
		    s->failures, s->slow, bc->slow_call_ms, bc->failure_rate,
		    bc->min_calls < bc->window ? bc->min_calls : bc->window);
	if (s->state == CAFE_BREAKER_OPEN) {
		cafe_format_ts(s->open_until_ms, ts, sizeof ts);
		printf("%-10s in %lld.%llds (%s)\n", "half-open", s->half_open_in_ms / 1000,
		    s->half_open_in_ms % 1000 / 100, ts);
	}
	if (s->state == CAFE_BREAKER_HALF_OPEN)
		printf("%-10s %d of %d taken, %d succeeded\n", "trials", s->trials,
		    bc->half_open_calls, s->trial_successes);
}

static int
do_breaker(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_breaker_status before, s;
	json_t *o;
	int reset = argc == 1;
	int status;

	(void)opts, (void)argv;
	if (reset && (status = cafe_breaker_reset(&ctx->config, ctx->log, &before, &e)) != 0)
		return fail(ctx, status, &e);
	if ((status = cafe_breaker_status(&ctx->config, ctx->log, &s, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->json) {
		o = breaker_json(&ctx->config, &s);
		if (reset)
			json_object_set_new(o, "was",
			    json_string(cafe_breaker_state_name(before.state)));
		cafe_print_json(o);
	} else if (reset) {
		if (!ctx->quiet)
			printf("breaker closed (was %s)\n",
			    cafe_breaker_state_name(before.state));
	} else {
		breaker_print(&ctx->config, &s);
	}
	return 0;
}

static int
check_breaker(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	(void)opts, (void)open;
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "reset") != 0))
		return cafe_usage_error(ctx, "'breaker' takes nothing or 'reset', not '%s'",
		    argv[argc - 1]);
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "list", 0, 0, "'list' takes no arguments (use --order ID)",
	    BIT(OPT_ORDER) | BIT(OPT_STATUS), NULL, CAFE_OPEN_WRITE, NULL, do_list, 0 },
	{ "show", 1, 1, "'show' needs one order id", 0, NULL, CAFE_OPEN_WRITE, NULL,
	    do_show, 0 },
	{ "refund", 1, 1, "'refund' needs one order id",
	    BIT(OPT_REASON) | BIT(OPT_AMOUNT) | BIT(OPT_KEY) | BIT(OPT_TENDER), NULL,
	    CAFE_OPEN_WRITE, NULL, do_refund, 0 },
	{ "till", -1, 0, NULL, BIT(OPT_FLOAT) | BIT(OPT_COUNTED), NULL, CAFE_OPEN_PEEK,
	    check_till, do_till, 0 },
	{ "breaker", -1, 0, NULL, 0, NULL, CAFE_OPEN_WRITE, check_breaker, do_breaker, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-pay", usage, longopts, local_opt, verbs, NULL, 0
	};
	struct opts o = { 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
