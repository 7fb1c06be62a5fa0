/*
 * bench-lag - the latency benchmark's driver (tests/bench/lag.sh).
 *
 *   bench-lag N
 *
 * Places N orders one after another the way cafe-order does
 * (cafe_counter_place: the config's processor, $CAFE_DB or the config's
 * database), and after each one watches the log until the order's
 * DeliveryStarted is there, which a running cafe-daemon appends. The time
 * from the order's commit (cafe_counter_place returning) to seeing the
 * DeliveryStarted is measured with the monotonic clock. The driver waits
 * as any client would, with cafe_log_wait (inotify), so the figure
 * includes a client's own wake-up (tens of microseconds) and the driver
 * leaves the CPUs to the daemon.
 *
 * Prints "p50 p90 p99 max" in milliseconds (3 decimals) on stdout.
 * Exits 1 when a DeliveryStarted does not come within 10 seconds.
 *
 *   bench-lag respond
 *
 * The floor lag.sh measures the daemon against: a responder that does
 * the least a reacting process can, through the same log library. It
 * waits with cafe_log_wait (inotify), reads what was appended, and for
 * each OrderPlaced appends its DeliveryStarted (one event on the chain,
 * committed with synchronous=NORMAL as the daemon's policies commit);
 * no policy, lease, queue or projection. Runs until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "command/counter.h"
#include "store/log.h"
#include "domain/order.h"

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

struct responder {
	struct cafe_log *log;
	long long seen;
	long long ids[256];
	size_t n;
};

static int
collect(const struct cafe_event *ev, void *arg)
{
	struct responder *r = arg;

	if (ev->kind == CAFE_EV_ORDER_PLACED && r->n == sizeof r->ids / sizeof *r->ids)
		return 1;       /* the rest next time */
	r->seen = ev->seq;
	if (ev->kind == CAFE_EV_ORDER_PLACED)
		r->ids[r->n++] = cafe_event_order_id(ev);
	return 0;
}

static int
start(struct cafe_log *log, long long id)
{
	struct cafe_batch b;
	struct cafe_err e = { 0, "", 0, 0 };
	char stream[48];
	int status;

	snprintf(stream, sizeof stream, "delivery-%lld", id);
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", id);
	cafe_batch_add(&b, stream, CAFE_NO_STREAM, CAFE_EV_DELIVERY_STARTED,
	    json_pack("{s:I, s:s}", "order_id", (json_int_t)id, "address", "table 1"));
	status = cafe_log_append_batch(log, &b, &e);
	cafe_batch_release(&b);
	if (status)
		fprintf(stderr, "bench-lag respond: %s\n", e.msg);
	return status;
}

static int
respond(void)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	struct responder r;
	enum cafe_wake woke;
	const char *db = getenv("CAFE_DB");

	if (!db || cafe_log_open(&log, db, CAFE_LOG_SYNC_NORMAL, &e) != 0) {
		fprintf(stderr, "bench-lag respond: %s\n", db ? e.msg : "CAFE_DB is not set");
		return 74;
	}
	cafe_log_set_tool(log, "bench-lag");
	r.log = log;
	if ((r.seen = cafe_log_head(log, &e)) < 0)
		return 74;
	for (;;) {
		long long head = cafe_log_head(log, &e);

		if (head > r.seen) {
			r.n = 0;
			if (cafe_log_read(log, r.seen, 0, collect, &r, &e) < 0)
				return 74;
			for (size_t i = 0; i < r.n; i++)
				if (start(log, r.ids[i]) != 0)
					return 74;
			continue;
		}
		cafe_log_wait(log, head, 1000, &woke, &e);
	}
}

int
main(int argc, char **argv)
{
	struct cafe_config c = { 0 };
	struct cafe_err e = { 0, "", 0, 0 };
	enum cafe_wake woke;
	struct cafe_log *log;
	const char *db = getenv("CAFE_DB");
	long long n, *lat;

	if (argc == 2 && strcmp(argv[1], "respond") == 0)
		return respond();
	if (argc != 2 || cafe_parse_ll(argv[1], 1, 10000000, &n) != 0) {
		fputs("usage: bench-lag N | respond\n", stderr);
		return 64;
	}
	if (cafe_config_load(&c, NULL, &e) != 0 ||
	    cafe_log_open(&log, db ? db : c.db, CAFE_LOG_CREATE, &e) != 0) {
		fprintf(stderr, "bench-lag: %s\n", e.msg);
		return e.status;
	}
	cafe_log_set_tool(log, "bench-lag");
	lat = cafe_xcalloc((size_t)n, sizeof *lat);
	for (long long i = 0; i < n; i++) {
		struct cafe_place_request r;
		struct cafe_place_result res;
		char stream[48];
		long long t0, deadline;

		memset(&r, 0, sizeof r);
		r.customer = "bench";
		r.address = "table 1";
		r.nlines = 1;
		if (cafe_item_parse(&c, "tea", 1, &r.lines[0], &e) != 0 ||
		    cafe_counter_place(&c, log, &r, &res, &e) != 0) {
			fprintf(stderr, "bench-lag: order %lld: %s\n", i + 1, e.msg);
			return e.status;
		}
		t0 = now_us();
		deadline = t0 + 10000000;
		snprintf(stream, sizeof stream, "delivery-%lld", res.order_id);
		for (;;) {
			/* The head before looking, so a commit in between wakes us. */
			long long head = cafe_log_head(log, &e);

			if (cafe_log_stream_version(log, stream, &e) > 0)
				break;
			if (now_us() > deadline) {
				fprintf(stderr, "bench-lag: no DeliveryStarted for order %lld "
				    "after 10s (is cafe-daemon running?)\n", res.order_id);
				return 1;
			}
			cafe_log_wait(log, head, 100, &woke, &e);
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)n, sizeof *lat, by_value);
	printf("%.3f %.3f %.3f %.3f\n", lat[n / 2] / 1000.0, lat[n * 90 / 100] / 1000.0,
	    lat[n * 99 / 100] / 1000.0, lat[n - 1] / 1000.0);
	free(lat);
	cafe_log_close(log);
	cafe_config_release(&c);
	return 0;
}
