/*
 * bench-log - the benchmarks' log driver (tests/bench/drain.sh).
 *
 *   bench-log orders DB N   appends N paid orders (PaymentRequested,
 *                           OrderPlaced, PaymentApproved; mocha, whose
 *                           stock is not tracked) through lib/store/log.h,
 *                           1000 orders per transaction
 *   bench-log floor DB N    appends N events like the daemon's through
 *                           lib/store/log.h into a fresh log, 1000 per transaction
 *   bench-log rows DB N     inserts N rows like the daemon's events into
 *                           the events table of a fresh log (the schema of
 *                           lib/store/log.c: its unique keys, indexes and
 *                           checks), 1000 per transaction, with one
 *                           prepared INSERT and nothing else (SQLite alone)
 *   bench-log raw DB N      inserts N rows of the same data into a plain
 *                           table without indexes, 1000 per transaction
 *   bench-log appends DB N  N appends of one event each, each its own
 *                           transaction, to a stream of this process's own
 *                           at the version it expects
 *                           (as Message DB's write_message is called;
 *                           tests/bench/pg.sh runs 1 and 8 at once)
 *
 * Prints "<rows> <seconds> <rows per second>" on stdout. DB must not exist
 * for floor and raw. Durability is the default (synchronous=FULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/log.h"
#include "store/sqlite.h"

#define PER_TXN 1000

static void
die(const char *what, const struct cafe_err *e)
{
	fprintf(stderr, "bench-log: %s: %s\n", what, e->msg);
	exit(e->status ? e->status : 1);
}

static void
add_order(struct cafe_batch *b, long long id)
{
	char stream[48];

	snprintf(stream, sizeof stream, "payment-%lld", id);
	cafe_batch_add(b, stream, CAFE_NO_STREAM, CAFE_EV_PAYMENT_REQUESTED,
	    json_pack("{s:I, s:i, s:s, s:s}", "order_id", (json_int_t)id, "amount", 4500,
	    "currency", "KRW", "key", "bench"));
	snprintf(stream, sizeof stream, "order-%lld", id);
	cafe_batch_add(b, stream, CAFE_NO_STREAM, CAFE_EV_ORDER_PLACED,
	    json_pack("{s:I, s:s, s:i, s:i, s:i, s:s, s:s}", "order_id", (json_int_t)id,
	    "product", "mocha", "qty", 1, "unit_price", 4500, "total", 4500,
	    "customer", "bench", "address", "table 7"));
	snprintf(stream, sizeof stream, "payment-%lld", id);
	cafe_batch_add(b, stream, 1, CAFE_EV_PAYMENT_APPROVED,
	    json_pack("{s:I, s:i, s:s}", "order_id", (json_int_t)id, "amount", 4500,
	    "ref", "sim-charge-bench"));
}

static void
orders(struct cafe_log *log, long long n)
{
	struct cafe_err e = { 0, "", 0, 0 };
	long long first = cafe_log_head(log, &e) / 3 + 1;

	for (long long done = 0; done < n;) {
		if (cafe_log_begin(log, &e) != 0)
			die("begin", &e);
		for (int i = 0; i < PER_TXN && done < n; i++, done++) {
			struct cafe_batch b;

			cafe_batch_init(&b);
			snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", first + done);
			add_order(&b, first + done);
			if (cafe_log_append(log, &b, &e) != 0)
				die("append", &e);
			cafe_batch_release(&b);
		}
		if (cafe_log_commit(log, &e) != 0)
			die("commit", &e);
	}
}

static void
floor_events(struct cafe_log *log, long long n)
{
	struct cafe_err e = { 0, "", 0, 0 };

	for (long long done = 0; done < n;) {
		struct cafe_batch b;

		cafe_batch_init(&b);
		for (int i = 0; i < PER_TXN && done < n; i++, done++) {
			char stream[48];

			snprintf(stream, sizeof stream, "delivery-%lld", done + 1);
			cafe_batch_add(&b, stream, CAFE_NO_STREAM, CAFE_EV_DELIVERY_STARTED,
			    json_pack("{s:I, s:s, s:s, s:i, s:s}", "order_id",
			    (json_int_t)(done + 1), "address", "table 7", "product", "mocha",
			    "qty", 1, "customer", "bench"));
		}
		if (cafe_log_append_batch(log, &b, &e) != 0)
			die("append", &e);
		cafe_batch_release(&b);
	}
}

static void
appends(struct cafe_log *log, long long n)
{
	struct cafe_err e = { 0, "", 0, 0 };
	char stream[48];

	snprintf(stream, sizeof stream, "bench-%ld", (long)getpid());
	for (long long done = 0; done < n; done++) {
		struct cafe_batch b;

		cafe_batch_init(&b);
		/* Its own stream: this process knows the version (done). */
		cafe_batch_add(&b, stream, done, CAFE_EV_DELIVERY_STARTED,
		    json_pack("{s:I, s:s, s:s, s:i, s:s}", "order_id", (json_int_t)(done + 1),
		    "address", "table 7", "product", "mocha", "qty", 1, "customer", "bench"));
		if (cafe_log_append_batch(log, &b, &e) != 0)
			die("append", &e);
		cafe_batch_release(&b);
	}
}

