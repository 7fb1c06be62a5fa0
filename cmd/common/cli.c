/*
 * cli.c - global options, config and database lookup, error printing and
 * tables: the parts every program's main() shares (cli.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"
#include "base/people.h"

/* A global option returned by getopt_long: 1 when it was one (--help and
 * --version print their answer and set ctx->answered), else 0. */
static int
global_opt(struct cafe_ctx *ctx, int c, const char *arg)
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
		ctx->answered = 1;
		return 1;
	case CAFE_OPT_VERSION:
		printf("%s %s\n", ctx->prog, CAFE_VERSION);
		ctx->answered = 1;
		return 1;
	}
	return 0;
}

/*
 * Global options anywhere, the program's own anywhere after the verb,
 * operands collected in order (getopt permutes argv so that they sit at
 * argv[*first..]). Returns 0, a usage error (e set), or -1 once --help or
 * --version has been answered.
 */
static int
is_key_opt(const struct cafe_program *p, int c)
{
	for (const struct option *lo = p->longopts; lo->name; lo++)
		if (lo->val == c)
			return strcmp(lo->name, "key") == 0;
	return 0;
}

static int
parse(struct cafe_ctx *ctx, const struct cafe_program *p, void *opts, int argc,
    char **argv, int *first, struct cafe_err *e)
{
	int c;

	/* Leading ':' to report a missing argument ourselves; no '+' so that
	 * options may follow the subcommand and its operands. */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":qvh", p->longopts, NULL)) != -1) {
		if (c == '?') {
			if (optopt)
				return cafe_err_set(e, CAFE_USAGE, "unknown option '-%c'", optopt);
			return cafe_err_set(e, CAFE_USAGE, "unknown option '%s'",
			    argv[optind - 1]);
		}
		if (c == ':')
			return cafe_err_set(e, CAFE_USAGE, "option '%s' needs a value",
			    argv[optind - 1]);
		if (global_opt(ctx, c, optarg)) {
			if (ctx->answered)
				return -1;
			continue;
		}
		if (c >= CAFE_OPT_FIRST_LOCAL && c < CAFE_OPT_FIRST_LOCAL + 32)
			ctx->given |= CAFE_OPT_BIT(c);
		if (!p->local)
			return cafe_err_set(e, CAFE_USAGE, "unknown option '%s'",
			    argv[optind - 1]);
		/* An empty key would silently mean none: a retry would then
		 * do the work twice. Every program's --key is refused so. */
		if (optarg && !*optarg && is_key_opt(p, c))
			return cafe_err_set(e, CAFE_USAGE, "--key wants a key: an empty "
			    "one would be no key, and a retry would do it twice");
		p->local(opts, c, optarg);
	}
	*first = optind;
	return 0;
}

/* The long name of the program's own option with bit `bit`. */
static const char *
opt_name(const struct cafe_program *p, int bit)
{
	for (const struct option *lo = p->longopts; lo->name; lo++)
		if (lo->val == CAFE_OPT_FIRST_LOCAL + bit)
			return lo->name;
	return "?";
}

static int
first_bit(unsigned bits)
{
	int i = 0;

	while (!(bits & 1u)) {
		bits >>= 1;
		i++;
	}
	return i;
}

int
cafe_cli_only(const struct cafe_ctx *ctx, unsigned allowed, const char *label)
{
	unsigned extra = ctx->given & ~allowed;

	if (!extra)
		return 0;
	return cafe_usage_error(ctx, "'%s' takes no --%s", label,
	    opt_name(ctx->program, first_bit(extra)));
}

