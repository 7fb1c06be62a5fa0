/*
 * send.c - sending the customer's messages (outbox.h): the three
 * channels (file, command through lib/base/child.c, stdout), the claims, one
 * round per message, and the sender's loop. The invariants are listed in
 * outbox.c.
 */
#include "outbox-priv.h"

#define MAX_DELAY_MS 3600000LL      /* backoff ceiling: an hour */
#define OUTPUT_KEEP 512             /* bytes of a command's output kept */
#define WAIT_SLICE_MS 1000          /* how late a stop can be noticed while idle */
#define MAX_PAUSE_MS 30000          /* longest wait on a failing database */

/* Keeps what a failing command said last, as printable ASCII. */
static void
tidy_output(const char *buf, size_t len, char *out, size_t n)
{
	size_t end = len, start;

	while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r' ||
	    buf[end - 1] == ' '))
		end--;
	start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (end - start >= n)
		start = end - (n - 1);
	for (size_t i = start; i < end; i++)
		*out++ = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	*out = '\0';
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
send_stdout(int closed, const char *line, size_t len, char *err, size_t n)
{
	if (closed) {
		snprintf(err, n, "cannot write to standard output: it is closed");
		return -1;
	}
	if (write_all(STDOUT_FILENO, line, len) != 0) {
		snprintf(err, n, "cannot write to standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
send_file(const char *path, const char *line, size_t len, char *err, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0) {
		snprintf(err, n, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	/* On disk before the log says sent: a power cut may resend, not lose. */
	if (write_all(fd, line, len) != 0 || fsync(fd) != 0) {
		snprintf(err, n, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, n, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs a command channel through the shared runner (child.h): the
 * message line on its stdin, its output (stdout and stderr together)
 * kept from the end, where an error is. */
static int
send_command(char *const argv[], const char *line, size_t len, int timeout_ms,
    char *err, size_t n)
{
	struct cafe_child ch;
	char said[OUTPUT_KEEP];
	int rc = -1;

	if (!argv || !argv[0]) {
		snprintf(err, n, "the command channel has no command");
		return -1;
	}
	memset(&ch, 0, sizeof ch);
	ch.argv = argv;
	ch.input = line;
	ch.inlen = len;
	ch.deadline_ms = cafe_mono_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	ch.merge_err = 1;
	if (cafe_child_run(&ch) != 0) {
		snprintf(err, n, "cannot run '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	tidy_output(ch.tail, ch.taillen, said, sizeof said);
	if (ch.exec_errno)
		snprintf(err, n, "cannot run '%s': %s", argv[0], strerror(ch.exec_errno));
	else if (ch.timedout)
		snprintf(err, n, "'%s' timed out after %d ms", argv[0], timeout_ms);
	else if (ch.wstatus == -1)
		snprintf(err, n, "'%s' vanished (reaped elsewhere)", argv[0]);
	else if (WIFSIGNALED(ch.wstatus))
		snprintf(err, n, "'%s' was killed by signal %d (%s)%s%s", argv[0],
		    WTERMSIG(ch.wstatus), strsignal(WTERMSIG(ch.wstatus)),
		    said[0] ? ": " : "", said);
	else if (WEXITSTATUS(ch.wstatus) != 0)
		snprintf(err, n, "'%s' exited with status %d%s%s", argv[0],
		    WEXITSTATUS(ch.wstatus), said[0] ? ": " : "", said);
	else
		rc = 0;
out:
	cafe_child_release(&ch);
	return rc;
}

static int
send_channel(const struct cafe_channel *ch, int stdout_closed, const char *line,
    size_t len, int timeout_ms, char *err, size_t n)
{
	switch (ch->kind) {
	case CAFE_CHAN_FILE:
		return send_file(ch->path, line, len, err, n);
	case CAFE_CHAN_COMMAND:
		return send_command(ch->argv, line, len, timeout_ms, err, n);
	case CAFE_CHAN_STDOUT:
		break;
	}
	return send_stdout(stdout_closed, line, len, err, n);
}

/* What every channel receives: one JSON object and a newline. */
static char *
message_line(const struct cafe_message *m, size_t *len)
{
	json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}",
	    "message_id", m->message_id, "order_id", (json_int_t)m->order_id,
	    "customer", m->customer ? m->customer : "",
	    "event", m->event ? m->event : "", "text", m->text ? m->text : "",
	    "ts", m->queued_at);
	char *body, *line;

	if (j && m->contact)
		json_object_set_new(j, "contact", json_string(m->contact));
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return NULL;
	line = cafe_xasprintf("%s\n", body);
	free(body);
	*len = strlen(line);
	return line;
}

/* The sender. */

struct sender {
	const struct cafe_config *c;
	struct cafe_log *log;
	const struct cafe_send_opts *o;
	struct cafe_send_stats *st;
	const struct cafe_channel **chan;   /* configured, one per name */
	char **name;
	size_t nchan;
	struct cafe_channel fallback;       /* stdout, when none is configured */
	char holder[320];
	long long lease_ms;
	long long pause_ms;                 /* a failing database: the wait before the next pass */
	int stdout_closed;                  /* descriptor 1 was closed: /dev/null now */
};

/* One channel of a round. */
struct item {
	const char *name;                   /* borrowed from the sender or the fold */
	const struct cafe_channel *ch;      /* NULL: no longer configured */
	int ok;
	char error[600];
};

struct round {
	struct sender *s;
	const char *stream;
	struct cafe_message m;
	struct item *item;
	size_t n;
	long long due_ms;                   /* earliest retry not yet due, or 0 */
	long long busy_until;               /* claimed by another live sender, or 0 */
	long long now;
};

static long long
retry_delay(const struct cafe_config *c, int attempts)
{
	return cafe_backoff_ms(c->notify.backoff_ms, attempts, MAX_DELAY_MS);
}

static const struct cafe_channel *
configured(const struct sender *s, const char *name, const char **stable)
{
	for (size_t i = 0; i < s->nchan; i++)
		if (strcmp(s->name[i], name) == 0) {
			*stable = s->name[i];
			return s->chan[i];
		}
	return NULL;
}

static void
add_item(struct round *r, const char *name, const struct cafe_channel *ch)
{
	r->item = cafe_xrealloc(r->item, (r->n + 1) * sizeof *r->item);
	memset(&r->item[r->n], 0, sizeof *r->item);
	r->item[r->n].name = name;
	r->item[r->n].ch = ch;
	r->n++;
}

/* Which channels of the folded message are due now. */
static void
plan(struct round *r)
{
	struct sender *s = r->s;
	struct cafe_message *m = &r->m;

	r->n = 0;
	r->due_ms = 0;
	if (m->nch == 0) {
		for (size_t i = 0; i < s->nchan; i++)
			add_item(r, s->name[i], s->chan[i]);
		return;
	}
	for (size_t i = 0; i < m->nch; i++) {
		const struct cafe_message_channel *mc = &m->ch[i];
		const char *name = mc->name;
		const struct cafe_channel *ch;
		long long at;

		if (mc->sent || mc->dead)
			continue;
		ch = configured(s, mc->name, &name);
		at = mc->attempts ? mc->last_ms + retry_delay(s->c, mc->attempts) : 0;
		if (ch && at > r->now) {
			if (!r->due_ms || at < r->due_ms)
				r->due_ms = at;
			continue;
		}
		add_item(r, name, ch);
	}
}

/* 1 when the holder of a claim may still be working. */
static int
holder_alive(const char *holder)
{
	char host[256];
	long pid;

	if (sscanf(holder, "%255s %ld", host, &pid) != 2)
		return 1;
	if (strcmp(host, cafe_host()) != 0)
		return 1;       /* another machine: only its lease tells */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Takes (holder != NULL) or drops the claim on a message. Dropping with a
 * holder given drops it only if it is still that holder's. */
static int
claim_write(struct cafe_db *db, int take, const char *id, const char *holder, long long until,
    struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc;

	rc = cafe_db_prepare(db, take ?
	    "INSERT INTO notify_claims(message_id, holder, until_ms) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT(message_id) DO UPDATE SET holder = ?2, until_ms = ?3" :
	    "DELETE FROM notify_claims WHERE message_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR holder = ?2)", &st);
	if (rc != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	cafe_stmt_text_ref(st, 1, id);
	if (holder)
		cafe_stmt_text_ref(st, 2, holder);
	if (take)
		cafe_stmt_int(st, 3, until);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : ob_sql_status(db, rc, e, "writing notify_claims");
}

/* First transaction of a round: fold, plan, and claim if there is work. */
static int
claim_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct round *r = arg;
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	int rc, status;

	r->n = 0;
	r->busy_until = 0;
	r->due_ms = 0;
	if ((status = ob_ensure_schema(log, e)) != 0)
		return status;
	if ((status = ob_message_load(log, r->stream, &r->m, e)) != 0)
		return status;
	if (!r->m.message_id)
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT holder, until_ms FROM notify_claims "
	    "WHERE message_id = ?", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	cafe_stmt_text_ref(st, 1, r->m.message_id);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *holder = cafe_col_text(st, 0);
		long long until = cafe_col_int(st, 1);

		if (strcmp(holder, r->s->holder) != 0 && until > r->now &&
		    holder_alive(holder))
			r->busy_until = until;
	} else if (rc != CAFE_DB_DONE) {
		status = ob_sql_status(db, rc, e, "reading notify_claims");
	}
	cafe_stmt_free(st);
	if (status || r->busy_until)
		return status;
	plan(r);
	if (r->n == 0)          /* nothing due: a stale claim goes */
		return claim_write(db, 0, r->m.message_id, NULL, 0, e);
	return claim_write(db, 1, r->m.message_id, r->s->holder,
	    r->now + r->s->lease_ms, e);
}

struct record {
	struct round *r;
	struct cafe_message fresh;
	struct cafe_send_report *rep;
	size_t nrep;
};

static struct cafe_message_channel *
find_channel(struct cafe_message *m, const char *name)
{
	for (size_t i = 0; i < m->nch; i++)
		if (strcmp(m->ch[i].name, name) == 0)
			return &m->ch[i];
	return NULL;
}

/* Second transaction of a round: what the channels said, against a fresh
 * fold, and the claim dropped. */
static int
record_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct record *rec = arg;
	struct round *r = rec->r;
	struct cafe_message *m = &rec->fresh;
	struct cafe_batch b;
	int status, first;

	rec->nrep = 0;
	if ((status = ob_message_load(log, r->stream, m, e)) != 0)
		return status;
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", m->order_id);
	snprintf(b.causation_id, sizeof b.causation_id, "%s", m->queued_id);
	first = !m->ever_sent;
	for (size_t i = 0; i < r->n; i++) {
		struct item *it = &r->item[i];
		struct cafe_message_channel *mc = find_channel(m, it->name);
		struct cafe_send_report *rp = &rec->rep[rec->nrep];
		int attempt = (mc ? mc->attempts : 0) + 1;
		json_t *data;

		if (mc && (mc->sent || (mc->dead && !it->ok)))
			continue;       /* recorded by someone else meanwhile */
		if (it->ok) {
			data = json_pack("{s:I, s:s, s:s, s:i, s:b}",
			    "order_id", (json_int_t)m->order_id, "message_id", m->message_id,
			    "channel", it->name, "attempt", attempt, "first", first);
			first = 0;
		} else {
			data = json_pack("{s:I, s:s, s:s, s:i, s:s, s:b}",
			    "order_id", (json_int_t)m->order_id, "message_id", m->message_id,
			    "channel", it->name, "attempt", attempt, "error", it->error,
			    "dead", !it->ch || attempt >= r->s->c->notify.max_attempts);
		}
		cafe_batch_add(&b, m->stream, m->version + (long long)b.n,
		    it->ok ? CAFE_EV_NOTIFICATION_SENT : CAFE_EV_NOTIFICATION_FAILED, data);
		*rp = (struct cafe_send_report){ m->message_id, m->order_id, it->name,
		    attempt, r->s->c->notify.max_attempts, it->ok,
		    !it->ok && json_is_true(json_object_get(data, "dead")),
		    it->ok ? NULL : it->error };
		rec->nrep++;
	}
	if (b.n > 0)
		status = cafe_log_append(log, &b, e);
	cafe_batch_release(&b);
	if (status == 0)
		status = claim_write(cafe_log_store(log), 0, m->message_id, r->s->holder,
		    0, e);
	return status;
}

/* One message: claim, send to its due channels, record. */
static int
round_run(struct round *r, int *did, struct cafe_err *e)
{
	struct sender *s = r->s;
	struct record rec;
	char *line = NULL;
	size_t len = 0;
	int status;

	*did = 0;
	r->now = cafe_db_now_ms(cafe_log_store(s->log));
	r->busy_until = 0;
	/* A look without the write lock first: a retry waiting for its backoff
	 * costs no lock. */
	if ((status = ob_message_load(s->log, r->stream, &r->m, e)) != 0)
		return status;
	plan(r);
	if (r->n == 0)
		return 0;
	if ((status = cafe_log_transact(s->log, claim_txn, r, e)) != 0)
		return status;
	if (r->busy_until || r->n == 0)
		return 0;
	if (!(line = message_line(&r->m, &len)))
		for (size_t i = 0; i < r->n; i++)
			snprintf(r->item[i].error, sizeof r->item[i].error,
			    "the message cannot be encoded as JSON");
	for (size_t i = 0; line && i < r->n; i++) {
		struct item *it = &r->item[i];

		if (!it->ch)
			snprintf(it->error, sizeof it->error,
			    "channel '%s' is no longer configured", it->name);
		else
			it->ok = send_channel(it->ch, s->stdout_closed, line, len,
			    s->o->timeout_ms, it->error, sizeof it->error) == 0;
	}
	free(line);

	memset(&rec, 0, sizeof rec);
	rec.r = r;
	rec.rep = cafe_xcalloc(r->n, sizeof *rec.rep);
	cafe_message_init(&rec.fresh);
	if ((status = cafe_log_transact(s->log, record_txn, &rec, e)) == 0) {
		for (size_t i = 0; i < rec.nrep; i++) {
			const struct cafe_send_report *rp = &rec.rep[i];

			if (rp->ok)
				s->st->sent++;
			else if (rp->dead)
				s->st->dead++;
			else
				s->st->failed++;
			if (s->o->report)
				s->o->report(s->o->arg, rp);
		}
		*did = 1;
	}
	free(rec.rep);
	cafe_message_release(&rec.fresh);
	return status;
}

/* The streams of the messages that may have work, oldest first. */
static int
candidates(struct cafe_log *log, char ***out, size_t *n, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!cafe_db_has(db, "notify_outbox", NULL))
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT stream FROM notify_outbox "
	    "WHERE status IN ('queued', 'failed') ORDER BY seq", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = cafe_xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = cafe_xstrdup(cafe_col_text(st, 0));
	}
	cafe_stmt_free(st);
	return rc == CAFE_DB_DONE ? 0 : ob_sql_status(db, rc, e, "reading notify_outbox");
}

/* Goes once over every message that may have work. *wake_ms: when the
 * next retry comes due or a claim of another sender runs out (0: none). */
static int
pass(struct sender *s, int *did, long long *wake_ms, struct cafe_err *e)
{
	struct round r;
	char **streams = NULL;
	size_t n = 0;
	int status;

	*did = 0;
	*wake_ms = 0;
	if ((status = cafe_outbox_catch_up(s->log, e)) != 0 ||
	    (status = candidates(s->log, &streams, &n, e)) != 0)
		return status;
	memset(&r, 0, sizeof r);
	r.s = s;
	cafe_message_init(&r.m);
	for (size_t i = 0; i < n && !status; i++) {
		int one;

		if (s->o->stop && *s->o->stop)
			break;
		r.stream = streams[i];
		if ((status = round_run(&r, &one, e)) != 0)
			break;
		*did |= one;
		if (r.busy_until && (!*wake_ms || r.busy_until < *wake_ms))
			*wake_ms = r.busy_until;
		if (r.due_ms && (!*wake_ms || r.due_ms < *wake_ms))
			*wake_ms = r.due_ms;
	}
	cafe_message_release(&r.m);
	free(r.item);
	for (size_t i = 0; i < n; i++)
		free(streams[i]);
	free(streams);
	return status;
}

static void
sender_init(struct sender *s, const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_send_opts *o, struct cafe_send_stats *st)
{
	char token[33];
	int fl;

	memset(s, 0, sizeof *s);
	s->c = c;
	s->log = log;
	s->o = o;
	s->st = st;
	s->fallback.kind = CAFE_CHAN_STDOUT;
	s->chan = cafe_xcalloc(c->notify.nchannels + 1, sizeof *s->chan);
	s->name = cafe_xcalloc(c->notify.nchannels + 1, sizeof *s->name);
	for (size_t i = 0; i < c->notify.nchannels; i++) {
		char *name = cafe_channel_name(&c->notify.channels[i]);
		const char *dup;

		if (configured(s, name, &dup)) {
			free(name);     /* the same channel twice gets it once */
			continue;
		}
		s->chan[s->nchan] = &c->notify.channels[i];
		s->name[s->nchan++] = name;
	}
	if (s->nchan == 0) {
		s->chan[0] = &s->fallback;
		s->name[0] = cafe_channel_name(&s->fallback);
		s->nchan = 1;
	}
	/* With descriptor 1 closed, the next file opened would become
	 * "standard output" and get the messages: hold it with /dev/null.
	 * (SQLite holds it already, read-only, when it opened the log.) */
	if ((fl = fcntl(STDOUT_FILENO, F_GETFL)) == -1) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0 && fd != STDOUT_FILENO) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		s->stdout_closed = 1;
	} else if ((fl & O_ACCMODE) == O_RDONLY) {
		s->stdout_closed = 1;
	}
	cafe_random_hex(token);
	token[12] = '\0';
	snprintf(s->holder, sizeof s->holder, "%s %ld %s", cafe_host(), (long)getpid(),
	    token);
	/* Long enough for every channel of a round to time out. */
	s->lease_ms = (long long)s->nchan * ((o->timeout_ms > 0 ? o->timeout_ms : 0) +
	    2000) + 10000;
}

static void
sender_release(struct sender *s)
{
	for (size_t i = 0; i < s->nchan; i++)
		free(s->name[i]);
	free(s->name);
	free(s->chan);
}

/* A round of the sender: a pass over the messages, then a wait for the
 * next commit or the next retry that comes due. */
static int
send_round(void *arg, struct cafe_log *log, struct cafe_log_round *r, struct cafe_err *e)
{
	struct sender *s = arg;
	const struct cafe_send_opts *o = s->o;
	long long wake = 0, now;
	int did = 0, status;

	if (o->stop && *o->stop)
		return CAFE_FOLLOW_END;
	if (r->wait_status != 0 && o->warn)
		o->warn(o->arg, e);
	r->wait_ms = 0;
	if ((r->seen = cafe_log_head(log, e)) < 0)
		status = e->status;
	else
		status = pass(s, &did, &wake, e);
	if (status) {
		/* Running on, a busy or failing database is waited out. */
		if (o->once || (status != CAFE_TEMPFAIL && status != CAFE_IOERR))
			return status;
		if (o->warn)
			o->warn(o->arg, e);
		s->pause_ms = s->pause_ms ? s->pause_ms * 2 : 500;
		if (s->pause_ms > MAX_PAUSE_MS)
			s->pause_ms = MAX_PAUSE_MS;
		for (long long end = cafe_mono_ms() + s->pause_ms;
		    cafe_mono_ms() < end && !(o->stop && *o->stop);)
			cafe_sleep_ms(50);
		return 0;
	}
	s->pause_ms = 0;
	if (did)
		return 0;
	if (o->once)
		return CAFE_FOLLOW_END;
	now = cafe_db_now_ms(cafe_log_store(log));
	r->wait_ms = WAIT_SLICE_MS;
	if (wake && wake - now < r->wait_ms)
		r->wait_ms = wake > now ? (int)(wake - now) : 0;
	return 0;
}

int
cafe_outbox_send(const struct cafe_config *c, struct cafe_log *log,
    const struct cafe_send_opts *o, struct cafe_send_stats *st, struct cafe_err *e)
{
	struct sender s;
	struct cafe_log_round r = { 0 };
	sigset_t pipeset, old;
	int status;

	memset(st, 0, sizeof *st);
	sender_init(&s, c, log, o, st);
	/* A reader that went away is a failed send, not a dead sender. */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &old);
	status = cafe_log_follow(log, &r, send_round, &s, e);
	{
		/* Swallow a SIGPIPE we caused, then restore the mask. */
		sigset_t pending;
		const struct timespec zero = { 0, 0 };

		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE))
			sigtimedwait(&pipeset, NULL, &zero);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	sender_release(&s);
	return status;
}
