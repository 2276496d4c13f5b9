#include "libaudio/rhythm.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace {

using namespace rhythm_fixtures;

TEST(Rhythm, JsonIsCompleteAndByteIdenticalAcrossRunsAndChunkings) {
  synth::TrackSpec spec;
  spec.bpm = 174;
  spec.groove = synth::Groove::breakbeat;
  spec.key = synth::parse_key("F#m");
  spec.lead_in = 1.0;
  spec.sections = synth::parse_sections("intro:2,drop:8,breakdown:2,drop:4");
  const std::vector<float> x = track(spec);
  const audio::OnsetFeatures whole = features(x);
  audio::OnsetStream stream;
  for (std::size_t i = 0; i < x.size(); i += 4093)
    stream.push(x.data() + i, std::min<std::size_t>(4093, x.size() - i));
  const audio::OnsetFeatures chunked = stream.finish();

  const std::string a = audio::rhythm_json(audio::analyze_rhythm(whole)).dump();
  const std::string b = audio::rhythm_json(audio::analyze_rhythm(whole)).dump();
  const std::string c = audio::rhythm_json(audio::analyze_rhythm(chunked)).dump();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);

  const audio::Json j = audio::Json::parse(a);
  EXPECT_NEAR(j["bpm"].get<double>(), 174.0, 0.05);
  EXPECT_TRUE(j["bpm_reason"].is_null());
  EXPECT_GT(j["bpm_confidence"].get<double>(), 0.0);
  EXPECT_TRUE(j["beat_grid"]["constant"].get<bool>());
  EXPECT_NEAR(j["beat_grid"]["period"].get<double>(), 60 / 174.0, 1e-4);
  EXPECT_EQ(j["tempo_segments"].size(), 1u);
  EXPECT_EQ(j["meter"].get<int>(), 4);
  const auto beats = j["beats"].get<std::vector<double>>();
  const auto bars = j["downbeats"].get<std::vector<double>>();
  ASSERT_GE(beats.size(), 16u * 4);
  EXPECT_NEAR(beats.front(), 1.0, 0.035);
  EXPECT_NEAR(bars.front(), 1.0, 0.035);
  EXPECT_NEAR(bars[1] - bars[0], 4 * 60 / 174.0, 0.002);
  EXPECT_TRUE(j["downbeat_reason"].is_null());
}

TEST(Rhythm, BeatlessJsonSaysNullAndWhy) {
  const synth::Audio talk = synth::babble(30, kRate, 9);
  const audio::Json j = audio::rhythm_json(audio::analyze_rhythm(features(talk.samples)));
  EXPECT_TRUE(j["bpm"].is_null());
  EXPECT_EQ(j["bpm_reason"].get<std::string>(), "no periodic pulse");
  EXPECT_EQ(j["bpm_confidence"].get<double>(), 0.0);
  EXPECT_TRUE(j["beat_grid"].is_null());
  EXPECT_TRUE(j["beats"].empty());
  EXPECT_TRUE(j["downbeats"].is_null());
  EXPECT_TRUE(j["meter"].is_null());
  EXPECT_EQ(j["downbeat_reason"].get<std::string>(), "no beat grid");
}

}  // namespace

namespace {

TEST(Rhythm, ShortAndEmptyInputsAreHandled) {
  for (double seconds : {0.0, 0.01, 0.5, 2.0, 5.0}) {
    const synth::Audio c = synth::clicks(128, seconds, rhythm_fixtures::kRate, 0.1);
    const audio::Rhythm r = audio::analyze_rhythm(rhythm_fixtures::features(c.samples));
    const audio::Json j = audio::rhythm_json(r);
    if (seconds < 1) {
      EXPECT_TRUE(j["bpm"].is_null()) << seconds;
      EXPECT_FALSE(j["bpm_reason"].is_null()) << seconds;
    }
    if (r.grid.found) {
      EXPECT_GE(r.grid.beats.size(), 4u);
      for (std::size_t i = 1; i < r.grid.beats.size(); ++i)
        EXPECT_GT(r.grid.beats[i], r.grid.beats[i - 1]);
    }
    EXPECT_TRUE(j["downbeats"].is_null()) << seconds;  // under 4 bars
  }
}

}  // namespace
