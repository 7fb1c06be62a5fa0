/*
 * gate.c - holds new connections until their headers arrive (gate.h).
 *
 * One thread, one epoll set: the listening socket, a pipe that says stop,
 * and the waiting connections, edge-triggered (a peek leaves the bytes
 * where they are, so a level-triggered wait would wake at once again).
 * The waiting are kept in the order they came, so that the oldest is
 * both the first due and the first shed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

/* A request's headers larger than this go to the server as they are:
 * it refuses them (its memory limit) in its own words. */
#define PEEK_MAX 16384

struct waiting {
	int fd;
	long long due_ms;
	struct sockaddr_storage addr;
	socklen_t len;
};

struct cafe_gate {
	int listen_fd, ep, stop[2];
	long long header_ms;
	int max;
	struct waiting *w;      /* oldest first */
	int n;
	cafe_gate_hand_fn *hand;
	void *arg;
	pthread_t thread;
	int joined;
};

static void
drop(struct cafe_gate *g, int i, int hand)
{
	struct waiting it = g->w[i];

	epoll_ctl(g->ep, EPOLL_CTL_DEL, it.fd, NULL);
	memmove(&g->w[i], &g->w[i + 1], (size_t)(g->n - i - 1) * sizeof *g->w);
	g->n--;
	if (hand)
		g->hand(g->arg, it.fd, (struct sockaddr *)&it.addr, it.len);
	else
		close(it.fd);
}

/* Accepts what is there; when too many wait, the oldest makes room. */
static void
take(struct cafe_gate *g)
{
	for (;;) {
		struct waiting it;
		struct epoll_event ev;

		it.len = sizeof it.addr;
		it.fd = accept4(g->listen_fd, (struct sockaddr *)&it.addr, &it.len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (it.fd < 0) {
			/* Out of descriptors: the oldest waiting gives one back
			 * (with none waiting, the next wake-up tries again). */
			if ((errno == EMFILE || errno == ENFILE) && g->n > 0) {
				drop(g, 0, 0);
				continue;
			}
			if (errno == EMFILE || errno == ENFILE)
				nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
			return;
		}
		if (g->n == g->max)
			drop(g, 0, 0);
		it.due_ms = cafe_mono_ms() + g->header_ms;
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.fd = it.fd;
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, it.fd, &ev) != 0) {
			close(it.fd);
			continue;
		}
		g->w[g->n++] = it;
	}
}

/* Has connection i sent its headers (or closed, or sent too much)? */
static void
look(struct cafe_gate *g, int i)
{
	static char buf[PEEK_MAX];
	ssize_t n = recv(g->w[i].fd, buf, sizeof buf, MSG_PEEK);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		drop(g, i, 0);
	else if (n == (ssize_t)sizeof buf || (n > 0 && memmem(buf, (size_t)n, "\r\n\r\n", 4)))
		drop(g, i, 1);
}

static int
find(const struct cafe_gate *g, int fd)
{
	for (int i = 0; i < g->n; i++)
		if (g->w[i].fd == fd)
			return i;
	return -1;
}

static void *
gate_main(void *arg)
{
	struct cafe_gate *g = arg;
	struct epoll_event evs[64];
	int draining = 0;

	for (;;) {
		long long now = cafe_mono_ms();
		int timeout = -1, k;

		while (g->n > 0 && g->w[0].due_ms <= now)
			drop(g, 0, 0);
		if (draining && g->n == 0)
			return NULL;
		if (g->n > 0)
			timeout = (int)(g->w[0].due_ms - now);
		k = epoll_wait(g->ep, evs, 64, timeout);
		for (int j = 0; j < k; j++) {
			int fd = evs[j].data.fd, i;
			char why = 's';

			if (fd == g->stop[0] && (read(fd, &why, 1) != 1 || why != 'd'))
				return NULL;
			if (fd == g->stop[0] && !draining) {
				/* Drain: no more from the socket; the waiting finish. */
				draining = 1;
				epoll_ctl(g->ep, EPOLL_CTL_DEL, g->listen_fd, NULL);
				continue;
			}
			if (fd == g->stop[0])
				continue;
			if (fd == g->listen_fd)
				take(g);
			else if ((i = find(g, fd)) >= 0)
				look(g, i);
		}
	}
}

int
cafe_gate_start(struct cafe_gate **out, int fd, long long header_ms, int max_waiting,
    cafe_gate_hand_fn *hand, void *arg, struct cafe_err *e)
{
	struct cafe_gate *g = calloc(1, sizeof *g);
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	*out = NULL;
	if (!g || !(g->w = calloc((size_t)max_waiting, sizeof *g->w))) {
		free(g);
		return cafe_err_set(e, CAFE_IOERR, "out of memory");
	}
	g->listen_fd = fd;
	g->header_ms = header_ms;
	g->max = max_waiting;
	g->hand = hand;
	g->arg = arg;
	g->stop[0] = g->stop[1] = -1;
	if ((g->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || pipe2(g->stop, O_CLOEXEC) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	ev.data.fd = fd;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		goto fail;
	ev.data.fd = g->stop[0];
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->stop[0], &ev) != 0)
		goto fail;
	if ((rc = pthread_create(&g->thread, NULL, gate_main, g)) != 0) {
		errno = rc;
		goto fail;
	}
	*out = g;
	return 0;
fail:
	rc = cafe_err_set(e, CAFE_IOERR, "cannot start the server's gate: %s", strerror(errno));
	if (g->ep >= 0)
		close(g->ep);
	if (g->stop[0] >= 0) {
		close(g->stop[0]);
		close(g->stop[1]);
	}
	free(g->w);
	free(g);
	return rc;
}

void
cafe_gate_drain(struct cafe_gate *g)
{
	if (g && !g->joined && write(g->stop[1], "d", 1) == 1) {
		pthread_join(g->thread, NULL);
		g->joined = 1;
	}
}

void
cafe_gate_stop(struct cafe_gate *g)
{
	if (!g)
		return;
	if (!g->joined && write(g->stop[1], "s", 1) == 1)
		pthread_join(g->thread, NULL);
	while (g->n > 0)
		drop(g, 0, 0);
	close(g->ep);
	close(g->stop[0]);
	close(g->stop[1]);
	free(g->w);
	free(g);
}

int
cafe_gate_listen_address(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    struct cafe_err *e)
{
	char host[256], *port;
	struct addrinfo hints, *ai = NULL;
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof host)
		return cafe_err_set(e, CAFE_USAGE, "--listen wants ADDRESS:PORT, such as "
		    "127.0.0.1:8080 or [::1]:8080");
	memcpy(host, s, n + 1);
	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (!end || end[1] != ':')
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not [ADDRESS]:PORT", s);
		*end = '\0';
		port = end + 2;
		memmove(host, host + 1, strlen(host + 1) + 1);
	} else {
		if (!(port = strrchr(host, ':')))
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not ADDRESS:PORT", s);
		*port++ = '\0';
	}
	{
		long long p;

		if (cafe_parse_ll(port, 1, 65535, &p) != 0)
			return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not a port "
			    "(1 to 65535)", port);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return cafe_err_set(e, CAFE_USAGE, "--listen: '%s' is not a numeric address "
		    "(such as 127.0.0.1, 0.0.0.0 or ::1)", host);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}
