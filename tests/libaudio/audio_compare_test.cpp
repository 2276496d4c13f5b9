#include "libaudio/audio_compare.hpp"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::AudioCompareOptions;
using audio::compare_audio;

std::string write(const testutil::TempDir& dir, const std::string& name, const synth::Audio& a,
                  audio::SampleFormat fmt = audio::SampleFormat::float32) {
  return testutil::write_audio(dir / name, a, fmt);
}

synth::Audio plus(const synth::Audio& a, const synth::Audio& b) {
  synth::Audio out = a;
  for (std::size_t i = 0; i < out.samples.size(); ++i) out.samples[i] += b.samples[i];
  return out;
}

TEST(DifferenceStats, KnownBuffers) {
  const float e[4] = {1.0f, -1.0f, 0.5f, 0.0f};
  const float a[4] = {1.0f, -0.5f, 0.5f, 0.5f};
  audio::DifferenceStats s;
  s.add(e, a, 4);
  EXPECT_EQ(s.samples(), 4u);
  EXPECT_DOUBLE_EQ(s.signal_energy(), 2.25);
  EXPECT_DOUBLE_EQ(s.noise_energy(), 0.5);
  EXPECT_DOUBLE_EQ(s.mse(), 0.125);
  EXPECT_DOUBLE_EQ(s.max_abs_diff(), 0.5);
  EXPECT_NEAR(s.snr_db(), 10 * std::log10(4.5), 1e-12);

  audio::DifferenceStats same;
  same.add(e, e, 4);
  EXPECT_TRUE(std::isinf(same.snr_db()) && same.snr_db() > 0);
  EXPECT_EQ(audio::snr_text(same.snr_db()), "inf");

  const float silence[2] = {0, 0}, sound[2] = {0.1f, 0};
  audio::DifferenceStats from_silence;
  from_silence.add(silence, sound, 2);
  EXPECT_TRUE(std::isinf(from_silence.snr_db()) && from_silence.snr_db() < 0);
  EXPECT_EQ(audio::snr_text(from_silence.snr_db()), "-inf");
  EXPECT_EQ(audio::snr_text(97.349), "97.3");
}

// A sine of amplitude A has power A^2/2; uniform noise in [-b, b) has power b^2/3.
TEST(AudioCompare, SnrOfSinePlusNoiseMatchesTheory) {
  testutil::TempDir dir;
  const double amp = 0.5;
  const auto tone = synth::sine(1000.0, 2.0, 44100, 2, amp);  // a whole number of periods
  const std::string expected = write(dir, "tone.wav", tone);
  for (double b : {0.05, 0.005, 0.0005}) {
    const auto noisy = plus(tone, synth::white_noise(2.0, 44100, 2, b, 7));
    const std::string actual = write(dir, "noisy.wav", noisy);
    auto r = compare_audio(expected, actual, {});
    const double theory = 10.0 * std::log10((amp * amp / 2.0) / (b * b / 3.0));
    EXPECT_NEAR(r.snr_db, theory, 0.1) << "noise amplitude " << b;

    // And exactly what the samples give.
    double sig = 0, noise = 0, max_abs = 0;
    for (std::size_t i = 0; i < tone.samples.size(); ++i) {
      const double d = static_cast<double>(noisy.samples[i]) - tone.samples[i];
      sig += static_cast<double>(tone.samples[i]) * tone.samples[i];
      noise += d * d;
      max_abs = std::max(max_abs, std::fabs(d));
    }
    EXPECT_NEAR(r.snr_db, 10.0 * std::log10(sig / noise), 1e-9);
    EXPECT_NEAR(r.mse, noise / static_cast<double>(tone.samples.size()), 1e-15);
    EXPECT_DOUBLE_EQ(r.max_abs_diff, max_abs);
    EXPECT_EQ(r.expected_frames, 88200);
    EXPECT_EQ(r.actual_frames, 88200);
    EXPECT_TRUE(r.regression());  // every level here is far below the 90 dB default
    EXPECT_FALSE(r.identical());
  }
}

