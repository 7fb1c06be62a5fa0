/*
 * cafe-order - the counter: the menu and stock, placing an order (paid
 * synchronously before it exists), cancelling one.
 *
 * Only this file prints and exits; the work is in lib/command/counter.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "view/menu-view.h"
#include "menu-print.h"
#include "receipt-print.h"
#include "command/counter.h"
#include "command/input.h"
#include "view/link.h"
#include "domain/menu.h"
#include "base/people.h"
#include "view/receipt.h"
#include "domain/stock.h"
#include "domain/tender.h"
#include "command/printer.h"
#include "render/escpos.h"

static const char usage[] =
"usage: cafe-order [--db PATH] [--config PATH] [--json] [-q] menu [--as-of TIME]\n"
"                  [--shop NAME|all]\n"
"       cafe-order menu add PRODUCT --price N [--code C] [--options GROUP,...]\n"
"                  [--stock N]\n"
"       cafe-order menu set PRODUCT [--price N] [--code C] [--options GROUP,...]\n"
"       cafe-order menu set PRODUCT --shop NAME --price N\n"
"       cafe-order menu remove PRODUCT [--shop NAME]\n"
"       cafe-order menu import [FILE] [--prune]\n"
"       cafe-order place ITEM... [--qty N] [--customer NAME] [--contact ADDR]\n"
"                  [--address TEXT] [--note TEXT] [--takeout] [--pickup-at TIME]\n"
"                  [--tender card|cash[:AMOUNT]]... [--tendered N]\n"
"                  [--language ko|en] [--key KEY] [--wait DURATION]\n"
"       cafe-order place --batch < orders.jsonl\n"
"       cafe-order receipt ORDER_ID [--print]\n"
"       cafe-order cancel ORDER_ID [--reason TEXT] [--key KEY]\n"
"       cafe-order stock [PRODUCT [--set N | --add N]]\n"
"example: cafe-order place latte:2+large+oat americano --address 'table 4'\n";

enum {
	OPT_QTY = CAFE_OPT_FIRST_LOCAL, OPT_CUSTOMER, OPT_ADDRESS, OPT_KEY, OPT_WAIT,
	OPT_BATCH, OPT_REASON, OPT_SET, OPT_ADD, OPT_PRICE, OPT_CODE, OPT_OPTIONS, OPT_STOCK,
	OPT_AS_OF, OPT_PRUNE, OPT_CONTACT, OPT_NOTE, OPT_PICKUP_AT, OPT_LANGUAGE,
	OPT_TENDER, OPT_TENDERED, OPT_TAKEOUT, OPT_PRINT, OPT_SHOP
};

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("qty", OPT_QTY),
	CAFE_ARG("customer", OPT_CUSTOMER),
	CAFE_ARG("address", OPT_ADDRESS),
	CAFE_ARG("key", OPT_KEY),
	CAFE_ARG("wait", OPT_WAIT),
	CAFE_FLAG("batch", OPT_BATCH),
	CAFE_ARG("reason", OPT_REASON),
	CAFE_ARG("set", OPT_SET),
	CAFE_ARG("add", OPT_ADD),
	CAFE_ARG("price", OPT_PRICE),
	CAFE_ARG("shop", OPT_SHOP),
	CAFE_ARG("code", OPT_CODE),
	CAFE_ARG("options", OPT_OPTIONS),
	CAFE_ARG("stock", OPT_STOCK),
	CAFE_ARG("as-of", OPT_AS_OF),
	CAFE_FLAG("prune", OPT_PRUNE),
	CAFE_ARG("contact", OPT_CONTACT),
	CAFE_ARG("note", OPT_NOTE),
	CAFE_ARG("pickup-at", OPT_PICKUP_AT),
	CAFE_ARG("language", OPT_LANGUAGE),
	CAFE_ARG("tender", OPT_TENDER),
	CAFE_ARG("tendered", OPT_TENDERED),
	CAFE_FLAG("takeout", OPT_TAKEOUT),
	CAFE_FLAG("print", OPT_PRINT),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *qty, *customer, *address, *key, *wait, *reason, *set, *add;
	const char *price, *code, *options, *stock, *as_of, *contact, *note, *shop;
	const char *pickup_at, *language, *tendered;
	const char *tender[3];      /* as given; a third is an error */
	int ntender;
	int prune, takeout;
};


