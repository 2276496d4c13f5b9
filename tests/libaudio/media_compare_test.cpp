#include "libaudio/media_compare.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

// Fixtures come from the ffmpeg command-line program (a toolkit dependency): a one-second
// 160x120 MPEG-4 picture at 10 fps with a mono AAC sine.
void ffmpeg(const std::string& args) {
  const std::string cmd = "ffmpeg -nostdin -v error -y " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::string clip(const testutil::TempDir& dir, const std::string& name, int quality = 5,
                 const std::string& size = "160x120") {
  const std::string path = dir / name;
  ffmpeg("-f lavfi -i testsrc=size=" + size +
         ":rate=10:duration=1 -f lavfi -i sine=frequency=440:duration=1 -c:v mpeg4 -q:v " +
         std::to_string(quality) + " -c:a aac -b:a 64k -shortest " + path);
  return path;
}

class MediaCompare : public ::testing::Test {
 protected:
  void SetUp() override { a = clip(dir, "a.mp4"); }
  testutil::TempDir dir;
  std::string a;
};

TEST_F(MediaCompare, LayoutDescribesEveryStream) {
  const audio::MediaLayout m = audio::read_media_layout(a);
  EXPECT_EQ(m.container.rfind("mov,mp4", 0), 0u);
  ASSERT_EQ(m.streams.size(), 2u);
  EXPECT_EQ(m.streams[0].describe(), "video mpeg4 160x120");
  EXPECT_EQ(m.streams[1].describe(), "audio aac 44100 Hz 1 ch");
  EXPECT_EQ(m.streams[0].data.size(), 10u);  // one packet per frame
  EXPECT_EQ(m.streams[0].timing.size(), 10u);
  EXPECT_NEAR(m.streams[0].duration, 1.0, 1e-9);
}

TEST_F(MediaCompare, ARemuxWithOtherContainerBytesMatches) {
  const std::string remux = dir / "remux.mp4";
  ffmpeg("-i " + a + " -c copy -metadata title=remuxed " + remux);
  auto c = audio::compare_media(a, remux);
  EXPECT_FALSE(c.regression()) << c.regressions[0];
}

TEST_F(MediaCompare, ChangedPacketsAreFoundAndNamed) {
  const std::string q = clip(dir, "q.mp4", 12);
  auto c = audio::compare_media(a, q);
  ASSERT_EQ(c.regressions.size(), 1u);
  EXPECT_EQ(c.regressions[0], "stream 0 (video mpeg4 160x120): packet data differs from packet 0");
  EXPECT_FALSE(audio::compare_media(a, q, false).regression());  // layout only
}

TEST_F(MediaCompare, ShiftedTimestampsAreATimingDifference) {
  const std::string shifted = dir / "shifted.mp4";
  ffmpeg("-i " + a + " -c copy -output_ts_offset 0.5 " + shifted);
  auto c = audio::compare_media(a, shifted);
  ASSERT_EQ(c.regressions.size(), 2u);
  EXPECT_EQ(c.regressions[0],
            "stream 0 (video mpeg4 160x120): packet timing differs from packet 0");
}

TEST_F(MediaCompare, LayoutChangesAreRegressionsEvenWithoutPackets) {
  const std::string big = clip(dir, "big.mp4", 5, "320x240");
  auto size = audio::compare_media(a, big, false);
  ASSERT_EQ(size.regressions.size(), 1u);
  EXPECT_EQ(size.regressions[0],
            "stream 0: expected video mpeg4 160x120, actual video mpeg4 320x240");
  const std::string silent = dir / "silent.mp4";
  ffmpeg("-i " + a + " -an -c copy " + silent);
  auto streams = audio::compare_media(a, silent, false);
  ASSERT_EQ(streams.regressions.size(), 1u);
  EXPECT_EQ(streams.regressions[0], "stream count differs: expected 2, actual 1");
  const std::string mkv = dir / "a.mkv";
  ffmpeg("-i " + a + " -c copy " + mkv);
  auto container = audio::compare_media(a, mkv, false);
  ASSERT_EQ(container.regressions.size(), 1u);
  EXPECT_EQ(container.regressions[0].rfind("container differs: expected mov,mp4", 0), 0u);
}

TEST_F(MediaCompare, BadInputs) {
  std::ofstream(dir / "text.mp4") << "not a video\n";
  try {
    audio::compare_media(a, dir / "text.mp4");
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_EQ(e.subject(), dir / "text.mp4");
  }
  try {
    audio::compare_media(dir / "none.mp4", a);
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
  }
}

}  // namespace
