/*
 * status.c - what `cafe-daemon status` and `retry` read and change
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
	struct cafe_db *db = cafe_log_store(log);

	return cafe_db_has(db, "daemon_leases", NULL) && cafe_db_has(db, "daemon_queue", NULL);
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
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st = NULL;
	json_t *list = json_array();
	long long now = cafe_db_now_ms(db), waiting = 0;
	int rc;

	json_object_set_new(row, "parked_events", list);
	*parked = 0;
	/* A lease given up is deleted; one left to expire belongs to a holder
	 * that stopped renewing it: frozen, or dead without a word. */
	rc = cafe_db_prepare(db, "SELECT pid, host, expires_ms FROM daemon_leases"
	    " WHERE policy = ?1", &st);
	if (rc != CAFE_DB_OK)
		return db_fail(log, rc, e);
	cafe_stmt_text_ref(st, 1, policy);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		long long expires = cafe_col_int(st, 2);
		json_t *who = json_sprintf("%lld@%s", (long long)cafe_col_int(st, 0),
		    cafe_col_text(st, 1));

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
	cafe_stmt_free(st);
	if (rc != CAFE_DB_ROW && rc != CAFE_DB_DONE)
		return db_fail(log, rc, e);

	rc = cafe_db_prepare(db, "SELECT state, count(*) FROM daemon_queue"
	    " WHERE policy = ?1 GROUP BY state", &st);
	if (rc != CAFE_DB_OK)
		return db_fail(log, rc, e);
	cafe_stmt_text_ref(st, 1, policy);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		if (strcmp(cafe_col_text(st, 0), "parked") == 0)
			*parked = cafe_col_int(st, 1);
		else
			waiting = cafe_col_int(st, 1);
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE)
		return db_fail(log, rc, e);
	json_object_set_new(row, "waiting", json_integer(waiting));

	rc = cafe_db_prepare(db, "SELECT seq, type, order_id, error, attempts, updated_ms"
	    " FROM daemon_queue WHERE policy = ?1 AND state = 'parked' ORDER BY seq"
	    " LIMIT ?2", &st);
	if (rc != CAFE_DB_OK)
		return db_fail(log, rc, e);
	cafe_stmt_text_ref(st, 1, policy);
	cafe_stmt_int(st, 2, PARKED_SHOWN);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:s, s:i, s:o}",
		    "seq", (json_int_t)cafe_col_int(st, 0),
		    "type", cafe_col_text(st, 1),
		    "order_id", cafe_col_kind(st, 2) == CAFE_COL_NULL ? json_null() :
		    json_integer(cafe_col_int(st, 2)),
		    "error", cafe_col_text(st, 3) ?
		    cafe_col_text(st, 3) : "",
		    "attempts", cafe_col_int(st, 4),
		    "parked_at", ts_json(cafe_col_int(st, 5))));
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : db_fail(log, rc, e);
}

static int
oldest_ts(const struct cafe_event *ev, void *arg)
{
	*(long long *)arg = cafe_parse_ts(ev->ts);
	return 0;
}

/* How long the oldest event a policy has not done has waited (0: none).
 * The log's time, as leases and breakers use: several hosts agree on it. */
static int
lag_ms(struct cafe_log *log, long long cp, long long head, long long *ms,
    struct cafe_err *e)
{
	long long ts = -1;
	int status;

	*ms = 0;
	if (head <= cp)
		return 0;
	if ((status = cafe_log_read(log, cp, 1, oldest_ts, &ts, e)) != 0)
		return status;
	if (ts >= 0 && cafe_db_now_ms(cafe_log_store(log)) > ts)
		*ms = cafe_db_now_ms(cafe_log_store(log)) - ts;
	return 0;
}

