/*
 * web-order.c - customers order, pay and cancel on cafe-web
 * (web-order.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/lang.h"
#include "base/people.h"
#include "command/counter.h"
#include "command/input.h"
#include "domain/delivery.h"
#include "domain/menu.h"
#include "log-pool.h"
#include "render/web.h"
#include "view/link.h"
#include "view/menu-view.h"
#include "view/page.h"
#include "view/rider.h"
#include "web-client.h"
#include "web-order.h"
#include "web-reply.h"

#define WRITERS 4               /* connections that may write */
#define CLIENTS 1024            /* clients whose recent orders are counted */

static struct {
	struct cafe_ctx *ctx;
	struct cafe_log_pool pool;
	pthread_mutex_t mu;
	/* A token bucket per client: orders_per_minute of them, one back
	 * every 60 / orders_per_minute seconds. */
	struct client {
		char addr[INET6_ADDRSTRLEN];
		double tokens;
		long long at_ms;
	} client[CLIENTS];
	/* The menu's JSON as of the log's head: kept until the next commit,
	 * as the order pages are (a menu is asked for far more often than the
	 * log changes). */
	json_t *menu;
	long long menu_head;
} ord = { .mu = PTHREAD_MUTEX_INITIALIZER };

int
cafe_web_order_start(struct cafe_ctx *ctx, struct cafe_err *e)
{
	struct cafe_log *log;

	ord.ctx = ctx;
	if (!ctx->config.web.ordering && !ctx->config.web.riders)
		return 0;
	cafe_log_pool_init(&ord.pool, ctx->db_path, 0, "cafe-web", WRITERS);
	ord.pool.shop = ctx->config.shop;
	if (!(log = cafe_log_pool_get(&ord.pool, e)))
		return e->status;
	cafe_log_pool_put(&ord.pool, log);
	return 0;
}

void
cafe_web_order_stop(void)
{
	if (ord.ctx && (ord.ctx->config.web.ordering || ord.ctx->config.web.riders))
		cafe_log_pool_close(&ord.pool);
	json_decref(ord.menu);
	ord.menu = NULL;
}

/* --- the body --- */

static enum MHD_Result
form_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *encoding, const char *data, uint64_t off,
    size_t size)
{
	struct cafe_web_body *b = cls;
	json_t *last = json_array_get(b->fields, json_array_size(b->fields) - 1);
	char *value;

	(void)kind, (void)filename, (void)content_type, (void)encoding;
	if (off > 0 && last) {
		/* The rest of a long value. */
		value = cafe_xasprintf("%s%.*s", json_string_value(json_array_get(last, 1)),
		    (int)size, data);
		json_array_set_new(last, 1, json_string(value));
	} else {
		value = cafe_xasprintf("%.*s", (int)size, data);
		json_array_append_new(b->fields, json_pack("[s, s?]", key, value));
	}
	free(value);
	return MHD_YES;
}

void
cafe_web_body_begin(struct cafe_web_body *b, struct MHD_Connection *c)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	memset(b, 0, sizeof *b);
	if (type && strncmp(type, "application/x-www-form-urlencoded", 33) == 0) {
		b->form = 1;
		b->fields = json_array();
		b->pp = MHD_create_post_processor(c, 1024, form_field, b);
	}
}

void
cafe_web_body_feed(struct cafe_web_body *b, const char *data, size_t len)
{
	if (b->too_large || b->len + len > CAFE_WEB_MAX_BODY) {
		b->too_large = 1;
		return;
	}
	b->len += len;
	if (b->form) {
		if (b->pp)
			MHD_post_process(b->pp, data, len);
		return;
	}
	b->bytes = cafe_xrealloc(b->bytes, b->len + 1);
	memcpy(b->bytes + b->len - len, data, len);
	b->bytes[b->len] = '\0';
}

void
cafe_web_body_free(struct cafe_web_body *b)
{
	if (b->pp)
		MHD_destroy_post_processor(b->pp);
	json_decref(b->fields);
	free(b->bytes);
	memset(b, 0, sizeof *b);
}

