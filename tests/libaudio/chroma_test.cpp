#include "libaudio/chroma.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/stft.hpp"
#include "synth/synth.hpp"

namespace {

constexpr int kRate = 22050;

std::vector<float> tones(const std::vector<double>& freqs, double seconds, double amp = 0.2) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
  for (double f : freqs)
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += static_cast<float>(amp * std::sin(2 * M_PI * f * static_cast<double>(i) / kRate));
  return x;
}

double midi_hz(double note, double cents = 0) {
  return 440.0 * std::pow(2.0, (note - 69.0 + cents / 100.0) / 12.0);
}

audio::ChromaResult analyse(const std::vector<float>& x, audio::ChromaOptions o = {}) {
  audio::ChromaAnalyzer c(o);
  c.push(x.data(), x.size());
  return c.finish();
}

audio::PitchClassProfile total(const audio::ChromaResult& r) {
  audio::PitchClassProfile t{};
  for (const auto& f : r.frames)
    for (int c = 0; c < 12; ++c) t[c] += f[c];
  return t;
}

int argmax(const audio::PitchClassProfile& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

double share(const audio::PitchClassProfile& p, int c) {
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  return sum > 0 ? p[c] / sum : 0.0;
}

TEST(Chroma, DetunedToneGivesItsTuningAndItsBin) {
  const auto r = analyse(tones({440.0 * std::pow(2.0, 30.0 / 1200)}, 5.0));
  EXPECT_NEAR(r.tuning_cents, 30.0, 3.0);
  const auto t = total(r);
  EXPECT_EQ(argmax(t), 9);  // A
  EXPECT_GT(share(t, 9), 0.99);
}

TEST(Chroma, FlatTuningOfATriad) {
  // C major triad 20 cents flat, in three octaves' worth of range.
  const auto r =
      analyse(tones({midi_hz(48, -20), midi_hz(64, -20), midi_hz(67, -20), midi_hz(84, -20)}, 4));
  EXPECT_NEAR(r.tuning_cents, -20.0, 3.0);
  const auto t = total(r);
  EXPECT_GT(share(t, 0) + share(t, 4) + share(t, 7), 0.99);
  EXPECT_GT(share(t, 0), 0.4);  // C sounds twice
}

TEST(Chroma, EveryPitchClassFromBassToLead) {
  // A note's class must not depend on its octave: 65 Hz bass notes, which sit 1.5 bins from
  // their neighbours, land as surely as 1 kHz lead notes.
  for (int base : {36, 60, 84}) {
    for (int pc = 0; pc < 12; ++pc) {
      const auto t = total(analyse(tones({midi_hz(base + pc)}, 2.0)));
      EXPECT_EQ(argmax(t), pc) << "midi " << base + pc;
      EXPECT_GT(share(t, pc), 0.98) << "midi " << base + pc;
    }
  }
}

TEST(Chroma, ProfilesCarrySalienceAndTime) {
  // 2 s silence, 3 s of A4 at amplitude 0.2, 2 s silence.
  std::vector<float> x(2 * kRate, 0.0f);
  const auto tone = tones({440.0}, 3.0);
  x.insert(x.end(), tone.begin(), tone.end());
  x.resize(x.size() + 2 * kRate, 0.0f);
  const auto r = analyse(x);
  EXPECT_NEAR(r.frame_seconds, 2048.0 / 11025.0, 1e-12);
  EXPECT_NEAR(r.first_centre, 2048.0 / 11025.0, 1e-12);
  // Every frame that starts before the end of the samples.
  EXPECT_EQ(r.frames.size(), (x.size() / 2 + 2047) / 2048);
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    const double t = r.frame_time(i);
    if (t < 1.7 || t > 5.3) {
      EXPECT_EQ(r.salience(i), 0.0) << t;  // the window is clear of the tone
    }
    if (t > 2.3 && t < 4.7) {
      EXPECT_NEAR(r.salience(i), 0.2, 0.02) << t;  // the amplitude
    }
  }
}

TEST(Chroma, NoiseSilenceAndOutOfRangeToneAreNotPitched) {
  auto salience = [](const audio::ChromaResult& r) {
    double s = 0;
    for (std::size_t i = 0; i < r.frames.size(); ++i) s += r.salience(i);
    return s;
  };
  const auto noise = synth::white_noise(5.0, kRate, 1, 0.5);
  const auto rn = analyse(noise.samples);
  const auto rt = analyse(tones({440.0}, 5.0, 0.05));  // a tone 20 dB under the noise
  EXPECT_LT(salience(rn), 0.01 * salience(rt));
  const auto rs = analyse(std::vector<float>(5 * kRate, 0.0f));
  EXPECT_EQ(salience(rs), 0.0);
  EXPECT_EQ(rs.tuning_cents, 0.0);
  EXPECT_EQ(salience(analyse(tones({30.0, 3500.0}, 3.0))), 0.0);
}

TEST(Chroma, ChunkingDoesNotChangeTheResult) {
  const auto x = tones({midi_hz(45), midi_hz(61, 7), midi_hz(76)}, 3.0);
  const auto whole = analyse(x);
  audio::ChromaAnalyzer c;
  for (std::size_t i = 0; i < x.size(); i += 1001)
    c.push(x.data() + i, std::min<std::size_t>(1001, x.size() - i));
  const auto chunked = c.finish();
  ASSERT_EQ(whole.frames.size(), chunked.frames.size());
  EXPECT_EQ(whole.frames, chunked.frames);
  EXPECT_EQ(whole.tuning_cents, chunked.tuning_cents);
}

