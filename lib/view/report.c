/*
 * report.c - the "sales" projection and the close-out read from it
 * (report.h). The fold adds each event's amounts to its bucket's row and
 * its products' rows with one upsert each; a read-only database is folded
 * into a TEMP table instead, as the other views do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/items.h"
#include "projection.h"
#include "report.h"

#define WHO "sales"
#define CHECKPOINT "sales"
#define SLICE 20000
#define BUCKET_MS 900000LL      /* a quarter of an hour */
#define ORDER_ROW ""            /* the product of a bucket's order-level row */

static const enum cafe_event_type types[] = {
	CAFE_EV_ORDER_PLACED, CAFE_EV_ORDER_CANCELLED, CAFE_EV_ORDER_REJECTED,
	CAFE_EV_PAYMENT_REFUNDED, CAFE_EV_PAYMENT_VOIDED, CAFE_EV_REFUND_FAILED,
	CAFE_EV_DELIVERY_COMPLETED, CAFE_EV_TILL_CLOSED, 0
};

/* A till's close, as the day's row keeps it (in this order, from ?15). */
static const char *const till_keys[] = {
	"float", "cash_in", "cash_out", "expected", "counted", "over_short"
};
#define TILL_KEYS 6

#define COLUMNS \
	"bucket BIGINT NOT NULL, shop TEXT NOT NULL, product TEXT NOT NULL," \
	" orders BIGINT NOT NULL," \
	" drinks BIGINT NOT NULL, gross BIGINT NOT NULL, tax BIGINT NOT NULL," \
	" refunds BIGINT NOT NULL, voids BIGINT NOT NULL, owed BIGINT NOT NULL," \
	" cancelled BIGINT NOT NULL, rejected BIGINT NOT NULL, delivered BIGINT NOT NULL," \
	" cash BIGINT NOT NULL, cash_refunds BIGINT NOT NULL," \
	" till_closes BIGINT NOT NULL, till_float BIGINT NOT NULL," \
	" till_cash_in BIGINT NOT NULL, till_cash_out BIGINT NOT NULL," \
	" till_expected BIGINT NOT NULL, till_counted BIGINT NOT NULL," \
	" till_over_short BIGINT NOT NULL," \
	" PRIMARY KEY(bucket, shop, product)"
/* When each order was placed, for its delivery time, and its total and
 * tax, for the tax a refund of it gives back; and the delivery
 * times of the orders placed in a bucket, to the second under an hour, to
 * the minute under a day, to the hour beyond (secs: the bin's start). */
#define ORDER_COLUMNS "order_id BIGINT PRIMARY KEY, placed_ms BIGINT NOT NULL," \
	" total BIGINT NOT NULL, tax BIGINT NOT NULL, shop TEXT NOT NULL"
#define DELIVERY_COLUMNS \
	"bucket BIGINT NOT NULL, secs BIGINT NOT NULL, n BIGINT NOT NULL," \
	" PRIMARY KEY(bucket, secs)"

/* What one event adds to one row. */
struct add {
	long long orders, drinks, gross, tax, refunds, voids, owed, cancelled, rejected,
	    delivered;
	long long cash, cash_refunds;   /* the parts of gross and refunds in cash */
	long long till_closes, till[TILL_KEYS];   /* the tills closed, summed */
};

struct fold {
	struct cafe_db *db;
	char shop[168];             /* the event's, as each is folded */
	struct cafe_stmt *up, *placed, *placed_at, *took;
	struct cafe_err *e;
	int status;
};

/* The start of the bin a delivery time falls in. */
static long long
delivery_bin(long long secs)
{
	if (secs < 0)
		return 0;
	if (secs < 3600)
		return secs;
	if (secs < 86400)
		return secs - secs % 60;
	return secs - secs % 3600;
}

