/*
 * cafe-trace - the status view: where every order stands (list), one
 * order's whole history (show), changes as they happen (follow), how the
 * day went (stats), and folding the view again from the log (rebuild).
 * Every answer first catches the view up with the log, so a read right
 * after a write sees it; --as-of answers from the log as it stood then and
 * writes nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "meter.h"
#include "domain/order.h"
#include "base/people.h"
#include "view/report.h"
#include "view/trace.h"

static const char usage[] =
"usage: cafe-trace [--db PATH] [--config PATH] [--json] [-q] [list]\n"
"                  [--customer NAME] [--status STATUS] [--since TIME]\n"
"                  [--limit N] [--as-of TIME] [--shop NAME|all]\n"
"       cafe-trace show ORDER_ID [--as-of TIME]\n"
"       cafe-trace follow [--after SEQ]\n"
"       cafe-trace stats [--since TIME] [--as-of TIME]\n"
"       cafe-trace report [--day DATE] [--format text|json|csv|html]\n"
"                  [--shop NAME|all]\n"
"       cafe-trace rebuild\n"
"example: cafe-trace list --status brewing --limit 20\n";

enum {
	OPT_CUSTOMER = CAFE_OPT_FIRST_LOCAL, OPT_STATUS, OPT_SINCE, OPT_LIMIT, OPT_AS_OF,
	OPT_AFTER, OPT_DAY, OPT_FORMAT, OPT_SHOP
};

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("customer", OPT_CUSTOMER),
	CAFE_ARG("status", OPT_STATUS),
	CAFE_ARG("since", OPT_SINCE),
	CAFE_ARG("limit", OPT_LIMIT),
	CAFE_ARG("as-of", OPT_AS_OF),
	CAFE_ARG("after", OPT_AFTER),
	CAFE_ARG("day", OPT_DAY),
	CAFE_ARG("format", OPT_FORMAT),
	CAFE_ARG("shop", OPT_SHOP),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	struct cafe_trace_query q;
	const char *limit, *after, *day, *format, *shop;
	long long until;            /* show --as-of, read; -1: none */
	long long after_seq;        /* follow --after, read; -1: from the head */
};


static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_CUSTOMER: o->q.customer = optarg; break;
	case OPT_STATUS: o->q.status = optarg; break;
	case OPT_SINCE: o->q.since = optarg; break;
	case OPT_LIMIT: o->limit = optarg; break;
	case OPT_AS_OF: o->q.as_of = optarg; break;
	case OPT_AFTER: o->after = optarg; break;
	case OPT_DAY: o->day = optarg; break;
	case OPT_FORMAT: o->format = optarg; break;
	case OPT_SHOP: o->shop = optarg; break;
	}
}

static const char *const statuses[] = { "paid", "cancelled", "rejected", "delivered",
	"approved", "refund_pending", "partially_refunded", "refunded", "refund_failed",
	"pending", "brewing",
	"ready", "dispatched", NULL };

/* The colour of a status word (SGR), the same in every view. */
static const char *
status_color(const char *s)
{
	if (strcmp(s, "delivered") == 0)
		return "32";
	if (strcmp(s, "cancelled") == 0 || strcmp(s, "rejected") == 0 ||
	    strcmp(s, "refund_failed") == 0 || strcmp(s, "declined") == 0)
		return "31";
	if (strcmp(s, "brewing") == 0 || strcmp(s, "ready") == 0 ||
	    strcmp(s, "dispatched") == 0)
		return "33";
	if (strcmp(s, "refund_pending") == 0 || strcmp(s, "refunded") == 0 ||
	    strcmp(s, "partially_refunded") == 0)
		return "35";
	if (strcmp(s, "pending") == 0)
		return "2";
	return NULL;
}

static const char *
str(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return s ? s : "";
}

static long long
num(json_t *row, const char *key)
{
	return (long long)json_integer_value(json_object_get(row, key));
}

/* The meter a long catch-up shows on a terminal. */
static void
meter_start(struct cafe_ctx *ctx, struct cafe_meter *m, struct cafe_progress *p,
    const char *what)
{
	cafe_meter_start(m, ctx->prog, what, ctx->quiet);
	cafe_meter_progress(m, p);
}

