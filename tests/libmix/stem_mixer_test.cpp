#include "libmix/stem_mixer.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using audio::Exit;
using mix::MixOptions;
using mix::Normalize;

// Float WAV fixtures, so the samples mixed are exactly the samples made.
std::string write_stem(const testutil::TempDir& dir, const std::string& name,
                       const synth::Audio& a) {
  return testutil::write_audio(dir / name, a, audio::SampleFormat::float32);
}

synth::Audio constant(double value, double seconds, int rate = 44100, int channels = 1) {
  synth::Audio a;
  a.rate = rate;
  a.channels = channels;
  a.samples.assign(
      static_cast<std::size_t>(std::llround(seconds * rate)) * static_cast<std::size_t>(channels),
      static_cast<float>(value));
  return a;
}

struct Decoded {
  int rate = 0, channels = 0;
  std::vector<float> samples;
  std::size_t frames() const { return samples.size() / static_cast<std::size_t>(channels); }
  float at(std::size_t frame, int channel) const {
    return samples[frame * static_cast<std::size_t>(channels) + static_cast<std::size_t>(channel)];
  }
};

Decoded read_all(const std::string& path) {
  audio::Decoder d(path);
  Decoded out;
  out.rate = d.sample_rate();
  out.channels = d.channels();
  std::vector<float> buf(4096 * static_cast<std::size_t>(out.channels));
  while (std::size_t n = d.read(buf.data(), 4096)) {
    out.samples.insert(out.samples.end(), buf.begin(),
                       buf.begin() + static_cast<long>(n * static_cast<std::size_t>(out.channels)));
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

MixOptions float_mix(const std::vector<std::string>& stems, const std::string& out) {
  MixOptions o;
  o.stems = stems;
  o.output = out;
  o.format = audio::SampleFormat::float32;
  o.hash_inputs = false;
  return o;
}

Exit error_of(const MixOptions& o) {
  return testutil::exit_code_of([&] { mix::mix_stems(o); });
}

bool dir_has_only(const testutil::TempDir& dir, std::size_t count) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++n;
  return n == count;
}

TEST(StemMixer, PadsToTheLongestWithOneFixedDivisor) {
  testutil::TempDir dir;
  // 0.4 for one second and 0.2 for three: the mix is three seconds long and, divided by the
  // number of stems throughout, (0.4+0.2)/2 = 0.3 then 0.2/2 = 0.1. A divisor that followed
  // the stems still playing (ffmpeg's amix) would jump the tail up to 0.2.
  auto a = write_stem(dir, "a.wav", constant(0.4, 1.0));
  auto b = write_stem(dir, "b.wav", constant(0.2, 3.0));
  auto o = float_mix({a, b}, dir / "mix.wav");
  o.ceiling = 0;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.frames, 3 * 44100);
  EXPECT_EQ(r.passes, 1);
  EXPECT_EQ(r.gain_reason, "count");
  EXPECT_DOUBLE_EQ(r.gain, 0.5);
  auto m = read_all(dir / "mix.wav");
  ASSERT_EQ(m.frames(), 3u * 44100);
  EXPECT_EQ(m.channels, 1);
  EXPECT_NEAR(m.at(100, 0), 0.3f, 1e-6);
  EXPECT_NEAR(m.at(44099, 0), 0.3f, 1e-6);
  for (std::size_t i = 44100; i < m.frames(); i += 1000) {
    ASSERT_NEAR(m.at(i, 0), 0.1f, 1e-6) << "frame " << i;
  }
  EXPECT_NEAR(m.at(m.frames() - 1, 0), 0.1f, 1e-6);
  ASSERT_EQ(r.stems.size(), 2u);
  EXPECT_NEAR(r.stems[0].duration, 1.0, 1e-9);
  EXPECT_NEAR(r.stems[1].duration, 3.0, 1e-9);
  EXPECT_FALSE(r.stems[0].resampled);
}

