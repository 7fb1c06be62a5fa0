/*
 * cli.h - what every program's main() shares: the global options, finding
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
#include <stdio.h>
#include <jansson.h>
#include "cafe.h"
#include "config.h"
#include "log.h"

struct cafe_ctx {
	const char *prog;           /* program name for messages and meta.tool */
	const char *usage;          /* the SYNOPSIS, printed by --help */
	const char *db_opt;         /* --db */
	const char *config_opt;     /* --config */
	int json, quiet, verbose;
	struct cafe_config config;
	int config_loaded;
	char *db_path;              /* resolved */
	struct cafe_log *log;
	int answered;               /* --help or --version was answered */
};

/* cafe_cli_parse: --help or --version was printed; the program exits 0. */
#define CAFE_CLI_ANSWERED (-1)

/* Option codes of the global options (long-only ones start at 0x100). */
enum {
	CAFE_OPT_DB = 0x100,
	CAFE_OPT_CONFIG,
	CAFE_OPT_JSON,
	CAFE_OPT_VERSION,
	CAFE_OPT_FIRST_LOCAL = 0x200    /* programs number their own from here */
};

/* Spliced into a program's long option table. */
#define CAFE_GLOBAL_LONGOPTS \
	{ "db", required_argument, NULL, CAFE_OPT_DB }, \
	{ "config", required_argument, NULL, CAFE_OPT_CONFIG }, \
	{ "json", no_argument, NULL, CAFE_OPT_JSON }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CAFE_OPT_VERSION }
#define CAFE_GLOBAL_SHORTOPTS "+qvh"

void cafe_ctx_init(struct cafe_ctx *ctx, const char *prog, const char *usage);
/*
 * Handles a global option returned by getopt_long. Returns 1 when it was
 * one (--help and --version print their answer and set ctx->answered:
 * the library never exits), 0 otherwise.
 * Because programs stop getopt at the subcommand ("+"), call
 * cafe_cli_parse() instead of getopt_long directly.
 */
int cafe_cli_global(struct cafe_ctx *ctx, int c, const char *arg);

/*
 * Parses argv the way every program does: global options anywhere,
 * the subcommand's own options anywhere after it, operands collected in
 * order into *operands (argv is permuted so they sit at argv[*first..]).
 * local is called for each option that is not global; it returns 0 or a
 * status (CAFE_USAGE) after setting e. Returns 0 or a status.
 */
int cafe_cli_parse(struct cafe_ctx *ctx, int argc, char **argv,
		const struct option *longopts, const char *shortopts,
		int (*local)(void *arg, int c, const char *optarg, struct cafe_err *e),
		void *arg, int *first, struct cafe_err *e);

/*
 * Options that do not go with a verb: `given` has bit i set for each option
 * with code first + i that was seen. The first one `allowed` lacks is a
 * usage error "'VERB' takes no --NAME" (its name from longopts); else 0.
 */
int cafe_cli_only(const struct cafe_ctx *ctx, const struct option *longopts, int first,
		unsigned given, unsigned allowed, const char *verb);

/* Loads the config (once). */
int cafe_ctx_config(struct cafe_ctx *ctx, struct cafe_err *e);
/* Loads the config and opens the log: flags as for cafe_log_open
 * (durability from the config is added). Creates the default database's
 * directory when needed. */
int cafe_ctx_open(struct cafe_ctx *ctx, int flags, struct cafe_err *e);
void cafe_ctx_close(struct cafe_ctx *ctx);

/* Prints "PROG: message" on stderr (unless it is empty). */
void cafe_ctx_error(const struct cafe_ctx *ctx, const struct cafe_err *e);
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

/*
 * Aligned tables for people. Columns whose header starts with '>' are
 * right-aligned (the '>' is not printed). Cells are copied.
 * On a terminal (f) narrower than the table ($COLUMNS, else the terminal's
 * width), the widest left-aligned column is cut with an ellipsis until the
 * table fits; into a pipe or a file nothing is ever cut. Colour (bold
 * headers, and what cafe_table_color asks for) only when cafe_color(f).
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
/* Screen columns UTF-8 text takes (wide characters count 2). */
size_t cafe_text_width(const char *s);
/* 1 when the locale ($LC_ALL, $LC_CTYPE, $LANG) says UTF-8. */
int cafe_utf8_locale(void);

#endif
