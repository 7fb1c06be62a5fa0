/*
 * trace.c - the order_trace read model (trace.h): catching up, rebuilding,
 * the view as of a past instant, listing. Following changes is
 * trace-follow.c's, the stats stats.c's.
 *
 * Each row is cafe_order_apply() folded over the order's events, stored as
 * columns. Catching up reads the events after checkpoint "trace", folds
 * them into the rows they touch and moves the checkpoint, all in one write
 * transaction, so the view is never ahead of or behind its checkpoint.
 * A view "as of" a past instant, or of a database we may not write, is
 * folded the same way into a TEMP table and never touches the live one
 * nor the checkpoint. Following reads only the log.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "domain/tender.h"
#include "base/people.h"
#include "projection.h"
#include "trace.h"
#include "trace-priv.h"

#define CHECKPOINT "trace"
/* Events per catch-up transaction: about 60 ms of the write lock. A fifth
 * of it made a rebuild of a million events commit 500 times and write the
 * customer index's pages again each time (6.8 s against 5.8 s). */
#define CATCH_UP_BATCH 10000
#define VIEW "order_trace_view"

#define TRACE_COLUMNS \
	"order_id INTEGER PRIMARY KEY, customer TEXT NOT NULL, product TEXT NOT NULL," \
	" qty INTEGER NOT NULL, total BIGINT NOT NULL, order_status TEXT NOT NULL," \
	" payment_status TEXT NOT NULL, delivery_status TEXT NOT NULL," \
	" messages INTEGER NOT NULL, placed_at TEXT NOT NULL, updated_at TEXT NOT NULL," \
	" address TEXT NOT NULL, rider TEXT NOT NULL, amount BIGINT NOT NULL," \
	" delivered_at TEXT NOT NULL, items TEXT NOT NULL, refunded BIGINT NOT NULL," \
	" refund_open BIGINT NOT NULL, refund_failed BIGINT NOT NULL," \
	" refund_asks INTEGER NOT NULL, refund_answers INTEGER NOT NULL," \
	" refund_last_failed INTEGER NOT NULL, pickup_at TEXT NOT NULL, note TEXT NOT NULL," \
	" ticket INTEGER NOT NULL, takeout INTEGER NOT NULL, cash BIGINT NOT NULL," \
	" cash_refunded BIGINT NOT NULL, cash_refund_open BIGINT NOT NULL," \
	" tendered BIGINT NOT NULL, returned INTEGER NOT NULL, returned_products TEXT NOT NULL," \
	" shop TEXT NOT NULL"

/* The columns of an answer, in the order cafe_trace_row_json() (trace-row.c)
 * reads them. */
#define ROW_COLUMNS "order_id, customer, product, qty, total, order_status, " \
	"payment_status, delivery_status, messages, placed_at, updated_at, address, rider, " \
	"items, pickup_at, note, ticket, takeout, amount, cash, shop"

/* 1 when order_trace exists with the current shape, 0 when it does
 * not exist, -1 when it has an older shape. */
static int
table_shape(struct cafe_db *db)
{
	if (!cafe_db_has(db, "order_trace", NULL))
		return 0;
	return cafe_db_has(db, "order_trace", "shop") ? 1 : -1;
}

/* Set while a rebuild folds the whole log: the table's indexes are made
 * once it is full (one sort each, not a tree updated per row), and by the
 * next catch-up if the rebuild was stopped on the way. */
static int indexes_later;

