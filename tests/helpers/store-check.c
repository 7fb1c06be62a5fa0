/*
 * store-check - runs the same statements through store.h on one database
 * and prints what came back, one line each, so that a test can hold the
 * SQLite and the PostgreSQL backends to the same answers.
 *
 * usage: store-check DB     (a file path, or a postgresql:// URI)
 * Exit 0 after the script (its lines on stdout); 74 with one line on
 * stderr when the database cannot be opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/log.h"
#include "store/store.h"
#include "store/pg.h"

static struct cafe_db *db;

static const char *
kind(enum cafe_col_kind k)
{
	static const char *const names[] = { "null", "int", "real", "text" };

	return names[k];
}

/* What a result code means, in the words of cafe_db_status. */
static void
say_rc(const char *what, int rc)
{
	struct cafe_err e = { 0, "", 0, 0 };

	if (rc == CAFE_DB_OK || rc == CAFE_DB_DONE) {
		printf("%s: ok\n", what);
		return;
	}
	printf("%s: status %d\n", what, cafe_db_status(db, rc, NULL, what, &e));
}

static void
rows(struct cafe_stmt *st, const char *what)
{
	int rc, n = 0;

	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		printf("%s row:", what);
		for (int i = 0; i < 3; i++) {
			const char *t = cafe_col_text(st, i);

			printf(" %s=%s", kind(cafe_col_kind(st, i)), t ? t : "-");
		}
		printf(" n=%lld\n", cafe_col_int(st, 1));
		n++;
	}
	printf("%s: %d rows, %s\n", what, n, rc == CAFE_DB_DONE ? "done" : "error");
}

static void
insert(const char *k, long long n, const char *note)
{
	struct cafe_stmt *st;
	int rc;

	cafe_db_prepare(db, "INSERT INTO store_t(k, n, note) VALUES (?, ?, ?)", &st);
	cafe_stmt_text(st, 1, k);
	cafe_stmt_int(st, 2, n);
	cafe_stmt_text(st, 3, note);
	rc = cafe_stmt_step(st);
	say_rc("insert", rc);
	if (rc == CAFE_DB_DONE)
		printf("changes %lld\n", cafe_db_changes(db));
	cafe_stmt_free(st);
}

static int
mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int yes = 0;

	while (f && fgets(line, sizeof line, f))
		yes |= strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return yes;
}

/* Statements prepared on the server for this connection (PostgreSQL). */
static long long
prepared(void)
{
	struct cafe_stmt *st;
	long long n = -1;

	if (cafe_db_prepare(db, "SELECT count(*) FROM pg_prepared_statements", &st) !=
	    CAFE_DB_OK)
		return -1;
	if (cafe_stmt_step(st) == CAFE_DB_ROW)
		n = cafe_col_int(st, 0);
	cafe_stmt_free(st);
	return n;
}

int
main(int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log = NULL;
	struct cafe_stmt *st;
	long long before = 0;
	int rc, was;

	if (argc != 2) {
		fputs("usage: store-check DB\n", stderr);
		return 64;
	}
	if (cafe_store_pg_uri(argv[1]))
		rc = cafe_store_pg_open(&db, argv[1], &e);
	else if ((rc = cafe_log_open(&log, argv[1], CAFE_LOG_CREATE, &e)) == 0)
		db = cafe_log_store(log);
	if (rc) {
		fprintf(stderr, "store-check: %s\n", e.msg);
		return rc;
	}
	say_rc("drop", cafe_db_exec(db, "DROP TABLE IF EXISTS store_t"));
	say_rc("create", cafe_db_exec(db, "CREATE TABLE store_t(k TEXT PRIMARY KEY, "
	    "n INTEGER NOT NULL, note TEXT)"));
	printf("has table %d, column %d, other column %d, other table %d\n",
	    cafe_db_has(db, "store_t", NULL), cafe_db_has(db, "store_t", "n"),
	    cafe_db_has(db, "store_t", "zz"), cafe_db_has(db, "store_nosuch", NULL));
	insert("a", 1, NULL);
	insert("b", 2, "x?y");
	insert("a", 3, "again");
	cafe_db_prepare(db, "INSERT INTO store_t(k, n) VALUES (?1, ?2) ON CONFLICT(k) "
	    "DO UPDATE SET n = store_t.n + ?2", &st);
	cafe_stmt_text(st, 1, "a");
	cafe_stmt_int(st, 2, 10);
	say_rc("upsert", cafe_stmt_step(st));
	cafe_stmt_free(st);

	cafe_db_prepare(db, "SELECT k, n, note FROM store_t WHERE n >= ?1 OR k = ?2 "
	    "ORDER BY k", &st);
	cafe_stmt_int(st, 1, 5);
	cafe_stmt_text(st, 2, "b");
	rows(st, "select");
	cafe_stmt_reset(st);
	cafe_stmt_int(st, 1, 100);
	rows(st, "again");
	cafe_stmt_clear(st);
	cafe_stmt_reset(st);
	rows(st, "cleared");
	cafe_stmt_free(st);

	cafe_db_prepare(db, "SELECT 'why?', ?, count(CASE WHEN n > ? THEN 1 END) "
	    "FROM store_t", &st);
	cafe_stmt_text(st, 1, "it's");
	cafe_stmt_int(st, 2, 1);
	rows(st, "literal");
	cafe_stmt_free(st);

	say_rc("begin", cafe_db_begin_write(db));
	insert("c", 7, NULL);
	say_rc("rollback", cafe_db_exec(db, "ROLLBACK"));
	cafe_db_prepare(db, "SELECT 'count', count(*), NULL FROM store_t", &st);
	rows(st, "after rollback");
	cafe_stmt_free(st);

	say_rc("broken", cafe_db_prepare(db, "SELECT nosuch FROM store_t", &st) ||
	    cafe_stmt_step(st) != CAFE_DB_ROW ? 1 : 0);
	cafe_stmt_free(st);

	was = cafe_db_durable(db, 0);
	printf("durable put back %d\n", cafe_db_durable(db, was) == 0);
	printf("readonly %d\n", cafe_db_readonly(db));
	/* A statement made again and again, each run twice (as a fold's
	 * per-row UPDATE is, each round): one more name on the server, not one
	 * per statement made. */
	before = prepared();
	for (int i = 0; i < 20; i++) {
		cafe_db_prepare(db, "SELECT n FROM store_t WHERE k = ?1", &st);
		for (int twice = 0; twice < 2; twice++) {
			cafe_stmt_text(st, 1, "a");
			while (cafe_stmt_step(st) == CAFE_DB_ROW)
				;
			cafe_stmt_reset(st);
		}
		cafe_stmt_free(st);
	}
	if (cafe_store_pg_uri(argv[1]))
		printf("libpq named %lld more\n", prepared() - before);
	say_rc("drop", cafe_db_exec(db, "DROP TABLE store_t"));
	printf("libpq mapped %d\n", mapped("libpq"));
	if (log)
		cafe_log_close(log);
	else
		cafe_store_pg_close(db);
	return 0;
}
