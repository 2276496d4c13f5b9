#include "libmix/work_ahead.hpp"

#include <stdexcept>
#include <string>

namespace mix {

WorkAhead::WorkAhead(std::vector<Job> jobs, std::size_t ahead) : ahead_(ahead < 1 ? 1 : ahead) {
  slots_.resize(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) slots_[i].job = std::move(jobs[i]);
  if (!slots_.empty()) worker_ = std::thread([this] { work(); });
}

WorkAhead::~WorkAhead() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void WorkAhead::run(Slot& slot) {
  try {
    slot.result = slot.job();
  } catch (...) {
    slot.error = std::current_exception();
  }
  slot.job = nullptr;  // let go of whatever the job captured
}

void WorkAhead::work() {
  std::unique_lock lock(m_);
  std::size_t next = 0;  // every job below it has been started by someone
  for (;;) {
    while (next < slots_.size() && slots_[next].state != State::pending) ++next;
    if (stop_ || next == slots_.size()) return;
    if (next >= lowest_open_ + ahead_) {
      changed_.wait(lock);
      continue;
    }
    Slot& slot = slots_[next];
    slot.state = State::running;
    lock.unlock();
    run(slot);
    lock.lock();
    slot.state = State::done;
    changed_.notify_all();
  }
}

WorkAhead::Result WorkAhead::take(std::size_t i) {
  std::unique_lock lock(m_);
  if (i >= slots_.size() || slots_[i].state == State::taken)
    throw std::out_of_range("WorkAhead::take: job " + std::to_string(i) +
                            " does not exist or was taken");
  Slot& slot = slots_[i];
  if (slot.state == State::pending) {  // not started: nobody else will, so run it here
    slot.state = State::running;
    lock.unlock();
    run(slot);
    lock.lock();
  } else {
    changed_.wait(lock, [&] { return slot.state == State::done; });
  }
  slot.state = State::taken;
  while (lowest_open_ < slots_.size() && slots_[lowest_open_].state == State::taken) ++lowest_open_;
  changed_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.result);
}

}  // namespace mix