int
cafe_trace_schema(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	int status, shape = table_shape(db);

	if (shape < 0 && (status = cafe_db_run(db, "DROP TABLE order_trace", WHO, e)) != 0)
		return status;
	/* A table of an older shape, or one dropped (projections may be, at
	 * any time), is folded again from the start of the log. */
	if (shape <= 0 && (status = cafe_checkpoint_set(log, CHECKPOINT, 0, e)) != 0)
		return status;
	if ((status = cafe_db_run(db, "CREATE TABLE IF NOT EXISTS order_trace("
	    TRACE_COLUMNS ")", WHO, e)) != 0 || indexes_later)
		return status;
	return cafe_db_run(db,
	    "CREATE INDEX IF NOT EXISTS order_trace_customer ON order_trace(customer);"
	    /* A filtered list reads the orders that match, newest first,
	     * however long the log: each index is in order_id's order within
	     * its value (SQLite appends the rowid; PostgreSQL is told). */
	    "CREATE INDEX IF NOT EXISTS order_trace_order_status "
	    "ON order_trace(order_status, order_id);"
	    "CREATE INDEX IF NOT EXISTS order_trace_payment_status "
	    "ON order_trace(payment_status, order_id);"
	    "CREATE INDEX IF NOT EXISTS order_trace_delivery_status "
	    "ON order_trace(delivery_status, order_id);"
	    "CREATE INDEX IF NOT EXISTS order_trace_placed_at ON order_trace(placed_at);"
	    "CREATE INDEX IF NOT EXISTS order_trace_shop ON order_trace(shop, order_id);",
	    WHO, e);
}

/*
 * Folding into a table ("order_trace" or VIEW). The rows a fold
 * touches stay in memory until fold_flush() writes them: an order's events
 * come close together in the log, so each row is read and written about
 * once per batch instead of once per event.
 */
#define ROWS_CAP 1024           /* slots, a power of two */
#define ROWS_FLUSH 768          /* rows held before they are written */
#define FOLD_FULL (-2)          /* fold_event: rows full, ahead: stop */

struct row {
	struct cafe_order o;        /* about 15 kB: made when first needed */
	char delivered_at[32];
	struct row *next;           /* in fold.spare */
};

struct fold {
	struct cafe_db *db;
	struct cafe_stmt *get, *put;
	struct row **rows;          /* ROWS_CAP slots, each NULL or a row */
	struct row *spare;          /* rows made and written: used again */
	long long top;              /* no row in the table has a higher order_id */
	size_t nrows;
	long long from_seq;         /* the checkpoint the fold started from */
	int ahead;                  /* outside the write lock: never flush */
	long long last_seq, count;
	long long until_ms;         /* as of: skip events stamped later; -1: none */
	long long total;            /* for progress: events to go through */
	const struct cafe_progress *progress;
	struct cafe_err *e;
	int status;
};

static int
parse_name(const char *s, const char *(*name)(int), int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return 0;
}

static const char *order_name(int i) { return cafe_order_status_name(i); }
static const char *payment_name(int i) { return cafe_payment_status_name(i); }
static const char *delivery_name(int i) { return cafe_delivery_status_name(i); }

#define COL(i) (cafe_col_text(f->get, (i)))

static void
row_to_order(struct fold *f, struct cafe_order *o, char *delivered_at, size_t n)
{
	cafe_strcopy(o->customer, sizeof o->customer, COL(0));
	cafe_strcopy(o->product, sizeof o->product, COL(1));
	o->qty = cafe_col_int(f->get, 2);
	o->total = cafe_col_int(f->get, 3);
	o->status = parse_name(COL(4), order_name, CAFE_ORDER_RETURNED + 1);
	o->payment = parse_name(COL(5), payment_name, CAFE_PAYMENT_STATUSES);
	o->delivery = parse_name(COL(6), delivery_name, CAFE_DELIVERY_CANCELLED + 1);
	o->messages = cafe_col_int(f->get, 7);
	cafe_strcopy(o->placed_at, sizeof o->placed_at, COL(8));
	cafe_strcopy(o->updated_at, sizeof o->updated_at, COL(9));
	cafe_strcopy(o->address, sizeof o->address, COL(10));
	cafe_strcopy(o->rider, sizeof o->rider, COL(11));
	o->amount = cafe_col_int(f->get, 12);
	cafe_strcopy(delivered_at, n, COL(13));
	cafe_strcopy(o->items, sizeof o->items, COL(14));
	o->refunded = cafe_col_int(f->get, 15);
	o->refund_open = cafe_col_int(f->get, 16);
	o->refund_failed = cafe_col_int(f->get, 17);
	o->refund_asks = cafe_col_int(f->get, 18);
	o->refund_answers = cafe_col_int(f->get, 19);
	o->refund_last_failed = (int)cafe_col_int(f->get, 20);
	cafe_strcopy(o->pickup_at, sizeof o->pickup_at, COL(21));
	o->pickup_ms = o->pickup_at[0] ? cafe_parse_ts(o->pickup_at) : 0;
	cafe_strcopy(o->note, sizeof o->note, COL(22));
	o->ticket = cafe_col_int(f->get, 23);
	o->takeout = (int)cafe_col_int(f->get, 24);
	o->cash = cafe_col_int(f->get, 25);
	o->cash_refunded = cafe_col_int(f->get, 26);
	o->cash_refund_open = cafe_col_int(f->get, 27);
	o->tendered = cafe_col_int(f->get, 28);
	o->returned = cafe_col_int(f->get, 29);
	cafe_strcopy(o->returned_products, sizeof o->returned_products, COL(30));
	cafe_strcopy(o->shop, sizeof o->shop, COL(31));
}

