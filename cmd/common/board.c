/*
 * board.c - the kitchen's screen (board.h).
 *
 * One thread draws and reads keys; the log's commit watcher
 * (cafe_log_watch), with a log connection of its own, writes a byte to a
 * pipe on each commit. The first polls the keyboard and that
 * pipe, reloads the queue when the pipe says so, and redraws every second
 * so that the waits move on. Keys run the same steps as the cafe-deliver
 * verbs (cafe_delivery_step), so every rule and refusal is theirs; a
 * refusal shows on the status line. The terminal is given back as it was
 * (endwin) on q, SIGINT and SIGTERM, and on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "board.h"
#include "domain/delivery.h"
#include "domain/items.h"
#include "base/people.h"
#include "view/trace.h"

struct ticket {
	long long id;
	long long number;           /* the day's ticket, called out; else the id */
	char status[16];            /* brewing, ready, dispatched; later: paid
	                             * and to be started before its pick-up */
	char *items;                /* for the kitchen: choices, note and all */
	char *rider;
	long long placed_ms;
	long long pickup_ms;        /* 0: as soon as it can be made */
};

struct board {
	struct cafe_ctx *ctx;
	struct ticket *t;
	size_t n, cap;
	long long selected;         /* an order id; 0: none */
	size_t top;                 /* the first ticket shown */
	char note[512];             /* the status line's message */
	int note_bad;
	int color;
	int wake[2];                /* the watcher writes a byte per commit */
	int stale;                  /* the last read failed: the queue shown is
				     * older, and is read again each second */
	struct cafe_log *watch_log;
	struct cafe_log_watch *watcher;
};

static volatile sig_atomic_t quit_signal;

static void
on_quit(int sig)
{
	quit_signal = sig;
}

enum { PAIR_LATE = 1, PAIR_READY, PAIR_OUT, PAIR_BAD };

/* --- the queue --- */

static void
tickets_clear(struct board *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->t[i].items);
		free(b->t[i].rider);
	}
	b->n = 0;
}

static int
add_ticket(json_t *row, void *arg)
{
	struct board *b = arg;
	const char *order = json_string_value(json_object_get(row, "order_status"));
	const char *st = json_string_value(json_object_get(row, "delivery_status"));
	const char *rider = json_string_value(json_object_get(row, "rider"));
	const char *pickup = json_string_value(json_object_get(row, "pickup_at"));
	const char *note_text = json_string_value(json_object_get(row, "note"));
	struct ticket *t;
	char *items;
	int later;

	/* A cancelled or rejected order leaves the queue at once, before the
	 * daemon cancels its delivery (as cafe-deliver list shows it). */
	if (!order || !st || strcmp(order, "paid") != 0)
		return 0;
	/* Paid and not started: an order to be picked up later waits
	 * under "later" until the daemon starts it. */
	later = strcmp(st, "pending") == 0 && pickup;
	if (!later && strcmp(st, "brewing") && strcmp(st, "ready") && strcmp(st, "dispatched"))
		return 0;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->t = cafe_xrealloc(b->t, b->cap * sizeof *b->t);
	}
	t = &b->t[b->n++];
	t->id = json_integer_value(json_object_get(row, "order_id"));
	t->number = json_integer_value(json_object_get(row, "ticket"));
	if (t->number <= 0)
		t->number = t->id;
	snprintf(t->status, sizeof t->status, "%s", later ? "later" : st);
	items = cafe_items_text(json_object_get(row, "items"));
	{
		int takeout = json_is_true(json_object_get(row, "takeout"));
		size_t n = strlen(items) + (note_text ? strlen(note_text) : 0) + 24;

		/* How it leaves the kitchen first: a cup to go or a cup here. */
		t->items = cafe_xmalloc(n);
		snprintf(t->items, n, "%s%s%s%s%s", takeout ? "TO GO  " : "", items,
		    note_text ? "  \"" : "", note_text ? note_text : "", note_text ? "\"" : "");
		free(items);
	}
	t->pickup_ms = later ? cafe_parse_ts(pickup) : 0;
	t->rider = cafe_xstrdup(rider ? rider : "");
	t->placed_ms = cafe_parse_ts(json_string_value(json_object_get(row, "placed_at")));
	return 0;
}

static int
oldest_first(const void *x, const void *y)
{
	const struct ticket *a = x, *b = y;

	/* What is to be made now comes first; the later ones after it, the
	 * soonest pick-up first. */
	if ((a->pickup_ms > 0) != (b->pickup_ms > 0))
		return a->pickup_ms > 0 ? 1 : -1;
	if (a->pickup_ms != b->pickup_ms)
		return a->pickup_ms < b->pickup_ms ? -1 : 1;
	if (a->placed_ms != b->placed_ms)
		return a->placed_ms < b->placed_ms ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static size_t
selected_index(const struct board *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->t[i].id == b->selected)
			return i;
	return 0;
}