static int
fold_prepare(void *arg, const char *table)
{
	struct fold *f = arg;
	int status;

	if ((status = cafe_db_preparef(f->db, &f->up, WHO, f->e,
	    "INSERT INTO %s(bucket, shop, product, orders, drinks, gross, "
	    "tax, refunds, voids, owed, cancelled, rejected, delivered, cash, cash_refunds, "
	    "till_closes, till_float, till_cash_in, till_cash_out, till_expected, "
	    "till_counted, till_over_short) "
	    "VALUES (?1, ?22, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, ?17, ?18, ?19, ?20, ?21) "
	    "ON CONFLICT(bucket, shop, product) DO UPDATE SET orders = %s.orders + ?3, "
	    "drinks = %s.drinks + ?4, gross = %s.gross + ?5, tax = %s.tax + ?6, "
	    "refunds = %s.refunds + ?7, voids = %s.voids + ?8, owed = %s.owed + ?9, "
	    "cancelled = %s.cancelled + ?10, rejected = %s.rejected + ?11, "
	    "delivered = %s.delivered + ?12, cash = %s.cash + ?13, "
	    "cash_refunds = %s.cash_refunds + ?14, till_closes = %s.till_closes + ?15, "
	    "till_float = %s.till_float + ?16, till_cash_in = %s.till_cash_in + ?17, "
	    "till_cash_out = %s.till_cash_out + ?18, "
	    "till_expected = %s.till_expected + ?19, "
	    "till_counted = %s.till_counted + ?20, "
	    "till_over_short = %s.till_over_short + ?21",
	    table, table, table, table, table, table, table, table, table, table, table,
	    table, table, table, table, table, table, table, table, table)) != 0)
		return status;
	if ((status = cafe_db_preparef(f->db, &f->placed, WHO, f->e,
	    "INSERT INTO %s_orders(order_id, placed_ms, total, tax, shop) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(order_id) DO NOTHING", table)) != 0)
		return status;
	if ((status = cafe_db_preparef(f->db, &f->placed_at, WHO, f->e,
	    "SELECT placed_ms, total, tax, shop FROM %s_orders "
	    "WHERE order_id = ?1", table)) != 0)
		return status;
	if ((status = cafe_db_preparef(f->db, &f->took, WHO, f->e,
	    "INSERT INTO %s_delivery(bucket, secs, n) VALUES (?1, ?2, 1) "
	    "ON CONFLICT(bucket, secs) DO UPDATE SET n = %s_delivery.n + 1", table, table)) != 0)
		return status;
	return 0;
}

static void
fold_finish(void *arg)
{
	struct fold *f = arg;

	cafe_stmt_free(f->up);
	cafe_stmt_free(f->placed);
	cafe_stmt_free(f->placed_at);
	cafe_stmt_free(f->took);
	f->up = f->placed = f->placed_at = f->took = NULL;
}

static int
step_done(struct fold *f, struct cafe_stmt *st)
{
	int rc = cafe_stmt_step(st);

	cafe_stmt_reset(st);
	if (rc != CAFE_DB_DONE)
		return f->status = cafe_db_status(f->db, rc, WHO, "write", f->e);
	return 0;
}

static int add_row(struct fold *f, long long bucket, const char *product,
    const struct add *a);

/* The order an event names as this view saw it placed: *placed -1 when
 * it never saw it. */
static int
order_of(struct fold *f, const struct cafe_event *ev, long long *placed, long long *total,
    long long *tax)
{
	int rc;

	cafe_stmt_reset(f->placed_at);
	cafe_stmt_int(f->placed_at, 1, json_integer_value(json_object_get(ev->data,
	    "order_id")));
	rc = cafe_stmt_step(f->placed_at);
	*placed = -1;
	if (rc == CAFE_DB_ROW) {
		*placed = cafe_col_int(f->placed_at, 0);
		*total = cafe_col_int(f->placed_at, 1);
		*tax = cafe_col_int(f->placed_at, 2);
		/* What follows an order counts in the shop it was placed in. */
		snprintf(f->shop, sizeof f->shop, "%s", cafe_col_text(f->placed_at, 3));
	}
	cafe_stmt_reset(f->placed_at);
	if (rc != CAFE_DB_ROW && rc != CAFE_DB_DONE)
		return f->status = cafe_db_status(f->db, rc, WHO, "read", f->e);
	return 0;
}

