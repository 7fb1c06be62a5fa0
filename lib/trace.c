/*
 * trace.c - the order_trace read model (trace.h).
 *
 * Each row is cafe_order_apply() folded over the order's events, stored as
 * columns. Catching up reads the events after checkpoint "trace", folds
 * them into the rows they touch and moves the checkpoint, all in one write
 * transaction, so the view is never ahead of or behind its checkpoint.
 * A view "as of" a past instant, or of a database we may not write, is
 * folded the same way into a TEMP table and never touches the live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"
#include "trace.h"

#define CHECKPOINT "trace"
#define CATCH_UP_BATCH 2000

#define TRACE_COLUMNS \
	"order_id INTEGER PRIMARY KEY, customer TEXT NOT NULL, product TEXT NOT NULL," \
	" qty INTEGER NOT NULL, total INTEGER NOT NULL, order_status TEXT NOT NULL," \
	" payment_status TEXT NOT NULL, delivery_status TEXT NOT NULL," \
	" messages INTEGER NOT NULL, placed_at TEXT NOT NULL, updated_at TEXT NOT NULL," \
	" address TEXT NOT NULL, rider TEXT NOT NULL, amount INTEGER NOT NULL"

static int
sql_status(sqlite3 *db, int rc, struct cafe_err *e, const char *what)
{
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return cafe_err_set(e, CAFE_TEMPFAIL, "database is busy, try again");
	return cafe_err_set(e, CAFE_IOERR, "order trace: %s: %s", what, sqlite3_errmsg(db));
}

static int
exec(sqlite3 *db, const char *sql, struct cafe_err *e)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_status(db, rc, e, "schema");
}

int
cafe_trace_schema(struct cafe_log *log, struct cafe_err *e)
{
	return exec(cafe_log_db(log),
	    "CREATE TABLE IF NOT EXISTS order_trace(" TRACE_COLUMNS ");"
	    "CREATE INDEX IF NOT EXISTS order_trace_customer ON order_trace(customer);",
	    e);
}

/* Folding into a table ("main.order_trace" or "temp.order_trace_view"). */
struct fold {
	sqlite3 *db;
	sqlite3_stmt *get, *put;
	long long last_seq, count;
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

#define COL(i) ((const char *)sqlite3_column_text(f->get, (i)))

static void
row_to_order(struct fold *f, struct cafe_order *o)
{
	snprintf(o->customer, sizeof o->customer, "%s", COL(0));
	snprintf(o->product, sizeof o->product, "%s", COL(1));
	o->qty = sqlite3_column_int64(f->get, 2);
	o->total = sqlite3_column_int64(f->get, 3);
	o->status = parse_name(COL(4), order_name, CAFE_ORDER_DELIVERED + 1);
	o->payment = parse_name(COL(5), payment_name, CAFE_PAYMENT_VOIDED + 1);
	o->delivery = parse_name(COL(6), delivery_name, CAFE_DELIVERY_CANCELLED + 1);
	o->messages = sqlite3_column_int64(f->get, 7);
	snprintf(o->placed_at, sizeof o->placed_at, "%s", COL(8));
	snprintf(o->updated_at, sizeof o->updated_at, "%s", COL(9));
	snprintf(o->address, sizeof o->address, "%s", COL(10));
	snprintf(o->rider, sizeof o->rider, "%s", COL(11));
	o->amount = sqlite3_column_int64(f->get, 12);
}

static int
fold_prepare(struct fold *f, const char *table)
{
	char sql[512];
	int rc;

	snprintf(sql, sizeof sql, "SELECT customer, product, qty, total, order_status, "
	    "payment_status, delivery_status, messages, placed_at, updated_at, address, "
	    "rider, amount FROM %s WHERE order_id = ?", table);
	if ((rc = sqlite3_prepare_v2(f->db, sql, -1, &f->get, NULL)) != SQLITE_OK)
		return sql_status(f->db, rc, f->e, "prepare");
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s(order_id, customer, product, "
	    "qty, total, order_status, payment_status, delivery_status, messages, "
	    "placed_at, updated_at, address, rider, amount) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", table);
	if ((rc = sqlite3_prepare_v2(f->db, sql, -1, &f->put, NULL)) != SQLITE_OK)
		return sql_status(f->db, rc, f->e, "prepare");
	return 0;
}

static void
fold_finish(struct fold *f)
{
	sqlite3_finalize(f->get);
	sqlite3_finalize(f->put);
	f->get = f->put = NULL;
}

static int
fold_event(const struct cafe_event *ev, void *arg)
{
	struct fold *f = arg;
	struct cafe_order o;
	long long id = cafe_event_order_id(ev);
	int rc;

	f->last_seq = ev->seq;
	f->count++;
	if (id <= 0 || strncmp(ev->stream, "stock-", 6) == 0)
		return 0;
	cafe_order_init(&o, id);
	sqlite3_reset(f->get);
	sqlite3_bind_int64(f->get, 1, id);
	rc = sqlite3_step(f->get);
	if (rc == SQLITE_ROW)
		row_to_order(f, &o);
	else if (rc != SQLITE_DONE)
		return f->status = sql_status(f->db, rc, f->e, "read");
	sqlite3_reset(f->get);
	cafe_order_apply(&o, ev);

	sqlite3_reset(f->put);
	sqlite3_bind_int64(f->put, 1, id);
	sqlite3_bind_text(f->put, 2, o.customer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(f->put, 3, o.product, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(f->put, 4, o.qty);
	sqlite3_bind_int64(f->put, 5, o.total);
	sqlite3_bind_text(f->put, 6, cafe_order_status_name(o.status), -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put, 7, cafe_payment_status_name(o.payment), -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put, 8, cafe_delivery_status_name(o.delivery), -1, SQLITE_STATIC);
	sqlite3_bind_int64(f->put, 9, o.messages);
	sqlite3_bind_text(f->put, 10, o.placed_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(f->put, 11, o.updated_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(f->put, 12, o.address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(f->put, 13, o.rider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(f->put, 14, o.amount);
	rc = sqlite3_step(f->put);
	sqlite3_reset(f->put);
	if (rc != SQLITE_DONE)
		return f->status = sql_status(f->db, rc, f->e, "write");
	return 0;
}

int
cafe_trace_apply_pending(struct cafe_log *log, long long limit, long long *applied,
    struct cafe_err *e)
{
	struct fold f = { cafe_log_db(log), NULL, NULL, 0, 0, e, 0 };
	int status;

	*applied = 0;
	if ((status = cafe_trace_schema(log, e)) != 0)
		return status;
	f.last_seq = cafe_checkpoint_get(log, CHECKPOINT, e);
	if (f.last_seq < 0)
		return e->status;
	if ((status = fold_prepare(&f, "main.order_trace")) != 0)
		goto out;
	status = cafe_log_read(log, f.last_seq, limit, fold_event, &f, e);
	if (status == 0 && f.count > 0)
		status = cafe_checkpoint_set(log, CHECKPOINT, f.last_seq, e);
	*applied = f.count;
out:
	fold_finish(&f);
	return status;
}

int
cafe_trace_catch_up(struct cafe_log *log, struct cafe_err *e)
{
	long long head, done, applied;
	int status;

	if (sqlite3_db_readonly(cafe_log_db(log), "main") == 1)
		return 0;
	if ((head = cafe_log_head(log, e)) < 0)
		return e->status;
	if ((done = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0)
		return e->status;
	while (done < head) {
		if ((status = cafe_log_begin(log, e)) != 0)
			return status;
		status = cafe_trace_apply_pending(log, CATCH_UP_BATCH, &applied, e);
		if (status == 0)
			status = cafe_log_commit(log, e);
		else
			cafe_log_rollback(log);
		if (status)
			return status;
		if (applied == 0)
			break;
		done += applied;
	}
	return 0;
}

/* Folds the log (up to as_of, or all of it) into temp.order_trace_view. */
static int
build_view(struct cafe_log *log, const char *as_of, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	struct fold f = { db, NULL, NULL, 0, 0, e, 0 };
	char before[40];
	int status;

	if ((status = exec(db, "DROP TABLE IF EXISTS temp.order_trace_view;"
	    "CREATE TEMP TABLE order_trace_view(" TRACE_COLUMNS ");"
	    "BEGIN", e)) != 0)
		return status;
	if ((status = fold_prepare(&f, "temp.order_trace_view")) != 0)
		goto out;
	if (as_of) {
		long long ms = cafe_parse_ts(as_of);

		cafe_format_ts(ms + 1, before, sizeof before);
		status = cafe_log_read_until(log, 0, before, fold_event, &f, e);
	} else {
		status = cafe_log_read(log, 0, 0, fold_event, &f, e);
	}
out:
	fold_finish(&f);
	sqlite3_exec(db, status ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return status;
}

static json_t *
row_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}",
	    "order_id", (json_int_t)sqlite3_column_int64(st, 0),
	    "customer", (const char *)sqlite3_column_text(st, 1),
	    "product", (const char *)sqlite3_column_text(st, 2),
	    "qty", (json_int_t)sqlite3_column_int64(st, 3),
	    "total", (json_int_t)sqlite3_column_int64(st, 4),
	    "order_status", (const char *)sqlite3_column_text(st, 5),
	    "payment_status", (const char *)sqlite3_column_text(st, 6),
	    "delivery_status", (const char *)sqlite3_column_text(st, 7),
	    "messages", (json_int_t)sqlite3_column_int64(st, 8),
	    "placed_at", (const char *)sqlite3_column_text(st, 9),
	    "updated_at", (const char *)sqlite3_column_text(st, 10),
	    "address", (const char *)sqlite3_column_text(st, 11),
	    "rider", (const char *)sqlite3_column_text(st, 12));
}

/* Which table answers: the live view, or a TEMP fold of the log. */
static int
source_table(struct cafe_log *log, const char *as_of, const char **table,
    struct cafe_err *e)
{
	int status;

	if (as_of || sqlite3_db_readonly(cafe_log_db(log), "main") == 1) {
		*table = "temp.order_trace_view";
		return build_view(log, as_of, e);
	}
	*table = "main.order_trace";
	if ((status = cafe_trace_catch_up(log, e)) != 0)
		return status;
	return 0;
}

int
cafe_trace_list(struct cafe_log *log, const struct cafe_trace_query *q,
    int (*fn)(json_t *, void *), void *arg, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	const char *table;
	sqlite3_stmt *st = NULL;
	char sql[1024], since[40] = "";
	int rc, status;

	if (q->as_of && cafe_parse_ts(q->as_of) < 0)
		return cafe_err_set(e, CAFE_USAGE,
		    "--as-of wants a time like 2026-11-22T09:30:00Z, not '%s'", q->as_of);
	if (q->since) {
		long long ms = cafe_parse_ts(q->since);

		if (ms < 0)
			return cafe_err_set(e, CAFE_USAGE,
			    "--since wants a time like 2026-11-22T09:30:00Z, not '%s'", q->since);
		cafe_format_ts(ms, since, sizeof since);
	}
	if ((status = source_table(log, q->as_of, &table, e)) != 0)
		return status;
	/* The newest `limit` orders that match, oldest first. */
	snprintf(sql, sizeof sql, "SELECT * FROM (SELECT order_id, customer, product, qty, "
	    "total, order_status, payment_status, delivery_status, messages, placed_at, "
	    "updated_at, address, rider FROM %s WHERE order_status <> 'none' "
	    "AND (?1 IS NULL OR customer = ?1) "
	    "AND (?2 IS NULL OR ?2 IN (order_status, payment_status, delivery_status)) "
	    "AND (?3 IS NULL OR placed_at >= ?3) "
	    "ORDER BY order_id DESC LIMIT ?4) ORDER BY order_id", table);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sql_status(db, rc, e, "prepare");
	if (q->customer)
		sqlite3_bind_text(st, 1, q->customer, -1, SQLITE_TRANSIENT);
	if (q->status)
		sqlite3_bind_text(st, 2, q->status, -1, SQLITE_TRANSIENT);
	if (since[0])
		sqlite3_bind_text(st, 3, since, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, q->limit > 0 ? q->limit : -1);
	status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = row_json(st);

		status = fn(row, arg);
		json_decref(row);
		if (status)
			break;
	}
	if (!status && rc != SQLITE_DONE)
		status = sql_status(db, rc, e, "read");
	sqlite3_finalize(st);
	return status;
}

json_t *
cafe_trace_get(struct cafe_log *log, long long order_id, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	const char *table;
	sqlite3_stmt *st;
	json_t *row = NULL;
	char sql[512];
	int rc;

	if (source_table(log, NULL, &table, e) != 0)
		return NULL;
	snprintf(sql, sizeof sql, "SELECT order_id, customer, product, qty, total, "
	    "order_status, payment_status, delivery_status, messages, placed_at, "
	    "updated_at, address, rider FROM %s WHERE order_id = ? "
	    "AND order_status <> 'none'", table);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
		sql_status(db, rc, e, "prepare");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, order_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row = row_json(st);
	else if (rc == SQLITE_DONE)
		cafe_err_set(e, CAFE_REFUSED, "unknown order %lld (see 'cafe-trace list')",
		    order_id);
	else
		sql_status(db, rc, e, "read");
	sqlite3_finalize(st);
	return row;
}
