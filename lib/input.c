/*
 * input.c - JSON lines from users and files (input.h). Nothing here
 * touches the log: a parsed line is checked whole before anything is
 * appended, so bad input never leaves a partial write.
 */
#include <stdio.h>
#include <string.h>

#include "catalogue.h"
#include "input.h"

static json_t *
load(const char *buf, size_t len, long long line, struct cafe_err *e)
{
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!o) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: %s", line, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: not a JSON object", line);
		return NULL;
	}
	return o;
}

int
cafe_input_batch_line(const char *buf, size_t len, long long line,
    struct cafe_place_request *r, json_t **owner, struct cafe_err *e)
{
	json_t *o, *v;
	const char *k;

	memset(r, 0, sizeof *r);
	if (!(*owner = o = load(buf, len, line, e)))
		return CAFE_DATAERR;
	json_object_foreach(o, k, v) {
		if (strcmp(k, "qty") == 0) {
			if (!json_is_integer(v))
				return cafe_err_set(e, CAFE_DATAERR,
				    "stdin:%lld: qty must be a whole number", line);
			r->qty = json_integer_value(v);
		} else if (strcmp(k, "product") == 0 || strcmp(k, "customer") == 0 ||
		    strcmp(k, "address") == 0 || strcmp(k, "key") == 0) {
			if (!json_is_string(v))
				return cafe_err_set(e, CAFE_DATAERR,
				    "stdin:%lld: %s must be a string", line, k);
		} else {
			return cafe_err_set(e, CAFE_DATAERR,
			    "stdin:%lld: unknown field '%s' (product, qty, customer, "
			    "address, key)", line, k);
		}
	}
	if (!json_object_get(o, "qty"))
		r->qty = 1;
	r->product = json_string_value(json_object_get(o, "product"));
	r->customer = json_string_value(json_object_get(o, "customer"));
	r->address = json_string_value(json_object_get(o, "address"));
	r->key = json_string_value(json_object_get(o, "key"));
	return 0;
}

int
cafe_input_import_line(struct cafe_batch *b, const char *buf, size_t len, long long line,
    struct cafe_err *e)
{
	const char *id, *stream, *type, *ts;
	json_int_t version;
	json_t *o, *data, *meta;
	json_error_t jerr;
	struct cafe_event *ev;
	struct cafe_err why;
	int status = CAFE_DATAERR;
	size_t n;

	if (!(o = load(buf, len, line, e)))
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
	ev = cafe_batch_add(b, stream, version - 1, type, json_incref(data));
	if (cafe_catalogue_check(ev, &why) != 0) {
		cafe_err_set(e, CAFE_DATAERR, "stdin:%lld: %s", line, why.msg);
		cafe_event_release(ev);
		b->n--;
		goto out;
	}
	memcpy(ev->id, id, 33);
	ev->meta = json_incref(meta);
	snprintf(ev->ts, sizeof ev->ts, "%s", ts);
	status = 0;
out:
	json_decref(o);
	return status;
}
