/*
 * lease.c - the leases: who works a policy, taken, kept and given up
 * (daemon-priv.h; the invariants are daemon.c's).
 */
#include "daemon-priv.h"

/* --- leases --- */

/* Inside a transaction: renews our lease; CAFE_REFUSED when it is not ours.
 * Lease times are the database's clock (cafe_db_now_ms): daemons on
 * several hosts must agree on when a lease has lapsed. */
int
dm_lease_keep(struct worker *w, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(w->log);
	long long until = cafe_db_now_ms(db) + dm_conf(w)->daemon.lease_ms;
	int rc, status;

	if ((status = dm_stmt(w, &w->st_keep, "UPDATE daemon_leases SET expires_ms = ?1"
	    " WHERE policy = ?2 AND owner = ?3", e)) != 0)
		return status;
	cafe_stmt_int(w->st_keep, 1, until);
	cafe_stmt_text_ref(w->st_keep, 2, w->name);
	cafe_stmt_text_ref(w->st_keep, 3, w->d->owner);
	rc = cafe_stmt_step(w->st_keep);
	cafe_stmt_reset(w->st_keep);
	if (rc != CAFE_DB_DONE)
		return dm_sql_fail(w, rc, e, "lease");
	if (cafe_db_changes(db) != 1) {
		w->holder = 0;
		return cafe_err_set(e, CAFE_REFUSED, "lost the lease");
	}
	w->lease_until = until;
	return 0;
}

/* The position of a worker's policy as committed (inside a transaction). */
static long long
committed_position(struct worker *w, struct cafe_err *e)
{
	return cafe_checkpoint_get(w->log, w->checkpoint, e);
}

/*
 * Inside a transaction: 0 when the committed checkpoint is where the worker
 * left it; CAFE_REFUSED, the worker now reading from there, when someone
 * else moved it (nothing of ours may be written then); or a status.
 */
int
dm_checkpoint_unmoved(struct worker *w, struct cafe_err *e)
{
	long long cp = committed_position(w, e);

	if (cp < 0)
		return e->status;
	if (cp == w->cp)
		return 0;
	dm_say(w, CAFE_SAY_ACTION, "checkpoint moved from %lld to %lld by someone else: "
	    "reading from there", w->cp, cp);
	w->cp = w->pos = cp;
	return CAFE_REFUSED;
}

/* Takes the lease if it is free, expired or ours. */
int
dm_lease_take(struct worker *w, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(w->log);
	struct cafe_stmt *st = NULL;
	long long now = cafe_db_now_ms(db), expires = 0, cp;
	char prev[300] = "";
	int rc, status, mine = 0, row;

	if ((status = dm_txn_begin(w, e)) != 0)
		return status;
	rc = cafe_db_prepare(db, "SELECT owner, pid, host, expires_ms FROM daemon_leases"
	    " WHERE policy = ?", &st);
	if (rc != CAFE_DB_OK) {
		status = dm_sql_fail(w, rc, e, "lease");
		goto fail;
	}
	cafe_stmt_text_ref(st, 1, w->name);
	if ((row = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		mine = strcmp(cafe_col_text(st, 0), w->d->owner) == 0;
		snprintf(prev, sizeof prev, "%lld@%s", (long long)cafe_col_int(st, 1),
		    cafe_col_text(st, 2));
		expires = cafe_col_int(st, 3);
	} else if (row != CAFE_DB_DONE) {
		status = dm_sql_fail(w, row, e, "lease");
		goto fail;
	}
	cafe_stmt_free(st);
	st = NULL;
	if (row == CAFE_DB_ROW && !mine && expires > now) {
		dm_txn_rollback(w);
		if (!w->other_until || strcmp(w->other, prev) != 0)
			dm_say(w, CAFE_SAY_DEBUG, "lease held by %s until %lld", prev, expires);
		snprintf(w->other, sizeof w->other, "%s", prev);
		w->other_until = expires;
		return 0;
	}
	rc = cafe_db_prepare(db, "INSERT INTO daemon_leases(policy, owner, pid, host,"
	    " since_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT(policy) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,"
	    " host = excluded.host, since_ms = excluded.since_ms,"
	    " expires_ms = excluded.expires_ms", &st);
	if (rc != CAFE_DB_OK) {
		status = dm_sql_fail(w, rc, e, "lease");
		goto fail;
	}
	cafe_stmt_text_ref(st, 1, w->name);
	cafe_stmt_text_ref(st, 2, w->d->owner);
	cafe_stmt_int(st, 3, (long long)getpid());
	cafe_stmt_text_ref(st, 4, cafe_host());
	cafe_stmt_int(st, 5, now);
	cafe_stmt_int(st, 6, now + dm_conf(w)->daemon.lease_ms);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	st = NULL;
	if (rc != CAFE_DB_DONE) {
		status = dm_sql_fail(w, rc, e, "lease");
		goto fail;
	}
	if ((cp = committed_position(w, e)) < 0) {
		status = e->status;
		goto fail;
	}
	if (row == CAFE_DB_ROW && !mine)
		dm_later(w, CAFE_SAY_ACTION, "took over the lease from %s (expired)", prev);
	else
		dm_later(w, CAFE_SAY_DEBUG, "took the lease");
	if ((status = dm_txn_commit(w, e)) != 0)
		return status;
	w->holder = 1;
	w->known = 1;
	w->cp = w->pos = cp;
	w->cp_written_ms = now;
	w->lease_until = now + dm_conf(w)->daemon.lease_ms;
	w->other_until = 0;
	w->other[0] = '\0';
	return 0;
fail:
	cafe_stmt_free(st);
	dm_txn_rollback(w);
	return status;
}

void
dm_lease_release(struct worker *w)
{
	struct cafe_err e;
	struct cafe_stmt *st;

	if (!w->holder || dm_txn_begin(w, &e) != 0)
		return;
	if (cafe_db_prepare(cafe_log_store(w->log), "DELETE FROM daemon_leases"
	    " WHERE policy = ? AND owner = ?", &st) == CAFE_DB_OK) {
		cafe_stmt_text_ref(st, 1, w->name);
		cafe_stmt_text_ref(st, 2, w->d->owner);
		cafe_stmt_step(st);
		cafe_stmt_free(st);
	}
	if (dm_txn_commit(w, &e) == 0)
		dm_say(w, CAFE_SAY_DEBUG, "gave up the lease");
	w->holder = 0;
}
