/*
 * libpq.h - private to lib/store/: the libpq calls pg.c makes, resolved
 * with dlopen the first time a postgresql:// URI is opened, so that a
 * process that only ever uses SQLite never maps libpq (or its 24
 * libraries). libpq's header is needed for its types only.
 */
#ifndef CAFE_LIBPQ_H
#define CAFE_LIBPQ_H

#include <libpq-fe.h>

struct cafe_libpq {
	int tried, ok;
	char why[256];
	PGconn *(*connectdb_params)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	char *(*error_message)(const PGconn *);
	void (*finish)(PGconn *);
	void (*reset)(PGconn *);
	PGTransactionStatusType (*transaction_status)(const PGconn *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*prepare)(PGconn *, const char *, const char *, int, const Oid *);
	PGresult *(*exec_prepared)(PGconn *, const char *, int, const char *const *,
	    const int *, const int *, int);
	PGresult *(*exec_params)(PGconn *, const char *, int, const Oid *,
	    const char *const *, const int *, const int *, int);
	ExecStatusType (*result_status)(const PGresult *);
	char *(*result_error_field)(const PGresult *, int);
	char *(*result_error_message)(const PGresult *);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	Oid (*ftype)(const PGresult *, int);
	char *(*cmd_tuples)(PGresult *);
	int (*socket)(const PGconn *);
	int (*consume_input)(PGconn *);
	PGnotify *(*notifies)(PGconn *);
	void (*freemem)(void *);
	PQnoticeProcessor (*set_notice_processor)(PGconn *, PQnoticeProcessor, void *);
};

extern struct cafe_libpq cafe_pq;

/* 1 once every call is resolved; 0 with cafe_pq.why saying what is
 * missing. Tried once per process. */
int cafe_libpq_load(void);

#endif
