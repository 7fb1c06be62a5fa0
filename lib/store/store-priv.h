/*
 * store-priv.h - what a backend gives store.c: its connection and
 * statement types start with the ops that serve them. Only store.c and
 * the backend files include this.
 */
#ifndef CAFE_STORE_PRIV_H
#define CAFE_STORE_PRIV_H

#include "store.h"

struct cafe_store_ops {
	int (*prepare)(struct cafe_db *db, const char *sql, struct cafe_stmt **st);
	int (*exec)(struct cafe_db *db, const char *sql);
	int (*begin_write)(struct cafe_db *db);
	int (*status)(struct cafe_db *db, int rc, const char *who, const char *what,
	    struct cafe_err *e);
	int (*readonly)(struct cafe_db *db);
	const char *(*errmsg)(struct cafe_db *db);
	const char *autokey;
	long long (*now_ms)(struct cafe_db *db);
	long long (*changes)(struct cafe_db *db);
	long long (*last_id)(struct cafe_db *db);
	int (*has)(struct cafe_db *db, const char *table, const char *column);
	int (*durable)(struct cafe_db *db, int durable);
	void (*bind_int)(struct cafe_stmt *st, int i, long long v);
	void (*bind_text)(struct cafe_stmt *st, int i, const char *s);
	void (*bind_text_ref)(struct cafe_stmt *st, int i, const char *s);
	void (*bind_null)(struct cafe_stmt *st, int i);
	int (*step)(struct cafe_stmt *st);
	void (*reset)(struct cafe_stmt *st);
	void (*clear)(struct cafe_stmt *st);
	void (*free)(struct cafe_stmt *st);
	long long (*col_int)(struct cafe_stmt *st, int i);
	const char *(*col_text)(struct cafe_stmt *st, int i);
	enum cafe_col_kind (*col_kind)(struct cafe_stmt *st, int i);
	/* 1: store.c keeps freed statements to hand out again for the same
	 * SQL (the engine compiles a statement on the client); 0: the engine
	 * keeps its own (PostgreSQL's are prepared on the server once per
	 * connection, pg.c) */
	int cache;
};

/* The head of every backend's connection and statement (zeroed by the
 * backend when it makes one). */
struct cafe_db {
	const struct cafe_store_ops *ops;
	struct stmt_cache *cache;   /* store.c's: statements kept for reuse */
};
struct cafe_stmt {
	const struct cafe_store_ops *ops;
	struct cafe_db *home;       /* store.c's: the cache it goes back to */
};
/* Finalizes the statements store.c kept for db: a backend calls it
 * before it closes the connection. */
void cafe_db_cache_free(struct cafe_db *db);

#endif
