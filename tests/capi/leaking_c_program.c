/* A C caller that forgets almkit_audio_free: the memory check (scripts/check_capi_memory.sh)
 * must fail on it, under valgrind and under AddressSanitizer + LeakSanitizer alike. The lost
 * block is allocated inside libalmkit (operator new), which the ASan build does not instrument:
 * the leak is found only because the sanitizer's allocator serves the whole process.
 *
 *   almkit_leaking_c_program AUDIO */
#include <almkit/almkit.h>
#include <stddef.h>
#include <stdio.h>

/* The handle dies with this frame, its audio still allocated. */
static int load_and_forget(const char* path) {
  almkit_audio_params params = almkit_audio_default_params();
  params.target_sample_rate = 16000;
  almkit_audio* audio = NULL;
  if (almkit_audio_load(path, &params, &audio) != ALMKIT_OK) {
    fprintf(stderr, "almkit_audio_load: %s\n", almkit_last_error());
    return 1;
  }
  printf("%s: %lld frames, never freed\n", path, (long long)almkit_audio_num_frames(audio));
  return 0;
}

/* Overwrites the dead frame, so that no stale copy of the handle on the stack makes the leak
 * look reachable to a leak checker's scan. */
static void scrub_stack(void) {
  volatile char scratch[16384];
  for (size_t i = 0; i < sizeof scratch; ++i) scratch[i] = 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s AUDIO\n", argv[0]);
    return 2;
  }
  if (load_and_forget(argv[1]) != 0) return 1;
  scrub_stack();
  return 0;
}
