// MUSE's official prompt wording, per task, as the Qwen2.5-Omni runners of the public
// MUSE_music_benchmark repository have it (Qwen2.5-Omni/<task>_Qwen2.5-Omni_runner.py:
// SYSINSTR_PLAIN, SYSINSTR_COT, COT_PROMPT_TEMPLATE, the few-shot builders and the per-trial user
// turns). Prompt text is data: reproduced verbatim (trailing spaces included), never the code.
// Only the tasks listed in muse_protocol_wordings() are transcribed so far (docs/eval.md).
#include "bench/runner/muse_protocol.h"

namespace almkit::bench {
namespace {

const char* const kChordQualitySysinst =
    "You are a participant in a psychological experiment on music perception.\nIn each question, you will be given:\n1. A brief instruction about the specific listening task.\n2. One audio example to listen to.\n\nYour task is to decide if a chord is Major or Minor. First, you will hear the chord itself, and then you will hear the \nindividual notes of the chord played one at a time. You can think of the differences between Major and Minor in terms of \nmood. For those with a Western enculturation:\nMajor chords generally sound bright, happy, or triumphant.\nMinor chords often sound more somber, sad, or mysterious.\n\nValid responses are:\n\"A. Major\"\n\"B. Minor\"\n\nBefore you begin the task, I will provide you with examples of major and minor chords so that you better understand the task.\nAfter examining the examples, please respond with \"Yes, I understand.\" if you understand the task or \"No, I don't understand.\" if you don't \nunderstand the task.";
const char* const kChordQualityCotSystem =
    "You are a participant in a psychological experiment on music perception.\nIn each question, you will be given:\n1. A brief instruction about the specific listening task.\n2. One audio example to listen to.\n\nYour task is to decide whether the chord is MAJOR or MINOR. You will first hear the chord, then the individual notes arpeggiated.\n\nDefinitions and constraints:\n- Judge the chord’s QUALITY (major vs. minor triad), not the key or root name.\n- Ignore inversion (bass note), voicing/register, added doublings, dynamics, reverb/effects, and recording quality.\n- Assume that the lowest note is the root\n- Diagnostic cue: the interval between two chord tones forming the “third.”\n  • Major chord: contains a MAJOR third within the set of chord tones.\n  • Minor chord: contains a MINOR third within the set of chord tones.\n\nValid responses are exactly:\n\"A. Major\"\n\"B. Minor\"\n\nBefore you begin the task, I will provide you with one example of a major chord and one example of a minor chord so you \nbetter understand the task. After examining the examples, please respond with \"Yes, I understand.\" if you understand \nthe task or \"No, I don't understand.\" if you don't understand the task.\n\nAfter any reasoning, end with exactly one line:\nA. Major\nOR\nB. Minor";
const char* const kChordQualityCotPrompt =
    "Analyze the music excerpt and identify the chord QUALITY (MAJOR vs MINOR).\n\nStep 1: Listen to the sustained chord and the arpeggiated notes; focus on pitch classes (ignore inversion/voicing/register).\n\nStep 2: Determine whether the set of chord tones contains:\n- If there is a MAJOR third present, it is a Major chord\n- If there is a MINOR third present, it is a Minor chord.\n\nStep 3: Final Answer\nAfter any reasoning, reply with exactly ONE of the following lines (and nothing else on that line):\nA. Major\nOR\nB. Minor\n";
const char* const kInstrumentSysinst =
    "You are a participant in a psychological experiment on music perception.\nIn each question, you will be given:\n1. A brief instruction about the specific listening task.\n2. One audio example to listen to. \n\nYour task is to listen to different music excerpts and identify the musical instrument being played.\nValid responses are:\n\"A. Piano\"\n\"B. Guitar\"\n\"C. Bass\"\n\"D. Drums\"\n\nBefore beginning the task, I will provide you with audio examples of each of the instruments, including piano, guitar, bass, and drums,\nso that you better understand the task. After examining the examples, please respond with \"Yes, I understand.\" if you \nunderstand the task or \"No, I don't understand.\" if you don't understand the task.\n\nPlease provide no additional commentary beyond the short answers previously mentioned.\n";
const char* const kInstrumentCotSystem =
    "You are a participant in a psychological experiment on music perception.\nIn each question, you will be given:\n1. A brief instruction about the specific listening task.\n2. One audio example to listen to.\n\nYour task is to listen to the excerpt and identify the musical instrument being played.\n\nDefinitions and constraints:\n- Possible instruments (and response options) are limited to:\n  A. Piano\n  B. Guitar\n  C. Bass\n  D. Drums\n- Focus on overall timbre, envelope, register, and articulation.\n- Ignore reverb, effects, and recording quality.\n\nValid responses are exactly:\n\"A. Piano\"\n\"B. Guitar\"\n\"C. Bass\"\n\"D. Drums\"\n\nBefore beginning the task, I will provide you with audio examples of each of the instruments, including piano, guitar, bass, and drums, so that you better understand the task. After examining the \nexamples, please respond with \"Yes, I understand.\" if you understand the task or \"No, I don't understand.\" if you don't understand the task.\n\nAfter any reasoning, end with exactly one line:\nA. Piano\nOR\nB. Guitar\nOR\nC. Bass\nOR\nD. Drums";
const char* const kInstrumentCotPrompt =
    "Analyze the music excerpt and identify which INSTRUMENT is being played.\n\nStep 1: Focus on timbre, envelope (attack/decay/sustain), register, and articulation characteristics.\n\nStep 2: Compare what you hear to the four categories:\nA. Piano — percussive key strike with harmonic resonance/decay.\nB. Guitar — plucked/strummed strings; fretted articulation; mid-to-high register presence.\nC. Bass — low-register plucked string; strong fundamental; longer sustain in low range.\nD. Drums — percussive hits without sustained pitched notes; kit elements (kick/snare/hi-hat/cymbals).\n\nStep 3: Final Answer\nAfter any reasoning, reply with exactly ONE of the following lines (and nothing else on that line):\nA. Piano\nOR\nB. Guitar\nOR\nC. Bass\nOR\nD. Drums\n";

MusePart text(const std::string& value) { return {false, value, ""}; }
MusePart clip(const std::string& path) { return {true, "", path}; }
MuseTurn user(std::vector<MusePart> parts) { return {"user", std::move(parts)}; }
MuseTurn assistant(const std::string& value) { return {"assistant", {text(value)}}; }

MuseProtocolWording chord_quality() {
  MuseProtocolWording w;
  w.task = "chord_quality";
  w.source = "Qwen2.5-Omni/chord_quality_Qwen2.5-Omni_runner.py";
  w.system_sysinst = kChordQualitySysinst;
  w.system_cot = kChordQualityCotSystem;
  const std::string major = "stimuli/Abmajor_Piano_120.wav", minor = "stimuli/Aminor_Guitar_120.wav";
  w.fewshot_sysinst = {
      user({text("Example 1: The following audio example is a Major chord. Listen carefully:"),
            text("Audio example:"), clip(major)}),
      user({text("Example 2: The following audio example is a Minor chord. Listen carefully:"),
            text("Audio example:"), clip(minor)}),
  };
  w.fewshot_cot = {
      user({text(kChordQualityCotPrompt), clip(major)}),
      assistant("Step 1: Hear the block chord then the arpeggiation; treat inversion/voicing as "
                "irrelevant.\nStep 2: Among the chord tones there is a MAJOR third span, "
                "consistent with a major triad.\nA. Major"),
      user({text(kChordQualityCotPrompt), clip(minor)}),
      assistant("Step 1: Listen to the chord and then the arpeggiation; ignore register/voicing.\n"
                "Step 2: The chord tones include a MINOR third, indicating a minor triad.\n"
                "B. Minor"),
  };
  w.trial_sysinst = {text("Here is the audio excerpt."), clip(kTrialClip1),
                     text("Reply with exactly ONE of the following lines:\nA. Major\nOR\nB. Minor")};
  w.trial_cot = {text(kChordQualityCotPrompt), clip(kTrialClip1)};
  w.cot_min_new_tokens = 40;
  return w;
}

MuseProtocolWording instrument_identification() {
  MuseProtocolWording w;
  w.task = "instrument_identification";
  w.source = "Qwen2.5-Omni/instrumentID_Qwen2.5-Omni_runner.py";
  w.system_sysinst = kInstrumentSysinst;
  w.system_cot = kInstrumentCotSystem;
  const std::string guitar = "stimuli/Emajor_Guitar_120.wav",
                    piano = "stimuli/GbMaj_Arp_Desc_Piano.wav",
                    bass = "stimuli/AbMaj_Arp_Asc_Bass.wav", drums = "stimuli/Beat_11_140.wav";
  auto example = [](const std::string& label, const std::string& path) {
    return user({text("Example: The following audio example features " + label +
                      ". Listen carefully:"),
                 text("Audio example:"), clip(path)});
  };
  // The runner's order: piano, guitar, bass, drums.
  w.fewshot_sysinst = {example("a piano", piano), example("a guitar", guitar),
                       example("a bass", bass), example("drums", drums)};
  w.fewshot_cot = {
      user({text(kInstrumentCotPrompt), clip(piano)}),
      assistant("Step 1: Percussive key-strike onset with rich harmonic resonance/decay and clear "
                "note separations.\nStep 2: Sustained resonant body aligns with piano timbre.\n"
                "A. Piano"),
      user({text(kInstrumentCotPrompt), clip(guitar)}),
      assistant("Step 1: Bright plucked-string timbre with fretted articulation; clear pick attack; "
                "mid register.\nStep 2: Matches a guitar rather than piano (hammered keys), bass "
                "(lower register), or drums (non-pitched percussive hits).\nB. Guitar"),
      user({text(kInstrumentCotPrompt), clip(bass)}),
      assistant("Step 1: Low-register plucked string with strong fundamental and longer sustain; "
                "subdued upper harmonics.\nStep 2: This profile fits an electric/acoustic bass "
                "rather than guitar or piano.\nC. Bass"),
      user({text(kInstrumentCotPrompt), clip(drums)}),
      assistant("Step 1: Broadband percussive hits (kick/snare/cymbal) with no sustained pitched "
                "notes.\nStep 2: Consistent with a drum kit rather than pitched string/keyboard "
                "instruments.\nD. Drums"),
  };
  w.trial_sysinst = {
      text("You are a participant in a psychological experiment on music perception. Your task is "
           "to listen to an audio example and identify the musical instrument being played."),
      text("Valid responses:\n\"A. Piano\"\n\"B. Guitar\"\n\"C. Bass\"\n\"D. Drums\""),
      text("Listen carefully to the following audio:"),
      clip(kTrialClip1),
      text("Now answer by stating exactly one of the four strings (and nothing else):\n"
           "\"A. Piano\"\n\"B. Guitar\"\n\"C. Bass\"\n\"D. Drums\""),
  };
  w.trial_cot = {text(kInstrumentCotPrompt), clip(kTrialClip1)};
  w.cot_min_new_tokens = 80;
  return w;
}

}  // namespace

const std::vector<MuseProtocolWording>& muse_protocol_wordings() {
  static const std::vector<MuseProtocolWording> kWordings = {instrument_identification(),
                                                             chord_quality()};
  return kWordings;
}

}  // namespace almkit::bench
