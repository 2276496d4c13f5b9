#include "libaudio/progress.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace audio {
namespace {

// One stderr, so one bar on it at a time: the drawn bar, guarded with stderr's writes.
std::mutex g_line_mutex;
std::atomic<const Progress*> g_drawn{nullptr};

}  // namespace

void clear_progress_line() {
  std::lock_guard<std::mutex> lock(g_line_mutex);
  if (!g_drawn) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  g_drawn = nullptr;
}

Progress::Progress(bool enabled, std::string label, double total)
    : enabled_(enabled), label_(std::move(label)), total_(total) {
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  finish();
}

void Progress::set_label(std::string label) {
  label_ = std::move(label);
  if (enabled_) draw();
}

void Progress::set_total(double total) {
  total_ = total;
}

void Progress::update(double done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && g_drawn == this && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  draw();
}

void Progress::draw() {
  std::lock_guard<std::mutex> lock(g_line_mutex);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string label = label_.size() > 40 ? "..." + label_.substr(label_.size() - 37) : label_;
  if (total_ > 0) {
    double frac = done_ / total_;
    if (frac > 1) frac = 1;
    if (frac < 0) frac = 0;
    constexpr int kWidth = 30;
    int fill = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(fill), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %3d%% %.1fs", label.c_str(), bar.c_str(),
                 static_cast<int>(frac * 100), elapsed);
  } else {
    std::fprintf(stderr, "\r\033[K%s %.1f %.1fs", label.c_str(), done_, elapsed);
  }
  std::fflush(stderr);
  drawn_ = true;
  g_drawn = this;
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(g_line_mutex);
  if (enabled_ && drawn_ && g_drawn == this) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  if (g_drawn == this) g_drawn = nullptr;
  drawn_ = false;
}

}  // namespace audio
