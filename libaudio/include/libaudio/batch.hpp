// Runs one job per input on several threads and hands the results back in input order,
// so a batch uses every core while its output stays deterministic. Workers run at most a
// bounded number of items ahead of the consumer, so memory does not grow with the batch.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace audio {

// Number of worker threads for "-j 0" (all cores).
inline int default_jobs() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls work(i) for i in [0, n) on `jobs` threads and emit(i, result) on the calling
// thread in index order. `work` must not throw (return an error value instead).
template <typename Result>
void parallel_ordered(std::size_t n, int jobs, const std::function<Result(std::size_t)>& work,
                      const std::function<void(std::size_t, Result&)>& emit) {
  if (jobs <= 0) jobs = default_jobs();
  jobs = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(jobs), n));
  if (jobs <= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      Result r = work(i);
      emit(i, r);
    }
    return;
  }
  const std::size_t window = static_cast<std::size_t>(jobs) * 4;
  std::vector<std::optional<Result>> slots(n);
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next = 0, emitted = 0;
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return next >= n || next < emitted + window; });
        if (next >= n) return;
        i = next++;
      }
      Result r = work(i);
      {
        std::lock_guard lock(mu);
        slots[i].emplace(std::move(r));
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
  while (emitted < n) {
    std::optional<Result> r;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return slots[emitted].has_value(); });
      r = std::move(slots[emitted]);
      slots[emitted].reset();
    }
    emit(emitted, *r);
    {
      std::lock_guard lock(mu);
      ++emitted;
    }
    cv.notify_all();
  }
  for (auto& t : threads) t.join();
}

}  // namespace audio
