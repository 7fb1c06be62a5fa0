/*
 * log-append.c - appending a batch (log.h): expected versions checked
 * under the write lock, ids, meta, and each event's link of the hash
 * chain; and the migration that links an older file's events once.
 *
 * Invariants kept here:
 *  - Only ever INSERTs into `events` (the backend's triggers refuse
 *    UPDATE and DELETE).
 *  - A batch is written inside one transaction that holds the write lock
 *    from its start (the backend's begin), after its expected stream
 *    versions were checked under that lock; `seq` is max + 1, so it is
 *    gap-free and never commits out of order.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event/chain.h"
#include "log-priv.h"

#define db_status cafe_log_db_status

/* The migration to the hash chain: every event's link, in seq order. */
int
cafe_log_chain_all(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_stmt *rd = NULL, *wr = NULL;
	char prev[CAFE_HASH_HEX], link[CAFE_HASH_HEX];
	int rc, status = 0;

	memcpy(prev, cafe_chain_genesis, sizeof prev);
	if ((rc = cafe_db_prepare(log->store, "SELECT seq, id, stream, version, type, ts, "
	    "data, meta FROM events ORDER BY seq", &rd)) != CAFE_DB_OK ||
	    (rc = cafe_db_prepare(log->store, "UPDATE events SET hash = ?1 WHERE seq = ?2",
	    &wr)) != CAFE_DB_OK) {
		status = db_status(log, rc, e, "migrating to the hash chain");
		goto out;
	}
	while ((rc = cafe_stmt_step(rd)) == CAFE_DB_ROW) {
		long long seq = cafe_col_int(rd, 0);

		cafe_chain_link(prev, seq, cafe_col_text(rd, 1),
		    cafe_col_text(rd, 2), cafe_col_int(rd, 3),
		    cafe_col_text(rd, 4),
		    cafe_col_text(rd, 5),
		    cafe_col_text(rd, 6),
		    cafe_col_text(rd, 7), link);
		cafe_stmt_text_ref(wr, 1, link);
		cafe_stmt_int(wr, 2, seq);
		if ((rc = cafe_stmt_step(wr)) != CAFE_DB_DONE) {
			status = db_status(log, rc, e, "migrating to the hash chain");
			goto out;
		}
		cafe_stmt_reset(wr);
		memcpy(prev, link, sizeof prev);
	}
	if (rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "migrating to the hash chain");
out:
	cafe_stmt_free(rd);
	cafe_stmt_free(wr);
	return status;
}

/* s as a JSON string: directly when nothing in it needs escaping (ids,
 * names), else through jansson, which also refuses what is not UTF-8. */
static void
add_json_string(struct cafe_buf *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;
	char *q;

	while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	if (!*p) {
		cafe_buf_add(t, "\"", 1);
		cafe_buf_add(t, s, (size_t)(p - (const unsigned char *)s));
		cafe_buf_add(t, "\"", 1);
		return;
	}
	j = json_string(s);
	q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	cafe_buf_cat(t, q ? q : "\"?\"");
	free(q);
	json_decref(j);
}

/*
 * Event i's meta as JSON text: correlation_id, causation_id, actor, tool,
 * host, and the batch's idempotency key on its first event. Written
 * directly, not built and dumped through jansson: it is on every append.
 */
