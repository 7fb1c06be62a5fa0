/*
 * trace-row.c - a row of the trace as scripts read it (cafe-trace --json,
 * DESIGN §6), and the times its queries take from people.
 */
#include <stdio.h>
#include <string.h>

#include "base/people.h"
#include "domain/tender.h"
#include "trace-priv.h"

/* The items a row stores, as JSON (a new reference, never NULL). */
static json_t *
items_json(const char *text)
{
	json_t *items = json_loads(text, 0, NULL);

	if (json_is_array(items))
		return items;
	json_decref(items);
	return json_array();
}

json_t *
cafe_trace_row_json(struct cafe_stmt *st)
{
	json_t *row = json_pack("{s:I, s:s, s:s, s:o, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, "
	    "s:s}",
	    "order_id", (json_int_t)cafe_col_int(st, 0),
	    "customer", cafe_col_text(st, 1),
	    "product", cafe_col_text(st, 2),
	    "items", items_json(cafe_col_text(st, 13)),
	    "qty", (json_int_t)cafe_col_int(st, 3),
	    "total", (json_int_t)cafe_col_int(st, 4),
	    "order_status", cafe_col_text(st, 5),
	    "payment_status", cafe_col_text(st, 6),
	    "delivery_status", cafe_col_text(st, 7),
	    "messages", (json_int_t)cafe_col_int(st, 8),
	    "placed_at", cafe_col_text(st, 9),
	    "updated_at", cafe_col_text(st, 10),
	    "address", cafe_col_text(st, 11),
	    "rider", cafe_col_text(st, 12));

	/* What only some orders have is in those rows only. */
	if (row && *cafe_col_text(st, 14))
		json_object_set_new(row, "pickup_at", json_string(cafe_col_text(st, 14)));
	if (row && *cafe_col_text(st, 15))
		json_object_set_new(row, "note", json_string(cafe_col_text(st, 15)));
	if (!row)
		return NULL;
	/* Orders from before tickets have none. */
	json_object_set_new(row, "ticket", cafe_col_int(st, 16) > 0 ?
	    json_integer(cafe_col_int(st, 16)) : json_null());
	json_object_set_new(row, "takeout", json_boolean(cafe_col_int(st, 17)));
	json_object_set_new(row, "tenders", cafe_tenders_json(cafe_col_int(st, 18),
	    cafe_col_int(st, 19), -1));
	json_object_set_new(row, "shop", json_string(cafe_col_text(st, 20)));
	return row;
}

/* A time option as the view stores times; -1 after setting e when bad. */
long long
cafe_trace_parse_time(const char *opt, const char *s, char *buf, size_t n, struct cafe_err *e)
{
	/* Typed by a person: without an offset, in the shop's time zone. */
	long long ms = cafe_parse_local(s);

	if (ms < 0) {
		cafe_err_set(e, CAFE_USAGE, "%s wants a time like 2026-11-22T09:30:00Z, "
		    "'2026-11-22 09:30' (local) or a date, not '%s'", opt, s);
		return -1;
	}
	if (buf)
		cafe_format_ts(ms, buf, n);
	return ms;
}
