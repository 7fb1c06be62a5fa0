/*
 * log.h - the event log: the one place that knows how events are stored.
 *
 * The storage is a SQLite file (DESIGN §3, lib/store/log-sqlite.c): table
 * `events`, append-only (triggers refuse UPDATE and DELETE), `seq` global
 * and gap-free, `(stream, version)` unique. Programs and domain rules go
 * through this interface only (open, append a batch, read from a
 * position, read a stream, wait for a change); log.c does all of it
 * through store.h, so another backend stands behind log-priv.h.
 *
 * Projections and operational state (order_trace, checkpoints, leases,
 * the breaker) live in other tables of the same file. Their owners reach
 * them with cafe_log_store() (store.h) and create them with CREATE TABLE
 * IF NOT EXISTS inside their own write transactions; none of them is ever
 * a second truth.
 *
 * Writes: cafe_log_begin() takes the write lock up front (SQLite: BEGIN
 * IMMEDIATE), so a read-decide-append sequence inside it cannot be
 * overtaken. All the events of one batch commit together or not at all.
 */
#ifndef CAFE_LOG_H
#define CAFE_LOG_H

#include <stdio.h>

#include <jansson.h>
#include "base/cafe.h"
#include "event/event.h"
#include "store.h"

#define CAFE_SCHEMA_VERSION 2

struct cafe_log;

enum {
	CAFE_LOG_CREATE = 1,       /* create the file and the schema if missing */
	CAFE_LOG_READONLY = 2,     /* never write (no schema creation either) */
	CAFE_LOG_SYNC_NORMAL = 4   /* synchronous=NORMAL instead of FULL */
};

/*
 * Opens the log at path. A file with an older schema is migrated; a newer
 * one is refused (CAFE_IOERR). A missing file without CAFE_LOG_CREATE, a
 * file that is not SQLite, or one without the events table: CAFE_IOERR.
 */
int cafe_log_open(struct cafe_log **out, const char *path, int flags,
		struct cafe_err *e);
void cafe_log_close(struct cafe_log *log);
/* 1 when this open created the file (mode 0660, or 0600 under a umask
 * that denies the group): a command that fails on a log it created may
 * take it away again with cafe_log_remove_files(). */
int cafe_log_created(const struct cafe_log *log);
/* Removes a log's file and its -wal, -shm and -journal (close it first). */
void cafe_log_remove_files(const char *path);
/* The meta an event of a batch gets when it belongs to another story
 * than the batch's (correlation_id), with the usual actor, tool and host:
 * set it as the event's meta before the append. New reference. */
json_t *cafe_log_meta(struct cafe_log *log, const char *correlation_id);
/* Names the program in every event's meta.tool (default "cafe"). */
void cafe_log_set_tool(struct cafe_log *log, const char *tool);
/* Names the shop in every event's meta.shop (DESIGN §15; default
 * CAFE_SHOP_MAIN), unless a batch names its own (cafe_batch.shop). */
void cafe_log_set_shop(struct cafe_log *log, const char *shop);
/* Borrowed: the shop set, or CAFE_SHOP_MAIN. */
const char *cafe_log_shop(const struct cafe_log *log);
/* Now, as the events appended now will say: inside a write transaction
 * on a server, the server's clock read under its lock; else this host's. */
long long cafe_log_now_ms(const struct cafe_log *log);
/* Borrowed: the log's connection as store.h's, for projection and
 * operational tables only, never `events`. */
struct cafe_db *cafe_log_store(struct cafe_log *log);
/*
 * A daemon worker's connection: commits leave the WAL to the daemon's
 * checkpointer (no checkpoint inside a policy's commit), and a busy
 * database is waited out through busy(arg, count), which returns 0 to
 * give up (the call then fails busy) or 1 to try again.
 */
void cafe_log_as_worker(struct cafe_log *log, int (*busy)(void *arg, int count),
		void *arg);
/* Borrowed: the path the log was opened with. */
const char *cafe_log_path(struct cafe_log *log);
/*
 * Copies the WAL back into the database file without waiting for anyone.
 * With empty set it also truncates the WAL to nothing when every frame is
 * copied and no reader still needs one, so that the next program to open
 * the log has no WAL index to rebuild; when someone is in the way it
 * leaves the WAL as it is. Returns the frames left in the WAL (0: empty).
 */
long long cafe_log_checkpoint(struct cafe_log *log, int empty);

/* Write transactions. begin takes the write lock (BEGIN IMMEDIATE); a lock
 * that stays busy past the busy timeout is CAFE_TEMPFAIL. */
