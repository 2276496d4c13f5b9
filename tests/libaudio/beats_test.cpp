#include "libaudio/beats.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace {

using namespace rhythm_fixtures;

audio::BeatGrid grid_of(const std::vector<float>& x) {
  const audio::OnsetFeatures f = features(x);
  return audio::analyze_beats(f, audio::estimate_tempo(f));
}

// Largest distance from each truth beat to the nearest estimated beat.
double worst_miss(const std::vector<double>& truth, const std::vector<double>& est) {
  double worst = 0;
  for (double t : truth) {
    double best = 1e9;
    for (double e : est) best = std::min(best, std::fabs(e - t));
    worst = std::max(worst, best);
  }
  return worst;
}

// The grid of `x` is found at `bpm` and has a beat within `tolerance` of every true beat.
void expect_grid_on(const std::vector<float>& x, const std::vector<double>& truth, double bpm,
                    double tolerance) {
  const audio::BeatGrid g = grid_of(x);
  ASSERT_TRUE(g.found);
  EXPECT_NEAR(g.bpm, bpm, 0.5);
  EXPECT_LT(worst_miss(truth, g.beats), tolerance);
}

TEST(Beats, ClickTrackGivesAnExactConstantGrid) {
  const double bpm = 128, offset = 0.3;
  const synth::Audio c = synth::clicks(bpm, 60, kRate, offset);
  const audio::BeatGrid g = grid_of(c.samples);
  ASSERT_TRUE(g.found);
  EXPECT_TRUE(g.constant);
  ASSERT_EQ(g.segments.size(), 1u);
  EXPECT_NEAR(g.bpm, bpm, 0.01);
  EXPECT_NEAR(g.period, 60 / bpm, 1e-5);
  std::vector<double> truth;
  for (double t = offset; t < 60; t += 60 / bpm) truth.push_back(t);
  EXPECT_EQ(g.beats.size(), truth.size());
  EXPECT_LT(worst_miss(truth, g.beats), 0.015);
  EXPECT_LT(g.residual, 0.01);
}

TEST(Beats, NoBeatsInLeadInSilenceAndNoDriftOverTenMinutes) {
  const double bpm = 123.45, offset = 3.0;
  const synth::Audio c = synth::clicks(bpm, 600, kRate, offset);
  const audio::BeatGrid g = grid_of(c.samples);
  ASSERT_TRUE(g.found);
  EXPECT_TRUE(g.constant);
  EXPECT_NEAR(g.bpm, bpm, 0.005);
  ASSERT_FALSE(g.beats.empty());
  EXPECT_NEAR(g.beats.front(), offset, 0.015);
  // The last click is about 1230 beats later: a grid 0.01 BPM off would be 100 ms away.
  const double last = offset + std::floor((600 - offset) / (60 / bpm)) * (60 / bpm);
  EXPECT_NEAR(g.beats.back(), last, 0.015);
}

TEST(Beats, SynthTracksInEveryGrooveLandOnTheTruth) {
  for (auto groove :
       {synth::Groove::four_on_the_floor, synth::Groove::breakbeat, synth::Groove::half_time}) {
    synth::TrackSpec spec;
    spec.bpm = 126.5;
    spec.groove = groove;
    spec.lead_in = 1.5;
    const audio::BeatGrid g = grid_of(track(spec));
    ASSERT_TRUE(g.found);
    EXPECT_NEAR(g.bpm, 126.5, 0.05) << synth::groove_name(groove);
    const audio::Json truth = synth::truth(spec, 0);
    const auto beats = truth["beats"].get<std::vector<double>>();
    EXPECT_LT(worst_miss(beats, g.beats), 0.035) << synth::groove_name(groove);
    EXPECT_NEAR(g.beats.front(), 1.5, 0.035);
    // The synth cuts its last bass note off with a click almost exactly a beat after the
    // last true beat, which reads as one more beat; nothing else may be extra.
    ASSERT_GE(g.beats.size(), beats.size());
    ASSERT_LE(g.beats.size(), beats.size() + 1) << synth::groove_name(groove);
    if (g.beats.size() > beats.size()) {
      EXPECT_NEAR(g.beats.back(), beats.back() + 60 / 126.5, 0.035);
    }
  }
}

