/*
 * rider.c - what a rider sees (rider.h).
 */
#include <string.h>

#include "rider.h"
#include "trace.h"

static int
is(json_t *row, const char *key, const char *value)
{
	const char *v = json_string_value(json_object_get(row, key));

	return v && strcmp(v, value) == 0;
}

int
cafe_rider_waiting(json_t *row)
{
	return is(row, "order_status", "paid") && is(row, "delivery_status", "ready") &&
	    is(row, "rider", "");
}

int
cafe_rider_carries(json_t *row, const char *rider)
{
	return is(row, "order_status", "paid") && is(row, "delivery_status", "dispatched") &&
	    is(row, "rider", rider);
}

struct gather {
	const char *rider;
	json_t *waiting, *carrying;
};

static int
gather(json_t *row, void *arg)
{
	struct gather *g = arg;
	json_t *to = cafe_rider_waiting(row) ? g->waiting :
	    cafe_rider_carries(row, g->rider) ? g->carrying : NULL;

	if (to)
		json_array_append_new(to, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}",
		    "order_id", json_object_get(row, "order_id"),
		    "items", json_object_get(row, "items"),
		    "qty", json_object_get(row, "qty"),
		    "customer", json_object_get(row, "customer"),
		    "address", json_object_get(row, "address"),
		    "placed_at", json_object_get(row, "placed_at")));
	return 0;
}

int
cafe_rider_view(struct cafe_log *log, const char *rider, json_t **out, struct cafe_err *e)
{
	struct gather g = { rider, json_array(), json_array() };
	struct cafe_trace_query q = { 0 };
	int status;

	q.status = "ready";
	if ((status = cafe_trace_list(log, &q, gather, &g, e)) == 0) {
		q.status = "dispatched";
		status = cafe_trace_list(log, &q, gather, &g, e);
	}
	if (status) {
		json_decref(g.waiting);
		json_decref(g.carrying);
		return status;
	}
	*out = json_pack("{s:s, s:o, s:o}", "rider", rider, "waiting", g.waiting,
	    "carrying", g.carrying);
	return 0;
}
