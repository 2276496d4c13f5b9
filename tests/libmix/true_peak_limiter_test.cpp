#include "libmix/true_peak_limiter.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/loudness.hpp"

namespace {

std::vector<float> sine(double freq, double amp, double seconds, double phase = 0,
                        int rate = 44100) {
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<float> s(n * 2);
  for (std::size_t i = 0; i < n; ++i)
    s[2 * i] = s[2 * i + 1] =
        static_cast<float>(amp * std::sin(2 * std::numbers::pi * freq * i / rate + phase));
  return s;
}

std::vector<float> run(mix::TruePeakLimiter& lim, const std::vector<float>& in,
                       std::size_t block = 1000) {
  std::vector<float> out;
  for (std::size_t at = 0; at < in.size() / 2; at += block)
    lim.process(in.data() + at * 2, std::min(block, in.size() / 2 - at), out);
  lim.flush(out);
  return out;
}

double true_peak_db(const std::vector<float>& s) {
  audio::LoudnessMeter m(44100, 2, audio::LoudnessOptions{false, false, true, true});
  m.add(s.data(), s.size() / 2);
  return 20 * std::log10(m.true_peak());
}

TEST(TruePeakLimiter, QuietAudioPassesUnchangedAndInLength) {
  mix::TruePeakLimiter lim(44100, 2);
  const auto in = sine(440, 0.3, 1.0);
  const auto out = run(lim, in, 777);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(out, in);
  EXPECT_EQ(lim.limited_frames(), 0);
}

TEST(TruePeakLimiter, LoudAudioStaysUnderTheCeiling) {
  mix::TruePeakLimiter lim(44100, 2, {-1.0, 5.0, 80.0});
  auto in = sine(997, 2.0, 2.0);  // +6 dBFS
  const auto out = run(lim, in);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_LE(true_peak_db(out), -1.0);
  EXPECT_GT(true_peak_db(out), -1.5);  // limited to the ceiling, not far below it
  EXPECT_LT(lim.min_gain(), 0.5);
}

TEST(TruePeakLimiter, CatchesPeaksBetweenSamples) {
  // fs/4 at 45 degrees: every sample is at 0.707 of the wave's peak, which lies between
  // samples. A sample-peak limiter would let it through at +2 dBTP.
  mix::TruePeakLimiter lim(44100, 2, {-1.0, 5.0, 80.0});
  const auto in = sine(44100 / 4.0, 1.12, 1.0, std::numbers::pi / 4);
  float sample_peak = 0;
  for (float v : in) sample_peak = std::max(sample_peak, std::abs(v));
  ASSERT_LT(sample_peak, 0.8f);  // every sample is below the ceiling (0.891)
  const auto out = run(lim, in);
  EXPECT_LE(true_peak_db(out), -1.0);
}

TEST(TruePeakLimiter, TransientIsCaughtWithoutStepping) {
  // Quiet signal, then a sudden full-scale burst: the gain ramps down ahead of it (look-
  // ahead) so the burst is under the ceiling from its first sample.
  auto in = sine(200, 0.2, 1.0);
  auto burst = sine(200, 1.5, 0.5);
  in.insert(in.end(), burst.begin(), burst.end());
  mix::TruePeakLimiter lim(44100, 2, {-1.0, 5.0, 80.0});
  const auto out = run(lim, in, 4096);
  EXPECT_LE(true_peak_db(out), -1.0);
  float jump = 0;
  for (std::size_t i = 2; i < out.size(); i += 2)
    jump = std::max(jump, std::abs(out[i] - out[i - 2]));
  EXPECT_LT(jump, 0.05f);  // a 200 Hz sine at 0.89 moves at most 0.025 per sample
}

TEST(TruePeakLimiter, RejectsNonsense) {
  EXPECT_THROW(mix::TruePeakLimiter(44100, 2, {1.0, 5, 80}), std::exception);
  EXPECT_THROW(mix::TruePeakLimiter(0, 2), std::exception);
}

// A single over-ceiling click counts as a few tens of milliseconds of limiting (attack and
// audible release), not the seconds the exponential release takes to reach exactly 1.
TEST(TruePeakLimiter, ActingTimeOfOnePeakIsItsAudibleRelease) {
  auto in = sine(200, 0.3, 3.0);
  for (int i = 0; i < 20; ++i) in[2 * 44100 + 2 * i] = in[2 * 44100 + 2 * i + 1] = 1.0f;
  mix::TruePeakLimiter lim(44100, 2, {-1.0, 5.0, 80.0});
  run(lim, in);
  EXPECT_LT(lim.min_gain(), 0.95);
  EXPECT_GT(lim.limited_frames(), 44100 * 5 / 1000);    // at least its look-ahead
  EXPECT_LT(lim.limited_frames(), 44100 * 400 / 1000);  // 2 dB released under 0.1 dB in 0.4 s
}

}  // namespace
