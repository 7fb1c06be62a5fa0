/*
 * pg.c - store.h over a PostgreSQL connection, through libpq loaded
 * with dlopen the first time a postgresql:// URI is opened: a process that
 * only ever uses SQLite never maps libpq (or its 24 libraries).
 *
 * Statements keep their SQL and parameters as text and run when first
 * stepped (PQexecParams: bound parameters, never spliced into the SQL);
 * the rows stay in the result until the next reset. `?N` placeholders
 * become `$N`, and a bare `?` the next number, as SQLite numbers them.
 *
 * Result codes are SQLite's numbers (store.h), one vocabulary for callers:
 * a serialisation failure, a deadlock or a lock not granted in time is
 * busy (try again), a unique violation a constraint, a read-only
 * transaction read-only, a lost connection an I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpq.h"
#include "pg.h"
#include "store-priv.h"

/* SQLite's result codes, the vocabulary of store.h. */
enum {
	RC_ERROR = 1, RC_BUSY = 5, RC_READONLY = 8, RC_IOERR = 10, RC_CANTOPEN = 14,
	RC_CONSTRAINT = 19, RC_MISUSE = 21
};

struct pg_db {
	struct cafe_db base;
	PGconn *conn;
	char *where;                /* the URI without its password, for messages */
	char msg[512];              /* the last error's message */
	long long changes;
	int durable;                /* synchronous_commit on (1) or off (0) */
	int readonly;               /* the log was opened read-only */
	int in_txn;                 /* a transaction was open when last looked */
	int held;                   /* the last statement was not sent (msg says why) */
	long long resets;           /* connections made again (cafe_store_pg_generation) */
	struct named {              /* statements prepared on the server, by */
		char *sql;          /* their text, on this generation of the */
		char name[32];      /* connection: a statement made again (a fold's, */
	} *named;                   /* each round) finds its name here */
	size_t nnamed;
	char **tables;              /* tables seen to exist (they never go away
	                             * for long: a rebuild drops and makes one
	                             * in one transaction) */
	size_t ntables;
};

struct pg_stmt {
	struct cafe_stmt base;
	struct pg_db *db;
	char *sql;                  /* with $N placeholders */
	int nparams;
	char **params;              /* owned copies, or NULL for SQL NULL */
	PGresult *res;              /* after the first step */
	int row, nrows;
	int done;                   /* stepped past the last row */
	int runs;                   /* times executed */
	size_t slot;                /* once run again: 1 + its name's index in
	                             * db->named (0: none) */
	long long gen;              /* ... on this generation of the connection */
};

#define DB(d) ((struct pg_db *)(d))
#define ST(s) ((struct pg_stmt *)(s))

static const struct cafe_store_ops ops;

static void forget_tables(struct pg_db *db);
static void forget_named(struct pg_db *db);

/* After a statement: whether a transaction is open, for ready(). */
static void
note_txn(struct pg_db *db)
{
	if (cafe_pq.status(db->conn) == CONNECTION_OK) {
		PGTransactionStatusType t = cafe_pq.transaction_status(db->conn);

		db->in_txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
	}
}

/*
 * A connection the server dropped (a restart, a failover, an idle
 * timeout) is made again before the next statement, unless a transaction
 * was open on it: that transaction is gone, and nothing more of it may
 * run on a new connection as autocommit statements; only its ROLLBACK
 * gets through (pg_exec), as a no-op. 0 with db->msg set: not sent.
 */
static int
ready(struct pg_db *db)
{
	if (cafe_pq.status(db->conn) == CONNECTION_OK)
		return 1;
	db->held = 1;
	if (db->in_txn) {
		snprintf(db->msg, sizeof db->msg, "the server closed the connection in the "
		    "middle of a transaction");
		return 0;
	}
	cafe_pq.reset(db->conn);
	if (cafe_pq.status(db->conn) != CONNECTION_OK) {
		snprintf(db->msg, sizeof db->msg, "%s", cafe_pq.error_message(db->conn));
		db->msg[strcspn(db->msg, "\n")] = '\0';
		return 0;
	}
	db->held = 0;
	db->resets++;
	forget_tables(db);
	forget_named(db);
	if (!db->durable) {
		PGresult *res = cafe_pq.exec(db->conn, "SET synchronous_commit = off");

		cafe_pq.clear(res);
	}
	return 1;
}

