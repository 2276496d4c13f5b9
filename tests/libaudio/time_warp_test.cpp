#include "libaudio/time_warp.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/tempo.hpp"
#include "rhythm_fixtures.hpp"

namespace {

using namespace rhythm_fixtures;

// Kicks on `beats`, a hat half-way to the next one.
std::vector<float> kicks_and_hats(const std::vector<double>& beats, double seconds) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  unsigned seed = 1;
  for (std::size_t i = 0; i + 1 < beats.size(); ++i) {
    add_kick(x, beats[i] + 0.5, i % 2 ? 0.6 : 0.8);
    add_hat(x, 0.5 * (beats[i] + beats[i + 1]) + 0.5, 0.3, seed++);
  }
  return x;
}

// Relative spread (standard deviation / mean) of the spans of four beats.
double spread_of_bars(const std::vector<double>& beats) {
  std::vector<double> spans;
  for (std::size_t i = 0; i + 4 < beats.size(); i += 4) spans.push_back(beats[i + 4] - beats[i]);
  double mean = 0, ss = 0;
  for (double s : spans) mean += s;
  mean /= static_cast<double>(spans.size());
  for (double s : spans) ss += (s - mean) * (s - mean);
  return std::sqrt(ss / static_cast<double>(spans.size())) / mean;
}

TEST(TimeWarp, MapsFramesBothWaysAndCarriesOnPastTheEnds) {
  const audio::TimeWarp w({0.0, 1.1, 2.0, 3.2});
  EXPECT_NEAR(w.to_warped(0.5), 0.55, 1e-12);
  EXPECT_NEAR(w.to_warped(4.0), 4.4, 1e-12);    // at the last frame's rate, 1.2
  EXPECT_NEAR(w.to_warped(-1.0), -1.1, 1e-12);  // at the first one's, 1.1
  for (double x : {-1.0, 0.0, 0.5, 1.5, 2.9, 3.0, 4.5})
    EXPECT_NEAR(w.to_real(w.to_warped(x)), x, 1e-12) << x;
  const audio::TimeWarp identity;
  EXPECT_TRUE(identity.identity());
  EXPECT_EQ(identity.to_real(7.25), 7.25);
  EXPECT_EQ(identity.to_warped(7.25), 7.25);
}

TEST(TimeWarp, ASteadyBeatIsLeftAlone) {
  std::vector<double> beats;
  for (double t = 0; t < 60; t += 0.5) beats.push_back(t);
  const audio::OnsetFeatures f = features(kicks_and_hats(beats, 62));
  const audio::TempoEstimate tempo = audio::estimate_tempo(f);
  ASSERT_TRUE(tempo.found);
  EXPECT_TRUE(tempo.warp.identity());
  EXPECT_TRUE(
      audio::steadying_warp(audio::beat_accent(f), f.frame_rate, tempo.period_frames).identity());
}

TEST(TimeWarp, ADriftingBandsBarsComeEvenInSteadyTime) {
  // +-3 % over 20 s: four beats last 3 % longer or shorter. In steady time they should not.
  const std::vector<double> beats = drifting_beats(120, 60);
  const audio::OnsetFeatures f = features(kicks_and_hats(beats, 62));
  const audio::TempoEstimate tempo = audio::estimate_tempo(f);
  ASSERT_TRUE(tempo.found);
  ASSERT_FALSE(tempo.warp.identity());
  EXPECT_NEAR(tempo.bpm, 120, 1.0);
  std::vector<double> steady;
  for (double t : beats) steady.push_back(tempo.warp.to_warped(f.frame_at(t + 0.5)));
  const double before = spread_of_bars(beats), after = spread_of_bars(steady);
  EXPECT_GT(before, 0.015);
  EXPECT_LT(after, 0.4 * before);
}

TEST(TimeWarp, FeaturesKeepEveryOnsetPeakWhole) {
  // Peaks of 1 every 37 frames over a floor of 0.1, warped by +-3 %: each peak lands on one
  // steady frame at its full height, and no frame falls below the floor or doubles a peak.
  const std::size_t n = 4000;
  audio::OnsetFeatures f;
  f.frame_rate = 100;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = i % 37 == 5 ? 1.0f : 0.1f;
    for (auto* band :
         {&f.strength, &f.low_flux, &f.mid_flux, &f.high_flux, &f.low, &f.mid, &f.high})
      band->push_back(v);
    std::array<float, 12> c{};
    c[i % 12] = v;
    f.chroma.push_back(c);
  }
  std::vector<double> warped{0.0};
  for (std::size_t i = 0; i < n; ++i)
    warped.push_back(warped.back() + 1 + 0.03 * std::sin(2 * M_PI * static_cast<double>(i) / 2000));
  const audio::OnsetFeatures w = audio::warp_features(f, audio::TimeWarp(warped));
  ASSERT_NEAR(static_cast<double>(w.frames()), warped.back(), 1.0);
  ASSERT_EQ(w.low_flux.size(), w.frames());
  ASSERT_EQ(w.chroma.size(), w.frames());
  auto peaks = [](const std::vector<float>& v) {
    std::size_t count = 0;
    for (float x : v) count += x == 1.0f;
    return count;
  };
  EXPECT_EQ(peaks(w.strength), peaks(f.strength));
  EXPECT_EQ(peaks(w.high), peaks(f.high));
  EXPECT_EQ(*std::min_element(w.strength.begin(), w.strength.end()), 0.1f);
  for (std::size_t i = 1; i < w.frames(); ++i)
    EXPECT_FALSE(w.strength[i] == 1.0f && w.strength[i - 1] == 1.0f) << i;
}

}  // namespace