/* One order of addr's; 0 with *retry_s when its orders are used up. */
static int
take_turn(const char *addr, long long *retry_s)
{
	double rate = ord.ctx->config.web.orders_per_minute;
	long long now = cafe_mono_ms();
	struct client *cl = NULL, *oldest = &ord.client[0];
	int ok;

	pthread_mutex_lock(&ord.mu);
	for (int i = 0; i < CLIENTS && !cl; i++) {
		if (strcmp(ord.client[i].addr, addr) == 0)
			cl = &ord.client[i];
		else if (ord.client[i].at_ms < oldest->at_ms)
			oldest = &ord.client[i];
	}
	if (!cl) {
		cl = oldest;
		snprintf(cl->addr, sizeof cl->addr, "%s", addr);
		cl->tokens = rate;
		cl->at_ms = now;
	}
	cl->tokens += (double)(now - cl->at_ms) * rate / 60000.0;
	if (cl->tokens > rate)
		cl->tokens = rate;
	cl->at_ms = now;
	if ((ok = cl->tokens >= 1.0))
		cl->tokens -= 1.0;
	else
		*retry_s = (long long)((1.0 - cl->tokens) * 60.0 / rate) + 1;
	pthread_mutex_unlock(&ord.mu);
	return ok;
}

/* origin is "SCHEME://HOST[:PORT]" and s that, alone, or (a Referer) followed by '/'. */
static int
from(const char *s, const char *origin, size_t len, int referer)
{
	return strncmp(s, origin, len) == 0 && (s[len] == '\0' || (referer && s[len] == '/'));
}

/* A POST from a page of this server, or from no page at all (a script). */
static int
same_site(struct MHD_Connection *c)
{
	const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *r = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Referer");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *url = ord.ctx->config.web_url, *s = o ? o : r;
	char own[300];

	if (!s)
		return 1;
	if (host) {
		snprintf(own, sizeof own, "http://%s", host);
		if (from(s, own, strlen(own), !o))
			return 1;
		snprintf(own, sizeof own, "https://%s", host);
		if (from(s, own, strlen(own), !o))
			return 1;
	}
	if (url) {
		const char *end = strchr(strstr(url, "://") + 3, '/');

		if (from(s, url, end ? (size_t)(end - url) : strlen(url), !o))
			return 1;
	}
	return 0;
}

/* --- answers --- */

/* The request's language: its Accept-Language, else the shop's. */
static const char *
lang_of(struct MHD_Connection *c)
{
	return cafe_http_lang(c, ord.ctx->config.language);
}

/* What a refusal means to the customer, above the message itself (which
 * is the command line's, in English). */
static const char *
headline(unsigned code, int cancel)
{
	switch (code) {
	case MHD_HTTP_FORBIDDEN:
		return N_("Orders are taken on this shop's own pages only.");
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return N_("The order is too large.");
	case MHD_HTTP_TOO_MANY_REQUESTS:
		return N_("Too many orders from here: please wait a moment.");
	case MHD_HTTP_PAYMENT_REQUIRED:
		return N_("The payment was declined. Nothing was charged.");
	case MHD_HTTP_CONFLICT:
		return cancel ? N_("It can no longer be cancelled: it is made, or cancelled "
		    "already.") : N_("Sold out. Nothing was charged.");
	case MHD_HTTP_SERVICE_UNAVAILABLE:
		return N_("Please try again in a moment, or pay at the counter. Nothing was "
		    "charged.");
	default:
		return N_("The order could not be taken as it is. Nothing was charged.");
	}
}

/* A refusal: {"error", "exit"} for a script, a page for a browser's form. */
static enum MHD_Result
refuse(struct MHD_Connection *c, const struct cafe_web_body *b, unsigned code, int exit,
    const char *msg, long long retry_s, const char *back)
{
	char after[24];
	const char *headers[] = { "Retry-After", after, NULL };

	snprintf(after, sizeof after, "%lld", retry_s);
	if (b && b->form)
		return cafe_http_html(c, code, cafe_web_refusal_html(headline(code,
		    strcmp(back, "/menu") != 0), msg, back, lang_of(c)));
	return cafe_http_json(c, code, json_pack("{s:s, s:i}", "error", msg, "exit", exit),
	    retry_s > 0 ? headers : NULL);
}