static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_QTY: o->qty = optarg; break;
	case OPT_CUSTOMER: o->customer = optarg; break;
	case OPT_ADDRESS: o->address = optarg; break;
	case OPT_CONTACT: o->contact = optarg; break;
	case OPT_NOTE: o->note = optarg; break;
	case OPT_PICKUP_AT: o->pickup_at = optarg; break;
	case OPT_LANGUAGE: o->language = optarg; break;
	case OPT_KEY: o->key = optarg; break;
	case OPT_WAIT: o->wait = optarg; break;
	case OPT_REASON: o->reason = optarg; break;
	case OPT_SET: o->set = optarg; break;
	case OPT_ADD: o->add = optarg; break;
	case OPT_PRICE: o->price = optarg; break;
	case OPT_SHOP: o->shop = optarg; break;
	case OPT_CODE: o->code = optarg; break;
	case OPT_OPTIONS: o->options = optarg; break;
	case OPT_STOCK: o->stock = optarg; break;
	case OPT_AS_OF: o->as_of = optarg; break;
	case OPT_PRUNE: o->prune = 1; break;
	case OPT_TAKEOUT: o->takeout = 1; break;
	case OPT_TENDERED: o->tendered = optarg; break;
	case OPT_TENDER:
		if (o->ntender < 3)
			o->tender[o->ntender++] = optarg;
		break;
	}
}

/*
 * The shop's menu: the log's, seen through the config (menu.h), read once.
 * A log without a menu yet charges the config's: a config file's menu:
 * goes into the log with the first order placed (counter.c), the built-in
 * menu only with a menu command. A config file whose own menu differs
 * gets one warning: the log's is charged.
 */
static struct cafe_menu shop_menu;
static struct cafe_config shop_view;

static int chain_menu;          /* menu --shop all: the chain's, no shop's prices */

static int
shop(struct cafe_ctx *ctx, long long until_ms, const struct cafe_config **out,
    struct cafe_err *e)
{
	static int loaded;
	const char *why;
	int status;

	if (!loaded) {
		if ((status = chain_menu ? cafe_menu_load_shop(ctx->log, until_ms, NULL, &shop_menu,
		    e) : cafe_menu_load(ctx->log, until_ms, &shop_menu, e)) != 0)
			return status;
		cafe_menu_view(&shop_view, &ctx->config, &shop_menu);
		if (until_ms < 0 && ctx->config.menu_given &&
		    (why = cafe_menu_differs(&shop_menu, &ctx->config)))
			fprintf(stderr, "%s: warning: the config's menu differs from the log's "
			    "(%s); the log's is charged ('cafe-order menu import' applies the "
			    "config's)\n", ctx->prog, why);
		loaded = 1;
	}
	*out = &shop_view;
	return 0;
}

static int
fail(struct cafe_ctx *ctx, int status, struct cafe_err *e)
{
	cafe_ctx_error(ctx, e);
	return status;
}

