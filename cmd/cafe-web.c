/*
 * cafe-web - what customers look at: the pick-up board (/) and each
 * customer's own order page at its unguessable link (/o/TOKEN, lib/view/link.h),
 * in HTML that updates itself (Server-Sent Events, with a plain refresh
 * when scripts are off) and, for Accept: application/json, as JSON. With
 * web: {ordering: true}, customers also order, pay and cancel here
 * (cmd/common/web-order.c).
 *
 * HTTP is libmicrohttpd's: one thread per connection, so that an event
 * stream may wait on a condition variable. Invariants:
 *  - read-only unless ordering is on: the pages read through read-only
 *    connections; only an order or a cancel writes, through the
 *    counter's own path;
 *  - no order is reachable but through its link's MAC, checked before
 *    anything is looked up, in constant time;
 *  - every text a customer gave is HTML-escaped, and the pages allow no
 *    script but /app.js (Content-Security-Policy);
 *  - connections, request size and idle time are bounded;
 *  - SIGTERM and SIGINT end every stream and stop the server cleanly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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
#include "daemon/sd-notify.h"
#include "gate.h"
#include "log-pool.h"
#include "web-client.h"
#include "web-live.h"
#include "web-order.h"
#include "web-reply.h"
#include "view/link.h"
#include "domain/order-log.h"
#include "domain/order.h"
#include "base/lang.h"
#include "base/people.h"
#include "render/web.h"
#include "view/page.h"
#include "view/pickup.h"

static const char usage[] =
"usage: cafe-web [--db PATH] [--config PATH] [-q] [run] [--listen ADDRESS:PORT]\n"
"           [--timeout SECONDS] [--max-connections N]\n"
"example: cafe-web --listen 0.0.0.0:8080\n";

enum { OPT_LISTEN = CAFE_OPT_FIRST_LOCAL, OPT_TIMEOUT, OPT_MAXCONN };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("listen", OPT_LISTEN),
	CAFE_ARG("timeout", OPT_TIMEOUT),
	CAFE_ARG("max-connections", OPT_MAXCONN),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *listen, *timeout, *maxconn;
};

static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	switch (c) {
	case OPT_LISTEN: o->listen = optarg; break;
	case OPT_TIMEOUT: o->timeout = optarg; break;
	case OPT_MAXCONN: o->maxconn = optarg; break;
	}
}

/* --- the server's state --- */

#define POOL 8                  /* log connections the requests share */
#define PING_MS 15000           /* an event stream's keep-alive comment, at the most */
#define MAX_REQUEST 16384       /* bytes of a request's line and headers */

static struct {
	struct cafe_ctx *ctx;
	struct cafe_log_pool pool;  /* read-only, for the pages */
	atomic_int stop;            /* ends every event stream */
	atomic_int busy;            /* requests begun and not completed */
	atomic_int unheard;         /* connections whose first request has not
	                             * begun (a hand-over the server has yet to
	                             * read): a stop waits for them */
	/* The pick-up board, kept by the watcher from the log itself: the
	 * trace's open orders at start, then every event after its
	 * checkpoint (a projection's own commits move no head to wake on). */
	struct cafe_pickup board;
} srv;

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* --- HTTP --- */

/* The forms of an order's page, kept apart (web-live.h): its JSON, its
 * HTML in English, in Korean. */
static int
kind_of(int json, const char *lang)
{
	return json ? 0 : strcmp(lang, "ko") == 0 ? 2 : 1;
}

/* What an event stream sends: the board's state, or an order's. */
static char *
stream_state(long long id, const char *lang)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	json_t *j = NULL;
	char *data;

	if (id == 0) {
		j = cafe_pickup_json(&srv.board);  /* the watcher keeps it: no log needed */
	} else if ((log = cafe_log_pool_get(&srv.pool, &e))) {
		json_t *row = cafe_page_order(log, id, srv.ctx->config.currency, &e);

		cafe_log_pool_put(&srv.pool, log);
		if (row) {
			j = cafe_page_view(row, lang);
			json_decref(row);
		}
	}
	data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return data;
}

