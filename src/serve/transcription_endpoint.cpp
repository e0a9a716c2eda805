// POST /v1/audio/transcriptions (multipart form): Whisper checkpoints only. The decoder prompt is
// <|startoftranscript|> [<|lang|>] <|transcribe|> <|notimestamps|>, as the Whisper processor
// writes it; decoding is greedy unless a temperature is given.
#include <httplib.h>

#include <cstdlib>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "serve/client_watch.h"
#include "serve/api_error.h"
#include "serve/context.h"
#include "serve/engine_jobs.h"

namespace almkit::serve {
namespace {

using nlohmann::json;

std::string form_value(const httplib::Request& request, const std::string& name) {
  return request.has_file(name) ? request.get_file_value(name).content : std::string();
}

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

double parse_temperature(const std::string& text) {
  if (text.empty()) return 0.0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value >= 0.0 && value <= 1.0)) {
    throw bad_request("temperature", "temperature must be a number between 0 and 1");
  }
  return value;
}

}  // namespace

void handle_transcriptions(ServerContext& context, const httplib::Request& http_request,
                           httplib::Response& response) {
  const Model& model = *context.model;
  if (!http_request.is_multipart_form_data()) {
    throw bad_request("file", "send the audio as multipart/form-data with a 'file' field",
                      "invalid_content_type");
  }
  check_model_name(form_value(http_request, "model"), context.info);
  if (model.model_type() != "whisper") {
    throw bad_request("model",
                      "the served model ('" + model.model_type() +
                          "') is not a Whisper model; send audio to /v1/chat/completions",
                      "unsupported");
  }
  if (!model.has_tokenizer()) {
    throw ApiError(
        501,
        "the served Whisper folder has no tokenizer files: almkit cannot turn its tokens into text",
        "server_error", "", "no_tokenizer");
  }
  std::unique_ptr<WhisperTokens> whisper;
  try {
    whisper = std::make_unique<WhisperTokens>(model.tokenizer());
  } catch (const Error& error) {
    throw ApiError(501,
                   std::string("the served tokenizer is not a Whisper tokenizer: ") + error.what(),
                   "server_error", "", "no_tokenizer");
  }
  if (!http_request.has_file("file"))
    throw bad_request("file", "the 'file' field is required", "missing_field");
  const httplib::MultipartFormData file = http_request.get_file_value("file");
  const std::string response_format = form_value(http_request, "response_format").empty()
                                          ? "json"
                                          : form_value(http_request, "response_format");
  if (response_format != "json" && response_format != "text" && response_format != "verbose_json") {
    throw bad_request(
        "response_format",
        "response_format '" + response_format + "' is not supported (json, text, verbose_json)",
        "unsupported");
  }
  const std::string language = form_value(http_request, "language");
  std::vector<int32_t> prompt;
  try {
    prompt = whisper->prompt(language, "transcribe", /*timestamps=*/false);
  } catch (const Error& error) {
    throw bad_request("language", error.what());
  }
  const std::vector<uint8_t> bytes(file.content.begin(), file.content.end());
  const size_t dot = file.filename.rfind('.');
  const std::string format = dot == std::string::npos ? "" : file.filename.substr(dot + 1);
  AudioBuffer audio = decode_audio_bytes(bytes, format, context.info.audio, "file");
  const double duration = audio.duration_seconds();

  Sampling sampling;
  sampling.temperature = parse_temperature(form_value(http_request, "temperature"));
  sampling.max_tokens = static_cast<int>(
      std::min<int64_t>(context.options.default_max_tokens,
                        context.info.max_positions - static_cast<int64_t>(prompt.size())));
  auto job = std::make_shared<Job>();
  job->request.prompt_ids = prompt;
  job->request.audio.push_back(std::move(audio));
  job->options = generate_options(context, sampling);
  job->batchable = sampling.temperature <= 0.0;
  submit(context, job);
  wait_for_job_or_client(context, *job, http_request);
  raise_job_error(*job);
  const std::string text = trim(job->result.text);
  if (response_format == "text") {
    response.set_content(text + "\n", "text/plain; charset=utf-8");
    return;
  }
  json body = {{"text", text}};
  if (response_format == "verbose_json") {
    body["task"] = "transcribe";
    body["language"] = language;
    body["duration"] = duration;
    body["segments"] = json::array();
  }
  response.set_content(dump_json(body), "application/json");
}

}  // namespace almkit::serve