static int
print_row(json_t *row, void *arg)
{
	struct cafe_table *t = arg;
	char id[24], qty[24], total[48], msgs[24], placed[48], later[64];
	const char *delivery = str(row, "delivery_status");

	if (!t) {
		cafe_print_json(json_incref(row));
		return 0;
	}
	snprintf(id, sizeof id, "%lld", num(row, "order_id"));
	snprintf(qty, sizeof qty, "%lld", num(row, "qty"));
	cafe_grouped(num(row, "total"), total, sizeof total);
	snprintf(msgs, sizeof msgs, "%lld", num(row, "messages"));
	cafe_local_short(str(row, "placed_at"), cafe_now_ms(), placed, sizeof placed);
	/* Not started, because it is to be picked up later: when. */
	if (strcmp(delivery, "pending") == 0 && json_object_get(row, "pickup_at")) {
		char at[48];

		cafe_local_short(str(row, "pickup_at"), cafe_now_ms(), at, sizeof at);
		snprintf(later, sizeof later, "later %.5s", at);
		delivery = later;
	}
	cafe_table_add(t, (const char *const[]){ id, str(row, "customer"),
	    str(row, "product"), qty, total, str(row, "order_status"),
	    str(row, "payment_status"), delivery, msgs, placed });
	return 0;
}

static int
check_status(struct cafe_ctx *ctx, const char *status)
{
	for (int i = 0; statuses[i]; i++)
		if (strcmp(statuses[i], status) == 0)
			return 0;
	return cafe_usage_error(ctx, "unknown status '%s' (an order status: paid, "
	    "cancelled, rejected, delivered; a payment status: approved, refund_pending, "
	    "partially_refunded, refunded, refund_failed; or a delivery status: pending, brewing, ready, "
	    "dispatched)", status);
}

static int
do_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct opts *o = opts;
	char placed[32];
	/* On a narrow screen the names and items give way, then the counts;
	 * the statuses and the time never do. */
	const char *const head[] = { ">ORDER", "~CUSTOMER", "~PRODUCT", "?>QTY", ">TOTAL",
	    "ORDER", "PAYMENT", "DELIVERY", "?>MSGS", placed };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_table *t = NULL;
	struct cafe_meter m;
	struct cafe_progress p;
	int status;

	(void)argc, (void)argv;
	snprintf(placed, sizeof placed, "AT (%s)", cafe_local_zone());
	if (!ctx->json) {
		t = cafe_table_new(10, head);
		for (size_t c = 5; c <= 7; c++)
			cafe_table_color(t, c, status_color);
	}
	if ((status = cafe_ctx_shop(ctx, o->shop, &o->q.shop, NULL, &e)) != 0) {
		cafe_table_free(t);
		cafe_ctx_error(ctx, &e);
		return status;
	}
	meter_start(ctx, &m, &p, "catching up");
	o->q.progress = &p;
	status = cafe_trace_list(ctx->log, &o->q, print_row, t, &e);
	cafe_meter_finish(&m);
	if (status == 0 && t)
		cafe_table_print(t, stdout);
	cafe_table_free(t);
	if (status == CAFE_USAGE)
		return cafe_usage_error(ctx, "%s", e.msg);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

struct show {
	struct cafe_table *t;
	long long until;            /* --as-of: only events stamped at or before; -1 */
	long long n;
};

static int
show_event(const struct cafe_event *ev, void *arg)
{
	struct show *s = arg;
	char seq[24], when[64], *data;

	if (s->until >= 0 && cafe_parse_ts(ev->ts) > s->until)
		return 0;
	s->n++;
	if (!s->t) {
		cafe_print_json(json_pack("{s:I, s:s, s:s, s:s, s:O, s:o}", "seq",
		    (json_int_t)ev->seq, "type", ev->type, "stream", ev->stream, "ts", ev->ts,
		    "data", ev->data, "meta", cafe_event_meta(ev)));
		return 0;
	}
	snprintf(seq, sizeof seq, "%lld", ev->seq);
	data = json_dumps(ev->data, JSON_COMPACT);
	cafe_local_time(ev->ts, when, sizeof when);
	cafe_table_add(s->t, (const char *const[]){ seq, when, ev->type, ev->stream, data });
	free(data);
	return 0;
}

