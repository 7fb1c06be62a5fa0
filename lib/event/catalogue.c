/*
 * catalogue.c - the event catalogue's table (catalogue.h), the lookups by
 * type, and the check `cafe-log import` runs on every event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

struct kind {
	const char *type;
	const char *stream;         /* the stream's prefix, up to its '-' */
	const char *fields;         /* "order_id:i amount:i ?reason:s" */
	const char *status, *message, *step;
	enum cafe_board_effect board;
};

static const struct kind kinds[CAFE_EV_COUNT] = {
	[CAFE_EV_UNKNOWN] = { "", "", "", NULL, NULL, NULL, CAFE_BOARD_NONE },
#define ROW(id, name, stream, fields, status, message, step, board) \
	[CAFE_EV_##id] = { #name, stream, fields, status, message, step, board },
	CAFE_EVENT_TYPES(ROW)
#undef ROW
};

static const struct kind *
row(enum cafe_event_type t)
{
	return &kinds[(unsigned)t < CAFE_EV_COUNT ? t : CAFE_EV_UNKNOWN];
}

const char *cafe_event_name(enum cafe_event_type t) { return row(t)->type; }
const char *cafe_event_status(enum cafe_event_type t) { return row(t)->status; }
const char *cafe_event_message(enum cafe_event_type t) { return row(t)->message; }
const char *cafe_event_step(enum cafe_event_type t) { return row(t)->step; }
enum cafe_board_effect cafe_event_board(enum cafe_event_type t) { return row(t)->board; }

/*
 * Every event read from the log is looked up here: a row is compared
 * whole only when its first letter, length and last letter match.
 */
enum cafe_event_type
cafe_event_type_of(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return CAFE_EV_UNKNOWN;
	for (int t = 1; t < CAFE_EV_COUNT; t++) {
		const char *k = kinds[t].type;

		if (k[0] == name[0] && strlen(k) == n && k[n - 1] == name[n - 1] &&
		    memcmp(k, name, n) == 0)
			return (enum cafe_event_type)t;
	}
	return CAFE_EV_UNKNOWN;
}

void
cafe_event_names(const char **types, int (*want)(enum cafe_event_type t))
{
	size_t n = 0;

	for (int t = 1; t < CAFE_EV_COUNT; t++)
		if (want((enum cafe_event_type)t))
			types[n++] = kinds[t].type;
	types[n] = NULL;
}

static int
typed(json_t *v, char t)
{
	switch (t) {
	case 'i': return json_is_integer(v);
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'n': return json_is_number(v);
	case 'a': return json_is_array(v);
	case 'o': return json_is_object(v);
	default: return 0;
	}
}

static const char *
type_name(char t)
{
	return t == 'i' ? "a whole number" : t == 's' ? "a string" :
	    t == 'b' ? "true or false" : t == 'a' ? "a list" : t == 'o' ? "an object" : "a number";
}

/* The N of "kind-N" when it is a whole number from 1; else 0. */
static long long
stream_number(const char *stream, size_t prefix)
{
	const char *p = stream + prefix + 1;
	long long n = 0;

	if (*p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9' && n < 1000000000000LL; p++)
		n = n * 10 + (*p - '0');
	return *p ? 0 : n;
}

/* OrderPlaced's items: [{product, qty, options, unit_price, total}], or
 * the older product, qty and unit_price. */
static int
check_items(const struct cafe_event *ev, struct cafe_err *e)
{
	json_t *items = json_object_get(ev->data, "items"), *it, *opt;
	size_t i, j;

	if (!items) {
		if (!json_object_get(ev->data, "product") || !json_object_get(ev->data, "qty") ||
		    !json_object_get(ev->data, "unit_price"))
			return cafe_err_set(e, CAFE_DATAERR, "OrderPlaced on '%s' has no 'items'",
			    ev->stream);
		return 0;
	}
	if (json_array_size(items) == 0)
		return cafe_err_set(e, CAFE_DATAERR, "OrderPlaced on '%s' has no items",
		    ev->stream);
	json_array_foreach(items, i, it) {
		json_t *qty = json_object_get(it, "qty"), *opts = json_object_get(it, "options");
		const char *bad = NULL;

		if (!json_is_object(it))
			bad = "must be an object";
		else if (!json_is_string(json_object_get(it, "product")))
			bad = "needs a product (a string)";
		else if (!json_is_integer(qty) || json_integer_value(qty) < 1)
			bad = "needs a qty (a whole number from 1)";
		else if (!json_is_integer(json_object_get(it, "unit_price")) ||
		    !json_is_integer(json_object_get(it, "total")))
			bad = "needs a unit_price and a total (whole numbers)";
		else if (opts && !json_is_array(opts))
			bad = "options must be a list of strings";
		json_array_foreach(opts, j, opt)
			if (!bad && !json_is_string(opt))
				bad = "options must be a list of strings";
		if (bad)
			return cafe_err_set(e, CAFE_DATAERR, "OrderPlaced on '%s': items[%zu] %s",
			    ev->stream, i, bad);
	}
	return 0;
}

int
cafe_catalogue_check(const struct cafe_event *ev, struct cafe_err *e)
{
	enum cafe_event_type t = cafe_event_type_of(ev->type);
	const struct kind *k = row(t);
	const char *f;
	size_t plen;

	if (t == CAFE_EV_UNKNOWN)
		return cafe_err_set(e, CAFE_DATAERR, "unknown event type '%s' (see cafe-log(5))",
		    ev->type);
	plen = strlen(k->stream);
	if (strcmp(k->stream, "menu") == 0) {
		if (strcmp(ev->stream, "menu") != 0)
			return cafe_err_set(e, CAFE_DATAERR, "%s belongs on the 'menu' stream, "
			    "not '%s'", ev->type, ev->stream);
	} else if (strncmp(ev->stream, k->stream, plen) != 0 || ev->stream[plen] != '-' ||
	    !ev->stream[plen + 1])
		return cafe_err_set(e, CAFE_DATAERR, "%s belongs on a '%s-...' stream, not '%s'",
		    ev->type, k->stream, ev->stream);
	for (f = k->fields; *f; ) {
		char name[32];
		size_t n = strcspn(f, ":");
		int optional = *f == '?';
		char t = f[n + 1];
		json_t *v;

		snprintf(name, sizeof name, "%.*s", (int)(n - (size_t)optional), f + optional);
		f += n + 2;
		while (*f == ' ')
			f++;
		v = json_object_get(ev->data, name);
		if (!v && optional)
			continue;
		if (!v)
			return cafe_err_set(e, CAFE_DATAERR, "%s on '%s' has no '%s'", ev->type,
			    ev->stream, name);
		if (!typed(v, t))
			return cafe_err_set(e, CAFE_DATAERR, "%s on '%s': '%s' must be %s",
			    ev->type, ev->stream, name, type_name(t));
	}
	if (t == CAFE_EV_ORDER_PLACED && check_items(ev, e) != 0)
		return e->status;
	if (strcmp(k->stream, "order") == 0 || strcmp(k->stream, "payment") == 0 ||
	    strcmp(k->stream, "delivery") == 0) {
		long long n = stream_number(ev->stream, plen);
		json_int_t id = json_integer_value(json_object_get(ev->data, "order_id"));

		if (n == 0)
			return cafe_err_set(e, CAFE_DATAERR, "stream '%s' names no order",
			    ev->stream);
		if (id != n)
			return cafe_err_set(e, CAFE_DATAERR, "%s on '%s' is for order %lld",
			    ev->type, ev->stream, (long long)id);
	}
	return 0;
}
