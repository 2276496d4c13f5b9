#include "libmix/audio_extract.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

TEST(AudioExtract, SixteenKilohertzMonoByDefault) {
  testutil::TempDir dir;
  // A stereo 44.1 kHz tone, the same in both channels.
  const std::string in =
      testutil::write_audio(dir / "in.wav", synth::sine(440, 2.0, 44100, 2, 0.5));
  mix::ExtractOptions o;
  o.input = in;
  o.output = dir / "raw.wav";
  const mix::ExtractReport r = mix::extract_audio(o);
  EXPECT_EQ(r.source.sample_rate, 44100);
  EXPECT_EQ(r.source.channels, 2);
  EXPECT_EQ(r.frames, 32000);  // 2 s at 16 kHz
  audio::Decoder d(o.output);
  EXPECT_EQ(d.info().sample_rate, 16000);
  EXPECT_EQ(d.info().channels, 1);
  EXPECT_EQ(d.info().codec, "pcm_s16le");
  std::vector<float> x(40000);
  const std::size_t n = d.read(x.data(), x.size());
  ASSERT_EQ(n, 32000u);
  // Stereo to mono as FFmpeg's command line does it, (L + R) / 2: a tone the same in both
  // channels keeps its level, RMS 0.5 / sqrt(2) (away from the edges, through the resampler).
  double sum = 0;
  for (std::size_t i = 1000; i < 31000; ++i) sum += x[i] * x[i];
  EXPECT_NEAR(std::sqrt(sum / 30000), 0.5 / std::sqrt(2.0), 0.005);
  const audio::Json j = mix::extract_report_json(r, "");
  EXPECT_EQ(j["schema"], "dub.extract/1");
  EXPECT_EQ(j["output"]["frames"], 32000);
  EXPECT_DOUBLE_EQ(j["output"]["duration"].get<double>(), 2.0);
}

TEST(AudioExtract, BadInputLeavesNothing) {
  testutil::TempDir dir;
  mix::ExtractOptions o;
  o.input = dir / "missing.mp4";
  o.output = dir / "raw.wav";
  try {
    mix::extract_audio(o);
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
  }
  o.input = testutil::write_audio(dir / "in.wav", synth::sine(440, 0.5, 8000, 1, 0.5));
  o.stream = 3;
  try {
    mix::extract_audio(o);
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::usage);
  }
  o.stream = -1;
  o.sample_rate = 10;
  EXPECT_THROW(mix::extract_audio(o), audio::Error);
  EXPECT_FALSE(std::filesystem::exists(o.output));
}

}  // namespace