static int
reload(struct board *b, struct cafe_err *e)
{
	struct cafe_trace_query q = { 0 };
	size_t keep = selected_index(b);
	int status;

	q.shop = b->ctx->config.shop;   /* the kitchen's own shop's orders */

	struct ticket *old = b->t;
	size_t oldn = b->n, oldcap = b->cap;

	/* Read into a new queue: a failed read leaves the one shown. */
	b->t = NULL;
	b->n = b->cap = 0;
	if ((status = cafe_trace_list(b->ctx->log, &q, add_ticket, b, e)) != 0) {
		tickets_clear(b);
		free(b->t);
		b->t = old, b->n = oldn, b->cap = oldcap;
		return status;
	}
	{
		struct ticket *now = b->t;
		size_t n = b->n, cap = b->cap;

		b->t = old, b->n = oldn;
		tickets_clear(b);
		free(old);
		b->t = now, b->n = n, b->cap = cap;
	}
	qsort(b->t, b->n, sizeof *b->t, oldest_first);
	/* The selection stays on its order; when that order left the board,
	 * on the one that took its place. */
	for (size_t i = 0; i < b->n; i++)
		if (b->t[i].id == b->selected)
			return 0;
	b->selected = b->n ? b->t[keep < b->n ? keep : b->n - 1].id : 0;
	return 0;
}

/* --- drawing --- */

/* Text at (y, x), cut to w columns and padded to them. */
static void
put(int y, int x, const char *s, size_t w)
{
	size_t used, n = cafe_text_fit(s ? s : "", w, &used);

	mvaddnstr(y, x, s ? s : "", (int)n);
	for (; used < w; used++)
		addch(' ');
}

static void
draw(struct board *b)
{
	int rows, cols, late_ms = b->ctx->config.kitchen.late_after_ms;
	size_t making = 0, ready = 0, out = 0, later = 0, sel = selected_index(b), shown;
	long long now = cafe_now_ms();
	char head[256], clock[64];

	getmaxyx(stdscr, rows, cols);
	erase();
	if (rows < 4 || cols < 20) {
		put(0, 0, "(too small)", (size_t)cols);
		refresh();
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		making += strcmp(b->t[i].status, "brewing") == 0;
		ready += strcmp(b->t[i].status, "ready") == 0;
		out += strcmp(b->t[i].status, "dispatched") == 0;
		later += b->t[i].pickup_ms > 0;
	}
	{
		char ts[32];

		cafe_format_ts(now, ts, sizeof ts);
		cafe_local_short(ts, now, clock, sizeof clock);
		snprintf(clock + strlen(clock), sizeof clock - strlen(clock), " %s",
		    cafe_local_zone());
	}
	snprintf(head, sizeof head, " KITCHEN  %zu making, %zu ready, %zu out", making, ready, out);
	if (later)
		snprintf(head + strlen(head), sizeof head - strlen(head), ", %zu later", later);
	attron(A_REVERSE);
	put(0, 0, head, (size_t)cols);
	mvaddstr(0, cols - (int)strlen(clock) - 1 > (int)strlen(head) ?
	    cols - (int)strlen(clock) - 1 : cols, clock);
	attroff(A_REVERSE);
	attron(A_BOLD);
	put(1, 0, "  ORDER  STATUS      WAITED  ITEMS", (size_t)cols);
	attroff(A_BOLD);

	shown = (size_t)(rows - 3);
	if (sel < b->top)
		b->top = sel;
	if (sel >= b->top + shown)
		b->top = sel - shown + 1;
	if (b->top > 0 && b->top + shown > b->n)
		b->top = b->n > shown ? b->n - shown : 0;
	for (size_t i = b->top; i < b->n && i < b->top + shown; i++) {
		const struct ticket *t = &b->t[i];
		int y = 2 + (int)(i - b->top), is_sel = t->id == b->selected;
		int late = !t->pickup_ms && t->placed_ms > 0 && now - t->placed_ms > late_ms;
		char id[32], waited[32], items[1024];
		int pair = strcmp(t->status, "ready") == 0 ? PAIR_READY :
		    strcmp(t->status, "dispatched") == 0 ? PAIR_OUT : 0;

		snprintf(id, sizeof id, "%c%6lld", is_sel ? '>' : ' ', t->number);
		if (t->pickup_ms > 0)
			cafe_local_format(t->pickup_ms, "%H:%M", waited, sizeof waited);
		else
			cafe_format_age(t->placed_ms > 0 ? (now - t->placed_ms) / 1000 : 0,
			    waited, sizeof waited);
		if (t->rider[0])
			snprintf(items, sizeof items, "%s (rider %s)", t->items, t->rider);
		else
			snprintf(items, sizeof items, "%s", t->items);
		if (is_sel)
			attron(A_REVERSE);
		put(y, 0, id, 9);
		if (b->color && pair)
			attron(COLOR_PAIR(pair));
		put(y, 9, t->status, 12);
		if (b->color && pair)
			attroff(COLOR_PAIR(pair));
		if (late)
			attron(A_BOLD | (b->color ? COLOR_PAIR(PAIR_LATE) : 0));
		mvprintw(y, 21, "%6s", waited);
		if (late)
			attroff(A_BOLD | (b->color ? COLOR_PAIR(PAIR_LATE) : 0));
		put(y, 27, "  ", 2);
		put(y, 29, items, cols > 29 ? (size_t)(cols - 29) : 0);
		if (is_sel)
			attroff(A_REVERSE);
	}
	if (b->n == 0)
		put(2, 2, "nothing to make", (size_t)cols - 2);
	if (b->note[0]) {
		if (b->note_bad)
			attron(A_BOLD | (b->color ? COLOR_PAIR(PAIR_BAD) : 0));
		put(rows - 1, 0, b->note, (size_t)cols);
		if (b->note_bad)
			attroff(A_BOLD | (b->color ? COLOR_PAIR(PAIR_BAD) : 0));
	} else {
		attron(A_DIM);
		put(rows - 1, 0, " up/down select  r ready  d dispatch  c delivered  q quit",
		    (size_t)cols);
		attroff(A_DIM);
	}
	refresh();
}

