/*
 * cafe-daemon - runs the policies (start-delivery, compensate, refund,
 * reconcile, notify, trace): forever, following the log, or once for cron.
 * Also shows where each policy stands and retries parked events.
 *
 * Only this file prints, exits and handles signals; the work is in
 * lib/daemon/daemon.c. Signals are blocked in every thread and taken here with
 * sigwait: SIGTERM and SIGINT stop (each policy finishes its batch and
 * commits), SIGHUP reloads the config. Under systemd (Type=notify) it says
 * READY=1 once the policies run, pings the watchdog at half its interval
 * from this thread, which only a frozen or hung process stops, and says
 * STOPPING=1 on the way out.
 *
 * Money owed is loud: while a refund has failed for good, `status` and
 * `run --once` name each order and amount and exit 1, so cron mails it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/lang.h"
#include "cli.h"
#include "base/people.h"
#include "daemon/daemon.h"
#include "notify/outbox.h"
#include "view/payments.h"
#include "policy/policy.h"
#include "daemon/sd-notify.h"

static const char usage[] =
"usage: cafe-daemon [--db PATH] [--config PATH] [-q | -v] run [--once]\n"
"                   [--policy NAME]... [--shop NAME|all]\n"
"       cafe-daemon status [--json]\n"
"       cafe-daemon retry [POLICY]\n"
"example: cafe-daemon run --once --policy start-delivery --policy notify\n";

enum { OPT_ONCE = CAFE_OPT_FIRST_LOCAL, OPT_POLICY, OPT_SHOP };

static const struct option longopts[] = {
	CAFE_GLOBAL_LONGOPTS,
	CAFE_FLAG("once", OPT_ONCE),
	CAFE_ARG("policy", OPT_POLICY),
	CAFE_ARG("shop", OPT_SHOP),
	{ NULL, 0, NULL, 0 }
};

struct opts {
	int once;
	const char **policies;      /* NULL-terminated, or NULL: all */
	size_t npolicies;
	const char *shop;           /* --shop: NULL, the config's */
};

static pthread_t main_thread;

static void
local_opt(void *arg, int c, const char *optarg)
{
	struct opts *o = arg;

	if (c == OPT_ONCE) {
		o->once = 1;
	} else if (c == OPT_SHOP) {
		o->shop = optarg;
	} else if (c == OPT_POLICY) {
		o->policies = cafe_xrealloc(o->policies,
		    (o->npolicies + 2) * sizeof *o->policies);
		o->policies[o->npolicies++] = optarg;
		o->policies[o->npolicies] = NULL;
	}
}

static void
say(void *arg, int level, const char *msg)
{
	const struct cafe_ctx *ctx = arg;

	(void)level;
	fprintf(stderr, "%s: %s\n", ctx->prog, msg);
}

/* The --once thread is done: wake sigwait in main(). */
static void
done(void *arg)
{
	(void)arg;
	pthread_kill(main_thread, SIGUSR1);
}

