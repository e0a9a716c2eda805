// Fuzzes tokenizer.json loading (models, normalizers, pre-tokenizers, decoders, added tokens,
// post processors) and the encode / decode of text with the tokenizer it accepts.
// Input: tokenizer.json, a NUL byte, then the text to encode (a fixed sentence when absent).
#include <cstdint>
#include <cstring>
#include <string>

#include "almkit/error.h"
#include "almkit/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* begin = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(begin, '\0', size));
  const std::string json = nul ? std::string(begin, nul) : std::string(begin, size);
  const std::string text =
      nul ? std::string(nul + 1, begin + size)
          : std::string("Hello world, it's 2024! <|endoftext|> \xE4\xBD\xA0\xE5\xA5\xBD");
  std::unique_ptr<almkit::Tokenizer> tokenizer;
  try {
    tokenizer = almkit::Tokenizer::from_json(json);
  } catch (const almkit::Error&) {
    return 0;
  }
  try {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tokenizer->encode(text, special);
      for (int32_t id : ids) {
        if (id < 0 || id >= tokenizer->vocab_size()) __builtin_trap();  // encode made a bad id
        (void)tokenizer->id_to_token(id);
      }
      (void)tokenizer->decode(ids, false);
      (void)tokenizer->decode_for_display(ids, true);
    }
  } catch (const almkit::Error&) {
  }
  // Ids straight from the input bytes, in range or not: decode must refuse, never overrun.
  try {
    std::vector<int32_t> ids;
    for (size_t i = 0; i + 1 < text.size() && ids.size() < 64; i += 2) {
      ids.push_back(static_cast<int32_t>(static_cast<uint8_t>(text[i]) << 8 |
                                         static_cast<uint8_t>(text[i + 1])) -
                    8);
    }
    (void)tokenizer->decode(ids, false);
  } catch (const almkit::Error&) {
  }
  return 0;
}