TEST(StemMixer, A48kStemMixedAt44kKeepsItsPitchAndLength) {
  testutil::TempDir dir;
  auto hi = write_stem(dir, "hi.wav", synth::sine(1000, 2.0, 48000, 1, 0.5));
  auto lo = write_stem(dir, "lo.wav", constant(0.0, 1.0, 44100, 1));
  auto o = float_mix({hi, lo}, dir / "mix.wav");
  o.sample_rate = 44100;
  o.normalize.mode = Normalize::none;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.sample_rate, 44100);
  EXPECT_TRUE(r.stems[0].resampled);
  EXPECT_FALSE(r.stems[1].resampled);
  EXPECT_NEAR(r.stems[0].duration, 2.0, 0.002);
  auto m = read_all(dir / "mix.wav");
  EXPECT_EQ(m.rate, 44100);
  EXPECT_NEAR(static_cast<double>(m.frames()), 88200.0, 50.0);
  // 1 kHz over 2 s crosses zero upwards 2000 times; a rate mix-up would shift it by 9%.
  int up = 0;
  for (std::size_t i = 1; i < m.frames(); ++i) up += m.at(i - 1, 0) < 0 && m.at(i, 0) >= 0;
  EXPECT_NEAR(up, 2000, 2);
  EXPECT_NEAR(r.sample_peak, 0.5, 0.01);

  // By default the mix takes the highest rate: nothing of the 48 kHz stem is resampled.
  auto o2 = float_mix({hi, lo}, dir / "mix48.wav");
  auto r2 = mix::mix_stems(o2);
  EXPECT_EQ(r2.sample_rate, 48000);
  EXPECT_FALSE(r2.stems[0].resampled);
  EXPECT_TRUE(r2.stems[1].resampled);
}

TEST(StemMixer, AppliesPerStemGains) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", constant(0.4, 1.0));
  auto b = write_stem(dir, "b.wav", constant(0.2, 1.0));
  auto o = float_mix({a, b}, dir / "mix.wav");
  o.gains = {0.5, 2.0};
  o.normalize.mode = Normalize::none;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.gain_reason, "none");
  auto m = read_all(dir / "mix.wav");
  EXPECT_NEAR(m.at(1000, 0), 0.4f * 0.5f + 0.2f * 2.0f, 1e-6);
  EXPECT_DOUBLE_EQ(r.stems[1].gain, 2.0);
}

TEST(StemMixer, PeakNormalisationLandsOnTheCeilingOrFullScale) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", synth::sine(300, 2.0, 44100, 2, 0.2));
  auto b = write_stem(dir, "b.wav", synth::sine(500, 1.0, 44100, 2, 0.1));
  auto o = float_mix({a, b}, dir / "mix.wav");
  o.normalize.mode = Normalize::peak;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.passes, 2);
  EXPECT_EQ(r.gain_reason, "peak");
  EXPECT_NEAR(r.sample_peak, 0.95, 1e-6);
  float peak = 0;
  for (float v : read_all(dir / "mix.wav").samples) peak = std::max(peak, std::fabs(v));
  EXPECT_NEAR(peak, 0.95f, 1e-6);

  o.ceiling = 0;
  o.output = dir / "full.wav";
  r = mix::mix_stems(o);
  EXPECT_NEAR(r.sample_peak, 1.0, 1e-6);
  EXPECT_EQ(r.clipped_samples, 0);
}

TEST(StemMixer, LoudnessNormalisationHitsTheTarget) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", synth::white_noise(6.0, 44100, 2, 0.05, 3));
  auto b = write_stem(dir, "b.wav", synth::sine(220, 6.0, 44100, 1, 0.05));
  {
    auto o = float_mix({a, b}, dir / "mix.wav");
    o.normalize = mix::parse_normalize("lufs:-20");
    auto r = mix::mix_stems(o);
    EXPECT_EQ(r.gain_reason, "lufs");
    EXPECT_NEAR(r.integrated_lufs, -20.0, 0.05);
    // Measured again, independently, on the file.
    auto m = read_all(dir / "mix.wav");
    audio::LoudnessMeter meter(m.rate, m.channels);
    meter.add(m.samples.data(), m.frames());
    EXPECT_NEAR(meter.integrated(), -20.0, 0.05);
    EXPECT_LE(r.sample_peak, 0.95);
  }
  // A target the ceiling does not allow: the ceiling wins, and says so.
  auto o = float_mix({a, b}, dir / "loud.wav");
  o.normalize = mix::parse_normalize("lufs:-1");
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.gain_reason, "ceiling");
  EXPECT_NEAR(r.sample_peak, 0.95, 1e-6);
  EXPECT_LT(r.integrated_lufs, -1.5);
  EXPECT_GT(r.normalize_gain, r.gain);
}

