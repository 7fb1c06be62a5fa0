/*
 * log.c - the event log behind log.h, the same on every storage engine:
 * batches, appends with expected versions and the hash chain, reads,
 * waiting for new events, verification, checkpoints. It talks to the
 * tables through store.h; what an engine does its own way (opening, the
 * schema, the write lock, wake-ups) is its backend's (log-priv.h,
 * log-sqlite.c).
 *
 * Invariants kept here:
 *  - This file only ever INSERTs into `events` (the backend's triggers
 *    refuse UPDATE and DELETE).
 *  - A batch is written inside one transaction that holds the write lock
 *    from its start (the backend's begin), after its expected stream
 *    versions were checked under that lock; `seq` is max + 1, so it is
 *    gap-free and never commits out of order.
 *  - Every statement is prepared with bound parameters.
 *
 * Why over 800 lines: it is one mechanism, the log, and its parts share
 * the cached statements and the handle; the engine's half went to the
 * backend files.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event/chain.h"
#include "log-priv.h"
#include "pg.h"

#define CONFLICT_RETRIES 8







int
cafe_log_too_new(struct cafe_log *log, int v, struct cafe_err *e)
{
	if (v <= CAFE_SCHEMA_VERSION)
		return 0;
	return cafe_err_set(e, CAFE_IOERR, "database '%s' has schema version %d, newer "
	    "than this cafe understands (%d): upgrade cafe", log->path, v,
	    CAFE_SCHEMA_VERSION);
}

int
cafe_log_db_status(struct cafe_log *log, int rc, struct cafe_err *e, const char *what)
{
	return cafe_db_status(log->store, rc, NULL, what, e);
}

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






int
cafe_log_created(const struct cafe_log *log)
{
	return log->created;
}


int
cafe_log_open(struct cafe_log **out, const char *path, int flags, struct cafe_err *e)
{
	struct cafe_log *log;
	int status;

	*out = NULL;
	if (!path || !*path)
		return cafe_err_set(e, CAFE_USAGE, "no database given (use --db or CAFE_DB)");
	log = cafe_xcalloc(1, sizeof *log);
	log->be = cafe_store_pg_uri(path) ? &cafe_log_pg_backend : &cafe_log_sqlite_backend;
	log->path = cafe_xstrdup(path);
	log->readonly = !!(flags & CAFE_LOG_READONLY);
	snprintf(log->tool, sizeof log->tool, "cafe");
	if ((status = log->be->open(log, flags, e)) != 0) {
		int created = log->created;

		cafe_log_close(log);
		if (created)
			cafe_log_remove_files(path);
		return status;
	}
	*out = log;
	return 0;
}

long long
cafe_log_checkpoint(struct cafe_log *log, int empty)
{
	return log->be->checkpoint(log, empty);
}

void
cafe_log_close(struct cafe_log *log)
{
	if (!log)
		return;
	if (log->in_txn)
		cafe_log_rollback(log);
	cafe_stmt_free(log->ins);
	cafe_stmt_free(log->call);
	cafe_stmt_free(log->ver);
	cafe_stmt_free(log->head);
	cafe_stmt_free(log->last);
	log->be->close(log);
	free(log->path);
	free(log->meta_who);
	free(log);
}

void
cafe_log_set_tool(struct cafe_log *log, const char *tool)
{
	snprintf(log->tool, sizeof log->tool, "%s", tool);
	free(log->meta_who);
	log->meta_who = NULL;
}



struct cafe_db *
cafe_log_store(struct cafe_log *log)
{
	return log->store;
}

const char *
cafe_log_path(struct cafe_log *log)
{
	return log->path;
}

static int
opened_readonly(const struct cafe_log *log, struct cafe_err *e)
{
	return cafe_err_set(e, CAFE_IOERR, "database '%s' was opened read-only", log->path);
}

int
cafe_log_begin(struct cafe_log *log, struct cafe_err *e)
{
	int rc;

	if (log->in_txn)
		return cafe_err_set(e, CAFE_IOERR, "internal error: nested transaction");
	if (log->readonly)
		return opened_readonly(log, e);
	log->link_known = 0;
	rc = log->be->begin(log);
	if (rc != CAFE_DB_OK)
		return db_status(log, rc, e, "begin");
	log->in_txn = 1;
	return 0;
}

int
cafe_log_commit(struct cafe_log *log, struct cafe_err *e)
{
	int rc = cafe_db_exec(log->store, "COMMIT");

	if (rc != CAFE_DB_OK) {
		int status = db_status(log, rc, e, "commit");
		cafe_log_rollback(log);
		return status;
	}
	log->in_txn = 0;
	log->link_known = 0;
	return 0;
}

void
cafe_log_rollback(struct cafe_log *log)
{
	log->be->rollback(log);
	log->in_txn = 0;
	log->link_known = 0;
}

int
cafe_log_in_txn(struct cafe_log *log)
{
	return log->in_txn;
}

static int
prepare_cached(struct cafe_log *log, struct cafe_stmt **st, const char *sql,
    struct cafe_err *e)
{
	int rc;

	if (*st) {
		cafe_stmt_reset(*st);
		cafe_stmt_clear(*st);
		return 0;
	}
	rc = cafe_db_prepare(log->store, sql, st);
	return rc == CAFE_DB_OK ? 0 : db_status(log, rc, e, "prepare");
}


long long
cafe_log_stream_version(struct cafe_log *log, const char *stream, struct cafe_err *e)
{
	long long v = -1;
	int rc;

	if (prepare_cached(log, &log->ver,
	    "SELECT coalesce(max(version), 0) FROM events WHERE stream = ?", e) != 0)
		return -1;
	cafe_stmt_text_ref(log->ver, 1, stream);
	rc = cafe_stmt_step(log->ver);
	if (rc == CAFE_DB_ROW)
		v = cafe_col_int(log->ver, 0);
	else
		db_status(log, rc, e, "reading a stream version");
	cafe_stmt_reset(log->ver);
	return v;
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
	return json_pack("{s:s, s:n, s:s, s:s, s:s}", "correlation_id", correlation_id,
	    "causation_id", "actor", cafe_actor(), "tool", log->tool, "host", cafe_host());
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

	if ((status = prepare_cached(log, &log->last,
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
	cafe_format_ts(cafe_now_ms(), ts, sizeof ts);
	event_ids(log, b);

	heads_init(&heads, b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct cafe_event *ev = &b->ev[i];
		long long cur;
		char *data = NULL, *meta = NULL;
		struct cafe_stmt *st;
		long long check;
		int taken;

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
		if (!ev->ts[0])
			memcpy(ev->ts, ts, sizeof ts);
		if (!ev->meta && !ev->meta_text)
			ev->meta_text = make_meta(log, b, i);

		heads_put(&heads, ev->stream, ev->version);

		if ((status = server ? prepare_cached(log, &log->call, log->be->append_call, e) :
		    prepare_cached(log, &log->ins, log->be->insert_sql, e)) != 0)
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
			return opened_readonly(log, e);
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
cafe_log_transact(struct cafe_log *log,
    int (*fn)(struct cafe_log *, void *, struct cafe_err *), void *arg,
    struct cafe_err *e)
{
	int status = 0;

	for (int attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
		status = cafe_log_transact_once(log, fn, arg, e);
		if (status != CAFE_TEMPFAIL || !e->conflict)
			return status;
	}
	return status;
}

int
cafe_log_transact_once(struct cafe_log *log,
    int (*fn)(struct cafe_log *, void *, struct cafe_err *), void *arg,
    struct cafe_err *e)
{
	int status;

	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((status = fn(log, arg, e)) == 0)
		return cafe_log_commit(log, e);
	cafe_log_rollback(log);
	return status;
}

/* Reading. */

