// almkit.set_log_handler: almkit's log lines to a Python callable.
// almkit calls its log callback under its logger's lock, on whichever thread logs. Taking the
// GIL there could deadlock: against a Python thread that holds the GIL and logs through almkit
// (it waits for the logger's lock), or a handler that itself calls almkit. So the callback only
// queues the line, and one delivery thread takes the GIL and calls the handler outside almkit's
// lock, line by line in order. An exception from the handler goes to sys.unraisablehook (as
// Python does for errors in __del__); it never reaches almkit.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "almkit/log.h"
#include "bindings.h"

namespace almkit::python {
namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: break;
  }
  return "off";
}

bool interpreter_running() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

class LogDelivery {
 public:
  static LogDelivery& instance() {
    static LogDelivery* delivery = new LogDelivery();  // leaked: lines may come during exit
    return *delivery;
  }

  // Called with the GIL held. None: almkit logs to stderr again, after the queued lines went to
  // the old handler.
  void set_handler(const py::object& handler) {
    if (handler.is_none()) {
      {
        py::gil_scoped_release release;  // the delivery thread needs the GIL to drain
        set_log_callback({});
        std::thread stopping;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          stop_ = true;
          changed_.notify_all();
          stopping = std::move(thread_);
        }
        if (stopping.joinable()) stopping.join();
      }
      std::shared_ptr<PythonCallable> old;
      std::lock_guard<std::mutex> lock(mutex_);
      old = std::move(handler_);  // released here, with the GIL
      stop_ = false;
      return;
    }
    if (!PyCallable_Check(handler.ptr())) {
      throw Error(ErrorCode::kInvalidArgument, "set_log_handler takes a callable (level, message) or None");
    }
    auto callable = std::make_shared<PythonCallable>(handler);
    std::shared_ptr<PythonCallable> old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      old = std::exchange(handler_, std::move(callable));
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    py::gil_scoped_release release;
    set_log_callback([this](LogLevel level, const std::string& message) { push(level, message); });
  }

  // Waits until every line queued so far reached the handler (GIL released by the caller).
  void flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return (queue_.empty() && !delivering_) || !thread_.joinable(); });
  }

 private:
  void push(LogLevel level, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(level, message);
    changed_.notify_all();
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, everything delivered
      const std::pair<LogLevel, std::string> line = std::move(queue_.front());
      queue_.pop_front();
      std::shared_ptr<PythonCallable> handler = handler_;
      delivering_ = true;
      lock.unlock();
      if (handler && interpreter_running()) {
        py::gil_scoped_acquire gil;
        try {
          handler->function(level_name(line.first), line.second);
        } catch (py::error_already_set& error) {
          error.discard_as_unraisable("almkit log handler");
        } catch (const std::exception& error) {  // a failed conversion of the arguments
          PyErr_SetString(PyExc_RuntimeError, error.what());
          PyErr_WriteUnraisable(nullptr);
        }
        handler.reset();  // the last reference may be this one: dropped with the GIL
      }
      lock.lock();
      delivering_ = false;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<LogLevel, std::string>> queue_;
  std::shared_ptr<PythonCallable> handler_;
  std::thread thread_;
  bool stop_ = false, delivering_ = false;
};

}  // namespace

void register_log(py::module_& m) {
  m.def(
      "set_log_level",
      [](const std::string& level) { set_log_level(parse_log_level(level)); }, py::arg("level"),
      "Process-wide log level: trace, debug, info, warn, error or off.");
  m.def(
      "set_log_handler", [](const py::object& handler) { LogDelivery::instance().set_handler(handler); },
      py::arg("handler"),
      "Sends almkit's log lines at or above the level to handler(level, message) instead of "
      "stderr (level: 'trace', 'debug', 'info', 'warn' or 'error'). Lines are delivered in order "
      "on one almkit thread, shortly after they are logged (flush_log() waits for them); the "
      "handler may call almkit. An exception it raises goes to sys.unraisablehook, never into "
      "almkit. None restores stderr.");
  m.def(
      "flush_log",
      [] {
        py::gil_scoped_release release;
        LogDelivery::instance().flush();
      },
      "Waits until every line logged so far reached the log handler.");
}

}  // namespace almkit::python
