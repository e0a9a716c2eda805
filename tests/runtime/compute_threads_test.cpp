// Threads per model: a model's thread count applies to its own calls on the calling thread, and
// neither loading nor calling a model changes the counts the rest of the process computes with.
#include "core/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "almkit/model.h"
#include "almkit/version.h"
#include "models/init_model.h"
#include "test_support.h"

namespace almkit {
namespace {

bool openblas_active() { return active_blas().find("openblas") != std::string::npos; }

// Lets `parties` threads wait until all of them are inside their scopes.
class Rendezvous {
 public:
  explicit Rendezvous(int parties) : waiting_(parties) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--waiting_ == 0) arrived_.notify_all();
    arrived_.wait(lock, [&] { return waiting_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  int waiting_;
};

// The size of the team an OpenMP parallel region of libtorch opens on the calling thread:
// `#pragma omp parallel` compiles to libgomp's GOMP_parallel with num_threads 0 (the thread's
// ICV). Called directly because almkit's own sources are not compiled with -fopenmp (an
// at::parallel_for written here would run serially). -1 without libgomp.
int openmp_team_size() {
  using Parallel = void (*)(void (*)(void*), void*, unsigned, unsigned);
  using Query = int (*)();
  static const auto parallel = reinterpret_cast<Parallel>(dlsym(RTLD_DEFAULT, "GOMP_parallel"));
  static const auto team = reinterpret_cast<Query>(dlsym(RTLD_DEFAULT, "omp_get_num_threads"));
  if (!parallel || !team) return -1;
  struct Data {
    Query team;
    std::atomic<int> size{0};
  } data{team};
  parallel([](void* p) { auto* d = static_cast<Data*>(p); d->size.store(d->team()); }, &data, 0, 0);
  return data.size.load();
}

struct ScopeSeen {
  int intra_op = 0, team = 0, openblas = 0, after = 0, before = 0;
};

TEST(ComputeThreadsScope, TwoThreadsWithTheirOwnCountsAtOnce) {
  const int process_before = at::get_num_threads(), blas_before = openblas_threads();
  Rendezvous inside(2), outside(2);
  ScopeSeen seen[2];
  const int counts[2] = {1, 2};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      seen[t].before = at::get_num_threads();
      {
        const ComputeThreadsScope scope(counts[t]);
        inside.arrive_and_wait();  // both scopes open from here
        seen[t].intra_op = at::get_num_threads();
        seen[t].team = openmp_team_size();
        seen[t].openblas = openblas_threads();
        outside.arrive_and_wait();  // neither closes before both have looked
      }
      seen[t].after = at::get_num_threads();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(seen[t].intra_op, counts[t]) << "thread " << t;
    if (seen[t].team != -1) EXPECT_EQ(seen[t].team, counts[t]) << "thread " << t;
    EXPECT_EQ(seen[t].after, seen[t].before) << "thread " << t;
    // one OpenBLAS count per process: the smaller of the open scopes' while both are open
    if (openblas_active()) EXPECT_EQ(seen[t].openblas, 1) << "thread " << t;
  }
  EXPECT_EQ(at::get_num_threads(), process_before);
  EXPECT_EQ(openblas_threads(), blas_before);
}

TEST(ComputeThreadsScope, NestsAndRestoresTheOpenBlasCount) {
  if (!openblas_active()) GTEST_SKIP() << "the BLAS in use is " << active_blas();
  const int blas_before = openblas_threads(), torch_before = at::get_num_threads();
  {
    const ComputeThreadsScope outer(blas_before + 2);
    EXPECT_EQ(openblas_threads(), blas_before + 2);
    EXPECT_EQ(at::get_num_threads(), blas_before + 2);
    {
      const ComputeThreadsScope inner(1);
      EXPECT_EQ(openblas_threads(), 1);
      EXPECT_EQ(at::get_num_threads(), 1);
    }
    EXPECT_EQ(openblas_threads(), blas_before + 2);
    EXPECT_EQ(at::get_num_threads(), blas_before + 2);
    const ComputeThreadsScope unchanged(0);  // 0: the thread's current settings
    EXPECT_EQ(at::get_num_threads(), blas_before + 2);
  }
  EXPECT_EQ(openblas_threads(), blas_before);
  EXPECT_EQ(at::get_num_threads(), torch_before);
}

TEST(ComputeThreads, SetComputeThreadsSetsTheWholeProcess) {
  const int before = at::get_num_threads();
  set_compute_threads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  if (openblas_active()) {
    EXPECT_EQ(openblas_threads(), 1);
    set_compute_threads(2);
    EXPECT_EQ(openblas_threads(), 2);
  }
  set_compute_threads(0);  // leaves the counts alone
  set_compute_threads(before);
  EXPECT_EQ(at::get_num_threads(), before);
}

// Two loaded models with different counts, called at the same time from two threads: every
// forward pass of each (seen from a layer hook, which runs inside the call) computes with its
// model's count, and the process's counts are what they were before loading.
TEST(ModelThreads, EachModelComputesWithItsOwnCountAndLoadingChangesNothing) {
  const std::string dir = test::temp_dir();
  InitModelOptions init;
  init.arch = "qwen2";
  init.output_dir = dir;
  init_model(init);
  const int process_before = at::get_num_threads(), blas_before = openblas_threads();
  const int counts[2] = {process_before + 1, process_before + 2};  // both differ from the process's
  std::unique_ptr<Model> models[2];
  for (int m = 0; m < 2; ++m) {
    ModelOptions options;
    options.num_threads = counts[m];
    models[m] = Model::load(dir, options);
  }
  EXPECT_EQ(at::get_num_threads(), process_before);
  EXPECT_EQ(openblas_threads(), blas_before);

  Rendezvous start(2);
  std::vector<int> seen[2], seen_team[2], seen_blas[2];
  std::vector<std::thread> threads;
  for (int m = 0; m < 2; ++m) {
    threads.emplace_back([&, m] {
      GenerateOptions options;
      options.max_new_tokens = 4;
      options.hooks.callback = [&, m](LayerState&) {
        seen[m].push_back(at::get_num_threads());
        seen_team[m].push_back(openmp_team_size());
        seen_blas[m].push_back(openblas_threads());
      };
      Request request;
      request.prompt_ids = {1, 2, 3, 4, 5};
      start.arrive_and_wait();
      models[m]->generate(request, options);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int m = 0; m < 2; ++m) {
    ASSERT_FALSE(seen[m].empty());
    EXPECT_EQ(std::count(seen[m].begin(), seen[m].end(), counts[m]), static_cast<long>(seen[m].size()))
        << "model " << m << " computed with another count";
    if (seen_team[m].front() != -1) {
      EXPECT_EQ(std::count(seen_team[m].begin(), seen_team[m].end(), counts[m]),
                static_cast<long>(seen_team[m].size()));
    }
    // OpenBLAS: never more than the model's own count (the smaller one while both run)
    if (openblas_active()) {
      EXPECT_LE(*std::max_element(seen_blas[m].begin(), seen_blas[m].end()), counts[m]);
      EXPECT_GE(*std::min_element(seen_blas[m].begin(), seen_blas[m].end()), counts[0]);
    }
  }
  EXPECT_EQ(at::get_num_threads(), process_before);
  EXPECT_EQ(openblas_threads(), blas_before);
}

}  // namespace
}  // namespace almkit
