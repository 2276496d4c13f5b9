#include "libaudio/analysis.hpp"

#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/error.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/sound_writer.hpp"
#include "synth/synth.hpp"
#include "test_util.hpp"

namespace {

std::string write(const testutil::TempDir& dir, const std::string& name, const synth::Audio& a) {
  const std::string path = dir / name;
  audio::SoundWriter w(path, a.rate, a.channels, audio::SampleFormat::float32,
                       audio::container_for_path(path));
  w.write(a.samples.data(), a.frames());
  w.commit();
  return path;
}

synth::Audio track(double bpm, const std::string& key, int rate = 44100) {
  synth::TrackSpec spec;
  spec.bpm = bpm;
  spec.key = synth::parse_key(key);
  spec.sections = synth::parse_sections("intro:4,drop:8,breakdown:4,drop:8");
  spec.rate = rate;
  return synth::render_track(spec);
}

std::vector<std::string> keys(const audio::Json& doc) {
  std::vector<std::string> out;
  for (auto it = doc.begin(); it != doc.end(); ++it) out.push_back(it.key());
  return out;
}

TEST(Analysis, DocumentHasEveryFieldInOrder) {
  testutil::TempDir dir;
  const synth::Audio a = track(128, "Am");
  const std::string path = write(dir, "t.wav", a);
  const audio::Json doc = audio::analyze_file(path);
  const std::vector<std::string> expected{"schema",
                                          "toolkit_version",
                                          "analysis_version",
                                          "input",
                                          "duration",
                                          "sample_rate",
                                          "channels",
                                          "tags",
                                          "options",
                                          "bpm",
                                          "bpm_confidence",
                                          "bpm_reason",
                                          "bpm_alternatives",
                                          "beat_grid",
                                          "tempo_segments",
                                          "beats",
                                          "meter",
                                          "downbeats",
                                          "downbeat_confidence",
                                          "downbeat_reason",
                                          "key",
                                          "key_reason",
                                          "loudness",
                                          "energy",
                                          "phrases",
                                          "cues"};
  EXPECT_EQ(keys(doc), expected);
  EXPECT_EQ(doc["schema"], "djb.analysis/1");
  EXPECT_EQ(doc["analysis_version"], audio::kAnalysisVersion);
  EXPECT_EQ(doc["input"]["path"], path);
  EXPECT_EQ(doc["input"]["sha256"], audio::sha256_file(path).sha256);
  EXPECT_NEAR(doc["duration"].get<double>(), static_cast<double>(a.frames()) / a.rate, 1e-3);
  EXPECT_EQ(doc["sample_rate"], 44100);
  EXPECT_EQ(doc["channels"], 2);
  EXPECT_EQ(doc["options"], audio::Json::parse(R"({"bpm_range":[75.0,220.0],"bpm_prior":125.0})"));
  EXPECT_NEAR(doc["bpm"].get<double>(), 128.0, 0.05);
  EXPECT_EQ(doc["meter"], 4);
  EXPECT_EQ(doc["key"]["name"], "A minor");
  EXPECT_TRUE(doc["key_reason"].is_null());
  const std::vector<std::string> loudness{"integrated_lufs", "loudness_range_lu", "true_peak_dbtp",
                                          "sample_peak_dbfs"};
  EXPECT_EQ(keys(doc["loudness"]), loudness);
}

TEST(Analysis, LoudnessIsMeasuredOnTheNativeSignal) {
  // Stereo at 48 kHz: a meter on a mono or resampled copy would read differently.
  testutil::TempDir dir;
  const synth::Audio a = track(124, "C", 48000);
  const audio::Json doc = audio::analyze_file(write(dir, "t.wav", a));
  audio::LoudnessMeter meter(a.rate, a.channels);
  meter.add(a.samples.data(), a.frames());
  const audio::Json& l = doc["loudness"];
  EXPECT_NEAR(l["integrated_lufs"].get<double>(), meter.integrated(), 0.006);
  EXPECT_NEAR(l["loudness_range_lu"].get<double>(), meter.range(), 0.006);
  EXPECT_NEAR(l["true_peak_dbtp"].get<double>(), audio::to_db(meter.true_peak()), 0.006);
  EXPECT_NEAR(l["sample_peak_dbfs"].get<double>(), audio::to_db(meter.sample_peak()), 0.006);
  EXPECT_EQ(doc["sample_rate"], 48000);
  EXPECT_NEAR(doc["bpm"].get<double>(), 124.0, 0.05);
  EXPECT_EQ(doc["key"]["name"], "C major");
}

TEST(Analysis, ByteIdenticalAcrossRuns) {
  testutil::TempDir dir;
  const std::string path = write(dir, "t.wav", track(174, "F#m"));
  EXPECT_EQ(audio::analyze_file(path).dump(), audio::analyze_file(path).dump());
}

TEST(Analysis, BeatlessAndSilentInputHaveNullsWithReasons) {
  testutil::TempDir dir;
  const audio::Json tone = audio::analyze_file(write(dir, "tone.wav", synth::sine(440, 5.0)));
  EXPECT_TRUE(tone["bpm"].is_null());
  EXPECT_TRUE(tone["bpm_reason"].is_string());
  EXPECT_TRUE(tone["beats"].empty());
  EXPECT_TRUE(tone["loudness"]["integrated_lufs"].is_number());

  const audio::Json silence =
      audio::analyze_file(write(dir, "silence.wav", synth::sine(440, 3.0, 44100, 1, 0.0)));
  EXPECT_EQ(silence["bpm_reason"], "silence");
  EXPECT_TRUE(silence["key"].is_null());
  EXPECT_TRUE(silence["key_reason"].is_string());
  for (const char* k :
       {"integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs"}) {
    EXPECT_TRUE(silence["loudness"][k].is_null()) << k;
  }
}

TEST(Analysis, OptionsAreRecordedAndUsed) {
  testutil::TempDir dir;
  const std::string path = write(dir, "t.wav", track(128, "Am"));
  audio::AnalysisOptions o;
  audio::parse_bpm_range("40-90", o.tempo);
  audio::parse_bpm_prior("64", o);
  const audio::Json doc = audio::analyze_file(path, o);
  EXPECT_EQ(doc["options"]["bpm_range"], audio::Json::parse("[40.0,90.0]"));
  EXPECT_EQ(doc["options"]["bpm_prior"], 64.0);
  EXPECT_NEAR(doc["bpm"].get<double>(), 64.0, 0.05);
  EXPECT_THROW(audio::parse_bpm_prior("fast", o), audio::Error);
  EXPECT_THROW(audio::parse_bpm_prior("1000", o), audio::Error);
}

TEST(Analysis, TooLongInputIsRefused) {
  testutil::TempDir dir;
  const std::string path = write(dir, "t.wav", synth::sine(440, 3.0));
  audio::AnalysisOptions o;
  o.max_seconds = 1.0;
  try {
    audio::analyze_file(path, o);
    FAIL() << "no error";
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.code(), audio::Exit::data);
    EXPECT_EQ(e.subject(), path);
  }
}

