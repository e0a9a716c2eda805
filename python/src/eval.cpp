// almkit.eval: the benchmark runner (include/almkit/eval.h), options under EvalOptions' names.
#include "almkit/eval.h"

#include "bindings.h"

namespace almkit::python {

void register_eval(py::module_& m) {
  using bench::EvalOptions;
  using bench::EvalOutcome;
  py::class_<EvalOptions>(m, "EvalOptions", "almkit eval's options (include/almkit/eval.h).")
      .def(py::init<>())
      .def_readwrite("model_dir", &EvalOptions::model_dir)
      .def_readwrite("bench", &EvalOptions::bench)
      .def_readwrite("data_path", &EvalOptions::data_path)
      .def_readwrite("audio_root", &EvalOptions::audio_root)
      .def_readwrite("out_dir", &EvalOptions::out_dir)
      .def_readwrite("limit", &EvalOptions::limit)
      .def_readwrite("shard_index", &EvalOptions::shard_index)
      .def_readwrite("shard_count", &EvalOptions::shard_count)
      .def_readwrite("threads", &EvalOptions::threads)
      .def_readwrite("batch", &EvalOptions::batch)
      .def_readwrite("mode", &EvalOptions::mode)
      .def_readwrite("permutations", &EvalOptions::permutations)
      .def_readwrite("seed", &EvalOptions::seed)
      .def_readwrite("max_new_tokens", &EvalOptions::max_new_tokens)
      .def_readwrite("temperature", &EvalOptions::temperature)
      .def_readwrite("top_k", &EvalOptions::top_k)
      .def_readwrite("top_p", &EvalOptions::top_p)
      .def_readwrite("prompt_template_path", &EvalOptions::prompt_template_path)
      .def_readwrite("silent_baseline", &EvalOptions::silent_baseline)
      .def_readwrite("device", &EvalOptions::device)
      .def_readwrite("dtype", &EvalOptions::dtype)
      .def_readwrite("quiet", &EvalOptions::quiet)
      .def_readwrite("backend", &EvalOptions::backend)
      .def_readwrite("endpoints", &EvalOptions::endpoints)
      .def_readwrite("served_model", &EvalOptions::served_model)
      .def_readwrite("api_key_env", &EvalOptions::api_key_env)
      .def_readwrite("concurrency", &EvalOptions::concurrency)
      .def_readwrite("timeout_seconds", &EvalOptions::timeout_seconds)
      .def_readwrite("max_retries", &EvalOptions::max_retries)
      .def_readwrite("retry_base_seconds", &EvalOptions::retry_base_seconds)
      .def_readwrite("breaker_failures", &EvalOptions::breaker_failures)
      .def_readwrite("breaker_seconds", &EvalOptions::breaker_seconds)
      .def_readwrite("loglik_api", &EvalOptions::loglik_api)
      .def_readwrite("tokenizer_dir", &EvalOptions::tokenizer_dir)
      .def_readwrite("audio_sample_rate", &EvalOptions::audio_sample_rate)
      .def_readwrite("stop", &EvalOptions::stop)
      .def_readwrite("protocol", &EvalOptions::protocol)
      .def_readwrite("seeds", &EvalOptions::seeds);

  py::class_<EvalOutcome>(m, "EvalOutcome", "What a run did; `summary` is summary.json as a dict.")
      .def_readonly("out_dir", &EvalOutcome::out_dir)
      .def_readonly("units", &EvalOutcome::units)
      .def_readonly("reused", &EvalOutcome::reused)
      .def_readonly("computed", &EvalOutcome::computed)
      .def_readonly("failed", &EvalOutcome::failed)
      .def_readonly("unavailable", &EvalOutcome::unavailable)
      .def_readonly("complete", &EvalOutcome::complete)
      .def_readonly("seconds", &EvalOutcome::seconds)
      .def_readonly("summary_json", &EvalOutcome::summary_json)
      .def_property_readonly("summary",
                             [](const EvalOutcome& o) -> py::object {
                               return o.summary_json.empty() ? py::none()
                                                             : from_json_text(o.summary_json);
                             })
      .def("__repr__", [](const EvalOutcome& o) {
        return "EvalOutcome(out_dir='" + o.out_dir + "', units=" + std::to_string(o.units) +
               ", computed=" + std::to_string(o.computed) +
               ", complete=" + (o.complete ? "True" : "False") + ")";
      });

  m.def(
      "run_eval",
      [](EvalOptions options, const py::object& on_progress) {
        if (!on_progress.is_none()) {
          auto callback = std::make_shared<PythonCallable>(on_progress);
          options.on_progress = [callback](int64_t done, int64_t total) {
            py::gil_scoped_acquire acquire;
            const py::object keep_going = callback->function(done, total);
            return keep_going.is_none() || keep_going.cast<bool>();
          };
        }
        EvalOutcome outcome;
        {
          py::gil_scoped_release release;
          outcome = bench::run_eval(options);
        }
        return outcome;
      },
      py::arg("options"), py::arg("on_progress") = py::none());
  m.def(
      "merge_runs",
      [](const std::vector<std::string>& run_dirs, const std::string& out_dir, bool quiet) {
        bench::MergeOptions options;
        options.run_dirs = run_dirs;
        options.out_dir = out_dir;
        options.quiet = quiet;
        py::gil_scoped_release release;
        return bench::merge_runs(options);
      },
      py::arg("run_dirs"), py::arg("out_dir") = "", py::arg("quiet") = true);
}

}  // namespace almkit::python