#define PLAIN(c) ((unsigned char)(c) >= 0x20 && (unsigned char)(c) < 0x80 && \
	(c) != '"' && (c) != '\\')
#define SKIP_SPACE(p) while (*(p) == ' ' || *(p) == '\t' || *(p) == '\n' || *(p) == '\r') \
	(p)++

/*
 * The usual event data, a flat object of plain ASCII strings, whole
 * numbers, booleans and nulls ({"order_id":7,"product":"latte"}), read
 * without jansson's reader, which goes a character at a time through a
 * stream: reading was a fifth of the daemon's time. NULL for anything
 * else (nesting, escapes, fractions, long numbers, other bytes, broken
 * JSON): json_loads() reads that, and says what is wrong with it.
 */
static json_t *
flat_object(const char *p)
{
	json_t *obj = json_object();

	SKIP_SPACE(p);
	if (*p++ != '{')
		goto other;
	SKIP_SPACE(p);
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		const char *key, *v;
		size_t klen;
		json_t *val;

		if (*p++ != '"')
			goto other;
		for (key = p; PLAIN(*p); p++)
			;
		if (*p != '"')
			goto other;
		klen = (size_t)(p++ - key);
		SKIP_SPACE(p);
		if (*p++ != ':')
			goto other;
		SKIP_SPACE(p);
		if (*p == '"') {
			for (v = ++p; PLAIN(*p); p++)
				;
			if (*p != '"')
				goto other;
			val = json_stringn_nocheck(v, (size_t)(p++ - v));
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			long long n = 0;
			int neg = *p == '-', digits = 0;

			if (neg)
				p++;
			if (*p == '0' && p[1] >= '0' && p[1] <= '9')
				goto other;     /* a leading zero is no JSON */
			/* At most 18 digits, counted before they are added: a
			 * 19th could overflow n. */
			for (; *p >= '0' && *p <= '9'; p++, digits++) {
				if (digits == 18)
					goto other;
				n = n * 10 + (*p - '0');
			}
			if (digits == 0 || *p == '.' || *p == 'e' || *p == 'E')
				goto other;
			val = json_integer(neg ? -n : n);
		} else if (strncmp(p, "true", 4) == 0) {
			val = json_true();
			p += 4;
		} else if (strncmp(p, "false", 5) == 0) {
			val = json_false();
			p += 5;
		} else if (strncmp(p, "null", 4) == 0) {
			val = json_null();
			p += 4;
		} else {
			goto other;
		}
		if (json_object_setn_new_nocheck(obj, key, klen, val) != 0)
			goto other;
		SKIP_SPACE(p);
		if (*p == ',') {
			p++;
			SKIP_SPACE(p);
			continue;
		}
		if (*p++ != '}')
			goto other;
		break;
	}
