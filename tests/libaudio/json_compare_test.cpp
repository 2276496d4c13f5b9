#include "libaudio/json_compare.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "test_util.hpp"

namespace {

using audio::compare_json;
using audio::FieldRule;
using audio::Json;
using audio::JsonCompareOptions;
using audio::JsonDifference;
using Kind = JsonDifference::Kind;

Json parse(const char* text) {
  return Json::parse(text);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(JsonCompare, IdenticalDocumentsAreIdentical) {
  const Json doc = parse(R"({"a": 1, "b": [1.5, "x", null, true], "c": {"d": {}}})");
  auto r = compare_json(doc, doc, {});
  EXPECT_TRUE(r.identical());
  EXPECT_EQ(r.differences, 0u);
}

TEST(JsonCompare, IntegerAndFloatCompareByValue) {
  auto r = compare_json(parse(R"({"n": 1})"), parse(R"({"n": 1.0})"), {});
  EXPECT_TRUE(r.identical());
}

TEST(JsonCompare, NumbersWithinTheAbsoluteToleranceAreEqual) {
  JsonCompareOptions o;  // abs_tol 1e-9
  auto within = compare_json(parse(R"({"x": 0.5})"), parse(R"({"x": 0.5000000001})"), o);
  EXPECT_TRUE(within.equal());
  EXPECT_FALSE(within.identical());
  EXPECT_EQ(within.numbers_within, 1u);
  EXPECT_EQ(within.max_within_path, "/x");
  EXPECT_NEAR(within.max_within_diff, 1e-10, 1e-15);

  auto beyond = compare_json(parse(R"({"x": 0.5})"), parse(R"({"x": 0.50001})"), o);
  ASSERT_EQ(beyond.differences, 1u);
  const JsonDifference& d = beyond.details[0];
  EXPECT_EQ(d.kind, Kind::value);
  EXPECT_EQ(d.path, "/x");
  EXPECT_EQ(d.expected, 0.5);
  EXPECT_EQ(d.actual, 0.50001);
  EXPECT_NEAR(d.diff, 1e-5, 1e-12);
  EXPECT_DOUBLE_EQ(d.tolerance, 1e-9);

  o.abs_tol = 1e-4;
  EXPECT_TRUE(compare_json(parse(R"({"x": 0.5})"), parse(R"({"x": 0.50001})"), o).equal());
}

TEST(JsonCompare, RelativeToleranceScalesWithTheExpectedValue) {
  JsonCompareOptions o;
  o.rel_tol = 1e-3;
  EXPECT_TRUE(compare_json(parse("[1000]"), parse("[1000.9]"), o).equal());
  auto r = compare_json(parse("[1000]"), parse("[1001.1]"), o);
  ASSERT_EQ(r.differences, 1u);
  EXPECT_EQ(r.details[0].path, "/0");
  EXPECT_DOUBLE_EQ(r.details[0].tolerance, 1.0);
  // The same absolute difference on a small value is far outside.
  EXPECT_FALSE(compare_json(parse("[1]"), parse("[1.9]"), o).equal());
}

TEST(JsonCompare, RuleGivesPerFieldToleranceAndIgnore) {
  JsonCompareOptions o;
  o.rule = [](const std::vector<std::string>& path) {
    FieldRule r;
    if (path.size() == 1 && path[0] == "bpm") {
      r.kind = FieldRule::Kind::tolerance;
      r.tolerance = 0.01;
    }
    if (!path.empty() && path[0] == "toolkit") r.kind = FieldRule::Kind::ignore;
    return r;
  };
  auto r = compare_json(parse(R"({"bpm": 128.0, "toolkit": "0.1.0", "key": "Am"})"),
                        parse(R"({"bpm": 128.009, "toolkit": "0.2.0", "key": "Am"})"), o);
  EXPECT_TRUE(r.equal());
  EXPECT_EQ(r.numbers_within, 1u);
  EXPECT_EQ(r.ignored, 1u);
  auto bad = compare_json(parse(R"({"bpm": 128.0})"), parse(R"({"bpm": 128.02})"), o);
  ASSERT_EQ(bad.differences, 1u);
  EXPECT_DOUBLE_EQ(bad.details[0].tolerance, 0.01);
  // An ignored key may also be missing or extra.
  EXPECT_TRUE(compare_json(parse(R"({"toolkit": 1})"), parse(R"({})"), o).equal());
  EXPECT_TRUE(compare_json(parse(R"({})"), parse(R"({"toolkit": 1})"), o).equal());
}

TEST(JsonCompare, MissingExtraAndTypeChangesAreDifferences) {
  auto r = compare_json(parse(R"({"a": 1, "b": "2", "c": [1]})"),
                        parse(R"({"b": 2, "c": [1], "d": null})"), {});
  ASSERT_EQ(r.differences, 3u);
  EXPECT_EQ(r.details[0].kind, Kind::missing);
  EXPECT_EQ(r.details[0].path, "/a");
  EXPECT_EQ(r.details[0].expected, 1);
  EXPECT_EQ(r.details[1].kind, Kind::type);
  EXPECT_EQ(r.details[1].path, "/b");
  EXPECT_EQ(r.details[2].kind, Kind::extra);
  EXPECT_EQ(r.details[2].path, "/d");
  EXPECT_EQ(r.details[1].describe(), R"(/b: type changed: expected string "2", actual number 2)");
  EXPECT_EQ(r.details[0].describe(), "/a: missing (expected 1)");
  EXPECT_EQ(r.details[2].describe(), "/d: extra (actual null)");
}

TEST(JsonCompare, ArrayLengthChangeIsReportedAndTheCommonPartCompared) {
  auto r = compare_json(parse(R"({"beats": [0, 0.5, 1.0]})"),
                        parse(R"({"beats": [0, 0.6, 1.0, 1.5]})"), {});
  ASSERT_EQ(r.differences, 2u);
  EXPECT_EQ(r.details[0].kind, Kind::length);
  EXPECT_EQ(r.details[0].path, "/beats");
  EXPECT_EQ(r.details[0].describe(), "/beats: array length: expected 3, actual 4");
  EXPECT_EQ(r.details[1].path, "/beats/1");
  EXPECT_EQ(r.details[1].describe(),
            "/beats/1: expected 0.5, actual 0.6 (|diff| 0.1 > tolerance 1e-09)");
}

TEST(JsonCompare, KeyOrderIsIgnoredUnlessStrict) {
  const Json e = parse(R"({"a": 1, "b": {"x": 1, "y": 2}})");
  const Json a = parse(R"({"b": {"y": 2, "x": 1}, "a": 1})");
  EXPECT_TRUE(compare_json(e, a, {}).identical());
  JsonCompareOptions o;
  o.strict_order = true;
  auto r = compare_json(e, a, o);
  ASSERT_EQ(r.differences, 2u);
  EXPECT_EQ(r.details[0].kind, Kind::order);
  EXPECT_EQ(r.details[0].path, "/b");
  EXPECT_EQ(r.details[1].kind, Kind::order);
  EXPECT_EQ(r.details[1].path, "");
  EXPECT_EQ(r.details[1].describe(), R"((root): key order: expected ["a","b"], actual ["b","a"])");
  EXPECT_TRUE(compare_json(e, e, o).identical());
}

TEST(JsonCompare, PathsAreEscapedJsonPointers) {
  auto r = compare_json(parse(R"({"a/b": {"c~d": 1}})"), parse(R"({"a/b": {"c~d": 2}})"), {});
  ASSERT_EQ(r.differences, 1u);
  EXPECT_EQ(r.details[0].path, "/a~1b/c~0d");
  EXPECT_EQ(audio::split_json_pointer("/a~1b/c~0d"), (std::vector<std::string>{"a/b", "c~d"}));
  EXPECT_EQ(audio::json_pointer({"a/b", "c~d"}), "/a~1b/c~0d");
  EXPECT_TRUE(audio::split_json_pointer("").empty());
  EXPECT_EQ(audio::split_json_pointer("/"), (std::vector<std::string>{""}));
  EXPECT_THROW(audio::split_json_pointer("bpm"), audio::Error);
}

TEST(JsonCompare, DetailsAreCappedButAllCounted) {
  Json e = Json::array(), a = Json::array();
  for (int i = 0; i < 50; ++i) {
    e.push_back(i);
    a.push_back(i + 1);
  }
  JsonCompareOptions o;
  o.max_details = 10;
  auto r = compare_json(e, a, o);
  EXPECT_EQ(r.differences, 50u);
  EXPECT_EQ(r.details.size(), 10u);
  EXPECT_EQ(r.details[9].path, "/9");
}

TEST(JsonCompare, LargeObjectsCompareByKey) {
  // Keys k0..k99, the actual object in reverse order.
  auto key = [](int i) { return std::string(1, 'k').append(std::to_string(i)); };
  Json e = Json::object(), a = Json::object();
  for (int i = 0; i < 100; ++i) e[key(i)] = i;
  for (int i = 99; i >= 0; --i) a[key(i)] = i == 42 ? -1 : i;
  a["new"] = true;
  auto r = compare_json(e, a, {});
  ASSERT_EQ(r.differences, 2u);
  EXPECT_EQ(r.details[0].path, "/k42");
  EXPECT_EQ(r.details[1].path, "/new");
  EXPECT_EQ(r.details[1].kind, Kind::extra);
}

TEST(JsonLines, ComparedLineByLine) {
  testutil::TempDir dir;
  write(dir / "e.jsonl", "{\"t\": 0.5, \"n\": 1}\n{\"t\": 1.0}\n\n{\"t\": 1.5}\n");
  write(dir / "a.jsonl", "{\"n\": 1, \"t\": 0.5}\n{\"t\": 1.1}\n{\"t\": 1.5}\n");
  auto r = audio::compare_json_lines(dir / "e.jsonl", dir / "a.jsonl", {});
  EXPECT_EQ(r.lines, 3u);
  ASSERT_EQ(r.differences, 1u);
  EXPECT_EQ(r.details[0].line, 2);
  EXPECT_EQ(r.details[0].path, "/t");
  EXPECT_EQ(r.details[0].describe().rfind("line 2: /t: expected 1.0, actual 1.1", 0), 0u);

  write(dir / "same.jsonl", "{\"t\": 0.5, \"n\": 1}\n{\"t\": 1.0}\n{\"t\": 1.5}");
  EXPECT_TRUE(audio::compare_json_lines(dir / "e.jsonl", dir / "same.jsonl", {}).identical());
}

TEST(JsonLines, LineCountMustMatch) {
  testutil::TempDir dir;
  write(dir / "e.jsonl", "1\n2\n3\n");
  write(dir / "a.jsonl", "1\n2\n3\n4\n5\n");
  auto r = audio::compare_json_lines(dir / "e.jsonl", dir / "a.jsonl", {});
  ASSERT_EQ(r.differences, 1u);
  EXPECT_EQ(r.details[0].kind, Kind::lines);
  EXPECT_EQ(r.details[0].describe(), "line count: expected 3, actual 5");
  auto back = audio::compare_json_lines(dir / "a.jsonl", dir / "e.jsonl", {});
  ASSERT_EQ(back.differences, 1u);
  EXPECT_EQ(back.details[0].expected, 5);
}

TEST(JsonLines, InvalidLineIsADataErrorNamingFileAndLine) {
  testutil::TempDir dir;
  write(dir / "e.jsonl", "1\n2\n");
  write(dir / "a.jsonl", "1\n{oops\n");
  try {
    audio::compare_json_lines(dir / "e.jsonl", dir / "a.jsonl", {});
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_EQ(e.subject(), dir / "a.jsonl");
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
  // A corrupt line beyond the other file's end is still found.
  write(dir / "long.jsonl", "1\n2\n3\n[\n");
  EXPECT_THROW(audio::compare_json_lines(dir / "e.jsonl", dir / "long.jsonl", {}), audio::Error);
  try {
    audio::compare_json_lines(dir / "missing.jsonl", dir / "e.jsonl", {});
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::no_input);
  }
}

// nlohmann parses deep documents without recursion; the comparison must not recurse either.
std::string nested(int depth, const std::string& inner, bool spaced = false) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += spaced ? "[ " : "[";
  text += inner;
  for (int i = 0; i < depth; ++i) text += spaced ? " ]" : "]";
  return text;
}

TEST(JsonCompare, DeepNestingCostsNoStack) {
  const Json e = Json::parse(nested(50000, "1")), a = Json::parse(nested(50000, "2"));
  const auto r = compare_json(e, a, {});
  EXPECT_EQ(r.differences, 1u);
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_EQ(r.details[0].path.size(), 50000u * 2);  // "/0" fifty thousand times
  EXPECT_EQ(r.details[0].expected, 1);
  const auto same = compare_json(e, Json::parse(nested(50000, "1", true)), {});
  EXPECT_TRUE(same.identical());
}

TEST(JsonCompare, ADeepValueInAReportIsCutShort) {
  // Built by the parser: nlohmann's own copy would recurse.
  const Json e = Json::parse("{\"x\": " + nested(50000, "1") + "}");
  const auto r = compare_json(e, parse(R"({"x": 1})"), {});
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_EQ(r.details[0].kind, Kind::type);
  EXPECT_NE(r.details[0].describe().find("[[["), std::string::npos);  // printable, no crash
}

TEST(JsonLines, ADeepLineIsComparedToo) {
  testutil::TempDir dir;
  write(dir / "e.jsonl", "{}\n" + nested(60000, "1") + "\n");
  write(dir / "a.jsonl", "{}\n" + nested(60000, "1", true) + "\n");
  EXPECT_TRUE(audio::compare_json_lines(dir / "e.jsonl", dir / "a.jsonl", {}).equal());
}

TEST(JsonCompare, DifferencesKeepDocumentOrder) {
  const Json e = parse(R"({"a": [1, {"b": 1, "c": 2}], "d": 3, "z": 0})");
  const Json a = parse(R"({"a": [2, {"b": 2, "x": 0}], "d": 4, "y": 1})");
  const auto r = compare_json(e, a, {});
  std::vector<std::string> paths;
  for (const auto& d : r.details) paths.push_back(d.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"/a/0", "/a/1/b", "/a/1/c", "/a/1/x", "/d", "/z", "/y"}));
}

}  // namespace