/* The tax in a refund of amount: the order's share, rounded half up, so
 * that the day's tax is the tax in its net. */
static int
refund_tax(struct fold *f, const struct cafe_event *ev, long long amount, long long *tax)
{
	long long placed, total = 0, in = 0;

	*tax = 0;
	if (order_of(f, ev, &placed, &total, &in) != 0)
		return f->status;
	if (placed >= 0 && total > 0)
		*tax = (2 * amount * in + total) / (2 * total);
	return 0;
}

/* A completed delivery counts with the order's placement, with how long
 * it took from payment to the customer. */
static int
delivered(struct fold *f, const struct cafe_event *ev, long long ms)
{
	long long placed, total, tax;
	struct add a;

	if (order_of(f, ev, &placed, &total, &tax) != 0)
		return f->status;
	if (placed < 0)
		return 0;       /* an order this view never saw placed */
	memset(&a, 0, sizeof a);
	a.delivered = 1;
	if (add_row(f, placed / BUCKET_MS, ORDER_ROW, &a) != 0)
		return f->status;
	cafe_stmt_int(f->took, 1, placed / BUCKET_MS);
	cafe_stmt_int(f->took, 2, delivery_bin((ms - placed) / 1000));
	return step_done(f, f->took);
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
	cafe_stmt_int(f->up, 12, a->delivered);
	cafe_stmt_int(f->up, 13, a->cash);
	cafe_stmt_int(f->up, 14, a->cash_refunds);
	cafe_stmt_int(f->up, 15, a->till_closes);
	for (int i = 0; i < TILL_KEYS; i++)
		cafe_stmt_int(f->up, 16 + i, a->till[i]);
	cafe_stmt_text(f->up, 22, f->shop);
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

	if (ms < 0)
		return 0;
	bucket = ms / BUCKET_MS;
	cafe_event_shop(ev, f->shop, sizeof f->shop);
	memset(&a, 0, sizeof a);
	if (ev->kind == CAFE_EV_ORDER_PLACED) {
		json_t *items = cafe_items_of(ev->data), *it;
		size_t i;

		a.orders = 1;
		a.gross = json_integer_value(json_object_get(ev->data, "total"));
		a.tax = json_integer_value(json_object_get(json_object_get(ev->data, "tax"),
		    "amount"));
		json_array_foreach(json_object_get(ev->data, "tenders"), i, it)
			if (json_string_value(json_object_get(it, "tender")) &&
			    strcmp(json_string_value(json_object_get(it, "tender")), "cash") == 0)
				a.cash = json_integer_value(json_object_get(it, "amount"));
		cafe_stmt_int(f->placed, 1, json_integer_value(json_object_get(ev->data,
		    "order_id")));
		cafe_stmt_int(f->placed, 2, ms);
		cafe_stmt_int(f->placed, 3, a.gross);
		cafe_stmt_int(f->placed, 4, a.tax);
		cafe_stmt_text(f->placed, 5, f->shop);
		if (step_done(f, f->placed) != 0)
			return f->status;
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
	} else if (ev->kind == CAFE_EV_ORDER_CANCELLED) {
		a.cancelled = 1;
	} else if (ev->kind == CAFE_EV_ORDER_REJECTED) {
		a.rejected = 1;
	} else if (ev->kind == CAFE_EV_PAYMENT_REFUNDED) {
		a.refunds = amount_of(ev);
		if (json_is_string(json_object_get(ev->data, "tender")))
			a.cash_refunds = a.refunds;
		if (refund_tax(f, ev, a.refunds, &a.tax) != 0)
			return f->status;
		a.tax = -a.tax;
	} else if (ev->kind == CAFE_EV_PAYMENT_VOIDED) {
		a.voids = amount_of(ev);
	} else if (ev->kind == CAFE_EV_REFUND_FAILED) {
		a.owed = amount_of(ev);
	} else if (ev->kind == CAFE_EV_DELIVERY_COMPLETED) {
		return delivered(f, ev, ms);
	} else if (ev->kind == CAFE_EV_TILL_CLOSED) {
		a.till_closes = 1;
		for (int i = 0; i < TILL_KEYS; i++)
			a.till[i] = json_integer_value(json_object_get(ev->data, till_keys[i]));
	} else {
		return 0;
	}
	return add_row(f, bucket, ORDER_ROW, &a);
}