static int
show_menu(struct cafe_ctx *ctx, const struct opts *o)
{
	struct cafe_err e = { 0, "", 0, 0 };
	const struct cafe_config *c;
	struct cafe_stock *levels;
	long long until = o->as_of ? cafe_parse_local(o->as_of) : -1;
	const char *which;
	int status = 0;

	/* Another shop's menu and stock, or the chain's own (all). */
	if ((status = cafe_ctx_shop(ctx, o->shop, &which, NULL, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->log && o->shop)
		cafe_log_set_shop(ctx->log, which);
	chain_menu = o->shop && !which;
	if ((status = shop(ctx, until, &c, &e)) != 0)
		return fail(ctx, status, &e);
	levels = cafe_xcalloc(c->nmenu ? c->nmenu : 1, sizeof *levels);
	for (size_t i = 0; i < c->nmenu && status == 0; i++)
		status = until >= 0 ?
		    cafe_stock_load_as_of(ctx->log, c, c->menu[i].name, until, &levels[i], &e) :
		    cafe_stock_load(ctx->log, c, c->menu[i].name, &levels[i], &e);
	if (status == 0 && ctx->json)
		for (size_t i = 0; i < c->nmenu; i++)
			cafe_print_json(cafe_menu_product_json(c, &c->menu[i], &levels[i]));
	else if (status == 0)
		cafe_print_menu(c, levels);
	free(levels);
	return status ? fail(ctx, status, &e) : 0;
}

/* menu add|set: the product as the options give it. */
static int
menu_item(const struct opts *o, const char *name, int add, struct cafe_menu_item *it,
    struct cafe_err *e)
{
	memset(it, 0, sizeof *it);
	it->name = name;
	it->stock = -1;
	if (!cafe_config_valid_name(name))
		return cafe_err_set(e, CAFE_DATAERR, "a product's name must be text of at "
		    "most 40 characters without ':', '+' or ',' (not starting with '-'), "
		    "not '%s'", name);
	(void)add;
	if (o->price && cafe_parse_ll(o->price, 1, 1000000000000LL, &it->price) != 0)
		return cafe_err_set(e, CAFE_DATAERR, "--price wants a whole number from 1 (in "
		    "the smallest unit of the currency), not '%s'", o->price);
	if (o->stock && cafe_parse_ll(o->stock, 0, 1000000000LL, &it->stock) != 0)
		return cafe_err_set(e, CAFE_DATAERR, "--stock wants a whole number from 0, "
		    "not '%s'", o->stock);
	if (o->code && *o->code && !cafe_config_valid_word(o->code))
		return cafe_err_set(e, CAFE_DATAERR, "--code wants a word of a-z, 0-9, '_' and "
		    "'-' starting with a letter (at most 32), not '%s'", o->code);
	it->code = o->code;
	if (o->options) {
		it->groups = cafe_split_groups(o->options);
		for (char **g = it->groups; *g; g++)
			if (!cafe_config_valid_word(*g))
				return cafe_err_set(e, CAFE_DATAERR, "--options wants option "
				    "groups like size,milk, not '%s'", o->options);
	}
	return 0;
}

static int
menu_change(struct cafe_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_menu_item it;
	const char *verb = argv[0];
	size_t n = 0;
	int status;

	memset(&it, 0, sizeof it);
	if (strcmp(verb, "import") == 0) {
		struct cafe_menu_import r = { o->prune, 0, 0, 0, 0 };
		struct cafe_config from;

		/* The config in use (--config and all), or the file named. */
		if (argc == 1) {
			status = cafe_menu_import(ctx->log, &ctx->config, &r, &e);
		} else if ((status = cafe_config_load(&from, argv[1], &e)) == 0) {
			status = cafe_menu_import(ctx->log, &from, &r, &e);
			cafe_config_release(&from);
		}
		if (status)
			return fail(ctx, status, &e);
		if (ctx->json) {
			cafe_print_json(json_pack("{s:I, s:I, s:I, s:I}", "added",
			    (json_int_t)r.added, "changed", (json_int_t)r.changed, "removed",
			    (json_int_t)r.removed, "kept", (json_int_t)r.kept));
		} else if (!ctx->quiet) {
			printf("menu: %zu added, %zu changed, %zu removed", r.added, r.changed,
			    r.removed);
			if (r.kept)
				printf("; %zu not in the config kept (--prune removes them)",
				    r.kept);
			putchar('\n');
		}
		return 0;
	}
	if ((status = cafe_ctx_shop(ctx, o->shop, &it.shop, NULL, &e)) != 0)
		return fail(ctx, status, &e);
	if (o->shop && strcmp(o->shop, "all") == 0)
		return fail(ctx, cafe_err_set(&e, CAFE_USAGE, "--shop all is the chain's menu: "
		    "leave --shop out"), &e);
	if (strcmp(verb, "remove") == 0)
		status = cafe_menu_remove(ctx->log, &ctx->config, argv[1], o->shop, &n, &e);
	else if ((status = menu_item(o, argv[1], verb[0] == 'a', &it, &e)) == 0 &&
	    (it.shop = o->shop, 1))     /* not given: the chain's menu */
		status = verb[0] == 'a' ? cafe_menu_add(ctx->log, &ctx->config, &it, &n, &e) :
		    cafe_menu_set(ctx->log, &ctx->config, &it, &n, &e);
	cafe_free_groups(it.groups);
	if (status)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:s, s:s}", "product", argv[1], "status",
		    n == 0 ? "unchanged" : verb[0] == 'a' ? "added" : verb[0] == 's' ?
		    "changed" : "removed"));
	else if (!ctx->quiet)
		printf("%s %s\n", argv[1], n == 0 ? "unchanged" : verb[0] == 'a' ? "added" :
		    verb[0] == 's' ? "changed" : "removed");
	return 0;
}

