#include "libaudio/golden_diff.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using audio::FileKind;
using audio::FileStatus;
using audio::GoldenOptions;

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void write_audio(const std::string& path, const synth::Audio& a) {
  fs::create_directories(fs::path(path).parent_path());
  testutil::write_audio(path, a);
}

const audio::FileResult& file(const audio::GoldenReport& r, const std::string& name) {
  for (const auto& f : r.files) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no result for " + name);
}

audio::Exit error_of(const std::string& e, const std::string& a, const GoldenOptions& o = {}) {
  try {
    audio::golden_diff(e, a, o);
  } catch (const audio::Error& err) {
    return err.code();
  }
  return audio::Exit::ok;
}

TEST(SniffKind, ByNameThenContent) {
  testutil::TempDir dir;
  write(dir / "a.json", "not even json");
  write(dir / "a.JSONL", "1\n");
  write(dir / "a.flac", "");
  write(dir / "noext", "{\"a\": 1}");
  write(dir / "lines.out", "{\"a\": 1}\n{\"a\": 2}\n");
  write(dir / "brace.txt", "{ not json }\n");
  write(dir / "plain.txt", "hello\n");
  write(dir / "video.mp4", "");
  write(dir / "video.MKV", "");
  write(dir / "video.golden", "....ftypisom");
  write_audio(dir / "t.wav", synth::sine(440, 0.05));
  fs::copy_file(dir / "t.wav", dir / "t.golden");
  EXPECT_EQ(audio::sniff_kind(dir / "a.json"), FileKind::json);
  EXPECT_EQ(audio::sniff_kind(dir / "a.JSONL"), FileKind::json_lines);
  EXPECT_EQ(audio::sniff_kind(dir / "a.flac"), FileKind::audio);
  EXPECT_EQ(audio::sniff_kind(dir / "noext"), FileKind::json);
  EXPECT_EQ(audio::sniff_kind(dir / "lines.out"), FileKind::json_lines);
  EXPECT_EQ(audio::sniff_kind(dir / "brace.txt"), FileKind::bytes);
  EXPECT_EQ(audio::sniff_kind(dir / "plain.txt"), FileKind::bytes);
  EXPECT_EQ(audio::sniff_kind(dir / "video.mp4"), FileKind::media);
  EXPECT_EQ(audio::sniff_kind(dir / "video.MKV"), FileKind::media);
  EXPECT_EQ(audio::sniff_kind(dir / "video.golden"), FileKind::media);
  EXPECT_EQ(audio::sniff_kind(dir / "t.golden"), FileKind::audio);
  EXPECT_THROW(audio::parse_file_kind("xml"), audio::Error);
  EXPECT_EQ(audio::parse_file_kind("jsonl"), FileKind::json_lines);
  EXPECT_EQ(audio::parse_file_kind("media"), FileKind::media);
}

TEST(GoldenDiff, SingleFiles) {
  testutil::TempDir dir;
  write(dir / "e.json", R"({"bpm": 128.0, "toolkit": "0.1.0"})");
  write(dir / "same.json", R"({"toolkit": "0.1.0", "bpm": 128.0})");
  write(dir / "near.json", R"({"bpm": 128.004, "toolkit": "0.2.0"})");
  auto same = audio::golden_diff(dir / "e.json", dir / "same.json", {});
  ASSERT_EQ(same.files.size(), 1u);
  EXPECT_EQ(same.files[0].name, dir / "same.json");
  EXPECT_EQ(same.files[0].status, FileStatus::same);  // key order does not matter
  EXPECT_EQ(same.exit_code(), audio::Exit::ok);

  auto near = audio::golden_diff(dir / "e.json", dir / "near.json", {});
  EXPECT_EQ(near.files[0].status, FileStatus::regression);
  EXPECT_EQ(near.files[0].json->differences, 2u);
  EXPECT_EQ(near.exit_code(), audio::Exit::negative);

  write(dir / "tol.json", R"({"/bpm": 0.005, "/toolkit": "ignore"})");
  GoldenOptions o;
  o.tolerances_file = dir / "tol.json";
  auto loose = audio::golden_diff(dir / "e.json", dir / "near.json", o);
  EXPECT_EQ(loose.files[0].status, FileStatus::within_tolerance);
  EXPECT_EQ(loose.files[0].headline(),
            "within tolerance (1 number within tolerance, largest |diff| 0.004 at /bpm, 1 value "
            "ignored)");
  EXPECT_EQ(loose.options["tolerances"], dir / "tol.json");
}