static const struct cafe_fold sales_fold = {
	.types = types,
	.prepare = fold_prepare,
	.event = fold_event,
	.finish = fold_finish,
};

static const struct cafe_fold_view sales_view = {
	.name = WHO,
	.table = "sales",
	.checkpoint = CHECKPOINT,
	.batch = SLICE,
	.fold = &sales_fold,
	.shape_table = "sales",
	.shape_column = "shop",
	.drop_sql = "DROP TABLE IF EXISTS sales; DROP TABLE IF EXISTS sales_orders;"
	    "DROP TABLE IF EXISTS sales_delivery",
	.create_sql = "CREATE TABLE IF NOT EXISTS sales(" COLUMNS ");"
	    "CREATE TABLE IF NOT EXISTS sales_orders(" ORDER_COLUMNS ");"
	    "CREATE TABLE IF NOT EXISTS sales_delivery(" DELIVERY_COLUMNS ");",
	.temp_table = "sales_view",
	.temp_sql = "DROP TABLE IF EXISTS sales_view;"
	    "DROP TABLE IF EXISTS sales_view_orders; DROP TABLE IF EXISTS sales_view_delivery;"
	    "CREATE TEMP TABLE sales_view(" COLUMNS ");"
	    "CREATE TEMP TABLE sales_view_orders(" ORDER_COLUMNS ");"
	    "CREATE TEMP TABLE sales_view_delivery(" DELIVERY_COLUMNS ")",
};

/* The table that answers: the live one brought up to date, or on a
 * database we may not write the whole log folded into a TEMP one. */
static int
source(struct cafe_log *log, const char **table, struct cafe_err *e)
{
	struct fold f = { .db = cafe_log_store(log), .e = e };

	return cafe_fold_view_source(&sales_view, log, &f, table, e);
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

/* The same for one shop's rows (?3), or the chain's with shop NULL. */
static int
query_shop(struct cafe_db *db, const char *fmt, const char *table, const char *shop,
    long long from, long long to, struct cafe_stmt **st, struct cafe_err *e)
{
	char sql[900];
	int status;

	snprintf(sql, sizeof sql, fmt, table, shop ? " AND shop = ?3" : "");
	if ((status = query(db, sql, from, to, st, e)) == 0 && shop)
		cafe_stmt_text(*st, 3, shop);
	return status;
}

int
cafe_report(struct cafe_log *log, long long from_ms, long long to_ms, const char *day,
    const char *timezone, const char *currency, const char *shop, json_t **out,
    struct cafe_err *e)
{
	struct cafe_db *db = log ? cafe_log_store(log) : NULL;
	struct cafe_stmt *st = NULL;
	const char *table = NULL;
	json_t *products = json_array(), *hours = json_array();
	long long sum[18] = { 0 };
	int status = 0, rc;

	*out = NULL;
	if (log && (status = source(log, &table, e)) != 0)
		goto out;
	if (!log)
		goto done;
	if ((status = query_shop(db, "SELECT sum(orders), sum(drinks), sum(gross), sum(tax), "
	    "sum(refunds), sum(voids), sum(owed), sum(cancelled), sum(rejected), sum(cash), "
	    "sum(cash_refunds), sum(till_closes), sum(till_float), sum(till_cash_in), "
	    "sum(till_cash_out), sum(till_expected), sum(till_counted), sum(till_over_short) "
	    "FROM %s WHERE product = '' AND bucket >= ?1 AND bucket < ?2%s", table, shop,
	    from_ms, to_ms, &st, e)) != 0)
		goto out;
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		for (int i = 0; i < 18; i++)
			sum[i] = cafe_col_int(st, i);
	else if (rc != CAFE_DB_DONE && (status = cafe_db_status(db, rc, WHO, "read", e)))
		goto out;
	cafe_stmt_free(st);
	st = NULL;
	if ((status = query_shop(db, "SELECT product, sum(drinks), sum(gross) FROM %s "
	    "WHERE product <> '' AND bucket >= ?1 AND bucket < ?2%s GROUP BY product "
	    "ORDER BY sum(gross) DESC, product", table, shop, from_ms, to_ms, &st, e)) != 0)
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
	if ((status = query_shop(db, "SELECT bucket / 4, sum(orders), sum(gross) FROM %s "
	    "WHERE product = '' AND bucket >= ?1 AND bucket < ?2 AND orders > 0%s "
	    "GROUP BY bucket / 4 ORDER BY bucket / 4", table, shop, from_ms, to_ms, &st,
	    e)) != 0)
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
	if (shop)
		json_object_set_new(*out, "shop", json_string(shop));
	/* How the day was paid, and what the drawer said at its close. */
	json_object_set_new(*out, "tenders", json_pack("{s:I, s:I}",
	    "card", (json_int_t)(sum[2] - sum[9]), "cash", (json_int_t)sum[9]));
	json_object_set_new(*out, "cash_refunds", json_integer(sum[10]));
	json_object_set_new(*out, "till", sum[11] == 0 ? json_null() :
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "closes", (json_int_t)sum[11],
	    "float", (json_int_t)sum[12], "cash_in", (json_int_t)sum[13],
	    "cash_out", (json_int_t)sum[14], "expected", (json_int_t)sum[15],
	    "counted", (json_int_t)sum[16], "over_short", (json_int_t)sum[17]));
out:
	cafe_stmt_free(st);
	json_decref(products);
	json_decref(hours);
	return status;
}

