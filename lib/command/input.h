/*
 * input.h - the parsers of what a user or a file hands in as JSON lines:
 * a line of `cafe-order place --batch` and a line of `cafe-log import`.
 * Both refuse duplicate keys ({"product":"latte","product":"mocha"} is no
 * order), unknown or mistyped fields, and say which line is wrong. The
 * fuzz targets in tests/fuzz/ call these same functions.
 */
#ifndef CAFE_INPUT_H
#define CAFE_INPUT_H

#include <jansson.h>
#include "base/cafe.h"
#include "store/log.h"
#include "config/config.h"
#include "domain/order.h"

/*
 * One order as JSON ({"items": [{"product", "qty", "options"}...],
 * "customer", "contact", "address", "note", "key"}, or the older shape
 * with "product", "qty" and "options" in place of items) into *r, its
 * items priced by c's menu; its messages start with where ("stdin:3: ",
 * or "" for a web order). cafe_input_batch_line: a --batch line.
 * r's strings are borrowed from *owner (a new reference the caller
 * releases, also on failure; NULL when nothing was parsed). CAFE_DATAERR for what is not such an object, CAFE_REFUSED for
 * an item not on the menu (items.h). The rest is checked by
 * cafe_place_validate().
 */
int cafe_input_order(const struct cafe_config *c, const char *buf, size_t len,
		const char *where, struct cafe_place_request *r, json_t **owner,
		struct cafe_err *e);
int cafe_input_batch_line(const struct cafe_config *c, const char *buf, size_t len,
		long long line, struct cafe_place_request *r, json_t **owner,
		struct cafe_err *e);

/*
 * The hash chain of an export, as its lines are read: each line's hash
 * must link it to the line before (to the chain's start for seq 1; the
 * first line of an export that starts later is taken as it says).
 * Start with it zeroed.
 */
struct cafe_import_chain {
	long long seq;              /* of the line before; 0: none yet */
	char prev[65];              /* its hash */
};

/*
 * One line of an export ({seq, id, stream, version, type, data, meta, ts,
 * hash}) checked against the event catalogue (catalogue.h) and added to b
 * with its version as the expected one. With chain (NULL: --rechain, no
 * check), a line without a hash or whose hash does not link it is
 * refused: "event SEQ: broken link". CAFE_DATAERR "stdin:LINE: ...".
 */
int cafe_input_import_line(struct cafe_batch *b, const char *buf, size_t len,
		long long line, struct cafe_import_chain *chain, struct cafe_err *e);

#endif
