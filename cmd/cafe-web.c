/*
 * cafe-web - what customers look at: the pick-up board (/) and each
 * customer's own order page at its unguessable link (/o/TOKEN, lib/view/link.h),
 * in HTML that updates itself (Server-Sent Events, with a plain refresh
 * when scripts are off) and, for Accept: application/json, as JSON.
 *
 * HTTP is libmicrohttpd's: one thread per connection, so that an event
 * stream may wait on a condition variable. Invariants:
 *  - read-only: the log is opened read-only; no request writes anything;
 *  - no order is reachable but through its link's MAC, checked before
 *    anything is looked up, in constant time;
 *  - every text a customer gave is HTML-escaped, and the pages allow no
 *    script but /app.js (Content-Security-Policy);
 *  - connections, request size and idle time are bounded;
 *  - SIGTERM and SIGINT end every stream and stop the server cleanly.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "base/cond.h"
#include "gate.h"
#include "view/link.h"
#include "domain/order-log.h"
#include "domain/order.h"
#include "base/people.h"
#include "store/store.h"
#include "view/trace.h"

static const char usage[] =
"usage: cafe-web [--db PATH] [--config PATH] [-q] [run] [--listen ADDRESS:PORT]\n"
"           [--timeout SECONDS] [--max-connections N]\n"
"example: cafe-web --listen 0.0.0.0:8080\n";

enum { OPT_LISTEN = CAFE_OPT_FIRST_LOCAL, OPT_TIMEOUT, OPT_MAXCONN };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-connections", required_argument, NULL, OPT_MAXCONN },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *listen, *timeout, *maxconn;
};

static int
local_opt(void *arg, int c, const char *optarg, struct cafe_err *e)
{
	struct opts *o = arg;

	(void)e;
	switch (c) {
	case OPT_LISTEN: o->listen = optarg; break;
	case OPT_TIMEOUT: o->timeout = optarg; break;
	case OPT_MAXCONN: o->maxconn = optarg; break;
	}
	return 0;
}

/* --- the server's state --- */

#define POOL 8                  /* log connections the requests share */
#define PING_MS 15000           /* an event stream's keep-alive comment */
#define MAX_REQUEST 16384       /* bytes of a request's line and headers */

static struct {
	struct cafe_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t changed;     /* a commit, or the end */
	long long generation;       /* commits seen */
	struct cafe_log *pool[POOL];
	int busy[POOL];
	pthread_cond_t freed;
	atomic_int stop;
	/* The pick-up board, kept by the watcher from the log itself: the
	 * trace's open orders at start, then every event after its
	 * checkpoint (a projection's own commits move no head to wake on). */
	struct spot { long long id; int ready; } *board;
	size_t nboard, capboard;
	long long board_seq;
} srv = { .mu = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER };

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* A log connection of the pool, opened read-only when first needed. */
static struct cafe_log *
pool_get(struct cafe_err *e)
{
	struct cafe_log *log = NULL;
	int slot = -1;

	pthread_mutex_lock(&srv.mu);
	for (;;) {
		for (int i = 0; i < POOL && slot < 0; i++)
			if (!srv.busy[i])
				slot = i;
		if (slot >= 0)
			break;
		pthread_cond_wait(&srv.freed, &srv.mu);
	}
	srv.busy[slot] = 1;
	log = srv.pool[slot];
	pthread_mutex_unlock(&srv.mu);
	if (!log && cafe_log_open(&log, srv.ctx->db_path, CAFE_LOG_READONLY, e) != 0) {
		pthread_mutex_lock(&srv.mu);
		srv.busy[slot] = 0;
		pthread_cond_signal(&srv.freed);
		pthread_mutex_unlock(&srv.mu);
		return NULL;
	}
	pthread_mutex_lock(&srv.mu);
	srv.pool[slot] = log;
	pthread_mutex_unlock(&srv.mu);
	return log;
}

static void
pool_put(struct cafe_log *log)
{
	pthread_mutex_lock(&srv.mu);
	for (int i = 0; i < POOL; i++)
		if (srv.pool[i] == log)
			srv.busy[i] = 0;
	pthread_cond_signal(&srv.freed);
	pthread_mutex_unlock(&srv.mu);
}

/* --- what the pages show --- */