int
cafe_report_chain(struct cafe_log *log, long long from_ms, long long to_ms, const char *day,
    const char *timezone, const char *currency, char *const *shops, json_t **out,
    struct cafe_err *e)
{
	json_t *rows = json_array(), *one;
	int status;

	*out = NULL;
	for (size_t i = 0; shops && shops[i]; i++) {
		if ((status = cafe_report(log, from_ms, to_ms, day, timezone, currency, shops[i],
		    &one, e)) != 0) {
			json_decref(rows);
			return status;
		}
		json_array_append_new(rows, one);
	}
	if ((status = cafe_report(log, from_ms, to_ms, day, timezone, currency, NULL, out,
	    e)) != 0) {
		json_decref(rows);
		return status;
	}
	json_object_set_new(*out, "shop", json_string("all"));
	json_object_set_new(*out, "shops", rows);
	return 0;
}

/* --- cafe-trace stats: the same counts, per hour and over all of them --- */

#define DELIVERY_BINS (3600 + 1380 + 24 * 366)  /* seconds, minutes, hours */

static size_t
bin_index(long long secs)
{
	if (secs < 3600)
		return (size_t)secs;
	if (secs < 86400)
		return 3600 + (size_t)((secs - 3600) / 60);
	secs = (secs - 86400) / 3600;
	return 3600 + 1380 + (size_t)(secs < 24 * 366 ? secs : 24 * 366 - 1);
}

static long long
bin_secs(size_t i)
{
	if (i < 3600)
		return (long long)i;
	if (i < 3600 + 1380)
		return 3600 + (long long)(i - 3600) * 60;
	return 86400 + (long long)(i - 3600 - 1380) * 3600;
}

/* The nearest-rank percentile of a histogram, in ms; NULL when empty. */
static json_t *
hist_percentile(const long long *h, long long n, int pct)
{
	long long rank = (n * pct + 99) / 100, seen = 0;

	if (n == 0)
		return json_null();
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < DELIVERY_BINS; i++)
		if ((seen += h[i]) >= rank)
			return json_integer(bin_secs(i) * 1000);
	return json_null();
}

