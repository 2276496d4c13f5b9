#include "libmix/work_ahead.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

using mix::WorkAhead;

std::vector<WorkAhead::Job> numbered(int n, std::atomic<int>* started = nullptr,
                                     std::vector<std::thread::id>* threads = nullptr) {
  if (threads) threads->assign(static_cast<std::size_t>(n), {});
  std::vector<WorkAhead::Job> jobs;
  for (int i = 0; i < n; ++i)
    jobs.push_back([i, started, threads] {
      if (started) ++*started;
      if (threads) (*threads)[static_cast<std::size_t>(i)] = std::this_thread::get_id();
      return WorkAhead::Result(static_cast<std::size_t>(i + 1), static_cast<float>(i));
    });
  return jobs;
}

TEST(WorkAhead, GivesEachJobsResult) {
  WorkAhead w(numbered(5), 2);
  ASSERT_EQ(w.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto r = w.take(i);
    ASSERT_EQ(r.size(), i + 1);
    EXPECT_EQ(r.front(), static_cast<float>(i));
  }
}

TEST(WorkAhead, RunsJobsOnTheWorkerBeforeTheyAreTaken) {
  std::atomic<int> started = 0;
  std::vector<std::thread::id> threads;
  WorkAhead w(numbered(3, &started, &threads), 3);
  for (int spin = 0; started < 3 && spin < 5000; ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(started, 3);
  for (std::size_t i = 0; i < 3; ++i) w.take(i);
  for (const auto& id : threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(WorkAhead, NeverHoldsMoreThanAheadResults) {
  std::atomic<int> started = 0;
  WorkAhead w(numbered(6, &started), 2);
  for (int spin = 0; started < 2 && spin < 5000; ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(started, 2);  // jobs 0 and 1 ran; job 2 waits for a take
  w.take(0);
  for (int spin = 0; started < 3 && spin < 5000; ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(started, 3);
}

TEST(WorkAhead, TakesOutOfOrderWithoutDeadlock) {
  std::vector<std::thread::id> threads;
  WorkAhead w(numbered(6, nullptr, &threads), 1);
  EXPECT_EQ(w.take(4).size(), 5u);  // far beyond the worker's window: runs here
  EXPECT_EQ(threads[4], std::this_thread::get_id());
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u}) EXPECT_EQ(w.take(i).size(), i + 1);
}

TEST(WorkAhead, RethrowsTheJobsError) {
  std::vector<WorkAhead::Job> jobs = numbered(3);
  jobs[1] = []() -> WorkAhead::Result { throw std::runtime_error("bad piece"); };
  WorkAhead w(std::move(jobs), 2);
  EXPECT_EQ(w.take(0).size(), 1u);
  try {
    w.take(1);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "bad piece");
  }
  EXPECT_EQ(w.take(2).size(), 3u);
}

TEST(WorkAhead, RefusesATakenOrMissingJob) {
  WorkAhead w(numbered(2), 2);
  w.take(0);
  EXPECT_THROW(w.take(0), std::out_of_range);
  EXPECT_THROW(w.take(2), std::out_of_range);
}

TEST(WorkAhead, StopsWithJobsLeftUntaken) {
  std::atomic<int> started = 0;
  {
    WorkAhead w(numbered(4, &started), 1);
    for (int spin = 0; started < 1 && spin < 5000; ++spin)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }  // returns although job 0 was never taken and jobs 1..3 never ran
  EXPECT_EQ(started, 1);
}

TEST(WorkAhead, AnEmptyListStartsNoThread) {
  WorkAhead w({}, 2);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_THROW(w.take(0), std::out_of_range);
}

}  // namespace
