#include "libmix/biquad.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

namespace {

using mix::FilterType;

double db(double x) {
  return 20 * std::log10(x);
}

// RMS (dB) of a sine at `freq` after filtering, ignoring the first 0.2 s of transient.
double filtered_level(mix::Biquad& f, double freq, double rate = 44100) {
  std::vector<float> s(static_cast<std::size_t>(rate));
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<float>(std::sin(2 * std::numbers::pi * freq * i / rate));
  f.process(s.data(), s.size());
  double e = 0;
  const std::size_t from = static_cast<std::size_t>(0.2 * rate);
  for (std::size_t i = from; i < s.size(); ++i) e += s[i] * s[i];
  return db(std::sqrt(e / (s.size() - from)) * std::sqrt(2.0));
}

TEST(Biquad, LowShelfCutsTheLowsOnly) {
  const auto c = mix::design_biquad(FilterType::low_shelf, 44100, 180, -24);
  EXPECT_NEAR(db(mix::biquad_magnitude(c, 44100, 20)), -24, 0.5);
  EXPECT_NEAR(db(mix::biquad_magnitude(c, 44100, 180)), -12, 0.5);  // half the gain at f0
  EXPECT_NEAR(db(mix::biquad_magnitude(c, 44100, 5000)), 0, 0.1);
  mix::Biquad f(1);
  f.set(c);
  EXPECT_NEAR(filtered_level(f, 50), -23, 1.5);
  f.reset();
  EXPECT_NEAR(filtered_level(f, 3000), 0, 0.2);
}

TEST(Biquad, HighShelfBoostsTheHighs) {
  const auto c = mix::design_biquad(FilterType::high_shelf, 44100, 4000, 6);
  EXPECT_NEAR(db(mix::biquad_magnitude(c, 44100, 16000)), 6, 0.3);
  EXPECT_NEAR(db(mix::biquad_magnitude(c, 44100, 100)), 0, 0.1);
}

TEST(Biquad, ZeroGainShelfIsExactlyTransparent) {
  mix::Biquad f(2);
  f.set(mix::design_biquad(FilterType::low_shelf, 44100, 180, 0));
  std::vector<float> s(2000), orig;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<float>(std::sin(i * 0.01));
  orig = s;
  f.process(s.data(), 1000);
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_NEAR(s[i], orig[i], 1e-6);
}

TEST(Biquad, PassFiltersAreButterworth) {
  const auto hp = mix::design_biquad(FilterType::high_pass, 44100, 1000, 0);
  EXPECT_NEAR(db(mix::biquad_magnitude(hp, 44100, 1000)), -3.01, 0.05);
  EXPECT_LT(db(mix::biquad_magnitude(hp, 44100, 100)), -39);  // 12 dB/octave
  EXPECT_NEAR(db(mix::biquad_magnitude(hp, 44100, 10000)), 0, 0.1);
  const auto lp = mix::design_biquad(FilterType::low_pass, 44100, 1000, 0);
  EXPECT_NEAR(db(mix::biquad_magnitude(lp, 44100, 1000)), -3.01, 0.05);
  EXPECT_LT(db(mix::biquad_magnitude(lp, 44100, 10000)), -39);
}

TEST(Biquad, SweepMovesTheCutoffSmoothly) {
  // A high-pass swept 20 Hz -> 4 kHz over 2 s on a 500 Hz sine: loud at the start, quiet
  // at the end, and no sample jumps (no clicks from re-tuning).
  const double rate = 44100;
  const std::size_t n = static_cast<std::size_t>(2 * rate);
  std::vector<float> s(n);
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 500 * i / rate));
  mix::Biquad f(1);
  for (std::size_t at = 0; at < n; at += 4096) {
    const std::size_t len = std::min<std::size_t>(4096, n - at);
    f.process_swept(s.data() + at, len, [&](std::size_t off) {
      const double x = static_cast<double>(at + off) / n;
      return mix::design_biquad(FilterType::high_pass, rate, 20 * std::pow(200.0, x), 0);
    });
  }
  auto peak = [&](std::size_t from, std::size_t to) {
    float p = 0;
    for (std::size_t i = from; i < to; ++i) p = std::max(p, std::abs(s[i]));
    return p;
  };
  EXPECT_GT(peak(2000, 10000), 0.45f);
  EXPECT_LT(peak(n - 4000, n), 0.05f);
  float jump = 0;
  for (std::size_t i = 1; i < n; ++i) jump = std::max(jump, std::abs(s[i] - s[i - 1]));
  EXPECT_LT(jump, 0.08f);  // a 500 Hz sine at 0.5 moves at most 0.036 per sample
}

}  // namespace
