/*
 * daemon-status.c - what `cafe-daemon status` and `retry` read and change
 * (daemon-priv.h; the invariants are daemon.c's).
 */
#include "daemon-priv.h"

/* --- status, unpark, holder: for `cafe-daemon status` and `retry` --- */

static int
db_fail(struct cafe_log *log, int rc, struct cafe_err *e)
{
	return cafe_log_sql_status(log, rc, NULL, "status", e);
}

static int
has_tables(struct cafe_log *log)
{
	sqlite3_stmt *st;
	int yes = 0;

	if (sqlite3_prepare_v2(cafe_log_db(log), "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name IN ('daemon_leases', 'daemon_queue')",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0) == 2;
	sqlite3_finalize(st);
	return yes;
}

static json_t *
ts_json(long long ms)
{
	char ts[40];

	cafe_format_ts(ms, ts, sizeof ts);
	return json_string(ts);
}

/* Fills the lease and queue fields of one policy's row. */
static int
status_tables(struct cafe_log *log, const char *policy, long long lease_ms, json_t *row,
    long long *parked, struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	long long now = cafe_now_ms(), waiting = 0;
	int rc;

	json_object_set_new(row, "parked_events", list);
	*parked = 0;
	/* A lease given up is deleted; one left to expire belongs to a holder
	 * that stopped renewing it: frozen, or dead without a word. */
	rc = sqlite3_prepare_v2(db, "SELECT pid, host, expires_ms FROM daemon_leases"
	    " WHERE policy = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long expires = sqlite3_column_int64(st, 2);
		json_t *who = json_sprintf("%lld@%s", (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1));

		if (expires > now) {
			json_object_set_new(row, "holder", who);
			json_object_set_new(row, "lease_expires", ts_json(expires));
		} else {
			json_object_set_new(row, "stale_holder", who);
			json_object_set_new(row, "last_seen", ts_json(expires - lease_ms));
			json_object_set_new(row, "last_seen_ms_ago",
			    json_integer(now - (expires - lease_ms)));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(log, rc, e);

	rc = sqlite3_prepare_v2(db, "SELECT state, count(*) FROM daemon_queue"
	    " WHERE policy = ?1 GROUP BY state", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), "parked") == 0)
			*parked = sqlite3_column_int64(st, 1);
		else
			waiting = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(log, rc, e);
	json_object_set_new(row, "waiting", json_integer(waiting));

	rc = sqlite3_prepare_v2(db, "SELECT seq, type, order_id, error, attempts, updated_ms"
	    " FROM daemon_queue WHERE policy = ?1 AND state = 'parked' ORDER BY seq"
	    " LIMIT ?2", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(log, rc, e);
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, PARKED_SHOWN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:s, s:i, s:o}",
		    "seq", (json_int_t)sqlite3_column_int64(st, 0),
		    "type", (const char *)sqlite3_column_text(st, 1),
		    "order_id", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(st, 2)),
		    "error", sqlite3_column_text(st, 3) ?
		    (const char *)sqlite3_column_text(st, 3) : "",
		    "attempts", sqlite3_column_int(st, 4),
		    "parked_at", ts_json(sqlite3_column_int64(st, 5))));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(log, rc, e);
}

int
cafe_daemon_status(const struct cafe_config *c, struct cafe_log *log,
    int (*fn)(json_t *row, void *arg), void *arg, int *healthy, struct cafe_err *e)
{
	long long head, cp, parked;
	int tables = has_tables(log), status = 0;

	*healthy = 1;
	if ((head = cafe_log_head(log, e)) < 0)
		return e->status;
	for (size_t i = 0; cafe_policies[i] && !status; i++) {
		const struct cafe_policy *p = cafe_policies[i];
		json_t *row;
		int ok;

		if ((cp = cafe_checkpoint_get(log, p->checkpoint, e)) < 0)
			return e->status;
		row = json_pack("{s:s, s:I, s:I, s:I, s:n, s:n, s:i, s:i}",
		    "policy", p->name, "checkpoint", (json_int_t)cp,
		    "head", (json_int_t)head, "lag", (json_int_t)(head - cp),
		    "holder", "lease_expires", "waiting", 0, "parked", 0);
		parked = 0;
		if (tables && (status = status_tables(log, p->name, c->daemon.lease_ms, row,
		    &parked, e)) != 0) {
			json_decref(row);
			return status;
		}
		if (!tables)
			json_object_set_new(row, "parked_events", json_array());
		json_object_set_new(row, "parked", json_integer(parked));
		ok = head - cp <= c->daemon.lag_alert && parked == 0;
		/* A holder that stopped renewing while work waits: nobody else
		 * takes the policy up until someone looks. */
		if (json_object_get(row, "stale_holder") && (head > cp ||
		    json_integer_value(json_object_get(row, "waiting")) > 0))
			ok = 0;
		json_object_set_new(row, "healthy", json_boolean(ok));
		if (!ok)
			*healthy = 0;
		status = fn(row, arg);
		json_decref(row);
	}
	return status;
}

int
cafe_daemon_unpark(struct cafe_log *log, const char *policy, long long *count,
    struct cafe_err *e)
{
	sqlite3 *db = cafe_log_db(log);
	sqlite3_stmt *st;
	long long now = cafe_now_ms();
	int rc, status;

	*count = 0;
	if (policy && !cafe_policy_find(policy))
		return cafe_err_set(e, CAFE_USAGE, "unknown policy '%s' (see 'cafe-daemon "
		    "status')", policy);
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((rc = sqlite3_exec(db, dm_schema, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	rc = sqlite3_prepare_v2(db, "UPDATE daemon_queue SET state = 'wait', due_ms = ?1,"
	    " attempts = 0, updated_ms = ?1 WHERE state = 'parked'"
	    " AND (?2 IS NULL OR policy = ?2)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	if (policy)
		sqlite3_bind_text(st, 2, policy, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	*count = sqlite3_changes(db);
	return cafe_log_commit(log, e);
fail:
	status = db_fail(log, rc, e);
	cafe_log_rollback(log);
	return status;
}

char *
cafe_daemon_holder(struct cafe_log *log, const char *policy, struct cafe_err *e)
{
	sqlite3_stmt *st;
	char *who = NULL;
	int rc;

	if (!has_tables(log))
		return NULL;
	rc = sqlite3_prepare_v2(cafe_log_db(log), "SELECT pid, host FROM daemon_leases"
	    " WHERE policy = ?1 AND expires_ms > ?2", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(log, rc, e);
		return NULL;
	}
	sqlite3_bind_text(st, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cafe_now_ms());
	if (sqlite3_step(st) == SQLITE_ROW)
		who = cafe_xasprintf("%lld@%s", (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return who;
}
