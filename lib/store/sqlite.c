/*
 * sqlite.c - store.h over an SQLite connection that the log opened
 * (log.c owns the handle, its PRAGMAs and its file; this file only speaks
 * for it). Result codes are SQLite's own, so CAFE_DB_ROW and CAFE_DB_DONE
 * are SQLITE_ROW and SQLITE_DONE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lock-queue.h"
#include "log.h"
#include "store-priv.h"
#include "sqlite.h"

_Static_assert(CAFE_DB_ROW == SQLITE_ROW && CAFE_DB_DONE == SQLITE_DONE &&
    CAFE_DB_OK == SQLITE_OK && CAFE_DB_READONLY == SQLITE_READONLY &&
    CAFE_DB_CONSTRAINT == SQLITE_CONSTRAINT, "store.h's result codes are SQLite's");

struct lite_db {
	struct cafe_db base;
	sqlite3 *h;
	const char *path;           /* borrowed from the log, for messages */
	struct cafe_lockq *queue;   /* the writers' queue; NULL: none */
	int queue_tried;
	int (*busy)(void *, int);   /* a busy handler of the connection's own */
	void *busy_arg;
};

struct lite_stmt {
	struct cafe_stmt base;
	sqlite3_stmt *h;
	struct lite_db *db;
};

#define DB(d) ((struct lite_db *)(d))
#define ST(s) (((struct lite_stmt *)(s))->h)

static const struct cafe_store_ops ops;

static int
lite_prepare(struct cafe_db *db, const char *sql, struct cafe_stmt **out)
{
	struct lite_stmt *st;
	sqlite3_stmt *h;
	int rc = sqlite3_prepare_v2(DB(db)->h, sql, -1, &h, NULL);

	*out = NULL;
	if (rc != SQLITE_OK)
		return rc;
	st = cafe_xcalloc(1, sizeof *st);
	st->base.ops = &ops;
	st->h = h;
	st->db = DB(db);
	*out = &st->base;
	return SQLITE_OK;
}

/* The queue is held exactly while a write transaction is open: whatever
 * ended it (COMMIT, ROLLBACK, an error that rolled back), let go. */
static void
settle(struct lite_db *db)
{
	if (cafe_lockq_held(db->queue) && sqlite3_get_autocommit(db->h))
		cafe_lockq_leave(db->queue);
}

/* One statement (BEGIN, COMMIT, a PRAGMA) goes through store.c's cache:
 * a one-shot program runs a dozen of them, compiled once each; a script
 * of several goes to sqlite3_exec. */
