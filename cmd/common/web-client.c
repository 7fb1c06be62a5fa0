/*
 * web-client.c - who is asking cafe-web (web-client.h): the peer, or
 * behind a trusted proxy the client it forwards for; and how many pages
 * each client watches at once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "web-client.h"

/* The first bits of an address against a block of trusted_proxies. */
static int
in_block(const struct cafe_cidr *n, int family, const unsigned char *a)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (n->family != family || memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((n->addr[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* text as an address (IPv4, IPv6, IPv4 in IPv6) in family and a[]. */
static int
parse_addr(const char *text, int *family, unsigned char a[16])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, text, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(a, v4mapped, 12) == 0) {
		memmove(a, a + 12, 4);
		*family = AF_INET;
	}
	return 0;
}

static int
trusted(const struct cafe_config *c, const char *text)
{
	unsigned char a[16];
	int family;

	if (parse_addr(text, &family, a) != 0)
		return 0;
	for (size_t i = 0; i < c->web.nproxies; i++)
		if (in_block(&c->web.proxies[i], family, a))
			return 1;
	return 0;
}

/* Who is asking: the peer's address; from a trusted proxy, the nearest
 * address in X-Forwarded-For that is not one of the trusted proxies. */
void
cafe_web_client(struct MHD_Connection *c, const struct cafe_config *cfg, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *xff;
	char *list, *p;

	snprintf(buf, n, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)n);
	if (!trusted(cfg, buf) ||
	    !(xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")))
		return;
	list = cafe_xstrdup(xff);
	while ((p = strrchr(list, ',')) || *list) {
		char *one = p ? p + 1 : list;
		unsigned char a[16];
		int family;

		one += strspn(one, " \t");
		one[strcspn(one, " \t")] = '\0';
		if (parse_addr(one, &family, a) != 0)
			break;          /* not an address: stop at the last good one */
		inet_ntop(family, a, buf, (socklen_t)n);
		if (!trusted(cfg, buf) || !p)
			break;
		*p = '\0';
	}
	free(list);
}


/* --- pages watched at once --- */

static struct {
	pthread_mutex_t mu;
	struct watcher {
		char client[INET6_ADDRSTRLEN];
		int n;
	} *w;
	size_t n, cap;
} watch = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

int
cafe_web_watch_take(const char *client)
{
	size_t i;
	int ok = 1;

	pthread_mutex_lock(&watch.mu);
	for (i = 0; i < watch.n && strcmp(watch.w[i].client, client) != 0; i++)
		;
	if (i == watch.n) {
		if (watch.n == watch.cap) {
			watch.cap = watch.cap ? 2 * watch.cap : 64;
			watch.w = cafe_xrealloc(watch.w, watch.cap * sizeof *watch.w);
		}
		cafe_strcopy(watch.w[i].client, sizeof watch.w[i].client, client);
		watch.w[i].n = 0;
		watch.n++;
	}
	if (watch.w[i].n >= CAFE_WEB_WATCHES)
		ok = 0;
	else
		watch.w[i].n++;
	pthread_mutex_unlock(&watch.mu);
	return ok;
}

void
cafe_web_watch_give(const char *client)
{
	pthread_mutex_lock(&watch.mu);
	for (size_t i = 0; i < watch.n; i++) {
		if (strcmp(watch.w[i].client, client) != 0)
			continue;
		/* The last page closed: its place goes to the last client. */
		if (--watch.w[i].n <= 0)
			watch.w[i] = watch.w[--watch.n];
		break;
	}
	pthread_mutex_unlock(&watch.mu);
}
