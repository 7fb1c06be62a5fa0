/*
 * cli.h - what every program's main() shares (the program side, in cmd/:
 * it prints, lib/ never does): the global options, finding
 * the config and the database (DESIGN §6), and printing results.
 *
 * Global options, accepted before or after the subcommand:
 *   --db PATH, --config PATH, --json, -q/--quiet, -v/--verbose, -h/--help,
 *   --version.
 * Database lookup: --db, else $CAFE_DB, else the config's db, else
 * $XDG_DATA_HOME/cafe/cafe.db (~/.local/share/cafe/cafe.db).
 */
#ifndef CAFE_CLI_H
#define CAFE_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <jansson.h>
#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

struct cafe_program;
struct cafe_verb;

struct cafe_ctx {
	const char *prog;           /* program name for messages and meta.tool */
	const char *usage;          /* the SYNOPSIS, printed by --help */
	const struct cafe_program *program;     /* set by cafe_cli_main */
	const struct cafe_verb *verb;           /* the verb being run */
	const char *db_opt;         /* --db */
	const char *config_opt;     /* --config */
	int json, quiet, verbose;
	unsigned given;             /* CAFE_OPT_BIT of each local option seen */
	struct cafe_config config;
	int config_loaded;
	char *db_path;              /* resolved */
	struct cafe_log *log;
	int answered;               /* --help or --version was answered */
};

/* Option codes of the global options (long-only ones start at 0x100). */
enum {
	CAFE_OPT_DB = 0x100,
	CAFE_OPT_CONFIG,
	CAFE_OPT_JSON,
	CAFE_OPT_VERSION,
	CAFE_OPT_FIRST_LOCAL = 0x200    /* programs number their own from here */
};
/* A program's own option as a bit of ctx->given and cafe_verb.takes: its
 * own options are long-only, numbered from CAFE_OPT_FIRST_LOCAL, at most 32. */
#define CAFE_OPT_BIT(c) (1u << ((c) - CAFE_OPT_FIRST_LOCAL))
#define BIT CAFE_OPT_BIT

/* A program's own long options: one that takes a value, one that does not. */
#define CAFE_ARG(name, id) { name, required_argument, NULL, id }
#define CAFE_FLAG(name, id) { name, no_argument, NULL, id }

/* Spliced into a program's long option table. */
#define CAFE_GLOBAL_LONGOPTS \
	{ "db", required_argument, NULL, CAFE_OPT_DB }, \
	{ "config", required_argument, NULL, CAFE_OPT_CONFIG }, \
	{ "json", no_argument, NULL, CAFE_OPT_JSON }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CAFE_OPT_VERSION }

/* A long-running command (a sender, a follower) ends when SIGTERM or
 * SIGINT sets cafe_stop: cafe_stop_on_signals() installs the handler,
 * without SA_RESTART, so that the signal also wakes a wait. */
extern volatile sig_atomic_t cafe_stop;
void cafe_stop_on_signals(void);

/*
 * Options that do not go with a verb: the first option in ctx->given that
 * `allowed` lacks is a usage error "'LABEL' takes no --NAME"; else 0.
 */
int cafe_cli_only(const struct cafe_ctx *ctx, unsigned allowed, const char *label);

/*
 * The verb table. Every program's main() is cafe_cli_main over one table,
 * which says, for each verb, the operands and options it takes and how it
 * opens the log; the checks, their messages, the log and its closing live
 * here once. Everything wrong with the command line is found before the
 * log is opened, so a usage error never creates a database.
 */
enum cafe_verb_open {
	CAFE_OPEN_WRITE,            /* the log must exist; read-write */
	CAFE_OPEN_CREATE,           /* created when missing */
	CAFE_OPEN_READ,             /* read-only: writes nothing, even views */
	CAFE_OPEN_PEEK              /* a look that leaves no database behind:
	                             * when there is none, ctx->log is NULL */
};

struct cafe_verb {
	const char *name;
	int min_args, max_args;     /* operands; min_args -1: check counts them */
	const char *args_msg;       /* a wrong count; NULL: "'NAME' takes no arguments" */
	unsigned takes;             /* CAFE_OPT_BIT of each own option it takes */
	const char *takes_msg;      /* NULL: a stray option is "'NAME' takes no
	                             * --OPT"; else "'NAME' takes TAKES_MSG" */
	enum cafe_verb_open open;
	/* Further usage checks, after the operands and options above; may ask
	 * for another way of opening (stock --set writes). NULL: none. Returns
	 * 0 or the status of a usage error it printed. */
	int (*check)(struct cafe_ctx *ctx, void *opts, int argc, char **argv,
	    enum cafe_verb_open *open);
	/* The work: the operands after the verb; returns the exit status. */
	int (*run)(struct cafe_ctx *ctx, void *opts, int argc, char **argv);
	int tag;                    /* tells verbs that share one run apart */
};

