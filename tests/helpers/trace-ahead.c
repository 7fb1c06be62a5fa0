/*
 * trace-ahead.c - test driver: the daemon's trace policy in its two steps
 * (trace.h), with another program in between.
 *
 *	trace-ahead DB COMMAND
 *
 * Folds ahead from the trace checkpoint of DB, outside any transaction,
 * as the daemon does; runs COMMAND with sh -c (for instance one that
 * appends an event and lets cafe-trace catch the view up, moving the
 * checkpoint); then, in a write transaction, applies what it folded ahead.
 * Prints "applied=N" (events read) and exits with the library's status on
 * an error, or COMMAND's when it fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "view/trace.h"

int
main(int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log = NULL;
	struct cafe_trace_fold *ahead;
	long long applied = 0;
	int status, rc;

	if (argc != 3) {
		fputs("usage: trace-ahead DB COMMAND\n", stderr);
		return 64;
	}
	if ((status = cafe_log_open(&log, argv[1], 0, &e)) != 0)
		goto out;
	if (!(ahead = cafe_trace_fold_ahead(log, 1000))) {
		status = cafe_err_set(&e, 1, "nothing folded ahead (no order_trace yet?)");
		goto out;
	}
	rc = system(argv[2]);
	if (rc != 0) {
		cafe_trace_fold_free(ahead);
		status = cafe_err_set(&e, WIFEXITED(rc) ? WEXITSTATUS(rc) : 1,
		    "command failed: %s", argv[2]);
		goto out;
	}
	if ((status = cafe_log_begin(log, &e)) == 0) {
		if ((status = cafe_trace_apply_pending(log, ahead, 1000, &applied, &e)) == 0)
			status = cafe_log_commit(log, &e);
		else
			cafe_log_rollback(log);
	}
	cafe_trace_fold_free(ahead);
	if (status == 0)
		printf("applied=%lld\n", applied);
out:
	if (status)
		fprintf(stderr, "trace-ahead: %s\n", e.msg);
	cafe_log_close(log);
	return status;
}
