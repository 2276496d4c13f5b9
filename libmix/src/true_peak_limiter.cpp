#include "libmix/true_peak_limiter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "libaudio/error.hpp"

namespace mix {

namespace {

constexpr int kHalf = 6;          // taps each side of the interpolated point
constexpr int kTaps = 2 * kHalf;  // per phase
constexpr int kPhases = 4;        // 4x over-sampling: 3 points between two samples
// Aim this far under the ceiling: another meter's interpolator (libebur128's, FFmpeg's) and
// the gain moving within the filter's span were measured reading up to 0.15 dB higher.
constexpr double kMarginDb = 0.2;

// Windowed-sinc phases for the points n + 1/4, n + 2/4, n + 3/4 from x[n-5 .. n+6],
// each normalised to unity gain at DC.
struct Interpolator {
  std::array<std::array<double, kTaps>, kPhases - 1> taps{};
  Interpolator() {
    for (int p = 1; p < kPhases; ++p) {
      const double frac = static_cast<double>(p) / kPhases;
      double sum = 0;
      for (int k = 0; k < kTaps; ++k) {
        const double d = frac - (k - kHalf + 1);  // distance from tap x[n + k - 5]
        const double sinc = std::sin(std::numbers::pi * d) / (std::numbers::pi * d);
        const double w = 0.5 + 0.5 * std::cos(std::numbers::pi * d / (kHalf + 0.5));
        taps[p - 1][k] = sinc * w;
        sum += taps[p - 1][k];
      }
      for (double& t : taps[p - 1]) t /= sum;
    }
  }
};

const Interpolator& interpolator() {
  static const Interpolator kInterp;
  return kInterp;
}

std::int64_t pow2_at_least(std::int64_t n) {
  std::int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

TruePeakLimiter::TruePeakLimiter(int sample_rate, int channels, const LimiterOptions& o)
    : channels_(channels),
      ceiling_(std::pow(10.0, (o.ceiling_dbtp - kMarginDb) / 20.0)),
      acting_(std::pow(10.0, -kActingDb / 20.0)) {
  if (sample_rate <= 0 || channels <= 0 || o.lookahead_ms <= 0 || o.release_ms <= 0 ||
      o.ceiling_dbtp > 0)
    throw audio::Error(audio::Exit::usage, "limiter", "bad limiter settings");
  look_ = std::max<std::size_t>(1, static_cast<std::size_t>(o.lookahead_ms * 1e-3 * sample_rate));
  latency_ = kHalf + look_ - 1;
  release_ = 1.0 - std::exp(-1.0 / (o.release_ms * 1e-3 * sample_rate));
  const std::int64_t size = pow2_at_least(static_cast<std::int64_t>(2 * (kHalf + look_) + 16));
  mask_ = size - 1;
  ring_.assign(static_cast<std::size_t>(size) * channels_, 0.0f);
  q_.assign(size, 0.0);
  greq_.assign(size, 1.0);
  r_.assign(size, 1.0);
  r_sum_ = static_cast<double>(look_);
}

float TruePeakLimiter::sample(std::int64_t n, int ch) const {
  if (n < 0 || n >= in_) return 0.0f;
  return ring_[static_cast<std::size_t>((n & mask_) * channels_ + ch)];
}

double TruePeakLimiter::interpolated_peak(std::int64_t n) const {
  const auto& taps = interpolator().taps;
  double peak = 0;
  for (int ch = 0; ch < channels_; ++ch) {
    std::array<double, kTaps> x;
    double local = 0;
    for (int k = 0; k < kTaps; ++k) {
      x[k] = sample(n + k - kHalf + 1, ch);
      local = std::max(local, std::abs(x[k]));
    }
    // No interpolated point can exceed the local peak times the largest tap sum (< 1.3),
    // so quiet neighbourhoods skip the filter.
    if (local * 1.3 <= ceiling_) {
      peak = std::max(peak, local);
      continue;
    }
    for (const auto& phase : taps) {
      double v = 0;
      for (int k = 0; k < kTaps; ++k) v += phase[k] * x[k];
      peak = std::max(peak, std::abs(v));
    }
  }
  return peak;
}

void TruePeakLimiter::push_frame(const float* frame) {
  const std::int64_t t = in_++;
  float* slot = &ring_[static_cast<std::size_t>((t & mask_) * channels_)];
  for (int ch = 0; ch < channels_; ++ch) slot[ch] = frame ? frame[ch] : 0.0f;

  const std::int64_t n = t - kHalf;  // the frame whose neighbourhood is now complete
  if (n < 0) return;
  double q = interpolated_peak(n);
  for (int ch = 0; ch < channels_; ++ch) q = std::max(q, std::abs(double(sample(n, ch))));
  q_[n & mask_] = q;
  const double p = std::max(q, n > 0 ? q_[(n - 1) & mask_] : 0.0);
  greq_[n & mask_] = p > ceiling_ ? ceiling_ / p : 1.0;

  while (!minq_.empty() && greq_[minq_.back() & mask_] >= greq_[n & mask_]) minq_.pop_back();
  minq_.push_back(n);
  // j < 0 too: the windows that start before the first frame still hold the first peaks.
  const std::int64_t j = n - static_cast<std::int64_t>(look_) + 1;
  while (minq_.front() < j) minq_.pop_front();
  const double m = greq_[minq_.front() & mask_];

  const double r = std::min(m, r_prev_ + (1.0 - r_prev_) * release_);
  r_prev_ = r;
  // The slot of j - look_ holds r[j - look_], or the initial 1 before the first window.
  r_sum_ += r - r_[(j - static_cast<std::int64_t>(look_)) & mask_];
  r_[j & mask_] = r;
}

void TruePeakLimiter::process(const float* interleaved, std::size_t frames,
                              std::vector<float>& out) {
  out.reserve(out.size() + frames * channels_);
  for (std::size_t i = 0; i < frames; ++i) {
    push_frame(interleaved + i * channels_);
    ++real_in_;
    emit_delayed(out);
  }
}

void TruePeakLimiter::emit_delayed(std::vector<float>& out) {
  const std::int64_t j = in_ - 1 - static_cast<std::int64_t>(latency_);
  if (j < 0) return;  // still filling the look-ahead
  const double g = std::min(1.0, r_sum_ / static_cast<double>(look_));
  if (g < acting_) ++limited_;
  min_gain_ = std::min(min_gain_, g);
  for (int ch = 0; ch < channels_; ++ch) out.push_back(static_cast<float>(sample(j, ch) * g));
  ++out_;
}

void TruePeakLimiter::flush(std::vector<float>& out) {
  while (out_ < real_in_) {
    push_frame(nullptr);
    emit_delayed(out);
  }
}

}  // namespace mix
