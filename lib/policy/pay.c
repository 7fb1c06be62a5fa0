/*
 * pay.c - the policies that move money back (policy.h): refund and
 * reconcile. Both call the processor through cafe_payment_call() (so the
 * circuit breaker stands in front of them) in `act`, outside any
 * transaction, and record the answer in `decide`.
 *
 * Idempotency keys, derived from the log so that a retry after a crash
 * sends the same one and the processor moves no money twice:
 *  - refund:    "refund-" + the RefundRequested event's id;
 *  - reconcile: "void-" + the charge's key (PaymentRequested data.key),
 *    the key cafe-order itself uses when it voids a charge it cannot keep.
 *
 * Invariants: a refund is asked for only while the payment is
 * refund_pending; a void only for a charge given up in the log
 * (PaymentAbandoned, which reconcile appends first while the charge has
 * no answer), so that no order can exist for a voided charge; decide
 * re-checks under the write lock and appends nothing when someone got
 * there first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "pay/payment.h"
#include "policy.h"

/* What act learnt from the processor. */
struct pay_result {
	int approved;
	char ref[128];
	char reason[256];
	long long amount;
};

static long long
data_ll(const struct cafe_event *ev, const char *key)
{
	return json_integer_value(json_object_get(ev->data, key));
}

static int
pay(struct cafe_policy_ctx *pc, enum cafe_pay_op op, const char *key,
    long long order_id, long long amount, struct cafe_err *e)
{
	struct cafe_pay_request req = { op, key, order_id, amount, pc->config->currency, NULL };
	struct cafe_pay_reply rep;
	struct pay_result *r;
	int status;

	if ((status = cafe_payment_call(pc->config, pc->log, &req, &rep, e)) != 0) {
		if (status == CAFE_TEMPFAIL)
			pc->retry_ms = cafe_payment_retry_ms(pc->config, pc->log);
		return status;
	}
	r = cafe_xcalloc(1, sizeof *r);
	r->approved = rep.outcome == CAFE_PAY_APPROVED;
	r->amount = amount;
	snprintf(r->ref, sizeof r->ref, "%s", rep.ref);
	snprintf(r->reason, sizeof r->reason, "%s", rep.reason[0] ? rep.reason : "declined");
	pc->scratch = r;
	return 0;
}

/* --- refund: RefundRequested -> PaymentRefunded | RefundFailed --- */

/* 1: the RefundRequested ev gives cash back out of the drawer. */
static int
cash_tender(const struct cafe_event *ev)
{
	const char *t = json_string_value(json_object_get(ev->data, "tender"));

	return t && strcmp(t, "cash") == 0;
}

/* What the RefundRequested ev asks for; one from before partial refunds
 * has no amount and asks for all of the charge. */
static long long
refund_amount(const struct cafe_event *ev, const struct cafe_order *o)
{
	long long a = data_ll(ev, "amount");

	return a > 0 ? a : o->amount;
}

struct refund_fold {
	struct cafe_order o;
	long long upto;             /* the request's version */
	long long asks;             /* requests up to and with it */
};

static int
refund_fold(const struct cafe_event *ev, void *arg)
{
	struct refund_fold *f = arg;

	cafe_order_apply(&f->o, ev);
	if (ev->kind == CAFE_EV_REFUND_REQUESTED && ev->version <= f->upto)
		f->asks++;
	return 0;
}

/*
 * The payment of the RefundRequested ev, and whether ev still waits for
 * its answer: the refunds of a payment are answered one by one in the
 * order they were asked for, so the n-th request is answered once there
 * are n answers.
 */
static int
load_refund(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_order *o,
    int *open, struct cafe_err *e)
{
	struct refund_fold *f = cafe_xmalloc(sizeof *f);
	long long id = cafe_event_order_id(ev);
	int status;

	if (id <= 0) {
		free(f);
		return cafe_err_set(e, CAFE_DATAERR, "event %lld (%s) names no order",
		    ev->seq, ev->type);
	}
	cafe_order_init(&f->o, id);
	f->upto = ev->version;
	f->asks = 0;
	if ((status = cafe_log_read_stream(pc->log, ev->stream, refund_fold, f, e)) == 0) {
		*o = f->o;
		*open = f->o.refund_answers < f->asks;
	}
	free(f);
	return status;
}