static int
fold_prepare(struct fold *f, const char *table)
{
	struct cafe_stmt *st;
	int rc, status;

	if ((status = cafe_db_preparef(f->db, &f->get, WHO, f->e,
	    "SELECT customer, product, qty, total, order_status, "
	    "payment_status, delivery_status, messages, placed_at, updated_at, address, "
	    "rider, amount, delivered_at, items, refunded, refund_open, refund_failed, "
	    "refund_asks, refund_answers, refund_last_failed, pickup_at, note, ticket, "
	    "takeout, cash, cash_refunded, cash_refund_open, tendered, returned, "
	    "returned_products, shop FROM %s WHERE order_id = ?",
	    table)) != 0)
		return status;
	/* An upsert updates a row in place and touches the customer index
	 * only when the customer changed; REPLACE deletes and inserts. */
	if ((status = cafe_db_preparef(f->db, &f->put, WHO, f->e,
	    "INSERT INTO %s(order_id, customer, product, "
	    "qty, total, order_status, payment_status, delivery_status, messages, "
	    "placed_at, updated_at, address, rider, amount, delivered_at, items, "
	    "refunded, refund_open, refund_failed, refund_asks, refund_answers, "
	    "refund_last_failed, pickup_at, note, ticket, takeout, cash, cash_refunded, "
	    "cash_refund_open, tendered, returned, returned_products, shop) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT(order_id) DO UPDATE SET customer = excluded.customer, "
	    "product = excluded.product, qty = excluded.qty, total = excluded.total, "
	    "order_status = excluded.order_status, "
	    "payment_status = excluded.payment_status, "
	    "delivery_status = excluded.delivery_status, messages = excluded.messages, "
	    "placed_at = excluded.placed_at, updated_at = excluded.updated_at, "
	    "address = excluded.address, rider = excluded.rider, "
	    "amount = excluded.amount, delivered_at = excluded.delivered_at, "
	    "items = excluded.items, refunded = excluded.refunded, "
	    "refund_open = excluded.refund_open, refund_failed = excluded.refund_failed, "
	    "refund_asks = excluded.refund_asks, refund_answers = excluded.refund_answers, "
	    "refund_last_failed = excluded.refund_last_failed, "
	    "pickup_at = excluded.pickup_at, note = excluded.note, "
	    "ticket = excluded.ticket, takeout = excluded.takeout, cash = excluded.cash, "
	    "cash_refunded = excluded.cash_refunded, "
	    "cash_refund_open = excluded.cash_refund_open, tendered = excluded.tendered, "
	    "returned = excluded.returned, returned_products = excluded.returned_products, "
	    "shop = excluded.shop",
	    table)) != 0)
		return status;
	f->rows = cafe_xcalloc(ROWS_CAP, sizeof *f->rows);
	/* Orders come in id order: a row above the table's highest is new,
	 * and needs no look (a round trip on a server) to find it missing. */
	if ((status = cafe_db_preparef(f->db, &st, WHO, f->e,
	    "SELECT coalesce(max(order_id), 0) FROM %s", table)) != 0)
		return status;
	rc = cafe_stmt_step(st);
	f->top = rc == CAFE_DB_ROW ? cafe_col_int(st, 0) : LLONG_MAX;
	cafe_stmt_free(st);
	return 0;
}

