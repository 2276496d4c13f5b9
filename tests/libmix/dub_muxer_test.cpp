#include "libmix/dub_muxer.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/media_compare.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

using mix::fit_dub;

TEST(FitDub, ShortDubIsPaddedLongDubTrimmed) {
  // 4 s video at 48 kHz = 192000 frames.
  auto f = fit_dub(144000, 48000, 4.0, 0.0);  // 3 s dub
  EXPECT_EQ(f.total, 192000);
  EXPECT_EQ(f.lead, 0);
  EXPECT_EQ(f.used, 144000);
  EXPECT_EQ(f.padding, 48000);
  EXPECT_EQ(f.trimmed, 0);
  f = fit_dub(288000, 48000, 4.0, 0.0);  // 6 s dub
  EXPECT_EQ(f.used, 192000);
  EXPECT_EQ(f.padding, 0);
  EXPECT_EQ(f.trimmed, 96000);
  f = fit_dub(192000, 48000, 4.0, 0.0);
  EXPECT_EQ(f.padding + f.trimmed, 0);
}

TEST(FitDub, OffsetDelaysOrSkips) {
  // +0.5 s: 24000 frames of silence first, the end trimmed by as much.
  auto f = fit_dub(192000, 48000, 4.0, 0.5);
  EXPECT_EQ(f.lead, 24000);
  EXPECT_EQ(f.used, 168000);
  EXPECT_EQ(f.trimmed, 24000);
  EXPECT_EQ(f.padding, 0);
  // -0.5 s: the dub's first 24000 frames skipped, padding at the end.
  f = fit_dub(192000, 48000, 4.0, -0.5);
  EXPECT_EQ(f.skipped, 24000);
  EXPECT_EQ(f.used, 168000);
  EXPECT_EQ(f.padding, 24000);
  // An offset past the end: all silence; one skipping the whole dub: all silence.
  f = fit_dub(1000, 48000, 1.0, 5.0);
  EXPECT_EQ(f.lead, 48000);
  EXPECT_EQ(f.used, 0);
  EXPECT_EQ(f.trimmed, 1000);
  f = fit_dub(1000, 48000, 1.0, -5.0);
  EXPECT_EQ(f.skipped, 1000);
  EXPECT_EQ(f.padding, 48000);
  // The parts always add up: lead + used + padding = total, skipped + used + trimmed = dub.
  for (double off : {-1.3, -0.01, 0.0, 0.37, 2.9}) {
    for (std::int64_t dub : {0L, 1L, 44099L, 132300L, 500000L}) {
      f = fit_dub(dub, 44100, 3.0000001, off);
      EXPECT_EQ(f.lead + f.used + f.padding, f.total);
      EXPECT_EQ(f.skipped + f.used + f.trimmed, dub);
      EXPECT_EQ(f.total, 132300);
    }
  }
}

int sh(const std::string& cmd) {
  return std::system(cmd.c_str());
}

class DubMux : public ::testing::Test {
 protected:
  void SetUp() override {
    video_ = dir_ / "v.mp4";
    ASSERT_EQ(sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=25 -t 2 "
                 "-c:v libx264 -preset ultrafast -pix_fmt yuv420p '" +
                 video_ + "'"),
              0);
    dub_ = testutil::write_audio(dir_ / "dub.wav", synth::sine(440, 1.5, 48000, 1, 0.3));
  }
  testutil::TempDir dir_;
  std::string video_, dub_;
};

TEST_F(DubMux, CopiesTheVideoPacketsAndFitsTheDub) {
  mix::DubMuxOptions o;
  o.video = video_;
  o.audio = dub_;
  o.output = dir_ / "out.mp4";
  const audio::Json r = mix::mux_dub(o);
  EXPECT_EQ(r["schema"], "dub.mux/1");
  EXPECT_EQ(r["tracks"][0]["action"], "copy");
  EXPECT_EQ(r["tracks"][1]["frames"], 96000);  // 2 s at 48 kHz
  EXPECT_EQ(r["dub"]["fit"], "padded");
  EXPECT_DOUBLE_EQ(r["dub"]["padding"].get<double>(), 0.5);
  const audio::MediaLayout in = audio::read_media_layout(video_);
  const audio::MediaLayout out = audio::read_media_layout(o.output);
  ASSERT_EQ(out.streams.size(), 2u);
  EXPECT_EQ(out.streams[0].codec, "h264");
  EXPECT_EQ(out.streams[1].codec, "aac");
  EXPECT_EQ(out.streams[0].data, in.streams[0].data);  // payloads
  EXPECT_EQ(out.streams[0].timing, in.streams[0].timing);
  // The audio lasts as long as the video, within one AAC frame.
  EXPECT_NEAR(out.streams[1].duration, in.streams[0].duration, 1024.0 / 48000);
}

TEST_F(DubMux, FailsCleanlyWithoutAVideoStream) {
  mix::DubMuxOptions o;
  o.video = dub_;  // audio only
  o.audio = dub_;
  o.output = dir_ / "out.mp4";
  try {
    mix::mux_dub(o);
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_STREQ(e.what(), "no video stream");
  }
  EXPECT_FALSE(std::filesystem::exists(o.output));
  // Nothing else was left in the directory either (no temporary file).
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 2);  // v.mp4, dub.wav
}

TEST_F(DubMux, RejectsBadOptions) {
  mix::DubMuxOptions o;
  o.video = video_;
  o.audio = dub_;
  o.output = dir_ / "out.mp4";
  o.language = "english";
  EXPECT_THROW(mix::mux_dub(o), audio::Error);
  o.language = "eng";
  o.offset = std::nan("");
  EXPECT_THROW(mix::mux_dub(o), audio::Error);
  o.offset = 0;
  o.output = video_;  // never overwrite an input
  EXPECT_THROW(mix::mux_dub(o), audio::Error);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.mp4"));
}

}  // namespace