static int
do_show(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	static const char *const head[] = { ">SEQ", "TIME", "EVENT", "STREAM", "DATA" };
	struct cafe_err e = { 0, "", 0, 0 };
	/* Read again now that the shop's time zone is known (the check ran
	 * before the config was read). */
	struct show s = { NULL, o->q.as_of ? cafe_parse_local(o->q.as_of) : o->until, 0 };
	char corr[32];
	long long id;
	int status;

	(void)argc;
	if ((id = cafe_order_id_parse(argv[0])) < 0) {
		cafe_err_set(&e, CAFE_DATAERR, "'%s' is not an order id (a whole number, "
		    "see 'cafe-trace list')", argv[0]);
		cafe_ctx_error(ctx, &e);
		return CAFE_DATAERR;
	}
	if (!ctx->json)
		s.t = cafe_table_new(5, head);
	snprintf(corr, sizeof corr, "%lld", id);
	status = cafe_log_read_correlated(ctx->log, corr, show_event, &s, &e);
	if (status == 0 && s.n == 0)
		status = cafe_err_set(&e, CAFE_REFUSED, "unknown order %lld%s (see "
		    "'cafe-trace list%s')", id, s.until >= 0 ? " at that time" : "",
		    s.until >= 0 ? " --as-of TIME" : "");
	if (status == 0 && s.t)
		cafe_table_print(s.t, stdout);
	cafe_table_free(s.t);
	if (status)
		cafe_ctx_error(ctx, &e);
	return status;
}

/* A status word, coloured on a terminal, padded to width. */
static void
put_status(const char *w, int width, int color)
{
	const char *sgr = color ? status_color(w) : NULL;
	int pad = width - (int)strlen(w);

	if (sgr)
		printf("\033[%sm%s\033[0m", sgr, w);
	else
		fputs(w, stdout);
	printf("%*s", pad > 0 ? pad : 0, "");
}

/* One change, one line: JSON, or fixed columns for people. */
static int
print_change(json_t *c, void *arg)
{
	struct cafe_ctx *ctx = arg;
	int color = cafe_color(stdout);

	if (ctx->json) {
		cafe_print_json(json_incref(c));
	} else {
		char when[64];

		printf("%s %6lld  %-18s ", cafe_local_time(str(c, "updated_at"), when,
		    sizeof when), num(c, "order_id"), str(c, "event"));
		put_status(str(c, "order_status"), 10, color);
		put_status(str(c, "payment_status"), 15, color);
		put_status(str(c, "delivery_status"), 11, color);
		printf(" %s %s\n", str(c, "customer")[0] ? str(c, "customer") : "-",
		    str(c, "product"));
	}
	return fflush(stdout) == 0 ? 0 : CAFE_IOERR;
}

/* A round of follow: print what changed, then wait a while. The wait is
 * short, so a signal that lands between the check of `cafe_stop` and the wait
 * is noticed soon all the same. */
static int
follow_round(void *arg, struct cafe_log *log, struct cafe_log_round *r, struct cafe_err *e)
{
	int status;

	if (cafe_stop)
		return CAFE_FOLLOW_END;
	if (r->wait_status != 0 && r->wait_status != CAFE_TEMPFAIL)
		return r->wait_status;
	status = cafe_trace_changes(log, r->seen, print_change, arg, &r->seen, e);
	if (status == CAFE_IOERR && !e->msg[0])
		return cafe_err_set(e, CAFE_IOERR, "cannot write to standard output");
	if (status == CAFE_TEMPFAIL) {
		/* A busy database: again in a moment. */
		cafe_sleep_ms(100);
		r->wait_ms = 0;
		return 0;
	}
	r->wait_ms = 500;
	return status;
}

