// The audio bytes a remote request carries: a 16-bit mono WAV at the rate the server's model
// expects. A file already in that form is sent as it is (no decode); anything else is decoded,
// downmixed and resampled as the local path does, then written as WAV.
#pragma once

#include <string>

namespace almkit::remote {

// `silent`: the same length of exact zeros (the silent-audio baseline).
std::string wav_payload(const std::string& path, int sample_rate, bool silent);

// True when `bytes` are a RIFF/WAVE file of 16-bit PCM, mono, at `sample_rate`.
bool is_pcm16_mono_wav(const std::string& bytes, int sample_rate);

}  // namespace almkit::remote