static int
do_menu(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	if (argc == 0)
		return show_menu(ctx, opts);
	return menu_change(ctx, opts, argc, argv);
}

static int
parse_qty(const char *s, long long *qty, struct cafe_err *e)
{
	if (!s) {
		*qty = 1;
		return 0;
	}
	if (cafe_parse_ll(s, 1, CAFE_MAX_QTY, qty) != 0)
		return cafe_err_set(e, CAFE_DATAERR,
		    "quantity must be a whole number from 1 to %d, not '%s'", CAFE_MAX_QTY, s);
	return 0;
}

/*
 * One order; with --wait, retries while the answer is "try again". An open
 * breaker says when it will let a trial through: sleep until then rather
 * than knock every few milliseconds.
 */
static int
place_one(struct cafe_ctx *ctx, const struct cafe_config *c,
    const struct cafe_place_request *r, long long wait_ms, struct cafe_place_result *res,
    struct cafe_err *e)
{
	long long deadline = cafe_mono_ms() + wait_ms, left, pause;
	int status;

	for (;;) {
		status = cafe_counter_place(c, ctx->log, r, res, e);
		if (status != CAFE_TEMPFAIL || (left = deadline - cafe_mono_ms()) <= 0)
			return status;
		pause = res->retry_ms;
		cafe_sleep_ms(pause < left ? pause : left);
	}
}

static void
print_result(struct cafe_ctx *ctx, const struct cafe_place_result *res, long long line,
    int status, const struct cafe_err *e)
{
	char token[CAFE_LINK_TOKEN] = "", url[512] = "", money[64];
	struct cafe_err le;
	json_t *o;

	/* The customer's link; the first order makes the links' key. A link
	 * that cannot be had leaves the order as it is. */
	if (status == 0 && res->order_id > 0 &&
	    cafe_link_token(ctx->log, res->order_id, 1, token, &le) == 0)
		cafe_link_url(&ctx->config, token, url, sizeof url);
	if (!ctx->json) {
		if (status == 0 && !ctx->quiet)
			printf("%lld\n", res->order_id);
		/* The cashier hands it back: the one more thing to say. */
		if (status == 0 && !ctx->quiet && res->change > 0)
			printf("change %s\n", cafe_money(res->change, ctx->config.currency,
			    money, sizeof money));
		else if (status && line > 0)
			fprintf(stderr, "%s: line %lld: %s\n", ctx->prog, line, e->msg);
		return;
	}
	if (status == 0) {
		o = cafe_place_answer(res, line, url);
	} else {
		o = json_object();
		if (line > 0)
			json_object_set_new(o, "line", json_integer(line));
		json_object_set_new(o, "order_id", res->order_id ?
		    json_integer(res->order_id) : json_null());
		json_object_set_new(o, "status", json_string(res->status ? res->status :
		    "failed"));
		json_object_set_new(o, "total", json_integer(res->total));
	}
	if (status) {
		json_object_set_new(o, "error", json_string(e->msg));
		json_object_set_new(o, "exit", json_integer(status));
	}
	if (status == 0 || line > 0)
		cafe_print_json(o);
	else
		json_decref(o);
}