static void
fold_finish(struct fold *f)
{
	cafe_stmt_free(f->get);
	cafe_stmt_free(f->put);
	for (size_t i = 0; f->rows && i < ROWS_CAP; i++)
		free(f->rows[i]);
	free(f->rows);
	while (f->spare) {
		struct row *r = f->spare;

		f->spare = r->next;
		free(r);
	}
	f->get = f->put = NULL;
	f->rows = NULL;
}

/*
 * The event with its ts in the one form the view stores (an imported event
 * may carry an offset or no milliseconds); *ms gets the instant, -1 if the
 * ts does not parse. A shallow copy: the members stay borrowed.
 */
struct cafe_event
cafe_trace_canonical(const struct cafe_event *ev, long long *ms, int need_ms)
{
	struct cafe_event c = *ev;

	/* What cafe wrote is in that form already: nearly every event. */
	if (!need_ms && cafe_ts_canonical(ev->ts)) {
		*ms = 0;
		return c;
	}
	if ((*ms = cafe_parse_ts(ev->ts)) >= 0)
		cafe_format_ts(*ms, c.ts, sizeof c.ts);
	return c;
}

/* 1 when the event can change an order's row. */
long long
cafe_trace_event_row(const struct cafe_event *ev)
{
	long long id = cafe_event_order_id(ev);

	return id <= 0 || strncmp(ev->stream, "stock-", 6) == 0 ? 0 : id;
}

/* The row of order id in memory: found, or read from the table (or new). */
static struct row *
row_get(struct fold *f, long long id)
{
	size_t i = ((unsigned long long)id * 0x9e3779b97f4a7c15ULL >> 32) & (ROWS_CAP - 1);
	struct row *r;
	int rc;

	while (f->rows[i]) {
		if (f->rows[i]->o.id == id)
			return f->rows[i];
		i = (i + 1) & (ROWS_CAP - 1);
	}
	if ((r = f->spare))
		f->spare = r->next;
	else
		r = cafe_xmalloc(sizeof *r);
	cafe_order_init(&r->o, id);
	r->delivered_at[0] = '\0';
	if (id > f->top) {
		f->rows[i] = r;
		f->nrows++;
		return r;
	}
	cafe_stmt_reset(f->get);
	cafe_stmt_int(f->get, 1, id);
	rc = cafe_stmt_step(f->get);
	if (rc == CAFE_DB_ROW)
		row_to_order(f, &r->o, r->delivered_at, sizeof r->delivered_at);
	cafe_stmt_reset(f->get);
	if (rc != CAFE_DB_ROW && rc != CAFE_DB_DONE) {
		r->next = f->spare;
		f->spare = r;
		f->status = cafe_db_status(f->db, rc, WHO, "read", f->e);
		return NULL;
	}
	f->rows[i] = r;
	f->nrows++;
	return r;
}