static json_t *
stats_row(const long long *v, const long long *h, long long hn, const char *hour)
{
	json_t *o = json_object();

	if (hour)
		json_object_set_new(o, "hour", json_string(hour));
	json_object_set_new(o, "orders", json_integer(v[0]));
	json_object_set_new(o, "delivered", json_integer(v[1]));
	json_object_set_new(o, "cancelled", json_integer(v[2]));
	json_object_set_new(o, "rejected", json_integer(v[3]));
	json_object_set_new(o, "revenue", json_integer(v[4] - v[5]));
	json_object_set_new(o, "charged", json_integer(v[4]));
	json_object_set_new(o, "refunds", json_integer(v[5]));
	json_object_set_new(o, "owed", json_integer(v[6]));
	json_object_set_new(o, "voids", json_integer(v[7]));
	json_object_set_new(o, "delivery_p50_ms", hist_percentile(h, hn, 50));
	json_object_set_new(o, "delivery_p90_ms", hist_percentile(h, hn, 90));
	return o;
}

json_t *
cafe_report_stats(struct cafe_log *log, long long since_ms, struct cafe_err *e)
{
	struct cafe_db *db = log ? cafe_log_store(log) : NULL;
	struct cafe_stmt *st = NULL, *dt = NULL;
	const char *table = NULL;
	long long *all = cafe_xcalloc(DELIVERY_BINS, sizeof *all);
	long long *hour = cafe_xcalloc(DELIVERY_BINS, sizeof *hour);
	long long sum[8] = { 0 }, alln = 0, from = since_ms > 0 ? since_ms : 0;
	json_t *out = NULL, *hours = json_array();
	char sql[768];
	int rc, drc = CAFE_DB_DONE;

	if (!log)
		goto done;
	if (source(log, &table, e) != 0)
		goto fail;
	snprintf(sql, sizeof sql, "SELECT bucket / 4, sum(orders), sum(delivered), "
	    "sum(cancelled), sum(rejected), sum(gross), sum(refunds), sum(owed), sum(voids) "
	    "FROM %s WHERE product = '' AND bucket >= ?1 AND bucket < ?2 "
	    "GROUP BY bucket / 4 ORDER BY bucket / 4", table);
	if (query(db, sql, from, 4000000000000000LL, &st, e) != 0)
		goto fail;
	snprintf(sql, sizeof sql, "SELECT bucket / 4, secs, sum(n) FROM %s_delivery "
	    "WHERE bucket >= ?1 AND bucket < ?2 GROUP BY bucket / 4, secs "
	    "ORDER BY bucket / 4, secs", table);
	if (query(db, sql, from, 4000000000000000LL, &dt, e) != 0)
		goto fail;
	drc = cafe_stmt_step(dt);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		long long v[8], h = cafe_col_int(st, 0), hn = 0;
		char ts[32], name[32];

		for (int i = 0; i < 8; i++)
			sum[i] += v[i] = cafe_col_int(st, i + 1);
		memset(hour, 0, DELIVERY_BINS * sizeof *hour);
		/* The hour's delivery times: both queries go in hour order. */
		while (drc == CAFE_DB_ROW && cafe_col_int(dt, 0) <= h) {
			if (cafe_col_int(dt, 0) == h) {
				size_t i = bin_index(cafe_col_int(dt, 1));
				long long n = cafe_col_int(dt, 2);

				hour[i] += n;
				all[i] += n;
				hn += n;
				alln += n;
			}
			drc = cafe_stmt_step(dt);
		}
		cafe_format_ts(h * 4 * BUCKET_MS, ts, sizeof ts);
		snprintf(name, sizeof name, "%.19sZ", ts);
		json_array_append_new(hours, stats_row(v, hour, hn, name));
	}
	if (rc != CAFE_DB_DONE || (drc != CAFE_DB_ROW && drc != CAFE_DB_DONE)) {
		cafe_db_status(db, rc != CAFE_DB_DONE ? rc : drc, WHO, "read", e);
		goto fail;
	}
done:
	out = stats_row(sum, all, alln, NULL);
	json_object_set(out, "hours", hours);
fail:
	cafe_stmt_free(st);
	cafe_stmt_free(dt);
	json_decref(hours);
	free(all);
	free(hour);
	return out;
}
