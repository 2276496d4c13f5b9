#include "libaudio/tolerances.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::FieldRule;
using audio::Json;
using audio::Tolerances;

using Path = std::vector<std::string>;

Tolerances parse(const char* text) {
  return Tolerances::parse(Json::parse(text), "tol.json");
}

// "none", "ignore" or the tolerance as text, for compact expectations.
std::string rule_of(const Tolerances& t, const Path& path, const std::string& file = "x.json") {
  auto r = t.field_rule(file, path);
  if (!r) return "none";
  if (r->kind == FieldRule::Kind::ignore) return "ignore";
  return std::to_string(r->tolerance).substr(0, 5);
}

audio::Exit parse_error(const char* text) {
  return testutil::exit_code_of([&] { parse(text); });
}

TEST(Tolerances, TheDocumentedExample) {
  auto t =
      parse(R"({"/bpm": 0.01, "/beats/*": 0.005, "/toolkit": "ignore", "/input/path": "ignore"})");
  EXPECT_EQ(rule_of(t, {"bpm"}), "0.010");
  EXPECT_EQ(rule_of(t, {"beats", "12"}), "0.005");
  EXPECT_EQ(rule_of(t, {"beats"}), "none");  // the array itself
  EXPECT_EQ(rule_of(t, {"toolkit"}), "ignore");
  EXPECT_EQ(rule_of(t, {"toolkit", "version"}), "ignore");  // a rule covers its subtree
  EXPECT_EQ(rule_of(t, {"input", "path"}), "ignore");
  EXPECT_EQ(rule_of(t, {"input", "sha256"}), "none");
  EXPECT_EQ(rule_of(t, {"key"}), "none");
}

TEST(Tolerances, MostSpecificPatternWins) {
  auto t = parse(R"({"/beats/0": "ignore", "/beats/*": 0.005, "/*/*": 0.5, "/beats": 1})");
  EXPECT_EQ(rule_of(t, {"beats", "0"}), "ignore");  // literal beats wildcard
  EXPECT_EQ(rule_of(t, {"beats", "1"}), "0.005");   // wildcard segment beats a shorter one
  EXPECT_EQ(rule_of(t, {"downbeats", "1"}), "0.500");
  EXPECT_EQ(rule_of(t, {"beats"}), "1.000");
  EXPECT_EQ(rule_of(t, {"downbeats"}), "none");
}

