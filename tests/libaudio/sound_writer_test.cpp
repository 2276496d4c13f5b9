#include "libaudio/sound_writer.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

TEST(SoundWriter, SnapToFormatGivesExactlyWhatTheFileHolds) {
  testutil::TempDir dir;
  // A loud noise, partly beyond full scale, so rounding and clipping both happen.
  auto a = synth::white_noise(0.5, 44100, 2, 1.3, 5);
  for (auto fmt : {audio::SampleFormat::pcm16, audio::SampleFormat::pcm24}) {
    for (const char* name : {"x.wav", "x.flac"}) {
      const std::string path = dir / name;
      audio::SoundWriter w(path, a.rate, a.channels, fmt, audio::container_for_path(path));
      w.write(a.samples.data(), a.frames());
      w.commit();
      std::vector<float> snapped = a.samples;
      audio::snap_to_format(snapped.data(), snapped.size(), fmt);
      audio::Decoder d(path);
      std::vector<float> back(snapped.size());
      ASSERT_EQ(d.read(back.data(), a.frames()), a.frames());
      EXPECT_EQ(back, snapped) << name;
      EXPECT_NE(back, a.samples);  // the snapping did something
    }
  }
  std::vector<float> f = {0.123456789f, 1.5f};
  audio::snap_to_format(f.data(), f.size(), audio::SampleFormat::float32);
  EXPECT_EQ(f[0], 0.123456789f);
  EXPECT_EQ(f[1], 1.5f);
}

}  // namespace
