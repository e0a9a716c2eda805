// A chat template comes with a checkpoint from anyone and `almkit serve` renders one per request:
// huge lists and strings, loops without end and deep nesting must be a clear error, fast, never
// gigabytes of memory or a hung process (io/chat_template/limits.h).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "almkit/chat_template.h"
#include "io/chat_template/evaluator.h"
#include "io/chat_template/limits.h"
#include "io/chat_template/parser.h"
#include "test_support.h"

namespace almkit {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string render(const std::string& source) { return ChatTemplate(source).render_json("{}"); }

TEST(ChatTemplateLimits, HugeRangeAndRepetitionAreRefusedBeforeAnythingIsBuilt) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_ALMKIT_ERROR(render("{% for i in range(100000000) %}{% endfor %}"), ErrorCode::kUnsupported,
                      "range() would make a list of 100000000 items, beyond the "
                      "chat-template limit of 1048576");
  EXPECT_ALMKIT_ERROR(render("{{ range(0, 10**12, 3) | length }}"), ErrorCode::kUnsupported,
                      "range() would make a list of 333333333334 items");
  EXPECT_ALMKIT_ERROR(render("{{ 'ab' * 1000000000 }}"), ErrorCode::kUnsupported,
                      "'*' would make a string of 2000000000 bytes, beyond the chat-template limit of 16777216");
  EXPECT_ALMKIT_ERROR(render("{{ [1, 2, 3] * 9223372036854775807 }}"), ErrorCode::kUnsupported,
                      "'*' would make a list of 18446744073709551615 items");
  EXPECT_LT(seconds_since(start), 1.0);  // refused before allocating anything
  EXPECT_ALMKIT_ERROR(render("{{ ('x' * 10000000) | replace('x', 'yy') }}"), ErrorCode::kUnsupported,
                      "replace() would make a string of 16777218 bytes");
  EXPECT_ALMKIT_ERROR(render("{{ ('x' * 10000000) | list | length }}"), ErrorCode::kUnsupported,
                      "iterating over a string would make a list of 10000000 items");
  // the same operations within the limits still work
  EXPECT_EQ(render("{{ range(1048576) | length }} {{ ('ab' * 3) }} {{ ([0] * 4) | length }}"),
            "1048576 ababab 4");
}

TEST(ChatTemplateLimits, AStringDoubledInALoopStopsAtTheLimit) {
  const std::string doubling = "{% set ns = namespace(s='x') %}{% for i in range(N) %}"
                               "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}";
  auto with = [&](const char* n) { return std::string(doubling).replace(doubling.find('N'), 1, n); };
  EXPECT_EQ(render(with("24")), "16777216");  // 2^24 bytes: exactly the limit
  EXPECT_ALMKIT_ERROR(render(with("40")), ErrorCode::kUnsupported,
                      "'~' would make a string of 33554432 bytes");
}

TEST(ChatTemplateLimits, RenderedTextIsBounded) {
  EXPECT_ALMKIT_ERROR(render("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"),
                      ErrorCode::kUnsupported,
                      "the rendered text would pass 16777216 bytes, the "
                      "chat-template limit");
  EXPECT_ALMKIT_ERROR(render("{{ ['" + std::string(1000, 'y') + "'] * 20000 }}"),
                      ErrorCode::kUnsupported, "printing a list would make a string of");
  EXPECT_ALMKIT_ERROR(render("{{ (['" + std::string(1000, 'y') + "'] * 20000) | tojson }}"),
                      ErrorCode::kUnsupported, "tojson would make a string of");
}

// Loops that build nothing still end: every statement, expression and loop iteration is a step.
TEST(ChatTemplateLimits, LoopsWithoutEndAreStoppedWithinTheTimeLimit) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_ALMKIT_ERROR(
      render("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
             "{% endfor %}{% endfor %}{% endfor %}"),
      ErrorCode::kUnsupported, "the chat-template limit");
  const double elapsed = seconds_since(start);
  // whichever limit comes first on this machine (10^7 steps or the wall-clock bound), the
  // render ends within the wall-clock bound plus one check interval
  EXPECT_LT(elapsed, jinja::kMaxSeconds + 1.0);
  std::printf("[ note ] 10^9 empty iterations refused after %.2f s\n", elapsed);
}

std::string render_with(const std::string& source, const jinja::RenderLimits& limits) {
  return jinja::render(jinja::parse(jinja::tokenize(source)), jinja::Dict{}, limits);
}

