/*
 * input.c - JSON lines from users and files (input.h). Nothing here
 * touches the log: a parsed line is checked whole before anything is
 * appended, so bad input never leaves a partial write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/catalogue.h"
#include "event/chain.h"
#include "domain/tender.h"
#include "input.h"

static json_t *
load(const char *buf, size_t len, const char *where, struct cafe_err *e)
{
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!o) {
		cafe_err_set(e, CAFE_DATAERR, "%s%s", where, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		cafe_err_set(e, CAFE_DATAERR, "%snot a JSON object", where);
		return NULL;
	}
	return o;
}

/* {"product":…, "qty":…, "options":[…]} priced into l; what names it. */
static int
batch_item(const struct cafe_config *c, json_t *it, const char *where, const char *what,
    struct cafe_line *l, struct cafe_err *e)
{
	const char *choices[CAFE_MAX_CHOICES + 1], *k;
	json_t *qty, *opts, *v;
	struct cafe_err inner;
	char at[48];
	size_t n = 0, i;
	int status;

	/* what is NULL for the older shape, whose fields are the order's */
	snprintf(at, sizeof at, "%s%s", what ? what : "", what ? ": " : "");

	if (!json_is_object(it))
		return cafe_err_set(e, CAFE_DATAERR, "%s%s must be an object "
		    "({\"product\":…, \"qty\":…, \"options\":[…]})", where, what ? what : "");
	json_object_foreach(it, k, v) {
		if (strcmp(k, "product") != 0 && strcmp(k, "qty") != 0 &&
		    strcmp(k, "options") != 0 && strcmp(k, "note") != 0)
			return cafe_err_set(e, CAFE_DATAERR, "%s%sunknown field "
			    "'%s' (product, qty, options, note)", where, at, k);
	}
	v = json_object_get(it, "note");
	if (v && !json_is_string(v))
		return cafe_err_set(e, CAFE_DATAERR, "%s%snote must be a string", where, at);
	if (!json_is_string(json_object_get(it, "product")))
		return cafe_err_set(e, CAFE_DATAERR, "%s%sproduct must be a "
		    "string", where, at);
	qty = json_object_get(it, "qty");
	if (qty && !json_is_integer(qty))
		return cafe_err_set(e, CAFE_DATAERR, "%s%sqty must be a whole "
		    "number", where, at);
	opts = json_object_get(it, "options");
	if (opts && (!json_is_array(opts) || json_array_size(opts) > CAFE_MAX_CHOICES))
		return cafe_err_set(e, CAFE_DATAERR, "%s%soptions must be a list "
		    "of at most %d choices", where, at, CAFE_MAX_CHOICES);
	json_array_foreach(opts, i, v) {
		if (!json_is_string(v))
			return cafe_err_set(e, CAFE_DATAERR, "%s%soptions must be "
			    "strings", where, at);
		choices[n++] = json_string_value(v);
	}
	status = cafe_item_price(c, json_string_value(json_object_get(it, "product")),
	    qty ? json_integer_value(qty) : 1, choices, n,
	    json_string_value(json_object_get(it, "product")), l, &inner);
	if (status)
		cafe_err_set(e, status, "%s%s", where, inner.msg);
	l->note = json_string_value(json_object_get(it, "note"));
	return status;
}

/* "tenders": [{"tender": "cash", "amount": 5000}, {"tender": "card"}] */
static int
tenders(json_t *list, const char *where, struct cafe_place_request *r, struct cafe_err *e)
{
	struct cafe_tender_ask t;
	json_t *v, *amount;
	const char *k;
	size_t i;
	int status;

	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 2)
		return cafe_err_set(e, CAFE_DATAERR, "%stenders must be a list of one or two "
		    "tenders ([{\"tender\":\"cash\",\"amount\":5000},{\"tender\":\"card\"}])",
		    where);
	json_array_foreach(list, i, v) {
		struct cafe_err inner;

		if (!json_is_object(v))
			return cafe_err_set(e, CAFE_DATAERR, "%stenders[%zu] must be an object "
			    "({\"tender\":\"cash\",\"amount\":5000})", where, i);
		json_object_foreach(v, k, amount)
			if (strcmp(k, "tender") != 0 && strcmp(k, "amount") != 0)
				return cafe_err_set(e, CAFE_DATAERR, "%stenders[%zu]: unknown "
				    "field '%s' (tender, amount)", where, i, k);
		amount = json_object_get(v, "amount");
		if ((status = cafe_tender_parse(json_string_value(json_object_get(v,
		    "tender")), &t, &inner)) != 0)
			return cafe_err_set(e, status, "%stenders[%zu]: %s", where, i, inner.msg);
		if (amount && (!json_is_integer(amount) || json_integer_value(amount) < 1))
			return cafe_err_set(e, CAFE_DATAERR, "%stenders[%zu]: amount must be a "
			    "whole number above 0", where, i);
		if (amount)
			t.amount = json_integer_value(amount);
		if ((status = cafe_tender_add(r, &t, &inner)) != 0)
			return cafe_err_set(e, status, "%s%s", where, inner.msg);
	}
	return 0;
}