/* An event stream for this request's client, in its language. */
static enum MHD_Result
event_stream(struct MHD_Connection *c, long long id)
{
	char client[INET6_ADDRSTRLEN];

	cafe_web_client(c, &srv.ctx->config, client, sizeof client);
	return cafe_live_stream(c, id, client, cafe_http_lang(c, srv.ctx->config.language),
	    stream_state);
}

/* The order a path "/o/TOKEN" or "/o/TOKEN/WHAT" names (*what gets WHAT,
 * "" for none): 0 when none, -1 when the log cannot be read (a 503, never
 * a 404 for a real link). */
static long long
order_of(const char *url, const char **what, char *token, size_t n)
{
	const char *t = url + 3, *slash = strchr(t, '/');
	size_t len = slash ? (size_t)(slash - t) : strlen(t);
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	long long id;

	*what = slash ? slash + 1 : "";
	if (len == 0 || len >= n)
		return 0;
	memcpy(token, t, len);
	token[len] = '\0';
	if (!(log = cafe_log_pool_get(&srv.pool, &e)))
		return -1;
	id = cafe_link_order(log, token);
	cafe_log_pool_put(&srv.pool, log);
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

/* --- the routes --- */

static enum MHD_Result
serve_js(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)b;
	(void)url;
	return cafe_http_respond(c, MHD_HTTP_OK, "text/javascript; charset=utf-8",
	    cafe_web_app_js, cafe_web_app_js_len, "max-age=300", NULL);
}

static enum MHD_Result
serve_css(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)b;
	(void)url;
	return cafe_http_respond(c, MHD_HTTP_OK, "text/css; charset=utf-8",
	    cafe_web_style_css, cafe_web_style_css_len, "max-age=300", NULL);
}

static enum MHD_Result
board_events(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)b;
	(void)url;
	return event_stream(c, 0);
}

static enum MHD_Result
board_page(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)b;
	json_t *board = cafe_pickup_json(&srv.board);
	char *html;

	(void)url;
	if (cafe_http_wants_json(c))
		return cafe_http_json(c, MHD_HTTP_OK, board, NULL);
	html = cafe_web_board_html(board, cafe_http_lang(c, srv.ctx->config.language));
	json_decref(board);
	return cafe_http_html(c, MHD_HTTP_OK, html);
}

/* An order's page, from the cache or made now. */
static enum MHD_Result
order_page(struct MHD_Connection *c, long long id, const char *token)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	int json = cafe_http_wants_json(c);
	const char *lang = cafe_http_lang(c, srv.ctx->config.language);
	long long gen = cafe_live_generation();
	char *body = cafe_live_page_get(id, kind_of(json, lang));
	json_t *row;

	if (!body) {
		if (!(log = cafe_log_pool_get(&srv.pool, &e)))
			return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
		row = cafe_page_order(log, id, srv.ctx->config.currency, &e);
		cafe_log_pool_put(&srv.pool, log);
		if (!row && e.status == CAFE_REFUSED)
			return cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
		if (!row)
			return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
		if (json) {
			json_object_del(row, "currency");
			body = json_dumps(row, JSON_COMPACT);
		} else {
			body = cafe_web_order_html(row, token, srv.ctx->config.web.ordering, lang);
		}
		json_decref(row);
		if (!body)
			return cafe_http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory\n");
		cafe_live_page_put(id, kind_of(json, lang), gen, body);
	}
	if (json) {
		enum MHD_Result ok = cafe_http_respond(c, MHD_HTTP_OK, "application/json", body,
		    strlen(body), NULL, NULL);

		free(body);
		return ok;
	}
	return cafe_http_html(c, MHD_HTTP_OK, body);
}

