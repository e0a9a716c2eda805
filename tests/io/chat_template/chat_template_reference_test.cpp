// Chat templates rendered byte for byte as @huggingface/jinja (and Python's jinja2, see
// tests/tokenizer_reference/check_jinja2.py) render them: the real Qwen3, Llama-3 and Gemma-3
// templates, Qwen2.5 (tools) and Qwen2-Audio (audio placeholders), and a feature template.
#include <gtest/gtest.h>

#include "almkit/chat_template.h"
#include "almkit/tokenizer.h"
#include "io/json_file.h"
#include "io/tokenizer/tokenizer_test_support.h"
#include "test_support.h"

namespace almkit {
namespace {

nlohmann::ordered_json read_cases() {
  return nlohmann::ordered_json::parse(
      test::read_file(test::test_data_dir() + "/tokenizer/chat_templates.json"));
}

TEST(ChatTemplateReference, RendersEveryConversationByteForByte) {
  const auto data = read_cases();
  size_t identical = 0, raised = 0, total = 0, from_jinja2 = 0;
  for (const auto& item : data.at("cases")) {
    ++total;
    const std::string name = item.at("name");
    const ChatTemplate chat(
        data.at("templates").at(item.at("template").get<std::string>()).get<std::string>());
    const std::string context = item.at("context").dump();
    if (item.contains("error")) {
      EXPECT_ALMKIT_ERROR(chat.render_json(context), ErrorCode::kInvalidArgument,
                          item.at("error").get<std::string>());
      ++raised;
      continue;
    }
    const std::string expected = item.at("expected");
    from_jinja2 += item.contains("reference");  // @huggingface/jinja lacked a filter: jinja2's text
    std::string rendered;
    try {
      rendered = chat.render_json(context);
    } catch (const Error& error) {
      ADD_FAILURE() << name << ": " << error.what();
      continue;
    }
    if (rendered == expected) {
      ++identical;
    } else {
      ADD_FAILURE() << name << " differs.\n--- almkit:\n"
                    << rendered << "\n--- reference:\n"
                    << expected;
    }
  }
  std::printf(
      "[ chat template ] %zu/%zu conversations byte-identical (%zu with jinja2's text where "
      "@huggingface/jinja lacks a filter), %zu/%zu expected exceptions raised\n",
      identical, total - raised, from_jinja2, raised, raised);
  EXPECT_EQ(identical + raised, total);
}

TEST(ChatTemplate, RenderMessagesAcceptsAListOrAnObject) {
  const ChatTemplate chat(
      "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
      "{% if tools %}{{ tools | length }} tools{% endif %}"
      "{% if add_generation_prompt %}>{% endif %}{{ bos_token }}");
  EXPECT_EQ(chat.render_messages(R"([{"role": "user", "content": "hi"}])", true,
                                 R"({"bos_token": "<s>"})"),
            "[user:hi]><s>");
  EXPECT_EQ(chat.render_messages(
                R"({"messages": [{"role": "user", "content": "hi"}], "tools": [{}, {}]})", false),
            "[user:hi]2 tools");
}

TEST(ChatTemplate, ApplyChatTemplateGivesTheTemplateTheTokenizersBosToken) {
  const auto tokenizer = Tokenizer::from_folder(test::tokenizer_dir("gemma3"));
  const std::string prompt =
      apply_chat_template(*tokenizer, R"([{"role": "user", "content": "Hi"}])", true);
  EXPECT_EQ(prompt, "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplate, WhitespaceControlAndBlockTrimming) {
  EXPECT_EQ(ChatTemplate("a  {{- ' b ' -}}  c").render_json("{}"), "a b c");
  // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before it.
  EXPECT_EQ(ChatTemplate("{% if true %}\n    yes\n    {% endif %}\nend").render_json("{}"),
            "    yes\nend");
  EXPECT_EQ(ChatTemplate("x {#- comment -#} y").render_json("{}"), "xy");
  EXPECT_EQ(ChatTemplate("{% raw %}{{ not parsed }}{% endraw %}").render_json("{}"),
            "{{ not parsed }}");
  EXPECT_EQ(ChatTemplate("line\n").render_json("{}"), "line");
}

TEST(ChatTemplate, ExpressionsFollowPythonSemantics) {
  auto render = [](const std::string& source, const std::string& context = "{}") {
    return ChatTemplate(source).render_json(context);
  };
  EXPECT_EQ(render("{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}"), "-4 2 3.5 1024");
  EXPECT_EQ(render("{{ [1, 'a', none, true] }} {{ {'k': 1.0} }}"),
            "[1, 'a', None, True] {'k': 1.0}");
  EXPECT_EQ(render("{{ 'héllo wörld'[1:4] }} {{ 'abc'[::-1] }} {{ 'héllo' | length }}"),
            "éll cba 5");
  EXPECT_EQ(render("{{ x is defined }} {{ x | default('d') }} {{ '' | default('e', true) }}"),
            "False d e");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a + b }}"), "3");
  EXPECT_EQ(
      render("{% macro m(x, y='Y') %}<{{ x }}{{ y }}>{% endmacro %}{{ m(1) }}{{ m(2, y=3) }}"),
      "<1Y><23>");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i "
                   "%}{% endfor %}{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}",
                   R"({"d": {"b": 2, "a": 1}})"),
            "a1b2");
  EXPECT_EQ(render("{{ m | tojson }}", R"({"m": {"z": "é\n\"", "a": [1, 2.5, null]}})"),
            R"({"z": "é\n\"", "a": [1, 2.5, null]})");
  EXPECT_EQ(render("{% set s %}captured {{ 1 }}{% endset %}[{{ s }}]"), "[captured 1]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') | join('|') }} {{ '  x y  '.split() | length }}"),
            "a|b||c 2");
}

TEST(ChatTemplate, UnsupportedSyntaxNamesLineAndColumn) {
  EXPECT_ALMKIT_ERROR(ChatTemplate("ok\n{% include 'other.jinja' %}"), ErrorCode::kUnsupported,
                      "line 2, column 4");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{% call foo() %}{% endcall %}"), ErrorCode::kUnsupported,
                      "'{% call %}' tag is not supported");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{% if x %}no end"), ErrorCode::kInvalidFormat, "never closed");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ 'unterminated }}"), ErrorCode::kInvalidFormat,
                      "unterminated string");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ 1 + }}"), ErrorCode::kInvalidFormat, "line 1, column 8");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ 1 < x < 3 }}"), ErrorCode::kUnsupported,
                      "chained comparisons");
  EXPECT_ALMKIT_ERROR(ChatTemplate("\n  {{ x | no_such_filter }}").render_json("{}"),
                      ErrorCode::kUnsupported, "line 2, column 8: unknown filter 'no_such_filter'");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ x is no_such_test }}").render_json("{}"),
                      ErrorCode::kUnsupported, "unknown test 'no_such_test'");
  EXPECT_ALMKIT_ERROR(
      ChatTemplate("{{ raise_exception('Roles must alternate') }}").render_json("{}"),
      ErrorCode::kInvalidArgument, "Roles must alternate");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ x }}").render_json("[1, 2]"), ErrorCode::kInvalidArgument,
                      "JSON object");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ x }}").render_json("{bad json"), ErrorCode::kInvalidArgument,
                      "not valid JSON");
  EXPECT_ALMKIT_ERROR(ChatTemplate("{{ 'a' + 1 }}").render_json("{}"), ErrorCode::kInvalidArgument,
                      "unsupported operand types for +: string and integer");
}

}  // namespace
}  // namespace almkit
