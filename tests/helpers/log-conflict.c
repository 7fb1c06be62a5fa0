/*
 * log-conflict.c - test driver: optimistic concurrency in lib/store/log.c.
 *
 *	log-conflict DB conflict     stale expected version on one stream
 *	log-conflict DB atomic       a batch whose second event conflicts
 *	log-conflict DB new          a "new" stream (CAFE_NO_STREAM) that exists
 *	log-conflict DB transact     cafe_log_transact: one conflict, then success
 *	log-conflict DB always       cafe_log_transact: a conflict every time
 *
 * Every scenario works on stream "order-7" of a log it creates if needed,
 * with two connections to the same file (a and b) standing for two
 * processes. It prints "status=N calls=N version=N head=N" and then, when
 * the scenario failed as designed, "msg=MESSAGE"; it exits 0 when the run
 * went as the scenario expects and 1 otherwise, so a test checks both the
 * exit and the words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/log.h"

#define STREAM "order-7"

struct txn {
	long long stale;        /* the version read before the other writer came */
	int calls;
	int conflicts;          /* how many calls use the stale version */
};

static int
append_one(struct cafe_log *log, long long expected, struct cafe_err *e)
{
	struct cafe_batch b;
	int status;

	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "7");
	cafe_batch_add_named(&b, STREAM, expected, "TestEvent", json_pack("{s:i}", "order_id", 7));
	status = cafe_log_append_batch(log, &b, e);
	cafe_batch_release(&b);
	return status;
}

/* Appends with the stale version for the first `conflicts` calls, then fresh. */
static int
txn_fn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct txn *t = arg;
	struct cafe_batch b;
	long long expected;
	int status;

	t->calls++;
	if (t->calls <= t->conflicts)
		expected = t->stale;
	else if ((expected = cafe_log_stream_version(log, STREAM, e)) < 0)
		return e->status;
	cafe_batch_init(&b);
	cafe_batch_add_named(&b, STREAM, expected, "TestEvent", json_pack("{s:i}", "order_id", 7));
	status = cafe_log_append(log, &b, e);
	cafe_batch_release(&b);
	return status;
}

int
main(int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *a = NULL, *b = NULL;
	struct txn t = { 0, 0, 0 };
	const char *what;
	long long stale, version, head;
	int status = 0, ok = 0;

	if (argc != 3) {
		fputs("usage: log-conflict DB conflict|atomic|new|transact|always\n", stderr);
		return 64;
	}
	what = argv[2];
	if ((status = cafe_log_open(&a, argv[1], CAFE_LOG_CREATE, &e)) != 0 ||
	    (status = cafe_log_open(&b, argv[1], 0, &e)) != 0 ||
	    (status = append_one(a, CAFE_ANY_VERSION, &e)) != 0)
		goto out;
	/* a reads, then b writes behind its back. */
	if ((stale = cafe_log_stream_version(a, STREAM, &e)) < 0 ||
	    (status = append_one(b, stale, &e)) != 0) {
		status = status ? status : e.status;
		goto out;
	}

	e.msg[0] = '\0';
	if (strcmp(what, "conflict") == 0) {
		status = append_one(a, stale, &e);
		ok = status == CAFE_TEMPFAIL;
	} else if (strcmp(what, "new") == 0) {
		status = append_one(a, CAFE_NO_STREAM, &e);
		ok = status == CAFE_TEMPFAIL;
	} else if (strcmp(what, "atomic") == 0) {
		struct cafe_batch bt;

		cafe_batch_init(&bt);
		cafe_batch_add_named(&bt, "order-8", CAFE_NO_STREAM, "TestEvent",
		    json_pack("{s:i}", "order_id", 8));
		cafe_batch_add_named(&bt, STREAM, stale, "TestEvent",
		    json_pack("{s:i}", "order_id", 7));
		status = cafe_log_append_batch(a, &bt, &e);
		cafe_batch_release(&bt);
		ok = status == CAFE_TEMPFAIL &&
		    cafe_log_stream_version(a, "order-8", &e) == 0;
	} else if (strcmp(what, "transact") == 0 || strcmp(what, "always") == 0) {
		t.stale = stale;
		t.conflicts = strcmp(what, "always") == 0 ? 1000 : 1;
		status = cafe_log_transact(a, txn_fn, &t, &e);
		ok = t.conflicts == 1 ? status == 0 && t.calls == 2 :
		    status == CAFE_TEMPFAIL && t.calls > 1;
	} else {
		fprintf(stderr, "log-conflict: unknown scenario '%s'\n", what);
		status = 64;
		goto out;
	}
	version = cafe_log_stream_version(b, STREAM, &e);
	head = cafe_log_head(b, &e);
	printf("status=%d calls=%d version=%lld head=%lld\n", status, t.calls, version,
	    head);
	if (status)
		printf("msg=%s\n", e.msg);
	status = ok ? 0 : 1;
out:
	if (status && !ok && e.msg[0])
		fprintf(stderr, "log-conflict: %s\n", e.msg);
	cafe_log_close(b);
	cafe_log_close(a);
	return status;
}
