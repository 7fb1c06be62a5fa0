/*
 * bench-crowd - how long each of a crowd of commands takes when they all
 * start at once: the counter's view of eight terminals placing together.
 * tests/bench/crowd.sh runs it; the ratios are worked out there.
 *
 *	bench-crowd ROUNDS N NAME CMD... [-- NAME CMD...]...
 *
 * Each round, for every command in turn (A, B, A, B...): N children are
 * forked, each waits on a pipe, the pipe is closed so that all start
 * together, and each child's time from that moment to its exit is taken
 * (CLOCK_MONOTONIC). "{}" in a command's arguments becomes the child's
 * number in the round (0..N-1), so that each can place its own order.
 * N lone runs of the command (one child at a time) follow each crowd,
 * for the lone median the crowd is compared with.
 *
 * Prints one line per run: NAME crowd|lone MS STATUS (STATUS 0 is
 * success). Exit 1 on a usage or system error only: failures are counted
 * by the script.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

struct cmd {
	const char *name;
	char **argv;
	int argc;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
child(const struct cmd *c, int index, int gate)
{
	char **argv = calloc((size_t)c->argc + 1, sizeof *argv), num[16], b;
	int null = open("/dev/null", O_WRONLY);

	snprintf(num, sizeof num, "%d", index);
	for (int i = 0; i < c->argc; i++)
		argv[i] = strcmp(c->argv[i], "{}") == 0 ? num : c->argv[i];
	dup2(null, 1);
	dup2(null, 2);
	while (read(gate, &b, 1) > 0)
		;
	execvp(argv[0], argv);
	_exit(127);
}

static int
crowd(const struct cmd *c, int n, int base, const char *kind)
{
	pid_t *pid = calloc((size_t)n, sizeof *pid);
	int gate[2], left = n;
	double start;

	if (!pid || pipe(gate) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if ((pid[i] = fork()) < 0)
			return -1;
		if (pid[i] == 0) {
			close(gate[1]);
			child(c, base + i, gate[0]);
		}
	}
	close(gate[0]);
	start = now_ms();
	close(gate[1]);
	while (left > 0) {
		int st;
		pid_t p = waitpid(-1, &st, 0);

		if (p < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (pid[i] == p) {
				printf("%s %s %.3f %d\n", c->name, kind, now_ms() - start,
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				left--;
			}
	}
	free(pid);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cmd cmds[8];
	int ncmds = 0, rounds, n;

	if (argc < 5 || (rounds = atoi(argv[1])) < 1 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: bench-crowd ROUNDS N NAME CMD... [-- NAME CMD...]...\n");
		return 1;
	}
	for (int i = 3; i < argc && ncmds < 8;) {
		int j = i + 1;

		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		if (j - i < 2) {
			fprintf(stderr, "bench-crowd: '%s' has no command\n", argv[i]);
			return 1;
		}
		cmds[ncmds].name = argv[i];
		cmds[ncmds].argv = argv + i + 1;
		cmds[ncmds].argc = j - i - 1;
		ncmds++;
		i = j + 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < ncmds; k++)
			for (int i = -1; i < n; i++)
				if (i < 0 ? crowd(&cmds[k], n, 2 * r * n, "crowd") :
				    crowd(&cmds[k], 1, (2 * r + 1) * n + i, "lone")) {
					perror("bench-crowd");
					return 1;
				}
	return 0;
}
