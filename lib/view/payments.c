/*
 * payments.c - the payments read model and the manual refund
 * (payments.h). Not to be confused with payment.c, the path of one
 * processor call: this is what cafe-pay lists and shows.
 *
 * Catching up reads only the payment event types after checkpoint
 * "payments" (cafe_log_read_types: the other events are not even
 * decoded), folds each into its order's row and moves the checkpoint, in
 * one write transaction per slice of the log, so the table is never ahead
 * of or behind its checkpoint and a long first catch-up does not hold the
 * write lock for long. A database we may not write is folded the same way
 * into a TEMP table that never touches the live one.
 *
 * The refund decision is a pure function of the payment stream's folded
 * state (cafe_order_apply), taken under the write lock it appends under.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/staff.h"
#include "domain/order.h"
#include "payments.h"
#include "projection.h"
#include "till.h"

#define WHO "payments"    /* names this view in messages */
#define CHECKPOINT "payments"
#define SLICE 20000     /* log positions per catch-up transaction */

static const enum cafe_event_type types[] = {
	CAFE_EV_PAYMENT_REQUESTED, CAFE_EV_PAYMENT_APPROVED, CAFE_EV_PAYMENT_DECLINED,
	CAFE_EV_PAYMENT_ABANDONED, CAFE_EV_PAYMENT_VOIDED, CAFE_EV_REFUND_REQUESTED,
	CAFE_EV_PAYMENT_REFUNDED, CAFE_EV_REFUND_FAILED, 0
};

static const char *const statuses[] = {
	"requested", "approved", "declined", "refund_pending", "partially_refunded",
	"refunded", "refund_failed", "voiding", "voided", NULL
};

#define COLUMNS \
	"order_id INTEGER PRIMARY KEY, status TEXT NOT NULL, amount BIGINT NOT NULL," \
	" currency TEXT NOT NULL, key TEXT NOT NULL, ref TEXT, reason TEXT," \
	" refund_reason TEXT, refund_ref TEXT, refund_error TEXT, void_ref TEXT," \
	" requested_at TEXT NOT NULL, decided_at TEXT, refund_requested_at TEXT," \
	" updated_at TEXT NOT NULL, refunded BIGINT NOT NULL DEFAULT 0," \
	" refund_open BIGINT NOT NULL DEFAULT 0, cash BIGINT NOT NULL DEFAULT 0"

#define SELECT_COLUMNS \
	"order_id, status, amount, currency, key, ref, reason, refund_reason," \
	" refund_ref, refund_error, void_ref, requested_at, decided_at," \
	" refund_requested_at, updated_at, refunded, cash"

const char *
cafe_payments_status(const char *s)
{
	if (!s)
		return NULL;
	if (strcmp(s, "failed") == 0)
		return "refund_failed";
	for (int i = 0; statuses[i]; i++)
		if (strcmp(s, statuses[i]) == 0)
			return statuses[i];
	return NULL;
}

/* Folding into "payments" or "payments_view". */
struct fold {
	struct cafe_db *db;
	struct cafe_stmt *ins, *upd;
	struct cafe_err *e;
	int status;
};

