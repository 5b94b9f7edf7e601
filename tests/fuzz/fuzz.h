/* fuzz: the entry point of a fuzz target (libFuzzer's), defined by each
 * tests/fuzz/fuzz-<target>.c and called by libFuzzer or by fuzz-replay. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Returns 0; a bug crashes (abort, or a sanitizer's report). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
