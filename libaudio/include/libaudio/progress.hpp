// A progress bar on stderr for long work. Drawn only when enabled (see
// cli::Tool::progress_enabled), redrawn at most ten times a second, erased by finish().
//
// Whatever else a program prints on stderr goes through clear_progress_line() first (the
// shared cli::Tool messages do), so a message never lands on the end of a bar: the bar is
// erased, the message gets its own line, and the next update draws the bar again.
#pragma once

#include <chrono>
#include <string>

namespace audio {

// Erases the bar on stderr if one is drawn; it comes back at its next update. Safe from any
// thread.
void clear_progress_line();

class Progress {
 public:
  Progress(bool enabled, std::string label, double total = 0.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  void set_label(std::string label);
  void set_total(double total);  // 0 = unknown (shows an amount instead of a percentage)
  void update(double done);
  // Both at once, for work that reports its amount and total together (library callbacks).
  void update(double done, double total) {
    set_total(total);
    update(done);
  }
  void finish();

 private:
  void draw();
  bool enabled_;
  std::string label_;
  double total_;
  double done_ = 0.0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace audio