TEST(Chroma, TakesSpectraOfAnExternalStft) {
  audio::ChromaOptions o;
  o.decimation = 1;
  o.sample_rate = 11025;
  const auto x = tones({midi_hz(50), midi_hz(57), midi_hz(65)}, 3.0);  // at "11025 Hz"
  const auto pushed = analyse(x, o);
  audio::ChromaAnalyzer c(o);
  audio::Stft stft(o.n_fft, o.hop, [&](std::size_t, const float* mag) { c.add_spectrum(mag); });
  stft.push(x.data(), x.size());
  stft.finish();
  const auto fed = c.finish();
  EXPECT_EQ(pushed.frames, fed.frames);
  // Made at 22050 Hz and read as 11025 Hz, the tones sound an octave lower: D, A, F still.
  const auto t = total(fed);
  EXPECT_GT(share(t, 2) + share(t, 9) + share(t, 5), 0.99);
}

TEST(Chroma, TuningEstimateIgnoresStrayPeaksAndWraps) {
  std::vector<audio::TonalPeak> peaks;
  for (int i = 0; i < 10; ++i) peaks.push_back({static_cast<float>(i * 7 % 24 - 12 + 0.12), 1.0f});
  peaks.push_back({0.45f, 3.0f});  // an untuned drum, loud
  peaks.push_back({-5.47f, 2.0f});
  EXPECT_NEAR(audio::estimate_tuning_cents(peaks), 12.0, 1.0);
  // 48 cents sharp and 48 flat are 4 cents apart across the wrap at 50.
  const std::vector<audio::TonalPeak> wrap{{0.48f, 1.0f}, {1.52f, 1.0f}};
  EXPECT_GT(std::abs(audio::estimate_tuning_cents(wrap)), 47.0);
  EXPECT_EQ(audio::estimate_tuning_cents({}), 0.0);
}

TEST(Chroma, RejectsBadOptions) {
  audio::ChromaOptions o;
  o.decimation = 3;
  EXPECT_THROW(audio::ChromaAnalyzer{o}, std::exception);
  o = {};
  o.max_freq = 6000;  // above the 11025 Hz analysis band
  EXPECT_THROW(audio::ChromaAnalyzer{o}, std::exception);
  o = {};
  o.min_freq = 3000;
  EXPECT_THROW(audio::ChromaAnalyzer{o}, std::exception);
  o = {};
  o.harmonics = 0;
  EXPECT_THROW(audio::ChromaAnalyzer{o}, std::exception);
  o = {};
  o.harmonic_decay = 1.5;
  EXPECT_THROW(audio::ChromaAnalyzer{o}, std::exception);
}

TEST(Chroma, SubharmonicsGoWhereAPeakCouldBeAHarmonicOf) {
  // One peak at A4 (pitch 0): as the 3rd harmonic it stands for D3 (19.02 semitones down, so
  // 2 % off D's centre), as the 5th for F2; the 2nd and 4th are octaves of A.
  audio::PitchClassProfile p{};
  audio::add_with_subharmonics(p, {0.0f, 1.0f}, 0.0, 5, 0.5);
  const double off3 = std::cos(M_PI * (12 * std::log2(3.0) - 19)),
               off5 = std::cos(M_PI * (12 * std::log2(5.0) - 28));
  EXPECT_NEAR(p[9], 1 + 0.5 + 0.125, 1e-5);       // A: h = 1, 2, 4
  EXPECT_NEAR(p[2], 0.25 * off3 * off3, 1e-5);    // D: h = 3
  EXPECT_NEAR(p[5], 0.0625 * off5 * off5, 1e-5);  // F: h = 5
  audio::PitchClassProfile plain{};
  audio::add_with_subharmonics(plain, {0.0f, 1.0f}, 0.0, 1, 0.5);
  EXPECT_FLOAT_EQ(plain[9], 1.0f);
  EXPECT_FLOAT_EQ(std::accumulate(plain.begin(), plain.end(), 0.0f), 1.0f);
}

TEST(Chroma, HarmonicProfilesSendARealNotesPartialsBackToIt) {
  // A C3 with the partials of a real instrument (1/h amplitudes, 8 of them): the plain
  // profile gives its fifth (G, partials 3 and 6) a share of its own; the harmonic profile,
  // built beside it, gives G less against C (0.23 against 0.26 of C's share).
  const double f0 = midi_hz(48);
  std::vector<float> x(static_cast<std::size_t>(4.0 * kRate), 0.0f);
  for (int h = 1; h <= 8; ++h)
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += static_cast<float>(0.2 / h * std::sin(2 * M_PI * f0 * h * double(i) / kRate));
  audio::ChromaOptions o;
  o.harmonics = 8;
  o.harmonic_decay = 0.8;
  const auto r = analyse(x, o);
  ASSERT_EQ(r.harmonic.size(), r.frames.size());
  audio::PitchClassProfile summed{};
  for (const auto& f : r.harmonic)
    for (int c = 0; c < 12; ++c) summed[c] += f[c];
  const auto plain = total(r);
  EXPECT_EQ(argmax(plain), 0);  // C
  EXPECT_EQ(argmax(summed), 0);
  EXPECT_GT(share(plain, 7), 0.05);
  EXPECT_LT(share(summed, 7) / share(summed, 0), share(plain, 7) / share(plain, 0));
  // The plain profiles do not depend on the option; without it there is no second set.
  const auto alone = analyse(x);
  EXPECT_TRUE(alone.harmonic.empty());
  ASSERT_EQ(alone.frames.size(), r.frames.size());
  for (std::size_t f = 0; f < r.frames.size(); ++f) EXPECT_EQ(alone.frames[f], r.frames[f]);
}

}  // namespace
