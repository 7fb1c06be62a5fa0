/*
 * cafe-log - the log's administration: create it, check its integrity,
 * export it as JSON Lines, import such a file (all of it or nothing), and
 * count what is in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/chain.h"
#include "cli.h"
#include "command/input.h"
#include "meter.h"
#include "domain/order-log.h"
#include "base/people.h"

static const char usage[] =
"usage: cafe-log [--db PATH] [--config PATH] [--json] [-q] init\n"
"       cafe-log verify [--head SEQ:HASH]\n"
"       cafe-log head\n"
"       cafe-log export [--since SEQ]\n"
"       cafe-log import [--rechain] < events.jsonl\n"
"       cafe-log stats\n"
"example: cafe-log export --since 1000 | gzip > events.jsonl.gz\n";

enum { OPT_SINCE = CAFE_OPT_FIRST_LOCAL, OPT_HEAD, OPT_RECHAIN };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_ARG("since", OPT_SINCE),
	CAFE_ARG("head", OPT_HEAD),
	CAFE_FLAG("rechain", OPT_RECHAIN),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char *since;
	long long after;            /* --since, read */
	const char *head;           /* --head as given */
	long long head_seq;         /* ... and read */
	char head_hash[CAFE_HASH_HEX];
	int rechain;                /* import: no link checked, a new chain made */
};

static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	if (c == OPT_SINCE)
		o->since = optarg;
	else if (c == OPT_HEAD)
		o->head = optarg;
	else if (c == OPT_RECHAIN)
		o->rechain = 1;
}

static int
fail(struct cafe_ctx *ctx, int status, const struct cafe_err *e)
{
	cafe_ctx_error(ctx, e);
	return status;
}

static int
do_init(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)opts, (void)argc, (void)argv;
	if (ctx->json)
		cafe_print_json(json_pack("{s:s, s:i}", "db", ctx->db_path,
		    "schema_version", CAFE_SCHEMA_VERSION));
	else
		cafe_ctx_info(ctx, "log ready at '%s' (schema version %d)", ctx->db_path,
		    CAFE_SCHEMA_VERSION);
	return 0;
}

/* --head SEQ:HASH, as `cafe-log head` printed it (a space works too). */
static int
parse_head(const char *s, long long *seq, char *hash)
{
	const char *sep = s + strcspn(s, ": ");
	char num[24];

	if (!*sep || sep == s || (size_t)(sep - s) >= sizeof num)
		return -1;
	snprintf(num, sizeof num, "%.*s", (int)(sep - s), s);
	if (cafe_parse_ll(num, 1, 1LL << 62, seq) != 0 || !cafe_chain_valid(sep + 1))
		return -1;
	snprintf(hash, CAFE_HASH_HEX, "%s", sep + 1);
	return 0;
}

static int
do_verify(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *o = opts;
	struct cafe_err e = { 0, "", 0, 0 };
	long long checked = 0;
	int status = cafe_log_verify(ctx->log, o->head_seq, o->head_hash, &checked, &e);

	(void)argc, (void)argv;
	if (ctx->json)
		cafe_print_json(json_pack("{s:b, s:I, s:s?}", "ok", status == 0,
		    "checked", (json_int_t)checked, "error", status ? e.msg : NULL));
	if (status)
		return fail(ctx, status, &e);
	if (!ctx->json)
		cafe_ctx_info(ctx, "ok: %lld events checked", checked);
	return 0;
}

static int
do_head(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	char hash[CAFE_HASH_HEX];
	long long seq;
	int status;

	(void)opts, (void)argc, (void)argv;
	if ((status = cafe_log_head_link(ctx->log, &seq, hash, &e)) != 0)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "hash", hash));
	else
		printf("%lld %s\n", seq, hash);
	return 0;
}

static int
do_export(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	long long after = ((const struct opts *)opts)->after;
	struct cafe_err e = { 0, "", 0, 0 };
	int status;

	(void)argc, (void)argv;
	status = cafe_log_export(ctx->log, after, stdout, &e);
	if (status == CAFE_IOERR && !e.msg[0])
		cafe_err_set(&e, CAFE_IOERR, "cannot write to standard output");
	if (fflush(stdout) != 0 && !status)
		status = cafe_err_set(&e, CAFE_IOERR, "cannot write to standard output");
	return status ? fail(ctx, status, &e) : 0;
}

/*
 * An import, read and appended a slice at a time inside one write
 * transaction: all of the file or nothing, in memory one slice however
 * large the file (a shop moved to PostgreSQL is millions of events).
 */
struct import {
	struct cafe_log *log;
	struct cafe_batch b;        /* the slice being read */
	struct cafe_import_chain chain;
	long long done;             /* events appended before this slice */
	long long after;            /* the log's head before the import */
	struct cafe_meter m;
	long long bytes, size;
	int rechain;                /* no link checked, a new chain made */
};

enum { SLICE = 2000 };

/* The slice read so far into the log; the events' numbers in the file
 * for a message. */
static int
append_slice(struct import *im, struct cafe_err *e)
{
	struct cafe_batch *b = &im->b;
	int status;

	if (b->n == 0)
		return 0;
	status = cafe_log_append(im->log, b, e);
	if (status == CAFE_TEMPFAIL && e->conflict) {
		struct cafe_event *ev = &b->ev[b->failed];

		status = cafe_err_set(e, CAFE_DATAERR, "event %lld (%s on '%s', version %lld) "
		    "does not continue its stream; nothing imported",
		    im->done + (long long)b->failed + 1, ev->type, ev->stream, ev->expected + 1);
	} else if (status == CAFE_DATAERR) {
		struct cafe_err inner = *e;

		cafe_err_set(e, status, "event %lld: %s; nothing imported",
		    im->done + (long long)b->failed + 1, inner.msg);
	}
	if (status)
		return status;
	im->done += (long long)b->n;
	cafe_batch_release(b);
	cafe_batch_init(b);
	cafe_meter_update(&im->m, im->bytes, im->size);
	return 0;
}

