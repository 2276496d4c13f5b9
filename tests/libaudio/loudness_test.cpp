#include "libaudio/loudness.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"

// Reference values from ITU-R BS.1770-4 and EBU Tech 3341 / 3342 (the EBU loudness test set):
// the signals are rebuilt here from their descriptions.
namespace {

using audio::LoudnessMeter;

// A sine of `dbfs` peak level in every channel, appended to `out` (interleaved).
void append_sine(std::vector<float>& out, int rate, int channels, double freq, double dbfs,
                 double seconds, double phase = 0.0) {
  const double amp = std::pow(10.0, dbfs / 20.0);
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  for (std::size_t i = 0; i < n; ++i) {
    const double v =
        amp * std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / rate + phase);
    for (int c = 0; c < channels; ++c) out.push_back(static_cast<float>(v));
  }
}

// Fades the first and last 20 ms in and out: a sine that starts on a jump from silence rings
// above its level when band-limited (Gibbs), which a true-peak meter rightly reports.
void fade_ends(std::vector<float>& s, int rate, int channels) {
  const std::size_t frames = s.size() / static_cast<std::size_t>(channels);
  const std::size_t len = static_cast<std::size_t>(rate / 50);
  for (std::size_t i = 0; i < len && i < frames; ++i) {
    const float g = static_cast<float>(i) / static_cast<float>(len);
    for (int c = 0; c < channels; ++c) {
      s[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] *= g;
      s[(frames - 1 - i) * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] *= g;
    }
  }
}

LoudnessMeter measure(const std::vector<float>& s, int rate, int channels,
                      std::size_t chunk = 4096) {
  LoudnessMeter m(rate, channels);
  const std::size_t frames = s.size() / static_cast<std::size_t>(channels);
  for (std::size_t at = 0; at < frames; at += chunk) {
    m.add(s.data() + at * static_cast<std::size_t>(channels), std::min(chunk, frames - at));
  }
  return m;
}

TEST(Loudness, FullScaleSineInOneChannelReadsMinus3_01) {
  // BS.1770-4: "a 0 dB FS 1 kHz sine wave applied to the left, centre or right channel
  // input reads -3.01 LKFS". A mono signal is that one channel.
  std::vector<float> s;
  append_sine(s, 48000, 1, 1000, 0.0, 10);
  auto m = measure(s, 48000, 1);
  EXPECT_NEAR(m.integrated(), -3.01, 0.02);
  EXPECT_NEAR(m.sample_peak(), 1.0, 1e-6);
  EXPECT_EQ(m.frames(), 480000);
}

TEST(Loudness, StereoSinesFollowTheEbuTestSet) {
  // EBU Tech 3341 cases 1 and 2: 1 kHz in both channels at -23 / -33 dBFS reads -23 / -33
  // LUFS (+-0.1). Two full-scale channels add 3 dB to the one-channel -3.01: 0 LUFS.
  for (double level : {-23.0, -33.0, -20.0, 0.0}) {
    std::vector<float> s;
    append_sine(s, 48000, 2, 1000, level, 20);
    auto m = measure(s, 48000, 2);
    EXPECT_NEAR(m.integrated(), level, 0.1) << level;
    EXPECT_NEAR(m.momentary(), level, 0.1) << level;
    EXPECT_NEAR(m.short_term(), level, 0.1) << level;
    EXPECT_NEAR(audio::to_db(m.sample_peak()), level, 0.01) << level;
  }
  // 997 Hz at 44.1 kHz (a frequency that does not divide the rate) reads the same.
  std::vector<float> s;
  append_sine(s, 44100, 2, 997, -23.0, 20);
  EXPECT_NEAR(measure(s, 44100, 2).integrated(), -23.0, 0.1);
}

