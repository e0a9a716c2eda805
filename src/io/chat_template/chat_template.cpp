// almkit::ChatTemplate: the public face of the chat-template interpreter.
#include "almkit/chat_template.h"

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "io/chat_template/evaluator.h"
#include "io/chat_template/lexer.h"
#include "io/chat_template/parser.h"

namespace almkit {

struct ChatTemplate::Impl {
  jinja::Body body;
};

namespace {

nlohmann::ordered_json parse_context(const std::string& text, const std::string& what) {
  if (text.empty()) return nlohmann::ordered_json::object();
  try {
    return nlohmann::ordered_json::parse(text);
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