TEST(Beats, TempoChangeBetweenSectionsGivesSegments) {
  synth::TrackSpec spec;
  spec.bpm = 120;
  spec.sections = synth::parse_sections("intro:4,drop:8,drop:8@126,outro:4@126");
  const audio::BeatGrid g = grid_of(track(spec));
  ASSERT_TRUE(g.found);
  EXPECT_FALSE(g.constant);
  ASSERT_EQ(g.segments.size(), 2u);
  const double change = 12 * 4 * 0.5;  // 12 bars at 120 BPM
  EXPECT_NEAR(g.segments[0].bpm, 120, 0.1);
  EXPECT_NEAR(g.segments[1].bpm, 126, 0.1);
  EXPECT_NEAR(g.segments[1].start, change, 2 * 60 / 126.0);
  EXPECT_EQ(g.segments[0].first_beat, 0);
  EXPECT_NEAR(g.beats[static_cast<std::size_t>(g.segments[1].first_beat)], g.segments[1].start,
              1e-9);
  // Both segments last 12 bars; the longer in seconds (the slower one) gives the tempo.
  EXPECT_NEAR(g.bpm, 120, 0.1);
  const auto beats = synth::truth(spec, 0)["beats"].get<std::vector<double>>();
  EXPECT_LT(worst_miss(beats, g.beats), 0.07);
}

TEST(Beats, GridFitCountsGapsAndDropsExtras) {
  // Beats every 0.5 s with +-8 ms jitter, one missing, one spurious half-way extra.
  std::vector<audio::BeatPoint> pts;
  const double jitter[5] = {0.004, -0.008, 0.006, -0.002, 0.0};
  for (int i = 0; i < 64; ++i) {
    if (i == 20) continue;
    pts.push_back({10 + 0.5 * i + jitter[i % 5], 1.0});
    if (i == 40) pts.push_back({10 + 0.5 * i + 0.25, 1.0});
  }
  const audio::BeatGrid g = audio::fit_beat_grid(pts, 0.49);
  ASSERT_TRUE(g.found);
  EXPECT_TRUE(g.constant);
  EXPECT_NEAR(g.period, 0.5, 2e-4);
  EXPECT_EQ(g.beats.size(), 64u);
  EXPECT_NEAR(g.beats.front(), 10, 0.01);
  EXPECT_NEAR(g.beats.back(), 10 + 0.5 * 63, 0.01);
}

TEST(Beats, GridFitHoldsAcrossBreakdownsTrackedOffTheBeat) {
  // 444 beats at 124 BPM with +-8 ms jitter, two 64-beat breakdowns tracked 0.4 of a
  // period late (pads, no kick), as a 215 s excerpt of a dance track. The drops' grid must
  // come out: a slope a few tenths of a per cent out once lost a whole beat over this span.
  const double period = 60.0 / 124;
  const double jitter[7] = {0.008, -0.006, 0.002, -0.008, 0.005, 0.0, -0.003};
  std::vector<audio::BeatPoint> pts;
  for (int i = 0; i < 444; ++i) {
    const bool breakdown = (i >= 128 && i < 192) || (i >= 320 && i < 384);
    pts.push_back(
        {period * i + jitter[i % 7] + (breakdown ? 0.4 * period : 0.0), breakdown ? 0.3 : 1.0});
  }
  const audio::BeatGrid g = audio::fit_beat_grid(pts, period * 1.002);
  ASSERT_TRUE(g.found);
  EXPECT_NEAR(g.period, period, 2e-5);
  EXPECT_NEAR(g.beats.front(), 0, 0.004);
  EXPECT_NEAR(g.beats.back(), period * 443, 0.006);
}

TEST(Beats, BreakdownsDoNotPullTheGridsPhase) {
  // A dance track whose breakdowns the tracker follows a little off the beat: the grid's
  // phase is the drops', within a few milliseconds of the truth (it was 11 ms early).
  synth::TrackSpec spec;
  spec.bpm = 124;
  spec.sections =
      synth::parse_sections("intro:16,drop:32,breakdown:16,drop:32,breakdown:16,drop:16,outro:16");
  const audio::BeatGrid g = grid_of(track(spec));
  ASSERT_TRUE(g.found);
  EXPECT_NEAR(g.bpm, 124, 0.01);
  EXPECT_NEAR(g.first_beat, 0, 0.005);
}

TEST(Beats, ALiveBandsDriftingBeatIsFollowed) {
  // A band without a click: 120 BPM pushed 3 % faster and held back 3 % slower over every
  // 20 s (eval-warp's drift). No straight line comes within 90 ms of all its beats; the
  // beats must follow the band (the grid alone misses by 0.4 s).
  std::vector<float> x(static_cast<std::size_t>(62 * kRate), 0.0f);
  std::vector<double> truth;
  unsigned seed = 1;
  for (double t : drifting_beats(120, 60)) {
    if (t < 0.5) continue;
    truth.push_back(t);
    add_kick(x, t, truth.size() % 2 ? 0.8 : 0.6);
    add_hat(x, t + 0.25, 0.3, seed++);
  }
  const audio::BeatGrid g = grid_of(x);
  ASSERT_TRUE(g.found);
  EXPECT_NEAR(g.bpm, 120, 4.0);
  EXPECT_LT(worst_miss(truth, g.beats), 0.03);
}

