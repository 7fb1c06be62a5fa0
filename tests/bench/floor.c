/*
 * floor.c - the least a process can do to append one event durably: open a
 * WAL database, append one ~200-byte row in one write transaction with
 * synchronous=FULL, close. tests/bench/place.sh times `cafe-order place`
 * against it. Built by that script with `cc floor.c -lsqlite3` only.
 *
 *	floor DB [N]     DB must exist with table floor(seq, data) (place.sh
 *	                 creates it); N durable appends, one transaction
 *	                 each (1): a placement commits twice, once before
 *	                 the charge, so N 2 is what no placement can beat
 *
 * It does what lib/store/log.c does on every open and append that a cafe program
 * cannot skip (WAL, synchronous FULL, a busy timeout, BEGIN IMMEDIATE,
 * no checkpoint on close) and nothing else, so the ratio measures what
 * cafe-order adds: config, reads, the payment's transactions.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

static const char row[] =
    "{\"order_id\":1,\"product\":\"latte\",\"qty\":2,\"unit_price\":4000,"
    "\"total\":8000,\"customer\":\"kim\",\"address\":\"table 4\","
    "\"ref\":\"sim-charge-0123456789abcdef\",\"note\":\"a row of about two "
    "hundred bytes, like one event\"}";

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return 74;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;

	int n = argc == 3 ? atoi(argv[2]) : 1;

	if ((argc != 2 && argc != 3) || n < 1) {
		fputs("usage: floor DB [N]\n", stderr);
		return 64;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		return fail(db, "open");
	sqlite3_busy_timeout(db, 10000);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL",
	    NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "open");
	if (sqlite3_prepare_v2(db, "INSERT INTO floor(data) VALUES (?)", -1, &st,
	    NULL) != SQLITE_OK)
		return fail(db, "prepare");
	sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
	for (int i = 0; i < n; i++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return fail(db, "begin");
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return fail(db, "insert");
		}
		sqlite3_reset(st);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return fail(db, "commit");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}
