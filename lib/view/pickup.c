/*
 * pickup.c - the pick-up board's model (pickup.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "pickup.h"
#include "store/store.h"

void
cafe_pickup_init(struct cafe_pickup *p, const char *shop)
{
	memset(p, 0, sizeof *p);
	p->shop = shop;
	pthread_mutex_init(&p->mu, NULL);
}

void
cafe_pickup_free(struct cafe_pickup *p)
{
	free(p->spots);
	pthread_mutex_destroy(&p->mu);
	memset(p, 0, sizeof *p);
}

/* Called with p->mu held. ready: 0 making, 1 ready, -1 off the board. */
static void
set(struct cafe_pickup *p, long long id, long long number, int ready)
{
	size_t i;

	for (i = 0; i < p->n && p->spots[i].id != id; i++)
		;
	if (ready == 1 && (i == p->n || !p->spots[i].ready))
		p->latest = id;
	else if (ready != 1 && id == p->latest)
		p->latest = 0;
	if (ready < 0) {
		if (i < p->n)
			memmove(&p->spots[i], &p->spots[i + 1], (p->n - i - 1) * sizeof *p->spots);
		p->n -= i < p->n;
		return;
	}
	if (i == p->n) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 64;
			p->spots = cafe_xrealloc(p->spots, p->cap * sizeof *p->spots);
		}
		/* In id order: a late DeliveryStarted of an older order. */
		for (i = p->n; i > 0 && p->spots[i - 1].id > id; i--)
			;
		memmove(&p->spots[i + 1], &p->spots[i], (p->n - i) * sizeof *p->spots);
		p->n++;
		p->spots[i].id = id;
		p->spots[i].number = id;
	}
	if (number > 0)
		p->spots[i].number = number;
	p->spots[i].ready = ready;
}

static int
on_board(enum cafe_event_type t)
{
	return cafe_event_board(t) != CAFE_BOARD_NONE;
}

static int
apply(const struct cafe_event *ev, void *arg)
{
	struct cafe_pickup *p = arg;
	long long id = cafe_event_order_id(ev);
	enum cafe_board_effect b = cafe_event_board(ev->kind);

	p->seq = ev->seq;
	if (id <= 0 || b == CAFE_BOARD_NONE)
		return 0;
	if (p->shop) {
		char shop[168];

		if (strcmp(cafe_event_shop(ev, shop, sizeof shop), p->shop) != 0)
			return 0;
	}
	pthread_mutex_lock(&p->mu);
	set(p, id, json_integer_value(json_object_get(ev->data, "ticket")),
	    b == CAFE_BOARD_MAKING ? 0 : b == CAFE_BOARD_READY ? 1 : -1);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int
cafe_pickup_start(struct cafe_pickup *p, struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	long long cp;
	int rc;

	/* A trace of an older shape is folded anew later: read the log. */
	if (!cafe_db_has(db, "order_trace", "shop") ||
	    (cp = cafe_checkpoint_get(log, "trace", e)) < 0)
		return 0;       /* no trace: the whole log is read */
	if ((rc = cafe_db_prepare(db, "SELECT order_id, delivery_status, ticket "
	    "FROM order_trace WHERE order_status = 'paid' AND delivery_status IN ('brewing', 'ready') "
	    "AND (shop = ? OR ? = '') ORDER BY order_id", &st)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, "the pick-up board", "read", e);
	cafe_stmt_text(st, 1, p->shop ? p->shop : "");
	cafe_stmt_text(st, 2, p->shop ? p->shop : "");
	pthread_mutex_lock(&p->mu);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		set(p, cafe_col_int(st, 0), cafe_col_int(st, 2),
		    strcmp(cafe_col_text(st, 1), "ready") == 0);
	pthread_mutex_unlock(&p->mu);
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE)
		return cafe_db_status(db, rc, "the pick-up board", "read", e);
	p->seq = cp;
	return 0;
}

int
cafe_pickup_catch_up(struct cafe_pickup *p, struct cafe_log *log, struct cafe_err *e)
{
	enum cafe_event_type types[CAFE_EV_COUNT];
	size_t n = 0;

	for (int t = 1; t < CAFE_EV_COUNT; t++)
		if (on_board((enum cafe_event_type)t))
			types[n++] = (enum cafe_event_type)t;
	types[n] = CAFE_EV_UNKNOWN;
	return cafe_log_read_types(log, p->seq, LLONG_MAX, types, apply, p, e);
}

json_t *
cafe_pickup_json(struct cafe_pickup *p)
{
	json_t *out = json_pack("{s:[], s:[]}", "making", "ready");

	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(json_object_get(out, p->spots[i].ready ? "ready" :
		    "making"), json_integer(p->spots[i].number));
	json_object_set_new(out, "latest", json_null());
	for (size_t i = 0; i < p->n; i++)
		if (p->spots[i].id == p->latest)
			json_object_set_new(out, "latest", json_integer(p->spots[i].number));
	pthread_mutex_unlock(&p->mu);
	return out;
}
