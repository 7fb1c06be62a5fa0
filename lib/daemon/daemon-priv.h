/*
 * daemon-priv.h - what the pieces of the daemon share (daemon.h is the
 * public side): its limits, the worker and the daemon, and the functions
 * one piece calls in another. Only the files of lib/daemon/ include it.
 *
 * The pieces, one concern each:
 *  - daemon.c: the worker threads and the daemon's lifecycle;
 *  - worker.c: what a worker works with: its output, its config, its
 *    statements, its write transactions and the write lock;
 *  - lease.c: the leases: who works a policy, taken, kept, given up;
 *  - queue.c: the items of a window and the queue of waiting and
 *    parked events: act, decide, record;
 *  - step.c: one step of a worker: the stream, the queue, or a
 *    whole-log policy;
 *  - watch.c: the watcher that wakes the workers on commits, and
 *    the checkpointer;
 *  - status.c: what `cafe-daemon status` and `retry` read and change.
 *
 * Functions one piece calls in another are named dm_*.
 */
#ifndef CAFE_DAEMON_PRIV_H
#define CAFE_DAEMON_PRIV_H

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cond.h"
#include "daemon.h"
#include "domain/order.h"
#include "policy/policy.h"

#define WINDOW          4096        /* seqs read per group */
#define ACT_BUDGET_MS   200         /* processor time per group before committing */
#define QUEUE_BATCH     64          /* queue rows handled per transaction */
#define TRACE_BATCH     2000        /* events folded per trace transaction */
#define CP_LAZY_MS      1000        /* longest an idle checkpoint lags in memory */
#define BACKOFF_MAX_MS  600000      /* longest wait between processor retries */
#define ERR_BACKOFF_MIN 100         /* after a database error ... */
#define ERR_BACKOFF_MAX 30000       /* ... doubling up to this */
#define ONCE_FAILURES   5           /* --once gives up after this many in a row */
#define PARKED_SHOWN    100
#define HOLD_MS         2000        /* an event due sooner holds the window */
#define REDO_CAREFULLY  1000        /* item_record: not a status, see there */

/* A config shared by the workers; replaced whole on reload. */
struct conf_ref {
	struct cafe_config c;
	int refs;
};

enum outcome { DO_DECIDE, DO_WAIT, DO_PARK, DO_GIVE_UP };

struct item {
	struct cafe_event ev;       /* owned copy */
	int from_queue;
	int attempts;               /* failed processor calls so far */
	enum outcome outcome;
	long long due_ms;           /* DO_WAIT */
	int hold;                   /* due soon: hold the window rather than queue it */
	void *scratch;              /* from act */
	char *error;                /* DO_WAIT, DO_PARK, DO_GIVE_UP: why */
};

enum step { IDLE, PROGRESS, FAILED };

struct worker {
	struct cafe_daemon *d;
	const struct cafe_policy *p;
	/* A chain's policies work shop by shop (DESIGN §15): one worker
	 * for each shop served, each with its own lease, checkpoint and
	 * queue, named POLICY@SHOP (POLICY alone in the shop "main", as
	 * before shops); a whole-log policy (trace) serves every shop. */
	char shop[168];             /* its events' shop; "": every shop's */
	char name[224];             /* of its lease, queue rows and lines */
	char checkpoint[224];
	struct cafe_log *log;
	struct conf_ref *conf;
	pthread_t thread;
	int started;

	long long cp;               /* the checkpoint as committed */
	long long pos;              /* read up to here; >= cp */
	long long cp_written_ms;
	int holder;                 /* we hold the lease */
	int known;                  /* cp/pos were read under the lease */
	long long lease_until;
	long long other_until;      /* someone else's lease expires then */
	char other[300];            /* pid@host of that someone */
	int skipped;                /* --once: the lease is someone else's */
	int idle;                   /* --once: found nothing at idle_head */
	long long idle_head;
	long long seen_head;        /* the head the last step found nothing below */
	long long hold_until;       /* the window waits for an event due then */
	int wrote;                  /* this transaction changed something */

	long long retry_at;         /* after an error: not before this */
	long long err_backoff;
	int failures;               /* errors in a row */
	int status;                 /* the last error's status (--once) */
	struct cafe_err err;