static int
refund_act(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_err *e)
{
	struct cafe_order o;
	char key[64];
	int status, open;

	if ((status = load_refund(pc, ev, &o, &open, e)) != 0)
		return status;
	if (!open)
		return 0;       /* answered already: nothing to send */
	if (cash_tender(ev)) {
		/* Out of the drawer: no processor to ask. */
		struct pay_result *r = cafe_xcalloc(1, sizeof *r);

		r->approved = 1;
		r->amount = refund_amount(ev, &o);
		snprintf(r->ref, sizeof r->ref, "cash");
		pc->scratch = r;
		return 0;
	}
	snprintf(key, sizeof key, "refund-%s", ev->id);
	return pay(pc, CAFE_PAY_REFUND, key, o.id, refund_amount(ev, &o), e);
}

/* PaymentRefunded, or RefundFailed with error after so many attempts. */
static int
refund_record(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, const char *error, int attempts, struct cafe_err *e)
{
	struct pay_result *r = pc->scratch;
	struct cafe_event *added;
	struct cafe_order o;
	char stream[48];
	int status, open;

	if ((status = load_refund(pc, ev, &o, &open, e)) != 0)
		return status;
	if (!open)
		return 0;
	cafe_policy_batch(out, ev, o.id);
	cafe_order_stream(stream, sizeof stream, "payment", o.id);
	if (!error)
		added = cafe_batch_add(out, stream, o.payment_version, CAFE_EV_PAYMENT_REFUNDED,
		    json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)o.id,
		    "amount", (json_int_t)r->amount, "ref", r->ref));
	else
		added = cafe_batch_add(out, stream, o.payment_version, CAFE_EV_REFUND_FAILED,
		    json_pack("{s:I, s:I, s:s, s:i}", "order_id", (json_int_t)o.id,
		    "amount", (json_int_t)refund_amount(ev, &o), "error", error,
		    "attempts", attempts));
	if (cash_tender(ev))
		json_object_set_new(added->data, "tender", json_string("cash"));
	return 0;
}

static int
refund_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	char why[300];
	struct pay_result *r = pc->scratch;

	if (!r)
		return 0;
	snprintf(why, sizeof why, "processor declined the refund: %s", r->reason);
	/* The failed calls before this one, and this one. */
	return refund_record(pc, ev, out, r->approved ? NULL : why, pc->attempts + 1, e);
}

static int
refund_give_up(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	char why[sizeof e->msg];

	snprintf(why, sizeof why, "%s", e->msg);
	return refund_record(pc, ev, out, why, pc->attempts, e);
}

static const enum cafe_event_type refund_types[] = { CAFE_EV_REFUND_REQUESTED, 0 };

const struct cafe_policy cafe_policy_refund = {
	.name = "refund",
	.checkpoint = "refund",
	.types = refund_types,
	.act = refund_act,
	.decide = refund_decide,
	.give_up = refund_give_up,
	.settle_ms = 5,
};

/* --- reconcile: PaymentRequested without an answer -> void -> PaymentVoided --- */

/*
 * Where the charge of ev stands: 0 while its payment stream holds nothing
 * but ev (no answer yet), 1 when it was given up (PaymentAbandoned) and
 * still has to be voided, 2 when there is nothing left to do.
 */
enum { UNANSWERED, ABANDONED, SETTLED };

static int
fold_payment(const struct cafe_event *ev, void *arg)
{
	cafe_order_apply(arg, ev);
	return 0;
}

/* The payment stream alone says it (two or three events, where the whole
 * order is about eight): this runs for every charge the daemon sees. */
static int
charge_state(struct cafe_policy_ctx *pc, const struct cafe_event *ev, int *state,
    struct cafe_err *e)
{
	struct cafe_order o;
	int status;

	cafe_order_init(&o, data_ll(ev, "order_id"));
	if ((status = cafe_log_read_stream(pc->log, ev->stream, fold_payment, &o, e)) != 0)
		return status;
	*state = o.payment_version == ev->version ? UNANSWERED :
	    o.payment == CAFE_PAYMENT_ABANDONED ? ABANDONED : SETTLED;
	return 0;
}

/*
 * Nearly every charge is answered within the processor's timeout: look
 * again once that has passed (the daemon holds its place for so short a
 * wait), and only a charge still unanswered then waits its full
 * reconcile_after_ms in the queue. A charge given up already is due now.
 */