int
cafe_daemon_status(const struct cafe_config *c, struct cafe_log *log,
    int (*fn)(json_t *row, void *arg), void *arg, int *healthy, struct cafe_err *e)
{
	long long head, cp, parked, waited;
	int tables = has_tables(log), status = 0;
	char **shops = NULL;
	size_t nshops = 0;

	*healthy = 1;
	if ((head = cafe_log_head(log, e)) < 0)
		return e->status;
	/* A chain's policies, shop by shop (daemon-priv.h: POLICY@SHOP). */
	if ((status = cafe_log_shops(log, &shops, &nshops, e)) != 0)
		return status;
	if (nshops == 0) {
		free(shops);
		shops = cafe_xcalloc(2, sizeof *shops);
		shops[0] = cafe_xstrdup(CAFE_SHOP_MAIN);
		nshops = 1;
	}
	for (size_t i = 0, k = 0; cafe_policies[i] && !status; k = cafe_policies[i]->apply ||
	    k + 1 >= nshops ? 0 : k + 1, i += k == 0) {
		const struct cafe_policy *p = cafe_policies[i];
		int main_shop = p->apply || strcmp(shops[k], CAFE_SHOP_MAIN) == 0;
		char name[224], checkpoint[224];
		json_t *row;
		int ok;

		snprintf(name, sizeof name, main_shop ? "%s" : "%s@%s", p->name, shops[k]);
		snprintf(checkpoint, sizeof checkpoint, main_shop ? "%s" : "%s@%s", p->checkpoint,
		    shops[k]);
		if ((cp = cafe_checkpoint_get(log, checkpoint, e)) < 0) {
			status = e->status;
			break;
		}
		if ((status = lag_ms(log, cp, head, &waited, e)) != 0)
			break;
		row = json_pack("{s:s, s:I, s:I, s:I, s:I, s:n, s:n, s:i, s:i}",
		    "policy", name, "checkpoint", (json_int_t)cp,
		    "head", (json_int_t)head, "lag", (json_int_t)(head - cp),
		    "lag_ms", (json_int_t)waited,
		    "holder", "lease_expires", "waiting", 0, "parked", 0);
		parked = 0;
		if (!p->apply)
			json_object_set_new(row, "shop", json_string(shops[k]));
		if (tables && (status = status_tables(log, name, c->daemon.lease_ms, row,
		    &parked, e)) != 0) {
			json_decref(row);
			break;
		}
		if (!tables)
			json_object_set_new(row, "parked_events", json_array());
		json_object_set_new(row, "parked", json_integer(parked));
		ok = head - cp <= c->daemon.lag_alert && waited <= c->daemon.lag_alert_ms &&
		    parked == 0;
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
	for (size_t k = 0; k < nshops; k++)
		free(shops[k]);
	free(shops);
	return status;
}

struct unpark {
	const char *policy;
	long long *count;
};

static int
unpark_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct unpark *u = arg;
	const char *policy = u->policy;
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	long long now = cafe_now_ms();
	int rc;

	if ((rc = cafe_db_exec(db, dm_schema)) != CAFE_DB_OK)
		return db_fail(log, rc, e);
	rc = cafe_db_prepare(db, "UPDATE daemon_queue SET state = 'wait', due_ms = ?1,"
	    " attempts = 0, updated_ms = ?1 WHERE state = 'parked'"
	    " AND (CAST(?2 AS TEXT) IS NULL OR policy = ?2)", &st);
	if (rc != CAFE_DB_OK)
		return db_fail(log, rc, e);
	cafe_stmt_int(st, 1, now);
	if (policy)
		cafe_stmt_text_ref(st, 2, policy);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE)
		return db_fail(log, rc, e);
	*u->count = cafe_db_changes(db);
	return 0;
}

int
cafe_daemon_unpark(struct cafe_log *log, const char *policy, long long *count,
    struct cafe_err *e)
{
	*count = 0;
	if (policy && !cafe_policy_find(policy))
		return cafe_err_set(e, CAFE_USAGE, "unknown policy '%s' (see 'cafe-daemon "
		    "status')", policy);
	return cafe_log_transact(log, unpark_txn, &(struct unpark){ policy, count }, e);
}

char *
cafe_daemon_holder(struct cafe_log *log, const char *policy, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char *who = NULL;
	int rc;

	if (!has_tables(log))
		return NULL;
	rc = cafe_db_prepare(cafe_log_store(log), "SELECT pid, host FROM daemon_leases"
	    " WHERE policy = ?1 AND expires_ms > ?2", &st);
	if (rc != CAFE_DB_OK) {
		db_fail(log, rc, e);
		return NULL;
	}
	cafe_stmt_text_ref(st, 1, policy);
	cafe_stmt_int(st, 2, cafe_db_now_ms(cafe_log_store(log)));
	if (cafe_stmt_step(st) == CAFE_DB_ROW)
		who = cafe_xasprintf("%lld@%s", (long long)cafe_col_int(st, 0),
		    cafe_col_text(st, 1));
	cafe_stmt_free(st);
	return who;
}
