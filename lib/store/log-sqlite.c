/*
 * log-sqlite.c - the log's SQLite backend (log-priv.h): the file, its
 * PRAGMAs and WAL, the schema and its migrations, the write lock (BEGIN
 * IMMEDIATE), and inotify on the file's directory for waking followers.
 * Everything else the log does is in log.c, through store.h.
 *
 * Invariants kept here:
 *  - `events` is append-only: triggers refuse UPDATE and DELETE.
 *  - `seq` is gap-free: it is the rowid (max + 1), rows are never deleted,
 *    a rolled-back batch takes no number, and BEGIN IMMEDIATE serialises
 *    the writers.
 *  - Closing does not checkpoint the WAL (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE):
 *    one-shot commands stay cheap; autocheckpoints and the daemon keep the
 *    WAL short, and the daemon empties it when it falls idle (a long WAL
 *    costs the next program that opens the log a read of all of it).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log-priv.h"
#include "pg.h"
#include "sqlite.h"

#define BUSY_TIMEOUT_MS CAFE_SQLITE_BUSY_MS
/*
 * Pages in the WAL before a commit checkpoints it. SQLite's default (1000)
 * left ~2 MB for every one-shot command to checksum while it rebuilt the
 * WAL index: half of a placement's instructions. 128 pages bound that to
 * ~0.5 MB and cost one small checkpoint every dozen orders.
 */
#define WAL_AUTOCHECKPOINT 128

static long long lite_checkpoint(struct cafe_log *log, int empty);

/*
 * SQLite's autocheckpoint, and then some: after a commit that left
 * WAL_AUTOCHECKPOINT pages or more, copy them into the file and, when all
 * were copied and nobody reads, empty the WAL. The next process to open the
 * file alone rebuilds the WAL index and cannot tell that the frames were
 * copied, so it cannot start the WAL over: a command that commits once and
 * exits (a cash placement) left it growing by every order, each reading
 * all of it at open. (A command that commits twice restarted it with its
 * second commit.) Workers turn this off (cafe_log_as_worker): the daemon
 * checkpoints on a thread of its own.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db, (void)name;
	if (frames >= WAL_AUTOCHECKPOINT)
		lite_checkpoint(arg, 1);
	return SQLITE_OK;
}

struct lite {
	sqlite3 *db;
	int inotify_fd;             /* -1: not yet set up; -2: unavailable */
};

#define LITE(log) ((struct lite *)(log)->be_state)

#define TRIGGERS \
	"CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events" \
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;" \
	"CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events" \
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;"

/* A shop's events of a type, newest first (its last ticket; DESIGN §15):
 * added to version 2 without changing its number, by the first open that
 * may write (ensure_additions), so that the programs of the release
 * before go on working on the file while a shop upgrades. */
#define SHOP_INDEX \
	"CREATE INDEX IF NOT EXISTS events_shop" \
	"  ON events(coalesce(json_extract(meta, '$.shop'), 'main'), type, seq);"

static const char *schema_current =
	"CREATE TABLE IF NOT EXISTS events("
	"  seq     INTEGER PRIMARY KEY,"
	"  id      TEXT NOT NULL UNIQUE,"
	"  stream  TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  type    TEXT NOT NULL,"
	"  data    TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),"
	"  meta    TEXT NOT NULL CHECK (json_valid(meta) AND json_type(meta) = 'object'),"
	"  ts      TEXT NOT NULL,"
	"  hash    TEXT NOT NULL,"
	"  UNIQUE(stream, version));"
	"CREATE INDEX IF NOT EXISTS events_type ON events(type, seq);"
	"CREATE INDEX IF NOT EXISTS events_correlation"
	"  ON events(json_extract(meta, '$.correlation_id'), seq);"
	"CREATE INDEX IF NOT EXISTS events_key ON events(json_extract(meta, '$.key'))"
	"  WHERE json_extract(meta, '$.key') IS NOT NULL;"
	SHOP_INDEX
	TRIGGERS
	"CREATE TABLE IF NOT EXISTS checkpoints("
	"  name TEXT PRIMARY KEY,"
	"  seq  INTEGER NOT NULL);";

/*
 * Before SQLite's first use: no memory statistics. Keeping them takes one
 * process-wide mutex around every allocation, which the daemon's threads
 * spent a fifth of their waits on.
 */
static pthread_once_t configured = PTHREAD_ONCE_INIT;

static void
configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Migrations: migrations[i] brings a file from user_version i to i + 1.
 * 1 -> 2 adds the hash chain: the column, then (chain_all) every link
 * computed once, with the triggers lifted for the while and put back.
 */
