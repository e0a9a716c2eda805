// almkit-mtmd-bench: times llama.cpp's libmtmd audio encoder the way an application calls it
// (mtmd_tokenize builds the log-mel of the clip, mtmd_encode_chunk runs the tower + projector), so
// benchmarks/peers/compare_mtmd.sh can set it beside almkit's encoder on the same 30 s clip.
//   almkit-mtmd-bench MMPROJ.gguf VOCAB.gguf CLIP.f32 THREADS RUNS WINDOWS [EMBEDDINGS_OUT.f32]
// VOCAB.gguf is a weightless text-model file (loaded vocab_only): libmtmd tokenizes the audio
// begin/end markers with it. CLIP.f32 is raw float32 16 kHz mono.
// libmtmd cuts the log-mel into 3000-frame (30 s) windows after appending 30 s of silence, so a
// 30 s clip is two windows, the second all padding; WINDOWS > 0 encodes only the first WINDOWS
// (0: all, as an application gets). Prints one line per run,
//   mtmd run=R threads=T mel_s=... window_s=... seconds=... windows=W/N tokens=K
// (window_s: the first window's encode; seconds: mel + the windows encoded); the first run
// follows libmtmd's own warm-up pass. The last run's embeddings [K, width] go to
// EMBEDDINGS_OUT.f32 (float32, row-major) for the parity check.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gguf.h"
#include "llama.h"
#include "mtmd.h"

namespace {

std::vector<float> read_clip(const char* path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "almkit-mtmd-bench: cannot open clip '%s'\n", path);
    std::exit(2);
  }
  const std::streamsize bytes = in.tellg();
  if (bytes <= 0 || bytes % sizeof(float) != 0) {
    std::fprintf(stderr, "almkit-mtmd-bench: '%s' is not raw float32 samples (%lld bytes)\n", path,
                 static_cast<long long>(bytes));
    std::exit(2);
  }
  std::vector<float> samples(bytes / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(samples.data()), bytes);
  return samples;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The projector's output width, clip.audio.projection_dim of the mmproj file (a vocab_only text
// model leaves its own width unread).
int projection_width(const char* mmproj) {
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* ctx = gguf_init_from_file(mmproj, params);
  const int64_t key = ctx ? gguf_find_key(ctx, "clip.audio.projection_dim") : -1;
  const int width = key >= 0 ? static_cast<int>(gguf_get_val_u32(ctx, key)) : 0;
  if (ctx) gguf_free(ctx);
  if (width <= 0) {
    std::fprintf(stderr, "almkit-mtmd-bench: '%s' has no clip.audio.projection_dim\n", mmproj);
    std::exit(2);
  }
  return width;
}

void quiet_log(ggml_log_level level, const char* text, void*) {
  if (level >= GGML_LOG_LEVEL_WARN) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s MMPROJ.gguf VOCAB.gguf CLIP.f32 THREADS RUNS WINDOWS [EMBEDDINGS_OUT.f32]\n",
                 argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[4]);
  const int runs = std::atoi(argv[5]);
  const int max_windows = std::atoi(argv[6]);
  llama_log_set(quiet_log, nullptr);
  mtmd_log_set(quiet_log, nullptr);
  llama_backend_init();

  llama_model_params model_params = llama_model_default_params();
  model_params.vocab_only = true;
  llama_model* text_model = llama_model_load_from_file(argv[2], model_params);
  if (!text_model) {
    std::fprintf(stderr, "almkit-mtmd-bench: cannot load the text-model vocabulary '%s'\n", argv[2]);
    return 2;
  }
  mtmd_context_params params = mtmd_context_params_default();
  params.use_gpu = false;
  params.n_threads = threads;
  params.print_timings = false;
  mtmd_context* ctx = mtmd_init_from_file(argv[1], text_model, params);
  if (!ctx || !mtmd_support_audio(ctx)) {
    std::fprintf(stderr, "almkit-mtmd-bench: '%s' did not load as an audio mmproj\n", argv[1]);
    return 2;
  }
  const std::vector<float> samples = read_clip(argv[3]);
  const int width = projection_width(argv[1]);
  std::vector<float> embeddings;

  for (int run = 1; run <= runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    mtmd_bitmap* audio = mtmd_bitmap_init_from_audio(samples.size(), samples.data());
    mtmd_input_chunks* chunks = mtmd_input_chunks_init();
    const std::string prompt = mtmd_default_marker();
    const mtmd_input_text text{prompt.c_str(), prompt.size(), false, true};
    const mtmd_bitmap* bitmaps[] = {audio};
    if (mtmd_tokenize(ctx, chunks, &text, bitmaps, 1) != 0) {
      std::fprintf(stderr, "almkit-mtmd-bench: mtmd_tokenize failed on '%s'\n", argv[3]);
      return 1;
    }
    const double mel_s = seconds_since(start);
    embeddings.clear();
    size_t tokens = 0;
    int windows = 0, encoded = 0;
    double window_s = 0.0;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); ++i) {
      const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks, i);
      if (mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_AUDIO) continue;
      if (windows++ >= max_windows && max_windows > 0) continue;
      const auto window_start = std::chrono::steady_clock::now();
      if (mtmd_encode_chunk(ctx, chunk) != 0) {
        std::fprintf(stderr, "almkit-mtmd-bench: mtmd_encode_chunk failed\n");
        return 1;
      }
      const size_t n = mtmd_input_chunk_get_n_tokens(chunk);
      const float* out = mtmd_get_output_embd(ctx);
      embeddings.insert(embeddings.end(), out, out + n * width);
      tokens += n;
      if (encoded++ == 0) window_s = seconds_since(window_start);
    }
    const double total_s = seconds_since(start);
    std::printf("mtmd run=%d threads=%d mel_s=%.3f window_s=%.3f seconds=%.3f windows=%d/%d tokens=%zu\n", run,
                threads, mel_s, window_s, total_s, encoded, windows, tokens);
    std::fflush(stdout);
    mtmd_input_chunks_free(chunks);
    mtmd_bitmap_free(audio);
  }
  if (argc > 7) {
    std::ofstream out(argv[7], std::ios::binary);
    out.write(reinterpret_cast<const char*>(embeddings.data()), embeddings.size() * sizeof(float));
    if (!out) {
      std::fprintf(stderr, "almkit-mtmd-bench: cannot write '%s'\n", argv[7]);
      return 1;
    }
  }
  mtmd_free(ctx);
  llama_model_free(text_model);
  return 0;
}