/* --batch: every line is parsed and checked before anything is placed. */
static int
do_batch(struct cafe_ctx *ctx)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_place_request *reqs = NULL;
	json_t **lines = NULL;
	size_t n = 0, cap = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	ssize_t len;
	char canon[32];
	int status = 0, first_fail = 0;
	const struct cafe_config *c;

	if ((status = shop(ctx, -1, &c, &e)) != 0)
		return fail(ctx, status, &e);
	while ((len = getline(&buf, &bufcap, stdin)) != -1) {
		long long lineno = (long long)n + 1;

		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			lines = cafe_xrealloc(lines, cap * sizeof *lines);
			reqs = cafe_xrealloc(reqs, cap * sizeof *reqs);
		}
		status = cafe_input_batch_line(c, buf, (size_t)len, lineno, &reqs[n],
		    &lines[n], &e);
		n++;
		if (status)
			goto out;
		if (!reqs[n - 1].language && strcmp(c->language, "en") != 0)
			reqs[n - 1].language = c->language;
		status = cafe_place_validate(&reqs[n - 1], &e);
		/* Tenders that cannot add up are a bad line too. */
		if (status == 0 && reqs[n - 1].ntenders > 0) {
			struct cafe_place_request probe = reqs[n - 1];
			long long tax;

			probe.tax_rate = c->tax.rate_percent;
			probe.tax_included = c->tax.included;
			status = cafe_tender_resolve(&probe, cafe_place_total(&probe, &tax), &e);
		}
		/* A pick-up that is no time is a bad line; one the shop cannot
		 * keep is refused when its turn comes, as a sold-out item is. */
		if (status == 0 && reqs[n - 1].pickup_at &&
		    cafe_check_pickup(reqs[n - 1].pickup_at, cafe_now_ms(), -1, -1, canon,
		    &e) == CAFE_DATAERR)
			status = CAFE_DATAERR;
		if (status != 0) {
			struct cafe_err inner = e;
			cafe_err_set(&e, status, "stdin:%lld: %s", lineno, inner.msg);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct cafe_place_result res;
		int st = cafe_counter_place(c, ctx->log, &reqs[i], &res, &e);

		print_result(ctx, &res, (long long)i + 1, st, &e);
		if (st && !first_fail)
			first_fail = st;
	}
	status = first_fail;
	e.msg[0] = '\0';
out:
	for (size_t i = 0; i < n; i++)
		json_decref(lines[i]);
	free(lines);
	free(reqs);
	free(buf);
	return status ? fail(ctx, status, &e) : 0;
}

/* --tender ... and --tendered N into r. */
static int
tenders_of(const struct opts *o, struct cafe_place_request *r, struct cafe_err *e)
{
	struct cafe_tender_ask t;
	int status;

	r->tendered = -1;
	if (o->ntender > 2)
		return cafe_err_set(e, CAFE_DATAERR, "an order takes at most two tenders "
		    "(--tender cash:5000 --tender card), not %d", o->ntender);
	for (int i = 0; i < o->ntender; i++)
		if ((status = cafe_tender_parse(o->tender[i], &t, e)) != 0 ||
		    (status = cafe_tender_add(r, &t, e)) != 0)
			return status;
	if (o->tendered && cafe_parse_ll(o->tendered, 0, 1000000000000LL, &r->tendered) != 0)
		return cafe_err_set(e, CAFE_DATAERR, "--tendered wants the cash handed over "
		    "as a whole number, not '%s'", o->tendered);
	return 0;
}

