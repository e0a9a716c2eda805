// SentencePiece tokenizer.model files (a protobuf ModelProto) read without libsentencepiece and
// turned into the equivalent tokenizer.json, as transformers' LlamaConverter does for checkpoints
// that ship only tokenizer.model. Why not libsentencepiece: Debian's build carries its own
// protobuf-lite 3.14 whose exported symbols clash with libtorch's protobuf 3.21 in one process
// (the version check aborts every load), and almkit always links libtorch.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit::tokenizer {

// tokenizer.json equivalent of the BPE SentencePiece model in `bytes` (read from `source`).
// `add_bos` / `add_eos` become a TemplateProcessing post processor. Throws kInvalidFormat for a
// corrupt file and kUnsupported for Unigram/word/char models.
nlohmann::json sentencepiece_to_tokenizer_json(const std::string& bytes, bool add_bos, bool add_eos,
                                               const std::string& source);

}  // namespace almkit::tokenizer