/* The orders being made and ready, by number: no names, no addresses. */
static json_t *
board_json(void)
{
	json_t *out = json_pack("{s:[], s:[]}", "making", "ready");

	pthread_mutex_lock(&srv.mu);
	for (size_t i = 0; i < srv.nboard; i++)
		json_array_append_new(json_object_get(out, srv.board[i].ready ? "ready" :
		    "making"), json_integer(srv.board[i].id));
	pthread_mutex_unlock(&srv.mu);
	return out;
}

/* Called with srv.mu held. ready: 0 making, 1 ready, -1 off the board. */
static void
board_set(long long id, int ready)
{
	size_t i;

	for (i = 0; i < srv.nboard && srv.board[i].id != id; i++)
		;
	if (ready < 0) {
		if (i < srv.nboard)
			memmove(&srv.board[i], &srv.board[i + 1],
			    (srv.nboard - i - 1) * sizeof *srv.board);
		srv.nboard -= i < srv.nboard;
		return;
	}
	if (i == srv.nboard) {
		if (srv.nboard == srv.capboard) {
			srv.capboard = srv.capboard ? 2 * srv.capboard : 64;
			srv.board = cafe_xrealloc(srv.board, srv.capboard * sizeof *srv.board);
		}
		/* In id order: a late DeliveryStarted of an older order. */
		for (i = srv.nboard; i > 0 && srv.board[i - 1].id > id; i--)
			;
		memmove(&srv.board[i + 1], &srv.board[i], (srv.nboard - i) * sizeof *srv.board);
		srv.nboard++;
		srv.board[i].id = id;
	}
	srv.board[i].ready = ready;
}

static const char *const board_types[] = {
	"DeliveryStarted", "DrinkReady", "DeliveryDispatched", "DeliveryCompleted",
	"DeliveryCancelled", "OrderCancelled", "OrderRejected", NULL
};

static int
board_event(const struct cafe_event *ev, void *arg)
{
	long long id = cafe_event_order_id(ev);

	(void)arg;
	srv.board_seq = ev->seq;
	if (id <= 0)
		return 0;
	pthread_mutex_lock(&srv.mu);
	board_set(id, strcmp(ev->type, "DeliveryStarted") == 0 ? 0 :
	    strcmp(ev->type, "DrinkReady") == 0 ? 1 : -1);
	pthread_mutex_unlock(&srv.mu);
	return 0;
}

/* The board as the trace has it, and where the trace stands. */
static int
board_start(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	long long cp;
	int rc;

	if (!cafe_db_has(db, "order_trace", NULL) ||
	    (cp = cafe_checkpoint_get(log, "trace", e)) < 0)
		return 0;       /* no trace: the whole log is read */
	if ((rc = cafe_db_prepare(db, "SELECT order_id, delivery_status FROM order_trace "
	    "WHERE order_status = 'paid' AND delivery_status IN ('brewing', 'ready') "
	    "ORDER BY order_id", &st)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, "cafe-web", "read", e);
	pthread_mutex_lock(&srv.mu);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		board_set(cafe_col_int(st, 0), strcmp(cafe_col_text(st, 1), "ready") == 0);
	pthread_mutex_unlock(&srv.mu);
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE)
		return cafe_db_status(db, rc, "cafe-web", "read", e);
	srv.board_seq = cp;
	return 0;
}

static int
board_catch_up(struct cafe_log *log, struct cafe_err *e)
{
	return cafe_log_read_types(log, srv.board_seq, LLONG_MAX, board_types, board_event,
	    NULL, e);
}

/* What a customer is told each step is. NULL: not shown. */
static const char *
step_words(const char *type)
{
	static const char *const words[][2] = {
		{ "OrderPlaced", "Order placed and paid" },
		{ "DeliveryStarted", "Being made" },
		{ "DrinkReady", "Ready" },
		{ "DeliveryDispatched", "On its way" },
		{ "DeliveryCompleted", "Delivered" },
		{ "OrderCancelled", "Cancelled" },
		{ "OrderRejected", "The shop could not make it" },
		{ "DeliveryCancelled", "Delivery called off" },
		{ "RefundRequested", "Refund asked for" },
		{ "PaymentRefunded", "Refunded" },
		{ "RefundFailed", "Refund delayed" },
	};

	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcmp(type, words[i][0]) == 0)
			return words[i][1];
	return NULL;
}

struct timeline {
	struct cafe_order o;
	json_t *steps;
};

