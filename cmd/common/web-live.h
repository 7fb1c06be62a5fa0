/*
 * web-live.h - what keeps cafe-web's pages live: the commits the log's
 * watcher heard (a generation), which orders each of them touched, the
 * pages already made, and the event streams that follow them.
 *
 * A commit's events are read once, by the watcher (cafe_live_commit), and
 * their orders marked: an order's page is made again, and sent to those
 * watching it, only when a commit touched that order; the board's stream
 * follows every commit. Orders whose ids share one of the marks' slots
 * are made again together: a page is made too often, never too seldom.
 */
#ifndef CAFE_WEB_LIVE_H
#define CAFE_WEB_LIVE_H

#include <stdatomic.h>

#include <microhttpd.h>

#include "store/log.h"

/* Starts following the log after seq (its head now); a stream sends a
 * comment at least every ping_ms; *stop set ends every stream. */
void cafe_live_init(long long seq, long long ping_ms, atomic_int *stop);
/* The watcher heard a commit: reads its events from log, marks their
 * orders, wakes the streams. Only the watcher's thread calls it. */
void cafe_live_commit(struct cafe_log *log);
/* Wakes every stream, to end once *stop is set. */
void cafe_live_wake(void);
/* Frees the pages kept, once no stream or request runs. */
void cafe_live_free(void);
/* Commits heard so far. */
long long cafe_live_generation(void);

/* Pages already made: kind tells apart the forms of one order's page (its
 * JSON, its HTML in each language); a page made at generation g is kept
 * until a commit touches its order. get: a copy, or NULL. */
char *cafe_live_page_get(long long id, int kind);
void cafe_live_page_put(long long id, int kind, long long g, const char *body);

/* What a stream sends: the board's (id 0) or an order's state now as
 * the data of an event, in lang; NULL when it cannot be read (the stream
 * then ends). Malloc'd. */
typedef char *cafe_live_state_fn(long long id, const char *lang);

/* An event stream of the board (id 0) or of one order, for client (who
 * may watch CAFE_WEB_WATCHES pages at once: past that 429) reading lang. */
enum MHD_Result cafe_live_stream(struct MHD_Connection *c, long long id, const char *client,
		const char *lang, cafe_live_state_fn *state);

#endif
