/*
 * pay-call.c - test driver: one call to the configured payment processor.
 *
 *	pay-call [--db FILE] [--read-only] OP KEY ORDER_ID AMOUNT
 *
 * The config is found as everywhere else ($CAFE_CONFIG first); the
 * database is --db, else $CAFE_DB, else the config's db. A reply, approved
 * or declined, is printed as {"outcome":…,"ref"|"reason":…,"elapsed_ms":…}
 * with exit 0. A failure prints "pay-call: MSG" on stderr and
 * {"outcome":"failed","status":N,"error":…,"elapsed_ms":…} on stdout (so
 * tests can check how long it took) and exits with the library's status.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/cafe.h"
#include "config/config.h"
#include "pay/processor.h"
#include "store/pg.h"
#include "store/sqlite.h"

static const char usage[] =
    "usage: pay-call [--db FILE] [--read-only] charge|refund|void KEY "
    "ORDER_ID AMOUNT\n";

static int
parse_op(const char *s, enum cafe_pay_op *op)
{
	static const enum cafe_pay_op ops[] =
	    { CAFE_PAY_CHARGE, CAFE_PAY_REFUND, CAFE_PAY_VOID };

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(s, cafe_pay_op_name(ops[i])) == 0) {
			*op = ops[i];
			return 0;
		}
	return -1;
}

static void
print_result(int rc, const struct cafe_pay_reply *rep,
    const struct cafe_err *e)
{
	json_t *j;

	if (rc != 0)
		j = json_pack("{s:s, s:i, s:s, s:I}", "outcome", "failed",
		    "status", rc, "error", e->msg,
		    "elapsed_ms", (json_int_t)rep->elapsed_ms);
	else if (rep->outcome == CAFE_PAY_APPROVED)
		j = json_pack("{s:s, s:s, s:I}", "outcome", "approved",
		    "ref", rep->ref, "elapsed_ms", (json_int_t)rep->elapsed_ms);
	else
		j = json_pack("{s:s, s:s, s:I}", "outcome", "declined",
		    "reason", rep->reason,
		    "elapsed_ms", (json_int_t)rep->elapsed_ms);
	if (j)
		json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(j);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct cafe_config c = { 0 };
	struct cafe_pay_request req = { 0 };
	struct cafe_pay_reply rep = { 0 };
	struct cafe_err e = { 0 };
	const char *dbpath = getenv("CAFE_DB");
	sqlite3 *db = NULL;
	struct cafe_db *store = NULL;
	int ch, rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'd')
			dbpath = optarg;
		else if (ch == 'r')
			flags = SQLITE_OPEN_READONLY;
		else
			goto usage;
	}
	argc -= optind;
	argv += optind;
	if (argc != 4 || parse_op(argv[0], &req.op) != 0 ||
	    cafe_parse_ll(argv[2], 0, 1LL << 53, &req.order_id) != 0 ||
	    cafe_parse_ll(argv[3], 0, 1LL << 53, &req.amount) != 0)
		goto usage;
	req.key = argv[1];

	if ((rc = cafe_config_load(&c, NULL, &e)) != 0)
		goto fail;
	req.currency = c.currency;
	if (!dbpath)
		dbpath = c.db;
	if (dbpath && cafe_store_pg_uri(dbpath)) {
		if ((rc = cafe_store_pg_open(&store, dbpath, &e)) != 0)
			goto fail;
		if (flags == SQLITE_OPEN_READONLY)
			cafe_store_pg_readonly(store);
	} else if (dbpath) {
		if (sqlite3_open_v2(dbpath, &db, flags, NULL) != SQLITE_OK) {
			rc = cafe_err_set(&e, CAFE_IOERR, "cannot open '%s': %s",
			    dbpath, db ? sqlite3_errmsg(db) : "out of memory");
			goto fail;
		}
		sqlite3_busy_timeout(db, 5000);
	}
	if (db)
		store = cafe_store_sqlite(db, dbpath);
	rc = cafe_processor_call(&c, store, &req, &rep, &e);
	print_result(rc, &rep, &e);
	if (rc != 0)
		goto fail;
	goto out;
usage:
	fputs(usage, stderr);
	rc = CAFE_USAGE;
	goto out;
fail:
	fprintf(stderr, "pay-call: %s\n", e.msg);
out:
	if (db) {
		cafe_store_sqlite_free(store);
		sqlite3_close(db);
	} else if (store) {
		cafe_store_pg_close(store);
	}
	cafe_config_release(&c);
	return rc;
}