static int
do_place(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_place_request r;
	struct cafe_place_result res;
	const struct cafe_config *c;
	long long wait_ms = 0, qty;
	int status;

	memset(&r, 0, sizeof r);
	if (ctx->given & BIT(OPT_BATCH))
		return do_batch(ctx);
	if (o->wait)
		wait_ms = cafe_parse_duration_ms(o->wait);
	if ((status = parse_qty(o->qty, &qty, &e)) != 0 ||
	    (status = shop(ctx, -1, &c, &e)) != 0)
		return fail(ctx, status, &e);
	for (int i = 0; i < argc; i++)
		if ((status = cafe_item_parse(c, argv[i], qty, &r.lines[i], &e)) != 0)
			return fail(ctx, status, &e);
	r.nlines = (size_t)argc;
	r.customer = o->customer;
	r.address = o->address;
	r.contact = o->contact;
	r.note = o->note;
	r.pickup_at = o->pickup_at;
	/* The shop's language is recorded only when it is not the default. */
	r.language = o->language ? o->language :
	    strcmp(c->language, "en") != 0 ? c->language : NULL;
	r.key = o->key;
	r.takeout = o->takeout;
	if ((status = tenders_of(o, &r, &e)) != 0)
		return fail(ctx, status, &e);
	status = place_one(ctx, c, &r, wait_ms, &res, &e);
	if (status)
		return fail(ctx, status, &e);
	print_result(ctx, &res, 0, 0, &e);
	return 0;
}

/* --print: the receipt as ESC/POS, to the shop's printer. */
static int
print_receipt(struct cafe_ctx *ctx, long long id, json_t *r)
{
	const struct cafe_config *c = &ctx->config;
	struct cafe_err e = { 0, "", 0, 0 };
	char *bytes = NULL;
	size_t len = 0;
	int status;

	if ((status = cafe_escpos_receipt(r, c->printer.codepage, c->printer.width, &bytes,
	    &len, &e)) == 0)
		status = cafe_printer_send(c, bytes, len, &e);
	free(bytes);
	json_decref(r);
	if (status)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:I, s:b, s:I}", "order_id", (json_int_t)id,
		    "printed", 1, "bytes", (json_int_t)len));
	else if (!ctx->quiet)
		printf("receipt of order %lld printed\n", id);
	return 0;
}

