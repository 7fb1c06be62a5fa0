/*
 * pg.h - a PostgreSQL connection as store.h's (pg.c). libpq
 * is loaded on the first open, never before.
 */
#ifndef CAFE_STORE_PG_H
#define CAFE_STORE_PG_H

#include "base/cafe.h"
#include "store.h"

/* 1 when s is a libpq connection URI (postgresql:// or postgres://). */
int cafe_store_pg_uri(const char *s);
/* Connects; CAFE_IOERR with one line (libpq missing, server unreachable,
 * authentication refused), the password never shown. */
int cafe_store_pg_open(struct cafe_db **out, const char *uri, struct cafe_err *e);
void cafe_store_pg_close(struct cafe_db *db);
/* A connection that must not write the log's tables: cafe_db_readonly
 * says 1 (views then fold into TEMP tables, which a read-only
 * transaction could not make). */
void cafe_store_pg_readonly(struct cafe_db *db);
/* Begins a write transaction under the one writers' lock (as
 * cafe_db_begin_write), then runs `then` (SQL without parameters, or
 * NULL) in the same round trip; row, when given, gets the first row of its
 * last statement's result (NULL for SQL NULL), if it has one. */
int cafe_store_pg_begin_write(struct cafe_db *db, const char *then,
    void (*row)(void *arg, const char *const *vals, int n), void *arg);
/* How many times the connection was made again after the server dropped
 * it: session state (LISTEN) must then be set up again. */
long long cafe_store_pg_generation(struct cafe_db *db);
/* For LISTEN: the connection's socket, and whether notifications came
 * (read and dropped; 1 too when the connection broke, so callers look). */
int cafe_store_pg_socket(struct cafe_db *db);
int cafe_store_pg_notified(struct cafe_db *db);

#endif