/* Every statement goes through here: sql with n parameters, or (n < 0)
 * one or more statements without any. NULL when it was not sent. */
static PGresult *
run(struct pg_db *db, const char *sql, int n, const char *const *params)
{
	PGresult *res;

	if (!ready(db))
		return NULL;
	res = n < 0 ? cafe_pq.exec(db->conn, sql) :
	    cafe_pq.exec_params(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	note_txn(db);
	return res;
}

/* The code of a failed result, keeping its message on the connection. */
static int
result_rc(struct pg_db *db, PGresult *res)
{
	const char *state = res ? cafe_pq.result_error_field(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? cafe_pq.result_error_message(res) : cafe_pq.error_message(db->conn);
	size_t n;

	if (!res && db->held) {
		db->held = 0;
		return RC_IOERR;        /* not sent: ready() said why */
	}
	snprintf(db->msg, sizeof db->msg, "%s", msg && *msg ? msg : "unknown error");
	/* One line: the server's LINE and caret lines are for people at psql. */
	db->msg[strcspn(db->msg, "\n")] = '\0';
	n = strlen(db->msg);
	while (n > 0 && (db->msg[n - 1] == '\n' || db->msg[n - 1] == ' '))
		db->msg[--n] = '\0';
	if (cafe_pq.status(db->conn) != CONNECTION_OK)
		return RC_IOERR;
	if (!state)
		return RC_ERROR;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return RC_BUSY;
	if (strncmp(state, "23", 2) == 0)
		return RC_CONSTRAINT;
	if (strcmp(state, "25006") == 0 || strcmp(state, "42501") == 0)
		return RC_READONLY;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return RC_IOERR;
	return RC_ERROR;
}

/* ?N as $N, a bare ? as the next number; quoted text and names untouched. */
static char *
rewrite(const char *sql, int *nparams)
{
	size_t n = strlen(sql);
	char *out = cafe_xcalloc(1, 2 * n + 1), *o = out;
	int next = 0, most = 0;
	char quote = 0;

	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
			continue;
		}
		if (*p != '?') {
			*o++ = *p;
			continue;
		}
		if (p[1] >= '0' && p[1] <= '9') {
			int k = (int)strtol(p + 1, NULL, 10);

			*o++ = '$';
			while (p[1] >= '0' && p[1] <= '9')
				*o++ = *++p;
			if (k > most)
				most = k;
			next = k;
			continue;
		}
		next = (most > next ? most : next) + 1;
		if (next > most)
			most = next;
		o += sprintf(o, "$%d", next);
	}
	*o = '\0';
	*nparams = most;
	return out;
}

static int
pg_prepare(struct cafe_db *db, const char *sql, struct cafe_stmt **out)
{
	struct pg_stmt *st = cafe_xcalloc(1, sizeof *st);

	st->base.ops = &ops;
	st->db = DB(db);
	st->sql = rewrite(sql, &st->nparams);
	st->params = cafe_xcalloc(st->nparams > 0 ? (size_t)st->nparams : 1,
	    sizeof *st->params);
	*out = &st->base;
	return CAFE_DB_OK;
}

static void
forget_tables(struct pg_db *db)
{
	for (size_t i = 0; i < db->ntables; i++)
		free(db->tables[i]);
	db->ntables = 0;
}

static int
pg_exec(struct cafe_db *db, const char *sql)
{
	PGresult *res;

	if (strstr(sql, "DROP ") || strstr(sql, "ROLLBACK"))
		forget_tables(DB(db));     /* what pg_has remembered may be gone */
	if (DB(db)->in_txn && cafe_pq.status(DB(db)->conn) != CONNECTION_OK &&
	    strncmp(sql, "ROLLBACK", 8) == 0) {
		DB(db)->in_txn = 0;     /* the server has rolled it back already */
		return CAFE_DB_OK;
	}
	res = run(DB(db), sql, -1, NULL);
	ExecStatusType s = res ? cafe_pq.result_status(res) : PGRES_FATAL_ERROR;
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? CAFE_DB_OK :
	    result_rc(DB(db), res);

	cafe_pq.clear(res);
	return rc;
}