static int
do_receipt(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	json_t *r = NULL;
	long long id;
	int status;

	(void)opts, (void)argc;
	if ((id = cafe_order_id_parse(argv[0])) < 0)
		return cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id", argv[0]),
		    fail(ctx, CAFE_DATAERR, &e);
	/* No printer: said before the log is read. */
	if ((ctx->given & BIT(OPT_PRINT)) && !cafe_printer_configured(&ctx->config))
		return cafe_printer_send(&ctx->config, "", 0, &e), fail(ctx, e.status, &e);
	if ((status = cafe_receipt(ctx->log, &ctx->config, id, &r, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->given & BIT(OPT_PRINT))
		return print_receipt(ctx, id, r);
	if (ctx->json)
		cafe_print_json(r);
	else {
		cafe_print_receipt(r);
		json_decref(r);
	}
	return 0;
}

static int
do_cancel(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	long long id;
	int status;

	(void)argc;
	if ((id = cafe_order_id_parse(argv[0])) < 0)
		return cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id", argv[0]),
		    fail(ctx, CAFE_DATAERR, &e);
	if ((status = cafe_counter_cancel(&ctx->config, ctx->log, id, o->reason, o->key, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:I, s:s}", "order_id", (json_int_t)id,
		    "status", "cancelled"));
	else if (!ctx->quiet)
		printf("%lld cancelled\n", id);
	return 0;
}

static int
do_stock(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	const struct cafe_product *p;
	const struct cafe_config *c;
	long long n, level;
	int status;

	if (argc == 0 && !o->set && !o->add)
		return do_menu(ctx, opts, argc, argv);
	if ((status = shop(ctx, -1, &c, &e)) != 0)
		return fail(ctx, status, &e);
	/* By its name or its code; the log knows it by its name. */
	if (!(p = cafe_config_product(c, argv[0])))
		return cafe_err_set(&e, CAFE_REFUSED,
		    "unknown product '%s' (see 'cafe-order menu')", argv[0]),
		    fail(ctx, CAFE_REFUSED, &e);
	if (!o->set && !o->add) {
		struct cafe_stock s;
		static const char *const head[] = { "PRODUCT", ">STOCK" };
		struct cafe_table *t;
		char lv[32];

		if ((status = cafe_stock_load(ctx->log, c, p->name, &s, &e)) != 0)
			return fail(ctx, status, &e);
		if (ctx->json) {
			cafe_print_json(json_pack("{s:s, s:I, s:o}", "product", p->name,
			    "price", (json_int_t)p->price,
			    "stock", s.tracked ? json_integer(s.level) : json_null()));
			return 0;
		}
		t = cafe_table_new(2, head);
		snprintf(lv, sizeof lv, s.tracked ? "%lld" : "-", s.level);
		cafe_table_add(t, (const char *const[]){ p->name, lv });
		cafe_table_print(t, stdout);
		cafe_table_free(t);
		return 0;
	}
	if (cafe_parse_ll(o->set ? o->set : o->add, o->set ? 0 : -1000000000,
	    1000000000, &n) != 0)
		return cafe_err_set(&e, CAFE_DATAERR, "%s wants a whole number%s, not '%s'",
		    o->set ? "--set" : "--add", o->set ? " from 0" : "",
		    o->set ? o->set : o->add), fail(ctx, CAFE_DATAERR, &e);
	if ((status = cafe_counter_stock(c, ctx->log, p->name, o->set != NULL,
	    n, &level, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:s, s:I, s:I}", "product", p->name,
		    "price", (json_int_t)p->price, "stock", (json_int_t)level));
	else if (!ctx->quiet)
		printf("%s %lld\n", p->name, level);
	return 0;
}

/* place: items, or --batch and none; --qty for a lone product. */
static int
check_place(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argv, (void)open;
	if (ctx->given & BIT(OPT_BATCH))
		return argc ? cafe_usage_error(ctx, "'place --batch' takes no "
		    "product, it reads JSON Lines on stdin") :
		    cafe_cli_only(ctx, BIT(OPT_BATCH), "place --batch");
	if (argc == 0)
		return cafe_usage_error(ctx, "'place' needs an item "
		    "(PRODUCT[:QTY][+CHOICE...])");
	if (argc > CAFE_MAX_ITEMS)
		return cafe_usage_error(ctx, "an order holds at most %d items, not %d",
		    CAFE_MAX_ITEMS, argc);
	if (o->qty && (argc > 1 || strchr(argv[0], ':')))
		return cafe_usage_error(ctx, "--qty is for a lone product; give each "
		    "item its quantity as PRODUCT:QTY");
	if (o->wait && cafe_parse_duration_ms(o->wait) < 0)
		return cafe_usage_error(ctx, "--wait wants a duration like 10s or "
		    "500ms, not '%s'", o->wait);
	return 0;
}

/* menu: a look (no database made), or a change of it, which writes. */
static int
check_menu(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;
	const char *v = argc ? argv[0] : NULL;
	unsigned given = ctx->given & (BIT(OPT_AS_OF) | BIT(OPT_PRICE) | BIT(OPT_CODE) |
	    BIT(OPT_OPTIONS) | BIT(OPT_STOCK));

	if ((ctx->given & BIT(OPT_PRUNE)) && (!v || strcmp(v, "import") != 0))
		return cafe_usage_error(ctx, "--prune goes with 'menu import'");
	/* A shop of a chain changes only its prices and what it sells. */
	if ((ctx->given & BIT(OPT_SHOP)) && v && strcmp(v, "set") != 0 &&
	    strcmp(v, "remove") != 0)
		return cafe_usage_error(ctx, "--shop goes with 'menu', 'menu set' and "
		    "'menu remove' (the chain's menu is one)");
	if ((ctx->given & BIT(OPT_SHOP)) && v && strcmp(v, "set") == 0 &&
	    (given & ~BIT(OPT_PRICE) || !(given & BIT(OPT_PRICE))))
		return cafe_usage_error(ctx, "'menu set --shop' takes only --price (codes, "
		    "options and stock are not one shop's menu)");

	if (!v) {
		if (given & ~BIT(OPT_AS_OF))
			return cafe_usage_error(ctx, "--price, --code, --options and --stock "
			    "go with 'menu add' or 'menu set'");
		if (o->as_of && cafe_parse_local(o->as_of) < 0)
			return cafe_usage_error(ctx, "--as-of wants a time like "
			    "2026-11-22T09:30:00Z, '2026-11-22 09:30' (local) or a date, not "
			    "'%s'", o->as_of);
		return 0;
	}
	if (strcmp(v, "add") != 0 && strcmp(v, "set") != 0 && strcmp(v, "remove") != 0 &&
	    strcmp(v, "import") != 0)
		return cafe_usage_error(ctx, "'menu' takes add, set, remove or import, not "
		    "'%s'", v);
	if (given & BIT(OPT_AS_OF))
		return cafe_usage_error(ctx, "--as-of goes with 'menu' alone");
	if (strcmp(v, "import") == 0) {
		if (argc > 2)
			return cafe_usage_error(ctx, "'menu import' takes at most one file");
		if (given)
			return cafe_usage_error(ctx, "'menu import' takes no options of a product");
	} else {
		if (argc != 2)
			return cafe_usage_error(ctx, "'menu %s' needs one product", v);
		if (v[0] == 'r' && given)
			return cafe_usage_error(ctx, "'menu remove' takes only the product");
		if (v[0] == 's' && (given & BIT(OPT_STOCK)))
			return cafe_usage_error(ctx, "'menu set' takes no --stock (use "
			    "'cafe-order stock --set')");
		if (v[0] == 'a' && !(given & BIT(OPT_PRICE)))
			return cafe_usage_error(ctx, "'menu add' needs --price");
		if (v[0] == 's' && !given)
			return cafe_usage_error(ctx, "'menu set' needs --price, --code or "
			    "--options");
	}
	*open = CAFE_OPEN_CREATE;
	return 0;
}

/* Reading the stock leaves no database behind (the levels are the
 * config's); setting it writes. */
static int
check_stock(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argv;
	if (o->set && o->add)
		return cafe_usage_error(ctx, "give --set or --add, not both");
	if (argc == 0 && (o->set || o->add))
		return cafe_usage_error(ctx, "--set and --add need a product");
	if (o->set || o->add)
		*open = CAFE_OPEN_CREATE;
	return 0;
}

/*
 * Writes create the log; reading the menu or the stock does not, so that
 * a look at the menu (or a shell completing a product name) leaves no
 * database behind: with none, the levels are the config's.
 */
static const struct cafe_verb verbs[] = {
	{ "menu", -1, 0, NULL, BIT(OPT_AS_OF) | BIT(OPT_PRICE) | BIT(OPT_CODE) |
	    BIT(OPT_OPTIONS) | BIT(OPT_STOCK) | BIT(OPT_PRUNE) | BIT(OPT_SHOP), NULL,
	    CAFE_OPEN_PEEK, check_menu, do_menu, 0 },
	{ "place", -1, 0, NULL, BIT(OPT_QTY) | BIT(OPT_CUSTOMER) | BIT(OPT_ADDRESS) |
	    BIT(OPT_KEY) | BIT(OPT_WAIT) | BIT(OPT_BATCH) | BIT(OPT_CONTACT) | BIT(OPT_NOTE) |
	    BIT(OPT_PICKUP_AT) | BIT(OPT_LANGUAGE) | BIT(OPT_TENDER) | BIT(OPT_TENDERED) |
	    BIT(OPT_TAKEOUT),
	    NULL, CAFE_OPEN_CREATE,
	    check_place, do_place, 0 },
	{ "receipt", 1, 1, "'receipt' needs one order id", BIT(OPT_PRINT), NULL,
	    CAFE_OPEN_READ, NULL, do_receipt, 0 },
	{ "cancel", 1, 1, "'cancel' needs one order id", BIT(OPT_REASON) | BIT(OPT_KEY),
	    NULL, CAFE_OPEN_CREATE, NULL, do_cancel, 0 },
	{ "stock", 0, 1, "'stock' takes at most one product", BIT(OPT_SET) | BIT(OPT_ADD),
	    NULL, CAFE_OPEN_PEEK, check_stock, do_stock, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-order", usage, longopts, local_opt, verbs, NULL, 0
	};
	struct opts o = { 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