/* What a refused placement is in HTTP (DESIGN §13). */
static unsigned
http_of(int status, const char *what)
{
	switch (status) {
	case CAFE_REFUSED:
		if (what && strcmp(what, "out_of_stock") == 0)
			return MHD_HTTP_CONFLICT;
		if (what && strcmp(what, "declined") == 0)
			return MHD_HTTP_PAYMENT_REQUIRED;
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case CAFE_DATAERR:
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	default:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
}

/* The menu that prices orders now: the log's, as cafe-order sees it. */
static int
menu_of(struct cafe_log *log, struct cafe_menu *m, struct cafe_config *view,
    struct cafe_err *e)
{
	int status = cafe_menu_load(log, -1, m, e);

	if (status == 0)
		cafe_menu_view(view, &ord.ctx->config, m);
	return status;
}

enum MHD_Result
cafe_web_menu(struct MHD_Connection *c)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_config view;
	struct cafe_menu m;
	struct cafe_log *log;
	char key[33];
	json_t *menu = NULL;
	long long head;
	int status;

	if (!(log = cafe_log_pool_get(&ord.pool, &e)))
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	status = (head = cafe_log_head(log, &e)) < 0 ? e.status : 0;
	pthread_mutex_lock(&ord.mu);
	if (status == 0 && ord.menu && ord.menu_head == head)
		menu = json_incref(ord.menu);
	pthread_mutex_unlock(&ord.mu);
	if (status == 0 && !menu && (status = menu_of(log, &m, &view, &e)) == 0) {
		status = cafe_menu_json(log, &view, &menu, &e);
		cafe_menu_release(&m);
		if (status == 0) {
			pthread_mutex_lock(&ord.mu);
			json_decref(ord.menu);
			ord.menu = json_incref(menu);
			ord.menu_head = head;
			pthread_mutex_unlock(&ord.mu);
		}
	}
	cafe_log_pool_put(&ord.pool, log);
	if (status)
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	if (cafe_http_wants_json(c))
		return cafe_http_json(c, MHD_HTTP_OK, menu, NULL);
	/* A key per page: a form sent twice (a double tap, a reload) is one
	 * order. */
	cafe_random_hex(key);
	key[32] = '\0';
	{
		char *html = cafe_web_menu_html(menu, ord.ctx->config.currency, key, lang_of(c));

		json_decref(menu);
		return cafe_http_html(c, MHD_HTTP_OK, html);
	}
}

/* A form's fields ([[name, value]...]) as the JSON of an order:
 * qty:PRODUCT (0 or empty: not ordered), opt:PRODUCT:GROUP, customer,
 * contact, note, takeout (a checked box), pickup_at, key (empty: not given). */
static char *
form_order(json_t *fields, struct cafe_err *e)
{
	json_t *o = json_object(), *items = json_array(), *f;
	size_t i;
	char *text = NULL;

	json_array_foreach(fields, i, f) {
		const char *k = json_string_value(json_array_get(f, 0));
		const char *v = json_string_value(json_array_get(f, 1));
		long long qty;

		if (!v)
			v = "";
		if (strncmp(k, "qty:", 4) == 0) {
			if (!*v)
				continue;
			if (cafe_parse_ll(v, 0, CAFE_MAX_QTY, &qty) != 0) {
				cafe_err_set(e, CAFE_DATAERR, "the quantity of %s must be a whole "
				    "number from 0 to %d", k + 4, CAFE_MAX_QTY);
				goto out;
			}
			if (qty > 0)
				json_array_append_new(items, json_pack("{s:s, s:I, s:[]}",
				    "product", k + 4, "qty", (json_int_t)qty, "options"));
		} else if (strncmp(k, "opt:", 4) == 0) {
			size_t len = strcspn(k + 4, ":");
			size_t j;
			json_t *it;

			json_array_foreach(items, j, it) {
				const char *p = json_string_value(json_object_get(it, "product"));

				if (strlen(p) == len && strncmp(p, k + 4, len) == 0 && *v)
					json_array_append_new(json_object_get(it, "options"),
					    json_string(v));
			}
		} else if (strcmp(k, "customer") == 0 || strcmp(k, "contact") == 0 ||
		    strcmp(k, "note") == 0 || strcmp(k, "key") == 0 ||
		    strcmp(k, "pickup_at") == 0) {
			if (*v)
				json_object_set_new(o, k, json_string(v));
		} else if (strcmp(k, "takeout") == 0) {
			if (*v)
				json_object_set_new(o, k, json_true());
		} else {
			cafe_err_set(e, CAFE_DATAERR, "unknown field '%s'", k);
			goto out;
		}
	}
	if (json_array_size(items) == 0) {
		cafe_err_set(e, CAFE_DATAERR, "an order needs at least one item");
		goto out;
	}
	json_object_set(o, "items", items);
	text = json_dumps(o, JSON_COMPACT);
out:
	json_decref(items);
	json_decref(o);
	return text;
}

/* The answer to a placed order (or its replay): cafe-order --json
 * place's object, 201 (200 for a replay) with the page in Location; a
 * form goes to the page (303). */