static long long
reconcile_due(struct cafe_policy_ctx *pc, const struct cafe_event *ev)
{
	const struct cafe_config *c = pc->config;
	long long at = cafe_parse_ts(ev->ts), settle;
	struct cafe_err e;
	int state;

	if (charge_state(pc, ev, &state, &e) == 0 && state != UNANSWERED)
		return 0;
	settle = c->payment.timeout_ms + 1000LL;
	if (settle > c->daemon.reconcile_after_ms)
		settle = c->daemon.reconcile_after_ms;
	return at + (pc->now_ms < at + settle ? settle : c->daemon.reconcile_after_ms);
}

/*
 * Gives the charge up in the log before voiding it: PaymentAbandoned at
 * the version that holds only the request. A placement whose answer comes
 * later then conflicts and places nothing; one that committed first makes
 * this conflict, and nothing is voided. Neither side moves money until it
 * has won the stream.
 */
struct abandon {
	const struct cafe_event *ev;
	int won;
};

static int
abandon_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct abandon *a = arg;
	struct cafe_order o;
	struct cafe_batch b;
	struct cafe_err refused;
	int status;

	a->won = 0;
	if ((status = cafe_policy_load_order(log, a->ev, &o, e)) != 0)
		return status;
	cafe_batch_init(&b);
	cafe_policy_batch(&b, a->ev, o.id);
	if (cafe_decide_abandon(&b, &o, "no answer in time: the charge is voided",
	    &refused) != 0) {
		/* Placed (or given up) first: nothing to append. */
		cafe_batch_release(&b);
		a->won = o.payment == CAFE_PAYMENT_ABANDONED;
		return 0;
	}
	status = cafe_log_append(log, &b, e);
	cafe_batch_release(&b);
	a->won = status == 0;
	return status;
}

static int
abandon(struct cafe_policy_ctx *pc, const struct cafe_event *ev, int *won,
    struct cafe_err *e)
{
	struct abandon a = { ev, 0 };
	int status = cafe_log_transact(pc->log, abandon_txn, &a, e);

	*won = status == 0 && a.won;
	return status;
}

static int
reconcile_act(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_err *e)
{
	const char *paykey = json_string_value(json_object_get(ev->data, "key"));
	char key[300];
	int state, won, status;

	if ((status = charge_state(pc, ev, &state, e)) != 0)
		return status;
	if (state == SETTLED)
		return 0;
	if (!paykey || !*paykey)
		return cafe_err_set(e, CAFE_DATAERR,
		    "PaymentRequested of order %lld has no key: cannot void it safely",
		    data_ll(ev, "order_id"));
	if (state == UNANSWERED) {
		if ((status = abandon(pc, ev, &won, e)) != 0)
			return status;
		if (!won)
			return 0;       /* answered meanwhile: nothing to void */
	}
	snprintf(key, sizeof key, "void-%s", paykey);
	return pay(pc, CAFE_PAY_VOID, key, data_ll(ev, "order_id"), data_ll(ev, "amount"), e);
}

static int
reconcile_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	struct pay_result *r = pc->scratch;
	struct cafe_order o;
	int status;

	if (!r)
		return 0;
	if (!r->approved)
		return cafe_err_set(e, CAFE_REFUSED,
		    "the processor refused to void the charge of order %lld: %s "
		    "(check it at the processor)", data_ll(ev, "order_id"), r->reason);
	if ((status = cafe_policy_load_order(pc->log, ev, &o, e)) != 0)
		return status;
	if (o.payment != CAFE_PAYMENT_ABANDONED)
		return 0;       /* voided by cafe-order already */
	cafe_policy_batch(out, ev, o.id);
	cafe_batch_add(out, ev->stream, o.payment_version, CAFE_EV_PAYMENT_VOIDED,
	    json_pack("{s:I, s:I, s:s, s:s}", "order_id", (json_int_t)o.id,
	    "amount", (json_int_t)r->amount, "ref", r->ref,
	    "reason", "no order was placed for this charge"));
	return 0;
}

static const enum cafe_event_type reconcile_types[] = { CAFE_EV_PAYMENT_REQUESTED, 0 };

const struct cafe_policy cafe_policy_reconcile = {
	.name = "reconcile",
	.checkpoint = "reconcile",
	.types = reconcile_types,
	.due = reconcile_due,
	.act = reconcile_act,
	.decide = reconcile_decide,
	.settle_ms = 50,        /* it waits seconds for an answer anyway */
};
