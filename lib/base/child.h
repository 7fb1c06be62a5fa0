/*
 * child.h - running a configured command (a payment processor, a message
 * channel) as a child: argv without a shell, one request on its stdin,
 * its output read up to a bound, a deadline after which its whole process
 * group is killed. The one runner the processor and the outbox share.
 *
 * Invariants: the child starts with the default disposition of every
 * signal the programs handle and an empty signal mask, in a process group
 * of its own; between fork and exec it makes async-signal-safe calls only
 * (an exec failure travels back as an errno through a close-on-exec pipe).
 * The call ends when the child exits, not when its output closes, so a
 * grandchild holding a pipe open cannot hold it up; the group is killed
 * then, and at the deadline. A SIGPIPE the writes cause is swallowed.
 */
#ifndef CAFE_CHILD_H
#define CAFE_CHILD_H

#include <stddef.h>

#define CAFE_CHILD_HEAD 4096    /* bytes of stderr kept from its start */
#define CAFE_CHILD_TAIL 512     /* bytes of output kept from its end */

struct cafe_child {
	/* Set by the caller. */
	char *const *argv;
	const char *input;
	size_t inlen;
	long long deadline_ms;      /* on cafe_mono_ms()'s clock */
	size_t out_max;             /* stdout bytes kept from the start (0: none) */
	int merge_err;              /* 1: stderr into stdout's pipe */
	/* Filled in by cafe_child_run (release with cafe_child_release). */
	char *out;                  /* the first out_max bytes of stdout, NUL-ended */
	size_t outlen;
	int out_over;               /* stdout said more than out_max */
	char head[CAFE_CHILD_HEAD]; /* the start of stderr (unless merged) */
	size_t headlen;
	char tail[CAFE_CHILD_TAIL]; /* the end of stdout (and stderr when merged) */
	size_t taillen;
	int exec_errno;             /* the command could not be run: why */
	int timedout;
	int wstatus;                /* waitpid's; -1 when it was reaped elsewhere */
};

/* Runs ch->argv to its end or its deadline. 0 when it was started (look at
 * exec_errno, timedout and wstatus), -1 with errno when it could not be. */
int cafe_child_run(struct cafe_child *ch);
void cafe_child_release(struct cafe_child *ch);

#endif