/* Writes the rows in memory to the table and forgets them. */
static int
fold_flush(struct fold *f)
{
	for (size_t i = 0; i < ROWS_CAP && f->nrows > 0; i++) {
		struct row *r = f->rows[i];
		const struct cafe_order *o;
		int rc;

		if (!r)
			continue;
		o = &r->o;
		cafe_stmt_int(f->put, 1, o->id);
		cafe_stmt_text_ref(f->put, 2, o->customer);
		cafe_stmt_text_ref(f->put, 3, o->product);
		cafe_stmt_int(f->put, 4, o->qty);
		cafe_stmt_int(f->put, 5, o->total);
		cafe_stmt_text_ref(f->put, 6, cafe_order_status_name(o->status));
		cafe_stmt_text_ref(f->put, 7, cafe_payment_status_name(o->payment));
		cafe_stmt_text_ref(f->put, 8, cafe_delivery_status_name(o->delivery));
		cafe_stmt_int(f->put, 9, o->messages);
		cafe_stmt_text_ref(f->put, 10, o->placed_at);
		cafe_stmt_text_ref(f->put, 11, o->updated_at);
		cafe_stmt_text_ref(f->put, 12, o->address);
		cafe_stmt_text_ref(f->put, 13, o->rider);
		cafe_stmt_int(f->put, 14, o->amount);
		cafe_stmt_text_ref(f->put, 15, r->delivered_at);
		cafe_stmt_text_ref(f->put, 16, o->items[0] ? o->items : "[]");
		cafe_stmt_int(f->put, 17, o->refunded);
		cafe_stmt_int(f->put, 18, o->refund_open);
		cafe_stmt_int(f->put, 19, o->refund_failed);
		cafe_stmt_int(f->put, 20, o->refund_asks);
		cafe_stmt_int(f->put, 21, o->refund_answers);
		cafe_stmt_int(f->put, 22, o->refund_last_failed);
		cafe_stmt_text_ref(f->put, 23, o->pickup_at);
		cafe_stmt_text_ref(f->put, 24, o->note);
		cafe_stmt_int(f->put, 25, o->ticket);
		cafe_stmt_int(f->put, 26, o->takeout);
		cafe_stmt_int(f->put, 27, o->cash);
		cafe_stmt_int(f->put, 28, o->cash_refunded);
		cafe_stmt_int(f->put, 29, o->cash_refund_open);
		cafe_stmt_int(f->put, 30, o->tendered);
		cafe_stmt_int(f->put, 31, o->returned);
		cafe_stmt_text_ref(f->put, 32, o->returned_products);
		cafe_stmt_text_ref(f->put, 33, o->shop[0] ? o->shop : CAFE_SHOP_MAIN);
		rc = cafe_stmt_step(f->put);
		cafe_stmt_reset(f->put);
		if (rc != CAFE_DB_DONE)
			return f->status = cafe_db_status(f->db, rc, WHO, "write", f->e);
		if (o->id > f->top)
			f->top = o->id;
		f->rows[i] = NULL;
		r->next = f->spare;
		f->spare = r;
		f->nrows--;
	}
	return 0;
}

static int
fold_event(const struct cafe_event *event, void *arg)
{
	struct fold *f = arg;
	struct row *r;
	long long ms, id = cafe_trace_event_row(event);
	struct cafe_event ev = cafe_trace_canonical(event, &ms, f->until_ms >= 0);

	if (id != 0 && f->nrows >= ROWS_FLUSH) {
		/* Ahead of the write lock nothing is written: stop here. */
		if (f->ahead)
			return FOLD_FULL;
		if (fold_flush(f) != 0)
			return f->status;
	}
	f->last_seq = ev.seq;
	f->count++;
	if (f->progress && f->count % 256 == 0)
		cafe_progress_report(f->progress, f->count, f->total);
	if (id == 0 || (f->until_ms >= 0 && (ms < 0 || ms > f->until_ms)))
		return 0;
	if (!(r = row_get(f, id)))
		return f->status;
	cafe_order_apply(&r->o, &ev);
	if (ev.kind == CAFE_EV_DELIVERY_COMPLETED)
		snprintf(r->delivered_at, sizeof r->delivered_at, "%s", ev.ts);
	return 0;
}

/* A fold done ahead, outside the write transaction (trace.h). */
struct cafe_trace_fold {
	struct fold f;
	struct cafe_err err;
};

struct ahead {
	struct cafe_log *log;
	struct cafe_trace_fold *a;
	long long limit;
};

/* One read snapshot: the checkpoint and the rows it stands for. */
static int
ahead_txn(struct cafe_db *db, void *arg, struct cafe_err *e)
{
	struct ahead *h = arg;
	struct fold *f = &h->a->f;
	int status;

	(void)db;
	f->from_seq = f->last_seq = cafe_checkpoint_get(h->log, CHECKPOINT, e);
	if (f->last_seq < 0)
		return e->status;
	if ((status = fold_prepare(f, "order_trace")) != 0)
		return status;
	return cafe_log_read(h->log, f->last_seq, h->limit, fold_event, f, e);
}

