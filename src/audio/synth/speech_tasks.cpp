// Spoken tasks made with espeak-ng: count the spoken digits, which word came first (or last).
// espeak-ng runs as a program (no shell), writes a WAV at 22.05 kHz that is resampled to the
// suite's rate; its output is deterministic for a given text, voice, rate and word gap.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "almkit/error.h"
#include "audio/synth/suite_internal.h"

extern char** environ;

namespace almkit::synth {
namespace {

const char* const kVoices[] = {"en-us", "en-gb", "en-us+f3"};

struct SpokenAudio {
  AudioBuffer audio;
  std::string voice;
  int words_per_minute = 0;
};

// Runs espeak-ng on `text` and returns its audio at `sample_rate`.
SpokenAudio speak(const ItemRequest& request, const std::string& text, const std::string& label) {
  Rng& rng = *request.rng;
  SpokenAudio spoken;
  spoken.voice = kVoices[rng.integer(0, 2)];
  spoken.words_per_minute = request.difficulty == kHard ? 175 : 150;
  const std::string path =
      request.scratch_dir + "/.espeak-" + std::to_string(::getpid()) + "-" + label + ".wav";
  const std::string rate = std::to_string(spoken.words_per_minute);
  // -g 10: a 100 ms gap between words on top of the commas' pauses, so each word stands apart.
  std::vector<std::string> arguments{
      request.espeak_command, "-v", spoken.voice, "-s", rate, "-g", "10", "-w", path, text};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawnp(&pid, request.espeak_command.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    throw Error(ErrorCode::kNotFound, "cannot run '" + request.espeak_command +
                                          "' for the spoken tasks (install espeak-ng with "
                                          "scripts/setup.sh, or leave out spoken_* tasks)");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::remove(path.c_str());
    throw Error(ErrorCode::kIo, "'" + request.espeak_command + "' failed (exit status " +
                                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                    ") speaking \"" + text + "\" into " + path);
  }
  AudioLoadOptions load;
  load.target_sample_rate = request.sample_rate;
  try {
    spoken.audio = load_audio(path, load);
  } catch (...) {
    std::remove(path.c_str());
    throw;
  }
  std::remove(path.c_str());
  // A little silence before and after, as the other stimuli have.
  std::vector<float> padded(static_cast<size_t>(0.1 * request.sample_rate), 0.f);
  padded.insert(padded.end(), spoken.audio.samples.begin(), spoken.audio.samples.end());
  padded.resize(padded.size() + static_cast<size_t>(0.15 * request.sample_rate), 0.f);
  spoken.audio = mono_buffer(std::move(padded), request.sample_rate);
  return spoken;
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : ", ") + word;
  return text + ".";
}

// ---- spoken_digit_count ---------------------------------------------------------------------
const char* const kDigits[] = {"zero", "one", "two",   "three", "four",
                               "five", "six", "seven", "eight", "nine"};

Stimulus make_spoken_digit_count(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int count = 2 + request.answer_class;  // 2..7
  ItemRequest adjusted = request;
  adjusted.difficulty = count <= 3 ? kEasy : count <= 5 ? kMedium : kHard;
  std::vector<std::string> digits;
  int previous = -1;
  while (static_cast<int>(digits.size()) < count) {
    const int digit = rng.integer(0, 9);
    if (digit == previous) continue;
    digits.push_back(kDigits[digit]);
    previous = digit;
  }
  const std::string text = join(digits);
  SpokenAudio spoken = speak(adjusted, text, "digits-" + std::to_string(request.index));
  Stimulus stimulus;
  stimulus.difficulty = adjusted.difficulty;
  stimulus.audio = std::move(spoken.audio);
  stimulus.question = "A voice reads out a list of digits. How many digits are spoken?";
  stimulus.choices = count_choices(count, rng);
  stimulus.metadata = {{"text", text},
                       {"count", count},
                       {"voice", spoken.voice},
                       {"words_per_minute", spoken.words_per_minute}};
  return stimulus;
}

// ---- spoken_word_order ----------------------------------------------------------------------
const std::vector<std::string>& word_pool() {
  static const std::vector<std::string> kWords{
      "apple",  "river",  "candle", "garden", "pencil", "window", "tiger",  "rocket",
      "button", "carpet", "dragon", "forest", "guitar", "hammer", "island", "jacket",
      "lemon",  "mirror", "orange", "pillow", "rabbit", "saddle", "tomato", "violin"};
  return kWords;
}

Stimulus make_spoken_word_order(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int count = request.difficulty == kEasy ? 2 : request.difficulty == kMedium ? 3 : 4;
  std::vector<std::string> pool = word_pool();
  rng.shuffle(pool);
  const std::vector<std::string> spoken_words(pool.begin(), pool.begin() + count);
  const bool ask_first = rng.coin();
  const std::string& answer = ask_first ? spoken_words.front() : spoken_words.back();
  const std::string text = join(spoken_words);
  SpokenAudio spoken = speak(request, text, "words-" + std::to_string(request.index));
  Stimulus stimulus;
  stimulus.audio = std::move(spoken.audio);
  stimulus.question = std::string("A voice says a few words. Which word is spoken ") +
                      (ask_first ? "first?" : "last?");
  // The other spoken words are the distractors, topped up with unspoken ones to four choices.
  stimulus.choices.push_back(answer);
  for (const std::string& word : spoken_words) {
    if (word != answer) stimulus.choices.push_back(word);
  }
  for (size_t i = static_cast<size_t>(count); stimulus.choices.size() < 4; ++i) {
    stimulus.choices.push_back(pool[i]);
  }
  stimulus.metadata = {{"text", text},
                       {"words", spoken_words},
                       {"asked", ask_first ? "first" : "last"},
                       {"voice", spoken.voice},
                       {"words_per_minute", spoken.words_per_minute}};
  return stimulus;
}

}  // namespace

bool espeak_available(const std::string& command) {
  if (command.empty()) return false;
  if (command.find('/') != std::string::npos) return ::access(command.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string directories = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= directories.size()) {
    size_t end = directories.find(':', begin);
    if (end == std::string::npos) end = directories.size();
    const std::string directory = directories.substr(begin, end - begin);
    const std::string candidate = (directory.empty() ? "." : directory) + "/" + command;
    struct stat status {};
    if (::stat(candidate.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
    begin = end + 1;
  }
  return false;
}

std::vector<TaskDefinition> speech_tasks() {
  return {
      {{"spoken_digit_count", "speech", "Reasoning", "Counting", 4, true,
        "espeak-ng reads 2 to 7 digits; how many"},
       6,
       make_spoken_digit_count},
      {{"spoken_word_order", "speech", "Information Extraction", "Phonological Sequence Decoding",
        4, true, "espeak-ng says 2 to 4 words; which came first (or last)"},
       1,
       make_spoken_word_order},
  };
}

}  // namespace almkit::synth
