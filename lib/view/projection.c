/*
 * projection.c - the read models' catch-up loop, and the fold of a batch
 * or of the whole log into a TEMP table that the views share
 * (projection.h).
 */
#include "projection.h"

struct batch {
	const struct cafe_projection *p;
	void *arg;
	long long done, total, applied;
};

static int
one_batch(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct batch *b = arg;

	return b->p->apply(log, b->arg, b->p->batch, b->done, b->total, &b->applied, e);
}

int
cafe_projection_catch_up(const struct cafe_projection *p, struct cafe_log *log, void *arg,
    struct cafe_err *e)
{
	struct batch b = { p, arg, 0, 0, 0 };
	long long head, cp;
	int status;

	if (cafe_db_readonly(cafe_log_store(log)))
		return 0;
	/* A look without the write lock first: usually there is nothing. */
	if ((head = cafe_log_head(log, e)) < 0 ||
	    (cp = cafe_checkpoint_get(log, p->checkpoint, e)) < 0)
		return e->status;
	if (cp >= head && p->ready(log, arg))
		return 0;
	/* A table of an older shape starts again from 0 (its first batch
	 * finds out): the total is then an underestimate, moved on below. */
	b.total = head - cp;
	for (;;) {
		b.applied = 0;
		if ((status = cafe_log_transact(log, one_batch, &b, e)) != 0)
			return status;
		b.done += b.applied;
		if (b.applied < p->batch)
			return 0;
		if (b.done >= b.total)
			b.total = b.done + p->batch;
	}
}

/* The events of (after, upto] folded into table, flushed, and finished
 * whatever happened. */
static int
fold_range(struct cafe_log *log, const struct cafe_fold *f, void *state, const char *table,
    long long after, long long upto, struct cafe_err *e)
{
	int status;

	if ((status = f->prepare(state, table)) == 0 &&
	    (status = cafe_log_read_types(log, after, upto, f->types, f->event, state, e)) == 0 &&
	    f->flush)
		status = f->flush(state);
	f->finish(state);
	return status;
}

int
cafe_fold_pending(struct cafe_log *log, const struct cafe_fold *f, void *state,
    const char *table, const char *checkpoint, long long limit, long long *applied,
    struct cafe_err *e)
{
	long long after, head, upto;
	int status;

	*applied = 0;
	if ((after = cafe_checkpoint_get(log, checkpoint, e)) < 0 ||
	    (head = cafe_log_head(log, e)) < 0)
		return e->status;
	upto = limit > 0 && head - after > limit ? after + limit : head;
	if (upto <= after)
		return 0;
	if ((status = fold_range(log, f, state, table, after, upto, e)) != 0 ||
	    (status = cafe_checkpoint_set(log, checkpoint, upto, e)) != 0)
		return status;
	*applied = upto - after;
	return 0;
}

struct temp {
	struct cafe_log *log;
	const struct cafe_fold *f;
	void *state;
	const char *table;
	long long head;
};

static int
temp_txn(struct cafe_db *db, void *arg, struct cafe_err *e)
{
	struct temp *t = arg;

	(void)db;
	return fold_range(t->log, t->f, t->state, t->table, 0, t->head, e);
}

int
cafe_fold_temp(struct cafe_log *log, const struct cafe_fold *f, void *state,
    const char *table, const char *create_sql, const char *who, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct temp t = { log, f, state, table, 0 };
	int status;

	if ((t.head = cafe_log_head(log, e)) < 0)
		return e->status;
	if ((status = cafe_db_run(db, create_sql, who, e)) != 0)
		return status;
	return cafe_db_transact(db, CAFE_DB_READ, temp_txn, &t, who, e);
}

int
cafe_view_rows(struct cafe_db *db, struct cafe_stmt *st,
    json_t *(*row)(struct cafe_stmt *st), int (*fn)(json_t *row, void *arg), void *arg,
    const char *who, struct cafe_err *e)
{
	int rc, status = 0;

	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		json_t *j = row(st);

		status = fn(j, arg);
		json_decref(j);
		if (status)
			break;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = cafe_db_status(db, rc, who, "read", e);
	cafe_stmt_free(st);
	return status;
}

/* A fold view's catch-up: its projection's arg. */
struct fold_view_run {
	const struct cafe_fold_view *v;
	void *state;
};

static int
fold_view_ready(struct cafe_log *log, void *arg)
{
	const struct fold_view_run *r = arg;

	return cafe_db_has(cafe_log_store(log), r->v->shape_table, r->v->shape_column);
}

static int
fold_view_apply(struct cafe_log *log, void *arg, long long limit, long long done,
    long long total, long long *applied, struct cafe_err *e)
{
	const struct fold_view_run *r = arg;
	struct cafe_db *db = cafe_log_store(log);
	int status;

	(void)done, (void)total;
	*applied = 0;
	if (!fold_view_ready(log, arg) &&
	    ((status = cafe_db_run(db, r->v->drop_sql, r->v->name, e)) != 0 ||
	    (status = cafe_checkpoint_set(log, r->v->checkpoint, 0, e)) != 0))
		return status;
	if ((status = cafe_db_run(db, r->v->create_sql, r->v->name, e)) != 0)
		return status;
	return cafe_fold_pending(log, r->v->fold, r->state, r->v->table, r->v->checkpoint,
	    limit, applied, e);
}

int
cafe_fold_view_source(const struct cafe_fold_view *v, struct cafe_log *log, void *state,
    const char **table, struct cafe_err *e)
{
	struct fold_view_run r = { v, state };
	const struct cafe_projection p = {
		.name = v->name,
		.checkpoint = v->checkpoint,
		.batch = v->batch,
		.ready = fold_view_ready,
		.apply = fold_view_apply,
	};

	if (!cafe_db_readonly(cafe_log_store(log))) {
		*table = v->table;
		return cafe_projection_catch_up(&p, log, &r, e);
	}
	*table = v->temp_table;
	return cafe_fold_temp(log, v->fold, state, v->temp_table, v->temp_sql, v->name, e);
}
