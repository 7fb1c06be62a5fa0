/*
 * projection.c - the read models' catch-up loop (projection.h).
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
	if (cp >= head && p->ready(log))
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
