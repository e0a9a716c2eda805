// python_regex against Python's own `re`: every match of 29 patterns (the Python escapes outside
// and inside character classes, negated escapes in plain and negated classes, literal brackets)
// on 5 Unicode subjects. Expected: tests/data/bench/python_re/make_python_re_expected.py.
#include "bench/metrics/python_re.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace almkit::bench {
namespace {

TEST(PythonRegex, FindsWhatPythonsReFinds) {
  std::ifstream in(test::test_data_dir() + "/bench/python_re/python_re_expected.json");
  ASSERT_TRUE(in.good());
  const auto cases = nlohmann::json::parse(in);
  ASSERT_EQ(cases.size(), 145u);
  for (const auto& c : cases) {
    const std::string pattern = c["pattern"], subject = c["subject"];
    std::vector<std::string> found;
    for (const auto& match : python_regex(pattern).find_all(subject)) {
      found.push_back(subject.substr(match.start, match.end - match.start));
    }
    EXPECT_EQ(found, c["matches"].get<std::vector<std::string>>())
        << "pattern " << pattern << " on \"" << subject << "\"";
  }
}

TEST(PythonRegex, UnterminatedClassIsAnError) {
  EXPECT_ANY_THROW(python_regex("[\\W"));
  EXPECT_ANY_THROW(python_regex("ab[^x"));
}

}  // namespace
}  // namespace almkit::bench