int
cafe_input_order(const struct cafe_config *c, const char *buf, size_t len,
    const char *where, struct cafe_place_request *r, json_t **owner, struct cafe_err *e)
{
	json_t *o, *v, *items;
	const char *k;
	size_t i;
	int status;

	memset(r, 0, sizeof *r);
	r->tendered = -1;
	if (!(*owner = o = load(buf, len, where, e)))
		return CAFE_DATAERR;
	json_object_foreach(o, k, v) {
		if (strcmp(k, "customer") == 0 || strcmp(k, "address") == 0 ||
		    strcmp(k, "key") == 0 || strcmp(k, "contact") == 0 ||
		    strcmp(k, "note") == 0 || strcmp(k, "pickup_at") == 0 ||
		    strcmp(k, "language") == 0) {
			if (!json_is_string(v))
				return cafe_err_set(e, CAFE_DATAERR,
				    "%s%s must be a string", where, k);
			if (strcmp(k, "key") == 0 && !*json_string_value(v))
				return cafe_err_set(e, CAFE_DATAERR, "%skey must not "
				    "be empty (leave it out for no key)", where);
		} else if (strcmp(k, "takeout") == 0) {
			if (!json_is_boolean(v))
				return cafe_err_set(e, CAFE_DATAERR,
				    "%stakeout must be true or false", where);
			r->takeout = json_is_true(v);
		} else if (strcmp(k, "tendered") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return cafe_err_set(e, CAFE_DATAERR, "%stendered must be a "
				    "whole number (the cash handed over)", where);
			r->tendered = json_integer_value(v);
		} else if (strcmp(k, "tenders") == 0) {
			if ((status = tenders(v, where, r, e)) != 0)
				return status;
		} else if (strcmp(k, "items") != 0 && strcmp(k, "product") != 0 &&
		    strcmp(k, "qty") != 0 && strcmp(k, "options") != 0) {
			return cafe_err_set(e, CAFE_DATAERR,
			    "%sunknown field '%s' (items, customer, contact, address, note, "
			    "takeout, tenders, tendered, pickup_at, language, key; or product, "
			    "qty, options)", where, k);
		}
	}
	items = json_object_get(o, "items");
	if (items && json_object_get(o, "product"))
		return cafe_err_set(e, CAFE_DATAERR, "%sgive items or product, "
		    "not both", where);
	if (items) {
		if (json_object_get(o, "qty") || json_object_get(o, "options"))
			return cafe_err_set(e, CAFE_DATAERR, "%sqty and options "
			    "go inside each of the items", where);
		if (!json_is_array(items) || json_array_size(items) == 0 ||
		    json_array_size(items) > CAFE_MAX_ITEMS)
			return cafe_err_set(e, CAFE_DATAERR, "%sitems must be a "
			    "list of 1 to %d items", where, CAFE_MAX_ITEMS);
		json_array_foreach(items, i, v) {
			char what[32];

			snprintf(what, sizeof what, "items[%zu]", i);
			if ((status = batch_item(c, v, where, what, &r->lines[i], e)) != 0)
				return status;
		}
		r->nlines = json_array_size(items);
	} else {
		/* The older shape: one item, whose fields sit in the order. */
		json_t *one = json_object();

		if (!json_object_get(o, "product"))
			return json_decref(one), cafe_err_set(e, CAFE_DATAERR,
			    "%san order needs items (or a product)", where);
		json_object_set(one, "product", json_object_get(o, "product"));
		if ((v = json_object_get(o, "qty")))
			json_object_set(one, "qty", v);
		if ((v = json_object_get(o, "options")))
			json_object_set(one, "options", v);
		status = batch_item(c, one, where, NULL, &r->lines[0], e);
		json_decref(one);
		if (status)
			return status;
		r->nlines = 1;
	}
	r->customer = json_string_value(json_object_get(o, "customer"));
	r->address = json_string_value(json_object_get(o, "address"));
	r->contact = json_string_value(json_object_get(o, "contact"));
	r->note = json_string_value(json_object_get(o, "note"));
	r->key = json_string_value(json_object_get(o, "key"));
	r->pickup_at = json_string_value(json_object_get(o, "pickup_at"));
	r->language = json_string_value(json_object_get(o, "language"));
	return 0;
}