end:
	SKIP_SPACE(p);
	if (*p == '\0')
		return obj;
other:
	json_decref(obj);
	return NULL;
}

json_t *
cafe_event_data_parse(const char *text)
{
	json_t *data = flat_object(text);

	if (!data)
		data = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!json_is_object(data)) {
		json_decref(data);
		return NULL;
	}
	return data;
}

static int
row_event(struct cafe_log *log, struct cafe_stmt *st, struct cafe_event *ev,
    struct cafe_err *e)
{
	const char *s;

	memset(ev, 0, sizeof *ev);
	ev->seq = cafe_col_int(st, 0);
	cafe_strcopy(ev->id, sizeof ev->id, cafe_col_text(st, 1));
	ev->stream = cafe_xstrdup(cafe_col_text(st, 2));
	ev->version = cafe_col_int(st, 3);
	ev->type = cafe_xstrdup(cafe_col_text(st, 4));
	ev->kind = cafe_event_type_of(ev->type);
	s = cafe_col_text(st, 5);
	if (s)
		ev->data = cafe_event_data_parse(s);
	s = cafe_col_text(st, 6);
	ev->meta_text = s ? cafe_xstrdup(s) : NULL;
	s = cafe_col_text(st, 7);
	cafe_strcopy(ev->ts, sizeof ev->ts, s);
	/* meta is parsed when asked for (the CHECK on it keeps it an object). */
	if (!json_is_object(ev->data) || !ev->meta_text || ev->meta_text[0] != '{') {
		cafe_event_release(ev);
		return cafe_err_set(e, CAFE_IOERR,
		    "database '%s': event %lld holds invalid JSON (run 'cafe-log verify')",
		    log->path, (long long)cafe_col_int(st, 0));
	}
	return 0;
}

/* Steps st to the end, handing each row to fn; finalizes st. */
static int
run_query(struct cafe_log *log, struct cafe_stmt *st, cafe_event_fn fn, void *arg,
    struct cafe_err *e)
{
	struct cafe_event ev;
	int rc, status = 0;

	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		if ((status = row_event(log, st, &ev, e)) != 0)
			break;
		status = fn(&ev, arg);
		cafe_event_release(&ev);
		if (status)
			break;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "read");
	cafe_stmt_free(st);
	return status;
}

#define EVENT_COLUMNS "SELECT seq, id, stream, version, type, data, meta, ts FROM events "

