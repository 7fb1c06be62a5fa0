/*
 * log-wait.c - test driver: waits on the log with cafe_log_wait, the way
 * the daemon's watcher and `cafe-trace follow` do.
 *
 *	log-wait DB AFTER TIMEOUT_MS
 *
 * TIMEOUT_MS -1 waits forever. Prints "new", "timeout" or "signal" (why
 * it woke) and exits 0, or exits with the library's status.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/log.h"

int
main(int argc, char **argv)
{
	static const char *const why[] = { "new", "timeout", "signal" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log;
	enum cafe_wake woke;
	int status;

	if (argc != 4) {
		fprintf(stderr, "usage: log-wait DB AFTER TIMEOUT_MS\n");
		return 64;
	}
	if ((status = cafe_log_open(&log, argv[1], CAFE_LOG_READONLY, &e)) != 0) {
		fprintf(stderr, "log-wait: %s\n", e.msg);
		return status;
	}
	status = cafe_log_wait(log, atoll(argv[2]), atoi(argv[3]), &woke, &e);
	if (status == 0)
		printf("%s\n", why[woke]);
	else
		fprintf(stderr, "log-wait: %s\n", e.msg);
	cafe_log_close(log);
	return status;
}
