// Runs a fixed list of jobs on one background thread, in list order, ahead of the thread
// that takes their results, so that slow jobs (the Rubber Band stretches of a render) run
// on a core the consumer is not using and are ready by the time they are needed.
//
// Memory stays bounded: the worker starts job n only while n < (lowest job not yet taken) +
// `ahead`, so at most `ahead` results wait at any time. take() may ask for jobs out of list
// order: a job already running is waited for, a job not yet started runs at once on the
// calling thread, so no order of take() calls can deadlock. A job's exception is rethrown
// by take() for that job. The destructor stops the worker after the job it is running.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mix {

class WorkAhead {
 public:
  using Result = std::vector<float>;
  using Job = std::function<Result()>;

  WorkAhead(std::vector<Job> jobs, std::size_t ahead);
  ~WorkAhead();
  WorkAhead(const WorkAhead&) = delete;
  WorkAhead& operator=(const WorkAhead&) = delete;

  // Job i's result (each job is taken at most once). Throws std::out_of_range for an index
  // outside the list or a job already taken.
  Result take(std::size_t i);

  std::size_t size() const { return slots_.size(); }

 private:
  enum class State { pending, running, done, taken };
  struct Slot {
    Job job;
    State state = State::pending;
    Result result;
    std::exception_ptr error;
  };

  void work();
  static void run(Slot& slot);  // without the lock held

  std::vector<Slot> slots_;
  std::size_t ahead_;
  std::size_t lowest_open_ = 0;  // lowest index not taken
  bool stop_ = false;
  std::mutex m_;
  std::condition_variable changed_;
  std::thread worker_;
};

}  // namespace mix