static int
lite_exec(struct cafe_db *db, const char *sql)
{
	struct cafe_stmt *st;
	int rc;

	if (strchr(sql, ';')) {
		rc = sqlite3_exec(DB(db)->h, sql, NULL, NULL, NULL);
	} else if ((rc = cafe_db_prepare(db, sql, &st)) == SQLITE_OK) {
		while ((rc = sqlite3_step(ST(st))) == SQLITE_ROW)
			;
		cafe_stmt_free(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	settle(DB(db));
	return rc;
}

static int
lite_begin_write(struct cafe_db *d)
{
	struct lite_db *db = DB(d);

	if (!db->queue_tried && !sqlite3_db_readonly(db->h, "main")) {
		db->queue = cafe_lockq_open(db->path);
		db->queue_tried = 1;
	}
	if (db->queue && cafe_lockq_enter(db->queue, CAFE_SQLITE_BUSY_MS, db->busy,
	    db->busy_arg) < 0)
		return SQLITE_BUSY;
	return lite_exec(d, "BEGIN IMMEDIATE");
}

static int
lite_status(struct cafe_db *db, int rc, const char *who, const char *what,
    struct cafe_err *e)
{
	return cafe_sqlite_status(DB(db)->h, DB(db)->path, rc, who, what, e);
}

static int
lite_readonly(struct cafe_db *db)
{
	return sqlite3_db_readonly(DB(db)->h, "main") == 1;
}

static long long
lite_now_ms(struct cafe_db *db)
{
	(void)db;
	return cafe_now_ms();
}

static const char *
lite_errmsg(struct cafe_db *db)
{
	return sqlite3_errmsg(DB(db)->h);
}

static long long
lite_changes(struct cafe_db *db)
{
	return sqlite3_changes64(DB(db)->h);
}

static long long
lite_last_id(struct cafe_db *db)
{
	return sqlite3_last_insert_rowid(DB(db)->h);
}

static int
lite_has(struct cafe_db *db, const char *table, const char *column)
{
	struct cafe_stmt *st;
	int yes;

	if (column)
		return sqlite3_table_column_metadata(DB(db)->h, "main", table, column,
		    NULL, NULL, NULL, NULL, NULL) == SQLITE_OK;
	if (cafe_db_prepare(db, "SELECT 1 FROM main.sqlite_master WHERE type = "
	    "'table' AND name = ?", &st) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(ST(st), 1, table, -1, SQLITE_STATIC);
	yes = sqlite3_step(ST(st)) == SQLITE_ROW;
	cafe_stmt_free(st);
	return yes;
}

/* durable: 0 is synchronous OFF; any other value is a level that
 * PRAGMA synchronous gave before (-1: leave it). */
static int
lite_durable(struct cafe_db *db, int durable)
{
	sqlite3_stmt *st;
	char sql[48];
	int level = -1;

	if (sqlite3_prepare_v2(DB(db)->h, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			level = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (level < 0)
		return -1;
	if (durable >= 0 && durable != level) {
		snprintf(sql, sizeof sql, "PRAGMA synchronous = %d", durable);
		sqlite3_exec(DB(db)->h, sql, NULL, NULL, NULL);
	}
	return level;
}

static void
lite_bind_int(struct cafe_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(ST(st), i, v);
}

static void
lite_bind_text(struct cafe_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(ST(st), i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(ST(st), i);
}

static void
lite_bind_text_ref(struct cafe_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(ST(st), i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ST(st), i);
}

static void
lite_bind_null(struct cafe_stmt *st, int i)
{
	sqlite3_bind_null(ST(st), i);
}

static int
lite_step(struct cafe_stmt *st)
{
	int rc = sqlite3_step(ST(st));

	settle(((struct lite_stmt *)st)->db);
	return rc;
}

static void
lite_reset(struct cafe_stmt *st)
{
	sqlite3_reset(ST(st));
}

static void
lite_clear(struct cafe_stmt *st)
{
	sqlite3_clear_bindings(ST(st));
}

static void
lite_free(struct cafe_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static long long
lite_col_int(struct cafe_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static const char *
lite_col_text(struct cafe_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st), i);
}

static enum cafe_col_kind
lite_col_kind(struct cafe_stmt *st, int i)
{
	switch (sqlite3_column_type(ST(st), i)) {
	case SQLITE_NULL: return CAFE_COL_NULL;
	case SQLITE_INTEGER: return CAFE_COL_INT;
	case SQLITE_FLOAT: return CAFE_COL_REAL;
	default: return CAFE_COL_TEXT;
	}
}

static const struct cafe_store_ops ops = {
	lite_prepare, lite_exec, lite_begin_write, lite_status, lite_readonly,
	lite_errmsg, "INTEGER PRIMARY KEY", lite_now_ms, lite_changes, lite_last_id, lite_has,
	lite_durable, lite_bind_int, lite_bind_text, lite_bind_text_ref, lite_bind_null,
	lite_step, lite_reset, lite_clear, lite_free, lite_col_int, lite_col_text,
	lite_col_kind, 1
};

struct cafe_db *
cafe_store_sqlite(sqlite3 *h, const char *path)
{
	struct lite_db *db = cafe_xcalloc(1, sizeof *db);

	db->base.ops = &ops;
	db->h = h;
	db->path = path;
	return &db->base;
}

void
cafe_store_sqlite_busy(struct cafe_db *db, int (*busy)(void *, int), void *arg)
{
	DB(db)->busy = busy;
	DB(db)->busy_arg = arg;
	sqlite3_busy_handler(DB(db)->h, busy, arg);
}

void
cafe_store_sqlite_free(struct cafe_db *db)
{
	if (!db)
		return;         /* the open failed before the store was made */
	cafe_db_cache_free(db);
	cafe_lockq_close(DB(db)->queue);
	free(db);
}

/*
 * The one mapping from an SQLite result code to an exit status and a
 * message, for the log and for every owner of a projection or operational
 * table (cafe_db_status, cafe_log_sql_status): busy or locked is CAFE_TEMPFAIL (try again),
 * everything else CAFE_IOERR, said in the user's terms.
 */
int
cafe_sqlite_status(sqlite3 *db, const char *path, int rc, const char *who, const char *what,
    struct cafe_err *e)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	if (!path || !*path)
		path = db && sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") :
		    "?";
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return cafe_err_set(e, CAFE_TEMPFAIL,
		    "database '%s' is busy, try again", path);
	case SQLITE_READONLY:
		return cafe_err_set(e, CAFE_IOERR,
		    "database '%s' is read-only (check its permissions)", path);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return cafe_err_set(e, CAFE_IOERR,
		    "'%s' is not a cafe database or is damaged (%s)", path, msg);
	case SQLITE_FULL:
		return cafe_err_set(e, CAFE_IOERR, "disk full writing '%s'", path);
	case SQLITE_CANTOPEN:
		return cafe_err_set(e, CAFE_IOERR, "cannot open database '%s' (%s)",
		    path, msg);
	default:
		return cafe_err_set(e, CAFE_IOERR, "database '%s': %s%s%s: %s", path,
		    who ? who : "", who ? ": " : "", what, msg);
	}
}
