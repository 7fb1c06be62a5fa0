/*
 * gate.h - the door in front of a server's threads (gate.c).
 *
 * A thread per connection is cheap for a few hundred phones and costly
 * for a flood of connections that never finish their request (slowloris):
 * each holds a thread and a place under the connection limit while real
 * customers wait. The gate accepts every connection itself and holds it,
 * without a thread, until its request's headers have arrived (peeked, not
 * read: the server reads them again). Only then is it handed over. A
 * connection whose headers have not arrived within the deadline is closed;
 * when too many wait, the oldest waiting is closed first. A connection
 * once handed over (an event stream watching an order) is the server's and
 * is never shed for them.
 */
#ifndef CAFE_GATE_H
#define CAFE_GATE_H

#include <sys/socket.h>

#include "base/cafe.h"

struct cafe_gate;

/* Takes a connection whose headers have arrived; owns fd from then on. */
typedef void cafe_gate_hand_fn(void *arg, int fd, const struct sockaddr *addr,
		socklen_t len);

/* Starts the gate's thread on listening socket fd (which stays the
 * caller's): headers due within header_ms, at most max_waiting held. */
int cafe_gate_start(struct cafe_gate **g, int fd, long long header_ms, int max_waiting,
		cafe_gate_hand_fn *hand, void *arg, struct cafe_err *e);
/* Stops accepting and waits until each connection that waits has been
 * handed over or has run out of time (header_ms at most): a restart that
 * keeps the listening socket (socket activation) drops nobody, since
 * what comes meanwhile queues on the socket for the next process. */
void cafe_gate_drain(struct cafe_gate *g);
/* Stops the thread and closes what still waits. */
void cafe_gate_stop(struct cafe_gate *g);

/* --listen's ADDRESS:PORT (or [ADDRESS]:PORT), numeric only, into *ss;
 * CAFE_USAGE with a line that shows the form wanted. */
int cafe_gate_listen_address(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		struct cafe_err *e);

#endif