static int
fold_prepare(void *arg, const char *table)
{
	struct fold *f = arg;
	int status;

	if ((status = cafe_db_preparef(f->db, &f->ins, WHO, f->e,
	    "INSERT INTO %s(order_id, status, amount, currency, key,"
	    " requested_at, updated_at) VALUES (?1, 'requested', 0, '', '', ?2, ?2)"
	    " ON CONFLICT(order_id) DO NOTHING", table)) != 0)
		return status;
	/* A refund's answer decides the status from what is left open and
	 * what went back (?16 its amount, ?17 'refunded' or 'failed'); a
	 * request without an amount asks for all that is left. */
#define ANSWER "coalesce(?16, refund_open)"
	status = cafe_db_preparef(f->db, &f->upd, WHO, f->e, "UPDATE %s SET status = CASE CAST(?17 AS TEXT)"
	    " WHEN 'refunded' THEN CASE WHEN refund_open - " ANSWER " > 0 THEN 'refund_pending'"
	    "   WHEN refunded + " ANSWER " >= amount THEN 'refunded'"
	    "   ELSE 'partially_refunded' END"
	    " WHEN 'failed' THEN CASE WHEN refund_open - " ANSWER " > 0 THEN 'refund_pending'"
	    "   ELSE 'refund_failed' END"
	    " ELSE ?2 END, updated_at = ?3,"
	    " refunded = refunded + CASE WHEN ?17 = 'refunded' THEN " ANSWER " ELSE 0 END,"
	    " refund_open = CASE WHEN ?17 = 'asked'"
	    "   THEN refund_open + coalesce(?16, amount - refunded - refund_open)"
	    "   WHEN ?17 IN ('refunded', 'failed') THEN refund_open - " ANSWER
	    "   ELSE refund_open END,"
	    " amount = coalesce(?4, amount), currency = coalesce(?5, currency),"
	    " key = coalesce(?6, key), requested_at = coalesce(?7, requested_at),"
	    " ref = coalesce(?8, ref), reason = coalesce(?9, reason),"
	    " decided_at = coalesce(?10, decided_at),"
	    " refund_reason = coalesce(?11, refund_reason),"
	    " refund_requested_at = coalesce(?12, refund_requested_at),"
	    " refund_ref = coalesce(?13, refund_ref),"
	    " refund_error = CASE WHEN ?2 = 'refund_pending' THEN NULL"
	    "   ELSE coalesce(?14, refund_error) END,"
	    " void_ref = coalesce(?15, void_ref), cash = coalesce(?18, cash)"
	    " WHERE order_id = ?1", table);
#undef ANSWER
	return status;
}

static void
fold_finish(void *arg)
{
	struct fold *f = arg;

	cafe_stmt_free(f->ins);
	cafe_stmt_free(f->upd);
	f->ins = f->upd = NULL;
}

/* Binds data.key (a string) to parameter i, or leaves it NULL. */
static void
bind_str(struct cafe_stmt *st, int i, const struct cafe_event *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev->data, key));

	if (s)
		cafe_stmt_text(st, i, s);
}

static int
fold_event(const struct cafe_event *ev, void *arg)
{
	struct fold *f = arg;
	const char *status, *refund = NULL;
	json_t *amount;
	long long id = cafe_event_order_id(ev);
	int rc;

	if (id <= 0 || strncmp(ev->stream, "payment-", 8) != 0)
		return 0;
	cafe_stmt_reset(f->ins);
	cafe_stmt_int(f->ins, 1, id);
	cafe_stmt_text(f->ins, 2, ev->ts);
	if ((rc = cafe_stmt_step(f->ins)) != CAFE_DB_DONE)
		return f->status = cafe_db_status(f->db, rc, WHO, "write", f->e);

	cafe_stmt_reset(f->upd);
	cafe_stmt_clear(f->upd);
	cafe_stmt_int(f->upd, 1, id);
	cafe_stmt_text(f->upd, 3, ev->ts);
	if (ev->kind == CAFE_EV_PAYMENT_REQUESTED) {
		status = "requested";
		if (json_is_integer(amount = json_object_get(ev->data, "amount")))
			cafe_stmt_int(f->upd, 4, json_integer_value(amount));
		bind_str(f->upd, 5, ev, "currency");
		bind_str(f->upd, 6, ev, "key");
		cafe_stmt_text(f->upd, 7, ev->ts);
	} else if (ev->kind == CAFE_EV_PAYMENT_APPROVED) {
		json_t *t;
		size_t i;

		status = "approved";
		/* All that was paid, card and cash: the request asked the card's. */
		if (json_is_integer(amount = json_object_get(ev->data, "amount")))
			cafe_stmt_int(f->upd, 4, json_integer_value(amount));
		bind_str(f->upd, 5, ev, "currency");
		bind_str(f->upd, 8, ev, "ref");
		cafe_stmt_text(f->upd, 10, ev->ts);
		json_array_foreach(json_object_get(ev->data, "tenders"), i, t)
			if (strcmp(json_string_value(json_object_get(t, "tender")) ?
			    json_string_value(json_object_get(t, "tender")) : "", "cash") == 0)
				cafe_stmt_int(f->upd, 18, json_integer_value(
				    json_object_get(t, "amount")));
	} else if (ev->kind == CAFE_EV_PAYMENT_DECLINED) {
		status = "declined";
		bind_str(f->upd, 9, ev, "reason");
		cafe_stmt_text(f->upd, 10, ev->ts);
	} else if (ev->kind == CAFE_EV_PAYMENT_ABANDONED) {
		status = "voiding";
		bind_str(f->upd, 9, ev, "reason");
	} else if (ev->kind == CAFE_EV_PAYMENT_VOIDED) {
		status = "voided";
		bind_str(f->upd, 9, ev, "reason");
		bind_str(f->upd, 15, ev, "ref");
	} else if (ev->kind == CAFE_EV_REFUND_REQUESTED) {
		status = "refund_pending";
		bind_str(f->upd, 11, ev, "reason");
		cafe_stmt_text(f->upd, 12, ev->ts);
		refund = "asked";
	} else if (ev->kind == CAFE_EV_PAYMENT_REFUNDED) {
		status = "refunded";
		bind_str(f->upd, 13, ev, "ref");
		refund = "refunded";
	} else if (ev->kind == CAFE_EV_REFUND_FAILED) {
		status = "refund_failed";
		bind_str(f->upd, 14, ev, "error");
		refund = "failed";
	} else {
		return 0;
	}
	cafe_stmt_text(f->upd, 2, status);
	if (refund) {
		cafe_stmt_text(f->upd, 17, refund);
		if (json_is_integer(amount = json_object_get(ev->data, "amount")))
			cafe_stmt_int(f->upd, 16, json_integer_value(amount));
	}
	if ((rc = cafe_stmt_step(f->upd)) != CAFE_DB_DONE)
		return f->status = cafe_db_status(f->db, rc, WHO, "write", f->e);
	return 0;
}