TEST(StemMixer, TheCeilingScalesTheWholeMixOnce) {
  testutil::TempDir dir;
  // In phase, 0.7 + 0.5 = 1.2 with no normalisation: over the 0.95 ceiling, so one gain of
  // 0.95/1.2 for everything, including the part where only one stem plays.
  auto a = write_stem(dir, "a.wav", synth::sine(100, 1.0, 44100, 1, 0.7));
  auto b = write_stem(dir, "b.wav", synth::sine(100, 2.0, 44100, 1, 0.5));
  auto o = float_mix({a, b}, dir / "mix.wav");
  o.normalize.mode = Normalize::none;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.gain_reason, "ceiling");
  EXPECT_EQ(r.passes, 2);
  EXPECT_NEAR(r.gain, 0.95 / 1.2, 1e-4);
  EXPECT_NEAR(r.sample_peak, 0.95, 1e-6);
  auto m = read_all(dir / "mix.wav");
  float tail = 0;
  for (std::size_t i = 44100; i < m.frames(); ++i) tail = std::max(tail, std::fabs(m.at(i, 0)));
  EXPECT_NEAR(tail, 0.5 * r.gain, 1e-4);

  // Without the ceiling the same mix clips, and the report counts it.
  o.ceiling = 0;
  o.output = dir / "clip.wav";
  r = mix::mix_stems(o);
  EXPECT_EQ(r.passes, 1);
  EXPECT_GT(r.clipped_samples, 0);
  EXPECT_NEAR(r.sample_peak, 1.0, 1e-6);

  // Under the ceiling nothing changes and one pass is enough.
  o.ceiling = 0.95;
  o.normalize.mode = Normalize::count;
  o.output = dir / "count.wav";
  r = mix::mix_stems(o);
  EXPECT_EQ(r.gain_reason, "count");
  EXPECT_EQ(r.passes, 1);
  EXPECT_NEAR(r.sample_peak, 0.6, 1e-4);
}

TEST(StemMixer, MonoAndStereoRules) {
  testutil::TempDir dir;
  auto mono = write_stem(dir, "mono.wav", constant(0.3, 1.0, 44100, 1));
  synth::Audio lr = constant(0.0, 1.0, 44100, 2);
  for (std::size_t i = 0; i < lr.frames(); ++i) lr.samples[2 * i] = 0.5f;  // left only
  auto stereo = write_stem(dir, "stereo.wav", lr);

  // Any stereo stem makes a stereo mix; the mono stem is the same in both channels.
  auto o = float_mix({mono, stereo}, dir / "st.wav");
  o.normalize.mode = Normalize::none;
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.channels, 2);
  auto m = read_all(dir / "st.wav");
  EXPECT_NEAR(m.at(500, 0), 0.8f, 1e-6);
  EXPECT_NEAR(m.at(500, 1), 0.3f, 1e-6);

  // A mono mix takes the average of a stereo stem's channels.
  o.channels = 1;
  o.output = dir / "down.wav";
  r = mix::mix_stems(o);
  EXPECT_EQ(r.channels, 1);
  m = read_all(dir / "down.wav");
  EXPECT_NEAR(m.at(500, 0), 0.3f + 0.25f, 1e-6);

  // Only mono stems: a mono mix; asked for stereo: both channels equal.
  o = float_mix({mono}, dir / "m2.wav");
  o.normalize.mode = Normalize::none;
  EXPECT_EQ(mix::mix_stems(o).channels, 1);
  o.channels = 2;
  o.output = dir / "m3.wav";
  mix::mix_stems(o);
  m = read_all(dir / "m3.wav");
  EXPECT_EQ(m.at(10, 0), m.at(10, 1));
  EXPECT_NEAR(m.at(10, 0), 0.3f, 1e-6);
}

TEST(StemMixer, SurroundStemsFoldToStereo) {
  testutil::TempDir dir;
  auto six = write_stem(dir, "six.wav", synth::sine(440, 1.0, 48000, 6, 0.1));
  auto o = float_mix({six}, dir / "mix.wav");
  auto r = mix::mix_stems(o);
  EXPECT_EQ(r.channels, 2);
  EXPECT_EQ(r.stems[0].channels, 6);
  EXPECT_GT(r.sample_peak, 0.05);
}