audio::Exit error_code(const std::string& path) {
  try {
    audio::analyze_file(path);
  } catch (const audio::Error& e) {
    EXPECT_EQ(e.subject(), path);
    return e.code();
  }
  return audio::Exit::ok;
}

TEST(Analysis, BadInputIsAnErrorWithItsCode) {
  testutil::TempDir dir;
  EXPECT_EQ(error_code(dir / "missing.wav"), audio::Exit::no_input);
  EXPECT_EQ(error_code(dir.path().string()), audio::Exit::no_input);
  std::ofstream(dir / "empty.mp3").close();
  EXPECT_EQ(error_code(dir / "empty.mp3"), audio::Exit::data);
  std::ofstream(dir / "text.mp3") << "not audio at all, just some text\n";
  EXPECT_EQ(error_code(dir / "text.mp3"), audio::Exit::data);
}

}  // namespace

namespace {

TEST(Analysis, EnergyPhrasesAndCuesFollowTheBars) {
  testutil::TempDir dir;
  const audio::Json doc = audio::analyze_file(write(dir, "t.wav", track(126, "Dm")));
  const audio::Json& energy = doc["energy"];
  EXPECT_EQ(energy["grid"], "downbeats");
  EXPECT_EQ(energy["bars"].size(), doc["downbeats"].size());
  EXPECT_EQ(energy["bars"][0]["start"], doc["downbeats"][0]);
  EXPECT_GE(energy["level"].get<int>(), 1);
  EXPECT_LE(energy["level"].get<int>(), 10);
  std::string labels;
  for (const auto& p : doc["phrases"]["phrases"]) labels += p["label"].get<std::string>() + " ";
  EXPECT_EQ(labels, "intro drop breakdown drop ");
  std::string cues;
  for (const auto& c : doc["cues"]) cues += c["name"].get<std::string>() + " ";
  EXPECT_EQ(cues,
            "audible_start audible_end music_start mix_in intro_end first_drop outro_start "
            "mix_out ");
  // The first drop starts after 4 bars of intro (126 BPM: 7.62 s).
  EXPECT_NEAR(doc["cues"][5]["time"].get<double>(), 4 * 4 * 60 / 126.0, 0.05);
}

}  // namespace
