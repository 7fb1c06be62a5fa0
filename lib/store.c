/*
 * store.c - the calls of store.h, handed to the backend that made the
 * connection or the statement.
 */
#include "store-priv.h"

int
cafe_db_prepare(struct cafe_db *db, const char *sql, struct cafe_stmt **st)
{
	return db->ops->prepare(db, sql, st);
}

int
cafe_db_exec(struct cafe_db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int
cafe_db_begin_write(struct cafe_db *db)
{
	return db->ops->begin_write(db);
}

int
cafe_db_run(struct cafe_db *db, const char *sql, const char *who, struct cafe_err *e)
{
	int rc = cafe_db_exec(db, sql);

	return rc == CAFE_DB_OK ? 0 : cafe_db_status(db, rc, who, "schema", e);
}

int
cafe_db_status(struct cafe_db *db, int rc, const char *who, const char *what,
    struct cafe_err *e)
{
	return db->ops->status(db, rc, who, what, e);
}

long long
cafe_db_now_ms(struct cafe_db *db)
{
	return db->ops->now_ms(db);
}

const char *
cafe_db_autokey(struct cafe_db *db)
{
	return db->ops->autokey;
}

const char *
cafe_db_errmsg(struct cafe_db *db)
{
	return db->ops->errmsg(db);
}

int
cafe_db_readonly(struct cafe_db *db)
{
	return db->ops->readonly(db);
}

long long
cafe_db_changes(struct cafe_db *db)
{
	return db->ops->changes(db);
}

long long
cafe_db_last_id(struct cafe_db *db)
{
	return db->ops->last_id(db);
}

int
cafe_db_durable(struct cafe_db *db, int durable)
{
	return db->ops->durable(db, durable);
}

int
cafe_db_has(struct cafe_db *db, const char *table, const char *column)
{
	return db->ops->has(db, table, column);
}

void
cafe_stmt_int(struct cafe_stmt *st, int i, long long v)
{
	st->ops->bind_int(st, i, v);
}

void
cafe_stmt_text(struct cafe_stmt *st, int i, const char *s)
{
	st->ops->bind_text(st, i, s);
}

void
cafe_stmt_text_ref(struct cafe_stmt *st, int i, const char *s)
{
	st->ops->bind_text_ref(st, i, s);
}

void
cafe_stmt_null(struct cafe_stmt *st, int i)
{
	st->ops->bind_null(st, i);
}

int
cafe_stmt_step(struct cafe_stmt *st)
{
	return st->ops->step(st);
}

void
cafe_stmt_reset(struct cafe_stmt *st)
{
	st->ops->reset(st);
}

void
cafe_stmt_clear(struct cafe_stmt *st)
{
	st->ops->clear(st);
}

void
cafe_stmt_free(struct cafe_stmt *st)
{
	if (st)
		st->ops->free(st);
}

long long
cafe_col_int(struct cafe_stmt *st, int i)
{
	return st->ops->col_int(st, i);
}

const char *
cafe_col_text(struct cafe_stmt *st, int i)
{
	return st->ops->col_text(st, i);
}

enum cafe_col_kind
cafe_col_kind(struct cafe_stmt *st, int i)
{
	return st->ops->col_kind(st, i);
}

int
cafe_db_ensure(struct cafe_db *db, const char *table, const char *sql)
{
	int rc;

	if (cafe_db_has(db, table, NULL))
		return CAFE_DB_OK;
	if ((rc = cafe_db_begin_write(db)) != CAFE_DB_OK)
		return rc;
	if (!cafe_db_has(db, table, NULL) && (rc = cafe_db_exec(db, sql)) != CAFE_DB_OK) {
		cafe_db_exec(db, "ROLLBACK");
		return rc;
	}
	if ((rc = cafe_db_exec(db, "COMMIT")) != CAFE_DB_OK)
		cafe_db_exec(db, "ROLLBACK");
	return rc;
}
