/*
 * outbox.c - the customer's messages (outbox.h): the fold of a notify
 * stream, the notify_outbox projection, listing and requeueing. The
 * channels, the claims and the sender's loop are in send.c.
 *
 * Invariants kept here and there:
 *  - a round (one message, its due channels) is recorded in one write
 *    transaction after every channel of the round has been tried, with a
 *    fresh fold under the lock: a channel already recorded as sent is not
 *    recorded again, and `first` is set only when no send was recorded
 *    before;
 *  - a message is sent only by the holder of its claim; the claim is
 *    taken after a fresh fold under BEGIN IMMEDIATE and dropped in the
 *    transaction that records the round;
 *  - notify_outbox and notify_claims are never a second truth: the first
 *    is a fold of the log, the second only says who is busy;
 *  - the command channel runs argv without a shell in its own process
 *    group, which is killed when the call ends or times out (child.h).
 */
#include "outbox-priv.h"

#define CHECKPOINT "notify-outbox"
#define CATCH_UP_BATCH 2000

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS notify_outbox("
	"  message_id TEXT PRIMARY KEY,"
	"  seq        BIGINT NOT NULL,"
	"  stream     TEXT NOT NULL,"
	"  order_id   INTEGER NOT NULL,"
	"  event      TEXT NOT NULL,"
	"  customer   TEXT NOT NULL,"
	"  text       TEXT NOT NULL,"
	"  status     TEXT NOT NULL,"
	"  attempts   INTEGER NOT NULL,"
	"  error      TEXT,"
	"  channels   TEXT NOT NULL,"
	"  queued_at  TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS notify_outbox_status ON notify_outbox(status, seq);"
	"CREATE INDEX IF NOT EXISTS notify_outbox_order ON notify_outbox(order_id, seq);"
	"CREATE TABLE IF NOT EXISTS notify_claims("
	"  message_id TEXT PRIMARY KEY,"
	"  holder     TEXT NOT NULL,"
	"  until_ms   BIGINT NOT NULL);";

/* The fold. */

void
cafe_message_init(struct cafe_message *m)
{
	memset(m, 0, sizeof *m);
}

void
cafe_message_release(struct cafe_message *m)
{
	for (size_t i = 0; i < m->nch; i++) {
		free(m->ch[i].name);
		free(m->ch[i].error);
	}
	free(m->ch);
	free(m->message_id);
	free(m->stream);
	free(m->event);
	free(m->customer);
	free(m->contact);
	free(m->text);
	memset(m, 0, sizeof *m);
}

static const char *
str(const struct cafe_event *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev->data, key));

	return s ? s : "";
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = cafe_xstrdup(s);
}

static struct cafe_message_channel *
channel_of(struct cafe_message *m, const char *name)
{
	for (size_t i = 0; i < m->nch; i++)
		if (strcmp(m->ch[i].name, name) == 0)
			return &m->ch[i];
	m->ch = cafe_xrealloc(m->ch, (m->nch + 1) * sizeof *m->ch);
	memset(&m->ch[m->nch], 0, sizeof *m->ch);
	m->ch[m->nch].name = cafe_xstrdup(name);
	return &m->ch[m->nch++];
}

void
cafe_message_apply(struct cafe_message *m, const struct cafe_event *ev)
{
	json_t *attempt = json_object_get(ev->data, "attempt");
	long long ts = cafe_parse_ts(ev->ts);
	struct cafe_message_channel *ch;

	m->version = ev->version;
	snprintf(m->updated_at, sizeof m->updated_at, "%s", ev->ts);
	if (!m->stream)
		m->stream = cafe_xstrdup(ev->stream);
	if (ev->kind == CAFE_EV_NOTIFICATION_QUEUED) {
		set_str(&m->message_id, str(ev, "message_id"));
		set_str(&m->event, str(ev, "event"));
		set_str(&m->customer, str(ev, "customer"));
		if (json_is_string(json_object_get(ev->data, "contact")))
			set_str(&m->contact, str(ev, "contact"));
		set_str(&m->text, str(ev, "text"));
		m->order_id = json_integer_value(json_object_get(ev->data, "order_id"));
		m->seq = ev->seq;
		snprintf(m->queued_id, sizeof m->queued_id, "%s", ev->id);
		snprintf(m->queued_at, sizeof m->queued_at, "%s", ev->ts);
	} else if (ev->kind == CAFE_EV_NOTIFICATION_SENT) {
		ch = channel_of(m, str(ev, "channel"));
		ch->sent = 1;
		ch->dead = 0;
		ch->attempts = json_is_integer(attempt) ?
		    (int)json_integer_value(attempt) : ch->attempts + 1;
		ch->last_ms = ts;
		free(ch->error);
		ch->error = NULL;
		m->ever_sent = 1;
	} else if (ev->kind == CAFE_EV_NOTIFICATION_FAILED) {
		ch = channel_of(m, str(ev, "channel"));
		if (ch->sent)
			return;
		ch->attempts = json_is_integer(attempt) ?
		    (int)json_integer_value(attempt) : ch->attempts + 1;
		ch->dead = json_is_true(json_object_get(ev->data, "dead"));
		ch->last_ms = ts;
		set_str(&ch->error, str(ev, "error"));
	} else if (ev->kind == CAFE_EV_NOTIFICATION_REQUEUED) {
		for (size_t i = 0; i < m->nch; i++) {
			if (m->ch[i].sent)
				continue;
			m->ch[i].attempts = 0;
			m->ch[i].dead = 0;
			m->ch[i].last_ms = 0;
			free(m->ch[i].error);
			m->ch[i].error = NULL;
		}
	}
}

