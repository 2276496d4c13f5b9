#include "libaudio/peak_envelope.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"

namespace {

using audio::PeakEnvelope;

std::vector<float> noise(std::size_t n, std::uint64_t seed) {
  std::vector<float> x(n);
  for (float& v : x) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    v = static_cast<float>(static_cast<double>(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  return x;
}

std::vector<float> run(PeakEnvelope& e, const std::vector<float>& x, int channels,
                       std::size_t chunk) {
  const std::size_t frames = x.size() / static_cast<std::size_t>(channels);
  for (std::size_t i = 0; i < frames; i += chunk) {
    e.add(x.data() + i * static_cast<std::size_t>(channels), std::min(chunk, frames - i));
  }
  return e.pixels();
}

TEST(PeakEnvelope, MinMaxOfTheMixAndOfEachChannel) {
  // Two frames per pixel, stereo: L = 1, -2, 3, (last pixel) 0.5; R = 10, 20, -30, 0.25.
  const std::vector<float> x = {1, 10, -2, 20, 3, -30, 0.5f, 0.25f};
  PeakEnvelope mix(2, false, 2, 0);
  mix.add(x.data(), 4);
  EXPECT_EQ(mix.out_channels(), 1);
  EXPECT_EQ(mix.divisor(), 2);
  EXPECT_EQ(mix.frames(), 4);
  // Sums: 11, 18 | -27, 0.75.
  EXPECT_EQ(mix.pixels(), (std::vector<float>{11, 18, -27, 0.75f}));
  PeakEnvelope split(2, true, 2, 0);
  split.add(x.data(), 4);
  EXPECT_EQ(split.divisor(), 1);
  EXPECT_EQ(split.pixels(), (std::vector<float>{-2, 1, 10, 20, 0.5f, 3, -30, 0.25f}));
}

TEST(PeakEnvelope, MergingInPairsEqualsARunAtTheFinalSpp) {
  for (int ch : {1, 2, 3}) {
    for (bool split : {false, true}) {
      for (std::size_t cap : {2u, 4u, 10u, 64u}) {
        for (std::size_t chunk : {1u, 5u, 4096u}) {
          auto x = noise(20011 * static_cast<std::size_t>(ch), cap + chunk + ch);
          PeakEnvelope capped(ch, split, 1, cap);
          const auto merged = run(capped, x, ch, chunk);
          const std::size_t stride = 2 * static_cast<std::size_t>(capped.out_channels());
          EXPECT_LE(merged.size() / stride, cap);  // the partial pixel included
          PeakEnvelope fixed(ch, split, capped.spp(), 0);
          EXPECT_EQ(merged, run(fixed, x, ch, 8192))
              << ch << " " << split << " cap " << cap << " chunk " << chunk;
        }
      }
    }
  }
}

TEST(PeakEnvelope, GroupingEqualsARunAtGTimesTheSpp) {
  auto x = noise(2 * 10007, 3);
  PeakEnvelope fine(2, true, 3, 0);
  const auto px = run(fine, x, 2, 777);
  for (std::size_t g : {1u, 2u, 7u, 1000u, 100000u}) {
    PeakEnvelope coarse(2, true, 3 * static_cast<std::int64_t>(g), 0);
    EXPECT_EQ(audio::group_pixels(px, 4, g), run(coarse, x, 2, 8192)) << g;
  }
}

// Pixels of one sample each whose value is their index: bucket (min, max) = the first and
// last sample a bucket takes.
std::vector<float> index_pixels(int n) {
  std::vector<float> px;
  for (int i = 0; i < n; ++i) {
    px.push_back(static_cast<float>(i));
    px.push_back(static_cast<float>(i));
  }
  return px;
}

TEST(PeakEnvelope, RebinPartitionsProportionally) {
  // 10 samples into 4 buckets starting at frames 0, 2.5, 5, 7.5: samples 0-2, 3-4, 5-7, 8-9.
  auto b = audio::rebin_pixels(index_pixels(10), 2, 1, 10, 4);
  EXPECT_EQ(b, (std::vector<float>{0, 2, 3, 4, 5, 7, 8, 9}));
  // Pixels of 4 frames over 10 frames (the last pixel short) into 2 buckets: [0,5), [5,10).
  // Pixel 1 starts at frame 4, so it belongs to the first bucket; pixel 2 (frame 8) to the
  // second.
  auto c = audio::rebin_pixels(index_pixels(3), 2, 4, 10, 2);
  EXPECT_EQ(c, (std::vector<float>{0, 1, 2, 2}));
}

TEST(PeakEnvelope, RebinStretchesShortInputs) {
  // 3 samples into 7 buckets starting at 0, 3/7, 6/7, 9/7, 12/7, 15/7, 18/7.
  auto b = audio::rebin_pixels(index_pixels(3), 2, 1, 3, 7);
  std::vector<float> maxima;
  for (std::size_t j = 0; j < 7; ++j) maxima.push_back(b[2 * j + 1]);
  EXPECT_EQ(maxima, (std::vector<float>{0, 0, 1, 1, 2, 2, 2}));
  // Exactly n buckets whatever the input, zeros when there is none.
  for (int n : {1, 7, 4000}) {
    EXPECT_EQ(audio::rebin_pixels(index_pixels(5), 2, 1, 5, n).size(), 2u * n);
    EXPECT_EQ(audio::rebin_pixels({}, 2, 1, 0, n), std::vector<float>(2u * n, 0.0f));
  }
}

TEST(PeakEnvelope, NanOnlyPixelsAreNeutralUntilSettled) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {nan, nan, 0.5f, 0.25f};
  PeakEnvelope e(1, false, 2, 2);  // merges after two pixels
  e.add(x.data(), 4);
  EXPECT_EQ(e.spp(), 4);
  EXPECT_EQ(e.pixels(), (std::vector<float>{0.25f, 0.5f}));  // not pulled to zero
  PeakEnvelope only(1, false, 2, 0);
  only.add(x.data(), 2);
  auto px = only.pixels();
  EXPECT_GT(px[0], px[1]);
  audio::settle_pixels(px);
  EXPECT_EQ(px, (std::vector<float>{0, 0}));
}

TEST(PeakEnvelope, RejectsNonsense) {
  EXPECT_THROW(PeakEnvelope(0, false, 1, 0), audio::Error);
  EXPECT_THROW(PeakEnvelope(1, false, 0, 0), audio::Error);
}

}  // namespace
