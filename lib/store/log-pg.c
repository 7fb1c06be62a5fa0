/*
 * log-pg.c - the log's PostgreSQL backend (log-priv.h), for a chain whose
 * terminals and daemons run on several hosts (DESIGN §10).
 *
 * Global order: a write transaction takes the writers' lock
 * (cafe_store_pg_begin_write) and `LOCK TABLE events IN EXCLUSIVE MODE`
 * first, which wait for every other writer and leave readers alone.
 * log.c gives each event max(seq) + 1 under that lock, so `seq` has no
 * gaps and no event can commit after one with a higher seq: a follower
 * that has read up to N never meets an N - 1 that committed late. (A
 * sequence alone gives that up: two transactions can commit out of their
 * sequence order.)
 *
 * Appends: in a transaction, the client links each event (lib/event/chain.c)
 * from the head the begin's round trip reads; one event alone is one
 * call of cafe_append(), which checks the expected version, takes the
 * locks and links it on the server (log-priv.h, append_call).
 * Append-only: triggers refuse UPDATE, DELETE and TRUNCATE on events.
 * Wake-ups: a statement trigger on INSERT sends NOTIFY cafe_events inside
 * the appending transaction, delivered when it commits; followers LISTEN.
 * data and meta are json, not jsonb: json keeps the very text the chain
 * hashed (jsonb would rewrite it), and still answers data->>'key'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/chain.h"
#include "log-priv.h"
#include "pg.h"

struct pgl {
	long long listening;        /* 1 + the connection's generation LISTENing */
};

#define PGL(log) ((struct pgl *)(log)->be_state)

/* The json type has checked the syntax already: an object is then JSON
 * that starts with {, which costs no second parse (json_typeof would; it
 * was 5% of an append). */
#define OBJECT(col) "ltrim(" col "::text, E' \\t\\n\\r') LIKE '{%'"

/* The server's clock as an event's ts (RFC 3339, UTC, milliseconds).
 * cafe.clock_offset_ms moves it, for a session that sets it on purpose:
 * the tests of business days and tickets across midnight (tests/helpers/
 * setup.bash, faked), which fake the programs' clocks and cannot fake a
 * shared server's. A terminal's own clock never does. */
#define SERVER_TS "to_char((clock_timestamp() + make_interval(secs => coalesce(" \
	"nullif(current_setting('cafe.clock_offset_ms', true), ''), '0')::float8 / 1000)) " \
	"AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/*
 * Added to version 2 without changing its number (DESIGN §15), so that
 * the terminals of the release before go on working on a log that has
 * them while a chain upgrades: the index that finds a shop's events of a
 * type (its last ticket), and cafe_append_at, which stamps the event with
 * the server's clock under the writers' lock, so that ts follows commit
 * order whatever a terminal's clock says (cafe_append stays theirs).
 */
#define ADDITIONS \
	"CREATE INDEX IF NOT EXISTS events_shop" \
	"  ON events((coalesce(meta->>'shop', 'main')), type, seq);" \
	"CREATE OR REPLACE FUNCTION cafe_append_at(p_id text, p_stream text, p_version bigint," \
	"  p_type text, p_data text, p_meta text, p_ts text, p_check bigint," \
	"  OUT o_seq bigint, OUT o_hash text, OUT o_ts text) LANGUAGE plpgsql AS $$" \
	"  DECLARE h_seq bigint; h_hash text; BEGIN" \
	"  PERFORM set_config('lock_timeout', '10000', true);" \
	"  PERFORM pg_advisory_xact_lock(4242002);" \
	"  LOCK TABLE events IN EXCLUSIVE MODE;" \
	"  IF p_check IS NOT NULL AND (SELECT coalesce(max(e.version), 0) FROM events e" \
	"      WHERE e.stream = p_stream) <> p_check THEN RETURN; END IF;" \
	"  SELECT e.seq, e.hash INTO h_seq, h_hash FROM events e ORDER BY e.seq DESC LIMIT 1;" \
	"  IF NOT FOUND THEN h_seq := 0; h_hash := repeat('0', 64); END IF;" \
	"  o_seq := h_seq + 1;" \
	"  o_ts := coalesce(p_ts, " SERVER_TS ");" \
	"  o_hash := encode(sha256(convert_to(h_hash || E'\\n' || o_seq || E'\\n' || p_id" \
	"      || E'\\n' || p_stream || E'\\n' || p_version || E'\\n' || p_type || E'\\n'" \
	"      || o_ts || E'\\n' || p_data || E'\\n' || p_meta, 'UTF8')), 'hex');" \
	"  INSERT INTO events(seq, id, stream, version, type, data, meta, ts, hash)" \
	"      VALUES (o_seq, p_id, p_stream, p_version, p_type, p_data::json, p_meta::json," \
	"      o_ts, o_hash) ON CONFLICT (stream, version) DO NOTHING;" \
	"  IF NOT FOUND THEN o_seq := NULL; o_hash := NULL; o_ts := NULL; END IF;" \
	"  END $$;"

