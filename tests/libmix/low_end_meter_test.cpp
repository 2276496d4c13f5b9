#include "libmix/low_end_meter.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

namespace {

constexpr int kRate = 44100;

// Two tracks, 12 s of mix: A alone 0-4 s, both 4-8 s (two bars at 120 BPM), B alone 8-12 s.
struct TwoTracks {
  mix::MixPlan plan;
  mix::Timeline tl;
  TwoTracks() {
    plan.tracks.resize(2);
    plan.transitions.resize(1);
    plan.transitions[0].target_bpm = 120;
    tl.sample_rate = kRate;
    tl.tracks.resize(2);
    tl.tracks[0].mix_begin = 0, tl.tracks[0].mix_end = 8 * kRate;
    tl.tracks[0].solo_begin = 0, tl.tracks[0].solo_end = 4 * kRate;
    tl.tracks[1].mix_begin = 4 * kRate, tl.tracks[1].mix_end = 12 * kRate;
    tl.tracks[1].solo_begin = 8 * kRate, tl.tracks[1].solo_end = 12 * kRate;
    tl.transitions = {{4 * kRate, 4 * kRate, 0}};
    tl.frames = 12 * kRate;
  }
};

// Stereo sine of `freq` Hz over mix seconds [from, to), fed in blocks as the renderer does.
void feed(mix::LowEndMeter& m, std::size_t track, double from, double to, double freq, double amp) {
  const std::int64_t b = static_cast<std::int64_t>(from * kRate),
                     e = static_cast<std::int64_t>(to * kRate);
  std::vector<float> block;
  for (std::int64_t at = b; at < e; at += 4096) {
    const std::int64_t n = std::min<std::int64_t>(4096, e - at);
    block.resize(static_cast<std::size_t>(n) * 2);
    for (std::int64_t j = 0; j < n; ++j)
      block[2 * j] = block[2 * j + 1] = static_cast<float>(
          amp * std::sin(2 * std::numbers::pi * freq * static_cast<double>(at + j) / kRate));
    m.add(track, at, block.data(), n);
  }
}

TEST(LowEndMeter, TwoFullBassesClashInEveryBar) {
  TwoTracks t;
  mix::LowEndMeter m(t.plan, t.tl);
  feed(m, 0, 0, 8, 55, 0.5);
  feed(m, 1, 4, 12, 62, 0.5);
  const auto c = m.clashes();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].bars, 2);
  EXPECT_EQ(c[0].clash_bars, 2);
  EXPECT_NEAR(c[0].max_clash_db, 6.02, 0.3);  // two equal basses
}

TEST(LowEndMeter, ABassSwapClashesNowhere) {
  TwoTracks t;
  mix::LowEndMeter m(t.plan, t.tl);
  feed(m, 0, 0, 6, 55, 0.5);   // A's bass plays the first bar of the overlap ...
  feed(m, 0, 6, 8, 55, 0.02);  // ... and is cut for the second
  feed(m, 1, 4, 6, 62, 0.02);  // B's bass comes in at the swap
  feed(m, 1, 6, 12, 62, 0.5);
  const auto c = m.clashes();
  ASSERT_EQ(c[0].bars, 2);
  EXPECT_EQ(c[0].clash_bars, 0);
  EXPECT_LT(c[0].max_clash_db, 1.0);
}

TEST(LowEndMeter, HighsDoNotCountAndQuietBassesAreNoClash) {
  TwoTracks t;
  mix::LowEndMeter m(t.plan, t.tl);
  feed(m, 0, 0, 4, 55, 0.5);
  feed(m, 0, 4, 8, 2000, 0.5);  // A's highs only in the overlap (a high-pass)
  feed(m, 1, 4, 8, 62, 0.5);
  feed(m, 1, 8, 12, 62, 0.5);
  EXPECT_EQ(m.clashes()[0].clash_bars, 0);

  mix::LowEndMeter q(t.plan, t.tl);
  feed(q, 0, 0, 4, 55, 0.5);
  feed(q, 0, 4, 8, 55, 0.05);  // both basses 20 dB under their own level: no clash
  feed(q, 1, 4, 8, 62, 0.05);
  feed(q, 1, 8, 12, 62, 0.5);
  EXPECT_EQ(q.clashes()[0].clash_bars, 0);
  EXPECT_EQ(q.clashes()[0].max_clash_db, 0.0);
}

}  // namespace
