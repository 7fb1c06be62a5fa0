/*
 * chain.h - the log's hash chain (DESIGN §3): every event's `hash` is the
 * SHA-256 (hex) of the previous event's hash and this event's canonical
 * text, so an edited, deleted, reordered or forged row breaks the chain
 * even when the append-only triggers were dropped and put back. The
 * newest link (cafe-log head), kept elsewhere, also proves that nothing
 * was cut off the end. SHA-256 is libsodium's.
 *
 * Canonical text, fields separated by "\n": the previous hash (64 zeros
 * before the first event), seq, id, stream, version, type, ts, data and
 * meta as stored (compact JSON text).
 */
#ifndef CAFE_CHAIN_H
#define CAFE_CHAIN_H

#define CAFE_HASH_HEX 65        /* 64 hex digits and a NUL */

/* The "previous hash" of the first event. */
extern const char cafe_chain_genesis[CAFE_HASH_HEX];

/* out = the link of one event. */
void cafe_chain_link(const char *prev, long long seq, const char *id, const char *stream,
		long long version, const char *type, const char *ts, const char *data,
		const char *meta, char out[CAFE_HASH_HEX]);

/* 1 when s is 64 lowercase hex digits. */
int cafe_chain_valid(const char *s);

#endif