int
cafe_input_batch_line(const struct cafe_config *c, const char *buf, size_t len,
    long long line, struct cafe_place_request *r, json_t **owner, struct cafe_err *e)
{
	char where[32];

	snprintf(where, sizeof where, "stdin:%lld: ", line);
	return cafe_input_order(c, buf, len, where, r, owner, e);
}

/* The line's hash against the link its fields make after the line before:
 * a backup proves itself, and an edited one is refused before anything is
 * appended. */
static int
check_link(struct cafe_import_chain *c, json_t *o, const struct cafe_event *ev,
    long long line, struct cafe_err *e)
{
	json_t *jseq = json_object_get(o, "seq"), *jhash = json_object_get(o, "hash");
	const char *hash = json_string_value(jhash);
	long long seq = json_integer_value(jseq);
	char link[CAFE_HASH_HEX], *data, *meta;

	if (!json_is_integer(jseq) || seq < 1 || !hash)
		return cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: no seq and hash to check it by "
		    "(an export from before the chain: 'cafe-log import --rechain' links it "
		    "anew)", line);
	if (!cafe_chain_valid(hash))
		return cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: event %lld: hash is not 64 hex "
		    "digits", line, seq);
	if (c->seq && seq != c->seq + 1)
		return cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: event %lld: broken link (it "
		    "follows event %lld: events are missing or out of order)", line, seq, c->seq);
	if (c->seq || seq == 1) {
		data = json_dumps(ev->data, JSON_COMPACT);
		meta = json_dumps(ev->meta, JSON_COMPACT);
		if (!data || !meta) {
			free(data);
			free(meta);
			return cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: out of memory", line);
		}
		cafe_chain_link(c->seq ? c->prev : cafe_chain_genesis, seq, ev->id, ev->stream,
		    ev->expected + 1, ev->type, ev->ts, data, meta, link);
		free(data);
		free(meta);
		if (strcmp(link, hash) != 0)
			return cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: event %lld: broken link "
			    "(it was changed after it was exported; 'cafe-log import --rechain' "
			    "imports it anyway, with a new chain)", line, seq);
	}
	c->seq = seq;
	snprintf(c->prev, sizeof c->prev, "%s", hash);
	return 0;
}

int
cafe_input_import_line(struct cafe_batch *b, const char *buf, size_t len, long long line,
    struct cafe_import_chain *chain, struct cafe_err *e)
{
	const char *id, *stream, *type, *ts;
	json_int_t version;
	json_t *o, *data, *meta;
	json_error_t jerr;
	struct cafe_event *ev;
	struct cafe_err why;
	int status = CAFE_DATAERR;
	char where[32];
	size_t n;

	snprintf(where, sizeof where, "stdin:%lld: ", line);
	if (!(o = load(buf, len, where, e)))
		return CAFE_DATAERR;
	if (json_unpack_ex(o, &jerr, 0, "{s:s, s:s, s:I, s:s, s:o, s:o, s:s}", "id", &id,
	    "stream", &stream, "version", &version, "type", &type, "data", &data,
	    "meta", &meta, "ts", &ts) != 0) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: %s", line, jerr.text);
		goto out;
	}
	n = strlen(id);
	if (n != 32 || strspn(id, "0123456789abcdef") != n) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: id must be 32 lowercase hex digits",
		    line);
		goto out;
	}
	if (!*stream || !cafe_valid_text(stream) || strlen(stream) > 200) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: bad stream name", line);
		goto out;
	}
	if (type[0] < 'A' || type[0] > 'Z' || strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(type) || strlen(type) > 64) {
		cafe_err_set(e, CAFE_DATAERR,
		    "stdin:%lld: type '%s' is not a PascalCase event name", line, type);
		goto out;
	}
	if (version < 1) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: version must be 1 or more", line);
		goto out;
	}
	if (!json_is_object(data) || !json_is_object(meta)) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: data and meta must be JSON objects",
		    line);
		goto out;
	}
	if (cafe_parse_ts(ts) < 0 || strlen(ts) >= sizeof ev->ts) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: ts '%s' is not RFC 3339", line, ts);
		goto out;
	}
	ev = cafe_batch_add_named(b, stream, version - 1, type, json_incref(data));
	if (cafe_catalogue_check(ev, &why) != 0) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: %s", line, why.msg);
		cafe_event_release(ev);
		b->n--;
		goto out;
	}
	memcpy(ev->id, id, 33);
	ev->meta = json_incref(meta);
	snprintf(ev->ts, sizeof ev->ts, "%s", ts);
	if (chain && (status = check_link(chain, o, ev, line, e)) != 0) {
		cafe_event_release(ev);
		b->n--;
		goto out;
	}
	status = 0;
out:
	json_decref(o);
	return status;
}
