#include "libaudio/file_hasher.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/sha256.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::string write_tone(const testutil::TempDir& dir, const std::string& name) {
  return testutil::write_audio(dir / name, synth::sine(440, 1.0, 44100, 2, 0.5));
}

TEST(FileHasher, DescribesAnAudioFile) {
  testutil::TempDir dir;
  auto path = write_tone(dir, "a.wav");
  audio::HashOptions opt;
  opt.content = true;
  auto r = audio::hash_file(path, opt);
  ASSERT_FALSE(r.error) << r.error->what();
  EXPECT_EQ(r.doc["schema"], "wf.hash/1");
  EXPECT_EQ(r.doc["sha256"], audio::sha256_file(path).sha256);
  EXPECT_EQ(r.doc["bytes"], std::filesystem::file_size(path));
  EXPECT_EQ(r.doc["audio"]["sample_rate"], 44100);
  EXPECT_EQ(r.doc["content_rule"], "pcm");
  EXPECT_EQ(r.record.content_sha256, r.doc["content_sha256"]);
  EXPECT_FALSE(r.doc.contains("fingerprint"));
}

TEST(FileHasher, ReportsFailuresInsteadOfThrowing) {
  testutil::TempDir dir;
  std::ofstream(dir / "words.mp3") << "not audio, just words\n";
  auto r = audio::hash_file(dir / "words.mp3", {});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), audio::Exit::data);
  EXPECT_EQ(r.error->subject(), dir / "words.mp3");

  auto missing = audio::hash_file(dir / "missing.wav", {});
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->code(), audio::Exit::no_input);
}

TEST(FileHasher, EnforcesTheSizeLimit) {
  testutil::TempDir dir;
  auto path = write_tone(dir, "a.wav");
  audio::HashOptions opt;
  opt.max_size = 1000;
  auto r = audio::hash_file(path, opt);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), audio::Exit::data);
  EXPECT_NE(std::string(r.error->what()).find("--max-size"), std::string::npos);
}

}  // namespace
