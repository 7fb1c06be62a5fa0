/*
 * processor.h - talking to a payment processor (DESIGN §5).
 *
 * Two kinds: `sim`, built in, which keeps its own ledger in the database
 * file (table sim_ledger, not part of the event log: it stands for the
 * processor's books), and `command`, which runs a program (argv, no shell)
 * with one JSON request on stdin and reads one JSON reply on stdout under a
 * timeout that kills its whole process group.
 *
 * Every request carries an idempotency key. The same key twice gets the
 * first answer and moves no money again; both kinds honour that.
 */
#ifndef CAFE_PROCESSOR_H
#define CAFE_PROCESSOR_H

#include "store/store.h"
#include "base/cafe.h"
#include "config/config.h"

enum cafe_pay_op { CAFE_PAY_CHARGE, CAFE_PAY_REFUND, CAFE_PAY_VOID };

struct cafe_pay_request {
	enum cafe_pay_op op;
	const char *key;         /* idempotency key */
	long long order_id;
	long long amount;
	const char *currency;
	const char *channel;     /* "web": a customer's own order; NULL: not said */
};

enum cafe_pay_outcome { CAFE_PAY_APPROVED, CAFE_PAY_DECLINED };

struct cafe_pay_reply {
	enum cafe_pay_outcome outcome;
	char ref[128];           /* approved: the processor's reference */
	char reason[256];        /* declined: why */
	long long elapsed_ms;    /* how long the call took, failures too */
};

const char *cafe_pay_op_name(enum cafe_pay_op op);

/*
 * One call to the configured processor. Returns 0 with an approved or
 * declined reply, or CAFE_UNAVAILABLE when the processor failed: timeout,
 * crash, non-zero exit, unreadable reply, or the sim's failure_rate.
 * rep->elapsed_ms is set either way. db is the log's connection (the sim
 * keeps its ledger there, in its own transaction); the caller must not be
 * inside a transaction.
 */
int cafe_processor_call(const struct cafe_config *c, struct cafe_db *db,
		const struct cafe_pay_request *req, struct cafe_pay_reply *rep,
		struct cafe_err *e);

#endif
