#include "libaudio/stft.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(Stft, SinePeaksInItsBin) {
  const int rate = 22050, n_fft = 1024;
  const double freq = 43 * static_cast<double>(rate) / n_fft;  // exactly bin 43
  std::vector<float> x(rate);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * freq * static_cast<double>(i) / rate));
  std::vector<int> peaks;
  std::vector<float> heights;
  audio::Stft stft(n_fft, 256, [&](std::size_t, const float* mag) {
    int best = 0;
    for (int k = 1; k <= n_fft / 2; ++k) {
      if (mag[k] > mag[best]) best = k;
    }
    peaks.push_back(best);
    heights.push_back(mag[best]);
  });
  stft.push(x.data(), x.size());
  stft.finish();
  ASSERT_GT(peaks.size(), 80u);
  for (std::size_t i = 0; i + 4 < peaks.size(); ++i) EXPECT_EQ(peaks[i], 43) << i;
  // A Hann-windowed sine of amplitude A peaks at A * n_fft / 4.
  EXPECT_NEAR(heights[10], 0.5 * n_fft / 4, 1.0);
}

TEST(Stft, ChunkingDoesNotChangeFramesAndTheTailIsCovered) {
  std::vector<float> x(10000);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(std::sin(0.01 * static_cast<double>(i * i % 7919)));
  auto run = [&](std::size_t chunk) {
    std::vector<std::vector<float>> frames;
    audio::Stft stft(512, 128, [&](std::size_t i, const float* mag) {
      EXPECT_EQ(i, frames.size());
      frames.emplace_back(mag, mag + 257);
    });
    for (std::size_t i = 0; i < x.size(); i += chunk)
      stft.push(x.data() + i, std::min(chunk, x.size() - i));
    stft.finish();
    return frames;
  };
  auto a = run(x.size()), b = run(37);
  EXPECT_EQ(a, b);
  // Every frame that starts before the end: ceil(10000 / 128) of them.
  EXPECT_EQ(a.size(), (10000u + 127) / 128);
}

TEST(Stft, RejectsBadSizes) {
  auto noop = [](std::size_t, const float*) {};
  EXPECT_THROW(audio::Stft(1023, 256, noop), std::exception);
  EXPECT_THROW(audio::Stft(1024, 0, noop), std::exception);
}

}  // namespace