static int
prepare(struct cafe_log *log, const char *sql, struct cafe_stmt **st, struct cafe_err *e)
{
	int rc = cafe_db_prepare(log->store, sql, st);

	return rc == CAFE_DB_OK ? 0 : db_status(log, rc, e, "prepare");
}

int
cafe_log_read(struct cafe_log *log, long long after, long long limit,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = prepare(log, EVENT_COLUMNS
	    "WHERE seq > ? ORDER BY seq LIMIT ?", &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_int(st, 2, limit > 0 ? limit : LLONG_MAX);
	return run_query(log, st, fn, arg, e);
}

/* A JSON string of s: as it is when nothing in it needs escaping (the
 * log's ids, streams, types and times), else through jansson. */
static void
put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;
	char *text;

	while (*p && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x7f)
		p++;
	if (!*p) {
		putc('"', out);
		fputs(s, out);
		putc('"', out);
		return;
	}
	j = json_string(s);
	text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(text ? text : "\"\"", out);
	free(text);
	json_decref(j);
}

static void
put_row(FILE *out, struct cafe_stmt *st, const char *data, const char *meta)
{
	fprintf(out, "{\"seq\":%lld,\"id\":", cafe_col_int(st, 0));
	put_string(out, cafe_col_text(st, 1));
	fputs(",\"stream\":", out);
	put_string(out, cafe_col_text(st, 2));
	fprintf(out, ",\"version\":%lld,\"type\":", cafe_col_int(st, 3));
	put_string(out, cafe_col_text(st, 4));
	fputs(",\"data\":", out);
	fputs(data, out);
	fputs(",\"meta\":", out);
	fputs(meta, out);
	fputs(",\"ts\":", out);
	put_string(out, cafe_col_text(st, 7));
	fputs(",\"hash\":", out);
	put_string(out, cafe_col_text(st, 9));
	fputs("}\n", out);
}

