/*
 * cafe-trace - the status view: where every order stands (list), one
 * order's whole history (show). Every call first catches the view up with
 * the log, so a read right after a write sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "order.h"
#include "trace.h"

static const char usage[] =
"usage: cafe-trace [--db PATH] [--config PATH] [--json] [-q] [list] [--customer NAME]\n"
"                  [--status S] [--since TIME] [--limit N] [--as-of TIME]\n"
"       cafe-trace show ORDER_ID [--as-of TIME]\n"
"example: cafe-trace list --status brewing --limit 20\n";

enum { OPT_CUSTOMER = CAFE_OPT_FIRST_LOCAL, OPT_STATUS, OPT_SINCE, OPT_LIMIT, OPT_AS_OF };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	{ "customer", required_argument, NULL, OPT_CUSTOMER },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	unsigned given;
	struct cafe_trace_query q;
	const char *limit;
};

#define BIT(o) (1u << ((o) - OPT_CUSTOMER))

static int
local_opt(void *arg, int c, const char *optarg, struct cafe_err *e)
{
	struct opts *o = arg;

	(void)e;
	o->given |= BIT(c);
	switch (c) {
	case OPT_CUSTOMER: o->q.customer = optarg; break;
	case OPT_STATUS: o->q.status = optarg; break;
	case OPT_SINCE: o->q.since = optarg; break;
	case OPT_LIMIT: o->limit = optarg; break;
	case OPT_AS_OF: o->q.as_of = optarg; break;
	}
	return 0;
}

static const char *const statuses[] = { "paid", "cancelled", "rejected", "delivered",
	"approved", "refund_pending", "refunded", "refund_failed", "pending", "brewing",
	"ready", "dispatched", NULL };

static int
print_row(json_t *row, void *arg)
{
	struct cafe_table *t = arg;
	char qty[24], total[24], msgs[24];

	if (!t) {
		cafe_print_json(json_incref(row));
		return 0;
	}
	snprintf(qty, sizeof qty, "%lld", (long long)json_integer_value(json_object_get(row, "qty")));
	snprintf(total, sizeof total, "%lld",
	    (long long)json_integer_value(json_object_get(row, "total")));
	snprintf(msgs, sizeof msgs, "%lld",
	    (long long)json_integer_value(json_object_get(row, "messages")));
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "order_id")));
	cafe_table_add(t, (const char *const[]){ id,
	    json_string_value(json_object_get(row, "customer")),
	    json_string_value(json_object_get(row, "product")), qty, total,
	    json_string_value(json_object_get(row, "order_status")),
	    json_string_value(json_object_get(row, "payment_status")),
	    json_string_value(json_object_get(row, "delivery_status")), msgs,
	    json_string_value(json_object_get(row, "placed_at")) });
	return 0;
}

static int
do_list(struct cafe_ctx *ctx, struct opts *o)
{
	static const char *const head[] = { ">ORDER", "CUSTOMER", "PRODUCT", ">QTY", ">TOTAL",
	    "ORDER", "PAYMENT", "DELIVERY", ">MSGS", "PLACED" };
	struct cafe_err e = { 0, "" };
	struct cafe_table *t = NULL;
	int status, known = 0;

	if (o->limit && cafe_parse_ll(o->limit, 1, 1000000000, &o->q.limit) != 0)
		return cafe_usage_error(ctx, "--limit wants a whole number from 1, not '%s'",
		    o->limit);
	if (o->q.status) {
		for (int i = 0; statuses[i]; i++)
			known |= strcmp(statuses[i], o->q.status) == 0;
		if (!known)
			return cafe_usage_error(ctx, "unknown status '%s'", o->q.status);
	}
	if (!ctx->json)
		t = cafe_table_new(10, head);
	status = cafe_trace_list(ctx->log, &o->q, print_row, t, &e);
	if (status == 0 && t)
		cafe_table_print(t, stdout);
	cafe_table_free(t);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

struct show {
	struct cafe_ctx *ctx;
	struct cafe_table *t;
	const char *before;         /* --as-of: only events before this ts */
	long long n;
};

