/*
 * web-reply.c - cafe-web's answers (web-reply.h).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/lang.h"
#include "web-reply.h"

const char cafe_http_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static atomic_int closing;

void
cafe_http_closing(void)
{
	atomic_store(&closing, 1);
}

enum MHD_Result
cafe_http_respond(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
    size_t len, const char *cache, const char *const *headers)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", cafe_http_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* same-origin, not no-referrer: a browser's form then says its
	 * Origin (with no-referrer it sends "null", which looks foreign). An
	 * order's link never leaves the site. */
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", cache ? cache : "no-store");
	/* A page is HTML or JSON, in the reader's language, as asked. */
	MHD_add_response_header(r, "Vary", "Accept, Accept-Language");
	for (size_t i = 0; headers && headers[i]; i += 2)
		MHD_add_response_header(r, headers[i], headers[i + 1]);
	if (atomic_load(&closing))
		MHD_add_response_header(r, "Connection", "close");
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

enum MHD_Result
cafe_http_text(struct MHD_Connection *c, unsigned code, const char *msg)
{
	return cafe_http_respond(c, code, "text/plain; charset=utf-8", msg, strlen(msg), NULL,
	    NULL);
}

enum MHD_Result
cafe_http_json(struct MHD_Connection *c, unsigned code, json_t *j, const char *const *headers)
{
	char *s = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ok;

	json_decref(j);
	if (!s)
		return cafe_http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory\n");
	ok = cafe_http_respond(c, code, "application/json", s, strlen(s), NULL, headers);
	free(s);
	return ok;
}

enum MHD_Result
cafe_http_html(struct MHD_Connection *c, unsigned code, char *html)
{
	enum MHD_Result ok;

	if (!html)
		return cafe_http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory\n");
	ok = cafe_http_respond(c, code, "text/html; charset=utf-8", html, strlen(html), NULL,
	    NULL);
	free(html);
	return ok;
}

int
cafe_http_wants_json(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return a && strstr(a, "application/json") && !strstr(a, "text/html");
}

const char *
cafe_http_lang(struct MHD_Connection *c, const char *fallback)
{
	return cafe_lang_accept(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Accept-Language"), fallback);
}
