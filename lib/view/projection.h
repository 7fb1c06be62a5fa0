/*
 * projection.h - the one catch-up loop of the read models (the trace,
 * the payments view, the outbox): each view supplies its name, its
 * checkpoint, a look at whether its table is there in its current shape,
 * and its fold; this runs them against the log.
 *
 * Invariants: a view is caught up in write transactions of its own, a
 * batch at a time, each batch's rows and checkpoint committed together;
 * a read-only log is left alone (its readers fold into temporary tables);
 * with nothing new and the table in place, no write lock is taken.
 */
#ifndef CAFE_PROJECTION_H
#define CAFE_PROJECTION_H

#include "base/cafe.h"
#include "store/log.h"

struct cafe_projection {
	const char *name;           /* for messages: "trace", "payments", "outbox" */
	const char *checkpoint;     /* its checkpoint's name */
	long long batch;            /* log positions per transaction */
	/* 1 when the view's table exists in its current shape. */
	int (*ready)(struct cafe_log *log);
	/* Inside the write transaction: folds up to limit pending positions,
	 * creating the table if needed, and moves the checkpoint; *applied
	 * gets how many positions it covered (fewer than limit: caught up).
	 * done and total say how far the whole catch-up is, for a meter. */
	int (*apply)(struct cafe_log *log, void *arg, long long limit, long long done,
			long long total, long long *applied, struct cafe_err *e);
};

/* Brings the view up to the log's head (must not be inside a transaction).
 * arg goes to apply. */
int cafe_projection_catch_up(const struct cafe_projection *p, struct cafe_log *log,
		void *arg, struct cafe_err *e);

#endif
