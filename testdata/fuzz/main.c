/*
 * main.c - one libFuzzer binary per target: built by `make fuzz` with
 * -DFUZZ_TARGET=fz_NAME (see targets.c).
 */
#include "targets.c"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)fz_targets;
	(void)FUZZ_TARGET(d, n);
	return 0;
}