TEST(StemMixer, BothSecondPassesWriteTheSameBytesEveryTime) {
  testutil::TempDir dir;
  // In phase, 0.6 + 0.5 = 1.1: peak normalisation to 0.95 reads the mix back from the spool;
  // no normalisation hits the 0.95 ceiling and decodes the stems again. The same gain, so
  // the same bytes, every time.
  auto a = write_stem(dir, "a.wav", synth::sine(200, 3.0, 44100, 2, 0.6));
  auto b = write_stem(dir, "b.wav", synth::sine(200, 2.0, 32000, 2, 0.5));
  std::string first;
  for (auto mode : {Normalize::peak, Normalize::none, Normalize::peak}) {
    auto o = float_mix({a, b}, dir / "mix.flac");
    o.format = audio::SampleFormat::pcm24;
    o.normalize.mode = mode;
    auto r = mix::mix_stems(o);
    EXPECT_EQ(r.passes, 2);
    EXPECT_EQ(r.gain_reason, mode == Normalize::peak ? "peak" : "ceiling");
    const std::string bytes = slurp(dir / "mix.flac");
    if (first.empty()) first = bytes;
    EXPECT_EQ(bytes, first);
  }
  // Nothing left beside the output: no spool, no temporaries.
  EXPECT_TRUE(dir_has_only(dir, 3));
}

TEST(StemMixer, MeasuresWhatIsStored) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", synth::sine(1000, 1.0, 44100, 2, 0.3));
  auto o = float_mix({a}, dir / "mix.wav");
  o.format = audio::SampleFormat::pcm16;
  o.normalize.mode = Normalize::none;
  auto r = mix::mix_stems(o);
  float peak = 0;
  for (float v : read_all(dir / "mix.wav").samples) peak = std::max(peak, std::fabs(v));
  EXPECT_EQ(r.sample_peak, static_cast<double>(peak));
  // Two channels of a 1 kHz sine at 0.3: 20*log10(0.3) = -10.46 LUFS (BS.1770's 1 kHz
  // calibration: a full-scale sine in one channel reads -3.01, in two 0).
  EXPECT_NEAR(r.integrated_lufs, 20 * std::log10(0.3), 0.1);
}

TEST(StemMixer, NotANumberInAFloatStemBecomesSilence) {
  testutil::TempDir dir;
  synth::Audio a = constant(0.5, 1.0);
  for (std::size_t i = 100; i < 200; ++i) a.samples[i] = std::nanf("");
  auto path = write_stem(dir, "nan.wav", a);
  auto o = float_mix({path}, dir / "mix.wav");
  o.normalize.mode = Normalize::peak;
  o.ceiling = 0.5;
  auto r = mix::mix_stems(o);
  EXPECT_DOUBLE_EQ(r.gain, 1.0);
  EXPECT_TRUE(std::isfinite(r.integrated_lufs));
  EXPECT_NEAR(r.sample_peak, 0.5, 1e-6);
  auto m = read_all(dir / "mix.wav");
  EXPECT_EQ(m.at(150, 0), 0.0f);
  EXPECT_NEAR(m.at(250, 0), 0.5f, 1e-6);
}

TEST(StemMixer, SilenceIsReportedNotAmplified) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", constant(0.0, 1.0));
  for (const char* mode : {"peak", "lufs:-14"}) {
    auto o = float_mix({a}, dir / "mix.wav");
    o.normalize = mix::parse_normalize(mode);
    auto r = mix::mix_stems(o);
    EXPECT_EQ(r.gain_reason, "silence") << mode;
    EXPECT_EQ(r.gain, 1.0);
    EXPECT_TRUE(std::isinf(r.integrated_lufs));
    auto j = mix::report_json(r);
    EXPECT_TRUE(j["measured"]["integrated_lufs"].is_null());
    EXPECT_TRUE(j["measured"]["sample_peak_dbfs"].is_null());
  }
}