static int
timeline_event(const struct cafe_event *ev, void *arg)
{
	struct timeline *t = arg;
	const char *words = step_words(ev->type);
	json_t *amount = json_object_get(ev->data, "amount");

	cafe_order_apply(&t->o, ev);
	if (words)
		json_array_append_new(t->steps, json_pack("{s:s, s:s, s:s, s:O?}",
		    "event", ev->type, "text", words, "ts", ev->ts,
		    "amount", strcmp(ev->type, "PaymentRefunded") == 0 ||
		    strcmp(ev->type, "RefundRequested") == 0 ? amount : NULL));
	return 0;
}

/* The order's row (the trace's fields) with its steps, folded from the
 * log now; NULL with e->status CAFE_REFUSED when it was never placed. */
static json_t *
order_json(struct cafe_log *log, long long id, struct cafe_err *e)
{
	struct timeline *t = cafe_xcalloc(1, sizeof *t);
	char corr[32];
	json_t *row = NULL;

	cafe_order_init(&t->o, id);
	t->steps = json_array();
	snprintf(corr, sizeof corr, "%lld", id);
	if (cafe_log_read_correlated(log, corr, timeline_event, t, e) == 0) {
		if (t->o.status == CAFE_ORDER_NONE) {
			cafe_err_set(e, CAFE_REFUSED, "no such order");
		} else {
			row = cafe_trace_row_of(&t->o);
			json_object_set(row, "steps", t->steps);
			json_object_set_new(row, "refunded", json_integer(t->o.refunded));
			json_object_set_new(row, "currency", json_string(srv.ctx->config.currency));
		}
	}
	json_decref(t->steps);
	free(t);
	return row;
}

static const char *
status_words(json_t *row)
{
	const char *order = json_string_value(json_object_get(row, "order_status"));
	const char *d = json_string_value(json_object_get(row, "delivery_status"));

	if (order && strcmp(order, "cancelled") == 0)
		return "Cancelled";
	if (order && strcmp(order, "rejected") == 0)
		return "The shop could not make it";
	if (!d || strcmp(d, "pending") == 0)
		return "Paid, waiting for the kitchen";
	if (strcmp(d, "brewing") == 0)
		return "Being made";
	if (strcmp(d, "ready") == 0)
		return "Ready";
	if (strcmp(d, "dispatched") == 0)
		return "On its way";
	if (strcmp(d, "delivered") == 0)
		return "Delivered";
	return d;
}

static void
page_head(struct cafe_buf *b, const char *title, const char *stream)
{
	cafe_buf_cat(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	cafe_buf_html(b, title);
	cafe_buf_cat(b, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
	    "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>"
	    "<script src=\"/app.js\" defer></script></head>\n<body data-stream=\"");
	cafe_buf_html(b, stream);
	cafe_buf_cat(b, "\">\n");
}

static char *
board_html(json_t *board)
{
	struct cafe_buf b = { 0 };
	size_t i;
	json_t *v;

	page_head(&b, "Pick-up", "/events");
	cafe_buf_cat(&b, "<main class=\"board\"><section><h1>Being made</h1><ul id=\"making\">");
	json_array_foreach(json_object_get(board, "making"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section><section class=\"ready\"><h1>Ready</h1><ul id=\"ready\">");
	json_array_foreach(json_object_get(board, "ready"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section></main></body></html>\n");
	return b.s;
}

static char *
order_html(json_t *row, const char *token)
{
	struct cafe_buf b = { 0 };
	char title[64], when[64], money[64], stream[128];
	const char *cur = json_string_value(json_object_get(row, "currency"));
	json_t *items = json_object_get(row, "items"), *it;
	size_t i;

	snprintf(title, sizeof title, "Order %lld",
	    (long long)json_integer_value(json_object_get(row, "order_id")));
	snprintf(stream, sizeof stream, "/o/%s/events", token);
	page_head(&b, title, stream);
	cafe_buf_cat(&b, "<main class=\"order\"><h1>");
	cafe_buf_html(&b, title);
	cafe_buf_cat(&b, "</h1><p class=\"for\">for ");
	cafe_buf_html(&b, json_string_value(json_object_get(row, "customer")));
	cafe_buf_cat(&b, "</p><p id=\"status\" class=\"status\">");
	cafe_buf_html(&b, status_words(row));
	cafe_buf_cat(&b, "</p><h2>Items</h2><ul class=\"items\">");
	json_array_foreach(items, i, it) {
		json_t *opt = json_object_get(it, "options"), *c;
		size_t k;

		cafe_buf_cat(&b, "<li>");
		cafe_buf_printf(&b, "%lld &times; ", (long long)json_integer_value(json_object_get(it, "qty")));
		cafe_buf_html(&b, json_string_value(json_object_get(it, "product")));
		json_array_foreach(opt, k, c) {
			cafe_buf_cat(&b, k ? ", " : " (");
			cafe_buf_html(&b, json_string_value(c));
		}
		if (json_array_size(opt))
			cafe_buf_cat(&b, ")");
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ul><p class=\"total\">Total ");
	cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(row, "total")), cur, money,
	    sizeof money));
	if (json_integer_value(json_object_get(row, "refunded")) > 0) {
		cafe_buf_cat(&b, ", refunded ");
		cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(row, "refunded")), cur,
		    money, sizeof money));
	}
	cafe_buf_cat(&b, "</p><h2>So far</h2><ol id=\"steps\" class=\"steps\">");
	json_array_foreach(json_object_get(row, "steps"), i, it) {
		cafe_buf_cat(&b, "<li><time>");
		cafe_buf_html(&b, cafe_local_time(json_string_value(json_object_get(it, "ts")), when,
		    sizeof when));
		cafe_buf_cat(&b, "</time> ");
		cafe_buf_html(&b, json_string_value(json_object_get(it, "text")));
		if (json_is_integer(json_object_get(it, "amount"))) {
			cafe_buf_cat(&b, " ");
			cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(it, "amount")), cur,
			    money, sizeof money));
		}
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ol></main></body></html>\n");
	return b.s;
}

