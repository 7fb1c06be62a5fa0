/*
 * daemon.h - running the policies (policy.h): the loop behind
 * `cafe-daemon run`, its leases, its queue of waiting and parked events,
 * and what `cafe-daemon status` and `retry` read and change.
 *
 * Operational tables (in the log's file, created on first run):
 *
 *   daemon_leases(policy PRIMARY KEY, owner, pid, host, since_ms, expires_ms)
 *	who works a policy. A daemon takes a lease that is free or expired,
 *	renews it every lease_ms/3, and checks it inside every transaction
 *	that appends for the policy, so a holder that lost it appends nothing.
 *   daemon_queue(policy, seq, state, due_ms, attempts, type, order_id,
 *           error, since_ms, updated_ms; PRIMARY KEY(policy, seq))
 *	events a policy has read but not yet handled: state 'wait' (not due
 *	yet, or waiting to retry a failed processor call) or 'parked' (could
 *	not be handled; waits for `cafe-daemon retry`).
 *
 * Invariants:
 *  - A policy's appended events, its checkpoint, its queue rows and its
 *    lease renewal commit in one transaction (BEGIN IMMEDIATE), so a crash
 *    at any instant causes neither a gap nor a duplicate.
 *  - An event read past the checkpoint is handled, queued or parked in
 *    that transaction: none is skipped silently.
 *  - External calls (policy act) happen before that transaction and carry
 *    an idempotency key, so doing one again after a crash repeats nothing.
 *  - One thread per policy; within the process, write transactions take
 *    turns on a mutex instead of sleeping in SQLite's busy handler.
 *
 * The library never prints: every line goes through opts->say.
 */
#ifndef CAFE_DAEMON_H
#define CAFE_DAEMON_H

#include <jansson.h>
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

/* Levels of opts->say; a line is produced when level <= opts->verbosity. */
enum {
	CAFE_SAY_ERROR = -1,        /* errors and warnings: always */
	CAFE_SAY_ACTION = 0,        /* one line per action (-q: none) */
	CAFE_SAY_DEBUG = 1          /* leases, batches, waits (-v) */
};

struct cafe_daemon_opts {
	const char *db_path;
	int log_flags;              /* for cafe_log_open: CAFE_LOG_SYNC_NORMAL */
	const char *config_path;    /* explicit --config, or NULL: the lookup order */
	const char *const *policies;/* names to run, NULL-terminated; NULL: all */
	const char *const *shops;   /* shops served, NULL-terminated (DESIGN §15);
	                             * NULL: the config's */
	int once;                   /* work off the backlog, then stop */
	int queue_only;             /* with once: only events due in the queue */
	int verbosity;              /* -1 quiet, 0 normal, 1 verbose */
	const char *tool;           /* meta.tool of appended events */
	void (*say)(void *arg, int level, const char *msg);
	void (*done)(void *arg);    /* called from the daemon's thread when it ends */
	void *arg;                  /* for say and done */
};

struct cafe_daemon;

/* Loads the config, opens a connection per policy and creates the tables.
 * CAFE_USAGE for an unknown policy name. */
int cafe_daemon_open(struct cafe_daemon **out, const struct cafe_daemon_opts *o,
		struct cafe_err *e);
/* Starts the policies' threads (one thread for --once) and returns. The
 * caller's signal mask is inherited: block the signals it handles. */
int cafe_daemon_start(struct cafe_daemon *d, struct cafe_err *e);
/* Asks every policy to finish its batch and stop. Async-signal-safe. */
void cafe_daemon_stop(struct cafe_daemon *d);
/* Reloads the config (opts->config_path); the policies take it at their
 * next batch. On error the old config stays. */
int cafe_daemon_reload(struct cafe_daemon *d, struct cafe_err *e);
/*
 * Waits for the threads, writes the checkpoints, gives up the leases and
 * frees d. Returns 0; CAFE_REFUSED when a policy that ran has parked
 * events; or the status of an error a --once run could not get past (its
 * message in e).
 */
int cafe_daemon_close(struct cafe_daemon *d, struct cafe_err *e);

/* Calls fn with one JSON object per policy (borrowed): policy, checkpoint,
 * head, lag, holder (pid@host or null), lease_expires (RFC 3339 or null),
 * waiting, parked, parked_events [{seq, type, order_id, error, attempts,
 * parked_at}], healthy. *healthy is 0 when a policy lags past
 * daemon.lag_alert or has parked events. Never writes. */
int cafe_daemon_status(const struct cafe_config *c, struct cafe_log *log,
		int (*fn)(json_t *row, void *arg), void *arg, int *healthy,
		struct cafe_err *e);

/* Moves the parked events of policy (NULL: all) back to the queue, due
 * now; *count gets how many. CAFE_USAGE for an unknown policy. */
int cafe_daemon_unpark(struct cafe_log *log, const char *policy, long long *count,
		struct cafe_err *e);
/* The live holder of a policy's lease as "pid@host" (new string), or NULL. */
char *cafe_daemon_holder(struct cafe_log *log, const char *policy, struct cafe_err *e);

#endif
