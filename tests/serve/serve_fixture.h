// What the serve tests share: the small random Qwen2-Audio checkpoint (`almkit init-model` with
// the real Qwen vocabulary from .cache/tokenizers/qwen3) and a small random Whisper with a
// Whisper-shaped tokenizer, each made and loaded once per test process; servers on ephemeral
// loopback ports; WAV bytes; a streaming POST that reads server-sent events.
#pragma once

#include <httplib.h>
#include <malloc.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/model.h"
#include "models/init_model.h"
#include "serve/audio_parts.h"
#include "serve/server.h"
#include "test_support.h"

namespace almkit::test {

struct ServeWorld {
  std::string dir, qwen_dir, whisper_dir;
  std::shared_ptr<const Model> qwen, whisper;
};

// Whisper's real id layout (multilingual, 51865 ids): byte-level tokens and fillers below 50257,
// then <|endoftext|>, <|startoftranscript|>, languages, tasks, <|notimestamps|>, timestamps.
inline nlohmann::json whisper_tokenizer_json() {
  using nlohmann::json;
  json vocab = json::object();
  // GPT-2's byte -> printable character map, so that ids 0..255 decode to bytes.
  std::vector<int> printable;
  for (int b = 33; b <= 126; ++b) printable.push_back(b);
  for (int b = 161; b <= 172; ++b) printable.push_back(b);
  for (int b = 174; b <= 255; ++b) printable.push_back(b);
  std::vector<int> code(256, -1);
  for (int b : printable) code[b] = b;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    if (code[b] < 0) code[b] = 256 + extra++;
  }
  auto utf8 = [](int cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
  };
  for (int b = 0; b < 256; ++b) vocab[utf8(code[b])] = b;
  for (int id = 256; id < 50257; ++id) vocab["w" + std::to_string(id)] = id;
  json added = json::array();
  int id = 50257;
  auto add = [&](const std::string& content, bool special) {
    added.push_back({{"id", id++},
                     {"content", content},
                     {"special", special},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"single_word", false},
                     {"normalized", false}});
  };
  add("<|endoftext|>", true);
  add("<|startoftranscript|>", true);
  add("<|en|>", true);
  add("<|de|>", true);
  while (id < 50358) add("<|lang" + std::to_string(id) + "|>", true);
  for (const char* token : {"<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                            "<|nospeech|>", "<|notimestamps|>"}) {
    add(token, true);
  }
  for (int step = 0; step <= 1500; ++step) {
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "<|%.2f|>", step * 0.02);
    add(stamp, false);
  }
  return {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"added_tokens", added}};
}

inline const ServeWorld& serve_world() {
  static const ServeWorld world = [] {
    ServeWorld w;
    w.dir = "/tmp/almkit-test-serve-" + std::to_string(::getpid());
    std::filesystem::remove_all(w.dir);
    std::filesystem::create_directories(w.dir);
    InitModelOptions qwen;
    qwen.tokenizer_dir = data_dir() + "/../tokenizers/qwen3";
    qwen.output_dir = w.qwen_dir = w.dir + "/qwen2-audio-small";
    init_model(qwen);
    InitModelOptions whisper;
    whisper.arch = "whisper";
    whisper.output_dir = w.whisper_dir = w.dir + "/whisper-small";
    init_model(whisper);
    write_file(w.whisper_dir + "/tokenizer.json", whisper_tokenizer_json().dump());
    w.qwen = Model::load(w.qwen_dir);
    w.whisper = Model::load(w.whisper_dir);
    static std::string to_remove;
    to_remove = w.dir;
    std::atexit([] { std::filesystem::remove_all(to_remove); });
    return w;
  }();
  return world;
}

// A server on an ephemeral loopback port over the shared Qwen2-Audio model.
inline serve::ServeOptions test_serve_options() {
  serve::ServeOptions options;
  options.port = 0;
  options.served_model_name = "qwen-test";
  options.shutdown_grace_seconds = 5;
  return options;
}

inline std::unique_ptr<serve::Server> start_server(
    const serve::ServeOptions& options = test_serve_options(),
    std::shared_ptr<const Model> model = nullptr) {
  auto server = std::make_unique<serve::Server>(model ? model : serve_world().qwen, options);
  server->start();
  return server;
}

inline std::unique_ptr<httplib::Client> client_for(const serve::Server& server) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
  client->set_read_timeout(60, 0);
  return client;
}

// A 16 kHz mono tone (or noise-free silence) as WAV bytes.
inline std::vector<uint8_t> wav_bytes(double seconds, double frequency = 440.0) {
  AudioBuffer audio;
  audio.sample_rate = 16000;
  audio.channels = 1;
  audio.samples.resize(static_cast<size_t>(seconds * 16000));
  for (size_t i = 0; i < audio.samples.size(); ++i) {
    audio.samples[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * frequency * i / 16000.0));
  }
  return encode_wav(audio);
}

inline std::string wav_base64(double seconds, double frequency = 440.0) {
  const auto bytes = wav_bytes(seconds, frequency);
  return serve::encode_base64(bytes.data(), bytes.size());
}

inline nlohmann::json post_json(httplib::Client& client, const std::string& path,
                                const nlohmann::json& body, int& status,
                                const httplib::Headers& headers = {}) {
  auto result = client.Post(path.c_str(), headers, body.dump(), "application/json");
  if (!result) {
    status = -1;
    return nullptr;
  }
  status = result->status;
  return nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
}

inline bool healthy(const serve::Server& server) {
  httplib::Client client("127.0.0.1", server.port());
  auto result = client.Get("/health");
  return result && result->status == 200;
}

struct StreamResult {
  int status = -1;
  std::vector<std::string> events;  // the payload of each "data:" line, in order
  std::vector<std::string> comments;
};

// POSTs `body` and reads the response as server-sent events; stops reading (and closes the
// connection) once `stop_after` events arrived when it is > 0.
inline StreamResult post_stream(httplib::Client& client, const std::string& path,
                                const nlohmann::json& body, size_t stop_after = 0) {
  StreamResult out;
  std::string buffer;
  httplib::Request request;
  request.method = "POST";
  request.path = path;
  request.body = body.dump();
  request.set_header("Content-Type", "application/json");
  request.response_handler = [&](const httplib::Response& response) {
    out.status = response.status;
    return true;
  };
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    buffer.append(data, size);
    for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
      const std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      if (event.rfind("data: ", 0) == 0) {
        out.events.push_back(event.substr(6));
      } else if (!event.empty() && event[0] == ':') {
        out.comments.push_back(event);
      }
    }
    return stop_after == 0 || out.events.size() < stop_after;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  client.send(request, response, error);
  if (out.status < 0 && response.status > 0) out.status = response.status;
  return out;
}

// Resident set size of this process in bytes.
inline size_t resident_bytes() {
  long pages = 0, resident = 0;
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace almkit::test