static const struct cafe_fold payments_fold = {
	.types = types,
	.prepare = fold_prepare,
	.event = fold_event,
	.finish = fold_finish,
};

static const struct cafe_fold_view payments_view = {
	.name = WHO,
	.table = "payments",
	.checkpoint = CHECKPOINT,
	.batch = SLICE,
	.fold = &payments_fold,
	/* A table from before tenders is folded again. */
	.shape_table = "payments",
	.shape_column = "cash",
	.drop_sql = "DROP TABLE IF EXISTS payments",
	.create_sql = "CREATE TABLE IF NOT EXISTS payments(" COLUMNS ");"
	    "CREATE INDEX IF NOT EXISTS payments_status ON payments(status, order_id);",
	.temp_table = "payments_view",
	.temp_sql = "DROP TABLE IF EXISTS payments_view;"
	    "CREATE TEMP TABLE payments_view(" COLUMNS ")",
};

static int
source_table(struct cafe_log *log, const char **table, struct cafe_err *e)
{
	struct fold f = { cafe_log_store(log), NULL, NULL, e, 0 };

	return cafe_fold_view_source(&payments_view, log, &f, table, e);
}

static json_t *
text_or_null(struct cafe_stmt *st, int i)
{
	const char *s = cafe_col_text(st, i);

	return s ? json_string(s) : json_null();
}

static json_t *
row_json(struct cafe_stmt *st)
{
	static const char *const names[] = { "order_id", "status", "amount", "currency",
		"key", "ref", "reason", "refund_reason", "refund_ref", "refund_error",
		"void_ref", "requested_at", "decided_at", "refund_requested_at",
		"updated_at", "refunded" };
	json_t *o = json_object();

	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		json_object_set_new(o, names[i],
		    cafe_col_kind(st, i) == CAFE_COL_INT ?
		    json_integer(cafe_col_int(st, i)) : text_or_null(st, i));
	/* How it was paid, once it was: the card's part and the cash's. */
	json_object_set_new(o, "tenders", cafe_tenders_json(cafe_col_int(st, 2),
	    cafe_col_int(st, 16), -1));
	return o;
}

int
cafe_payments_list(struct cafe_log *log, const struct cafe_payments_query *q,
    int (*fn)(json_t *, void *), void *arg, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st = NULL;
	const char *table;
	int status;

	if ((status = source_table(log, &table, e)) != 0)
		return status;
	if ((status = cafe_db_preparef(db, &st, WHO, e,
	    "SELECT " SELECT_COLUMNS " FROM %s"
	    " WHERE (?1 = 0 OR order_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR status = ?2)"
	    " ORDER BY order_id", table)) != 0)
		return status;
	cafe_stmt_int(st, 1, q->order_id);
	if (q->status)
		cafe_stmt_text(st, 2, q->status);
	return cafe_view_rows(db, st, row_json, fn, arg, WHO, e);
}

static int
keep_row(json_t *row, void *arg)
{
	*(json_t **)arg = json_incref(row);
	return 1;
}

