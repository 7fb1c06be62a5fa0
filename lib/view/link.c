/*
 * link.c - the customers' links (link.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "link.h"
#include "store/store.h"

#define WHO "link"
#define MAC_BYTES 16            /* 128 bits of the tag */
#define DEFAULT_URL "http://127.0.0.1:8080"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS web_key(id INTEGER PRIMARY KEY CHECK (id = 1), "
    "secret TEXT NOT NULL)";

/* The key, 1 when there is one, 0 when not, -1 on error. */
static int
load_key(struct cafe_db *db, unsigned char key[crypto_auth_KEYBYTES])
{
	struct cafe_stmt *st;
	const char *hex;
	size_t len = 0;
	int rc, found = 0;

	if (!cafe_db_has(db, "web_key", NULL))
		return 0;
	if ((rc = cafe_db_prepare(db, "SELECT secret FROM web_key WHERE id = 1", &st)) !=
	    CAFE_DB_OK)
		return -1;
	if ((rc = cafe_stmt_step(st)) == CAFE_DB_ROW && (hex = cafe_col_text(st, 0)) &&
	    sodium_hex2bin(key, crypto_auth_KEYBYTES, hex, strlen(hex), NULL, &len, NULL) == 0 &&
	    len == crypto_auth_KEYBYTES)
		found = 1;
	cafe_stmt_free(st);
	return rc == CAFE_DB_ROW || rc == CAFE_DB_DONE ? found : -1;
}

/*
 * The key as last read, for a few seconds: a server checks a link per
 * request, and the key's two lookups were a tenth of a page. Deleting the
 * key's row takes effect within KEY_TTL_MS.
 */
#define KEY_TTL_MS 5000

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char cached[crypto_auth_KEYBYTES];
static char *cached_path;       /* the database it is of */
static long long cached_until;

static int
read_key(struct cafe_log *log, unsigned char key[crypto_auth_KEYBYTES])
{
	const char *path = cafe_log_path(log);
	long long now = cafe_mono_ms();
	int found;

	pthread_mutex_lock(&key_mu);
	if (cached_path && strcmp(cached_path, path) == 0 && now < cached_until) {
		memcpy(key, cached, sizeof cached);
		pthread_mutex_unlock(&key_mu);
		return 1;
	}
	pthread_mutex_unlock(&key_mu);
	if ((found = load_key(cafe_log_store(log), key)) == 1) {
		pthread_mutex_lock(&key_mu);
		memcpy(cached, key, sizeof cached);
		free(cached_path);
		cached_path = cafe_xstrdup(path);
		cached_until = now + KEY_TTL_MS;
		pthread_mutex_unlock(&key_mu);
	}
	return found;
}

/* Two first placements at once: the first key stays. */
static int
insert_key(struct cafe_db *db, void *hex, struct cafe_err *e)
{
	struct cafe_stmt *st;
	int rc;

	if ((rc = cafe_db_prepare(db, "INSERT INTO web_key(id, secret) VALUES (1, ?1) "
	    "ON CONFLICT(id) DO NOTHING", &st)) == CAFE_DB_OK) {
		cafe_stmt_text(st, 1, hex);
		rc = cafe_stmt_step(st);
		cafe_stmt_free(st);
	}
	if (rc != CAFE_DB_DONE && rc != CAFE_DB_OK)
		return cafe_db_status(db, rc, WHO, "write", e);
	return 0;
}

static int
make_key(struct cafe_db *db, struct cafe_err *e)
{
	unsigned char key[crypto_auth_KEYBYTES];
	char hex[2 * crypto_auth_KEYBYTES + 1];
	int rc;

	if ((rc = cafe_db_ensure(db, "web_key", schema)) != CAFE_DB_OK)
		return cafe_db_status(db, rc, WHO, "schema", e);
	crypto_auth_keygen(key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	sodium_memzero(key, sizeof key);
	rc = cafe_db_transact(db, CAFE_DB_WRITE, insert_key, hex, WHO, e);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

static void
token_of(const unsigned char key[crypto_auth_KEYBYTES], long long id, char *out)
{
	unsigned char mac[crypto_auth_BYTES];
	char num[32], hex[2 * MAC_BYTES + 1];

	snprintf(num, sizeof num, "%lld", id);
	crypto_auth(mac, (const unsigned char *)num, strlen(num), key);
	sodium_bin2hex(hex, sizeof hex, mac, MAC_BYTES);
	snprintf(out, CAFE_LINK_TOKEN, "%s-%s", num, hex);
}

int
cafe_link_token(struct cafe_log *log, long long order_id, int make,
    char out[CAFE_LINK_TOKEN], struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	unsigned char key[crypto_auth_KEYBYTES];
	int found, status;

	out[0] = '\0';
	if (sodium_init() < 0)
		return cafe_err_set(e, CAFE_IOERR, "libsodium cannot start");
	if ((found = read_key(log, key)) == 0 && make) {
		if ((status = make_key(db, e)) != 0)
			return status;
		found = read_key(log, key);
	}
	if (found < 0)
		return cafe_err_set(e, CAFE_IOERR, "%s: the key of the customers' links cannot be "
		    "read: %s", WHO, cafe_db_errmsg(db));
	if (found)
		token_of(key, order_id, out);
	sodium_memzero(key, sizeof key);
	return 0;
}

long long
cafe_link_order(struct cafe_log *log, const char *token)
{
	unsigned char key[crypto_auth_KEYBYTES];
	char want[CAFE_LINK_TOKEN];
	long long id = 0;
	const char *dash;
	int found, ok;

	if (sodium_init() < 0 || !token || strlen(token) >= CAFE_LINK_TOKEN ||
	    !(dash = strchr(token, '-')) || dash == token || dash - token > 18 ||
	    strspn(token, "0123456789") != (size_t)(dash - token) ||
	    strlen(dash + 1) != 2 * MAC_BYTES)
		return 0;
	id = strtoll(token, NULL, 10);
	if ((found = read_key(log, key)) <= 0)
		return found < 0 ? -1 : 0;
	/* The same work whether id is an order or not: the tag is checked
	 * before anything is looked up. */
	token_of(key, id, want);
	sodium_memzero(key, sizeof key);
	ok = strlen(want) == strlen(token) &&
	    sodium_memcmp(want, token, strlen(token)) == 0;
	return ok && id > 0 ? id : 0;
}

void
cafe_link_url(const struct cafe_config *c, const char *token, char *buf, size_t n)
{
	const char *base = c->web_url ? c->web_url : DEFAULT_URL;
	size_t len = strlen(base);

	if (!token || !*token) {
		if (n)
			buf[0] = '\0';
		return;
	}
	while (len > 0 && base[len - 1] == '/')
		len--;
	snprintf(buf, n, "%.*s/o/%s", (int)len, base, token);
}
