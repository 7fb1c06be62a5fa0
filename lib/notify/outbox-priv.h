/*
 * outbox-priv.h - what the two halves of the outbox share (outbox.h is the
 * public side): lib/notify/outbox.c, the fold of a notify stream, the
 * notify_outbox projection, listing and requeueing; lib/notify/send.c, the
 * channels, the claims and the sender's loop. Functions one calls in the
 * other are named ob_*.
 */
#ifndef CAFE_OUTBOX_PRIV_H
#define CAFE_OUTBOX_PRIV_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/child.h"
#include "outbox.h"
#include "view/projection.h"

int ob_message_load(struct cafe_log *log, const char *stream, struct cafe_message *m,
		struct cafe_err *e);
int ob_sql_status(struct cafe_db *db, int rc, struct cafe_err *e, const char *what);
int ob_ensure_schema(struct cafe_log *log, struct cafe_err *e);

#endif
