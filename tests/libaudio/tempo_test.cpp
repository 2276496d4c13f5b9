#include "libaudio/tempo.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace {

using namespace rhythm_fixtures;

audio::TempoEstimate tempo_of(const std::vector<float>& x, audio::TempoOptions o = {}) {
  return audio::estimate_tempo(features(x), o);
}

// `x` has a tempo, within `tolerance` of `bpm`.
void expect_tempo(const std::vector<float>& x, double bpm, double tolerance,
                  audio::TempoOptions o = {}) {
  const audio::TempoEstimate t = tempo_of(x, o);
  ASSERT_TRUE(t.found);
  EXPECT_NEAR(t.bpm, bpm, tolerance);
}

TEST(Tempo, ClickTracksAtKnownTempi) {
  for (double bpm : {80.0, 100.0, 123.0, 140.0, 174.0}) {
    const synth::Audio c = synth::clicks(bpm, 30, kRate, 0.2);
    const audio::TempoEstimate t = tempo_of(c.samples);
    ASSERT_TRUE(t.found) << bpm;
    EXPECT_NEAR(t.bpm, bpm, 0.005 * bpm) << bpm;
    EXPECT_NEAR(t.period_frames, 60 * 22050.0 / 256 / t.bpm, 1e-9);
    EXPECT_GT(t.confidence, 0.5) << bpm;
  }
}

TEST(Tempo, DrumAndBassIsFoundAtItsRealTempoNotHalf) {
  synth::TrackSpec spec;
  spec.bpm = 174;
  spec.groove = synth::Groove::breakbeat;
  spec.sections = synth::parse_sections("intro:4,drop:8,outro:4");
  const audio::TempoEstimate t = tempo_of(track(spec));
  ASSERT_TRUE(t.found);
  EXPECT_NEAR(t.bpm, 174, 1.0);
  // 87 is a candidate (it fits the same onsets) but scores lower.
  bool has_half = false;
  for (const auto& a : t.alternatives) {
    EXPECT_LT(a.score, 1.0);
    has_half = has_half || std::fabs(a.bpm - 87) < 1.5;
  }
  EXPECT_TRUE(has_half);
}

TEST(Tempo, HalfTimeAndSlowFourOnTheFloorKeepTheirLevel) {
  synth::TrackSpec half;
  half.bpm = 140;
  half.groove = synth::Groove::half_time;
  half.sections = synth::parse_sections("intro:2,drop:8,outro:2");
  EXPECT_NEAR(tempo_of(track(half)).bpm, 140, 1.0);  // not 70 (or 93, 2/3 of it)
  synth::TrackSpec slow = half;
  slow.bpm = 85;
  slow.groove = synth::Groove::four_on_the_floor;
  EXPECT_NEAR(tempo_of(track(slow)).bpm, 85, 1.0);  // not 170
}

// The default range reaches 220. Kick and bass on every beat at 200 (hats too) leave no doubt:
// at 100 they would fill every half beat, so it is read at 200, not at 100.
TEST(Tempo, AClearBeatAt200IsReadAt200) {
  const double bpm = 200, beat = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    add_kick(x, i * beat, 0.8);
    add_tone(x, i * beat, beat / 2, 55 + 10 * (i % 4), 0.3);
    add_hat(x, i * beat, 0.3, static_cast<unsigned>(i));
  }
  expect_tempo(x, 200, 1.0);
}

// A metal gallop at 100: the kick on every eighth, the snare on 2 and 4. The octave model
// leans to 200 (kicks on every half beat), but not by kFastOctaveMargin, so above 185 the
// snare's beat is kept: 100, where a range topped at 220 with no margin reads 200.
TEST(Tempo, EighthNoteKicksUnderABackbeatDoNotDoubleATempoPast185) {
  const double bpm = 100, beat = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    add_kick(x, i * beat, 0.7);
    add_kick(x, i * beat + beat / 2, 0.7);
    if (i % 2 == 1) add_hat(x, i * beat, 0.9, static_cast<unsigned>(i));
  }
  expect_tempo(x, 100, 1.0);
}

