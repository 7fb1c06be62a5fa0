/*
 * cafe-deliver - the kitchen and delivery queue: what is brewing, ready
 * and out with a rider, and the buttons that move an order along (ready,
 * dispatch, complete) or refuse it (reject), call it off (cancel) or take
 * a delivered order back (return).
 *
 * Only this file prints and exits; the rules are in lib/domain/delivery.c, the
 * queue is the order_trace view (lib/view/trace.c), and the kitchen's screen
 * (board) is cmd/common/board.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cli.h"
#include "domain/delivery.h"
#include "domain/items.h"
#include "command/counter.h"
#include "view/link.h"
#include "view/rider.h"
#include "view/trace.h"

static const char usage[] =
"usage: cafe-deliver [--db PATH] [--config PATH] [--json] [-q] list\n"
"           [--status pending|brewing|ready|dispatched|delivered|cancelled]\n"
"       cafe-deliver list [--rider NAME] [--waiting]\n"
"       cafe-deliver ready ORDER_ID\n"
"       cafe-deliver dispatch ORDER_ID [--rider NAME]\n"
"       cafe-deliver complete ORDER_ID\n"
"       cafe-deliver reject ORDER_ID --reason TEXT\n"
"       cafe-deliver cancel ORDER_ID [--reason TEXT]\n"
"       cafe-deliver return ORDER_ID [--item PRODUCT]... [--reason TEXT]\n"
"       cafe-deliver board\n"
"       cafe-deliver rider-link NAME\n"
"example: cafe-deliver dispatch 42 --rider minho\n";

enum { OPT_STATUS = CAFE_OPT_FIRST_LOCAL, OPT_RIDER, OPT_REASON, OPT_WAITING, OPT_ITEM };

#define MAX_RETURN CAFE_MAX_ITEMS

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("status", OPT_STATUS),
	CAFE_ARG("rider", OPT_RIDER),
	CAFE_ARG("reason", OPT_REASON),
	CAFE_FLAG("waiting", OPT_WAITING),
	CAFE_ARG("item", OPT_ITEM),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *status, *rider, *reason;
	const char *item[MAX_RETURN + 1];  /* --item, as given; one more is too many */
	size_t nitem;
	int waiting;
};

static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_STATUS: o->status = optarg; break;
	case OPT_RIDER: o->rider = optarg; break;
	case OPT_REASON: o->reason = optarg; break;
	case OPT_WAITING: o->waiting = 1; break;
	case OPT_ITEM:
		if (o->nitem <= MAX_RETURN)
			o->item[o->nitem++] = optarg;
		break;
	}
}

/* Where an order stands for the kitchen: a cancelled or rejected order is
 * off the queue at once, before the daemon cancels its delivery. */
static const char *
queue_status(json_t *row)
{
	const char *order = json_string_value(json_object_get(row, "order_status"));
	const char *delivery = json_string_value(json_object_get(row, "delivery_status"));

	if (!order || !delivery)
		return "";
	if ((strcmp(order, "cancelled") == 0 || strcmp(order, "rejected") == 0) &&
	    strcmp(delivery, "delivered") != 0)
		return "cancelled";
	return delivery;
}

struct list_state {
	struct cafe_ctx *ctx;
	const char *want;           /* NULL: the open ones */
	const char *rider;          /* --rider: what that rider carries */
	int waiting;                /* --waiting: what waits for a rider */
	struct cafe_table *t;
	long long now;
};