/* /o/TOKEN, /o/TOKEN/events and POST /o/TOKEN/cancel: the same 404 for
 * every link that is not an order's, whether the order exists or not. */
static enum MHD_Result
order_route(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	char token[CAFE_LINK_TOKEN];
	const char *what;
	long long id = order_of(url, &what, token, sizeof token);

	if (id > 0 && !(b ? strcmp(what, "cancel") == 0 :
	    !*what || strcmp(what, "events") == 0))
		id = 0;
	if (id == 0)
		return cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
	if (id < 0)
		return cafe_http_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "503 the log cannot be read\n");
	if (b)
		return cafe_web_cancel(c, b, id, token);
	return *what ? event_stream(c, id) : order_page(c, id, token);
}

static enum MHD_Result
menu_page(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)url, (void)b;
	return cafe_web_menu(c);
}

static enum MHD_Result
rider_route(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	return cafe_web_rider(c, url, b);
}

static enum MHD_Result
post_order(struct MHD_Connection *c, const char *url, const struct cafe_web_body *b)
{
	(void)url;
	return cafe_web_order(c, b);
}

/* The pages, by method and path: a whole path, or a prefix (ending in
 * '/'). GET routes answer HEAD too; those marked 1 exist only when the
 * config turns ordering on, 2 when it turns the riders' pages on. */
static const struct route {
	const char *method;
	const char *path;
	enum MHD_Result (*serve)(struct MHD_Connection *c, const char *url,
	    const struct cafe_web_body *b);
	int ordering;
} routes[] = {
	{ "GET", "/", board_page, 0 },
	{ "GET", "/events", board_events, 0 },
	{ "GET", "/app.js", serve_js, 0 },
	{ "GET", "/style.css", serve_css, 0 },
	{ "GET", "/menu", menu_page, 1 },
	{ "POST", "/orders", post_order, 1 },
	{ "GET", "/o/", order_route, 0 },
	{ "POST", "/o/", order_route, 1 },
	{ "GET", "/r/", rider_route, 2 },
	{ "POST", "/r/", rider_route, 2 },
};

/* A request in progress: a POST's body as it comes. */
struct request {
	int post;
	struct cafe_web_body body;
};

static int
path_is(const char *url, const char *path)
{
	size_t n = strlen(path);

	return n > 1 && path[n - 1] == '/' ? strncmp(url, path, n) == 0 : strcmp(url, path) == 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **req)
{
	static const char *const get_only[] = { "Allow", "GET, HEAD", NULL };
	static const char read_only[] = "405 read-only: GET and HEAD only\n";
	static struct request get;
	int ordering = srv.ctx->config.web.ordering, riders = srv.ctx->config.web.riders;
	int post = strcmp(method, "POST") == 0;
	int other = 0;
	struct request *rq = *req;

	(void)cls, (void)version;
	if (!rq) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		int *heard = ci ? ci->socket_context : NULL;

		atomic_fetch_add(&srv.busy, 1);     /* until request_done */
		if (heard && !*heard) {
			*heard = 1;
			atomic_fetch_sub(&srv.unheard, 1);
		}
		/* Called first with the headers alone: wait for the body. */
		if (post && (ordering || riders)) {
			rq = cafe_xcalloc(1, sizeof *rq);
			rq->post = 1;
			cafe_web_body_begin(&rq->body, c);
		}
		*req = rq ? rq : &get;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->post)
			cafe_web_body_feed(&rq->body, upload, *upload_size);
		*upload_size = 0;       /* any other body is read and thrown away */
		return MHD_YES;
	}
	if (url[0] != '/')
		return cafe_http_text(c, MHD_HTTP_BAD_REQUEST, "400 bad request: not a path\n");
	if (!ordering && !riders && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return cafe_http_respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		    read_only, strlen(read_only), NULL, get_only);
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		const struct route *r = &routes[i];

		if (!path_is(url, r->path) || (r->ordering == 1 && !ordering) ||
		    (r->ordering == 2 && !riders))
			continue;
		if (strcmp(r->method, post ? "POST" : "GET") == 0 &&
		    (post || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
			return r->serve(c, url, post ? &rq->body : NULL);
		other = 1;
	}
	if (other)
		return cafe_http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 not this method\n");
	return cafe_http_text(c, MHD_HTTP_NOT_FOUND, "404 no such page\n");
}

