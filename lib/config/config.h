/*
 * config.h - the configuration (cafe.yaml(5)), read with libyaml.
 *
 * Lookup order (DESIGN §6): an explicit path (--config), else $CAFE_CONFIG,
 * else $XDG_CONFIG_HOME/cafe/config.yaml (or ~/.config/cafe/config.yaml),
 * else /etc/cafe/config.yaml, else the built-in defaults, which run the whole
 * flow with no file at all and include a small menu.
 *
 * Every key is optional. An unknown key, a wrong type or a bad value fails
 * with CAFE_CONFIG and the message "FILE:LINE: KEY: what is wrong", where KEY
 * is the dotted path (payment.breaker.window).
 */
#ifndef CAFE_CONFIG_H
#define CAFE_CONFIG_H

#include "product-index.h"

#include "base/cafe.h"

/* One choice of an option group ("large" in size), and what it adds. */
struct cafe_choice {
	char *name;             /* UTF-8, unique across all groups */
	long long price;        /* added to the product's price, >= 0 */
};

/* A group of choices (size, milk); the first choice is the default. */
struct cafe_option_group {
	char *name;             /* a word of a-z, 0-9, '_' and '-' */
	struct cafe_choice *choices;
	size_t nchoices;        /* >= 1 */
};

struct cafe_product {
	char *name;             /* any UTF-8 text without ':', '+' or ',' */
	char *code;             /* an ASCII word to type instead, or NULL */
	long long price;        /* smallest currency unit, > 0 */
	long long stock;        /* initial level when tracked */
	int tracked;            /* 0: stock omitted, not tracked */
	char **groups;          /* option group names, NULL-terminated, or NULL */
	unsigned long groups_line;   /* where they were named, for messages */
};

enum cafe_processor_kind { CAFE_PROC_SIM, CAFE_PROC_COMMAND };

struct cafe_sim_conf {
	int latency_ms;         /* mean, >= 0 */
	int jitter_ms;          /* +- uniformly, >= 0 */
	double failure_rate;    /* 0.0 .. 1.0: share of calls that fail (exit 69) */
	long long decline_over; /* amounts above this are declined; 0: never */
	long long seed;
};

struct cafe_breaker_conf {
	int window;             /* calls remembered, >= 1 */
	int min_calls;          /* calls needed before it may open, >= 1 */
	int failure_rate;       /* percent, 1..100 */
	int slow_call_ms;       /* a call slower than this counts as a failure */
	int open_ms;            /* how long it stays open */
	int half_open_calls;    /* trial calls in half-open, >= 1 */
};

enum cafe_channel_kind { CAFE_CHAN_FILE, CAFE_CHAN_COMMAND, CAFE_CHAN_STDOUT };

struct cafe_channel {
	enum cafe_channel_kind kind;
	char *path;             /* file */
	char **argv;            /* command, NULL-terminated */
};

struct cafe_template {
	char *event;            /* event type, e.g. DeliveryStarted */
	char *text;             /* with {order_id} {product} {items} {qty} {customer} {amount} {status} {rider} */
};

struct cafe_config {
	char *path;             /* the file read, or NULL for built-in defaults */
	char *db;               /* NULL: not set in the file */
	char *currency;         /* default KRW */
	char *shop;             /* this terminal's shop in a chain (DESIGN §15):
	                         * in every event's meta; default "main" */
	int durability_normal;  /* durability: normal|full (default full) */

	char *timezone;         /* people's times and the business day; NULL: $TZ */
	struct {
		int open_min, close_min;   /* minutes after local midnight; -1: not set */
	} hours;
	const char *language;   /* customers' when an order does not say: "en" (default), "ko" */
	struct {
		int rate_percent;   /* 0..100, default 0 */
		int included;       /* 1: prices include it (default); 0: added on top */
	} tax;

	struct cafe_product *menu;
	size_t nmenu;
	struct cafe_product_index *menu_index;  /* of menu, by name and code */
	int menu_given;         /* the file set menu: (else the built-in one) */
	int menu_in_log;        /* a view (menu.h) of a log that has a menu */
	struct cafe_option_group *options;
	size_t noptions;