/* Runs the daemon until it is done (--once) or a signal stops it. */
static int
run_daemon(struct cafe_ctx *ctx, struct cafe_daemon_opts *o)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_daemon *d;
	long long watchdog;
	sigset_t set;
	int sig, status;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	main_thread = pthread_self();

	o->db_path = ctx->db_path;
	o->log_flags = ctx->config.durability_normal ? CAFE_LOG_SYNC_NORMAL : 0;
	o->config_path = ctx->config_opt;
	o->verbosity = ctx->quiet ? -1 : ctx->verbose;
	o->tool = ctx->prog;
	o->say = say;
	o->done = done;
	o->arg = ctx;
	if ((status = cafe_daemon_open(&d, o, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if ((status = cafe_daemon_start(d, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		cafe_daemon_close(d, &e);
		return status;
	}
	cafe_sd_notify("READY=1");
	watchdog = cafe_sd_watchdog_ms();
	for (;;) {
		if (watchdog > 0) {
			struct timespec ts = { watchdog / 2000, (watchdog / 2 % 1000) * 1000000 };

			if ((sig = sigtimedwait(&set, NULL, &ts)) < 0) {
				cafe_sd_notify("WATCHDOG=1");
				continue;
			}
		} else if (sigwait(&set, &sig) != 0) {
			continue;
		}
		if (sig == SIGHUP) {
			if (cafe_daemon_reload(d, &e) == 0)
				say(ctx, CAFE_SAY_ACTION, "config reloaded");
			else
				fprintf(stderr, "%s: %s (keeping the config in use)\n",
				    ctx->prog, e.msg);
			continue;
		}
		if (sig != SIGUSR1)
			cafe_daemon_stop(d);
		break;
	}
	cafe_sd_notify("STOPPING=1");
	if ((status = cafe_daemon_close(d, &e)) != 0)
		cafe_ctx_error(ctx, &e);
	return status;
}

struct owed {
	struct cafe_ctx *ctx;
	long long n;
};

struct waiting {
	struct cafe_ctx *ctx;
	long long n;
};

/* A charge without an order that reconcile has not voided in time (the
 * breaker or the processor kept it from it): money kept without an order. */
static int
void_row(json_t *row, void *arg)
{
	struct waiting *w = arg;
	struct cafe_ctx *ctx = w->ctx;
	long long at = cafe_parse_ts(json_string_value(json_object_get(row, "requested_at")));
	char money[80];

	/* Reconcile's grace, then as long as a policy may lag, before it counts. */
	if (at < 0 || cafe_now_ms() - at <= (long long)ctx->config.daemon.reconcile_after_ms +
	    ctx->config.daemon.lag_alert_ms)
		return 0;
	w->n++;
	fprintf(stderr, "%s: order %lld: %s charged without an order waits to be voided "
	    "(see 'cafe-pay breaker' and 'cafe-pay show %lld')\n", ctx->prog,
	    (long long)json_integer_value(json_object_get(row, "order_id")),
	    cafe_money(json_integer_value(json_object_get(row, "amount")),
	    json_string_value(json_object_get(row, "currency")), money, sizeof money),
	    (long long)json_integer_value(json_object_get(row, "order_id")));
	return 0;
}

static int
dead_row(json_t *row, void *arg)
{
	(void)row;
	((struct waiting *)arg)->n++;
	return 0;
}

/* Charges waiting to be voided and messages that died: 1 when there are,
 * each said in one line; else the status of the reads. */
static int
check_waiting(struct cafe_ctx *ctx)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct waiting voids = { ctx, 0 }, dead = { ctx, 0 };
	struct cafe_outbox_query dq = { "dead", 0 };
	int status = 0;

	for (const char *const *st = (const char *const[]){ "voiding", "requested", NULL };
	    *st && !status; st++)
		status = cafe_payments_list(ctx->log, &(struct cafe_payments_query){ 0, *st },
		    void_row, &voids, &e);
	if (status == 0)
		status = cafe_outbox_list(ctx->log, &dq, dead_row, &dead, &e);
	if (status) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (dead.n)
		fprintf(stderr, "%s: %lld customer message%s dead: no channel took %s "
		    "(see 'cafe-notify list --status dead'; 'cafe-notify retry --dead' "
		    "sends %s again)\n", ctx->prog, dead.n, dead.n == 1 ? " is" : "s are",
		    dead.n == 1 ? "it" : "them", dead.n == 1 ? "it" : "them");
	return voids.n || dead.n ? CAFE_REFUSED : 0;
}

/* One line per refund that failed for good: money the café owes. */
static int
owed_row(json_t *row, void *arg)
{
	struct owed *o = arg;
	struct cafe_ctx *ctx = o->ctx;
	const char *error = json_string_value(json_object_get(row, "refund_error"));
	char money[80];

	fprintf(stderr, "%s: order %lld: %s owed to the customer, the refund "
	    "failed: %s (refund it again with 'cafe-pay refund %lld')\n", ctx->prog,
	    (long long)json_integer_value(json_object_get(row, "order_id")),
	    cafe_money(json_integer_value(json_object_get(row, "amount")),
	    json_string_value(json_object_get(row, "currency")), money, sizeof money),
	    error ? error : "?",
	    (long long)json_integer_value(json_object_get(row, "order_id")));
	o->n++;
	return 0;
}

/* CAFE_REFUSED when money is owed (each said on stderr), else 0 or the
 * status of the read. */
static int
check_owed(struct cafe_ctx *ctx)
{
	struct cafe_payments_query q = { 0, "refund_failed" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct owed o = { ctx, 0 };
	int status;

	if ((status = cafe_payments_list(ctx->log, &q, owed_row, &o, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	return o.n > 0 ? CAFE_REFUSED : 0;
}

static int
do_run(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	const struct opts *op = opts;
	struct cafe_daemon_opts o = { 0 };
	struct cafe_err e = { 0, "", 0, 0 };
	char **shops = NULL;
	const char *shop, *one[2] = { NULL, NULL };
	int status;

	(void)argc, (void)argv;
	/* The shops it serves (DESIGN §15): --shop, all of the log's, or the
	 * config's; a shop's daemon may run on its own host. */
	if ((status = cafe_ctx_shop(ctx, op->shop, &shop, &shops, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	one[0] = shop;
	o.shops = shops && shops[0] ? (const char *const *)shops : shops ? NULL : one;
	/* Before any thread: customers' messages in their languages. */
	cafe_lang_init();
	o.policies = op->policies;
	o.once = op->once;
	status = run_daemon(ctx, &o);
	cafe_shops_free(shops);
	if (status == 0 && op->once) {
		status = check_owed(ctx);
		/* The check folds the payments view: leave no WAL behind. */
		cafe_log_checkpoint(ctx->log, 1);
	}
	return status;
}

struct status_out {
	struct cafe_ctx *ctx;
	struct cafe_table *t;
	json_t *parked;             /* [policy, event] pairs for people */
	json_t *problems;
};

static int
status_row(json_t *row, void *arg)
{
	struct status_out *s = arg;
	const char *policy = json_string_value(json_object_get(row, "policy"));
	json_t *holder = json_object_get(row, "holder"), *ev;
	long long lag = json_integer_value(json_object_get(row, "lag"));
	long long parked = json_integer_value(json_object_get(row, "parked"));
	char cp[32], head[32], lagbuf[32], waiting[32], pk[32];
	size_t i;

	json_t *stale = json_object_get(row, "stale_holder");
	long long waits = json_integer_value(json_object_get(row, "waiting"));

	if (json_is_true(json_object_get(row, "healthy")))
		;
	else if (parked)
		json_array_append_new(s->problems, json_sprintf("%s has %lld parked event%s",
		    policy, parked, parked == 1 ? "" : "s"));
	else if (json_is_string(stale))
		json_array_append_new(s->problems, json_sprintf("%s: its lease holder %s "
		    "stopped renewing it %llds ago, with %lld event%s waiting (frozen or "
		    "dead: see its log, or restart it)", policy, json_string_value(stale),
		    (long long)json_integer_value(json_object_get(row,
		    "last_seen_ms_ago")) / 1000, lag + waits, lag + waits == 1 ? "" : "s"));
	else if (lag > s->ctx->config.daemon.lag_alert)
		json_array_append_new(s->problems, json_sprintf("%s lags %lld events behind "
		    "the log (alert at %d)", policy, lag, s->ctx->config.daemon.lag_alert));
	else {
		char age[32], alert[32];

		cafe_format_age(json_integer_value(json_object_get(row, "lag_ms")) / 1000,
		    age, sizeof age);
		cafe_format_age(s->ctx->config.daemon.lag_alert_ms / 1000, alert, sizeof alert);
		json_array_append_new(s->problems, json_sprintf("%s has left an event "
		    "undone for %s (alert at %s): is a daemon running? (systemctl status "
		    "cafe-daemon, or the cron line of cafe.cron)", policy, age, alert));
	}
	if (s->ctx->json) {
		cafe_print_json(json_incref(row));
		return 0;
	}
	cafe_int_cell(cp, sizeof cp, row, "checkpoint");
	cafe_int_cell(head, sizeof head, row, "head");
	snprintf(lagbuf, sizeof lagbuf, "%lld", lag);
	cafe_int_cell(waiting, sizeof waiting, row, "waiting");
	snprintf(pk, sizeof pk, "%lld", parked);
	cafe_table_add(s->t, (const char *const[]){ policy, cp, head, lagbuf,
	    json_is_string(holder) ? json_string_value(holder) : "-",
	    json_is_string(holder) ? json_string_value(json_object_get(row,
	    "lease_expires")) : "-", waiting, pk });
	json_array_foreach(json_object_get(row, "parked_events"), i, ev)
		json_array_append_new(s->parked, json_pack("[s, O]", policy, ev));
	return 0;
}

static int
do_status(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	static const char *const head[] = { "POLICY", ">CHECKPOINT", ">HEAD", ">LAG",
		"HOLDER", "EXPIRES", ">WAITING", ">PARKED" };
	struct cafe_err e = { 0, "", 0, 0 };
	struct status_out s = { ctx, NULL, json_array(), json_array() };
	json_t *pair;
	size_t i;
	int healthy, status;

	(void)opts, (void)argc, (void)argv;
	if (!ctx->json)
		s.t = cafe_table_new(8, head);
	status = cafe_daemon_status(&ctx->config, ctx->log, status_row, &s, &healthy, &e);
	if (status == 0 && s.t)
		cafe_table_print(s.t, stdout);
	json_array_foreach(s.parked, i, pair) {
		json_t *ev = json_array_get(pair, 1);
		json_t *order = json_object_get(ev, "order_id");
		char id[32] = "-";

		if (i == 0)
			printf("\nparked events (retry with 'cafe-daemon retry [POLICY]'):\n");
		if (json_is_integer(order))
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(order));
		printf("  %s: seq %lld %s, order %s: %s\n",
		    json_string_value(json_array_get(pair, 0)),
		    (long long)json_integer_value(json_object_get(ev, "seq")),
		    json_string_value(json_object_get(ev, "type")), id,
		    json_string_value(json_object_get(ev, "error")));
	}
	if (status == 0 && !healthy) {
		json_array_foreach(s.problems, i, pair)
			cafe_ctx_info(ctx, "unhealthy: %s", json_string_value(pair));
		status = CAFE_REFUSED;
	} else if (status) {
		cafe_ctx_error(ctx, &e);
	}
	if (status == 0 || status == CAFE_REFUSED) {
		int owed = check_owed(ctx), waiting = check_waiting(ctx);

		if (owed)
			status = owed;
		else if (waiting)
			status = waiting;
	}
	cafe_table_free(s.t);
	json_decref(s.parked);
	json_decref(s.problems);
	return status;
}

static int
do_retry(struct cafe_ctx *ctx, void *opts, int argc, char **argv)
{
	struct cafe_err e = { 0, "", 0, 0 };
	struct cafe_daemon_opts o = { 0 };
	const char *one[2] = { argc ? argv[0] : NULL, NULL };
	long long n;
	int status;

	(void)opts;
	if ((status = cafe_daemon_unpark(ctx->log, one[0], &n, &e)) != 0) {
		cafe_ctx_error(ctx, &e);
		return status;
	}
	if (n == 0) {
		cafe_ctx_info(ctx, "nothing is parked%s%s", one[0] ? " for " : "",
		    one[0] ? one[0] : "");
		return 0;
	}
	cafe_ctx_info(ctx, "%lld parked event%s back in the queue", n, n == 1 ? " is" : "s are");
	o.policies = one[0] ? one : NULL;
	o.once = 1;
	o.queue_only = 1;
	return run_daemon(ctx, &o);
}

static int
check_run(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	const struct opts *o = opts;

	(void)argc, (void)argv, (void)open;
	for (size_t i = 0; i < o->npolicies; i++)
		if (!cafe_policy_find(o->policies[i]))
			return cafe_usage_error(ctx, "unknown policy '%s'", o->policies[i]);
	return 0;
}

static int
check_retry(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
    enum cafe_verb_open *open)
{
	char name[64];

	(void)opts, (void)open;
	/* A shop's own is POLICY@SHOP, as status names it. */
	snprintf(name, sizeof name, "%.*s", argc ? (int)strcspn(argv[0], "@") : 0,
	    argc ? argv[0] : "");
	if (argc && !cafe_policy_find(name))
		return cafe_usage_error(ctx, "unknown policy '%s'", argv[0]);
	return 0;
}

static const struct cafe_verb verbs[] = {
	{ "run", 0, 0, NULL, CAFE_OPT_BIT(OPT_ONCE) | CAFE_OPT_BIT(OPT_POLICY) |
	    CAFE_OPT_BIT(OPT_SHOP), NULL,
	    CAFE_OPEN_CREATE, check_run, do_run, 0 },
	{ "status", 0, 0, NULL, 0, NULL, CAFE_OPEN_READ, NULL, do_status, 0 },
	{ "retry", 0, 1, "'retry' takes at most one policy", 0, NULL, CAFE_OPEN_CREATE,
	    check_retry, do_retry, 0 },
	{ NULL, 0, 0, NULL, 0, NULL, 0, NULL, NULL, 0 }
};

int
main(int argc, char **argv)
{
	static const struct cafe_program program = {
		"cafe-daemon", usage, longopts, local_opt, verbs, NULL, 0
	};
	struct opts o = { 0, NULL, 0, NULL };
	int status = cafe_cli_main(&program, &o, argc, argv);

	free(o.policies);
	return status;
}