/* For the script: the status line and the steps, ready to show as text. */
static json_t *
order_view(json_t *row)
{
	json_t *steps = json_array(), *it;
	char when[64], money[64];
	const char *cur = json_string_value(json_object_get(row, "currency"));
	size_t i;

	json_array_foreach(json_object_get(row, "steps"), i, it) {
		char line[256];

		snprintf(line, sizeof line, "%s %s%s%s",
		    cafe_local_time(json_string_value(json_object_get(it, "ts")), when, sizeof when),
		    json_string_value(json_object_get(it, "text")),
		    json_is_integer(json_object_get(it, "amount")) ? " " : "",
		    json_is_integer(json_object_get(it, "amount")) ?
		    cafe_money(json_integer_value(json_object_get(it, "amount")), cur, money,
		    sizeof money) : "");
		json_array_append_new(steps, json_string(line));
	}
	return json_pack("{s:s, s:o}", "status", status_words(row), "steps", steps);
}

/* --- the static files --- */

static const char app_js[] =
"'use strict';\n"
"(function () {\n"
"  var stream = document.body.getAttribute('data-stream');\n"
"  if (!stream || !window.EventSource) return;\n"
"  function list(id, items) {\n"
"    var ul = document.getElementById(id);\n"
"    if (!ul) return;\n"
"    while (ul.firstChild) ul.removeChild(ul.firstChild);\n"
"    items.forEach(function (t) {\n"
"      var li = document.createElement('li');\n"
"      li.textContent = String(t);\n"
"      ul.appendChild(li);\n"
"    });\n"
"  }\n"
"  var es = new EventSource(stream);\n"
"  es.addEventListener('board', function (m) {\n"
"    var b = JSON.parse(m.data);\n"
"    list('making', b.making);\n"
"    list('ready', b.ready);\n"
"  });\n"
"  es.addEventListener('order', function (m) {\n"
"    var o = JSON.parse(m.data);\n"
"    var s = document.getElementById('status');\n"
"    if (s) s.textContent = o.status;\n"
"    list('steps', o.steps);\n"
"    document.title = document.title.replace(/ \\u00b7 .*$/, '') + ' \\u00b7 ' + o.status;\n"
"  });\n"
"})();\n";

