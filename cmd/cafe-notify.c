/*
 * cafe-notify - the outbox of customer messages: send what the daemon
 * queued to the configured channels (retrying failures with backoff until
 * they are dead), list messages, requeue failed or dead ones.
 *
 * Only this file prints and exits; the work is in lib/notify/outbox.c. `send`
 * without --once runs until SIGTERM or SIGINT, finishes the message in
 * hand, records it and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain/order.h"
#include "notify/outbox.h"

static const char usage[] =
"usage: cafe-notify [--db PATH] [--config PATH] [--json] [-q] [-v] send [--once]\n"
"                   [--timeout DURATION]\n"
"       cafe-notify list [--status queued|sent|failed|dead] [--order ID]\n"
"       cafe-notify retry MESSAGE_ID | --dead\n"
"example: cafe-notify send --once\n";

#define DEFAULT_TIMEOUT_MS 10000

enum { OPT_ONCE = CAFE_OPT_FIRST_LOCAL, OPT_TIMEOUT, OPT_STATUS, OPT_ORDER, OPT_DEAD };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_FLAG("once", OPT_ONCE),
	CAFE_ARG("timeout", OPT_TIMEOUT),
	CAFE_ARG("status", OPT_STATUS),
	CAFE_ARG("order", OPT_ORDER),
	CAFE_FLAG("dead", OPT_DEAD),
	{ NULL, 0, NULL, 0 }
};


struct opts {
	const char *timeout, *status, *order;
	long long timeout_ms;       /* --timeout, read */
	long long order_id;         /* --order, read */
};


static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_TIMEOUT: o->timeout = optarg; break;
	case OPT_STATUS: o->status = optarg; break;
	case OPT_ORDER: o->order = optarg; break;
	}
}

static void
report(void *arg, const struct cafe_send_report *r)
{
	struct cafe_ctx *ctx = arg;

	if (r->ok) {
		if (ctx->verbose)
			cafe_ctx_info(ctx, "message %s (order %lld) sent to '%s'",
			    r->message_id, r->order_id, r->channel);
	} else if (r->dead) {
		cafe_ctx_info(ctx, "message %s (order %lld) to '%s' is dead after %d "
		    "attempts: %s (see 'cafe-notify retry --dead')", r->message_id,
		    r->order_id, r->channel, r->attempt, r->error);
	} else {
		cafe_ctx_info(ctx, "message %s (order %lld) to '%s' failed (attempt %d "
		    "of %d, will retry): %s", r->message_id, r->order_id, r->channel,
		    r->attempt, r->max_attempts, r->error);
	}
}

static void
warn(void *arg, const struct cafe_err *e)
{
	const struct cafe_ctx *ctx = arg;

	cafe_ctx_info(ctx, "%s (trying again)", e->msg);
}

