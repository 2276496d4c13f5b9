// A look-ahead true-peak limiter, streaming, so the encoded mix never clips.
//
// Detection: every sample and the three points between it and the next one of a 4x
// over-sampled copy (a 48-tap windowed-sinc interpolator, as BS.1770-4 Annex 2 measures a
// true peak) give the gain that keeps that neighbourhood at the ceiling. Gain: the minimum
// of those gains over the look-ahead window, released exponentially, then averaged over
// the window again. Every window that feeds the average holds the peak it protects, so the
// gain at a peak is never above what the peak needs (a hard guarantee, not a tendency),
// and the gain never steps (attack is one look-ahead window long, a smooth ramp).
//
// The output is the input delayed by latency() frames; process() returns what is ready,
// flush() the rest, so the output has exactly as many frames as the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace mix {

struct LimiterOptions {
  double ceiling_dbtp = -1.0;  // true-peak ceiling
  double lookahead_ms = 5.0;
  double release_ms = 80.0;
};

class TruePeakLimiter {
 public:
  TruePeakLimiter(int sample_rate, int channels, const LimiterOptions& options = {});

  // Appends the limited frames that are ready to `out` (interleaved).
  void process(const float* interleaved, std::size_t frames, std::vector<float>& out);
  // Appends the remaining frames (the input's last latency() frames).
  void flush(std::vector<float>& out);

  std::size_t latency() const { return latency_; }
  double min_gain() const { return min_gain_; }  // lowest gain applied (1 = none)
  // Frames the limiter acts on: gain reduction of kActingDb or more. The release tends to
  // 1 exponentially, so "gain < 1" would also count seconds of inaudible tail after a peak.
  static constexpr double kActingDb = 0.1;
  std::int64_t limited_frames() const { return limited_; }

 private:
  void push_frame(const float* frame);             // nullptr = a silent frame while flushing
  void emit_delayed(std::vector<float>& out);      // the frame leaving the look-ahead, gained
  double interpolated_peak(std::int64_t n) const;  // between n and n+1, over channels
  float sample(std::int64_t n, int ch) const;

  int channels_;
  double ceiling_;
  std::size_t look_, latency_;
  double release_;
  std::vector<float> ring_;  // input history, mask_ + 1 frames
  std::int64_t mask_;
  std::int64_t in_ = 0;            // frames pushed
  std::int64_t real_in_ = 0;       // frames of real input
  std::int64_t out_ = 0;           // frames emitted
  std::vector<double> q_;          // per frame peak (sample and the interval after it), ring
  std::vector<double> greq_;       // required gain per frame, ring
  std::deque<std::int64_t> minq_;  // monotonic deque (indexes) for the sliding minimum
  std::vector<double> r_;          // released gain per frame, ring (for the moving average)
  double r_prev_ = 1.0, r_sum_ = 0.0;
  double min_gain_ = 1.0;
  double acting_;  // the gain under which a frame counts as limited (kActingDb)
  std::int64_t limited_ = 0;
};

}  // namespace mix
