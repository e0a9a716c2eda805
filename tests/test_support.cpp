#include "test_support.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/threads.h"

namespace almkit::test {
namespace {

// Loading a model with a thread count sets the process's counts (libtorch's and OpenBLAS's),
// and OpenBLAS's results depend on its count. A test comparing the library with the CLI (a
// fresh process, default counts) must not inherit counts an earlier test set: every test
// starts with the counts the process started with, as it does when ctest runs it alone.
class ThreadCountReset : public ::testing::EmptyTestEventListener {
 public:
  void OnTestProgramStart(const ::testing::UnitTest&) override {
    torch_threads_ = compute_threads();
    blas_threads_ = openblas_threads();
  }
  void OnTestStart(const ::testing::TestInfo&) override {
    if (compute_threads() != torch_threads_) set_compute_threads(torch_threads_);
    if (openblas_threads() != blas_threads_) set_openblas_threads(blas_threads_);
  }

 private:
  int torch_threads_ = 0, blas_threads_ = 0;
};

const bool thread_count_reset_registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new ThreadCountReset);
  return true;
}();

}  // namespace

std::string reference_dir() { return ALMKIT_REFERENCE_DIR; }
std::string data_dir() {
  const char* env = std::getenv("ALMKIT_DATA_DIR");
  return env ? env : ALMKIT_DATA_DIR;
}
std::string librivox_dir() { return "/usr/share/pocketsphinx/test/data/librivox"; }
std::string test_data_dir() { return ALMKIT_TEST_DATA_DIR; }

std::string temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "/tmp/almkit-test-";
  if (info) name += std::string(info->test_suite_name()) + "-" + info->name();
  name += "-" + std::to_string(::getpid());
  std::system(("rm -rf '" + name + "' && mkdir -p '" + name + "'").c_str());
  return name;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool file_exists(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0;
}

CommandResult run_cli(const std::string& arguments) {
  const std::string command = std::string(ALMKIT_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  CommandResult result{-1, ""};
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int64_t cli_peak_rss_kb(const std::string& arguments, const std::string& log, int* exit_code) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string command = "exec " + std::string(ALMKIT_CLI) + " " + arguments + " > '" + log + "' 2>&1";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return usage.ru_maxrss;
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float worst = 0.f;
  for (size_t i = 0; i < n; ++i) {
    const float d = std::fabs(a[i] - b[i]);
    if (!(d <= worst)) worst = d;  // NaN propagates as a failure
  }
  return worst;
}

}  // namespace almkit::test