// Kicks on the beat, open hats on every off-beat twice as loud in the broadband flux: an
// onset detector that counts onsets alone sees 200 BPM.
TEST(Tempo, MachineTightEighthsKeepTheBeatsFamily) {
  // A metal groove at 190: kicks and hats on every eighth, a loud snare on 2 and 4, all to
  // the sample. The autocorrelation's peaks are a frame wide; read between frames, the comb
  // favoured the 2:5 level (76), whose multiples fall on whole frames. Either octave of the
  // beat is a fair reading; no other level is.
  const double beat = 60.0 / 190;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    for (double t : {i * beat, i * beat + beat / 2}) {
      add_kick(x, t, 0.7);
      add_hat(x, t, 0.3, static_cast<unsigned>(2 * i + (t > i * beat)));
    }
    if (i % 2 == 1) add_hat(x, i * beat, 1.0, static_cast<unsigned>(1000 + i));
  }
  const audio::TempoEstimate t = tempo_of(x);
  ASSERT_TRUE(t.found);
  const double octave = std::log2(t.bpm / 190);
  EXPECT_NEAR(octave, std::round(octave), 0.02) << t.bpm;
}

TEST(Tempo, LoudOffBeatsDoNotDoubleTheTempo) {
  const double bpm = 100, beat = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    add_kick(x, i * beat, 0.6);
    add_hat(x, i * beat + beat / 2, 1.2, static_cast<unsigned>(i));
  }
  audio::TempoOptions wide;
  wide.min_bpm = 60;
  wide.max_bpm = 240;
  expect_tempo(x, 100, 1.0, wide);
}

// Strong beats with softer triplet notes between them: 180 (= 3/2 x 120) fits every onset
// every other beat, and 60/80 fit the strong ones; the beat is 120.
TEST(Tempo, TripletFeelDoesNotGiveThreeHalves) {
  const double bpm = 120, beat = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    add_kick(x, i * beat, 0.8);
    add_hat(x, i * beat, 0.5, static_cast<unsigned>(3 * i));
    add_hat(x, i * beat + beat / 3, 0.35, static_cast<unsigned>(3 * i + 1));
    add_hat(x, i * beat + 2 * beat / 3, 0.35, static_cast<unsigned>(3 * i + 2));
  }
  audio::TempoOptions wide;
  wide.min_bpm = 50;
  wide.max_bpm = 240;
  expect_tempo(x, 120, 1.0, wide);
}

// House with sixteenth-note closed hats, an open hat and a bass note on every off-beat: the
// busiest level is the sixteenths, the beat is still the kick.
TEST(Tempo, SixteenthHatsKeepTheKickTempo) {
  const double bpm = 124, beat = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  for (int i = 0; i * beat < 39.5; ++i) {
    const double t = i * beat;
    add_kick(x, t, 0.8);
    for (int s = 0; s < 4; ++s)
      add_hat(x, t + s * beat / 4, 0.15, static_cast<unsigned>(4 * i + s));
    add_hat(x, t + beat / 2, 0.5, static_cast<unsigned>(1000 + i));
    add_tone(x, t + beat / 2, beat / 2.5, 55, 0.3);
  }
  expect_tempo(x, 124, 1.0);
}

TEST(Tempo, BeatlessInputGivesNoTempoWithAReason) {
  const std::vector<float> silence(20 * kRate, 0.0f);
  audio::TempoEstimate t = tempo_of(silence);
  EXPECT_FALSE(t.found);
  EXPECT_EQ(t.reason, "silence");
  EXPECT_EQ(t.bpm, 0);

  const synth::Audio pad = synth::pad(synth::parse_key("Am"), 40, kRate);
  t = tempo_of(pad.samples);
  EXPECT_FALSE(t.found);
  EXPECT_EQ(t.reason, "no onsets");

  const synth::Audio noise = synth::white_noise(30, kRate, 1, 0.3, 5);
  t = tempo_of(noise.samples);
  EXPECT_FALSE(t.found);
  EXPECT_EQ(t.reason, "no periodic pulse");

  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const synth::Audio talk = synth::babble(25, kRate, seed);
    t = tempo_of(talk.samples);
    EXPECT_FALSE(t.found) << seed << " " << t.bpm;
    EXPECT_EQ(t.reason, "no periodic pulse") << seed;
  }
}