static const char schema[] =
	"SELECT pg_advisory_xact_lock(4242001);"
	"CREATE TABLE IF NOT EXISTS events("
	"  seq     BIGINT PRIMARY KEY,"
	"  id      TEXT NOT NULL UNIQUE,"
	"  stream  TEXT NOT NULL,"
	"  version BIGINT NOT NULL,"
	"  type    TEXT NOT NULL,"
	"  data    json NOT NULL CHECK (" OBJECT("data") "),"
	"  meta    json NOT NULL CHECK (" OBJECT("meta") "),"
	"  ts      TEXT NOT NULL,"
	"  hash    TEXT NOT NULL,"
	"  UNIQUE(stream, version));"
	"CREATE INDEX IF NOT EXISTS events_type ON events(type, seq);"
	"CREATE INDEX IF NOT EXISTS events_correlation"
	"  ON events((meta->>'correlation_id'), seq);"
	"CREATE INDEX IF NOT EXISTS events_key ON events((meta->>'key'))"
	"  WHERE meta->>'key' IS NOT NULL;"
	ADDITIONS
	"CREATE OR REPLACE FUNCTION cafe_events_append_only() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$ BEGIN"
	"  RAISE EXCEPTION 'events are append-only: % refused', TG_OP; END $$;"
	"CREATE OR REPLACE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION cafe_events_append_only();"
	"CREATE OR REPLACE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION cafe_events_append_only();"
	"CREATE OR REPLACE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cafe_events_append_only();"
	/* One event appended and linked by the server, alone in its
	 * transaction (log-priv.h, append_call): under the writers' lock and
	 * the table's, the chain's next link over the very bytes lib/event/chain.c
	 * hashes. NULLs when the version is taken or the stream is not at
	 * p_check. */
	"CREATE OR REPLACE FUNCTION cafe_append(p_id text, p_stream text, p_version bigint,"
	"  p_type text, p_data text, p_meta text, p_ts text, p_check bigint,"
	"  OUT o_seq bigint, OUT o_hash text) LANGUAGE plpgsql AS $$"
	"  DECLARE h_seq bigint; h_hash text; BEGIN"
	"  PERFORM set_config('lock_timeout', '10000', true);"
	"  PERFORM pg_advisory_xact_lock(4242002);"
	"  LOCK TABLE events IN EXCLUSIVE MODE;"
	"  IF p_check IS NOT NULL AND (SELECT coalesce(max(e.version), 0) FROM events e"
	"      WHERE e.stream = p_stream) <> p_check THEN RETURN; END IF;"
	"  SELECT e.seq, e.hash INTO h_seq, h_hash FROM events e ORDER BY e.seq DESC LIMIT 1;"
	"  IF NOT FOUND THEN h_seq := 0; h_hash := repeat('0', 64); END IF;"
	"  o_seq := h_seq + 1;"
	"  o_hash := encode(sha256(convert_to(h_hash || E'\\n' || o_seq || E'\\n' || p_id"
	"      || E'\\n' || p_stream || E'\\n' || p_version || E'\\n' || p_type || E'\\n'"
	"      || p_ts || E'\\n' || p_data || E'\\n' || p_meta, 'UTF8')), 'hex');"
	"  INSERT INTO events(seq, id, stream, version, type, data, meta, ts, hash)"
	"      VALUES (o_seq, p_id, p_stream, p_version, p_type, p_data::json, p_meta::json,"
	"      p_ts, o_hash) ON CONFLICT (stream, version) DO NOTHING;"
	"  IF NOT FOUND THEN o_seq := NULL; o_hash := NULL; END IF;"
	"  END $$;"
	"CREATE OR REPLACE FUNCTION cafe_events_notify() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('cafe_events', '');"
	"  RETURN NULL; END $$;"
	"CREATE OR REPLACE TRIGGER events_notify AFTER INSERT ON events"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cafe_events_notify();"
	"CREATE TABLE IF NOT EXISTS checkpoints("
	"  name TEXT PRIMARY KEY,"
	"  seq  BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS cafe_schema(version INTEGER NOT NULL);"
	"INSERT INTO cafe_schema SELECT 2 WHERE NOT EXISTS (SELECT 1 FROM cafe_schema);";

