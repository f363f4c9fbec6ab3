#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "ssm.h"

// SSM_SINGLE_THREAD (the WebAssembly build): no std::thread, parallel_for runs inline and
// the thread count is always 1. Results do not depend on the thread count either way.
#if !defined(SSM_SINGLE_THREAD)
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace ssm {

namespace {
std::atomic<int> configured_threads{0};

#if !defined(SSM_SINGLE_THREAD)
int default_threads() {
  if (const char* env = std::getenv("SSM_POISON_THREADS")) {
    const int v = std::atoi(env);
    if (v >= 1) return std::min(v, 256);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 256u));
}

// Below this much work (≈ multiply-adds) a thread costs more than it saves.
constexpr double kMinWorkPerThread = 2e5;
#endif
}  // namespace

#if defined(SSM_SINGLE_THREAD)

int student_threads() { return 1; }

void parallel_for(int64_t count, double /*cost_per_item*/, const std::function<void(int64_t)>& body) {
  for (int64_t i = 0; i < count; ++i) body(i);
}

#else

int student_threads() {
  static const int fallback = default_threads();  // read once: the environment and the cores
  const int t = configured_threads.load();
  return t >= 1 ? t : fallback;
}

void parallel_for(int64_t count, double cost_per_item, const std::function<void(int64_t)>& body) {
  const int64_t by_work = static_cast<int64_t>(cost_per_item * static_cast<double>(count) / kMinWorkPerThread);
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>({student_threads(), count, by_work}));
  if (workers <= 1) {
    for (int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&]() {
    for (int64_t i = next++; i < count; i = next++) {
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = count;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  try {
    for (int64_t w = 1; w < workers; ++w) pool.emplace_back(run);
  } catch (...) {
    // Could not start a thread: the calling thread does all remaining work.
  }
  run();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

#endif

}  // namespace ssm

extern "C" void ssm_set_threads(int threads) { ssm::configured_threads = threads >= 1 ? std::min(threads, 256) : 0; }
extern "C" int ssm_threads(void) { return ssm::student_threads(); }
