/*
 * report.c - the "sales" projection and the close-out read from it
 * (report.h). The fold adds each event's amounts to its bucket's row and
 * its products' rows with one upsert each; a read-only database is folded
 * into a TEMP table instead, as the other views do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"
#include "projection.h"
#include "report.h"

#define WHO "sales"
#define CHECKPOINT "sales"
#define SLICE 20000
#define BUCKET_MS 900000LL      /* a quarter of an hour */
#define ORDER_ROW ""            /* the product of a bucket's order-level row */

static const char *const types[] = {
	"OrderPlaced", "OrderCancelled", "OrderRejected", "PaymentRefunded", "PaymentVoided",
	"RefundFailed", NULL
};

#define COLUMNS \
	"bucket BIGINT NOT NULL, product TEXT NOT NULL, orders BIGINT NOT NULL," \
	" drinks BIGINT NOT NULL, gross BIGINT NOT NULL, tax BIGINT NOT NULL," \
	" refunds BIGINT NOT NULL, voids BIGINT NOT NULL, owed BIGINT NOT NULL," \
	" cancelled BIGINT NOT NULL, rejected BIGINT NOT NULL," \
	" PRIMARY KEY(bucket, product)"

/* What one event adds to one row. */
struct add {
	long long orders, drinks, gross, tax, refunds, voids, owed, cancelled, rejected;
};

struct fold {
	struct cafe_db *db;
	struct cafe_stmt *up;
	struct cafe_err *e;
	int status;
};

static int
fold_prepare(struct fold *f, const char *table)
{
	char sql[1024];
	int rc;

	snprintf(sql, sizeof sql, "INSERT INTO %s(bucket, product, orders, drinks, gross, "
	    "tax, refunds, voids, owed, cancelled, rejected) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT(bucket, product) DO UPDATE SET orders = %s.orders + ?3, "
	    "drinks = %s.drinks + ?4, gross = %s.gross + ?5, tax = %s.tax + ?6, "
	    "refunds = %s.refunds + ?7, voids = %s.voids + ?8, owed = %s.owed + ?9, "
	    "cancelled = %s.cancelled + ?10, rejected = %s.rejected + ?11",
	    table, table, table, table, table, table, table, table, table, table);
	if ((rc = cafe_db_prepare(f->db, sql, &f->up)) != CAFE_DB_OK)
		return cafe_db_status(f->db, rc, WHO, "prepare", f->e);
	return 0;
}

static int
add_row(struct fold *f, long long bucket, const char *product, const struct add *a)
{
	int rc;

	cafe_stmt_reset(f->up);
	cafe_stmt_int(f->up, 1, bucket);
	cafe_stmt_text(f->up, 2, product);
	cafe_stmt_int(f->up, 3, a->orders);
	cafe_stmt_int(f->up, 4, a->drinks);
	cafe_stmt_int(f->up, 5, a->gross);
	cafe_stmt_int(f->up, 6, a->tax);
	cafe_stmt_int(f->up, 7, a->refunds);
	cafe_stmt_int(f->up, 8, a->voids);
	cafe_stmt_int(f->up, 9, a->owed);
	cafe_stmt_int(f->up, 10, a->cancelled);
	cafe_stmt_int(f->up, 11, a->rejected);
	if ((rc = cafe_stmt_step(f->up)) != CAFE_DB_DONE)
		return f->status = cafe_db_status(f->db, rc, WHO, "write", f->e);
	return 0;
}

static long long
amount_of(const struct cafe_event *ev)
{
	return json_integer_value(json_object_get(ev->data, "amount"));
}

