// Fuzzes the hand-written protobuf reader of SentencePiece tokenizer.model files, through
// Tokenizer::from_folder as a checkpoint folder holding only tokenizer.model, and the tokenizer it
// builds when the file is accepted.
#include <cstdint>
#include <string>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  almkit::fuzz::write_scratch("tokenizer.model", data, size);
  try {
    auto tokenizer = almkit::Tokenizer::from_folder(almkit::fuzz::scratch_dir());
    const std::vector<int32_t> ids =
        tokenizer->encode("Hello world, it's 2024! \xE4\xBD\xA0", true);
    (void)tokenizer->decode(ids, false);
  } catch (const almkit::Error&) {
  }
  return 0;
}