int cafe_log_begin(struct cafe_log *log, struct cafe_err *e);
int cafe_log_commit(struct cafe_log *log, struct cafe_err *e);
void cafe_log_rollback(struct cafe_log *log);
/* 1 while a transaction of ours is open. */
int cafe_log_in_txn(struct cafe_log *log);

/*
 * Appends the batch inside the open write transaction: checks each event's
 * expected version against the stream, assigns seq, version, id, ts and
 * meta. A version conflict returns CAFE_TEMPFAIL with e->status set to
 * CAFE_TEMPFAIL and a message naming the stream; the caller decides whether
 * to retry from a fresh read (cafe_log_transact does) or to report it.
 * On success the batch's events carry their seq and version.
 */
int cafe_log_append(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e);
/* The end of a command that built b: appends it when status is 0 (what
 * the command decided so far), releases it either way, and returns the
 * status. */
int cafe_log_append_done(struct cafe_log *log, struct cafe_batch *b, int status,
		struct cafe_err *e);
/* begin + append + commit; rolls back on any error. */
int cafe_log_append_batch(struct cafe_log *log, struct cafe_batch *b, struct cafe_err *e);

/*
 * Runs fn inside a write transaction and commits what it appended. fn reads,
 * decides and appends; it returns 0, or a status to roll back with. A
 * version conflict inside fn rolls back and runs fn again from a fresh read
 * (a few times), so no write is lost.
 */
int cafe_log_transact(struct cafe_log *log,
		int (*fn)(struct cafe_log *log, void *arg, struct cafe_err *e),
		void *arg, struct cafe_err *e);
/* The same, run once: for work that cannot be done again from a fresh
 * read (an import reading stdin). A conflict is returned as it is. */
int cafe_log_transact_once(struct cafe_log *log,
		int (*fn)(struct cafe_log *log, void *arg, struct cafe_err *e),
		void *arg, struct cafe_err *e);

/* Reading. The callback gets a borrowed event; it returns 0 to go on or a
 * non-zero value to stop, which the read function then returns. */
typedef int (*cafe_event_fn)(const struct cafe_event *ev, void *arg);