static const char *
channel_status(const struct cafe_message_channel *ch)
{
	return ch->sent ? "sent" : ch->dead ? "dead" : ch->attempts ? "failed" : "queued";
}

const char *
cafe_message_status(const struct cafe_message *m)
{
	int sent = 0, dead = 0, pending = 0, tried = 0;

	for (size_t i = 0; i < m->nch; i++) {
		const struct cafe_message_channel *ch = &m->ch[i];

		sent += ch->sent;
		dead += ch->dead;
		if (!ch->sent && !ch->dead) {
			pending++;
			tried += ch->attempts > 0;
		}
	}
	if (m->nch == 0 || (pending > 0 && tried == 0))
		return "queued";
	if (pending > 0)
		return "failed";        /* a channel still has retries left */
	return dead ? "dead" : "sent";
}

static int
fold_cb(const struct cafe_event *ev, void *arg)
{
	cafe_message_apply(arg, ev);
	return 0;
}

int
ob_message_load(struct cafe_log *log, const char *stream, struct cafe_message *m,
    struct cafe_err *e)
{
	cafe_message_release(m);
	return cafe_log_read_stream(log, stream, fold_cb, m, e);
}

/* Channels. */

char *
cafe_channel_name(const struct cafe_channel *ch)
{
	char *s, *t;

	switch (ch->kind) {
	case CAFE_CHAN_FILE:
		return cafe_xasprintf("file:%s", ch->path);
	case CAFE_CHAN_COMMAND:
		s = cafe_xstrdup("command:");
		for (size_t i = 0; ch->argv && ch->argv[i]; i++) {
			t = cafe_xasprintf("%s%s%s", s, i ? " " : "", ch->argv[i]);
			free(s);
			s = t;
		}
		return s;
	case CAFE_CHAN_STDOUT:
		break;
	}
	return cafe_xstrdup("stdout");
}

/* The projection and its SQL. */

int
ob_sql_status(struct cafe_db *db, int rc, struct cafe_err *e, const char *what)
{
	return cafe_db_status(db, rc, "outbox", what, e);
}

int
ob_ensure_schema(struct cafe_log *log, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	int rc, status;

	/* A dropped outbox is folded again from the start of the log. */
	if (!cafe_db_has(db, "notify_outbox", NULL) &&
	    (status = cafe_checkpoint_set(log, CHECKPOINT, 0, e)) != 0)
		return status;
	rc = cafe_db_exec(db, schema);
	return rc == CAFE_DB_OK ? 0 : ob_sql_status(db, rc, e, "creating the outbox tables");
}

static json_t *
channels_json(const struct cafe_message *m)
{
	json_t *a = json_array();

	for (size_t i = 0; i < m->nch; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s?}",
		    "channel", m->ch[i].name, "status", channel_status(&m->ch[i]),
		    "attempts", m->ch[i].attempts, "error", m->ch[i].error));
	return a;
}

