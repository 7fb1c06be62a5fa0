/*
 * store.c - the calls of store.h, handed to the backend that made the
 * connection or the statement, and the one cache of prepared statements.
 *
 * The cache: where the engine compiles SQL on the client (SQLite: about
 * 70,000 instructions for the log's SELECT), a statement that is freed is
 * reset, unbound and kept, and the next prepare of the same SQL on the
 * same connection gets it back. A statement is handed to one user at a
 * time: a second prepare while the first is in use compiles another.
 * Callers see no difference: prepare, bind, step, free as before. A kept
 * statement holds no lock (it is reset), and the engine compiles it again
 * by itself when the schema changes under it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-priv.h"

#define CACHE_SLOTS 48          /* a daemon worker uses about 30 SQL texts */

struct slot {
	char *sql;
	uint64_t hash;
	struct cafe_stmt *st;
	int busy;                   /* handed out, not yet freed */
};

struct stmt_cache {
	struct slot slot[CACHE_SLOTS];
	size_t n;
};

static uint64_t
sql_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;        /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

int
cafe_db_prepare(struct cafe_db *db, const char *sql, struct cafe_stmt **st)
{
	struct stmt_cache *c;
	struct slot *s;
	uint64_t h;
	int rc;

	if (!db->ops->cache)
		return db->ops->prepare(db, sql, st);
	if (!(c = db->cache))
		c = db->cache = cafe_xcalloc(1, sizeof *c);
	h = sql_hash(sql);
	for (size_t i = 0; i < c->n; i++) {
		s = &c->slot[i];
		if (!s->busy && s->hash == h && strcmp(s->sql, sql) == 0) {
			s->busy = 1;
			*st = s->st;
			return CAFE_DB_OK;
		}
	}
	if ((rc = db->ops->prepare(db, sql, st)) != CAFE_DB_OK || c->n == CACHE_SLOTS)
		return rc;
	s = &c->slot[c->n++];
	s->sql = cafe_xstrdup(sql);
	s->hash = h;
	s->st = *st;
	s->busy = 1;
	(*st)->home = db;
	return CAFE_DB_OK;
}

int
cafe_db_preparef(struct cafe_db *db, struct cafe_stmt **st, const char *who,
    struct cafe_err *e, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sql = cafe_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sql, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = cafe_db_prepare(db, sql, st);
	free(sql);
	return rc == CAFE_DB_OK ? 0 : cafe_db_status(db, rc, who, "prepare", e);
}

void
cafe_db_cache_free(struct cafe_db *db)
{
	struct stmt_cache *c = db->cache;

	for (size_t i = 0; c && i < c->n; i++) {
		c->slot[i].st->ops->free(c->slot[i].st);
		free(c->slot[i].sql);
	}
	free(c);
	db->cache = NULL;
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
cafe_db_transact(struct cafe_db *db, int mode,
    int (*fn)(struct cafe_db *db, void *arg, struct cafe_err *e), void *arg,
    const char *who, struct cafe_err *e)
{
	int rc = mode == CAFE_DB_WRITE ? cafe_db_begin_write(db) : cafe_db_exec(db, "BEGIN");
	int status;

	if (rc != CAFE_DB_OK)
		return cafe_db_status(db, rc, who, "begin", e);
	if ((status = fn(db, arg, e)) != 0) {
		cafe_db_exec(db, "ROLLBACK");
		return status;
	}
	if ((rc = cafe_db_exec(db, "COMMIT")) != CAFE_DB_OK) {
		status = cafe_db_status(db, rc, who, "commit", e);
		cafe_db_exec(db, "ROLLBACK");
		return status;
	}
	return 0;
}

/* Runs "VERB name" (a savepoint's statement) through the cache. */
static int
savepoint_step(struct cafe_db *db, const char *verb, const char *name,
    const char *who, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[96];
	int rc;

	snprintf(sql, sizeof sql, "%s %s", verb, name);
	if ((rc = cafe_db_prepare(db, sql, &st)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, who, "savepoint", e);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : cafe_db_status(db, rc, who, "savepoint", e);
}

int
cafe_db_mark(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e)
{
	return savepoint_step(db, "SAVEPOINT", name, who, e);
}

int
cafe_db_undo(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e)
{
	int status = savepoint_step(db, "ROLLBACK TO", name, who, e);

	return status ? status : savepoint_step(db, "RELEASE", name, who, e);
}

int
cafe_db_keep(struct cafe_db *db, const char *name, const char *who, struct cafe_err *e)
{
	return savepoint_step(db, "RELEASE", name, who, e);
}

int
cafe_db_savepoint(struct cafe_db *db, const char *name,
    int (*fn)(struct cafe_db *db, void *arg, struct cafe_err *e), void *arg,
    const char *who, struct cafe_err *e)
{
	struct cafe_err ignored;
	int status;

	if ((status = cafe_db_mark(db, name, who, e)) != 0)
		return status;
	if ((status = fn(db, arg, e)) != 0) {
		cafe_db_undo(db, name, who, &ignored);
		return status;
	}
	return cafe_db_keep(db, name, who, e);
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
	struct stmt_cache *c;

	if (!st)
		return;
	if (!st->home) {
		st->ops->free(st);
		return;
	}
	c = st->home->cache;
	st->ops->reset(st);
	st->ops->clear(st);
	for (size_t i = 0; i < c->n; i++)
		if (c->slot[i].st == st)
			c->slot[i].busy = 0;
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
