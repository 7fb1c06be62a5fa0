/*
 * stats.c - `cafe-trace stats` (trace.h): orders and times to make and
 * deliver them per hour of the shop's day, with their percentiles, from
 * the trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "domain/order.h"
#include "trace.h"
#include "trace-priv.h"

struct bucket {
	char hour[32];
	long long orders, delivered, cancelled, rejected;
	long long charged, refunds, owed;   /* revenue = charged - refunds */
	long long *ms;              /* delivery times */
	size_t nms, cap;
};

static void
bucket_add_ms(struct bucket *b, long long ms)
{
	if (b->nms == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->ms = cafe_xrealloc(b->ms, b->cap * sizeof *b->ms);
	}
	b->ms[b->nms++] = ms;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v, as JSON (null for none). */
static json_t *
percentile(const long long *v, size_t n, int pct)
{
	size_t rank;

	if (n == 0)
		return json_null();
	rank = (n * (size_t)pct + 99) / 100;
	return json_integer(v[rank ? rank - 1 : 0]);
}

static json_t *
bucket_json(struct bucket *b, int with_hour)
{
	json_t *o = json_object();

	if (with_hour)
		json_object_set_new(o, "hour", json_string(b->hour));
	json_object_set_new(o, "orders", json_integer(b->orders));
	json_object_set_new(o, "delivered", json_integer(b->delivered));
	json_object_set_new(o, "cancelled", json_integer(b->cancelled));
	json_object_set_new(o, "rejected", json_integer(b->rejected));
	json_object_set_new(o, "revenue", json_integer(b->charged - b->refunds));
	json_object_set_new(o, "charged", json_integer(b->charged));
	json_object_set_new(o, "refunds", json_integer(b->refunds));
	json_object_set_new(o, "owed", json_integer(b->owed));
	if (b->nms > 0)
		qsort(b->ms, b->nms, sizeof *b->ms, cmp_ll);
	json_object_set_new(o, "delivery_p50_ms", percentile(b->ms, b->nms, 50));
	json_object_set_new(o, "delivery_p90_ms", percentile(b->ms, b->nms, 90));
	return o;
}

json_t *
cafe_trace_stats(struct cafe_log *log, const struct cafe_trace_query *q, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct bucket all, *hours = NULL;
	size_t nhours = 0, cap = 0;
	const char *table;
	struct cafe_stmt *st = NULL;
	char sql[512], since[40] = "";
	json_t *out = NULL, *list;
	int rc;

	memset(&all, 0, sizeof all);
	if (q->since && cafe_trace_parse_time("--since", q->since, since, sizeof since, e) < 0)
		return NULL;
	if (cafe_trace_source(log, q, &table, e) != 0)
		return NULL;
	snprintf(sql, sizeof sql, "SELECT placed_at, order_status, total, delivered_at, "
	    "payment_status, amount, refunded, refund_failed FROM %s "
	    "WHERE order_status <> 'none' AND (CAST(?1 AS TEXT) IS NULL OR placed_at >= ?1) "
	    "ORDER BY placed_at", table);
	if ((rc = cafe_db_prepare(db, sql, &st)) != CAFE_DB_OK) {
		cafe_db_status(db, rc, WHO, "prepare", e);
		return NULL;
	}
	if (since[0])
		cafe_stmt_text(st, 1, since);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *placed = cafe_col_text(st, 0);
		const char *status = cafe_col_text(st, 1);
		const char *delivered = cafe_col_text(st, 3);
		long long total = cafe_col_int(st, 2);
		long long charged = cafe_col_int(st, 5);
		long long refunded = cafe_col_int(st, 6), owed = cafe_col_int(st, 7);
		struct bucket *h;
		char hour[32];

		snprintf(hour, sizeof hour, "%.13s:00:00Z", placed);
		if (nhours == 0 || strcmp(hours[nhours - 1].hour, hour) != 0) {
			if (nhours == cap) {
				cap = cap ? 2 * cap : 16;
				hours = cafe_xrealloc(hours, cap * sizeof *hours);
			}
			memset(&hours[nhours], 0, sizeof *hours);
			snprintf(hours[nhours].hour, sizeof hours[nhours].hour, "%s", hour);
			nhours++;
		}
		h = &hours[nhours - 1];
		for (struct bucket *b = &all; b; b = b == &all ? h : NULL) {
			b->orders++;
			if (strcmp(status, "cancelled") == 0)
				b->cancelled++;
			else if (strcmp(status, "rejected") == 0)
				b->rejected++;
			/* What the café kept: the charge, less what went back. A
			 * failed refund is kept but owed to the customer. */
			b->charged += charged > 0 ? charged : total;
			b->refunds += refunded;
			b->owed += owed;
			if (strcmp(status, "delivered") == 0)
				b->delivered++;
			if (delivered && *delivered) {
				long long d = cafe_parse_ts(delivered) - cafe_parse_ts(placed);

				bucket_add_ms(b, d < 0 ? 0 : d);
			}
		}
	}
	if (rc != CAFE_DB_DONE) {
		cafe_db_status(db, rc, WHO, "read", e);
		goto out;
	}
	out = bucket_json(&all, 0);
	list = json_array();
	for (size_t i = 0; i < nhours; i++)
		json_array_append_new(list, bucket_json(&hours[i], 1));
	json_object_set_new(out, "hours", list);
out:
	cafe_stmt_free(st);
	free(all.ms);
	for (size_t i = 0; i < nhours; i++)
		free(hours[i].ms);
	free(hours);
	return out;
}
