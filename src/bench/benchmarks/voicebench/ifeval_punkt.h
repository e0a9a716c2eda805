// nltk 3.8's PunktSentenceTokenizer.tokenize (the algorithm of Kiss & Strunk 2006 as nltk
// implements it: its word tokeniser, the first and second annotation passes with the
// orthographic heuristic, the period contexts and the boundary realignment), ported step for step.
// The English model's learned parameters are data that almkit does not ship: they are read at run
// time from nltk_data's `tokenizers/punkt_tab/english/` (the text form nltk >= 3.8.2 uses:
// abbrev_types.txt, collocations.tab, sent_starters.txt, ortho_context.tab).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace almkit::bench {

struct PunktParameters {
  std::set<std::string> abbrev_types, sent_starters;
  std::set<std::pair<std::string, std::string>> collocations;
  std::map<std::string, int> ortho_context;
  std::string source;  // the folder they were read from ("" for none)
};

// Reads a punkt_tab language folder; kFileNotFound / kInvalidFormat naming the file.
PunktParameters load_punkt_tab(const std::string& folder);

// The English parameters: $ALMKIT_PUNKT_DIR (a punkt_tab language folder, which must hold the
// four files; "none": use none), else tokenizers/punkt_tab/english under $NLTK_DATA,
// ~/nltk_data, /usr/share/nltk_data, /usr/local/share/nltk_data, /usr/lib/nltk_data,
// /usr/local/lib/nltk_data; null when none is there. Looked up once per process.
const PunktParameters* punkt_english_parameters();

// PunktSentenceTokenizer(params).tokenize(text).
std::vector<std::string> punkt_sentences(const std::string& text, const PunktParameters& params);

}  // namespace almkit::bench
