/*
 * fuzz-import - libFuzzer target: lines of `cafe-log import`, each through
 * the real line parser and the event catalogue (cafe_input_import_line),
 * into one batch as cafe-log builds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "command/input.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cafe_batch b;
	struct cafe_import_chain chain = { 0, "" };
	struct cafe_err e;
	const char *p = (const char *)data, *end = p + size;
	long long line = 0;

	cafe_batch_init(&b);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		/* Every other input unchecked, as --rechain reads it. */
		if (cafe_input_import_line(&b, p, len, ++line, size % 2 ? &chain : NULL, &e) != 0)
			break;
		p += len;
	}
	cafe_batch_release(&b);
	return 0;
}