/*
 * Every writer takes one lock first, as SQLite lets one writer at a time
 * in: writers then never deadlock and never fail to serialise (READ
 * COMMITTED sees all that committed before the lock was granted), and a
 * wait longer than SQLite's busy timeout is busy, try again.
 */
#define WRITE_LOCK "BEGIN; SET LOCAL lock_timeout = 10000;" \
	" SELECT pg_advisory_xact_lock(4242002)"

int
cafe_store_pg_begin_write(struct cafe_db *db, const char *then,
    void (*row)(void *arg, const char *const *vals, int n), void *arg)
{
	char sql[512];
	PGresult *res;
	ExecStatusType st;
	int rc;

	if (!then)
		return pg_exec(db, WRITE_LOCK);
	snprintf(sql, sizeof sql, "%s; %s", WRITE_LOCK, then);
	if (!row)
		return pg_exec(db, sql);
	/* As pg_exec, keeping the last statement's first row for row(). */
	res = run(DB(db), sql, -1, NULL);
	st = res ? cafe_pq.result_status(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = result_rc(DB(db), res);
		cafe_pq.clear(res);
		return rc;
	}
	if (st == PGRES_TUPLES_OK && cafe_pq.ntuples(res) > 0) {
		const char *vals[8];
		int n = cafe_pq.nfields(res) < 8 ? cafe_pq.nfields(res) : 8;

		for (int i = 0; i < n; i++)
			vals[i] = cafe_pq.getisnull(res, 0, i) ? NULL : cafe_pq.getvalue(res, 0, i);
		row(arg, vals, n);
	}
	cafe_pq.clear(res);
	return CAFE_DB_OK;
}

static int
pg_begin_write(struct cafe_db *db)
{
	return cafe_store_pg_begin_write(db, NULL, NULL, NULL);
}

static int
pg_status(struct cafe_db *db, int rc, const char *who, const char *what,
    struct cafe_err *e)
{
	const char *where = DB(db)->where;

	switch (rc) {
	case RC_BUSY:
		return cafe_err_set(e, CAFE_TEMPFAIL, "database '%s' is busy, try again",
		    where);
	case RC_READONLY:
		/* Opened read-only here, or refused by the server (a role
		 * without the grant, a standby): the server's words then. */
		if (DB(db)->readonly || !DB(db)->msg[0])
			return cafe_err_set(e, CAFE_IOERR, "database '%s' is read-only (check "
			    "its permissions)", where);
		return cafe_err_set(e, CAFE_IOERR, "database '%s' is read-only for this "
		    "user (%s)", where, DB(db)->msg);
	case RC_IOERR:
		return cafe_err_set(e, CAFE_TEMPFAIL, "lost the connection to database "
		    "'%s', try again (%s)", where, DB(db)->msg);
	default:
		/* A pooler in transaction mode handing our connection round. */
		return cafe_err_set(e, CAFE_IOERR, "database '%s': %s%s%s: %s%s", where,
		    who ? who : "", who ? ": " : "", what, DB(db)->msg,
		    strstr(DB(db)->msg, "prepared statement \"cafe_") ||
		    strstr(DB(db)->msg, "current transaction is aborted") ?
		    " (behind a connection pooler? cafe needs its session mode)" : "");
	}
}

/* One value of a one-row query, or NULL (copied into buf). */
static const char *
query1(struct pg_db *db, const char *sql, const char *arg, char *buf, size_t n)
{
	const char *args[1] = { arg };
	PGresult *res = run(db, sql, arg ? 1 : 0, args);
	const char *v = NULL;

	if (res && cafe_pq.result_status(res) == PGRES_TUPLES_OK && cafe_pq.ntuples(res) > 0 &&
	    !cafe_pq.getisnull(res, 0, 0)) {
		snprintf(buf, n, "%s", cafe_pq.getvalue(res, 0, 0));
		v = buf;
	}
	cafe_pq.clear(res);
	return v;
}

/* What the log opened it as: a server that refuses writes anyway (a hot
 * standby) says so at the first write, as read-only (25006). */
static int
pg_readonly(struct cafe_db *db)
{
	return DB(db)->readonly;
}

static const char *
pg_errmsg(struct cafe_db *db)
{
	return DB(db)->msg;
}

/* The server's clock; this machine's if the server cannot be asked (the
 * statement that follows will then fail and say why). */