TEST(StemMixer, FailuresLeaveNothingBehind) {
  testutil::TempDir dir;
  auto good = write_stem(dir, "good.wav", synth::sine(440, 2.0, 44100, 2, 0.3));
  // A WAV cut short: the header promises more than the data holds.
  const std::string cut = dir / "cut.wav";
  {
    std::string bytes = slurp(good);
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  for (auto mode : {"count", "peak", "lufs:-14", "none"}) {
    auto o = float_mix({good, cut}, dir / "mix.wav");
    o.normalize = mix::parse_normalize(mode);
    EXPECT_EQ(error_of(o), Exit::data) << mode;
    EXPECT_FALSE(std::filesystem::exists(dir / "mix.wav"));
    EXPECT_TRUE(dir_has_only(dir, 2)) << mode;  // good.wav and cut.wav only
  }
  auto o = float_mix({good, dir / "missing.wav"}, dir / "mix.wav");
  EXPECT_EQ(error_of(o), Exit::no_input);
  o = float_mix({good}, dir / "no/such/dir/mix.wav");
  EXPECT_EQ(error_of(o), Exit::cant_create);
  o = float_mix({good}, good);
  EXPECT_EQ(error_of(o), Exit::usage);
  o = float_mix({good}, dir / "mix.flac");  // float samples in FLAC
  EXPECT_EQ(error_of(o), Exit::usage);
  o = float_mix({good}, dir / "mix.mp3");
  EXPECT_EQ(error_of(o), Exit::usage);
  o = float_mix({good}, dir / "mix.wav");
  o.channels = 3;
  EXPECT_EQ(error_of(o), Exit::usage);
  EXPECT_TRUE(dir_has_only(dir, 2));
}

TEST(StemMixer, ReportIsDeterministicAndComplete) {
  testutil::TempDir dir;
  auto a = write_stem(dir, "a.wav", synth::sine(440, 1.0, 44100, 2, 0.3));
  auto o = float_mix({a}, dir / "mix.wav");
  o.hash_inputs = true;
  const auto j1 = mix::report_json(mix::mix_stems(o)).dump();
  const auto j2 = mix::report_json(mix::mix_stems(o)).dump();
  EXPECT_EQ(j1, j2);
  const auto j = audio::Json::parse(j1);
  EXPECT_EQ(j.begin().key(), "schema");
  EXPECT_EQ(j["schema"], "wf.mix/1");
  EXPECT_EQ(j["stems"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["output"]["frames"], 44100);
  EXPECT_EQ(j["gain"]["reason"], "count");
  EXPECT_TRUE(j["measured"]["true_peak_dbtp"].is_number());
}

TEST(StemMixerOptions, ParsesNormalizeCeilingAndGains) {
  EXPECT_EQ(mix::parse_normalize("count").mode, Normalize::count);
  EXPECT_EQ(mix::parse_normalize("lufs").target_lufs, -14.0);
  EXPECT_EQ(mix::parse_normalize("lufs:-23.5").target_lufs, -23.5);
  EXPECT_EQ(mix::to_string(mix::parse_normalize("lufs:-23.5")), "lufs:-23.5");
  for (const char* bad : {"loud", "lufs:", "lufs:x", "lufs:5", "lufs:-71", "Peak", ""}) {
    EXPECT_THROW(mix::parse_normalize(bad), audio::Error) << bad;
  }
  EXPECT_EQ(mix::parse_ceiling("none"), 0.0);
  EXPECT_EQ(mix::parse_ceiling("0.5"), 0.5);
  EXPECT_EQ(mix::parse_ceiling("1"), 1.0);
  EXPECT_NEAR(mix::parse_ceiling("-6dB"), 0.501, 0.001);
  for (const char* bad : {"2", "0", "1.01", "+1dB", "x"}) {
    EXPECT_THROW(mix::parse_ceiling(bad), audio::Error) << bad;
  }

  std::vector<double> g(3, 1.0);
  mix::apply_gain_option("2=-6dB", g);
  mix::apply_gain_option("3=0.25", g);
  EXPECT_NEAR(g[1], 0.501, 0.001);
  EXPECT_EQ(g[2], 0.25);
  for (const char* bad : {"4=-3dB", "0=1", "2", "=1", "2=loud", "x=1"}) {
    EXPECT_THROW(mix::apply_gain_option(bad, g), audio::Error) << bad;
  }

  const std::vector<std::string> stems{"a.wav", "b.wav", "c.wav"};
  g.assign(3, 1.0);
  mix::apply_gain_spec(audio::Json::parse(R"([0.5, "-6dB", 2])"), stems, g, "spec");
  EXPECT_EQ(g[0], 0.5);
  EXPECT_NEAR(g[1], 0.501, 0.001);
  EXPECT_EQ(g[2], 2.0);
  g.assign(3, 1.0);
  mix::apply_gain_spec(audio::Json::parse(R"({"2": 0.5, "c.wav": "-20dB"})"), stems, g, "spec");
  EXPECT_EQ(g[0], 1.0);
  EXPECT_EQ(g[1], 0.5);
  EXPECT_NEAR(g[2], 0.1, 1e-9);
  for (const char* bad : {R"([1, 2])", R"({"4": 1})", R"({"d.wav": 1})", R"([1, 2, "loud"])",
                          R"([1, 2, -1])", R"([1, 2, null])", R"("0.5")", R"(3)"}) {
    try {
      mix::apply_gain_spec(audio::Json::parse(bad), stems, g, "spec");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const audio::Error& e) {
      EXPECT_EQ(e.code(), Exit::data) << bad;
    }
  }
}

}  // namespace
