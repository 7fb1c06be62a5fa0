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

#include <jansson.h>

#include "base/cafe.h"
#include "store/log.h"
#include "store/store.h"

struct cafe_projection {
	const char *name;           /* for messages: "trace", "payments", "outbox" */
	const char *checkpoint;     /* its checkpoint's name */
	long long batch;            /* log positions per transaction */
	/* 1 when the view's table exists in its current shape (arg: the
	 * catch-up's). */
	int (*ready)(struct cafe_log *log, void *arg);
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

/*
 * The rows of a view's query, each made an object by row and lent to fn
 * until fn returns non-zero, which this returns; st is freed. A read that
 * fails is a status naming who.
 */
int cafe_view_rows(struct cafe_db *db, struct cafe_stmt *st,
		json_t *(*row)(struct cafe_stmt *st), int (*fn)(json_t *row, void *arg),
		void *arg, const char *who, struct cafe_err *e);

/*
 * A view folded event by event into a table: prepare readies its
 * statements for a table's name, event folds one event (a cafe_event_fn
 * over the same state), flush writes what it held (NULL: it holds
 * nothing), finish frees the statements. Each returns 0 or a status, with
 * the state's own cafe_err set.
 */
struct cafe_fold {
	const enum cafe_event_type *types;  /* what it reads; NULL: every type */
	int (*prepare)(void *state, const char *table);
	cafe_event_fn event;
	int (*flush)(void *state);
	void (*finish)(void *state);
};

/* One batch of a catch-up (inside the caller's write transaction): the
 * events after checkpoint, at most limit positions (0: all), folded into
 * table, and the checkpoint moved past them; *applied gets how many. */
int cafe_fold_pending(struct cafe_log *log, const struct cafe_fold *f, void *state,
		const char *table, const char *checkpoint, long long limit, long long *applied,
		struct cafe_err *e);
/* The whole log folded into a TEMP table made by create_sql, in one read
 * transaction: the view as of a past instant, or of a database we may
 * not write. who names the view in messages. */
int cafe_fold_temp(struct cafe_log *log, const struct cafe_fold *f, void *state,
		const char *table, const char *create_sql, const char *who, struct cafe_err *e);

/*
 * A view that a fold keeps in a table of its own (payments, sales): the
 * catch-up, the table's shape and its read-only twin, in one place. The
 * fold's state is the view's own, made by its caller.
 */
struct cafe_fold_view {
	const char *name;           /* for messages */
	const char *table;          /* the live table */
	const char *checkpoint;
	long long batch;            /* log positions per transaction */
	const struct cafe_fold *fold;
	/* The live table has its current shape when cafe_db_has(shape_table,
	 * shape_column) (a NULL column: the table alone). */
	const char *shape_table, *shape_column;
	/* In the write transaction: a table not in its current shape (or
	 * none) is dropped by drop_sql and folded again from the start; then
	 * create_sql makes what is missing. */
	const char *drop_sql, *create_sql;
	/* The twin on a database we may not write: its name and the SQL
	 * that makes it empty. */
	const char *temp_table, *temp_sql;
};
/* The table that answers for v in *table: on a database this connection
 * may write, the live one brought up to the log's head; on one it may
 * not, the whole log folded into the TEMP twin. */
int cafe_fold_view_source(const struct cafe_fold_view *v, struct cafe_log *log, void *state,
		const char **table, struct cafe_err *e);

#endif