	struct item *items;
	size_t nitems, capitems;
	char **lines;               /* output waiting for the commit */
	int *levels;
	size_t nlines, caplines;

	void *memo;                 /* the policy's own (struct cafe_policy_ctx) */
	long long busy_since;       /* for busy_wait */
	int yielded;                /* busy_wait gave up our turn */

	struct cafe_stmt *st_keep, *st_qput, *st_qdel, *st_qdue, *st_qnext;
};

struct cafe_daemon {
	struct cafe_daemon_opts o;
	char owner[33];
	pthread_mutex_t wl_mutex;   /* the write lock (wlock): */
	pthread_cond_t wl_cond;
	int wl_held, wl_urgent;
	pthread_mutex_t conf_lock;
	struct conf_ref *conf;
	atomic_int stop;
	atomic_int hurry;           /* react-at-once workers stepping right now */
	struct worker *w;
	size_t nw;
	pthread_t once_thread;
	int once_started;
	/* --once: every worker idle at the same head means the work is done. */
	pthread_mutex_t idle_lock;
	size_t nidle;
	int failed;
	/* The watcher: one thread waits for commits and tells the workers. */
	struct cafe_log *watch_log, *ckpt_log;
	struct cafe_log_watch *watcher;
	pthread_t checkpointer;
	int checkpointer_started;
	pthread_mutex_t head_lock;
	pthread_cond_t head_cond;
	long long head;             /* the log's head as last seen */
};

/* worker.c */
/* The daemon's operational tables (daemon.h), created on first run. */
extern const char dm_schema[];
void dm_say(struct worker *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line that is only true once the transaction commits. */
void dm_later(struct worker *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const struct cafe_config *dm_conf(struct worker *w);
void dm_conf_refresh(struct worker *w);
int dm_sql_fail(struct worker *w, int rc, struct cafe_err *e, const char *what);
int dm_stmt(struct worker *w, struct cafe_stmt **st, const char *sql, struct cafe_err *e);
int dm_should_yield(struct worker *w);
int dm_txn_begin(struct worker *w, struct cafe_err *e);
int dm_txn_commit(struct worker *w, struct cafe_err *e);
void dm_txn_rollback(struct worker *w);
struct conf_ref *dm_conf_get(struct cafe_daemon *d);
void dm_conf_put(struct cafe_daemon *d, struct conf_ref *r);
/* The lines held for the end of a transaction: said when it committed. */
void dm_lines_end(struct worker *w, int committed);
/* Steps a statement that writes a row of the daemon's own (the
 * transaction then has something to commit); 0 or a status. */
int dm_write(struct worker *w, struct cafe_stmt *st, const char *what, struct cafe_err *e);
int dm_exec(struct worker *w, const char *sql, struct cafe_err *e);
/* The SQLite busy handler of a worker's connection (cafe_log_as_worker). */
int dm_busy_wait(void *arg, int count);

/* lease.c */
int dm_lease_keep(struct worker *w, struct cafe_err *e);
int dm_checkpoint_unmoved(struct worker *w, struct cafe_err *e);
int dm_lease_take(struct worker *w, struct cafe_err *e);
void dm_lease_release(struct worker *w);

/* queue.c */
long long dm_queue_next(struct worker *w);
long long dm_count_parked(struct cafe_log *log, const char *policy);
void dm_items_clear(struct worker *w);
int dm_collect(const struct cafe_event *ev, void *arg);
void dm_pc_init(struct worker *w, struct cafe_policy_ctx *pc, const struct item *it,
		long long now);
void dm_format_seconds(char *buf, size_t n, long long ms);
void dm_item_prepare(struct worker *w, struct item *it);
int dm_record(struct worker *w, long long upto, struct cafe_err *e);

/* step.c */
int dm_keep_up(struct worker *w, struct cafe_err *e);
enum step dm_step(struct worker *w);
long long dm_idle_ms(struct worker *w);

/* watch.c */
void dm_publish_head(struct cafe_daemon *d, long long head);
void dm_stop_all(struct cafe_daemon *d);
void dm_nap(struct cafe_daemon *d, long long ms);
void *dm_checkpointer_main(void *arg);
void dm_on_commit(void *arg, struct cafe_log *log, long long head);
int dm_wait_head(struct worker *w, long long pos, long long ms);

#endif
