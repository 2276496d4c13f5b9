#include "libaudio/golden_report.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace {

using audio::FileKind;
using audio::FileResult;
using audio::FileStatus;
using audio::GoldenReport;

FileResult json_regression(std::size_t n) {
  FileResult f;
  f.name = "beats.json";
  f.kind = FileKind::json;
  f.status = FileStatus::regression;
  audio::JsonComparison c;
  c.differences = n;
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 10); ++i) {
    audio::JsonDifference d;
    d.path = "/beats/" + std::to_string(i);
    d.expected = 1.0;
    d.actual = 2.0;
    d.diff = 1.0;
    d.tolerance = 0.005;
    c.details.push_back(d);
  }
  f.json = c;
  return f;
}

GoldenReport sample() {
  GoldenReport r;
  r.expected = "expected";
  r.actual = "out";
  r.directory = true;
  FileResult same;
  same.name = "a.json";
  same.kind = FileKind::json;
  r.files.push_back(same);
  FileResult audio_ok;
  audio_ok.name = "mix.flac";
  audio_ok.kind = FileKind::audio;
  audio_ok.status = FileStatus::within_tolerance;
  audio::AudioComparison a;
  a.compared = true;
  a.snr_db = 97.34;
  a.mse = 1.25e-10;
  a.expected_frames = a.actual_frames = 100;
  audio_ok.audio = a;
  r.files.push_back(audio_ok);
  r.files.push_back(json_regression(14));
  FileResult missing;
  missing.name = "sub/gone.wav";
  missing.status = FileStatus::regression;
  missing.presence = "missing";
  r.files.push_back(missing);
  return r;
}

TEST(GoldenReport, TextReportHasOneLinePerFileCappedDetailsAndASummary) {
  std::ostringstream out;
  audio::write_text_report(out, sample(), 3, false);
  EXPECT_EQ(out.str(),
            "a.json: same\n"
            "mix.flac: within tolerance (SNR 97.3 dB, MSE 1.25e-10)\n"
            "beats.json: REGRESSION\n"
            "  /beats/0: expected 1.0, actual 2.0 (|diff| 1 > tolerance 0.005)\n"
            "  /beats/1: expected 1.0, actual 2.0 (|diff| 1 > tolerance 0.005)\n"
            "  /beats/2: expected 1.0, actual 2.0 (|diff| 1 > tolerance 0.005)\n"
            "  ... and 11 more\n"
            "sub/gone.wav: REGRESSION\n"
            "  missing: in EXPECTED but not in ACTUAL\n"
            "4 files: 1 same, 1 within tolerance, 2 regressed, 0 errors\n");
}

TEST(GoldenReport, ProblemsOnly) {
  std::ostringstream out;
  audio::write_text_report(out, sample(), 1, true);
  EXPECT_EQ(out.str(),
            "beats.json: REGRESSION\n"
            "  /beats/0: expected 1.0, actual 2.0 (|diff| 1 > tolerance 0.005)\n"
            "  ... and 13 more\n"
            "sub/gone.wav: REGRESSION\n"
            "  missing: in EXPECTED but not in ACTUAL\n");
}

TEST(GoldenReport, ExitCodePrefersErrorsOverRegressions) {
  GoldenReport r = sample();
  EXPECT_EQ(r.exit_code(), audio::Exit::negative);
  FileResult bad;
  bad.name = "x.flac";
  bad.status = FileStatus::error;
  bad.error_code = audio::Exit::data;
  bad.error = "out/x.flac: not a media file";
  r.files.push_back(bad);
  EXPECT_EQ(r.exit_code(), audio::Exit::data);
  GoldenReport ok;
  ok.files.push_back(FileResult{});
  FileResult ignored;
  ignored.status = FileStatus::ignored;
  ok.files.push_back(ignored);
  EXPECT_EQ(ok.exit_code(), audio::Exit::ok);
  EXPECT_EQ(GoldenReport{}.exit_code(), audio::Exit::ok);
}

TEST(GoldenReport, JsonReport) {
  GoldenReport r = sample();
  r.files[1].audio->snr_db = std::numeric_limits<double>::infinity();
  const audio::Json j = audio::json_report(r);
  EXPECT_EQ(j.begin().key(), "schema");
  EXPECT_EQ(j["schema"], "golden.diff/1");
  EXPECT_EQ(j["mode"], "directory");
  EXPECT_EQ(j["result"], "regression");
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_EQ(j["counts"]["files"], 4);
  EXPECT_EQ(j["counts"]["regression"], 2);
  ASSERT_EQ(j["files"].size(), 4u);
  EXPECT_EQ(j["files"][0]["status"], "same");
  EXPECT_EQ(j["files"][1]["audio"]["snr_db"], "inf");
  EXPECT_EQ(j["files"][2]["json"]["differences"], 14);
  EXPECT_EQ(j["files"][2]["json"]["details"].size(), 10u);
  EXPECT_EQ(j["files"][2]["json"]["details"][0]["path"], "/beats/0");
  EXPECT_EQ(j["files"][2]["json"]["details"][0]["tolerance"], 0.005);
  EXPECT_EQ(j["files"][3]["presence"], "missing");
  EXPECT_TRUE(j["files"][3]["kind"].is_null());
}

}  // namespace
