#include "libaudio/resampler.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "synth/synth.hpp"

namespace {

// Amplitude of `freq` in `x` (rate `rate`), by correlation with a sine and a cosine.
double tone_amplitude(const std::vector<float>& x, double rate, double freq, std::size_t skip) {
  double s = 0, c = 0;
  const std::size_t n = x.size() - 2 * skip;
  for (std::size_t i = skip; i < skip + n; ++i) {
    const double ph = 2 * M_PI * freq * static_cast<double>(i) / rate;
    s += x[i] * std::sin(ph);
    c += x[i] * std::cos(ph);
  }
  return 2 * std::hypot(s, c) / static_cast<double>(n);
}

std::vector<float> resample(const synth::Audio& a, int out_rate, std::size_t chunk) {
  audio::Resampler r(a.rate, out_rate, a.channels);
  std::vector<float> out;
  const std::size_t ch = static_cast<std::size_t>(a.channels);
  for (std::size_t i = 0; i < a.frames(); i += chunk)
    r.push(a.samples.data() + i * ch, std::min(chunk, a.frames() - i), out);
  r.flush(out);
  return out;
}

TEST(Resampler, KeepsATonesPitchAndLevelAndTheLength) {
  const synth::Audio a = synth::sine(1000, 2.0, 44100, 1, 0.5);
  const std::vector<float> out = resample(a, 22050, 4096);
  EXPECT_NEAR(static_cast<double>(out.size()), 44100.0, 2.0);
  EXPECT_NEAR(tone_amplitude(out, 22050, 1000, 1000), 0.5, 0.01);
  EXPECT_LT(tone_amplitude(out, 22050, 1100, 1000), 0.01);
}

TEST(Resampler, RemovesWhatTheNewRateCannotHold) {
  // 15 kHz would alias to 7.05 kHz at 22050 Hz.
  const synth::Audio a = synth::sine(15000, 1.0, 44100, 1, 0.5);
  const std::vector<float> out = resample(a, 22050, 1000);
  EXPECT_LT(tone_amplitude(out, 22050, 22050 - 15000, 500), 0.005);
}

TEST(Resampler, OutputDoesNotDependOnChunking) {
  const synth::Audio a = synth::white_noise(1.0, 48000, 2, 0.3);
  EXPECT_EQ(resample(a, 22050, 64), resample(a, 22050, 100000));
}

TEST(Resampler, EqualRatesCopy) {
  const synth::Audio a = synth::white_noise(0.1, 22050, 1, 0.3);
  EXPECT_EQ(resample(a, 22050, 333), a.samples);
}

TEST(Resampler, RejectsAbsurdRatesAndChannels) {
  EXPECT_THROW(audio::Resampler(0, 22050, 1), audio::Error);
  EXPECT_THROW(audio::Resampler(44100, 22050, 0), audio::Error);
  EXPECT_THROW(audio::Resampler(44100, 22050, 65), audio::Error);
}

TEST(Resampler, DownmixAveragesChannels) {
  const float stereo[] = {1.0f, 0.0f, 0.5f, 0.5f, -1.0f, 1.0f};
  std::vector<float> mono;
  audio::downmix_to_mono(stereo, 3, 2, mono);
  EXPECT_EQ(mono, (std::vector<float>{0.5f, 0.5f, 0.0f}));
  const float three[] = {0.3f, 0.6f, 0.9f};
  audio::downmix_to_mono(three, 1, 3, mono);
  ASSERT_EQ(mono.size(), 1u);
  EXPECT_NEAR(mono[0], 0.6f, 1e-6);
}

}  // namespace