static const char style_css[] =
"body { font-family: 'DejaVu Sans', sans-serif; margin: 0; padding: 1.5rem;"
" background: #faf7f2; color: #222; }\n"
"h1 { margin: 0 0 .5rem; font-size: 1.6rem; }\n"
"h2 { font-size: 1.1rem; margin: 1.5rem 0 .4rem; color: #555; }\n"
".board { display: flex; gap: 2rem; flex-wrap: wrap; }\n"
".board section { flex: 1; min-width: 12rem; }\n"
".board ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .6rem; }\n"
".board li { font-size: 2.4rem; font-weight: bold; padding: .3rem .8rem;"
" border-radius: .4rem; background: #e8e1d6; }\n"
".board .ready li { background: #2e7d32; color: #fff; }\n"
".order { max-width: 32rem; }\n"
".status { font-size: 1.8rem; font-weight: bold; color: #2e7d32; margin: .5rem 0; }\n"
".for { color: #555; margin: 0; }\n"
".steps { padding-left: 1.2rem; } .steps time { color: #777; margin-right: .4rem; }\n";

/* --- pages already made ---
 * An order's page stays as it was made until the next commit anywhere
 * (the watcher counts them): customers reload far more often than the
 * kitchen commits. The watcher hears a commit within a millisecond or
 * so; a page asked for in that moment is the one before it, and the
 * event stream brings the change. */

#define CACHED 256

static struct page {
	long long id, generation;
	int json;
	char *body;
} cache[CACHED];

/* A copy of the page, or NULL. */
static char *
cache_get(long long id, int json)
{
	struct page *p = &cache[(id * 2 + json) % CACHED];
	char *body = NULL;

	pthread_mutex_lock(&srv.mu);
	if (p->body && p->id == id && p->json == json && p->generation == srv.generation)
		body = cafe_xstrdup(p->body);
	pthread_mutex_unlock(&srv.mu);
	return body;
}

static void
cache_put(long long id, int json, long long generation, const char *body)
{
	struct page *p = &cache[(id * 2 + json) % CACHED];

	pthread_mutex_lock(&srv.mu);
	free(p->body);
	p->id = id;
	p->json = json;
	p->generation = generation;
	p->body = cafe_xstrdup(body);
	pthread_mutex_unlock(&srv.mu);
}

static long long
generation_now(void)
{
	long long g;

	pthread_mutex_lock(&srv.mu);
	g = srv.generation;
	pthread_mutex_unlock(&srv.mu);
	return g;
}

/* --- HTTP --- */

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
    size_t len, const char *cache)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", cache ? cache : "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result
text(struct MHD_Connection *c, unsigned code, const char *msg)
{
	return respond(c, code, "text/plain; charset=utf-8", msg, strlen(msg), NULL);
}

static enum MHD_Result
json_reply(struct MHD_Connection *c, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ok;

	json_decref(j);
	if (!s)
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory\n");
	ok = respond(c, MHD_HTTP_OK, "application/json", s, strlen(s), NULL);
	free(s);
	return ok;
}

static enum MHD_Result
html_reply(struct MHD_Connection *c, char *html)
{
	enum MHD_Result ok = respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", html,
	    strlen(html), NULL);

	free(html);
	return ok;
}

static int
wants_json(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return a && strstr(a, "application/json") && !strstr(a, "text/html");
}

/* An event stream: the board's, or one order's (id > 0). */
struct stream {
	long long id;
	long long generation;       /* the commits it has shown */
	char *last;                 /* the data last sent */
	char *pending;              /* what is being sent */
	size_t off;
	long long ping_at;
};

static char *
stream_state(struct stream *s)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	json_t *j = NULL;
	char *data;

	if (s->id == 0) {
		j = board_json();       /* the watcher keeps it: no log needed */
	} else if ((log = pool_get(&e))) {
		json_t *row = order_json(log, s->id, &e);

		pool_put(log);
		if (row) {
			j = order_view(row);
			json_decref(row);
		}
	}
	data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return data;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;

	(void)pos;
	for (;;) {
		if (s->pending) {
			size_t left = strlen(s->pending) - s->off, n = left < max ? left : max;

			memcpy(out, s->pending + s->off, n);
			s->off += n;
			if (s->off == strlen(s->pending)) {
				free(s->pending);
				s->pending = NULL;
				s->off = 0;
			}
			return (ssize_t)n;
		}
		if (atomic_load(&srv.stop))
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (s->generation < 0 || s->generation != generation_now()) {
			char *data;

			s->generation = generation_now();
			if (!(data = stream_state(s)))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			if (!s->last || strcmp(data, s->last) != 0) {
				size_t n = strlen(data) + 64;

				s->pending = cafe_xmalloc(n);
				snprintf(s->pending, n, "event: %s\ndata: %s\n\n",
				    s->id > 0 ? "order" : "board", data);
				free(s->last);
				s->last = data;
				s->ping_at = cafe_mono_ms() + PING_MS;
				continue;
			}
			free(data);
		}
		if (cafe_mono_ms() >= s->ping_at) {
			s->pending = cafe_xstrdup(": ping\n\n");
			s->ping_at = cafe_mono_ms() + PING_MS;
			continue;
		}
		pthread_mutex_lock(&srv.mu);
		if (s->generation == srv.generation && !atomic_load(&srv.stop)) {
			struct timespec t = cafe_cond_deadline_us(1000LL * 1000);

			cafe_cond_wait_until(&srv.changed, &srv.mu, &t);
		}
		pthread_mutex_unlock(&srv.mu);
	}
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	free(s->last);
	free(s->pending);
	free(s);
}

