/*
 * store.h - the seam between cafe and a database engine (DESIGN §10): a
 * connection, prepared statements with bound parameters, and what cafe
 * asks of an engine besides SQL. Every part of lib/ that keeps a
 * projection or operational state talks to its tables through this
 * header; only the backend files (sqlite.c, and the log's own
 * storage in log.c) name an engine's types.
 *
 * Statements are written in the SQL the backends share: `?` or `?N`
 * placeholders (a backend whose engine numbers them otherwise rewrites
 * them), ON CONFLICT upserts, CASE rather than boolean arithmetic,
 * unqualified table names (a TEMP table's name differs from the live
 * one's), no engine functions. Where the engines differ, the difference
 * is a call here, not SQL in the caller (cafe_db_begin_write,
 * cafe_db_readonly, cafe_db_has, cafe_db_durable, cafe_db_last_id).
 *
 * Not yet shared, left for the PostgreSQL backend (issue 12): the DDL's
 * `INTEGER PRIMARY KEY` keys that number themselves (breaker, daemon and
 * outbox tables) and the log's own storage in log.c.
 *
 * Result codes: cafe_db_prepare, cafe_stmt_step and cafe_db_exec return
 * CAFE_DB_OK, CAFE_DB_ROW or CAFE_DB_DONE, or an engine's error code,
 * in SQLite's numbering (compare its low byte, rc & 0xff, with
 * CAFE_DB_CONSTRAINT and the like), which cafe_db_status reads: busy or
 * locked is CAFE_TEMPFAIL (try again), anything else CAFE_IOERR with the
 * engine's message.
 */
#ifndef CAFE_STORE_H
#define CAFE_STORE_H

#include "base/cafe.h"

struct cafe_db;             /* a connection: borrowed from its log */
struct cafe_stmt;           /* a prepared statement */

enum {
	CAFE_DB_OK = 0,
	CAFE_DB_ROW = 100,      /* cafe_stmt_step: a row is ready */
	CAFE_DB_DONE = 101,     /* cafe_stmt_step: no (more) rows */
	CAFE_DB_READONLY = 8,   /* an error: the database may not be written */
	CAFE_DB_CONSTRAINT = 19 /* an error: a key or check refused the row */
};

/* What a column of the current row holds. */
enum cafe_col_kind { CAFE_COL_NULL, CAFE_COL_INT, CAFE_COL_REAL, CAFE_COL_TEXT };

/* Prepares sql; *st is NULL on failure. Free it with cafe_stmt_free. */
int cafe_db_prepare(struct cafe_db *db, const char *sql, struct cafe_stmt **st);
/* A statement whose SQL names a table chosen at run time (a live table
 * or its TEMP twin): fmt and what follows make the SQL, with names only,
 * never values (values are bound). 0, or a status ("WHO: prepare: ..."). */