int
cafe_log_export(struct cafe_log *log, long long after, FILE *out, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc, status;

	if ((status = prepare(log, log->be->export_select, &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *data = cafe_col_text(st, 5), *meta = cafe_col_text(st, 6);

		if (cafe_col_int(st, 8) != 1) {
			status = cafe_err_set(e, CAFE_IOERR, "database '%s': event %lld holds "
			    "invalid JSON (run 'cafe-log verify')", log->path, cafe_col_int(st, 0));
			break;
		}
		if (strchr(data, '\n') || strchr(meta, '\n')) {
			/* Not as cafe writes it (compact): written anew, on one line. */
			struct cafe_event ev;
			json_t *j;
			char *text;

			if ((status = row_event(log, st, &ev, e)) != 0)
				break;
			j = cafe_event_json(&ev);
			json_object_set_new(j, "hash", json_string(cafe_col_text(st, 9)));
			text = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			cafe_event_release(&ev);
			fprintf(out, "%s\n", text ? text : "");
			free(text);
		} else {
			put_row(out, st, data, meta);
		}
		if (ferror(out)) {
			status = CAFE_IOERR;
			e->msg[0] = '\0';
			break;
		}
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "read");
	cafe_stmt_free(st);
	return status;
}

int
cafe_log_read_until(struct cafe_log *log, long long after, const char *before_ts,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = prepare(log, EVENT_COLUMNS
	    "WHERE seq > ? AND ts < ? ORDER BY seq", &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_text(st, 2, before_ts);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_types(struct cafe_log *log, long long after, long long upto,
    const enum cafe_event_type *types, cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	size_t n = 0, len;
	char *sql;
	int status;

	while (types && types[n])
		n++;
	len = sizeof EVENT_COLUMNS + 64 + 3 * n;
	sql = cafe_xmalloc(len);
	snprintf(sql, len, "%sWHERE seq > ? AND seq <= ?%s", EVENT_COLUMNS,
	    types ? " AND type IN (" : "");
	for (size_t i = 0; types && i < n; i++)
		strcat(sql, i ? ",?" : "?");
	strcat(sql, types ? ") ORDER BY seq" : " ORDER BY seq");
	status = prepare(log, sql, &st, e);
	free(sql);
	if (status != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_int(st, 2, upto);
	for (size_t i = 0; i < n; i++)
		cafe_stmt_text_ref(st, (int)i + 3, cafe_event_name(types[i]));
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_stream(struct cafe_log *log, const char *stream, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	return cafe_log_read_stream_after(log, stream, 0, fn, arg, e);
}

int
cafe_log_read_stream_after(struct cafe_log *log, const char *stream, long long after,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = prepare(log, EVENT_COLUMNS
	    "WHERE stream = ? AND version > ? ORDER BY version", &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, stream);
	cafe_stmt_int(st, 2, after);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_correlated(struct cafe_log *log, const char *id, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[256];
	int status;

	snprintf(sql, sizeof sql, EVENT_COLUMNS "WHERE %s ORDER BY seq",
	    log->be->where_correlated);
	if ((status = prepare(log, sql, &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, id);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_key(struct cafe_log *log, const char *key, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[256];
	int status;

	snprintf(sql, sizeof sql, EVENT_COLUMNS "WHERE %s ORDER BY seq", log->be->where_key);
	if ((status = prepare(log, sql, &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, key);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_last_of_type(struct cafe_log *log, enum cafe_event_type type, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = prepare(log, EVENT_COLUMNS
	    "WHERE type = ? ORDER BY seq DESC LIMIT 1", &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, cafe_event_name(type));
	return run_query(log, st, fn, arg, e);
}

long long
cafe_log_query_ll(struct cafe_log *log, const char *sql, const char *param,
    struct cafe_err *e)
{
	struct cafe_stmt *st;
	long long v = -1;
	int rc;

	if (prepare(log, sql, &st, e) != 0)
		return -1;
	if (param)
		cafe_stmt_text(st, 1, param);
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW)
		v = cafe_col_int(st, 0);
	else
		db_status(log, rc, e, "read");
	cafe_stmt_free(st);
	return v;
}

long long
cafe_log_head(struct cafe_log *log, struct cafe_err *e)
{
	return cafe_log_query_ll(log, "SELECT coalesce(max(seq), 0) FROM events", NULL, e);
}

json_t *
cafe_log_stats(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_stmt *st;
	json_t *o, *types;
	long long n, streams, bytes;
	int rc;

	long long head;

	if ((n = cafe_log_query_ll(log, "SELECT count(*) FROM events", NULL, e)) < 0 ||
	    (streams = cafe_log_query_ll(log, "SELECT count(DISTINCT stream) FROM events",
	    NULL, e)) < 0 ||
	    (bytes = log->be->bytes(log, e)) < 0 ||
	    (head = cafe_log_head(log, e)) < 0)
		return NULL;
	o = json_pack("{s:I, s:I, s:I, s:I}", "events", (json_int_t)n,
	    "head", (json_int_t)head,
	    "streams", (json_int_t)streams, "bytes", (json_int_t)bytes);
	if (prepare(log, "SELECT min(ts), max(ts) FROM events", &st, e) != 0)
		goto fail;
	if ((rc = cafe_stmt_step(st)) != CAFE_DB_ROW) {
		db_status(log, rc, e, "stats");
		cafe_stmt_free(st);
		goto fail;
	}
	if (cafe_col_kind(st, 0) != CAFE_COL_NULL) {
		json_object_set_new(o, "first_ts",
		    json_string(cafe_col_text(st, 0)));
		json_object_set_new(o, "last_ts",
		    json_string(cafe_col_text(st, 1)));
	} else {
		json_object_set_new(o, "first_ts", json_null());
		json_object_set_new(o, "last_ts", json_null());
	}
	cafe_stmt_free(st);
	if (prepare(log, "SELECT type, count(*) FROM events GROUP BY type ORDER BY type",
	    &st, e) != 0)
		goto fail;
	types = json_object();
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		json_object_set_new(types, cafe_col_text(st, 0),
		    json_integer(cafe_col_int(st, 1)));
	cafe_stmt_free(st);
	json_object_set_new(o, "types", types);
	if (rc != CAFE_DB_DONE) {
		db_status(log, rc, e, "stats");
		goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}


/* The head for cafe_log_wait, which asks often: a statement kept prepared. */
static long long
wait_head(struct cafe_log *log, struct cafe_err *e)
{
	long long head = -1;
	int rc;

	/* Named, for whoever reads pg_stat_activity: this connection waits. */
	if (prepare_cached(log, &log->head,
	    "/* waiting for events */ SELECT coalesce(max(seq), 0) FROM events", e) != 0)
		return -1;
	if ((rc = cafe_stmt_step(log->head)) == CAFE_DB_ROW)
		head = cafe_col_int(log->head, 0);
	else
		db_status(log, rc, e, "read");
	cafe_stmt_reset(log->head);
	return head;
}

/*
 * The backend's descriptor says someone may have appended. With SQLite
 * (quick_recheck) inotify reports a writer's commit when it writes the
 * WAL, but the commit becomes visible only after its fsync, when the WAL index (a shared
 * memory map, which inotify does not see) is updated. So after a write is
 * reported (in this call or the one before) we look again every 50 us for
 * a millisecond (an fsync takes about 0.15 ms here), then at growing
 * intervals until 20 ms have passed, before sleeping on inotify again.
 * A look costs a few microseconds.
 */
#define WAIT_QUICK_US   1000
#define WAIT_RECHECK_US 20000

static long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
cafe_log_wait(struct cafe_log *log, long long after, int timeout_ms,
    enum cafe_wake *woke, struct cafe_err *e)
{
	long long deadline = timeout_ms < 0 ? LLONG_MAX : cafe_mono_ms() + timeout_ms;

	for (;;) {
		int fd = log->be->wake_fd(log);
		long long head, now, slice_us, since;
		struct pollfd pfd;
		struct timespec ts;
		int rc;

		/* Drain queued notifications before looking, so none is missed. */
		if (fd >= 0 && log->be->drain(log))
			log->woke_us = mono_us();
		if ((head = wait_head(log, e)) < 0)
			return e->status;
		if (head > after) {
			*woke = CAFE_WAKE_NEW;
			return 0;
		}
		now = cafe_mono_ms();
		if (now >= deadline) {
			*woke = CAFE_WAKE_TIMEOUT;
			return 0;
		}
		since = mono_us() - log->woke_us;
		if (fd < 0)
			slice_us = 25000;
		else if (!log->be->quick_recheck)
			slice_us = 1000000;  /* the wake-up comes after the commit */
		else if (since < WAIT_QUICK_US)
			slice_us = 50;
		else if (since < WAIT_RECHECK_US)
			slice_us = since / 4;
		else
			slice_us = 1000000;  /* inotify wakes us: only a safety net */
		/* deadline is LLONG_MAX for "forever": nothing to cut, and its
		 * distance in microseconds would overflow. */
		if (deadline != LLONG_MAX && (deadline - now) * 1000 < slice_us)
			slice_us = (deadline - now) * 1000;
		ts.tv_sec = slice_us / 1000000;
		ts.tv_nsec = (slice_us % 1000000) * 1000;
		pfd.fd = fd >= 0 ? fd : -1;
		pfd.events = POLLIN;
		rc = ppoll(&pfd, 1, &ts, NULL);
		if (rc < 0 && errno == EINTR) {
			*woke = CAFE_WAKE_SIGNAL;
			return 0;
		}
	}
}

/* The file under the log, as its engine checks it: 74 naming it when
 * damaged, whatever the events' rows say. */
static int
check_storage(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc, status = 0;

	if ((status = prepare(log, log->be->integrity_sql, &st, e)) != 0)
		return status;
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW && strcmp(cafe_col_text(st, 0), "ok") != 0) {
		/* One line: "*** in database main ***\nOn tree page 86 ..." */
		char why[256], *p;
		const char *text = cafe_col_text(st, 0);

		if ((p = strstr(text, "***\n")))
			text = p + 4;
		snprintf(why, sizeof why, "%s", text);
		for (p = why; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		status = cafe_err_set(e, CAFE_IOERR, "'%s' is not a cafe database or is damaged "
		    "(the file's own check: %s)", log->path, why);
	} else if (rc != CAFE_DB_ROW) {
		status = db_status(log, rc, e, "verify");
	}
	cafe_stmt_free(st);
	return status;
}

int
cafe_log_verify(struct cafe_log *log, long long head_seq, const char *head_hash,
    long long *checked, struct cafe_err *e)
{
	struct cafe_stmt *st;
	long long expect = 1, prev_version = 0;
	char *prev_stream = NULL, prev[CAFE_HASH_HEX], link[CAFE_HASH_HEX];
	char at_head[CAFE_HASH_HEX] = "";
	int rc, v, status = 0;

	*checked = 0;
	if ((status = log->be->version(log, &v, e)) != 0)
		return status;
	if (v != CAFE_SCHEMA_VERSION)
		return cafe_err_set(e, CAFE_REFUSED, "schema version is %d, expected %d",
		    v, CAFE_SCHEMA_VERSION);
	if (cafe_log_query_ll(log, log->be->append_only_sql, NULL, e) != 1)
		return cafe_err_set(e, CAFE_REFUSED,
		    "the append-only triggers on events are missing (history may have "
		    "been rewritten)");
	if (log->be->integrity_sql && (status = check_storage(log, e)) != 0)
		return status;
	memcpy(prev, cafe_chain_genesis, sizeof prev);
	if ((status = prepare(log, log->be->verify_select, &st, e)) != 0)
		return status;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		long long seq = cafe_col_int(st, 0);
		const char *hash = cafe_col_text(st, 11);

		if (seq != expect) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: gap, expected seq %lld",
			    seq, expect);
			break;
		}
		if (!cafe_col_int(st, 1) || !cafe_col_int(st, 2)) {
			status = cafe_err_set(e, CAFE_REFUSED,
			    "seq %lld: %s is not a valid JSON object", seq,
			    !cafe_col_int(st, 1) ? "data" : "meta");
			break;
		}
		if (cafe_col_int(st, 3) != 32 ||
		    cafe_parse_ts(cafe_col_text(st, 5)) < 0) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: malformed %s", seq,
			    cafe_col_int(st, 3) != 32 ? "id" : "ts");
			break;
		}
		cafe_chain_link(prev, seq, cafe_col_text(st, 6),
		    cafe_col_text(st, 7), cafe_col_int(st, 8),
		    cafe_col_text(st, 4),
		    cafe_col_text(st, 5),
		    cafe_col_text(st, 9),
		    cafe_col_text(st, 10), link);
		if (!hash || strcmp(hash, link) != 0) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: the hash chain is "
			    "broken (this event, or the order of events, was changed)", seq);
			break;
		}
		memcpy(prev, link, sizeof prev);
		if (seq == head_seq)
			memcpy(at_head, link, sizeof at_head);
		expect++;
		(*checked)++;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "verify");
	cafe_stmt_free(st);
	if (status)
		return status;
	if (head_seq > 0 && !at_head[0])
		return cafe_err_set(e, CAFE_REFUSED, "the log ends at seq %lld, before the "
		    "head that was kept (seq %lld): events were cut off the end", expect - 1,
		    head_seq);
	if (head_seq > 0 && strcmp(at_head, head_hash) != 0)
		return cafe_err_set(e, CAFE_REFUSED, "seq %lld: the link is not the head that "
		    "was kept (the history up to it was rewritten)", head_seq);

	if ((status = prepare(log, "SELECT stream, version, seq FROM events "
	    "ORDER BY stream, version", &st, e)) != 0)
		return status;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *stream = cafe_col_text(st, 0);
		long long version = cafe_col_int(st, 1);

		if (!prev_stream || strcmp(prev_stream, stream) != 0) {
			free(prev_stream);
			prev_stream = cafe_xstrdup(stream);
			prev_version = 0;
		}
		if (version != prev_version + 1) {
			status = cafe_err_set(e, CAFE_REFUSED,
			    "seq %lld: stream '%s' jumps from version %lld to %lld",
			    (long long)cafe_col_int(st, 2), stream, prev_version,
			    version);
			break;
		}
		prev_version = version;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "verify");
	cafe_stmt_free(st);
	free(prev_stream);
	return status;
}

int
cafe_log_sql_status(struct cafe_log *log, int rc, const char *who, const char *what,
    struct cafe_err *e)
{
	return cafe_db_status(log->store, rc, who, what, e);
}

long long
cafe_checkpoint_get(struct cafe_log *log, const char *name, struct cafe_err *e)
{
	return cafe_log_query_ll(log,
	    "SELECT coalesce((SELECT seq FROM checkpoints WHERE name = ?), 0)",
	    name, e);
}

int
cafe_checkpoint_set(struct cafe_log *log, const char *name, long long seq,
    struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc, status;

	if ((status = prepare(log, "INSERT INTO checkpoints(name, seq) VALUES (?, ?) "
	    "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq", &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, name);
	cafe_stmt_int(st, 2, seq);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : db_status(log, rc, e, "checkpoint");
}
