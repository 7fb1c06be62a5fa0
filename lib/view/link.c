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

/* The key into key: 1, or 0 when there is none (and make is 0), or a
 * status (negated) on a database error. */
static int
key_for(struct cafe_log *log, int make, unsigned char key[crypto_auth_KEYBYTES],
    struct cafe_err *e)
{
	struct cafe_db *db = cafe_log_store(log);
	int found, status;

	if (sodium_init() < 0)
		return -cafe_err_set(e, CAFE_IOERR, "libsodium cannot start");
	if ((found = read_key(log, key)) == 0 && make) {
		if ((status = make_key(db, e)) != 0)
			return -status;
		found = read_key(log, key);
	}
	if (found < 0)
		return -cafe_err_set(e, CAFE_IOERR, "%s: the key of the customers' links cannot "
		    "be read: %s", WHO, cafe_db_errmsg(db));
	return found;
}

int
cafe_link_token(struct cafe_log *log, long long order_id, int make,
    char out[CAFE_LINK_TOKEN], struct cafe_err *e)
{
	unsigned char key[crypto_auth_KEYBYTES];
	int found;

	out[0] = '\0';
	if ((found = key_for(log, make, key, e)) < 0)
		return -found;
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

/* A rider's tag: of "rider:" and the name, so that no order's tag is
 * ever a rider's. */
static void
rider_mac(const unsigned char key[crypto_auth_KEYBYTES], const char *name,
    char hex[2 * MAC_BYTES + 1])
{
	unsigned char mac[crypto_auth_BYTES];
	crypto_auth_hmacsha512256_state st;

	crypto_auth_hmacsha512256_init(&st, key, crypto_auth_KEYBYTES);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)"rider:", 6);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)name, strlen(name));
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_bin2hex(hex, 2 * MAC_BYTES + 1, mac, MAC_BYTES);
}

int
cafe_rider_token(struct cafe_log *log, const char *rider, char out[CAFE_RIDER_TOKEN],
    struct cafe_err *e)
{
	unsigned char key[crypto_auth_KEYBYTES];
	char hex[2 * MAC_BYTES + 1];
	size_t len = strlen(rider);
	int found;

	out[0] = '\0';
	if (len == 0 || sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
	    sizeof hex > CAFE_RIDER_TOKEN)
		return cafe_err_set(e, CAFE_DATAERR, "a rider's name of 1 to %d bytes, not %zu",
		    800, len);
	if ((found = key_for(log, 1, key, e)) < 0)
		return -found;
	rider_mac(key, rider, hex);
	sodium_memzero(key, sizeof key);
	sodium_bin2base64(out, CAFE_RIDER_TOKEN, (const unsigned char *)rider, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	strcat(out, ".");
	strcat(out, hex);
	return 0;
}

int
cafe_rider_of(struct cafe_log *log, const char *token, char *name, size_t n)
{
	unsigned char key[crypto_auth_KEYBYTES];
	char want[2 * MAC_BYTES + 1];
	const char *dot = token ? strrchr(token, '.') : NULL;
	size_t len = 0;
	struct cafe_err e;
	int found, ok;

	if (sodium_init() < 0 || !dot || dot == token || strlen(dot + 1) != 2 * MAC_BYTES ||
	    n < 2 || sodium_base642bin((unsigned char *)name, n - 1, token,
	    (size_t)(dot - token), NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return 0;
	name[len] = '\0';
	if (strlen(name) != len || !cafe_valid_text(name))
		return 0;
	if ((found = key_for(log, 0, key, &e)) <= 0)
		return found < 0 ? -1 : 0;
	rider_mac(key, name, want);
	sodium_memzero(key, sizeof key);
	ok = sodium_memcmp(want, dot + 1, 2 * MAC_BYTES) == 0;
	return ok;
}

/* base, a slash, part, token: a page's address under web.url. */
static void
page_url(const struct cafe_config *c, const char *part, const char *token, char *buf,
    size_t n)
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
	snprintf(buf, n, "%.*s/%s/%s", (int)len, base, part, token);
}

void
cafe_rider_url(const struct cafe_config *c, const char *token, char *buf, size_t n)
{
	page_url(c, "r", token, buf, n);
}

void
cafe_link_url(const struct cafe_config *c, const char *token, char *buf, size_t n)
{
	page_url(c, "o", token, buf, n);
}