TEST(Loudness, GatingFollowsTheEbuTestSet) {
  // Tech 3341 case 3: -36 / -23 / -36 dBFS for 10 / 60 / 10 s reads -23.0 (relative gate).
  std::vector<float> s;
  append_sine(s, 48000, 2, 1000, -36, 10);
  append_sine(s, 48000, 2, 1000, -23, 60);
  append_sine(s, 48000, 2, 1000, -36, 10);
  EXPECT_NEAR(measure(s, 48000, 2).integrated(), -23.0, 0.1);
  // Case 5: -26 / -20 / -26 dBFS for 20 / 20.1 / 20 s reads -23.0.
  s.clear();
  append_sine(s, 48000, 2, 1000, -26, 20);
  append_sine(s, 48000, 2, 1000, -20, 20.1);
  append_sine(s, 48000, 2, 1000, -26, 20);
  EXPECT_NEAR(measure(s, 48000, 2).integrated(), -23.0, 0.1);
  // Case 4: -72 dBFS passages fall under the absolute gate.
  s.clear();
  append_sine(s, 48000, 2, 1000, -72, 10);
  append_sine(s, 48000, 2, 1000, -36, 10);
  append_sine(s, 48000, 2, 1000, -23, 60);
  append_sine(s, 48000, 2, 1000, -36, 10);
  append_sine(s, 48000, 2, 1000, -72, 10);
  EXPECT_NEAR(measure(s, 48000, 2).integrated(), -23.0, 0.1);
}

TEST(Loudness, RangeFollowsTheEbuTestSet) {
  // EBU Tech 3342 cases 1-3: 20 s at one level then 20 s at another gives their difference
  // in LU (+-1).
  struct Case {
    double a, b, lra;
  };
  for (const Case& c : {Case{-20, -30, 10}, Case{-20, -15, 5}, Case{-40, -20, 20}}) {
    std::vector<float> s;
    append_sine(s, 48000, 2, 1000, c.a, 20);
    append_sine(s, 48000, 2, 1000, c.b, 20);
    EXPECT_NEAR(measure(s, 48000, 2).range(), c.lra, 1.0) << c.a << " " << c.b;
  }
}

TEST(Loudness, TruePeakSeesBetweenSamples) {
  // Tech 3341 case 16-like: a -6 dBFS sine at fs/4 sampled 45 degrees off its crest: the
  // samples only reach -9.01 dBFS, the true peak is -6.0 dBTP (+0.2 / -0.4).
  std::vector<float> s;
  append_sine(s, 48000, 2, 12000, -6.0, 2, std::numbers::pi / 4);
  fade_ends(s, 48000, 2);
  auto m = measure(s, 48000, 2);
  EXPECT_NEAR(audio::to_db(m.sample_peak()), -9.01, 0.01);
  const double tp = audio::to_db(m.true_peak());
  EXPECT_LE(tp, -6.0 + 0.2);
  EXPECT_GE(tp, -6.0 - 0.4);
}

TEST(Loudness, TruePeakFollowsTheEbuTestSet) {
  // Tech 3341 cases 16-19: a -6 dBFS sine at fs/4 sampled at 0, 45, 60 and 67.5 degrees off
  // its crest reads -6.0 dBTP (+0.2 / -0.4) whatever the samples show.
  for (double degrees : {0.0, 45.0, 60.0, 67.5}) {
    std::vector<float> s;
    append_sine(s, 48000, 2, 12000, -6.0, 1,
                std::numbers::pi / 2 + degrees * std::numbers::pi / 180);
    fade_ends(s, 48000, 2);
    const double tp = audio::to_db(measure(s, 48000, 2).true_peak());
    EXPECT_LE(tp, -6.0 + 0.2) << degrees;
    EXPECT_GE(tp, -6.0 - 0.4) << degrees;
  }
  // A low tone has no peaks between its samples worth speaking of.
  std::vector<float> s;
  append_sine(s, 44100, 1, 997, -1.0, 1);
  fade_ends(s, 44100, 1);
  auto m = measure(s, 44100, 1);
  EXPECT_NEAR(audio::to_db(m.true_peak()), -1.0, 0.05);
  EXPECT_GE(m.true_peak(), m.sample_peak());
}

