// RBJ "Audio EQ Cookbook" biquads (low/high shelf, high/low-pass) on interleaved audio,
// with parameter sweeps: a Biquad may be re-tuned between any two blocks, and process_swept
// re-tunes it every 32 frames along a caller's curve, so a filter sweep or a shelf that
// trades the lows of two tracks moves smoothly instead of stepping once per block.
//
// The state is kept in double precision (transposed direct form II), so a low shelf at
// 180 Hz at 44.1 kHz stays quiet and stable; re-tuning keeps the state, which for these
// slowly moving parameters causes no audible transient.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace mix {

enum class FilterType { low_shelf, high_shelf, high_pass, low_pass };

struct BiquadCoeffs {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;  // normalised (a0 = 1)
};

// Shelves use slope S = 1 and take gain_db; passes use Q (0.7071 = Butterworth) and ignore
// gain_db. freq is clamped into (0, rate/2).
BiquadCoeffs design_biquad(FilterType type, double sample_rate, double freq, double gain_db,
                           double q = 0.70710678);

// Magnitude response (linear) of a design at `freq` Hz.
double biquad_magnitude(const BiquadCoeffs& c, double sample_rate, double freq);

class Biquad {
 public:
  explicit Biquad(int channels);
  void set(const BiquadCoeffs& c) { c_ = c; }
  const BiquadCoeffs& coeffs() const { return c_; }
  void reset();
  void process(float* interleaved, std::size_t frames);
  // Re-tunes to coeffs_at(frame) every 32 frames (frame counted from the block's start).
  void process_swept(float* interleaved, std::size_t frames,
                     const std::function<BiquadCoeffs(std::size_t frame)>& coeffs_at);

 private:
  int channels_;
  BiquadCoeffs c_;
  std::vector<double> z1_, z2_;
};

}  // namespace mix
