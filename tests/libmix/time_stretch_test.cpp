#include "libmix/time_stretch.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "synth/synth.hpp"

namespace {

std::vector<float> stereo(const synth::Audio& mono) {
  std::vector<float> s(mono.samples.size() * 2);
  for (std::size_t i = 0; i < mono.samples.size(); ++i) s[2 * i] = s[2 * i + 1] = mono.samples[i];
  return s;
}

// Onset times (frames) of clicks: where the envelope first rises above half the peak.
std::vector<std::size_t> onsets(const std::vector<float>& s) {
  float peak = 0;
  for (float v : s) peak = std::max(peak, std::abs(v));
  std::vector<std::size_t> out;
  std::size_t last = 0;
  for (std::size_t i = 0; i < s.size() / 2; ++i)
    if (std::abs(s[2 * i]) > peak * 0.5f && (out.empty() || i - last > 4410)) {
      out.push_back(i);
      last = i;
    } else if (std::abs(s[2 * i]) > peak * 0.5f) {
      last = i;
    }
  return out;
}

TEST(TimeStretch, RatioOneBypassesRubberBand) {
  const auto in = stereo(synth::sine(440, 1.0));
  mix::StretchStats stats;
  const auto out = mix::stretch_segment(in.data(), in.size() / 2, 2, 44100, in.size() / 2,
                                        mix::StretchEngine::finer, {}, &stats);
  EXPECT_TRUE(stats.bypassed);
  EXPECT_EQ(out, in);
}

void check_beats_scale(mix::StretchEngine engine) {
  // Clicks at 120 BPM for 8 s, played 2 % faster: exactly the asked length, and every click
  // where the ratio puts it (within 5 ms).
  const auto in = stereo(synth::clicks(120, 8.0, 44100, 0.25));
  const std::size_t frames = in.size() / 2;
  const std::size_t out_frames = static_cast<std::size_t>(std::llround(frames / 1.02));
  const double ratio = static_cast<double>(out_frames) / frames;
  std::vector<std::pair<std::size_t, std::size_t>> anchors;
  for (int b = 0; b < 16; b += 4) {
    const auto f = static_cast<std::size_t>((0.25 + 0.5 * b) * 44100);
    anchors.emplace_back(f, static_cast<std::size_t>(std::llround(f * ratio)));
  }
  mix::StretchStats stats;
  const auto out =
      mix::stretch_segment(in.data(), frames, 2, 44100, out_frames, engine, anchors, &stats);
  EXPECT_FALSE(stats.bypassed);
  ASSERT_EQ(out.size(), out_frames * 2);
  const auto a = onsets(in), b = onsets(out);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GE(a.size(), 15u);
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(static_cast<double>(b[i]), a[i] * ratio, 0.005 * 44100) << "click " << i;
}

TEST(TimeStretch, FinerEngineKeepsBeatsOnTheGrid) {
  check_beats_scale(mix::StretchEngine::finer);
}

TEST(TimeStretch, FasterEngineKeepsBeatsOnTheGrid) {
  check_beats_scale(mix::StretchEngine::faster);
}

TEST(TimeStretch, PitchIsUnchanged) {
  const auto in = stereo(synth::sine(440, 3.0, 44100, 1, 0.5));
  const std::size_t frames = in.size() / 2, out_frames = frames * 95 / 100;
  const auto out =
      mix::stretch_segment(in.data(), frames, 2, 44100, out_frames, mix::StretchEngine::finer, {});
  // Count rising zero crossings over the middle second.
  int crossings = 0;
  for (std::size_t i = 44100 / 2 + 1; i < 44100 * 3 / 2; ++i)
    if (out[2 * (i - 1)] < 0 && out[2 * i] >= 0) ++crossings;
  EXPECT_NEAR(crossings, 440, 2);
}

TEST(TimeStretch, RejectsAbsurdRatios) {
  std::vector<float> in(2000, 0.0f);
  EXPECT_THROW(
      mix::stretch_segment(in.data(), 1000, 2, 44100, 10000, mix::StretchEngine::faster, {}),
      std::exception);
}

}  // namespace