_Static_assert(CAFE_SCHEMA_VERSION == 2, "log-pg.c's schema is version 2");

/* The log's schema version, 0 when it has none, and whether it has the
 * additions; a log too new for this build is refused. One round trip:
 * every command opens the log. */
static int
schema_version(struct cafe_log *log, int *v, int *added, struct cafe_err *e)
{
	long long n;

	*v = 0;
	*added = 0;
	if (!cafe_db_has(log->store, "cafe_schema", NULL))
		return 0;
	if ((n = cafe_log_query_ll(log, "SELECT coalesce(max(version), 0) * 2 + "
	    "CAST(to_regproc('cafe_append_at') IS NOT NULL AS INTEGER) FROM cafe_schema",
	    NULL, e)) < 0)
		return e->status;
	*v = (int)(n / 2);
	*added = (int)(n % 2);
	return cafe_log_too_new(log, *v, e);
}

static int
version_only(struct cafe_log *log, int *v, struct cafe_err *e)
{
	int added;

	return schema_version(log, v, &added, e);
}

/* The additions, by the first open that may write the log, in one
 * transaction that the terminals of either release append around. A
 * read-only open reads the log as it is. */
static int
add(struct cafe_log *log, struct cafe_err *e)
{
	int status, rc;

	if (log->readonly)
		return 0;
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((rc = cafe_db_exec(log->store, "SELECT pg_advisory_xact_lock(4242001);"
	    ADDITIONS)) != CAFE_DB_OK) {
		status = cafe_log_db_status(log, rc, e, "schema");
		cafe_log_rollback(log);
		return status;
	}
	return cafe_log_commit(log, e);
}

static int
pgl_open(struct cafe_log *log, int flags, struct cafe_err *e)
{
	int status, v, added, rc;

	if ((status = cafe_store_pg_open(&log->store, log->path, e)) != 0)
		return status;
	log->be_state = cafe_xcalloc(1, sizeof(struct pgl));
	if (log->readonly)
		cafe_store_pg_readonly(log->store);
	if ((status = schema_version(log, &v, &added, e)) != 0)
		return status;
	if (v == CAFE_SCHEMA_VERSION)
		return added ? 0 : add(log, e);
	/* The schema is made in one transaction: events without cafe_schema
	 * is someone else's table, never a cafe log made halfway. Each look
	 * is its own snapshot, so a log another process made between the two
	 * shows events here: cafe_schema, committed with it, is read again. */
	if (cafe_db_has(log->store, "events", NULL)) {
		if ((status = schema_version(log, &v, &added, e)) != 0)
			return status;
		if (v == CAFE_SCHEMA_VERSION)
			return added ? 0 : add(log, e);
		return cafe_err_set(e, CAFE_IOERR, "'%s' is not a cafe database (its events "
		    "table is not cafe's)", cafe_log_path(log));
	}
	if (log->readonly || !(flags & CAFE_LOG_CREATE)) {
		cafe_err_set(e, CAFE_IOERR, "'%s' is not a cafe database (run 'cafe-log init')",
		    cafe_log_path(log));
		e->missing = 1;         /* an empty database: as a missing file */
		return e->status;
	}
	if ((status = cafe_log_begin(log, e)) != 0)
		return status;
	if ((rc = cafe_db_exec(log->store, schema)) != CAFE_DB_OK) {
		status = cafe_log_db_status(log, rc, e, "schema");
		cafe_log_rollback(log);
		return status;
	}
	return cafe_log_commit(log, e);
}

static void
pgl_close(struct cafe_log *log)
{
	cafe_store_pg_close(log->store);
	log->store = NULL;
	free(log->be_state);
	log->be_state = NULL;
}

