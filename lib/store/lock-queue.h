/*
 * lock-queue.h - the queue the writers of one SQLite file wait in before
 * BEGIN IMMEDIATE (sqlite.c takes it; nothing else should).
 *
 * SQLite's busy handler sleeps and retries: with eight writers at once an
 * unlucky one slept through hundreds of milliseconds while later ones got
 * in. The queue is an flock(2) on a file beside the database, DB-lock:
 * the kernel hands it from one waiter to the next, and the holder then
 * finds the SQLite lock free. It adds no failure mode:
 *  - a lock file that cannot be made or opened means no queue: SQLite's
 *    busy handler alone, as before;
 *  - a holder that dies lets go with its last descriptor (flock is the
 *    kernel's); one that hangs (stopped, debugged) is waited for no
 *    longer than the busy timeout, and then SQLite's own lock decides,
 *    for the next minute of that connection too;
 *  - on NFS flock is a POSIX lock through the lock manager, or refused:
 *    refused means no queue.
 */
#ifndef CAFE_LOCK_QUEUE_H
#define CAFE_LOCK_QUEUE_H

struct cafe_lockq;

/* The queue of the database at path; NULL when it cannot have one (see
 * above): callers then go without. */
struct cafe_lockq *cafe_lockq_open(const char *db_path);
/* Waits for its turn, at most timeout_ms: 1 when it holds the queue, 0
 * when it gave up waiting (go on without it). With busy (an SQLite busy
 * handler), it is asked every few milliseconds whether to go on waiting,
 * as SQLite would ask it; -1 when it said no (busy: do not begin). */
int cafe_lockq_enter(struct cafe_lockq *q, long long timeout_ms,
		int (*busy)(void *, int), void *arg);
/* Lets the next writer go; a no-op unless held. */
void cafe_lockq_leave(struct cafe_lockq *q);
/* 1 while held. */
int cafe_lockq_held(const struct cafe_lockq *q);
void cafe_lockq_close(struct cafe_lockq *q);

#endif
