/*
 * event.h - an event and a batch of them (cafe-log(5)): what every layer
 * above passes around, with no storage behind it. The log (store/log.h)
 * appends batches and reads events; the catalogue (catalogue.h) says
 * which types there are.
 */
#ifndef CAFE_EVENT_H
#define CAFE_EVENT_H

#include <jansson.h>

#include "base/cafe.h"
#include "catalogue.h"

/* The shop of a log that names none: a single café (DESIGN §15). */
#define CAFE_SHOP_MAIN "main"

/* Expected stream versions for cafe_batch_add(). */
#define CAFE_ANY_VERSION  (-1LL)   /* append wherever the stream is */
#define CAFE_NO_STREAM    0LL      /* the stream must not exist yet */

struct cafe_event {
	long long seq;          /* 0 until appended */
	char id[33];            /* 128 bits, hex; set on append if empty */
	char *stream;           /* owned */
	long long version;      /* set on append */
	char *type;             /* owned: the type's name as the log keeps it */
	enum cafe_event_type kind; /* the catalogue's type (UNKNOWN for a name it
	                         * does not have): what code looks at */
	json_t *data;           /* owned: a JSON object */
	json_t *meta;           /* owned: a JSON object; filled on append if NULL.
	                         * NULL on an event read from the log: use
	                         * cafe_event_meta() */
	char *meta_text;        /* owned: meta as read, parsed only on demand */
	char ts[32];            /* RFC 3339 UTC ms; set on append if empty */
	long long expected;     /* for appends: CAFE_ANY_VERSION, CAFE_NO_STREAM or N */
};

/* Frees the members (not ev itself). */
void cafe_event_release(struct cafe_event *ev);
/* *dst becomes a copy of *src that owns its members (release it). */
void cafe_event_copy(struct cafe_event *dst, const struct cafe_event *src);
/* The event's meta, parsed from meta_text when it was read (most readers
 * never look at it); an empty object when there is none. New reference. */
json_t *cafe_event_meta(const struct cafe_event *ev);
/* The shop the event happened in: its meta.shop, CAFE_SHOP_MAIN for an
 * event that names none (written before shops were). Into buf. */
const char *cafe_event_shop(const struct cafe_event *ev, char *buf, size_t n);
/* Event data as stored (JSON text) as an object: the usual flat objects
 * read directly, anything else through jansson. NULL when it is not a
 * JSON object. New reference. */
json_t *cafe_event_data_parse(const char *text);
/* The event as the JSON object of `cafe-log export` (seq, id, stream,
 * version, type, data, meta, ts). New reference. */
json_t *cafe_event_json(const struct cafe_event *ev);

/*
 * A batch: the events of one command. correlation_id and causation_id go
 * into the meta of every event that has none; key (an idempotency key) is
 * stored in the meta of the first event so cafe_log_read_key() finds it.
 */
struct cafe_batch {
	struct cafe_event *ev;
	size_t n, cap;
	char correlation_id[40];
	char causation_id[40];
	char key[256];
	char shop[168];         /* meta.shop of its events; "": the log's */
	size_t failed;          /* set by a failed append: the index of the event */
};

void cafe_batch_init(struct cafe_batch *b);
void cafe_batch_release(struct cafe_batch *b);
/* Adds an event; steals data. Returns the event (borrowed) to adjust. */
struct cafe_event *cafe_batch_add(struct cafe_batch *b, const char *stream,
		long long expected, enum cafe_event_type type, json_t *data);
/* The same for an event whose type is a name from outside (an import, a
 * test): the catalogue decides whether it may be appended. */
struct cafe_event *cafe_batch_add_named(struct cafe_batch *b, const char *stream,
		long long expected, const char *type, json_t *data);

#endif
