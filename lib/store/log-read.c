/*
 * log-read.c - reading events (log.h): from a position, by types, by
 * stream, correlation id or idempotency key, and `cafe-log export`.
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

#include "log-priv.h"

#define db_status cafe_log_db_status

#define EVENT_COLUMNS "SELECT seq, id, stream, version, type, data, meta, ts FROM events "

static int
row_event(struct cafe_log *log, struct cafe_stmt *st, struct cafe_event *ev,
    struct cafe_err *e)
{
	const char *s;

	memset(ev, 0, sizeof *ev);
	ev->seq = cafe_col_int(st, 0);
	cafe_strcopy(ev->id, sizeof ev->id, cafe_col_text(st, 1));
	ev->stream = cafe_xstrdup(cafe_col_text(st, 2));
	ev->version = cafe_col_int(st, 3);
	ev->type = cafe_xstrdup(cafe_col_text(st, 4));
	ev->kind = cafe_event_type_of(ev->type);
	s = cafe_col_text(st, 5);
	if (s)
		ev->data = cafe_event_data_parse(s);
	s = cafe_col_text(st, 6);
	ev->meta_text = s ? cafe_xstrdup(s) : NULL;
	s = cafe_col_text(st, 7);
	cafe_strcopy(ev->ts, sizeof ev->ts, s);
	/* meta is parsed when asked for (the CHECK on it keeps it an object). */
	if (!json_is_object(ev->data) || !ev->meta_text || ev->meta_text[0] != '{') {
		cafe_event_release(ev);
		return cafe_err_set(e, CAFE_IOERR,
		    "database '%s': event %lld holds invalid JSON (run 'cafe-log verify')",
		    log->path, (long long)cafe_col_int(st, 0));
	}
	return 0;
}

/* Steps st to the end, handing each row to fn; finalizes st. */
static int
run_query(struct cafe_log *log, struct cafe_stmt *st, cafe_event_fn fn, void *arg,
    struct cafe_err *e)
{
	struct cafe_event ev;
	int rc, status = 0;

	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		if ((status = row_event(log, st, &ev, e)) != 0)
			break;
		status = fn(&ev, arg);
		cafe_event_release(&ev);
		if (status)
			break;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "read");
	cafe_stmt_free(st);
	return status;
}

#define EVENT_COLUMNS "SELECT seq, id, stream, version, type, data, meta, ts FROM events "

int
cafe_log_read(struct cafe_log *log, long long after, long long limit,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = cafe_log_prepare(log, EVENT_COLUMNS
	    "WHERE seq > ? ORDER BY seq LIMIT ?", &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_int(st, 2, limit > 0 ? limit : LLONG_MAX);
	return run_query(log, st, fn, arg, e);
}

/* A JSON string of s: as it is when nothing in it needs escaping (the
 * log's ids, streams, types and times), else through jansson. */
static void
put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;
	char *text;

	while (*p && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x7f)
		p++;
	if (!*p) {
		putc('"', out);
		fputs(s, out);
		putc('"', out);
		return;
	}
	j = json_string(s);
	text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(text ? text : "\"\"", out);
	free(text);
	json_decref(j);
}

static void
put_row(FILE *out, struct cafe_stmt *st, const char *data, const char *meta)
{
	fprintf(out, "{\"seq\":%lld,\"id\":", cafe_col_int(st, 0));
	put_string(out, cafe_col_text(st, 1));
	fputs(",\"stream\":", out);
	put_string(out, cafe_col_text(st, 2));
	fprintf(out, ",\"version\":%lld,\"type\":", cafe_col_int(st, 3));
	put_string(out, cafe_col_text(st, 4));
	fputs(",\"data\":", out);
	fputs(data, out);
	fputs(",\"meta\":", out);
	fputs(meta, out);
	fputs(",\"ts\":", out);
	put_string(out, cafe_col_text(st, 7));
	fputs(",\"hash\":", out);
	put_string(out, cafe_col_text(st, 9));
	fputs("}\n", out);
}

