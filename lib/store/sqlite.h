/*
 * sqlite.h - for log.c, which opens the SQLite file: its handle as
 * a store.h connection (borrowed: the log still closes the handle).
 */
#ifndef CAFE_STORE_SQLITE_H
#define CAFE_STORE_SQLITE_H

#include <sqlite3.h>
#include "base/cafe.h"
#include "store.h"

struct cafe_db *cafe_store_sqlite(sqlite3 *h, const char *path);
void cafe_store_sqlite_free(struct cafe_db *db);
/* How long a writer waits for the file (the queue, then SQLite's lock). */
#define CAFE_SQLITE_BUSY_MS 10000
/* A busy handler of the connection's own (the daemon's workers), asked
 * in the writers' queue too (lock-queue.h). */
void cafe_store_sqlite_busy(struct cafe_db *db, int (*busy)(void *, int), void *arg);

struct cafe_log;
/* Borrowed: the log's SQLite handle, for log.c and for the benchmarks and
 * tests that are about the SQLite file itself. */
sqlite3 *cafe_log_sqlite(struct cafe_log *log);

/* The one mapping of SQLite's result codes to statuses (log.c). */
int cafe_sqlite_status(sqlite3 *h, const char *path, int rc, const char *who,
		const char *what, struct cafe_err *e);

#endif
