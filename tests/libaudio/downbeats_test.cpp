#include "libaudio/downbeats.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "libaudio/harmonic_change.hpp"
#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace {

using namespace rhythm_fixtures;

struct Result {
  audio::BeatGrid grid;
  audio::Downbeats bars;
};

Result analyse(const std::vector<float>& x) {
  const audio::OnsetFeatures f = features(x);
  Result r;
  r.grid = audio::analyze_beats(f, audio::estimate_tempo(f));
  r.bars = audio::estimate_downbeats(f, r.grid);
  return r;
}

// Share of estimated downbeats within 70 ms of a true one.
double hit_rate(const std::vector<double>& truth, const std::vector<double>& est) {
  if (est.empty()) return 0;
  int hits = 0;
  for (double e : est) {
    for (double t : truth) {
      if (std::fabs(e - t) <= 0.07) {
        ++hits;
        break;
      }
    }
  }
  return static_cast<double>(hits) / static_cast<double>(est.size());
}

TEST(Downbeats, EveryGrooveWithAKicklessBreakdown) {
  for (auto groove :
       {synth::Groove::four_on_the_floor, synth::Groove::breakbeat, synth::Groove::half_time}) {
    synth::TrackSpec spec;
    spec.bpm = 131;
    spec.groove = groove;
    spec.lead_in = 0.7;
    // A long breakdown (no drums at all) in the middle, and a kick-only intro.
    spec.sections = synth::parse_sections("intro:4,drop:4,breakdown:8,drop:4,outro:2");
    const Result r = analyse(track(spec));
    ASSERT_TRUE(r.bars.found) << synth::groove_name(groove) << ": " << r.bars.reason;
    EXPECT_EQ(r.bars.meter, 4);
    const auto truth = synth::truth(spec, 0)["downbeats"].get<std::vector<double>>();
    // The synth's last bass note ends in a click a beat after the last true beat, which the
    // grid may take for one more beat (a downbeat, here): allow that one, nothing else.
    std::vector<double> within = r.bars.downbeats;
    if (!within.empty() && within.back() > truth.back() + 3 * 60 / 131.0) within.pop_back();
    EXPECT_GE(hit_rate(truth, within), 0.99) << synth::groove_name(groove);
    EXPECT_EQ(within.size(), truth.size()) << synth::groove_name(groove);
    EXPECT_GT(r.bars.confidence, 0.3) << synth::groove_name(groove);
    EXPECT_LT(r.bars.phase, 4);
    EXPECT_EQ(r.bars.downbeats.front(), r.grid.beats[static_cast<std::size_t>(r.bars.phase)]);
  }
}

// A waltz: a bass note and a chord that change every three beats, a kick on one, softer
// hits on two and three. Meter 3, phase from the second beat of the signal.
TEST(Downbeats, ThreeFourWhenTheEvidenceSaysSo) {
  const double beat = 60.0 / 150;
  std::vector<float> x(static_cast<std::size_t>(48 * kRate), 0.0f);
  const double roots[4] = {110.0, 146.83, 123.47, 164.81};
  for (int i = 0; (i + 1) * beat < 47; ++i) {
    const double t = 0.5 + i * beat;
    const int in_bar = (i + 2) % 3;  // beat 0 of the signal is the bar's third beat
    if (in_bar == 0) {
      add_kick(x, t, 0.8);
      const double root = roots[((i + 2) / 3) % 4];
      add_tone(x, t, 3 * beat, root, 0.15);
      add_tone(x, t, 3 * beat, root * 1.26, 0.1);
      add_tone(x, t, 3 * beat, root * 1.5, 0.1);
    } else {
      add_hat(x, t, 0.5, static_cast<unsigned>(i));
    }
  }
  const Result r = analyse(x);
  ASSERT_TRUE(r.grid.found);
  ASSERT_TRUE(r.bars.found) << r.bars.reason;
  EXPECT_EQ(r.bars.meter, 3);
  std::vector<double> truth;
  for (int i = 1; 0.5 + i * beat < 47; i += 3) truth.push_back(0.5 + i * beat);
  EXPECT_GE(hit_rate(truth, r.bars.downbeats), 0.99);
  EXPECT_EQ(r.bars.downbeats.size(), truth.size());
}

TEST(Downbeats, OneBarHarmonicChangeSeesWholeBars) {
  // Chords every two beats, bars C-G, C-G, F-D, F-D: the two-beat change fires on every 1
  // and 3; the one-bar change is 0 where a bar repeats the bar before, and high where it
  // does not.
  auto chord = [](std::initializer_list<int> notes) {
    std::array<double, 12> c{};
    for (int n : notes) c[static_cast<std::size_t>(n)] = 1;
    return c;
  };
  const auto C = chord({0, 4, 7}), G = chord({7, 11, 2}), F = chord({5, 9, 0}),
             D = chord({2, 6, 9});
  std::vector<std::array<double, 12>> beats;
  for (const auto& half : {C, G, C, G, F, D, F, D})
    for (int b = 0; b < 2; ++b) beats.push_back(half);
  const std::vector<double> two = audio::harmonic_change(beats, 2),
                            bar = audio::harmonic_change(beats, 4);
  ASSERT_EQ(two.size(), beats.size());
  ASSERT_EQ(bar.size(), beats.size());
  for (std::size_t i : {2u, 4u, 6u, 8u, 10u}) EXPECT_GT(two[i], 0.5) << i;
  EXPECT_NEAR(bar[4], 0.0, 1e-12);   // bar 2 repeats bar 1
  EXPECT_GT(bar[8], 0.5);            // bar 3 is other chords
  EXPECT_NEAR(bar[12], 0.0, 1e-12);  // ... and bar 4 repeats it
  EXPECT_LT(bar[6], bar[8]);         // mid-bar windows straddle two bars
  EXPECT_EQ(bar[0], 0.0);            // no bar before the first
  EXPECT_EQ(bar[13], 0.0);           // nor a whole bar after the last but one
}

TEST(Downbeats, IdenticalBeatsGiveNoDownbeats) {
  const synth::Audio c = synth::clicks(125, 40, kRate, 0.4);
  const Result r = analyse(c.samples);
  ASSERT_TRUE(r.grid.found);
  EXPECT_FALSE(r.bars.found);
  EXPECT_FALSE(r.bars.reason.empty());
  EXPECT_TRUE(r.bars.downbeats.empty());
}

TEST(Downbeats, NoGridNoDownbeats) {
  const std::vector<float> silence(kRate * 5, 0.0f);
  const audio::Downbeats d = audio::estimate_downbeats(features(silence), audio::BeatGrid{});
  EXPECT_FALSE(d.found);
  EXPECT_EQ(d.reason, "no beat grid");
}

}  // namespace