int cafe_db_preparef(struct cafe_db *db, struct cafe_stmt **st, const char *who,
		struct cafe_err *e, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Runs statements that return no rows (schema, BEGIN, SAVEPOINT...). */
int cafe_db_exec(struct cafe_db *db, const char *sql);
/* cafe_db_exec, with its result code as a status ("WHO: schema: ..."). */
int cafe_db_run(struct cafe_db *db, const char *sql, const char *who, struct cafe_err *e);
/* Begins a write transaction that holds the write lock from the start,
 * so that what it reads cannot change before it writes. */
int cafe_db_begin_write(struct cafe_db *db);
/*
 * The one way a projection, a view or a processor's books run a
 * transaction: BEGIN (CAFE_DB_WRITE: the write lock up front, as
 * cafe_db_begin_write), fn, COMMIT; ROLLBACK when fn returns non-zero or
 * the commit fails. fn returns 0 or a status (with e set). who names the
 * data in messages. The log's own transactions are cafe_log_transact's.
 */
enum { CAFE_DB_READ = 0, CAFE_DB_WRITE = 1 };
int cafe_db_transact(struct cafe_db *db, int mode,
		int (*fn)(struct cafe_db *db, void *arg, struct cafe_err *e), void *arg,
		const char *who, struct cafe_err *e);
/* fn inside the caller's transaction, under a savepoint: what fn did is
 * undone when it fails, and the transaction goes on. name is the caller's
 * constant (a savepoint's name is not a parameter). */
int cafe_db_savepoint(struct cafe_db *db, const char *name,
		int (*fn)(struct cafe_db *db, void *arg, struct cafe_err *e), void *arg,
		const char *who, struct cafe_err *e);
/* The same savepoint in its three steps, for a caller that decides
 * between them what a failure means (the daemon parks an item after its
 * savepoint is undone): cafe_db_mark sets it, cafe_db_undo goes back to it
 * and forgets it, cafe_db_keep forgets it and keeps what was done. Their
 * statements are prepared once per connection. */
int cafe_db_mark(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e);
int cafe_db_undo(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e);
int cafe_db_keep(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e);
/* A result code as a status, in e: "WHO: WHAT: the engine's message". */
int cafe_db_status(struct cafe_db *db, int rc, const char *who, const char *what,
		struct cafe_err *e);
/* The column type of a key that numbers itself (cafe_db_last_id reads
 * the number it gave), for CREATE TABLE. */
const char *cafe_db_autokey(struct cafe_db *db);
/* Now, in ms since the epoch, by the clock every host of the database
 * agrees on: the server's (PostgreSQL), this machine's (SQLite, where
 * every user of the file is on this machine). Leases, the breaker's
 * windows and message claims are timed by it. */
long long cafe_db_now_ms(struct cafe_db *db);
/* Borrowed: the engine's own words for the last failure. */
const char *cafe_db_errmsg(struct cafe_db *db);
/* 1 when this connection may not write. */
int cafe_db_readonly(struct cafe_db *db);
/* Rows the last INSERT, UPDATE or DELETE changed. */
long long cafe_db_changes(struct cafe_db *db);
/* The key the last INSERT into a table with an integer key gave its row. */
long long cafe_db_last_id(struct cafe_db *db);
/*
 * Whether this connection's commits wait for the disk. durable 0 stops
 * the waiting (a durable commit after them makes them durable too: the
 * journal is written in order); the value an earlier call returned puts
 * back what was. Returns what it was, or -1 when the engine cannot say
 * (given back, -1 changes nothing).
 */
int cafe_db_durable(struct cafe_db *db, int durable);
/* Makes tables with sql (no parameters) unless `table` is there already:
 * under the write lock, looked for again once it is held, so that many
 * processes' first use at once makes them once (PostgreSQL refuses a
 * second CREATE TABLE IF NOT EXISTS racing the first). Outside a
 * transaction only; a CAFE_DB_ code. */
int cafe_db_ensure(struct cafe_db *db, const char *table, const char *sql);
/* 1 when table exists; with column, when it has that column. Asks the
 * schema itself, never an error message. */
int cafe_db_has(struct cafe_db *db, const char *table, const char *column);

/* Parameters, numbered from 1. Text is copied; NULL text binds NULL. */
void cafe_stmt_int(struct cafe_stmt *st, int i, long long v);
void cafe_stmt_text(struct cafe_stmt *st, int i, const char *s);
/* The same without the copy: s must stay as it is until the statement
 * has been stepped for the last time, reset or freed (constants, strings
 * of a struct that outlives the statement). */
void cafe_stmt_text_ref(struct cafe_stmt *st, int i, const char *s);
void cafe_stmt_null(struct cafe_stmt *st, int i);
/* CAFE_DB_ROW, CAFE_DB_DONE or an error code. */
int cafe_stmt_step(struct cafe_stmt *st);
/* Back to before the first step; the parameters stay bound. */
void cafe_stmt_reset(struct cafe_stmt *st);
/* Unbinds every parameter (to NULL). */
void cafe_stmt_clear(struct cafe_stmt *st);
void cafe_stmt_free(struct cafe_stmt *st);

/* Columns of the current row, from 0. Text is borrowed until the next
 * step, reset or free; NULL for SQL NULL. */
long long cafe_col_int(struct cafe_stmt *st, int i);
const char *cafe_col_text(struct cafe_stmt *st, int i);
enum cafe_col_kind cafe_col_kind(struct cafe_stmt *st, int i);

#endif