static const struct cafe_verb *
find_verb(const struct cafe_program *p, const char *name)
{
	for (const struct cafe_verb *v = p->verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static int
unknown_verb(const struct cafe_ctx *ctx, const char *name)
{
	const struct cafe_program *p = ctx->program;
	char list[256] = "";
	size_t n = 0, len = 0;

	if (!(p->say & CAFE_SAY_VERBS))
		return cafe_usage_error(ctx, "unknown subcommand '%s'", name);
	while (p->verbs[n].name)
		n++;
	for (size_t i = 0; i < n && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", p->verbs[i].name);
	return cafe_usage_error(ctx, "unknown subcommand '%s' (%s)", name, list);
}

/* The operands and options a verb takes, as its table entry says. */
static int
check_verb(struct cafe_ctx *ctx, const struct cafe_verb *v, int argc)
{
	const struct cafe_program *p = ctx->program;
	unsigned extra = ctx->given & ~v->takes;

	if (v->min_args >= 0 && (argc < v->min_args || argc > v->max_args)) {
		if (v->args_msg)
			return cafe_usage_error(ctx, "%s", v->args_msg);
		return cafe_usage_error(ctx, "'%s' takes no arguments", v->name);
	}
	if (!extra)
		return 0;
	if (v->takes_msg)
		return cafe_usage_error(ctx, "'%s' takes %s", v->name, v->takes_msg);
	if (p->say & CAFE_SAY_OWNER) {
		int bit = first_bit(extra);

		for (const struct cafe_verb *w = p->verbs; w->name; w++)
			if (w->takes & (1u << bit))
				return cafe_usage_error(ctx, "only '%s' takes --%s", w->name,
				    opt_name(p, bit));
	}
	return cafe_cli_only(ctx, v->takes, v->name);
}

static int
open_log(struct cafe_ctx *ctx, enum cafe_verb_open how, struct cafe_err *e)
{
	int status;

	switch (how) {
	case CAFE_OPEN_CREATE:
		return cafe_ctx_open(ctx, CAFE_LOG_CREATE, e);
	case CAFE_OPEN_READ:
		return cafe_ctx_open(ctx, CAFE_LOG_READONLY, e);
	case CAFE_OPEN_PEEK:
		status = cafe_ctx_open(ctx, 0, e);
		return status && e->missing ? 0 : status;
	case CAFE_OPEN_WRITE:
		break;
	}
	return cafe_ctx_open(ctx, 0, e);
}

/*
 * A closed stdin, stdout or stderr stays closed: each gets /dev/null
 * opened the other way round, so that it fails as a closed one does
 * (EBADF), and no database connection or file opened later can land on
 * it and take a printed line (a PostgreSQL socket on fd 1 did).
 */
static void
hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);

			if (got >= 0 && got != fd) {
				dup2(got, fd);
				close(got);
			}
		}
}