static char *
make_meta(struct cafe_log *log, const struct cafe_batch *b, size_t i)
{
	struct cafe_buf t = { NULL, 0, 0 };

	if (!log->meta_who) {
		struct cafe_buf w = { NULL, 0, 0 };

		cafe_buf_cat(&w, ",\"actor\":");
		add_json_string(&w, cafe_actor());
		cafe_buf_cat(&w, ",\"tool\":");
		add_json_string(&w, log->tool);
		cafe_buf_cat(&w, ",\"host\":");
		add_json_string(&w, cafe_host());
		log->meta_who = w.s;
	}
	cafe_buf_cat(&t, "{\"correlation_id\":");
	add_json_string(&t, b->correlation_id[0] ? b->correlation_id : b->ev[0].id);
	cafe_buf_cat(&t, ",\"causation_id\":");
	if (b->causation_id[0])
		add_json_string(&t, b->causation_id);
	else
		cafe_buf_cat(&t, "null");
	cafe_buf_cat(&t, log->meta_who);
	if (b->shop[0]) {
		cafe_buf_cat(&t, ",\"shop\":");
		add_json_string(&t, b->shop);
	} else {
		if (!log->meta_shop) {
			struct cafe_buf w = { NULL, 0, 0 };

			cafe_buf_cat(&w, ",\"shop\":");
			add_json_string(&w, cafe_log_shop(log));
			log->meta_shop = w.s;
		}
		cafe_buf_cat(&t, log->meta_shop);
	}
	if (i == 0 && b->key[0]) {
		cafe_buf_cat(&t, ",\"key\":");
		add_json_string(&t, b->key);
	}
	cafe_buf_cat(&t, "}");
	return t.s;
}

json_t *
cafe_log_meta(struct cafe_log *log, const char *correlation_id)
{
	return json_pack("{s:s, s:n, s:s, s:s, s:s, s:s}", "correlation_id", correlation_id,
	    "causation_id", "actor", cafe_actor(), "tool", log->tool, "host", cafe_host(),
	    "shop", cafe_log_shop(log));
}

/*
 * The stream versions a batch has reached so far: a small open-addressing
 * table, so that a large import stays linear.
 */
struct heads {
	size_t cap;
	const char **stream;        /* borrowed from the batch */
	long long *version;
};

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
heads_init(struct heads *h, size_t n)
{
	h->cap = 16;
	while (h->cap < 2 * n)
		h->cap *= 2;
	h->stream = cafe_xcalloc(h->cap, sizeof *h->stream);
	h->version = cafe_xcalloc(h->cap, sizeof *h->version);
}

static long long
heads_get(struct heads *h, const char *stream)
{
	for (size_t i = hash(stream) & (h->cap - 1); h->stream[i]; i = (i + 1) & (h->cap - 1))
		if (strcmp(h->stream[i], stream) == 0)
			return h->version[i];
	return -1;
}

static void
heads_put(struct heads *h, const char *stream, long long version)
{
	size_t i = hash(stream) & (h->cap - 1);

	while (h->stream[i] && strcmp(h->stream[i], stream) != 0)
		i = (i + 1) & (h->cap - 1);
	h->stream[i] = stream;
	h->version[i] = version;
}

static void
heads_release(struct heads *h)
{
	free(h->stream);
	free(h->version);
}

/*
 * Event ids: 12 hex digits of the wall clock in ms, 12 random ones fixed
 * per handle, 8 of a counter. 128 bits of hex and unique like random ids,
 * but increasing, so the unique index on id grows at one end instead of
 * being written all over: appends run ~2x faster (tests/bench/drain.sh).
 */
static void
event_ids(struct cafe_log *log, struct cafe_batch *b)
{
	unsigned long long ms = (unsigned long long)cafe_now_ms() & 0xffffffffffffULL;

	if (!log->id_prefix[0]) {
		char rnd[33];

		cafe_random_hex(rnd);
		memcpy(log->id_prefix, rnd, 12);
		log->id_prefix[12] = '\0';
		log->id_count = (unsigned)strtoul(rnd + 24, NULL, 16);
	}
	for (size_t i = 0; i < b->n; i++)
		if (!b->ev[i].id[0])
			snprintf(b->ev[i].id, sizeof b->ev[i].id, "%012llx%s%08x", ms,
			    log->id_prefix, log->id_count++);
}

/* The newest event's seq and hash (0 and the genesis for an empty log). */
static int
last_link(struct cafe_log *log, long long *seq, char hash[CAFE_HASH_HEX],
    struct cafe_err *e)
{
	int rc, status;