static enum MHD_Result
event_stream(struct MHD_Connection *c, long long id)
{
	struct stream *s = cafe_xcalloc(1, sizeof *s);
	struct MHD_Response *r;
	enum MHD_Result ok;

	s->id = id;
	s->generation = -1;
	s->ping_at = cafe_mono_ms() + PING_MS;
	if (!(r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
	    stream_free))) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* The order a path "/o/TOKEN" or "/o/TOKEN/events" names: 0 when none,
 * -1 when the log cannot be read (a 503, never a 404 for a real link). */
static long long
order_of(const char *url, int *events, char *token, size_t n)
{
	const char *t = url + 3, *slash = strchr(t, '/');
	size_t len = slash ? (size_t)(slash - t) : strlen(t);
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	long long id;

	*events = slash && strcmp(slash, "/events") == 0;
	if ((slash && !*events) || len == 0 || len >= n)
		return 0;
	memcpy(token, t, len);
	token[len] = '\0';
	if (!(log = pool_get(&e)))
		return -1;
	id = cafe_link_order(log, token);
	pool_put(log);
	return id;
}

/*
 * The path as libmicrohttpd would decode it, except that one with an
 * encoded NUL is emptied: decoded, "/style.css%00.html" would read as
 * "/style.css" and "/%00" as "/". handle() answers an empty path 400.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	(void)cls, (void)c;
	for (const char *p = uri; (p = strchr(p, '%')); p++)
		if (p[1] == '0' && p[2] == '0') {
			uri[0] = '\0';
			return 0;
		}
	return MHD_http_unescape(uri);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	static int first;
	char token[CAFE_LINK_TOKEN];
	int events;
	long long id;

	(void)cls, (void)version, (void)upload;
	if (!*req) {
		/* Called first with the headers alone: wait for the body. */
		*req = &first;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;       /* a body is read and thrown away */
		return MHD_YES;
	}
	if (url[0] != '/')
		return text(c, MHD_HTTP_BAD_REQUEST, "400 bad request: not a path\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 read-only: GET and HEAD only\n");
	if (strcmp(url, "/app.js") == 0)
		return respond(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", app_js,
		    sizeof app_js - 1, "max-age=300");
	if (strcmp(url, "/style.css") == 0)
		return respond(c, MHD_HTTP_OK, "text/css; charset=utf-8", style_css,
		    sizeof style_css - 1, "max-age=300");
	if (strcmp(url, "/events") == 0)
		return event_stream(c, 0);
	if (strcmp(url, "/") == 0) {
		json_t *board = board_json();

		if (wants_json(c))
			return json_reply(c, board);
		{
			char *html = board_html(board);

			json_decref(board);
			return html_reply(c, html);
		}
	}
	if (strncmp(url, "/o/", 3) == 0 && (id = order_of(url, &events, token,
	    sizeof token)) != 0) {
		json_t *row;

		if (id < 0)
			return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
		if (events)
			return event_stream(c, id);
		{
			int json = wants_json(c);
			long long gen = generation_now();
			char *body = cache_get(id, json);

			if (!body) {
				if (!(log = pool_get(&e)))
					return text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "503 the log cannot be read\n");
				row = order_json(log, id, &e);
				pool_put(log);
				if (!row && e.status == CAFE_REFUSED)
					return text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
				if (!row)
					return text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "503 the log cannot be read\n");
				if (json) {
					json_object_del(row, "currency");
					body = json_dumps(row, JSON_COMPACT);
				} else {
					body = order_html(row, token);
				}
				json_decref(row);
				if (!body)
					return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "500 out of memory\n");
				cache_put(id, json, gen, body);
			}
			if (json) {
				enum MHD_Result ok = respond(c, MHD_HTTP_OK, "application/json", body,
				    strlen(body), NULL);

				free(body);
				return ok;
			}
			return html_reply(c, body);
		}
	}
	return text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
}

