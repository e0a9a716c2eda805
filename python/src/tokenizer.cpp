// Tokenizer and chat templates (include/almkit/tokenizer.h, chat_template.h). Messages may be
// given as Python lists / dicts (sent through json.dumps) or as JSON text.
#include "almkit/tokenizer.h"

#include <pybind11/stl/filesystem.h>

#include "almkit/chat_template.h"
#include "bindings.h"

namespace almkit::python {
namespace {

std::string extra_context(const py::kwargs& extra) {
  return extra.size() > 0 ? to_json_text(py::dict(extra)) : std::string();
}

}  // namespace

void register_tokenizer(py::module_& m) {
  py::class_<Tokenizer>(
      m, "Tokenizer",
      "Text <-> token ids exactly as Hugging Face tokenizers. Immutable; safe to use "
      "from several threads.")
      .def_static(
          "from_folder",
          [](const std::filesystem::path& folder) {
            return Tokenizer::from_folder(folder.string());
          },
          py::arg("folder"), py::call_guard<py::gil_scoped_release>(),
          "Loads tokenizer.json (or vocab.json + merges.txt, or tokenizer.model) from a folder.")
      .def_static("from_json", &Tokenizer::from_json, py::arg("tokenizer_json"),
                  py::arg("tokenizer_config_json") = "",
                  "From the text of tokenizer.json (and its config).")
      .def(
          "encode",
          [](const Tokenizer& tokenizer, const std::string& text, bool add_special_tokens) {
            std::vector<int32_t> ids;
            {
              py::gil_scoped_release release;
              ids = tokenizer.encode(text, add_special_tokens);
            }
            return ids;
          },
          py::arg("text"), py::arg("add_special_tokens") = true,
          "Token ids of `text` (a list of int).")
      .def("encode_batch", &Tokenizer::encode_batch, py::arg("texts"),
           py::arg("add_special_tokens") = true, py::arg("threads") = 1,
           py::call_guard<py::gil_scoped_release>())
      .def("decode", &Tokenizer::decode, py::arg("ids"), py::arg("skip_special_tokens") = false,
           py::call_guard<py::gil_scoped_release>(),
           "Text of `ids` (no clean-up of tokenization spaces).")
      .def("decode_for_display", &Tokenizer::decode_for_display, py::arg("ids"),
           py::arg("skip_special_tokens") = true, py::call_guard<py::gil_scoped_release>())
      .def("token_to_id", &Tokenizer::token_to_id, py::arg("token"), "The token's id, or None.")
      .def("id_to_token", &Tokenizer::id_to_token, py::arg("id"))
      .def("is_special", &Tokenizer::is_special, py::arg("id"))
      .def_property_readonly("vocab_size", &Tokenizer::vocab_size)
      .def("__len__", &Tokenizer::vocab_size)
      .def_property_readonly("bos_token", &Tokenizer::bos_token)
      .def_property_readonly("eos_token", &Tokenizer::eos_token)
      .def_property_readonly("pad_token", &Tokenizer::pad_token)
      .def_property_readonly("unk_token", &Tokenizer::unk_token)
      .def_property_readonly("bos_token_id", &Tokenizer::bos_token_id)
      .def_property_readonly("eos_token_id", &Tokenizer::eos_token_id)
      .def_property_readonly("pad_token_id", &Tokenizer::pad_token_id)
      .def_property_readonly("chat_template", &Tokenizer::chat_template)
      .def_property_readonly("config",
                             [](const Tokenizer& t) { return from_json_text(t.config_json()); })
      .def(
          "apply_chat_template",
          [](const Tokenizer& tokenizer, const py::object& messages, bool add_generation_prompt,
             const py::kwargs& extra) {
            const std::string messages_json = to_json_text(messages),
                              extra_json = extra_context(extra);
            py::gil_scoped_release release;
            return apply_chat_template(tokenizer, messages_json, add_generation_prompt, extra_json);
          },
          py::arg("messages"), py::arg("add_generation_prompt") = true,
          "The tokenizer's chat template rendered as transformers' "
          "apply_chat_template(tokenize=False); "
          "keyword arguments become template variables.");

  py::class_<ChatTemplate>(m, "ChatTemplate", "A Jinja chat template as transformers renders it.")
      .def(py::init<const std::string&>(), py::arg("source"))
      .def(
          "render",
          [](const ChatTemplate& chat, const py::kwargs& context) {
            const std::string json = to_json_text(py::dict(context));
            py::gil_scoped_release release;
            return chat.render_json(json);
          },
          "Renders with the keyword arguments as variables (messages=..., "
          "add_generation_prompt=...).")
      .def(
          "render_messages",
          [](const ChatTemplate& chat, const py::object& messages, bool add_generation_prompt,
             const py::kwargs& extra) {
            const std::string messages_json = to_json_text(messages),
                              extra_json = extra_context(extra);
            py::gil_scoped_release release;
            return chat.render_messages(messages_json, add_generation_prompt, extra_json);
          },
          py::arg("messages"), py::arg("add_generation_prompt") = true);
}

}  // namespace almkit::python