TEST(GoldenDiff, JsonFileHoldingJsonLines) {
  testutil::TempDir dir;
  write(dir / "e.json", "{\"t\": 1}\n{\"t\": 2}\n");
  write(dir / "a.json", "{\"t\": 1}\n{\"t\": 3}\n");
  auto r = audio::golden_diff(dir / "e.json", dir / "a.json", {});
  EXPECT_EQ(r.files[0].kind, FileKind::json_lines);
  ASSERT_EQ(r.files[0].status, FileStatus::regression);
  EXPECT_EQ(r.files[0].json->details[0].line, 2);
}

TEST(GoldenDiff, CorruptInputIsAnErrorWithItsCode) {
  testutil::TempDir dir;
  write(dir / "e.json", R"({"a": 1})");
  write(dir / "a.json", R"({"a": )");
  auto r = audio::golden_diff(dir / "e.json", dir / "a.json", {});
  EXPECT_EQ(r.files[0].status, FileStatus::error);
  EXPECT_EQ(r.exit_code(), audio::Exit::data);
  EXPECT_EQ(r.files[0].error.rfind(dir / "a.json" + ": not valid JSON", 0), 0u) << r.files[0].error;

  write_audio(dir / "e.wav", synth::sine(440, 0.1));
  write(dir / "a.wav", "RIFF but not really");
  auto bad_audio = audio::golden_diff(dir / "e.wav", dir / "a.wav", {});
  EXPECT_EQ(bad_audio.exit_code(), audio::Exit::data);
}

TEST(GoldenDiff, MissingPathsAndMixedKindsAreRefused) {
  testutil::TempDir dir;
  write(dir / "e.json", "{}");
  fs::create_directories(dir / "d");
  EXPECT_EQ(error_of(dir / "nope.json", dir / "e.json"), audio::Exit::no_input);
  EXPECT_EQ(error_of(dir / "e.json", dir / "nope.json"), audio::Exit::no_input);
  EXPECT_EQ(error_of(dir / "e.json", dir / "d"), audio::Exit::usage);
  EXPECT_EQ(error_of(dir / "d", dir / "e.json"), audio::Exit::usage);
  GoldenOptions o;
  o.tolerances_file = dir / "none.json";
  EXPECT_EQ(error_of(dir / "e.json", dir / "e.json", o), audio::Exit::no_input);
}

class GoldenTree : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string root : {"expected", "actual"}) {
      write(dir / (root + "/truth.json"), R"({"bpm": 128.0, "beats": [0.0, 0.5], "v": "1"})");
      write(dir / (root + "/notes.txt"), "same text\n");
      write_audio(dir / (root + "/sub/tone.flac"), synth::sine(440, 0.2, 22050, 1, 0.5));
    }
  }
  std::string e() const { return dir / "expected"; }
  std::string a() const { return dir / "actual"; }
  testutil::TempDir dir;
};

TEST_F(GoldenTree, IdenticalTreesPass) {
  auto r = audio::golden_diff(e(), a(), {});
  EXPECT_TRUE(r.directory);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0].name, "notes.txt");  // sorted by relative path
  EXPECT_EQ(r.files[1].name, "sub/tone.flac");
  EXPECT_EQ(r.files[2].name, "truth.json");
  for (const auto& f : r.files) EXPECT_EQ(f.status, FileStatus::same) << f.name;
  EXPECT_EQ(r.exit_code(), audio::Exit::ok);
  // A trailing slash on the roots changes nothing.
  auto slash = audio::golden_diff(e() + "/", a() + "/", {});
  EXPECT_EQ(slash.files[1].name, "sub/tone.flac");
  EXPECT_EQ(slash.exit_code(), audio::Exit::ok);
}

