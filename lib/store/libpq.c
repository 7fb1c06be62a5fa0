/*
 * libpq.c - libpq, loaded when first needed (libpq.h).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "libpq.h"

struct cafe_libpq cafe_pq;

int
cafe_libpq_load(void)
{
	void *h;

	if (cafe_pq.tried)
		return cafe_pq.ok;
	cafe_pq.tried = 1;
	if (!(h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL))) {
		snprintf(cafe_pq.why, sizeof cafe_pq.why, "PostgreSQL needs libpq (Debian package "
		    "libpq5): %s", dlerror());
		return 0;
	}
#define SYM(field, name) \
	if (!(*(void **)&cafe_pq.field = dlsym(h, name))) { \
		snprintf(cafe_pq.why, sizeof cafe_pq.why, "libpq lacks %s", name); \
		return 0; \
	}
	SYM(connectdb_params, "PQconnectdbParams");
	SYM(status, "PQstatus");
	SYM(error_message, "PQerrorMessage");
	SYM(finish, "PQfinish");
	SYM(reset, "PQreset");
	SYM(transaction_status, "PQtransactionStatus");
	SYM(exec, "PQexec");
	SYM(prepare, "PQprepare");
	SYM(exec_prepared, "PQexecPrepared");
	SYM(exec_params, "PQexecParams");
	SYM(result_status, "PQresultStatus");
	SYM(result_error_field, "PQresultErrorField");
	SYM(result_error_message, "PQresultErrorMessage");
	SYM(clear, "PQclear");
	SYM(ntuples, "PQntuples");
	SYM(nfields, "PQnfields");
	SYM(getvalue, "PQgetvalue");
	SYM(getisnull, "PQgetisnull");
	SYM(ftype, "PQftype");
	SYM(cmd_tuples, "PQcmdTuples");
	SYM(socket, "PQsocket");
	SYM(consume_input, "PQconsumeInput");
	SYM(notifies, "PQnotifies");
	SYM(freemem, "PQfreemem");
	SYM(set_notice_processor, "PQsetNoticeProcessor");
#undef SYM
	cafe_pq.ok = 1;
	return 1;
}
