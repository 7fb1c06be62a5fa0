/*
 * log-open.c - opening the log (log.h): the backend a path names (a
 * postgresql:// URI, else an SQLite file), which opens it and makes or
 * migrates its schema. The only file of the log that knows its backends
 * by name: the others reach them through log->be.
 */
#include <stdio.h>

#include "log-priv.h"
#include "pg.h"

int
cafe_log_open(struct cafe_log **out, const char *path, int flags, struct cafe_err *e)
{
	struct cafe_log *log;
	int status;

	*out = NULL;
	if (!path || !*path)
		return cafe_err_set(e, CAFE_USAGE, "no database given (use --db or CAFE_DB)");
	log = cafe_xcalloc(1, sizeof *log);
	log->be = cafe_store_pg_uri(path) ? &cafe_log_pg_backend : &cafe_log_sqlite_backend;
	log->path = cafe_xstrdup(path);
	log->readonly = !!(flags & CAFE_LOG_READONLY);
	snprintf(log->tool, sizeof log->tool, "cafe");
	if ((status = log->be->open(log, flags, e)) != 0) {
		int created = log->created;

		cafe_log_close(log);
		if (created)
			cafe_log_remove_files(path);
		return status;
	}
	*out = log;
	return 0;
}