static enum MHD_Result
placed(struct MHD_Connection *c, const struct cafe_web_body *b, struct cafe_log *log,
    const struct cafe_place_result *res)
{
	char token[CAFE_LINK_TOKEN] = "", url[512] = "", where[CAFE_LINK_TOKEN + 8];
	const char *headers[] = { "Location", where, NULL };
	struct cafe_err le;
	json_t *answer;

	if (cafe_link_token(log, res->order_id, 1, token, &le) != 0)
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	cafe_link_url(&ord.ctx->config, token, url, sizeof url);
	snprintf(where, sizeof where, "/o/%s", token);
	if (b->form)
		return cafe_http_respond(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
		    NULL, headers);
	answer = cafe_place_answer(res, 0, url);
	return cafe_http_json(c, res->replayed ? MHD_HTTP_OK : MHD_HTTP_CREATED, answer,
	    headers);
}

enum MHD_Result
cafe_web_order(struct MHD_Connection *c, const struct cafe_web_body *b)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_place_request r;
	struct cafe_place_result res;
	struct cafe_config view;
	struct cafe_menu m;
	struct cafe_log *log;
	json_t *owner = NULL;
	char addr[INET6_ADDRSTRLEN], msg[128], *text = NULL;
	long long retry_s = 0;
	enum MHD_Result ok;
	int status;

	if (!same_site(c))
		return refuse(c, b, MHD_HTTP_FORBIDDEN, CAFE_REFUSED, "orders are taken from "
		    "this shop's own pages only", 0, "/menu");
	if (b->too_large)
		return refuse(c, b, MHD_HTTP_CONTENT_TOO_LARGE, CAFE_DATAERR, "the order is too "
		    "large (at most 16 kB)", 0, "/menu");
	cafe_web_client(c, &ord.ctx->config, addr, sizeof addr);
	if (!take_turn(addr, &retry_s)) {
		snprintf(msg, sizeof msg, "too many orders from one place: try again in %lld s",
		    retry_s);
		return refuse(c, b, MHD_HTTP_TOO_MANY_REQUESTS, CAFE_TEMPFAIL, msg, retry_s,
		    "/menu");
	}
	if (!(log = cafe_log_pool_get(&ord.pool, &e)))
		return refuse(c, b, MHD_HTTP_SERVICE_UNAVAILABLE, e.status, e.msg, 5, "/menu");
	if ((status = menu_of(log, &m, &view, &e)) != 0) {
		cafe_log_pool_put(&ord.pool, log);
		return refuse(c, b, MHD_HTTP_SERVICE_UNAVAILABLE, status, e.msg, 5, "/menu");
	}
	if (b->form && !(text = form_order(b->fields, &e)))
		status = e.status;
	else
		status = cafe_input_order(&view, b->form ? text : b->bytes ? b->bytes : "",
		    b->form ? strlen(text) : b->len, "", &r, &owner, &e);
	/* A phone pays by card; cash only where the shop says a kiosk takes it. */
	for (size_t i = 0; status == 0 && i < r.ntenders; i++)
		if (r.tenders[i].cash && !ord.ctx->config.web.cash)
			status = cafe_err_set(&e, CAFE_DATAERR, "this shop takes cards here: "
			    "pay in cash at the counter");
	if (status == 0 && r.tendered >= 0 && !ord.ctx->config.web.cash)
		status = cafe_err_set(&e, CAFE_DATAERR, "tendered is for cash, which this "
		    "shop takes at the counter");
	if (status == 0) {
		r.channel = "web";
		/* The customer's language goes with the order, for its messages. */
		if (!r.language)
			r.language = lang_of(c);
		status = cafe_counter_place(&view, log, &r, &res, &e);
		if (status == 0)
			ok = placed(c, b, log, &res);
		else
			ok = refuse(c, b, http_of(status, res.status), status, e.msg,
			    status == CAFE_TEMPFAIL || status == CAFE_UNAVAILABLE ?
			    (res.retry_ms > 0 ? (res.retry_ms + 999) / 1000 : 5) : 0, "/menu");
	} else {
		ok = refuse(c, b, MHD_HTTP_UNPROCESSABLE_CONTENT, status, e.msg, 0, "/menu");
	}
	json_decref(owner);
	free(text);
	cafe_menu_release(&m);
	cafe_log_pool_put(&ord.pool, log);
	return ok;
}