struct cafe_trace_fold *
cafe_trace_fold_ahead(struct cafe_log *log, long long limit)
{
	struct cafe_trace_fold *a;
	struct cafe_db *db = cafe_log_store(log);
	int status;

	if (table_shape(db) != 1)
		return NULL;    /* apply makes the table and folds itself */
	a = cafe_xcalloc(1, sizeof *a);
	a->f.db = db;
	a->f.until_ms = -1;
	a->f.e = &a->err;
	a->f.ahead = 1;
	status = cafe_db_transact(db, CAFE_DB_READ, ahead_txn,
	    &(struct ahead){ log, a, limit }, WHO, &a->err);
	if (status == 0 || status == FOLD_FULL)
		return a;
	cafe_trace_fold_free(a);
	return NULL;
}

void
cafe_trace_fold_free(struct cafe_trace_fold *a)
{
	if (!a)
		return;
	fold_finish(&a->f);
	free(a);
}

static int
apply_pending(struct cafe_log *log, struct cafe_trace_fold *ahead, long long limit,
    long long *applied, const struct cafe_progress *p, long long done, long long total,
    struct cafe_err *e)
{
	struct fold f = { .db = cafe_log_store(log), .until_ms = -1, .e = e };
	long long cp;
	int status;

	*applied = 0;
	if ((status = cafe_trace_schema(log, e)) != 0)
		return status;
	if ((cp = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0)
		return e->status;
	if (ahead && ahead->f.from_seq == cp) {
		/* Nobody moved the checkpoint since: the rows folded ahead
		 * stand on what the table holds now. */
		ahead->f.e = e;
		status = fold_flush(&ahead->f);
		if (status == 0 && ahead->f.count > 0)
			status = cafe_checkpoint_set(log, CHECKPOINT, ahead->f.last_seq, e);
		*applied = ahead->f.count;
		return status;
	}
	f.from_seq = f.last_seq = cp;
	if ((status = fold_prepare(&f, "order_trace")) != 0)
		goto out;
	status = cafe_log_read(log, f.last_seq, limit, fold_event, &f, e);
	if (status == 0)
		status = fold_flush(&f);
	if (status == 0 && f.count > 0)
		status = cafe_checkpoint_set(log, CHECKPOINT, f.last_seq, e);
	*applied = f.count;
	if (status == 0)
		cafe_progress_report(p, done + f.count, total);
out:
	fold_finish(&f);
	return status;
}

int
cafe_trace_apply_pending(struct cafe_log *log, struct cafe_trace_fold *ahead,
    long long limit, long long *applied, struct cafe_err *e)
{
	return apply_pending(log, ahead, limit, applied, NULL, 0, 0, e);
}

static int
trace_ready(struct cafe_log *log, void *arg)
{
	(void)arg;
	return table_shape(cafe_log_store(log)) == 1;
}

static int
trace_apply(struct cafe_log *log, void *arg, long long limit, long long done,
    long long total, long long *applied, struct cafe_err *e)
{
	return apply_pending(log, NULL, limit, applied, arg, done,
	    total > done ? total : done, e);
}

static const struct cafe_projection trace_view = {
	.name = WHO,
	.checkpoint = CHECKPOINT,
	.batch = CATCH_UP_BATCH,
	.ready = trace_ready,
	.apply = trace_apply,
};

int
cafe_trace_catch_up_progress(struct cafe_log *log, const struct cafe_progress *p,
    struct cafe_err *e)
{
	return cafe_projection_catch_up(&trace_view, log, (void *)p, e);
}

int
cafe_trace_catch_up(struct cafe_log *log, struct cafe_err *e)
{
	return cafe_trace_catch_up_progress(log, NULL, e);
}

static int
drop_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	int status;

	(void)arg;
	if ((status = cafe_db_run(cafe_log_store(log), "DROP TABLE IF EXISTS order_trace",
	    WHO, e)) != 0)
		return status;
	return cafe_checkpoint_set(log, CHECKPOINT, 0, e);
}

