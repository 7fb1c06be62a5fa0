/*
 * log-verify.c - `cafe-log verify` (log.h): the storage's own check, then
 * every event's shape and its link of the hash chain.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event/chain.h"
#include "log-priv.h"

#define db_status cafe_log_db_status

/* The file under the log, as its engine checks it: 74 naming it when
 * damaged, whatever the events' rows say. */
static int
check_storage(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc, status = 0;

	if ((status = cafe_log_prepare(log, log->be->integrity_sql, &st, e)) != 0)
		return status;
	rc = cafe_stmt_step(st);
	if (rc == CAFE_DB_ROW && strcmp(cafe_col_text(st, 0), "ok") != 0) {
		/* One line: "*** in database main ***\nOn tree page 86 ..." */
		char why[256], *p;
		const char *text = cafe_col_text(st, 0);

		if ((p = strstr(text, "***\n")))
			text = p + 4;
		snprintf(why, sizeof why, "%s", text);
		for (p = why; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		status = cafe_err_set(e, CAFE_IOERR, "'%s' is not a cafe database or is damaged "
		    "(the file's own check: %s)", log->path, why);
	} else if (rc != CAFE_DB_ROW) {
		status = db_status(log, rc, e, "verify");
	}
	cafe_stmt_free(st);
	return status;
}

int
cafe_log_verify(struct cafe_log *log, long long head_seq, const char *head_hash,
    long long *checked, struct cafe_err *e)
{
	struct cafe_stmt *st;
	long long expect = 1, prev_version = 0;
	char *prev_stream = NULL, prev[CAFE_HASH_HEX], link[CAFE_HASH_HEX];
	char at_head[CAFE_HASH_HEX] = "";
	int rc, v, status = 0;

	*checked = 0;
	if ((status = log->be->version(log, &v, e)) != 0)
		return status;
	if (v != CAFE_SCHEMA_VERSION)
		return cafe_err_set(e, CAFE_REFUSED, "schema version is %d, expected %d",
		    v, CAFE_SCHEMA_VERSION);
	if (cafe_log_query_ll(log, log->be->append_only_sql, NULL, e) != 1)
		return cafe_err_set(e, CAFE_REFUSED,
		    "the append-only triggers on events are missing (history may have "
		    "been rewritten)");
	if (log->be->integrity_sql && (status = check_storage(log, e)) != 0)
		return status;
	memcpy(prev, cafe_chain_genesis, sizeof prev);
	if ((status = cafe_log_prepare(log, log->be->verify_select, &st, e)) != 0)
		return status;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		long long seq = cafe_col_int(st, 0);
		const char *hash = cafe_col_text(st, 11);

		if (seq != expect) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: gap, expected seq %lld",
			    seq, expect);
			break;
		}
		if (!cafe_col_int(st, 1) || !cafe_col_int(st, 2)) {
			status = cafe_err_set(e, CAFE_REFUSED,
			    "seq %lld: %s is not a valid JSON object", seq,
			    !cafe_col_int(st, 1) ? "data" : "meta");
			break;
		}
		if (cafe_col_int(st, 3) != 32 ||
		    cafe_parse_ts(cafe_col_text(st, 5)) < 0) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: malformed %s", seq,
			    cafe_col_int(st, 3) != 32 ? "id" : "ts");
			break;
		}
		cafe_chain_link(prev, seq, cafe_col_text(st, 6),
		    cafe_col_text(st, 7), cafe_col_int(st, 8),
		    cafe_col_text(st, 4),
		    cafe_col_text(st, 5),
		    cafe_col_text(st, 9),
		    cafe_col_text(st, 10), link);
		if (!hash || strcmp(hash, link) != 0) {
			status = cafe_err_set(e, CAFE_REFUSED, "seq %lld: the hash chain is "
			    "broken (this event, or the order of events, was changed)", seq);
			break;
		}
		memcpy(prev, link, sizeof prev);
		if (seq == head_seq)
			memcpy(at_head, link, sizeof at_head);
		expect++;
		(*checked)++;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "verify");
	cafe_stmt_free(st);
	if (status)
		return status;
	if (head_seq > 0 && !at_head[0])
		return cafe_err_set(e, CAFE_REFUSED, "the log ends at seq %lld, before the "
		    "head that was kept (seq %lld): events were cut off the end", expect - 1,
		    head_seq);
	if (head_seq > 0 && strcmp(at_head, head_hash) != 0)
		return cafe_err_set(e, CAFE_REFUSED, "seq %lld: the link is not the head that "
		    "was kept (the history up to it was rewritten)", head_seq);

	if ((status = cafe_log_prepare(log, "SELECT stream, version, seq FROM events "
	    "ORDER BY stream, version", &st, e)) != 0)
		return status;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *stream = cafe_col_text(st, 0);
		long long version = cafe_col_int(st, 1);

		if (!prev_stream || strcmp(prev_stream, stream) != 0) {
			free(prev_stream);
			prev_stream = cafe_xstrdup(stream);
			prev_version = 0;
		}
		if (version != prev_version + 1) {
			status = cafe_err_set(e, CAFE_REFUSED,
			    "seq %lld: stream '%s' jumps from version %lld to %lld",
			    (long long)cafe_col_int(st, 2), stream, prev_version,
			    version);
			break;
		}
		prev_version = version;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "verify");
	cafe_stmt_free(st);
	free(prev_stream);
	return status;
}