static long long
pg_now_ms(struct cafe_db *db)
{
	char buf[32];
	const char *v = query1(DB(db), "SELECT floor(extract(epoch FROM clock_timestamp()) "
	    "* 1000)::bigint", NULL, buf, sizeof buf);

	return v ? atoll(v) : cafe_now_ms();
}

static long long
pg_changes(struct cafe_db *db)
{
	return DB(db)->changes;
}

static long long
pg_last_id(struct cafe_db *db)
{
	char buf[32];
	const char *v = query1(DB(db), "SELECT lastval()", NULL, buf, sizeof buf);

	return v ? atoll(v) : 0;
}

/* The catalogue itself (information_schema's views cost a millisecond a
 * look); a table seen once is remembered, one that is missing never. */
static int
pg_has(struct cafe_db *db, const char *table, const char *column)
{
	struct pg_db *d = DB(db);
	const char *args[2] = { table, column };
	const char *sql;
	PGresult *res;
	int yes;

	for (size_t i = 0; !column && i < d->ntables; i++)
		if (strcmp(d->tables[i], table) == 0)
			return 1;
	sql = column ?
	    "SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
	    "current_schema() AND c.relname = $1 AND a.attname = $2 AND a.attnum > 0 "
	    "AND NOT a.attisdropped" :
	    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN "
	    "('r', 'p')";
	res = run(d, sql, column ? 2 : 1, args);
	/* A connection the server dropped since the last statement: asked
	 * again on the new one, outside a transaction (ready() makes it; a
	 * catalog read is safe to repeat), so that a dropped connection is
	 * never taken for a missing table. */
	if ((!res || cafe_pq.result_status(res) != PGRES_TUPLES_OK) &&
	    cafe_pq.status(d->conn) != CONNECTION_OK && !d->in_txn) {
		cafe_pq.clear(res);
		res = run(d, sql, column ? 2 : 1, args);
	}
	yes = res && cafe_pq.result_status(res) == PGRES_TUPLES_OK && cafe_pq.ntuples(res) > 0;
	cafe_pq.clear(res);
	if (yes && !column) {
		d->tables = cafe_xrealloc(d->tables, (d->ntables + 1) * sizeof *d->tables);
		d->tables[d->ntables++] = cafe_xstrdup(table);
	}
	return yes;
}

static int
pg_durable(struct cafe_db *db, int durable)
{
	int was = DB(db)->durable;

	if (durable < 0 || durable == was)
		return was;
	if (pg_exec(db, durable ? "SET synchronous_commit = on" :
	    "SET synchronous_commit = off") == CAFE_DB_OK)
		DB(db)->durable = durable ? 1 : 0;
	return was;
}

static void
set_param(struct cafe_stmt *st, int i, char *v)
{
	if (i < 1 || i > ST(st)->nparams) {
		free(v);
		return;
	}
	free(ST(st)->params[i - 1]);
	ST(st)->params[i - 1] = v;
}

static void
pg_bind_int(struct cafe_stmt *st, int i, long long v)
{
	set_param(st, i, cafe_xasprintf("%lld", v));
}

static void
pg_bind_text(struct cafe_stmt *st, int i, const char *s)
{
	set_param(st, i, s ? cafe_xstrdup(s) : NULL);
}

static void
pg_bind_null(struct cafe_stmt *st, int i)
{
	set_param(st, i, NULL);
}

/*
 * A statement run a second time (a cached one: the log's INSERT, the
 * daemon's lookups, a fold's per-row UPDATE) is prepared on the server
 * under a name, so that it is parsed and planned once per connection, not
 * at every run: the log's INSERT took 0.3 ms of its append's 0.7 ms being
 * planned again. Names are kept by SQL text on the connection, so a
 * statement made again finds its name, and a long-lived connection holds
 * one per text, never one per statement made. One that runs once stays
 * unnamed.
 */
/* 1 + the index of s's name in db->named, prepared now if new; 0 when
 * the server would not prepare it. */
