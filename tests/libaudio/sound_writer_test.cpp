#include "libaudio/sound_writer.hpp"

#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::vector<int> read_ints(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  EXPECT_NE(f, nullptr);
  std::vector<int> v(static_cast<std::size_t>(info.frames * info.channels));
  sf_readf_int(f, v.data(), info.frames);
  sf_close(f);
  return v;
}

void write(const std::string& path, const std::vector<float>& s, audio::SampleFormat fmt,
           int ch = 1) {
  audio::SoundWriter w(path, 44100, ch, fmt, audio::container_for_path(path));
  w.write(s.data(), s.size() / static_cast<std::size_t>(ch));
  EXPECT_EQ(w.frames_written(), s.size() / static_cast<std::size_t>(ch));
  w.commit();
}

TEST(SoundWriter, QuantisesLikeFfmpegAndClipsInsteadOfWrapping) {
  testutil::TempDir dir;
  const std::vector<float> s = {
      0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1.7f, -3.0f, 1.0f / 65536, 0.25f + 1.0f / 65536};
  write(dir / "a.wav", s, audio::SampleFormat::pcm16);
  auto v = read_ints(dir / "a.wav");
  std::vector<int> expect16 = {0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 8192};
  ASSERT_EQ(v.size(), expect16.size());
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i] >> 16, expect16[i]) << i;
}

TEST(SoundWriter, WavAndFlacHoldIdenticalPcm) {
  testutil::TempDir dir;
  std::vector<float> s(20000);
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<float>(0.9 * std::sin(0.001 * static_cast<double>(i * i % 100003)));
  for (auto fmt : {audio::SampleFormat::pcm16, audio::SampleFormat::pcm24}) {
    write(dir / "a.wav", s, fmt, 2);
    write(dir / "a.flac", s, fmt, 2);
    EXPECT_EQ(read_ints(dir / "a.wav"), read_ints(dir / "a.flac"));
  }
}

TEST(SoundWriter, StdoutGetsAStreamedWavWithTheFilesSamples) {
  // "-": a header with unknown sizes, then the same PCM a file holds; libsndfile reads it.
  testutil::TempDir dir;
  std::vector<float> s(5000);
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<float>(1.2 * std::sin(0.01 * static_cast<double>(i)));  // some clip
  for (auto fmt :
       {audio::SampleFormat::pcm16, audio::SampleFormat::pcm24, audio::SampleFormat::float32}) {
    write(dir / "file.wav", s, fmt, 2);
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    const int fd = open((dir / "piped.wav").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    {
      audio::SoundWriter w("-", 44100, 2, fmt, audio::Container::wav);
      w.write(s.data(), 2000);
      w.write(s.data() + 4000, 500);
      w.commit();
      EXPECT_EQ(w.frames_written(), 2500u);
    }
    dup2(saved, STDOUT_FILENO);
    close(saved);
    EXPECT_EQ(read_ints(dir / "piped.wav"), read_ints(dir / "file.wav"));
  }
  EXPECT_THROW(
      audio::SoundWriter("-", 44100, 2, audio::SampleFormat::pcm16, audio::Container::flac),
      audio::Error);
}

TEST(SoundWriter, FloatRoundTripsExactly) {
  testutil::TempDir dir;
  std::vector<float> s = {0.123456789f, -0.987654321f, 1.5f, -2.0f};
  write(dir / "f.wav", s, audio::SampleFormat::float32);
  audio::Decoder d(dir / "f.wav");
  std::vector<float> back(4);
  ASSERT_EQ(d.read(back.data(), 4), 4u);
  EXPECT_EQ(back, s);  // float WAV keeps even out-of-range values
}

TEST(SoundWriter, RejectsUnknownExtensionsAndFloatFlac) {
  testutil::TempDir dir;
  EXPECT_THROW(audio::container_for_path("x.mp3"), audio::Error);
  EXPECT_EQ(audio::container_for_path("X.WAV"), audio::Container::wav);
  EXPECT_THROW(audio::SoundWriter(dir / "x.flac", 44100, 1, audio::SampleFormat::float32,
                                  audio::Container::flac),
               audio::Error);
  EXPECT_THROW(audio::parse_sample_format("12"), audio::Error);
}

TEST(SoundWriter, AbandonedWriterLeavesNothing) {
  testutil::TempDir dir;
  {
    audio::SoundWriter w(dir / "x.wav", 44100, 1, audio::SampleFormat::pcm16,
                         audio::Container::wav);
    float s[100] = {};
    w.write(s, 100);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

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
