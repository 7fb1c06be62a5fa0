/*
 * bench-interleave - times whole commands in interleaved rounds, so that a
 * machine whose speed drifts (load, turbo, another tenant) slows every
 * command of a round alike: the benchmarks' ratios come from here, never
 * from sequential blocks (hyperfine's swung 0.63x to 3.9x under load).
 *
 *	bench-interleave ROUNDS RUNS NAME CMD... [-- NAME CMD...]...
 *
 * Each round runs every command RUNS times, in turn (A B C A B C ...),
 * each as a child (fork + execvp, stdout and stderr to /dev/null), timed
 * with CLOCK_MONOTONIC. A child that exits non-zero stops everything with
 * exit 1. Prints per round the median of each command and its ratio to the
 * first command's, then over all rounds the median of those per-round
 * ratios and the p99 of all runs:
 *
 *	round 1: floor 1.021ms  place 1.230ms 1.20x
 *	...
 *	place: median of round ratios 1.21x (min 1.18x, max 1.26x); all runs
 *	p50 1.231ms p99 1.940ms; floor p50 1.020ms p99 1.511ms
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	const char *name;
	char **argv;
	double *all;            /* every run, ms */
	size_t nall;
	double *ratio;          /* per round, median / the first's median */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct(double *v, size_t n, int p)
{
	size_t r;

	qsort(v, n, sizeof *v, cmp);
	r = (n * (size_t)p + 99) / 100;
	return v[r ? r - 1 : 0];
}

static double
run(char **argv)
{
	double t0 = now_ms(), t;
	int st, fd;
	pid_t pid = fork();

	if (pid < 0) {
		perror("bench-interleave: fork");
		exit(1);
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	t = now_ms() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench-interleave: '%s' failed (status %d)\n", argv[0], st);
		exit(1);
	}
	return t;
}

int
main(int argc, char **argv)
{
	struct cmd c[16];
	size_t nc = 0, rounds, runs;
	int i;

	if (argc < 5) {
		fprintf(stderr, "usage: bench-interleave ROUNDS RUNS NAME CMD... [-- NAME CMD...]...\n");
		return 64;
	}
	rounds = strtoul(argv[1], NULL, 10);
	runs = strtoul(argv[2], NULL, 10);
	for (i = 3; i < argc && nc < 16; ) {
		c[nc].name = argv[i++];
		c[nc].argv = &argv[i];
		while (i < argc && strcmp(argv[i], "--") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL;
		c[nc].all = calloc(rounds * runs, sizeof *c[nc].all);
		c[nc].ratio = calloc(rounds, sizeof *c[nc].ratio);
		c[nc].nall = 0;
		nc++;
	}
	if (!rounds || !runs || nc < 1)
		return 64;
	for (size_t r = 0; r < rounds; r++) {
		double med[16];

		for (size_t k = 0; k < runs; k++)
			for (size_t j = 0; j < nc; j++)
				c[j].all[c[j].nall++] = run(c[j].argv);
		printf("round %zu:", r + 1);
		for (size_t j = 0; j < nc; j++) {
			double *v = malloc(runs * sizeof *v);

			memcpy(v, c[j].all + r * runs, runs * sizeof *v);
			med[j] = pct(v, runs, 50);
			free(v);
			c[j].ratio[r] = med[j] / med[0];
			printf("  %s %.3fms", c[j].name, med[j]);
			if (j > 0)
				printf(" %.2fx", c[j].ratio[r]);
		}
		printf("\n");
		fflush(stdout);
	}
	for (size_t j = 1; j < nc; j++) {
		double lo = pct(c[j].ratio, rounds, 1), hi = pct(c[j].ratio, rounds, 100);

		printf("%s: median of round ratios %.2fx (min %.2fx, max %.2fx); all runs "
		    "p50 %.3fms p99 %.3fms; %s p50 %.3fms p99 %.3fms\n", c[j].name,
		    pct(c[j].ratio, rounds, 50), lo, hi, pct(c[j].all, c[j].nall, 50),
		    pct(c[j].all, c[j].nall, 99), c[0].name, pct(c[0].all, c[0].nall, 50),
		    pct(c[0].all, c[0].nall, 99));
	}
	return 0;
}