TEST(Beats, ATrackerThatTakesTheSwungOffBeatMidTrackIsNotFollowedAsDrift) {
  // Kick and hats on the beat at the ends, a ride with a louder swung off-beat between: the
  // tracker takes the off-beat in the middle, a third of a beat early. That slide is far too
  // fast for a band's drift, so the grid stays one straight line on the beats.
  const double bpm = 80, period = 60 / bpm;
  std::vector<float> x(static_cast<std::size_t>(90 * kRate), 0.0f);
  std::vector<double> truth;
  unsigned seed = 1;
  for (double t = 0.5; t < 89; t += period) {
    truth.push_back(t);
    if (t < 20 || t > 70) {
      add_kick(x, t, 0.8);
      add_hat(x, t, 0.3, seed++);
    } else {
      add_hat(x, t, 0.4, seed++);
      add_hat(x, t + 2 * period / 3, 0.9, seed++);
    }
  }
  expect_grid_on(x, truth, bpm, 0.03);
}

TEST(Beats, SwungOffBeatsLouderThanTheBeatsDoNotTakeThePhase) {
  // A jazz ride pattern: a hat on each beat, a louder one on the swung off-beat
  // two thirds of a beat later. The tracker locks onto the louder off-beats; the grid must
  // still sit on the beats (the swung note follows the beat, long-short).
  const double bpm = 120, period = 60 / bpm, offset = 0.5;
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  std::vector<double> truth;
  unsigned seed = 1;
  for (double t = offset; t < 39; t += period) {
    truth.push_back(t);
    add_hat(x, t, 0.4, seed++);
    add_hat(x, t + 2 * period / 3, 0.9, seed++);
  }
  expect_grid_on(x, truth, bpm, 0.03);
}

TEST(Beats, ChordsChangingOnTheBeatTakeThePhaseFromLouderOffBeats) {
  // Off-beat piano chords 15 % louder than the on-beat ones (a ska or stride left hand):
  // the accent pulls the tracker half a beat off, but the chords change on the beats (every
  // two beats here), so the grid must sit on them.
  const double bpm = 120, period = 60 / bpm, offset = 0.5;
  const double chords[4][3] = {
      {261.6, 329.6, 392.0}, {349.2, 440.0, 523.3}, {392.0, 493.9, 587.3}, {220.0, 261.6, 329.6}};
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  std::vector<double> truth;
  int beat = 0;
  for (double t = offset; t < 39; t += period, ++beat) {
    truth.push_back(t);
    const double* chord = chords[(beat / 2) % 4];
    for (int h = 0; h < 2; ++h)
      for (int k = 0; k < 3; ++k)
        add_tone(x, t + h * period / 2, 0.2, chord[k], h == 0 ? 0.10 : 0.115);
  }
  expect_grid_on(x, truth, bpm, 0.05);
}

TEST(Beats, AMelodyOnTheOffBeatsDoesNotTakeThePhaseFromBarLongChords) {
  // Hats on every eighth, equally loud, so the accent cannot tell the beat from the half
  // beat; chords change on the bar lines; a melody of one note per beat starts each note on
  // the "and". Over two beats the pitches change more at the half beats (the melody), over a
  // bar more at the beats (the chords): the grid must stay on the beats.
  const double bpm = 120, period = 60 / bpm, offset = 0.5;
  const double chords[4][3] = {
      {130.8, 164.8, 196.0}, {174.6, 220.0, 261.6}, {196.0, 246.9, 293.7}, {110.0, 130.8, 164.8}};
  const double melody[4] = {523.3, 659.3, 587.3, 784.0};
  std::vector<float> x(static_cast<std::size_t>(40 * kRate), 0.0f);
  std::vector<double> truth;
  unsigned seed = 1;
  int beat = 0;
  for (double t = offset; t < 38; t += period, ++beat) {
    truth.push_back(t);
    add_hat(x, t, 0.5, seed++);
    add_hat(x, t + period / 2, 0.5, seed++);
    if (beat % 4 == 0)
      for (double f : chords[(beat / 4) % 4]) add_tone(x, t, 4 * period, f, 0.08);
    add_tone(x, t + period / 2, period, melody[beat % 4], 0.06);
  }
  expect_grid_on(x, truth, bpm, 0.05);
}

TEST(Beats, NoTempoNoGrid) {
  audio::TempoEstimate none;
  const std::vector<float> silence(kRate * 5, 0.0f);
  EXPECT_FALSE(audio::analyze_beats(features(silence), none).found);
  EXPECT_FALSE(audio::fit_beat_grid({}, 0.5).found);
}

}  // namespace
