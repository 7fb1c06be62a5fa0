/*
 * log.c - the event log behind log.h, the same on every storage engine:
 * opening and closing, transactions, checkpoints and the small reads
 * (the head, a stream's version, stats). Appending is log-append.c's,
 * reading log-read.c's, waiting log-wait.c's, verifying log-verify.c's.
 * They talk to the tables through store.h; what an engine does its own
 * way (opening, the schema, the write lock, wake-ups) is its backend's
 * (log-priv.h, log-sqlite.c, log-pg.c).
 *
 * Every statement is prepared with bound parameters.
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

int
cafe_log_created(const struct cafe_log *log)
{
	return log->created;
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
	free(log->shop);
	free(log->meta_shop);
	free(log);
}

void
cafe_log_set_tool(struct cafe_log *log, const char *tool)
{
	snprintf(log->tool, sizeof log->tool, "%s", tool);
	free(log->meta_who);
	log->meta_who = NULL;
}

void
cafe_log_set_shop(struct cafe_log *log, const char *shop)
{
	free(log->shop);
	log->shop = shop ? cafe_xstrdup(shop) : NULL;
	free(log->meta_shop);
	log->meta_shop = NULL;
}

long long
cafe_log_now_ms(const struct cafe_log *log)
{
	long long ms = log->in_txn && log->server_ts[0] ? cafe_parse_ts(log->server_ts) : -1;

	return ms >= 0 ? ms : cafe_now_ms();
}

const char *
cafe_log_shop(const struct cafe_log *log)
{
	return log->shop ? log->shop : CAFE_SHOP_MAIN;
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

int
cafe_log_refuse_readonly(const struct cafe_log *log, struct cafe_err *e)
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
		return cafe_log_refuse_readonly(log, e);
	log->link_known = 0;
	log->server_ts[0] = '\0';
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

int
cafe_log_prepare(struct cafe_log *log, const char *sql, struct cafe_stmt **st,
    struct cafe_err *e)
{
	int rc = cafe_db_prepare(log->store, sql, st);

	return rc == CAFE_DB_OK ? 0 : db_status(log, rc, e, "prepare");
}

int
cafe_log_prepare_cached(struct cafe_log *log, struct cafe_stmt **st, const char *sql,
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

	if (cafe_log_prepare_cached(log, &log->ver,
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

long long
cafe_log_query_ll(struct cafe_log *log, const char *sql, const char *param,
    struct cafe_err *e)
{
	struct cafe_stmt *st;
	long long v = -1;
	int rc;

	if (cafe_log_prepare(log, sql, &st, e) != 0)
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
	if (cafe_log_prepare(log, "SELECT min(ts), max(ts) FROM events", &st, e) != 0)
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
	if (cafe_log_prepare(log, "SELECT type, count(*) FROM events GROUP BY type ORDER BY type",
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

	if ((status = cafe_log_prepare(log, "INSERT INTO checkpoints(name, seq) VALUES (?, ?) "
	    "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq", &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, name);
	cafe_stmt_int(st, 2, seq);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : db_status(log, rc, e, "checkpoint");
}