static int
list_row(json_t *row, void *arg)
{
	struct list_state *ls = arg;
	const char *st = queue_status(row);
	long long placed = cafe_parse_ts(json_string_value(json_object_get(row, "placed_at")));
	long long age = placed < 0 ? 0 : (ls->now - placed) / 1000;
	char id[32], qty[32], agebuf[32], *items;

	if (ls->rider || ls->waiting) {
		if (!(ls->waiting && cafe_rider_waiting(row)) &&
		    !(ls->rider && cafe_rider_carries(row, ls->rider)))
			return 0;
	} else if (ls->want ? strcmp(st, ls->want) != 0 :
	    strcmp(st, "brewing") != 0 && strcmp(st, "ready") != 0 &&
	    strcmp(st, "dispatched") != 0) {
		return 0;
	}
	if (ls->ctx->json) {
		cafe_print_json(json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:O, s:O, s:O, s:O, "
		    "s:I}",
		    "order_id", json_object_get(row, "order_id"),
		    "product", json_object_get(row, "product"),
		    "items", json_object_get(row, "items"),
		    "qty", json_object_get(row, "qty"),
		    "customer", json_object_get(row, "customer"),
		    "address", json_object_get(row, "address"),
		    "status", st,
		    "order_status", json_object_get(row, "order_status"),
		    "rider", json_object_get(row, "rider"),
		    "placed_at", json_object_get(row, "placed_at"),
		    "updated_at", json_object_get(row, "updated_at"),
		    "age_s", (json_int_t)age));
		return 0;
	}
	cafe_int_cell(id, sizeof id, row, "order_id");
	cafe_int_cell(qty, sizeof qty, row, "qty");
	cafe_format_age(age, agebuf, sizeof agebuf);
	/* The kitchen makes what the items say, choices and all. */
	items = cafe_items_text(json_object_get(row, "items"));
	cafe_table_add(ls->t, (const char *const[]){ id, st, items, qty,
	    json_string_value(json_object_get(row, "customer")),
	    json_string_value(json_object_get(row, "address")),
	    json_string_value(json_object_get(row, "rider")), agebuf });
	free(items);
	return 0;
}