static int
show_event(const struct cafe_event *ev, void *arg)
{
	struct show *s = arg;
	char seq[24], *data;

	if (s->before && strcmp(ev->ts, s->before) >= 0)
		return 0;
	s->n++;
	if (!s->t) {
		cafe_print_json(json_pack("{s:I, s:s, s:s, s:s, s:O, s:O}", "seq",
		    (json_int_t)ev->seq, "type", ev->type, "stream", ev->stream, "ts", ev->ts,
		    "data", ev->data, "meta", ev->meta));
		return 0;
	}
	snprintf(seq, sizeof seq, "%lld", ev->seq);
	data = json_dumps(ev->data, JSON_COMPACT);
	cafe_table_add(s->t, (const char *const[]){ seq, ev->ts, ev->type, ev->stream, data });
	free(data);
	return 0;
}

static int
do_show(struct cafe_ctx *ctx, struct opts *o, int argc, char **argv)
{
	static const char *const head[] = { ">SEQ", "TIME", "EVENT", "STREAM", "DATA" };
	struct cafe_err e = { 0, "" };
	struct show s = { ctx, NULL, NULL, 0 };
	char corr[32], before[40];
	long long id;
	int status;

	if (argc != 1)
		return cafe_usage_error(ctx, "'show' needs one order id");
	if ((id = cafe_order_id_parse(argv[0])) < 0) {
		cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id", argv[0]);
		cafe_ctx_error(ctx, &e);
		return CAFE_DATAERR;
	}
	if (o->q.as_of) {
		long long ms = cafe_parse_ts(o->q.as_of);

		if (ms < 0)
			return cafe_usage_error(ctx, "--as-of wants a time like "
			    "2026-11-22T09:30:00Z, not '%s'", o->q.as_of);
		cafe_format_ts(ms + 1, before, sizeof before);
		s.before = before;
	}
	if (!ctx->json)
		s.t = cafe_table_new(5, head);
	snprintf(corr, sizeof corr, "%lld", id);
	status = cafe_log_read_correlated(ctx->log, corr, show_event, &s, &e);
	if (status == 0 && s.n == 0)
		status = cafe_err_set(&e, CAFE_REFUSED, "unknown order %lld%s (see 'cafe-trace "
		    "list')", id, s.before ? " at that time" : "");
	if (status == 0 && s.t)
		cafe_table_print(s.t, stdout);
	cafe_table_free(s.t);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

int
main(int argc, char **argv)
{
	struct cafe_ctx ctx;
	struct cafe_err e = { 0, "" };
	struct opts o;
	const char *verb = "list";
	int first, status;

	memset(&o, 0, sizeof o);
	cafe_ctx_init(&ctx, "cafe-trace", usage);
	if (cafe_cli_parse(&ctx, argc, argv, longopts, "", local_opt, &o, &first, &e) != 0)
		return cafe_usage_error(&ctx, "%s", e.msg);
	if (first < argc)
		verb = argv[first++];
	argc -= first;
	argv += first;
	if (strcmp(verb, "list") == 0) {
		if (argc)
			return cafe_usage_error(&ctx, "'list' takes no arguments");
	} else if (strcmp(verb, "show") == 0) {
		if (o.given & ~BIT(OPT_AS_OF))
			return cafe_usage_error(&ctx, "'show' takes only --as-of");
	} else {
		return cafe_usage_error(&ctx, "unknown subcommand '%s'", verb);
	}

	if ((status = cafe_ctx_open(&ctx, 0, &e)) != 0) {
		cafe_ctx_error(&ctx, &e);
		cafe_ctx_close(&ctx);
		return status;
	}
	if (strcmp(verb, "list") == 0)
		status = do_list(&ctx, &o);
	else
		status = do_show(&ctx, &o, argc, argv);
	cafe_ctx_close(&ctx);
	return status;
}
