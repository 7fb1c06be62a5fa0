/*
 * child.c - the command runner (child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cafe.h"
#include "child.h"

#define STDERR_MAX 65536        /* bytes of stderr read at all */

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
child_exec(char *const argv[], const int ends[3], int errpipe)
{
	static const int reset[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD };
	sigset_t none;
	int fds[3], i, err;

	setpgid(0, 0);
	/* Move the ends above 2 first, so that no dup2 clobbers another. */
	for (i = 0; i < 3; i++)
		if ((fds[i] = fcntl(ends[i], F_DUPFD_CLOEXEC, 3)) < 0)
			goto fail;
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	for (i = 0; i < (int)(sizeof reset / sizeof *reset); i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
fail:
	err = errno;
	if (write(errpipe, &err, sizeof err) < 0)
		_exit(127);
	_exit(127);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct io {
	int fd[3];                  /* our ends: its stdin, stdout, stderr */
	size_t inoff, errtotal;
};

static void
keep_tail(struct cafe_child *ch, const char *buf, size_t got)
{
	if (got >= sizeof ch->tail) {
		memcpy(ch->tail, buf + got - sizeof ch->tail, sizeof ch->tail);
		ch->taillen = sizeof ch->tail;
		return;
	}
	if (ch->taillen + got > sizeof ch->tail) {
		size_t drop = ch->taillen + got - sizeof ch->tail;

		memmove(ch->tail, ch->tail + drop, ch->taillen - drop);
		ch->taillen -= drop;
	}
	memcpy(ch->tail + ch->taillen, buf, got);
	ch->taillen += got;
}

static void
feed(struct cafe_child *ch, struct io *x)
{
	while (x->fd[0] >= 0 && x->inoff < ch->inlen) {
		ssize_t n = write(x->fd[0], ch->input + x->inoff, ch->inlen - x->inoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			close_fd(&x->fd[0]);    /* EPIPE: it did not want the rest */
			return;
		}
		x->inoff += (size_t)n;
	}
	close_fd(&x->fd[0]);            /* all written: EOF for the child */
}

static void
drain(struct cafe_child *ch, struct io *x)
{
	char buf[4096];
	ssize_t n;

	while (x->fd[1] >= 0) {
		n = read(x->fd[1], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close_fd(&x->fd[1]);
			break;
		}
		keep_tail(ch, buf, (size_t)n);
		if (ch->out_max > 0 && !ch->out_over) {
			size_t room = ch->out_max - ch->outlen;

			if ((size_t)n > room) {
				ch->out_over = 1;
				n = (ssize_t)room;
			}
			memcpy(ch->out + ch->outlen, buf, (size_t)n);
			ch->outlen += (size_t)n;
			ch->out[ch->outlen] = '\0';
		}
	}
	while (x->fd[2] >= 0) {
		n = read(x->fd[2], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0 || (x->errtotal += (size_t)n) > STDERR_MAX) {
			close_fd(&x->fd[2]);
			break;
		}
		if (ch->headlen < sizeof ch->head) {
			size_t take = sizeof ch->head - ch->headlen;

			if ((size_t)n < take)
				take = (size_t)n;
			memcpy(ch->head + ch->headlen, buf, take);
			ch->headlen += take;
		}
	}
}

static int
start(struct cafe_child *ch, struct io *x, pid_t *pid)
{
	int p[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
	int ends[3], err = 0, saved = 0, i;
	ssize_t n;

	for (i = 0; i < 4; i++)
		if ((!ch->merge_err || i != 2) && pipe2(p[i], O_CLOEXEC) < 0) {
			saved = errno;
			goto out;
		}
	ends[0] = p[0][0];
	ends[1] = p[1][1];
	ends[2] = ch->merge_err ? p[1][1] : p[2][1];
	if ((*pid = fork()) < 0) {
		saved = errno;
		goto out;
	}
	if (*pid == 0)
		child_exec(ch->argv, ends, p[3][1]);
	/* Both sides set the group, so a kill right after fork finds it. */
	setpgid(*pid, *pid);
	close_fd(&p[3][1]);
	/* EOF: exec worked (the pipe is close-on-exec); an int: it failed. */
	while ((n = read(p[3][0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof err) {
		while (waitpid(*pid, &ch->wstatus, 0) < 0 && errno == EINTR)
			;
		*pid = -1;
		ch->exec_errno = err;
		goto out;
	}
	x->fd[0] = p[0][1];
	x->fd[1] = p[1][0];
	x->fd[2] = ch->merge_err ? -1 : p[2][0];
	p[0][1] = p[1][0] = p[2][0] = -1;
	for (i = 0; i < 3; i++)
		if (x->fd[i] >= 0)
			fcntl(x->fd[i], F_SETFL, fcntl(x->fd[i], F_GETFL) | O_NONBLOCK);
out:
	for (i = 0; i < 4; i++) {
		close_fd(&p[i][0]);
		close_fd(&p[i][1]);
	}
	if (saved) {
		errno = saved;
		return -1;
	}
	return 0;
}

int
cafe_child_run(struct cafe_child *ch)
{
	struct io x = { { -1, -1, -1 }, 0, 0 };
	sigset_t pipeset, oldmask, pending;
	const struct timespec zero = { 0, 0 };
	int waspending, reaped = 0, rc = 0;
	pid_t pid = -1;

	ch->out = ch->out_max > 0 ? cafe_xmalloc(ch->out_max + 1) : NULL;
	if (ch->out)
		ch->out[0] = '\0';
	ch->outlen = ch->headlen = ch->taillen = 0;
	ch->out_over = ch->exec_errno = ch->timedout = 0;
	ch->wstatus = 0;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigpending(&pending);
	waspending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &oldmask);
	if (start(ch, &x, &pid) != 0) {
		rc = -1;
		goto out;
	}
	if (pid < 0)
		goto out;       /* exec failed: exec_errno says why */
	for (;;) {
		struct pollfd pfd[3];
		nfds_t np = 0;
		long long left;
		pid_t w = waitpid(pid, &ch->wstatus, WNOHANG);

		if (w == pid || (w < 0 && errno == ECHILD)) {
			if (w < 0)
				ch->wstatus = -1;
			reaped = 1;
			drain(ch, &x);          /* what it wrote before it exited */
			break;
		}
		if ((left = ch->deadline_ms - cafe_mono_ms()) <= 0) {
			ch->timedout = 1;
			break;
		}
		for (int i = 0; i < 3; i++)
			if (x.fd[i] >= 0)
				pfd[np++] = (struct pollfd){ x.fd[i], i ? POLLIN : POLLOUT, 0 };
		/* Once its output is closed only its exit is left to wait for:
		 * short slices, so that the exit is noticed soon. */
		if (poll(pfd, np, left < 10 ? (int)left : x.fd[1] >= 0 ? 10 : 1) < 0 &&
		    errno != EINTR)
			cafe_sleep_ms(1);
		feed(ch, &x);
		drain(ch, &x);
	}
	/* The group outlives its leader while a grandchild is in it. */
	kill(-pid, SIGKILL);
	while (!reaped) {
		if (waitpid(pid, &ch->wstatus, 0) >= 0)
			reaped = 1;
		else if (errno != EINTR) {
			ch->wstatus = -1;
			reaped = 1;
		}
	}
out:
	for (int i = 0; i < 3; i++)
		close_fd(&x.fd[i]);
	/* A SIGPIPE we caused is ours to swallow. */
	sigpending(&pending);
	if (!waspending && sigismember(&pending, SIGPIPE))
		sigtimedwait(&pipeset, NULL, &zero);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return rc;
}

void
cafe_child_release(struct cafe_child *ch)
{
	free(ch->out);
	ch->out = NULL;
}
