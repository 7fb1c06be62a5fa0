/*
 * policy.h - the daemon's policies (DESIGN §4): consumers of the log, each
 * with its own checkpoint, lease and parked events.
 *
 * A policy reacts to the events it wants. Work with the outside world (a
 * refund or void at the processor) is done in `act`, before the write
 * transaction, with an idempotency key derived from the event, so that a
 * retry after a crash repeats nothing. `decide` then runs inside the write
 * transaction that also moves the policy's checkpoint: it reads what it
 * needs through the log and appends its events to `out`. Either both the
 * events and the checkpoint commit, or neither does.
 */
#ifndef CAFE_POLICY_H
#define CAFE_POLICY_H

#include "cafe.h"
#include "config.h"
#include "log.h"

struct cafe_policy_ctx {
	const struct cafe_config *config;
	struct cafe_log *log;
	void *scratch;              /* act -> decide, owned by the policy; freed by decide */
};

struct cafe_policy {
	const char *name;           /* start-delivery, compensate, refund, reconcile, notify, trace */
	/* 1 when the policy acts on this event. */
	int (*wants)(const struct cafe_event *ev);
	/* Outside any transaction; may be NULL. 0, or a status: CAFE_TEMPFAIL
	 * and CAFE_UNAVAILABLE are retried with backoff, anything else parks. */
	int (*act)(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_err *e);
	/* Inside the write transaction: append the consequences to out. */
	int (*decide)(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
			struct cafe_batch *out, struct cafe_err *e);
};

/* The registry, NULL-terminated. */
extern const struct cafe_policy *const cafe_policies[];
/* Borrowed; NULL for an unknown name. */
const struct cafe_policy *cafe_policy_find(const char *name);

#endif
