/*
 * link.h - the customer's own link to an order: an unguessable token per
 * order, so that a sequential order id never reveals anyone's order.
 *
 * A token is "ID-MAC": the order id, and 128 bits of HMAC-SHA-512-256
 * (libsodium's crypto_auth) of it under a key of 256 random bits kept in
 * the database (table web_key, made by the first placement that asks, and
 * never in the log: an export carries no key, and a log imported anew
 * makes new links). Checking a token costs the same whether the order
 * exists or not, and compares in constant time. Losing the key (a new
 * database) only breaks links; rotating it is deleting its row.
 */
#ifndef CAFE_LINK_H
#define CAFE_LINK_H
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

#define CAFE_LINK_TOKEN 64      /* bytes a token takes, with its NUL */

/* The token of order_id into out; with make, the key is made when the
 * database has none (a write: outside any transaction). 0, and out empty
 * when there is no key and make is 0; a status on a database error. */
int cafe_link_token(struct cafe_log *log, long long order_id, int make,
		char out[CAFE_LINK_TOKEN], struct cafe_err *e);
/* The order a token names, 0 when it names none (malformed, another
 * database's, or made up), or -1 when the key cannot be read (the
 * database is unreachable for now: not a page that does not exist). */
long long cafe_link_order(struct cafe_log *log, const char *token);
/* The page's address: the config's web.url (else http://127.0.0.1:8080),
 * "/o/", the token. "" when token is "". */
void cafe_link_url(const struct cafe_config *c, const char *token, char *buf, size_t n);

/*
 * A rider's own page (cafe-web /r/TOKEN): the token is the rider's name
 * (base64url) and 128 bits of HMAC of "rider:" and the name under the same
 * key, so that only a link the shop printed names a rider. The key is
 * made when the database has none. cafe_rider_of: 1 with the name in
 * name when the token is a rider's, 0 when not, -1 when the key cannot
 * be read.
 */
#define CAFE_RIDER_TOKEN 1200
int cafe_rider_token(struct cafe_log *log, const char *rider, char out[CAFE_RIDER_TOKEN],
		struct cafe_err *e);
int cafe_rider_of(struct cafe_log *log, const char *token, char *name, size_t n);
void cafe_rider_url(const struct cafe_config *c, const char *token, char *buf, size_t n);

#endif
