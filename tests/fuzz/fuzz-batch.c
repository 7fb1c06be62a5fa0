/*
 * fuzz-batch - libFuzzer target: one line of `cafe-order place --batch`,
 * parsed and priced against the built-in menu (cafe_input_batch_line)
 * and checked (cafe_place_validate), as cafe-order does before it places anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"
#include "command/input.h"
#include "domain/order.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cafe_config c;
	static int ready;
	struct cafe_place_request r;
	struct cafe_err e;
	json_t *owner = NULL;

	if (!ready) {
		struct cafe_err ignored;

		if (cafe_config_parse(&c, "built-in", "", 0, &ignored) != 0)
			return 0;
		ready = 1;
	}
	if (cafe_input_batch_line(&c, (const char *)data, size, 1, &r, &owner, &e) == 0)
		cafe_place_validate(&r, &e);
	json_decref(owner);
	return 0;
}