static int
fold_event(const struct cafe_event *ev, void *arg)
{
	struct fold *f = arg;
	long long ms = cafe_parse_ts(ev->ts), bucket;
	struct add a;
	const char *t = ev->type;

	if (ms < 0)
		return 0;
	bucket = ms / BUCKET_MS;
	memset(&a, 0, sizeof a);
	if (strcmp(t, "OrderPlaced") == 0) {
		json_t *items = cafe_items_of(ev->data), *it;
		size_t i;

		a.orders = 1;
		a.gross = json_integer_value(json_object_get(ev->data, "total"));
		a.tax = json_integer_value(json_object_get(json_object_get(ev->data, "tax"),
		    "amount"));
		json_array_foreach(items, i, it) {
			struct add p;
			const char *name = json_string_value(json_object_get(it, "product"));

			memset(&p, 0, sizeof p);
			p.drinks = json_integer_value(json_object_get(it, "qty"));
			p.gross = json_integer_value(json_object_get(it, "total"));
			a.drinks += p.drinks;
			if (name && add_row(f, bucket, name, &p) != 0)
				break;
		}
		json_decref(items);
		if (f->status)
			return f->status;
	} else if (strcmp(t, "OrderCancelled") == 0) {
		a.cancelled = 1;
	} else if (strcmp(t, "OrderRejected") == 0) {
		a.rejected = 1;
	} else if (strcmp(t, "PaymentRefunded") == 0) {
		a.refunds = amount_of(ev);
	} else if (strcmp(t, "PaymentVoided") == 0) {
		a.voids = amount_of(ev);
	} else if (strcmp(t, "RefundFailed") == 0) {
		a.owed = amount_of(ev);
	} else {
		return 0;
	}
	return add_row(f, bucket, ORDER_ROW, &a);
}

static int
schema(struct cafe_log *log, struct cafe_err *e)
{
	return cafe_db_run(cafe_log_store(log),
	    "CREATE TABLE IF NOT EXISTS sales(" COLUMNS ");", WHO, e);
}

static int
sales_ready(struct cafe_log *log)
{
	return cafe_db_has(cafe_log_store(log), "sales", NULL);
}