static int
do_follow(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log_round r = { .seen = o->after_seq };
	int status;

	(void)argc, (void)argv;
	if (r.seen < 0 && (r.seen = cafe_log_head(ctx->log, &e)) < 0) {
		cafe_ctx_error(ctx, &e);
		return e.status;
	}
	cafe_stop_on_signals();
	if ((status = cafe_log_follow(ctx->log, &r, follow_round, ctx, &e)) != 0)
		cafe_ctx_error(ctx, &e);
	return status;
}

/* A bar of n eighths of a cell, in block characters or '#'. */
static void
bar(char *buf, size_t size, long long cells8)
{
	static const char *const part[] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e",
	    "\xe2\x96\x8d", "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89" };
	int utf8 = cafe_utf8_locale();
	size_t n = 0;

	buf[0] = '\0';
	for (long long i = 0; i < cells8 / 8 && n + 4 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s", utf8 ? "\xe2\x96\x88" : "#");
	if (utf8 && cells8 % 8 && n + 4 < size)
		snprintf(buf + n, size - n, "%s", part[cells8 % 8]);
	if (!utf8 && n == 0 && cells8 > 0)
		snprintf(buf, size, "#");
}

static const char *
bar_color(const char *cell)
{
	(void)cell;
	return "36";
}

static void
ms_text(json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v))
		cafe_format_duration((long long)json_integer_value(v), buf, n);
	else
		snprintf(buf, n, "-");
}

