/*
 * fuzz-config - libFuzzer target: a config file (cafe.yaml(5)) as a user
 * writes it, through the real parser (cafe_config_parse). Any input must
 * give a config or an error, never a crash, a leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cafe_config c;
	struct cafe_err e;

	if (cafe_config_parse(&c, "fuzz.yaml", (const char *)data, size, &e) == 0)
		cafe_config_release(&c);
	return 0;
}
