#include "libmix/clip_cutter.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libmix/thumbnails.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::vector<float> decode(const std::string& path, int& rate, int& channels) {
  audio::Decoder d(path);
  rate = d.sample_rate();
  channels = d.channels();
  std::vector<float> out, chunk(4096 * std::size_t(channels));
  while (std::size_t n = d.read(chunk.data(), 4096))
    out.insert(out.end(), chunk.begin(), chunk.begin() + long(n * std::size_t(channels)));
  return out;
}

TEST(ClipCutter, AudioClipsKeepTheFormatAndFadeTheEdges) {
  testutil::TempDir dir;
  const std::string in = testutil::write_audio(dir / "in.wav", synth::sine(440, 10, 44100, 2, 0.5),
                                               audio::SampleFormat::pcm24);
  const auto res = mix::cut_audio(in, {{2.0, 5.0, dir / "a.wav"}, {4.0, 9.5, dir / "b.flac"}});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_DOUBLE_EQ(res[0].start, 2.0);
  EXPECT_DOUBLE_EQ(res[0].end, 5.0);
  int rate = 0, ch = 0;
  const auto a = decode(dir / "a.wav", rate, ch);
  EXPECT_EQ(rate, 44100);
  EXPECT_EQ(ch, 2);
  EXPECT_EQ(a.size(), std::size_t(3 * 44100 * 2));
  EXPECT_EQ(audio::probe_audio(dir / "a.wav").bits_per_sample, 24);
  EXPECT_NEAR(a[0], 0.0, 1e-6);  // faded in
  EXPECT_NEAR(a[a.size() - 1], 0.0, 1e-3);
  // In the middle, the input's samples (the sine at 3.5 s).
  const std::size_t mid = std::size_t(1.5 * 44100);
  EXPECT_NEAR(a[2 * mid], 0.5 * std::sin(2 * M_PI * 440 * 3.5), 1e-3);
  const auto b = decode(dir / "b.flac", rate, ch);
  EXPECT_EQ(b.size(), std::size_t(5.5 * 44100 * 2));
}

TEST(ClipCutter, Mp3ClipsForOtherInputs) {
  testutil::TempDir dir;
  const std::string wav = testutil::write_audio(dir / "in.wav", synth::sine(440, 6, 44100, 2, 0.5));
  const auto res = mix::cut_audio(wav, {{1.0, 4.0, dir / "c.mp3"}});
  const audio::AudioInfo info = audio::probe_audio(dir / "c.mp3");
  EXPECT_EQ(info.codec, "mp3");
  EXPECT_NEAR(info.duration, 3.0, 0.1);
  EXPECT_EQ(mix::audio_clip_extension(audio::probe_audio(wav)), "wav");
  EXPECT_EQ(mix::audio_clip_extension(info), "mp3");
}

TEST(ClipCutter, NothingLeftBehindOnFailure) {
  testutil::TempDir dir;
  const std::string wav = testutil::write_audio(dir / "in.wav", synth::sine(440, 2, 44100, 1, 0.5));
  EXPECT_THROW(mix::cut_video(wav, {{0.0, 1.0, dir / "v.mp4"}}), audio::Error);
  EXPECT_THROW(mix::check_aspect("4:3"), audio::Error);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.path().filename() != "in.wav";
  EXPECT_EQ(files, 0u);
}

// Video tests use the ffmpeg CLI only to make the lavfi fixture.
bool make_video(const std::string& path, const std::string& extra = "") {
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25:duration=12 -f lavfi -i "
      "sine=frequency=440:duration=12 " +
      extra + " -c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p -c:a aac -shortest '" + path +
      "'";
  return std::system(cmd.c_str()) == 0;
}

TEST(ClipCutter, VideoStreamCopyStartsOnAKeyframeAndExactDoesNot) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  ASSERT_TRUE(make_video(in));
  const auto copy = mix::cut_video(in, {{3.3, 6.0, dir / "copy.mp4"}});
  EXPECT_DOUBLE_EQ(copy[0].start, 2.0);  // keyframes every 2 s
  EXPECT_FALSE(copy[0].reencoded);
  EXPECT_TRUE(audio::probe_audio(dir / "copy.mp4").has_video);
  EXPECT_NEAR(audio::probe_audio(dir / "copy.mp4").duration, 4.0, 0.2);
  mix::CutOptions exact;
  exact.exact = true;
  const auto re = mix::cut_video(in, {{3.3, 6.0, dir / "exact.mp4"}}, exact);
  EXPECT_NEAR(re[0].start, 3.32, 0.021);  // the first frame at or after 3.3 s
  EXPECT_NEAR(audio::probe_audio(dir / "exact.mp4").duration, 2.7, 0.15);
  mix::CutOptions tall;
  tall.aspect = "9:16";
  mix::cut_video(in, {{1.0, 2.0, dir / "tall.mp4"}}, tall);
  const std::string probe =
      "ffprobe -v error -select_streams v -show_entries stream=width,height "
      "-of csv=p=0 '" +
      (dir / "tall.mp4") + "' > '" + (dir / "size.txt") + "'";
  ASSERT_EQ(std::system(probe.c_str()), 0);
  std::ifstream f(dir / "size.txt");
  std::string size;
  f >> size;
  EXPECT_EQ(size, "134,240");  // 240 x 9/16 = 135, made even
}

TEST(Thumbnails, SkipBlackFramesAndWriteJpeg) {
  testutil::TempDir dir;
  const std::string in = dir / "in.mp4";
  // Black for the first 4 s, then the test pattern.
  ASSERT_TRUE(make_video(in, "-vf \"drawbox=c=black:t=fill:enable='lt(t,4)'\""));
  const auto shots = mix::take_thumbnails(
      in, {{1.0, 8.0, dir / "a.jpg"}, {6.0, 8.0, dir / "b.jpg"}, {1.0, 2.0, dir / "c.jpg"}}, 160);
  ASSERT_EQ(shots.size(), 3u);
  EXPECT_FALSE(shots[0].black);
  EXPECT_GE(shots[0].time, 4.0);  // moved past the black frames
  EXPECT_LT(shots[0].time, 4.6);
  EXPECT_NEAR(shots[1].time, 6.0, 0.041);
  EXPECT_TRUE(shots[2].black);  // nothing but black before its search end
  EXPECT_EQ(shots[1].width, 160);
  EXPECT_EQ(shots[1].height, 120);
  std::ifstream jpg(dir / "b.jpg", std::ios::binary);
  unsigned char soi[2] = {0, 0};
  jpg.read(reinterpret_cast<char*>(soi), 2);
  EXPECT_EQ(soi[0], 0xFF);
  EXPECT_EQ(soi[1], 0xD8);
}

}  // namespace
