/* Does AddressSanitizer + LeakSanitizer work on this machine? scripts/check_capi_memory.sh runs
 * this before trusting a clean ASan run: a working LeakSanitizer reports the one lost block.
 * (LSan cannot run under ptrace, and gcc 12's ASan fails to start on kernels whose address
 * randomisation uses more bits than its shadow layout expects.) */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char* block = malloc(48);
  if (block == NULL) return 2;
  snprintf(block, 48, "asan probe");
  puts(block);
  block = NULL; /* lost on purpose */
  return 0;
}
