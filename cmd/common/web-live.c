/*
 * web-live.c - what keeps cafe-web's pages live (web-live.h).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cond.h"
#include "domain/order.h"
#include "web-client.h"
#include "web-live.h"
#include "web-reply.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t changed;     /* a commit, or the end */
	long long generation;       /* commits heard */
	/* A stream's comment comes before the connection's idle timeout
	 * would close it. */
	long long ping_ms;
	atomic_int *stop;
	/* touched[id % TOUCHED]: the generation that last touched an order
	 * of that slot. */
	long long touched[4096];
	long long all_touched;      /* a commit whose events could not be read */
	long long seen_seq;         /* the watcher's last event read */
} live = { .mu = PTHREAD_MUTEX_INITIALIZER };

#define TOUCHED (sizeof live.touched / sizeof live.touched[0])

/* 1 when order id may have changed after generation g (live.mu held). */
static int
touched_since(long long id, long long g)
{
	return live.all_touched > g || live.touched[(unsigned long long)id % TOUCHED] > g;
}

void
cafe_live_init(long long seq, long long ping_ms, atomic_int *stop)
{
	cafe_cond_init(&live.changed);
	live.seen_seq = seq;
	live.ping_ms = ping_ms;
	live.stop = stop;
}

void
cafe_live_wake(void)
{
	pthread_mutex_lock(&live.mu);
	pthread_cond_broadcast(&live.changed);
	pthread_mutex_unlock(&live.mu);
}

/* --- pages already made ---
 * Customers reload far more often than the kitchen commits. The watcher
 * hears a commit within a millisecond or so; a page asked for in that
 * moment is the one before it, and the event stream brings the change. */

#define CACHED 256

static struct page {
	long long id, generation;
	int kind;
	char *body;
} cache[CACHED];

void
cafe_live_free(void)
{
	for (int i = 0; i < CACHED; i++) {
		free(cache[i].body);
		cache[i].body = NULL;
	}
}

/* A copy of the page, or NULL. */
char *
cafe_live_page_get(long long id, int kind)
{
	struct page *p = &cache[(id * 3 + kind) % CACHED];
	char *body = NULL;

	pthread_mutex_lock(&live.mu);
	if (p->body && p->id == id && p->kind == kind && !touched_since(id, p->generation))
		body = cafe_xstrdup(p->body);
	pthread_mutex_unlock(&live.mu);
	return body;
}

void
cafe_live_page_put(long long id, int kind, long long generation, const char *body)
{
	struct page *p = &cache[(id * 3 + kind) % CACHED];

	pthread_mutex_lock(&live.mu);
	free(p->body);
	p->id = id;
	p->kind = kind;
	p->generation = generation;
	p->body = cafe_xstrdup(body);
	pthread_mutex_unlock(&live.mu);
}

long long
cafe_live_generation(void)
{
	long long g;

	pthread_mutex_lock(&live.mu);
	g = live.generation;
	pthread_mutex_unlock(&live.mu);
	return g;
}

/* --- event streams --- */

/* An event stream: the board's, or one order's (id > 0). */
struct stream {
	long long id;
	char client[INET6_ADDRSTRLEN];   /* whose place among CAFE_WEB_WATCHES it takes */
	const char *lang;           /* the reader's, for an order's words */
	cafe_live_state_fn *state;
	long long generation;       /* the commits it has shown */
	char *last;                 /* the data last sent */
	char *pending;              /* what is being sent */
	size_t off;
	long long ping_at;
};

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
		if (atomic_load(live.stop))
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (s->generation < 0 || s->generation != cafe_live_generation()) {
			char *data;
			int stale;

			/* The board's stream follows every commit; an order's
			 * only those that touched it. */
			pthread_mutex_lock(&live.mu);
			stale = s->generation < 0 || s->id == 0 || touched_since(s->id, s->generation);
			s->generation = live.generation;
			pthread_mutex_unlock(&live.mu);
			if (!stale)
				continue;
			if (!(data = s->state(s->id, s->lang)))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			if (!s->last || strcmp(data, s->last) != 0) {
				size_t n = strlen(data) + 64;

				s->pending = cafe_xmalloc(n);
				snprintf(s->pending, n, "event: %s\ndata: %s\n\n",
				    s->id > 0 ? "order" : "board", data);
				free(s->last);
				s->last = data;
				s->ping_at = cafe_mono_ms() + live.ping_ms;
				continue;
			}
			free(data);
		}
		if (cafe_mono_ms() >= s->ping_at) {
			s->pending = cafe_xstrdup(": ping\n\n");
			s->ping_at = cafe_mono_ms() + live.ping_ms;
			continue;
		}
		pthread_mutex_lock(&live.mu);
		if (s->generation == live.generation && !atomic_load(live.stop)) {
			struct timespec t = cafe_cond_deadline_us(1000LL * 1000);

			cafe_cond_wait_until(&live.changed, &live.mu, &t);
		}
		pthread_mutex_unlock(&live.mu);
	}
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	cafe_web_watch_give(s->client);
	free(s->last);
	free(s->pending);
	free(s);
}

enum MHD_Result
cafe_live_stream(struct MHD_Connection *c, long long id, const char *client, const char *lang,
    cafe_live_state_fn *state)
{
	struct stream *s = cafe_xcalloc(1, sizeof *s);
	struct MHD_Response *r;
	enum MHD_Result ok;

	/* One client (behind a proxy, the one it forwards for) watches at
	 * most so many pages at once. */
	cafe_strcopy(s->client, sizeof s->client, client);
	if (!cafe_web_watch_take(s->client)) {
		static const char *const later[] = { "Retry-After", "30", NULL };
		static const char msg[] = "429 too many pages watched from one place\n";

		free(s);
		return cafe_http_respond(c, MHD_HTTP_TOO_MANY_REQUESTS,
		    "text/plain; charset=utf-8", msg, sizeof msg - 1, NULL, later);
	}
	s->id = id;
	s->lang = lang;
	s->state = state;
	s->generation = -1;
	s->ping_at = cafe_mono_ms() + live.ping_ms;
	if (!(r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
	    stream_free))) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", cafe_http_csp);
	ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* --- the watcher --- */

/* The orders of a commit's events. */
struct marking {
	long long *ids;
	size_t n, cap;
	long long last;
};

static int
mark_touched(const struct cafe_event *ev, void *arg)
{
	struct marking *m = arg;
	long long id = cafe_event_order_id(ev);

	m->last = ev->seq;
	if (id <= 0)
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->ids = cafe_xrealloc(m->ids, m->cap * sizeof *m->ids);
	}
	m->ids[m->n++] = id;
	return 0;
}

void
cafe_live_commit(struct cafe_log *log)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct marking m = { NULL, 0, 0, live.seen_seq };
	int read;

	/* Read outside the lock (only this thread moves seen_seq); the
	 * marks are made before the generation they carry is announced. */
	read = cafe_log_read(log, live.seen_seq, 0, mark_touched, &m, &e);
	pthread_mutex_lock(&live.mu);
	live.generation++;
	if (read != 0)
		live.all_touched = live.generation;
	for (size_t i = 0; i < m.n; i++)
		live.touched[(unsigned long long)m.ids[i] % TOUCHED] = live.generation;
	live.seen_seq = m.last;
	pthread_cond_broadcast(&live.changed);
	pthread_mutex_unlock(&live.mu);
	free(m.ids);
}