/* The end of a request, answered or not: a POST's body goes. */
static void
request_done(void *cls, struct MHD_Connection *c, void **req,
    enum MHD_RequestTerminationCode why)
{
	struct request *rq = *req;

	(void)cls, (void)c, (void)why;
	if (*req)
		atomic_fetch_sub(&srv.busy, 1);
	if (rq && rq->post) {
		cafe_web_body_free(&rq->body);
		free(rq);
	}
	*req = NULL;
}

/* --- the watcher: keeps the board, and wakes the streams on every commit --- */

static void
on_commit(void *arg, struct cafe_log *log, long long head)
{
	struct cafe_err e = { 0, "", 0, 0 };

	(void)arg, (void)head;
	cafe_pickup_catch_up(&srv.board, log, &e);
	cafe_live_commit(log);
}

/* --- the command --- */

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
	if (o->listen && cafe_gate_listen_address(o->listen, &ss, &len, &e) != 0)
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

/* Each connection's flag: its first request has begun (handle). */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	int *heard = *socket_context;

	(void)cls, (void)c;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = cafe_xcalloc(1, sizeof(int));
		atomic_fetch_add(&srv.unheard, 1);
	} else if (heard) {
		if (!*heard)
			atomic_fetch_sub(&srv.unheard, 1);
		free(heard);
		*socket_context = NULL;
	}
}

static void
hand_over(void *arg, int fd, const struct sockaddr *addr, socklen_t len)
{
	/* Closed by the server when it cannot take it (its limits). */
	MHD_add_connection(arg, fd, addr, len);
}

/*
 * A stop that loses no request: nothing more is taken from the socket
 * (under socket activation it stays open, and what comes queues there
 * for the next process); what waits for its headers is handed over; the
 * streams are told to end; every answer from now on closes its
 * connection; and the server stops once no request is under way and
 * every connection handed over has begun its request: what is left open
 * is a kept-alive connection gone idle, which a client opens again (or
 * after the timeout, whatever is left).
 */
