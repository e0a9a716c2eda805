// Chat prompts rendered exactly as transformers' apply_chat_template renders them: a small Jinja
// interpreter for the subset real chat templates use (for/if/set/macro/namespace, filters,
// tests, loop variables, whitespace control, raise_exception). Messages go in as JSON text, so
// the API is strings in, strings out.
//
//   almkit::ChatTemplate chat(tokenizer->chat_template());
//   std::string prompt = chat.render_messages(
//       R"([{"role": "user", "content": "Hi"}])", /*add_generation_prompt=*/true,
//       R"({"bos_token": "<s>"})");
//
// Like transformers, templates are compiled with trim_blocks and lstrip_blocks, and one trailing
// newline of the template is dropped. A ChatTemplate is immutable; render may run concurrently.
#pragma once

#include <memory>
#include <string>

#include "almkit/export.h"

namespace almkit {

class Tokenizer;

class ALMKIT_API ChatTemplate {
 public:
  // Parses `source`. Throws kInvalidFormat (syntax error) or kUnsupported (a tag, filter-less
  // construct or statement outside the supported subset), both naming line and column.
  explicit ChatTemplate(const std::string& source);
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;

  // Renders with the variables of `context_json`, a JSON object (messages, tools, documents,
  // add_generation_prompt, bos_token, ... anything the template reads). Object key order is
  // kept, so `tojson` writes keys in the order given. Errors: kInvalidArgument for bad JSON or a
  // raise_exception() in the template (its message is kept), kUnsupported for an unknown filter,
  // test or method met while rendering, with line and column, or for a context integer beyond
  // 64 bits, naming its field (Python's ints have no bound; almkit's are int64).
  std::string render_json(const std::string& context_json) const;

  // Convenience: `messages_json` is either a JSON array of messages or an object holding
  // "messages" (and optionally "tools", "documents", ...). `extra_context_json` (an object, may
  // be empty) adds variables such as bos_token, eos_token, enable_thinking.
  std::string render_messages(const std::string& messages_json, bool add_generation_prompt,
                              const std::string& extra_context_json = "") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Renders `tokenizer`'s own chat template with its bos/eos/pad/unk tokens in the context (as
// transformers does), then `extra_context_json` on top. Throws kNotFound when the tokenizer has
// no chat template.
ALMKIT_API std::string apply_chat_template(const Tokenizer& tokenizer,
                                           const std::string& messages_json,
                                           bool add_generation_prompt,
                                           const std::string& extra_context_json = "");

}  // namespace almkit