static size_t
server_name(struct pg_stmt *s)
{
	struct pg_db *db = s->db;
	struct named *n;
	PGresult *res;
	int ok;

	for (size_t i = 0; i < db->nnamed; i++)
		if (strcmp(db->named[i].sql, s->sql) == 0)
			return i + 1;
	db->named = cafe_xrealloc(db->named, (db->nnamed + 1) * sizeof *db->named);
	n = &db->named[db->nnamed];
	snprintf(n->name, sizeof n->name, "cafe_%zu", db->nnamed + 1);
	res = cafe_pq.prepare(db->conn, n->name, s->sql, s->nparams, NULL);
	ok = res && cafe_pq.result_status(res) == PGRES_COMMAND_OK;
	cafe_pq.clear(res);
	if (!ok)
		return 0;
	n->sql = cafe_xstrdup(s->sql);
	return ++db->nnamed;
}

static void
forget_named(struct pg_db *db)
{
	for (size_t i = 0; i < db->nnamed; i++)
		free(db->named[i].sql);
	db->nnamed = 0;
}

static PGresult *
run_stmt(struct pg_stmt *s)
{
	const char *const *params = (const char *const *)s->params;
	PGresult *res;

	if (++s->runs < 2)
		return run(s->db, s->sql, s->nparams, params);
	if (!ready(s->db))
		return NULL;
	if (!s->slot || s->gen != s->db->resets) {
		s->gen = s->db->resets;
		if (!(s->slot = server_name(s)))
			return run(s->db, s->sql, s->nparams, params);
	}
	res = cafe_pq.exec_prepared(s->db->conn, s->db->named[s->slot - 1].name, s->nparams,
	    params, NULL, NULL, 0);
	note_txn(s->db);
	return res;
}

static void
pg_reset(struct cafe_stmt *st)
{
	if (ST(st)->res)
		cafe_pq.clear(ST(st)->res);
	ST(st)->res = NULL;
	ST(st)->row = -1;
	ST(st)->nrows = 0;
	ST(st)->done = 0;
}

static int
pg_step(struct cafe_stmt *st)
{
	struct pg_stmt *s = ST(st);
	ExecStatusType status;
	const char *tuples;

	if (s->done)
		return RC_MISUSE;
	if (!s->res) {
		s->res = run_stmt(s);
		status = s->res ? cafe_pq.result_status(s->res) : PGRES_FATAL_ERROR;
		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
			int rc = result_rc(s->db, s->res);

			cafe_pq.clear(s->res);
			s->res = NULL;
			return rc;
		}
		tuples = cafe_pq.cmd_tuples(s->res);
		s->db->changes = tuples && *tuples ? atoll(tuples) : 0;
		s->nrows = status == PGRES_TUPLES_OK ? cafe_pq.ntuples(s->res) : 0;
		s->row = -1;
	}
	if (++s->row < s->nrows)
		return CAFE_DB_ROW;
	s->done = 1;
	return CAFE_DB_DONE;
}

static void
pg_clear(struct cafe_stmt *st)
{
	for (int i = 0; i < ST(st)->nparams; i++) {
		free(ST(st)->params[i]);
		ST(st)->params[i] = NULL;
	}
}

static void
pg_free(struct cafe_stmt *st)
{
	pg_reset(st);
	pg_clear(st);
	free(ST(st)->params);
	free(ST(st)->sql);
	free(st);
}

static int
valid_cell(struct pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 &&
	    !cafe_pq.getisnull(s->res, s->row, i);
}

static long long
pg_col_int(struct cafe_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);
	const char *v;

	if (!valid_cell(s, i))
		return 0;
	v = cafe_pq.getvalue(s->res, s->row, i);
	if (strcmp(v, "t") == 0)
		return 1;
	return atoll(v);
}

static const char *
pg_col_text(struct cafe_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	return valid_cell(s, i) ? cafe_pq.getvalue(s->res, s->row, i) : NULL;
}

static enum cafe_col_kind
pg_col_kind(struct cafe_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	if (!valid_cell(s, i))
		return CAFE_COL_NULL;
	switch (cafe_pq.ftype(s->res, i)) {
	case 20: case 21: case 23: case 16:       /* int8, int2, int4, bool */
		return CAFE_COL_INT;
	case 700: case 701: case 1700:            /* float4, float8, numeric */
		return CAFE_COL_REAL;
	default:
		return CAFE_COL_TEXT;
	}
}

static const struct cafe_store_ops ops = {
	pg_prepare, pg_exec, pg_begin_write, pg_status, pg_readonly, pg_errmsg,
	"BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", pg_now_ms, pg_changes,
	pg_last_id, pg_has, pg_durable, pg_bind_int, pg_bind_text, pg_bind_text,
	pg_bind_null, pg_step, pg_reset, pg_clear, pg_free, pg_col_int, pg_col_text,
	pg_col_kind, 0
};

