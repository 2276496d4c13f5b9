#include "libmix/source_reader.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

// A stereo float WAV whose frame f holds (f / 2^20, -f / 2^20): every frame says where it is.
struct Ramp {
  testutil::TempDir dir;
  std::string path;
  static constexpr std::int64_t kFrames = 200000;
  Ramp() {
    synth::Audio a;
    a.channels = 2;
    for (std::int64_t f = 0; f < kFrames; ++f) {
      a.samples.push_back(static_cast<float>(f) / (1 << 20));
      a.samples.push_back(-static_cast<float>(f) / (1 << 20));
    }
    path = testutil::write_audio(dir / "ramp.wav", a, audio::SampleFormat::float32);
  }
};

void expect_frames(const std::vector<float>& got, std::int64_t from) {
  for (std::size_t i = 0; i < got.size() / 2; ++i) {
    const std::int64_t f = from + static_cast<std::int64_t>(i);
    const float want = f < 0 || f >= Ramp::kFrames ? 0.0f : static_cast<float>(f) / (1 << 20);
    ASSERT_EQ(got[2 * i], want) << "frame " << f;
    ASSERT_EQ(got[2 * i + 1], -want) << "frame " << f;
  }
}

std::vector<float> read(mix::SourceReader& r, std::int64_t from, std::int64_t to) {
  std::vector<float> out(static_cast<std::size_t>((to - from) * 2), 123.0f);
  r.read(from, to, out.data());
  return out;
}

TEST(SourceReader, ReadsEveryFrameWhereItIs) {
  Ramp ramp;
  mix::SourceReader r(ramp.path, 44100);
  expect_frames(read(r, -100, 5000), -100);                      // silence before 0
  expect_frames(read(r, 4000, 40000), 4000);                     // overlaps the last read
  expect_frames(read(r, 150000, 150100), 150000);                // skips ahead
  expect_frames(read(r, 150100 - 1000, 150200), 150100 - 1000);  // a little behind
  expect_frames(read(r, Ramp::kFrames - 10, Ramp::kFrames + 90), Ramp::kFrames - 10);  // end
}

TEST(SourceReader, KeepsOnlyAShortHistory) {
  Ramp ramp;
  mix::SourceReader r(ramp.path, 44100);
  read(r, 0, 190000);
  EXPECT_TRUE(r.can_read_from(190000 - mix::SourceReader::kHistory));
  EXPECT_FALSE(r.can_read_from(1000));
  try {
    read(r, 1000, 2000);
    FAIL() << "read backwards";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::software);
  }
}

TEST(SourceReader, MissingFileFailsAtOnce) {
  testutil::TempDir dir;
  EXPECT_THROW(mix::SourceReader(dir / "none.wav", 44100), audio::Error);
}

}  // namespace
