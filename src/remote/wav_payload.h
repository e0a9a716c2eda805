// The audio bytes a remote request carries: a 16-bit mono WAV at the rate the server's model
// expects. A file already in that form is sent as it is (no decode); anything else is decoded,
// downmixed and resampled as the local path does, then written as WAV.
#pragma once

#include <string>
#include <vector>

namespace almkit::remote {

// `silent`: the same length of exact zeros (the silent-audio baseline).
std::string wav_payload(const std::string& path, int sample_rate, bool silent);

// The WAV(s) a clip is sent as under --long-audio `policy` ("": the whole clip, as
// wav_payload; windows / truncate / refuse past `max_seconds`, as the local backend does).
std::vector<std::string> wav_payload_parts(const std::string& path, int sample_rate, bool silent,
                                           const std::string& policy, double max_seconds);

// True when `bytes` are a RIFF/WAVE file of 16-bit PCM, mono, at `sample_rate`.
bool is_pcm16_mono_wav(const std::string& bytes, int sample_rate);

}  // namespace almkit::remote