TEST_F(GoldenTree, MissingAndExtraFilesAreRegressions) {
  fs::remove(a() + "/notes.txt");
  write(a() + "/sub/new.json", "{}");
  auto r = audio::golden_diff(e(), a(), {});
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(file(r, "notes.txt").status, FileStatus::regression);
  EXPECT_EQ(file(r, "notes.txt").presence, "missing");
  EXPECT_EQ(file(r, "sub/new.json").presence, "extra");
  EXPECT_EQ(file(r, "truth.json").status, FileStatus::same);
  EXPECT_EQ(r.exit_code(), audio::Exit::negative);
}

TEST_F(GoldenTree, TolerancesFilesApplyNearestFirstAndAreNotCompared) {
  write(a() + "/truth.json", R"({"bpm": 128.02, "beats": [0.0, 0.503], "v": "2"})");
  write(a() + "/notes.txt", "other text\n");
  write(e() + "/tolerances.json",
        R"({"/bpm": 0.05, "/beats/*": 0.001, "/v": "ignore", "notes.txt": "ignore"})");
  auto strict_beats = audio::golden_diff(e(), a(), {});
  EXPECT_EQ(strict_beats.files.size(), 3u);  // tolerances.json itself is not a compared file
  EXPECT_EQ(file(strict_beats, "notes.txt").status, FileStatus::ignored);
  const auto& t = file(strict_beats, "truth.json");
  ASSERT_EQ(t.status, FileStatus::regression);
  ASSERT_EQ(t.json->differences, 1u);
  EXPECT_EQ(t.json->details[0].path, "/beats/1");

  // The ACTUAL tree's tolerances.json is neither compared nor an extra file.
  write(a() + "/tolerances.json", "{}");
  // A --tolerances file is consulted before the tolerances.json files.
  write(dir / "cli.json", R"({"/beats/*": 0.005})");
  GoldenOptions o;
  o.tolerances_file = dir / "cli.json";
  auto loose = audio::golden_diff(e(), a(), o);
  EXPECT_EQ(loose.files.size(), 3u);
  EXPECT_EQ(file(loose, "truth.json").status, FileStatus::within_tolerance);
  EXPECT_EQ(loose.exit_code(), audio::Exit::ok);
}

TEST_F(GoldenTree, SubdirectoryTolerancesSetAudioThresholds) {
  // 0.2 s of a 0.5 sine against the same at 0.4999: SNR about 74 dB.
  write_audio(a() + "/sub/tone.flac", synth::sine(440, 0.2, 22050, 1, 0.4999));
  auto strict = audio::golden_diff(e(), a(), {});
  EXPECT_EQ(file(strict, "sub/tone.flac").status, FileStatus::regression);
  write(e() + "/tolerances.json", R"({"*.flac": {"min_snr": 100}})");
  write(e() + "/sub/tolerances.json", R"({"tone.flac": {"min_snr": 60}})");
  auto loose = audio::golden_diff(e(), a(), {});
  const auto& f = file(loose, "sub/tone.flac");
  EXPECT_EQ(f.status, FileStatus::within_tolerance) << f.audio->snr_db;
  EXPECT_GT(f.audio->snr_db, 60.0);
  EXPECT_LT(f.audio->snr_db, 90.0);
}

TEST_F(GoldenTree, ACorruptFileDoesNotStopTheOthers) {
  write(a() + "/sub/tone.flac", "garbage");
  write(a() + "/notes.txt", "changed\n");
  GoldenOptions o;
  o.jobs = 2;
  auto r = audio::golden_diff(e(), a(), o);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(file(r, "sub/tone.flac").status, FileStatus::error);
  EXPECT_EQ(file(r, "sub/tone.flac").error_code, audio::Exit::data);
  EXPECT_EQ(file(r, "notes.txt").status, FileStatus::regression);
  EXPECT_EQ(file(r, "truth.json").status, FileStatus::same);
  EXPECT_EQ(r.exit_code(), audio::Exit::data);
}

TEST_F(GoldenTree, BadTolerancesFileIsADataError) {
  write(e() + "/sub/tolerances.json", R"({"/x": "sometimes"})");
  EXPECT_EQ(error_of(e(), a()), audio::Exit::data);
}

}  // namespace