/* --- the watcher thread --- */

/* The log's commit watcher calls this for each commit: a byte down the
 * pipe wakes the screen's thread. */
static void
on_commit(void *arg, struct cafe_log *log, long long head)
{
	struct board *b = arg;

	ssize_t n;

	(void)log, (void)head;
	/* Non-blocking: a full pipe holds a wake-up already. */
	n = write(b->wake[1], "x", 1);
	(void)n;
}

/* --- keys --- */

static void
note(struct board *b, int bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct board *b, int bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->note, sizeof b->note, fmt, ap);
	va_end(ap);
	b->note_bad = bad;
}

/* Asks for a line on the status line: 1 with it in buf, 0 when Escape
 * (or a signal) took it back. */
static int
ask(struct board *b, const char *prompt, char *buf, size_t n)
{
	int rows, cols;
	size_t len = 0;

	getmaxyx(stdscr, rows, cols);
	(void)cols;
	buf[0] = '\0';
	curs_set(1);
	for (;;) {
		int c;

		move(rows - 1, 0);
		clrtoeol();
		attron(A_BOLD);
		mvprintw(rows - 1, 0, "%s%s", prompt, buf);
		attroff(A_BOLD);
		refresh();
		c = getch();
		if (quit_signal || c == 27) {
			curs_set(0);
			return 0;
		}
		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			break;
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len > 0) {
			/* Back over one whole UTF-8 character. */
			while (len > 0 && ((unsigned char)buf[--len] & 0xc0) == 0x80)
				;
			buf[len] = '\0';
		} else if (c >= 0x20 && c < 0x100 && c != 127 && len + 1 < n) {
			buf[len++] = (char)c;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	(void)b;
	return 1;
}

static void
step(struct board *b, enum cafe_delivery_step s)
{
	static const char *const done[] = { "ready", "dispatched", "delivered" };
	struct cafe_err e = { 0, "", 0, 0 };
	char rider[CAFE_MAX_NAME * 4 + 1];
	const char *text = NULL;

	if (!b->selected) {
		note(b, 1, " nothing selected");
		return;
	}
	if (s == CAFE_STEP_DISPATCH) {
		char prompt[64];

		snprintf(prompt, sizeof prompt, " order %lld, rider (Enter: none, Esc: back): ",
		    b->selected);
		if (!ask(b, prompt, rider, sizeof rider)) {
			b->note[0] = '\0';
			return;
		}
		text = rider[0] ? rider : NULL;
	}
	if (cafe_delivery_step(b->ctx->log, s, b->selected, text, NULL, &e) != 0)
		note(b, 1, " %s", e.msg);
	else
		note(b, 0, " order %lld %s", b->selected, done[s]);
}

static void
move_selection(struct board *b, int by)
{
	size_t i = selected_index(b);

	if (b->n == 0)
		return;
	if (by < 0 && i > 0)
		i--;
	else if (by > 0 && i + 1 < b->n)
		i++;
	b->selected = b->t[i].id;
}

/* 1 to go on, 0 to quit. */
static int
key(struct board *b, int c)
{
	switch (c) {
	case 'q': case 'Q':
		return 0;
	case KEY_UP: case 'k':
		move_selection(b, -1);
		b->note[0] = '\0';
		break;
	case KEY_DOWN: case 'j':
		move_selection(b, 1);
		b->note[0] = '\0';
		break;
	case KEY_HOME: case 'g':
		b->selected = b->n ? b->t[0].id : 0;
		break;
	case KEY_END: case 'G':
		b->selected = b->n ? b->t[b->n - 1].id : 0;
		break;
	case 'r':
		step(b, CAFE_STEP_READY);
		break;
	case 'd':
		step(b, CAFE_STEP_DISPATCH);
		break;
	case 'c':
		step(b, CAFE_STEP_COMPLETE);
		break;
	case KEY_RESIZE: case 12:       /* ^L */
		clearok(curscr, TRUE);
		break;
	}
	return 1;
}

/* --- the loop --- */

static int
no_terminal(struct cafe_err *e, const char *why)
{
	return cafe_err_set(e, CAFE_USAGE, "the board needs a terminal (%s); "
	    "'cafe-deliver list' prints the queue", why);
}

int
cafe_board_run(struct cafe_ctx *ctx, struct cafe_err *e)
{
	struct board b;
	struct sigaction sa, old_int, old_term;
	const char *term = getenv("TERM");
	SCREEN *scr;
	int status = 0, rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return no_terminal(e, "standard input and output are not one");
	if (!term || !*term || strcmp(term, "dumb") == 0)
		return no_terminal(e, "TERM is dumb or unset");
	memset(&b, 0, sizeof b);
	b.ctx = ctx;
	b.wake[0] = b.wake[1] = -1;
	if ((status = reload(&b, e)) != 0)
		goto out;
	if (pipe(b.wake) != 0) {
		status = cafe_err_set(e, CAFE_IOERR, "pipe: %s", strerror(errno));
		goto out;
	}
	fcntl(b.wake[0], F_SETFL, O_NONBLOCK);
	fcntl(b.wake[1], F_SETFL, O_NONBLOCK);
	if ((status = cafe_log_open(&b.watch_log, ctx->db_path, CAFE_LOG_READONLY, e)) != 0)
		goto out;
	if ((status = cafe_log_watch_start(&b.watcher, b.watch_log,
	    cafe_log_head(b.watch_log, e), 500, 500, on_commit, &b, e)) != 0) {
		cafe_log_close(b.watch_log);
		b.watch_log = NULL;
		goto out;
	}
	if (!(scr = newterm(NULL, stdout, stdin))) {
		status = no_terminal(e, "its TERM is not known to curses");
		goto stop;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	nodelay(stdscr, TRUE);
	b.color = cafe_color(stdout) && has_colors();
	if (b.color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_LATE, COLOR_RED, -1);
		init_pair(PAIR_READY, COLOR_GREEN, -1);
		init_pair(PAIR_OUT, COLOR_CYAN, -1);
		init_pair(PAIR_BAD, COLOR_RED, -1);
	}
	draw(&b);
	while (!quit_signal) {
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { b.wake[0], POLLIN, 0 } };
		int c, dirty = 0, go = 1;
		char buf[64];

		rc = poll(p, 2, 1000);
		if (rc < 0 && errno != EINTR)
			break;
		while ((c = getch()) != ERR && go) {
			go = key(&b, c);
			dirty = 1;
		}
		if (!go)
			break;
		if (p[1].revents & POLLIN) {
			while (read(b.wake[0], buf, sizeof buf) > 0)
				;
			dirty = 1;
		}
		/* A step of ours commits too: the watcher says so. A log that
		 * cannot be read (busy, a server away) is said, not fatal: the
		 * screen keeps what it had, read again each second until it
		 * can be, and then says so. */
		if (dirty || b.stale) {
			if (reload(&b, e) != 0) {
				note(&b, 1, " the queue as it was: %s", e->msg);
				b.stale = 1;
			} else if (b.stale) {
				note(&b, 0, " the log is read again");
				b.stale = 0;
			}
		}
		draw(&b);
	}
	endwin();
	delscreen(scr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
stop:
	cafe_log_watch_stop(b.watcher);
	cafe_log_close(b.watch_log);
out:
	if (b.wake[0] >= 0)
		close(b.wake[0]);
	if (b.wake[1] >= 0)
		close(b.wake[1]);
	tickets_clear(&b);
	free(b.t);
	return status;
}
