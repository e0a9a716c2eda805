// Text <-> token ids exactly as Hugging Face tokenizers make them, loaded from a checkpoint folder
// (tokenizer.json + tokenizer_config.json, GPT-2 style vocab.json + merges.txt, or a BPE
// SentencePiece tokenizer.model, converted as transformers converts it), plus Whisper's
// special-token conventions.
//
//   auto tokenizer = almkit::Tokenizer::from_folder("Qwen2-Audio-7B-Instruct");
//   std::vector<int32_t> ids = tokenizer->encode("Hello world", /*add_special_tokens=*/true);
//   std::string text = tokenizer->decode(ids, /*skip_special_tokens=*/true);
//
// A Tokenizer is immutable after loading; encode/decode may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit {

// The special tokens and template a checkpoint names in tokenizer_config.json.
struct TokenizerSpecialTokens {
  std::string bos_token, eos_token, pad_token, unk_token;  // "" when the config names none
  bool add_bos_token = false;  // as written in tokenizer_config.json (informative only: the
  bool add_eos_token = false;  // post processor of tokenizer.json decides what encode adds)
  bool clean_up_tokenization_spaces = false;
};

class ALMKIT_API Tokenizer {
 public:
  virtual ~Tokenizer();

  // Loads a checkpoint folder. Looks for, in order: tokenizer.json; vocab.json + merges.txt
  // (byte-level BPE with GPT-2 defaults); tokenizer.model (SentencePiece BPE, read without
  // libsentencepiece and converted like transformers' LlamaConverter). tokenizer_config.json
  // is optional. The chat template comes from chat_template.jinja, chat_template.json or
  // tokenizer_config.json, first found. Throws kFileNotFound, kInvalidFormat (malformed files),
  // kUnsupported (a model/normalizer/pre-tokenizer/decoder type almkit does not implement).
  static std::unique_ptr<Tokenizer> from_folder(const std::string& dir);
  // The same from the text of tokenizer.json and tokenizer_config.json (may be empty).
  static std::unique_ptr<Tokenizer> from_json(const std::string& tokenizer_json,
                                              const std::string& tokenizer_config_json = "");

  // Token ids of UTF-8 `text`; `add_special_tokens` applies the post processor (BOS/EOS
  // templates). Special tokens written in the text are recognised as such. Throws
  // kInvalidArgument naming the byte offset when `text` is not valid UTF-8.
  virtual std::vector<int32_t> encode(const std::string& text, bool add_special_tokens) const = 0;
  // encode() of each text, spread over `num_threads` threads (1 = the calling thread).
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens,
                                                 int num_threads = 1) const;
  // Text of `ids` as the tokenizer's decoder makes it (invalid UTF-8 byte runs become U+FFFD).
  // No clean-up of tokenization spaces is applied (Hugging Face tokenizers' decode); ids outside
  // the vocabulary throw kInvalidArgument.
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const = 0;
  // decode() followed by transformers' clean_up_tokenization (" ." -> ".", " 's" -> "'s", ...)
  // when the config asks for it (clean_up_tokenization_spaces).
  std::string decode_for_display(const std::vector<int32_t>& ids, bool skip_special_tokens) const;

  virtual std::optional<int32_t> token_to_id(const std::string& token) const = 0;
  // The token's string as stored in the vocabulary (byte-level tokens keep their "Ġ" form);
  // throws kInvalidArgument for an id outside [0, vocab_size()).
  virtual std::string id_to_token(int32_t id) const = 0;
  // Number of ids, added tokens included (highest id + 1).
  virtual int32_t vocab_size() const = 0;
  // True for added tokens marked special (BOS, EOS, <|im_start|>, ...).
  virtual bool is_special(int32_t id) const = 0;

  const TokenizerSpecialTokens& special_tokens() const { return special_; }
  const std::string& bos_token() const { return special_.bos_token; }
  const std::string& eos_token() const { return special_.eos_token; }
  const std::string& pad_token() const { return special_.pad_token; }
  const std::string& unk_token() const { return special_.unk_token; }
  std::optional<int32_t> bos_token_id() const { return id_of_named(special_.bos_token); }
  std::optional<int32_t> eos_token_id() const { return id_of_named(special_.eos_token); }
  std::optional<int32_t> pad_token_id() const { return id_of_named(special_.pad_token); }

  // The raw Jinja chat template ("" when the checkpoint has none). With several named
  // templates, the one called "default".
  const std::string& chat_template() const { return chat_template_; }
  // The raw text of tokenizer_config.json ("{}" when absent), for callers that need more fields.
  const std::string& config_json() const { return config_json_; }

 protected:
  Tokenizer() = default;
  TokenizerSpecialTokens special_;
  std::string chat_template_;
  std::string config_json_ = "{}";

 private:
  std::optional<int32_t> id_of_named(const std::string& token) const {
    if (token.empty()) return std::nullopt;
    return token_to_id(token);
  }
  friend class TokenizerLoader;
};

// Whisper's special-token conventions, looked up in a Whisper tokenizer's vocabulary:
// <|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|> ... <|endoftext|>, and the
// timestamp tokens <|0.00|> .. <|30.00|> in 0.02 s steps that follow <|notimestamps|>.
class ALMKIT_API WhisperTokens {
 public:
  // Keeps a reference to `tokenizer`, which must outlive this object. Throws kNotFound naming
  // the first required token the vocabulary lacks.
  explicit WhisperTokens(const Tokenizer& tokenizer);

  int32_t start_of_transcript() const { return start_of_transcript_; }
  int32_t end_of_text() const { return end_of_text_; }
  int32_t transcribe() const { return transcribe_; }
  int32_t translate() const { return translate_; }
  int32_t no_timestamps() const { return no_timestamps_; }
  std::optional<int32_t> no_speech() const { return no_speech_; }
  std::optional<int32_t> start_of_prev() const { return start_of_prev_; }
  // <|0.00|>, the first timestamp token (no_timestamps + 1).
  int32_t timestamp_begin() const { return no_timestamps_ + 1; }

  // Id of a language code ("en", "de", "yue"); nullopt when the vocabulary lacks it.
  std::optional<int32_t> language(const std::string& code) const;
  // Language codes present in the vocabulary, in id order.
  std::vector<std::string> languages() const;
  // <|startoftranscript|> [<|lang|>] [<|task|>] [<|notimestamps|>]: the decoder prompt.
  // `language` may be empty (model detects it); `task` is "transcribe" or "translate".
  std::vector<int32_t> prompt(const std::string& language, const std::string& task,
                              bool timestamps) const;
  bool is_timestamp(int32_t id) const { return id >= timestamp_begin(); }
  // Seconds of a timestamp token (0.02 s per step).
  double timestamp_seconds(int32_t id) const;
  // Text of `ids` with timestamps written as <|1.08|>, other special tokens removed
  // (transformers' decode(..., output_offsets) text with decode_with_timestamps=True).
  std::string decode_with_timestamps(const std::vector<int32_t>& ids) const;

 private:
  const Tokenizer& tokenizer_;
  int32_t start_of_transcript_, end_of_text_, transcribe_, translate_, no_timestamps_;
  std::optional<int32_t> no_speech_, start_of_prev_;
};

}  // namespace almkit
