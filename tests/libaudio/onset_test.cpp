#include "libaudio/onset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "synth/synth.hpp"

namespace {

constexpr int kRate = 22050;

// A decaying sine burst at `freq` starting at each of `times` (seconds).
std::vector<float> bursts(double freq, const std::vector<double>& times, double seconds,
                          double amp = 0.5) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  for (double t : times) {
    const auto s = static_cast<std::size_t>(std::llround(t * kRate));
    for (std::size_t i = 0; i < static_cast<std::size_t>(0.2 * kRate) && s + i < x.size(); ++i) {
      const double u = static_cast<double>(i) / kRate;
      x[s + i] += static_cast<float>(amp * std::exp(-u * 20) * std::sin(2 * M_PI * freq * u));
    }
  }
  return x;
}

std::vector<std::size_t> peaks(const std::vector<float>& e, float min_height) {
  std::vector<std::size_t> out;
  for (std::size_t i = 1; i + 1 < e.size(); ++i)
    if (e[i] > min_height && e[i] > e[i - 1] && e[i] >= e[i + 1]) out.push_back(i);
  return out;
}

TEST(Onset, ClickTimesAreCalibrated) {
  const synth::Audio clicks = synth::clicks(120, 20, kRate, 0.5);
  const audio::OnsetFeatures f = audio::onset_features(clicks.samples.data(), clicks.frames());
  EXPECT_NEAR(f.frame_rate, 22050.0 / 256, 1e-9);
  const std::vector<std::size_t> p = peaks(f.strength, 5.0f);
  ASSERT_EQ(p.size(), 39u);  // clicks at 0.5, 1.0, ... 19.5 s
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double err = f.time(static_cast<double>(p[i])) - (0.5 + 0.5 * static_cast<double>(i));
    EXPECT_LT(std::fabs(err), 1.5 * 256 / 22050.0) << i;  // within a frame and a half
    sum += err;
  }
  // On average the peak frame's time is the click's time to within half a frame.
  EXPECT_LT(std::fabs(sum / static_cast<double>(p.size())), 0.5 * 256 / 22050.0);
}

TEST(Onset, BandsSeparateKickFromHat) {
  const std::vector<float> kick = bursts(60, {1.0}, 2.0);
  std::vector<float> hat(kick.size(), 0.0f);
  {
    // High-passed noise burst: first difference of white noise.
    const synth::Audio n = synth::white_noise(0.05, kRate, 1, 0.5, 3);
    for (std::size_t i = 1; i < n.samples.size(); ++i)
      hat[static_cast<std::size_t>(kRate) + i] =
          static_cast<float>(std::exp(-static_cast<double>(i) / kRate * 60)) *
          (n.samples[i] - n.samples[i - 1]);
  }
  const audio::OnsetFeatures fk = audio::onset_features(kick.data(), kick.size());
  const audio::OnsetFeatures fh = audio::onset_features(hat.data(), hat.size());
  auto total = [](const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  // Log compression lets the kick's faint spectral leakage count in every band, so what
  // holds is the contrast between the two sounds, band by band.
  EXPECT_GT(total(fk.low_flux), 5 * total(fh.low_flux));
  EXPECT_GT(total(fh.high_flux), 5 * total(fk.high_flux));
}

TEST(Onset, BandPowerIsMeanSquareAndChromaFindsThePitch) {
  const synth::Audio a = synth::sine(440, 2, kRate, 1, 0.5);
  const audio::OnsetFeatures f = audio::onset_features(a.samples.data(), a.frames());
  const std::size_t mid = f.frames() / 2;
  EXPECT_NEAR(f.mid[mid], 0.125, 0.005);  // 0.5^2 / 2
  EXPECT_LT(f.low[mid], 1e-5);
  EXPECT_LT(f.high[mid], 1e-5);
  const auto& c = f.chroma[mid];
  EXPECT_EQ(std::max_element(c.begin(), c.end()) - c.begin(), 9);  // A
  // A steady tone has no onsets after its start.
  for (std::size_t i = 10; i + 10 < f.frames(); ++i) ASSERT_LT(f.strength[i], 0.5f) << i;
}

TEST(Onset, StreamingInAnyChunksGivesTheSameFeatures) {
  const synth::Audio clicks = synth::clicks(128, 5, kRate, 0.1);
  const audio::OnsetFeatures whole = audio::onset_features(clicks.samples.data(), clicks.frames());
  audio::OnsetStream stream;
  for (std::size_t i = 0; i < clicks.frames(); i += 777)
    stream.push(clicks.samples.data() + i, std::min<std::size_t>(777, clicks.frames() - i));
  const audio::OnsetFeatures chunked = stream.finish();
  EXPECT_EQ(whole.strength, chunked.strength);
  EXPECT_EQ(whole.low, chunked.low);
  EXPECT_EQ(whole.chroma, chunked.chroma);
  EXPECT_EQ(whole.frames(), (clicks.frames() + 255) / 256);
}

TEST(Onset, TheEnvelopeDoesNotDependOnTheGain) {
  synth::TrackSpec spec;
  spec.rate = kRate;
  spec.sections = synth::parse_sections("intro:1,drop:2,breakdown:1");
  const std::vector<float> loud = synth::mono(synth::render_track(spec));
  std::vector<float> quiet(loud.size());
  for (std::size_t i = 0; i < loud.size(); ++i) quiet[i] = loud[i] * 0.03f;  // -30 dB
  const audio::OnsetFeatures fl = audio::onset_features(loud.data(), loud.size());
  const audio::OnsetFeatures fq = audio::onset_features(quiet.data(), quiet.size());
  ASSERT_EQ(fl.frames(), fq.frames());
  float peak = 0, worst = 0;
  for (std::size_t i = 0; i < fl.frames(); ++i) {
    peak = std::max(peak, fl.strength[i]);
    worst = std::max(worst, std::fabs(fl.strength[i] - fq.strength[i]));
  }
  EXPECT_GT(peak, 10.0f);
  EXPECT_LT(worst, 1e-3f * peak);
  // Band powers, unlike the envelope, are absolute: 30 dB down is 1/1111 of the power.
  EXPECT_NEAR(fq.mid[fl.frames() / 2] / fl.mid[fl.frames() / 2], 0.0009, 0.0001);
}

TEST(Onset, SilenceHasNoStrengthAndBadOptionsThrow) {
  std::vector<float> zeros(kRate, 0.0f);
  const audio::OnsetFeatures f = audio::onset_features(zeros.data(), zeros.size());
  EXPECT_EQ(*std::max_element(f.strength.begin(), f.strength.end()), 0.0f);
  audio::OnsetOptions bad;
  bad.n_fft = 1000 + 1;
  EXPECT_THROW(audio::OnsetAnalyzer{bad}, std::exception);
  bad = {};
  bad.hop = 0;
  EXPECT_THROW(audio::OnsetAnalyzer{bad}, std::exception);
}

}  // namespace