/* --- the watcher: wakes the streams on every commit --- */

static void *
watch_main(void *arg)
{
	struct cafe_log *log = arg;
	struct cafe_err e = { 0, "", 0, 0 };
	enum cafe_wake woke;
	long long seen = cafe_log_head(log, &e);

	while (!atomic_load(&srv.stop)) {
		if (cafe_log_wait(log, seen, 500, &woke, &e) != 0) {
			cafe_sleep_ms(500);
			continue;
		}
		if (woke != CAFE_WAKE_NEW)
			continue;
		seen = cafe_log_head(log, &e);
		board_catch_up(log, &e);
		pthread_mutex_lock(&srv.mu);
		srv.generation++;
		pthread_cond_broadcast(&srv.changed);
		pthread_mutex_unlock(&srv.mu);
	}
	return NULL;
}

/* --- the command --- */

static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, struct cafe_err *e)
{
	char host[256], *port;
	struct addrinfo hints, *ai = NULL;
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof host)
		return cafe_err_set(e, CAFE_USAGE, "--listen wants ADDRESS:PORT, such as "
		    "127.0.0.1:8080 or [::1]:8080");
	memcpy(host, s, n + 1);
	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (!end || end[1] != ':')
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not [ADDRESS]:PORT", s);
		*end = '\0';
		port = end + 2;
		memmove(host, host + 1, strlen(host + 1) + 1);
	} else {
		if (!(port = strrchr(host, ':')))
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not ADDRESS:PORT", s);
		*port++ = '\0';
	}
	{
		long long p;

		if (cafe_parse_ll(port, 1, 65535, &p) != 0)
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not a port "
			    "(1 to 65535)", port);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not a numeric address "
		    "(such as 127.0.0.1, 0.0.0.0 or ::1)", host);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
check_run(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;
	struct sockaddr_storage ss;
	socklen_t len;
	struct cafe_err e = { 0, "", 0, 0 };
	long long v;

	(void)argc, (void)argv, (void)open;
	if (o->listen && parse_listen(o->listen, &ss, &len, &e) != 0)
		return cafe_usage_error(ctx, "%s", e.msg);
	if (o->timeout && cafe_parse_ll(o->timeout, 1, 3600, &v) != 0)
		return cafe_usage_error(ctx, "--timeout wants seconds from 1 to 3600, not '%s'",
		    o->timeout);
	if (o->maxconn && cafe_parse_ll(o->maxconn, 1, 10000, &v) != 0)
		return cafe_usage_error(ctx, "--max-connections wants a number from 1 to "
		    "10000, not '%s'", o->maxconn);
	return 0;
}

static void
quiet_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls, (void)fmt, (void)ap;
}

/* A request's headers are due this soon after its connection (or within
 * --timeout when that is shorter): a phone on a poor network sends them
 * in one packet, retransmitted within a few seconds. */
#define HEADER_MS 5000

/* Connections the gate may hold while their headers come: what the
 * descriptors left by the server's own connections allow. */
static int
max_waiting(int maxconn)
{
	struct rlimit r;
	long long n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
		n = (long long)r.rlim_cur - maxconn - 64;
	return n < 16 ? 16 : n > 16384 ? 16384 : (int)n;
}

static void
hand_over(void *arg, int fd, const struct sockaddr *addr, socklen_t len)
{
	/* Closed by the server when it cannot take it (its limits). */
	MHD_add_connection(arg, fd, addr, len);
}

