/*
 * log-priv.h - what the log (log.c) and its storage backends share: the
 * log handle and what a backend does that SQL alone does not say the same
 * way on every engine. log.c holds everything that is the same on every
 * engine (batches, appends and the chain, reads, waiting, verification)
 * and talks to the tables through store.h; a backend opens the database,
 * keeps its schema, takes the write lock and says when someone appended.
 * Only log.c and the backend files include this.
 */
#ifndef CAFE_LOG_PRIV_H
#define CAFE_LOG_PRIV_H

#include "log.h"
#include "store.h"

struct cafe_log;

struct log_backend {
	/* Opens log->path as the flags say (the file or the database made
	 * when missing and allowed), sets log->store and log->be_state, and
	 * makes or migrates the schema. On failure it leaves nothing open. */
	int (*open)(struct cafe_log *log, int flags, struct cafe_err *e);
	void (*close)(struct cafe_log *log);
	/* BEGIN, holding the log's write lock from the start: appends are
	 * serialised, so `seq` is gap-free and never commits out of order. */
	int (*begin)(struct cafe_log *log);
	void (*rollback)(struct cafe_log *log);
	/* Storage housekeeping (SQLite: the WAL); the frames left, 0 when none. */
	long long (*checkpoint)(struct cafe_log *log, int empty);
	/* The size the log takes, in bytes; -1 with e set. */
	long long (*bytes)(struct cafe_log *log, struct cafe_err *e);
	/* The schema version the database says it has (0: none). */
	int (*version)(struct cafe_log *log, int *v, struct cafe_err *e);
	/* A count that is 1 when every append-only trigger is in place. */
	const char *append_only_sql;
	/* The SELECT of cafe_log_verify: seq, data is an object (1/0), meta is
	 * an object, length(id), type, ts, id, stream, version, data, meta,
	 * hash, in seq order. */
	const char *verify_select;
	/* The conditions on meta that the log's indexes serve (each with one
	 * parameter): the events of a correlation id, of an idempotency key. */
	const char *where_correlated, *where_key;
	/* An event's shop, as the log's index of shops has it (DESIGN §15). */
	const char *shop_of;
	/* A descriptor that becomes readable when someone may have appended
	 * (-1: none, poll instead); drain reads what it says, 1 when it said
	 * something. quick_recheck: a commit becomes visible only a little
	 * after the descriptor fires, so look again soon. */
	int (*wake_fd)(struct cafe_log *log);
	int (*drain)(struct cafe_log *log);
	int quick_recheck;
	/* How an event goes in; a version taken inserts nothing (not an
	 * error, which would spoil a PostgreSQL transaction).
	 * insert_sql: an INSERT of id, stream, version, type, data, meta, ts,
	 * seq and hash, the link computed here (lib/event/chain.c). insert_checks:
	 * it takes a tenth, the version the stream must be at (NULL: none),
	 * and checks it itself, so that an expected version costs no look of
	 * its own (a round trip on a server); without it log.c looks first (a
	 * local read on SQLite is cheaper than a subquery in every INSERT).
	 * append_call (or NULL): for one event alone, outside a transaction,
	 * a call of id, stream, version, type, data, meta, ts and the version
	 * to be at (NULL: none) that checks, locks, links the event on the
	 * server and answers one row (seq, hash), NULLs when it inserted
	 * nothing: a whole append in one round trip. */
	const char *insert_sql;
	int insert_checks;
	const char *append_call;
	/* The SELECT of cafe_log_export: seq, id, stream, version, type,
	 * data, meta, ts, 1 when data and meta are JSON objects (the
	 * engine's own check: no decoding here), and hash, for seq > ?, in
	 * seq order. */
	const char *export_select;
	/* A statement whose one row is "ok" when the storage itself is sound
	 * (NULL: the server keeps its own pages and checks them). */
	const char *integrity_sql;
};

struct cafe_log {
	const struct log_backend *be;
	void *be_state;             /* the backend's own */
	struct cafe_db *store;      /* the connection, as store.h's */
	char *path;                 /* a file path, or a connection URI */
	char tool[64];
	int readonly;
	int created;                /* this open created the file */
	int in_txn;
	int link_known;             /* in this transaction, the newest event is */
	long long link_seq;         /* link_seq, its hash link_hash (a backend's */
	char link_hash[65];         /* begin may read them; each append sets them) */
	char server_ts[32];         /* the server's clock, read by the backend's
	                             * begin under the lock: this transaction's
	                             * events' ts ("": the host's clock) */
	struct cafe_stmt *ins;      /* cached INSERT INTO events */
	struct cafe_stmt *call;     /* cached append_call */
	struct cafe_stmt *ver;      /* cached stream version lookup */
	struct cafe_stmt *head;     /* cached head lookup of cafe_log_wait */
	struct cafe_stmt *last;     /* cached: the newest event's seq and hash */
	long long woke_us;          /* cafe_log_wait: when the backend last said "appended" */
	char *meta_who;             /* the actor, tool and host part of meta */
	char *shop;                 /* meta.shop of its events; NULL: "main" */
	char *meta_shop;            /* the shop part of meta, made from it */
	char id_prefix[13];         /* random, per handle: the middle of event ids */
	unsigned id_count;          /* the end of event ids */
};

extern const struct log_backend cafe_log_sqlite_backend;
extern const struct log_backend cafe_log_pg_backend;

/* log.c, for a backend's migrations: every event's link, in seq order. */
int cafe_log_chain_all(struct cafe_log *log, struct cafe_err *e);
/* One number from sql (with one text parameter, or none); -1 with e set. */
long long cafe_log_query_ll(struct cafe_log *log, const char *sql, const char *param,
		struct cafe_err *e);
/* CAFE_IOERR "... newer than this cafe understands" when v is. */
int cafe_log_too_new(struct cafe_log *log, int v, struct cafe_err *e);
/* A result code of log->store as a status, naming the log. */
int cafe_log_db_status(struct cafe_log *log, int rc, struct cafe_err *e, const char *what);

/* Shared by the log's files (log.c, log-append.c, log-read.c,
 * log-wait.c, log-verify.c). prepare_cached reuses *st when it is set. */
int cafe_log_prepare(struct cafe_log *log, const char *sql, struct cafe_stmt **st,
		struct cafe_err *e);
int cafe_log_prepare_cached(struct cafe_log *log, struct cafe_stmt **st, const char *sql,
		struct cafe_err *e);
/* CAFE_IOERR: the log was opened read-only. */
int cafe_log_refuse_readonly(const struct cafe_log *log, struct cafe_err *e);

#endif