TEST(ChatTemplateLimits, StepBudgetCountsStatementsExpressionsAndIterations) {
  // {% for %} 1 + range(1000): the call, the name, the literal 3 + per iteration: the iteration,
  // the output statement, its literal 3 x 1000 = 3004 steps
  const std::string loop = "{% for i in range(1000) %}{{ 1 }}{% endfor %}";
  jinja::RenderLimits limits;
  limits.max_seconds = 1e6;
  limits.max_steps = 3004;
  EXPECT_EQ(render_with(loop, limits), std::string(1000, '1'));
  limits.max_steps = 3003;
  EXPECT_ALMKIT_ERROR(render_with(loop, limits), ErrorCode::kUnsupported,
                      "rendering took more than 3003 steps, the chat-template "
                      "limit (a loop without end?)");
  // 2 ** 10**18 by squaring: 60 multiplications to the overflow, not 10^18
  EXPECT_ALMKIT_ERROR(render("{{ 2 ** 1000000000000000000 }}"), ErrorCode::kUnsupported,
                      "integer overflow");
}

TEST(ChatTemplateLimits, WallClockBoundEndsARenderThatIsWithinItsSteps) {
  jinja::RenderLimits limits;
  limits.max_steps = INT64_MAX;
  limits.max_seconds = 0.2;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_ALMKIT_ERROR(
      render_with("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                  "{% endfor %}{% endfor %}{% endfor %}",
                  limits),
      ErrorCode::kUnsupported, "rendering took more than 0.2 s, the chat-template limit");
  EXPECT_LT(seconds_since(start), 1.2);  // 64 steps between clock reads: far below a second
}

TEST(ChatTemplateLimits, IntegerOverflowIsAnErrorNotAWrap) {
  EXPECT_EQ(render("{{ 2 ** 62 }} {{ (-2) ** 63 }} {{ 3 ** 0 }}"),
            "4611686018427387904 -9223372036854775808 1");
  EXPECT_ALMKIT_ERROR(render("{{ 9223372036854775807 + 1 }}"), ErrorCode::kUnsupported,
                      "integer overflow in 9223372036854775807 + 1");
  EXPECT_ALMKIT_ERROR(render("{{ -9223372036854775807 - 2 }}"), ErrorCode::kUnsupported,
                      "integer overflow");
  EXPECT_ALMKIT_ERROR(render("{{ 4294967296 * 4294967296 }}"), ErrorCode::kUnsupported,
                      "integer overflow in 4294967296 * 4294967296");
  EXPECT_ALMKIT_ERROR(render("{{ 2 ** 64 }}"), ErrorCode::kUnsupported, "integer overflow");
}

TEST(ChatTemplateLimits, ErrorsOnAMegabyteLongLineNameTheirCharacterColumn) {
  // Each token's column was counted from its line start: quadratic, minutes for a few MB on one
  // line. Columns count characters: each repetition is 9 bytes ('é' is two) but 8 characters.
  std::string line;
  for (int i = 0; i < 120000; ++i) line += "\xC3\xA9{{ x }}";
  EXPECT_ALMKIT_ERROR(ChatTemplate{line + "{{ $ }}"}, ErrorCode::kInvalidFormat,
                      "line 1, column 960004: unexpected character '$' in tag");
  EXPECT_ALMKIT_ERROR(ChatTemplate{line + "\n\xC3\xA9\xC3\xA9{{ x }}{{ ? }}"},
                      ErrorCode::kInvalidFormat, "line 2, column 13: unexpected character '?'");
  EXPECT_ALMKIT_ERROR(ChatTemplate{line + "\n" + line + "{{ 'open"}, ErrorCode::kInvalidFormat,
                      "line 2, column 960008: unterminated string literal");
  EXPECT_ALMKIT_ERROR(ChatTemplate{"\xC3\xA9\n\xE2\x82\xAC{{ x | }}"}, ErrorCode::kInvalidFormat,
                      "line 2, column 9");
}

TEST(ChatTemplateLimits, DeepStatementAndOperatorNestingIsRefusedNotAStackOverflow) {
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  // statements and expressions share the depth: here the 200th level is the 200th if's condition
  EXPECT_ALMKIT_ERROR(ChatTemplate{ifs}, ErrorCode::kUnsupported,
                      "column 2594: expressions nested deeper than 200");
  std::string sets;  // block sets have no expression: the statements alone reach the bound
  for (int i = 0; i < 5000; ++i) sets += "{% set x %}";
  EXPECT_ALMKIT_ERROR(ChatTemplate{sets}, ErrorCode::kUnsupported, "statements nested deeper than 200");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ " + std::string(30000, '-') + "1 }}"), ErrorCode::kUnsupported,
                      "unary operators nested deeper than 200");
  std::string nots = "{{ ";
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_ALMKIT_ERROR(ChatTemplate{nots + "true }}"}, ErrorCode::kUnsupported,
                      "'not' operators nested deeper than 200");
  // 100 levels (more than any real template) are fine
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "{% if true %}";
  nested += "ok";
  for (int i = 0; i < 100; ++i) nested += "{% endif %}";
  EXPECT_EQ(render(nested), "ok");
  EXPECT_EQ(render("{{ " + std::string(100, '-') + "1 }}"), "1");
}

}  // namespace
}  // namespace almkit