static int
sales_apply(struct cafe_log *log, void *arg, long long limit, long long done,
    long long total, long long *applied, struct cafe_err *e)
{
	struct fold f = { cafe_log_store(log), NULL, e, 0 };
	long long after, head, upto;
	int status;

	(void)arg, (void)done, (void)total;
	*applied = 0;
	if ((status = schema(log, e)) != 0)
		return status;
	if ((after = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0 ||
	    (head = cafe_log_head(log, e)) < 0)
		return e->status;
	upto = limit > 0 && head - after > limit ? after + limit : head;
	if (upto <= after)
		return 0;
	if ((status = fold_prepare(&f, "sales")) == 0 &&
	    (status = cafe_log_read_types(log, after, upto, types, fold_event, &f, e)) == 0)
		status = cafe_checkpoint_set(log, CHECKPOINT, upto, e);
	if (status == 0)
		*applied = upto - after;
	cafe_stmt_free(f.up);
	return status;
}

static const struct cafe_projection sales_view = {
	.name = WHO,
	.checkpoint = CHECKPOINT,
	.batch = SLICE,
	.ready = sales_ready,
	.apply = sales_apply,
};

/* The table that answers: the live one brought up to date, or on a
 * database we may not write the whole log folded into a TEMP one. */
static int
source(struct cafe_log *log, const char **table, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct fold f = { db, NULL, e, 0 };
	long long head;
	int status;

	if (!cafe_db_readonly(db)) {
		*table = "sales";
		return cafe_projection_catch_up(&sales_view, log, NULL, e);
	}
	*table = "sales_view";
	if ((head = cafe_log_head(log, e)) < 0)
		return e->status;
	if ((status = cafe_db_run(db, "DROP TABLE IF EXISTS sales_view;"
	    "CREATE TEMP TABLE sales_view(" COLUMNS ");BEGIN", WHO, e)) != 0)
		return status;
	if ((status = fold_prepare(&f, "sales_view")) == 0)
		status = cafe_log_read_types(log, 0, head, types, fold_event, &f, e);
	cafe_stmt_free(f.up);
	cafe_db_exec(db, status ? "ROLLBACK" : "COMMIT");
	return status;
}

static int
query(struct cafe_db *db, const char *sql, long long from, long long to,
    struct cafe_stmt **st, struct cafe_err *e)
{
	int rc;

	if ((rc = cafe_db_prepare(db, sql, st)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, WHO, "prepare", e);
	cafe_stmt_int(*st, 1, from / BUCKET_MS);
	cafe_stmt_int(*st, 2, (to + BUCKET_MS - 1) / BUCKET_MS);
	return 0;
}

int
cafe_report(struct cafe_log *log, long long from_ms, long long to_ms, const char *day,
    const char *timezone, const char *currency, json_t **out, struct cafe_err *e)
{
	struct cafe_db *db = log ? cafe_log_store(log) : NULL;
	struct cafe_stmt *st = NULL;
	const char *table = NULL;
	json_t *products = json_array(), *hours = json_array();
	long long sum[9] = { 0 };
	char sql[768];
	int status = 0, rc;

	*out = NULL;
	if (log && (status = source(log, &table, e)) != 0)
		goto out;
	if (!log)
		goto done;
	snprintf(sql, sizeof sql, "SELECT sum(orders), sum(drinks), sum(gross), sum(tax), "
	    "sum(refunds), sum(voids), sum(owed), sum(cancelled), sum(rejected) FROM %s "
	    "WHERE product = '' AND bucket >= ?1 AND bucket < ?2", table);
	if ((status = query(db, sql, from_ms, to_ms, &st, e)) != 0)
		goto out;
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		for (int i = 0; i < 9; i++)
			sum[i] = cafe_col_int(st, i);
	else if (rc != CAFE_DB_DONE && (status = cafe_db_status(db, rc, WHO, "read", e)))
		goto out;
	cafe_stmt_free(st);
	st = NULL;
	snprintf(sql, sizeof sql, "SELECT product, sum(drinks), sum(gross) FROM %s "
	    "WHERE product <> '' AND bucket >= ?1 AND bucket < ?2 GROUP BY product "
	    "ORDER BY sum(gross) DESC, product", table);
	if ((status = query(db, sql, from_ms, to_ms, &st, e)) != 0)
		goto out;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		json_array_append_new(products, json_pack("{s:s, s:I, s:I}", "product",
		    cafe_col_text(st, 0), "drinks", (json_int_t)cafe_col_int(st, 1),
		    "revenue", (json_int_t)cafe_col_int(st, 2)));
	if (rc != CAFE_DB_DONE && (status = cafe_db_status(db, rc, WHO, "read", e)))
		goto out;
	cafe_stmt_free(st);
	st = NULL;
	/* Hours as the UTC instant they start; four buckets make one. */
	snprintf(sql, sizeof sql, "SELECT bucket / 4, sum(orders), sum(gross) FROM %s "
	    "WHERE product = '' AND bucket >= ?1 AND bucket < ?2 AND orders > 0 "
	    "GROUP BY bucket / 4 ORDER BY bucket / 4", table);
	if ((status = query(db, sql, from_ms, to_ms, &st, e)) != 0)
		goto out;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		char hour[32];

		cafe_format_ts(cafe_col_int(st, 0) * 4 * BUCKET_MS, hour, sizeof hour);
		json_array_append_new(hours, json_pack("{s:s, s:I, s:I}", "hour", hour,
		    "orders", (json_int_t)cafe_col_int(st, 1),
		    "gross", (json_int_t)cafe_col_int(st, 2)));
	}
	if (rc != CAFE_DB_DONE && (status = cafe_db_status(db, rc, WHO, "read", e)))
		goto out;
done:
	*out = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:O, s:O}", "day", day, "timezone", timezone, "currency", currency,
	    "orders", (json_int_t)sum[0], "drinks", (json_int_t)sum[1],
	    "gross", (json_int_t)sum[2], "refunds", (json_int_t)sum[4],
	    "voids", (json_int_t)sum[5], "owed", (json_int_t)sum[6],
	    "net", (json_int_t)(sum[2] - sum[4]), "tax", (json_int_t)sum[3],
	    "cancelled", (json_int_t)sum[7], "rejected", (json_int_t)sum[8],
	    "products", products, "hours", hours);
out:
	cafe_stmt_free(st);
	json_decref(products);
	json_decref(hours);
	return status;
}
