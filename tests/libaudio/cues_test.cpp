#include "libaudio/cues.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "structure_fixtures.hpp"

namespace {

using namespace structure_fixtures;

TEST(Cues, LeadInTrackWithTwoDrops) {
  const synth::TrackSpec s = spec("intro:8,drop:16,breakdown:8,drop:16,outro:8", 128, 2.0);
  const Analysis a = analyse(rhythm_fixtures::track(s));
  const double beat = 60.0 / 128, bar = 4 * beat;
  const std::vector<double> st = section_starts(s);
  const double music_end = st.back() + 8 * bar;

  ASSERT_EQ(a.cues.size(), 8u);
  const char* order[] = {"audible_start", "audible_end", "music_start", "mix_in",
                         "intro_end",     "first_drop",  "outro_start", "mix_out"};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(a.cues[i].name, order[i]);
    ASSERT_TRUE(a.cues[i].time.has_value()) << order[i] << ": " << a.cues[i].reason;
    EXPECT_FALSE(a.cues[i].reason.empty());
  }
  EXPECT_NEAR(*a.cue("audible_start").time, 2.0, 0.05);
  EXPECT_GT(*a.cue("audible_end").time, music_end - beat);
  EXPECT_LT(*a.cue("audible_end").time, music_end + 1.1);  // the synth's 1 s decay tail
  EXPECT_NEAR(*a.cue("music_start").time, 2.0, beat / 4);
  EXPECT_NEAR(*a.cue("mix_in").time, *a.cue("music_start").time, 1e-9);
  EXPECT_NEAR(*a.cue("intro_end").time, st[1], beat);
  EXPECT_NEAR(*a.cue("first_drop").time, st[1], beat);
  EXPECT_NEAR(*a.cue("outro_start").time, st[4], beat);
  // 56 bars: a 16-bar phrase before the end of the last bar, on a downbeat.
  EXPECT_NEAR(*a.cue("mix_out").time, music_end - 16 * bar, beat);
}

TEST(Cues, MusicStartIsTheFirstStrongDownbeatNotTheFirstNoise) {
  synth::TrackSpec s = spec("intro:4,drop:8,outro:4", 124, 3.0);
  std::vector<float> x = rhythm_fixtures::track(s);
  // A faint crackle a second into the silence.
  rhythm_fixtures::add_hat(x, 1.0, 0.02, 7);
  const Analysis a = analyse(x);
  EXPECT_LT(*a.cue("audible_start").time, 1.1);
  EXPECT_NEAR(*a.cue("music_start").time, 3.0, 60.0 / 124 / 4);
}

TEST(Cues, WithoutDrumsThereIsNoDropAndTheReasonSaysSo) {
  const Analysis a = analyse(rhythm_fixtures::track(spec("bridge:8,bridge:8:Em", 120)));
  const audio::Cue& drop = a.cue("first_drop");
  EXPECT_FALSE(drop.time.has_value());
  EXPECT_NE(drop.reason.find("no drop"), std::string::npos);
  EXPECT_TRUE(a.cue("audible_start").time.has_value());
  const audio::Json j = audio::cues_json(a.cues);
  ASSERT_EQ(j.size(), 8u);
  EXPECT_TRUE(j[5]["time"].is_null());
  EXPECT_EQ(j[5]["name"], "first_drop");
}

TEST(Cues, SilenceBeatlessAndShortInputs) {
  const synth::Audio quiet = synth::sine(440, 5, rhythm_fixtures::kRate, 1, 0.0);
  const Analysis silent = analyse(quiet.samples);
  for (const audio::Cue& c : silent.cues) {
    EXPECT_FALSE(c.time.has_value()) << c.name;
    EXPECT_FALSE(c.reason.empty()) << c.name;
  }

  const synth::Audio talk = synth::babble(20, rhythm_fixtures::kRate, 4);
  const Analysis speech = analyse(talk.samples);
  EXPECT_TRUE(speech.cue("music_start").time.has_value());
  EXPECT_NE(speech.cue("music_start").reason.find("no beat grid"), std::string::npos);
  EXPECT_FALSE(speech.cue("mix_out").time.has_value());
  EXPECT_FALSE(speech.cue("first_drop").time.has_value());

  const Analysis shorty = analyse(rhythm_fixtures::track(spec("drop:8", 128)));
  EXPECT_FALSE(shorty.cue("mix_out").time.has_value());
  EXPECT_NE(shorty.cue("mix_out").reason.find("shorter than 16 bars"), std::string::npos);

  const Analysis empty = analyse({});
  EXPECT_EQ(empty.cues.size(), 8u);
  EXPECT_FALSE(empty.cue("audible_start").time.has_value());
}

}  // namespace
