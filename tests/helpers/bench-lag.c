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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "counter.h"
#include "log.h"

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

int
main(int argc, char **argv)
{
	struct cafe_config c = { 0 };
	struct cafe_err e = { 0, "", 0, 0 };
	enum cafe_wake woke;
	struct cafe_log *log;
	const char *db = getenv("CAFE_DB");
	long long n, *lat;

	if (argc != 2 || cafe_parse_ll(argv[1], 1, 10000000, &n) != 0) {
		fputs("usage: bench-lag N\n", stderr);
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
