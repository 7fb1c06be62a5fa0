/*
 * breaker-call.c - test driver: payment calls through the shared circuit
 * breaker (lib/pay/payment.c), the way the daemon's refund and void policies
 * make them.
 *
 *	breaker-call [--repeat N] charge|refund|void KEY ORDER_ID AMOUNT
 *
 * The config and the database are found as everywhere else ($CAFE_CONFIG,
 * $CAFE_DB). Each call prints one line
 * {"status":N,"outcome":"approved"|"declined"|"failed","elapsed_ms":N,"error":…}
 * (with --repeat, the keys are KEY-1 … KEY-N); then one line
 * {"fds_first":N,"fds_last":N,"children":N}: the descriptors this process
 * had open after the first call (the database's files are open by then)
 * and after the last, and how many children it still has (running or
 * zombie), so a test can see that calls leak nothing. Exits with the last call's status.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"
#include "pay/payment.h"

static const char usage[] =
    "usage: breaker-call [--repeat N] charge|refund|void KEY ORDER_ID AMOUNT\n";

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;   /* the directory's own descriptor */
}

static int
count_children(void)
{
	int st;
	pid_t r = waitpid(-1, &st, WNOHANG);

	if (r < 0 && errno == ECHILD)
		return 0;
	return 1;       /* a child exists: running (r == 0) or just reaped here */
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const ops[] = { "charge", "refund", "void" };
	struct cafe_config c = { 0 };
	struct cafe_pay_request req = { 0 };
	struct cafe_pay_reply rep;
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log = NULL;
	long long repeat = 1;
	int ch, rc = CAFE_USAGE, fds;
	char key[300];

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (ch != 'r' || cafe_parse_ll(optarg, 1, 10000, &repeat) != 0)
			goto usage;
	argc -= optind;
	argv += optind;
	if (argc != 4 || cafe_parse_ll(argv[2], 0, 1LL << 53, &req.order_id) != 0 ||
	    cafe_parse_ll(argv[3], 0, 1LL << 53, &req.amount) != 0)
		goto usage;
	req.op = (enum cafe_pay_op)-1;
	for (int i = 0; i < 3; i++)
		if (strcmp(argv[0], ops[i]) == 0)
			req.op = (enum cafe_pay_op)i;
	if ((int)req.op < 0)
		goto usage;

	if ((rc = cafe_config_load(&c, NULL, &e)) != 0 ||
	    (rc = cafe_log_open(&log, getenv("CAFE_DB") ? getenv("CAFE_DB") : c.db,
	    CAFE_LOG_CREATE, &e)) != 0) {
		fprintf(stderr, "breaker-call: %s\n", e.msg);
		goto out;
	}
	req.currency = c.currency;
	fds = -1;
	for (long long i = 1; i <= repeat; i++) {
		json_t *j;

		if (repeat > 1)
			snprintf(key, sizeof key, "%s-%lld", argv[1], i);
		else
			snprintf(key, sizeof key, "%s", argv[1]);
		req.key = key;
		e.msg[0] = '\0';
		rc = cafe_payment_call(&c, log, &req, &rep, &e);
		j = json_pack("{s:i, s:s, s:I, s:s}", "status", rc, "outcome",
		    rc ? "failed" : rep.outcome == CAFE_PAY_APPROVED ? "approved" : "declined",
		    "elapsed_ms", (json_int_t)rep.elapsed_ms, "error", e.msg);
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
		if (rc)
			fprintf(stderr, "breaker-call: %s\n", e.msg);
		if (i == 1)
			fds = count_fds();
	}
	printf("{\"fds_first\":%d,\"fds_last\":%d,\"children\":%d}\n", fds, count_fds(),
	    count_children());
	goto out;
usage:
	fputs(usage, stderr);
	rc = CAFE_USAGE;
out:
	cafe_log_close(log);
	cafe_config_release(&c);
	return rc;
}
