/*
 * till.c - the cash drawer's commands (till.h). Each decision is made
 * under the write lock (cafe_log_transact), so a cash order committed
 * while the till closes is either in the close's count or refused.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "till.h"

static int
apply(const struct cafe_event *ev, void *arg)
{
	cafe_till_apply(arg, ev);
	return 0;
}

static const enum cafe_event_type cash_types[] = {
	CAFE_EV_PAYMENT_APPROVED, CAFE_EV_PAYMENT_REFUNDED, CAFE_EV_UNKNOWN
};

int
cafe_till_is_open(struct cafe_log *log, int *open, struct cafe_err *e)
{
	struct cafe_till t;
	long long v;
	int status = 0;

	cafe_till_init(&t, cafe_log_shop(log));
	if ((v = cafe_log_stream_version(log, t.stream, e)) < 0)
		return e->missing ? 0 : e->status;
	if (v > 0)
		status = cafe_log_read_stream_after(log, t.stream, v - 1, apply, &t, e);
	*open = t.open;
	return status;
}

int
cafe_till_load(struct cafe_log *log, struct cafe_till *t, struct cafe_err *e)
{
	long long v;
	int status;

	cafe_till_init(t, cafe_log_shop(log));
	if ((v = cafe_log_stream_version(log, t->stream, e)) < 0)
		return e->missing ? 0 : e->status;
	if (v == 0)
		return 0;
	/* The last event says whether it is open, and its close's counts. */
	if ((status = cafe_log_read_stream_after(log, t->stream, v - 1, apply, t,
	    e)) != 0 || !t->open)
		return status;
	return cafe_log_read_types(log, t->opened_seq, LLONG_MAX, cash_types, apply, t, e);
}

struct till_txn {
	int close;
	long long n;
	struct cafe_till t;
};

static int
till_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct till_txn *x = arg;
	struct cafe_batch b;
	int status;

	if ((status = cafe_till_load(log, &x->t, e)) != 0)
		return status;
	cafe_batch_init(&b);
	status = x->close ? cafe_decide_till_close(&b, &x->t, x->n, e) :
	    cafe_decide_till_open(&b, &x->t, x->n, e);
	if (status == 0 && (status = cafe_log_append(log, &b, e)) == 0)
		for (size_t i = 0; i < b.n; i++)
			cafe_till_apply(&x->t, &b.ev[i]);
	cafe_batch_release(&b);
	return status;
}

static int
run(struct cafe_log *log, int close, long long n, json_t **out, struct cafe_err *e)
{
	struct till_txn x;
	int status;

	memset(&x, 0, sizeof x);
	x.close = close;
	x.n = n;
	if ((status = cafe_log_transact(log, till_txn, &x, e)) != 0)
		return status;
	if (out)
		*out = cafe_till_json(&x.t);
	return 0;
}

int
cafe_till_open(struct cafe_log *log, long long float_amount, json_t **out,
    struct cafe_err *e)
{
	return run(log, 0, float_amount, out, e);
}

int
cafe_till_close(struct cafe_log *log, long long counted, json_t **out, struct cafe_err *e)
{
	return run(log, 1, counted, out, e);
}