/* The indexes a rebuild left for after the fold. */
static int
schema_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	(void)arg;
	return cafe_trace_schema(log, e);
}

int
cafe_trace_rebuild(struct cafe_log *log, const struct cafe_progress *p, long long *events,
    struct cafe_err *e)
{
	long long before, after;
	int status;

	*events = 0;
	if (cafe_db_readonly(cafe_log_store(log)))
		return cafe_err_set(e, CAFE_IOERR, "database '%s' is read-only: the trace "
		    "cannot be rebuilt (check its permissions)", cafe_log_path(log));
	if ((status = cafe_log_transact(log, drop_txn, NULL, e)) != 0)
		return status;
	if ((before = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0)
		return e->status;
	indexes_later = 1;
	status = cafe_trace_catch_up_progress(log, p, e);
	indexes_later = 0;
	if (status != 0 || (status = cafe_log_transact(log, schema_txn, NULL, e)) != 0)
		return status;
	if ((after = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0)
		return e->status;
	*events = after - before;
	return 0;
}

/* The fold's steps as a view over the whole log takes them. */
static int view_prepare(void *f, const char *table) { return fold_prepare(f, table); }
static int view_flush(void *f) { return fold_flush(f); }
static void view_finish(void *f) { fold_finish(f); }

static const struct cafe_fold view_fold = {
	.types = NULL,
	.prepare = view_prepare,
	.event = fold_event,
	.flush = view_flush,
	.finish = view_finish,
};

/* Folds the log (up to until_ms, or all of it when -1) into VIEW. */
static int
build_view(struct cafe_log *log, long long until_ms, const struct cafe_progress *p,
    struct cafe_err *e)
{
	struct fold f = { .db = cafe_log_store(log), .until_ms = until_ms, .progress = p,
	    .e = e };

	if (p && (f.total = cafe_log_head(log, e)) < 0)
		return e->status;
	return cafe_fold_temp(log, &view_fold, &f, VIEW, "DROP TABLE IF EXISTS " VIEW ";"
	    "CREATE TEMP TABLE order_trace_view(" TRACE_COLUMNS ")", WHO, e);
}

/* Which table answers: the live view brought up to date, or a TEMP fold
 * of the log (as of a past instant, or when we may not write). */
int
cafe_trace_source(struct cafe_log *log, const struct cafe_trace_query *q, const char **table,
    struct cafe_err *e)
{
	const struct cafe_progress *p = q ? q->progress : NULL;
	long long until = -1;

	if (q && q->as_of && (until = cafe_trace_parse_time("--as-of", q->as_of, NULL, 0, e)) < 0)
		return CAFE_USAGE;
	if (until >= 0 || cafe_db_readonly(cafe_log_store(log))) {
		*table = VIEW;
		return build_view(log, until, p, e);
	}
	*table = "order_trace";
	return cafe_trace_catch_up_progress(log, p, e);
}

/* " AND ..." for a status as parameter ?n: the columns it can be in are
 * an order's, its payment's or its delivery's ("cancelled" and
 * "delivered" are both an order's and a delivery's). */
static int
status_filter(char *buf, size_t size, const char *status, int n)
{
	int order = 0, payment = 0, delivery = 0;

	for (int i = 0; i <= CAFE_ORDER_RETURNED; i++)
		order |= strcmp(status, cafe_order_status_name(i)) == 0;
	for (int i = 0; i < CAFE_PAYMENT_STATUSES; i++)
		payment |= strcmp(status, cafe_payment_status_name(i)) == 0;
	for (int i = 0; i <= CAFE_DELIVERY_CANCELLED; i++)
		delivery |= strcmp(status, cafe_delivery_status_name(i)) == 0;
	if (order && delivery)
		return snprintf(buf, size, " AND (order_status = ?%d OR delivery_status = ?%d)",
		    n, n);
	return snprintf(buf, size, " AND %s = ?%d", order ? "order_status" : payment ?
	    "payment_status" : "delivery_status", n);
}

int
cafe_trace_list(struct cafe_log *log, const struct cafe_trace_query *q,
    int (*fn)(json_t *, void *), void *arg, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	const char *table;
	struct cafe_stmt *st = NULL;
	char sql[1024], since[40] = "";
	int rc, status, nparam = 0, n;

	if (q->since && cafe_trace_parse_time("--since", q->since, since, sizeof since, e) < 0)
		return CAFE_USAGE;
	if ((status = cafe_trace_source(log, q, &table, e)) != 0)
		return status;
	/* The newest `limit` orders that match, oldest first; the statement
	 * names only the filters given, so that the planner takes their
	 * index ("?1 IS NULL OR customer = ?1" kept it from it: a rare
	 * customer walked every order). */
	n = snprintf(sql, sizeof sql, "SELECT * FROM (SELECT " ROW_COLUMNS " FROM %s "
	    "WHERE order_status <> 'none'", table);
	/* Parameters numbered as they come: a server must know each one's type. */
	if (q->customer)
		n += snprintf(sql + n, sizeof sql - n, " AND customer = ?%d", ++nparam);
	if (q->status)
		n += status_filter(sql + n, sizeof sql - n, q->status, ++nparam);
	if (q->shop)
		n += snprintf(sql + n, sizeof sql - n, " AND shop = ?%d", ++nparam);
	/* Orders are placed in order_id's order but for clocks that differ:
	 * bound order_id by the oldest match (read by its index), so that the
	 * newest-first walk stops there instead of at the first order (no
	 * match: NULL, and no row). "+ 0" keeps SQLite from finding min() by
	 * walking order_id up from 1. */
	if (since[0]) {
		++nparam;
		n += snprintf(sql + n, sizeof sql - n, " AND placed_at >= ?%d AND order_id >= "
		    "(SELECT min(order_id + 0) FROM %s WHERE placed_at >= ?%d)",
		    nparam, table, nparam);
	}
	snprintf(sql + n, sizeof sql - n, " ORDER BY order_id DESC LIMIT ?%d) AS newest "
	    "ORDER BY order_id", nparam + 1);
	if ((rc = cafe_db_prepare(db, sql, &st)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, WHO, "prepare", e);
	nparam = 0;
	if (q->customer)
		cafe_stmt_text(st, ++nparam, q->customer);
	if (q->status)
		cafe_stmt_text(st, ++nparam, q->status);
	if (q->shop)
		cafe_stmt_text(st, ++nparam, q->shop);
	if (since[0])
		cafe_stmt_text(st, ++nparam, since);
	cafe_stmt_int(st, ++nparam, q->limit > 0 ? q->limit : LLONG_MAX);
	return cafe_view_rows(db, st, cafe_trace_row_json, fn, arg, WHO, e);
}

json_t *
cafe_trace_get(struct cafe_log *log, long long order_id, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	const char *table;
	struct cafe_stmt *st;
	json_t *row = NULL;
	int rc;

	if (cafe_trace_source(log, NULL, &table, e) != 0)
		return NULL;
	rc = cafe_db_prepare(db, strcmp(table, VIEW) == 0 ?
	    "SELECT " ROW_COLUMNS " FROM " VIEW " WHERE order_id = ? "
	    "AND order_status <> 'none'" :
	    "SELECT " ROW_COLUMNS " FROM order_trace WHERE order_id = ? "
	    "AND order_status <> 'none'", &st);
	if (rc != CAFE_DB_OK) {
		cafe_db_status(db, rc, WHO, "prepare", e);
		return NULL;
	}
	cafe_stmt_int(st, 1, order_id);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		row = cafe_trace_row_json(st);
	else if (rc == CAFE_DB_DONE)
		cafe_err_set(e, CAFE_REFUSED, "unknown order %lld (see 'cafe-trace list')",
		    order_id);
	else
		cafe_db_status(db, rc, WHO, "read", e);
	cafe_stmt_free(st);
	return row;
}

/* Following: each event's change, folded from the order's own events. */
