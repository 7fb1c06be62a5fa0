/*
 * bench-sse - how soon every one of a crowd of event-stream clients hears
 * of a commit (tests/bench/web.sh).
 *
 *	bench-sse PORT PATH CLIENTS ROUNDS CMD...
 *	bench-sse PORT @FILE CLIENTS ROUNDS CMD...
 *
 * Opens CLIENTS connections to 127.0.0.1:PORT, asks each for PATH (an
 * event stream) and waits for each one's first event. Then, ROUNDS times:
 * runs CMD with the round's number (1, 2...) as its last argument, takes
 * the time when it exits (the commit), and waits until every client has
 * a new event; each client's wait is one sample.
 * With @FILE, client i asks for FILE's line i (each its own order's
 * page), and round r's commit is for client (r - 1) % CLIENTS alone: only
 * its wait is a sample; what the others hear meanwhile is read and left.
 * Prints "p50 p99 max" in milliseconds (with BENCH_SSE_VERBOSE, each
 * sample on stderr as it comes). Exits 1 when a client is not told
 * within 10 seconds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Takes the first whole event ("data:" ... blank line) out of acc: 1, or
 * 0 when there is none yet. A comment or the headers before it are
 * dropped: a ping and an event may come in one read. */
static int
take_event(char *acc, size_t *n)
{
	char *end;

	while ((end = strstr(acc, "\n\n"))) {
		size_t used = (size_t)(end + 2 - acc);
		char *data = strstr(acc, "data:");
		int event = data && data < end;

		memmove(acc, end + 2, *n - used + 1);
		*n -= used;
		if (event)
			return 1;
	}
	return 0;
}

/* 1 when a whole event is in, from before or read now; 0 when not yet;
 * -1 when the stream closed. */
static int
event_in(int fd, char *acc, size_t *n, size_t cap)
{
	ssize_t r;

	if (take_event(acc, n))
		return 1;
	if ((r = read(fd, acc + *n, cap - *n - 1)) <= 0)
		return -1;
	*n += (size_t)r;
	acc[*n] = '\0';
	return take_event(acc, n);
}

int
main(int argc, char **argv)
{
	int port, n, rounds;
	struct pollfd *p;
	char (*acc)[8192];
	size_t *len;
	double *lat;
	size_t nlat = 0;
	char **paths;
	int each;

	if (argc < 6 || (port = atoi(argv[1])) <= 0 || (n = atoi(argv[3])) <= 0 ||
	    (rounds = atoi(argv[4])) <= 0) {
		fputs("usage: bench-sse PORT PATH CLIENTS ROUNDS CMD...\n", stderr);
		return 64;
	}
	paths = calloc((size_t)n, sizeof *paths);
	if ((each = argv[2][0] == '@')) {
		FILE *f = fopen(argv[2] + 1, "r");
		char line[512];

		for (int i = 0; f && i < n && fgets(line, sizeof line, f); i++) {
			line[strcspn(line, "\n")] = '\0';
			paths[i] = strdup(line);
		}
		if (f)
			fclose(f);
		for (int i = 0; i < n; i++)
			if (!paths[i]) {
				fprintf(stderr, "bench-sse: %s has fewer than %d paths\n", argv[2] + 1, n);
				return 64;
			}
	} else {
		for (int i = 0; i < n; i++)
			paths[i] = argv[2];
	}
	p = calloc((size_t)n, sizeof *p);
	acc = calloc((size_t)n, sizeof *acc);
	len = calloc((size_t)n, sizeof *len);
	lat = calloc((size_t)n * (size_t)rounds, sizeof *lat);
	for (int i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		char req[512];

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		p[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		p[i].events = POLLIN;
		/* Phones have addresses of their own: BENCH_SSE_FROM gives these
		 * one of loopback's (127.0.0.2), apart from the other clients. */
		if (getenv("BENCH_SSE_FROM")) {
			struct sockaddr_in from = { .sin_family = AF_INET };

			if (inet_pton(AF_INET, getenv("BENCH_SSE_FROM"), &from.sin_addr) != 1 ||
			    bind(p[i].fd, (struct sockaddr *)&from, sizeof from) != 0) {
				perror("bench-sse: BENCH_SSE_FROM");
				return 1;
			}
		}
		if (connect(p[i].fd, (struct sockaddr *)&a, sizeof a) != 0) {
			perror("bench-sse: connect");
			return 1;
		}
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: bench\r\n"
		    "Accept: text/event-stream\r\n\r\n", paths[i]);
		if (write(p[i].fd, req, strlen(req)) < 0)
			return 1;
	}
	/* Each client's first event: where the board stands now. */
	for (int i = 0; i < n; i++) {
		double deadline = now_ms() + 10000;
		int got = 0;

		while (!got && now_ms() < deadline) {
			if (poll(&p[i], 1, 100) > 0 && (got = event_in(p[i].fd, acc[i], &len[i],
			    sizeof acc[i])) < 0) {
				fprintf(stderr, "bench-sse: client %d: closed\n", i);
				return 1;
			}
		}
		if (!got) {
			fprintf(stderr, "bench-sse: client %d: no first event\n", i);
			return 1;
		}
	}
	for (int r = 1; r <= rounds; r++) {
		char num[16], **cmd = calloc((size_t)argc, sizeof *cmd);
		int left = each ? 1 : n, st, mine = (r - 1) % n;
		char *told = calloc((size_t)n, 1);
		double t0, deadline;
		pid_t pid;

		snprintf(num, sizeof num, "%d", r);
		for (int k = 5; k < argc; k++)
			cmd[k - 5] = argv[k];
		cmd[argc - 5] = num;
		if ((pid = fork()) == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		t0 = now_ms();
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench-sse: the command of round %d failed\n", r);
			return 1;
		}
		deadline = t0 + 10000;
		while (left > 0 && now_ms() < deadline) {
			if (poll(p, (nfds_t)n, 100) <= 0)
				continue;
			for (int i = 0; i < n; i++) {
				if (!(p[i].revents & POLLIN))
					continue;
				int got = event_in(p[i].fd, acc[i], &len[i], sizeof acc[i]);

				if (got < 0) {
					fprintf(stderr, "bench-sse: client %d: closed\n", i);
					return 1;
				}
				if (got && !told[i] && (!each || i == mine)) {
					told[i] = 1;
					lat[nlat++] = now_ms() - t0;
					if (getenv("BENCH_SSE_VERBOSE"))
						fprintf(stderr, "round %d client %d %.3f ms\n", r, i,
						    lat[nlat - 1]);
					left--;
				}
			}
		}
		if (left > 0) {
			fprintf(stderr, "bench-sse: round %d: %d clients not told in 10 s\n", r, left);
			return 1;
		}
		free(told);
		free(cmd);
	}
	qsort(lat, nlat, sizeof *lat, by_value);
	printf("%.3f %.3f %.3f\n", lat[nlat / 2], lat[(nlat * 99) / 100], lat[nlat - 1]);
	return 0;
}