static int
do_send(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_send_opts so = { 0 };
	struct cafe_send_stats st;
	int status;

	(void)argc, (void)argv;
	cafe_stop_on_signals();
	so.once = (ctx->given & BIT(OPT_ONCE)) != 0;
	so.timeout_ms = (int)o->timeout_ms;
	so.stop = &cafe_stop;
	so.report = report;
	so.warn = warn;
	so.arg = ctx;
	if ((status = cafe_outbox_send(&ctx->config, ctx->log, &so, &st, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (ctx->verbose)
		cafe_ctx_info(ctx, "%lld sent, %lld failed, %lld dead", st.sent, st.failed,
		    st.dead);
	return 0;
}

static int
list_row(json_t *row, void *arg)
{
	struct cafe_table *t = arg;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *error = json_string_value(json_object_get(row, "error"));
	char order[32], tries[32], *detail;

	if (!t) {
		cafe_print_json(json_incref(row));
		return 0;
	}
	cafe_int_cell(order, sizeof order, row, "order_id");
	cafe_int_cell(tries, sizeof tries, row, "attempts");
	if (error && (strcmp(status, "failed") == 0 || strcmp(status, "dead") == 0))
		detail = cafe_xasprintf("error: %s", error);
	else
		detail = cafe_xstrdup(json_string_value(json_object_get(row, "text")));
	cafe_table_add(t, (const char *const[]){
	    json_string_value(json_object_get(row, "message_id")), order,
	    json_string_value(json_object_get(row, "event")), status, tries,
	    json_string_value(json_object_get(row, "customer")), detail });
	free(detail);
	return 0;
}

static int
do_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	static const char *const head[] = { "MESSAGE", ">ORDER", "EVENT", "STATUS",
	    ">TRIES", "CUSTOMER", "TEXT" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_outbox_query q = { o->status, o->order_id };
	struct cafe_table *t = NULL;
	int status;

	(void)argc, (void)argv;
	if (!ctx->json)
		t = cafe_table_new(7, head);
	status = cafe_outbox_list(ctx->log, &q, list_row, t, &e);
	if (status == 0 && t)
		cafe_table_print(t, stdout);
	cafe_table_free(t);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

static int
print_requeued(const char *id, void *arg)
{
	struct cafe_ctx *ctx = arg;

	if (ctx->json)
		cafe_print_json(json_pack("{s:s, s:s}", "message_id", id, "status", "queued"));
	else if (!ctx->quiet)
		printf("%s requeued\n", id);
	return 0;
}

static int
do_retry(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	long long n;
	int status;

	(void)opts, (void)argc;
	if (ctx->given & BIT(OPT_DEAD)) {
		if ((status = cafe_outbox_retry_dead(ctx->log, print_requeued, ctx, &n,
		    &e)) != 0) {
			cafe_ctx_error(ctx, &e);
			return status;
		}
		if (n == 0 && ctx->verbose)
			cafe_ctx_info(ctx, "no dead messages");
		return 0;
	}
	if ((status = cafe_outbox_retry(ctx->log, argv[0], &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	return print_requeued(argv[0], ctx);
}

static int
check_send(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (o->timeout && ((o->timeout_ms = cafe_parse_duration_ms(o->timeout)) <= 0 ||
	    o->timeout_ms > 3600000))
		return cafe_usage_error(ctx, "--timeout wants a duration like 10s or 500ms "
		    "(at most 1h), not '%s'", o->timeout);
	return 0;
}

static int
check_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	static const char *const statuses[] = { "queued", "sent", "failed", "dead", NULL };
	struct opts *o = opts;
	int known = !o->status;

	(void)argc, (void)argv, (void)open;
	for (int i = 0; o->status && statuses[i]; i++)
		known |= strcmp(o->status, statuses[i]) == 0;
	if (!known)
		return cafe_usage_error(ctx, "unknown status '%s' (queued, sent, failed or "
		    "dead)", o->status);
	if (o->order && (o->order_id = cafe_order_id_parse(o->order)) < 0)
		return cafe_usage_error(ctx, "--order wants an order id, not '%s'", o->order);
	return 0;
}

static int
check_retry(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	(void)opts, (void)argv, (void)open;
	if (ctx->given & BIT(OPT_DEAD))
		return argc ? cafe_usage_error(ctx, "give a message id or --dead, not both") : 0;
	if (argc != 1)
		return cafe_usage_error(ctx, "'retry' needs one message id, or --dead");
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "send", 0, 0, NULL, BIT(OPT_ONCE) | BIT(OPT_TIMEOUT), NULL, CAFE_OPEN_WRITE,
	    check_send, do_send, 0 },
	{ "list", 0, 0, NULL, BIT(OPT_STATUS) | BIT(OPT_ORDER), NULL, CAFE_OPEN_WRITE,
	    check_list, do_list, 0 },
	{ "retry", -1, 0, NULL, BIT(OPT_DEAD), NULL, CAFE_OPEN_WRITE, check_retry,
	    do_retry, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-notify", usage, longopts, local_opt, verbs, NULL, 0
	};
	struct opts o = { 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
