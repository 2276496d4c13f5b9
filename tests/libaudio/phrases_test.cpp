#include "libaudio/phrases.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "structure_fixtures.hpp"

namespace {

using namespace structure_fixtures;

// Every true section start (after the first) has a phrase start within one beat, every
// phrase start one of them, and each true section's middle lies in a phrase of its label.
void expect_structure(const synth::TrackSpec& s, const audio::Phrases& p) {
  const double beat = 60.0 / s.bpm;
  const std::vector<double> starts = section_starts(s);
  ASSERT_EQ(p.phrases.size(), s.sections.size());
  for (std::size_t i = 0; i < starts.size(); ++i) {
    EXPECT_NEAR(p.phrases[i].start, starts[i], beat) << i;
    EXPECT_EQ(p.phrases[i].label, s.sections[i].label) << i;
    if (i + 1 < starts.size()) {
      EXPECT_EQ(p.phrases[i].bars, s.sections[i].bars) << i;
    }
    EXPECT_GT(p.phrases[i].confidence, 0.0) << i;
    EXPECT_LE(p.phrases[i].confidence, 1.0) << i;
  }
  for (std::size_t i = 1; i < p.phrases.size(); ++i)
    EXPECT_DOUBLE_EQ(p.phrases[i].start, p.phrases[i - 1].end);
}

TEST(Phrases, LeadInBuildAndTwoDropsOn16BarPhrases) {
  const synth::TrackSpec s =
      spec("intro:16,build:8,drop:16,breakdown:8,drop:16,outro:16", 140, 2.0);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  expect_structure(s, a.phrases);
  EXPECT_EQ(a.phrases.phrase_bars, 8) << audio::phrases_json(a.phrases).dump();
}

TEST(Phrases, TwoDropsAroundABreakdown) {
  const synth::TrackSpec s = spec("intro:4,drop:8,breakdown:4,drop:8,outro:4", 126);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  expect_structure(s, a.phrases);
  int drops = 0;
  for (const audio::Phrase& p : a.phrases.phrases) drops += p.label == "drop";
  EXPECT_EQ(drops, 2);
}

TEST(Phrases, OddLengthSectionsStillSplitWhereTheMusicChanges) {
  const synth::TrackSpec s = spec("intro:2,drop:8,outro:2", 132, 0.5);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  expect_structure(s, a.phrases);
}

TEST(Phrases, WithoutDrumsThereIsNoDrop) {
  // Chords and lead only, then the same with a modulation: no kick, no bass.
  const synth::TrackSpec s = spec("bridge:8,bridge:8:Em", 120);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  ASSERT_FALSE(a.phrases.phrases.empty());
  for (const audio::Phrase& p : a.phrases.phrases) {
    EXPECT_NE(p.label, "drop");
    EXPECT_NE(p.label, "build");
  }
}

TEST(Phrases, BeatlessInputUsesFixedWindowsAndShortInputIsHandled) {
  const synth::Audio pad = synth::pad(synth::parse_key("Am"), 20, rhythm_fixtures::kRate);
  const Analysis a = analyse(pad.samples);
  EXPECT_EQ(a.phrases.grid, "fixed");
  ASSERT_FALSE(a.phrases.phrases.empty());
  EXPECT_TRUE(audio::phrases_json(a.phrases)["phrases"][0]["bars"].is_null());
  // Without a beat there is no groove: no drop, build or verse, whatever the level does.
  for (const audio::Phrase& p : a.phrases.phrases) {
    EXPECT_NE(p.label, "drop");
    EXPECT_NE(p.label, "build");
    EXPECT_NE(p.label, "verse");
  }
  // A steady tone is one section.
  const synth::Audio tone = synth::sine(440, 6, rhythm_fixtures::kRate);
  const Analysis t = analyse(tone.samples);
  ASSERT_EQ(t.phrases.phrases.size(), 1u);
  EXPECT_EQ(t.phrases.phrases[0].label, "breakdown");

  for (double seconds : {0.0, 0.3}) {
    const synth::Audio c = synth::clicks(128, seconds, rhythm_fixtures::kRate, 0.1);
    const Analysis b = analyse(c.samples);
    EXPECT_LE(b.phrases.phrases.size(), 1u) << seconds;
    EXPECT_TRUE(audio::phrases_json(b.phrases)["phrases"].is_array());
  }
}

TEST(Phrases, JsonIsDeterministic) {
  const std::vector<float> x = rhythm_fixtures::track(spec("intro:4,drop:8,outro:4", 150));
  const std::string a = audio::phrases_json(analyse(x).phrases).dump();
  EXPECT_EQ(a, audio::phrases_json(analyse(x).phrases).dump());
  const audio::Json j = audio::Json::parse(a);
  EXPECT_EQ(j["grid"], "downbeats");
  ASSERT_EQ(j["phrases"].size(), 3u);
  EXPECT_EQ(j["phrases"][1]["label"], "drop");
  EXPECT_EQ(j["phrases"][1]["bars"], 8);
}

}  // namespace
