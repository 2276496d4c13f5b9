#include "libmix/speech_activity.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "synth/synth.hpp"

namespace {

using mix::DuckEnvelope;
using mix::Segment;

constexpr int kRate = 16000;

// Silence with tone bursts at [start, end) seconds.
std::vector<float> bursts(double seconds, const std::vector<std::pair<double, double>>& on,
                          double amp = 0.3) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  for (auto [a, b] : on) {
    for (auto i = static_cast<std::size_t>(a * kRate); i < static_cast<std::size_t>(b * kRate);
         ++i) {
      x[i] = static_cast<float>(amp * std::sin(2 * M_PI * 220.0 * i / kRate));
    }
  }
  return x;
}

std::vector<Segment> detect(const std::vector<float>& x, std::size_t chunk = 1000) {
  mix::SpeechDetector d(kRate, 1);
  for (std::size_t i = 0; i < x.size(); i += chunk)
    d.add(x.data() + i, std::min(chunk, x.size() - i));
  return d.finish();
}

TEST(SpeechActivity, FindsABurstWithinOneFrame) {
  const auto seg = detect(bursts(3.0, {{1.0, 2.0}}));
  ASSERT_EQ(seg.size(), 1u);
  EXPECT_NEAR(seg[0].start, 1.0 * kRate, 0.02 * kRate);
  EXPECT_NEAR(seg[0].end, 2.0 * kRate, 0.02 * kRate);
  EXPECT_NEAR(mix::speech_seconds(seg, kRate), 1.0, 0.04);
}

TEST(SpeechActivity, ChunkSizeDoesNotMatter) {
  const auto x = bursts(3.0, {{0.5, 1.2}, {2.0, 2.6}});
  const auto a = detect(x, 1), b = detect(x, 4096);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].start, b[i].start);
    EXPECT_EQ(a[i].end, b[i].end);
  }
}

TEST(SpeechActivity, BridgesShortPausesDropsClicksIgnoresQuietNoise) {
  // 0.1 s pause bridged; 0.6 s pause kept; a 10 ms click dropped.
  const auto seg = detect(bursts(5.0, {{0.5, 1.0}, {1.1, 1.5}, {2.1, 2.5}, {4.0, 4.01}}));
  ASSERT_EQ(seg.size(), 2u);
  EXPECT_NEAR(seg[0].start, 0.5 * kRate, 0.02 * kRate);
  EXPECT_NEAR(seg[0].end, 1.5 * kRate, 0.02 * kRate);
  EXPECT_NEAR(seg[1].start, 2.1 * kRate, 0.02 * kRate);
  // Noise at -60 dBFS RMS is below the -45 dBFS threshold.
  const synth::Audio noise = synth::white_noise(2.0, kRate, 1, 0.001 * std::sqrt(3.0));
  EXPECT_TRUE(detect(noise.samples).empty());
  // Speech-like babble is found.
  const synth::Audio babble = synth::babble(3.0, kRate);
  EXPECT_FALSE(detect(babble.samples).empty());
}

TEST(DuckEnvelope, RampsBeforeHoldsAndReleasesAfterSpeech) {
  const double depth = 12.0;
  DuckEnvelope env({{2 * kRate, 3 * kRate}}, kRate, {depth, 0.2, 0.5});
  const double floor = std::pow(10.0, -depth / 20.0);
  auto db = [&](double sec) { return 20 * std::log10(env.gain_at(std::llround(sec * kRate))); };
  EXPECT_DOUBLE_EQ(env.gain_at(0), 1.0);
  EXPECT_NEAR(db(1.8), 0.0, 1e-9);                   // look-ahead starts here
  EXPECT_NEAR(db(1.9), -6.0, 1e-3);                  // half way down (linear in dB)
  EXPECT_NEAR(env.gain_at(2 * kRate), floor, 1e-9);  // fully down when the voice starts
  EXPECT_NEAR(db(2.5), -depth, 1e-9);
  EXPECT_NEAR(db(3.25), -6.0, 1e-3);  // half way back up
  EXPECT_NEAR(db(3.5), 0.0, 1e-9);
  EXPECT_DOUBLE_EQ(env.gain_at(10 * kRate), 1.0);
  // Monotone down before, up after.
  for (double t = 1.8; t < 2.0; t += 0.01) EXPECT_GE(db(t), db(t + 0.01) - 1e-12);
  for (double t = 3.0; t < 3.5; t += 0.01) EXPECT_LE(db(t), db(t + 0.01) + 1e-12);
}

TEST(DuckEnvelope, CloseSegmentsStayDownAndFillMatchesGainAt) {
  const std::vector<Segment> speech = {{16000, 20000}, {24000, 30000}, {60000, 61000}};
  DuckEnvelope ref(speech, kRate, {10.0, 0.2, 0.5});
  // 0.25 s between the first two: the release of one meets the look-ahead of the next, the
  // deeper wins, so the gain never returns to 1 between them.
  for (std::int64_t t = 20000; t < 24000; ++t) EXPECT_LT(ref.gain_at(t), 0.75);
  DuckEnvelope env(speech, kRate, {10.0, 0.2, 0.5});
  std::vector<float> g(777);
  for (std::int64_t first = 0; first < 70000; first += 777) {
    env.fill(first, g.data(), g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      ASSERT_NEAR(g[i], ref.gain_at(first + static_cast<std::int64_t>(i)), 1e-6) << first + i;
    }
  }
}

TEST(DuckEnvelope, ZeroLookaheadAndReleaseAreSteps) {
  DuckEnvelope env({{100, 200}}, kRate, {6.0, 0.0, 0.0});
  EXPECT_DOUBLE_EQ(env.gain_at(99), 1.0);
  EXPECT_NEAR(env.gain_at(100), std::pow(10.0, -6.0 / 20), 1e-12);
  EXPECT_NEAR(env.gain_at(199), std::pow(10.0, -6.0 / 20), 1e-12);
  EXPECT_DOUBLE_EQ(env.gain_at(200), 1.0);
}

}  // namespace