enum MHD_Result
cafe_web_cancel(struct MHD_Connection *c, const struct cafe_web_body *b, long long id,
    const char *token)
{
	struct cafe_err e = { 0, "", 0, 0 };
	char back[CAFE_LINK_TOKEN + 8];
	const char *headers[] = { "Location", back, NULL };
	struct cafe_log *log;
	json_t *row = NULL;
	int status;

	snprintf(back, sizeof back, "/o/%s", token);
	if (!same_site(c))
		return refuse(c, b, MHD_HTTP_FORBIDDEN, CAFE_REFUSED, "orders are cancelled "
		    "from this shop's own pages only", 0, back);
	if (b->too_large)
		return refuse(c, b, MHD_HTTP_CONTENT_TOO_LARGE, CAFE_DATAERR, "the request is "
		    "too large", 0, back);
	if (!(log = cafe_log_pool_get(&ord.pool, &e)))
		return refuse(c, b, MHD_HTTP_SERVICE_UNAVAILABLE, e.status, e.msg, 5, back);
	if ((status = cafe_counter_customer_cancel(log, id, &e)) == 0 && !b->form)
		row = cafe_page_order(log, id, ord.ctx->config.currency, &e);
	cafe_log_pool_put(&ord.pool, log);
	if (status)
		return refuse(c, b, status == CAFE_REFUSED ? MHD_HTTP_CONFLICT :
		    MHD_HTTP_SERVICE_UNAVAILABLE, status, e.msg, status == CAFE_REFUSED ? 0 : 5,
		    back);
	if (b->form)
		return cafe_http_respond(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
		    NULL, headers);
	if (!row)
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	json_object_del(row, "currency");
	return cafe_http_json(c, MHD_HTTP_OK, row, NULL);
}

/* --- the rider --- */

enum MHD_Result
cafe_web_rider(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	struct cafe_err e = { 0, "", 0, 0 };
	char token[CAFE_RIDER_TOKEN], name[CAFE_MAX_NAME * 4 + 1], back[CAFE_RIDER_TOKEN + 8];
	const char *t = url + 3, *slash = strchr(t, '/'), *action = NULL;
	const char *headers[] = { "Location", back, NULL };
	size_t len = slash ? (size_t)(slash - t) : strlen(t);
	struct cafe_log *log;
	struct cafe_order after;
	long long id = 0;
	json_t *view = NULL;
	int status, who;

	if (len == 0 || len >= sizeof token)
		return cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
	memcpy(token, t, len);
	token[len] = '\0';
	/* GET /r/TOKEN; POST /r/TOKEN/pickup/ID or /r/TOKEN/deliver/ID. */
	if (b && slash && (strncmp(slash, "/pickup/", 8) == 0 ||
	    strncmp(slash, "/deliver/", 9) == 0)) {
		action = slash[1] == 'p' ? "pickup" : "deliver";
		id = cafe_order_id_parse(slash + (slash[1] == 'p' ? 8 : 9));
	}
	if ((b ? !action || id <= 0 : slash != NULL))
		return cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
	if (!(log = cafe_log_pool_get(&ord.pool, &e)))
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	if ((who = cafe_rider_of(log, token, name, sizeof name)) <= 0) {
		cafe_log_pool_put(&ord.pool, log);
		return who < 0 ? cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "503 the log cannot be read\n") :
		    cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
	}
	snprintf(back, sizeof back, "/r/%s", token);
	if (!b) {
		status = cafe_rider_view(log, name, &view, &e);
		cafe_log_pool_put(&ord.pool, log);
		if (status)
			return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "503 the log cannot be read\n");
		if (cafe_http_wants_json(c))
			return cafe_http_json(c, MHD_HTTP_OK, view, NULL);
		{
			char *html = cafe_web_rider_html(view, token);

			json_decref(view);
			return cafe_http_html(c, MHD_HTTP_OK, html);
		}
	}
	if (!same_site(c) || b->too_large) {
		cafe_log_pool_put(&ord.pool, log);
		return b->too_large ? refuse(c, b, MHD_HTTP_CONTENT_TOO_LARGE, CAFE_DATAERR,
		    "the request is too large", 0, back) :
		    refuse(c, b, MHD_HTTP_FORBIDDEN, CAFE_REFUSED, "deliveries are marked from "
		    "this shop's own pages only", 0, back);
	}
	status = cafe_delivery_step(log, action[0] == 'p' ? CAFE_STEP_DISPATCH :
	    CAFE_STEP_DELIVERED_BY, id, name, &after, &e);
	cafe_log_pool_put(&ord.pool, log);
	if (status)
		return refuse(c, b, status == CAFE_REFUSED ? MHD_HTTP_CONFLICT :
		    status == CAFE_DATAERR ? MHD_HTTP_UNPROCESSABLE_CONTENT :
		    MHD_HTTP_SERVICE_UNAVAILABLE, status, e.msg, 0, back);
	if (b->form)
		return cafe_http_respond(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
		    NULL, headers);
	return cafe_http_json(c, MHD_HTTP_OK, json_pack("{s:I, s:s, s:s}", "order_id",
	    (json_int_t)id, "delivery_status", cafe_delivery_status_name(after.delivery),
	    "rider", name), NULL);
}