TEST(Tolerances, WildcardsWithinASegment) {
  auto t = parse(R"({"/sect*/*/start": 0.002, "/cue?": "ignore"})");
  EXPECT_EQ(rule_of(t, {"sections", "3", "start"}), "0.002");
  EXPECT_EQ(rule_of(t, {"sections", "3", "end"}), "none");
  EXPECT_EQ(rule_of(t, {"cues"}), "ignore");
  EXPECT_EQ(rule_of(t, {"cue"}), "none");
}

TEST(Tolerances, FileScopedPointerPatterns) {
  auto t = parse(R"({"/x": 1, "peaks*.json#/x": 0.25, "sub/*.json#/y": "ignore"})");
  EXPECT_EQ(rule_of(t, {"x"}, "a.json"), "1.000");
  EXPECT_EQ(rule_of(t, {"x"}, "peaks-8k.json"), "0.250");    // scoped beats unscoped
  EXPECT_EQ(rule_of(t, {"x"}, "deep/peaks.json"), "0.250");  // base name, any depth
  EXPECT_EQ(rule_of(t, {"y"}, "sub/a.json"), "ignore");
  EXPECT_EQ(rule_of(t, {"y"}, "sub/deeper/a.json"), "none");
  EXPECT_EQ(rule_of(t, {"y"}, "a.json"), "none");
}

TEST(Tolerances, FileThresholds) {
  auto t = parse(R"({"*.flac": {"min_snr": 60, "max_length_diff": 2},
                     "mix.flac": {"min_snr": 80},
                     "*.log": "ignore",
                     "*.json": {"rel_tol": 1e-6, "abs_tol": 0.5},
                     "*.mp4": {"packets": false}})");
  auto mix = t.file_thresholds("out/mix.flac");
  EXPECT_FALSE(mix.ignore.value());
  EXPECT_EQ(mix.min_snr, 80.0);       // the pattern without wildcards wins
  EXPECT_EQ(mix.max_length_diff, 2);  // ... and the rest comes from the wider pattern
  EXPECT_FALSE(mix.max_mse.has_value());
  auto other = t.file_thresholds("stem.flac");
  EXPECT_EQ(other.min_snr, 60.0);
  EXPECT_TRUE(t.file_thresholds("run.log").ignore.value());
  EXPECT_EQ(t.file_thresholds("a.json").rel_tol, 1e-6);
  EXPECT_EQ(t.file_thresholds("a.json").abs_tol, 0.5);
  EXPECT_FALSE(t.file_thresholds("a.wav").ignore.has_value());
  EXPECT_EQ(t.file_thresholds("clip.mp4").packets, false);
  EXPECT_FALSE(t.file_thresholds("a.json").packets.has_value());
}

TEST(Tolerances, MalformedFilesAreDataErrors) {
  EXPECT_EQ(parse_error(R"([1, 2])"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"/bpm": -1})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"/bpm": "loose"})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"/bpm": null})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"*.wav": 0.5})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"*.wav": {"min_snr_db": 60}})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"*.wav": {"max_length_diff": 1.5}})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"": 1})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"*.mp4": {"packets": "no"}})"), audio::Exit::data);
  EXPECT_EQ(parse_error(R"({"/ok": 0, "*.wav": {"min_snr": -10}})"), audio::Exit::ok);
}

TEST(Tolerances, LoadReportsMissingAndCorruptFiles) {
  testutil::TempDir dir;
  try {
    Tolerances::load(dir / "none.json");
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
  }
  std::ofstream(dir / "bad.json") << "{\"/bpm\": ";
  try {
    Tolerances::load(dir / "bad.json");
    FAIL();
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_EQ(e.subject(), dir / "bad.json");
  }
}

TEST(Tolerances, GlobMatching) {
  EXPECT_TRUE(audio::glob_match("*.flac", "a.flac"));
  EXPECT_FALSE(audio::glob_match("*.flac", "sub/a.flac"));
  EXPECT_TRUE(audio::glob_match("sub/*.flac", "sub/a.flac"));
  EXPECT_FALSE(audio::glob_match("sub/*", "sub/x/a.flac"));
  EXPECT_TRUE(audio::glob_match("a?c", "abc"));
  EXPECT_FALSE(audio::glob_match("a?c", "a/c"));
  EXPECT_TRUE(audio::glob_match("*x*y*", "__x__y__"));
  EXPECT_FALSE(audio::glob_match("*x*y*", "__y__x__"));
  EXPECT_TRUE(audio::file_pattern_match("*.flac", "sub/a.flac"));
  EXPECT_TRUE(audio::file_pattern_match("a.flac", "sub/deep/a.flac"));
  EXPECT_FALSE(audio::file_pattern_match("sub/a.flac", "other/sub/a.flac"));
}

TEST(ToleranceStack, NearestFileDecidesThenFallsBack) {
  auto cli = parse(R"({"/bpm": 0.5})");
  auto near = parse(R"({"/beats/*": "ignore", "*.flac": {"min_snr": 70}})");
  auto root = parse(R"({"/bpm": 0.01, "/beats/*": 0.1, "/key": "ignore",
                        "sub/*.flac": {"min_snr": 50, "max_mse": 0.001}})");
  audio::ToleranceStack s;
  s.push(&cli, "sub/a.flac");
  s.push(&near, "a.flac");
  s.push(&root, "sub/a.flac");
  s.push(nullptr, "ignored");
  EXPECT_EQ(s.field_rule({"bpm"})->tolerance, 0.5);
  EXPECT_EQ(s.field_rule({"beats", "1"})->kind, FieldRule::Kind::ignore);
  EXPECT_EQ(s.field_rule({"key"})->kind, FieldRule::Kind::ignore);
  EXPECT_FALSE(s.field_rule({"sections"}).has_value());
  auto t = s.file_thresholds();
  EXPECT_EQ(t.min_snr, 70.0);
  EXPECT_EQ(t.max_mse, 0.001);
}

}  // namespace
