/*
 * cli.c - global options, config and database lookup, error printing and
 * tables: the parts every program's main() shares (cli.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void
cafe_ctx_init(struct cafe_ctx *ctx, const char *prog, const char *usage)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->prog = prog;
	ctx->usage = usage;
}

int
cafe_cli_global(struct cafe_ctx *ctx, int c, const char *arg)
{
	switch (c) {
	case CAFE_OPT_DB:
		ctx->db_opt = arg;
		return 1;
	case CAFE_OPT_CONFIG:
		ctx->config_opt = arg;
		return 1;
	case CAFE_OPT_JSON:
		ctx->json = 1;
		return 1;
	case 'q':
		ctx->quiet = 1;
		return 1;
	case 'v':
		ctx->verbose++;
		return 1;
	case 'h':
		fputs(ctx->usage, stdout);
		exit(0);
	case CAFE_OPT_VERSION:
		printf("%s %s\n", ctx->prog, CAFE_VERSION);
		exit(0);
	}
	return 0;
}

int
cafe_cli_parse(struct cafe_ctx *ctx, int argc, char **argv,
    const struct option *longopts, const char *shortopts,
    int (*local)(void *, int, const char *, struct cafe_err *), void *arg,
    int *first, struct cafe_err *e)
{
	char opts[64];
	int c, status;

	/* Leading ':' to report a missing argument ourselves; no '+' so that
	 * options may follow the subcommand and its operands. */
	snprintf(opts, sizeof opts, ":qvh%s", shortopts ? shortopts : "");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		if (c == '?') {
			if (optopt)
				return cafe_err_set(e, CAFE_USAGE, "unknown option '-%c'", optopt);
			return cafe_err_set(e, CAFE_USAGE, "unknown option '%s'",
			    argv[optind - 1]);
		}
		if (c == ':')
			return cafe_err_set(e, CAFE_USAGE, "option '%s' needs a value",
			    argv[optind - 1]);
		if (cafe_cli_global(ctx, c, optarg))
			continue;
		if (!local)
			return cafe_err_set(e, CAFE_USAGE, "unknown option '%s'",
			    argv[optind - 1]);
		if ((status = local(arg, c, optarg, e)) != 0)
			return status;
	}
	*first = optind;
	return 0;
}

int
cafe_ctx_config(struct cafe_ctx *ctx, struct cafe_err *e)
{
	int status;

	if (ctx->config_loaded)
		return 0;
	if ((status = cafe_config_load(&ctx->config, ctx->config_opt, e)) != 0)
		return status;
	ctx->config_loaded = 1;
	return 0;
}

/* mkdir -p for the default database's directory. */
static int
make_dirs(const char *path, struct cafe_err *e)
{
	char *dir = cafe_xstrdup(path);
	int status = 0;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			status = cafe_err_set(e, CAFE_IOERR, "cannot create '%s': %s", dir,
			    strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return status;
}

static char *
resolve_db(struct cafe_ctx *ctx, int *is_default)
{
	const char *s, *home;

	*is_default = 0;
	if (ctx->db_opt)
		return cafe_xstrdup(ctx->db_opt);
	if ((s = getenv("CAFE_DB")) && *s)
		return cafe_xstrdup(s);
	if (ctx->config.db)
		return cafe_xstrdup(ctx->config.db);
	*is_default = 1;
	if ((s = getenv("XDG_DATA_HOME")) && *s)
		return cafe_xasprintf("%s/cafe/cafe.db", s);
	home = getenv("HOME");
	return cafe_xasprintf("%s/.local/share/cafe/cafe.db", home && *home ? home : ".");
}

int
cafe_ctx_open(struct cafe_ctx *ctx, int flags, struct cafe_err *e)
{
	int status, is_default;

	if ((status = cafe_ctx_config(ctx, e)) != 0)
		return status;
	free(ctx->db_path);
	ctx->db_path = resolve_db(ctx, &is_default);
	if (is_default && (flags & CAFE_LOG_CREATE) &&
	    (status = make_dirs(ctx->db_path, e)) != 0)
		return status;
	if (ctx->config.durability_normal)
		flags |= CAFE_LOG_SYNC_NORMAL;
	if ((status = cafe_log_open(&ctx->log, ctx->db_path, flags, e)) != 0)
		return status;
	cafe_log_set_tool(ctx->log, ctx->prog);
	return 0;
}

void
cafe_ctx_close(struct cafe_ctx *ctx)
{
	cafe_log_close(ctx->log);
	ctx->log = NULL;
	if (ctx->config_loaded)
		cafe_config_release(&ctx->config);
	ctx->config_loaded = 0;
	free(ctx->db_path);
	ctx->db_path = NULL;
}

void
cafe_ctx_error(const struct cafe_ctx *ctx, const struct cafe_err *e)
{
	if (e->msg[0])
		fprintf(stderr, "%s: %s\n", ctx->prog, e->msg);
}

int
cafe_usage_error(const struct cafe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", ctx->prog);
	return CAFE_USAGE;
}

void
cafe_ctx_info(const struct cafe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	fprintf(stderr, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cafe_print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(o);
}

struct cafe_table {
	size_t ncols, nrows, cap;
	char **cells;               /* (nrows + 1) * ncols, row 0 the headers */
	int *right;
};

struct cafe_table *
cafe_table_new(size_t ncols, const char *const *headers)
{
	struct cafe_table *t = cafe_xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->right = cafe_xcalloc(ncols, sizeof *t->right);
	t->cap = 16;
	t->cells = cafe_xcalloc(t->cap * ncols, sizeof *t->cells);
	for (size_t i = 0; i < ncols; i++) {
		t->right[i] = headers[i][0] == '>';
		t->cells[i] = cafe_xstrdup(headers[i] + t->right[i]);
	}
	t->nrows = 1;
	return t;
}

void
cafe_table_add(struct cafe_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap *= 2;
		t->cells = cafe_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = cafe_xstrdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

/* Display width: code points, which is right for the text a café has. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void
cafe_table_print(struct cafe_table *t, FILE *f)
{
	size_t *w = cafe_xcalloc(t->ncols, sizeof *w);

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t n = width(t->cells[r * t->ncols + i]);
			if (n > w[i])
				w[i] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			const char *cell = t->cells[r * t->ncols + i];
			size_t pad = w[i] - width(cell);
			int last = i + 1 == t->ncols;

			if (t->right[i])
				fprintf(f, "%*s%s", (int)pad, "", cell);
			else
				fprintf(f, "%s%*s", cell, last ? 0 : (int)pad, "");
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	free(w);
}

void
cafe_table_free(struct cafe_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}
