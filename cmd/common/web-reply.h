/*
 * web-reply.h - cafe-web's answers: every response carries the same
 * security headers (a Content-Security-Policy that allows no script but
 * the server's own, nosniff, no referrer) and says how long it may be
 * cached.
 */
#ifndef CAFE_WEB_REPLY_H
#define CAFE_WEB_REPLY_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

/* body (len bytes, copied) with the status code; cache NULL is no-store.
 * headers: NULL, or name, value, ... ended by NULL (Location,
 * Retry-After, Allow). */
enum MHD_Result cafe_http_respond(struct MHD_Connection *c, unsigned code, const char *type,
		const char *body, size_t len, const char *cache, const char *const *headers);
/* The Content-Security-Policy every answer carries, for a response made
 * elsewhere (an event stream). */
extern const char cafe_http_csp[];
/* From now on every answer closes its connection (a server stopping). */
void cafe_http_closing(void);
/* A line of text: "404 no such page\n". */
enum MHD_Result cafe_http_text(struct MHD_Connection *c, unsigned code, const char *msg);
/* j as compact JSON (stolen). */
enum MHD_Result cafe_http_json(struct MHD_Connection *c, unsigned code, json_t *j,
		const char *const *headers);
/* A page (freed). */
enum MHD_Result cafe_http_html(struct MHD_Connection *c, unsigned code, char *html);
/* 1 when the request's Accept asks for JSON rather than HTML. */
int cafe_http_wants_json(struct MHD_Connection *c);
/* The customer's language, from the request's Accept-Language ("ko",
 * "en"); fallback (the shop's) when it names neither. */
const char *cafe_http_lang(struct MHD_Connection *c, const char *fallback);

#endif
