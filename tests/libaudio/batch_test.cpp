#include "libaudio/batch.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(ParallelOrdered, EmitsInInputOrderWhateverTheFinishingOrder) {
  for (int jobs : {1, 2, 4, 0}) {
    std::vector<std::size_t> order;
    audio::parallel_ordered<std::string>(
        50, jobs,
        [](std::size_t i) {
          // Early items take longest, so they finish last.
          std::this_thread::sleep_for(std::chrono::microseconds((50 - i) * 40));
          return "item" + std::to_string(i);
        },
        [&](std::size_t i, std::string& r) {
          EXPECT_EQ(r, "item" + std::to_string(i));
          order.push_back(i);
        });
    ASSERT_EQ(order.size(), 50u) << jobs;
    for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  }
}

TEST(ParallelOrdered, UsesSeveralThreadsAndBoundsTheWindow) {
  std::atomic<int> running{0}, peak{0};
  std::atomic<std::size_t> started{0};
  std::size_t emitted = 0, max_ahead = 0;
  audio::parallel_ordered<int>(
      64, 4,
      [&](std::size_t i) {
        started++;
        int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --running;
        return static_cast<int>(i);
      },
      [&](std::size_t, int&) {
        max_ahead = std::max(max_ahead, started.load() - emitted);
        ++emitted;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
  EXPECT_GT(peak.load(), 1);
  EXPECT_LE(max_ahead, 4u * 4u + 4u);  // the window of 4 per job, plus items in flight
}

TEST(ParallelOrdered, EmptyInputDoesNothing) {
  int calls = 0;
  audio::parallel_ordered<int>(
      0, 4, [&](std::size_t) { return ++calls; }, [&](std::size_t, int&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