static int
import_lines(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct import *im = arg;
	int rechain = im->rechain;

	(void)log;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	long long line = 0, failed;
	int status = 0;

	if ((im->after = cafe_log_head(im->log, e)) < 0)
		return e->status;
	while ((len = getline(&buf, &cap, stdin)) != -1) {
		line++;
		im->bytes += len;
		if (len <= 1 && (len == 0 || buf[0] == '\n'))
			continue;
		if ((status = cafe_input_import_line(&im->b, buf, (size_t)len, line,
		    rechain ? NULL : &im->chain, e)) != 0 ||
		    (im->b.n == SLICE && (status = append_slice(im, e)) != 0))
			break;
	}
	free(buf);
	if (!status && ferror(stdin))
		status = cafe_err_set(e, CAFE_IOERR, "cannot read standard input");
	if (!status)
		status = append_slice(im, e);
	/* The whole file is in the log now, inside the transaction. */
	if (!status && (status = cafe_order_check_paid_after(im->log, im->after, &failed,
	    e)) == CAFE_DATAERR) {
		struct cafe_err inner = *e;

		cafe_err_set(e, status, "event %lld: %s; nothing imported", failed - im->after,
		    inner.msg);
	}
	return status;
}

static int
import(struct cafe_ctx *ctx, int rechain)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct import im;
	struct stat st;
	int status;

	memset(&im, 0, sizeof im);
	im.log = ctx->log;
	cafe_batch_init(&im.b);
	/* On a terminal: how much of stdin is read and appended. */
	cafe_meter_start(&im.m, ctx->prog, "importing", ctx->quiet);
	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		im.size = (long long)st.st_size;
	im.rechain = rechain;
	/* One transaction, never run again: stdin is read as it goes. */
	status = cafe_log_transact_once(ctx->log, import_lines, &im, &e);
	cafe_meter_finish(&im.m);
	cafe_batch_release(&im.b);
	if (status)
		return fail(ctx, status, &e);
	if (ctx->json)
		cafe_print_json(json_pack("{s:I}", "imported", (json_int_t)im.done));
	else
		cafe_ctx_info(ctx, "imported %lld events", im.done);
	return 0;
}

static int
do_stats(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	json_t *s = cafe_log_stats(ctx->log, &e), *v;
	const char *k, *first, *last;
	char when[2][64];

	(void)opts, (void)argc, (void)argv;
	if (!s)
		return fail(ctx, e.status, &e);
	if (ctx->json) {
		cafe_print_json(s);
		return 0;
	}
	/* Times for people: the shop's zone, named. */
	first = json_string_value(json_object_get(s, "first_ts"));
	last = json_string_value(json_object_get(s, "last_ts"));
	printf("events   %lld\nstreams  %lld\nbytes    %lld\nfirst    %s\nlast     %s\n",
	    (long long)json_integer_value(json_object_get(s, "events")),
	    (long long)json_integer_value(json_object_get(s, "streams")),
	    (long long)json_integer_value(json_object_get(s, "bytes")),
	    first ? cafe_local_time(first, when[0], sizeof when[0]) : "-",
	    last ? cafe_local_time(last, when[1], sizeof when[1]) : "-");
	json_object_foreach(json_object_get(s, "types"), k, v)
		printf("  %-22s %lld\n", k, (long long)json_integer_value(v));
	json_decref(s);
	return 0;
}

/* A failed import into a new path leaves nothing behind. */
static int
do_import(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	int status = import(ctx, ((struct opts *)opts)->rechain);
	char *path;

	(void)argc, (void)argv;
	if (status == 0 || !cafe_log_created(ctx->log))
		return status;
	path = cafe_xstrdup(ctx->db_path);
	cafe_ctx_close(ctx);
	cafe_log_remove_files(path);
	free(path);
	return status;
}

static int
check_verify(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->head && parse_head(o->head, &o->head_seq, o->head_hash) != 0)
		return cafe_usage_error(ctx, "--head wants SEQ:HASH as 'cafe-log head' prints "
		    "it (a seq from 1, 64 hex digits), not '%s'", o->head);
	return 0;
}

static int
check_export(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	if (o->since && cafe_parse_ll(o->since, 0, 1LL << 62, &o->after) != 0)
		return cafe_usage_error(ctx, "--since wants a seq (a whole number), not '%s'",
		    o->since);
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "init", 0, 0, NULL, 0, NULL, CAFE_OPEN_CREATE, NULL, do_init, 0 },
	{ "verify", 0, 0, NULL, CAFE_OPT_BIT(OPT_HEAD), NULL, CAFE_OPEN_READ, check_verify,
	    do_verify, 0 },
	{ "head", 0, 0, NULL, 0, NULL, CAFE_OPEN_READ, NULL, do_head, 0 },
	{ "export", 0, 0, NULL, CAFE_OPT_BIT(OPT_SINCE), NULL, CAFE_OPEN_READ, check_export,
	    do_export, 0 },
	{ "import", 0, 0, NULL, CAFE_OPT_BIT(OPT_RECHAIN), NULL, CAFE_OPEN_CREATE, NULL,
	    do_import, 0 },
	{ "stats", 0, 0, NULL, 0, NULL, CAFE_OPEN_READ, NULL, do_stats, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-log", usage, longopts, local_opt, verbs, NULL, CAFE_SAY_OWNER
	};
	struct opts o = { NULL, 0, NULL, 0, "", 0 };

	return cafe_cli_main(&program, &o, argc, argv);
}