	if ((status = cafe_log_prepare_cached(log, &log->last,
	    "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", e)) != 0)
		return status;
	*seq = 0;
	memcpy(hash, cafe_chain_genesis, CAFE_HASH_HEX);
	if ((rc = cafe_stmt_step(log->last)) == CAFE_DB_ROW) {
		*seq = cafe_col_int(log->last, 0);
		snprintf(hash, CAFE_HASH_HEX, "%s", cafe_col_text(log->last, 1));
	}
	cafe_stmt_reset(log->last);
	if (rc != CAFE_DB_ROW && rc != CAFE_DB_DONE)
		return db_status(log, rc, e, "reading the chain's head");
	return 0;
}

int
cafe_log_head_link(struct cafe_log *log, long long *seq, char *hash,
    struct cafe_err *e)
{
	return last_link(log, seq, hash, e);
}

/* The events of b, in a transaction, or one alone through the backend's
 * append_call (log-priv.h). */
static int
append_events(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e)
{
	struct heads heads;
	char ts[32], prev[CAFE_HASH_HEX];
	long long seq = 0;
	int server = log->be->append_call && !log->in_txn, rc, status;

	/* The chain goes on from the newest event, read under the write lock
	 * (by the backend's begin, or by this transaction's last append),
	 * unless the server links the event itself. */
	memcpy(prev, cafe_chain_genesis, sizeof prev);
	if (!server && log->link_known) {
		seq = log->link_seq;
		memcpy(prev, log->link_hash, sizeof prev);
	} else if (!server && (status = last_link(log, &seq, prev, e)) != 0) {
		return status;
	}
	log->link_known = 0;    /* until this batch is in */
	/* On a server, its clock (DESIGN §15): read under the lock by the
	 * backend's begin, or taken by append_call itself. */
	if (!server && log->server_ts[0])
		memcpy(ts, log->server_ts, sizeof ts);
	else
		cafe_format_ts(cafe_now_ms(), ts, sizeof ts);
	event_ids(log, b);

	heads_init(&heads, b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct cafe_event *ev = &b->ev[i];
		long long cur;
		char *data = NULL, *meta = NULL;
		struct cafe_stmt *st;
		long long check;
		int taken, stamp;

		b->failed = i;
		/* An earlier event of this batch may have advanced the stream.
		 * A new stream needs no look: its version 1 is not inserted if
		 * the stream exists (ON CONFLICT DO NOTHING; not a failed
		 * statement, which would spoil a PostgreSQL transaction). Nor
		 * does an expected version where the backend checks it (check;
		 * insert_checks and append_call in log-priv.h). */
		check = -1;
		if ((cur = heads_get(&heads, ev->stream)) < 0 && ev->expected >= 0 &&
		    (ev->expected == CAFE_NO_STREAM || log->be->insert_checks || server)) {
			/* A new stream's version 1 is refused by ON CONFLICT alone. */
			cur = ev->expected;
			check = ev->expected == CAFE_NO_STREAM ? -1 : ev->expected;
		} else if (cur < 0 && (cur = cafe_log_stream_version(log, ev->stream, e)) < 0) {
			status = e->status;
			goto out;
		}
		if (ev->expected != CAFE_ANY_VERSION && ev->expected != cur) {
			status = cafe_err_conflict(e,
			    "stream '%s' is at version %lld, expected %lld (concurrent "
			    "change, try again)", ev->stream, cur, ev->expected);
			goto out;
		}
		ev->version = cur + 1;
		stamp = !ev->ts[0];
		if (stamp)
			memcpy(ev->ts, ts, sizeof ts);
		if (!ev->meta && !ev->meta_text)
			ev->meta_text = make_meta(log, b, i);

		heads_put(&heads, ev->stream, ev->version);

		if ((status = server ? cafe_log_prepare_cached(log, &log->call, log->be->append_call, e) :
		    cafe_log_prepare_cached(log, &log->ins, log->be->insert_sql, e)) != 0)
			goto out;
		st = server ? log->call : log->ins;
		data = json_dumps(ev->data, JSON_COMPACT);
		meta = ev->meta ? json_dumps(ev->meta, JSON_COMPACT) : NULL;
		if (!data || (ev->meta && !meta)) {
			free(data);
			free(meta);
			status = cafe_err_set(e, CAFE_DATAERR, "event %s cannot be encoded",
			    ev->type);
			goto out;
		}
		/* Borrowed until the step: data and meta are freed right after it. */
		cafe_stmt_text_ref(st, 1, ev->id);
		cafe_stmt_text_ref(st, 2, ev->stream);
		cafe_stmt_int(st, 3, ev->version);
		cafe_stmt_text_ref(st, 4, ev->type);
		cafe_stmt_text_ref(st, 5, data);
		cafe_stmt_text_ref(st, 6, meta ? meta : ev->meta_text);
		if (server && stamp)
			cafe_stmt_null(st, 7);      /* the server's clock */
		else
			cafe_stmt_text_ref(st, 7, ev->ts);
		if (server) {
			if (check >= 0)
				cafe_stmt_int(st, 8, check);
			else
				cafe_stmt_null(st, 8);
			rc = cafe_stmt_step(st);
			taken = rc == CAFE_DB_ROW && cafe_col_kind(st, 0) == CAFE_COL_NULL;
			if (rc == CAFE_DB_ROW && !taken) {
				seq = cafe_col_int(st, 0);
				snprintf(prev, sizeof prev, "%s", cafe_col_text(st, 1));
				if (cafe_col_kind(st, 2) != CAFE_COL_NULL)
					snprintf(ev->ts, sizeof ev->ts, "%s", cafe_col_text(st, 2));
			}
			if (rc == CAFE_DB_ROW)
				rc = CAFE_DB_DONE;
		} else {
			seq++;
			cafe_chain_link(prev, seq, ev->id, ev->stream, ev->version, ev->type,
			    ev->ts, data, meta ? meta : ev->meta_text, prev);
			cafe_stmt_int(st, 8, seq);
			cafe_stmt_text_ref(st, 9, prev);
			if (log->be->insert_checks && check >= 0)
				cafe_stmt_int(st, 10, check);
			else if (log->be->insert_checks)
				cafe_stmt_null(st, 10);
			rc = cafe_stmt_step(st);
			taken = rc == CAFE_DB_DONE && cafe_db_changes(log->store) == 0;
		}
		if (rc != CAFE_DB_DONE) {
			if ((rc & 0xff) == CAFE_DB_CONSTRAINT)
				status = cafe_err_set(e, CAFE_DATAERR,
				    "event %s on '%s' refused: %s", ev->type, ev->stream,
				    cafe_db_errmsg(log->store));
			else
				status = db_status(log, rc, e, "append");
		}
		cafe_stmt_reset(st);
		cafe_stmt_clear(st);
		free(data);
		free(meta);
		if (taken) {
			/* Not at the expected version after all (or the version
			 * was taken by a writer that is not cafe): a conflict. */
			long long at = cafe_log_stream_version(log, ev->stream, e);

			status = at < 0 ? e->status : cafe_err_conflict(e, "stream '%s' is at "
			    "version %lld, expected %lld (concurrent change, try again)",
			    ev->stream, at, ev->version - 1);
			goto out;
		}
		if (rc != CAFE_DB_DONE)
			goto out;
		ev->seq = seq;
	}
	log->link_seq = seq;
	memcpy(log->link_hash, prev, sizeof log->link_hash);
	log->link_known = log->in_txn;
	status = 0;
out:
	heads_release(&heads);
	return status;
}

int
cafe_log_append(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e)
{
	if (!log->in_txn)
		return cafe_err_set(e, CAFE_IOERR, "internal error: append outside a transaction");
	return append_events(log, b, e);
}

int
cafe_log_append_batch(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e)
{
	int status;

	/* One event the server links: its call is the whole transaction. */
	if (b->n == 1 && log->be->append_call && !log->in_txn) {
		if (log->readonly)
			return cafe_log_refuse_readonly(log, e);
		return append_events(log, b, e);
	}
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((status = cafe_log_append(log, b, e)) != 0) {
		cafe_log_rollback(log);
		return status;
	}
	return cafe_log_commit(log, e);
}

int
cafe_log_append_done(struct cafe_log *log, struct cafe_batch *b, int status,
    struct cafe_err *e)
{
	if (status == 0)
		status = cafe_log_append(log, b, e);
	cafe_batch_release(b);
	return status;
}
