// The edit operations rapidfuzz's Levenshtein.editops / opcodes choose (Hyyrö's bit-parallel
// matrix, common prefix and suffix removed first, backtracked from the end), counted as jiwer
// counts them. Another optimal alignment would give the same distance but other S/D/I splits.
#pragma once

#include <cstdint>
#include <vector>

namespace almkit::bench {

struct EditCounts {
  int64_t hits = 0, substitutions = 0, deletions = 0, insertions = 0;
};
// Turning `reference` into `hypothesis` (s1 and s2 of rapidfuzz); tokens compared by value.
EditCounts rapidfuzz_edit_counts(const std::vector<uint32_t>& reference,
                                 const std::vector<uint32_t>& hypothesis);

}  // namespace almkit::bench