int
cafe_store_pg_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* The URI as it may be shown: any password between ':' and '@' is hidden. */
static char *
shown(const char *uri)
{
	const char *start = strstr(uri, "://"), *at, *colon;
	char *out;

	start = start ? start + 3 : uri;
	at = strchr(start, '@');
	colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
	if (!colon)
		return cafe_xstrdup(uri);
	out = cafe_xasprintf("%.*s:***%s", (int)(colon - uri), uri, at);
	return out;
}

static void
quiet(void *arg, const char *message)
{
	(void)arg, (void)message;
}

int
cafe_store_pg_open(struct cafe_db **out, const char *uri, struct cafe_err *e)
{
	struct pg_db *db;

	*out = NULL;
	if (!cafe_libpq_load())
		return cafe_err_set(e, CAFE_IOERR, "%s", cafe_pq.why);
	db = cafe_xcalloc(1, sizeof *db);
	db->base.ops = &ops;
	db->durable = 1;
	db->where = shown(uri);
	{
		/* The program's name in pg_stat_activity, unless the URI (or
		 * PGAPPNAME) names one: which tool holds a connection, for the
		 * DBA (and the tests). */
		const char *const keys[] = { "dbname", "fallback_application_name", NULL };
		const char *const values[] = { uri, program_invocation_short_name, NULL };

		db->conn = cafe_pq.connectdb_params(keys, values, 1);
	}
	if (!db->conn || cafe_pq.status(db->conn) != CONNECTION_OK) {
		char msg[512];
		size_t n;
		int status, transient;

		snprintf(msg, sizeof msg, "%s", db->conn ? cafe_pq.error_message(db->conn) :
		    "out of memory");
		for (n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ');)
			msg[--n] = '\0';
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		/* libpq may quote the URI it could not read: never its password. */
		{
			char *at = strstr(msg, uri);

			if (at && strcmp(uri, db->where) != 0) {
				char rest[512];

				snprintf(rest, sizeof rest, "%s", at + strlen(uri));
				snprintf(at, sizeof msg - (size_t)(at - msg), "%s%s", db->where,
				    rest);
			}
		}
		/* No primary now (a failover, DESIGN §15): a standby, a server
		 * starting, stopping, gone or slow mid-handshake. Try again. */
		transient = strstr(msg, "session is read-only") ||
		    strstr(msg, "the database system is ") ||
		    strstr(msg, "server closed the connection unexpectedly") ||
		    strstr(msg, "timeout expired");
		status = cafe_err_set(e, transient ? CAFE_TEMPFAIL : CAFE_IOERR,
		    "cannot connect to database '%s'%s: %s", db->where,
		    transient ? " (no primary now, try again)" : "", msg);
		cafe_store_pg_close(&db->base);
		return status;
	}
	/* The server's notices ("already exists, skipping") are for people at
	 * psql: not printed, and no round trip to turn them off. */
	cafe_pq.set_notice_processor(db->conn, quiet, NULL);
	*out = &db->base;
	return 0;
}

void
cafe_store_pg_readonly(struct cafe_db *db)
{
	DB(db)->readonly = 1;
}

long long
cafe_store_pg_generation(struct cafe_db *db)
{
	return DB(db)->resets;
}

int
cafe_store_pg_socket(struct cafe_db *db)
{
	return cafe_pq.socket(DB(db)->conn);
}

int
cafe_store_pg_notified(struct cafe_db *db)
{
	PGnotify *n;
	int said = 0;

	if (!cafe_pq.consume_input(DB(db)->conn))
		return 1;       /* a broken connection: let the caller look */
	while ((n = cafe_pq.notifies(DB(db)->conn)) != NULL) {
		cafe_pq.freemem(n);
		said = 1;
	}
	return said;
}

void
cafe_store_pg_close(struct cafe_db *d)
{
	struct pg_db *db = DB(d);

	if (!db)
		return;
	if (db->conn)
		cafe_pq.finish(db->conn);
	forget_tables(db);
	free(db->tables);
	forget_named(db);
	free(db->named);
	free(db->where);
	free(db);
}