static int
event_item(const struct cafe_event *ev, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:O}", "seq",
	    (json_int_t)ev->seq, "type", ev->type, "ts", ev->ts, "data", ev->data));
	return 0;
}

json_t *
cafe_payments_get(struct cafe_log *log, long long order_id, struct cafe_err *e)
{
	struct cafe_payments_query q = { order_id, NULL };
	json_t *row = NULL, *events;
	char stream[48];
	int status;

	status = cafe_payments_list(log, &q, keep_row, &row, e);
	if (status != 0 && status != 1) {
		json_decref(row);
		return NULL;
	}
	if (!row) {
		cafe_err_set(e, CAFE_REFUSED, "unknown order %lld (see 'cafe-pay list')",
		    order_id);
		return NULL;
	}
	events = json_array();
	cafe_order_stream(stream, sizeof stream, "payment", order_id);
	if (cafe_log_read_stream(log, stream, event_item, events, e) != 0) {
		json_decref(events);
		json_decref(row);
		return NULL;
	}
	json_object_set_new(row, "events", events);
	return row;
}

/* --- the manual refund --- */

/* The refund a key was first given with: its event, and the payment as
 * it stood before it. */
struct refund_hit {
	long long seq;              /* 0: the key is new */
	long long order_id;
	char type[48];              /* for messages */
	enum cafe_event_type kind;
	json_t *data;
	char ts[32];
	int cancelled;              /* its batch cancelled the order */
	json_t *tenders;            /* what each tender gets back: [{tender, amount}] */
	long long amount;           /* all of them */
};

struct refund_txn {
	long long order_id;
	long long amount;           /* 0: all that is left */
	const struct cafe_config *staff;    /* who may refund how much; NULL: anyone */
	int cash_first;             /* --tender cash: out of the drawer first */
	const char *reason;
	const char *key;
	struct refund_hit hit;
	struct cafe_order *o;
	int cancelled;              /* the whole charge before the drink was made */
	json_t *out;
};

static int
fold_order(const struct cafe_event *ev, void *arg)
{
	struct refund_txn *t = arg;

	if (!t->hit.seq || ev->seq < t->hit.seq)
		cafe_order_apply(t->o, ev);
	else if (ev->seq <= t->hit.seq + 2 && ev->kind == CAFE_EV_ORDER_CANCELLED)
		t->hit.cancelled = 1;
	return 0;
}

static int
key_event(const struct cafe_event *ev, void *arg)
{
	struct refund_hit *h = arg;
	json_t *amount = json_object_get(ev->data, "amount");

	if (ev->kind == CAFE_EV_REFUND_REQUESTED) {
		if (!h->tenders)
			h->tenders = json_array();
		json_array_append_new(h->tenders, json_pack("{s:s, s:O}", "tender",
		    json_string_value(json_object_get(ev->data, "tender")) ? "cash" : "card",
		    "amount", amount));
		h->amount += json_integer_value(amount);
	}
	/* The batch's first event (one not yet appended has no seq). */
	if (h->data)
		return 0;
	h->seq = ev->seq;
	h->order_id = cafe_event_order_id(ev);
	snprintf(h->type, sizeof h->type, "%s", ev->type);
	h->kind = ev->kind;
	h->data = json_incref(ev->data);
	snprintf(h->ts, sizeof h->ts, "%s", ev->ts);
	return 0;
}

static void
answer(struct refund_txn *t, const struct cafe_order *o, const struct refund_hit *h,
    const char *reason, const char *ts)
{
	json_decref(t->out);
	t->out = json_pack("{s:I, s:s, s:I, s:O, s:I, s:I, s:s, s:s, s:b}", "order_id",
	    (json_int_t)o->id, "status", "refund_pending", "amount", (json_int_t)h->amount,
	    "tenders", h->tenders, "charged", (json_int_t)o->amount,
	    "refunded", (json_int_t)o->refunded,
	    "reason", reason, "requested_at", ts, "order_cancelled", t->cancelled);
}

/* A refund of all that is left before the drink is made is a cancel
 * (seed 002: payment cancelled, delivery cancelled): the compensate policy
 * then refunds it, stops the kitchen and puts the stock back. */
static int
unmade(const struct cafe_order *o, long long amount)
{
	return o->status == CAFE_ORDER_PAID && (amount == 0 ||
	    amount == cafe_order_refundable(o)) &&
	    (o->delivery == CAFE_DELIVERY_PENDING || o->delivery == CAFE_DELIVERY_BREWING);
}

