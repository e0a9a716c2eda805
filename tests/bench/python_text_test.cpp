#include "bench/python_text.h"

#include <gtest/gtest.h>

namespace almkit::bench {
namespace {

using Words = std::set<std::string>;

TEST(PythonText, LowerUsesFullUnicodeMapping) {
  EXPECT_EQ(python_lower("ÉCOLE Straße"), "école straße");
  // U+0130 lowers to "i" + U+0307 (SpecialCasing), as Python's str.lower() does.
  EXPECT_EQ(python_lower("\xC4\xB0stanbul"), "i\xCC\x87stanbul");
  // Final sigma: word-final capital sigma becomes ς, elsewhere σ.
  EXPECT_EQ(python_lower("ΟΔΟΣ ΣΑ"), "οδος σα");
  EXPECT_EQ(python_lower("Σ"), "σ");
}

TEST(PythonText, WordSetMatchesPythonBackslashW) {
  EXPECT_EQ(python_word_set("a dog, a_cat! 42x"), (Words{"a", "dog", "a_cat", "42x"}));
  // CJK ideographs are word characters; a combining mark is not (Python's \w excludes Mn).
  EXPECT_EQ(python_word_set("猫が鳴く"), (Words{"猫が鳴く"}));
  EXPECT_EQ(python_word_set("cafe\xCC\x81 bar"), (Words{"cafe", "bar"}));
  EXPECT_EQ(python_word_set(python_lower("\xC4\xB0zmir")), (Words{"i", "zmir"}));
  EXPECT_TRUE(python_word_set("  ... !!").empty());
}

TEST(PythonText, SplitAndStripUseUnicodeWhitespace) {
  EXPECT_EQ(python_split(" a\u00A0b\tc\u3000d "), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(python_strip("\u2003 x y \n"), "x y");
  EXPECT_EQ(strip_chars("'\"neutral.\"'", "'\""), "neutral.");
}

}  // namespace
}  // namespace almkit::bench