static int
project(struct cafe_log *log, const struct cafe_message *m, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	const char *error = NULL;
	json_t *cj;
	char *chans;
	int attempts = 0, rc;

	if (!m->message_id)
		return 0;       /* outcomes of a message never queued: nothing to show */
	for (size_t i = 0; i < m->nch; i++) {
		if (m->ch[i].attempts > attempts)
			attempts = m->ch[i].attempts;
		if (!error && !m->ch[i].sent && m->ch[i].error)
			error = m->ch[i].error;
	}
	if ((rc = cafe_db_prepare(db, "INSERT INTO notify_outbox(message_id, seq, "
	    "stream, order_id, event, customer, text, status, attempts, error, channels, "
	    "queued_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13) ON CONFLICT(message_id) DO UPDATE SET seq = ?2, stream = ?3, "
	    "order_id = ?4, event = ?5, customer = ?6, text = ?7, status = ?8, "
	    "attempts = ?9, error = ?10, channels = ?11, queued_at = ?12, "
	    "updated_at = ?13", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	cj = channels_json(m);
	chans = json_dumps(cj, JSON_COMPACT);
	json_decref(cj);
	cafe_stmt_text_ref(st, 1, m->message_id);
	cafe_stmt_int(st, 2, m->seq);
	cafe_stmt_text_ref(st, 3, m->stream);
	cafe_stmt_int(st, 4, m->order_id);
	cafe_stmt_text_ref(st, 5, m->event);
	cafe_stmt_text_ref(st, 6, m->customer);
	cafe_stmt_text_ref(st, 7, m->text);
	cafe_stmt_text_ref(st, 8, cafe_message_status(m));
	cafe_stmt_int(st, 9, attempts);
	if (error)
		cafe_stmt_text_ref(st, 10, error);
	cafe_stmt_text_ref(st, 11, chans ? chans : "[]");
	cafe_stmt_text_ref(st, 12, m->queued_at);
	cafe_stmt_text_ref(st, 13, m->updated_at);
	rc = cafe_stmt_step(st);
	cafe_stmt_free(st);
	free(chans);
	return rc == CAFE_DB_DONE ? 0 : ob_sql_status(db, rc, e, "writing notify_outbox");
}

/* The streams touched by a stretch of the log, in first-seen order. */
struct touched {
	char **stream;
	size_t n, cap;
	long long last_seq, count;
};

static int
touch_cb(const struct cafe_event *ev, void *arg)
{
	struct touched *t = arg;

	t->last_seq = ev->seq;
	t->count++;
	if (strncmp(ev->type, "Notification", 12) != 0)
		return 0;
	for (size_t i = t->n; i-- > 0;)
		if (strcmp(t->stream[i], ev->stream) == 0)
			return 0;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->stream = cafe_xrealloc(t->stream, t->cap * sizeof *t->stream);
	}
	t->stream[t->n++] = cafe_xstrdup(ev->stream);
	return 0;
}

/* One batch of the catch-up, inside the write transaction. */
static int
outbox_apply(struct cafe_log *log, void *arg, long long limit, long long done,
    long long total, long long *applied, struct cafe_err *e)
{
	struct touched *t = arg;
	struct cafe_message m;
	long long cp;
	int status;

	(void)done;
	(void)total;
	for (size_t i = 0; i < t->n; i++)
		free(t->stream[i]);
	t->n = 0;
	t->count = 0;
	if ((status = ob_ensure_schema(log, e)) != 0)
		return status;
	if ((cp = cafe_checkpoint_get(log, CHECKPOINT, e)) < 0)
		return e->status;
	t->last_seq = cp;
	if ((status = cafe_log_read(log, cp, limit, touch_cb, t, e)) != 0)
		return status;
	cafe_message_init(&m);
	for (size_t i = 0; i < t->n && !status; i++)
		if ((status = ob_message_load(log, t->stream[i], &m, e)) == 0)
			status = project(log, &m, e);
	cafe_message_release(&m);
	if (status == 0 && t->count > 0)
		status = cafe_checkpoint_set(log, CHECKPOINT, t->last_seq, e);
	*applied = t->count;
	return status;
}

static int
outbox_ready(struct cafe_log *log, void *arg)
{
	(void)arg;
	return cafe_db_has(cafe_log_store(log), "notify_outbox", NULL);
}

static const struct cafe_projection outbox_view = {
	.name = "outbox",
	.checkpoint = CHECKPOINT,
	.batch = CATCH_UP_BATCH,
	.ready = outbox_ready,
	.apply = outbox_apply,
};

int
cafe_outbox_catch_up(struct cafe_log *log, struct cafe_err *e)
{
	struct touched t = { NULL, 0, 0, 0, 0 };
	int status = cafe_projection_catch_up(&outbox_view, log, &t, e);

	for (size_t i = 0; i < t.n; i++)
		free(t.stream[i]);
	free(t.stream);
	return status;
}

int
cafe_outbox_list(struct cafe_log *log, const struct cafe_outbox_query *q,
    int (*fn)(json_t *, void *), void *arg, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	int rc, status;

	if ((status = cafe_outbox_catch_up(log, e)) != 0)
		return status;
	if (!cafe_db_has(db, "notify_outbox", NULL))
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT message_id, order_id, event, customer, "
	    "text, status, attempts, error, channels, queued_at, updated_at "
	    "FROM notify_outbox WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) "
	    "AND (?2 = 0 OR order_id = ?2) ORDER BY seq", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	if (q->status)
		cafe_stmt_text(st, 1, q->status);
	cafe_stmt_int(st, 2, q->order_id);
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		const char *err = cafe_col_text(st, 7);
		json_t *chans = json_loads(cafe_col_text(st, 8), 0, NULL);
		json_t *row = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:s, s:s}",
		    "message_id", cafe_col_text(st, 0),
		    "order_id", (json_int_t)cafe_col_int(st, 1),
		    "event", cafe_col_text(st, 2),
		    "customer", cafe_col_text(st, 3),
		    "text", cafe_col_text(st, 4),
		    "status", cafe_col_text(st, 5),
		    "attempts", cafe_col_int(st, 6),
		    "error", err ? json_string(err) : json_null(),
		    "channels", chans ? chans : json_array(),
		    "queued_at", cafe_col_text(st, 9),
		    "updated_at", cafe_col_text(st, 10));

		status = row ? fn(row, arg) : 0;
		json_decref(row);
		if (status)
			break;
	}
	if (!status && rc != CAFE_DB_DONE)
		status = ob_sql_status(db, rc, e, "reading notify_outbox");
	cafe_stmt_free(st);
	return status;
}

