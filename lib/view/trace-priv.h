/*
 * trace-priv.h - private to the trace's files (trace.c, trace-row.c,
 * trace-follow.c, stats.c).
 */
#ifndef CAFE_TRACE_PRIV_H
#define CAFE_TRACE_PRIV_H

#include "store/log.h"
#include "trace.h"

#define WHO "order trace"    /* names this view in messages */

/* The event with its ts in the one form the view stores (an imported
 * event may carry an offset or no milliseconds); *ms gets the instant, -1
 * if the ts does not parse. A shallow copy: the members stay borrowed. */
struct cafe_event cafe_trace_canonical(const struct cafe_event *ev, long long *ms,
		int need_ms);
/* The order whose row the event can change; 0 for none. */
long long cafe_trace_event_row(const struct cafe_event *ev);
/* A row of ROW_COLUMNS (trace.c) as cafe-trace --json prints it: a new
 * reference. */
json_t *cafe_trace_row_json(struct cafe_stmt *st);
/* A time option as the view stores times into buf (when given); -1 after
 * setting e when bad. */
long long cafe_trace_parse_time(const char *opt, const char *s, char *buf, size_t n,
		struct cafe_err *e);
/* Which table answers: the live view brought up to date, or a TEMP fold
 * of the log (as of a past instant, or when we may not write). */
int cafe_trace_source(struct cafe_log *log, const struct cafe_trace_query *q,
		const char **table, struct cafe_err *e);

#endif