int
cafe_cli_main(const struct cafe_program *p, void *opts, int argc, char **argv)
{
	struct cafe_ctx ctx;
	struct cafe_err e = { 0, "", 0, 0 };
	const struct cafe_verb *v;
	enum cafe_verb_open how;
	const char *name = p->default_verb;
	int first = 1, status;

	hold_std_fds();
	/* Widths of text in tables come from the C library (wcwidth), which
	 * knows them in a UTF-8 locale only: the user's, else C.UTF-8. Only
	 * character types change; messages and numbers stay as they are. */
	if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	memset(&ctx, 0, sizeof ctx);
	ctx.prog = p->name;
	ctx.usage = p->usage;
	ctx.program = p;
	if ((status = parse(&ctx, p, opts, argc, argv, &first, &e)) != 0)
		return status < 0 ? 0 : cafe_usage_error(&ctx, "%s", e.msg);
	if (first < argc)
		name = argv[first++];
	else if (!name)
		return cafe_usage_error(&ctx, "no subcommand given");
	argc -= first;
	argv += first;
	if (!(v = find_verb(p, name)))
		return unknown_verb(&ctx, name);
	ctx.verb = v;
	how = v->open;
	if ((status = check_verb(&ctx, v, argc)) != 0 ||
	    (v->check && (status = v->check(&ctx, opts, argc, argv, &how)) != 0))
		return status;
	if ((status = open_log(&ctx, how, &e)) != 0)
		cafe_ctx_error(&ctx, &e);
	else
		status = v->run(&ctx, opts, argc, argv);
	cafe_ctx_close(&ctx);
	return status;
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
	cafe_people_zone(ctx->config.timezone, ctx->config.currency);
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
	cafe_log_set_shop(ctx->log, ctx->config.shop);
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
cafe_print_json(json_t *data)
{
	char *s = json_dumps(data, JSON_COMPACT);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(data);
}

const char *
cafe_int_cell(char *buf, size_t n, const json_t *row, const char *key)
{
	snprintf(buf, n, "%lld", (long long)json_integer_value(json_object_get(row, key)));
	return buf;
}

/*
 * Rows are kept in memory up to SPILL_ROWS, then written to a temporary
 * file that print reads back: a table of a million orders costs its
 * widths, not its rows (each row's widths are taken as it is added).
 */
#define SPILL_ROWS 2048

struct cafe_table {
	size_t ncols, nrows, cap;
	char **cells;               /* nrows * ncols, row 0 the headers */
	size_t *w;                  /* the widest cell of each column so far */
	FILE *spill;                /* rows 1.. that went to disk, in order */
	size_t nspilled;
	int *right;
	int *elastic;               /* '~': free text, cut first */
	int *optional;              /* '?': left out when the screen is too narrow */
	const char *(**color)(const char *cell);    /* per column, or NULL */
};

struct cafe_table *
cafe_table_new(size_t ncols, const char *const *headers)
{
	struct cafe_table *t = cafe_xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->right = cafe_xcalloc(ncols, sizeof *t->right);
	t->elastic = cafe_xcalloc(ncols, sizeof *t->elastic);
	t->optional = cafe_xcalloc(ncols, sizeof *t->optional);
	t->color = cafe_xcalloc(ncols, sizeof *t->color);
	t->w = cafe_xcalloc(ncols, sizeof *t->w);
	t->cap = 16;
	t->cells = cafe_xcalloc(t->cap * ncols, sizeof *t->cells);
	for (size_t i = 0; i < ncols; i++) {
		const char *h = headers[i];

		for (;; h++) {
			if (*h == '>')
				t->right[i] = 1;
			else if (*h == '~')
				t->elastic[i] = 1;
			else if (*h == '?')
				t->optional[i] = 1;
			else
				break;
		}
		t->cells[i] = cafe_xstrdup(h);
		t->w[i] = cafe_text_width(h);
	}
	t->nrows = 1;
	return t;
}

/* Writes the rows held after the headers to the spill file: each cell
 * with its terminating NUL. Without a file they stay in memory. */
static void
spill(struct cafe_table *t)
{
	if (!t->spill && !(t->spill = tmpfile()))
		return;
	for (size_t r = 1; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			char **c = &t->cells[r * t->ncols + i];

			fwrite(*c, 1, strlen(*c) + 1, t->spill);
			free(*c);
		}
	t->nspilled += t->nrows - 1;
	t->nrows = 1;
}

void
cafe_table_add(struct cafe_table *t, const char *const *cells)
{
	if (t->nrows > SPILL_ROWS)
		spill(t);
	if (t->nrows == t->cap) {
		t->cap *= 2;
		t->cells = cafe_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		size_t n = cafe_text_width(c);

		t->cells[t->nrows * t->ncols + i] = cafe_xstrdup(c);
		if (n > t->w[i])
			t->w[i] = n;
	}
	t->nrows++;
}

void
cafe_table_color(struct cafe_table *t, size_t col, const char *(*fn)(const char *cell))
{
	if (col < t->ncols)
		t->color[col] = fn;
}

void
cafe_format_age(long long s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

int
cafe_utf8_locale(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return 0;
}

int
cafe_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

int
cafe_term_width(FILE *f)
{
	struct winsize ws;
	const char *s;
	long long n;

	if (!isatty(fileno(f)))
		return 0;
	if ((s = getenv("COLUMNS")) && cafe_parse_ll(s, 10, 10000, &n) == 0)
		return (int)n;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Prints cell cut to w columns (with an ellipsis when it is cut), padded. */
static void
print_cell(FILE *f, const char *cell, size_t w, int right, int pad, const char *sgr)
{
	const char *dots = cafe_utf8_locale() ? "\xe2\x80\xa6" : "...";
	size_t dw = cafe_utf8_locale() ? 1 : 3;
	size_t cw = cafe_text_width(cell), used = 0, n = strlen(cell);
	int cut = cw > w;

	if (cut) {
		/* Keep the characters that fit before the ellipsis. */
		n = cafe_text_fit(cell, w > dw ? w - dw : 0, &used);
		if (w < dw)
			dots = "", dw = 0;
		cw = used + dw;
	}
	if (right && w > cw)
		fprintf(f, "%*s", (int)(w - cw), "");
	if (sgr)
		fprintf(f, "\033[%sm", sgr);
	fwrite(cell, 1, n, f);
	if (cut)
		fputs(dots, f);
	if (sgr)
		fputs("\033[0m", f);
	if (!right && pad && w > cw)
		fprintf(f, "%*s", (int)(w - cw), "");
}

/*
 * Cuts the text columns that may be cut (which: ok) into `room` columns
 * of screen: the widest gives way first, as far as it must, down to the
 * width of its header (or to min, with min negative: -min, headers cut
 * too); then the next widest.
 */
static size_t
cut(struct cafe_table *t, size_t *w, size_t total, size_t room, const int *ok, int min)
{
	int *done = cafe_xcalloc(t->ncols, sizeof *done);

	while (total > room) {
		size_t best = t->ncols, low, c;

		for (size_t i = 0; i < t->ncols; i++)
			if (ok[i] && w[i] && !t->right[i] && !done[i] &&
			    (best == t->ncols || w[i] > w[best]))
				best = i;
		if (best == t->ncols)
			break;
		done[best] = 1;
		low = min < 0 ? (size_t)-min : cafe_text_width(t->cells[best]);
		if (min > 0 && low < (size_t)min)
			low = (size_t)min;
		if (w[best] <= low)
			continue;
		c = w[best] - low < total - room ? w[best] - low : total - room;
		w[best] -= c;
		total -= c;
	}
	free(done);
	return total;
}

/*
 * Fits the table into `room` columns of screen. Free text (a header
 * starting with '~') gives way first, down to 8 columns; then columns a
 * person can do without ('?') are left out (w 0), the rightmost first;
 * then free text again, down to 3; then any text column is cut as far as
 * it must (numbers never are).
 */
static void
fit(struct cafe_table *t, size_t *w, size_t room)
{
	size_t total = 0, shown = 0;
	int *all = cafe_xcalloc(t->ncols, sizeof *all);

	for (size_t i = 0; i < t->ncols; i++) {
		total += w[i];
		shown += w[i] > 0;
		all[i] = 1;
	}
	total += shown > 1 ? 2 * (shown - 1) : 0;
	total = cut(t, w, total, room, t->elastic, 8);
	for (size_t i = t->ncols; i-- > 0 && total > room; ) {
		if (!t->optional[i] || !w[i])
			continue;
		total -= w[i] + 2;
		w[i] = 0;
	}
	total = cut(t, w, total, room, t->elastic, -4);
	cut(t, w, total, room, all, 3);
	free(all);
}

static void
print_row(struct cafe_table *t, FILE *f, char *const *cells, const size_t *w, int head,
    int color)
{
	size_t end = t->ncols;

	/* No trailing blanks: empty text cells at the end are left out. */
	while (end > 1 && !t->right[end - 1] && !cells[end - 1][0])
		end--;
	/* The last column shown ends the line, without padding. */
	while (end > 1 && w[end - 1] == 0)
		end--;
	for (size_t i = 0; i < end; i++) {
		const char *sgr = NULL;
		int last = i + 1 == end;

		if (w[i] == 0 && t->optional[i])
			continue;       /* left out to fit the screen */
		if (color && head)
			sgr = "1";
		else if (color && t->color[i])
			sgr = t->color[i](cells[i]);
		print_cell(f, cells[i], w[i], t->right[i], !last, sgr);
		if (!last)
			fputs("  ", f);
	}
	fputc('\n', f);
}

/* Reads back the spilled rows in order, printing each. */
static void
print_spilled(struct cafe_table *t, FILE *f, const size_t *w, int color)
{
	char **cells = cafe_xcalloc(t->ncols, sizeof *cells);
	size_t *cap = cafe_xcalloc(t->ncols, sizeof *cap);

	rewind(t->spill);
	for (size_t r = 0; r < t->nspilled; r++) {
		for (size_t i = 0; i < t->ncols; i++)
			if (getdelim(&cells[i], &cap[i], '\0', t->spill) < 0)
				goto out;
		print_row(t, f, cells, w, 0, color);
	}
out:
	for (size_t i = 0; i < t->ncols; i++)
		free(cells[i]);
	free(cells);
	free(cap);
}

void
cafe_table_print(struct cafe_table *t, FILE *f)
{
	size_t *w = cafe_xcalloc(t->ncols, sizeof *w);
	int room = cafe_term_width(f), color = cafe_color(f);

	memcpy(w, t->w, t->ncols * sizeof *w);
	if (room > 0)
		fit(t, w, (size_t)room);
	print_row(t, f, t->cells, w, 1, color);
	if (t->spill)
		print_spilled(t, f, w, color);
	for (size_t r = 1; r < t->nrows; r++)
		print_row(t, f, &t->cells[r * t->ncols], w, 0, color);
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
	free(t->w);
	if (t->spill)
		fclose(t->spill);
	free(t->right);
	free(t->elastic);
	free(t->optional);
	free(t->color);
	free(t);
}

volatile sig_atomic_t cafe_stop;

static void
on_stop(int sig)
{
	(void)sig;
	cafe_stop = 1;
}

void
cafe_stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}