static const char *const migrations[CAFE_SCHEMA_VERSION] = {
	NULL,
	"DROP TRIGGER IF EXISTS events_no_update;"
	"DROP TRIGGER IF EXISTS events_no_delete;"
	"ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';",
};

static int
db_status(struct cafe_log *log, int rc, struct cafe_err *e, const char *what)
{
	return cafe_sqlite_status(log && log->be_state ? LITE(log)->db : NULL,
	    log ? log->path : NULL, rc, NULL, what, e);
}

static int
exec_sql(struct cafe_log *log, const char *sql, struct cafe_err *e)
{
	int rc = sqlite3_exec(LITE(log)->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_status(log, rc, e, "schema");
}

static int
user_version(struct cafe_log *log, int *v, struct cafe_err *e)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(LITE(log)->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_status(log, rc, e, "reading the schema version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_status(log, rc, e, "reading the schema version");
	return 0;
}

/* 1 when the file has what was added to version 2 (SHOP_INDEX). */
static int
has_additions(struct cafe_log *log)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(LITE(log)->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'index' AND name = 'events_shop'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* Creates or migrates the schema; called with the write lock held. */
static int
ensure_schema(struct cafe_log *log, int create, struct cafe_err *e)
{
	int v, present = 0, rc;
	char sql[64];

	if ((rc = user_version(log, &v, e)) != 0)
		return rc;
	if ((rc = cafe_log_too_new(log, v, e)) != 0)
		return rc;
	if (v == CAFE_SCHEMA_VERSION)
		return 0;
	if ((rc = (present = cafe_db_has(log->store, "events", NULL), 0)) != 0)
		return rc;
	if (v == 0 && !present) {
		if (!create)
			return cafe_err_set(e, CAFE_IOERR,
			    "'%s' is not a cafe database (run 'cafe-log init')", log->path);
		if ((rc = exec_sql(log, schema_current, e)) != 0)
			return rc;
	} else {
		for (; v < CAFE_SCHEMA_VERSION; v++) {
			if (migrations[v] && (rc = exec_sql(log, migrations[v], e)) != 0)
				return rc;
			if (v == 1 && ((rc = cafe_log_chain_all(log, e)) != 0 ||
			    (rc = exec_sql(log, TRIGGERS, e)) != 0))
				return rc;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", CAFE_SCHEMA_VERSION);
	return exec_sql(log, sql, e);
}

/*
 * 1 when the file's header says it is in WAL mode already (bytes 18 and 19
 * are 2): asking SQLite to switch costs a tenth of a one-shot command.
 * The header is read through SQLite's own file handle: opening and closing
 * the file ourselves would drop every POSIX lock this process holds on it
 * (close(2) releases them all), and another process could then delete the
 * WAL under our open connections ("database disk image is malformed").
 */
static int
wal_file(sqlite3 *db)
{
	sqlite3_file *f = NULL;
	unsigned char h[20];

	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || f->pMethods->xRead(f, h, sizeof h, 0) != SQLITE_OK)
		return 0;
	return memcmp(h, "SQLite format 3", 16) == 0 && h[18] == 2 && h[19] == 2;
}

/*
 * A new log is shared by the staff's group and never world-readable: 0660
 * under the usual umask (022, 002), 0600 when the umask takes the group's
 * read away too. SQLite gives the -wal and -shm files the database's mode.
 */
static mode_t
new_file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return (mask & 0040) ? 0600 : 0660;
}

/* Creates path with new_file_mode(); 1 when this call created it, 0 when it
 * was there already, -1 (errno) on error. */
static int
create_file(const char *path)
{
	mode_t mode = new_file_mode();
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	if (fchmod(fd, mode) != 0) {
		int err = errno;

		close(fd);
		unlink(path);
		errno = err;
		return -1;
	}
	close(fd);
	return 1;
}

static char *
dir_of(const char *path)
{
	char *dir = cafe_xstrdup(path), *slash = strrchr(dir, '/');

	if (!slash)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

static int
dir_exists(const char *path)
{
	char *dir = dir_of(path);
	struct stat sb;
	int there = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(dir);
	return there;
}

/* Advice that works: 'cafe-log init' cannot make a log in a directory
 * that is not there. */
static int
no_dir(const char *path, struct cafe_err *e)
{
	char *dir = dir_of(path);

	cafe_err_set(e, CAFE_IOERR, "cannot open database '%s': its directory '%s' does not "
	    "exist (make it with mkdir -p, then run 'cafe-log init')", path, dir);
	e->missing = 1;
	free(dir);
	return e->status;
}

/* A log this user may not open (a member of staff not yet in the shop's
 * group, a unit running as the wrong user): say whose it is and what to do,
 * before SQLite says only "unable to open". */
static int
no_access(const char *path, const struct stat *sb, struct cafe_err *e)
{
	struct group *g = getgrgid(sb->st_gid);

	if (g && (sb->st_mode & S_IRWXG))
		return cafe_err_set(e, CAFE_IOERR, "cannot open database '%s': permission denied "
		    "(join its group '%s', or run as its owner)", path, g->gr_name);
	return cafe_err_set(e, CAFE_IOERR, "cannot open database '%s': permission denied "
	    "(only its owner may read it: run as its owner, or give it a group with chgrp and chmod g+rw)", path);
}

static int
lite_open(struct cafe_log *log, int flags, struct cafe_err *e)
{
	const char *path = log->path;
	struct lite *lt;
	struct stat sb;
	int rc, v, oflags, status = 0, created = 0;

	if (stat(path, &sb) == -1) {
		if (errno == ENOENT && !dir_exists(path))
			return no_dir(path, e);
		if (errno != ENOENT || !(flags & CAFE_LOG_CREATE) || (flags & CAFE_LOG_READONLY)) {
			int missing = errno == ENOENT;

			cafe_err_set(e, CAFE_IOERR, "cannot open database '%s': %s%s",
			    path, strerror(errno), missing ? " (run 'cafe-log init')" : "");
			e->missing = missing;
			return e->status;
		}
		if ((created = create_file(path)) < 0)
			return cafe_err_set(e, CAFE_IOERR, "cannot open database '%s': %s",
			    path, strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		return cafe_err_set(e, CAFE_IOERR, "'%s' is not a regular file", path);
	} else if (access(path, R_OK) != 0 &&
	    errno == EACCES) {
		return no_access(path, &sb, e);
	}

	pthread_once(&configured, configure_sqlite);
	log->created = created;
	lt = cafe_xcalloc(1, sizeof *lt);
	lt->inotify_fd = -1;
	log->be_state = lt;

	oflags = log->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &LITE(log)->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		status = db_status(log, rc, e, "open");
		goto out;
	}
	log->store = cafe_store_sqlite(LITE(log)->db, log->path);
	sqlite3_extended_result_codes(LITE(log)->db, 1);
	sqlite3_busy_timeout(LITE(log)->db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(LITE(log)->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_db_config(LITE(log)->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);

	if ((status = user_version(log, &v, e)) != 0)
		goto out;
	if ((status = cafe_log_too_new(log, v, e)) != 0)
		goto out;
	if (!log->readonly) {
		if (!wal_file(LITE(log)->db) && exec_sql(log, "PRAGMA journal_mode = WAL", e) != 0 &&
		    e->status != CAFE_TEMPFAIL) {
			status = e->status;
			goto out;
		}
		if ((status = exec_sql(log, flags & CAFE_LOG_SYNC_NORMAL ?
		    "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", e)) != 0)
			goto out;
		/* Closing leaves the WAL in place, and the next process to open
		 * the file alone rebuilds the WAL index from every frame in it:
		 * keep it short (see WAL_AUTOCHECKPOINT). */
		sqlite3_wal_hook(LITE(log)->db, wal_hook, log);
	}
	if ((status = exec_sql(log, "PRAGMA foreign_keys = ON", e)) != 0)
		goto out;
	if (v != CAFE_SCHEMA_VERSION) {
		if (log->readonly) {
			status = cafe_err_set(e, CAFE_IOERR, v == 0 ?
			    "'%s' is not a cafe database (run 'cafe-log init')" :
			    "database '%s' needs a schema upgrade, which a read-only "
			    "open cannot do", path);
			goto out;
		}
		if ((status = cafe_log_begin(log, e)) != 0)
			goto out;
		if ((status = ensure_schema(log, flags & CAFE_LOG_CREATE, e)) != 0) {
			cafe_log_rollback(log);
			goto out;
		}
		if ((status = cafe_log_commit(log, e)) != 0)
			goto out;
	}
	if (!log->readonly && !has_additions(log)) {
		if ((status = cafe_log_begin(log, e)) != 0)
			goto out;
		if ((status = exec_sql(log, SHOP_INDEX, e)) != 0) {
			cafe_log_rollback(log);
			goto out;
		}
		status = cafe_log_commit(log, e);
	}
out:
	return status;
}

void
cafe_log_remove_files(const char *path)
{
	static const char *const ends[] = { "", "-wal", "-shm", "-journal", "-lock" };
	char *p;

	if (cafe_store_pg_uri(path))
		return;         /* a database on a server is no file of ours */
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		p = cafe_xasprintf("%s%s", path, ends[i]);
		unlink(p);
		free(p);
	}
}

sqlite3 *
cafe_log_sqlite(struct cafe_log *log)
{
	return log->be == &cafe_log_sqlite_backend ? LITE(log)->db : NULL;
}

void
cafe_log_as_worker(struct cafe_log *log, int (*busy)(void *, int), void *arg)
{
	if (log->be != &cafe_log_sqlite_backend)
		return;         /* the server keeps its own journal and waits */
	sqlite3_wal_autocheckpoint(LITE(log)->db, 0);
	cafe_store_sqlite_busy(log->store, busy, arg);
}

static long long
lite_checkpoint(struct cafe_log *log, int empty)
{
	int frames = 0, copied = 0;

	if (sqlite3_wal_checkpoint_v2(LITE(log)->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames,
	    &copied) != SQLITE_OK)
		return frames > 0 ? frames : 1;
	if (empty && frames > 0 && copied == frames) {
		/* TRUNCATE waits for readers through the busy handler: not here. */
		sqlite3_busy_timeout(LITE(log)->db, 0);
		if (sqlite3_wal_checkpoint_v2(LITE(log)->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
		    NULL, NULL) == SQLITE_OK)
			frames = 0;
		sqlite3_busy_timeout(LITE(log)->db, BUSY_TIMEOUT_MS);
	}
	return frames;
}

static int
lite_wake_fd(struct cafe_log *log)
{
	char *dir;

	if (LITE(log)->inotify_fd != -1)
		return LITE(log)->inotify_fd;
	LITE(log)->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (LITE(log)->inotify_fd < 0) {
		LITE(log)->inotify_fd = -2;
		return -2;
	}
	dir = dir_of(log->path);
	if (inotify_add_watch(LITE(log)->inotify_fd, dir,
	    IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		close(LITE(log)->inotify_fd);
		LITE(log)->inotify_fd = -2;
	}
	free(dir);
	return LITE(log)->inotify_fd;
}

static void
lite_close(struct cafe_log *log)
{
	struct lite *lt = LITE(log);

	if (!lt)
		return;
	cafe_store_sqlite_free(log->store);
	log->store = NULL;
	if (lt->db)
		sqlite3_close(lt->db);
	if (lt->inotify_fd >= 0)
		close(lt->inotify_fd);
	free(lt);
	log->be_state = NULL;
}

/* Through the store: one way to the write lock, with the writers' queue. */
static int
lite_begin(struct cafe_log *log)
{
	return cafe_db_begin_write(log->store);
}

static void
lite_rollback(struct cafe_log *log)
{
	if (!sqlite3_get_autocommit(LITE(log)->db))
		cafe_db_exec(log->store, "ROLLBACK");
}

static long long
lite_bytes(struct cafe_log *log, struct cafe_err *e)
{
	long long pages, size;

	if ((pages = cafe_log_query_ll(log, "PRAGMA page_count", NULL, e)) < 0 ||
	    (size = cafe_log_query_ll(log, "PRAGMA page_size", NULL, e)) < 0)
		return -1;
	return pages * size;
}

static int
lite_drain(struct cafe_log *log)
{
	char buf[4096];
	int said = 0;

	if (LITE(log)->inotify_fd < 0)
		return 0;
	while (read(LITE(log)->inotify_fd, buf, sizeof buf) > 0)
		said = 1;
	return said;
}

const struct log_backend cafe_log_sqlite_backend = {
	lite_open, lite_close, lite_begin, lite_rollback, lite_checkpoint, lite_bytes,
	user_version,
	"SELECT count(*) = 2 FROM sqlite_master WHERE type = 'trigger' AND name IN "
	"('events_no_update', 'events_no_delete')",
	/* CASE, not AND: json_type() raises an error on malformed JSON. */
	"SELECT seq, CASE WHEN json_valid(data) THEN json_type(data) = 'object' "
	"ELSE 0 END, CASE WHEN json_valid(meta) THEN json_type(meta) = 'object' "
	"ELSE 0 END, length(id), type, ts, id, stream, version, data, meta, hash "
	"FROM events ORDER BY seq",
	"json_extract(meta, '$.correlation_id') = ?", "json_extract(meta, '$.key') = ?",
	"coalesce(json_extract(meta, '$.shop'), 'main')",
	lite_wake_fd, lite_drain, 1,
	"INSERT INTO events(id, stream, version, type, data, meta, ts, seq, hash) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(stream, version) DO NOTHING",
	0, NULL,
	"SELECT seq, id, stream, version, type, data, meta, ts, "
	"CASE WHEN json_valid(data) AND json_valid(meta) THEN "
	"json_type(data) = 'object' AND json_type(meta) = 'object' ELSE 0 END, hash "
	"FROM events WHERE seq > ? ORDER BY seq",
	/* Every page and every index against its table: a file damaged where
	 * the events' own rows still read must not pass as sound. */
	"PRAGMA integrity_check(1)"
};