/* Events with seq > after, in order, at most limit (0: no limit). */
int cafe_log_read(struct cafe_log *log, long long after, long long limit,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/*
 * Writes the events with seq > after to out as JSON Lines, in order, in
 * cafe_event_json's shape: data and meta as the very text the log keeps
 * (compact JSON, as the chain hashed it), without decoding them. 0, or
 * CAFE_IOERR when out cannot be written (e->msg empty) or the log cannot
 * be read.
 */
int cafe_log_export(struct cafe_log *log, long long after, FILE *out, struct cafe_err *e);
/* Events with seq > after and ts < before_ts (an RFC 3339 string), in order. */
int cafe_log_read_until(struct cafe_log *log, long long after, const char *before_ts,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* Events with after < seq <= upto whose type is one of types (ended by
 * CAFE_EV_UNKNOWN; NULL: every type), in order: what a consumer that reacts to a few types
 * reads without decoding the others. */
int cafe_log_read_types(struct cafe_log *log, long long after, long long upto,
		const enum cafe_event_type *types, cafe_event_fn fn, void *arg,
		struct cafe_err *e);
/* One stream, in version order. */
int cafe_log_read_stream(struct cafe_log *log, const char *stream,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* One stream's events with version > after, in version order. */
int cafe_log_read_stream_after(struct cafe_log *log, const char *stream, long long after,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* Every event whose meta.correlation_id is id, in log order. */
int cafe_log_read_correlated(struct cafe_log *log, const char *id,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* The events of the batch that carried idempotency key `key`. */
int cafe_log_read_key(struct cafe_log *log, const char *key,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* The last event of a type (seq order) or 0 when there is none. */
int cafe_log_last_of_type(struct cafe_log *log, enum cafe_event_type type,
		cafe_event_fn fn, void *arg, struct cafe_err *e);
/* The same among one shop's events (DESIGN §15). */
int cafe_log_last_in_shop(struct cafe_log *log, enum cafe_event_type type,
		const char *shop, cafe_event_fn fn, void *arg, struct cafe_err *e);
/* The shops the log's events name, in order, as a NULL-terminated array
 * of new strings in *out (free each and it); "main" for events that name
 * none. */
int cafe_log_shops(struct cafe_log *log, char ***out, size_t *n, struct cafe_err *e);

/* The highest seq, 0 for an empty log; -1 on error. */
long long cafe_log_head(struct cafe_log *log, struct cafe_err *e);
/* The stream's current version, 0 if it does not exist; -1 on error. */
long long cafe_log_stream_version(struct cafe_log *log, const char *stream,
		struct cafe_err *e);
/* Counts of events, streams, bytes and per type (for cafe-log stats). New reference. */
json_t *cafe_log_stats(struct cafe_log *log, struct cafe_err *e);

/*
 * Waits until the log's head passes `after` or timeout_ms passes (-1:
 * forever), without busy-looping: inotify on the database's directory, with
 * a poll of PRAGMA data_version as the fallback. Returns 0 with *woke
 * saying why it returned, or a status (the log could not be read).
 */
enum cafe_wake {
	CAFE_WAKE_NEW,              /* the head passed `after` */
	CAFE_WAKE_TIMEOUT,
	CAFE_WAKE_SIGNAL            /* interrupted by a signal */
};
int cafe_log_wait(struct cafe_log *log, long long after, int timeout_ms,
		enum cafe_wake *woke, struct cafe_err *e);

/*
 * The one loop that waits for commits. It calls round(arg, log, r, e),
 * then waits on log up to r->wait_ms for the head to pass r->seen, and
 * again, until a round returns non-zero: CAFE_FOLLOW_END ends it with 0,
 * a status ends it with that status. A round does its work, moves
 * r->seen past what it saw and sets r->wait_ms (0: the next round at
 * once); it reads in r->woke and r->wait_status how the last wait ended
 * (a failed wait's message in e). cafe-trace follow, the notify sender
 * and the watcher thread below are its rounds.
 */
enum { CAFE_FOLLOW_END = -1 };
struct cafe_log_round {
	long long seen;             /* wait for a commit past this */
	int wait_ms;                /* the next wait at most (the round's to set) */
	enum cafe_wake woke;        /* the last wait: why it returned */
	int wait_status;            /* the last wait: 0, or its status */
};
int cafe_log_follow(struct cafe_log *log, struct cafe_log_round *r,
		int (*round)(void *arg, struct cafe_log *log, struct cafe_log_round *r,
		    struct cafe_err *e),
		void *arg, struct cafe_err *e);

/*
 * The one commit watcher: a thread that waits on log (a connection the
 * caller opened for it alone) for the head to pass `from`, and then calls
 * on_commit(arg, log, head) for each new head, in that thread, until
 * cafe_log_watch_stop. Waits last at most wait_ms, so a stop is heard
 * within it; a log that cannot be read is tried again every retry_ms.
 * The daemon wakes its workers with it, cafe-web its pages and streams,
 * the kitchen's board its screen.
 */
struct cafe_log_watch;
int cafe_log_watch_start(struct cafe_log_watch **out, struct cafe_log *log, long long from,
		int wait_ms, int retry_ms,
		void (*on_commit)(void *arg, struct cafe_log *log, long long head), void *arg,
		struct cafe_err *e);
/* Stops the thread and waits for it (NULL: nothing); the log stays open. */
void cafe_log_watch_stop(struct cafe_log_watch *w);

/*
 * Checks the whole log (cafe-log verify): schema version and triggers,
 * json_valid of data and meta, gap-free seq from 1, the hash chain,
 * contiguous versions per stream; with head_seq > 0, also that the link
 * at head_seq is head_hash (the head an operator kept elsewhere: nothing
 * before it was rewritten, nothing was cut off the end). Returns 0, or
 * CAFE_REFUSED with the first bad row, by its seq, in e.
 */
int cafe_log_verify(struct cafe_log *log, long long head_seq, const char *head_hash,
		long long *checked, struct cafe_err *e);
/* The newest link of the hash chain: its seq and hash (0 and 64 zeros for
 * an empty log). hash has room for 65 bytes. */
int cafe_log_head_link(struct cafe_log *log, long long *seq, char *hash,
		struct cafe_err *e);

/* For the owners of projection and operational tables: a result code of
 * the log's connection as a status (cafe_db_status), naming the log by the
 * path it was opened with. */
int cafe_log_sql_status(struct cafe_log *log, int rc, const char *who, const char *what,
		struct cafe_err *e);

/* Operational state: a checkpoint per consumer (0 when never set). Writes
 * must be inside a write transaction. */
long long cafe_checkpoint_get(struct cafe_log *log, const char *name, struct cafe_err *e);
int cafe_checkpoint_set(struct cafe_log *log, const char *name, long long seq,
		struct cafe_err *e);

#endif