int
cafe_log_export(struct cafe_log *log, long long after, FILE *out, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc, status;

	if ((status = cafe_log_prepare(log, log->be->export_select, &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *data = cafe_col_text(st, 5), *meta = cafe_col_text(st, 6);

		if (cafe_col_int(st, 8) != 1) {
			status = cafe_err_set(e, CAFE_IOERR, "database '%s': event %lld holds "
			    "invalid JSON (run 'cafe-log verify')", log->path, cafe_col_int(st, 0));
			break;
		}
		if (strchr(data, '\n') || strchr(meta, '\n')) {
			/* Not as cafe writes it (compact): written anew, on one line. */
			struct cafe_event ev;
			json_t *j;
			char *text;

			if ((status = row_event(log, st, &ev, e)) != 0)
				break;
			j = cafe_event_json(&ev);
			json_object_set_new(j, "hash", json_string(cafe_col_text(st, 9)));
			text = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			cafe_event_release(&ev);
			fprintf(out, "%s\n", text ? text : "");
			free(text);
		} else {
			put_row(out, st, data, meta);
		}
		if (ferror(out)) {
			status = CAFE_IOERR;
			e->msg[0] = '\0';
			break;
		}
	}
	if (!status && rc != CAFE_DB_DONE)
		status = db_status(log, rc, e, "read");
	cafe_stmt_free(st);
	return status;
}

int
cafe_log_read_until(struct cafe_log *log, long long after, const char *before_ts,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = cafe_log_prepare(log, EVENT_COLUMNS
	    "WHERE seq > ? AND ts < ? ORDER BY seq", &st, e)) != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_text(st, 2, before_ts);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_types(struct cafe_log *log, long long after, long long upto,
    const enum cafe_event_type *types, cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	size_t n = 0, len;
	char *sql;
	int status;

	while (types && types[n])
		n++;
	len = sizeof EVENT_COLUMNS + 64 + 3 * n;
	sql = cafe_xmalloc(len);
	snprintf(sql, len, "%sWHERE seq > ? AND seq <= ?%s", EVENT_COLUMNS,
	    types ? " AND type IN (" : "");
	for (size_t i = 0; types && i < n; i++)
		strcat(sql, i ? ",?" : "?");
	strcat(sql, types ? ") ORDER BY seq" : " ORDER BY seq");
	status = cafe_log_prepare(log, sql, &st, e);
	free(sql);
	if (status != 0)
		return status;
	cafe_stmt_int(st, 1, after);
	cafe_stmt_int(st, 2, upto);
	for (size_t i = 0; i < n; i++)
		cafe_stmt_text_ref(st, (int)i + 3, cafe_event_name(types[i]));
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_stream(struct cafe_log *log, const char *stream, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	return cafe_log_read_stream_after(log, stream, 0, fn, arg, e);
}

int
cafe_log_read_stream_after(struct cafe_log *log, const char *stream, long long after,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = cafe_log_prepare(log, EVENT_COLUMNS
	    "WHERE stream = ? AND version > ? ORDER BY version", &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, stream);
	cafe_stmt_int(st, 2, after);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_correlated(struct cafe_log *log, const char *id, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[256];
	int status;

	snprintf(sql, sizeof sql, EVENT_COLUMNS "WHERE %s ORDER BY seq",
	    log->be->where_correlated);
	if ((status = cafe_log_prepare(log, sql, &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, id);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_read_key(struct cafe_log *log, const char *key, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[256];
	int status;

	snprintf(sql, sizeof sql, EVENT_COLUMNS "WHERE %s ORDER BY seq", log->be->where_key);
	if ((status = cafe_log_prepare(log, sql, &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, key);
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_last_of_type(struct cafe_log *log, enum cafe_event_type type, cafe_event_fn fn,
    void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int status;

	if ((status = cafe_log_prepare(log, EVENT_COLUMNS
	    "WHERE type = ? ORDER BY seq DESC LIMIT 1", &st, e)) != 0)
		return status;
	cafe_stmt_text_ref(st, 1, cafe_event_name(type));
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_last_in_shop(struct cafe_log *log, enum cafe_event_type type, const char *shop,
    cafe_event_fn fn, void *arg, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[320];
	int status;

	/* The shop's index (events_shop) holds the expression as written. */
	snprintf(sql, sizeof sql, EVENT_COLUMNS "WHERE %s = ? AND type = ? "
	    "ORDER BY seq DESC LIMIT 1", log->be->shop_of);
	if ((status = cafe_log_prepare(log, sql, &st, e)) != 0)
		return status;
	cafe_stmt_text(st, 1, shop);
	cafe_stmt_text_ref(st, 2, cafe_event_name(type));
	return run_query(log, st, fn, arg, e);
}

int
cafe_log_shops(struct cafe_log *log, char ***out, size_t *n, struct cafe_err *e)
{
	struct cafe_stmt *st;
	char sql[600];
	int status, rc;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	/* One step down the shops' index per shop, not a scan of the log:
	 * each next name is the least one above the last. */
	snprintf(sql, sizeof sql, "WITH RECURSIVE s(shop) AS ("
	    "SELECT min(%s) FROM events UNION ALL "
	    "SELECT (SELECT min(%s) FROM events WHERE %s > s.shop) FROM s "
	    "WHERE s.shop IS NOT NULL) SELECT shop FROM s WHERE shop IS NOT NULL",
	    log->be->shop_of, log->be->shop_of, log->be->shop_of);
	if ((status = cafe_log_prepare(log, sql, &st, e)) != 0)
		return status;
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 8;
			*out = cafe_xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = cafe_xstrdup(cafe_col_text(st, 0));
		(*out)[*n] = NULL;
	}
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE) {
		for (size_t i = 0; i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		return cafe_log_db_status(log, rc, e, "reading the shops");
	}
	return 0;
}