static int
do_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	static const char *const head[] = { ">ORDER", "STATUS", "ITEMS", ">QTY",
	    "CUSTOMER", "ADDRESS", "RIDER", ">AGE" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_trace_query q = { 0 };
	struct list_state ls = { ctx, o->status, o->rider, o->waiting, NULL, cafe_now_ms() };
	int status;

	(void)argc, (void)argv;
	if (!ctx->json)
		ls.t = cafe_table_new(8, head);
	status = cafe_trace_list(ctx->log, &q, list_row, &ls, &e);
	if (status == 0 && ls.t)
		cafe_table_print(ls.t, stdout);
	cafe_table_free(ls.t);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

static int
do_step(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	enum cafe_delivery_step step = (enum cafe_delivery_step)ctx->verb->tag;
	static const char *const done[] = { "ready", "dispatched", "delivered", "rejected",
	    "delivered" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_order after;
	long long id;
	int status;

	(void)argc;
	if ((id = cafe_order_id_parse(argv[0])) < 0) {
		cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id", argv[0]);
		cafe_ctx_error(ctx, &e);
		return CAFE_DATAERR;
	}
	status = cafe_delivery_step(ctx->log, step, id,
	    step == CAFE_STEP_DISPATCH ? o->rider : o->reason, &after, &e);
	if (status) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (ctx->json)
		cafe_print_json(json_pack("{s:I, s:s, s:s}", "order_id", (json_int_t)id,
		    "order_status", cafe_order_status_name(after.status),
		    "delivery_status", cafe_delivery_status_name(after.delivery)));
	else if (!ctx->quiet)
		printf("%lld %s\n", id, done[step]);
	return 0;
}

static int
parse_id(struct cafe_ctx *ctx, const char *s, long long *id)
{
	struct cafe_err e = { 0, "", 0, 0 };

	if ((*id = cafe_order_id_parse(s)) >= 0)
		return 0;
	cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id", s);
	cafe_ctx_error(ctx, &e);
	return CAFE_DATAERR;
}

/* The delivery side calls the order off (001): as cafe-order cancel. */
static int
do_cancel(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	long long id;
	int status;

	(void)argc;
	if ((status = parse_id(ctx, argv[0], &id)) != 0)
		return status;
	if ((status = cafe_counter_cancel(&ctx->config, ctx->log, id,
	    o->reason ? o->reason : "cancelled by delivery", NULL, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (ctx->json)
		cafe_print_json(json_pack("{s:I, s:s}", "order_id", (json_int_t)id,
		    "status", "cancelled"));
	else if (!ctx->quiet)
		printf("%lld cancelled\n", id);
	return 0;
}

/* A delivered order brought back: the daemon refunds it and restocks. */
static int
do_return(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	const char *names[MAX_RETURN];
	const struct cafe_product *p;
	struct cafe_order after;
	json_t *back;
	long long id;
	int status;

	(void)argc;
	if ((status = parse_id(ctx, argv[0], &id)) != 0)
		return status;
	/* By a product's name or code; the order knows it by its name. */
	for (size_t i = 0; i < o->nitem; i++)
		names[i] = (p = cafe_config_product(&ctx->config, o->item[i])) ? p->name :
		    o->item[i];
	if ((status = cafe_delivery_return(&ctx->config, ctx->log, id, names, o->nitem,
	    o->reason, &after, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	back = json_pack("{s:I, s:s, s:I}", "order_id", (json_int_t)id, "order_status",
	    cafe_order_status_name(after.status), "returned", (json_int_t)after.returned);
	if (ctx->json)
		cafe_print_json(back);
	else {
		if (!ctx->quiet)
			printf("%lld returned (%lld of %lld drinks)\n", id, after.returned,
			    after.qty);
		json_decref(back);
	}
	return 0;
}

static int
check_return(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->nitem > MAX_RETURN)
		return cafe_usage_error(ctx, "an order holds at most %d items", MAX_RETURN);
	return 0;
}

static int
do_board(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	int status;

	(void)opts, (void)argc, (void)argv;
	if ((status = cafe_board_run(ctx, &e)) != 0)
		cafe_ctx_error(ctx, &e);
	return status;
}

/* The rider's own page on cafe-web, to send the rider (a write: the
 * first link makes the links' key). */
static int
do_rider_link(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	char token[CAFE_RIDER_TOKEN], url[CAFE_RIDER_TOKEN + 256];
	int status;

	(void)opts, (void)argc;
	if ((status = cafe_check_text("rider", argv[0], CAFE_MAX_NAME, 1, &e)) != 0 ||
	    (status = cafe_rider_token(ctx->log, argv[0], token, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	cafe_rider_url(&ctx->config, token, url, sizeof url);
	if (ctx->json)
		cafe_print_json(json_pack("{s:s, s:s}", "rider", argv[0], "link", url));
	else
		printf("%s\n", url);
	return 0;
}

static int
check_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->status && (o->rider || o->waiting))
		return cafe_usage_error(ctx, "--status goes alone: --rider and --waiting choose "
		    "the rider's deliveries");
	if (o->rider && !*o->rider)
		return cafe_usage_error(ctx, "--rider needs a name");
	if (o->status && cafe_delivery_status_parse(o->status) < 0)
		return cafe_usage_error(ctx, "unknown status '%s' (pending, brewing, ready, "
		    "dispatched, delivered or cancelled)", o->status);
	return 0;
}

static int
check_reject(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (!o->reason)
		return cafe_usage_error(ctx, "'reject' needs --reason TEXT (tell the "
		    "customer why)");
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "list", 0, 0, NULL, BIT(OPT_STATUS) | BIT(OPT_RIDER) | BIT(OPT_WAITING), NULL,
	    CAFE_OPEN_WRITE, check_list, do_list, 0 },
	{ "ready", 1, 1, "'ready' needs one order id", 0, NULL, CAFE_OPEN_WRITE, NULL,
	    do_step, CAFE_STEP_READY },
	{ "dispatch", 1, 1, "'dispatch' needs one order id", BIT(OPT_RIDER), NULL,
	    CAFE_OPEN_WRITE, NULL, do_step, CAFE_STEP_DISPATCH },
	{ "complete", 1, 1, "'complete' needs one order id", 0, NULL, CAFE_OPEN_WRITE,
	    NULL, do_step, CAFE_STEP_COMPLETE },
	{ "reject", 1, 1, "'reject' needs one order id", BIT(OPT_REASON), NULL,
	    CAFE_OPEN_WRITE, check_reject, do_step, CAFE_STEP_REJECT },
	{ "cancel", 1, 1, "'cancel' needs one order id", BIT(OPT_REASON), NULL,
	    CAFE_OPEN_WRITE, NULL, do_cancel, 0 },
	{ "return", 1, 1, "'return' needs one order id", BIT(OPT_REASON) | BIT(OPT_ITEM),
	    NULL, CAFE_OPEN_WRITE, check_return, do_return, 0 },
	{ "board", 0, 0, NULL, 0, NULL, CAFE_OPEN_WRITE, NULL, do_board, 0 },
	{ "rider-link", 1, 1, "'rider-link' needs the rider's name", 0, NULL,
	    CAFE_OPEN_WRITE, NULL, do_rider_link, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-deliver", usage, longopts, local_opt, verbs, NULL, 0
	};
	struct opts o = { 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
