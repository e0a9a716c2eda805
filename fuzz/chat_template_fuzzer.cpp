// Fuzzes chat-template parsing (lexer, parser) and rendering (evaluator, filters, tests,
// methods). Input: the Jinja template, a NUL byte, then the context JSON (a fixed
// conversation when absent).
#include <cstdint>
#include <cstring>
#include <string>

#include "almkit/chat_template.h"
#include "almkit/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* begin = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(begin, '\0', size));
  const std::string source = nul ? std::string(begin, nul) : std::string(begin, size);
  const std::string context =
      nul ? std::string(nul + 1, begin + size)
          : std::string(
                R"({"messages": [{"role": "system", "content": "Be brief."},)"
                R"( {"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": "Hi"}]},)"
                R"( {"role": "assistant", "content": "Hello"}], "add_generation_prompt": true,)"
                R"( "bos_token": "<s>", "eos_token": "</s>", "tools": [{"name": "f"}]})");
  try {
    const almkit::ChatTemplate chat(source);
    (void)chat.render_json(context);
  } catch (const almkit::Error&) {
  }
  return 0;
}
