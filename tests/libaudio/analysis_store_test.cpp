#include "libaudio/analysis_store.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::string write_clicks(const testutil::TempDir& dir, const std::string& name) {
  const synth::Audio a = synth::clicks(120, 8.0);
  const std::string path = dir / name;
  audio::SoundWriter w(path, a.rate, a.channels, audio::SampleFormat::pcm16,
                       audio::container_for_path(path));
  w.write(a.samples.data(), a.frames());
  w.commit();
  return path;
}

TEST(AnalysisStore, EntryPathIsContentVersionAndOptions) {
  testutil::TempDir dir;
  audio::AnalysisStore store(dir / "s");
  const std::string sha(64, 'a');
  const audio::Json options = audio::analysis_options_json({});
  const std::string p = store.entry_path(sha, options);
  EXPECT_EQ(p, dir / "s" + "/analysis/aa/" + std::string(62, 'a') + "-v" +
                   std::to_string(audio::kAnalysisVersion) + "-" + audio::options_digest(options) +
                   ".json");
  EXPECT_EQ(audio::options_digest(options).size(), 16u);
  audio::AnalysisOptions other;
  other.tempo.max_bpm = 200;
  EXPECT_NE(p, store.entry_path(sha, audio::analysis_options_json(other)));
  EXPECT_THROW(store.entry_path("../etc", options), audio::Error);
}

TEST(AnalysisStore, SecondRunComesFromTheStoreUnderTheNewPath) {
  testutil::TempDir dir;
  const std::string a = write_clicks(dir, "a.wav");
  std::filesystem::copy_file(a, dir / "b.wav");
  audio::AnalysisStore store(dir / "s");
  const audio::AnalysisOptions o;
  const audio::AnalysisOutcome first = audio::analyze_with_store(a, o, &store, false);
  ASSERT_FALSE(first.error);
  EXPECT_FALSE(first.from_store);
  const audio::AnalysisOutcome again = audio::analyze_with_store(a, o, &store, false);
  EXPECT_TRUE(again.from_store);
  EXPECT_EQ(again.doc.dump(), first.doc.dump());
  // The same content under another name: reused, and reported under that name.
  const audio::AnalysisOutcome copy = audio::analyze_with_store(dir / "b.wav", o, &store, false);
  EXPECT_TRUE(copy.from_store);
  EXPECT_EQ(copy.doc["input"]["path"], dir / "b.wav");
  EXPECT_EQ(copy.doc.dump(), audio::analyze_file(dir / "b.wav").dump());
  // refresh analyses again.
  EXPECT_FALSE(audio::analyze_with_store(a, o, &store, true).from_store);
  // Other options are another entry.
  audio::AnalysisOptions wide;
  audio::parse_bpm_range("60-200", wide.tempo);
  const audio::AnalysisOutcome w = audio::analyze_with_store(a, wide, &store, false);
  EXPECT_FALSE(w.from_store);
  EXPECT_EQ(w.doc["options"]["bpm_range"], audio::Json::parse("[60.0,200.0]"));
}

TEST(AnalysisStore, ABrokenOrForeignEntryIsAMissAndIsReplaced) {
  testutil::TempDir dir;
  const std::string a = write_clicks(dir, "a.wav");
  audio::AnalysisStore store(dir / "s");
  const audio::AnalysisOptions o;
  const audio::AnalysisOutcome first = audio::analyze_with_store(a, o, &store, false);
  const std::string sha = first.doc["input"]["sha256"];
  const audio::Json options = audio::analysis_options_json(o);
  const std::string entry = store.entry_path(sha, options);
  ASSERT_TRUE(std::filesystem::exists(entry));

  std::ofstream(entry, std::ios::trunc).close();  // torn by a power loss
  EXPECT_FALSE(store.load(sha, options));
  EXPECT_FALSE(audio::analyze_with_store(a, o, &store, false).from_store);
  EXPECT_TRUE(store.load(sha, options));  // replaced

  audio::Json foreign = first.doc;
  foreign["analysis_version"] = audio::kAnalysisVersion + 1;
  std::ofstream(entry, std::ios::trunc) << foreign.dump() << "\n";
  EXPECT_FALSE(store.load(sha, options));
  foreign = first.doc;
  foreign["input"]["sha256"] = std::string(64, '0');
  std::ofstream(entry, std::ios::trunc) << foreign.dump() << "\n";
  EXPECT_FALSE(store.load(sha, options));
}

TEST(AnalysisStore, FailuresComeBackAsErrorsNamingThePath) {
  testutil::TempDir dir;
  audio::AnalysisStore store(dir / "s");
  const audio::AnalysisOutcome r =
      audio::analyze_with_store(dir / "missing.wav", {}, &store, false);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), audio::Exit::no_input);
  EXPECT_EQ(r.error->subject(), dir / "missing.wav");
}

TEST(AnalysisStore, UnwritableStoreIsCantCreate) {
  testutil::TempDir dir;
  std::ofstream(dir / "file") << "x";
  try {
    audio::AnalysisStore store(dir / "file");
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::cant_create);
  }
}

}  // namespace
