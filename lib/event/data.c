/*
 * data.c - an event's data as stored (JSON text) read into an object
 * (event.h): the usual flat objects directly, anything else through
 * jansson.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define PLAIN(c) ((unsigned char)(c) >= 0x20 && (unsigned char)(c) < 0x80 && \
	(c) != '"' && (c) != '\\')
#define SKIP_SPACE(p) while (*(p) == ' ' || *(p) == '\t' || *(p) == '\n' || *(p) == '\r') \
	(p)++

/*
 * The usual event data, a flat object of plain ASCII strings, whole
 * numbers, booleans and nulls ({"order_id":7,"product":"latte"}), read
 * without jansson's reader, which goes a character at a time through a
 * stream: reading was a fifth of the daemon's time. NULL for anything
 * else (nesting, escapes, fractions, long numbers, other bytes, broken
 * JSON): json_loads() reads that, and says what is wrong with it.
 */
static json_t *
flat_object(const char *p)
{
	json_t *obj = json_object();

	SKIP_SPACE(p);
	if (*p++ != '{')
		goto other;
	SKIP_SPACE(p);
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		const char *key, *v;
		size_t klen;
		json_t *val;

		if (*p++ != '"')
			goto other;
		for (key = p; PLAIN(*p); p++)
			;
		if (*p != '"')
			goto other;
		klen = (size_t)(p++ - key);
		SKIP_SPACE(p);
		if (*p++ != ':')
			goto other;
		SKIP_SPACE(p);
		if (*p == '"') {
			for (v = ++p; PLAIN(*p); p++)
				;
			if (*p != '"')
				goto other;
			val = json_stringn_nocheck(v, (size_t)(p++ - v));
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			long long n = 0;
			int neg = *p == '-', digits = 0;

			if (neg)
				p++;
			if (*p == '0' && p[1] >= '0' && p[1] <= '9')
				goto other;     /* a leading zero is no JSON */
			/* At most 18 digits, counted before they are added: a
			 * 19th could overflow n. */
			for (; *p >= '0' && *p <= '9'; p++, digits++) {
				if (digits == 18)
					goto other;
				n = n * 10 + (*p - '0');
			}
			if (digits == 0 || *p == '.' || *p == 'e' || *p == 'E')
				goto other;
			val = json_integer(neg ? -n : n);
		} else if (strncmp(p, "true", 4) == 0) {
			val = json_true();
			p += 4;
		} else if (strncmp(p, "false", 5) == 0) {
			val = json_false();
			p += 5;
		} else if (strncmp(p, "null", 4) == 0) {
			val = json_null();
			p += 4;
		} else {
			goto other;
		}
		if (json_object_setn_new_nocheck(obj, key, klen, val) != 0)
			goto other;
		SKIP_SPACE(p);
		if (*p == ',') {
			p++;
			SKIP_SPACE(p);
			continue;
		}
		if (*p++ != '}')
			goto other;
		break;
	}
end:
	SKIP_SPACE(p);
	if (*p == '\0')
		return obj;
other:
	json_decref(obj);
	return NULL;
}

json_t *
cafe_event_data_parse(const char *text)
{
	json_t *data = flat_object(text);

	if (!data)
		data = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!json_is_object(data)) {
		json_decref(data);
		return NULL;
	}
	return data;
}