static void
print_stats(struct cafe_ctx *ctx, json_t *s)
{
	char zone[32];
	const char *const head[] = { zone, ">ORDERS", ">REVENUE",
	    ">CANCELLED", ">REJECTED", ">P50", ">P90", "" };
	const char *cur = ctx->config.currency ? ctx->config.currency : "";
	json_t *hours = json_object_get(s, "hours"), *h;
	size_t n = json_array_size(hours), i, c, w[7], used, room;
	char p50[24], p90[24], (*cells)[7][32], b[512], m[3][64], local[48];
	long long max = 1;
	int width = cafe_term_width(stdout);
	struct cafe_table *t;

	/* Hours in the shop's zone, as the report's day is. */
	snprintf(zone, sizeof zone, "HOUR (%s)", cafe_local_zone());
	ms_text(json_object_get(s, "delivery_p50_ms"), p50, sizeof p50);
	ms_text(json_object_get(s, "delivery_p90_ms"), p90, sizeof p90);
	printf("orders     %lld (delivered %lld, cancelled %lld, rejected %lld)\n"
	    "revenue    %s (charged %s, refunded %s)\n",
	    num(s, "orders"), num(s, "delivered"), num(s, "cancelled"), num(s, "rejected"),
	    cafe_money(num(s, "revenue"), cur, m[0], sizeof m[0]),
	    cafe_grouped(num(s, "charged"), m[1], sizeof m[1]),
	    cafe_grouped(num(s, "refunds"), m[2], sizeof m[2]));
	if (num(s, "owed") > 0)
		printf("owed       %s (refunds that failed: see 'cafe-pay list "
		    "--status failed')\n", cafe_money(num(s, "owed"), cur, m[0], sizeof m[0]));
	if (num(s, "voids") > 0)
		printf("voids      %s (charges without an order, given back)\n",
		    cafe_money(num(s, "voids"), cur, m[0], sizeof m[0]));
	printf("delivery   p50 %s, p90 %s (from payment to delivery)\n", p50, p90);
	if (n == 0)
		return;
	cells = cafe_xcalloc(n, sizeof *cells);
	for (c = 0; c < 7; c++)
		w[c] = strlen(head[c] + (head[c][0] == '>'));
	json_array_foreach(hours, i, h) {
		cafe_local_time(str(h, "hour"), local, sizeof local);
		snprintf(cells[i][0], sizeof cells[i][0], "%.16s", local);
		snprintf(cells[i][1], sizeof cells[i][1], "%lld", num(h, "orders"));
		cafe_grouped(num(h, "revenue"), cells[i][2], sizeof cells[i][2]);
		snprintf(cells[i][3], sizeof cells[i][3], "%lld", num(h, "cancelled"));
		snprintf(cells[i][4], sizeof cells[i][4], "%lld", num(h, "rejected"));
		ms_text(json_object_get(h, "delivery_p50_ms"), cells[i][5], sizeof cells[i][5]);
		ms_text(json_object_get(h, "delivery_p90_ms"), cells[i][6], sizeof cells[i][6]);
		for (c = 0; c < 7; c++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
		if (num(h, "orders") > max)
			max = num(h, "orders");
	}
	/* The bars take what the other columns leave of the screen. */
	used = 7 * 2;
	for (c = 0; c < 7; c++)
		used += w[c];
	if (width > 0)          /* a terminal: fit it, however little is left */
		room = (size_t)width > used + 1 ? (size_t)width - used : 1;
	else
		room = 80 > used + 10 ? 80 - used : 10;
	if (room > 60)
		room = 60;
	putchar('\n');
	t = cafe_table_new(8, head);
	cafe_table_color(t, 7, bar_color);
	json_array_foreach(hours, i, h) {
		bar(b, sizeof b, num(h, "orders") * (long long)room * 8 / max);
		cafe_table_add(t, (const char *const[]){ cells[i][0], cells[i][1],
		    cells[i][2], cells[i][3], cells[i][4], cells[i][5], cells[i][6], b });
	}
	cafe_table_print(t, stdout);
	cafe_table_free(t);
	free(cells);
}

static int
do_stats(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_meter m;
	struct cafe_progress p;
	long long since = 0;
	json_t *s;

	(void)argc, (void)argv;
	meter_start(ctx, &m, &p, "catching up");
	o->q.progress = &p;
	/* As of now the counts kept as events arrive answer (report.h); as
	 * of a past instant the log is folded again. */
	if (o->q.as_of)
		s = cafe_trace_stats(ctx->log, &o->q, &e);
	else if (o->q.since && (since = cafe_parse_local(o->q.since)) < 0)
		s = NULL, cafe_err_set(&e, CAFE_USAGE, "--since wants a time like "
		    "2026-11-22T09:30:00Z, '2026-11-22 09:30' (local) or a date, not '%s'",
		    o->q.since);
	else
		s = cafe_report_stats(ctx->log, since, &e);
	cafe_meter_finish(&m);
	if (!s) {
		if (e.status == CAFE_USAGE)
			return cafe_usage_error(ctx, "%s", e.msg);
		cafe_ctx_error(ctx, &e);
		return e.status;
	}
	if (ctx->json) {
		json_object_set_new(s, "currency", json_string(ctx->config.currency));
		cafe_print_json(s);
		return 0;
	}
	print_stats(ctx, s);
	json_decref(s);
	return 0;
}

static int
do_rebuild(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_meter m;
	struct cafe_progress p;
	long long n;
	int status;

	(void)opts, (void)argc, (void)argv;
	meter_start(ctx, &m, &p, "rebuilding");
	status = cafe_trace_rebuild(ctx->log, &p, &n, &e);
	cafe_meter_finish(&m);
	if (status) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (ctx->json)
		cafe_print_json(json_pack("{s:I}", "events", (json_int_t)n));
	else
		cafe_ctx_info(ctx, "trace rebuilt from %lld events", n);
	return 0;
}

static int
check_list(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->limit && cafe_parse_ll(o->limit, 1, 1000000000, &o->q.limit) != 0)
		return cafe_usage_error(ctx, "--limit wants a whole number from 1, not '%s'",
		    o->limit);
	if (o->q.status)
		return check_status(ctx, o->q.status);
	return 0;
}

static int
check_show(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argv, (void)open;
	if (argc != 1)
		return cafe_usage_error(ctx, argc ? "'show' takes one order id" :
		    "'show' needs an order id");
	if (o->q.as_of && (o->until = cafe_parse_local(o->q.as_of)) < 0)
		return cafe_usage_error(ctx, "--as-of wants a time like "
		    "2026-11-22T09:30:00Z, '2026-11-22 09:30' (local) or a date, not '%s'",
		    o->q.as_of);
	return 0;
}

