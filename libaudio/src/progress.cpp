#include "libaudio/progress.hpp"

#include <cstdio>

namespace audio {

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
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  draw();
}

void Progress::draw() {
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
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace audio