/* Cash given back comes out of an open drawer. */
static int
cash_out(struct cafe_log *log, const struct cafe_batch *b, struct cafe_err *e)
{
	struct cafe_till t;
	int status;

	for (size_t i = 0; i < b->n; i++) {
		if (!json_is_string(json_object_get(b->ev[i].data, "tender")))
			continue;
		cafe_till_init(&t, cafe_log_shop(log));
		if ((status = cafe_till_is_open(log, &t.open, e)) != 0)
			return status;
		return cafe_till_require_open(&t, "a cash refund", e);
	}
	return 0;
}

static int
refund_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct refund_txn *t = arg;
	struct cafe_order *o = cafe_xmalloc(sizeof *o);
	struct cafe_batch b;
	struct refund_hit asked;
	char corr[32];
	int status;

	cafe_order_init(o, t->order_id);
	cafe_batch_init(&b);
	json_decref(t->hit.data);
	json_decref(t->hit.tenders);
	memset(&t->hit, 0, sizeof t->hit);
	memset(&asked, 0, sizeof asked);
	/* Under the write lock: a retry racing its first try appends once. */
	if (t->key && (status = cafe_log_read_key(log, t->key, key_event, &t->hit, e)) != 0)
		goto out;
	if (t->hit.seq && (t->hit.kind != CAFE_EV_REFUND_REQUESTED ||
	    t->hit.order_id != t->order_id)) {
		status = cafe_err_set(e, CAFE_DATAERR, "key '%s' was already used for another "
		    "command (%s, order %lld)", t->key, t->hit.type, t->hit.order_id);
		goto out;
	}
	t->o = o;
	snprintf(corr, sizeof corr, "%lld", t->order_id);
	if ((status = cafe_log_read_correlated(log, corr, fold_order, t, e)) != 0)
		goto out;
	if (t->hit.seq) {           /* the first answer again, nothing new */
		t->cancelled = t->hit.cancelled;
		answer(t, o, &t->hit,
		    json_string_value(json_object_get(t->hit.data, "reason")), t->hit.ts);
		goto out;
	}
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", t->order_id);
	if ((status = cafe_decide_refund(&b, o, t->amount, t->cash_first, t->reason, e)) != 0)
		goto out;
	for (size_t i = 0; i < b.n; i++)
		key_event(&b.ev[i], &asked);
	if (t->staff && (status = cafe_staff_may_refund(t->staff, asked.amount, e)) != 0)
		goto out;
	if ((status = cash_out(log, &b, e)) != 0)
		goto out;
	if ((t->cancelled = unmade(o, t->amount)))
		status = cafe_decide_cancel(&b, o, t->reason, e);
	if (t->key)
		snprintf(b.key, sizeof b.key, "%s", t->key);
	if (status == 0 && (status = cafe_log_append(log, &b, e)) == 0)
		answer(t, o, &asked, t->reason, b.ev[0].ts);
out:
	json_decref(asked.data);
	json_decref(asked.tenders);
	cafe_batch_release(&b);
	free(o);
	t->o = NULL;
	return status;
}

int
cafe_payments_refund(struct cafe_log *log, const struct cafe_config *staff,
    long long order_id, long long amount, int cash_first, const char *reason,
    const char *key, json_t **out, struct cafe_err *e)
{
	struct refund_txn t = { .order_id = order_id, .amount = amount, .staff = staff,
	    .cash_first = cash_first, .key = key };
	size_t chars = 0;
	int status;

	if (key && !cafe_valid_text(key))
		return cafe_err_set(e, CAFE_DATAERR, "key is not valid UTF-8 text");
	t.reason = reason && *reason ? reason : "manual refund";
	if (!cafe_valid_text(t.reason))
		return cafe_err_set(e, CAFE_DATAERR,
		    "reason is not valid UTF-8 text (control characters or bad bytes)");
	for (const unsigned char *p = (const unsigned char *)t.reason; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars > CAFE_MAX_TEXT)
		return cafe_err_set(e, CAFE_DATAERR,
		    "reason is too long (%zu characters, at most %d)", chars, CAFE_MAX_TEXT);
	status = cafe_log_transact(log, refund_txn, &t, e);
	json_decref(t.hit.data);
	json_decref(t.hit.tenders);
	if (status != 0) {
		json_decref(t.out);
		return status;
	}
	if (out)
		*out = t.out;
	else
		json_decref(t.out);
	return 0;
}
