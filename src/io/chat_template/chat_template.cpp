// almkit::ChatTemplate: the public face of the chat-template interpreter.
#include "almkit/chat_template.h"

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "io/chat_template/evaluator.h"
#include "io/chat_template/lexer.h"
#include "io/chat_template/limits.h"
#include "io/chat_template/parser.h"

namespace almkit {

struct ChatTemplate::Impl {
  jinja::Body body;
};

namespace {

// nlohmann's DOM parser, refusing integers beyond 64 bits (it would keep 2**63..2**64-1 as
// unsigned, wrapping when a template reads them, and turn longer ones into rounded floats) and
// nesting beyond the values' limit before 10 MB of '[' become a DOM of millions of levels.
class ContextReader : public nlohmann::detail::json_sax_dom_parser<nlohmann::ordered_json> {
  using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::ordered_json>;

 public:
  ContextReader(nlohmann::ordered_json& root, const std::string& what) : Base(root), what_(what) {}

  bool null() {
    item();
    return Base::null();
  }
  bool boolean(bool value) {
    item();
    return Base::boolean(value);
  }
  bool number_integer(int64_t value) {
    item();
    return Base::number_integer(value);
  }
  bool number_unsigned(uint64_t value) {
    item();
    if (value > static_cast<uint64_t>(INT64_MAX)) refuse(std::to_string(value));
    return Base::number_unsigned(value);
  }
  bool number_float(double value, const std::string& text) {
    item();
    if (text.find_first_of(".eE") == std::string::npos) refuse(text);  // an integer literal
    return Base::number_float(value, text);
  }
  bool string(std::string& value) {
    item();
    return Base::string(value);
  }
  bool start_object(size_t size) {
    enter(false);
    return Base::start_object(size);
  }
  bool key(std::string& key) {
    path_.back().key = key;
    return Base::key(key);
  }
  bool end_object() {
    path_.pop_back();
    return Base::end_object();
  }
  bool start_array(size_t size) {
    enter(true);
    return Base::start_array(size);
  }
  bool end_array() {
    path_.pop_back();
    return Base::end_array();
  }

 private:
  struct Level {
    bool is_array;
    size_t items;  // items seen so far, the last one being the current one
    std::string key;
  };

  void item() {
    if (!path_.empty() && path_.back().is_array) ++path_.back().items;
  }

  void enter(bool is_array) {
    item();
    if (path_.size() >= static_cast<size_t>(jinja::kMaxValueDepth)) {
      throw Error(ErrorCode::kUnsupported, what_ + ": JSON nested deeper than the chat-template " +
                                               "limit of " + std::to_string(jinja::kMaxValueDepth) +
                                               " levels");
    }
    path_.push_back({is_array, 0, ""});
  }

  // Python's ints are unbounded, almkit's template integers int64: a float would round the value
  // and fail `is integer`, a wrapped one would be another number, so the context is refused.
  [[noreturn]] void refuse(const std::string& number) const {
    std::string where;
    for (const Level& level : path_) {
      where += level.is_array ? "[" + std::to_string(level.items - 1) + "]"
                              : (where.empty() ? "" : ".") + level.key;
    }
    throw Error(ErrorCode::kUnsupported, what_ + (where.empty() ? "" : " field '" + where + "'") +
                                             ": integer " + number + " does not fit in 64 bits");
  }

  const std::string& what_;
  std::vector<Level> path_;
};

nlohmann::ordered_json parse_context(const std::string& text, const std::string& what) {
  if (text.empty()) return nlohmann::ordered_json::object();
  try {
    nlohmann::ordered_json context;
    ContextReader reader(context, what);
    nlohmann::ordered_json::sax_parse(text, &reader);
    return context;
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidArgument, what + " is not valid JSON (at byte " +
                                                 std::to_string(error.byte) + "): " + error.what());
  } catch (const nlohmann::json::out_of_range& error) {  // a number beyond double (1e999)
    throw Error(ErrorCode::kInvalidArgument, what + " is not valid JSON: " + error.what());
  }
}

jinja::Dict to_context(const nlohmann::ordered_json& json, const std::string& what) {
  if (!json.is_object()) {
    throw Error(ErrorCode::kInvalidArgument,
                what + " must be a JSON object, got " + json.type_name());
  }
  jinja::Value value = jinja::Value::from_json(json);
  return value.dict_ref();
}

}  // namespace

ChatTemplate::ChatTemplate(const std::string& source) : impl_(std::make_unique<Impl>()) {
  impl_->body = jinja::parse(jinja::tokenize(source));
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render_json(const std::string& context_json) const {
  return jinja::render(impl_->body,
                       to_context(parse_context(context_json, "chat context"), "chat context"));
}

std::string ChatTemplate::render_messages(const std::string& messages_json,
                                          bool add_generation_prompt,
                                          const std::string& extra_context_json) const {
  nlohmann::ordered_json conversation = parse_context(messages_json, "messages");
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  if (conversation.is_array()) {
    context["messages"] = std::move(conversation);
  } else if (conversation.is_object() && conversation.contains("messages")) {
    context = std::move(conversation);
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "messages must be a JSON list of messages or an object with \"messages\"");
  }
  if (!context["messages"].is_array()) {
    throw Error(ErrorCode::kInvalidArgument, "\"messages\" must be a JSON list");
  }
  const nlohmann::ordered_json extra = parse_context(extra_context_json, "extra context");
  if (!extra.is_object())
    throw Error(ErrorCode::kInvalidArgument, "extra context must be a JSON object");
  for (const auto& [key, value] : extra.items()) context[key] = value;
  context["add_generation_prompt"] = add_generation_prompt;
  return jinja::render(impl_->body, to_context(context, "chat context"));
}

std::string apply_chat_template(const Tokenizer& tokenizer, const std::string& messages_json,
                                bool add_generation_prompt, const std::string& extra_context_json) {
  if (tokenizer.chat_template().empty()) {
    throw Error(ErrorCode::kNotFound, "the tokenizer has no chat template");
  }
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  const auto& special = tokenizer.special_tokens();
  for (const auto& [name, token] :
       {std::pair<const char*, const std::string*>{"bos_token", &special.bos_token},
        {"eos_token", &special.eos_token},
        {"pad_token", &special.pad_token},
        {"unk_token", &special.unk_token}}) {
    if (!token->empty()) extra[name] = *token;
  }
  const nlohmann::ordered_json given = parse_context(extra_context_json, "extra context");
  if (!given.is_object())
    throw Error(ErrorCode::kInvalidArgument, "extra context must be a JSON object");
  for (const auto& [key, value] : given.items()) extra[key] = value;
  return ChatTemplate(tokenizer.chat_template())
      .render_messages(messages_json, add_generation_prompt, extra.dump());
}

}  // namespace almkit