TEST(Tempo, RangeOption) {
  audio::TempoOptions o;
  audio::parse_bpm_range("70-180", o);
  EXPECT_EQ(o.min_bpm, 70);
  EXPECT_EQ(o.max_bpm, 180);
  for (const char* bad : {"180-70", "abc", "10-100", "70-500", "70-", "70-180x", "70--180"})
    EXPECT_THROW(audio::parse_bpm_range(bad, o), std::exception) << bad;
  // A range forces the octave: the same clicks read at 60 when 60 is all there is.
  const synth::Audio c = synth::clicks(120, 30, kRate, 0.2);
  audio::TempoOptions slow;
  audio::parse_bpm_range("40-90", slow);
  expect_tempo(c.samples, 60, 0.5, slow);
}

TEST(Tempo, NarrowedRangeGivesTheBeatsOctaveNotAnotherLevel) {
  synth::TrackSpec spec;
  spec.bpm = 174;
  spec.groove = synth::Groove::breakbeat;
  spec.sections = synth::parse_sections("intro:4,drop:8,outro:4");
  const audio::OnsetFeatures f = features(track(spec));
  audio::TempoOptions slow;
  audio::parse_bpm_range("60-120", slow);
  const audio::TempoEstimate half = audio::estimate_tempo(f, slow);
  ASSERT_TRUE(half.found);
  EXPECT_NEAR(half.bpm, 87, 0.5);  // the octave below, not the 2/3 level at 116
  EXPECT_NEAR(half.period_frames, 60 * 22050.0 / 256 / half.bpm, 1e-6);
  // No octave of 174 lies in 120-160: no tempo, and the reason says where the beat is.
  audio::TempoOptions none;
  audio::parse_bpm_range("120-160", none);
  const audio::TempoEstimate t = audio::estimate_tempo(f, none);
  EXPECT_FALSE(t.found);
  EXPECT_NE(t.reason.find("no octave in the range 120-160"), std::string::npos) << t.reason;
}

TEST(Tempo, Deterministic) {
  synth::TrackSpec spec;
  spec.bpm = 127.3;
  spec.sections = synth::parse_sections("intro:2,drop:4");
  const audio::OnsetFeatures f = features(track(spec));
  const audio::TempoEstimate a = audio::estimate_tempo(f), b = audio::estimate_tempo(f);
  EXPECT_EQ(a.bpm, b.bpm);
  EXPECT_EQ(a.confidence, b.confidence);
  ASSERT_EQ(a.alternatives.size(), b.alternatives.size());
  for (std::size_t i = 0; i < a.alternatives.size(); ++i)
    EXPECT_EQ(a.alternatives[i].bpm, b.alternatives[i].bpm);
}

}  // namespace

namespace {

std::vector<float> mixed(const std::vector<float>& a, const std::vector<float>& b, float gain_b) {
  std::vector<float> out(std::max(a.size(), b.size()), 0.0f);
  for (std::size_t i = 0; i < a.size(); ++i) out[i] += a[i];
  for (std::size_t i = 0; i < b.size(); ++i) out[i] += gain_b * b[i];
  return out;
}

// A 3:2 rival (quieter clicks at 80 over clicks at 120) neither moves the beat to the 2/3
// level nor leaves the confidence as high as for the plain pulse: the confidence is what a
// DJ reads to know which calls to check by ear.
TEST(Tempo, AThreeAgainstTwoRivalKeepsTheBeatAndLowersTheConfidence) {
  const synth::Audio beat = synth::clicks(120, 30, kRate, 0.2);
  const synth::Audio rival = synth::clicks(80, 30, kRate, 0.2);
  const audio::TempoEstimate plain = tempo_of(beat.samples);
  const audio::TempoEstimate contested = tempo_of(mixed(beat.samples, rival.samples, 0.5f));
  ASSERT_TRUE(plain.found);
  ASSERT_TRUE(contested.found);
  EXPECT_NEAR(contested.bpm, 120, 1.0);
  EXPECT_LT(contested.confidence, plain.confidence - 0.1);
  bool has_rival = false;
  for (const auto& a : contested.alternatives) has_rival = has_rival || std::fabs(a.bpm - 80) < 1;
  EXPECT_TRUE(has_rival);
}

// The octave the range allows is taken when the other one lies outside it.
TEST(Tempo, OnlyTheOctaveInsideTheRangeIsReported) {
  const synth::Audio c = synth::clicks(90, 30, kRate, 0.2);
  audio::TempoOptions fast;
  fast.min_bpm = 150;
  fast.max_bpm = 200;
  expect_tempo(c.samples, 180, 2.0, fast);
}

}  // namespace