static int
do_run(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	const char *where = o->listen ? o->listen : "127.0.0.1:8080";
	struct cafe_err e = { 0, "", 0, 0 };
	struct sockaddr_storage ss;
	struct sigaction sa;
	struct MHD_Daemon *d;
	struct cafe_gate *gate;
	struct cafe_log *watch_log;
	pthread_t watcher;
	socklen_t len;
	long long timeout = 10, maxconn = 256;
	int sock = -1;
	sigset_t block, old;
	int rc;

	(void)argc, (void)argv;
	srv.ctx = ctx;
	cafe_cond_init(&srv.changed);
	parse_listen(where, &ss, &len, &e);
	if (o->timeout)
		cafe_parse_ll(o->timeout, 1, 3600, &timeout);
	if (o->maxconn)
		cafe_parse_ll(o->maxconn, 1, 10000, &maxconn);
	if (cafe_log_open(&watch_log, ctx->db_path, CAFE_LOG_READONLY, &e) != 0 ||
	    board_start(watch_log, &e) != 0 || board_catch_up(watch_log, &e) != 0) {
		cafe_log_close(watch_log);
		cafe_ctx_error(ctx, &e);
		return e.status;
	}
	/* Only the main thread takes SIGTERM and SIGINT; the server's threads
	 * are made with them blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((rc = pthread_create(&watcher, NULL, watch_main, watch_log)) != 0) {
		cafe_log_close(watch_log);
		cafe_err_set(&e, CAFE_IOERR, "cannot start a thread: %s", strerror(rc));
		cafe_ctx_error(ctx, &e);
		return CAFE_IOERR;
	}
	/* The socket is ours, so that a refusal says why (errno is the
	 * kernel's answer, not whatever a thread did since). */
	{
		int one = 1;

		if ((sock = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
		    bind(sock, (struct sockaddr *)&ss, len) != 0 || listen(sock, 1024) != 0) {
			cafe_err_set(&e, CAFE_IOERR, "cannot listen on %s: %s", where,
			    strerror(errno));
			if (sock >= 0)
				close(sock);
			atomic_store(&srv.stop, 1);
			pthread_join(watcher, NULL);
			cafe_log_close(watch_log);
			cafe_ctx_error(ctx, &e);
			return CAFE_IOERR;
		}
	}
	/* The gate (cmd/common/gate.h) accepts and hands each connection
	 * over once its headers are in: the server's threads and its
	 * connection limit are for requests, not for floods that never
	 * finish one. poll(2), not select(2): the gate's connections push
	 * the descriptors handed over past FD_SETSIZE. */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
	    handle, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)maxconn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(maxconn > 128 ? 128 : maxconn),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MAX_REQUEST,
	    MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
	if (!d)
		cafe_err_set(&e, CAFE_IOERR, "cannot serve on %s", where);
	if (!d || cafe_gate_start(&gate, sock, timeout * 1000 < HEADER_MS ? timeout * 1000 :
	    HEADER_MS, max_waiting((int)maxconn), hand_over, d, &e) != 0) {
		if (d)
			MHD_stop_daemon(d);
		atomic_store(&srv.stop, 1);
		pthread_join(watcher, NULL);
		cafe_log_close(watch_log);
		close(sock);
		cafe_ctx_error(ctx, &e);
		return CAFE_IOERR;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!ctx->quiet)
		fprintf(stderr, "%s: serving the pick-up board at http://%s/\n", ctx->prog, where);
	/* Wait for a signal, the signals unblocked only here. */
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	while (!got_signal)
		sigsuspend(&old);
	atomic_store(&srv.stop, 1);
	pthread_mutex_lock(&srv.mu);
	pthread_cond_broadcast(&srv.changed);
	pthread_mutex_unlock(&srv.mu);
	cafe_gate_stop(gate);
	MHD_stop_daemon(d);
	close(sock);
	pthread_join(watcher, NULL);
	cafe_log_close(watch_log);
	for (int i = 0; i < POOL; i++)
		cafe_log_close(srv.pool[i]);
	free(srv.board);
	for (int i = 0; i < CACHED; i++)
		free(cache[i].body);
	if (!ctx->quiet)
		fprintf(stderr, "%s: stopped\n", ctx->prog);
	return 0;
}

#define BIT CAFE_OPT_BIT
static const struct cafe_verb verbs[] = {
	{ "run", 0, 0, NULL, BIT(OPT_LISTEN) | BIT(OPT_TIMEOUT) | BIT(OPT_MAXCONN), NULL,
	    CAFE_OPEN_READ, check_run, do_run, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-web", usage, longopts, local_opt, verbs, "run", 0
	};
	struct opts o = { 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
