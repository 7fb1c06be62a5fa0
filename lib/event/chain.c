/*
 * chain.c - one link of the hash chain (chain.h). Pure but for libsodium,
 * which is initialised once, on first use, for every thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/cafe.h"
#include "chain.h"

const char cafe_chain_genesis[CAFE_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "cafe: libsodium cannot be initialised\n");
		abort();
	}
}

static void
add(crypto_hash_sha256_state *st, const char *s)
{
	crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
	crypto_hash_sha256_update(st, (const unsigned char *)"\n", 1);
}

void
cafe_chain_link(const char *prev, long long seq, const char *id, const char *stream,
    long long version, const char *type, const char *ts, const char *data,
    const char *meta, char out[CAFE_HASH_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char n[2][24];

	pthread_once(&once, init);
	snprintf(n[0], sizeof n[0], "%lld", seq);
	snprintf(n[1], sizeof n[1], "%lld", version);
	crypto_hash_sha256_init(&st);
	add(&st, prev);
	add(&st, n[0]);
	add(&st, id);
	add(&st, stream);
	add(&st, n[1]);
	add(&st, type);
	add(&st, ts);
	add(&st, data);
	crypto_hash_sha256_update(&st, (const unsigned char *)meta, strlen(meta));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, CAFE_HASH_HEX, h, sizeof h);
}

int
cafe_chain_valid(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}