/* Requeueing. */

struct requeue {
	const char *message_id;
	char stream[512];
};

static int
stream_of(struct cafe_log *log, const char *message_id, char *buf, size_t n,
    struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	int rc, found = 0;

	buf[0] = '\0';
	if (!cafe_db_has(db, "notify_outbox", NULL))
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT stream FROM notify_outbox "
	    "WHERE message_id = ?", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	cafe_stmt_text(st, 1, message_id);
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		snprintf(buf, n, "%s", cafe_col_text(st, 0));
		found = 1;
	}
	cafe_stmt_free(st);
	if (!found && rc != CAFE_DB_DONE)
		return ob_sql_status(db, rc, e, "reading notify_outbox");
	return 0;
}

static int
requeue_txn(struct cafe_log *log, void *arg, struct cafe_err *e)
{
	struct requeue *q = arg;
	struct cafe_message m;
	struct cafe_batch b;
	const char *st;
	int status;

	cafe_message_init(&m);
	if ((status = ob_message_load(log, q->stream, &m, e)) != 0)
		goto out;
	st = cafe_message_status(&m);
	if (strcmp(st, "sent") == 0) {
		status = cafe_err_set(e, CAFE_REFUSED,
		    "message '%s' was already sent: nothing to retry", q->message_id);
		goto out;
	}
	if (strcmp(st, "queued") == 0) {
		status = cafe_err_set(e, CAFE_REFUSED,
		    "message '%s' is queued, not failed: 'cafe-notify send' sends it",
		    q->message_id);
		goto out;
	}
	cafe_batch_init(&b);
	snprintf(b.correlation_id, sizeof b.correlation_id, "%lld", m.order_id);
	cafe_batch_add(&b, m.stream, m.version, CAFE_EV_NOTIFICATION_REQUEUED,
	    json_pack("{s:I, s:s}", "order_id", (json_int_t)m.order_id,
	    "message_id", m.message_id));
	status = cafe_log_append(log, &b, e);
	cafe_batch_release(&b);
out:
	cafe_message_release(&m);
	return status;
}

int
cafe_outbox_retry(struct cafe_log *log, const char *message_id, struct cafe_err *e)
{
	struct requeue q;
	int status;

	q.message_id = message_id;
	if ((status = cafe_outbox_catch_up(log, e)) != 0 ||
	    (status = stream_of(log, message_id, q.stream, sizeof q.stream, e)) != 0)
		return status;
	if (!q.stream[0])
		return cafe_err_set(e, CAFE_REFUSED,
		    "unknown message '%s' (see 'cafe-notify list')", message_id);
	return cafe_log_transact(log, requeue_txn, &q, e);
}

int
cafe_outbox_retry_dead(struct cafe_log *log, int (*fn)(const char *, void *),
    void *arg, long long *count, struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	struct cafe_stmt *st;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc, status;

	*count = 0;
	if ((status = cafe_outbox_catch_up(log, e)) != 0)
		return status;
	if (!cafe_db_has(db, "notify_outbox", NULL))
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT message_id FROM notify_outbox "
	    "WHERE status = 'dead' ORDER BY seq", &st)) != CAFE_DB_OK)
		return ob_sql_status(db, rc, e, "prepare");
	while ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			ids = cafe_xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = cafe_xstrdup(cafe_col_text(st, 0));
	}
	cafe_stmt_free(st);
	if (rc != CAFE_DB_DONE)
		status = ob_sql_status(db, rc, e, "reading notify_outbox");
	for (size_t i = 0; i < n && !status; i++) {
		status = cafe_outbox_retry(log, ids[i], e);
		if (status == CAFE_REFUSED) {
			status = 0;     /* someone retried it meanwhile */
			continue;
		}
		if (status == 0) {
			(*count)++;
			if (fn)
				fn(ids[i], arg);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return status;
}
