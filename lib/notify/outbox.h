/*
 * outbox.h - the customer's messages (cafe-notify): the outbox folded from
 * the notify-ID streams, the sender that carries each message to the
 * configured channels, and requeueing.
 *
 * A message is born as NotificationQueued {order_id, message_id, event,
 * customer, text} (the daemon's notify policy writes it). The sender
 * records every attempt on the message's stream:
 *   NotificationSent   {order_id, message_id, channel, attempt, first}
 *   NotificationFailed {order_id, message_id, channel, attempt, error, dead}
 *   NotificationRequeued {order_id, message_id}   (cafe-notify retry)
 * `first` is true on the first successful send of the message on any
 * channel, so an order's `messages` count counts each message once.
 *
 * Channels: each configured channel (notify.channels) gets every message
 * once; with none configured, messages go to stdout. A channel is named
 * "stdout", "file:PATH" or "command:ARGV..." in the events. A message goes
 * to the channels configured when it is first sent; its retries go to the
 * channels that failed (a channel added later does not get old messages;
 * a failed channel removed from the config makes the message dead).
 *
 * Guarantees:
 *  - at least once to every channel: the outcome of a round is recorded
 *    after the channels have it, in one transaction, so a crash between
 *    the two resends that one message (receivers drop the duplicate by its
 *    stable message_id);
 *  - exactly once in the log: a channel already recorded as sent is never
 *    recorded again, whoever sent it;
 *  - two senders never send one message at once: a sender claims the
 *    message (table notify_claims, under BEGIN IMMEDIATE) before sending.
 *    A claim lasts its lease (long enough for every channel to time out)
 *    or until its holder is seen dead on this host, so a sender killed
 *    mid-send holds nothing up.
 * A failure is retried after backoff_ms * 2^(attempt-1) (at most an hour)
 * until max_attempts; the attempt that reaches it marks the channel dead.
 *
 * The table notify_outbox (one row per message, checkpoint
 * "notify-outbox") is a projection for listing; the streams are the truth.
 * The stdout channel writes to file descriptor 1: it is a channel like a
 * file, the only output of this library.
 */
#ifndef CAFE_OUTBOX_H
#define CAFE_OUTBOX_H

#include <signal.h>
#include <jansson.h>
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

/* One channel of one message, folded from its stream. */
struct cafe_message_channel {
	char *name;                 /* owned */
	int sent;
	int dead;
	int attempts;               /* since the last requeue */
	long long last_ms;          /* time of the last attempt */
	char *error;                /* owned; the last failure, or NULL */
};

struct cafe_message {
	char *message_id;           /* owned; NULL until NotificationQueued */
	char *stream;               /* owned */
	long long order_id;
	long long seq;              /* of the NotificationQueued */
	long long version;          /* of the stream */
	char queued_id[33];         /* event id of NotificationQueued */
	char *event, *customer, *text;      /* owned */
	char *contact;              /* owned; NULL: the order gave none */
	char queued_at[32], updated_at[32];
	struct cafe_message_channel *ch;    /* owned */
	size_t nch;
	int ever_sent;              /* some channel sent it, ever */
};

void cafe_message_init(struct cafe_message *m);
void cafe_message_release(struct cafe_message *m);
/* Folds one event of a notify stream. */
void cafe_message_apply(struct cafe_message *m, const struct cafe_event *ev);
/* Borrowed: "queued" (no channel tried yet, or requeued), "failed" (a
 * channel waits for a retry), "sent" (every channel has it) or "dead"
 * (nothing left to try and a channel gave up). */
const char *cafe_message_status(const struct cafe_message *m);

/* The event name of a channel (new string). */
char *cafe_channel_name(const struct cafe_channel *ch);

/* What the sender tells its caller about each attempt (borrowed fields). */
struct cafe_send_report {
	const char *message_id;
	long long order_id;
	const char *channel;
	int attempt, max_attempts;
	int ok, dead;
	const char *error;          /* NULL when ok */
};

struct cafe_send_opts {
	int once;                   /* work off what is due, then return */
	int timeout_ms;             /* per command channel call */
	volatile sig_atomic_t *stop;/* set by a signal: finish the message, return */
	void (*report)(void *arg, const struct cafe_send_report *r);
	/* Running on (not once): a database error that is waited out. */
	void (*warn)(void *arg, const struct cafe_err *e);
	void *arg;
};

struct cafe_send_stats {
	long long sent, failed, dead;   /* channel attempts */
};

/*
 * Sends what is queued and what is due for a retry. With o->once it
 * returns when nothing more is due now (a retry whose backoff has not
 * passed waits for the next run); otherwise it waits for new messages
 * (cafe_log_wait) and retries as they come due, until *o->stop is set.
 * Channel failures are recorded, not returned: the status is about the
 * database (CAFE_IOERR, CAFE_TEMPFAIL). Running on, those are reported to
 * o->warn and waited out (0.5 s, doubling up to 30 s) instead. Must not be
 * inside a transaction.
 */
int cafe_outbox_send(const struct cafe_config *c, struct cafe_log *log,
		const struct cafe_send_opts *o, struct cafe_send_stats *st,
		struct cafe_err *e);

/* Brings notify_outbox up to the log's head (own write transactions; does
 * nothing on a read-only database). */
int cafe_outbox_catch_up(struct cafe_log *log, struct cafe_err *e);

struct cafe_outbox_query {
	const char *status;         /* queued|sent|failed|dead, or NULL */
	long long order_id;         /* 0: any */
};

/* Calls fn with one JSON object per message (borrowed), oldest first:
 * message_id, order_id, event, customer, text, status, attempts, error,
 * channels [{channel, status, attempts, error}], queued_at, updated_at. */
int cafe_outbox_list(struct cafe_log *log, const struct cafe_outbox_query *q,
		int (*fn)(json_t *row, void *arg), void *arg, struct cafe_err *e);

/*
 * Requeues a failed or dead message: NotificationRequeued resets the
 * attempts of its channels not yet sent, and the sender tries them at
 * once. CAFE_REFUSED for an unknown message and for one that is queued
 * or sent (nothing to retry).
 */
int cafe_outbox_retry(struct cafe_log *log, const char *message_id,
		struct cafe_err *e);
/* Requeues every dead message; fn (may be NULL) gets each message id. */
int cafe_outbox_retry_dead(struct cafe_log *log,
		int (*fn)(const char *message_id, void *arg), void *arg,
		long long *count, struct cafe_err *e);

#endif
