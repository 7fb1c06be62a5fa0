/*
 * log-append.c - test driver: appends one event through lib/store/log.h, the way
 * a policy would, so tests can stand in for a daemon that is not there.
 *
 *	log-append [--db FILE] [--corr ID] [--cause EVENT_ID] STREAM TYPE DATA
 *
 * DATA is a JSON object. The database is --db, else $CAFE_DB; it must
 * exist. --corr sets meta.correlation_id (default: data.order_id). Prints
 * the new event's seq and id; exits with the library's status on error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/log.h"

static const char usage[] =
    "usage: log-append [--db FILE] [--corr ID] [--cause EVENT_ID] STREAM TYPE DATA\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "corr", required_argument, NULL, 'c' },
		{ "cause", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_log *log = NULL;
	struct cafe_batch b;
	const char *db = getenv("CAFE_DB"), *corr = NULL, *cause = NULL;
	json_error_t jerr;
	json_t *data;
	int c, status;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c': corr = optarg; break;
		case 'x': cause = optarg; break;
		default: fputs(usage, stderr); return CAFE_USAGE;
		}
	}
	if (argc - optind != 3) {
		fputs(usage, stderr);
		return CAFE_USAGE;
	}
	if (!(data = json_loads(argv[optind + 2], 0, &jerr)) || !json_is_object(data)) {
		fprintf(stderr, "log-append: DATA is not a JSON object: %s\n", jerr.text);
		json_decref(data);
		return CAFE_DATAERR;
	}
	cafe_batch_init(&b);
	if (corr)
		snprintf(b.correlation_id, sizeof b.correlation_id, "%s", corr);
	else if (json_is_integer(json_object_get(data, "order_id")))
		snprintf(b.correlation_id, sizeof b.correlation_id, "%lld",
		    (long long)json_integer_value(json_object_get(data, "order_id")));
	if (cause)
		snprintf(b.causation_id, sizeof b.causation_id, "%s", cause);
	cafe_batch_add_named(&b, argv[optind], CAFE_ANY_VERSION, argv[optind + 1], data);
	if ((status = cafe_log_open(&log, db, 0, &e)) == 0) {
		cafe_log_set_tool(log, "log-append");
		status = cafe_log_append_batch(log, &b, &e);
	}
	if (status)
		fprintf(stderr, "log-append: %s\n", e.msg);
	else
		printf("%lld %s\n", b.ev[0].seq, b.ev[0].id);
	cafe_batch_release(&b);
	cafe_log_close(log);
	return status;
}