/* The newest event's seq and hash from the begin's round trip. */
static void
head_row(void *arg, const char *const *vals, int n)
{
	struct cafe_log *log = arg;

	/* The server's clock under the lock: the ts of what this
	 * transaction appends (log-append.c). */
	if (n == 3 && vals[2] && strlen(vals[2]) < sizeof log->server_ts)
		memcpy(log->server_ts, vals[2], strlen(vals[2]) + 1);
	if (n >= 2 && !vals[0] && !vals[1]) {          /* an empty log */
		log->link_seq = 0;
		memcpy(log->link_hash, cafe_chain_genesis, sizeof log->link_hash);
		log->link_known = 1;
		return;
	}
	if (n < 2 || !vals[0] || !vals[1] || strlen(vals[1]) != sizeof log->link_hash - 1)
		return;         /* log.c reads it again, and says what is wrong */
	log->link_seq = atoll(vals[0]);
	memcpy(log->link_hash, vals[1], sizeof log->link_hash);
	log->link_known = 1;
}

/* The writers' lock (pg.c), then the table's, for writers that are
 * not cafe, and the newest event's seq and hash for the chain's next link,
 * in one round trip: an append in a transaction is then this, its INSERT
 * and its COMMIT. The events table may not exist yet (the open that makes
 * it begins here too): then the writers' lock alone. */
static int
pgl_begin(struct cafe_log *log)
{
	if (!cafe_db_has(log->store, "events", NULL))
		return cafe_store_pg_begin_write(log->store, NULL, NULL, NULL);
	return cafe_store_pg_begin_write(log->store, "LOCK TABLE events IN EXCLUSIVE MODE; "
	    "SELECT h.seq, h.hash, " SERVER_TS " FROM (SELECT 1) AS one LEFT JOIN "
	    "(SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) AS h ON true",
	    head_row, log);
}

static void
pgl_rollback(struct cafe_log *log)
{
	cafe_db_exec(log->store, "ROLLBACK");
}

static long long
pgl_checkpoint(struct cafe_log *log, int empty)
{
	(void)log, (void)empty;
	return 0;
}

static long long
pgl_bytes(struct cafe_log *log, struct cafe_err *e)
{
	return cafe_log_query_ll(log, "SELECT pg_total_relation_size('events')", NULL, e);
}

static int
pgl_wake_fd(struct cafe_log *log)
{
	long long gen = cafe_store_pg_generation(log->store);

	if (PGL(log)->listening != gen + 1) {      /* a new connection forgot it */
		if (cafe_db_exec(log->store, "LISTEN cafe_events") != CAFE_DB_OK)
			return -1;
		PGL(log)->listening = cafe_store_pg_generation(log->store) + 1;
	}
	return cafe_store_pg_socket(log->store);
}

static int
pgl_drain(struct cafe_log *log)
{
	return cafe_store_pg_notified(log->store);
}

const struct log_backend cafe_log_pg_backend = {
	pgl_open, pgl_close, pgl_begin, pgl_rollback, pgl_checkpoint, pgl_bytes,
	version_only,
	"SELECT count(*) = 3 FROM pg_trigger WHERE tgrelid = 'events'::regclass AND "
	"NOT tgisinternal AND tgenabled <> 'D' AND tgname IN ('events_no_update', "
	"'events_no_delete', 'events_no_truncate')",
	"SELECT seq, CASE WHEN json_typeof(data) = 'object' THEN 1 ELSE 0 END, "
	"CASE WHEN json_typeof(meta) = 'object' THEN 1 ELSE 0 END, length(id), "
	"type, ts, id, stream, version, data, meta, hash FROM events ORDER BY seq",
	"meta->>'correlation_id' = ?", "meta->>'key' = ?",
	"coalesce(meta->>'shop', 'main')",
	pgl_wake_fd, pgl_drain, 0,
	"INSERT INTO events(id, stream, version, type, data, meta, ts, seq, hash) "
	"SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE CAST(?10 AS BIGINT) IS NULL "
	"OR (SELECT coalesce(max(version), 0) FROM events WHERE stream = ?2) = ?10 "
	"ON CONFLICT(stream, version) DO NOTHING",
	1,
	"SELECT o_seq, o_hash, o_ts FROM cafe_append_at(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	"SELECT seq, id, stream, version, type, data, meta, ts, CASE WHEN "
	"json_typeof(data) = 'object' AND json_typeof(meta) = 'object' THEN 1 ELSE 0 END, "
	"hash FROM events WHERE seq > ? ORDER BY seq",
	NULL                        /* the server checks its own pages */
};
