/*
 * web-client.h - who is asking cafe-web. A client is the peer's address;
 * a peer that web.trusted_proxies lists is a reverse proxy, and the client
 * is then the nearest address in X-Forwarded-For that is not a trusted
 * proxy (the rest of that header is anyone's to write). Orders per minute
 * (web-order.c) and pages watched at once are counted per client.
 */
#ifndef CAFE_WEB_CLIENT_H
#define CAFE_WEB_CLIENT_H

#include <stddef.h>

#include <microhttpd.h>

#include "config/config.h"

/* Pages (event streams) one client may watch at once. */
#define CAFE_WEB_WATCHES 128

/* The client of a request, as an address in buf (>= INET6_ADDRSTRLEN). */
void cafe_web_client(struct MHD_Connection *c, const struct cafe_config *cfg, char *buf,
		size_t n);

/* A place for one more page client watches: 1, or 0 when it watches
 * CAFE_WEB_WATCHES already. Each place taken is given back once. */
int cafe_web_watch_take(const char *client);
void cafe_web_watch_give(const char *client);

#endif