// The 4x interpolation done the slow way, in double, at every sample, with the meter's
// filter (a Kaiser-windowed sinc, beta 8, 4 x 24 taps, each phase at unity DC gain): checks
// that skipping blocks never changes the answer.
double brute_true_peak(const std::vector<float>& mono) {
  constexpr int L = 4, T = 24, N = L * T;
  double h[L][T];
  for (int p = 0; p < L; ++p) {
    double sum = 0;
    for (int k = 0; k < T; ++k) {
      const int i = p + L * k;
      const double t = (i - (N - 1) / 2.0) / L;
      const double r = 2.0 * i / (N - 1) - 1.0;
      h[p][k] = std::sin(std::numbers::pi * t) / (std::numbers::pi * t) *
                std::cyl_bessel_i(0.0, 8.0 * std::sqrt(1 - r * r)) / std::cyl_bessel_i(0.0, 8.0);
      sum += h[p][k];
    }
    for (double& c : h[p]) c /= sum;
  }
  double peak = 0;
  for (float v : mono) peak = std::max(peak, static_cast<double>(std::fabs(v)));
  for (std::size_t n = 0; n < mono.size(); ++n) {
    for (const auto& phase : h) {
      double y = 0;
      for (std::size_t k = 0; k < T && k <= n; ++k) y += phase[k] * mono[n - k];
      peak = std::max(peak, std::fabs(y));
    }
  }
  return peak;
}

TEST(Loudness, SkippingQuietBlocksNeverChangesTheTruePeak) {
  // Noise bursts of growing level with a few near-Nyquist spikes late on, fed in odd chunk
  // sizes: the block that sets the maximum comes after many that almost do.
  std::vector<float> s;
  std::uint32_t seed = 12345;
  auto noise = [&] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(seed >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  };
  for (int burst = 0; burst < 40; ++burst) {
    const float level = 0.1f + 0.02f * static_cast<float>(burst);
    for (int i = 0; i < 2000; ++i) s.push_back(level * noise());
  }
  for (int i = 0; i < 64; ++i) s.push_back((i % 2 ? 0.7f : -0.7f) * (i % 5 == 0 ? 1.0f : 0.9f));
  for (std::size_t chunk : {1u, 7u, 31u, 32u, 33u, 1000u, 100000u}) {
    auto m = measure(s, 44100, 1, chunk);
    EXPECT_NEAR(m.true_peak(), brute_true_peak(s), 2e-6) << chunk;
  }
  EXPECT_GT(brute_true_peak(s), 0.9);  // the spikes ring well above their samples
}

TEST(Loudness, SilenceIsMinusInfinityAndNullInJson) {
  std::vector<float> s(48000 * 2 * 5, 0.0f);
  auto m = measure(s, 48000, 2);
  EXPECT_TRUE(std::isinf(m.integrated()) && m.integrated() < 0);
  EXPECT_EQ(m.range(), 0.0);
  EXPECT_EQ(m.sample_peak(), 0.0);
  EXPECT_EQ(m.true_peak(), 0.0);
  EXPECT_TRUE(std::isinf(audio::to_db(m.sample_peak())));
  EXPECT_TRUE(audio::loudness_json(m.integrated()).is_null());
  EXPECT_EQ(audio::loudness_json(-23.0449).dump(), "-23.04");
  EXPECT_EQ(audio::loudness_json(-0.001).dump(), "0.0");
  // Shorter than one 400 ms block: nothing to gate, also -infinity.
  std::vector<float> blip;
  append_sine(blip, 48000, 2, 1000, -10, 0.2);
  EXPECT_TRUE(std::isinf(measure(blip, 48000, 2).integrated()));
}

TEST(Loudness, ChunkSizeDoesNotChangeTheResult) {
  std::vector<float> s;
  append_sine(s, 44100, 2, 440, -18, 3);
  append_sine(s, 44100, 2, 3000, -12, 3);
  auto a = measure(s, 44100, 2, 1);
  auto b = measure(s, 44100, 2, 65536);
  EXPECT_EQ(a.integrated(), b.integrated());
  EXPECT_EQ(a.range(), b.range());
  EXPECT_EQ(a.true_peak(), b.true_peak());
  EXPECT_EQ(a.frames(), b.frames());
}

TEST(Loudness, LeftOutMeasuresAreErrorsAndBadShapesAreRejected) {
  audio::LoudnessOptions only_i;
  only_i.range = only_i.true_peak = only_i.sample_peak = false;
  LoudnessMeter m(44100, 2, only_i);
  EXPECT_THROW(m.true_peak(), audio::Error);
  EXPECT_THROW(m.range(), audio::Error);
  try {
    LoudnessMeter bad(44100, 0);
    FAIL() << "0 channels accepted";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::usage);
  }
  EXPECT_THROW(LoudnessMeter(0, 2), audio::Error);
}

}  // namespace