static int
check_follow(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->after && cafe_parse_ll(o->after, 0, 1LL << 62, &o->after_seq) != 0)
		return cafe_usage_error(ctx, "--after wants a seq (a whole number from 0), "
		    "not '%s'", o->after);
	return 0;
}

static const char *const formats[] = { "text", "json", "csv", "html", NULL };

static int
check_report(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;
	long long a, b;
	int known = 0;

	(void)argc, (void)argv, (void)open;
	for (int i = 0; o->format && formats[i]; i++)
		known |= strcmp(o->format, formats[i]) == 0;
	if (o->format && !known)
		return cafe_usage_error(ctx, "--format wants text, json, csv or html, not '%s'",
		    o->format);
	if (o->day && cafe_local_day(o->day, &a, &b) != 0)
		return cafe_usage_error(ctx, "--day wants a date like 2026-11-22, not '%s'",
		    o->day);
	return 0;
}

/* The business day: --day, else today, in the shop's time zone. */
static int
do_report(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	const char *fmt = o->format ? o->format : ctx->json ? "json" : "text";
	const char *zone = ctx->config.timezone ? ctx->config.timezone :
	    getenv("TZ") && *getenv("TZ") ? getenv("TZ") : cafe_local_zone();
	char day[16], *text = NULL, **shops = NULL;
	const char *shop;
	long long from, to;
	json_t *r;
	int status;

	(void)argc, (void)argv;
	if ((status = cafe_ctx_shop(ctx, o->shop, &shop, &shops, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (o->day)
		snprintf(day, sizeof day, "%s", o->day);
	else
		cafe_local_today(cafe_now_ms(), day, sizeof day);
	if (cafe_local_day(day, &from, &to) != 0)
		status = cafe_err_set(&e, CAFE_USAGE, "no such day '%s'", day);
	else if (shops)
		status = cafe_report_chain(ctx->log, from, to, day, zone, ctx->config.currency,
		    shops, &r, &e);
	else
		status = cafe_report(ctx->log, from, to, day, zone, ctx->config.currency, shop,
		    &r, &e);
	cafe_shops_free(shops);
	if (status) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (strcmp(fmt, "json") == 0) {
		cafe_print_json(r);
		return 0;
	}
	text = strcmp(fmt, "csv") == 0 ? cafe_report_csv(r) :
	    strcmp(fmt, "html") == 0 ? cafe_report_html(r) : cafe_report_text(r);
	json_decref(r);
	fputs(text, stdout);
	free(text);
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "list", 0, 0, NULL, BIT(OPT_CUSTOMER) | BIT(OPT_STATUS) | BIT(OPT_SINCE) |
	    BIT(OPT_LIMIT) | BIT(OPT_AS_OF) | BIT(OPT_SHOP),
	    "only --customer, --status, --since, --limit, --as-of and --shop", CAFE_OPEN_WRITE,
	    check_list, do_list, 0 },
	{ "show", -1, 0, NULL, BIT(OPT_AS_OF), "only --as-of", CAFE_OPEN_WRITE, check_show,
	    do_show, 0 },
	{ "follow", 0, 0, NULL, BIT(OPT_AFTER), "only --after", CAFE_OPEN_WRITE,
	    check_follow, do_follow, 0 },
	{ "stats", 0, 0, NULL, BIT(OPT_SINCE) | BIT(OPT_AS_OF), "only --since and --as-of",
	    CAFE_OPEN_WRITE, NULL, do_stats, 0 },
	{ "report", 0, 0, NULL, BIT(OPT_DAY) | BIT(OPT_FORMAT) | BIT(OPT_SHOP),
	    "only --day, --format and --shop",
	    CAFE_OPEN_PEEK, check_report, do_report, 0 },
	{ "rebuild", 0, 0, NULL, 0, "no options", CAFE_OPEN_WRITE, NULL, do_rebuild, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-trace", usage, longopts, local_opt, verbs, "list", CAFE_SAY_VERBS
	};
	struct opts o;

	memset(&o, 0, sizeof o);
	o.until = o.after_seq = -1;
	return cafe_cli_main(&program, &o, argc, argv);
}