static void
drain(struct cafe_gate *gate, struct MHD_Daemon *d, long long timeout)
{
	long long start = cafe_mono_ms(), now;
	const union MHD_DaemonInfo *info;

	cafe_gate_drain(gate);
	cafe_http_closing();
	atomic_store(&srv.stop, 1);
	cafe_live_wake();
	for (;;) {
		now = cafe_mono_ms();
		info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if ((info && info->num_connections == 0) || now - start >= timeout * 1000 ||
		    (atomic_load(&srv.busy) == 0 && atomic_load(&srv.unheard) == 0))
			return;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
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
	struct cafe_log_watch *watcher;
	socklen_t len;
	long long timeout = 10, maxconn = 256;
	char passed[INET6_ADDRSTRLEN + 10];
	int sock = -1;
	sigset_t block, old;

	(void)argc, (void)argv;
	srv.ctx = ctx;
	/* Before any thread: the languages' catalogues and locales. */
	cafe_lang_init();
	if (cafe_lang_missing("ko"))
		fprintf(stderr, "%s: warning: Korean pages will be in English: %s\n", ctx->prog,
		    cafe_lang_missing("ko"));
	cafe_log_pool_init(&srv.pool, ctx->db_path, CAFE_LOG_READONLY, NULL, POOL);
	cafe_pickup_init(&srv.board, ctx->config.shop);
	cafe_gate_listen_address(where, &ss, &len, &e);
	if (o->timeout)
		cafe_parse_ll(o->timeout, 1, 3600, &timeout);
	if (o->maxconn)
		cafe_parse_ll(o->maxconn, 1, 10000, &maxconn);
	if (cafe_log_open(&watch_log, ctx->db_path, CAFE_LOG_READONLY, &e) != 0 ||
	    cafe_pickup_start(&srv.board, watch_log, &e) != 0 ||
	    cafe_pickup_catch_up(&srv.board, watch_log, &e) != 0 ||
	    cafe_web_order_start(ctx, &e) != 0) {
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
	/* A stream's comment comes before the connection's idle timeout
	 * would close it: PING_MS, or half the timeout when that is less. */
	cafe_live_init(cafe_log_head(watch_log, &e), timeout * 1000 / 2 < PING_MS ?
	    timeout * 1000 / 2 : PING_MS, &srv.stop);
	if (cafe_log_watch_start(&watcher, watch_log, cafe_log_head(watch_log, &e), 500, 500,
	    on_commit, NULL, &e) != 0) {
		cafe_log_close(watch_log);
		cafe_ctx_error(ctx, &e);
		return CAFE_IOERR;
	}
	/* The socket is ours, so that a refusal says why (errno is the
	 * kernel's answer, not whatever a thread did since); or the service
	 * manager's (cafe-web.socket), which outlives us across a restart. */
	if (cafe_sd_listen_fds() > 0) {
		char host[INET6_ADDRSTRLEN];

		sock = CAFE_SD_LISTEN_FDS_START;
		len = sizeof ss;
		getsockname(sock, (struct sockaddr *)&ss, &len);
		inet_ntop(ss.ss_family, ss.ss_family == AF_INET6 ?
		    (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
		    (void *)&((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
		snprintf(passed, sizeof passed, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		    host, ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port));
		where = passed;
	} else {
		int one = 1;

		if ((sock = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
		    bind(sock, (struct sockaddr *)&ss, len) != 0 || listen(sock, 1024) != 0) {
			cafe_err_set(&e, CAFE_IOERR, "cannot listen on %s: %s", where,
			    strerror(errno));
			if (sock >= 0)
				close(sock);
			atomic_store(&srv.stop, 1);
			cafe_log_watch_stop(watcher);
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
	    /* Behind a proxy every connection comes from its address: the
	     * clients it forwards for are told apart per request instead
	     * (web-client.h). */
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, ctx->config.web.nproxies ? 0u :
	    (unsigned)(maxconn > CAFE_WEB_WATCHES ? CAFE_WEB_WATCHES : maxconn),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MAX_REQUEST,
	    MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_END);
	if (!d)
		cafe_err_set(&e, CAFE_IOERR, "cannot serve on %s", where);
	if (!d || cafe_gate_start(&gate, sock, timeout * 1000 < HEADER_MS ? timeout * 1000 :
	    HEADER_MS, max_waiting((int)maxconn), hand_over, d, &e) != 0) {
		if (d)
			MHD_stop_daemon(d);
		atomic_store(&srv.stop, 1);
		cafe_log_watch_stop(watcher);
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
		fprintf(stderr, "%s: serving the pick-up board at http://%s/%s\n", ctx->prog, where,
		    ctx->config.web.ordering ? ", and taking orders at /menu" : "");
	/* Wait for a signal, the signals unblocked only here. */
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	while (!got_signal)
		sigsuspend(&old);
	drain(gate, d, timeout);
	cafe_gate_stop(gate);
	MHD_stop_daemon(d);
	close(sock);
	cafe_log_watch_stop(watcher);
	cafe_log_close(watch_log);
	cafe_log_pool_close(&srv.pool);
	cafe_web_order_stop();
	cafe_pickup_free(&srv.board);
	cafe_live_free();
	if (!ctx->quiet)
		fprintf(stderr, "%s: stopped\n", ctx->prog);
	return 0;
}

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