static void
sql_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench-log: %s: %s\n", what, sqlite3_errmsg(db));
	exit(74);
}

/* What the daemon writes for a DeliveryStarted, without lib/store/log.c. */
static void
event_rows(struct cafe_log *log, long long n)
{
	sqlite3 *db = cafe_log_sqlite(log);
	sqlite3_stmt *st;
	char id[64], stream[48], data[160], meta[256];

	/* The hash column holds 64 hex digits, as the chain's links do;
	 * computing them is the suite's work, not SQLite's. */
	if (sqlite3_prepare_v2(db, "INSERT INTO events(id, stream, version, type, data, "
	    "meta, ts, hash) VALUES (?, ?, 1, 'DeliveryStarted', ?, ?, ?, "
	    "'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')", -1, &st,
	    NULL) != SQLITE_OK)
		sql_die(db, "prepare");
	for (long long done = 0; done < n;) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			sql_die(db, "begin");
		for (int i = 0; i < PER_TXN && done < n; i++, done++) {
			/* Increasing ids, as the daemon makes them. */
			snprintf(id, sizeof id, "%012llx4e6f2d72616e%08llx",
			    (unsigned long long)cafe_now_ms() & 0xffffffffffffULL,
			    (unsigned long long)done & 0xffffffffULL);
			snprintf(stream, sizeof stream, "delivery-%lld", done + 1);
			snprintf(data, sizeof data, "{\"order_id\":%lld,\"address\":"
			    "\"table 7\",\"product\":\"mocha\",\"qty\":1,\"customer\":"
			    "\"bench\"}", done + 1);
			snprintf(meta, sizeof meta, "{\"correlation_id\":\"%lld\","
			    "\"causation_id\":\"%032llx\",\"actor\":\"bench\","
			    "\"tool\":\"cafe-daemon\",\"host\":\"bench\"}", done + 1,
			    (unsigned long long)done);
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, meta, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, "2026-01-01T00:00:00.000Z", -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				sql_die(db, "insert");
			sqlite3_reset(st);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			sql_die(db, "commit");
	}
	sqlite3_finalize(st);
}

static void
raw_rows(const char *path, long long n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char data[160];

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    "CREATE TABLE rows(id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rows(data) VALUES (?)", -1, &st,
	    NULL) != SQLITE_OK)
		sql_die(db, path);
	for (long long done = 0; done < n;) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < PER_TXN && done < n; i++, done++) {
			snprintf(data, sizeof data, "{\"order_id\":%lld,\"address\":\"table 7\","
			    "\"product\":\"mocha\",\"qty\":1,\"customer\":\"bench\"}", done + 1);
			sqlite3_bind_text(st, 1, data, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			sql_die(db, "commit");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int
main(int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log = NULL;
	long long n, t0, ms;

	if (argc != 4 || cafe_parse_ll(argv[3], 1, 100000000, &n) != 0 ||
	    (strcmp(argv[1], "orders") && strcmp(argv[1], "floor") &&
	    strcmp(argv[1], "rows") && strcmp(argv[1], "raw") && strcmp(argv[1], "appends"))) {
		fputs("usage: bench-log orders|floor|rows|raw|appends DB N\n", stderr);
		return 64;
	}
	t0 = cafe_mono_ms();
	if (strcmp(argv[1], "raw") == 0) {
		raw_rows(argv[2], n);
	} else {
		if (cafe_log_open(&log, argv[2], CAFE_LOG_CREATE, &e) != 0)
			die(argv[2], &e);
		if (strcmp(argv[1], "orders") == 0)
			orders(log, n);
		else if (strcmp(argv[1], "rows") == 0)
			event_rows(log, n);
		else if (strcmp(argv[1], "appends") == 0)
			appends(log, n);
		else
			floor_events(log, n);
		cafe_log_close(log);
	}
	ms = cafe_mono_ms() - t0;
	if (strcmp(argv[1], "orders") == 0)
		n *= 3;
	printf("%lld %.3f %.0f\n", n, ms / 1000.0, ms > 0 ? n * 1000.0 / ms : 0.0);
	return 0;
}