	struct {
		enum cafe_processor_kind kind;   /* default sim */
		char **command;                  /* argv, NULL-terminated; required for command */
		int timeout_ms;                  /* default 610 */
		struct cafe_sim_conf sim;        /* defaults 0,0,0.0,0,1 */
		struct cafe_breaker_conf breaker;/* defaults 20,5,50,610,5000,3 */
	} payment;

	struct {
		struct cafe_channel *channels;   /* default: none configured */
		size_t nchannels;
		int max_attempts;                /* default 5 */
		int backoff_ms;                  /* default 1000 */
		struct cafe_template *templates; /* only those set in the file */
		size_t ntemplates;
	} notify;

	struct {
		int poll_ms;                     /* default 50 */
		int lease_ms;                    /* default 5000 */
		int reconcile_after_ms;          /* default 60000 */
		int lag_alert;                   /* events; status unhealthy past it; default 1000 */
		int lag_alert_ms;                /* age of the oldest event not done; default 300000 */
		int max_attempts;                /* processor calls of a refund or void; default 8 */
		int backoff_ms;                  /* first retry delay, doubled each time; default 500 */
	} daemon;

	char *web_url;          /* web.url: the base of the customers' links; NULL: none set */

	struct {
		int ordering;                    /* customers order on cafe-web; default 0 */
		int riders;                      /* riders' pages on cafe-web; default 0 */
		int orders_per_minute;           /* from one client; default 10 */
		struct cafe_cidr *proxies;       /* trusted for X-Forwarded-For; default none */
		size_t nproxies;
		int cash;                        /* web.tenders has cash (a kiosk with a
		                                  * cash acceptor); default card only */
	} web;

	struct {
		char *managers_group;            /* refunds over the limit and closing the
		                                  * till need this Unix group; NULL: anyone */
		long long refund_limit;          /* default 0: every refund needs one */
	} staff;

	struct {
		char *device;                    /* a printer's device file, or */
		char **command;                  /* argv fed the bytes on stdin; NULL: none */
		char *codepage;                  /* its text's encoding for iconv: "CP949";
		                                  * NULL: UTF-8 as it is */
		int width;                       /* characters a line; default 42 */
	} printer;

	struct {
		int late_after_ms;               /* the board colours an order waiting longer; default 600000 */
		int prep_ms;                     /* an order picked up later starts this long before; default 300000 */
	} kitchen;
};

/* An address block of web.trusted_proxies: the first bits of addr. */
struct cafe_cidr {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];     /* network order; 4 bytes for AF_INET */
	int bits;
};

/* Reads the config found by the lookup order; explicit may be NULL. */
int cafe_config_load(struct cafe_config *c, const char *explicit_path, struct cafe_err *e);
/* Reads from a string (tests, built-ins); name is used in messages. */
int cafe_config_parse(struct cafe_config *c, const char *name, const char *text, size_t len,
		struct cafe_err *e);
void cafe_config_defaults(struct cafe_config *c);
void cafe_config_release(struct cafe_config *c);

/* Borrowed; the product whose name or code is name, or NULL. */
const struct cafe_product *cafe_config_product(const struct cafe_config *c, const char *name);
/* 1 when s may name a product or a choice (UTF-8 text of at most 40
 * characters without ':', '+' or ','; cafe.yaml(5)). */
int cafe_config_valid_name(const char *s);
/* 1 when s may name a shop: a name as above, other than "all" (which
 * --shop takes for the whole chain). */
int cafe_config_valid_shop(const char *s);
/* 1 when s is a code or a group's name: a word of a-z, 0-9, '_', '-'. */
int cafe_config_valid_word(const char *s);
/* Borrowed; the option group called name, or NULL. */
const struct cafe_option_group *cafe_config_group(const struct cafe_config *c,
		const char *name);
/* Borrowed; the configured template text for an event type, or NULL. */
const char *cafe_config_template(const struct cafe_config *c, const char *event);

#endif
