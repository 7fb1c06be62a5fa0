/*
 * event.c - an event's members and a batch (event.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

void
cafe_event_release(struct cafe_event *ev)
{
	if (!ev)
		return;
	free(ev->stream);
	free(ev->type);
	json_decref(ev->data);
	json_decref(ev->meta);
	free(ev->meta_text);
	ev->stream = ev->type = ev->meta_text = NULL;
	ev->data = ev->meta = NULL;
}

void
cafe_event_copy(struct cafe_event *dst, const struct cafe_event *src)
{
	*dst = *src;
	dst->stream = src->stream ? cafe_xstrdup(src->stream) : NULL;
	dst->type = src->type ? cafe_xstrdup(src->type) : NULL;
	dst->data = json_incref(src->data);
	dst->meta = json_incref(src->meta);
	dst->meta_text = src->meta_text ? cafe_xstrdup(src->meta_text) : NULL;
}

json_t *
cafe_event_meta(const struct cafe_event *ev)
{
	json_t *meta = NULL;

	if (ev->meta)
		return json_incref(ev->meta);
	if (ev->meta_text)
		meta = json_loads(ev->meta_text, JSON_DECODE_ANY, NULL);
	if (json_is_object(meta))
		return meta;
	json_decref(meta);
	return json_object();
}

const char *
cafe_event_shop(const struct cafe_event *ev, char *buf, size_t n)
{
	const char *s = NULL, *p, *end;
	json_t *meta;

	/* Most events are read, not made: their meta is text as the log
	 * wrote it, with the shop a plain string seldom escaped. */
	if (!ev->meta && ev->meta_text && (p = strstr(ev->meta_text, ",\"shop\":\"")) &&
	    (end = strchr(p + 9, '"')) && !memchr(p + 9, '\\', (size_t)(end - p - 9))) {
		snprintf(buf, n, "%.*s", (int)(end - p - 9), p + 9);
		return buf;
	}
	meta = cafe_event_meta(ev);
	s = json_string_value(json_object_get(meta, "shop"));
	snprintf(buf, n, "%s", s && *s ? s : CAFE_SHOP_MAIN);
	json_decref(meta);
	return buf;
}

json_t *
cafe_event_json(const struct cafe_event *ev)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:O, s:o, s:s}",
	    "seq", (json_int_t)ev->seq, "id", ev->id, "stream", ev->stream,
	    "version", (json_int_t)ev->version, "type", ev->type,
	    "data", ev->data ? ev->data : json_object(),
	    "meta", cafe_event_meta(ev), "ts", ev->ts);
}

void
cafe_batch_init(struct cafe_batch *b)
{
	memset(b, 0, sizeof *b);
}

void
cafe_batch_release(struct cafe_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		cafe_event_release(&b->ev[i]);
	free(b->ev);
	cafe_batch_init(b);
}

struct cafe_event *
cafe_batch_add_named(struct cafe_batch *b, const char *stream, long long expected,
    const char *type, json_t *data)
{
	struct cafe_event *ev;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4;
		b->ev = cafe_xrealloc(b->ev, b->cap * sizeof *b->ev);
	}
	ev = &b->ev[b->n++];
	memset(ev, 0, sizeof *ev);
	ev->stream = cafe_xstrdup(stream);
	ev->type = cafe_xstrdup(type);
	ev->kind = cafe_event_type_of(type);
	ev->data = data ? data : json_object();
	ev->expected = expected;
	return ev;
}

struct cafe_event *
cafe_batch_add(struct cafe_batch *b, const char *stream, long long expected,
    enum cafe_event_type type, json_t *data)
{
	return cafe_batch_add_named(b, stream, expected, cafe_event_name(type), data);
}
