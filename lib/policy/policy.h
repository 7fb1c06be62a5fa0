/*
 * policy.h - the daemon's policies (DESIGN §4): consumers of the log, each
 * with its own checkpoint, lease and parked events. lib/daemon/daemon.c runs them.
 *
 * A policy reads the events of the types it names, in log order. For each:
 *  - `due` (may be NULL) says when the event may be handled; until then the
 *    daemon keeps it waiting in its queue and goes on with the next.
 *  - `act` (may be NULL) does the work with the outside world (a refund or a
 *    void at the processor), before and outside any transaction, with an
 *    idempotency key derived from the event, so that doing it again after
 *    a crash repeats nothing. It may leave its result in pc->scratch. A
 *    policy may also use it to read ahead what decide needs, so that the
 *    reading happens outside the write lock (decide then only checks that
 *    the stream it read has not moved).
 *  - `decide` runs inside the write transaction that also moves the
 *    policy's checkpoint: it reads what it needs through the log (fresh:
 *    the write lock is held) and appends the consequences to `out`. Either
 *    the events and the checkpoint commit together, or neither does.
 * A whole-log policy (trace) has `apply` instead of types/act/decide: it
 * folds what is pending inside the daemon's transaction and keeps its own
 * checkpoint.
 *
 * Statuses from act: 0 done; CAFE_TEMPFAIL (breaker open, database busy)
 * is retried after backoff without counting an attempt; CAFE_UNAVAILABLE
 * (the processor failed) is retried with backoff and counts, and after
 * daemon.max_attempts `give_up` decides what stays in the log (NULL: the
 * event is parked). Any other status parks the event: it is recorded,
 * shown by `cafe-daemon status`, retried by `cafe-daemon retry`, and the
 * policy goes on with the next. From decide: 0, CAFE_TEMPFAIL (the whole
 * transaction is retried later) or another status (the event is parked,
 * nothing it appended stays).
 *
 * Adding a policy: a struct cafe_policy in a lib/policy*.c file and a line
 * in the registry (policy.c). Names are stable: they name checkpoints,
 * leases and parked events in the database.
 */
#ifndef CAFE_POLICY_H
#define CAFE_POLICY_H

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

struct cafe_policy_ctx {
	const struct cafe_config *config;
	struct cafe_log *log;
	long long now_ms;           /* wall clock when the event is handled */
	int attempts;               /* failed processor calls so far for this event */
	long long retry_ms;         /* act, on CAFE_TEMPFAIL: how long to wait (0: the
	                             * daemon's backoff) */
	int careful;                /* decide: 0 on the daemon's first try, when it
	                             * may leave to the log what the log checks
	                             * anyway (an append to a new stream that
	                             * exists fails); 1 when the daemon does it
	                             * again event by event after such a failure,
	                             * and decide must then look itself */
	void *scratch;              /* act -> decide/give_up: one malloc'd block,
	                             * free()d by the daemon; NULL before act */
	void **memo;                /* the policy's own, kept from event to event
	                             * by its worker: one malloc'd block (or NULL),
	                             * free()d by the daemon when the worker ends */
};

struct cafe_policy {
	const char *name;           /* start-delivery, compensate, refund, ... */
	const char *checkpoint;     /* the checkpoint's name */
	const enum cafe_event_type *types; /* types it reads, ended by CAFE_EV_UNKNOWN */
	long long (*due)(struct cafe_policy_ctx *pc, const struct cafe_event *ev);
	int (*act)(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
			struct cafe_err *e);
	int (*decide)(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
			struct cafe_batch *out, struct cafe_err *e);
	/* After max_attempts failed calls (e->msg holds the last error). */
	int (*give_up)(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
			struct cafe_batch *out, struct cafe_err *e);
	/* Whole-log policies: fold up to limit pending events inside the open
	 * write transaction and move the checkpoint; *applied counts them. */
	int (*apply)(struct cafe_policy_ctx *pc, long long limit, long long *applied,
			struct cafe_err *e);
	/* Optional, for apply: before the transaction, read and fold ahead
	 * into pc->scratch what apply then only has to write (apply checks
	 * that nothing moved meanwhile); ahead_free releases it. */
	void (*ahead)(struct cafe_policy_ctx *pc, long long limit);
	void (*ahead_free)(void *scratch);
	/* When following the log: how long new events may gather before the
	 * policy handles them (fewer, larger transactions, out of the way of
	 * the policies that react at once); 0: at once. */
	int settle_ms;
};

/* The registry, in the order the daemon runs them, NULL-terminated. */
extern const struct cafe_policy *const cafe_policies[];
/* Borrowed; NULL for an unknown name. */
const struct cafe_policy *cafe_policy_find(const char *name);

/* The policies, one per file group (policy.c, pay.c, notify.c). */
extern const struct cafe_policy cafe_policy_start_delivery;
extern const struct cafe_policy cafe_policy_compensate;
extern const struct cafe_policy cafe_policy_refund;
extern const struct cafe_policy cafe_policy_reconcile;
extern const struct cafe_policy cafe_policy_notify;
extern const struct cafe_policy cafe_policy_trace;
extern const struct cafe_policy cafe_policy_print;      /* print.c */

/* Shared by the policies: the folded order of ev (its correlation id or
 * data.order_id) read from the log. CAFE_DATAERR when ev names no order. */
struct cafe_order;
int cafe_policy_load_order(struct cafe_log *log, const struct cafe_event *ev,
		struct cafe_order *o, struct cafe_err *e);
/* An act that reads the order's own stream ahead into pc->scratch (a
 * struct cafe_order); never fails. An OrderPlaced it sees is kept in
 * pc->memo, so the PaymentApproved that follows it needs no read. */
int cafe_policy_read_ahead(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
		struct cafe_err *e);
/* Inside the transaction: the order folded from its own stream, taken from
 * what was read ahead when the stream has not moved since. */
int cafe_policy_order_stream(struct cafe_policy_ctx *pc, long long id,
		struct cafe_order *o, struct cafe_err *e);
/* Starts a batch for the consequences of ev: correlation = the order id,
 * causation = ev's id, shop = ev's shop. */
void cafe_policy_batch(struct cafe_batch *out, const struct cafe_event *ev,
		long long order_id);

#endif