/* How a program words its usage errors (kept as its users know them). */
enum {
	CAFE_SAY_VERBS = 1,         /* an unknown verb lists the known ones */
	CAFE_SAY_OWNER = 2          /* a stray option is "only 'VERB' takes --OPT" */
};

struct cafe_program {
	const char *name, *usage;
	const struct option *longopts;  /* CAFE_GLOBAL_LONGOPTS, then its own */
	/* Stores one of its own options (ctx->given already has its bit;
	 * what is wrong with its value the verb's check says). */
	void (*local)(void *opts, int c, const char *optarg);
	const struct cafe_verb *verbs;  /* ends with a NULL name */
	const char *default_verb;       /* when none is given; NULL: an error */
	unsigned say;                   /* CAFE_SAY_* */
};

/*
 * A whole main(): parses argv (options anywhere, as cafe_cli_parse),
 * finds the verb, checks its operands and options, opens the log as the
 * verb says, runs it and closes everything. opts is the program's own
 * option struct, handed to local, check and run. Returns the exit status.
 */
int cafe_cli_main(const struct cafe_program *p, void *opts, int argc, char **argv);

/* Loads the config (once). */
int cafe_ctx_config(struct cafe_ctx *ctx, struct cafe_err *e);
/* Loads the config and opens the log: flags as for cafe_log_open
 * (durability from the config is added). Creates the default database's
 * directory when needed. */
int cafe_ctx_open(struct cafe_ctx *ctx, int flags, struct cafe_err *e);
void cafe_ctx_close(struct cafe_ctx *ctx);

/* Prints "PROG: message" on stderr (unless it is empty). */
void cafe_ctx_error(const struct cafe_ctx *ctx, const struct cafe_err *e);
/*
 * --shop as the commands take it (DESIGN §15): not given (opt NULL), the
 * config's shop; "all", *shop NULL (the whole chain) and *shops (when
 * asked for) the shops the log knows, a NULL-terminated array to free with
 * cafe_shops_free; a name the log has never seen, CAFE_REFUSED naming the
 * shops it knows. A log not made yet (ctx->log NULL) knows none.
 */
int cafe_ctx_shop(struct cafe_ctx *ctx, const char *opt, const char **shop, char ***shops,
		struct cafe_err *e);
void cafe_shops_free(char **shops);
/* Prints a usage error with a pointer to --help and returns CAFE_USAGE. */
int cafe_usage_error(const struct cafe_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs "PROG: message" to stderr unless -q. */
void cafe_ctx_info(const struct cafe_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints one JSON value as one line on stdout. Steals data, as every
 * json_t parameter named data does (cafe.h): callers hand it a new
 * object, cafe_print_json(json_pack(...)). */
void cafe_print_json(json_t *data);
/* The integer row[key] as text in buf, for a table's cell; returns buf. */
const char *cafe_int_cell(char *buf, size_t n, const json_t *row, const char *key);

/*
 * Aligned tables for people. Columns whose header starts with '>' are
 * right-aligned (the '>' is not printed). Cells are copied.
 * On a terminal (f) narrower than the table ($COLUMNS, else the terminal's
 * width), the widest left-aligned column is cut with an ellipsis until the
 * table fits; into a pipe or a file nothing is ever cut. Colour (bold
 * headers, and what cafe_table_color asks for) only when cafe_color(f).
 * Past a couple of thousand rows, the rows wait in a temporary file until
 * print: a table's memory does not grow with its rows.
 */
struct cafe_table;
struct cafe_table *cafe_table_new(size_t ncols, const char *const *headers);
void cafe_table_add(struct cafe_table *t, const char *const *cells);
void cafe_table_print(struct cafe_table *t, FILE *f);
void cafe_table_free(struct cafe_table *t);
/* Colours a column: fn returns an SGR code ("32" for green) for a cell's
 * text, or NULL for none. */
void cafe_table_color(struct cafe_table *t, size_t col,
		const char *(*fn)(const char *cell));

/* 1 when f is a terminal, NO_COLOR is unset or empty and TERM is not dumb. */
int cafe_color(FILE *f);
/* Screen columns to fit f's output to: $COLUMNS, else the terminal's
 * width (80 if unknown); 0 when f is not a terminal. */
int cafe_term_width(FILE *f);
/* A wait of s seconds for people: "45s", "12m", "3h05m", "2d04h". */
void cafe_format_age(long long s, char *buf, size_t n);
/* 1 when the locale ($LC_ALL, $LC_CTYPE, $LANG) says UTF-8. */
int cafe_utf8_locale(void);

#endif