TEST(AudioCompare, ThresholdsDecideTheVerdict) {
  testutil::TempDir dir;
  const auto tone = synth::sine(440.0, 1.0, 44100, 1, 0.5);
  const std::string expected = write(dir, "tone.wav", tone);
  const std::string actual =
      write(dir, "noisy.flac", plus(tone, synth::white_noise(1.0, 44100, 1, 0.001, 3)),
            audio::SampleFormat::pcm24);
  AudioCompareOptions o;
  o.min_snr_db = 50.0;  // the SNR is about 55.7 dB
  auto pass = compare_audio(expected, actual, o);
  EXPECT_FALSE(pass.regression()) << pass.snr_db;
  EXPECT_EQ(pass.expected_codec, "pcm_f32le");
  EXPECT_EQ(pass.actual_codec, "flac");
  o.min_snr_db = 60.0;
  auto low = compare_audio(expected, actual, o);
  ASSERT_EQ(low.regressions.size(), 1u);
  EXPECT_EQ(low.regressions[0], "SNR below the minimum 60 dB");
  o.min_snr_db = 50.0;
  o.max_mse = 1e-7;  // the MSE is about 3.3e-7
  auto mse = compare_audio(expected, actual, o);
  ASSERT_EQ(mse.regressions.size(), 1u);
  EXPECT_EQ(mse.regressions[0], "MSE above the maximum 1e-07");
  o.max_mse = 1e-6;
  EXPECT_FALSE(compare_audio(expected, actual, o).regression());
}

TEST(AudioCompare, SameSamplesInAnotherContainerAreIdentical) {
  testutil::TempDir dir;
  const auto tone = synth::sine(440.0, 0.5, 22050, 2, 0.5);
  const auto wav = write(dir, "t.wav", tone, audio::SampleFormat::pcm16);
  const auto flac = write(dir, "t.flac", tone, audio::SampleFormat::pcm16);
  auto r = compare_audio(wav, flac, {});
  EXPECT_TRUE(r.identical());
  EXPECT_TRUE(std::isinf(r.snr_db));
  EXPECT_EQ(r.mse, 0.0);
  EXPECT_EQ(r.max_abs_diff, 0.0);
}

TEST(AudioCompare, LengthMustMatchWithinTheAllowance) {
  testutil::TempDir dir;
  const auto tone = synth::sine(440.0, 1.0, 44100, 1, 0.5);
  auto longer = tone;
  longer.samples.resize(tone.samples.size() + 10, 0.0f);  // ten frames of silence
  const auto e = write(dir, "e.wav", tone), a = write(dir, "a.wav", longer);
  auto strict = compare_audio(e, a, {});
  ASSERT_EQ(strict.regressions.size(), 1u);
  EXPECT_EQ(strict.regressions[0],
            "length differs by 10 frames: expected 44100, actual 44110 (allowed 0)");
  EXPECT_TRUE(std::isinf(strict.snr_db));  // the extra frames are silent

  AudioCompareOptions o;
  o.max_length_diff = 10;
  auto loose = compare_audio(e, a, o);
  EXPECT_FALSE(loose.regression());
  EXPECT_FALSE(loose.identical());

  // Missing frames count as noise: the truncated copy loses its tail's energy.
  auto shorter = tone;
  shorter.samples.resize(tone.samples.size() - 4410);
  o.max_length_diff = 4410;
  auto cut = compare_audio(e, write(dir, "cut.wav", shorter), o);
  EXPECT_EQ(cut.actual_frames, 44100 - 4410);
  EXPECT_NEAR(cut.snr_db, 10.0, 0.05);  // a tenth of the energy is missing
  EXPECT_TRUE(cut.regression());
}

TEST(AudioCompare, RateAndChannelMismatchesAreRegressionsWithReasons) {
  testutil::TempDir dir;
  const auto e = write(dir, "e.wav", synth::sine(440.0, 0.2, 44100, 2, 0.5));
  auto rate = compare_audio(e, write(dir, "r.wav", synth::sine(440.0, 0.2, 48000, 2, 0.5)), {});
  EXPECT_FALSE(rate.compared);
  ASSERT_EQ(rate.regressions.size(), 1u);
  EXPECT_EQ(rate.regressions[0], "sample rate differs: expected 44100 Hz, actual 48000 Hz");
  auto ch = compare_audio(e, write(dir, "c.wav", synth::sine(440.0, 0.2, 44100, 1, 0.5)), {});
  ASSERT_EQ(ch.regressions.size(), 1u);
  EXPECT_EQ(ch.regressions[0], "channel count differs: expected 2, actual 1");
  EXPECT_FALSE(ch.identical());
}

TEST(AudioCompare, UndecodableAndMissingInputsThrow) {
  testutil::TempDir dir;
  const auto e = write(dir, "e.wav", synth::sine(440.0, 0.2, 44100, 1, 0.5));
  std::ofstream(dir / "text.wav") << "not audio at all\n";
  try {
    compare_audio(e, dir / "text.wav", {});
    FAIL();
  } catch (const audio::Error& err) {
    EXPECT_EQ(err.code(), audio::Exit::data);
    EXPECT_EQ(err.subject(), dir / "text.wav");
  }
  try {
    compare_audio(dir / "gone.wav", e, {});
    FAIL();
  } catch (const audio::Error& err) {
    EXPECT_EQ(err.code(), audio::Exit::no_input);
  }
}

}  // namespace
