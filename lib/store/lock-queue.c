/*
 * lock-queue.c - the writers' queue of an SQLite file (lock-queue.h).
 *
 * A wait is bounded without polling: the waiter blocks in flock(2), and a
 * timer of its own thread (timer_create, SIGEV_THREAD_ID) sends it a
 * signal whose handler does nothing, installed without SA_RESTART, so
 * that flock returns EINTR at the deadline. The signal is one real-time
 * signal that cafe uses for nothing else; its handler is installed once,
 * and only over the default action.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cafe.h"
#include "lock-queue.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

struct cafe_lockq {
	int fd;
	int held;
	long long shun_until;       /* after a wait that timed out: no queue */
	int timed;                  /* timer made */
	timer_t timer;
};

#define SLICE_MS 5            /* between asking busy whether to go on */
#define SHUN_MS 60000         /* no queue after a wait that timed out */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int wake_signal;         /* 0: none could be had, wait untimed */

static void
on_wake(int sig)
{
	(void)sig;
}

static void
install(void)
{
	struct sigaction sa, old;
	int sig = SIGRTMIN + 2;

	if (sig > SIGRTMAX || sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) == 0)
		wake_signal = sig;
}

struct cafe_lockq *
cafe_lockq_open(const char *db_path)
{
	struct cafe_lockq *q;
	struct stat sb;
	char *path;
	size_t n;
	int fd;

	if (!db_path || !*db_path || strcmp(db_path, ":memory:") == 0 ||
	    stat(db_path, &sb) != 0)
		return NULL;
	n = strlen(db_path) + sizeof "-lock";
	path = cafe_xmalloc(n);
	snprintf(path, n, "%s-lock", db_path);
	/* Read-only is enough for flock; made with the database's mode, so
	 * that whoever may write the database may queue for it. */
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    sb.st_mode & 0666);
	if (fd >= 0 && fchown(fd, (uid_t)-1, sb.st_gid) != 0)
		(void)0;        /* a group we are not in: the mode still serves */
	free(path);
	if (fd < 0)
		return NULL;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno != EWOULDBLOCK) {
		close(fd);      /* no flock here (ENOLCK, EINVAL): no queue */
		return NULL;
	}
	flock(fd, LOCK_UN);
	q = cafe_xcalloc(1, sizeof *q);
	q->fd = fd;
	pthread_once(&once, install);
	return q;
}

static int
arm(struct cafe_lockq *q, long long ms)
{
	struct itimerspec it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000000 } };

	if (!q->timed) {
		struct sigevent sev;

		if (!wake_signal)
			return -1;
		memset(&sev, 0, sizeof sev);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = wake_signal;
		sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
		if (timer_create(CLOCK_MONOTONIC, &sev, &q->timer) != 0)
			return -1;
		q->timed = 1;
	}
	return timer_settime(q->timer, 0, &it, NULL);
}

static void
disarm(struct cafe_lockq *q)
{
	struct itimerspec off;

	memset(&off, 0, sizeof off);
	timer_settime(q->timer, 0, &off, NULL);
}

int
cafe_lockq_enter(struct cafe_lockq *q, long long timeout_ms, int (*busy)(void *, int),
    void *arg)
{
	long long deadline = cafe_mono_ms() + timeout_ms, left;
	int got = 0;

	if (q->held)
		return 1;
	if (flock(q->fd, LOCK_EX | LOCK_NB) == 0)
		return q->held = 1;
	/* A holder that hung once is not waited for at every transaction:
	 * for a while, SQLite's lock alone decides. */
	if (errno != EWOULDBLOCK || cafe_mono_ms() < q->shun_until)
		return 0;
	for (int count = 0; (left = deadline - cafe_mono_ms()) > 0; count++) {
		int rc;

		/* The kernel wakes every waiter when the holder lets go and
		 * one wins: a waiter that looks up between slices loses no
		 * place, so busy may be asked whether to go on waiting. */
		if (busy && left > SLICE_MS)
			left = SLICE_MS;
		if (arm(q, left) != 0)
			break;          /* no timer: no unbounded wait either */
		rc = flock(q->fd, LOCK_EX);
		disarm(q);
		if (rc == 0) {
			got = q->held = 1;
			break;
		}
		if (errno != EINTR)
			break;
		if (busy && !busy(arg, count)) {
			got = -1;
			break;
		}
	}
	/* A timer belongs to the thread that made it, and a connection may
	 * be used by another thread next. */
	if (q->timed)
		timer_delete(q->timer);
	q->timed = 0;
	if (got == 0)
		q->shun_until = cafe_mono_ms() + SHUN_MS;
	return got;
}

void
cafe_lockq_leave(struct cafe_lockq *q)
{
	if (q && q->held) {
		flock(q->fd, LOCK_UN);
		q->held = 0;
	}
}

int
cafe_lockq_held(const struct cafe_lockq *q)
{
	return q && q->held;
}

void
cafe_lockq_close(struct cafe_lockq *q)
{
	if (!q)
		return;
	close(q->fd);
	free(q);
}
